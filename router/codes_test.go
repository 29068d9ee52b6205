package router_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// declaredConsts returns the values of the string constants declared in
// file whose declaration matches keep, in declaration order.
func declaredConsts(t *testing.T, file string, keep func(name string, spec *ast.ValueSpec) bool) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i >= len(vs.Values) || !keep(n.Name, vs) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				out = append(out, v)
			}
		}
	}
	return out
}

// ErrorCodes and Reasons are the lists the API document and the status
// mappings are checked against: a code or reason declared without being
// listed would pass those checks unnoticed.
func TestCodeAndReasonListsHoldEveryDeclaredConstant(t *testing.T) {
	codes := declaredConsts(t, "error.go", func(name string, _ *ast.ValueSpec) bool {
		return len(name) > 1 && name[0] == 'E' && name[1] >= 'A' && name[1] <= 'Z'
	})
	if !slices.Equal(codes, router.ErrorCodes) {
		t.Errorf("error.go declares codes %v; router.ErrorCodes lists %v", codes, router.ErrorCodes)
	}
	reasons := declaredConsts(t, "decision.go", func(_ string, vs *ast.ValueSpec) bool {
		id, ok := vs.Type.(*ast.Ident)
		return ok && id.Name == "Reason"
	})
	listed := make([]string, len(router.Reasons))
	for i, r := range router.Reasons {
		listed[i] = string(r)
	}
	if !slices.Equal(reasons, listed) {
		t.Errorf("decision.go declares reasons %v; router.Reasons lists %v", reasons, listed)
	}
	if len(codes) < 10 || len(reasons) < 10 {
		t.Fatalf("found %d codes and %d reasons: the parse missed the declarations", len(codes), len(reasons))
	}
}
