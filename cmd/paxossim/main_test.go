package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

// invoke runs the command in-process, as main does, and returns its exit
// code and output.
func invoke(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	code, _, stderr := invoke(t)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage: paxossim COMMAND")

	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, stdout, _ := invoke(t, args...)
		assert.Equal(t, exitPass, code, args)
		for _, c := range commands() {
			assert.Contains(t, stdout, "  "+c.name+" ", args)
		}
	}
	for _, c := range commands() {
		code, stdout, _ := invoke(t, "help", c.name)
		assert.Equal(t, exitPass, code, c.name)
		assert.Contains(t, stdout, "usage: paxossim "+c.name, c.name)
		code, stdout2, _ := invoke(t, c.name, "-h")
		assert.Equal(t, exitPass, code, c.name)
		assert.Equal(t, stdout, stdout2, c.name)
	}
}

// TestBadInput: every bad input is one line naming the problem, a usage
// hint, and exit status 2; never a panic, never a run.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.jsonl")
	require.NoError(t, os.WriteFile(garbage, []byte("{\"scenario\":\"chaos\"}\nnot json\n"), 0o644))
	badPlan := filepath.Join(dir, "params.json")
	require.NoError(t, os.WriteFile(badPlan, []byte(`{"Scenario":"chaos","Seed":1,"Bogus":true}`), 0o644))
	// A file that decodes but fails validation in several fields at once:
	// the error is still one line.
	invalid := filepath.Join(dir, "invalid", "params.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(invalid), 0o755))
	require.NoError(t, os.WriteFile(invalid, []byte(`{"schema":99,"protocol":"nope","servers":0}`), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.MkdirAll(empty, 0o755))

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},

		{[]string{"run"}, "-scenario is required"},
		{[]string{"run", "-scenario", "nope"}, `unknown scenario "nope"`},
		{[]string{"run", "-scenario", "chaos", "-mutant", "nope"}, `unknown mutant "nope" of protocol multipaxos (have: quorum-minus-one, `},
		{[]string{"run", "-scenario", "chaos", "-protocol", "nope"}, `unknown protocol "nope" (have: `},
		{[]string{"run", "-scenario", "chaos", "-protocol", ""}, "-protocol is empty"},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "12x", "-count", "1"}, `seed "12x"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "-5", "-count", "1"}, `seed "-5"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "18446744073709551616"}, `seed "18446744073709551616"`},
		{[]string{"run", "-scenario", "chaos", "-parallel", "0"}, "-parallel 0: must be at least 1"},
		{[]string{"run", "-scenario", "chaos", "-parallel", "-2"}, "-parallel -2: must be at least 1"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "-3"}, "-seeds -3: must be at least 1"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "0"}, "-seeds 0: must be at least 1"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "abc"}, `invalid value "abc" for flag -seeds`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-count", "-1"}, "-count -1: must be at least 1"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "10", "-count", "10"}, "-seeds and -count conflict"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "10", "-seed-start", "1"}, "-seeds and -seed-start conflict"},
		{[]string{"run", "-scenario", "chaos", "-count", "10"}, "-count needs -seed-start"},
		{[]string{"run", "-scenario", "chaos", "-budget", "-1s"}, "-budget -1s: must not be negative"},
		{[]string{"run", "-scenario", "chaos", "-determinism-every", "-1"}, "-determinism-every -1"},
		{[]string{"run", "-scenario", "chaos", "-reports", "-1"}, "-reports -1"},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "3/3"}, `bad -shard "3/3"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "x"}, `bad -shard "x"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "1/0"}, `bad -shard "1/0"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "-1/3"}, `bad -shard "-1/3"`},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "1/3", "-shard-count", "4"}, "disagree on the number of shards"},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard-count", "-2"}, "-shard-count -2"},
		{[]string{"run", "-scenario", "chaos", "-seeds", "9", "-shard", "0/3"}, "-shard 0/3 needs a fixed range"},
		{[]string{"run", "-scenario", "chaos", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", "-scenario", "chaos", "extra"}, `unexpected argument "extra"`},
		{[]string{"run", "-scenario", "chaos", "-seeds", "1", "-json", filepath.Join(dir, "no", "such", "dir", "x.jsonl")}, "-json"},

		{[]string{"replay", "-seed", "1"}, "-scenario is required"},
		{[]string{"replay", "-scenario", "nope", "-seed", "1"}, `unknown scenario "nope"`},
		{[]string{"replay", "-scenario", "chaos"}, "-seed is required"},
		{[]string{"replay", "-scenario", "chaos", "-seed", "0xZZ"}, `seed "0xZZ"`},
		{[]string{"replay", "-scenario", "chaos", "-seed", "1", "-mutant", "nope"}, `unknown mutant "nope"`},
		{[]string{"replay", "-scenario", "chaos", "-seed", "1", "-protocol", "nope"}, `unknown protocol "nope" (have: `},
		{[]string{"replay", "-plan", badPlan, "-protocol", "nope"}, `unknown protocol "nope"`},
		{[]string{"replay", "-plan", filepath.Join(dir, "missing.json")}, "-plan"},
		{[]string{"replay", "-plan", badPlan}, "Bogus"},
		{[]string{"replay", "-plan", filepath.Join(dir, "plan.json")}, "Bogus"}, // the params.json next to it
		{[]string{"replay", "-plan", filepath.Join(empty, "plan.json")}, "a plan.json replays the params.json next to it, and there is none"},
		{[]string{"replay", "-plan", empty}, "a directory replays the params.json in it, and there is none"},
		{[]string{"replay", "-plan", invalid}, "schema = 99"},
		{[]string{"replay", "-plan", filepath.Dir(invalid)}, "schema = 99"},

		{[]string{"list", "extra"}, `unexpected argument "extra"`},

		{[]string{"merge"}, "no files to merge"},
		{[]string{"merge", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"merge", garbage}, "garbage.jsonl:2: not a paxossim JSON line"},
		{[]string{"merge", "-show", "-1", garbage}, "-show -1"},

		{[]string{"bench", "-seeds", "0"}, "-seeds 0: must be at least 1"},
		{[]string{"bench", "-scenario", "nope"}, `unknown scenario "nope"`},
		{[]string{"bench", "-protocol", "nope"}, `unknown protocol "nope" (have: `},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var code int
			var stdout, stderr string
			require.NotPanics(t, func() { code, stdout, stderr = invoke(t, c.args...) })
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout, "nothing runs on bad input")
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			require.Len(t, lines, 2, "one line naming the problem, then the usage hint:\n%s", stderr)
			assert.Contains(t, lines[0], c.want)
			assert.Regexp(t, `^Run 'paxossim( \w+ -h| help)' for usage\.$`, lines[1])
		})
	}
}

// TestUnknownProtocol: -protocol names a registered protocol; any other
// name is one line naming the ones there are, and exit status 2, before
// anything runs.
func TestUnknownProtocol(t *testing.T) {
	for _, cmd := range [][]string{
		{"run", "-scenario", "calm", "-seed-start", "1", "-count", "1"},
		{"replay", "-scenario", "calm", "-seed", "1"},
		{"bench", "-kernel=false", "-seeds", "1", "-scaling-seeds", "1"},
	} {
		code, stdout, stderr := invoke(t, append(cmd, "-protocol", "paxos-made-wrong")...)
		assert.Equal(t, exitUsage, code, cmd)
		assert.Empty(t, stdout, cmd)
		want := fmt.Sprintf("paxossim %s: unknown protocol \"paxos-made-wrong\" (have: %s)\nRun 'paxossim %s -h' for usage.\n",
			cmd[0], strings.Join(protocol.Names(), ", "), cmd[0])
		assert.Equal(t, want, stderr, cmd)
		assert.Contains(t, stderr, scenarios.DefaultProtocol)
	}
}
