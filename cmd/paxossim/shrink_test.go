package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

// shrinkSize is what shrink prints of a run's size.
type shrinkSize struct{ servers, ops, faults int }

var sizeLine = regexp.MustCompile(`(?m)^(before|after): +(\d+) servers, (\d+) operations \(\d+ clients x \d+\), (\d+) faults`)

func shrinkSizes(t *testing.T, out string) (before, after shrinkSize) {
	t.Helper()
	m := sizeLine.FindAllStringSubmatch(out, -1)
	require.Len(t, m, 2, out)
	num := func(s string) int { n, err := strconv.Atoi(s); require.NoError(t, err); return n }
	for _, g := range m {
		s := shrinkSize{num(g[2]), num(g[3]), num(g[4])}
		if g[1] == "before" {
			before = s
		} else {
			after = s
		}
	}
	return before, after
}

// checkShrink runs shrink on a failing run and checks what it promises:
// the exit status of the failing check's class, a shrunk run no larger
// than the original that fails the same check, saved as a params.json
// that loads, and a printed replay command that, run through the
// command's own code path, reproduces it: the same check, the same trace
// hash.
func checkShrink(t *testing.T, args ...string) (before, after shrinkSize) {
	t.Helper()
	code, out, stderr := invoke(t, append([]string{"shrink"}, args...)...)
	m := regexp.MustCompile(`fails check=(\S+)\n`).FindStringSubmatch(out)
	require.NotNil(t, m, "%s\n%s", out, stderr)
	check := scenarios.Check(m[1])
	assert.Equal(t, exitForCheck(check), code, "%s\n%s", out, stderr)
	assert.Contains(t, out, "\nfailed: "+string(check)+": ")
	before, after = shrinkSizes(t, out)
	assert.LessOrEqual(t, after.servers, before.servers)
	assert.LessOrEqual(t, after.ops, before.ops)
	assert.LessOrEqual(t, after.faults, before.faults)

	saved := regexp.MustCompile(`(?m)^saved: +(\S+)$`).FindStringSubmatch(out)
	require.NotNil(t, saved, out)
	p, err := scenarios.LoadParams(saved[1])
	require.NoError(t, err)
	res := scenarios.RunParams(p, scenarios.RunOptions{})
	require.NotNil(t, res.Failure, "the saved shrunk run fails")
	assert.Equal(t, check, res.Failure.Check, "with the same check")
	hash := regexp.MustCompile(`(?m)^trace-hash: [0-9a-f]{16}$`).FindString(out)
	require.NotEmpty(t, hash, out)
	assert.Equal(t, fmt.Sprintf("trace-hash: %016x", res.Hash), hash)

	cli := regexp.MustCompile(`(?m)^ +(go run \./cmd/paxossim replay .*)$`).FindStringSubmatch(out)
	require.NotNil(t, cli, out)
	words := strings.Fields(cli[1])
	require.Equal(t, []string{"go", "run", "./cmd/paxossim", "replay"}, words[:4])
	replayCode, replayed, _ := invoke(t, append(words[3:], "-out", t.TempDir())...)
	assert.Equal(t, code, replayCode, replayed)
	assert.Contains(t, replayed, "check="+string(check)+"\n")
	assert.Equal(t, hash, lastLine(replayed), "the printed command replays the shrunk run")
	return before, after
}

// TestShrinkMutant: a calm-3 seed that the execute-before-commit mutant
// fails shrinks to a run of a few operations that fails the same way; -out
// relative to the working directory still prints commands that run.
func TestShrinkMutant(t *testing.T) {
	t.Chdir(t.TempDir())
	before, after := checkShrink(t, "-scenario", "calm-3", "-seed", "1", "-mutant", "execute-before-commit", "-out", "shrunk-out")
	assert.Less(t, after.ops, before.ops, "a mutant that fails on any write needs few operations")
}

// TestShrinkQuorumMinusOne: a failing seed of the quorum-minus-one mutant
// under the leader-isolation nemesis (the first one the test finds)
// shrinks, within a bounded number of runs, to a run no larger that fails
// the same check; the saved run shrinks again from -plan.
func TestShrinkQuorumMinusOne(t *testing.T) {
	sc, err := scenarios.Lookup("nemesis-leader-isolation-3")
	require.NoError(t, err)
	seed := uint64(0)
	for s := uint64(1); s <= 500 && seed == 0; s++ {
		if res := scenarios.Run(sc, s, "quorum-minus-one", scenarios.RunOptions{}); !res.Passed() {
			seed = s
		}
	}
	require.NotZero(t, seed, "quorum-minus-one fails a seed of nemesis-leader-isolation-3 in 500")
	out := t.TempDir()
	checkShrink(t, "-scenario", "nemesis-leader-isolation-3", "-seed", fmt.Sprint(seed), "-mutant", "quorum-minus-one", "-max-runs", "200", "-out", out)

	code, stdout, _ := invoke(t, "shrink", "-scenario", "nemesis-leader-isolation-3", "-seed", fmt.Sprint(seed), "-mutant", "quorum-minus-one", "-max-runs", "3", "-out", t.TempDir())
	assert.Contains(t, []int{exitCheckFailed, exitNoProgress}, code, stdout)
	assert.Regexp(t, `\(\d runs tried, at most 3\)`, stdout, "-max-runs bounds the runs")
}

// TestShrinkPlan: shrink takes a saved run, and refuses one that passes.
func TestShrinkPlan(t *testing.T) {
	sc, err := scenarios.Lookup("calm-3")
	require.NoError(t, err)
	failing := scenarios.Run(sc, 2, "execute-before-commit", scenarios.RunOptions{})
	require.False(t, failing.Passed())
	arts, err := scenarios.WriteArtifacts(t.TempDir(), &failing)
	require.NoError(t, err)
	checkShrink(t, "-plan", arts.Dir, "-out", t.TempDir())

	passing, err := sc.Params(2, "")
	require.NoError(t, err)
	data, err := json.Marshal(passing)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "params.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	code, stdout, stderr := invoke(t, "shrink", "-plan", path)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "paxossim shrink: scenario=calm-3 protocol=multipaxos seed=2 mutant=none passes every check: there is nothing to shrink")
}
