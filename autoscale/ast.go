package autoscale

// Stmt is one statement: Name = Value. The documentation's statements are
// all assignments (batch-automatic-scaling.md, "Autoscale formulas"), and a
// call such as stop() is used as a value, e.g. "$x = cond ? stop() : 1".
type Stmt struct {
	Pos   Pos
	Name  string // the variable assigned, with its '$' if written with one
	Value Expr
}

// Expr is an expression node.
type Expr interface {
	exprPos() Pos
}

// NumberLit is a numeric literal.
type NumberLit struct {
	At    Pos
	Value float64
}

// StringLit is a double-quoted string.
type StringLit struct {
	At    Pos
	Value string
}

// Ident names a variable or a constant (TimeInterval_*, or a
// $NodeDeallocationOption keyword such as taskcompletion).
type Ident struct {
	At   Pos
	Name string
}

// Unary is -x or !x.
type Unary struct {
	At      Pos
	Op      string
	Operand Expr
}

// Binary is x op y for the arithmetic, comparison and logical operators.
type Binary struct {
	At          Pos // the operator's position
	Op          string
	Left, Right Expr
}

// Ternary is Cond ? Then : Else.
type Ternary struct {
	At               Pos
	Cond, Then, Else Expr
}

// Call is a function call: name(args).
type Call struct {
	At   Pos
	Name string
	Args []Expr
}

// MethodCall is recv.Name(args), e.g. $PendingTasks.GetSample(1).
type MethodCall struct {
	At   Pos // the method name's position
	Recv Expr
	Name string
	Args []Expr
}

// Member is recv.Name without a call, e.g. time().hour.
type Member struct {
	At   Pos
	Recv Expr
	Name string
}

func (e *NumberLit) exprPos() Pos  { return e.At }
func (e *StringLit) exprPos() Pos  { return e.At }
func (e *Ident) exprPos() Pos      { return e.At }
func (e *Unary) exprPos() Pos      { return e.At }
func (e *Binary) exprPos() Pos     { return e.At }
func (e *Ternary) exprPos() Pos    { return e.At }
func (e *Call) exprPos() Pos       { return e.At }
func (e *MethodCall) exprPos() Pos { return e.At }
func (e *Member) exprPos() Pos     { return e.At }
