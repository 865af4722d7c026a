package runner

import (
	"fmt"
	"slices"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// LayerHistory is the history of one layer of a protocol
// (protocol.Protocol.Layers): every call of the layer's operation on every
// server, stamped with true simulated time. A call whose node crashed
// before it returned, or that was still open when the run ended, has the
// Unknown output and returns at the end of the history.
type LayerHistory struct {
	Name string
	Ops  []spec.Operation
}

// layers records the layer histories of a protocol that declares layers:
// after every step of a server it drains the events the server reported
// (protocol.LayerView) and stamps them with the simulator's true time.
// The node's own clock cannot be used: faults skew it.
type layers struct {
	s       *sim.Sim
	proto   *protocol.Protocol
	servers int
	hist    []LayerHistory
	// open lists the calls not yet returned, with their indexes into
	// hist[layer].Ops: a few per server (a list, which a snapshot copies
	// faster than a map).
	open []openCall
	// digests holds, per layer, what its digest keeps (digest.go).
	digests []layerDigest
	buf     []protocol.LayerEvent
	// views caches each server's incarnation and its LayerView: after a
	// callback every server is drained, most with nothing to report.
	views []layerView
	// last is the last stamp given: events get strictly increasing
	// stamps, so that two events of one step (a read returns, the write
	// it leads to is called) keep the order they happened in rather than
	// look concurrent.
	last    int64
	failure *Failure
	// discard drains events without recording them (Options.DiscardLayers).
	discard bool
	// valueDigest digests the values (Options.ValueDigest; nil:
	// ValueDigest).
	valueDigest func(any) uint64
}

type layerView struct {
	node sim.Node
	inc  uint32
	lv   protocol.LayerView
}

// layerCall identifies an open call: the call id is unique within one
// incarnation of one server.
type layerCall struct {
	layer  int
	server sim.NodeID
	inc    uint32
	call   uint64
}

// openCall is an open call and its index in its layer's history.
type openCall struct {
	key layerCall
	i   int
}

// find returns the position of k in l.open, or -1. Recent calls are
// looked for first: most returns come soon after their calls.
func (l *layers) find(k layerCall) int {
	for j := len(l.open) - 1; j >= 0; j-- {
		if l.open[j].key == k {
			return j
		}
	}
	return -1
}

// newLayers returns the recorder of a protocol with layers (nil for one
// without) and drains what the servers reported when they started.
func newLayers(s *sim.Sim, proto *protocol.Protocol, servers int) *layers {
	if len(proto.Layers) == 0 {
		return nil
	}
	l := &layers{s: s, proto: proto, servers: servers, last: -1, views: make([]layerView, servers), digests: make([]layerDigest, len(proto.Layers))}
	for _, ly := range proto.Layers {
		l.hist = append(l.hist, LayerHistory{Name: ly.Name})
	}
	l.drainAll()
	return l
}

// observe drains the servers whose handlers the last step ran: the one
// node of a node's step, or, after a callback (which may have restarted
// any node, running its Start), every server. It returns the first
// malformed event as a failure.
func (l *layers) observe() *Failure {
	if l == nil {
		return nil
	}
	if id, ok := l.s.LastStepNode(); ok {
		if int(id) < l.servers {
			l.drain(id)
		}
	} else {
		l.drainAll()
	}
	return l.failure
}

func (l *layers) drainAll() {
	for id := 0; id < l.servers; id++ {
		l.drain(sim.NodeID(id))
	}
}

func (l *layers) drain(id sim.NodeID) {
	n := l.s.Node(id)
	if n == nil || l.failure != nil {
		return // down: its events were drained after its last step
	}
	v := &l.views[id]
	if v.node != n {
		lv, ok := l.proto.View(n).(protocol.LayerView)
		if !ok {
			l.fail("n%d's view (%T) does not implement protocol.LayerView, but protocol %s declares layers", id, l.proto.View(n), l.proto.Name)
			return
		}
		*v = layerView{node: n, inc: l.s.Incarnation(id), lv: lv}
	}
	l.buf = v.lv.DrainLayerEvents(l.buf[:0])
	for _, ev := range l.buf {
		l.record(id, v.inc, ev)
	}
	clear(l.buf) // drop references to the values
}

func (l *layers) record(id sim.NodeID, inc uint32, ev protocol.LayerEvent) {
	li := l.proto.LayerIndex(ev.Layer)
	if li < 0 {
		l.fail("n%d reported an event of layer %q, which protocol %s does not declare", id, ev.Layer, l.proto.Name)
		return
	}
	if l.discard {
		return
	}
	l.last = max(int64(l.s.Now()), l.last+1)
	key := layerCall{layer: li, server: id, inc: inc, call: ev.Call}
	h, d := &l.hist[li], &l.digests[li]
	switch ev.Kind {
	case protocol.LayerCall:
		if l.find(key) >= 0 {
			l.fail("n%d called %s operation %d twice", id, ev.Layer, ev.Call)
			return
		}
		l.open = append(l.open, openCall{key: key, i: len(h.Ops)})
		h.Ops = append(h.Ops, spec.Operation{Client: int(id), Input: ev.Value, Output: spec.Unknown{}, Call: l.last, Return: -1})
		d.called()
	case protocol.LayerReturn:
		j := l.find(key)
		if j < 0 {
			l.fail("n%d returned %s operation %d, which is not open", id, ev.Layer, ev.Call)
			return
		}
		i := l.open[j].i
		l.open = slices.Delete(l.open, j, j+1)
		h.Ops[i].Output, h.Ops[i].Return = ev.Value, l.last
		d.returned(i)
	default:
		l.fail("n%d reported a %s event of kind %d", id, ev.Layer, ev.Kind)
	}
}

// discardHistories forgets the histories recorded so far and records no
// more (Options.DiscardLayers): a driver that does not look at them then
// copies none with each world.
func (l *layers) discardHistories() {
	if l == nil {
		return
	}
	l.discard = true
	for i := range l.hist {
		l.hist[i].Ops = nil
		l.digests[i] = layerDigest{}
	}
	l.open = nil
}

func (l *layers) fail(format string, args ...any) {
	if l.failure == nil {
		l.failure = &Failure{Check: CheckLayer, Fact: fmt.Sprintf(format, args...)}
	}
}

// digestsInto appends the digest of each layer's history, in the
// protocol's order, to dst (historyDigest.of).
func (l *layers) digestsInto(dst []uint64) []uint64 {
	if l == nil || l.discard {
		return dst
	}
	for i := range l.hist {
		dst = append(dst, l.digests[i].of(l.hist[i].Ops, l.valueDigest))
	}
	return dst
}

// histories returns the layer histories, in the protocol's order, with
// every open call closed as Unknown after end.
func (l *layers) histories(end sim.Time) []LayerHistory {
	if l == nil {
		return nil
	}
	last := max(int64(end), l.last) + 1
	out := make([]LayerHistory, len(l.hist))
	for i, h := range l.hist {
		ops := make([]spec.Operation, len(h.Ops))
		copy(ops, h.Ops)
		for j := range ops {
			if ops[j].Return < 0 {
				ops[j].Return = last
			}
		}
		out[i] = LayerHistory{Name: h.Name, Ops: ops}
	}
	return out
}
