package scenarios

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

func TestRegistryScenariosAreValid(t *testing.T) {
	require.NotEmpty(t, Names())
	for _, name := range Names() {
		sc, err := Lookup(name)
		require.NoError(t, err)
		require.NoError(t, sc.Validate(), name)
		assert.NotEmpty(t, sc.Description, name)
		assert.Equal(t, DefaultProtocol, sc.Protocol, name)
	}
	for _, want := range []string{"calm", "lossy", "partitions", "crashes", "clocks", "chaos", "chaos-3", "chaos-5"} {
		assert.Contains(t, Names(), want)
	}
	_, err := Lookup("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown scenario "nope"`)
	assert.Contains(t, err.Error(), "chaos")
	_, err = LookupFor("raft", "chaos")
	assert.ErrorContains(t, err, `unknown protocol "raft"`)
}

func TestLookupReturnsACopy(t *testing.T) {
	a, _ := Lookup("chaos")
	a.ServerChoices[0] = 99
	a.Workload.Ops = 1
	a.Expect[0].Within = 1
	b, _ := Lookup("chaos")
	assert.Equal(t, 3, b.ServerChoices[0])
	assert.Equal(t, 40, b.Workload.Ops)
	assert.Equal(t, 20, b.Expect[0].Within)
}

// TestExpectationsAreTheProtocols: a scenario gets the expectations of the
// protocol it runs, with the size suffix stripped; another protocol gets
// none of MultiPaxos's.
func TestExpectationsAreTheProtocols(t *testing.T) {
	a, _ := LookupFor(multipaxos.Name, "chaos-3")
	b, _ := Lookup("chaos")
	assert.Equal(t, b.Expect, a.Expect)
	assert.NotEmpty(t, a.Expect)
	c, err := LookupFor(divergentProtocol(t).Name, "chaos")
	require.NoError(t, err)
	assert.Empty(t, c.Expect)
	calm, _ := Lookup("calm")
	assert.Empty(t, calm.Expect)
}

func kvWorkload(t *testing.T, w kv.WorkloadConfig) json.RawMessage {
	t.Helper()
	data, err := json.Marshal(w)
	require.NoError(t, err)
	return data
}

// TestBadScenariosAreRejected: every invalid input is an error that names
// the field and the bad value, never a panic or a silent default.
func TestBadScenariosAreRejected(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Scenario)
		want string
	}{
		{"no servers", func(s *Scenario) { s.ServerChoices = nil }, "ServerChoices is empty"},
		{"zero servers", func(s *Scenario) { s.ServerChoices = []int{0} }, "ServerChoices contains 0"},
		{"huge cluster", func(s *Scenario) { s.ServerChoices = []int{1000} }, "ServerChoices contains 1000"},
		{"unknown protocol", func(s *Scenario) { s.Protocol = "raft" }, `unknown protocol "raft"`},
		{"no clients", func(s *Scenario) { s.Workload.Clients = 0 }, "clients = 0"},
		{"negative ops", func(s *Scenario) { s.Workload.Ops = -1 }, "ops_per_client = -1"},
		{"no keys", func(s *Scenario) {
			s.Workload.Spec = kvWorkload(t, kv.WorkloadConfig{Keys: 0, Get: 1, Put: 1, Append: 1})
		}, "keys = 0"},
		{"zero mix", func(s *Scenario) { s.Workload.Spec = kvWorkload(t, kv.WorkloadConfig{Keys: 3}) }, "weights are all 0"},
		{"workload unknown field", func(s *Scenario) { s.Workload.Spec = json.RawMessage(`{"keys":3,"gets":1}`) }, `unknown field "gets"`},
		{"think inverted", func(s *Scenario) { s.Workload.ThinkMin = 5; s.Workload.ThinkMax = 1 }, "think time"},
		{"negative latency", func(s *Scenario) { s.Network.LatencyMin = -sim.Millisecond }, "LatencyMin"},
		{"loss above one", func(s *Scenario) { s.LossChoices = []float64{1.5} }, "LossChoices/DupChoices contains 1.5"},
		{"negative dup", func(s *Scenario) { s.Network.DupProb = -0.1 }, "DupProb"},
		{"unknown nemesis", func(s *Scenario) { s.Faults = FaultsNemesis; s.Nemesis = "gremlins" }, `Nemesis = "gremlins"`},
		{"unknown mode", func(s *Scenario) { s.Faults = 42 }, "unknown mode"},
		{"negative phase", func(s *Scenario) { s.Phase = -1 }, "Phase = -0.000ms"},
		{"negative liveness", func(s *Scenario) { s.Checks.Liveness = -1 }, "liveness"},
		{"negative request timeout", func(s *Scenario) { s.Client.RequestTimeout = -1 }, "request_timeout"},
		{"unknown probe", func(s *Scenario) { s.Expect = []Expectation{{Probe: "teleport", Within: 1}} }, `"teleport"`},
		{"zero within", func(s *Scenario) { s.Expect = []Expectation{{Probe: multipaxos.ProbeGapFill}} }, "Within = 0"},
		{"election timeouts inverted", func(s *Scenario) {
			st := multipaxos.Defaults
			st.ElectionTimeoutMin, st.ElectionTimeoutMax = 500*sim.Millisecond, 300*sim.Millisecond
			s.Config, _ = json.Marshal(st)
		}, "election_timeout_min = 500.000ms > election_timeout_max = 300.000ms"},
		{"config unknown field", func(s *Scenario) { s.Config = json.RawMessage(`{"heartbeat":"5ms"}`) }, `unknown field "heartbeat"`},
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
		{"servers beyond the protocol's", func(p *Params) { p.Servers = multipaxos.MaxReplicas + 1 }, "servers = "},
		{"servers mismatch", func(p *Params) { p.Network.Servers = 1 }, "network.servers = 1"},
		{"plan names a ghost", func(p *Params) {
			p.Plan.Faults = append([]faults.Fault{{At: 1, Kind: faults.KindCrash, Node: 40}}, p.Plan.Faults...)
		}, "n40"},
		{"plan out of order", func(p *Params) {
			p.Plan.Faults = append(p.Plan.Faults, faults.Fault{At: 0, Kind: faults.KindHeal})
		}, "Faults["},
		{"zero servers", func(p *Params) { p.Servers = 0 }, "servers = 0"},
		{"unresolved config", func(p *Params) { p.Config = nil }, "config: empty"},
		{"unresolved workload", func(p *Params) { p.Workload.Spec = json.RawMessage(`{}`) }, "spec: empty"},
		{"unknown protocol", func(p *Params) { p.Protocol = "raft" }, `unknown protocol "raft"`},
		{"unknown mutant", func(p *Params) { p.Mutant = "off-by-one" }, `no mutant "off-by-one"`},
		{"too many operations", func(p *Params) { p.Workload.Clients, p.Workload.Ops = 1000, 1_000_000 }, "at most 10000000 operations"},
		{"heal in the far future", func(p *Params) { p.HealAt = sim.Time(runner.MaxSimulated + 1) }, "heal_at"},
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

// TestSavedParamsAreValidatedInFull: a params.json that is wrong anywhere
// is refused, with an error that names the field, whether it was mistyped,
// is of another schema, or leaves a value to a default.
func TestSavedParamsAreValidatedInFull(t *testing.T) {
	sc, _ := Lookup("crashes-3")
	good, err := sc.Params(5, "")
	require.NoError(t, err)
	data, err := json.Marshal(good)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"unknown field", func(d map[string]any) { d["replicas"] = 3 }, `unknown field "replicas"`},
		{"unknown nested field", func(d map[string]any) { sub(d, "checks")["invariants"] = 1 }, `unknown field "invariants"`},
		{"wrong schema", func(d map[string]any) { d["schema"] = 3 }, "schema = 3"},
		{"schema 1 without check_timeout", func(d map[string]any) { d["schema"] = 1 }, "schema 1: checks: missing field check_timeout"},
		{"unknown protocol", func(d map[string]any) { d["protocol"] = "raft" }, `protocol: unknown protocol "raft"`},
		{"unresolved config", func(d map[string]any) { d["config"] = map[string]any{} }, "config: empty"},
		{"null config", func(d map[string]any) { d["config"] = nil }, "config: empty"},
		{"config missing a field", func(d map[string]any) { delete(sub(d, "config"), "window") }, "missing field(s) window"},
		{"config with an unknown field", func(d map[string]any) { sub(d, "config")["windows"] = 8 }, `unknown field "windows"`},
		{"config not resolved", func(d map[string]any) { sub(d, "config")["window"] = 0 }, "config"},
		{"workload spec missing a field", func(d map[string]any) { delete(sub(sub(d, "workload"), "spec"), "append") }, "missing field(s) append"},
		{"unresolved workload spec", func(d map[string]any) { sub(d, "workload")["spec"] = map[string]any{} }, "workload: spec: empty"},
		{"unknown mutant", func(d map[string]any) { d["mutant"] = "off-by-one" }, `mutant: protocol multipaxos has no mutant "off-by-one"`},
		{"negative request_timeout", func(d map[string]any) { sub(d, "client")["request_timeout"] = "-5ms" }, "request_timeout"},
		{"zero redirect_backoff", func(d map[string]any) { sub(d, "client")["redirect_backoff"] = "0s" }, "redirect_backoff"},
		{"negative retries_max", func(d map[string]any) { sub(d, "client")["retries_max"] = -1 }, "retries_max = -1"},
		{"check_budget 0", func(d map[string]any) { sub(d, "checks")["check_budget"] = 0 }, "check_budget"},
		{"invariant_every 0", func(d map[string]any) { sub(d, "checks")["invariant_every"] = 0 }, "invariant_every = 0"},
		{"liveness 0", func(d map[string]any) { sub(d, "checks")["liveness"] = "0s" }, "liveness"},
		{"duration as a number", func(d map[string]any) { sub(d, "checks")["liveness"] = 5e9 }, "liveness"},
		// encoding/json returns a TextUnmarshaler's error without the
		// field's name: sim.Time names what is wrong, not where.
		{"negative heal_at", func(d map[string]any) { d["heal_at"] = "-1s" }, `heal_at = -1000.000ms`},
		{"heal_at beyond the bound", func(d map[string]any) { d["heal_at"] = "90000s" }, "heal_at = "},
		{"no clients", func(d map[string]any) { sub(d, "workload")["clients"] = 0 }, "clients = 0"},
		{"network servers", func(d map[string]any) { sub(d, "network")["servers"] = 5 }, "network.servers = 5"},
		{"trailing data", nil, "trailing data"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var raw []byte
			if c.edit == nil {
				raw = append(append([]byte(nil), data...), []byte(` {}`)...)
			} else {
				var doc map[string]any
				require.NoError(t, json.Unmarshal(data, &doc))
				c.edit(doc)
				var err error
				raw, err = json.Marshal(doc)
				require.NoError(t, err)
			}
			_, err := runner.DecodeParams(raw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)

			path := filepath.Join(t.TempDir(), "params.json")
			require.NoError(t, os.WriteFile(path, raw, 0o644))
			_, err = LoadParams(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), path, "LoadParams names the file")
		})
	}
	// The unedited file loads.
	p, err := runner.DecodeParams(data)
	require.NoError(t, err)
	assert.Equal(t, good, p)
}

