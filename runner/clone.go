package runner

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// A snapshot of a World (Clone) copies everything a run's future depends
// on: the kernel (sim.Sim.Clone: queue, clocks, disks, random streams,
// every node through its sim.Cloner), the network, the client history and
// the workload's memory, the generic clients, the invariant checkers (the
// chosen check's memory of every durable vote included) and the layer
// recorder, so that stepping the snapshot gives exactly what stepping the
// world would, and neither disturbs the other. Values that are never
// changed after they are made are shared: messages, operation inputs and
// outputs, the params, the protocol, the views of crashed incarnations
// (a crashed node is never run again, so its view is frozen).

// WorkloadCloner is a workload with a memory (a spec.Observer) that can
// copy itself for a snapshot of the world. A workload without it is
// rebuilt from its config and shown again what its clients saw, which
// costs a decode of its config per snapshot.
type WorkloadCloner interface {
	CloneWorkload() spec.Workload
}

// CloneCheck reports why the world cannot be snapshotted, or nil: a
// protocol's own client node (it records through closures over this
// world), a fault plan (its faults are kernel callbacks over this world),
// a liveness phase (the heal is one too), or what the kernel refuses
// (sim.Sim.CloneCheck: a server that does not implement sim.Cloner).
func (w *World) CloneCheck() error {
	if err := w.cloneCheckRunner(); err != nil {
		return err
	}
	return w.c.s.CloneCheck()
}

// cloneCheckRunner is CloneCheck without the kernel's part, which
// sim.Sim.CloneInto makes itself.
func (w *World) cloneCheckRunner() error {
	c := w.c
	if c.proto.ClientNode != nil {
		return fmt.Errorf("%w: protocol %s has its own client node, which records through closures over its world", sim.ErrNotCloneable, c.proto.Name)
	}
	if len(c.p.Plan.Faults) > 0 {
		return fmt.Errorf("%w: the plan has %d faults (kernel callbacks over the world)", sim.ErrNotCloneable, len(c.p.Plan.Faults))
	}
	if !c.p.Checks.CorrectnessOnly {
		return fmt.Errorf("%w: the run has a heal phase (a kernel callback over the world)", sim.ErrNotCloneable)
	}
	for id := range c.p.Servers {
		if n := c.s.Node(sim.NodeID(id)); n != nil {
			if t := reflect.TypeOf(c.proto.View(n)); t != nil && !t.Comparable() {
				return fmt.Errorf("%w: protocol %s's view (%v) cannot be compared, so the checkers' views of a server cannot be re-bound to its copy", sim.ErrNotCloneable, c.proto.Name, t)
			}
		}
	}
	return nil
}

// Clone implements sim.Cloner. The copy shares the original's setup and
// operation stream until its world re-binds it to its own (rebind), before
// it runs.
func (c *client) Clone(env sim.Env) sim.Node { return c.CloneInto(env, nil) }

// CloneInto implements sim.RecyclingCloner: Clone into the memory of dst,
// a client that will never run again.
func (c *client) CloneInto(env sim.Env, dst sim.Node) sim.Node {
	cp, _ := dst.(*client)
	if cp == nil || cp == c {
		cp = &client{}
	}
	*cp = *c
	cp.env = env
	return cp
}

// snapState is what a world hands its snapshots' kernels, made once per
// cluster (a recycled cluster keeps its own): the clients' factories,
// which read the cluster's setup and operation streams when a client
// restarts, and the hook that re-binds its views to copied nodes.
type snapState struct {
	factories []func(sim.NodeID) sim.Node
	onCopy    func(id sim.NodeID, old, new sim.Node)
}

func (c *cluster) snapHooks() *snapState {
	if c.snap.onCopy == nil {
		c.snap.onCopy = c.rebind
		c.snap.factories = make([]func(sim.NodeID) sim.Node, c.s.NumNodes())
		for i, id := range c.clients {
			c.snap.factories[id] = func(sim.NodeID) sim.Node { return &client{setup: c.setup, src: c.srcs[i]} }
		}
	}
	return &c.snap
}

// Clone returns an independent snapshot of the world in exactly its state.
// The error wraps sim.ErrNotCloneable with the reason (see CloneCheck).
func (w *World) Clone() (*World, error) { return w.CloneInto(nil) }

