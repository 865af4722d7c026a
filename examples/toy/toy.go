// Package toy is the smallest protocol that runs under paxossim, written as
// a user of paxossim would write one in their own module: a primary-only
// KV store. Server 0 (the primary) serves every operation and persists the
// store and its dedup table, synced, before it answers; the other servers
// redirect to it. It is linearizable and durable, and live once faults
// heal; it is not fault-tolerant (while the primary is down, nothing
// completes), which the harness's liveness check tolerates because it asks
// for progress only after the heal.
//
// Everything paxossim needs is in the Protocol value at the end: a config,
// a server factory, a mutant, the client codec, a view and probes.
package toy

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// Request asks the primary to run one KV operation.
type Request struct {
	Client sim.NodeID
	Seq    uint64
	In     kv.Input
}

// Reply answers a Request; Redirect names the primary.
type (
	Reply struct {
		Seq uint64
		Out kv.Output
	}
	Redirect struct {
		Seq     uint64
		Primary sim.NodeID
	}
)

func (m Request) Digest() uint64 {
	return sim.Mix(1, uint64(m.Client), m.Seq, uint64(m.In.Op), sim.HashString(m.In.Key), sim.HashString(m.In.Value))
}
func (m Request) String() string {
	return fmt.Sprintf("Request{%v#%d %s}", m.Client, m.Seq, kv.Describe(m.In, kv.Output{}))
}
func (m Reply) Digest() uint64    { return sim.Mix(2, m.Seq, sim.HashString(m.Out.Value)) }
func (m Reply) String() string    { return fmt.Sprintf("Reply{#%d %q}", m.Seq, m.Out.Value) }
func (m Redirect) Digest() uint64 { return sim.Mix(3, m.Seq, uint64(m.Primary)) }
func (m Redirect) String() string { return fmt.Sprintf("Redirect{#%d to %v}", m.Seq, m.Primary) }

const flushTimer sim.TimerTag = 0

// server is one node: a pure event handler whose durable state is the
// disk's "k/<key>" values and "c/<client>" dedup rows.
type server struct {
	env       sim.Env
	primary   sim.NodeID
	lazySync  bool // the reply-before-sync mutant
	data      map[string]string
	last      map[sim.NodeID]uint64 // dedup: the client's last executed seq
	lastOut   map[sim.NodeID]string // and its output
	recovered uint64
	dups      uint64
}

func (s *server) Start(env sim.Env) {
	s.env, s.data, s.last, s.lastOut = env, map[string]string{}, map[sim.NodeID]uint64{}, map[sim.NodeID]string{}
	d := env.Disk()
	for _, k := range d.Scan("k/") {
		if v, ok, err := d.Read(k); ok && err == nil {
			s.data[k[2:]] = string(v)
		}
	}
	for _, k := range d.Scan("c/") {
		v, ok, err := d.Read(k)
		id, perr := strconv.Atoi(k[2:])
		if !ok || err != nil || perr != nil || len(v) < 8 {
			continue
		}
		s.last[sim.NodeID(id)], s.lastOut[sim.NodeID(id)] = binary.LittleEndian.Uint64(v), string(v[8:])
	}
	if len(d.Scan("")) > 0 {
		s.recovered++
	}
}

