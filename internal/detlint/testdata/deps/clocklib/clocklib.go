// Package clocklib is a library that reads the clock and crypto/rand, and
// uses a goroutine (which LintDeps does not report).
package clocklib

import (
	"crypto/rand"
	"time"
)

func Stamp() int64 { return time.Now().UnixNano() }

func Draw(b []byte) { _, _ = rand.Read(b) }

func Background(f func()) { go f() }
