package dispatch

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func TestOpenAIFormatRoundTrip(t *testing.T) {
	f, err := NewFormat(router.FormatOpenAI, "/infer")
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	_ = f.AppendInput(&in, InputLine{JobID: "j1", Body: json.RawMessage(`{"input":"x"}`)})
	_ = f.AppendInput(&in, InputLine{JobID: "j2", Body: json.RawMessage(`{"text":"x"}`)})
	want := `{"custom_id":"j1","method":"POST","url":"/infer","body":{"input":"x"}}` + "\n" +
		`{"custom_id":"j2","method":"POST","url":"/infer","body":{"text":"x"}}` + "\n"
	if in.String() != want {
		t.Fatalf("input\n%s\nwant\n%s", in.String(), want)
	}
	out := []byte(`{"id":"a","custom_id":"j1","response":{"status_code":200,"request_id":"r","body":{"data":[]}},"error":null}
{"id":"b","custom_id":"j2","response":{"status_code":400,"request_id":"r","body":{"error":"bad"}},"error":null}
{"id":"c","custom_id":"j3","response":null,"error":{"code":"invalid_url","message":"m"}}
not json
{"id":"d","custom_id":"j4","response":null,"error":null}
`)
	res := f.ParseOutput(out)
	if len(res) != 3 || res["j1"].Status != "ok" || string(res["j1"].Body) != `{"data":[]}` ||
		res["j2"].Status != "http_400" || string(res["j2"].Body) != `{"error":"bad"}` || res["j3"].Status != "invalid_url" {
		t.Fatalf("results %+v", res)
	}
	if _, err := NewFormat("tgi", ""); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}
