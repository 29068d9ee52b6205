package rules

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// state says what is known about an input. During `pulumi preview` inputs
// computed from other resources arrive unknown; a rule must then hold its
// judgement rather than report a violation it cannot prove.
type state int

const (
	absent  state = iota // not set (the API default applies)
	unknown              // set, but not known until the deployment runs
	known
)

// field is one input looked up by path.
type field struct {
	v property.Value
	s state
}

// get looks up a nested input, e.g. get(props, "properties", "enableSoftDelete").
// An unknown value anywhere along the path makes the result unknown; secrets
// are looked through (policies judge values, never print them).
func get(m property.Map, path ...string) field {
	return getValue(property.New(m), path...)
}

func getValue(cur property.Value, path ...string) field {
	for _, key := range path {
		if cur.IsComputed() {
			return field{s: unknown}
		}
		if !cur.IsMap() {
			return field{s: absent}
		}
		next, ok := cur.AsMap().GetOk(key)
		if !ok || next.IsNull() {
			return field{s: absent}
		}
		cur = next
	}
	if cur.IsComputed() {
		return field{s: unknown}
	}
	return field{v: cur, s: known}
}

func (f field) absent() bool  { return f.s == absent }
func (f field) unknown() bool { return f.s == unknown }

// boolean is the value when it is a known bool.
func (f field) boolean() (value, ok bool) {
	if f.s == known && f.v.IsBool() {
		return f.v.AsBool(), true
	}
	return false, false
}

// str is the value when it is a known string.
func (f field) str() (string, bool) {
	if f.s == known && f.v.IsString() {
		return f.v.AsString(), true
	}
	return "", false
}

// number is the value when it is a known number.
func (f field) number() (float64, bool) {
	if f.s == known && f.v.IsNumber() {
		return f.v.AsNumber(), true
	}
	return 0, false
}

// items are the elements of a known array (nil otherwise).
func (f field) items() []property.Value {
	if f.s == known && f.v.IsArray() {
		return f.v.AsArray().AsSlice()
	}
	return nil
}

// entries is a known map's entries (nil otherwise).
func (f field) entries() map[string]property.Value {
	if f.s == known && f.v.IsMap() {
		return f.v.AsMap().AsMap()
	}
	return nil
}

// tagsOf returns the resource's tags, and whether they are known.
func tagsOf(props property.Map) (map[string]string, bool) {
	f := get(props, "tags")
	if f.unknown() {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range f.entries() {
		if v.IsString() {
			out[k] = v.AsString()
		}
	}
	return out, true
}

// isProd reports whether the resource's tags mark it as production: the
// platform tags every resource with `stack` and the prod stack file adds
// `environment: prod`. known is false while the tags are unknown.
func isProd(props property.Map) (prod, known bool) {
	tags, ok := tagsOf(props)
	if !ok {
		return false, false
	}
	for _, key := range []string{"environment", "stack"} {
		switch strings.ToLower(tags[key]) {
		case "prod", "production":
			return true, true
		}
	}
	return false, true
}
