package runner

import (
	"fmt"
	"slices"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// history records the client-visible history at the client boundary, with
// true simulated time (never a node's skewed clock). An operation that
// never returns stays open: at the end it gets the Unknown output and a
// return at the end of the history, so the checker lets it take effect at
// any time after its call, or not at all.
type history struct {
	s   *sim.Sim
	ops []spec.Operation
	// open lists the operations not yet returned: a few (one per client
	// at most, in practice), so a list, which a snapshot copies faster
	// than a map.
	open []openOp
	// completed counts returned operations.
	completed int
	// obs is the workload, when it wants to see outputs.
	obs spec.Observer
	// last is the time of the last call or return recorded: each gets a
	// time strictly after it (see at).
	last int64
	// dig keeps the history's digest (digest.go).
	dig historyDigest
	// valueDigest digests the values (Options.ValueDigest; nil:
	// ValueDigest).
	valueDigest func(any) uint64
}

type opKey struct {
	client sim.NodeID
	seq    uint64
}

// openOp is an open operation and its index in history.ops.
type openOp struct {
	key opKey
	i   int
}

// find returns the position of k in h.open, or -1.
func (h *history) find(k opKey) int {
	for j := range h.open {
		if h.open[j].key == k {
			return j
		}
	}
	return -1
}

func newHistory(s *sim.Sim, ops int) *history {
	return &history{s: s, ops: make([]spec.Operation, 0, ops), open: make([]openOp, 0, 8), last: -1}
}

func (h *history) invoke(client sim.NodeID, seq uint64, input any) {
	k := opKey{client, seq}
	if h.find(k) >= 0 {
		panic(fmt.Sprintf("history: %v invoked seq %d twice", client, seq))
	}
	h.open = append(h.open, openOp{key: k, i: len(h.ops)})
	h.dig.called()
	h.ops = append(h.ops, spec.Operation{
		Client: int(client),
		Input:  input,
		Call:   h.at(),
		Output: spec.Unknown{},
		Return: -1,
	})
}

// at stamps a call or return: the simulated time, moved just past the
// previous stamp when several land in one instant. Events of one instant
// happen one after another in the simulation, so they are in real-time
// order, and the checker must see them so: a client's reply and its next
// call in the same instant would otherwise look concurrent, and a history
// in which the client misses its own completed write would pass. A stamp
// is at most a few nanoseconds past its true time, and stamps keep the
// order of events.
func (h *history) at() int64 {
	h.last = max(int64(h.s.Now()), h.last+1)
	return h.last
}

func (h *history) complete(client sim.NodeID, seq uint64, output any) {
	k := opKey{client, seq}
	j := h.find(k)
	if j < 0 {
		panic(fmt.Sprintf("history: %v returned seq %d that is not open", client, seq))
	}
	i := h.open[j].i
	h.dig.returned(i)
	h.open = slices.Delete(h.open, j, j+1)
	op := &h.ops[i]
	op.Output = output
	op.Return = h.at()
	h.completed++
	if h.obs != nil {
		h.obs.Observe(client, op.Input, output)
	}
}

// operations returns the history with every open operation closed as
// Unknown at end.
func (h *history) operations(end sim.Time) []spec.Operation {
	return h.operationsInto(nil, end)
}

// operationsInto is operations into buf's memory.
func (h *history) operationsInto(buf []spec.Operation, end sim.Time) []spec.Operation {
	out := append(buf[:0], h.ops...)
	for i := range out {
		if out[i].Return < 0 {
			out[i].Return = max(int64(end), h.last) + 1
		}
	}
	return out
}
