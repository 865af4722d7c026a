package paxos

import "fmt"

// The three layers report every call and return of their operations, so
// that the harness can check each layer against its own specification
// (the binding's models.go). These are the values the events carry.

// Layer identifies one of the three layers.
type Layer uint8

// The layers, bottom up.
const (
	LayerRegister  Layer = iota // the round-based register: read(k), write(k, v)
	LayerConsensus              // round-based consensus: proposeRC(k, v0)
	LayerPaxos                  // Paxos: proposeP(v0)
	numLayers
)

var layerNames = [numLayers]string{"round-based-register", "round-based-consensus", "paxos"}

// String is the layer's name in reports.
func (l Layer) String() string {
	if l < numLayers {
		return layerNames[l]
	}
	return fmt.Sprintf("layer(%d)", uint8(l))
}

// ReadCall is read(k); ReadReturn is its (res, v).
type (
	ReadCall   struct{ Round Round }
	ReadReturn struct {
		OK    bool
		Value Value
	}
)

// WriteCall is write(k, v); WriteReturn is its res.
type (
	WriteCall struct {
		Round Round
		Value Value
	}
	WriteReturn struct{ OK bool }
)

// ProposeRCCall is proposeRC(k, v0); ProposeRCReturn is its (res, v). A
// server that only wants to learn the decision (a Get) proposes undef.
type (
	ProposeRCCall struct {
		Round    Round
		Proposal Value
	}
	ProposeRCReturn struct {
		OK    bool
		Value Value
	}
)

// ProposePCall is proposeP(v0); ProposePReturn is its v: the decision,
// or undef when a proposal of undef (a Get) found nothing decided.
type (
	ProposePCall   struct{ Proposal Value }
	ProposePReturn struct{ Value Value }
)

// LayerEvent is a call (Return false: Value is the input) or a return
// (Value is the output) of call Call of a layer.
type LayerEvent struct {
	Layer  Layer
	Return bool
	Call   uint64
	Value  any
}

// events is a server's log of layer events since the harness last drained
// it, and the counter that names calls. It is output for the harness, not
// protocol state.
type events struct {
	log  []LayerEvent
	next uint64
}

// call logs the call of an operation of layer l and returns its id.
func (e *events) call(l Layer, input any) uint64 {
	e.next++
	e.log = append(e.log, LayerEvent{Layer: l, Call: e.next, Value: input})
	return e.next
}

// ret logs the return of call id of layer l.
func (e *events) ret(l Layer, id uint64, output any) {
	e.log = append(e.log, LayerEvent{Layer: l, Return: true, Call: id, Value: output})
}
