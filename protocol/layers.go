package protocol

import (
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/spec"
)

// Layers: a protocol built from layers (a register under a consensus
// object under the protocol's own entry point, say) can have each layer
// checked against a specification of its own, not only the client history
// against the protocol's spec. A layer's specification is usually weaker
// than the object a client sees, and nondeterministic: it says what any
// correct implementation of the layer may return, so that a bug inside a
// layer is caught at that layer, named, even when the layers above happen
// to hide it from clients.
//
// A node cannot read true time, so it reports the calls and returns of its
// layers' operations as events, in the order they happen, and the harness
// stamps each with the simulator's true time when it drains them: after
// every step of the node, since a node's handlers are the only place its
// events can come from. Each layer then has a history of its own, checked
// for linearizability against the layer's model (Layer.Model) exactly as
// the client history is against the spec. A call still open when its node
// crashes, or when the run ends, stays open: its outcome is unknown, and
// the model lets it take effect at any later time, or never.

// Layer declares one layer of a protocol whose calls the harness checks.
type Layer struct {
	// Name names the layer in reports ("register"); LayerEvent.Layer
	// refers to it.
	Name string
	// Description is one line for `paxossim list`.
	Description string
	// Model is the layer's sequential specification, over the values the
	// layer's events carry as inputs and outputs. A Step that accepts
	// several outputs for one input and state is how a nondeterministic
	// specification is written.
	Model spec.Model
}

// LayerEventKind says whether an event calls or returns.
type LayerEventKind uint8

const (
	// LayerCall starts an operation: Value is its input.
	LayerCall LayerEventKind = iota + 1
	// LayerReturn ends the operation with the same Call id: Value is its
	// output.
	LayerReturn
)

// LayerEvent is one call or return of a layer's operation, as a node
// reports it.
type LayerEvent struct {
	// Layer is the name of one of Protocol.Layers.
	Layer string
	Kind  LayerEventKind
	// Call identifies the operation within the node's incarnation: its
	// call and its return carry the same id, and no two calls of an
	// incarnation do.
	Call uint64
	// Value is the operation's input (LayerCall) or output (LayerReturn),
	// a value the layer's model accepts.
	Value any
}

// LayerView is implemented by the View of a server whose protocol declares
// Layers.
type LayerView interface {
	// DrainLayerEvents appends to buf the layer events since the last
	// drain (of this incarnation), in the order they happened, forgets
	// them, and returns buf. Unlike the rest of a view it changes the
	// node's state; the harness calls it once after each step of the
	// node, outside the node's handlers.
	DrainLayerEvents(buf []LayerEvent) []LayerEvent
}

// validateLayers reports a layer declaration the harness cannot use.
func (p *Protocol) validateLayers() []error {
	var errs []error
	seen := map[string]bool{}
	for _, l := range p.Layers {
		if l.Name == "" || seen[l.Name] || strings.ContainsAny(l.Name, " \t\n,") {
			errs = append(errs, fmt.Errorf("protocol %q: layer %q: names must be unique, non-empty, without spaces or commas", p.Name, l.Name))
		}
		seen[l.Name] = true
		if l.Model.Init == nil || l.Model.Step == nil || l.Model.Equal == nil || l.Model.DescribeOperation == nil {
			errs = append(errs, fmt.Errorf("protocol %q: layer %q: its Model needs Init, Step, Equal and DescribeOperation", p.Name, l.Name))
		}
	}
	return errs
}

// LayerIndex returns the position of the named layer in Layers, or -1.
func (p *Protocol) LayerIndex(name string) int {
	for i, l := range p.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}
