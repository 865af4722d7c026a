package multipaxos

import (
	"fmt"
	"math/bits"

	"github.com/paxossim/paxossim/sim"
)

// role is what a replica is doing in the current ballot.
type role uint8

const (
	follower  role = iota // accepts the leader's proposals, waits for heartbeats
	candidate             // ran Phase 1 with r.ballot and awaits a majority of promises
	leader                // won Phase 1 with r.ballot and proposes in Phase 2
)

var roleNames = [...]string{"follower", "candidate", "leader"}

func (ro role) String() string { return roleNames[ro] }

// Timers, by tag. Each is armed only in the roles that use it.
const (
	electionTimer  sim.TimerTag = iota // follower/candidate: no leader heard for a timeout
	heartbeatTimer                     // leader: send heartbeats
	retryTimer                         // leader/candidate: retransmit Accepts/Prepares
	catchupTimer                       // follower: a LearnRequest is outstanding
	flushTimer                         // reply-before-sync mutant: the deferred sync
	leaseTimer                         // new leader with leases: the wait for earlier leases is over
)

var timerNames = [...]string{"election", "heartbeat", "retry", "catchup", "flush", "lease"}

// entry is one slot of the in-memory log. A slot plays up to three parts:
// acceptor (vote, voteCmd: mirrored on disk), learner (committed, cmd) and,
// on the leader, proposer (cmd, proposed, acks, sentTick).
type entry struct {
	cmd       Command // decided command once committed; the leader's proposal while it leads
	vote      Ballot  // ballot of this replica's latest durable vote here; zero if none
	voteCmd   Command // the command of that vote
	committed bool
	proposed  bool   // leader: an Accept for cmd went out at r.ballot
	acks      uint64 // leader: replicas (by index) whose durable vote at r.ballot is counted
	sentTick  uint32 // leader: retry tick at which the Accept was last sent
	resent    uint8  // abandon-unacked-accepts mutant: retransmissions of cmd at r.ballot
}

// outMsg is a send held until the end of the event (see endEvent).
type outMsg struct {
	to  sim.NodeID
	msg sim.Message
}

// Replica is one MultiPaxos KV replica: a pure event handler on sim.Node.
// Everything in it is volatile except what durable.go writes to the disk.
type Replica struct {
	// inMsg is the message being handled, already boxed, for the trace
	// lines of the validators (boxing the concrete message again there
	// would allocate on every message).
	inMsg    sim.Message
	cfg      Config
	index    []int8 // node id -> replica index, -1 for non-replicas
	mut      mutant
	id       sim.NodeID
	self     int // this replica's index
	majority int
	env      sim.Env

	promised Ballot // highest ballot promised; durable (written before any reply depends on it)
	log      []entry
	commit   int // every slot below commit is committed here
	executed int // every slot below executed has been applied to sm
	sm       kvState

	role       role
	ballot     Ballot // candidate/leader: this replica's own ballot
	maxRound   uint64 // highest round seen, so a new ballot beats every known one
	leaderHint sim.NodeID
	heard      bool   // follower: a leader or candidate was heard since the election timer was armed
	tick       uint32 // retry ticks, to retransmit only what waited a whole interval

	// Candidate state.
	prepFrom   int
	promisedBy uint64    // replicas (by index) whose promise for r.ballot is counted
	promises   []Promise // by replica index

	// Leader state.
	sentUpTo    int                   // slots below it have been proposed (or were committed)
	waiting     map[sim.NodeID]uint64 // client -> seq of the request it awaits from this leader
	proposedSeq map[sim.NodeID]uint64 // client -> highest seq in this leader's log

	asking bool // follower: a LearnRequest is outstanding (catchupTimer armed)

	// Effects that wait for the end of the event; see endEvent.
	afterSync   []outMsg
	selfVotes   []int
	spareVotes  []int
	selfPromise bool
	flushArmed  bool
	scratch     []byte

	cov   Coverage
	rej   Rejects
	lease leaseState
}

func newReplica(cfg Config, index []int8, mut mutant, id sim.NodeID) *Replica {
	n := len(cfg.Replicas)
	return &Replica{
		cfg:         cfg,
		index:       index,
		mut:         mut,
		id:          id,
		self:        int(index[id]),
		majority:    n/2 + 1,
		leaderHint:  -1,
		promises:    make([]Promise, n),
		waiting:     map[sim.NodeID]uint64{},
		proposedSeq: map[sim.NodeID]uint64{},
		sm:          newKVState(),
	}
}

