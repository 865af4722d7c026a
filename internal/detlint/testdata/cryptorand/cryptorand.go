// Package cryptorand plants violations of the crypto-rand rule.
package cryptorand

import (
	"crypto/rand"
	crand "crypto/rand"
	"crypto/sha256"
)

func Positive(b []byte) {
	_, _ = rand.Read(b)
	_, _ = crand.Read(b)
}

// Negative: other crypto packages are deterministic.
func Negative(b []byte) [32]byte {
	return sha256.Sum256(b)
}
