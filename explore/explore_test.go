package explore

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

// paxosSetup is single-decree Paxos with 3 servers and 2 clients. Seed 2
// draws, for each client, a put then a get (stateright's workload), the
// clients at different servers.
func paxosSetup(t *testing.T, mutant string, ops int, workload string) runner.Params {
	t.Helper()
	su := Setup{Protocol: "paxos", Mutant: mutant, Servers: 3, Clients: 2, Ops: ops, Seed: 2}
	if workload != "" {
		su.Workload = json.RawMessage(workload)
	}
	p, err := su.Params()
	require.NoError(t, err)
	return p
}

// TestGoldenPaxosStates pins the number of unique states of single-decree
// Paxos with 3 servers and 2 clients that each put once, servers that
// never time out, ballots bounded at round 1, within 10 choices. A change
// of the number is a change of the protocol's behaviour, of the chooser
// seam, or of what a state is: update it only for an intended one.
func TestGoldenPaxosStates(t *testing.T) {
	p := paxosSetup(t, "", 1, `{"get":0,"put":1}`)
	res, err := Explore(Config{Params: p, MaxRound: 1, MaxDepth: 10})
	require.NoError(t, err)
	require.Nil(t, res.Violation)
	t.Logf("states=%d transitions=%d depth=%d wall=%v (%.0f states/s)", res.States, res.Transitions, res.Depth, res.Wall, res.StatesPerSecond())
	assert.Equal(t, goldenPaxosStates, res.States)
	assert.Equal(t, 10, res.Depth)
	assert.False(t, res.Complete, "paths were cut at MaxDepth")
}

const goldenPaxosStates = 10361

// TestGoldenMultiPaxosStates pins the states of MultiPaxos with 3 replicas,
// two puts and a get (the small TLC model's workload), ballots bounded at
// round 2 and at most 2 timer firings, within 6 choices. States are told
// by the replicas' own fingerprints (Replica.Fingerprint); without them,
// by the inputs each replica handled, the same bound held 12,294 states.
func TestGoldenMultiPaxosStates(t *testing.T) {
	res, err := Explore(Config{Params: mpSetup(t, ""), MaxRound: 2, Timers: 2, MaxDepth: 6})
	require.NoError(t, err)
	require.Nil(t, res.Violation)
	t.Logf("states=%d transitions=%d depth=%d wall=%v (%.0f states/s)", res.States, res.Transitions, res.Depth, res.Wall, res.StatesPerSecond())
	assert.Equal(t, goldenMultiPaxosStates, res.States)
}

const goldenMultiPaxosStates = 7215

// TestPaxosFullSpace explores the whole bounded space of stateright's
// configuration (each client a put then a get, ballots bounded at round
// 1, no layer histories) and pins its size, with the choices the sleep
// sets skip (Result.Slept) added back to what a search without them
// takes. It takes some five minutes and 4 GB: set
// PAXOSSIM_EXPLORE_LONG=1.
func TestPaxosFullSpace(t *testing.T) {
	if os.Getenv("PAXOSSIM_EXPLORE_LONG") == "" {
		t.Skip("five minutes long: set PAXOSSIM_EXPLORE_LONG=1")
	}
	p := paxosSetup(t, "", 2, "")
	res, err := Explore(Config{Params: p, MaxRound: 1, NoLayers: true, OnProgress: func(r Result) {}})
	require.NoError(t, err)
	t.Logf("states=%d transitions=%d slept=%d depth=%d pruned=%d wall=%v (%.0f states/s)", res.States, res.Transitions, res.Slept, res.Depth, res.Pruned, res.Wall, res.StatesPerSecond())
	require.Nil(t, res.Violation)
	require.True(t, res.Complete)
	assert.Equal(t, goldenPaxosFullStates, res.States)
	assert.Equal(t, goldenPaxosFullChoices, res.Transitions+res.Slept)
	assert.Equal(t, 36, res.Depth)
}

// goldenPaxosFullStates is the whole space of TestPaxosFullSpace (1,416
// states beyond the ballot bound), and goldenPaxosFullChoices the choices
// a search without sleep sets takes in it (measured without them).
const (
	goldenPaxosFullStates  = 22_452_847
	goldenPaxosFullChoices = 137_024_614
)

