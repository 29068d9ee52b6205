package config

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// maxStackPart bounds the stack's part of names so that the longest name
// built from it (a Container App's "ca-gpuorch-<stack>-inference", at most
// 32 characters) fits.
const maxStackPart = 8

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// StackPart is the stack name as resource names carry it: the name itself
// when it is already 1 to 8 lower-case letters and digits (dev, prod),
// otherwise its first letters and digits (at most 4) and 4 hex digits of its
// hash, so that stack names that differ only in case, punctuation or after
// their eighth character (production-eu, production-us) still get different
// names. The configuration checks the names it leads to (a canary's app).
func StackPart(stack string) string {
	s := nonAlnum.ReplaceAllString(strings.ToLower(stack), "")
	if s == stack && len(s) >= 1 && len(s) <= maxStackPart {
		return s
	}
	sum := sha256.Sum256([]byte(stack))
	return s[:min(len(s), 4)] + hex.EncodeToString(sum[:])[:4]
}