// CloneInto is Clone into dst, a world that will never be used again (a
// snapshot a search dropped), whose memory it reuses; nil makes a new one.
func (w *World) CloneInto(dst *World) (*World, error) {
	if err := w.cloneCheckRunner(); err != nil {
		return nil, err // the kernel's part is sim.Sim.CloneInto's
	}
	if dst == w {
		return nil, fmt.Errorf("%w: a world cannot be copied into itself", sim.ErrNotCloneable)
	}
	c := w.c
	// A snapshot shares the servers until they run, so none may hold
	// layer events the recorder has not drained: both worlds would drain
	// them. Check drains them after every step; a driver that copies a
	// world before it checks the step gets them drained here, at the
	// same instant and in the same order.
	if c.layers != nil {
		c.layers.drainAll()
	}
	wl, err := c.cloneWorkload()
	if err != nil {
		return nil, err
	}
	var old cluster
	if dst != nil {
		old = *dst.c
	} else {
		dst = &World{c: &cluster{}}
	}
	n := dst.c
	*n = *c // the params, the protocol, the model, the flags and the leaders are values or never change
	n.snap = old.snap
	n.wl = wl
	n.hist = c.hist.cloneInto(old.hist, wl)
	if len(old.srcs) == len(c.srcs) {
		n.srcs = old.srcs
	} else {
		n.srcs = make([]*opSource, len(c.srcs))
		for i := range n.srcs {
			n.srcs[i] = &opSource{}
		}
	}
	for i, src := range c.srcs {
		*n.srcs[i] = *src
		n.srcs[i].w = wl
	}
	if c.setup != nil {
		n.setup = old.setup
		if n.setup == nil {
			n.setup = &clientSetup{}
		}
		*n.setup = *c.setup
		n.setup.rec = n.hist
	}
	hooks := n.snapHooks()
	s, err := c.s.CloneInto(old.s, sim.CloneOptions{Factories: hooks.factories, OnCopy: hooks.onCopy})
	if err != nil {
		return nil, err
	}
	// The world copies the nodes it shares with the snapshot too, when it
	// runs them first.
	c.s.SetCopyHook(c.snapHooks().onCopy)
	n.s = s
	n.hist.s = s
	n.net = c.net.CloneInto(old.net, s)
	// The injector of a plan without faults (CloneCheck) never acts: the
	// snapshot shares it.
	n.inv = c.inv.cloneInto(old.inv, s)
	n.layers = c.layers.cloneInto(old.layers, s)
	return dst, nil
}

// Release tells the world that it will never run again: its memory is
// only to be reused by CloneInto. The node slots it shared with its
// snapshots count one holder fewer (sim.Sim.Release), so that the last
// holder changes them without copying them.
func (w *World) Release() { w.c.s.Release() }

// clientIndex is the index of client id in c.clients, or -1 for a server.
func (c *cluster) clientIndex(id sim.NodeID) int {
	for i, cl := range c.clients {
		if cl == id {
			return i
		}
	}
	return -1
}

// rebind re-binds what the world holds of node id to its own copy of the
// node value it shared with a snapshot (sim.CloneOptions.OnCopy): a
// client's setup and operation stream are the world's own, and the
// checkers' views of a server look at the copy from now on. Views of the
// server's crashed incarnations stay: those nodes never run again.
func (c *cluster) rebind(id sim.NodeID, old, new sim.Node) {
	if cl, ok := new.(*client); ok {
		if i := c.clientIndex(id); i >= 0 {
			cl.setup, cl.src = c.setup, c.srcs[i]
		}
		return
	}
	if int(id) >= c.p.Servers {
		return
	}
	if ch := c.inv.chosen; ch != nil && int(id) < len(ch.disks) {
		ch.disks[id] = nil // the copy has a disk of its own
	}
	if old == nil || new == nil {
		return
	}
	ov, nv := c.proto.View(old), c.proto.View(new)
	if t := reflect.TypeOf(ov); t != nil && !t.Comparable() {
		panic(fmt.Sprintf("runner: protocol %s's view (%v) cannot be compared (World.CloneCheck refuses it)", c.proto.Name, t))
	}
	nl, _ := nv.(protocol.LogView)
	w := &c.inv.per[id]
	if w.view != nil && w.view == ov {
		w.view, w.log = nv, nl
	}
	for i, d := range c.inv.decider {
		if d != nil && c.inv.deciderID[i] == id && protocol.View(d) == ov {
			c.inv.decider[i] = nl
		}
	}
	// The layer recorder looks a server's view up again when its node
	// changes (layers.drain).
}

// cloneWorkload copies the workload's memory: by its own CloneWorkload, or
// by building it again and showing it what the clients saw, in the order
// they saw it. A workload that observes nothing draws each operation from
// its config and the client's stream alone (spec.Workload), so it is
// shared.
func (c *cluster) cloneWorkload() (spec.Workload, error) {
	if wc, ok := c.wl.(WorkloadCloner); ok {
		return wc.CloneWorkload(), nil
	}
	if _, ok := c.wl.(spec.Observer); !ok {
		return c.wl, nil
	}
	sp, err := spec.Lookup(c.proto.Spec)
	if err != nil {
		return nil, err
	}
	wl, err := sp.Workload(c.p.Workload.Spec)
	if err != nil {
		return nil, err
	}
	obs, ok := wl.(spec.Observer)
	if !ok {
		return nil, fmt.Errorf("runner: spec %s built a workload (%T) that observes nothing from the config of one that does (%T)", c.proto.Spec, wl, c.wl)
	}
	var done []int
	for i, op := range c.hist.ops {
		if op.Return >= 0 {
			done = append(done, i)
		}
	}
	// Returns are stamped in the order they happen (history.at).
	slices.SortFunc(done, func(a, b int) int { return cmp.Compare(c.hist.ops[a].Return, c.hist.ops[b].Return) })
	for _, i := range done {
		op := c.hist.ops[i]
		obs.Observe(sim.NodeID(op.Client), op.Input, op.Output)
	}
	return wl, nil
}

