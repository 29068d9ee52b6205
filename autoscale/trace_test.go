package autoscale

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReadTrace(t *testing.T) {
	csv := "t,$PendingTasks,$CPUPercent,$TargetDedicatedNodes\n" +
		"# a comment line\n" +
		"0,1,0.5,2\n" +
		"30,,0.6,2\n" + // $PendingTasks not recorded
		"60,3,0.7,3\n"
	tr, err := ReadTrace(strings.NewReader(csv), t0)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.End().Equal(t0.Add(time.Minute)) {
		t.Errorf("End = %v", tr.End())
	}
	if h := tr.History(VarPendingTasks); len(h) != 2 || h[1].Value != 3 || !h[1].Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("$PendingTasks history = %v, want the two recorded samples", h)
	}
	if h := tr.Until(t0.Add(time.Minute), 30*time.Second).History("$CPUPercent"); len(h) != 2 {
		t.Errorf("history 30 s late = %v, want the first two samples", h)
	}
	env := tr.Env()
	if !env.Now.Equal(tr.End()) || env.TargetDedicatedNodes != 3 {
		t.Errorf("Env = %+v, want now at the last row and the current target 3", env)
	}

	var out bytes.Buffer
	if err := WriteTrace(&out, tr); err != nil {
		t.Fatal(err)
	}
	if want := "t,$PendingTasks,$CPUPercent,$TargetDedicatedNodes\n0,1,0.5,2\n30,,0.6,2\n60,3,0.7,3\n"; out.String() != want {
		t.Errorf("WriteTrace =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestReadTraceErrors(t *testing.T) {
	cases := []struct{ csv, want string }{
		{"", "empty"},
		{"time,$PendingTasks\n0,1\n", "header must be t,$Variable"},
		{"t,PendingTasks\n0,1\n", `line 1, column 2: "PendingTasks" is not a service variable`},
		{"t,$PendingTasks,$PendingTasks\n0,1,1\n", "appears twice"},
		{"t,$NodeDeallocationOption\n0,1\n", "not a service variable"},
		{"t,$PendingTasks\n", "no samples"},
		{"t,$PendingTasks\n0,1\nx,2\n", "line 3: t must be seconds"},
		{"t,$PendingTasks\n30,1\n0,2\n", "line 3: t=0 goes back in time"},
		{"t,$PendingTasks\n0,many\n", "line 2, column 2: $PendingTasks must be a number or empty"},
		{"t,$PendingTasks\n0,1,2\n", "wrong number of fields"},
	}
	for _, c := range cases {
		_, err := ReadTrace(strings.NewReader(c.csv), t0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadTrace(%q) error = %v, want %q", c.csv, err, c.want)
		}
	}
}

// A formula evaluated over a trace at its end sees every row, as `gpuorch
// formula eval` does; a sample-percent failure surfaces as ErrSamplePercent.
func TestEvaluateOverTrace(t *testing.T) {
	tr, err := ReadTrace(strings.NewReader("t,$PendingTasks\n0,4\n30,6\n60,8\n90,10\n120,12\n150,14\n"), t0)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := Parse(docPendingTasks)
	res, err := f.Evaluate(tr.Env())
	if err != nil || *res.TargetDedicatedNodes != 9 {
		t.Fatalf("doc pending-tasks formula over the trace: %v %v, want 9 (avg of 4..14)", res, err)
	}
	g, _ := Parse("$x = $PendingTasks.GetSample(TimeInterval_Minute * 10, 90);")
	if _, err := g.Evaluate(tr.Env()); !errors.Is(err, ErrSamplePercent) {
		t.Fatalf("10-minute window over 3 minutes of trace: %v, want ErrSamplePercent", err)
	}
}
