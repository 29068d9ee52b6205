package router

import (
	"crypto/rand"
	"encoding/hex"
	"unicode/utf8"
)

// RandomHex is n random bytes in lowercase hex: the random part of the
// router's ids (jobs, micro-batch runs, files, batches, requests).
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// maxExcerpt bounds how much of a caller's value an error message repeats.
const maxExcerpt = 64

// Excerpt is s cut to at most 64 bytes, on a character boundary, with an
// ellipsis when cut: what an error message repeats of a caller's value.
func Excerpt(s string) string {
	if len(s) <= maxExcerpt {
		return s
	}
	n := maxExcerpt
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
