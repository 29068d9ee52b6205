// Package refmodel is the reference model: a small, deterministic CPU model
// that implements both inference contracts of the platform (the realtime
// HTTP endpoint and the batch command over JSON lines), for tests, the local
// run and a first deployment before a real model image exists.
//
// The model is a bag-of-character-bigrams linear classifier with fixed
// weights derived from a seed: the same input always gives the same output,
// on any machine.
package refmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"time"
)

// Version names the model; it is in every answer.
const Version = "reference-1"

// Input is the model's request body.
type Input struct {
	// Text is classified.
	Text string `json:"text"`
	// SleepMs makes the model take at least this long (capped at
	// MaxSleep), to stand in for a heavier model in tests and demos.
	SleepMs int `json:"sleep_ms,omitempty"`
}

// Output is the model's answer.
type Output struct {
	Model  string  `json:"model"`
	Label  string  `json:"label"`
	Score  float64 `json:"score"`
	Tokens int     `json:"tokens"`
}

// MaxSleep caps Input.SleepMs.
const MaxSleep = 30 * time.Second

// ErrBadInput is returned for a body the model cannot read.
var ErrBadInput = errors.New("bad input")

const buckets = 256

// weightsOf are a model's fixed weights: the reference model's from a fixed
// seed, another name's from that seed and the name, so that two reference
// models serving under different names answer differently, each
// deterministically.
func weightsOf(name string) *[buckets]float64 {
	if w, ok := weightsByName.Load(name); ok {
		return w.(*[buckets]float64)
	}
	var w [buckets]float64
	x := uint64(0x9E3779B97F4A7C15) // fixed seed: deterministic weights
	if name != Version {
		h := fnv.New64a()
		_, _ = h.Write([]byte(name))
		x ^= h.Sum64() | 1
	}
	for i := range w {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		w[i] = float64(int64(x%2001)-1000) / 1000
	}
	got, _ := weightsByName.LoadOrStore(name, &w)
	return got.(*[buckets]float64)
}

var weightsByName sync.Map // model name → *[buckets]float64

// Decode reads an Input from a JSON body.
func Decode(body []byte) (Input, error) {
	var in Input
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%w: body must be a JSON object with a \"text\" string: %v", ErrBadInput, err)
	}
	if in.Text == "" {
		return in, fmt.Errorf("%w: \"text\" is missing or empty", ErrBadInput)
	}
	if in.SleepMs < 0 {
		return in, fmt.Errorf("%w: \"sleep_ms\" must not be negative", ErrBadInput)
	}
	return in, nil
}

// Predict classifies the input as the reference model (Version).
func Predict(in Input) Output { return PredictAs(Version, in) }

// PredictAs classifies the input as the model named name.
func PredictAs(name string, in Input) Output {
	if in.SleepMs > 0 {
		time.Sleep(min(time.Duration(in.SleepMs)*time.Millisecond, MaxSleep))
	}
	text := strings.ToLower(in.Text)
	w := weightsOf(name)
	var sum float64
	n := 0
	for i := 0; i+1 < len(text); i++ {
		h := fnv.New32a()
		_, _ = h.Write([]byte{text[i], text[i+1]})
		sum += w[h.Sum32()%buckets]
		n++
	}
	z := 0.0
	if n > 0 {
		z = sum / math.Sqrt(float64(n))
	}
	score := 1 / (1 + math.Exp(-z))
	label := "negative"
	if score >= 0.5 {
		label = "positive"
	}
	return Output{Model: name, Label: label, Score: math.Round(score*1e6) / 1e6, Tokens: len(strings.Fields(in.Text))}
}
