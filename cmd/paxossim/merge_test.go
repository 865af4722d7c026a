package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMergeKilledShards: shards killed before their first line (an empty
// file) and mid-write (a torn last line) are reported as incomplete,
// naming each file and the seeds it lacks; every complete line is merged,
// and the exit status is 5, not 2.
func TestMergeKilledShards(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := 0; i < 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		code, stdout, _ := invoke(t, "run", "-scenario", "calm", "-seed-start", "1000", "-count", "12", "-shard", fmt.Sprintf("%d/3", i), "-json", path, "-progress", "0")
		require.Equal(t, exitPass, code, stdout)
		files = append(files, path)
	}
	// Shard 1 was killed before it wrote a line; shard 2 in the middle of
	// its third line (seed 1008), after writing 1002 and 1005.
	require.NoError(t, os.WriteFile(files[1], nil, 0o644))
	data, err := os.ReadFile(files[2])
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	require.Len(t, lines, 5) // four lines and the empty string after the last newline
	torn := lines[0] + lines[1] + lines[2][:len(lines[2])/2]
	require.NoError(t, os.WriteFile(files[2], []byte(torn), 0o644))

	code, out, stderr := invoke(t, append([]string{"merge"}, files...)...)
	assert.Equal(t, exitIncomplete, code, "%s\n%s", out, stderr)
	assert.Empty(t, stderr)
	assert.Contains(t, out, "merged 3 files, 6 lines, 1 sweep(s)\n")
	assert.Contains(t, out, "incomplete: "+files[1]+" is empty: its shard wrote no line")
	assert.Contains(t, out, fmt.Sprintf("incomplete: %s:3: the last line is torn (%d bytes, no newline): its shard was killed mid-write; its 2 complete lines are merged", files[2], len(lines[2])/2))
	assert.Contains(t, out, "seeds=6 failures=0")
	assert.Contains(t, out, "missing: 6 of 12 seeds have no line")
	assert.Contains(t, out, "  shard 1/3: no lines at all: seeds 1001, 1004, 1007, 1010\n")
	assert.Contains(t, out, "  shard 2/3 ("+files[2]+", its last line torn): 2 of 4 seeds missing: 1008, 1011\n")
	assert.NotContains(t, out, "shard 0/3")
	assert.True(t, strings.HasSuffix(out, "INCOMPLETE: 6 seeds passed, but the merge is incomplete or inconsistent (see above)\n"), out)

	// A torn line is only ever the last one: the same cut line followed by
	// a complete one is a line no run writes.
	middle := filepath.Join(dir, "middle.jsonl")
	require.NoError(t, os.WriteFile(middle, []byte(lines[0]+lines[2][:len(lines[2])/2]+"\n"+lines[1]), 0o644))
	code, out, stderr = invoke(t, "merge", middle)
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, stderr, middle+":2: not a paxossim JSON line")

	// A file whose only line is torn: nothing to merge, and incomplete.
	only := filepath.Join(dir, "only-torn.jsonl")
	require.NoError(t, os.WriteFile(only, []byte(lines[0][:10]), 0o644))
	code, out, _ = invoke(t, "merge", only)
	assert.Equal(t, exitIncomplete, code, out)
	assert.Contains(t, out, only+":1: the last line is torn (10 bytes, no newline)")
}

