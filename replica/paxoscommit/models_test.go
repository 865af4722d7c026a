package paxoscommit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// The model of a transaction's events, rule by rule: each case replays a
// history of events (3 acceptors, RMs 0 and 1) and names the first event
// the model must refuse, or none.

var txnRMs = []int{0, 1}

func vote(rm int, v Value) Event {
	return Event{Kind: EventVote, Txn: "t", RMs: txnRMs, N: 3, RM: rm, Value: v}
}
func promise(rm int, node sim.NodeID, b Ballot) Event {
	return Event{Kind: EventPromise, Txn: "t", N: 3, RM: rm, Node: node, Ballot: b}
}
func accept(rm int, node sim.NodeID, b Ballot, v Value) Event {
	return Event{Kind: EventAccept, Txn: "t", N: 3, RM: rm, Node: node, Ballot: b, Value: v}
}
func decide(o Outcome) Event {
	return Event{Kind: EventDecide, Txn: "t", RMs: txnRMs, N: 3, Outcome: o}
}
func final(rm int, o Outcome) Event {
	return Event{Kind: EventFinal, Txn: "t", RMs: txnRMs, N: 3, RM: rm, Outcome: o}
}

func bal(round uint64, node sim.NodeID) Ballot { return Ballot{Round: round, Node: node} }

// chosenAt0 is both RMs prepared and their votes accepted by n0 and n1.
var chosenAt0 = []Event{vote(0, Prepared), vote(1, Prepared),
	accept(0, 0, Ballot{}, Prepared), accept(0, 1, Ballot{}, Prepared),
	accept(1, 0, Ballot{}, Prepared), accept(1, 1, Ballot{}, Prepared)}

func join(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestModel(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		bad    int // index of the first refused event, -1: none
	}{
		{"a committed transaction", join(chosenAt0, []Event{decide(Commit), final(0, Commit), final(1, Commit), final(1, Commit)}), -1},
		{"an RM's abort vote aborts at once", []Event{vote(0, Prepared), vote(1, Aborted), final(1, Abort), decide(Abort), final(0, Abort)}, -1},
		{"a recovered instance aborts", []Event{vote(0, Prepared), promise(1, 0, bal(1, 2)), promise(1, 1, bal(1, 2)),
			accept(1, 0, bal(1, 2), Aborted), accept(1, 1, bal(1, 2), Aborted), decide(Abort), final(0, Abort)}, -1},
		{"a recovery adopts the accepted vote", []Event{vote(0, Prepared), accept(0, 0, Ballot{}, Prepared),
			promise(0, 1, bal(2, 1)), accept(0, 1, bal(2, 1), Prepared), accept(0, 2, bal(2, 1), Prepared)}, -1},

		{"an RM votes twice, differently", []Event{vote(0, Prepared), vote(0, Prepared), vote(0, Aborted)}, 2},
		{"ballot 0 carries another value than the RM's vote", []Event{vote(0, Aborted), accept(0, 0, Ballot{}, Prepared)}, 1},
		{"ballot 0 before the RM voted", []Event{accept(0, 0, Ballot{}, Prepared)}, 0},
		{"a promise goes back", []Event{promise(0, 1, bal(3, 2)), promise(0, 1, bal(2, 2))}, 1},
		{"an acceptance below the promise", []Event{vote(0, Prepared), promise(0, 1, bal(1, 2)), accept(0, 1, Ballot{}, Prepared)}, 2},
		{"an acceptance below an earlier acceptance", []Event{vote(0, Prepared), accept(0, 1, bal(1, 2), Aborted), accept(0, 1, Ballot{}, Prepared)}, 2},
		{"two values at one ballot", []Event{vote(0, Prepared), accept(0, 0, Ballot{}, Prepared),
			accept(0, 1, bal(1, 2), Aborted), accept(0, 2, bal(1, 2), Prepared)}, 3},
		{"prepared proposed above 0 that nobody accepted before", []Event{vote(0, Prepared), accept(0, 1, bal(1, 2), Prepared)}, 1},
		{"another value after one was chosen", join(chosenAt0, []Event{accept(0, 2, bal(5, 2), Aborted)}), 6},
		{"commit with an instance not chosen", []Event{vote(0, Prepared), vote(1, Prepared),
			accept(0, 0, Ballot{}, Prepared), accept(0, 1, Ballot{}, Prepared), accept(1, 0, Ballot{}, Prepared), decide(Commit)}, 5},
		{"abort with no abort vote and nothing chosen aborted", []Event{vote(0, Prepared), vote(1, Prepared), decide(Abort)}, 2},
		{"an RM that prepared aborts on its own", []Event{vote(0, Prepared), vote(1, Prepared), final(0, Abort)}, 2},
		{"an RM commits without having voted", join(chosenAt0, []Event{decide(Commit), final(2, Commit)}), 7},
		{"one RM commits, another aborts", join(chosenAt0, []Event{final(0, Commit), decide(Commit), final(1, Abort)}), 8},
		{"the cluster size changes", []Event{vote(0, Prepared), {Kind: EventVote, Txn: "t", N: 5, RM: 1, Value: Prepared}}, 1},
	}
	m := Model()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := m.Init()
			bad := -1
			for i, e := range tc.events {
				require.NoError(t, m.Valid(e, Ack{}))
				ok, next := m.Step(state, e, Ack{})
				if !ok {
					bad = i
					break
				}
				state = next
			}
			assert.Equal(t, tc.bad, bad, "first refused event")
		})
	}
}

// TestModelStates: states are values (a step never changes the state it
// was given), compared and hashed by content.
func TestModelStates(t *testing.T) {
	m := Model()
	s0 := m.Init()
	_, s1 := m.Step(s0, vote(0, Prepared), Ack{})
	_, s2 := m.Step(s1, accept(0, 1, Ballot{}, Prepared), Ack{})
	_, s2b := m.Step(s1, accept(0, 1, Ballot{}, Prepared), spec.Unknown{})
	assert.True(t, m.Equal(s2, s2b))
	assert.Equal(t, m.Hash(s2), m.Hash(s2b))
	assert.False(t, m.Equal(s1, s2))
	assert.Equal(t, "rm0 voted prepared", m.DescribeState(s1), "s1 is unchanged by the steps taken from it")
	assert.Equal(t, "t", m.PartitionKey(vote(0, Prepared)))
	assert.Error(t, m.Valid("x", Ack{}))
	assert.Error(t, m.Valid(vote(0, Prepared), 3))
	assert.Error(t, m.Valid(Event{Kind: 9, Txn: "t", N: 3}, Ack{}))
}
