// Command benchreport reads the figures scripts/bench.sh collected, one
// tab-separated line per measurement (phase, target, ops/s, p50 µs, p99 µs,
// errors; several rounds allowed), and prints the side-by-side table: the
// median of the rounds per target, the ratios and whether the targets of
// issue 9 are met.
//
//	benchreport -conns 32 -batch-conns 16 < figures.tsv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	conns := flag.Int("conns", 0, "connections of the realtime load phase (for the titles)")
	batchConns := flag.Int("batch-conns", 0, "clients of the batch phase (for the titles)")
	flag.Parse()
	if err := report(os.Stdin, os.Stdout, *conns, *batchConns); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer, conns, batchConns int) error {
	ms, err := readFigures(in)
	if err != nil {
		return err
	}
	t := summarize(ms)
	writeTable(out, t, conns, batchConns)
	return nil
}
