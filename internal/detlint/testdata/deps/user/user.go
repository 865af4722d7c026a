// Package user is clean itself and imports clocklib.
package user

import "github.com/paxossim/paxossim/internal/detlint/testdata/deps/clocklib"

func Use() int64 { return clocklib.Stamp() }
