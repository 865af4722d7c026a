package multipaxos

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// This file binds the replica to the harness (package protocol): the one
// place that knows both. The replica's own code imports only sim.

// Name is the protocol's registry name.
const Name = "multipaxos"

// Settings is the JSON form of the timing knobs of Config, every field
// named; a saved run stores it resolved.
type Settings struct {
	HeartbeatInterval  sim.Duration `json:"heartbeat_interval"`
	ElectionTimeoutMin sim.Duration `json:"election_timeout_min"`
	ElectionTimeoutMax sim.Duration `json:"election_timeout_max"`
	RetryInterval      sim.Duration `json:"retry_interval"`
	Window             int          `json:"window"`
}

var settingsFields = []string{"heartbeat_interval", "election_timeout_min", "election_timeout_max", "retry_interval", "window"}

// Defaults are the settings a scenario gets when it names none. A saved run
// stores its resolved settings, so changing a default never changes what
// a saved run replays.
var Defaults = Settings{
	HeartbeatInterval:  DefaultHeartbeatInterval,
	ElectionTimeoutMin: DefaultElectionTimeoutMin,
	ElectionTimeoutMax: DefaultElectionTimeoutMax,
	RetryInterval:      DefaultRetryInterval,
	Window:             DefaultWindow,
}

// Probe names, in report order.
const (
	ProbeLeaderChange = "leader-change"
	ProbeRecovery     = "phase1-recovery"
	ProbeGapFill      = "gap-fill"
	ProbeCatchUp      = "catch-up"
	ProbeDiskRecovery = "disk-recovery"
	ProbeDedup        = "dedup-answer"
)

// Protocol is MultiPaxos as the harness sees it.
var Protocol = &protocol.Protocol{
	Name:        Name,
	Description: "MultiPaxos KV store: leader election, one Prepare for all open slots, no-op gap filling, pipelined Accepts, catch-up, exactly-once clients",
	Spec:        kv.Name,
	MaxServers:  MaxReplicas,
	Config:      resolveConfig,
	Servers:     servers,
	Mutants:     Mutants(),
	Codec:       codec{},
	View:        func(n sim.Node) protocol.View { return (*view)(n.(*Replica)) },
	Durable:     durable,
	DecodeVote:  decodeVoteRecord,
	Probes: []protocol.Probe{
		{Name: ProbeLeaderChange, Description: "a replica became leader"},
		{Name: ProbeRecovery, Description: "a new leader re-proposed a value a Promise reported"},
		{Name: ProbeGapFill, Description: "a new leader filled a hole with a no-op"},
		{Name: ProbeCatchUp, Description: "a lagging replica learned decided commands"},
		{Name: ProbeDiskRecovery, Description: "a restarted replica loaded state from its disk"},
		{Name: ProbeDedup, Description: "a retried request answered from the dedup table, or a duplicate skipped"},
	},
}

func init() { protocol.MustRegister(Protocol) }

func resolveConfig(raw json.RawMessage, servers int) (json.RawMessage, error) {
	s := Defaults
	if !spec.IsDefault(raw) {
		if err := spec.DecodeStrict(raw, &s); err != nil {
			return nil, fmt.Errorf("multipaxos config: %v", err)
		}
		if err := spec.RequireFields(raw, settingsFields...); err != nil {
			return nil, fmt.Errorf("multipaxos config: %v", err)
		}
	}
	if s.Window == 0 {
		return nil, fmt.Errorf("multipaxos config: window = 0: must be in 1..65536")
	}
	if err := s.config(servers, "").Validate(); err != nil {
		// Name the fields as the config file does.
		return nil, fmt.Errorf("multipaxos config: %s", jsonNames.Replace(strings.TrimPrefix(err.Error(), "multipaxos: ")))
	}
	return json.Marshal(s)
}

var jsonNames = strings.NewReplacer("HeartbeatInterval", "heartbeat_interval", "ElectionTimeoutMin", "election_timeout_min",
	"ElectionTimeoutMax", "election_timeout_max", "RetryInterval", "retry_interval", "Window", "window",
	"N = ", "servers = ", "\nmultipaxos: ", "; ")

