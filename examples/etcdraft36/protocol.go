// Package etcdraft36 runs etcd's raft library (go.etcd.io/raft/v3, v3.6.0)
// under paxossim, as a user would: a sim.Node adapter around raft.RawNode
// (node.go, with its durable storage) serving a KV store through
// paxossim's generic client, with reads through the log and through
// ReadIndex (kv.go), the message wrapper (messages.go), and this binding.
//
// raft draws its randomized election timeout from crypto/rand, which no
// seed controls; determinism.go says how a run is made deterministic
// without forking the library.
//
// v3.6.0 has etcd#20418, a stale ReadIndex read on a deposed leader:
// hunt_test.go finds it with the linearizability check, and
// testdata/etcd20418.json is its shrunk counterexample.
package etcdraft36

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// Name is the protocol's registry name.
const Name = "etcdraft36"

// How Gets are served.
const (
	ReadsLog   = "log"   // through the log, like every write
	ReadsIndex = "index" // through ReadIndex
	ReadsBoth  = "both"  // every other operation of a client each way
)

// Settings is the protocol's config, every field named.
type Settings struct {
	Reads          string `json:"reads"`
	ElectionTicks  int    `json:"election_ticks"`
	HeartbeatTicks int    `json:"heartbeat_ticks"`
	CheckQuorum    bool   `json:"check_quorum"`
	PreVote        bool   `json:"pre_vote"`
	// ReadRetryMs is how often an unconfirmed ReadIndex read is issued
	// again with the same context.
	ReadRetryMs int `json:"read_retry_ms"`
}

// DefaultSettings are etcd's choices: CheckQuorum and PreVote on, a
// heartbeat every few ticks; ticks are 10 to 20ms (node.go).
func DefaultSettings() Settings {
	return Settings{Reads: ReadsBoth, ElectionTicks: 10, HeartbeatTicks: 2, CheckQuorum: true, PreVote: true, ReadRetryMs: 100}
}

func resolve(raw json.RawMessage, servers int) (json.RawMessage, error) {
	s := DefaultSettings()
	if !spec.IsDefault(raw) {
		if err := spec.DecodeStrict(raw, &s); err != nil {
			return nil, fmt.Errorf("%s config: %v", Name, err)
		}
		if err := spec.RequireFields(raw, "reads", "election_ticks", "heartbeat_ticks", "check_quorum", "pre_vote", "read_retry_ms"); err != nil {
			return nil, fmt.Errorf("%s config: %v", Name, err)
		}
	}
	switch {
	case s.Reads != ReadsLog && s.Reads != ReadsIndex && s.Reads != ReadsBoth:
		return nil, fmt.Errorf("%s config: reads = %q: want %q, %q or %q", Name, s.Reads, ReadsLog, ReadsIndex, ReadsBoth)
	case s.HeartbeatTicks < 1 || s.ElectionTicks <= s.HeartbeatTicks || s.ElectionTicks > 1000:
		return nil, fmt.Errorf("%s config: election_ticks = %d, heartbeat_ticks = %d: want 1 <= heartbeat_ticks < election_ticks <= 1000", Name, s.ElectionTicks, s.HeartbeatTicks)
	case s.ReadRetryMs < 1 || s.ReadRetryMs > 60_000:
		return nil, fmt.Errorf("%s config: read_retry_ms = %d: want 1 to 60000", Name, s.ReadRetryMs)
	case servers < 1:
		return nil, fmt.Errorf("%s config: %d servers", Name, servers)
	}
	return json.Marshal(s)
}

// Probes, in Protocol.Probes order.
const (
	probeLeaderElected = iota
	probeIndexRead
	probeReadRetry
	probeDedup
	probeDiskRecovery
	probeCtxReconfirmed
	probeReleasedByRepeat
	numProbes
)

