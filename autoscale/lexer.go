package autoscale

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokNumber
	tokIdent  // a name, with its leading '$' if it has one
	tokString // a double-quoted string; text holds the unquoted value
	tokOp     // an operator or punctuation; text holds it
)

type token struct {
	kind tokKind
	text string
	num  float64
	pos  Pos
}

// operators, longest first so that "<=" wins over "<".
var operators = []string{"&&", "||", "==", "!=", "<=", ">=", "+", "-", "*", "/", "<", ">", "!", "?", ":", "=", ";", ",", "(", ")", "."}

// lexer splits formula text into tokens. Comments run from "//" to the end of
// the line; the documentation's examples use only that form
// (batch-automatic-scaling.md, "Example 2"), so "/* */" is not accepted.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col} }

// advance moves past n bytes, keeping line and column right.
func (l *lexer) advance(n int) {
	for end := l.off + n; l.off < end; {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		l.off += size
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
}

func (l *lexer) skipSpaceAndComments() {
	for l.off < len(l.src) {
		rest := l.src[l.off:]
		r, size := utf8.DecodeRuneInString(rest)
		switch {
		case unicode.IsSpace(r):
			l.advance(size)
		case strings.HasPrefix(rest, "//"):
			end := strings.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			l.advance(end)
		default:
			return
		}
	}
}

func isIdentStart(r rune) bool { return r == '_' || r == '$' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// next returns the next token or a positioned error.
func (l *lexer) next() (token, error) {
	l.skipSpaceAndComments()
	p := l.pos()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: p}, nil
	}
	rest := l.src[l.off:]
	r, size := utf8.DecodeRuneInString(rest)
	switch {
	case r == utf8.RuneError && size == 1:
		return token{}, errAt(p, "invalid UTF-8 in formula")
	case isDigit(rest[0]) || (rest[0] == '.' && len(rest) > 1 && isDigit(rest[1])):
		return l.number(p)
	case isIdentStart(r):
		n := size
		for n < len(rest) {
			r2, s2 := utf8.DecodeRuneInString(rest[n:])
			if !isIdentPart(r2) {
				break
			}
			n += s2
		}
		text := rest[:n]
		if text == "$" {
			return token{}, errAt(p, "'$' must be followed by a variable name")
		}
		l.advance(n)
		return token{kind: tokIdent, text: text, pos: p}, nil
	case r == '"':
		end := strings.IndexAny(rest[1:], "\"\n")
		if end < 0 || rest[1+end] != '"' {
			return token{}, errAt(p, "unterminated string")
		}
		l.advance(end + 2)
		return token{kind: tokString, text: rest[1 : 1+end], pos: p}, nil
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			l.advance(len(op))
			return token{kind: tokOp, text: op, pos: p}, nil
		}
	}
	return token{}, errAt(p, "unexpected character %q", r)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// number reads digits, an optional fraction and an optional exponent.
func (l *lexer) number(p Pos) (token, error) {
	rest := l.src[l.off:]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n < len(rest) && rest[n] == '.' && n+1 < len(rest) && isDigit(rest[n+1]) {
		n++
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
	}
	if n < len(rest) && (rest[n] == 'e' || rest[n] == 'E') {
		m := n + 1
		if m < len(rest) && (rest[m] == '+' || rest[m] == '-') {
			m++
		}
		if m < len(rest) && isDigit(rest[m]) {
			for m < len(rest) && isDigit(rest[m]) {
				m++
			}
			n = m
		}
	}
	text := rest[:n]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, errAt(p, "bad number %q", text)
	}
	l.advance(n)
	return token{kind: tokNumber, text: text, num: v, pos: p}, nil
}
