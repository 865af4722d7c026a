package paxoscommit

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/commit"
)

// This file and models.go bind the servers to the harness (package
// protocol): the one place that knows both. The servers' own code imports
// only sim.

// Name is the protocol's registry name.
const Name = "paxoscommit"

// Settings is the JSON form of Config's timing knobs, every field named;
// a saved run stores it resolved.
type Settings struct {
	Heartbeat   sim.Duration `json:"heartbeat"`
	ElectionMin sim.Duration `json:"election_min"`
	ElectionMax sim.Duration `json:"election_max"`
	PrepareWait sim.Duration `json:"prepare_wait"`
	HelpAfter   sim.Duration `json:"help_after"`
}

var settingsFields = []string{"heartbeat", "election_min", "election_max", "prepare_wait", "help_after"}

// Defaults are the settings a scenario gets when it names none.
var Defaults = Settings{Heartbeat: DefaultHeartbeat, ElectionMin: DefaultElectionMin, ElectionMax: DefaultElectionMax,
	PrepareWait: DefaultPrepareWait, HelpAfter: DefaultHelpAfter}

// Probe names, in report order.
const (
	ProbeLeaderChange   = "leader-change"
	ProbeCoordChange    = "coordinator-change"
	ProbeForcedAbort    = "forced-abort"
	ProbeRecovery       = "instance-recovery"
	ProbeRecoveredAbort = "recovered-abort"
	ProbeRescued        = "rm-rescue"
	ProbeDiskRecovery   = "disk-recovery"
	ProbeContention     = "contention"
)

// Protocol is Paxos Commit as the harness sees it.
var Protocol = &protocol.Protocol{
	Name: Name,
	Description: "Paxos Commit (Gray and Lamport): each RM's prepared/aborted vote is decided by its own Paxos instance, " +
		"so a transaction finishes when its coordinator crashes; checked per transaction against a model of the protocol's invariants",
	Spec:       commit.Name,
	MaxServers: MaxServers,
	Config:     resolveConfig,
	Servers:    servers,
	Mutants:    protocolMutants(),
	Codec:      codec{},
	View:       func(n sim.Node) protocol.View { return (*view)(n.(*Server)) },
	Probes: []protocol.Probe{
		{Name: ProbeLeaderChange, Description: "a server became leader after another had led"},
		{Name: ProbeCoordChange, Description: "an RM that had voted was asked to prepare by another coordinator: the leader changed mid-transaction"},
		{Name: ProbeForcedAbort, Description: "an RM voted abort, which forces its transaction to abort"},
		{Name: ProbeRecovery, Description: "a leader completed phase 1 on an instance its RM left open and proposed at its own ballot"},
		{Name: ProbeRecoveredAbort, Description: "... and proposed aborted, phase 1 having found nothing accepted"},
		{Name: ProbeRescued, Description: "a leader finished a transaction that a prepared RM, tired of waiting for the outcome, asked it to: how a transaction outlives a crashed coordinator"},
		{Name: ProbeDiskRecovery, Description: "a restarted server loaded its acceptors, RMs or ballot from its disk"},
		{Name: ProbeContention, Description: "an acceptor refused a ballot below the one it had promised"},
	},
	Layers: []protocol.Layer{{Name: LayerName,
		Description: "every RM vote and final state, acceptor promise and acceptance, and coordinator decision, per transaction: " +
			"consistency, validity, and each instance's Paxos safety",
		Model: Model()}},
}

func init() { protocol.MustRegister(Protocol) }

func protocolMutants() []protocol.Mutant {
	var out []protocol.Mutant
	for _, m := range Mutants() {
		out = append(out, protocol.Mutant{Name: m.Name, Description: m.Description})
	}
	return out
}