// Protocol is etcd raft v3.6.0 as paxossim sees it.
var Protocol = &protocol.Protocol{
	Name:        Name,
	Description: "etcd raft (go.etcd.io/raft/v3 v3.6.0) through RawNode: a KV store, reads through the log and through ReadIndex",
	Spec:        kv.Name,
	MaxServers:  9,
	Config:      resolve,
	Servers: func(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
		var s Settings
		if err := json.Unmarshal(c.Config, &s); err != nil {
			return nil, err
		}
		voters := make([]uint64, len(c.Servers))
		for i, id := range c.Servers {
			if id != sim.NodeID(i) {
				return nil, fmt.Errorf("%s: servers must be n0..n%d (raft ids are node ids + 1), have %v", Name, len(c.Servers)-1, c.Servers)
			}
			voters[i] = uint64(id) + 1
		}
		return func(sim.NodeID) sim.Node { return &node{set: s, voters: voters} }, nil
	},
	Codec: codec{},
	View:  func(n sim.Node) protocol.View { return (*view)(n.(*node)) },
	Durable: func(d sim.DiskReader) (protocol.Durable, error) {
		var term uint64
		if hs := loadHardState(d); hs != nil {
			term = hs.Term
		}
		return protocol.Durable{Promised: protocol.Ballot{Round: term}}, nil
	},
	DecodeVote: func(key string, value []byte) (protocol.Vote, bool, error) {
		if key == "hs" {
			return protocol.Vote{}, false, nil
		}
		e, ok := readEntry(record{key, value}, key)
		if !ok {
			return protocol.Vote{}, false, fmt.Errorf("%s: record %q is not a log entry", Name, key)
		}
		return protocol.Vote{Slot: int(e.Index - firstIndex), Ballot: protocol.Ballot{Round: e.Term}, Command: entryDigest(e)}, true, nil
	},
	Probes: []protocol.Probe{
		{Name: "leader-elected", Description: "a server became leader"},
		{Name: "index-read", Description: "a Get answered through ReadIndex"},
		{Name: "read-retry", Description: "a ReadIndex read issued again with the same context"},
		{Name: "dedup-answer", Description: "a retried request answered from the dedup table"},
		{Name: "disk-recovery", Description: "a restarted server loaded its log from its disk"},
		{Name: "read-ctx-reconfirmed", Description: "a leader confirmed a ReadIndex context it had confirmed before (the first step of etcd#20418)"},
		{Name: "released-by-repeat", Description: "a leader confirmed a repeated ReadIndex context together with other reads, which it released (etcd#20418's mechanism)"},
	},
}

func init() { protocol.MustRegister(Protocol) }

// record is one disk record as a DiskReader, for DecodeVote.
type record struct {
	key   string
	value []byte
}

func (r record) Read(key string) ([]byte, bool, error) { return r.value, key == r.key, nil }
func (r record) Scan(string) []string                  { return []string{r.key} }

type codec struct{}

func (codec) Request(client sim.NodeID, seq uint64, in any) sim.Message {
	return Request{Client: client, Seq: seq, In: in.(kv.Input)}
}

func (codec) Reply(msg sim.Message) protocol.Reply {
	switch m := msg.(type) {
	case Reply:
		return protocol.Reply{Kind: protocol.Answered, Seq: m.Seq, Output: m.Out}
	case Redirect:
		return protocol.Reply{Kind: protocol.Redirect, Seq: m.Seq, Hint: m.Leader}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

// view is a server's log as the harness checks it: slot s is raft index
// firstIndex+s.
type view node

func (v *view) Leading() (protocol.Ballot, bool) {
	return protocol.Ballot{Round: v.term, Node: v.env.ID()}, v.leader
}
func (v *view) Describe() string {
	return "term=" + strconv.FormatUint(v.term, 10) + " leader=" + strconv.FormatBool(v.leader) +
		" commit=" + strconv.FormatUint(v.commit, 10) + " applied=" + strconv.FormatUint(v.applied, 10) +
		" reads=" + strconv.Itoa(len(v.reads))
}
func (v *view) Probes(counts []uint64) {
	for i, c := range v.probes {
		counts[i] += c
	}
}
func (v *view) Committed() int { return int(v.commit) - (firstIndex - 1) }
func (v *view) Decided(slot int) (uint64, bool) {
	if slot < 0 || slot >= v.Committed() || slot >= len(v.logDigests) {
		return 0, false
	}
	return v.logDigests[slot], true
}
func (v *view) Executed() int { return int(v.applied) - (firstIndex - 1) }
func (v *view) ExecutedAt(slot int) (uint64, bool) {
	if slot < 0 || slot >= len(v.execDigests) {
		return 0, false
	}
	return v.execDigests[slot], true
}
func (v *view) Command(slot int) string {
	if slot < 0 || slot >= len(v.logDigests) {
		return "?"
	}
	e, err := v.ms.Entries(uint64(slot)+firstIndex, uint64(slot)+firstIndex+1, 0)
	if err != nil || len(e) != 1 {
		return "?"
	}
	if len(e[0].Data) == 0 {
		return fmt.Sprintf("term %d: empty", e[0].Term)
	}
	c, seq, in, err := decodeCmd(e[0].Data)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("term %d: %v#%d %s", e[0].Term, c, seq, kv.Describe(in, kv.Output{}))
}
func (v *view) StateDigest() uint64       { return v.digest }
func (v *view) Promised() protocol.Ballot { return protocol.Ballot{Round: v.term} }

// logged records the digests of entries raft appended (replacing any
// suffix from the first one's index), for the log checks.
func (n *node) logged(ents []pb.Entry) {
	if len(ents) == 0 {
		return
	}
	n.logDigests = n.logDigests[:ents[0].Index-firstIndex]
	for i := range ents {
		n.logDigests = append(n.logDigests, entryDigest(&ents[i]))
	}
}

// softState follows who leads, for redirects and the views.
func (n *node) softState(s *raft.SoftState) {
	if s == nil {
		return
	}
	if s.RaftState == raft.StateLeader && !n.leader {
		n.probes[probeLeaderElected]++
	}
	n.lead, n.leader = s.Lead, s.RaftState == raft.StateLeader
}