func (s Settings) config(n int, mutant string) Config {
	return Config{N: n, HeartbeatInterval: s.HeartbeatInterval, ElectionTimeoutMin: s.ElectionTimeoutMin,
		ElectionTimeoutMax: s.ElectionTimeoutMax, RetryInterval: s.RetryInterval, Window: s.Window, Mutant: mutant}
}

func servers(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
	var s Settings
	if err := spec.DecodeStrict(c.Config, &s); err != nil {
		return nil, fmt.Errorf("multipaxos config: %v", err)
	}
	cfg := s.config(0, c.Mutant)
	cfg.Replicas = c.Servers
	return New(cfg)
}

func durable(d sim.DiskReader) (protocol.Durable, error) {
	v, ok, err := d.Read(keyPromised)
	if err != nil || !ok {
		return protocol.Durable{}, err
	}
	b, err := decodePromised(v)
	if err != nil {
		return protocol.Durable{}, err
	}
	return protocol.Durable{Promised: b}, nil
}

// decodeVote reads one record: a vote record decodes or is an error (a
// synced record is never torn); any other record is not a vote.
func decodeVoteRecord(key string, value []byte) (protocol.Vote, bool, error) {
	if !strings.HasPrefix(key, votePrefix) {
		return protocol.Vote{}, false, nil
	}
	s, b, digest, err := decodeVoteDigest(value)
	if err != nil || !isVoteKey(key, s) {
		return protocol.Vote{}, false, fmt.Errorf("vote record %s does not decode (%v)", key, err)
	}
	return protocol.Vote{Slot: s, Ballot: b, Command: digest}, true, nil
}

// codec is the client side: kv operations as Requests; Replies and
// Redirects back.
type codec struct{}

func (codec) Request(client sim.NodeID, seq uint64, input any) sim.Message {
	in := input.(kv.Input)
	cmd := Command{Key: in.Key, Value: in.Value, Client: client, Seq: seq}
	switch in.Op {
	case kv.Get:
		cmd.Op = OpGet
	case kv.Put:
		cmd.Op = OpPut
	case kv.Append:
		cmd.Op = OpAppend
	case kv.CAS:
		cmd.Op, cmd.Expect = OpCAS, in.Expect
	default:
		panic(fmt.Sprintf("multipaxos: a client asked for %v", in.Op))
	}
	return Request{Cmd: cmd}
}

func (codec) Reply(msg sim.Message) protocol.Reply {
	switch m := msg.(type) {
	case Reply:
		return protocol.Reply{Kind: protocol.Answered, Seq: m.Seq, Output: kv.Output{Value: m.Res.Value, OK: m.Res.OK}}
	case Redirect:
		return protocol.Reply{Kind: protocol.Redirect, Seq: m.Seq, Hint: m.Leader}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

// view is the harness's read-only view of a replica (protocol.LogView).
type view Replica

func (v *view) Leading() (protocol.Ballot, bool) {
	r := (*Replica)(v)
	return r.Ballot(), r.IsLeader()
}

func (v *view) Describe() string {
	r := (*Replica)(v)
	return fmt.Sprintf("leader=%v ballot=%v promised=%v committed=%d executed=%d log=%d hint=%v",
		r.IsLeader(), r.Ballot(), r.Promised(), r.Committed(), r.Executed(), r.LogLength(), r.LeaderHint())
}

func (v *view) Probes(counts []uint64) {
	c := v.cov
	counts[0] += c.LeaderChanges
	counts[1] += c.Recovered
	counts[2] += c.GapsFilled
	counts[3] += c.CatchUpReceived
	counts[4] += c.DiskRecoveries
	counts[5] += c.DupAnswered + c.DupSkipped
}

func (v *view) Committed() int { return v.commit }

func (v *view) Decided(slot int) (uint64, bool) {
	cmd, ok := (*Replica)(v).DecidedAt(slot)
	return cmd.digest(), ok
}

func (v *view) Executed() int { return v.executed }

func (v *view) ExecutedAt(slot int) (uint64, bool) {
	cmd, ok := (*Replica)(v).ExecutedAt(slot)
	return cmd.digest(), ok
}

func (v *view) Command(slot int) string {
	if slot < 0 || slot >= len(v.log) {
		return "(none)"
	}
	return v.log[slot].cmd.String()
}

func (v *view) StateDigest() uint64 { return v.sm.hash }

func (v *view) Promised() protocol.Ballot { return v.promised }