func (h *history) cloneInto(dst *history, wl spec.Workload) *history {
	var ops []spec.Operation
	var open []openOp
	var dig historyDigest
	if dst != nil {
		ops, open, dig = dst.ops[:0], dst.open[:0], dst.dig
	} else {
		dst = &history{}
	}
	*dst = *h
	dst.ops = append(ops, h.ops...)
	dst.open = append(open, h.open...)
	h.dig.cloneInto(&dig)
	dst.dig = dig
	dst.obs = nil
	if o, ok := wl.(spec.Observer); ok {
		dst.obs = o
	}
	return dst
}

func (iv *invariants) cloneInto(dst *invariants, s *sim.Sim) *invariants {
	var old invariants
	if dst != nil {
		old = *dst
	} else {
		dst = &invariants{}
	}
	*dst = *iv
	dst.s = s
	dst.decided = append(old.decided[:0], iv.decided...)
	dst.decider = append(old.decider[:0], iv.decider...)
	dst.deciderID = append(old.deciderID[:0], iv.deciderID...)
	dst.have = append(old.have[:0], iv.have...)
	dst.stateAt = append(old.stateAt[:0], iv.stateAt...)
	dst.stateBy = append(old.stateBy[:0], iv.stateBy...)
	dst.haveState = append(old.haveState[:0], iv.haveState...)
	dst.per = append(old.per[:0], iv.per...)
	dst.cov = Coverage{Names: iv.cov.Names, Counts: append(old.cov.Counts[:0], iv.cov.Counts...)}
	dst.chosen = iv.chosen.cloneInto(old.chosen, s)
	return dst
}

// cloneInto copies the chosen check's memory. It must follow chosen's
// fields (chosen.go): TestChosenCloneFollowsFields fails when they change,
// so that a new field is either copied here or known to be safe to share.
func (c *chosen) cloneInto(dst *chosen, s *sim.Sim) *chosen {
	if c == nil {
		return nil
	}
	var old chosen
	if dst != nil {
		old = *dst
	} else {
		dst = &chosen{}
	}
	*dst = *c
	dst.s = s
	dst.marks = append(old.marks[:0], c.marks...)
	dst.entries = append(old.entries[:0], c.entries...)
	for i := range dst.entries {
		if v := &dst.entries[i].voters; len(v.high) > 0 {
			v.high = slices.Clone(v.high)
		}
	}
	dst.slots = append(old.slots[:0], c.slots...)
	// disks caches the original's disks: the copy looks its own up.
	dst.disks = old.disks[:0]
	for range c.disks {
		dst.disks = append(dst.disks, nil)
	}
	// decoded is a cache of the protocol's decoder, a pure function: each
	// entry is checked against the record's bytes before it is used, so
	// the world and its snapshot share it (copying it per snapshot cost
	// more than the decodes it saves).
	return dst
}

func (l *layers) cloneInto(dst *layers, s *sim.Sim) *layers {
	if l == nil {
		return nil
	}
	var old layers
	if dst != nil {
		old = *dst
	} else {
		dst = &layers{}
	}
	*dst = *l
	dst.s = s
	dst.buf = old.buf[:0]
	dst.views = append(old.views[:0], l.views...) // views of shared nodes, looked up again once copied
	if l.discard {
		// Nothing is recorded: the empty histories, open calls and
		// digests are read, never written, and shared.
		return dst
	}
	if old.discard {
		old.hist, old.open, old.digests = nil, nil, nil // shared, not its own
	}
	dst.hist = old.hist[:0]
	for i, h := range l.hist {
		var ops []spec.Operation
		if i < len(old.hist[:cap(old.hist)]) {
			ops = old.hist[:cap(old.hist)][i].Ops[:0]
		}
		dst.hist = append(dst.hist, LayerHistory{Name: h.Name, Ops: append(ops, h.Ops...)})
	}
	dst.open = append(old.open[:0], l.open...)
	dst.digests = old.digests[:0]
	for i := range l.digests {
		var d layerDigest
		if i < len(old.digests[:cap(old.digests)]) {
			d = old.digests[:cap(old.digests)][i]
		}
		l.digests[i].cloneInto(&d)
		dst.digests = append(dst.digests, d)
	}
	return dst
}
