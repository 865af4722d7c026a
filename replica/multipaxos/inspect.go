package multipaxos

import "github.com/paxossim/paxossim/sim"

// The inspection API: a cheap, read-only view of a replica for invariant
// checkers that run after every step (agreement, stability,
// prefix-consistent execution, promise monotonicity) and for tests; the
// harness reads it through the binding's view (protocol.go). Every
// method is O(1) and allocation-free. Get a replica with
// s.Node(id).(*multipaxos.Replica); it is nil while the node is down, and a
// restart builds a new value (counters start again from zero).

// Coverage counts how often the protocol took the paths that matter, so a
// test or a seed sweep can show that its faults exercised them.
type Coverage struct {
	LeaderChanges   uint64 // this replica became leader
	Recovered       uint64 // a new leader re-proposed a value reported in a Promise
	GapsFilled      uint64 // a new leader filled a hole with a no-op
	CatchUpSent     uint64 // served decided commands to a lagging replica
	CatchUpReceived uint64 // caught up by learning decided commands
	DiskRecoveries  uint64 // started with a non-empty disk (a restart that loaded state)
	DupAnswered     uint64 // a retried request answered from the dedup table
	DupSkipped      uint64 // a duplicate command in the log executed as a no-op
}

// Rejects counts bad input that was traced and ignored.
type Rejects struct {
	UnknownType    uint64 // a message of a type replicas do not handle
	NotPeer        uint64 // a protocol message from a node that is not a replica
	BadBallot      uint64 // a ballot of round 0, above MaxRound, or not owned by (the sending) replica
	FarSlot        uint64 // a slot MaxSlotsAhead or more beyond the commit point, or out of order
	Malformed      uint64 // a bad command, a negative slot, a client sending for another client
	CorruptRecords uint64 // disk records at Start that were torn or failed validation
}

// Total is the number of rejected inputs of every kind.
func (j Rejects) Total() uint64 {
	return j.UnknownType + j.NotPeer + j.BadBallot + j.FarSlot + j.Malformed + j.CorruptRecords
}

// ID is the replica's node id.
func (r *Replica) ID() sim.NodeID { return r.id }

// Committed is the length of the committed prefix: slots 0..Committed()-1
// are decided and known here.
func (r *Replica) Committed() int { return r.commit }

// LogLength is one past the highest slot this replica holds anything for.
func (r *Replica) LogLength() int { return len(r.log) }

// DecidedAt returns the command this replica knows was decided in slot, and
// false if it knows of no decision there (slots above Committed() may be
// known decided too).
func (r *Replica) DecidedAt(slot int) (Command, bool) {
	if slot < 0 || slot >= len(r.log) || !r.log[slot].committed {
		return Command{}, false
	}
	return r.log[slot].cmd, true
}

// Executed is the length of the executed prefix: slots 0..Executed()-1 have
// been applied to the state machine, in order.
func (r *Replica) Executed() int { return r.executed }

// ExecutedAt returns the command executed in slot (below Executed()).
func (r *Replica) ExecutedAt(slot int) (Command, bool) {
	if slot < 0 || slot >= r.executed {
		return Command{}, false
	}
	return r.log[slot].cmd, true
}

// Vote returns this replica's durable vote in slot, if any.
func (r *Replica) Vote(slot int) (Ballot, Command, bool) {
	if slot < 0 || slot >= len(r.log) || r.log[slot].vote.IsZero() {
		return Ballot{}, Command{}, false
	}
	return r.log[slot].vote, r.log[slot].voteCmd, true
}

// Promised is the highest ballot this replica promised (durable).
func (r *Replica) Promised() Ballot { return r.promised }

// IsLeader reports whether this replica is the leader of its ballot.
func (r *Replica) IsLeader() bool { return r.role == leader }

// Ballot returns this replica's own ballot while candidate or leader, else
// the zero Ballot.
func (r *Replica) Ballot() Ballot {
	if r.role == follower {
		return Ballot{}
	}
	return r.ballot
}

// LeaderHint is the replica this one believes leads, or -1.
func (r *Replica) LeaderHint() sim.NodeID { return r.leaderHint }

// StateHash digests the executed state: every key's value and every
// client's dedup row. Replicas that executed the same prefix have equal
// hashes.
func (r *Replica) StateHash() uint64 { return r.sm.hash }

// Read returns a key's value in the executed state (for tests and checks).
func (r *Replica) Read(key string) (string, bool) {
	v, ok := r.sm.data[key]
	return v.v, ok
}

// Coverage returns the coverage counters of this incarnation.
func (r *Replica) Coverage() Coverage { return r.cov }

// Rejects returns the bad-input counters of this incarnation.
func (r *Replica) Rejects() Rejects { return r.rej }
