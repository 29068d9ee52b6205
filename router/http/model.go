package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// A request names its model as OpenAI's API does, in the body's "model"
// field, or, on /v1/infer, in the X-Model header (which wins). With one
// model without aliases and no header, /v1/infer's body is not read before
// it streams to the app: a request that names no model gets the first.

// Fallback is what X-Model-Fallback asks: a request for a model that cannot
// meet its deadline now (cold, saturated, too slow) may be answered by one
// of the model's fallbacks (MODELS fallbacks) that can.
type Fallback uint8

const (
	// FallbackDefault: as the model's fallback_by_default says.
	FallbackDefault Fallback = iota
	// FallbackAllow: X-Model-Fallback: allow.
	FallbackAllow
	// FallbackDeny: X-Model-Fallback: deny.
	FallbackDeny
)

// ParseFallback reads X-Model-Fallback. Errors: bad_header.
func ParseFallback(v string) (Fallback, error) {
	switch v {
	case "":
		return FallbackDefault, nil
	case "allow":
		return FallbackAllow, nil
	case "deny":
		return FallbackDeny, nil
	}
	return FallbackDefault, router.Errorf(router.EBadHeader, "X-Model-Fallback must be allow or deny, got %q", router.Excerpt(v))
}

// fallbackAllowedFor reports whether a request with this header may be
// answered by a fallback of a model whose fallbacks apply by default or not.
func (f Fallback) allowedFor(byDefault bool) bool {
	return f == FallbackAllow || (f == FallbackDefault && byDefault)
}

// resolveModel finds the model the request names (X-Model, else the
// body's "model"; none: the first). It reads the body — and puts it back as
// r.Body — when the model may be in it, or when the model has canaries: the
// body's "user" then keeps a caller on one revision, and a failed canary
// call is sent again to stable. Errors: model_not_found, and those of
// reading the body (bad_request, payload_too_large).
func (s *Server) resolveModel(r *http.Request, in *inference) error {
	named := in.hdr.Model
	if named == "" && (in.door.openAIPath != "" || len(s.cfg.Models.All()) > 1 || len(s.cfg.Models.Default().Aliases) > 0) {
		if err := s.readPayload(r, in); err != nil {
			return err
		}
		named = in.fields.Model
	}
	m, err := s.cfg.Models.Resolve(named)
	if err != nil {
		return err
	}
	in.asked = m
	if err := in.nameModel(r, m); err != nil {
		return err
	}
	// Held to be sent again: to stable after a failed canary call, to a
	// peer region after a failed call here.
	if (len(m.Revisions) > 1 || s.spillable(r, in)) && in.payload == nil {
		return s.readPayload(r, in)
	}
	return nil
}

// readPayload reads the whole body into in.payload and puts it back as
// r.Body, reading the fields the router looks at.
func (s *Server) readPayload(r *http.Request, in *inference) error {
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.putBuffer(buf)
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return readError(err, s.cfg.MaxBodyBytes)
	}
	in.payload = bytes.Clone(buf.Bytes())
	in.setBody(r, in.payload)
	// A body that is not a JSON object names nothing: the app says what is
	// wrong with it.
	_ = json.Unmarshal(in.payload, &in.fields)
	return nil
}

// payloadFields are the body's fields the router reads: OpenAI's "model"
// and "user".
type payloadFields struct {
	Model string `json:"model"`
	User  string `json:"user"`
}

// caller is the key that keeps a caller on one revision of a model: its
// X-Session-Id, else the body's "user" (OpenAI's end-user id), else its
// Idempotency-Key (so a retried job lands where the first try did); none:
// requests are spread by weight alone.
func (in *inference) caller() string {
	switch {
	case in.hdr.Session != "":
		return in.hdr.Session
	case in.fields.User != "":
		return in.fields.User
	}
	return in.hdr.IdempotencyKey
}

// readError is the error for a body that could not be read whole.
func readError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return router.Errorf(router.EPayloadTooLarge, "body exceeds the limit of %d bytes", limit)
	}
	if code := router.ErrorCode(err); code != router.EInternal {
		return err
	}
	return router.WrapError(router.EBadRequest, "could not read the body", err)
}

// setBody makes body the request's body, as the app will get it.
func (in *inference) setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// fallBack tries the asked model's fallbacks, in order, for a request it
// refused: the first that the decision sends realtime answers it, its name
// put in the body's "model" for the app. With none, the refusal stands.
func (s *Server) fallBack(r *http.Request, in *inference) {
	switch in.dec.Reason {
	case router.ReasonColdStartTooSlow, router.ReasonRealtimeSaturated, router.ReasonDeadlineTooShort:
	default:
		return // a fallback cannot help (the queue, a body too large)
	}
	refused := *in
	for _, name := range in.asked.Fallbacks {
		m, err := s.cfg.Models.Resolve(name)
		if err != nil {
			continue
		}
		s.decide(in, m)
		if in.dec.Route != router.RouteRealtime {
			continue
		}
		if in.nameModel(r, m) != nil {
			break
		}
		return
	}
	*in = refused
}

// nameModel puts m's id in a read body's "model" when the body names
// another (an alias, or the model a fallback replaces): the app serves its
// model under that id alone (vLLM's --served-model-name), and refuses
// others.
func (in *inference) nameModel(r *http.Request, m *models.Deployment) error {
	if in.payload == nil || in.fields.Model == "" || in.fields.Model == m.ID() {
		return nil
	}
	body, err := withModel(in.payload, m.ID())
	if err != nil {
		return router.WrapError(router.EBadRequest, "body is not a JSON object", err)
	}
	in.payload, in.fields.Model = body, m.ID()
	in.setBody(r, body)
	return nil
}

// withModel is a JSON object body with its "model" field set to name.
func withModel(body []byte, name string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	fields["model"], _ = json.Marshal(name)
	return json.Marshal(fields)
}
