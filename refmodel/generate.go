package refmodel

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
)

// The reference model's "language model": a text generator and an embedder
// that are pure functions of their input, so answers are the same on every
// machine and tests can state them exactly. They stand in for an LLM served
// by vLLM or similar; the words mean nothing.

// vocabulary is what the generator draws words from.
var vocabulary = strings.Fields(`the a model answer token replica queue batch spot node warm cold
route deadline stream event router pool scale zero request reply cost price second minute
fast slow cheap steady ready done`)

// DefaultMaxTokens is the completion length when the request sets none;
// MaxTokens caps what a request may ask for.
const (
	DefaultMaxTokens = 16
	MaxTokens        = 512
)

// Completion is a generated answer: its words and why it ended.
type Completion struct {
	Words []string
	// FinishReason is "stop" when the model ended on its own and "length"
	// when max_tokens cut it.
	FinishReason string
	// PromptTokens counts the prompt's words.
	PromptTokens int
}

// Text joins the words as the answer's content.
func (c Completion) Text() string { return strings.Join(c.Words, " ") }

// Generate continues prompt with at most maxTokens words. The natural
// length (8 to 24 words) and every word follow from a hash of the prompt.
func Generate(prompt string, maxTokens int) Completion {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	maxTokens = min(maxTokens, MaxTokens)
	seed := hash64(prompt)
	natural := 8 + int(seed%17)
	c := Completion{FinishReason: "stop", PromptTokens: len(strings.Fields(prompt))}
	n := natural
	if maxTokens < natural {
		n, c.FinishReason = maxTokens, "length"
	}
	c.Words = make([]string, n)
	x := seed
	for i := range c.Words {
		x = xorshift(x)
		c.Words[i] = vocabulary[x%uint64(len(vocabulary))]
	}
	return c
}

// Sample is the i-th of several answers to one prompt (a request's n): the
// first is Generate's, each other one differs, all reproducible.
func Sample(prompt string, maxTokens, i int) Completion {
	if i == 0 {
		return Generate(prompt, maxTokens)
	}
	c := Generate(prompt+"\x00sample "+strconv.Itoa(i), maxTokens)
	c.PromptTokens = len(strings.Fields(prompt))
	return c
}

// EmbeddingDimensions is the length of an embedding unless the request asks
// for fewer.
const EmbeddingDimensions = 32

// Embed maps text to a unit vector of dims numbers: character bigrams are
// hashed into buckets, as the classifier does, then normalised.
func Embed(text string, dims int) []float32 {
	if dims <= 0 || dims > EmbeddingDimensions {
		dims = EmbeddingDimensions
	}
	v := make([]float64, dims)
	t := strings.ToLower(text)
	for i := 0; i+1 < len(t); i++ {
		h := hash64(t[i : i+2])
		sign := 1.0
		if h&1 == 1 {
			sign = -1
		}
		v[(h>>1)%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(math.Round(x/norm*1e6) / 1e6)
	}
	return out
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64() | 1 // never zero: xorshift would stay at zero
}

func xorshift(x uint64) uint64 {
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	return x
}

// float32Bytes is the little-endian layout OpenAI's base64 embeddings use.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}
