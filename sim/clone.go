package sim

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
)

// Cloner is a node that can copy itself into a snapshot of its world
// (Sim.Clone). Clone returns a node in exactly the receiver's state that
// shares nothing mutable with it, bound to env, the snapshot's Env for the
// same node and incarnation: the copy must use env (never the receiver's
// Env, which belongs to the other world) and draw from env.Rand(), which
// continues the receiver's stream where it stands. Taking the same steps
// in the world and in its snapshot then gives the same trace.
//
// A snapshot copies a node lazily: the world and its snapshot share the
// node value, read only, until either runs one of its handlers (or
// crashes, restarts, pauses or re-clocks it), and that one copies it
// first. Between handlers the harness reads a shared node only through
// its views and its Fingerprint, which must therefore not read the node's
// Env (its clock would be the other world's), unless the node implements
// ClockReader.
//
// The contract is optional: a node without it is explored by re-executing
// its path from the start instead (package explore).
type Cloner interface {
	Clone(env Env) Node
}

// RecyclingCloner is a Cloner that can also copy itself into the memory
// of dst, a node of the same Sim slot that will never run again (its
// world was dropped by a search that recycles worlds, Sim.CloneInto), so
// that a search that copies a node per choice does not allocate one per
// choice. dst may be nil or of another type: then CloneInto allocates, as
// Clone does. The copy must be exactly what Clone would return, and share
// nothing mutable with the receiver.
type RecyclingCloner interface {
	Cloner
	CloneInto(env Env, dst Node) Node
}

// ClockReader is a Cloner whose read-only methods (its Fingerprint, what
// its view reports) read its Env's clock when ReadsClock says so: a
// snapshot copies such a node at once instead of sharing it.
type ClockReader interface {
	ReadsClock() bool
}

// CloneOptions adjust a snapshot for a harness whose node factories hold
// its own state (a client that records into the harness's history).
type CloneOptions struct {
	// Trace receives the snapshot's trace lines from now on (nil: none).
	// The trace hash and the kept tail are copied either way.
	Trace io.Writer
	// Factories, when set, are the nodes' factories in the snapshot, by
	// id (what a restart builds a node from; nil entries keep the
	// original's); nil keeps the original's, which must then hold no state
	// of the world they came from. The snapshot keeps the slice.
	Factories []func(NodeID) Node
	// OnCopy, when set, hears of every node the snapshot copies from the
	// value it shared (old) into its own (new), before the new one runs:
	// a harness that holds views of nodes re-binds them to the copy. It
	// also hears, with old == new, of a node the snapshot takes over in
	// place once no other Sim holds it (Release): what the harness bound
	// to the world that made the node is re-bound to this one.
	OnCopy func(id NodeID, old, new Node)
}

// ErrNotCloneable wraps every reason a Sim cannot be snapshotted.
var ErrNotCloneable = errors.New("sim: not cloneable")

// CloneCheck reports why the Sim cannot be snapshotted now, or nil: a
// kernel callback pending (Sim.At: a closure over the world it was
// scheduled in, which a copy cannot re-bind), a running node that is not
// a Cloner, a chooser the kernel cannot copy, or a handler in progress.
func (s *Sim) CloneCheck() error {
	if s.released {
		return fmt.Errorf("%w: the Sim was released (Release)", ErrNotCloneable)
	}
	if s.current != nil {
		return fmt.Errorf("%w: a handler of %v is running", ErrNotCloneable, s.current.id)
	}
	for _, k := range s.q.keys {
		if s.q.calls == 0 {
			break
		}
		if s.q.slots[k.slot].kind == evCall {
			return fmt.Errorf("%w: a kernel callback is pending at t=%v (a fault, a heal or a clog's release: a closure over this world)", ErrNotCloneable, k.at)
		}
	}
	if err := chooserCloneable(s.chooser); err != nil {
		return err
	}
	for _, n := range s.nodes {
		if len(n.outbox) > 0 {
			return fmt.Errorf("%w: %v has unsent messages", ErrNotCloneable, n.id)
		}
		for i := range n.deferred {
			if n.deferred[i].kind == evCall {
				return fmt.Errorf("%w: %v holds a deferred kernel callback", ErrNotCloneable, n.id)
			}
		}
		if n.node == nil {
			continue
		}
		if _, ok := n.node.(Cloner); !ok {
			return fmt.Errorf("%w: %v (%T) does not implement sim.Cloner", ErrNotCloneable, n.id, n.node)
		}
	}
	return nil
}

