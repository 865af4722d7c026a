package paxoscommit

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// The model the servers' events (events.go) are checked against, one
// transaction at a time: Paxos Commit's invariants as a sequential
// specification whose state is what the events so far established. Each
// event is a call and return at one instant, so a transaction's events are
// totally ordered and the check is a replay. A step is refused when:
//
//   - an RM votes twice, differently (also across restarts);
//   - an acceptor promises, or accepts at, a ballot below one it promised
//     or accepted at before in that instance (across restarts too: its
//     promise must survive a crash);
//   - ballot 0 carries anything but the RM's own vote;
//   - a ballot above 0 carries two values, or a value that is neither
//     aborted nor accepted at a lower ballot (a leader proposes what its
//     phase 1 found, or aborted if it found nothing);
//   - a value is accepted at a ballot above one where another value was
//     chosen (a majority of the N acceptors accepted it): Paxos's
//     agreement, before it shows as two outcomes;
//   - a coordinator decides, or an RM becomes final with, Commit while an
//     instance of the transaction has no chosen value or chose aborted,
//     or (an RM) without having prepared; or Abort while no RM voted
//     abort and no instance chose aborted;
//   - two decisions or final states of the transaction differ:
//     consistency, the safety property of two-phase commit.
//
// Chosen is computed from the acceptors' durable acceptances, never from
// what a coordinator counted, so a coordinator that miscounts is caught at
// its decision.

// LayerName names the layer in reports.
const LayerName = "paxos-commit"

// Ack is every event's output.
type Ack struct{}

type txnState struct {
	n        int
	votes    []rmValue
	promises []accBallot
	accepts  []acceptTally
	outcome  Outcome
}

type rmValue struct {
	rm int
	v  Value
}

type accBallot struct {
	rm   int
	node sim.NodeID
	b    Ballot
}

type acceptTally struct {
	rm     int
	b      Ballot
	v      Value
	voters uint64 // by node id; the model needs N <= 64, as the servers do
}

func (t *txnState) vote(rm int) Value {
	for _, x := range t.votes {
		if x.rm == rm {
			return x.v
		}
	}
	return 0
}

func (t *txnState) promised(rm int, node sim.NodeID) (Ballot, bool) {
	for _, x := range t.promises {
		if x.rm == rm && x.node == node {
			return x.b, true
		}
	}
	return Ballot{}, false
}

// chosen returns the value a majority accepted at one ballot in rm's
// instance (0: none).
func (t *txnState) chosen(rm int) Value {
	for _, a := range t.accepts {
		if a.rm == rm && bits.OnesCount64(a.voters) >= t.n/2+1 {
			return a.v
		}
	}
	return 0
}

// commitValid: every instance chose prepared.
func (t *txnState) commitValid(rms []int) bool {
	for _, rm := range rms {
		if t.chosen(rm) != Prepared {
			return false
		}
	}
	return true
}

// abortValid: an RM voted abort, or an instance chose aborted.
func (t *txnState) abortValid(rms []int) bool {
	for _, rm := range rms {
		if t.vote(rm) == Aborted || t.chosen(rm) == Aborted {
			return true
		}
	}
	return false
}

func step(state, input, output any) (bool, any) {
	t := state.(*txnState)
	e := input.(Event)
	if t.n != 0 && t.n != e.N {
		return false, t
	}
	next := *t
	next.n = e.N
	switch e.Kind {
	case EventVote:
		if v := t.vote(e.RM); v != 0 {
			return v == e.Value, t
		}
		next.votes = append(slices.Clip(t.votes), rmValue{rm: e.RM, v: e.Value})
	case EventPromise:
		if p, ok := t.promised(e.RM, e.Node); ok && e.Ballot.Less(p) {
			return false, t
		}
		next.promises = setPromise(t.promises, e.RM, e.Node, e.Ballot)
	case EventAccept:
		if !acceptValid(t, e) {
			return false, t
		}
		next.promises = setPromise(t.promises, e.RM, e.Node, e.Ballot)
		next.accepts = addVoter(t.accepts, e)
	case EventDecide, EventFinal:
		switch e.Outcome {
		case Commit:
			if !t.commitValid(e.RMs) || (e.Kind == EventFinal && t.vote(e.RM) != Prepared) {
				return false, t
			}
		case Abort:
			if !t.abortValid(e.RMs) {
				return false, t
			}
		default:
			return false, t
		}
		if t.outcome != 0 && t.outcome != e.Outcome {
			return false, t
		}
		next.outcome = e.Outcome
	default:
		return false, t
	}
	return true, &next
}

