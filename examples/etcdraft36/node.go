package etcdraft36

import (
	"fmt"
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
// synced. This file is the whole adapter; the rest is the service it runs,
// which it calls into: the KV store and its reads (kv.go: request, apply,
// confirmRead, retryReads, watchReads), what the harness's views keep
// (protocol.go: logged, softState) and the message wrapper (messages.go).

const tickTimer sim.TimerTag = 0

// firstIndex is the first log index after the bootstrap snapshot (index 1,
// the cluster's membership), which every server rebuilds at Start.
const firstIndex = 2

// node is one server.
type node struct {
	env    sim.Env
	set    Settings
	voters []uint64 // raft ids: node ids + 1
	rn     *raft.RawNode
	ms     *raft.MemoryStorage
	period sim.Duration // tick period, drawn from the node's stream at every term
	onDisk uint64       // highest log index written
	kvState
}

func (n *node) Start(env sim.Env) {
	n.env, n.ms = env, raft.NewMemoryStorage()
	n.kvState.init()
	meta := pb.SnapshotMetadata{Index: 1, Term: 1, ConfState: pb.ConfState{Voters: slices.Clone(n.voters)}}
	must(n.ms.ApplySnapshot(pb.Snapshot{Metadata: meta}))
	ents, hs := loadDurable(env.Disk())
	must(n.ms.Append(ents))
	if hs != nil {
		must(n.ms.SetHardState(*hs))
		n.term, n.commit = hs.Term, hs.Commit
		n.probes[probeDiskRecovery]++
	}
	n.logged(ents)
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
			n.logged(rd.Entries)
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
		n.softState(rd.SoftState)
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

// The disk holds "hs" (the HardState) and "e/<index>" (one log entry per
// record, the index in 16 hex digits so that Scan returns them in order).
// One Ready writes its entries, then deletes a replaced suffix, then
// writes the HardState, and syncs; a crash may keep any prefix of those
// writes (a disk fault), so loading keeps the longest run of entries that
// is contiguous from firstIndex with terms that never decrease: what lies
// beyond it was never synced as part of a consistent log.

func entryKey(i uint64) string { return fmt.Sprintf("e/%016x", i) }

func marshal(m interface{ Marshal() ([]byte, error) }) []byte {
	b, err := m.Marshal()
	must(err)
	return b
}

// loadDurable reads the log and the HardState (nil if none) from d.
func loadDurable(d sim.DiskReader) ([]pb.Entry, *pb.HardState) {
	var ents []pb.Entry
	for _, k := range d.Scan("e/") {
		e, ok := readEntry(d, k)
		if !ok || e.Index != firstIndex+uint64(len(ents)) || (len(ents) > 0 && e.Term < ents[len(ents)-1].Term) {
			break
		}
		ents = append(ents, *e)
	}
	hs := loadHardState(d)
	if last := firstIndex - 1 + uint64(len(ents)); hs != nil && hs.Commit > last {
		// The HardState is written after the entries of its Ready, so
		// this is a bug in the adapter, never a disk fault.
		panic(fmt.Sprintf("etcdraft: durable commit %d beyond the durable log (last index %d)", hs.Commit, last))
	}
	return ents, hs
}

// loadHardState reads the HardState (nil if none).
func loadHardState(d sim.DiskReader) *pb.HardState {
	if hs := (&pb.HardState{}); readRecord(d, "hs", hs) {
		return hs
	}
	return nil
}

// readEntry reads the entry a key holds, if it is whole and its own.
func readEntry(d sim.DiskReader, key string) (*pb.Entry, bool) {
	e := &pb.Entry{}
	return e, readRecord(d, key, e) && entryKey(e.Index) == key
}

func readRecord(d sim.DiskReader, key string, m interface{ Unmarshal([]byte) error }) bool {
	v, ok, err := d.Read(key)
	return ok && err == nil && m.Unmarshal(v) == nil
}