// Clone returns an independent snapshot of the Sim in exactly its state:
// the clock, the sequence numbers, the event queue, every node (through
// its Cloner, lazily: see Cloner), its incarnation, timers, clock, disk
// and random stream, the network and fault streams, the stats, the trace
// hash and the chooser. Taking the same steps in the Sim and in the
// snapshot gives the same trace, and neither disturbs the other. They
// share, without locks, the nodes and disks neither has changed yet (copy
// on write), so a Sim and its snapshots are used from one goroutine: the
// exception to "one goroutine per Sim, parallelism between Sims".
//
// The snapshot's transport is the original's only for the default Direct
// one; any other transport holds state of its own and must be copied and
// installed by its owner (network.Network.Clone does) before the snapshot
// runs. The error wraps ErrNotCloneable with the reason (see CloneCheck).
func (s *Sim) Clone(opts CloneOptions) (*Sim, error) { return s.CloneInto(nil, opts) }

// CloneInto is Clone into dst, a Sim that will never be used again (a
// snapshot a search dropped), whose memory it reuses instead of
// allocating; nil makes a new one. A search makes a snapshot per choice
// and drops most of them at once, so reuse spares the garbage collector
// most of its work.
func (s *Sim) CloneInto(dst *Sim, opts CloneOptions) (*Sim, error) {
	if err := s.CloneCheck(); err != nil {
		return nil, err
	}
	if dst == s {
		return nil, fmt.Errorf("%w: a Sim cannot be copied into itself", ErrNotCloneable)
	}
	var old Sim
	if dst != nil {
		dst.Release()
		old = *dst
	} else {
		dst = &Sim{}
	}
	c := dst
	*c = Sim{
		cfg:       s.cfg,
		now:       s.now,
		seq:       s.seq,
		transport: unsetTransport{},
		stats:     s.stats,
		failure:   s.failure,
		err:       s.err,
		lastNode:  s.lastNode,
		// A count, which a snapshot continues.
		clockReads: s.clockReads,
		chooser:    cloneChooserInto(s.chooser, old.chooser),
		onCopy:     opts.OnCopy,
		factories:  opts.Factories,
		// The candidates are scratch, sized once rather than grown.
		cands:   old.cands[:0],
		candAt:  append(old.candAt[:0], s.candAt...),
		candKey: s.candKey,
		candOK:  s.candOK,
	}
	if cap(c.cands) == 0 {
		c.cands = make([]Candidate, 0, len(s.q.keys)+4)
	}
	if opts.Factories == nil {
		c.factories = s.factories
	}
	c.cfg.Trace = opts.Trace
	if d, ok := s.transport.(Direct); ok {
		c.transport = d
	}
	if old.netSrc != nil {
		*old.netSrc, *old.faultSrc = *s.netSrc, *s.faultSrc // a PCG is two words of state
		c.netRand, c.netSrc, c.faultRand, c.faultSrc = old.netRand, old.netSrc, old.faultRand, old.faultSrc
	} else {
		c.netRand, c.netSrc = copyStream(s.netSrc)
		c.faultRand, c.faultSrc = copyStream(s.faultSrc)
	}
	c.q = queue{keys: append(old.q.keys[:0], s.q.keys...), slots: append(old.q.slots[:0], s.q.slots...), free: append(old.q.free[:0], s.q.free...), calls: s.q.calls, gen: s.q.gen}
	c.tr = tracer{hash: s.tr.hash, count: s.tr.count, w: opts.Trace, tailPos: s.tr.tailPos, buf: old.tr.buf[:0]}
	if s.tr.tail != nil {
		c.tr.tail = append(old.tr.tail[:0], s.tr.tail...)
	}
	if s.checked != nil {
		c.checked = maps.Clone(s.checked)
	}
	// The slots the dropped Sim held alone are spare (Release): the
	// copies this one makes reuse them (own).
	c.spare = old.spare
	c.nodes = append(old.nodes[:0], s.nodes...)
	for _, n := range s.nodes {
		n.refs++ // from now on, whichever world changes it copies it first
	}
	for _, n := range c.nodes {
		if cr, ok := n.node.(ClockReader); ok && cr.ReadsClock() {
			c.own(n) // its Env's clock must be the snapshot's
		}
	}
	return c, nil
}

