package scenarios

import (
	"fmt"

	"github.com/anishathalye/porcupine"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// history records the client-visible history at the client boundary, with
// true simulated time (never a node's skewed clock), as porcupine
// operations. An operation that never returns stays open: at the end it
// gets Unknown output and a return at the end of the history, so the checker
// lets it take effect at any time after its call, or not at all.
type history struct {
	s    *sim.Sim
	ops  []porcupine.Operation
	open map[opKey]int // (client, seq) -> index into ops
	// completed counts returned operations, for the liveness check.
	completed int
}

type opKey struct {
	client sim.NodeID
	seq    uint64
}

// newHistory returns a recorder with room for ops operations.
func newHistory(s *sim.Sim, ops int) *history {
	return &history{s: s, ops: make([]porcupine.Operation, 0, ops), open: make(map[opKey]int, 8)}
}

// Invoke implements multipaxos.Recorder.
func (h *history) Invoke(client sim.NodeID, seq uint64, cmd multipaxos.Command) {
	k := opKey{client, seq}
	if _, dup := h.open[k]; dup {
		panic(fmt.Sprintf("history: %v invoked seq %d twice", client, seq))
	}
	h.open[k] = len(h.ops)
	h.ops = append(h.ops, porcupine.Operation{
		ClientId: int(client),
		Input:    kvInput(cmd),
		Call:     int64(h.s.Now()),
		Output:   KVOutput{Unknown: true},
		Return:   -1,
	})
}

// Return implements multipaxos.Recorder.
func (h *history) Return(client sim.NodeID, seq uint64, cmd multipaxos.Command, res multipaxos.Result) {
	k := opKey{client, seq}
	i, ok := h.open[k]
	if !ok {
		panic(fmt.Sprintf("history: %v returned seq %d that is not open", client, seq))
	}
	delete(h.open, k)
	op := &h.ops[i]
	op.Output = KVOutput{Value: res.Value}
	// A response in the same instant as the call still gets a closed
	// interval of positive length, as porcupine expects.
	op.Return = max(int64(h.s.Now()), op.Call+1)
	h.completed++
}

// Pending is the number of operations invoked and not returned.
func (h *history) Pending() int { return len(h.open) }

// Operations returns the history with every open operation closed as
// Unknown at end (the end of the run).
func (h *history) Operations(end sim.Time) []porcupine.Operation {
	out := make([]porcupine.Operation, len(h.ops))
	copy(out, h.ops)
	for i := range out {
		if out[i].Return < 0 {
			out[i].Return = max(int64(end), out[i].Call) + 1
		}
	}
	return out
}

func kvInput(cmd multipaxos.Command) KVInput {
	switch cmd.Op {
	case multipaxos.OpGet:
		return KVInput{Op: KVGet, Key: cmd.Key}
	case multipaxos.OpPut:
		return KVInput{Op: KVPut, Key: cmd.Key, Value: cmd.Value}
	case multipaxos.OpAppend:
		return KVInput{Op: KVAppend, Key: cmd.Key, Value: cmd.Value}
	}
	panic(fmt.Sprintf("history: a client invoked %v", cmd.Op))
}
