package multipaxos

import (
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// Message kinds, folded into every Digest so that two message types with
// equal fields never hash alike. Append, never reorder: digests are part of
// pinned trace hashes.
const (
	kindRequest uint64 = iota + 1
	kindReply
	kindRedirect
	kindPrepare
	kindPromise
	kindAccept
	kindAcceptReply
	kindNack
	kindHeartbeat
	kindLearnRequest
	kindLearn
	kindLeaseRequest
	kindLeaseGrant
)

// Request asks a replica to run a client command. Cmd.Client must be the
// sender; Cmd.Seq numbers the client's operations from 1 (the pair is the
// deduplication key).
type Request struct{ Cmd Command }

// Reply answers the client's request Seq after the leader executed it.
type Reply struct {
	Seq uint64
	Res Result
}

// Redirect tells a client that this replica is not the leader. Leader is the
// best guess of who is, or -1 when the replica has none. It is never a
// failure: the request may still be executed.
type Redirect struct {
	Seq    uint64
	Leader sim.NodeID
}

// Prepare is Phase 1a: candidate B asks for promises covering every slot
// from From (its first uncommitted slot) onwards.
type Prepare struct {
	B    Ballot
	From int
}

// Promise is Phase 1b: the acceptor promised B and reports every slot at or
// above From it voted in or knows is committed, plus its commit point.
type Promise struct {
	B       Ballot
	From    int
	Commit  int
	Entries []Entry
	// LeaseLeft (leases only) is how long the acceptor's latest lease grant
	// still runs on its own clock; the new leader waits it out.
	LeaseLeft sim.Duration
}

// Accept is Phase 2a: leader B proposes Cmd for Slot. Commit piggybacks the
// leader's commit point (every slot below it is decided).
type Accept struct {
	B      Ballot
	Slot   int
	Cmd    Command
	Commit int
}

// AcceptReply is Phase 2b: the acceptor durably voted for leader B's
// proposal in Slot.
type AcceptReply struct {
	B    Ballot
	Slot int
}

// Nack rejects a Prepare, Accept or Heartbeat for ballot B because the
// acceptor promised the higher ballot Promised; the receiver steps down.
type Nack struct {
	B        Ballot
	Promised Ballot
}

// Heartbeat keeps followers from starting elections and carries the
// leader's commit point.
type Heartbeat struct {
	B      Ballot
	Commit int
}

// LearnRequest asks a replica (normally the leader) for the decided
// commands from slot From onwards: catch-up for a lagging replica.
type LearnRequest struct{ From int }

// Learn carries decided commands, in slot order, and the sender's commit
// point (so the receiver knows whether to ask again).
type Learn struct {
	Commit  int
	Entries []Decided
}

func (m Request) Digest() uint64 { return sim.Mix(kindRequest, m.Cmd.digest()) }
func (m Reply) Digest() uint64 {
	if m.Res.OK {
		return sim.Mix(kindReply, m.Seq, sim.HashString(m.Res.Value), 1)
	}
	return sim.Mix(kindReply, m.Seq, sim.HashString(m.Res.Value))
}
func (m Redirect) Digest() uint64 {
	return sim.Mix(kindRedirect, m.Seq, uint64(uint32(m.Leader)))
}
func (m Prepare) Digest() uint64 { return sim.Mix(kindPrepare, ballotDigest(m.B), uint64(m.From)) }
func (m Promise) Digest() uint64 {
	h := sim.Mix(kindPromise, ballotDigest(m.B), uint64(m.From), uint64(m.Commit), uint64(len(m.Entries)))
	for i := range m.Entries {
		h = sim.Mix(h, m.Entries[i].digest())
	}
	if m.LeaseLeft != 0 { // only with leases, so that plain MultiPaxos hashes as it always did
		h = sim.Mix(h, uint64(m.LeaseLeft))
	}
	return h
}
func (m Accept) Digest() uint64 {
	return sim.Mix(kindAccept, ballotDigest(m.B), uint64(m.Slot), m.Cmd.digest(), uint64(m.Commit))
}
func (m AcceptReply) Digest() uint64 {
	return sim.Mix(kindAcceptReply, ballotDigest(m.B), uint64(m.Slot))
}
func (m Nack) Digest() uint64 { return sim.Mix(kindNack, ballotDigest(m.B), ballotDigest(m.Promised)) }
func (m Heartbeat) Digest() uint64 {
	return sim.Mix(kindHeartbeat, ballotDigest(m.B), uint64(m.Commit))
}
func (m LearnRequest) Digest() uint64 {
	return sim.Mix(kindLearnRequest, uint64(m.From))
}
func (m Learn) Digest() uint64 {
	h := sim.Mix(kindLearn, uint64(m.Commit), uint64(len(m.Entries)))
	for i := range m.Entries {
		h = sim.Mix(h, uint64(m.Entries[i].Slot), m.Entries[i].Cmd.digest())
	}
	return h
}

func (m Request) String() string {
	return string(append(m.Cmd.appendText([]byte("Request{cmd=")), '}'))
}

func (m Reply) String() string {
	b := strconv.AppendUint([]byte("Reply{seq="), m.Seq, 10)
	b = append(b, " res="...)
	b = strconv.AppendQuote(b, m.Res.Value)
	if m.Res.OK {
		b = append(b, " ok"...)
	}
	return string(append(b, '}'))
}

func (m Redirect) String() string {
	b := strconv.AppendUint([]byte("Redirect{seq="), m.Seq, 10)
	b = append(b, " leader="...)
	if m.Leader < 0 {
		b = append(b, "none"...)
	} else {
		b = append(b, m.Leader.String()...)
	}
	return string(append(b, '}'))
}

func (m Prepare) String() string {
	return "Prepare{b=" + m.B.String() + " from=" + strconv.Itoa(m.From) + "}"
}

func (m Promise) String() string {
	b := []byte("Promise{b=" + m.B.String() + " from=" + strconv.Itoa(m.From) + " commit=" + strconv.Itoa(m.Commit) + " entries=[")
	for i := range m.Entries {
		if i > 0 {
			b = append(b, ' ')
		}
		b = m.Entries[i].appendText(b)
	}
	b = append(b, ']')
	if m.LeaseLeft != 0 {
		b = append(b, " lease_left="+m.LeaseLeft.Exact()...)
	}
	return string(append(b, '}'))
}

func (m Accept) String() string {
	b := []byte("Accept{b=" + m.B.String() + " slot=" + strconv.Itoa(m.Slot) + " cmd=")
	b = m.Cmd.appendText(b)
	b = append(b, " commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return string(append(b, '}'))
}

func (m AcceptReply) String() string {
	return "AcceptReply{b=" + m.B.String() + " slot=" + strconv.Itoa(m.Slot) + "}"
}

func (m Nack) String() string {
	return "Nack{b=" + m.B.String() + " promised=" + m.Promised.String() + "}"
}

func (m Heartbeat) String() string {
	return "Heartbeat{b=" + m.B.String() + " commit=" + strconv.Itoa(m.Commit) + "}"
}

func (m LearnRequest) String() string { return "LearnRequest{from=" + strconv.Itoa(m.From) + "}" }

func (m Learn) String() string {
	b := []byte("Learn{commit=" + strconv.Itoa(m.Commit) + " entries=[")
	for i := range m.Entries {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(m.Entries[i].Slot), 10)
		b = append(b, ':')
		b = m.Entries[i].Cmd.appendText(b)
	}
	return string(append(b, "]}"...))
}
