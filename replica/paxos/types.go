package paxos

import (
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// Value is a value proposed for the decision: a client's Put. The empty
// Value is the paper's undef: no value accepted, read or decided.
type Value string

// undef is the paper's undef.
const undef Value = ""

// String prints the value quoted, or undef.
func (v Value) String() string {
	if v == undef {
		return "undef"
	}
	return strconv.Quote(string(v))
}

func (v Value) digest() uint64 { return sim.HashString(string(v)) }

// Round is the paper's round k. Rounds are ordered by Number, then by
// Node, the server that owns the round: only that server reads and writes
// at it, once each, so two proposals never share a round, and any server
// can always pick a round above every one it has seen. The zero Round is
// below every real round: an acceptor that switched to no round, a value
// accepted at none.
type Round struct {
	Number uint64
	Node   sim.NodeID
}

// Less reports whether r is ordered before o.
func (r Round) Less(o Round) bool {
	if r.Number != o.Number {
		return r.Number < o.Number
	}
	return r.Node < o.Node
}

// AtMost reports r <= o.
func (r Round) AtMost(o Round) bool { return !o.Less(r) }

// IsZero reports whether r is the zero Round.
func (r Round) IsZero() bool { return r.Number == 0 }

// String prints "3.n1", or "0" for the zero Round.
func (r Round) String() string {
	if r.IsZero() {
		return "0"
	}
	return strconv.FormatUint(r.Number, 10) + "." + r.Node.String()
}

func (r Round) digest() uint64 { return sim.Mix(r.Number, uint64(uint32(r.Node))) }

// Limits on input: a message outside them is bad input, traced and
// ignored.
const (
	// MaxServers bounds the cluster size: acknowledgement sets are 64-bit
	// masks.
	MaxServers = 64
	// MaxRoundNumber bounds round numbers, so that a corrupt round cannot
	// exhaust the round space.
	MaxRoundNumber = 1 << 48
	// MaxValue bounds a value, in bytes.
	MaxValue = 1 << 16
)

// The register's messages: read(k) and write(k, v) go to every acceptor
// (the proposer's own included), which answers each.
type (
	// Read asks an acceptor to switch to Round and report what it
	// accepted (Phase 1).
	Read struct{ Round Round }
	// ReadReply answers Read. OK: the acceptor switched to Round, and
	// Accepted and Value are the round and value it last accepted (zero
	// and undef if none). Not OK: it had switched to Current, a higher
	// round, already.
	ReadReply struct {
		Round    Round
		OK       bool
		Accepted Round
		Value    Value
		Current  Round
	}
	// Write asks an acceptor to accept Value at Round (Phase 2).
	Write struct {
		Round Round
		Value Value
	}
	// WriteReply answers Write. Not OK: the acceptor had switched to
	// Current, a higher round, already.
	WriteReply struct {
		Round   Round
		OK      bool
		Current Round
	}
	// Decided tells the other servers the decision, so that they answer
	// clients without a proposal of their own.
	Decided struct{ Value Value }
)

// RequestOp is what a client asks.
type RequestOp uint8

// The client operations.
const (
	RequestGet RequestOp = iota + 1 // the decided value, or none yet
	RequestPut                      // propose Value; answer the decided value
)

func (op RequestOp) String() string {
	switch op {
	case RequestGet:
		return "get"
	case RequestPut:
		return "put"
	}
	return "op(" + strconv.Itoa(int(op)) + ")"
}

// The client messages. A retry resends the same (Client, Seq); a Put is
// idempotent (it proposes its value again, and is answered with the
// decision), so servers need no deduplication.
type (
	Request struct {
		Client sim.NodeID
		Seq    uint64
		Op     RequestOp
		Value  Value // RequestPut only
	}
	// Reply answers a Request with the decided value, or undef for a Get
	// that found nothing decided.
	Reply struct {
		Seq   uint64
		Value Value
	}
)

func (m Read) Digest() uint64 { return sim.Mix(1, m.Round.digest()) }
func (m Read) String() string { return "Read{" + m.Round.String() + "}" }

func (m ReadReply) Digest() uint64 {
	return sim.Mix(2, m.Round.digest(), b2u(m.OK), m.Accepted.digest(), m.Value.digest(), m.Current.digest())
}
func (m ReadReply) String() string {
	if !m.OK {
		return fmt.Sprintf("ReadReply{%v refused: at %v}", m.Round, m.Current)
	}
	return fmt.Sprintf("ReadReply{%v ok accepted=%v value=%v}", m.Round, m.Accepted, m.Value)
}

func (m Write) Digest() uint64 { return sim.Mix(3, m.Round.digest(), m.Value.digest()) }
func (m Write) String() string { return fmt.Sprintf("Write{%v %v}", m.Round, m.Value) }

func (m WriteReply) Digest() uint64 {
	return sim.Mix(4, m.Round.digest(), b2u(m.OK), m.Current.digest())
}
func (m WriteReply) String() string {
	if !m.OK {
		return fmt.Sprintf("WriteReply{%v refused: at %v}", m.Round, m.Current)
	}
	return fmt.Sprintf("WriteReply{%v ok}", m.Round)
}

func (m Decided) Digest() uint64 { return sim.Mix(5, m.Value.digest()) }
func (m Decided) String() string { return "Decided{" + m.Value.String() + "}" }

func (m Request) Digest() uint64 {
	return sim.Mix(6, uint64(uint32(m.Client)), m.Seq, uint64(m.Op), m.Value.digest())
}
func (m Request) String() string {
	if m.Op == RequestPut {
		return fmt.Sprintf("Request{%v#%d put %v}", m.Client, m.Seq, m.Value)
	}
	return fmt.Sprintf("Request{%v#%d %v}", m.Client, m.Seq, m.Op)
}

func (m Reply) Digest() uint64 { return sim.Mix(7, m.Seq, m.Value.digest()) }
func (m Reply) String() string { return fmt.Sprintf("Reply{#%d %v}", m.Seq, m.Value) }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
