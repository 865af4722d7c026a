package etcdraft36

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The KV state machine the raft log drives, and the client side: a Put,
// an Append, and a Get in log mode, go through the log; a Get in index
// mode is a ReadIndex read answered from the local state once it has
// applied the confirmed index. A ReadIndex read's request context is the
// operation's (client, seq), so that a retry of the operation reuses it,
// and an unconfirmed read is re-issued with the same context every
// ReadRetryMs, as etcd's read loop does.

// readTimer re-issues the unconfirmed reads.
const readTimer sim.TimerTag = 1

// Request asks a server to run one KV operation.
type Request struct {
	Client sim.NodeID
	Seq    uint64
	In     kv.Input
}

// Reply answers a Request; Redirect names the leader (-1: unknown).
type (
	Reply struct {
		Seq uint64
		Out kv.Output
	}
	Redirect struct {
		Seq    uint64
		Leader sim.NodeID
	}
)

func (m Request) Digest() uint64 {
	return sim.Mix(1, uint64(m.Client), m.Seq, uint64(m.In.Op), sim.HashString(m.In.Key), sim.HashString(m.In.Value), sim.HashString(m.In.Expect))
}
func (m Request) String() string {
	return fmt.Sprintf("Request{%v#%d %s}", m.Client, m.Seq, kv.Describe(m.In, kv.Output{}))
}
func (m Reply) Digest() uint64    { return sim.Mix(2, m.Seq, sim.HashString(m.Out.Value), b2u(m.Out.OK)) }
func (m Reply) String() string    { return fmt.Sprintf("Reply{#%d %q}", m.Seq, m.Out.Value) }
func (m Redirect) Digest() uint64 { return sim.Mix(3, m.Seq, uint64(m.Leader)) }
func (m Redirect) String() string { return fmt.Sprintf("Redirect{#%d to %v}", m.Seq, m.Leader) }

// cmd is a log entry's command.
func encodeCmd(client sim.NodeID, seq uint64, in kv.Input) []byte {
	b := binary.AppendUvarint(nil, uint64(client))
	b = binary.AppendUvarint(b, seq)
	b = append(b, byte(in.Op))
	b = binary.AppendUvarint(b, uint64(len(in.Key)))
	b = binary.AppendUvarint(append(b, in.Key...), uint64(len(in.Expect)))
	return append(append(b, in.Expect...), in.Value...)
}

func decodeCmd(b []byte) (sim.NodeID, uint64, kv.Input, error) {
	client, n1 := binary.Uvarint(b)
	seq, n2 := binary.Uvarint(b[max(n1, 0):])
	rest := b[max(n1, 0)+max(n2, 0):]
	if n1 <= 0 || n2 <= 0 || len(rest) < 2 {
		return 0, 0, kv.Input{}, fmt.Errorf("short command %x", b)
	}
	op := kv.Op(rest[0])
	klen, n3 := binary.Uvarint(rest[1:])
	rest = rest[1+max(n3, 0):]
	if n3 <= 0 || klen > uint64(len(rest)) {
		return 0, 0, kv.Input{}, fmt.Errorf("bad key length in %x", b)
	}
	key, rest := string(rest[:klen]), rest[klen:]
	elen, n4 := binary.Uvarint(rest)
	rest = rest[max(n4, 0):]
	if n4 <= 0 || elen > uint64(len(rest)) {
		return 0, 0, kv.Input{}, fmt.Errorf("bad expected-value length in %x", b)
	}
	return sim.NodeID(client), seq, kv.Input{Op: op, Key: key, Expect: string(rest[:elen]), Value: string(rest[elen:])}, nil
}

// read is a ReadIndex read waiting for its confirmation, then for the
// local state to apply the index it was confirmed at.
type read struct {
	client    sim.NodeID
	seq       uint64
	key       string
	ctx       []byte
	index     uint64
	confirmed bool
}

// kvState is a server's state machine and the views' cache.
type kvState struct {
	data    map[string]string
	last    map[sim.NodeID]uint64    // dedup: the client's last executed seq
	lastOut map[sim.NodeID]kv.Output // and its output
	digest  uint64                   // XOR over the pairs: order-free, updated per write
	waiting map[sim.NodeID]uint64    // log operations proposed here, to answer when applied
	reads   []*read

	term, commit, applied, lead uint64
	leader                      bool
	logDigests                  []uint64 // entryDigest of index firstIndex+i
	execDigests                 []uint64 // entryDigest of each applied entry, in order
	probes                      [numProbes]uint64
	confirmedCtx                map[string]bool // read contexts this node confirmed as leader
}

func (s *kvState) init() {
	*s = kvState{data: map[string]string{}, last: map[sim.NodeID]uint64{}, lastOut: map[sim.NodeID]kv.Output{},
		waiting: map[sim.NodeID]uint64{}, confirmedCtx: map[string]bool{}, applied: firstIndex - 1}
}

func pairDigest(k, v string) uint64 { return sim.Mix(sim.HashString(k), sim.HashString(v)) }

func (n *node) apply(e *pb.Entry) {
	n.applied = e.Index
	n.execDigests = append(n.execDigests, entryDigest(e))
	if e.Type == pb.EntryNormal && len(e.Data) > 0 {
		client, seq, in, err := decodeCmd(e.Data)
		must(err) // only this package proposes
		out := n.execute(client, seq, in)
		if n.waiting[client] == seq {
			delete(n.waiting, client)
			n.env.Send(client, Reply{Seq: seq, Out: out})
		}
	}
	n.serveReads()
}

