package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

func readJSONL(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := readRecords(f, path)
	require.NoError(t, err)
	return recs
}

// deterministic drops the fields that may differ between two runs of the
// same seeds: the wall time, and the shard that ran it.
func deterministic(recs []record) []record {
	out := make([]record, len(recs))
	for i, r := range recs {
		r.WallNS, r.Shard = 0, ""
		out[i] = r
	}
	return out
}

// TestRunJSONParallelism: the JSON lines' deterministic fields, and their
// order, do not depend on -parallel; each trace hash is the seed's.
func TestRunJSONParallelism(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, par := range []string{"1", "2"} {
		path := filepath.Join(dir, "p"+par+".jsonl")
		code, stdout, stderr := invoke(t, "run", "-scenario", "chaos", "-seed-start", "7000", "-count", "16", "-parallel", par, "-json", path)
		require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
		assert.Contains(t, stdout, "json: "+path+" (16 lines)")
		assert.True(t, strings.HasSuffix(stdout, "PASS: 16 seeds, no failures\n"), stdout)
		files = append(files, path)
	}
	one, two := readJSONL(t, files[0]), readJSONL(t, files[1])
	require.Len(t, one, 16)
	assert.Equal(t, deterministic(one), deterministic(two))
	sc, err := scenarios.Lookup("chaos")
	require.NoError(t, err)
	proto, err := protocol.Lookup(scenarios.DefaultProtocol)
	require.NoError(t, err)
	for i, r := range one {
		assert.Equal(t, uint64(7000+i), r.Seed, "lines are in seed order")
		assert.Equal(t, i, r.Index)
		assert.Equal(t, "0/1", r.Shard)
		assert.Equal(t, 16, r.SweepCount)
		assert.True(t, r.Passed)
		assert.Equal(t, "ok", r.Linearizable)
		assert.Positive(t, r.WallNS)
		assert.Equal(t, "chaos", r.Scenario)
		assert.Equal(t, scenarios.DefaultProtocol, r.Protocol)
		assert.Empty(t, r.Mutant)
		assert.ElementsMatch(t, proto.ProbeNames(), sortedKeys(r.Coverage), "coverage is probe -> count, every probe of the protocol")
		if i < 2 {
			res := scenarios.Run(sc, r.Seed, "", scenarios.RunOptions{})
			assert.Equal(t, fmt.Sprintf("%016x", res.Hash), r.TraceHash)
			assert.Equal(t, res.Events, r.Events)
			for j, name := range res.Coverage.Names {
				assert.Equal(t, res.Coverage.Counts[j], r.Coverage[name], name)
			}
		}
	}
}

