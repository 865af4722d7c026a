package faults

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeterminismRules enforces the package's half of "a seed is the run"
// on its own non-test files: no wall clock, no global or crypto randomness,
// no goroutines, channels or locks, and no imports of our packages other
// than sim (in particular not network, which implements Net).
func TestDeterminismRules(t *testing.T) {
	banned := map[string]string{
		"time":        "wall-clock time; use sim.Time and sim.Duration",
		"math/rand":   "global randomness; use a *math/rand/v2.Rand passed in",
		"crypto/rand": "nondeterministic randomness",
		"sync":        "no concurrency inside a simulation",
		"os":          "no I/O",
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		checked++
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := banned[path]; bad {
				t.Errorf("%s imports %q: %s", name, path, why)
			}
			if strings.HasPrefix(path, "github.com/paxossim/paxossim/") && path != "github.com/paxossim/paxossim/sim" {
				t.Errorf("%s imports %q: faults may import only sim of ours", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: a go statement at %v", name, fset.Position(n.Pos()))
			case *ast.ChanType:
				t.Errorf("%s: a channel at %v", name, fset.Position(n.Pos()))
			case *ast.SelectStmt:
				t.Errorf("%s: a select at %v", name, fset.Position(n.Pos()))
			}
			return true
		})
	}
	assert.Greater(t, checked, 5)
}
