package multipaxos

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// The binding of MultiPaxos with leader leases (the same replica, with
// Config.Lease on) to the harness: its own registry name, config, mutant
// catalogue and probes.

// LeaseName is the lease variant's registry name.
const LeaseName = "multipaxos-lease"

// LeaseSettings is the JSON form of the lease variant's config: the
// timing knobs of Settings and the lease's, every field named. DriftBoundPPM
// and StepBound are the clock bound the protocol's safety rests on
// (ClockBound).
type LeaseSettings struct {
	Settings
	LeaseDuration sim.Duration `json:"lease_duration"`
	DriftBoundPPM int64        `json:"drift_bound_ppm"`
	StepBound     sim.Duration `json:"step_bound"`
}

var leaseFields = append(append([]string(nil), settingsFields...), "lease_duration", "drift_bound_ppm", "step_bound")

// Lease defaults. A grant lasts 1s of the grantor's clock; the declared
// bound is ±500ppm of drift (quartz oscillators stay within 100ppm; the
// default clocks scenario draws up to 500ppm) and steps of ±100ms in total
// over any interval. With them a leader trusts a grant for 799.1ms of its
// own clock from its request: a lease renewed every heartbeat (50ms)
// outlives an election timeout (250..500ms) of lost heartbeats.
const (
	DefaultLeaseDuration = sim.Second
	DefaultDriftBoundPPM = 500
	DefaultStepBound     = 100 * sim.Millisecond
)

// LeaseDefaults are the lease variant's settings when a scenario names none.
var LeaseDefaults = LeaseSettings{
	Settings:      Defaults,
	LeaseDuration: DefaultLeaseDuration,
	DriftBoundPPM: DefaultDriftBoundPPM,
	StepBound:     DefaultStepBound,
}

// Bound is the clock bound the settings declare.
func (s LeaseSettings) Bound() faults.ClockBound {
	return faults.ClockBound{DriftPPM: s.DriftBoundPPM, Step: s.StepBound}
}

// LeaseBound decodes a resolved lease config and returns the clock bound
// it declares: what a scenario holds its clock faults to.
func LeaseBound(resolved json.RawMessage) (faults.ClockBound, error) {
	var s LeaseSettings
	if err := spec.DecodeStrict(resolved, &s); err != nil {
		return faults.ClockBound{}, fmt.Errorf("%s config: %v", LeaseName, err)
	}
	return s.Bound(), nil
}

// Lease probe names, after the base protocol's.
const (
	ProbeLeaseRead        = "lease-local-read"
	ProbeLeaseExpiredRead = "lease-expired-read"
	ProbeLeaseWait        = "lease-wait"
)

// LeaseProtocol is MultiPaxos with leader leases as the harness sees it.
var LeaseProtocol = &protocol.Protocol{
	Name: LeaseName,
	Description: "MultiPaxos KV store with leader leases: the leader answers Gets from its own state while a majority's grants " +
		"hold, safe while clocks stay within the declared drift and step bound",
	Spec:       kv.Name,
	MaxServers: MaxReplicas,
	Config:     resolveLeaseConfig,
	Servers:    leaseServers,
	Mutants:    LeaseMutants(),
	Codec:      codec{},
	View:       func(n sim.Node) protocol.View { return leaseView{(*view)(n.(*Replica))} },
	Durable:    durable,
	DecodeVote: decodeVoteRecord,
	Probes: append(append([]protocol.Probe(nil), Protocol.Probes...),
		protocol.Probe{Name: ProbeLeaseRead, Description: "the leader answered a Get from its own state under a valid lease"},
		protocol.Probe{Name: ProbeLeaseExpiredRead, Description: "a leader whose lease ran out sent a Get through the log"},
		protocol.Probe{Name: ProbeLeaseWait, Description: "a new leader waited out grants its Phase 1 reported before proposing or reading locally"},
	),
}

func init() { protocol.MustRegister(LeaseProtocol) }

func resolveLeaseConfig(raw json.RawMessage, servers int) (json.RawMessage, error) {
	s := LeaseDefaults
	if !spec.IsDefault(raw) {
		if err := spec.DecodeStrict(raw, &s); err != nil {
			return nil, fmt.Errorf("%s config: %v", LeaseName, err)
		}
		if err := spec.RequireFields(raw, leaseFields...); err != nil {
			return nil, fmt.Errorf("%s config: %v", LeaseName, err)
		}
	}
	if s.Window == 0 {
		return nil, fmt.Errorf("%s config: window = 0: must be in 1..65536", LeaseName)
	}
	if s.LeaseDuration == 0 {
		return nil, fmt.Errorf("%s config: lease_duration = 0: must be positive (plain %s has no leases)", LeaseName, Name)
	}
	if err := s.Bound().Validate(); err != nil {
		return nil, fmt.Errorf("%s config: %v", LeaseName, leaseJSONNames.Replace(err.Error()))
	}
	if err := s.config(servers, "").Validate(); err != nil {
		return nil, fmt.Errorf("%s config: %s", LeaseName, leaseJSONNames.Replace(jsonNames.Replace(strings.TrimPrefix(err.Error(), "multipaxos: "))))
	}
	return json.Marshal(s)
}

var leaseJSONNames = strings.NewReplacer("faults: ClockBound.DriftPPM", "drift_bound_ppm", "faults: ClockBound.Step", "step_bound",
	"Lease.Duration", "lease_duration", "Lease.DriftPPM", "drift_bound_ppm", "Lease.Step", "step_bound",
	"Duration ", "lease_duration ", "drift ", "drift_bound_ppm ", "steps ", "step_bound ")

func (s LeaseSettings) config(n int, mutant string) Config {
	c := s.Settings.config(n, mutant)
	c.Lease = LeaseConfig{Duration: s.LeaseDuration, DriftPPM: s.DriftBoundPPM, Step: s.StepBound}
	return c
}

func leaseServers(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
	var s LeaseSettings
	if err := spec.DecodeStrict(c.Config, &s); err != nil {
		return nil, fmt.Errorf("%s config: %v", LeaseName, err)
	}
	if c.Mutant != "" && leaseMutantByName(c.Mutant) == mutantNone {
		return nil, fmt.Errorf("%s: no mutant %q", LeaseName, c.Mutant)
	}
	cfg := s.config(0, c.Mutant)
	cfg.Replicas = c.Servers
	return New(cfg)
}

// leaseView adds the lease probes to the base view. A struct of one
// pointer goes into an interface without allocating.
type leaseView struct{ *view }

// Describe adds the lease to the base view's line, for reports.
func (v leaseView) Describe() string {
	r := (*Replica)(v.view)
	s := v.view.Describe()
	if r.role == leader && r.env != nil {
		s += fmt.Sprintf(" lease_valid=%v wait_until=%v", r.leaseValid(), r.lease.waitUntil)
	}
	return s + fmt.Sprintf(" grant_until=%v", r.lease.grantUntil)
}

func (v leaseView) Probes(counts []uint64) {
	v.view.Probes(counts)
	n := len(Protocol.Probes)
	c := v.lease.cov
	counts[n] += c.LocalReads
	counts[n+1] += c.ExpiredReads
	counts[n+2] += c.Waits
}
