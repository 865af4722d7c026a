package scenarios

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSummaryCountsDeterminismChecks: the summary says how many seeds were
// re-run to compare trace hashes.
func TestSummaryCountsDeterminismChecks(t *testing.T) {
	sc, err := Lookup("calm-3")
	require.NoError(t, err)
	sum, err := (&Sweep{Scenario: sc, Start: 10, Count: 6, DeterminismEvery: 2, Parallel: 2}).Run()
	require.NoError(t, err)
	assert.Equal(t, 3, sum.DeterminismChecks, "seeds 0, 2 and 4 of the sweep")
	assert.Contains(t, sum.String(), "determinism: 3 seeds re-run")
}

// TestTraceFileNamesItsRun: trace.txt starts with a header naming the run,
// then the events.
func TestTraceFileNamesItsRun(t *testing.T) {
	sc, err := Lookup("calm-3")
	require.NoError(t, err)
	res := Run(sc, 1, "execute-before-commit", RunOptions{})
	require.NotNil(t, res.Failure)
	arts, err := WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)
	data, err := os.ReadFile(arts.Trace)
	require.NoError(t, err)
	lines := strings.SplitN(string(data), "\n", 3)
	require.Len(t, lines, 3)
	assert.Regexp(t, `^# paxossim trace: scenario=calm-3 protocol=multipaxos seed=1 mutant=execute-before-commit revision=\S+ trace_hash=[0-9a-f]{16}$`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "t="), "events follow: %q", lines[1])
}

// Both built-in protocols replay from the paxossim command as well as from
// go test; the command line names the protocol.
func TestReplayCommandsForTheBuiltInPaxos(t *testing.T) {
	sc, err := LookupFor("paxos", "calm-3")
	require.NoError(t, err)
	res := Run(sc, 1, "", RunOptions{SkipLinearizability: true})
	goTest, cli := ReplayCommands(&res, "")
	assert.Equal(t, "go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=calm-3 -paxossim.seed=1 -paxossim.protocol=paxos -paxossim.trace", goTest)
	assert.Equal(t, "go run ./cmd/paxossim replay -scenario calm-3 -seed 1 -protocol paxos -trace", cli)
}
