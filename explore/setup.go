package explore

import (
	"encoding/json"
	"fmt"

	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

// Setup is the world of a search, in the terms a person gives it.
type Setup struct {
	Protocol string
	Mutant   string
	Servers  int
	// Clients each issue Ops operations that the spec's workload draws
	// (Workload: the spec's workload config; nil: its default) from the
	// client's stream of Seed, one after the other with no think time.
	Clients, Ops int
	Workload     json.RawMessage
	Config       json.RawMessage // the protocol's config; nil: its defaults
	Seed         uint64
}

// Params resolves the setup to the run the search explores: the calm
// scenario's world with the setup's sizes, clients that start at once and
// never think, no faults and no heal phase (correctness only: time is
// abstracted away).
func (su Setup) Params() (runner.Params, error) {
	if su.Servers < 1 || su.Clients < 1 || su.Ops < 1 {
		return runner.Params{}, fmt.Errorf("explore: servers = %d, clients = %d, ops = %d: each must be >= 1", su.Servers, su.Clients, su.Ops)
	}
	base, err := scenarios.LookupFor(su.Protocol, "calm")
	if err != nil {
		return runner.Params{}, err
	}
	sc := *base
	sc.Name = "explore"
	sc.ServerChoices = []int{su.Servers}
	sc.Config = su.Config
	sc.Workload.Clients, sc.Workload.Ops = su.Clients, su.Ops
	sc.Workload.StartAfter, sc.Workload.StartSpread, sc.Workload.ThinkMin, sc.Workload.ThinkMax = 0, 0, 0, 0
	sc.Workload.Spec = su.Workload
	sc.LossChoices, sc.DupChoices, sc.FIFOChoices, sc.InFlightChoices = nil, nil, nil, nil
	// Latency is abstracted away: any message in flight may arrive next,
	// on any link. The network is declared unordered to say so (a FIFO
	// link would forbid some of the orders explored).
	sc.Network.LossProb, sc.Network.DupProb, sc.Network.FIFO = 0, 0, false
	sc.Faults = scenarios.FaultsNone
	sc.Checks.CorrectnessOnly = true
	// The heal time only ends a replay that never finishes: far past any
	// path the search takes.
	sc.Warmup, sc.Phase = sim.Second, 10*60*sim.Second
	sc.Expect = nil
	sc.Schedule = nil
	return sc.Params(su.Seed, su.Mutant)
}
