package runner

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// history records the client-visible history at the client boundary, with
// true simulated time (never a node's skewed clock). An operation that
// never returns stays open: at the end it gets the Unknown output and a
// return at the end of the history, so the checker lets it take effect at
// any time after its call, or not at all.
type history struct {
	s    *sim.Sim
	ops  []spec.Operation
	open map[opKey]int // (client, seq) -> index into ops
	// completed counts returned operations.
	completed int
}

type opKey struct {
	client sim.NodeID
	seq    uint64
}

func newHistory(s *sim.Sim, ops int) *history {
	return &history{s: s, ops: make([]spec.Operation, 0, ops), open: make(map[opKey]int, 8)}
}

func (h *history) invoke(client sim.NodeID, seq uint64, input any) {
	k := opKey{client, seq}
	if _, dup := h.open[k]; dup {
		panic(fmt.Sprintf("history: %v invoked seq %d twice", client, seq))
	}
	h.open[k] = len(h.ops)
	h.ops = append(h.ops, spec.Operation{
		Client: int(client),
		Input:  input,
		Call:   int64(h.s.Now()),
		Output: spec.Unknown{},
		Return: -1,
	})
}

func (h *history) complete(client sim.NodeID, seq uint64, output any) {
	k := opKey{client, seq}
	i, ok := h.open[k]
	if !ok {
		panic(fmt.Sprintf("history: %v returned seq %d that is not open", client, seq))
	}
	delete(h.open, k)
	op := &h.ops[i]
	op.Output = output
	// A response in the same instant as the call still gets an interval
	// of positive length.
	op.Return = max(int64(h.s.Now()), op.Call+1)
	h.completed++
}

// operations returns the history with every open operation closed as
// Unknown at end.
func (h *history) operations(end sim.Time) []spec.Operation {
	out := make([]spec.Operation, len(h.ops))
	copy(out, h.ops)
	for i := range out {
		if out[i].Return < 0 {
			out[i].Return = max(int64(end), out[i].Call) + 1
		}
	}
	return out
}
