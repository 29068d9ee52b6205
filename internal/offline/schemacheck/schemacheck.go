// Package schemacheck compares the property names our hand-typed
// azure-native bindings can send with the provider's own type definitions,
// as published in the npm package @pulumi/azure-native@2.90.0, so a typo or
// a property of another API version is caught before a deployment.
package schemacheck

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Binding is one bound resource: its Args type and where the provider
// declares the same Args interface.
type Binding struct {
	Args    reflect.Type // the Go Args struct
	ArgsDTS string       // file declaring "export interface <Args>", relative to the package root
	// TypesNamespace is the namespace of types/input.d.ts holding nested
	// Args interfaces, e.g. "batch".
	TypesNamespace string
}

// Finding is one property our binding sends that the provider does not
// declare, or a bound type the provider does not have.
type Finding struct {
	Interface string
	Property  string
	Problem   string
}

func (f Finding) String() string {
	if f.Property == "" {
		return fmt.Sprintf("%s: %s", f.Interface, f.Problem)
	}
	return fmt.Sprintf("%s.%s: %s", f.Interface, f.Property, f.Problem)
}

// Report is the outcome for a set of bindings.
type Report struct {
	// Checked lists every interface.property compared, sorted.
	Checked  []string
	Findings []Finding
}

// Check compares every bindings' property names with the package at root
// (the unpacked "package" directory of the npm tarball).
func Check(root string, bindings []Binding) (*Report, error) {
	rep := &Report{}
	nsCache := map[string]interfaces{}
	for _, b := range bindings {
		top, err := parseInterfaces(filepath.Join(root, b.ArgsDTS), "", 0)
		if err != nil {
			return nil, err
		}
		ns, ok := nsCache[b.TypesNamespace]
		if !ok {
			ns, err = parseInterfaces(filepath.Join(root, "types", "input.d.ts"), b.TypesNamespace, 4)
			if err != nil {
				return nil, err
			}
			nsCache[b.TypesNamespace] = ns
		}
		walk(b.Args, top, ns, rep, map[reflect.Type]bool{})
	}
	sort.Strings(rep.Checked)
	return rep, nil
}

// walk compares t's tagged fields with the interface of the same name and
// descends into nested Args structs.
func walk(t reflect.Type, top, ns interfaces, rep *Report, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	props, ok := top[t.Name()]
	if !ok {
		props, ok = ns[t.Name()]
	}
	if !ok {
		rep.Findings = append(rep.Findings, Finding{Interface: t.Name(), Problem: "no such interface in the provider's type definitions"})
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name == "" {
			continue
		}
		rep.Checked = append(rep.Checked, t.Name()+"."+name)
		if _, ok := props[name]; !ok {
			rep.Findings = append(rep.Findings, Finding{Interface: t.Name(), Property: name, Problem: "not a property the provider declares"})
		}
		walk(f.Type, top, ns, rep, seen)
	}
}

// interfaces maps each interface of a .d.ts file to its properties, each
// with the nested Args interface its value takes ("" for a scalar), e.g.
// "subnets" → "SubnetArgs" for `pulumi.Input<inputs.network.SubnetArgs>[]`.
type interfaces map[string]map[string]string

var (
	interfaceLine = regexp.MustCompile(`^(\s*)(?:export )?interface (\w+) \{`)
	propertyLine  = regexp.MustCompile(`^\s*(?:readonly )?(\w+)\??:`)
	nestedType    = regexp.MustCompile(`inputs\.\w+\.(\w+Args)\b`)
	namespaceLine = regexp.MustCompile(`^(\s*)export declare namespace (\w+) \{|^(\s*)namespace (\w+) \{`)
)

// parseInterfaces reads the interfaces of a .d.ts file. With namespace set,
// only interfaces declared directly in that top-level namespace count (at
// the given indentation), not those of its versioned sub-namespaces.
func parseInterfaces(path, namespace string, indent int) (interfaces, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading provider types: %w", err)
	}
	defer f.Close()
	out := interfaces{}
	inNamespace := namespace == ""
	var current string
	var currentIndent int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if namespace != "" {
			if m := namespaceLine.FindStringSubmatch(line); m != nil && m[1] == "" && m[2] != "" {
				inNamespace = m[2] == namespace
				continue
			}
		}
		if !inNamespace {
			continue
		}
		if m := interfaceLine.FindStringSubmatch(line); m != nil && (namespace == "" || len(m[1]) == indent) {
			current, currentIndent = m[2], len(m[1])
			out[current] = map[string]string{}
			continue
		}
		if current == "" {
			continue
		}
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "}") && len(line)-len(trimmed) == currentIndent {
			current = ""
			continue
		}
		// Only the interface's own properties, one level in.
		if len(line)-len(trimmed) == currentIndent+4 {
			if m := propertyLine.FindStringSubmatch(line); m != nil {
				nested := ""
				if n := nestedType.FindStringSubmatch(line); n != nil {
					nested = n[1]
				}
				out[current][m[1]] = nested
			}
		}
	}
	return out, sc.Err()
}
