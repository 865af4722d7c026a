package scenarios

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/sim"
)

func TestRegistryScenariosAreValid(t *testing.T) {
	require.NotEmpty(t, Names())
	for _, name := range Names() {
		sc, err := Lookup(name)
		require.NoError(t, err)
		require.NoError(t, sc.Validate(), name)
		assert.NotEmpty(t, sc.Description, name)
	}
	for _, want := range []string{"calm", "lossy", "partitions", "crashes", "clocks", "chaos", "chaos-3", "chaos-5"} {
		assert.Contains(t, Names(), want)
	}
	_, err := Lookup("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown scenario "nope"`)
	assert.Contains(t, err.Error(), "chaos")
}

func TestLookupReturnsACopy(t *testing.T) {
	a, _ := Lookup("chaos")
	a.ReplicaChoices[0] = 99
	a.Workload.Ops = 1
	b, _ := Lookup("chaos")
	assert.Equal(t, 3, b.ReplicaChoices[0])
	assert.Equal(t, 40, b.Workload.Ops)
}

// TestBadScenariosAreRejected: every invalid input is an error that names
// the field and the bad value, never a panic or a silent default.
func TestBadScenariosAreRejected(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Scenario)
		want string
	}{
		{"no replicas", func(s *Scenario) { s.ReplicaChoices = nil }, "ReplicaChoices is empty"},
		{"zero replicas", func(s *Scenario) { s.ReplicaChoices = []int{0} }, "ReplicaChoices contains 0"},
		{"huge cluster", func(s *Scenario) { s.ReplicaChoices = []int{1000} }, "ReplicaChoices contains 1000"},
		{"no clients", func(s *Scenario) { s.Workload.Clients = 0 }, "Clients = 0"},
		{"negative ops", func(s *Scenario) { s.Workload.Ops = -1 }, "Ops = -1"},
		{"no keys", func(s *Scenario) { s.Workload.Keys = 0 }, "Keys = 0"},
		{"zero mix", func(s *Scenario) { s.Workload.GetWeight, s.Workload.PutWeight, s.Workload.AppendWeight = 0, 0, 0 }, "weights are all 0"},
		{"think inverted", func(s *Scenario) { s.Workload.ThinkMin = 5; s.Workload.ThinkMax = 1 }, "think time"},
		{"negative latency", func(s *Scenario) { s.Network.LatencyMin = -sim.Millisecond }, "LatencyMin"},
		{"loss above one", func(s *Scenario) { s.LossChoices = []float64{1.5} }, "LossChoices/DupChoices contains 1.5"},
		{"negative dup", func(s *Scenario) { s.Network.DupProb = -0.1 }, "DupProb"},
		{"unknown nemesis", func(s *Scenario) { s.Faults = FaultsNemesis; s.Nemesis = "gremlins" }, `Nemesis = "gremlins"`},
		{"unknown mode", func(s *Scenario) { s.Faults = 42 }, "unknown mode"},
		{"negative phase", func(s *Scenario) { s.Phase = -1 }, "Phase = -0.000ms"},
		{"negative liveness", func(s *Scenario) { s.Checks.Liveness = -1 }, "Liveness"},
		{"unknown path", func(s *Scenario) { s.Expect = []Expectation{{Path: "teleport", Within: 1}} }, `"teleport"`},
		{"zero within", func(s *Scenario) { s.Expect = []Expectation{{Path: PathGapFill}} }, "Within = 0"},
		{"election timeouts inverted", func(s *Scenario) {
			s.Protocol.ElectionTimeoutMin, s.Protocol.ElectionTimeoutMax = 500*sim.Millisecond, 300*sim.Millisecond
		}, "ElectionTimeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, _ := Lookup("chaos")
			c.edit(sc)
			var err error
			require.NotPanics(t, func() { err = sc.Validate() })
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			_, err = sc.Params(1, "")
			require.Error(t, err, "Params validates too")
			res := Run(sc, 1, "", RunOptions{})
			require.NotNil(t, res.Failure)
			assert.Equal(t, CheckSetup, res.Failure.Check)
		})
	}
}

func TestUnknownMutantIsRejected(t *testing.T) {
	sc, _ := Lookup("calm")
	_, err := sc.Params(1, "off-by-one")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"off-by-one"`)
}

func TestBadParamsAreRejected(t *testing.T) {
	sc, _ := Lookup("chaos")
	good, err := sc.Params(7, "")
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"replicas mismatch", func(p *Params) { p.Protocol.N = p.Replicas + 2 }, "Protocol.N"},
		{"servers mismatch", func(p *Params) { p.Network.Servers = 1 }, "Network.Servers"},
		{"plan names a ghost", func(p *Params) {
			p.Plan.Faults = append([]faults.Fault{{At: 1, Kind: faults.KindCrash, Node: 40}}, p.Plan.Faults...)
		}, "n40"},
		{"plan out of order", func(p *Params) {
			p.Plan.Faults = append(p.Plan.Faults, faults.Fault{At: 0, Kind: faults.KindHeal})
		}, "Faults["},
		{"zero replicas", func(p *Params) { p.Replicas = 0 }, "Replicas = 0"},
	} {
		p := good
		p.Plan.Faults = append([]faults.Fault(nil), good.Plan.Faults...)
		c.edit(&p)
		err := p.Validate()
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
		res := RunParams(p, RunOptions{})
		require.NotNil(t, res.Failure, c.name)
		assert.Equal(t, CheckSetup, res.Failure.Check, c.name)
	}
}

func TestParamsAreDrawnFromTheSeed(t *testing.T) {
	sc, _ := Lookup("chaos")
	a, err := sc.Params(11, "")
	require.NoError(t, err)
	b, _ := sc.Params(11, "")
	assert.Equal(t, a, b, "the same seed draws the same world")
	sizes, plans := map[int]bool{}, map[string]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		p, err := sc.Params(seed, "")
		require.NoError(t, err)
		sizes[p.Replicas] = true
		plans[p.Plan.String()] = true
	}
	assert.Len(t, sizes, 2, "chaos draws 3 and 5 replicas")
	assert.Greater(t, len(plans), 30, "chaos draws a different plan per seed")
}

func TestKnobsBlockStartsWithSeedAndListsEveryKnob(t *testing.T) {
	sc, _ := Lookup("chaos")
	p, _ := sc.Params(5, "quorum-minus-one")
	k := p.Knobs().String()
	assert.True(t, strings.HasPrefix(k, "seed=5\n"), k)
	for _, knob := range []string{"scenario=chaos", "replicas=", "mutant=quorum-minus-one", "workload=clients=5", "network=latency=", "plan=swarm", "heal_at=", "correctness_only=false"} {
		assert.Contains(t, k, knob)
	}
}

func TestParamsRoundTripThroughJSON(t *testing.T) {
	sc, _ := Lookup("chaos")
	p, _ := sc.Params(99, "")
	data, err := json.Marshal(p)
	require.NoError(t, err)
	var q Params
	require.NoError(t, json.Unmarshal(data, &q))
	assert.Equal(t, p.Knobs().String(), q.Knobs().String())
	assert.Equal(t, p.Plan.String(), q.Plan.String())
	assert.Equal(t, RunParams(p, RunOptions{}).Hash, RunParams(q, RunOptions{}).Hash, "a run saved as JSON replays exactly")
}
