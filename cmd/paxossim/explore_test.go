package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExplore: a mutant's counterexample is written and replays through
// 'paxossim replay -plan' to the same failed check; a search cut by its
// bounds exits 5, never 0; bad input exits 2.
func TestExplore(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := invoke(t, "explore", "-protocol", "paxos", "-mutant", "write-minority", "-ops", "2", "-seed", "2", "-out", dir)
	require.Equal(t, exitCheckFailed, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "FAIL check=chosen after 7 choices")
	plan := filepath.Join(dir, "params.json")
	code, stdout, stderr = invoke(t, "replay", "-plan", plan)
	require.Equal(t, exitCheckFailed, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "check=chosen")

	code, stdout, stderr = invoke(t, "explore", "-protocol", "paxos", "-ops", "2", "-seed", "2", "-max-states", "50")
	require.Equal(t, exitIncomplete, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "INCOMPLETE")

	// With and without sleep sets: the same states, the skipped choices
	// reported.
	var lines []string
	for _, extra := range [][]string{nil, {"-no-reduction"}} {
		code, stdout, stderr = invoke(t, append([]string{"explore", "-protocol", "paxos", "-ops", "2", "-seed", "2", "-no-layers", "-max-depth", "9"}, extra...)...)
		require.Equal(t, exitIncomplete, code, "%s\n%s", stdout, stderr)
		summary, _, _ := strings.Cut(stdout[strings.Index(stdout, "states="):], " transitions=")
		lines = append(lines, summary)
		assert.Contains(t, stdout, "choices asleep (skipped)")
		assert.Equal(t, extra != nil, strings.Contains(stdout, " 0 choices asleep"), "%s", stdout)
	}
	assert.Equal(t, lines[0], lines[1])

	for _, args := range [][]string{
		{"-protocol", "nope"},
		{"-protocol", "paxos", "-servers", "0"},
		{"-protocol", "paxos", "-workload", "{"},
		{"-protocol", "paxos", "-mutant", "nope"},
		{"-protocol", "paxos", "-drops", "-1"},
		{"-protocol", "paxos", "stray"},
	} {
		code, _, stderr := invoke(t, append([]string{"explore"}, args...)...)
		assert.Equal(t, exitUsage, code, "%v", args)
		first, _, _ := strings.Cut(stderr, "\n")
		assert.True(t, strings.HasPrefix(first, "paxossim explore: ") && len(first) < 300, "one short line for %v: %q", args, stderr)
	}
}