// Release tells the Sim that it will never run again: its memory is only
// to be reused by CloneInto. The slots it held that no other Sim holds
// become spare, for the copies of the Sim that reuses its memory, and the
// slots it shared count one holder fewer, so that the last holder changes
// them without copying them. CloneInto releases its dst itself; a search
// that drops a world releases it at once, which spares its siblings the
// copies.
func (s *Sim) Release() {
	if s.released {
		return
	}
	s.released = true
	for _, n := range s.nodes {
		n.refs--
		if n.refs == 0 && len(s.spare) < 2*len(s.nodes) {
			s.spare = append(s.spare, n)
		}
	}
	clear(s.nodes)
	s.nodes = s.nodes[:0]
}

// own returns the Sim's own copy of slot n, copying it first if another
// Sim holds it too: the scalars, the clock and the timers are values, the
// disk is shared until either side changes it (Disk.share), and the node
// is copied through its Cloner onto an Env of its own with a copy of its
// random stream.
func (s *Sim) own(n *slot) *slot {
	if n.sim == s && n.refs == 1 {
		return n // the common case, kept small enough to inline
	}
	return s.copySlot(n)
}

func (s *Sim) copySlot(n *slot) *slot {
	if n.refs == 1 {
		return s.adopt(n)
	}
	cp := s.spareFor(n.id)
	// A spare slot's disk, Env, outbox, deferred list and node were its
	// own: reused, not shared.
	disk, env, outbox, deferred, prev := cp.disk, cp.env, cp.outbox[:0], cp.deferred[:0], cp.node
	// The head whole, the timers as far as either side used them: a
	// slot's timers past its usedTimers are zero.
	old := cp.usedTimers
	cp.slotHead = n.slotHead
	copy(cp.timers[:n.usedTimers], n.timers[:n.usedTimers])
	if old > n.usedTimers {
		clear(cp.timers[n.usedTimers:old])
	}
	cp.refs = 1
	cp.sim = s
	if disk == nil {
		disk = &Disk{}
	}
	n.disk.share(disk)
	cp.disk = disk
	cp.outbox = outbox
	cp.deferred = append(deferred, n.deferred...)
	if int(n.id) < len(s.factories) && s.factories[n.id] != nil {
		cp.factory = s.factories[n.id]
	}
	if n.node != nil {
		if env == nil || env.src == nil {
			env = &nodeEnv{src: &rand.PCG{}}
			env.rng = rand.New(env.src)
		}
		env.slot, env.inc = cp, n.env.inc
		*env.src = *n.env.src // a PCG is two words of state
		cp.env = env
		// CloneCheck saw a Cloner when the node was shared, and a shared
		// node never changes.
		if rc, ok := n.node.(RecyclingCloner); ok {
			cp.node = rc.CloneInto(env, prev)
		} else {
			cp.node = n.node.(Cloner).Clone(env)
		}
		if cp.node == nil {
			panic(fmt.Sprintf("sim: the copy of %v (%T) is nil", n.id, n.node))
		}
		cp.namer, _ = cp.node.(TimerNamer)
	}
	s.nodes[n.id] = cp
	if s.onCopy != nil {
		s.onCopy(n.id, n.node, cp.node)
	}
	n.refs-- // this Sim holds the copy instead, now that it read n
	return cp
}

// spareFor takes a spare slot out of the list, preferably one of node id
// (its node value is then of the kind the copy recycles), or makes one.
func (s *Sim) spareFor(id NodeID) *slot {
	k := len(s.spare)
	if k == 0 {
		return &slot{}
	}
	j := k - 1
	for i := k - 1; i >= 0; i-- {
		if s.spare[i].id == id {
			j = i
			break
		}
	}
	cp := s.spare[j]
	s.spare[j] = s.spare[k-1]
	s.spare[k-1] = nil
	s.spare = s.spare[:k-1]
	return cp
}

// adopt makes a slot that this Sim alone holds, but that another Sim
// made (a snapshot whose other holders were released or copied it),
// this Sim's own in place: the node, its Env and its disk stay, and only
// what ties it to a world is re-bound, the Sim and the factory here, and
// the harness's views through the copy hook (with the node unchanged).
func (s *Sim) adopt(n *slot) *slot {
	n.sim = s
	if int(n.id) < len(s.factories) && s.factories[n.id] != nil {
		n.factory = s.factories[n.id]
	}
	if s.onCopy != nil {
		s.onCopy(n.id, n.node, n.node)
	}
	return n
}

