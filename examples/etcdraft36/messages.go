package etcdraft36

import (
	"github.com/paxossim/paxossim/sim"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// What the harness sees of raft's messages and log entries: a message
// wrapper with the digest the trace hashes, and the digest the log checks
// compare entries by.

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

func must(err error) {
	if err != nil {
		panic(err)
	}
}
