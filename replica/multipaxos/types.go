package multipaxos

import (
	"strconv"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
)

// Ballot orders leadership attempts: by Round, then by Node, so two
// replicas never pick the same ballot (the replica id breaks ties), and any
// replica can always pick a ballot above every one it has seen. The zero
// Ballot (Round 0) is below every real ballot and means "none". It is the
// harness's ballot type, so views hand it over as it is.
type Ballot = protocol.Ballot

func ballotDigest(b Ballot) uint64 { return sim.Mix(b.Round, uint64(uint32(b.Node))) }

// Op is the kind of a state-machine command.
type Op uint8

// Operations of the KV state machine. OpNoop fills holes in the log; clients
// cannot submit it.
const (
	OpNoop Op = iota
	OpGet
	OpPut
	OpAppend
	OpCAS // compare-and-swap: if Key holds Expect, set it to Value
	numOps
)

var opNames = [...]string{"noop", "get", "put", "append", "cas"}

// String names the operation.
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Command is one entry of the replicated log: a KV operation tagged with the
// client that issued it and that client's sequence number, which together
// identify the request for deduplication.
type Command struct {
	Op     Op
	Key    string
	Value  string // Put, Append and CAS only
	Expect string // CAS only
	Client sim.NodeID
	Seq    uint64
}

// Get, Put and Append build client commands without Client and Seq (the
// codec builds the harness's requests itself; tests fill them in).
func Get(key string) Command           { return Command{Op: OpGet, Key: key} }
func Put(key, value string) Command    { return Command{Op: OpPut, Key: key, Value: value} }
func Append(key, value string) Command { return Command{Op: OpAppend, Key: key, Value: value} }
func noop() Command                    { return Command{Op: OpNoop} }
func (c Command) isNoop() bool         { return c.Op == OpNoop }
func (c Command) valid() bool          { return c.Op < numOps }
func (c Command) sameRequest(d Command) bool {
	return c.Client == d.Client && c.Seq == d.Seq
}

// String prints the command with quoted payloads and its request id:
// put("x","1")@n5#3, get("x")@n5#4, noop.
func (c Command) String() string { return string(c.appendText(nil)) }

func (c Command) appendText(b []byte) []byte {
	b = append(b, c.Op.String()...)
	switch c.Op {
	case OpNoop:
		return b
	case OpGet:
		b = append(b, '(')
		b = strconv.AppendQuote(b, c.Key)
		b = append(b, ')')
	case OpCAS:
		b = append(b, '(')
		b = strconv.AppendQuote(b, c.Key)
		b = append(b, ',')
		b = strconv.AppendQuote(b, c.Expect)
		b = append(b, ',')
		b = strconv.AppendQuote(b, c.Value)
		b = append(b, ')')
	default:
		b = append(b, '(')
		b = strconv.AppendQuote(b, c.Key)
		b = append(b, ',')
		b = strconv.AppendQuote(b, c.Value)
		b = append(b, ')')
	}
	b = append(b, '@')
	b = append(b, c.Client.String()...)
	b = append(b, '#')
	return strconv.AppendUint(b, c.Seq, 10)
}

func (c Command) digest() uint64 {
	d := sim.Mix(uint64(c.Op), sim.HashString(c.Key), sim.HashString(c.Value), uint64(uint32(c.Client)), c.Seq)
	if c.Op == OpCAS {
		d = sim.Mix(d, sim.HashString(c.Expect))
	}
	return d
}

// Result is what a command returns to its client. Get returns the key's
// value ("" for a key never written); CAS the value it found and whether it
// swapped; Put and Append return the zero Result.
type Result struct {
	Value string
	OK    bool
}

// Entry is one slot of an acceptor's log as reported in a Promise: the
// ballot and command of its latest vote, or, when Committed, the command the
// acceptor knows was decided there (B is then its vote's ballot, possibly
// zero, and carries no meaning).
type Entry struct {
	Slot      int
	B         Ballot
	Cmd       Command
	Committed bool
}

func (e Entry) appendText(b []byte) []byte {
	b = strconv.AppendInt(b, int64(e.Slot), 10)
	b = append(b, ':')
	if e.Committed {
		b = append(b, "committed "...)
	} else {
		b = append(b, e.B.String()...)
		b = append(b, ' ')
	}
	return e.Cmd.appendText(b)
}

func (e Entry) digest() uint64 {
	c := uint64(0)
	if e.Committed {
		c = 1
	}
	return sim.Mix(uint64(e.Slot), ballotDigest(e.B), e.Cmd.digest(), c)
}

// Decided is one decided slot sent to a lagging replica.
type Decided struct {
	Slot int
	Cmd  Command
}
