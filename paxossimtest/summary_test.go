package paxossimtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

// A sweep appends its summary line to -paxossim.summary, which is how a
// passing package tells its fresh base seed without -v.
func TestSweepAppendsItsSummary(t *testing.T) {
	skipIfFlagsGiven(t)
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "summary.txt")
	t.Setenv("PAXOSSIM_SUMMARY", path)
	t.Setenv("PAXOSSIM_SCENARIO", "calm-3,lossy-3")
	t.Setenv("PAXOSSIM_SEEDS", "2")
	t.Setenv("PAXOSSIM_BASE_SEED", "77")
	Seeds(t, Options{})
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 2, "one line per scenario")
	assert.True(t, strings.HasPrefix(lines[0], "PASS TestSweepAppendsItsSummary/calm-3 protocol=multipaxos mutant=none base-seed=77 seeds=2 failures=0"), lines[0])
	assert.Contains(t, lines[1], "TestSweepAppendsItsSummary/lossy-3")
	assert.Contains(t, lines[0], "run again: -run '^TestSweepAppendsItsSummary/calm-3$' -paxossim.base-seed=77 -paxossim.seeds=2")

	t.Setenv("PAXOSSIM_SUMMARY", filepath.Join(t.TempDir(), "no", "such", "dir"))
	st, err := ParseSettings(Options{})
	require.NoError(t, err)
	assert.Error(t, appendSummary(st, "x", &scenarios.Summary{}), "a summary file that cannot be written is an error, not silence")
}
