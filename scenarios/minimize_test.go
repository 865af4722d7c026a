package scenarios

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// TestMinimizeParams runs MinimizeParams against a stand-in for "the run
// fails" (the plan has a partition and the clients issue at least 3
// operations), without simulating: it must go down to 3 servers (with the
// config resolved for 3), delete every other fault (the crash only once its
// restart is gone), cut the workload to one client with 3 operations on one
// key, and turn off loss and duplication.
func TestMinimizeParams(t *testing.T) {
	sec := func(ms int64) sim.Time { return sim.Time(ms) * sim.Time(sim.Millisecond) }
	cfg, err := multipaxos.Protocol.Config(nil, 5)
	require.NoError(t, err)
	spec, err := json.Marshal(kv.WorkloadConfig{Keys: 3, Append: 1})
	require.NoError(t, err)
	p := Params{
		Schema: runner.Schema, Scenario: RunGenScenario, Seed: 7,
		Protocol: multipaxos.Name, Servers: 5, Config: cfg,
		Workload: Workload{Clients: 3, Ops: 10, Spec: spec},
		Client:   runner.DefaultClient(),
		Network:  network.Config{LatencyMin: sim.Millisecond, LossProb: 0.05, DupProb: 0.01, Servers: 5},
		Plan: faults.Plan{Name: "hand", Faults: []faults.Fault{
			{At: sec(300), Kind: faults.KindCrash, Node: 1},
			{At: sec(400), Kind: faults.KindPartition, Groups: [][]sim.NodeID{{0, 1}, {2}}},
			{At: sec(500), Kind: faults.KindRestart, Node: 1},
			{At: sec(600), Kind: faults.KindClock, Node: 2, Skew: 5 * sim.Millisecond},
			{At: sec(1000), Kind: faults.KindHealAll},
		}},
		Checks: runner.DefaultChecks(),
		HealAt: sec(1000),
	}
	require.NoError(t, p.Validate())
	fails := func(c Params) bool {
		hasPartition := false
		for _, f := range c.Plan.Faults {
			hasPartition = hasPartition || f.Kind == faults.KindPartition
		}
		return hasPartition && c.Workload.Clients*c.Workload.Ops >= 3
	}
	got, runs := MinimizeParams(p, fails)
	require.True(t, fails(got))
	assert.Equal(t, []faults.Kind{faults.KindPartition, faults.KindHealAll}, kinds(got.Plan))
	assert.Equal(t, 3, got.Servers)
	assert.Equal(t, 3, got.Network.Servers)
	cfg3, err := multipaxos.Protocol.Config(got.Config, 3)
	require.NoError(t, err)
	assert.JSONEq(t, string(cfg3), string(got.Config), "the config is resolved for 3 servers")
	assert.Equal(t, 1, got.Workload.Clients, "%v", got.Workload)
	assert.Equal(t, 3, got.Workload.Ops, "%v", got.Workload)
	var w kv.WorkloadConfig
	require.NoError(t, json.Unmarshal(got.Workload.Spec, &w))
	assert.Equal(t, kv.WorkloadConfig{Keys: 1, Append: 1}, w)
	assert.Zero(t, got.Network.LossProb)
	assert.Zero(t, got.Network.DupProb)
	assert.NoError(t, got.Validate())
	assert.LessOrEqual(t, runs, minimizeRunsMax)
	assert.Len(t, p.Plan.Faults, 5, "MinimizeParams must not modify its argument's plan")
	assert.Equal(t, 5, p.Servers, "nor its argument")

	// A run that does not fail any simpler way is returned as it is.
	same, _ := MinimizeParams(got, func(Params) bool { return false })
	assert.Equal(t, got, same)
}

func kinds(p faults.Plan) []faults.Kind {
	var out []faults.Kind
	for _, f := range p.Faults {
		out = append(out, f.Kind)
	}
	return out
}

// TestMinimizeParamsStartsLaterAndThinksLonger: a bug that needs time to
// pass (clients that started before a fault at 3 s and still run at 3.5
// s) keeps 5 clients x 100 operations with a short think time busy; starting
// later and thinking longer leaves it a handful of operations.
func TestMinimizeParamsStartsLaterAndThinksLonger(t *testing.T) {
	sec := func(ms int64) sim.Time { return sim.Time(ms) * sim.Time(sim.Millisecond) }
	cfg, err := multipaxos.Protocol.Config(nil, 3)
	require.NoError(t, err)
	spec, err := json.Marshal(kv.WorkloadConfig{Keys: 1, Get: 1, Put: 1})
	require.NoError(t, err)
	p := Params{
		Schema: runner.Schema, Scenario: RunGenScenario, Seed: 7,
		Protocol: multipaxos.Name, Servers: 3, Config: cfg,
		Workload: Workload{Clients: 5, Ops: 100, ThinkMax: 60 * sim.Millisecond, StartAfter: 600 * sim.Millisecond, Spec: spec},
		Client:   runner.DefaultClient(),
		Network:  network.Config{LatencyMin: sim.Millisecond, Servers: 3},
		Plan: faults.Plan{Name: "hand", Faults: []faults.Fault{
			{At: sec(3000), Kind: faults.KindIsolate, Node: 0},
			{At: sec(5000), Kind: faults.KindHealAll},
		}},
		Checks: runner.DefaultChecks(),
		HealAt: sec(5000),
	}
	require.NoError(t, p.Validate())
	// An operation takes about 5 ms plus its think time.
	reaches := func(w Workload) sim.Duration {
		return w.StartAfter + sim.Duration(w.Ops)*(5*sim.Millisecond+(w.ThinkMin+w.ThinkMax)/2)
	}
	fails := func(c Params) bool {
		return c.Workload.StartAfter < 3000*sim.Millisecond && reaches(c.Workload) >= 3500*sim.Millisecond
	}
	require.True(t, fails(p))
	got, runs := MinimizeParams(p, fails)
	require.True(t, fails(got))
	assert.LessOrEqual(t, got.Workload.Clients*got.Workload.Ops, 4, "%v", got.Workload)
	assert.LessOrEqual(t, runs, minimizeRunsMax)
}
