package enginetest

import (
	"reflect"
	"strings"
	"testing"
)

// The README's shell is read as sh would: quotes, continuations, comments,
// $(…) substitutions; a flag the test cannot run is an error, not a skip.
func TestReadmeShell(t *testing.T) {
	text := strings.Join([]string{
		"## Deploy",
		"Run `pulumi stack output -s prod routerUrl` for the address.",
		"```",
		"pulumi up -s prod \\",
		"  --target 'urn:pulumi:prod::p::a$b::c' \\",
		"  --target=\"urn:pulumi:prod::p::d**\"   # the rest",
		`az acr login -n "$(pulumi stack output -s prod registryName)"`,
		"docker push example.azurecr.io/router:1",
		"```",
		"## Next",
		"```",
		"pulumi up -s dev",
		"```",
	}, "\n")
	section, first, err := Section(text, "Deploy")
	if err != nil || first != 2 {
		t.Fatalf("section at line %d: %v", first, err)
	}
	cmds, err := Commands(section, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 3 {
		t.Fatalf("%d commands, want the inline output, the up and the az line: %v", len(cmds), cmds)
	}
	up, err := ParsePulumi(cmds[1])
	if err != nil {
		t.Fatal(err)
	}
	want := PulumiCommand{Verb: "up", Stack: "prod", Targets: []string{"urn:pulumi:prod::p::a$b::c", "urn:pulumi:prod::p::d**"}, From: cmds[1]}
	if !reflect.DeepEqual(up, want) || cmds[1].Line != 4 || !cmds[1].Fenced {
		t.Errorf("up = %+v (line %d), want %+v", up, cmds[1].Line, want)
	}
	subs, err := cmds[2].Substitutions()
	if err != nil || len(subs) != 1 {
		t.Fatalf("substitutions %v, %v", subs, err)
	}
	out, err := ParsePulumi(subs[0])
	if err != nil || out.Verb != "stack output" || out.Output != "registryName" || out.Stack != "prod" {
		t.Errorf("substitution = %+v, %v", out, err)
	}
	moved := up.OnStack("other")
	if moved.Stack != "other" || moved.Targets[0] != "urn:pulumi:other::p::a$b::c" || up.Targets[0] != "urn:pulumi:prod::p::a$b::c" {
		t.Errorf("OnStack: %+v (original %+v)", moved, up)
	}
	for _, bad := range []string{"pulumi up --skip-preview", "pulumi destroy -s prod", "pulumi stack output -s prod", "pulumi up --target"} {
		words, _ := ShellWords(bad)
		if _, err := ParsePulumi(Command{Words: words}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ShellWords("echo 'open"); err == nil {
		t.Error("an unterminated quote accepted")
	}
}
