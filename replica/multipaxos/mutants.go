package multipaxos

import "github.com/paxossim/paxossim/protocol"

// Mutant describes one known-wrong deviation from the protocol. Each exists
// to prove that the harness finds the bug it models; each is a one-line
// change at the spot named in its description.
type Mutant = protocol.Mutant

type mutant uint8

const (
	mutantNone mutant = iota
	mutantQuorumMinusOne
	mutantNoAcceptReply
	mutantReplyBeforeSync
	mutantAcceptLowerBallot
	mutantIgnoreAcceptedValues
	mutantExecuteBeforeCommit
	mutantCountDuplicateAcks
	mutantFollowerReappliesDuplicates
	mutantCountStalePromises
	mutantAbandonUnackedAccepts
	numBaseMutants // the lease mutants are numbered from here (lease_mutants.go)
)

var mutants = [...]Mutant{
	mutantQuorumMinusOne: {Name: "quorum-minus-one",
		Description: "the leader commits a slot on majority-1 AcceptReplies (itself included), so two " +
			"disjoint minorities can decide different commands (tryCommit)"},
	mutantNoAcceptReply: {Name: "no-accept-reply",
		Description: "acceptors never send AcceptReply, so nothing commits with more than one replica: a " +
			"liveness bug (onAccept)"},
	mutantReplyBeforeSync: {Name: "reply-before-sync",
		Description: "Promise and AcceptReply (and the leader's own vote) are sent before the disk sync, which is " +
			"deferred to a flush timer; a crash in between loses a vote that was already counted (endEvent)"},
	mutantAcceptLowerBallot: {Name: "accept-lower-ballot",
		Description: "an acceptor votes for an Accept below its promised ballot, breaking the promise a new " +
			"leader's Phase 1 relied on (onAccept)"},
	mutantIgnoreAcceptedValues: {Name: "ignore-accepted-values",
		Description: "a new leader fills every slot Phase 1 reported with a no-op instead of re-proposing the " +
			"highest-ballot accepted command, overwriting values that may be chosen (adoptPicks)"},
	mutantExecuteBeforeCommit: {Name: "execute-before-commit",
		Description: "the leader executes and replies as soon as its own vote is durable, before a majority " +
			"accepted, so a client can see a write that a later leader discards (execLimit)"},
	mutantCountDuplicateAcks: {Name: "count-duplicate-acks",
		Description: "the leader counts AcceptReplies rather than distinct acceptors, so a retransmitted or " +
			"duplicated reply stands in for a missing vote and a value commits without a majority (onAcceptReply)"},
	mutantFollowerReappliesDuplicates: {Name: "follower-reapplies-duplicates",
		Description: "a replica that does not lead executes a retried command that is in the log twice a second " +
			"time (the dedup table is consulted only by the leader), so replicas that applied the same log " +
			"hold different states (apply)"},
	mutantCountStalePromises: {Name: "count-stale-promises",
		Description: "a candidate counts a Promise for any of its own earlier ballots as one for its current " +
			"ballot, so a Promise held back across an election vouches for an acceptor's log as it was before " +
			"another leader chose values there (onPromise)"},
	mutantAbandonUnackedAccepts: {Name: "abandon-unacked-accepts",
		Description: "the leader retransmits an unanswered Accept at most three times, then leaves the slot to the " +
			"client's retry, which finds its command in the log and waits: a leader that its followers hear but that " +
			"hears none of them for most of a second stays leader and stalls for good: a liveness bug (resendAccepts)"},
}

// Mutants lists the known mutants, in a fixed order.
func Mutants() []Mutant {
	out := make([]Mutant, 0, len(mutants)-1)
	for _, m := range mutants[1:] {
		out = append(out, m)
	}
	return out
}

func mutantByName(name string) mutant {
	for i := 1; i < len(mutants); i++ {
		if mutants[i].Name == name {
			return mutant(i)
		}
	}
	return leaseMutantByName(name)
}
