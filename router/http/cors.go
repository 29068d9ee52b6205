package http

import (
	"net/http"
	"slices"
	"strings"
)

// CORS, for browser clients (OpenAI's JavaScript SDK, the Vercel AI SDK):
// a request whose Origin is one of Config.AllowedOrigins (or any, with "*")
// gets Access-Control-Allow-Origin and the headers it may read, and its
// preflight (OPTIONS with Access-Control-Request-Method) is answered 204
// before authentication, since browsers send preflights without the key.
// Other origins get no CORS header, so browsers keep their answers from
// the page. The API key still authenticates every request: CORS only lets
// pages of the allowed origins use a key they hold.

// corsMaxAge is how long a browser may reuse a preflight's answer (s).
const corsMaxAge = "600"

// corsExposed are the answer headers a page may read besides the safelisted
// ones.
const corsExposed = "X-Request-Id, X-Route, X-Route-Reason, Retry-After, Location, Idempotent-Replayed"

// cors adds the CORS headers for an allowed origin and answers a preflight;
// it reports whether it answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if origin == "" || len(s.cfg.AllowedOrigins) == 0 {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	anyOrigin := slices.Contains(s.cfg.AllowedOrigins, "*")
	if !anyOrigin && !slices.Contains(s.cfg.AllowedOrigins, origin) {
		if preflight {
			w.WriteHeader(http.StatusNoContent) // no Allow-Origin: the browser refuses
		}
		return preflight
	}
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if !preflight {
		h.Set("Access-Control-Expose-Headers", corsExposed)
		return false
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && tokenList(req) {
		// Whatever the page's client sends (Authorization, Content-Type, its
		// own X-Stainless-* and OpenAI-* headers): the origin is trusted.
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}

// tokenList reports whether v is a comma-separated list of header names.
func tokenList(v string) bool {
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}