// TestMergeClaimedCount: a line claiming a huge sweep costs merge nothing
// in proportion to the claim: a billion-seed sweep (the limit) of which
// one line is here, unsharded or split in the most shards allowed, merges
// in milliseconds and a few MiB, and names its missing seeds.
func TestMergeClaimedCount(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claims.jsonl")
	content := jsonLine(t, map[string]any{"sweep_count": maxSeeds, "seed": 5}) + "\n" +
		jsonLine(t, map[string]any{"scenario": "chaos", "sweep_count": maxSeeds, "shard": fmt.Sprintf("7/%d", maxShards), "index": 7, "seed": 7}) + "\n"
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	code, out, stderr := invoke(t, "merge", path)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	assert.Equal(t, exitIncomplete, code, "%s\n%s", out, stderr)
	// Generous bounds, for a loaded machine: work in proportion to a
	// billion claimed seeds would take minutes, and the allocation bound
	// below is the sharp one.
	assert.Less(t, elapsed, 20*time.Second, "merge did work in proportion to the claimed count")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "merge allocated in proportion to the claimed count")
	assert.Contains(t, out, "missing: 999999999 of 1000000000 seeds have no line")
	assert.Contains(t, out, "  shard 0/1 ("+path+"): 999999999 of 1000000000 seeds missing: 6, 7, 8, 9, 10, ... 999999994 more\n")
	assert.Contains(t, out, "  shard 0/100000: no lines at all: seeds 0, 100000, 200000, 300000, 400000, ... 9995 more\n")
	assert.Contains(t, out, fmt.Sprintf("  ... %d more shards lack ", maxShards-showMissingShards))

	// Many sweeps, each claiming the most shards: the work follows the
	// lines, not lines times shards.
	var many strings.Builder
	const sweeps = 2000
	for i := 0; i < sweeps; i++ {
		many.WriteString(jsonLine(t, map[string]any{"seed": uint64(i) * maxSeeds, "sweep_count": maxSeeds, "shard": fmt.Sprintf("0/%d", maxShards)}) + "\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(many.String()), 0o644))
	start = time.Now()
	code, out, _ = invoke(t, "merge", path)
	assert.Equal(t, exitIncomplete, code)
	assert.Less(t, time.Since(start), 30*time.Second, "merge did work in proportion to the claimed shards")
	assert.Equal(t, sweeps, strings.Count(out, fmt.Sprintf("  ... %d more shards lack ", maxShards-showMissingShards)), "every sweep counts its missing shards")
}

// TestMergeFileLimit: a file past the size limit (a source that never
// ends) is refused, after reading no more than the limit.
func TestMergeFileLimit(t *testing.T) {
	line := jsonLine(t, nil) + "\n"
	endless := strings.NewReader(strings.Repeat(line, 100))
	_, err := scanRecordsLimited(endless, "endless", int64(10*len(line)), func(record) {})
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("endless: longer than %d bytes: not a file of JSON lines that run writes", 10*len(line)), err.Error())
	fsc, err := scanRecordsLimited(strings.NewReader(strings.Repeat(line, 10)), "fits", int64(10*len(line)), func(record) {})
	require.NoError(t, err)
	assert.Equal(t, 10, fsc.lines)
}

// TestMergeKeepsFewFindings: merge keeps the lowest-index failing lines
// it lists and counts the rest, and counts duplicates past the ones it
// names.
func TestMergeKeepsFewFindings(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	const n = 500
	for i := n - 1; i >= 0; i-- { // highest index first
		b.WriteString(jsonLine(t, map[string]any{"sweep_count": n, "seed": 100 + i, "index": i, "passed": false, "check": "agreement", "fact": fmt.Sprintf("fact %d\nsecond line", i)}) + "\n")
	}
	path := filepath.Join(dir, "failing.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	code, out, _ := invoke(t, "merge", "-show", "3", path, path)
	assert.Equal(t, exitCheckFailed, code)
	assert.Contains(t, out, "failing seeds:\n  seed=100 check=agreement: fact 0\n")
	assert.Contains(t, out, "  seed=102 check=agreement: fact 2\n")
	assert.NotContains(t, out, "seed=103 ")
	assert.NotContains(t, out, "second line")
	assert.Contains(t, out, "  ... 497 more (-show N lists more)\n")
	assert.Regexp(t, regexp.MustCompile(`duplicated: 500 seeds appear more than once .*, \.\.\. 490 more\n`), out)
	assert.Contains(t, out, "FAIL: 500 of 500 seeds failed (agreement=500), and the merge is incomplete (see above)\n")
}
