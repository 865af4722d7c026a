package paxos

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	regspec "github.com/paxossim/paxossim/spec/register"
)

// This file and models.go bind the servers to the harness (package
// protocol): the one place that knows both. The servers' own code imports
// only sim.

// Name is the protocol's registry name.
const Name = "paxos"

// Settings is the JSON form of Config's timing knobs, every field named;
// a saved run stores it resolved.
type Settings struct {
	CallTimeout sim.Duration `json:"call_timeout"`
	BackoffMin  sim.Duration `json:"backoff_min"`
	BackoffMax  sim.Duration `json:"backoff_max"`
}

var settingsFields = []string{"call_timeout", "backoff_min", "backoff_max"}

// Defaults are the settings a scenario gets when it names none.
var Defaults = Settings{CallTimeout: DefaultCallTimeout, BackoffMin: DefaultBackoffMin, BackoffMax: DefaultBackoffMax}

// Probe names, in report order.
const (
	ProbeContention   = "contention"
	ProbeAdopted      = "adopted-value"
	ProbeDiskRecovery = "disk-recovery"
	ProbeRetry        = "round-retry"
)

// Protocol is single-decree Paxos as the harness sees it.
var Protocol = &protocol.Protocol{
	Name: Name,
	Description: "single-decree Paxos, deconstructed: a round-based register under round-based consensus under " +
		"proposeP, serving a write-once register; each layer is checked against its own specification",
	Spec:       regspec.Name,
	MaxServers: MaxServers,
	Config:     resolveConfig,
	Servers:    servers,
	Mutants:    protocolMutants(),
	Codec:      codec{},
	View:       func(n sim.Node) protocol.View { return (*view)(n.(*Server)) },
	Durable:    durable,
	DecodeVote: decodeVote,
	Probes: []protocol.Probe{
		{Name: ProbeContention, Description: "an acceptor refused a read or write: another proposer had switched it to a higher round"},
		{Name: ProbeAdopted, Description: "a read returned a value accepted in an earlier round, which proposeRC wrote instead of its own"},
		{Name: ProbeDiskRecovery, Description: "a restarted server loaded its acceptor or proposer state from its disk"},
		{Name: ProbeRetry, Description: "proposeRC failed and proposeP tried again at a higher round, after the oracle's wait"},
	},
	Layers: layers(),
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
			return nil, fmt.Errorf("paxos config: %v", err)
		}
		if err := spec.RequireFields(raw, settingsFields...); err != nil {
			return nil, fmt.Errorf("paxos config: %v", err)
		}
	}
	if servers < 1 || servers > MaxServers {
		return nil, fmt.Errorf("paxos config: servers = %d: must be 1 to %d", servers, MaxServers)
	}
	ids := make([]sim.NodeID, servers)
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	if err := s.config(ids, "").Validate(); err != nil {
		return nil, fmt.Errorf("paxos config: %s", jsonNames.Replace(err.Error()))
	}
	return json.Marshal(s)
}

// jsonNames names Config's fields as the JSON config does.
var jsonNames = strings.NewReplacer("CallTimeout", "call_timeout", "BackoffMin", "backoff_min", "BackoffMax", "backoff_max",
	"paxos: ", "", "\n", "; ")

func (s Settings) config(ids []sim.NodeID, mutant string) Config {
	return Config{Servers: ids, CallTimeout: s.CallTimeout, BackoffMin: s.BackoffMin, BackoffMax: s.BackoffMax, Mutant: mutant}
}

func servers(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
	var s Settings
	if err := spec.DecodeStrict(c.Config, &s); err != nil {
		return nil, fmt.Errorf("paxos config: %v", err)
	}
	return New(s.config(c.Servers, c.Mutant))
}

func ballot(k Round) protocol.Ballot { return protocol.Ballot{Round: k.Number, Node: k.Node} }

// durable decodes the acceptor's durable round: its promise.
func durable(d sim.DiskReader) (protocol.Durable, error) {
	a, _, err := readAcceptor(d)
	if err != nil {
		return protocol.Durable{}, err
	}
	return protocol.Durable{Promised: ballot(a.round)}, nil
}

// decodeVote reads the acceptor record as its vote: the value accepted at
// a round, in the one slot there is.
func decodeVote(key string, value []byte) (protocol.Vote, bool, error) {
	if key != keyAcceptor {
		return protocol.Vote{}, false, nil
	}
	a, err := decodeAcceptor(value)
	if err != nil || a.accepted.IsZero() {
		return protocol.Vote{}, false, err
	}
	return protocol.Vote{Slot: 0, Ballot: ballot(a.accepted), Command: a.value.digest()}, true, nil
}

// codec is the client side: register operations as Requests, Replies back.
type codec struct{}

func (codec) Request(client sim.NodeID, seq uint64, input any) sim.Message {
	in := input.(regspec.Input)
	switch in.Op {
	case regspec.Get:
		return Request{Client: client, Seq: seq, Op: RequestGet}
	case regspec.Put:
		return Request{Client: client, Seq: seq, Op: RequestPut, Value: Value(in.Value)}
	}
	panic(fmt.Sprintf("paxos: a client asked for %v", in.Op))
}

func (codec) Reply(msg sim.Message) protocol.Reply {
	if m, ok := msg.(Reply); ok {
		return protocol.Reply{Kind: protocol.Answered, Seq: m.Seq, Output: regspec.Output{Value: string(m.Value)}}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

// view is the harness's view of a server: a replicated log of one slot,
// decided once the server knows the decision (protocol.LogView), whose
// layers report their calls (protocol.LayerView).
type view Server

func (v *view) Leading() (protocol.Ballot, bool) {
	return ballot(v.px.k), v.px.active && !v.px.waiting
}

func (v *view) Describe() string {
	return fmt.Sprintf("decided=%v round=%v accepted=%v@%v proposing=%v at %v pending=%d",
		v.decided, v.acc.round, v.acc.value, v.acc.accepted, v.px.active, v.px.k, len(v.pending))
}

func (v *view) Probes(counts []uint64) {
	c := v.cov
	counts[0] += c.contention
	counts[1] += c.adopted
	counts[2] += c.diskRecovery
	counts[3] += c.retries
}

func (v *view) Committed() int {
	if v.decided == undef {
		return 0
	}
	return 1
}

func (v *view) Decided(slot int) (uint64, bool) {
	if slot != 0 || v.decided == undef {
		return 0, false
	}
	return v.decided.digest(), true
}

// Executed: knowing the decision is applying it.
func (v *view) Executed() int { return v.Committed() }

func (v *view) ExecutedAt(slot int) (uint64, bool) { return v.Decided(slot) }

func (v *view) Command(slot int) string {
	if slot != 0 || v.decided == undef {
		return "(none)"
	}
	return v.decided.String()
}

func (v *view) StateDigest() uint64 { return v.decided.digest() }

func (v *view) Promised() protocol.Ballot { return ballot(v.acc.round) }

func (v *view) DrainLayerEvents(buf []protocol.LayerEvent) []protocol.LayerEvent {
	for _, ev := range v.events.log {
		kind := protocol.LayerCall
		if ev.Return {
			kind = protocol.LayerReturn
		}
		buf = append(buf, protocol.LayerEvent{Layer: ev.Layer.String(), Kind: kind, Call: ev.Call, Value: ev.Value})
	}
	clear(v.events.log)
	v.events.log = v.events.log[:0]
	return buf
}
