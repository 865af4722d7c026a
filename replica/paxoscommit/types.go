package paxoscommit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Value is what a Paxos instance decides: the RM's vote as the instance's
// acceptors chose it. The zero Value is none.
type Value uint8

// The instance values.
const (
	Prepared Value = iota + 1
	Aborted
)

func (v Value) String() string {
	switch v {
	case Prepared:
		return "prepared"
	case Aborted:
		return "aborted"
	case 0:
		return "none"
	}
	return "value(" + strconv.Itoa(int(v)) + ")"
}

// Outcome is a transaction's outcome. The zero Outcome is none (not known
// yet).
type Outcome uint8

// The outcomes.
const (
	Commit Outcome = iota + 1
	Abort
)

func (o Outcome) String() string {
	switch o {
	case Commit:
		return "commit"
	case Abort:
		return "abort"
	case 0:
		return "none"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Ballot numbers the proposals of one Paxos instance. Ballot 0 (the zero
// value) belongs to the instance's RM, which proposes its own vote there
// and nowhere else; every higher ballot belongs to one leader (Node), which
// proposes at most one value at it.
type Ballot struct {
	Round uint64
	Node  sim.NodeID
}

// Less reports whether b is ordered before c.
func (b Ballot) Less(c Ballot) bool {
	if b.Round != c.Round {
		return b.Round < c.Round
	}
	return b.Node < c.Node
}

// IsZero reports whether b is ballot 0, the RM's own.
func (b Ballot) IsZero() bool { return b.Round == 0 }

func (b Ballot) String() string {
	if b.IsZero() {
		return "0"
	}
	return strconv.FormatUint(b.Round, 10) + "." + b.Node.String()
}

func (b Ballot) digest() uint64 { return sim.Mix(b.Round, uint64(uint32(b.Node))) }

// Txn is a transaction as the servers pass it around: its id (unique in a
// run), its RMs in increasing order, and each RM's own choice, which the
// RM acts on when asked to prepare (it stands for the RM's local decision
// whether it can commit). Everyone who knows a transaction knows all of
// it, so any leader can finish it. Txn values are shared by messages and
// never modified.
type Txn struct {
	ID      string
	RMs     []int
	Prepare []bool
}

// index returns the position of rm in the transaction, or -1.
func (t *Txn) index(rm int) int {
	for i, r := range t.RMs {
		if r == rm {
			return i
		}
	}
	return -1
}

func (t *Txn) digest() uint64 {
	h := sim.HashString(t.ID)
	for i, r := range t.RMs {
		h = sim.Mix(h, uint64(r), b2u(t.Prepare[i]))
	}
	return h
}

func (t Txn) String() string {
	var b strings.Builder
	b.WriteString(t.ID)
	b.WriteByte('[')
	for i, r := range t.RMs {
		if i > 0 {
			b.WriteByte(' ')
		}
		vote := "p"
		if !t.Prepare[i] {
			vote = "a"
		}
		fmt.Fprintf(&b, "rm%d:%s", r, vote)
	}
	b.WriteByte(']')
	return b.String()
}

// Limits on input: a message outside them is bad input, traced and
// ignored.
const (
	// MaxServers bounds the cluster size: acknowledgement sets are 64-bit
	// masks.
	MaxServers = 64
	// MaxRMs bounds the RMs of a transaction (and RM numbers).
	MaxRMs = 64
	// MaxTxnID bounds a transaction id, in bytes.
	MaxTxnID = 64
	// MaxRound bounds ballot rounds, so that a corrupt ballot cannot
	// exhaust the ballot space.
	MaxRound = 1 << 48
)

// valid reports whether a transaction is well formed.
func (t *Txn) valid() bool {
	if t.ID == "" || len(t.ID) > MaxTxnID || strings.ContainsRune(t.ID, '/') ||
		len(t.RMs) == 0 || len(t.RMs) > MaxRMs || len(t.Prepare) != len(t.RMs) {
		return false
	}
	for i, r := range t.RMs {
		if r < 0 || r >= MaxRMs || (i > 0 && r <= t.RMs[i-1]) {
			return false
		}
	}
	return true
}

func validValue(v Value) bool     { return v == Prepared || v == Aborted }
func validOutcome(o Outcome) bool { return o == Commit || o == Abort }
func validTxnID(id string) bool {
	return id != "" && len(id) <= MaxTxnID && !strings.ContainsRune(id, '/')
}

// The client's messages. A retry resends the same (Client, Seq); servers
// key a transaction by its id, so a retry joins the transaction already
// under way.
type (
	Request struct {
		Client sim.NodeID
		Seq    uint64
		Txn    Txn
	}
	// Reply tells the client the outcome, once every RM of the
	// transaction knows it.
	Reply struct {
		Seq     uint64
		Outcome Outcome
	}
	// Redirect says this server does not lead; Hint is the leader it
	// knows of, or -1.
	Redirect struct {
		Seq  uint64
		Hint sim.NodeID
	}
)

// The servers' messages.
type (
	// Heartbeat is a leader's periodic claim of its ballot.
	Heartbeat struct{ Ballot Ballot }
	// Prepare asks the hosts of a transaction's RMs to vote (the
	// paper's BeginCommit, and every coordinator's retry of it); Coord is
	// where the acceptors' answers go.
	Prepare struct {
		Txn   Txn
		Coord sim.NodeID
	}
	// Phase2a asks every acceptor to accept Value in instance (Txn, RM)
	// at Ballot: at ballot 0 from the RM's host (its vote), at a higher
	// ballot from the leader that owns it. Coord receives the answer.
	Phase2a struct {
		Txn    string
		RM     int
		Ballot Ballot
		Value  Value
		Coord  sim.NodeID
	}
	// Phase2b says the sending acceptor accepted Value at Ballot.
	Phase2b struct {
		Txn    string
		RM     int
		Ballot Ballot
		Value  Value
	}
	// Phase1a asks every acceptor to promise Ballot in instance (Txn, RM)
	// and report what it accepted.
	Phase1a struct {
		Txn    string
		RM     int
		Ballot Ballot
	}
	// Phase1b is the promise: the acceptor's last accepted ballot and
	// value, if Accepted.
	Phase1b struct {
		Txn      string
		RM       int
		Ballot   Ballot
		Accepted bool
		AccBal   Ballot
		Value    Value
	}
	// Nack refuses Ballot: the acceptor promised Promised, higher.
	Nack struct {
		Txn      string
		RM       int
		Ballot   Ballot
		Promised Ballot
	}
	// Known tells a coordinator the outcome that an RM's host knows.
	Known struct {
		Txn     string
		Outcome Outcome
	}
	// Decide tells an RM's host the outcome.
	Decide struct {
		Txn     Txn
		Outcome Outcome
	}
	// DecideAck says the outcome is durable at the sending host.
	DecideAck struct{ Txn string }
	// Help asks a leader to finish a transaction an RM prepared for and
	// has not learned the outcome of.
	Help struct{ Txn Txn }
)

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (m Request) Digest() uint64 { return sim.Mix(1, uint64(uint32(m.Client)), m.Seq, m.Txn.digest()) }
func (m Request) String() string { return fmt.Sprintf("Request{%v#%d %v}", m.Client, m.Seq, m.Txn) }

func (m Reply) Digest() uint64 { return sim.Mix(2, m.Seq, uint64(m.Outcome)) }
func (m Reply) String() string { return fmt.Sprintf("Reply{#%d %v}", m.Seq, m.Outcome) }

func (m Redirect) Digest() uint64 { return sim.Mix(3, m.Seq, uint64(uint32(m.Hint))) }
func (m Redirect) String() string { return fmt.Sprintf("Redirect{#%d leader=%v}", m.Seq, m.Hint) }

func (m Heartbeat) Digest() uint64 { return sim.Mix(4, m.Ballot.digest()) }
func (m Heartbeat) String() string { return "Heartbeat{" + m.Ballot.String() + "}" }

func (m Prepare) Digest() uint64 { return sim.Mix(5, m.Txn.digest(), uint64(uint32(m.Coord))) }
func (m Prepare) String() string { return fmt.Sprintf("Prepare{%v coord=%v}", m.Txn, m.Coord) }

func (m Phase2a) Digest() uint64 {
	return sim.Mix(6, sim.HashString(m.Txn), uint64(m.RM), m.Ballot.digest(), uint64(m.Value), uint64(uint32(m.Coord)))
}
func (m Phase2a) String() string {
	return fmt.Sprintf("2a{%s/rm%d b=%v %v coord=%v}", m.Txn, m.RM, m.Ballot, m.Value, m.Coord)
}

func (m Phase2b) Digest() uint64 {
	return sim.Mix(7, sim.HashString(m.Txn), uint64(m.RM), m.Ballot.digest(), uint64(m.Value))
}
func (m Phase2b) String() string {
	return fmt.Sprintf("2b{%s/rm%d b=%v %v}", m.Txn, m.RM, m.Ballot, m.Value)
}

func (m Phase1a) Digest() uint64 {
	return sim.Mix(8, sim.HashString(m.Txn), uint64(m.RM), m.Ballot.digest())
}
func (m Phase1a) String() string { return fmt.Sprintf("1a{%s/rm%d b=%v}", m.Txn, m.RM, m.Ballot) }

func (m Phase1b) Digest() uint64 {
	return sim.Mix(9, sim.HashString(m.Txn), uint64(m.RM), m.Ballot.digest(), b2u(m.Accepted), m.AccBal.digest(), uint64(m.Value))
}
func (m Phase1b) String() string {
	if !m.Accepted {
		return fmt.Sprintf("1b{%s/rm%d b=%v nothing}", m.Txn, m.RM, m.Ballot)
	}
	return fmt.Sprintf("1b{%s/rm%d b=%v accepted %v at %v}", m.Txn, m.RM, m.Ballot, m.Value, m.AccBal)
}

func (m Nack) Digest() uint64 {
	return sim.Mix(10, sim.HashString(m.Txn), uint64(m.RM), m.Ballot.digest(), m.Promised.digest())
}
func (m Nack) String() string {
	return fmt.Sprintf("Nack{%s/rm%d b=%v promised %v}", m.Txn, m.RM, m.Ballot, m.Promised)
}

func (m Known) Digest() uint64 { return sim.Mix(11, sim.HashString(m.Txn), uint64(m.Outcome)) }
func (m Known) String() string { return fmt.Sprintf("Known{%s %v}", m.Txn, m.Outcome) }

func (m Decide) Digest() uint64 { return sim.Mix(12, m.Txn.digest(), uint64(m.Outcome)) }
func (m Decide) String() string { return fmt.Sprintf("Decide{%s %v}", m.Txn.ID, m.Outcome) }

func (m DecideAck) Digest() uint64 { return sim.Mix(13, sim.HashString(m.Txn)) }
func (m DecideAck) String() string { return "DecideAck{" + m.Txn + "}" }

func (m Help) Digest() uint64 { return sim.Mix(14, m.Txn.digest()) }
func (m Help) String() string { return "Help{" + m.Txn.String() + "}" }
