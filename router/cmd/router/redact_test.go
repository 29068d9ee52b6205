package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
)

// With a SAS connection string and storage down, the error the router logs
// names the failing URL but not the token's signature.
func TestStorageErrorsAreLoggedWithoutTheSASSignature(t *testing.T) {
	const sig = "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"
	// Port 1 on loopback refuses connections: storage is down.
	conn := "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;" +
		"SharedAccessSignature=sv=2022-11-02&ss=bq&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&sig=" + sig
	st, err := azure.NewStorage(azure.StorageConfig{ConnectionString: conn, WorkQueue: "w", PoisonQueue: "p", RequestContainer: "requests", ResultContainer: "results"})
	if err != nil {
		t.Fatal(err)
	}
	svc := &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: "requests"}
	_, _, err = svc.Submit(t.Context(), router.Submission{Body: []byte(`{}`)})
	if err == nil {
		t.Fatal("submit with storage down succeeded")
	}
	var out bytes.Buffer
	newLogger(&out, "info").Warn("request failed", "err", err, "url", "http://127.0.0.1:1/devstoreaccount1/w?sig="+sig)
	if strings.Contains(out.String(), sig) || !strings.Contains(out.String(), "127.0.0.1:1") {
		t.Fatalf("log line carries the signature, or lost the URL:\n%s", out.String())
	}
}