// execute runs a command once per (client, seq): a retry that raft
// committed twice is not executed twice.
func (s *kvState) execute(client sim.NodeID, seq uint64, in kv.Input) kv.Output {
	if seq <= s.last[client] {
		return s.lastOut[client]
	}
	var out kv.Output
	old, had := s.data[in.Key]
	switch in.Op {
	case kv.Get:
		out.Value = old
	case kv.CAS:
		out = kv.Output{Value: old, OK: old == in.Expect}
	}
	if in.Op == kv.Put || in.Op == kv.Append || out.OK {
		v := in.Value
		if in.Op == kv.Append {
			v = old + v
		}
		if had {
			s.digest ^= pairDigest(in.Key, old)
		}
		s.data[in.Key] = v
		s.digest ^= pairDigest(in.Key, v)
	}
	s.last[client], s.lastOut[client] = seq, out
	return out
}

func (n *node) request(from sim.NodeID, m Request) {
	if m.Client != from {
		n.env.Logf("ignoring %v from %v", m, from)
		return
	}
	if last := n.last[from]; m.Seq <= last {
		if m.Seq == last { // executed already: a retry whose answer was lost
			n.probes[probeDedup]++
			n.env.Send(from, Reply{Seq: m.Seq, Out: n.lastOut[from]})
		}
		return
	}
	if m.In.Op == kv.Get && n.byIndex(m) {
		n.readIndex(m)
		return
	}
	if err := n.rn.Propose(encodeCmd(from, m.Seq, m.In)); err != nil {
		n.redirect(m)
		return
	}
	n.waiting[from] = m.Seq
}

func (n *node) redirect(m Request) {
	hint := sim.NodeID(-1)
	if n.lead != 0 {
		hint = sim.NodeID(n.lead - 1)
	}
	n.env.Send(m.Client, Redirect{Seq: m.Seq, Leader: hint})
}

// byIndex says whether a Get is a ReadIndex read: always, never, or (in
// "both") for every other operation of a client.
func (n *node) byIndex(m Request) bool {
	return n.set.Reads == ReadsIndex || n.set.Reads == ReadsBoth && m.Seq%2 == 0
}

func (n *node) readIndex(m Request) {
	if n.lead == 0 {
		n.redirect(m) // raft drops a read it cannot forward
		return
	}
	ctx := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(m.Client)), m.Seq)
	i := slices.IndexFunc(n.reads, func(r *read) bool { return r.client == m.Client })
	switch {
	case i >= 0 && n.reads[i].seq == m.Seq:
		n.probes[probeReadRetry]++ // the client's retry: the same context again
	case i >= 0:
		n.reads[i] = &read{client: m.Client, seq: m.Seq, key: m.In.Key, ctx: ctx}
	default:
		n.reads = append(n.reads, &read{client: m.Client, seq: m.Seq, key: m.In.Key, ctx: ctx})
	}
	n.rn.ReadIndex(ctx)
	n.env.SetTimer(readTimer, sim.Duration(n.set.ReadRetryMs)*sim.Millisecond)
}

// retryReads re-issues every unconfirmed read with its own context.
func (n *node) retryReads() {
	again := false
	for _, r := range n.reads {
		if !r.confirmed {
			n.probes[probeReadRetry]++
			n.rn.ReadIndex(r.ctx)
			again = true
		}
	}
	if again {
		n.env.SetTimer(readTimer, sim.Duration(n.set.ReadRetryMs)*sim.Millisecond)
	}
}

// watchReads counts, on a leader, the contexts it confirms a second time
// (the first step of etcd#20418), and the Readys that confirm a repeated
// context together with other reads: raft confirms the reads queued
// before a context with it, so these are (up to two confirmations that
// merely coincide) a repeat releasing earlier reads, the whole mechanism
// when an old acknowledgement confirmed the repeat on a deposed leader.
func (n *node) watchReads(rd *raft.Ready) {
	var ctxs [][]byte
	for _, m := range rd.Messages {
		if m.Type == pb.MsgReadIndexResp && len(m.Entries) == 1 {
			ctxs = append(ctxs, m.Entries[0].Data)
		}
	}
	if n.leader {
		for _, rs := range rd.ReadStates {
			ctxs = append(ctxs, rs.RequestCtx)
		}
	}
	again := false
	for _, ctx := range ctxs {
		if n.confirmedCtx[string(ctx)] {
			n.probes[probeCtxReconfirmed]++
			again = true
		}
		n.confirmedCtx[string(ctx)] = true
	}
	if again && len(ctxs) > 1 {
		n.probes[probeReleasedByRepeat]++
	}
}

func (n *node) confirmRead(ctx []byte, index uint64) {
	for _, r := range n.reads {
		if !r.confirmed && bytes.Equal(r.ctx, ctx) {
			r.confirmed, r.index = true, index
		}
	}
	n.serveReads()
}

// serveReads answers the confirmed reads whose index is applied.
func (n *node) serveReads() {
	n.reads = slices.DeleteFunc(n.reads, func(r *read) bool {
		if !r.confirmed || r.index > n.applied {
			return false
		}
		n.probes[probeIndexRead]++
		n.env.Send(r.client, Reply{Seq: r.seq, Out: kv.Output{Value: n.data[r.key]}})
		return true
	})
}