// TestFindsMutants: the search finds a mutant of each protocol on a
// shortest path, and the counterexample replays through the ordinary run
// path to the same failed check.
func TestFindsMutants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		check   runner.Check
		choices int
	}{
		{"paxos/write-minority", Config{Params: paxosSetup(t, "write-minority", 2, ""), MaxRound: 1}, runner.CheckChosen, 7},
		{"paxos/reply-before-sync", Config{Params: paxosSetup(t, "reply-before-sync", 2, ""), MaxRound: 1, Crashes: 1}, runner.CheckPromise, 4},
		{"multipaxos/quorum-minus-one", Config{Params: mpSetup(t, "quorum-minus-one"), MaxRound: 2, Timers: 2}, runner.CheckChosen, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Explore(tc.cfg)
			require.NoError(t, err)
			v := res.Violation
			require.NotNil(t, v, "not found in %d states", res.States)
			assert.Equal(t, tc.check, v.Failure.Check, v.Failure.Fact)
			assert.Len(t, v.Path, tc.choices, "the shortest path: %v", v.Path)
			t.Logf("%v after %v in %v (%d states)", v.Failure.Check, v.Path, res.Wall, res.States)

			// Through JSON, as paxossim replay reads it.
			data, err := json.Marshal(v.Params)
			require.NoError(t, err)
			p, err := runner.DecodeParams(data)
			require.NoError(t, err)
			rr := scenarios.RunParams(p, scenarios.RunOptions{})
			require.NotNil(t, rr.Failure, "the replay passed")
			assert.Equal(t, tc.check, rr.Failure.Check, rr.Failure.Fact)
		})
	}
}

// TestFindsNoAcceptReply: the liveness mutant is found on a closed space.
// With one client's put, ballots bounded at round 1 and one timer firing
// (one election), the correct protocol's space closes with a state in
// which the client finished, and the mutant's closes with none: no-progress.
// The replay, run in time with the liveness check on, fails it too.
func TestFindsNoAcceptReply(t *testing.T) {
	for _, mutant := range []string{"", "no-accept-reply"} {
		p, err := Setup{Protocol: "multipaxos", Mutant: mutant, Servers: 3, Clients: 1, Ops: 1, Seed: 2,
			Workload: json.RawMessage(`{"keys":1,"get":0,"put":1,"append":0}`)}.Params()
		require.NoError(t, err)
		res, err := Explore(Config{Params: p, MaxRound: 1, Timers: 1, Progress: true})
		require.NoError(t, err)
		t.Logf("%q: states=%d depth=%d complete=%v finished=%v wall=%v", mutant, res.States, res.Depth, res.Complete, res.Finished, res.Wall)
		require.True(t, res.Complete, "the space must close")
		if mutant == "" {
			require.Nil(t, res.Violation)
			assert.True(t, res.Finished, "some path lets the client finish")
			continue
		}
		v := res.Violation
		require.NotNil(t, v)
		assert.Equal(t, runner.CheckLiveness, v.Failure.Check, v.Failure.Fact)
		assert.False(t, res.Finished)
		rr := scenarios.RunParams(v.Params, scenarios.RunOptions{})
		require.NotNil(t, rr.Failure, "the replay passed")
		assert.Equal(t, runner.CheckLiveness, rr.Failure.Check, rr.Failure.Fact)
	}
}

// mpSetup is MultiPaxos with 3 replicas and 3 clients; seed 2 draws two
// puts and a get of one key (the workload of the small TLC model).
func mpSetup(t *testing.T, mutant string) runner.Params {
	t.Helper()
	p, err := Setup{Protocol: "multipaxos", Mutant: mutant, Servers: 3, Clients: 3, Ops: 1, Seed: 2,
		Workload: json.RawMessage(`{"keys":1,"get":1,"put":2,"append":0}`)}.Params()
	require.NoError(t, err)
	return p
}

// TestCorrectPaxosPassesWithCrash: with a crash and its restart among the
// choices, the correct protocol passes every check within 5 choices.
func TestCorrectPaxosPassesWithCrash(t *testing.T) {
	res, err := Explore(Config{Params: paxosSetup(t, "", 2, ""), MaxRound: 1, Crashes: 1, Drops: 1, Dups: 1, MaxDepth: 5})
	require.NoError(t, err)
	require.Nil(t, res.Violation)
	assert.False(t, res.Complete, "paths were cut at MaxDepth")
	assert.Equal(t, 5, res.Depth)
}

