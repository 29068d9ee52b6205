package autoscale

import "fmt"

// Formula is a parsed autoscale formula, ready to evaluate any number of
// times.
type Formula struct {
	Text  string
	Stmts []Stmt
}

// maxNesting bounds how deeply expressions may nest, so hostile input cannot
// exhaust the stack; no real formula comes near it.
const maxNesting = 200

// Parse parses formula text. Errors are *Error with the line and column of
// the offending token.
func Parse(text string) (*Formula, error) {
	if err := checkSize(text); err != nil {
		return nil, err
	}
	p := &parser{lex: newLexer(text)}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var stmts []Stmt
	for p.tok.kind != tokEOF {
		if p.isOp(";") { // empty statement
			if err := p.advance(); err != nil {
				return nil, err
			}
			continue
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
		if p.tok.kind == tokEOF {
			break
		}
		if !p.isOp(";") {
			return nil, p.unexpected("';' between statements")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if err := checkStatements(stmts); err != nil {
		return nil, err
	}
	return &Formula{Text: text, Stmts: stmts}, nil
}

type parser struct {
	lex   *lexer
	tok   token
	depth int
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) isOp(op string) bool { return p.tok.kind == tokOp && p.tok.text == op }

func (p *parser) unexpected(want string) error {
	got := p.tok.text
	switch p.tok.kind {
	case tokEOF:
		got = "end of formula"
	case tokString:
		got = fmt.Sprintf("string %q", p.tok.text)
	default:
		got = fmt.Sprintf("%q", got)
	}
	return errAt(p.tok.pos, "expected %s, found %s", want, got)
}

func (p *parser) expectOp(op string) error {
	if !p.isOp(op) {
		return p.unexpected(fmt.Sprintf("'%s'", op))
	}
	return p.advance()
}

func (p *parser) statement() (Stmt, error) {
	if p.tok.kind != tokIdent {
		return Stmt{}, p.unexpected("a variable name to assign")
	}
	name, at := p.tok.text, p.tok.pos
	if err := checkAssignable(name, at); err != nil {
		return Stmt{}, err
	}
	if err := p.advance(); err != nil {
		return Stmt{}, err
	}
	if err := p.expectOp("="); err != nil {
		return Stmt{}, err
	}
	v, err := p.expr()
	if err != nil {
		return Stmt{}, err
	}
	return Stmt{Pos: at, Name: name, Value: v}, nil
}

func (p *parser) expr() (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, errAt(p.tok.pos, "expression nests more than %d levels", maxNesting)
	}
	return p.ternary()
}

func (p *parser) ternary() (Expr, error) {
	cond, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if !p.isOp("?") {
		return cond, nil
	}
	at := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	then, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(":"); err != nil {
		return nil, err
	}
	els, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &Ternary{At: at, Cond: cond, Then: then, Else: els}, nil
}

// binaryLevels lists the binary operators from the loosest binding to the
// tightest; all are left-associative (inferred: the documentation gives no
// precedence table, so this is the C family's order that its examples
// assume, e.g. "$curTime.hour >= 8 && $curTime.hour < 18").
var binaryLevels = [][]string{
	{"||"},
	{"&&"},
	{"==", "!="},
	{"<", "<=", ">", ">="},
	{"+", "-"},
	{"*", "/"},
}

func (p *parser) binary(level int) (Expr, error) {
	if level == len(binaryLevels) {
		return p.unary()
	}
	left, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokOp && contains(binaryLevels[level], p.tok.text) {
		op, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		left = &Binary{At: at, Op: op, Left: left, Right: right}
	}
	return left, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) unary() (Expr, error) {
	if p.isOp("-") || p.isOp("!") {
		op, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxNesting {
			return nil, errAt(at, "expression nests more than %d levels", maxNesting)
		}
		operand, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: op, Operand: operand}, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (Expr, error) {
	e, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.isOp(".") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tokIdent {
			return nil, p.unexpected("a method or member name after '.'")
		}
		name, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isOp("(") {
			e = &Member{At: at, Recv: e, Name: name}
			continue
		}
		if _, ok := sampleMethods[name]; !ok {
			return nil, errAt(at, "unknown method %q (known: %s)", name, sampleMethodNames())
		}
		args, err := p.args()
		if err != nil {
			return nil, err
		}
		e = &MethodCall{At: at, Recv: e, Name: name, Args: args}
	}
	return e, nil
}

// args parses "(a, b, …)" starting at the '('.
func (p *parser) args() ([]Expr, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var args []Expr
	if p.isOp(")") {
		return args, p.advance()
	}
	for {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.isOp(")") {
			return args, p.advance()
		}
		if err := p.expectOp(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) primary() (Expr, error) {
	t := p.tok
	switch t.kind {
	case tokNumber:
		return &NumberLit{At: t.pos, Value: t.num}, p.advance()
	case tokString:
		return &StringLit{At: t.pos, Value: t.text}, p.advance()
	case tokIdent:
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isOp("(") {
			return &Ident{At: t.pos, Name: t.text}, nil
		}
		if _, ok := functions[t.text]; !ok {
			return nil, errAt(t.pos, "unknown function %q (known: %s)", t.text, functionNames())
		}
		args, err := p.args()
		if err != nil {
			return nil, err
		}
		return &Call{At: t.pos, Name: t.text, Args: args}, nil
	case tokOp:
		if t.text == "(" {
			if err := p.advance(); err != nil {
				return nil, err
			}
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return e, p.expectOp(")")
		}
	}
	return nil, p.unexpected("a value")
}