func resolveConfig(raw json.RawMessage, servers int) (json.RawMessage, error) {
	s := Defaults
	if !spec.IsDefault(raw) {
		if err := spec.DecodeStrict(raw, &s); err != nil {
			return nil, fmt.Errorf("paxoscommit config: %v", err)
		}
		if err := spec.RequireFields(raw, settingsFields...); err != nil {
			return nil, fmt.Errorf("paxoscommit config: %v", err)
		}
	}
	if servers < 1 || servers > MaxServers {
		return nil, fmt.Errorf("paxoscommit config: servers = %d: must be 1 to %d", servers, MaxServers)
	}
	ids := make([]sim.NodeID, servers)
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	if err := s.config(ids, "").Validate(); err != nil {
		return nil, fmt.Errorf("paxoscommit config: %s", jsonNames.Replace(err.Error()))
	}
	return json.Marshal(s)
}

// jsonNames names Config's fields as the JSON config does.
var jsonNames = strings.NewReplacer("Heartbeat", "heartbeat", "ElectionMin", "election_min", "ElectionMax", "election_max",
	"PrepareWait", "prepare_wait", "HelpAfter", "help_after", "paxoscommit: ", "", "\n", "; ")

func (s Settings) config(ids []sim.NodeID, mutant string) Config {
	return Config{Servers: ids, Heartbeat: s.Heartbeat, ElectionMin: s.ElectionMin, ElectionMax: s.ElectionMax,
		PrepareWait: s.PrepareWait, HelpAfter: s.HelpAfter, Mutant: mutant}
}

func servers(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
	var s Settings
	if err := spec.DecodeStrict(c.Config, &s); err != nil {
		return nil, fmt.Errorf("paxoscommit config: %v", err)
	}
	return New(s.config(c.Servers, c.Mutant))
}

// TxnOf is the transaction a client's operation asks for.
func TxnOf(in commit.Input) Txn {
	t := Txn{ID: in.Txn, RMs: make([]int, len(in.Votes)), Prepare: make([]bool, len(in.Votes))}
	for i, v := range in.Votes {
		t.RMs[i], t.Prepare[i] = v.RM, v.Prepare
	}
	return t
}

// codec is the client side: a transaction as a Request, outcomes back.
type codec struct{}

func (codec) Request(client sim.NodeID, seq uint64, input any) sim.Message {
	return Request{Client: client, Seq: seq, Txn: TxnOf(input.(commit.Input))}
}

func (codec) Reply(msg sim.Message) protocol.Reply {
	switch m := msg.(type) {
	case Reply:
		out := commit.Commit
		if m.Outcome == Abort {
			out = commit.Abort
		}
		return protocol.Reply{Kind: protocol.Answered, Seq: m.Seq, Output: commit.Output{Outcome: out}}
	case Redirect:
		return protocol.Reply{Kind: protocol.Redirect, Seq: m.Seq, Hint: m.Hint}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

// view is the harness's view of a server: who leads, the probes, and the
// events for the layer check (protocol.LayerView). It is not a
// protocol.LogView: a transaction has no position in a log that every
// server could agree on, and the log checks need one (a decided prefix);
// consistency and stability are checked per transaction by the layer's
// model instead.
type view Server

func (v *view) Leading() (protocol.Ballot, bool) {
	return protocol.Ballot{Round: v.leaderBallot.Round, Node: v.leaderBallot.Node}, v.leading
}

func (v *view) Describe() string {
	return fmt.Sprintf("leading=%v ballot=%v leader=%v round=%d coordinating=%d waiting-rms=%d",
		v.leading, v.leaderBallot, v.leader, v.round, len(v.order), len(v.waiting))
}

func (v *view) Probes(counts []uint64) {
	c := v.cov
	counts[0] += c.leaderChange
	counts[1] += c.coordChange
	counts[2] += c.forcedAbort
	counts[3] += c.recovery
	counts[4] += c.recoveredAbort
	counts[5] += c.rescued
	counts[6] += c.diskRecovery
	counts[7] += c.contention
}

func (v *view) DrainLayerEvents(buf []protocol.LayerEvent) []protocol.LayerEvent {
	for _, r := range v.events {
		buf = append(buf,
			protocol.LayerEvent{Layer: LayerName, Kind: protocol.LayerCall, Call: r.call, Value: r.ev},
			protocol.LayerEvent{Layer: LayerName, Kind: protocol.LayerReturn, Call: r.call, Value: Ack{}})
	}
	clear(v.events)
	v.events = v.events[:0]
	return buf
}
