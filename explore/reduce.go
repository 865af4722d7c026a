package explore

import "github.com/paxossim/paxossim/sim"

// Sleep sets: the snapshot search skips choices that can only lead to a
// state it has already found, without taking them.
//
// Say state p has two choices t and u, taken in that order, each the run
// of one pending event, for two different nodes, at most one of them a
// client (and one of them a client if layer histories are recorded: they
// order the servers' layer calls), and neither handler read its clock
// (sim.Sim.ClockReads). Such steps commute: each changes its own node,
// its own disk and its own messages, the invariant checkers' memory by a
// sum or a first sighting that agreement makes the same, and the client
// history (or the layer histories) only if it is a client's (a
// server's). So p·t·u and p·u·t are one state.
//
// Let x be the state p·t. If x is expanded (it is within the bounds) and
// u is not asleep in x, the search takes u from x, and need not take t
// from p·u: t is asleep in p·u. x is expanded before p·u is: it was found
// at an earlier level, or earlier in p·u's level (p·u was found after
// it). So x·u is found before p·u's turn, and the search finds exactly
// the states, depths and first violation it finds without sleep sets, in
// the same order; only the choices it takes are fewer (Result.Slept
// counts those it skipped).
//
// An event is named by its content (sim.CandidateDigest: its sender,
// receiver and message, or its node and timer), which is the same in
// every world of a state: two pending events alike lead to one state.
// A state's sleep set comes from the expansion of the parent that found
// it, and is kept with the state (treeNode.sleepAt): a run from another
// parent that reaches the state again reads it, to tell whether the state
// takes a later sibling's run itself.

// sleeper is a run taken at the state being expanded that puts the same
// run to sleep in later siblings: the event it runs, its node, and the
// state it led to.
type sleeper struct {
	event uint64
	to    sim.NodeID
	x     ref
}

// noRef is the place of a state that is not expanded (beyond the ballot
// bound), or of any state of the re-execution search.
var noRef = ref{depth: -1}

// maxSleepSet bounds a sleep set (treeNode.sleepN is a byte): one asleep
// fewer is only a choice taken that need not be.
const maxSleepSet = 255

// independent reports whether a step of node a and a step of node b
// commute (neither read its clock: the caller checks that): different
// nodes, not both clients (the client history orders their calls and
// returns), and not both servers while layer histories are recorded
// (they order the servers' layer calls and returns).
func (e *explorer) independent(a, b sim.NodeID) bool {
	if a == b {
		return false
	}
	clientA, clientB := int(a) >= e.servers, int(b) >= e.servers
	if clientA && clientB {
		return false
	}
	return clientA || clientB || !e.layered
}

// sleeperOf returns the sleeper of run ch taken at the state being
// expanded, which led to the state at x, or false: the choice is not a
// run, its step read a clock, or x will not be expanded.
func (e *explorer) sleeperOf(ch choice, readClock bool, x ref) (sleeper, bool) {
	if e.cfg.NoReduction || ch.Kind != sim.ChooseRun || readClock || x.depth < 0 ||
		e.cfg.MaxDepth > 0 && int(x.depth) >= e.cfg.MaxDepth {
		return sleeper{}, false
	}
	return sleeper{event: ch.event, to: ch.to, x: x}, true
}

// sleepSet appends to out the events asleep in the state that run ch
// leads to from the state being expanded, after the sleepers taken: those
// whose steps commute with ch's and whose states take ch themselves. A
// choice that is not a run, or whose step read its clock, puts nothing to
// sleep.
func (e *explorer) sleepSet(out []uint64, taken []sleeper, ch choice, readClock bool) []uint64 {
	if e.cfg.NoReduction || ch.Kind != sim.ChooseRun || readClock {
		return out
	}
	n := 0
	for _, t := range taken {
		if n < maxSleepSet && e.independent(t.to, ch.to) && !asleep(e.sleepsOf(t.x), ch) {
			out = append(out, t.event)
			n++
		}
	}
	return out
}

// sleepsOf is the sleep set of the state at r.
func (e *explorer) sleepsOf(r ref) []uint64 {
	n := e.snap.levels[r.depth].at(int(r.i))
	return e.snap.sleeps[r.depth].run(int(n.sleepAt), int(n.sleepN))
}

// asleep reports whether ch runs an event of the sleep set z.
func asleep(z []uint64, ch choice) bool {
	if ch.Kind != sim.ChooseRun {
		return false
	}
	for _, ev := range z {
		if ev == ch.event {
			return true
		}
	}
	return false
}
