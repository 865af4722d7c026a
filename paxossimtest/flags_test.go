package paxossimtest

import (
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
)

// paxossimFlags are the go test flags of this package, without the prefix.
var paxossimFlags = []string{"protocol", "scenario", "seeds", "base-seed", "seed", "trace", "mutant", "out", "plan", "recheck",
	"parallel-seeds", "determinism-every", "summary"}

// skipIfFlagsGiven skips a test of flag parsing when the command line set a
// paxossim flag, which wins over the environment the test sets.
func skipIfFlagsGiven(t *testing.T) {
	t.Helper()
	flag.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, scenarios.FlagPrefix) {
			t.Skipf("-%s is set on the command line", f.Name)
		}
	})
}

// clearEnv unsets every PAXOSSIM_ variable for the test.
func clearEnv(t *testing.T) {
	for _, name := range paxossimFlags {
		t.Setenv("PAXOSSIM_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_")), "")
	}
}

func TestFlagsArePrefixed(t *testing.T) {
	for _, name := range paxossimFlags {
		assert.NotNil(t, flag.Lookup(scenarios.FlagPrefix+name), "-%s%s", scenarios.FlagPrefix, name)
		assert.Nil(t, flag.Lookup(name), "-%s would collide with go test's or another package's flags", name)
	}
}

func TestParseSettingsDefaults(t *testing.T) {
	skipIfFlagsGiven(t)
	clearEnv(t)
	st, err := ParseSettings(Options{})
	require.NoError(t, err)
	assert.Equal(t, multipaxos.Protocol, st.Protocol)
	assert.Equal(t, scenarios.SweepNames(), st.Scenarios)
	want := 60
	if testing.Short() {
		want = 10
	}
	assert.Equal(t, want, st.Seeds)
	assert.Equal(t, 10, st.DeterminismEvery)
	assert.False(t, st.BaseSeedGiven)
	assert.False(t, st.SeedGiven)
	assert.False(t, st.Trace)
	assert.Empty(t, st.Mutant)
	assert.Zero(t, st.Parallel)

	st, err = ParseSettings(Options{Seeds: 12, Scenarios: []string{"calm", "chaos-3"}})
	require.NoError(t, err)
	want = 12
	if testing.Short() {
		want = 2
	}
	assert.Equal(t, want, st.Seeds)
	assert.Equal(t, []string{"calm", "chaos-3"}, st.Scenarios)
}