func (s *server) Receive(from sim.NodeID, msg sim.Message) {
	m, ok := msg.(Request)
	if !ok || m.Client != from {
		s.env.Logf("ignoring %v from %v", msg, from)
		return
	}
	if s.env.ID() != s.primary {
		s.env.Send(from, Redirect{Seq: m.Seq, Primary: s.primary})
		return
	}
	if m.Seq <= s.last[from] {
		if m.Seq == s.last[from] {
			s.dups++
			s.env.Send(from, Reply{Seq: m.Seq, Out: kv.Output{Value: s.lastOut[from]}})
		}
		return
	}
	var out kv.Output
	d := s.env.Disk()
	switch m.In.Op {
	case kv.Get:
		out.Value = s.data[m.In.Key]
	case kv.Put, kv.Append:
		v := m.In.Value
		if m.In.Op == kv.Append {
			v = s.data[m.In.Key] + v
		}
		s.data[m.In.Key] = v
		d.Write("k/"+m.In.Key, []byte(v))
	}
	s.last[from], s.lastOut[from] = m.Seq, out.Value
	d.Write("c/"+strconv.Itoa(int(from)), append(binary.LittleEndian.AppendUint64(nil, m.Seq), out.Value...))
	if s.lazySync {
		s.env.SetTimer(flushTimer, 20*sim.Millisecond)
	} else {
		d.Sync() // durable before the reply that depends on it
	}
	s.env.Send(from, Reply{Seq: m.Seq, Out: out})
}

func (s *server) Timer(sim.TimerTag) { s.env.Disk().Sync() }

// Settings is the protocol's config, every field named.
type Settings struct {
	Primary int `json:"primary"`
}

// Protocol is the toy protocol as paxossim sees it.
var Protocol = &protocol.Protocol{
	Name:        "toy-primary",
	Description: "a primary-only KV store: server 0 serves everything, synced before it answers",
	Spec:        kv.Name,
	MaxServers:  16,
	Config: func(raw json.RawMessage, servers int) (json.RawMessage, error) {
		s := Settings{Primary: 0}
		if !spec.IsDefault(raw) {
			if err := spec.DecodeStrict(raw, &s); err != nil {
				return nil, fmt.Errorf("toy config: %v", err)
			}
			if err := spec.RequireFields(raw, "primary"); err != nil {
				return nil, fmt.Errorf("toy config: %v", err)
			}
		}
		if s.Primary < 0 || s.Primary >= servers {
			return nil, fmt.Errorf("toy config: primary = %d: not one of %d servers", s.Primary, servers)
		}
		return json.Marshal(s)
	},
	Servers: func(c protocol.Cluster) (func(sim.NodeID) sim.Node, error) {
		var s Settings
		if err := json.Unmarshal(c.Config, &s); err != nil {
			return nil, err
		}
		return func(sim.NodeID) sim.Node {
			return &server{primary: c.Servers[s.Primary], lazySync: c.Mutant == "reply-before-sync"}
		}, nil
	},
	Mutants: []protocol.Mutant{{Name: "reply-before-sync",
		Description: "the primary answers before its write is synced (a flush timer syncs later), so a crash loses an acknowledged write"}},
	Codec: codec{},
	View:  func(n sim.Node) protocol.View { return (*view)(n.(*server)) },
	Probes: []protocol.Probe{
		{Name: "disk-recovery", Description: "a restarted server loaded state from its disk"},
		{Name: "dedup-answer", Description: "a retried request answered from the dedup table"},
	},
}

func init() { protocol.MustRegister(Protocol) }

type codec struct{}

func (codec) Request(client sim.NodeID, seq uint64, in any) sim.Message {
	return Request{Client: client, Seq: seq, In: in.(kv.Input)}
}

func (codec) Reply(msg sim.Message) protocol.Reply {
	switch m := msg.(type) {
	case Reply:
		return protocol.Reply{Kind: protocol.Answered, Seq: m.Seq, Output: m.Out}
	case Redirect:
		return protocol.Reply{Kind: protocol.Redirect, Seq: m.Seq, Hint: m.Primary}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

type view server

func (v *view) Leading() (protocol.Ballot, bool) {
	return protocol.Ballot{Round: 1, Node: v.primary}, v.env.ID() == v.primary
}
func (v *view) Describe() string {
	return fmt.Sprintf("primary=%v keys=%d clients=%d", v.primary, len(v.data), len(v.last))
}
func (v *view) Probes(counts []uint64) { counts[0] += v.recovered; counts[1] += v.dups }