func acceptValid(t *txnState, e Event) bool {
	if p, ok := t.promised(e.RM, e.Node); ok && e.Ballot.Less(p) {
		return false // below its own promise
	}
	if e.Ballot.IsZero() {
		return t.vote(e.RM) == e.Value // only the RM proposes at ballot 0, its own vote
	}
	earlier := e.Value == Aborted
	for _, a := range t.accepts {
		if a.rm != e.RM {
			continue
		}
		if a.b == e.Ballot && a.v != e.Value {
			return false // two values at one ballot
		}
		if a.b.Less(e.Ballot) {
			earlier = earlier || a.v == e.Value
			if a.v != e.Value && bits.OnesCount64(a.voters) >= t.n/2+1 {
				return false // another value was chosen at a lower ballot
			}
		}
	}
	return earlier
}

func setPromise(ps []accBallot, rm int, node sim.NodeID, b Ballot) []accBallot {
	out := slices.Clone(ps)
	for i := range out {
		if out[i].rm == rm && out[i].node == node {
			if out[i].b.Less(b) {
				out[i].b = b
			}
			return out
		}
	}
	return append(out, accBallot{rm: rm, node: node, b: b})
}

func addVoter(as []acceptTally, e Event) []acceptTally {
	out := slices.Clone(as)
	bit := uint64(1) << (uint(e.Node) % 64)
	for i := range out {
		if out[i].rm == e.RM && out[i].b == e.Ballot && out[i].v == e.Value {
			out[i].voters |= bit
			return out
		}
	}
	return append(out, acceptTally{rm: e.RM, b: e.Ballot, v: e.Value, voters: bit})
}

func equal(a, b any) bool {
	x, y := a.(*txnState), b.(*txnState)
	return x.n == y.n && x.outcome == y.outcome && slices.Equal(x.votes, y.votes) &&
		slices.Equal(x.promises, y.promises) && slices.Equal(x.accepts, y.accepts)
}

func hash(state any) uint64 {
	t := state.(*txnState)
	h := sim.Mix(uint64(t.n), uint64(t.outcome))
	for _, v := range t.votes {
		h = sim.Mix(h, uint64(v.rm), uint64(v.v))
	}
	for _, p := range t.promises {
		h = sim.Mix(h, uint64(p.rm), uint64(uint32(p.node)), p.b.digest())
	}
	for _, a := range t.accepts {
		h = sim.Mix(h, uint64(a.rm), a.b.digest(), uint64(a.v), a.voters)
	}
	return h
}

func describeState(state any) string {
	t := state.(*txnState)
	var parts []string
	for _, v := range t.votes {
		parts = append(parts, fmt.Sprintf("rm%d voted %v", v.rm, v.v))
	}
	for _, a := range t.accepts {
		parts = append(parts, fmt.Sprintf("rm%d: %v at %v by %d acceptor(s)", a.rm, a.v, a.b, bits.OnesCount64(a.voters)))
	}
	if t.outcome != 0 {
		parts = append(parts, "outcome "+t.outcome.String())
	}
	if len(parts) == 0 {
		return "nothing yet"
	}
	return strings.Join(parts, "; ")
}

func validEvent(input, output any) error {
	e, ok := input.(Event)
	if !ok {
		return fmt.Errorf("input is %T, want paxoscommit.Event", input)
	}
	if e.Kind < EventVote || e.Kind > EventFinal || e.Txn == "" || e.N < 1 || e.N > MaxServers {
		return fmt.Errorf("malformed event %v", e)
	}
	switch output.(type) {
	case Ack, spec.Unknown:
		return nil
	}
	return fmt.Errorf("output is %T, want paxoscommit.Ack", output)
}

// Model is the model of the events of one transaction.
func Model() spec.Model {
	return spec.Model{
		Init:         func() any { return &txnState{} },
		Step:         step,
		Equal:        equal,
		Hash:         hash,
		PartitionKey: func(input any) string { return input.(Event).Txn },
		DescribeOperation: func(input, output any) string {
			return input.(Event).String()
		},
		DescribeState: describeState,
		Valid:         validEvent,
	}
}
