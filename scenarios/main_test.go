package scenarios

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain sets the collector as the command's sweeps do (cmd/paxossim's
// gc.go): a run's live heap is about a megabyte, so at the default GOGC the
// collector runs about once per seed and a sweep on two cores is no faster
// than on one. GOGC or GOMEMLIMIT in the environment win.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(1000)
		debug.SetMemoryLimit(1 << 30)
	}
	os.Exit(m.Run())
}
