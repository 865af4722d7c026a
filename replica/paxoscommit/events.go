package paxoscommit

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// Events are what the servers report of Paxos Commit's state changes, as
// they happen, for the checks (models.go): an RM's vote and final state,
// an acceptor's durable promise and acceptance, a coordinator's decision.
// The harness stamps each with true time and checks the history of every
// transaction against a model of the protocol's invariants, so a broken
// invariant is caught where it breaks, even when no client and no RM is
// ever told a wrong outcome.
type Event struct {
	Kind EventKind
	Txn  string
	// RMs are the transaction's RMs (vote, final, decide: the checks of
	// validity need them); shared with the transaction, never modified.
	RMs []int
	// N is the cluster size (a majority of N acceptors chooses a value).
	N int
	// Node is the reporting server.
	Node    sim.NodeID
	RM      int
	Ballot  Ballot
	Value   Value
	Outcome Outcome
}

// EventKind names what happened.
type EventKind uint8

// The events.
const (
	// EventVote: RM voted Value (it prepared, or it aborted), durably.
	EventVote EventKind = iota + 1
	// EventPromise: acceptor Node promised Ballot in instance (Txn, RM),
	// durably.
	EventPromise
	// EventAccept: acceptor Node accepted Value at Ballot in instance
	// (Txn, RM), durably.
	EventAccept
	// EventDecide: coordinator Node decided Outcome from the phase-2b
	// answers it counted.
	EventDecide
	// EventFinal: RM is final with Outcome, durably (reported again by a
	// restarted host).
	EventFinal
)

func (e Event) String() string {
	switch e.Kind {
	case EventVote:
		return fmt.Sprintf("%s: rm%d votes %v", e.Txn, e.RM, e.Value)
	case EventPromise:
		return fmt.Sprintf("%s/rm%d: %v promises %v", e.Txn, e.RM, e.Node, e.Ballot)
	case EventAccept:
		return fmt.Sprintf("%s/rm%d: %v accepts %v at %v", e.Txn, e.RM, e.Node, e.Value, e.Ballot)
	case EventDecide:
		return fmt.Sprintf("%s: %v decides %v", e.Txn, e.Node, e.Outcome)
	case EventFinal:
		return fmt.Sprintf("%s: rm%d is final %v (at %v)", e.Txn, e.RM, e.Outcome, e.Node)
	}
	return fmt.Sprintf("event(%d)", e.Kind)
}

// eventRec is a reported event with its call id.
type eventRec struct {
	call uint64
	ev   Event
}

// report logs an event for the harness; the binding's view drains them.
func (s *Server) report(ev Event) {
	s.calls++
	ev.N, ev.Node = s.n, s.me
	s.events = append(s.events, eventRec{call: s.calls, ev: ev})
}

// DrainEvents appends the events since the last drain to buf and forgets
// them.
func (s *Server) DrainEvents(buf []Event) []Event {
	for _, r := range s.events {
		buf = append(buf, r.ev)
	}
	clear(s.events)
	s.events = s.events[:0]
	return buf
}
