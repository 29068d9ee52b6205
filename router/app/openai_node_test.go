package app

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

// nodeSDK is OpenAI's official Node.js client (npm openai, pinned in
// testdata/openai-node/package-lock.json), installed there with npm ci the
// first time. It skips the test where Node.js 20 or later is missing
// (openai 7 needs its fetch and File); in CI it fails instead.
func nodeSDK(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata/openai-node")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("OpenAI's Node.js client cannot run: %s", why)
		}
		t.Skipf("OpenAI's Node.js client cannot run: %s", why)
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		missing("no node on PATH")
	}
	if major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".", 2)[0]); major < 20 {
		missing("node " + strings.TrimSpace(string(out)) + "; want 20 or later")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		npm.Dir = dir
		if b, err := npm.CombinedOutput(); err != nil {
			missing("npm ci: " + err.Error() + ": " + string(b))
		}
	}
	return dir
}

// files.list and files.delete through OpenAI's Node.js client: every file
// listed, by purpose, and page by page as the client follows after; the
// deleted file gone from the listing and answered 404.
func TestOpenAINodeSDKListsAndDeletesFiles(t *testing.T) {
	t.Parallel()
	dir := nodeSDK(t)
	az := azuritetest.Start(t)
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t)))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "files.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OPENAI_BASE_URL="+r.url+"/v1", "OPENAI_API_KEY="+apiKey)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node files.mjs: %v\n%s", err, stderr)
	}
	var got struct {
		Input, Status, Output, AfterDelete string
		Completed                          int
		All, Inputs, Paged                 []string
		ListedAfterDelete                  []string `json:"listedAfterDelete"`
		Deleted                            bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if got.Status != "completed" || got.Completed != 2 || got.Output == "" {
		t.Fatalf("batch %+v", got)
	}
	if !slices.Equal(got.All, []string{got.Output, got.Input}) || !slices.Equal(got.Paged, got.All) || !slices.Equal(got.Inputs, []string{got.Input}) {
		t.Fatalf("files.list: all %v, paged %v, purpose=batch %v; want the output then the input, and the input alone", got.All, got.Paged, got.Inputs)
	}
	if !got.Deleted || got.AfterDelete != "not_found" || !slices.Equal(got.ListedAfterDelete, []string{got.Input}) {
		t.Fatalf("files.delete: deleted %v, then %s, listed %v", got.Deleted, got.AfterDelete, got.ListedAfterDelete)
	}
}
