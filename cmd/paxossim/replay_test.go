package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestReplayHash: replay prints the seed= block first and, as its last
// line, the trace hash a run of that seed gives, with or without -trace.
func TestReplayHash(t *testing.T) {
	sc, err := scenarios.Lookup("chaos")
	require.NoError(t, err)
	for _, seed := range []uint64{1, 42, 0xbeef} {
		want := fmt.Sprintf("trace-hash: %016x", scenarios.Run(sc, seed, "", scenarios.RunOptions{}).Hash)
		code, stdout, stderr := invoke(t, "replay", "-scenario", "chaos", "-seed", fmt.Sprint(seed))
		require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
		assert.True(t, strings.HasPrefix(stdout, fmt.Sprintf("seed=%d\nscenario=chaos\n", seed)), stdout)
		assert.Contains(t, stdout, fmt.Sprintf("PASS scenario=chaos seed=%d ", seed))
		assert.Equal(t, want, lastLine(stdout))

		code, traced, _ := invoke(t, "replay", "-scenario", "chaos", "-seed", fmt.Sprintf("%#x", seed), "-trace", "-checked")
		require.Equal(t, exitPass, code)
		assert.Equal(t, want, lastLine(traced), "tracing does not change the run")
		assert.Contains(t, traced, "--- trace\nt=0.000ms n0 start\n")
		assert.Greater(t, strings.Count(traced, "\n"), 1000)
	}
}

// TestReplayMutantFails: replaying a failing mutant seed exits 1 with the
// report and its artifacts, the trace hash still last; the saved
// params.json replays the same run with -plan.
func TestReplayMutantFails(t *testing.T) {
	out := t.TempDir()
	code, stdout, _ := invoke(t, "replay", "-scenario", "chaos", "-seed", "3", "-mutant", "execute-before-commit", "-out", out)
	require.Equal(t, exitFail, code, stdout)
	assert.Contains(t, stdout, "FAIL scenario=chaos seed=3 check=")
	assert.Contains(t, stdout, "go run ./cmd/paxossim replay -scenario chaos -seed 3 -mutant execute-before-commit -trace")
	assert.Contains(t, stdout, "trace events")
	m := regexp.MustCompile(`visualization: (\S+)`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	assert.FileExists(t, m[1])
	sc, err := scenarios.Lookup("chaos")
	require.NoError(t, err)
	res := scenarios.Run(sc, 3, "execute-before-commit", scenarios.RunOptions{})
	require.False(t, res.Passed())
	hash := fmt.Sprintf("trace-hash: %016x", res.Hash)
	assert.Equal(t, hash, lastLine(stdout))

	params := filepath.Join(out, "chaos-seed3-execute-before-commit", "params.json")
	require.FileExists(t, params)
	code, again, _ := invoke(t, "replay", "-plan", params, "-out", out)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, hash, lastLine(again))
	code, _, stderr := invoke(t, "replay", "-plan", params, "-seed", "4")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "-seed 4 disagrees with -plan's seed 3")
}

func TestList(t *testing.T) {
	code, stdout, _ := invoke(t, "list")
	require.Equal(t, exitPass, code)
	for _, name := range scenarios.Names() {
		assert.Regexp(t, `\b`+regexp.QuoteMeta(name)+`\b`, stdout)
	}
	for _, name := range scenarios.MutantNames() {
		assert.Contains(t, stdout, "  "+name+"  ")
	}
	assert.Contains(t, stdout, "  multipaxos  ")
	sc, _ := scenarios.Lookup("chaos")
	assert.Contains(t, stdout, sc.Description)
}

// TestBenchCommand runs a tiny bench without the kernel benchmarks and
// checks that it rewrites only the marked README region.
func TestBenchCommand(t *testing.T) {
	readme := filepath.Join(t.TempDir(), "README.md")
	before, after := "# title\n\ntext\n\n"+figuresStart+"\n", figuresEnd+"\n\nmore text\n"
	require.NoError(t, os.WriteFile(readme, []byte(before+"old table\n"+after), 0o644))
	code, stdout, stderr := invoke(t, "bench", "-kernel=false", "-scenario", "calm", "-seeds", "20", "-scaling-seeds", "6", "-readme", readme)
	require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
	data, err := os.ReadFile(readme)
	require.NoError(t, err)
	doc := string(data)
	assert.True(t, strings.HasPrefix(doc, before), doc)
	assert.True(t, strings.HasSuffix(doc, after), doc)
	assert.NotContains(t, doc, "old table")
	assert.Contains(t, doc, strings.TrimRight(stdout, "\n"))
	for _, want := range []string{"`calm` seeds/s, 1 core", "scaling, 1 →", "simulated seconds per wall second", "porcupine share", "heap in use", "paxossim bench -seeds 20"} {
		assert.Contains(t, stdout, want)
	}
}
