package http

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// authenticate checks "Authorization: Bearer <key>" against the accepted key
// hashes. The presented key is hashed and compared with every accepted hash
// in constant time, so neither the key nor which hash matched shows in timing.
func authenticate(r *http.Request, hashes [][sha256.Size]byte) error {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return router.Errorf(router.EUnauthorized, "send the API key as Authorization: Bearer <key>")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(h[len(prefix):])))
	match := 0
	for i := range hashes {
		match |= subtle.ConstantTimeCompare(sum[:], hashes[i][:])
	}
	if match != 1 {
		return router.Errorf(router.EUnauthorized, "the API key is not accepted")
	}
	return nil
}