// SetCopyHook installs what the Sim tells of every node it copies because
// a snapshot shared it (see CloneOptions.OnCopy): the world a snapshot was
// taken of copies its nodes too, when it changes them first.
func (s *Sim) SetCopyHook(f func(id NodeID, old, new Node)) { s.onCopy = f }

// copyStream returns a stream that continues src where it stands, on a
// source of its own.
func copyStream(src *rand.PCG) (*rand.Rand, *rand.PCG) {
	cp := *src // a PCG is two words of state
	return rand.New(&cp), &cp
}

// cloneChooserInto copies a chooser CloneCheck accepted, into old's memory
// when it is one of the same kind.
func cloneChooserInto(ch, old Chooser) Chooser {
	if sc, ok := ch.(*Script); ok {
		if o, ok := old.(*Script); ok {
			*o = *sc
			return o
		}
	}
	c, _ := cloneChooser(ch)
	return c
}

// chooserCloneable reports whether cloneChooser can copy ch, without
// copying it.
func chooserCloneable(ch Chooser) error {
	switch ch.(type) {
	case nil, Seeded, *Script, *PCT:
		return nil
	}
	return fmt.Errorf("%w: the chooser %T cannot be copied", ErrNotCloneable, ch)
}

// cloneChooser copies the kernel's choosers; a chooser of another type
// cannot be copied.
func cloneChooser(ch Chooser) (Chooser, error) {
	switch c := ch.(type) {
	case nil:
		return nil, nil
	case Seeded:
		return c, nil
	case *Script:
		cp := *c // choices are read only
		return &cp, nil
	case *PCT:
		cp := *c // change points are read only; priorities change
		cp.prio = slices.Clone(c.prio)
		return &cp, nil
	}
	return nil, fmt.Errorf("%w: the chooser %T cannot be copied", ErrNotCloneable, ch)
}

// share makes c a copy of the disk that shares its records until either
// changes (mutate). Record values are never changed in place (Write
// copies, a crash or a sync moves them), so even the first change copies
// only the maps and lists that hold them; the sync log only grows, so the
// copy shares it clipped, and the first append of either side moves that
// side's log to an array of its own.
//
// What c held before is recycled: maps and lists that were its alone (it
// shared them with no snapshot) are kept for its first change to refill.
func (d *Disk) share(c *Disk) {
	ss, sp, su := c.spareSynced, c.sparePending, c.spareUnsynced
	if !c.shared && c.synced != nil {
		ss, sp, su = c.synced, c.pending, c.unsynced
	}
	d.shared = true
	*c = *d
	c.spareSynced, c.sparePending, c.spareUnsynced = ss, sp, su
	c.syncLog = slices.Clip(d.syncLog)
}

// mutate readies the disk for a change: its own copy of what a snapshot
// shares, and the cached digest forgotten.
func (d *Disk) mutate() {
	d.digested = false
	if d.shared {
		d.unshare()
	}
}

func (d *Disk) unshare() {
	d.shared = false
	d.synced = refill(d.spareSynced, d.synced)
	d.pending = refill(d.sparePending, d.pending)
	d.unsynced = append(d.spareUnsynced[:0], d.unsynced...)
	d.spareSynced, d.sparePending, d.spareUnsynced = nil, nil, nil
	if d.torn != nil {
		d.torn = maps.Clone(d.torn)
	}
}

// refill returns a copy of src in dst's memory, or in new memory when dst
// is nil.
func refill[K comparable, V any](dst, src map[K]V) map[K]V {
	if dst == nil {
		if c := maps.Clone(src); c != nil {
			return c
		}
		return map[K]V{}
	}
	clear(dst)
	maps.Copy(dst, src)
	return dst
}

// unsetTransport is a snapshot's transport until its owner installs a
// copy of the original's.
type unsetTransport struct{}

func (unsetTransport) Send(*Sim, NodeID, NodeID, Message) {
	panic("sim: a snapshot's transport was not installed: the owner of the original's transport must copy it (network.Network.Clone)")
}

func (unsetTransport) Arrive(*Sim, NodeID, NodeID, uint32, bool) DropCause {
	panic("sim: a snapshot's transport was not installed: the owner of the original's transport must copy it (network.Network.Clone)")
}
