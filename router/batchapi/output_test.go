package batchapi

import (
	"encoding/json"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Each way the pool's command can answer a line lands in the right file in
// OpenAI's shape.
func TestAnsweredLines(t *testing.T) {
	cases := []struct {
		r          router.ResultLine
		ok         bool
		status     int
		code, body string
	}{
		{router.ResultLine{Status: "ok", Body: json.RawMessage(`{"a":1}`)}, true, 200, "", `{"a":1}`},
		{router.ResultLine{Status: "http_400", Body: json.RawMessage(`{"error":{}}`)}, false, 400, "", `{"error":{}}`},
		{router.ResultLine{Status: "invalid_url", Body: json.RawMessage(`{"error":{"code":"invalid_url","message":"no such path"}}`)}, false, 0, "invalid_url", ""},
	}
	for i, c := range cases {
		l, ok := answeredLine("batch_x", "c", c.r)
		if ok != c.ok || l.CustomID != "c" || l.ID != requestID("batch_x", "c") {
			t.Errorf("case %d: %+v ok=%v", i, l, ok)
			continue
		}
		switch {
		case c.status != 0 && (l.Response == nil || l.Response.StatusCode != c.status || string(l.Response.Body) != c.body || l.Error != nil || l.Response.RequestID != l.ID):
			t.Errorf("case %d: response %+v error %+v", i, l.Response, l.Error)
		case c.code != "" && (l.Error == nil || l.Error.Code != c.code || l.Error.Message != "no such path" || l.Response != nil):
			t.Errorf("case %d: error %+v response %+v", i, l.Error, l.Response)
		}
	}
}