// summaryCounts reads "seeds=N failures=F" and the failures by check from
// a run's or a merge's output.
func summaryCounts(t *testing.T, out string) (seeds, failures int, checks string) {
	t.Helper()
	m := regexp.MustCompile(`seeds=(\d+) failures=(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	seeds, _ = strconv.Atoi(m[1])
	failures, _ = strconv.Atoi(m[2])
	if c := regexp.MustCompile(`(?m)^failures by check: (.*)$`).FindStringSubmatch(out); c != nil {
		checks = c[1]
	}
	return seeds, failures, checks
}

// TestShardsCoverUnsharded: shards 0/3, 1/3 and 2/3 together run exactly
// the seeds of the unsharded sweep, with the same results, and merging
// them gives the unsharded counts. A mutant makes the counts non-trivial.
func TestShardsCoverUnsharded(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "-scenario", "chaos", "-seed-start", "0x10", "-count", "14", "-mutant", "execute-before-commit", "-reports", "0"}
	all := filepath.Join(dir, "all.jsonl")
	code, stdout, _ := invoke(t, append(base, "-json", all)...)
	require.Equal(t, exitCheckFailed, code, stdout)
	seeds, failures, checks := summaryCounts(t, stdout)
	require.Equal(t, 14, seeds)
	require.Positive(t, failures)
	whole := readJSONL(t, all)

	var shards []string
	var union []record
	for i := 0; i < 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		code, stdout, _ := invoke(t, append(base, "-shard", fmt.Sprintf("%d/3", i), "-json", path)...)
		assert.Contains(t, []int{exitPass, exitCheckFailed}, code)
		assert.Contains(t, stdout, fmt.Sprintf("shard=%d/3", i))
		recs := readJSONL(t, path)
		for _, r := range recs {
			assert.Equal(t, i, r.Index%3, "shard %d ran index %d", i, r.Index)
			assert.Equal(t, fmt.Sprintf("%d/3", i), r.Shard)
		}
		union = append(union, recs...)
		shards = append(shards, path)
	}
	sort.Slice(union, func(i, j int) bool { return union[i].Index < union[j].Index })
	assert.Equal(t, deterministic(whole), deterministic(union), "the shards ran exactly the unsharded seeds")

	code, merged, _ := invoke(t, append([]string{"merge"}, shards...)...)
	assert.Equal(t, exitCheckFailed, code, "a failing seed fails the merge")
	mSeeds, mFailures, mChecks := summaryCounts(t, merged)
	assert.Equal(t, []any{seeds, failures, checks}, []any{mSeeds, mFailures, mChecks}, merged)
	assert.Contains(t, merged, "shards=0/3,1/3,2/3")
	assert.Contains(t, merged, "replay -scenario chaos -seed 16 -mutant execute-before-commit")
	assert.NotContains(t, merged, "missing")
	assert.NotContains(t, merged, "duplicated")

	// A shard left out, and a shard given twice.
	_, partial, _ := invoke(t, "merge", shards[0], shards[2])
	assert.Contains(t, partial, "missing: 5 of 14 seeds have no line")
	assert.Contains(t, partial, "shard 1/3: no lines at all: seeds 17, 20, 23, 26, 29\n")
	_, twice, _ := invoke(t, "merge", shards[0], shards[1], shards[2], shards[1])
	assert.Contains(t, twice, "duplicated: 5 seeds")
}

// TestMergePasses: a clean sharded sweep merges to exit 0, and a tampered
// trace hash is reported as nondeterminism.
func TestMergePasses(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := 0; i < 2; i++ {
		path := filepath.Join(dir, fmt.Sprintf("s%d.jsonl", i))
		code, stdout, _ := invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "6", "-shard", fmt.Sprintf("%d/2", i), "-json", path)
		require.Equal(t, exitPass, code, stdout)
		files = append(files, path)
	}
	code, out, _ := invoke(t, "merge", files[0], files[1])
	assert.Equal(t, exitPass, code, out)
	assert.Contains(t, out, "seeds=6 failures=0")
	assert.True(t, strings.HasSuffix(out, "PASS: 6 seeds, no failures\n"), out)

	data, err := os.ReadFile(files[1])
	require.NoError(t, err)
	line, _, _ := strings.Cut(string(data), "\n")
	tampered := regexp.MustCompile(`"trace_hash":"[0-9a-f]+"`).ReplaceAllString(line, `"trace_hash":"0000000000000000"`)
	other := filepath.Join(dir, "other.jsonl")
	require.NoError(t, os.WriteFile(other, []byte(tampered+"\n"), 0o644))
	code, out, _ = invoke(t, "merge", files[0], files[1], other)
	assert.Equal(t, exitCheckFailed, code)
	assert.Contains(t, out, "NONDETERMINISM: 1 seeds ran twice with different trace hashes")
}

// TestRunMutantFails: a mutant that stalls fails every seed, with the go
// test report (replay commands, check, trace tail, artifacts) for the
// first ones and a count of the rest; no-progress failures alone exit 3.
func TestRunMutantFails(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := invoke(t, "run", "-scenario", "chaos", "-seeds", "4", "-mutant", "no-accept-reply", "-reports", "2", "-out", out)
	require.Equal(t, exitNoProgress, code, stdout)
	assert.Regexp(t, `^base-seed=\d+ \(this sweep again: go run ./cmd/paxossim run -scenario chaos -seed-start \d+ -count 4 -mutant no-accept-reply\)\n`, stdout)
	assert.Equal(t, 2, strings.Count(stdout, "FAIL scenario=chaos protocol=multipaxos seed="), "two full reports")
	assert.Contains(t, stdout, "check=no-progress")
	assert.Contains(t, stdout, "go run ./cmd/paxossim replay -scenario chaos -seed ")
	assert.Contains(t, stdout, "trace events")
	assert.Contains(t, stdout, "--- 2 more failing seeds")
	assert.Contains(t, stdout, "failures by check: no-progress=4")
	assert.True(t, strings.HasSuffix(stdout, "FAIL: 4 of 4 seeds failed (no-progress=4, no progress only)\n"), stdout)
	assert.Equal(t, 4, strings.Count(stderr, "FAIL seed="), "each failure is announced as it happens")
	m := regexp.MustCompile(`visualization: (\S+)`).FindAllStringSubmatch(stdout, -1)
	require.Len(t, m, 2)
	for _, v := range m {
		assert.FileExists(t, v[1])
		assert.True(t, strings.HasPrefix(v[1], out))
	}
}

// TestRunBudget: -budget without -count runs until the wall-clock budget
// runs out, and says so.
func TestRunBudget(t *testing.T) {
	code, stdout, stderr := invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-budget", "300ms", "-progress", "50ms")
	require.Equal(t, exitPass, code, stdout)
	assert.Contains(t, stdout, "seeds=[1, ...) (until the budget)")
	assert.Regexp(t, `stopped early: the -budget of 300ms ran out after \d+ seeds; the rest did not run`, stdout)
	assert.Contains(t, stderr, "progress: calm: ", "plain progress lines when stderr is not a terminal")
	assert.Contains(t, stderr, "budget left")
	assert.Regexp(t, `PASS: \d+ seeds, no failures \(stopped early\)\n$`, stdout)
}

// TestRunShardFromEnv: a Kubernetes Indexed Job's pod gets its shard index
// from JOB_COMPLETION_INDEX and the count from -shard-count.
func TestRunShardFromEnv(t *testing.T) {
	t.Setenv(envJobIndex, "1")
	path := filepath.Join(t.TempDir(), "shard.jsonl")
	code, stdout, stderr := invoke(t, "run", "-scenario", "calm", "-seed-start", "100", "-count", "7", "-shard", "env", "-shard-count", "3", "-json", path)
	require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
	var idx []int
	for _, r := range readJSONL(t, path) {
		idx = append(idx, r.Index)
	}
	assert.Equal(t, []int{1, 4}, idx)
}

// TestRunProtocol: -protocol runs the scenario with the named protocol; the
// protocol is in the header, the summary, the sweep's command line and
// every JSON line; and merge keeps the sweeps of two protocols apart, as
// it keeps scenarios apart, each with its own protocol's probes.
func TestRunProtocol(t *testing.T) {
	dir := t.TempDir()
	twin, def := filepath.Join(dir, "twin.jsonl"), filepath.Join(dir, "default.jsonl")
	code, stdout, stderr := invoke(t, "run", "-scenario", "calm", "-protocol", twinName, "-seed-start", "1", "-count", "4", "-json", twin)
	require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "scenario=calm protocol="+twinName+" mutant=none seeds=[1, 4]")
	assert.Contains(t, stdout, "scenario=calm protocol="+twinName+" mutant=none seeds=4 failures=0")
	assert.Contains(t, stdout, "this sweep again: go run ./cmd/paxossim run -scenario calm -protocol "+twinName+" -seed-start 1 -count 4\n")
	for _, r := range readJSONL(t, twin) {
		assert.Equal(t, twinName, r.Protocol)
	}
	code, stdout, _ = invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "4", "-json", def)
	require.Equal(t, exitPass, code, stdout)
	assert.Contains(t, stdout, "this sweep again: go run ./cmd/paxossim run -scenario calm -seed-start 1 -count 4\n")
	for _, r := range readJSONL(t, def) {
		assert.Equal(t, scenarios.DefaultProtocol, r.Protocol)
	}

	code, merged, _ := invoke(t, "merge", twin, def)
	assert.Equal(t, exitPass, code, merged)
	assert.Contains(t, merged, "merged 2 files, 8 lines, 2 sweep(s)")
	assert.Contains(t, merged, "--- scenario=calm protocol=multipaxos mutant=none first-seed=1 count=4")
	assert.Contains(t, merged, "--- scenario=calm protocol="+twinName+" mutant=none first-seed=1 count=4")
	assert.Equal(t, 2, strings.Count(merged, "seeds=4 failures=0"), merged)
	assert.NotContains(t, merged, "duplicated")
	assert.NotContains(t, merged, "NONDETERMINISM")
	proto, err := protocol.Lookup(twinName)
	require.NoError(t, err)
	assert.Contains(t, merged, "coverage: "+proto.ProbeNames()[0]+"=")

	// A failing seed of a protocol the command does not know replays with
	// go test.
	mut := filepath.Join(dir, "mutant.jsonl")
	code, stdout, _ = invoke(t, "run", "-scenario", "calm-3", "-protocol", twinName, "-mutant", "execute-before-commit", "-seed-start", "1", "-count", "1", "-reports", "0", "-json", mut)
	require.Equal(t, exitCheckFailed, code, stdout)
	code, merged, _ = invoke(t, "merge", mut)
	assert.Equal(t, exitCheckFailed, code)
	assert.Contains(t, merged, "go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=calm-3 -paxossim.seed=1 -paxossim.protocol="+twinName+" -paxossim.mutant=execute-before-commit -paxossim.trace")
}

// TestRunStopAfter: -stop-after N starts no new seed once N have failed;
// the summary says the sweep stopped early, and the exit status is the
// failures' class.
func TestRunStopAfter(t *testing.T) {
	code, stdout, stderr := invoke(t, "run", "-scenario", "chaos", "-mutant", "no-accept-reply", "-seed-start", "1", "-count", "500",
		"-stop-after", "2", "-parallel", "1", "-reports", "0", "-progress", "0")
	require.Equal(t, exitNoProgress, code, "%s\n%s", stdout, stderr)
	seeds, failures, _ := summaryCounts(t, stdout)
	assert.GreaterOrEqual(t, failures, 2)
	assert.Less(t, seeds, 500, "the sweep stopped early")
	assert.Regexp(t, fmt.Sprintf(`stopped early: -stop-after 2 reached \(%d seeds failed\) after %d of 500 seeds; the rest did not run\n`, failures, seeds), stdout)
	assert.Regexp(t, `FAIL: \d+ of \d+ seeds failed \(no-progress=\d+, no progress only\) \(stopped early\)\n$`, stdout)
	assert.Contains(t, stdout, "this sweep again: go run ./cmd/paxossim run -scenario chaos -seed-start 1 -count 500 -mutant no-accept-reply\n", "the command runs every seed")

	// Without failures it never stops.
	code, stdout, _ = invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "5", "-stop-after", "1", "-progress", "0")
	require.Equal(t, exitPass, code, stdout)
	assert.NotContains(t, stdout, "stopped early")
	assert.True(t, strings.HasSuffix(stdout, "PASS: 5 seeds, no failures\n"), stdout)
}

// TestRunListsEveryFailure: past the full reports, the failing seeds are
// listed and the rest counted, against every failure of the sweep, not
// only those the summary kept.
func TestRunListsEveryFailure(t *testing.T) {
	code, stdout, _ := invoke(t, "run", "-scenario", "chaos", "-mutant", "no-accept-reply", "-seed-start", "1", "-count", "30", "-reports", "1", "-out", t.TempDir(), "-progress", "0")
	require.Equal(t, exitNoProgress, code, stdout)
	_, failures, _ := summaryCounts(t, stdout)
	require.Greater(t, failures, 1+moreFailures, "enough failures to count past the list")
	assert.Contains(t, stdout, fmt.Sprintf("--- failure 1 of %d\n", failures))
	assert.Contains(t, stdout, fmt.Sprintf("--- %d more failing seeds", failures-1))
	assert.Contains(t, stdout, fmt.Sprintf("  ... %d more\n", failures-1-moreFailures))
}

// TestTruncateFact: a fact too long for a JSON line is cut at a character
// boundary, and says so.
func TestTruncateFact(t *testing.T) {
	short := "agreement: slot 3 decided twice"
	assert.Equal(t, short, truncateFact(short))
	long := strings.Repeat("é", maxFactBytes) // two bytes each
	cut := truncateFact(long)
	assert.True(t, strings.HasSuffix(cut, factTruncated))
	body := strings.TrimSuffix(cut, factTruncated)
	assert.LessOrEqual(t, len(body), maxFactBytes)
	assert.True(t, utf8.ValidString(body))
	assert.Equal(t, strings.Repeat("é", maxFactBytes/2), body)
}
