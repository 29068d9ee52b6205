package plan

import (
	"strconv"
	"strings"
)

// At returns the input at a dotted path such as "sku.name" or
// "template.scale.minReplicas"; nil when absent.
func (r Resource) At(path string) any {
	var v any = r.Inputs
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// Str is the input at path as text ("" when absent, masked or not text).
func (r Resource) Str(path string) string {
	s, _ := r.At(path).(string)
	if s == Secret || s == Unknown {
		return ""
	}
	return s
}

// Num is the input at path as a number, and whether it was one. Numbers
// given as text (Container Apps' cpu may be) count.
func (r Resource) Num(path string) (float64, bool) {
	return number(r.At(path))
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// gibOf parses a Container Apps memory quantity ("1Gi", "1.5Gi", "512Mi").
func gibOf(v any) (float64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	for suffix, scale := range map[string]float64{"Gi": 1, "Mi": 1.0 / 1024} {
		if strings.HasSuffix(s, suffix) {
			f, err := strconv.ParseFloat(strings.TrimSuffix(s, suffix), 64)
			return f * scale, err == nil
		}
	}
	return 0, false
}
