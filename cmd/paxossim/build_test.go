package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuilds32Bit: the command and its tests compile for 32-bit targets,
// where an int is 32 bits, so no constant or conversion of the command
// overflows one (a limit, a seed bound, a byte count). go vet type-checks
// the package with its tests for the target.
func TestBuilds32Bit(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the command for other targets")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool")
		}
	}
	for _, arch := range []string{"386", "arm"} {
		cmd := exec.Command(goTool, "vet", ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "GOARCH=%s go vet ./cmd/paxossim:\n%s", arch, out)
	}
}
