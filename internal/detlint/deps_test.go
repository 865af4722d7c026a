package detlint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// LintDeps reports the clock and crypto/rand in a dependency, nothing of
// the package itself (it is Lint's), and not the dependency's goroutine.
func TestLintDeps(t *testing.T) {
	res, err := LintDeps(".", "./testdata/deps/user")
	require.NoError(t, err)
	require.Empty(t, res.Missing)
	assert.Equal(t, []string{
		"testdata/deps/clocklib/clocklib.go:6:2 crypto-rand",
		"testdata/deps/clocklib/clocklib.go:10:29 time",
	}, compact(res.Findings))
	for _, f := range res.Findings {
		assert.Contains(t, f.Message, "github.com/paxossim/paxossim/internal/detlint/testdata/deps/clocklib: ")
		assert.NotContains(t, f.Message, "banned")
	}

	// Linting the library itself finds its goroutine too, and LintDeps of
	// it finds nothing: it has no dependency outside the standard library.
	own, err := Lint(".", "./testdata/deps/clocklib")
	require.NoError(t, err)
	assert.Len(t, own.Findings, 3)
	res, err = LintDeps(".", "./testdata/deps/clocklib")
	require.NoError(t, err)
	assert.Empty(t, res.Findings)

	res, err = LintDeps(".", "./testdata/nosuchdir")
	require.NoError(t, err)
	assert.Equal(t, []string{"./testdata/nosuchdir"}, res.Missing)
}
