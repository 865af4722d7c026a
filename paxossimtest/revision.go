package paxossimtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/paxossim/paxossim/scenarios"
)

// A go test binary carries no VCS stamp, but it always tests the module it
// was built from, whose root is above the package directory go test runs
// in: the revision reports record is that module's git revision (with
// +dirty for a modified tree), asked once, at the module's root.
var revisionOnce sync.Once

func nameTestedRevision() {
	revisionOnce.Do(func() {
		if scenarios.Revision() != "unknown" {
			return // a stamped binary, or one a caller named
		}
		root := moduleRootDir()
		if root == "" {
			return
		}
		out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
		if err != nil {
			return
		}
		rev := strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			rev += "+dirty"
		}
		scenarios.SetRevision(rev)
	})
}

// moduleRootDir is the nearest directory at or above the working directory
// that holds a go.mod, or "".
func moduleRootDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}