// TestParseSettingsFromTheEnvironment: every flag can come from its
// PAXOSSIM_ variable, and a bad value is an error naming the flag, never a
// default.
func TestParseSettingsFromTheEnvironment(t *testing.T) {
	skipIfFlagsGiven(t)
	for _, c := range []struct {
		name  string
		env   map[string]string
		want  string // an error containing this, or "" for none
		check func(*testing.T, Settings)
	}{
		{"seeds", map[string]string{"SEEDS": "500"}, "", func(t *testing.T, st Settings) { assert.Equal(t, 500, st.Seeds) }},
		{"zero seeds", map[string]string{"SEEDS": "0"}, "-paxossim.seeds", nil},
		{"seeds not a number", map[string]string{"SEEDS": "many"}, "-paxossim.seeds", nil},
		{"base seed in hex", map[string]string{"BASE_SEED": "0x10"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, uint64(16), st.BaseSeed)
			assert.True(t, st.BaseSeedGiven)
		}},
		{"bad base seed", map[string]string{"BASE_SEED": "-1"}, "-paxossim.base-seed", nil},
		{"scenarios", map[string]string{"SCENARIO": "calm,chaos-5"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, []string{"calm", "chaos-5"}, st.Scenarios)
		}},
		{"unknown scenario", map[string]string{"SCENARIO": "calm,nope"}, `-paxossim.scenario: unknown scenario "nope"`, nil},
		{"seed", map[string]string{"SCENARIO": "chaos", "SEED": "7", "TRACE": "1"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, uint64(7), st.Seed)
			assert.True(t, st.SeedGiven)
			assert.True(t, st.Trace)
		}},
		{"seed without one scenario", map[string]string{"SEED": "7"}, "needs exactly one -paxossim.scenario", nil},
		{"bad seed", map[string]string{"SCENARIO": "chaos", "SEED": "7 "}, "-paxossim.seed", nil},
		{"trace of a sweep", map[string]string{"TRACE": "1"}, "-paxossim.trace needs", nil},
		{"trace of a plan", map[string]string{"TRACE": "1", "PLAN": "x/params.json"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, "x/params.json", st.Plan)
		}},
		{"mutant", map[string]string{"MUTANT": "quorum-minus-one"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, "quorum-minus-one", st.Mutant)
		}},
		{"unknown mutant", map[string]string{"MUTANT": "off-by-one"}, `-paxossim.mutant: protocol multipaxos has no mutant "off-by-one"`, nil},
		{"protocol", map[string]string{"PROTOCOL": multipaxos.Name}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, multipaxos.Protocol, st.Protocol)
		}},
		{"unknown protocol", map[string]string{"PROTOCOL": "raft"}, `-paxossim.protocol: unknown protocol "raft"`, nil},
		{"parallel", map[string]string{"PARALLEL_SEEDS": "4"}, "", func(t *testing.T, st Settings) { assert.Equal(t, 4, st.Parallel) }},
		{"zero parallel", map[string]string{"PARALLEL_SEEDS": "0"}, "-paxossim.parallel-seeds", nil},
		{"no determinism re-runs", map[string]string{"DETERMINISM_EVERY": "0"}, "", func(t *testing.T, st Settings) {
			assert.Zero(t, st.DeterminismEvery)
		}},
		{"negative determinism", map[string]string{"DETERMINISM_EVERY": "-1"}, "-paxossim.determinism-every", nil},
		{"out and recheck", map[string]string{"OUT": "/tmp/o", "RECHECK": "/tmp/r"}, "", func(t *testing.T, st Settings) {
			assert.Equal(t, "/tmp/o", st.Out)
			assert.Equal(t, "/tmp/r", st.Recheck)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range c.env {
				t.Setenv("PAXOSSIM_"+k, v)
			}
			st, err := ParseSettings(Options{})
			if c.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
				return
			}
			require.NoError(t, err)
			c.check(t, st)
		})
	}
}

// flagsTestProtocol is MultiPaxos under another name, for a test that
// names its protocol in Options.
var flagsTestProtocol = func() *protocol.Protocol {
	p := *multipaxos.Protocol
	p.Name = "multipaxos-paxossimtest-flags"
	return &p
}()

// TestParseSettingsForATestsOwnProtocol: Options.Protocol is registered and
// used; -paxossim.protocol may not name another one, and -paxossim.mutant
// is checked against the test's protocol.
func TestParseSettingsForATestsOwnProtocol(t *testing.T) {
	skipIfFlagsGiven(t)
	clearEnv(t)
	o := Options{Protocol: flagsTestProtocol}
	st, err := ParseSettings(o)
	require.NoError(t, err)
	assert.Equal(t, flagsTestProtocol, st.Protocol)
	got, err := protocol.Lookup(flagsTestProtocol.Name)
	require.NoError(t, err, "Options.Protocol is registered")
	assert.Equal(t, flagsTestProtocol, got)

	t.Setenv("PAXOSSIM_PROTOCOL", flagsTestProtocol.Name)
	_, err = ParseSettings(o)
	assert.NoError(t, err, "naming the test's own protocol is fine")
	t.Setenv("PAXOSSIM_PROTOCOL", multipaxos.Name)
	_, err = ParseSettings(o)
	assert.ErrorContains(t, err, "this test runs protocol "+flagsTestProtocol.Name)

	t.Setenv("PAXOSSIM_PROTOCOL", "")
	t.Setenv("PAXOSSIM_MUTANT", "quorum-minus-one")
	_, err = ParseSettings(o)
	assert.NoError(t, err)
}

// A misspelt PAXOSSIM_ variable is an error, not a silently default sweep.
func TestUnknownEnvironmentVariableIsAnError(t *testing.T) {
	skipIfFlagsGiven(t)
	t.Setenv("PAXOSSIM_SEDS", "5000")
	_, err := ParseSettings(Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PAXOSSIM_SEDS")
	assert.Contains(t, err.Error(), "PAXOSSIM_SEEDS", "the message lists the real names")
}
