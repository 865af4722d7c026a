package runner

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// calmParams is a valid run built by hand, without package scenarios:
// MultiPaxos with its default config, the kv spec's default workload, a
// reliable network and no faults before the heal at 1s.
func calmParams(t *testing.T, servers int) Params {
	t.Helper()
	cfg, err := multipaxos.Protocol.Config(nil, servers)
	require.NoError(t, err)
	wl, err := kv.Spec{}.Workload(nil)
	require.NoError(t, err)
	net := network.Reliable()
	net.Servers = servers
	heal := sim.Time(sim.Second)
	return Params{
		Schema:   Schema,
		Scenario: "runner-test",
		Seed:     7,
		Protocol: multipaxos.Name,
		Servers:  servers,
		Config:   cfg,
		Workload: Workload{Clients: 3, Ops: 30, ThinkMax: 5 * sim.Millisecond, Spec: wl.Config()},
		Client:   DefaultClient(),
		Network:  net,
		Plan:     faults.Plan{Name: "none"}.WithHeal(heal),
		Checks:   DefaultChecks(),
		HealAt:   heal,
	}
}

func TestSimulateCalmRunCompletesEveryOperation(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("%s-%d", multipaxos.Name, n), func(t *testing.T) {
			p := calmParams(t, n)
			require.NoError(t, p.Validate())
			res := Simulate(p, Options{Checked: true})
			require.Nil(t, res.Failure, "%v", res.Failure)
			const ops = 3 * 30
			require.Equal(t, ops, res.Ops)
			require.Equal(t, ops, res.Completed)
			require.Len(t, res.History, ops)
			for _, op := range res.History {
				require.IsType(t, kv.Output{}, op.Output, "every operation returned")
				require.Greater(t, op.Return, op.Call)
			}
			require.Equal(t, lincheck.Ok, lincheck.Judge(kv.Spec{}.Model(), res.History, lincheck.Options{}).Verdict)
			leaderChanges, ok := res.Coverage.Get(multipaxos.ProbeLeaderChange)
			require.True(t, ok)
			require.Positive(t, leaderChanges)
			_, ok = res.Coverage.Get(protocol.ProbeClientRetry)
			require.True(t, ok, "the harness's own probe is reported too")
			require.NotZero(t, res.Hash)

			again := Simulate(p, Options{})
			require.Equal(t, res.Hash, again.Hash, "the same params, the same run (checked mode changes nothing)")
			require.Equal(t, res.Events, again.Events)
		})
	}
}

// A protocol that cannot make progress fails the run's liveness check
// after the heal (here, the no-accept-reply mutant).
func TestSimulateReportsAStall(t *testing.T) {
	p := calmParams(t, 3)
	p.Mutant = "no-accept-reply"
	res := Simulate(p, Options{})
	require.NotNil(t, res.Failure)
	require.Equal(t, CheckLiveness, res.Failure.Check)
	require.Contains(t, res.Failure.Fact, "open for more than")
	require.Less(t, res.Completed, res.Ops)
	require.Len(t, res.History, res.Ops, "open operations stay in the history")
	for _, op := range res.History[res.Completed:] {
		require.Equal(t, spec.Unknown{}, op.Output)
	}
}

// Bad params are a setup failure naming the field, never a panic.
func TestSimulateRefusesInvalidParams(t *testing.T) {
	tests := []struct {
		name   string
		modify func(p *Params)
		want   string
	}{
		{"no servers", func(p *Params) { p.Servers = 0 }, "servers = 0"},
		{"too many servers", func(p *Params) { p.Servers = multipaxos.MaxReplicas + 1 }, "servers = 65"},
		{"unknown protocol", func(p *Params) { p.Protocol = "nope" }, `unknown protocol "nope"`},
		{"unknown mutant", func(p *Params) { p.Mutant = "nope" }, `no mutant "nope"`},
		{"unresolved config", func(p *Params) { p.Config = nil }, "config: empty"},
		{"config for another size", func(p *Params) { p.Config = []byte(`{"window":1}`) }, "missing field(s)"},
		{"no clients", func(p *Params) { p.Workload.Clients = 0 }, "clients = 0"},
		{"unresolved workload", func(p *Params) { p.Workload.Spec = nil }, "workload: spec"},
		{"network of another size", func(p *Params) { p.Network.Servers = 5 }, "network"},
		{"no request timeout", func(p *Params) { p.Client.RequestTimeout = 0 }, "request_timeout = 0"},
		{"no redirect backoff", func(p *Params) { p.Client.RedirectBackoff = 0 }, "redirect_backoff = 0"},
		{"negative retries", func(p *Params) { p.Client.RetriesMax = -1 }, "retries_max = -1"},
		{"think time reversed", func(p *Params) { p.Workload.ThinkMin = 10 * sim.Millisecond }, "think time"},
		{"negative start", func(p *Params) { p.Workload.StartAfter = -1 }, "start_after = "},
		{"wrong schema", func(p *Params) { p.Schema = 99 }, "schema = 99"},
		{"nothing at all", func(p *Params) { *p = Params{} }, "params: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := calmParams(t, 3)
			tt.modify(&p)
			var res Result
			require.NotPanics(t, func() { res = Simulate(p, Options{}) })
			require.NotNil(t, res.Failure)
			require.Equal(t, CheckSetup, res.Failure.Check)
			require.Contains(t, res.Failure.Fact, tt.want)
			require.Zero(t, res.Ops)
		})
	}
}