// Start boots the replica from its disk alone: the promised ballot and the
// votes. The commit point, the log's decided commands and the state machine
// are volatile and are learned again from the leader.
func (r *Replica) Start(env sim.Env) {
	r.env = env
	r.load()
	r.leaseStart()
	r.armElection()
	r.endEvent()
}

// Receive is the single dispatch point for messages. Protocol messages are
// accepted only from replicas; client requests from anyone.
func (r *Replica) Receive(from sim.NodeID, msg sim.Message) {
	r.inMsg = msg
	switch msg.(type) {
	case Request:
		r.dispatch(from, msg)
	case Prepare, Promise, Accept, AcceptReply, Nack, Heartbeat, LearnRequest, Learn, LeaseRequest, LeaseGrant:
		if r.fromPeer(from, msg) {
			r.dispatch(from, msg)
		}
	default:
		r.reject(&r.rej.UnknownType, from, msg, "unknown message type")
	}
	r.inMsg = nil
	r.endEvent()
}

// dispatch calls the handler of one message, from an admitted sender.
func (r *Replica) dispatch(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Request:
		r.onRequest(from, m)
	case Prepare:
		r.onPrepare(from, m)
	case Promise:
		r.onPromise(from, m)
	case Accept:
		r.onAccept(from, m)
	case AcceptReply:
		r.onAcceptReply(from, m)
	case Nack:
		r.onNack(from, m)
	case Heartbeat:
		r.onHeartbeat(from, m)
	case LearnRequest:
		r.onLearnRequest(from, m)
	case Learn:
		r.onLearn(from, m)
	case LeaseRequest:
		r.onLeaseRequest(from, m)
	case LeaseGrant:
		r.onLeaseGrant(from, m)
	}
}

// Timer is the single dispatch point for timers.
func (r *Replica) Timer(tag sim.TimerTag) {
	switch tag {
	case electionTimer:
		r.onElectionTimeout()
	case heartbeatTimer:
		r.onHeartbeatTimer()
	case retryTimer:
		r.onRetryTimer()
	case catchupTimer:
		r.asking = false // the request or its answer was lost; the next commit notice asks again
	case flushTimer:
		r.flushArmed = false
		r.env.Disk().Sync()
	case leaseTimer:
		r.onLeaseTimer()
	default:
		panic(fmt.Sprintf("multipaxos: %v: timer %d was never set", r.id, tag))
	}
	r.endEvent()
}

// TimerName names the timers in the trace (sim.TimerNamer).
func (r *Replica) TimerName(tag sim.TimerTag) string {
	if int(tag) < len(timerNames) {
		return timerNames[tag]
	}
	return fmt.Sprintf("timer(%d)", tag)
}

// endEvent runs at the end of every event. It is where "durable before
// dependent" is enforced, in one place: it syncs the event's writes (the
// promised ballot, votes) and only then releases the Promises and
// AcceptReplies that report them and credits this replica's own promise and
// votes. Crediting may commit slots and open the window for more proposals,
// whose votes need another sync, hence the loop (normally one pass).
func (r *Replica) endEvent() {
	for {
		if r.mut == mutantReplyBeforeSync {
			// Mutant: the sync is deferred to a later event, so a crash in
			// between loses writes that the sends below already reported.
			if !r.flushArmed && r.env.Disk().Unsynced() > 0 {
				r.flushArmed = true
				r.env.SetTimer(flushTimer, r.cfg.HeartbeatInterval)
			}
		} else if r.env.Disk().Unsynced() > 0 {
			r.env.Disk().Sync() // one sync per pass, covering every write of the event
		}
		// Durable before dependent: each message here reports a promise or
		// vote written in this event. It leaves only after the Sync above,
		// because once a candidate or leader counts it, forgetting it in a
		// crash could let two ballots each gather a "majority" and decide
		// different commands for one slot.
		for i, o := range r.afterSync {
			r.env.Send(o.to, o.msg)
			r.afterSync[i] = outMsg{}
		}
		r.afterSync = r.afterSync[:0]
		if !r.selfPromise && len(r.selfVotes) == 0 {
			break
		}
		r.creditSelf()
	}
	r.checkInvariants()
}

