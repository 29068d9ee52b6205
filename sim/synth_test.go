package sim

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// The generator draws the traffic issue 30 describes: about 3.4 requests a
// second arriving in bursts, prompts of median 6,900 tokens up to 90,000,
// answers of median 350.
func TestLongPromptShapeHasIssue30sFigures(t *testing.T) {
	sh := LongPromptShape()
	rows, err := sh.Generate(1, t0)
	if err != nil {
		t.Fatal(err)
	}
	perSecond := float64(len(rows)) / sh.Duration.Seconds()
	if perSecond < 3.4*0.95 || perSecond > 3.4*1.05 {
		t.Errorf("%d requests in %s: %.2f a second, want about 3.4", len(rows), sh.Duration, perSecond)
	}
	prompts, answers := make([]int, len(rows)), make([]int, len(rows))
	for i, r := range rows {
		prompts[i], answers[i] = r.ContextTokens, r.GeneratedTokens
		if i > 0 && r.Time.Before(rows[i-1].Time) {
			t.Fatalf("row %d is earlier than row %d", i, i-1)
		}
	}
	slices.Sort(prompts)
	slices.Sort(answers)
	if m := prompts[len(prompts)/2]; m < 6900*95/100 || m > 6900*105/100 {
		t.Errorf("median prompt %d tokens, want about 6,900", m)
	}
	if longest := prompts[len(prompts)-1]; longest > 90000 || longest < 60000 {
		t.Errorf("longest prompt %d tokens, want a tail up to 90,000", longest)
	}
	if m := answers[len(answers)/2]; m < 350*95/100 || m > 350*105/100 {
		t.Errorf("median answer %d tokens, want about 350", m)
	}
	// Poisson arrivals at 3.4 a second leave 3% of seconds empty; bursts
	// every 3 s leave most of them empty.
	busy := map[int64]bool{}
	for _, r := range rows {
		busy[int64(r.Time.Sub(t0)/time.Second)] = true
	}
	if empty := 1 - float64(len(busy))/sh.Duration.Seconds(); empty < 0.5 {
		t.Errorf("%.0f%% of seconds without a request: the requests do not come in bursts", 100*empty)
	}
}

func TestGenerateIsSeededAndRoundTrips(t *testing.T) {
	sh := LongPromptShape()
	sh.Duration = 2 * time.Minute
	a, _ := sh.Generate(7, t0)
	b, _ := sh.Generate(7, t0)
	c, _ := sh.Generate(8, t0)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed drew two different traces")
	}
	if slices.Equal(a, c) {
		t.Fatal("seeds 7 and 8 drew the same trace")
	}
	var buf bytes.Buffer
	if err := WriteTrace(&buf, a); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTrace(&buf)
	if err != nil {
		t.Fatalf("ReadTrace of WriteTrace's output: %v", err)
	}
	if !slices.EqualFunc(a, back, func(x, y TraceRow) bool {
		return x.Time.Equal(y.Time) && x.ContextTokens == y.ContextTokens && x.GeneratedTokens == y.GeneratedTokens
	}) {
		t.Fatal("the trace read back differs from the one written")
	}
}

func TestShapeErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		edit func(*Shape)
		want string
	}{
		{func(s *Shape) { s.Rate = 0 }, "rate"},
		{func(s *Shape) { s.Duration = 0 }, "duration"},
		{func(s *Shape) { s.BurstEvery = 0 }, "burst gap"},
		{func(s *Shape) { s.PromptMax = s.PromptMedian - 1 }, "prompt"},
		{func(s *Shape) { s.AnswerSigma = -1 }, "σ"},
	} {
		sh := LongPromptShape()
		c.edit(&sh)
		if _, err := sh.Generate(1, t0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one naming %q", err, c.want)
		}
	}
}
