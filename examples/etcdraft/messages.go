package etcdraft

import (
	"github.com/paxossim/paxossim/sim"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// What the harness sees of raft's messages and log entries: a message
// wrapper with the digest the trace hashes, and the digest the log checks
// compare entries by.

// Msg carries one raft message between servers.
type Msg struct{ M *pb.Message }

func (m Msg) String() string { return raft.DescribeMessage(m.M, nil) }
func (m Msg) Digest() uint64 {
	p := m.M
	h := sim.Mix(uint64(p.GetType()), p.GetFrom(), p.GetTo(), p.GetTerm(), p.GetLogTerm(), p.GetIndex(),
		p.GetCommit(), p.GetVote(), p.GetRejectHint(), b2u(p.GetReject()), sim.HashBytes(p.GetContext()))
	for _, e := range p.GetEntries() {
		h = sim.Mix(h, entryDigest(e))
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
	return sim.Mix(e.GetTerm(), uint64(e.GetType()), sim.HashBytes(e.GetData()))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