func TestBadConfig(t *testing.T) {
	good := paxosSetup(t, "", 1, "")
	cases := map[string]func(*Config){
		"faults":   func(c *Config) { c.Params.Plan.Faults = []faults.Fault{{Kind: faults.Kinds()[0]}} },
		"negative": func(c *Config) { c.Drops = -1 },
		"timers":   func(c *Config) { c.Timers = -2 },
		"liveness": func(c *Config) { c.Params.Checks.CorrectnessOnly = false },
		"mutant":   func(c *Config) { c.Params.Mutant = "no-such-mutant" },
	}
	for want, edit := range cases {
		cfg := Config{Params: good}
		edit(&cfg)
		_, err := Explore(cfg)
		require.Error(t, err, want)
	}
	_, err := Setup{Protocol: "paxos", Servers: 0, Clients: 1, Ops: 1}.Params()
	assert.Error(t, err)
	_, err = Setup{Protocol: "nope", Servers: 3, Clients: 1, Ops: 1}.Params()
	assert.Error(t, err)
}

// TestScriptReplaysAPath: the script of an explored path replays through
// runner.Simulate to the same trace, the run path's own callbacks (its
// periodic tick) notwithstanding.
func TestScriptReplaysAPath(t *testing.T) {
	p := paxosSetup(t, "", 2, "")
	require.NoError(t, p.Validate())
	path := []sim.Choice{{Kind: sim.ChooseRun, Index: 1}, {Kind: sim.ChooseRun, Index: 2}, {Kind: sim.ChooseRun, Index: 0},
		{Kind: sim.ChooseRun, Index: 3}, {Kind: sim.ChooseRun, Index: 1}}
	var explored strings.Builder
	sc := sim.NewScript(path)
	w, err := runner.NewWorld(p, sc, runner.Options{Trace: &explored})
	require.NoError(t, err)
	out := w.Sim().Run(sim.Time(runner.MaxSimulated), func() bool { return sc.Remaining() == 0 })
	require.Equal(t, sim.OutcomeStopped, out)
	require.Nil(t, w.Check())

	q := p
	q.Schedule = &sim.Schedule{Kind: sim.ScheduleScript}
	for _, c := range path {
		q.Schedule.Choices = append(q.Schedule.Choices, c.String())
	}
	var replayed strings.Builder
	res := runner.Simulate(q, runner.Options{Trace: &replayed})
	require.Nil(t, res.Failure)
	want := strings.TrimSpace(explored.String())
	require.NotEmpty(t, want)
	assert.True(t, strings.HasPrefix(replayed.String(), want), "explored:\n%s\nreplayed:\n%s", want, replayed.String()[:min(len(replayed.String()), 2*len(want))])
}

// TestProgress: with no server timer, MultiPaxos never elects a leader, so
// no path within the bounds lets the clients finish, and the bounded
// liveness check says so. Its replay runs in time, where timers fire: the
// correct protocol then passes (the stall was the bound's doing), and
// no-accept-reply fails with no-progress (it was the protocol's). Paxos,
// whose servers need no timer, finishes its gets within the bounds.
func TestProgress(t *testing.T) {
	for _, tc := range []struct {
		mutant string
		replay runner.Check
	}{{"", ""}, {"no-accept-reply", runner.CheckLiveness}} {
		res, err := Explore(Config{Params: mpSetup(t, tc.mutant), MaxRound: 2, Timers: 0, Progress: true})
		require.NoError(t, err)
		require.True(t, res.Complete)
		require.False(t, res.Finished)
		v := res.Violation
		require.NotNil(t, v)
		assert.Equal(t, runner.CheckLiveness, v.Failure.Check)
		t.Logf("%q: %d states: %s", tc.mutant, res.States, v.Failure.Fact)
		rr := scenarios.RunParams(v.Params, scenarios.RunOptions{})
		if tc.replay == "" {
			assert.Nil(t, rr.Failure)
		} else {
			require.NotNil(t, rr.Failure)
			assert.Equal(t, tc.replay, rr.Failure.Check, rr.Failure.Fact)
		}
	}

	res, err := Explore(Config{Params: paxosSetup(t, "", 1, `{"get":1,"put":0}`), MaxRound: 1, Progress: true})
	require.NoError(t, err)
	assert.Nil(t, res.Violation)
	assert.True(t, res.Complete)
	assert.True(t, res.Finished)
}
