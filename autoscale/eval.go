package autoscale

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Env is what one evaluation sees of the pool and the world.
type Env struct {
	// Now is the evaluation time: time() returns it and GetSample windows
	// end at it.
	Now time.Time
	// Samples holds the service variables' histories as available at Now;
	// nil means every history is empty.
	Samples SampleSource
	// TargetDedicatedNodes and TargetLowPriorityNodes are the pool's targets
	// before this evaluation; a formula that reads $TargetDedicatedNodes
	// before setting it sees them (the documentation's Example 2 halves it).
	TargetDedicatedNodes, TargetLowPriorityNodes float64
	// Rand feeds rand(); nil means a fixed seed, so results repeat.
	Rand *rand.Rand
}

// Result is a successful evaluation.
type Result struct {
	// TargetDedicatedNodes and TargetLowPriorityNodes are nil when the
	// formula did not set them: the pool keeps its current target. A value
	// the formula computes as a fraction is truncated toward zero (inferred
	// from the documentation's Example 3, whose "(x + 3) / 4" rounds up only
	// if the target is truncated).
	TargetDedicatedNodes   *int
	TargetLowPriorityNodes *int
	// NodeDeallocationOption is the formula's choice, or "requeue", the
	// documented default.
	NodeDeallocationOption string
	// Variables holds the user-defined variables' final values.
	Variables map[string]Value
	// Stopped is true when the formula called stop(): evaluation ended there
	// and the values set before it stand (inferred: the documentation only
	// says "Stops evaluation of the autoscaling expression").
	Stopped bool
}

// Evaluate runs the formula once. On failure it returns a partial Result
// (the user variables set so far, no targets: the pool is left as it is)
// and an *Error with the failing expression's line and column; a failed
// sample-percent requirement also matches errors.Is(err, ErrSamplePercent).
func (f *Formula) Evaluate(env Env) (*Result, error) {
	ev := &evaluator{
		env:      env,
		rand:     env.Rand,
		user:     map[string]Value{},
		settable: map[string]Value{VarTargetDedicated: Double(env.TargetDedicatedNodes), VarTargetLowPriority: Double(env.TargetLowPriorityNodes), VarNodeDeallocation: String("requeue")},
		setFull:  map[string]bool{},
		assigned: map[string]bool{},
	}
	if ev.rand == nil {
		ev.rand = rand.New(rand.NewPCG(1, 2))
	}
	res := &Result{Variables: ev.user}
	for _, st := range f.Stmts {
		v, err := ev.eval(st.Value)
		if errors.Is(err, errStop) {
			res.Stopped = true
			break
		}
		if err != nil {
			return res, err
		}
		if err := ev.assign(st, v); err != nil {
			return res, err
		}
	}
	return ev.result(res)
}

type evaluator struct {
	env      Env
	rand     *rand.Rand
	user     map[string]Value
	settable map[string]Value // by full name
	setFull  map[string]bool  // set through the full name, which beats the alias
	assigned map[string]bool  // settable variables the formula set at all
}

func (ev *evaluator) history(name string) []Sample {
	if ev.env.Samples == nil {
		return nil
	}
	return ev.env.Samples.History(name)
}

func (ev *evaluator) assign(st Stmt, v Value) error {
	canon, settable := canonicalSettable(st.Name)
	if !settable {
		ev.user[st.Name] = v
		return nil
	}
	switch canon {
	case VarNodeDeallocation:
		if v.Kind != KindString || !slices.Contains(nodeDeallocationOptions, v.Str) {
			return errAt(st.Pos, "%s must be one of %v, got %s %s", canon, nodeDeallocationOptions, v.Kind, v)
		}
	default:
		if v.Kind != KindDouble {
			return errAt(st.Pos, "%s must be a double, got a %s; reduce a doubleVec with max(), avg() or val()", st.Name, v.Kind)
		}
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) || v.Num < 0 {
			return errAt(st.Pos, "%s must be a finite number of nodes, zero or more, got %s", st.Name, v)
		}
	}
	full := st.Name == canon
	if !full && ev.setFull[canon] {
		return nil // the full name, already set, takes precedence over the alias
	}
	ev.settable[canon] = v
	ev.setFull[canon] = ev.setFull[canon] || full
	ev.assigned[canon] = true
	return nil
}

func (ev *evaluator) result(res *Result) (*Result, error) {
	nodes := func(name string) *int {
		if !ev.assigned[name] {
			return nil
		}
		n := int(ev.settable[name].Num)
		return &n
	}
	res.TargetDedicatedNodes = nodes(VarTargetDedicated)
	res.TargetLowPriorityNodes = nodes(VarTargetLowPriority)
	res.NodeDeallocationOption = ev.settable[VarNodeDeallocation].Str
	return res, nil
}

