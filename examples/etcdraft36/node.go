package etcdraft36

import (
	"slices"

	"github.com/paxossim/paxossim/sim"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The adapter: a sim.Node around raft.RawNode in synchronous storage mode.
// Each event steps the RawNode, then drains Ready: persist entries and the
// HardState and sync them through the simulated disk, then send, then
// apply, then Advance. raft's own storage is a MemoryStorage rebuilt from
// the synced disk at every Start, so a crash loses exactly what was never
// synced.

const (
	tickTimer sim.TimerTag = iota
	readTimer
)

// Msg carries one raft message between servers.
type Msg struct{ M pb.Message }

func (m Msg) String() string { return raft.DescribeMessage(m.M, nil) }
func (m Msg) Digest() uint64 {
	p := m.M
	h := sim.Mix(uint64(p.Type), p.From, p.To, p.Term, p.LogTerm, p.Index,
		p.Commit, p.Vote, p.RejectHint, b2u(p.Reject), sim.HashBytes(p.Context))
	for i := range p.Entries {
		h = sim.Mix(h, entryDigest(&p.Entries[i]))
	}
	return h
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// entryDigest names a log entry by its term and data, as the log checks
// and the durable votes compare it.
func entryDigest(e *pb.Entry) uint64 {
	return sim.Mix(e.Term, uint64(e.Type), sim.HashBytes(e.Data))
}

// firstIndex is the first log index after the bootstrap snapshot (index 1,
// the cluster's membership), which every server rebuilds at Start.
const firstIndex = 2

func entryKey(i uint64) string {
	const hex = "0123456789abcdef"
	var b [18]byte
	b[0], b[1] = 'e', '/'
	for k := 17; k >= 2; k, i = k-1, i>>4 {
		b[k] = hex[i&15]
	}
	return string(b[:])
}

// node is one server.
type node struct {
	env     sim.Env
	set     Settings
	servers int
	rn      *raft.RawNode
	ms      *raft.MemoryStorage
	period  sim.Duration // tick period, drawn from the node's stream at every term
	onDisk  uint64       // highest log index written
	kvState
}

func (n *node) Start(env sim.Env) {
	n.env, n.ms = env, raft.NewMemoryStorage()
	n.kvState.init()
	voters := make([]uint64, n.servers)
	for i := range voters {
		voters[i] = uint64(i) + 1
	}
	meta := pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: pb.ConfState{Voters: voters}}
	must(n.ms.ApplySnapshot(pb.Snapshot{Metadata: meta}))
	ents, hs := loadDurable(env.Disk())
	must(n.ms.Append(ents))
	if hs != nil {
		must(n.ms.SetHardState(*hs))
		n.term, n.commit = hs.Term, hs.Commit
		n.probes[probeDiskRecovery]++
	}
	for i := range ents {
		n.logDigests = append(n.logDigests, entryDigest(&ents[i]))
	}
	n.onDisk = firstIndex - 1 + uint64(len(ents))
	rn, err := raft.NewRawNode(&raft.Config{ID: uint64(env.ID()) + 1, Storage: n.ms, Logger: discardLogger{},
		ElectionTick: n.set.ElectionTicks, HeartbeatTick: n.set.HeartbeatTicks, CheckQuorum: n.set.CheckQuorum,
		PreVote: n.set.PreVote, ReadOnlyOption: raft.ReadOnlySafe, MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256})
	must(err) // Config was validated when the run was drawn
	n.rn = rn
	n.drawPeriod()
	env.SetTimer(tickTimer, n.period)
}

// drawPeriod draws the tick period from the node's seeded stream. raft's
// own randomized election timeout reads crypto/rand, which the harness
// makes constant (see determinism.go), so this is where the randomness
// that breaks split votes comes from: an election timeout of
// ElectionTicks ticks of 10 to 20ms, redrawn at every term as raft redraws.
func (n *node) drawPeriod() {
	n.period = 10*sim.Millisecond + sim.Duration(n.env.Rand().Int64N(int64(10*sim.Millisecond)))
}

func (n *node) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Msg:
		p := m.M
		if p.From != uint64(from)+1 {
			n.env.Logf("dropping %v: not from %v", msg, from)
			return
		}
		if p.Type == pb.MsgProp {
			p.Entries = slices.Clone(p.Entries) // the leader stamps them in place; a duplicate shares them
		}
		if err := n.rn.Step(p); err != nil {
			n.env.Logf("step %v: %v", msg, err)
		}
	case Request:
		n.request(from, m)
	default:
		n.env.Logf("ignoring %v from %v", msg, from)
	}
	n.ready()
}

func (n *node) Timer(tag sim.TimerTag) {
	switch tag {
	case tickTimer:
		n.rn.Tick()
		n.env.SetTimer(tickTimer, n.period)
	case readTimer:
		n.retryReads()
	}
	n.ready()
}

// ready drains the RawNode: persist and sync, send, apply, Advance.
func (n *node) ready() {
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		d := n.env.Disk()
		if len(rd.Entries) > 0 {
			for i := range rd.Entries {
				d.Write(entryKey(rd.Entries[i].Index), marshal(&rd.Entries[i]))
			}
			last := rd.Entries[len(rd.Entries)-1].Index
			for i := last + 1; i <= n.onDisk; i++ { // a conflicting suffix raft replaced
				d.Delete(entryKey(i))
			}
			n.onDisk = last
			n.logDigests = n.logDigests[:rd.Entries[0].Index-firstIndex]
			for i := range rd.Entries {
				n.logDigests = append(n.logDigests, entryDigest(&rd.Entries[i]))
			}
			must(n.ms.Append(rd.Entries))
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			d.Write("hs", marshal(&rd.HardState))
			must(n.ms.SetHardState(rd.HardState))
			if rd.HardState.Term != n.term {
				n.drawPeriod()
			}
			n.term, n.commit = rd.HardState.Term, rd.HardState.Commit
		}
		if d.Unsynced() > 0 {
			d.Sync() // durable before any message that depends on it
		}
		if rd.SoftState != nil {
			if rd.RaftState == raft.StateLeader && !n.leader {
				n.probes[probeLeaderElected]++
			}
			n.lead, n.leader = rd.Lead, rd.RaftState == raft.StateLeader
		}
		n.watchReads(&rd)
		for _, m := range rd.Messages {
			n.env.Send(sim.NodeID(m.To-1), Msg{m})
		}
		for i := range rd.CommittedEntries {
			n.apply(&rd.CommittedEntries[i])
		}
		for _, rs := range rd.ReadStates {
			n.confirmRead(rs.RequestCtx, rs.Index)
		}
		n.rn.Advance(rd)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
