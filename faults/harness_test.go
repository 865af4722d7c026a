package faults_test

// These tests run faults through the real harness (runner and scenarios),
// which package faults cannot import; an external test package can.

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/replica/paxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

// TestNemesisScenarios: the built-in nemeses are scenarios from the start,
// and a nemesis registered after package scenarios built its registry is
// named, looked up and run by name like them, for every protocol.
func TestNemesisScenarios(t *testing.T) {
	require.NoError(t, faults.RegisterNemesis("t-late-mute", "cut the leader's links to n0 and n1 one way for a while",
		func(r *rand.Rand, cfg faults.GenConfig) (faults.Plan, error) {
			at := cfg.Start.Add(sim.Duration(r.Int64N(int64(cfg.Duration / 2))))
			return faults.Plan{Faults: []faults.Fault{
				{At: at, Kind: faults.KindCut, FromRole: faults.RoleLeader, To: 0},
				{At: at, Kind: faults.KindCut, FromRole: faults.RoleLeader, To: 1},
				{At: at.Add(cfg.Duration / 4), Kind: faults.KindHeal},
			}}, nil
		}))
	names := scenarios.Names()
	for _, want := range []string{
		"nemesis-leader-one-way", "nemesis-leader-one-way-3", "nemesis-stale-leader-clog-5",
		"nemesis-t-late-mute", "nemesis-t-late-mute-3", "nemesis-t-late-mute-5",
	} {
		assert.Contains(t, names, want)
	}
	assert.Contains(t, scenarios.BaseNames(), "nemesis-t-late-mute")
	assert.NotContains(t, scenarios.BaseNames(), "nemesis-t-late-mute-3")
	_, err := scenarios.Lookup("nemesis-t-nobody")
	assert.ErrorContains(t, err, `unknown scenario "nemesis-t-nobody"`)

	for _, proto := range []string{multipaxos.Name, paxos.Name} {
		for _, name := range []string{"nemesis-t-late-mute", "nemesis-t-late-mute-5", "nemesis-leader-one-way-3", "nemesis-stale-leader-clog"} {
			sc, err := scenarios.LookupFor(proto, name)
			require.NoError(t, err, name)
			require.NoError(t, sc.Validate(), name)
			if strings.HasSuffix(name, "-5") {
				assert.Equal(t, []int{5}, sc.ServerChoices)
				assert.Contains(t, sc.Description, "(5 servers)")
			}
			for seed := uint64(1); seed <= 3; seed++ {
				res := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
				require.Nil(t, res.Failure, "%s %s seed %d: %v", proto, name, seed, res.Failure)
				base := strings.TrimSuffix(strings.TrimSuffix(name, "-3"), "-5")
				assert.Equal(t, strings.TrimPrefix(base, "nemesis-"), res.Params.Plan.Name)
				assert.Greater(t, len(res.Params.Plan.Faults), 1, "%s drew no faults", name)
			}
		}
	}
	sc, _ := scenarios.Lookup("nemesis-t-late-mute")
	assert.Equal(t, "the t-late-mute nemesis: cut the leader's links to n0 and n1 one way for a while", sc.Description)
}

// TestLastLeaderInARun: in a real run, "last-leader" names the leader that
// a pause deposed, once another was elected; the runner sees the change
// as it happens, not only when a fault asks, and before any change of
// leader a fault aimed at the last leader is skipped.
func TestLastLeaderInARun(t *testing.T) {
	sc, err := scenarios.Lookup("calm-3")
	require.NoError(t, err)
	base, err := sc.Params(11, "")
	require.NoError(t, err)
	run := func(fs ...faults.Fault) []string {
		p := base
		p.Plan = faults.Plan{Name: "hand", Faults: fs}.WithHeal(base.HealAt)
		var trace bytes.Buffer
		res := runner.Simulate(p, runner.Options{Trace: &trace})
		require.Nil(t, res.Failure, "%v", res.Failure)
		var out []string
		for _, line := range strings.Split(trace.String(), "\n") {
			if strings.Contains(line, "note fault ") && !strings.Contains(line, "heal-all") && !strings.Contains(line, "(end of pause)") {
				out = append(out, line[strings.Index(line, "fault "):])
			}
		}
		return out
	}
	ms := func(n int64) sim.Time { return sim.Time(n * int64(sim.Millisecond)) }

	// Pause the leader (by role) long enough for an election, then aim at
	// the last leader.
	lines := run(
		faults.Fault{At: ms(900), Kind: faults.KindIsolate, Role: faults.RoleLastLeader},
		faults.Fault{At: ms(1000), Kind: faults.KindPause, Role: faults.RoleLeader, Duration: sim.Second},
		faults.Fault{At: ms(2500), Kind: faults.KindCut, FromRole: faults.RoleLastLeader, ToRole: faults.RoleLeader},
	)
	require.Len(t, lines, 3, "%q", lines)
	assert.Equal(t, "fault isolate last-leader skipped: no last-leader known", lines[0], "one leader so far")
	m := regexp.MustCompile(`^fault pause leader for=1s \(leader=(n\d)\)$`).FindStringSubmatch(lines[1])
	require.NotNil(t, m, lines[1])
	deposed := m[1]
	m = regexp.MustCompile(`^fault cut last-leader->leader \(last-leader=(n\d)\) \(leader=(n\d)\)$`).FindStringSubmatch(lines[2])
	require.NotNil(t, m, lines[2])
	assert.Equal(t, deposed, m[1], "the last leader is the one the pause deposed")
	assert.NotEqual(t, deposed, m[2], "a new leader was elected")

	// The same with the pause aimed at that node by id: no fault asks who
	// leads before 2.5s, so only the runner's own watch saw the change.
	id, err := faults.ParsePlan([]byte(`{"faults":[{"at":"1s","kind":"pause","node":"`+deposed+`","for":"1s"}]}`), 3, 3)
	require.NoError(t, err)
	lines = run(id.Faults[0], faults.Fault{At: ms(2500), Kind: faults.KindIsolate, Role: faults.RoleLastLeader})
	require.Len(t, lines, 2, "%q", lines)
	assert.Equal(t, "fault isolate last-leader (last-leader="+deposed+")", lines[1])
}
