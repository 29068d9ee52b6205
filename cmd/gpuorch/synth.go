package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

func init() {
	register("synth", "write a seeded synthetic trace (default: issue 30's long-prompt traffic) for simulate and tune", runSynth)
}

// synthStart is the first burst's timestamp: any fixed time, so that a seed
// gives the same file.
var synthStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func runSynth(args []string, stdout, stderr io.Writer) int {
	sh := sim.LongPromptShape()
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "seed of the generator: the same seed writes the same trace")
	out := fs.String("o", "", "write the CSV to this file (default: standard output)")
	fs.DurationVar(&sh.Duration, "duration", sh.Duration, "span of the trace")
	fs.Float64Var(&sh.Rate, "rate", sh.Rate, "mean requests per second")
	fs.DurationVar(&sh.BurstEvery, "burst-every", sh.BurstEvery, "mean gap between bursts (exponential)")
	fs.DurationVar(&sh.BurstSpread, "burst-spread", sh.BurstSpread, "a burst's requests arrive within this")
	fs.IntVar(&sh.PromptMedian, "prompt-median", sh.PromptMedian, "median prompt tokens (log-normal)")
	fs.IntVar(&sh.PromptMax, "prompt-max", sh.PromptMax, "longest prompt in tokens; longer draws are drawn again")
	fs.Float64Var(&sh.PromptSigma, "prompt-sigma", sh.PromptSigma, "σ of the prompt length's logarithm")
	fs.IntVar(&sh.AnswerMedian, "answer-median", sh.AnswerMedian, "median answer tokens (log-normal)")
	fs.IntVar(&sh.AnswerMax, "answer-max", sh.AnswerMax, "longest answer in tokens; longer draws are drawn again")
	fs.Float64Var(&sh.AnswerSigma, "answer-sigma", sh.AnswerSigma, "σ of the answer length's logarithm")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: gpuorch synth [-seed N] [-o FILE] [-duration D] [-rate R] [-burst-every D] [-prompt-median N] ...")
		return 2
	}
	rows, err := sh.Generate(*seed, synthStart)
	if err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return 2
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "synth: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := sim.WriteTrace(w, rows); err != nil {
		fmt.Fprintf(stderr, "synth: write: %v\n", err)
		return 1
	}
	return 0
}