// creditSelf counts this replica's own promise and votes, now durable.
func (r *Replica) creditSelf() {
	if r.selfPromise {
		r.selfPromise = false
		if r.role == candidate {
			r.promisedBy |= 1 << r.self
			r.maybeWinElection()
		}
	}
	votes := r.selfVotes
	r.selfVotes = r.spareVotes[:0]
	for _, s := range votes {
		if r.role != leader || s >= len(r.log) || !r.log[s].proposed || r.log[s].committed {
			continue // stepped down, or decided meanwhile
		}
		r.log[s].acks |= 1 << r.self
		r.tryCommit(s)
	}
	r.spareVotes = votes[:0]
	r.apply() // a no-op unless the execute-before-commit mutant runs ahead of commits
}

// fromPeer admits protocol messages from replicas only.
func (r *Replica) fromPeer(from sim.NodeID, msg sim.Message) bool {
	if r.isReplica(from) && from != r.id {
		return true
	}
	r.reject(&r.rej.NotPeer, from, msg, "protocol message from a non-replica")
	return false
}

func (r *Replica) isReplica(id sim.NodeID) bool {
	return id >= 0 && int(id) < len(r.index) && r.index[id] >= 0
}

// validBallot checks a ballot from the wire: a real round within MaxRound,
// owned by a replica (and, when owner is set, by the sender).
func (r *Replica) validBallot(from sim.NodeID, b Ballot, owner bool) bool {
	if b.Round == 0 || b.Round > MaxRound || !r.isReplica(b.Node) || (owner && b.Node != from) {
		r.reject(&r.rej.BadBallot, from, r.inMsg, "ballot "+b.String()+" is not a replica's")
		return false
	}
	return true
}

// validSlot checks a slot from the wire against MaxSlotsAhead.
func (r *Replica) validSlot(from sim.NodeID, slot int) bool {
	if slot < 0 {
		r.reject(&r.rej.Malformed, from, r.inMsg, "negative slot")
		return false
	}
	if slot >= r.commit+MaxSlotsAhead {
		r.reject(&r.rej.FarSlot, from, r.inMsg, "slot beyond MaxSlotsAhead")
		return false
	}
	return true
}

// validCommit checks a commit point from the wire. A commit point far
// ahead is fine: it only makes us ask for catch-up.
func (r *Replica) validCommit(from sim.NodeID, commit int) bool {
	if commit < 0 {
		r.reject(&r.rej.Malformed, from, r.inMsg, "negative commit point")
		return false
	}
	return true
}

// reject counts and traces bad input; it never panics.
func (r *Replica) reject(counter *uint64, from sim.NodeID, msg sim.Message, why string) {
	*counter++
	r.env.Logf("reject %v from %v: %s", msg, from, why)
}

// entryAt returns slot s, growing the log to hold it. Callers bound s.
func (r *Replica) entryAt(s int) *entry {
	for len(r.log) <= s {
		r.log = append(r.log, entry{})
	}
	return &r.log[s]
}

// sendPeers sends one message value to every other replica, boxing it once.
func (r *Replica) sendPeers(msg sim.Message) {
	for _, p := range r.cfg.Replicas {
		if p != r.id {
			r.env.Send(p, msg)
		}
	}
}

func popcount(x uint64) int { return bits.OnesCount64(x) }

// bug reports an impossible state with a *sim.AssertionError: the kernel
// catches the panic and reports it as the run's failure with the seed, node
// and event.
func bug(format string, args ...any) {
	sim.Failf("multipaxos: invariant violated: "+format, args...)
}

// checkInvariants asserts cheap (O(1)) structural invariants after every
// event. It is called explicitly rather than deferred so that a panic in a
// handler is reported as itself, not masked by a second one.
func (r *Replica) checkInvariants() {
	if r.commit > len(r.log) || r.executed > len(r.log) || r.commit < 0 {
		bug("%v: commit=%d executed=%d beyond log length %d", r.id, r.commit, r.executed, len(r.log))
	}
	if r.commit > 0 && !r.log[r.commit-1].committed {
		bug("%v: slot %d below commit point %d is not committed", r.id, r.commit-1, r.commit)
	}
	if r.commit < len(r.log) && r.log[r.commit].committed {
		bug("%v: commit point %d not advanced past a committed slot", r.id, r.commit)
	}
	if r.role != follower && r.promised != r.ballot {
		bug("%v: %v with ballot %v but promised %v", r.id, r.role, r.ballot, r.promised)
	}
	if r.role == leader && (r.sentUpTo > len(r.log) || r.sentUpTo > r.commit+r.cfg.Window || r.sentUpTo < r.commit) {
		bug("%v: leader sentUpTo=%d outside [commit=%d, commit+window] or log %d", r.id, r.sentUpTo, r.commit, len(r.log))
	}
}
