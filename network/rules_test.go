package network_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeterminismRules enforces the package's part of the one rule
// (DESIGN.md): no wall clock, no global or crypto randomness, no goroutines,
// channels or locks, and no range over a map, in the non-test sources.
func TestDeterminismRules(t *testing.T) {
	banned := map[string]string{
		"time":        "wall-clock time",
		"math/rand":   "the global random source",
		"crypto/rand": "unseeded randomness",
		"sync":        "concurrency",
		"unsafe":      "memory tricks",
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, ok := banned[path]; ok {
				t.Errorf("%s imports %q (%s)", name, path, why)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: go statement", fset.Position(n.Pos()))
			case *ast.ChanType:
				t.Errorf("%s: channel type", fset.Position(n.Pos()))
			case *ast.SelectStmt:
				t.Errorf("%s: select statement", fset.Position(n.Pos()))
			case *ast.MapType:
				// No maps at all: link state lives in slices indexed by
				// from*nodes+to, so no map iteration can reach behaviour.
				t.Errorf("%s: map type", fset.Position(n.Pos()))
			}
			return true
		})
	}
	require.Positive(t, checked)
}