// eval evaluates an expression; errors come back as *Error at the node.
func (ev *evaluator) eval(e Expr) (Value, error) {
	v, err := ev.evalNode(e)
	if err != nil && !errors.Is(err, errStop) {
		var pe *Error
		if !errors.As(err, &pe) {
			p := e.exprPos()
			return Value{}, &Error{Line: p.Line, Col: p.Col, Msg: err.Error(), Err: err}
		}
	}
	return v, err
}

func (ev *evaluator) evalNode(e Expr) (Value, error) {
	switch e := e.(type) {
	case *NumberLit:
		return Double(e.Value), nil
	case *StringLit:
		return String(e.Value), nil
	case *Ident:
		return ev.ident(e)
	case *Unary:
		a, err := ev.eval(e.Operand)
		if err != nil {
			return Value{}, err
		}
		return unaryOp(e.Op, a)
	case *Binary:
		// Both sides are always evaluated: the documentation does not
		// promise short-circuiting, so a side that would fail in Azure fails
		// here too (inferred).
		a, err := ev.eval(e.Left)
		if err != nil {
			return Value{}, err
		}
		b, err := ev.eval(e.Right)
		if err != nil {
			return Value{}, err
		}
		return binaryOp(e.Op, a, b)
	case *Ternary:
		c, err := ev.eval(e.Cond)
		if err != nil {
			return Value{}, err
		}
		if c.Kind != KindDouble {
			return Value{}, fmt.Errorf("the condition of ?: must be a double, got a %s", c.Kind)
		}
		// "nonzero is true, and zero is false"; only the chosen branch runs,
		// which the documentation's GetSamplePercent guard relies on.
		if c.Num != 0 {
			return ev.eval(e.Then)
		}
		return ev.eval(e.Else)
	case *Call:
		return ev.call(e)
	case *MethodCall:
		return ev.method(e)
	case *Member:
		r, err := ev.eval(e.Recv)
		if err != nil {
			return Value{}, err
		}
		if r.Kind != KindTimestamp {
			return Value{}, fmt.Errorf("only a timestamp has members, and this is a %s", r.Kind)
		}
		return timestampMember(r.Time, e.Name)
	}
	return Value{}, fmt.Errorf("unknown expression %T", e)
}

func (ev *evaluator) ident(e *Ident) (Value, error) {
	if d, ok := timeIntervals[e.Name]; ok {
		return TimeInterval(d), nil
	}
	if slices.Contains(nodeDeallocationOptions, e.Name) {
		return String(e.Name), nil
	}
	if canon, ok := canonicalSettable(e.Name); ok {
		return ev.settable[canon], nil
	}
	if IsServiceVariable(e.Name) {
		// A metric used as a plain value reads its latest available sample,
		// as the documentation's "$CurrentDedicatedNodes * 1.1" needs
		// (inferred).
		h := ev.history(e.Name)
		if len(h) == 0 {
			return Value{}, fmt.Errorf("%s has no samples to read a value from", e.Name)
		}
		return Double(h[len(h)-1].Value), nil
	}
	if v, ok := ev.user[e.Name]; ok {
		return v, nil
	}
	return Value{}, fmt.Errorf("variable %s is used before it is assigned", e.Name)
}

func (ev *evaluator) args(list []Expr) ([]Value, error) {
	out := make([]Value, len(list))
	for i, a := range list {
		v, err := ev.eval(a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (ev *evaluator) call(e *Call) (Value, error) {
	fn := functions[e.Name]
	if len(e.Args) < fn.minArgs || (fn.maxArgs >= 0 && len(e.Args) > fn.maxArgs) {
		return Value{}, fmt.Errorf("%s takes %s, got %d", e.Name, arity(fn), len(e.Args))
	}
	args, err := ev.args(e.Args)
	if err != nil {
		return Value{}, err
	}
	v, err := fn.call(ev, args)
	if err != nil && !errors.Is(err, errStop) {
		return Value{}, fmt.Errorf("%s: %w", e.Name, err)
	}
	return v, err
}

func arity(fn function) string {
	switch {
	case fn.maxArgs < 0:
		return fmt.Sprintf("%d or more arguments", fn.minArgs)
	case fn.minArgs == fn.maxArgs:
		return fmt.Sprintf("%d arguments", fn.minArgs)
	}
	return fmt.Sprintf("%d to %d arguments", fn.minArgs, fn.maxArgs)
}

func (ev *evaluator) method(e *MethodCall) (Value, error) {
	recv, ok := e.Recv.(*Ident)
	if !ok || !IsServiceVariable(recv.Name) {
		return Value{}, fmt.Errorf("%s is a method of the read-only service variables (e.g. $PendingTasks.%s(…))", e.Name, e.Name)
	}
	args, err := ev.args(e.Args)
	if err != nil {
		return Value{}, err
	}
	return callSampleMethod(recv.Name, e.Name, ev.history(recv.Name), ev.env.Now, args)
}
