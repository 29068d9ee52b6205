package plan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Change is one difference between two stacks' plans. Resources match by
// type and logical name.
type Change struct {
	// Kind is "added" (only in the other stack), "removed" (only in this
	// one), "changed" (an input) or "dependencies" (what the resource waits
	// for: From lists dependencies only this stack has, To those only the
	// other has, each as "<type>::<name>").
	Kind string `json:"kind"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Path, From and To are set for "changed": the input's dotted path and
	// its value in each stack (secrets stay masked).
	Path string `json:"path,omitempty"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
}

// Comparison is what differs from one stack's plan to another's.
type Comparison struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Changes []Change `json:"changes"`
	// NameOnly counts input differences that vanish once each stack's name
	// and naming hash are set aside ("rg-gpuorch-dev" against
	// "rg-gpuorch-prod"), and generated GUIDs; they are left out of Changes.
	NameOnly int `json:"nameOnly"`
	// Exposure is each stack's network isolation, From's then To's.
	Exposure [2]Exposure `json:"exposure"`
}

// Diff compares plan a with plan b.
func Diff(a, b Document) Comparison {
	c := Comparison{From: a.Stack, To: b.Stack, Changes: []Change{}, Exposure: [2]Exposure{ExposureOf(a), ExposureOf(b)}}
	key := func(r Resource) string { return r.Type + "\x00" + r.Name }
	inB := map[string]Resource{}
	for _, r := range b.Resources {
		inB[key(r)] = r
	}
	inA := map[string]bool{}
	na, nb := namer(a), namer(b)
	for _, ra := range a.Resources {
		inA[key(ra)] = true
		rb, ok := inB[key(ra)]
		if !ok {
			c.Changes = append(c.Changes, Change{Kind: "removed", Type: ra.Type, Name: ra.Name})
			continue
		}
		if gone, added := dependencyChanges(ra, rb); len(gone)+len(added) > 0 {
			ch := Change{Kind: "dependencies", Type: ra.Type, Name: ra.Name, Path: "dependencies"}
			if len(gone) > 0 {
				ch.From = gone
			}
			if len(added) > 0 {
				ch.To = added
			}
			c.Changes = append(c.Changes, ch)
		}
		fa, fb := flatten(ra.Inputs), flatten(rb.Inputs)
		for _, p := range unionKeys(fa, fb) {
			va, vb := fa[p], fb[p]
			if equalJSON(va, vb) {
				continue
			}
			if sa, ok := va.(string); ok {
				if sb, ok := vb.(string); ok && (na(sa) == nb(sb) || (isGUID(sa) && isGUID(sb))) {
					c.NameOnly++
					continue
				}
			}
			c.Changes = append(c.Changes, Change{Kind: "changed", Type: ra.Type, Name: ra.Name, Path: p, From: va, To: vb})
		}
	}
	for _, rb := range b.Resources {
		if !inA[key(rb)] {
			c.Changes = append(c.Changes, Change{Kind: "added", Type: rb.Type, Name: rb.Name})
		}
	}
	return c
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func isGUID(s string) bool { return guid.MatchString(s) }

// namer returns a function that replaces a stack's own name and naming hash
// (components.Naming: "<abbr>gpuorch<stack><hash>") with placeholders.
func namer(d Document) func(string) string {
	stack := d.Stack
	var hash string
	re := regexp.MustCompile(`gpuorch-?` + regexp.QuoteMeta(stack) + `-?([0-9a-f]{6})`)
	for _, r := range d.Resources {
		for _, v := range flatten(r.Inputs) {
			if s, ok := v.(string); ok {
				if m := re.FindStringSubmatch(s); m != nil {
					hash = m[1]
					break
				}
			}
		}
		if hash != "" {
			break
		}
	}
	var pairs []string
	if hash != "" {
		pairs = append(pairs, hash, "<id>")
	}
	pairs = append(pairs, "gpuorch-"+stack, "gpuorch-<stack>", "gpuorch"+stack, "gpuorch<stack>", "gpu"+stack, "gpu<stack>")
	rep := strings.NewReplacer(pairs...)
	return func(s string) string {
		if s == stack {
			return "<stack>"
		}
		// Image digests follow from the registry's name under mocks (and are
		// unknown in a real preview).
		return digest.ReplaceAllString(rep.Replace(s), "@sha256:<digest>")
	}
}

var digest = regexp.MustCompile(`@sha256:[0-9a-f]{64}`)

// flatten maps dotted paths (arrays as [i]) to leaf values.
func flatten(m map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 && prefix != "" {
				out[prefix] = x
			}
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case []any:
			if len(x) == 0 {
				out[prefix] = x
			}
			names := elementNames(x)
			for i, e := range x {
				if names != nil {
					walk(fmt.Sprintf("%s[%s]", prefix, names[i]), e)
					continue
				}
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			out[prefix] = v
		}
	}
	walk("", m)
	return out
}

// elementNames keys an array of objects by their "name" when every element
// has a distinct one (env vars, containers, workload profiles), so a diff
// reads "env[MAX_REPLICAS].value" and survives reordering; nil otherwise.
func elementNames(list []any) []string {
	names := make([]string, len(list))
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil
		}
		n, ok := m["name"].(string)
		if !ok || n == "" || seen[n] {
			return nil
		}
		seen[n] = true
		names[i] = n
	}
	return names
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// dependencyChanges compares two resources' dependencies by type and logical
// name (URNs differ between stacks by the stack's name).
func dependencyChanges(a, b Resource) (gone, added []string) {
	key := func(urn string) string {
		i := strings.LastIndex(urn, "::")
		if i < 0 {
			return urn
		}
		typ := urn[:i]
		if j := strings.LastIndex(typ, "$"); j >= 0 {
			typ = typ[j+1:]
		} else if j := strings.LastIndex(typ, "::"); j >= 0 {
			typ = typ[j+2:]
		}
		return typ + "::" + urn[i+2:]
	}
	in := func(urns []string) map[string]bool {
		m := map[string]bool{}
		for _, u := range urns {
			m[key(u)] = true
		}
		return m
	}
	da, db := in(a.Dependencies), in(b.Dependencies)
	for k := range da {
		if !db[k] {
			gone = append(gone, k)
		}
	}
	for k := range db {
		if !da[k] {
			added = append(added, k)
		}
	}
	sort.Strings(gone)
	sort.Strings(added)
	return gone, added
}