func sub(doc map[string]any, key string) map[string]any { return doc[key].(map[string]any) }

// TestLoadParamsFromPlanJSON: the plan.json of an artifacts directory
// replays the params.json next to it (the plan alone is not a run).
func TestLoadParamsFromPlanJSON(t *testing.T) {
	sc, _ := Lookup("partitions-3")
	p, err := sc.Params(12, "")
	require.NoError(t, err)
	dir := t.TempDir()
	params, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	plan, err := json.MarshalIndent(p.Plan, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "params.json"), params, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plan.json"), plan, 0o644))
	got, err := LoadParams(filepath.Join(dir, "plan.json"))
	require.NoError(t, err)
	assert.Equal(t, p, got)

	// Without a params.json next to it, a plan.json does not load.
	lone := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(lone, "plan.json"), plan, 0o644))
	_, err = LoadParams(filepath.Join(lone, "plan.json"))
	assert.ErrorContains(t, err, "params.json")
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
		sizes[p.Servers] = true
		plans[p.Plan.String()] = true
	}
	assert.Len(t, sizes, 2, "chaos draws 3 and 5 servers")
	assert.Greater(t, len(plans), 30, "chaos draws a different plan per seed")
}

func TestKnobsBlockStartsWithSeedAndListsEveryKnob(t *testing.T) {
	sc, _ := Lookup("chaos")
	p, _ := sc.Params(5, "quorum-minus-one")
	k := Knobs(&p).String()
	assert.True(t, strings.HasPrefix(k, "seed=5\n"), k)
	for _, knob := range []string{"scenario=chaos\n", "protocol=multipaxos\n", "servers=", "mutant=quorum-minus-one\n",
		`config={"heartbeat_interval":`, "workload=clients=5", "kv:keys=3 mix=get:2,put:1,append:3", "network=latency=", "plan=swarm",
		"heal_at=", "correctness_only=false"} {
		assert.Contains(t, k, knob)
	}
	p.Mutant = ""
	assert.Contains(t, Knobs(&p).String(), "mutant=none\n")
}

func TestParamsRoundTripThroughJSON(t *testing.T) {
	sc, _ := Lookup("chaos")
	p, _ := sc.Params(99, "")
	data, err := json.Marshal(p)
	require.NoError(t, err)
	var q Params
	require.NoError(t, json.Unmarshal(data, &q))
	assert.Equal(t, Knobs(&p).String(), Knobs(&q).String())
	assert.Equal(t, p.Plan.String(), q.Plan.String())
	assert.Equal(t, RunParams(p, RunOptions{}).Hash, RunParams(q, RunOptions{}).Hash, "a run saved as JSON replays exactly")
}
