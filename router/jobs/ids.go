package jobs

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Job ids carry their own check: 16 bytes, written as 32 lowercase hex
// digits, of which the first 6 are when the job was accepted
// (milliseconds), the next 4 random, and the last 6 a keyed hash of the
// first 10. A job has no record until the dispatcher takes it, so
// GET /v1/jobs/{id} tells an accepted job from an id nobody was given by the
// check: a mistyped or made-up id is answered 404. The check's key is fixed,
// not secret (every replica must agree on it, with no state to share): a key
// holder who crafts an id that passes only sees "queued".

// idCheckKey keys the check.
var idCheckKey = []byte("gpu-orchestration job id check v1")

// NewID returns the id of a job accepted at now.
func NewID(now time.Time) string {
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	_, _ = rand.Read(b[6:10]) // crypto/rand.Read never fails (Go 1.24+)
	copy(b[10:], check(b[:10]))
	return hex.EncodeToString(b[:])
}

// Issued reports whether id is one NewID returned (behind a region or
// not, router.RegionalID), and when it was.
func Issued(id string) (time.Time, bool) {
	if !ValidID(id) {
		return time.Time{}, false
	}
	id = withoutRegion(id)
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(id)); err != nil || !hmac.Equal(b[10:], check(b[:10])) {
		return time.Time{}, false
	}
	var ms [8]byte
	copy(ms[2:], b[:6])
	return time.UnixMilli(int64(binary.BigEndian.Uint64(ms[:]))).UTC(), true
}

// withoutRegion is id without the region it may carry.
func withoutRegion(id string) string {
	if region := router.IDRegion(id); region != "" {
		return id[len(region)+1:]
	}
	return id
}

func check(b []byte) []byte {
	h := hmac.New(sha256.New, idCheckKey)
	h.Write(b)
	return h.Sum(nil)[:6]
}

// ValidID reports whether id has the form of a job id, behind a region or
// not; anything else cannot name a job and must never reach a blob name.
func ValidID(id string) bool {
	id = withoutRegion(id)
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
