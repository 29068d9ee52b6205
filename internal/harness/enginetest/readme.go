package enginetest

import (
	"fmt"
	"regexp"
	"strings"
)

// The README's shell, read as an operator pastes it: the engine tests run
// the `pulumi` commands of its deploy sections from their text, so a command
// that drifts from the program fails `make test`.

// Command is one command line of a README code block, split into words.
type Command struct {
	Words []string
	// Line is where the command starts in the README (1-based).
	Line int
	// Fenced is false for a command written inline in prose (`...`).
	Fenced bool
}

func (c Command) String() string { return strings.Join(c.Words, " ") }

// Section is the text under the heading whose title is title (any level),
// up to the next heading of the same or a higher level, and the line that
// text starts on.
func Section(readme, title string) (text string, line int, err error) {
	lines := strings.Split(readme, "\n")
	start, level := -1, 0
	for i, l := range lines {
		n := headingLevel(l)
		if n == 0 {
			continue
		}
		if start >= 0 && n <= level {
			return strings.Join(lines[start:i], "\n"), start + 1, nil
		}
		if start < 0 && strings.TrimSpace(l[n:]) == title {
			start, level = i+1, n
		}
	}
	if start < 0 {
		return "", 0, fmt.Errorf("README has no heading %q", title)
	}
	return strings.Join(lines[start:], "\n"), start + 1, nil
}

func headingLevel(line string) int {
	n := len(line) - len(strings.TrimLeft(line, "#"))
	if n == 0 || n > 6 || !strings.HasPrefix(line[n:], " ") {
		return 0
	}
	return n
}

// inlineCode is a code span in prose.
var inlineCode = regexp.MustCompile("`([^`]+)`")

// Commands are the shell commands of text that run pulumi: each line of its
// fenced code blocks that does (with `\` continuations joined and `#`
// comments dropped), and each inline code span that starts with "pulumi ".
// first is the README line text starts on. Other lines, diagrams among
// them, are not read as shell.
func Commands(text string, first int) ([]Command, error) {
	var out []Command
	lines := strings.Split(text, "\n")
	fenced := false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			for _, m := range inlineCode.FindAllStringSubmatch(l, -1) {
				if strings.HasPrefix(m[1], "pulumi ") {
					words, err := ShellWords(m[1])
					if err != nil {
						return nil, fmt.Errorf("README line %d: %w", first+i, err)
					}
					out = append(out, Command{Words: words, Line: first + i})
				}
			}
			continue
		}
		start := i
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(lines[i])
		}
		if !strings.Contains(l, "pulumi ") {
			continue
		}
		words, err := ShellWords(l)
		if err != nil {
			return nil, fmt.Errorf("README line %d: %w", first+start, err)
		}
		if len(words) > 0 {
			out = append(out, Command{Words: words, Line: first + start, Fenced: true})
		}
	}
	return out, nil
}

// ShellWords splits a command line as sh does for the quoting the README
// uses: '…', "…", a backslash outside single quotes, a `#` comment at the
// start of a word, and $(…) kept inside its word (Substitutions reads it).
func ShellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", line)
			}
			w.WriteString(line[i+1 : i+1+j])
			i, inWord = i+1+j, true
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated \" in %q", line)
			}
			w.WriteString(line[i+1 : j])
			i, inWord = j, true
		case c == '\\' && i+1 < len(line):
			w.WriteByte(line[i+1])
			i, inWord = i+1, true
		case c == '$' && strings.HasPrefix(line[i:], "$("):
			j := matchingParen(line, i+1)
			if j < 0 {
				return nil, fmt.Errorf("unterminated $( in %q", line)
			}
			w.WriteString(line[i : j+1])
			i, inWord = j, true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func matchingParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// Substitutions are the commands a command runs inside $(…), split into words.
func (c Command) Substitutions() ([]Command, error) {
	var out []Command
	for _, w := range c.Words {
		for i := strings.Index(w, "$("); i >= 0; {
			j := matchingParen(w, i+1)
			if j < 0 {
				return nil, fmt.Errorf("README line %d: unterminated $( in %q", c.Line, w)
			}
			words, err := ShellWords(w[i+2 : j])
			if err != nil {
				return nil, fmt.Errorf("README line %d: %w", c.Line, err)
			}
			out = append(out, Command{Words: words, Line: c.Line, Fenced: c.Fenced})
			next := strings.Index(w[j:], "$(")
			if next < 0 {
				break
			}
			i = j + next
		}
	}
	return out, nil
}

// PulumiCommand is a `pulumi` command the engine tests can run: `pulumi up`
// (targeted or whole) or `pulumi stack output NAME`.
type PulumiCommand struct {
	Verb    string // "up" or "stack output"
	Stack   string // -s/--stack
	Targets []string
	Output  string // the output `stack output` names
	From    Command
}

// ParsePulumi reads a `pulumi` command. A verb or flag it does not know is
// an error, so that no README command escapes the test unrun.
func ParsePulumi(c Command) (PulumiCommand, error) {
	p := PulumiCommand{From: c}
	w := c.Words
	switch {
	case len(w) >= 2 && w[0] == "pulumi" && w[1] == "up":
		p.Verb, w = "up", w[2:]
	case len(w) >= 3 && w[0] == "pulumi" && w[1] == "stack" && w[2] == "output":
		p.Verb, w = "stack output", w[3:]
	default:
		return p, fmt.Errorf("README line %d: %q is not a pulumi command the engine test runs (pulumi up, pulumi stack output)", c.Line, c)
	}
	for i := 0; i < len(w); i++ {
		flag, value, hasValue := strings.Cut(w[i], "=")
		takeValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(w) {
				return "", fmt.Errorf("README line %d: %s without a value", c.Line, flag)
			}
			i++
			return w[i], nil
		}
		var err error
		switch {
		case flag == "-s" || flag == "--stack":
			p.Stack, err = takeValue()
		case flag == "--target" && p.Verb == "up":
			var t string
			t, err = takeValue()
			p.Targets = append(p.Targets, t)
		case (flag == "-y" || flag == "--yes") && p.Verb == "up":
		case flag == "--show-secrets" && p.Verb == "stack output":
		case !strings.HasPrefix(w[i], "-") && p.Verb == "stack output" && p.Output == "":
			p.Output = w[i]
		default:
			return p, fmt.Errorf("README line %d: %q in %q is not a flag the engine test knows", c.Line, w[i], c)
		}
		if err != nil {
			return p, err
		}
	}
	if p.Verb == "stack output" && p.Output == "" {
		return p, fmt.Errorf("README line %d: %q names no output", c.Line, c)
	}
	return p, nil
}

// OnStack is the command for another stack of the same project: the stack
// flag and the stack part of every target URN renamed.
func (p PulumiCommand) OnStack(name string) PulumiCommand {
	q := p
	q.Targets = nil
	for _, t := range p.Targets {
		q.Targets = append(q.Targets, strings.Replace(t, "urn:pulumi:"+p.Stack+"::", "urn:pulumi:"+name+"::", 1))
	}
	q.Stack = name
	return q
}
