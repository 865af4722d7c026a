package etcdraft36

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The disk holds "hs" (the HardState) and "e/<index>" (one log entry per
// record, the index in 16 hex digits so that Scan returns them in order).
// One Ready writes its entries, then deletes a replaced suffix, then
// writes the HardState, and syncs; a crash may keep any prefix of those
// writes (a disk fault), so loading keeps the longest run of entries that
// is contiguous from firstIndex with terms that never decrease: what lies
// beyond it was never synced as part of a consistent log.

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
		want := firstIndex + uint64(len(ents))
		if !ok || e.Index != want || (len(ents) > 0 && e.Term < ents[len(ents)-1].Term) {
			break
		}
		ents = append(ents, *e)
	}
	hs := loadHardState(d)
	if hs == nil {
		return ents, nil
	}
	if last := firstIndex - 1 + uint64(len(ents)); hs.Commit > last {
		// The HardState is written after the entries of its Ready, so
		// this is a bug in the adapter, never a disk fault.
		panic(fmt.Sprintf("etcdraft: durable commit %d beyond the durable log (last index %d)", hs.Commit, last))
	}
	return ents, hs
}

// loadHardState reads the HardState (nil if none).
func loadHardState(d sim.DiskReader) *pb.HardState {
	v, ok, err := d.Read("hs")
	hs := &pb.HardState{}
	if !ok || err != nil || hs.Unmarshal(v) != nil {
		return nil
	}
	return hs
}

func readEntry(d sim.DiskReader, key string) (*pb.Entry, bool) {
	v, ok, err := d.Read(key)
	if !ok || err != nil {
		return nil, false
	}
	e := &pb.Entry{}
	if e.Unmarshal(v) != nil || entryKey(e.Index) != key {
		return nil, false
	}
	return e, true
}
