package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envReader reads typed variables and remembers the first error.
type envReader struct {
	get func(string) string
	err error
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.get(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) fail(name, v, want string) {
	if e.err == nil {
		e.err = fmt.Errorf("%s=%q: want %s", name, v, want)
	}
}

func (e *envReader) int(name string, def int64) int64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(name, v, "a whole number")
	}
	return n
}

func (e *envReader) float(name string, def float64) float64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.fail(name, v, "a number")
	}
	return f
}

func (e *envReader) dur(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.fail(name, v, "a Go duration such as 30s or 5m")
	}
	return d
}

func (e *envReader) bool(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "true or false")
	}
	return b
}
