package explore

import (
	"fmt"

	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
)

// The snapshot search: a state's world is copied (runner.World.Clone)
// once per choice, and the choice taken in the copy, instead of the path
// being re-executed from the start for each choice. It is the search of
// run, state for state: the same states in the same breadth-first levels,
// the same counts (a test holds the two to each other).
//
// Memory: a level of a large space holds millions of states, so at most
// Config.MaxSnapshots worlds are kept at once. A state found past that
// keeps only its place in the tree of states (its parent and its choice);
// its world is made again when its turn comes from its nearest ancestor
// whose world is at hand: the states of a level are expanded in the order
// they were found, so siblings come together and share the work, and the
// worlds made on the way down are kept, one per depth, for the next state
// that needs them. Most copies lead to a state seen before and are dropped
// at once; their memory goes to the next copies (runner.World.CloneInto).

// DefaultMaxSnapshots is the number of worlds a snapshot search keeps at
// once when Config.MaxSnapshots is 0. Few is fastest: a state's world is
// made again from its parent's, still warm in the cache, for the price of
// one copy and one step, and siblings share the parent's, while every
// world kept is heap the garbage collector scans again and again, memory
// a dropped copy cannot lend the next, and cold by the time its turn
// comes (single-decree Paxos with -no-layers, 500,000 states: 256 kept,
// 92k states/s; 4,096, 83k; 32,768, 60k).
const DefaultMaxSnapshots = 256

// treeNode is a state of the snapshot search: its place in the tree of
// states (the first path that reached it): its parent's index in the
// level above and the choice that led here, packed and free of pointers,
// since the levels of a large space hold tens of millions of states and
// the garbage collector need not look into them.
type treeNode struct {
	parent int32 // index in the level above
	index  int32 // the choice's index
	spent  spent
	kind   sim.ChoiceKind
	// sleepN events from sleepAt in its level's sleep arena are asleep in
	// the state (reduce.go).
	sleepN  uint8
	sleepAt uint32
}

func (n *treeNode) choice() sim.Choice { return sim.Choice{Kind: n.kind, Index: int(n.index)} }

// ref names a state: its depth and its index in that level.
type ref struct{ depth, i int32 }

// remade is a world made again for a state without one, kept for the
// next state that descends from it.
type remade struct {
	at    ref
	world *runner.World
}

// snapshots is the state of a snapshot search.
type snapshots struct {
	root *runner.World // the initial world, never stepped
	// levels holds every state found, by depth, in the order found, and
	// sleeps their sleep sets (treeNode.sleepAt), by depth.
	levels []chunks[treeNode]
	sleeps []chunks[uint64]
	// worlds holds the worlds kept for states of the level being
	// expanded (now) and of the next, at most max in all.
	now, next map[int32]*runner.World
	max       int
	cache     []remade // by depth
	// pool holds worlds the search dropped (most choices lead to states
	// seen before), whose memory the next copies reuse
	// (runner.World.CloneInto).
	pool []*runner.World
}

// maxPool bounds the dropped worlds kept for reuse.
const maxPool = 64

// path is the choices that lead to the state at r from the start.
func (e *explorer) path(r ref) []sim.Choice {
	out := make([]sim.Choice, r.depth)
	for ; r.depth > 0; r = (ref{r.depth - 1, e.snap.levels[r.depth].at(int(r.i)).parent}) {
		out[r.depth-1] = e.snap.levels[r.depth].at(int(r.i)).choice()
	}
	return out
}

func (e *explorer) runSnapshots(root *runner.World, first outcome) error {
	max := e.cfg.MaxSnapshots
	if max == 0 {
		max = DefaultMaxSnapshots
	}
	e.snap = &snapshots{root: root, max: max, levels: make([]chunks[treeNode], 1), sleeps: make([]chunks[uint64], 1), now: map[int32]*runner.World{}, next: map[int32]*runner.World{}}
	e.snap.levels[0].push(treeNode{})
	e.res.Snapshots = true
	e.seen.put(first.fp, ref{})
	e.res.States = 1
	e.res.Finished = first.finished
	if first.failure != nil {
		e.violation(*first.failure, nil)
		return nil
	}
	cut := false
	for depth := int32(0); int(depth) < len(e.snap.levels); depth++ {
		if e.snap.levels[depth].len() == 0 {
			break // every state of the level above was seen before, or beyond the bounds
		}
		if e.cfg.MaxDepth > 0 && int(depth) >= e.cfg.MaxDepth {
			cut = true
			break
		}
		e.snap.now, e.snap.next = e.snap.next, e.snap.now
		clear(e.snap.next)
		if depth == 0 {
			clear(e.snap.now)
		}
		for i := range e.snap.levels[depth].len() {
			if err := e.expandSnapshot(ref{depth, int32(i)}); err != nil {
				return err
			}
			if e.res.Violation != nil || e.cfg.MaxStates > 0 && e.res.States >= e.cfg.MaxStates {
				return nil
			}
			if e.cfg.OnProgress != nil {
				e.cfg.OnProgress(e.res)
			}
		}
	}
	e.res.Complete = !cut
	if e.res.Complete && e.cfg.Progress && !e.res.Finished {
		e.stuck()
	}
	return nil
}

// drop hands a world that will never be used again to the pool. It is
// released at once, so that the worlds it shared nodes with change them
// without copying them.
func (e *explorer) drop(w *runner.World) {
	w.Release()
	if len(e.snap.pool) < maxPool {
		e.snap.pool = append(e.snap.pool, w)
	}
}

// expandSnapshot takes every choice of the state at r and appends the
// new states to the next level.
func (e *explorer) expandSnapshot(r ref) error {
	w, err := e.worldOf(r)
	if err != nil {
		return err
	}
	child := r.depth + 1
	if int(child) == len(e.snap.levels) {
		e.snap.levels = append(e.snap.levels, chunks[treeNode]{})
		e.snap.sleeps = append(e.snap.sleeps, chunks[uint64]{})
	}
	node := *e.snap.levels[r.depth].at(int(r.i))
	z := e.sleepsOf(r)
	// Nothing below lists choices again before the loop ends.
	choices := e.choicesInto(e.choiceBuf, w, node.spent)
	e.choiceBuf = choices
	last := len(choices) - 1 // the last choice taken takes the state's own world
	for last >= 0 && asleep(z, choices[last]) {
		last--
	}
	if last < 0 {
		e.drop(w)
	}
	taken := e.taken[:0]
	for i, ch := range choices {
		if asleep(z, ch) {
			e.res.Slept++
			continue
		}
		cw := w
		if i < last {
			if cw, err = e.clone(w); err != nil {
				return err
			}
		}
		reads := cw.Sim().ClockReads()
		o, err := e.step(cw, ch)
		if err != nil {
			return err
		}
		readClock := cw.Sim().ClockReads() != reads
		e.res.Transitions++
		if x, dup := e.seen.get(o.fp); dup {
			if sl, ok := e.sleeperOf(ch, readClock, x); ok {
				taken = append(taken, sl)
				e.taken = taken
			}
			e.drop(cw)
			continue
		}
		e.res.States++
		e.res.Depth = max(e.res.Depth, int(child))
		e.res.Finished = e.res.Finished || o.finished
		level := &e.snap.levels[child]
		if o.failure != nil {
			at := ref{child, int32(level.push(treeNode{parent: r.i, index: int32(ch.Index), spent: ch.spent, kind: ch.Kind}))}
			e.violation(*o.failure, e.path(at))
			return nil
		}
		if e.cfg.MaxStates > 0 && e.res.States >= e.cfg.MaxStates {
			return nil
		}
		if o.beyond {
			// Checked, not expanded: in no level.
			e.seen.put(o.fp, noRef)
			e.res.Pruned++
			e.drop(cw)
			continue
		}
		e.sleepBuf = e.sleepSet(e.sleepBuf[:0], taken, ch, readClock)
		sleepAt := e.snap.sleeps[child].pushRun(e.sleepBuf)
		at := ref{child, int32(level.push(treeNode{parent: r.i, index: int32(ch.Index), spent: ch.spent, kind: ch.Kind,
			sleepAt: uint32(sleepAt), sleepN: uint8(len(e.sleepBuf))}))}
		e.seen.put(o.fp, at)
		if sl, ok := e.sleeperOf(ch, readClock, at); ok {
			taken = append(taken, sl)
			e.taken = taken
		}
		expand := e.cfg.MaxDepth == 0 || int(child) < e.cfg.MaxDepth
		if expand && len(e.snap.now)+len(e.snap.next) < e.snap.max {
			e.snap.next[at.i] = cw
		} else {
			e.drop(cw)
		}
	}
	return nil
}

// worldOf returns a world in the state at r for the caller to step: its
// own (which it gives up), or one made from its nearest ancestor at hand.
func (e *explorer) worldOf(r ref) (*runner.World, error) {
	if w, ok := e.snap.now[r.i]; ok {
		delete(e.snap.now, r.i)
		return w, nil
	}
	if r.depth == 0 {
		return e.clone(e.snap.root)
	}
	n := e.snap.levels[r.depth].at(int(r.i))
	pw, err := e.ancestor(ref{r.depth - 1, n.parent})
	if err != nil {
		return nil, err
	}
	w, err := e.clone(pw)
	if err != nil {
		return nil, err
	}
	return w, e.redo(w, n.choice())
}

// ancestor returns a world in the state at a that stays a's (the caller
// copies it): the root's, or one made again and kept by depth.
func (e *explorer) ancestor(a ref) (*runner.World, error) {
	if a.depth == 0 {
		return e.snap.root, nil
	}
	c := &e.snap.cache
	if int(a.depth) < len(*c) && (*c)[a.depth].world != nil && (*c)[a.depth].at == a {
		return (*c)[a.depth].world, nil
	}
	n := e.snap.levels[a.depth].at(int(a.i))
	pw, err := e.ancestor(ref{a.depth - 1, n.parent})
	if err != nil {
		return nil, err
	}
	w, err := e.clone(pw)
	if err != nil {
		return nil, err
	}
	if err := e.redo(w, n.choice()); err != nil {
		return nil, err
	}
	for len(*c) <= int(a.depth) {
		*c = append(*c, remade{})
	}
	if old := (*c)[a.depth].world; old != nil {
		e.drop(old)
	}
	(*c)[a.depth] = remade{at: a, world: w}
	return w, nil
}

// redo takes again a choice that was taken once already: its state was
// judged then.
func (e *explorer) redo(w *runner.World, c sim.Choice) error {
	e.res.Redone++
	f, err := e.apply(w, c)
	if err != nil {
		return err
	}
	if f != nil {
		return fmt.Errorf("explore: taking %v again failed %v, which it passed the first time: the world's copy differs from the world", c, f)
	}
	// The world is copied next, once per choice: the node that ran and
	// the messages it sent are digested now, while the world holds them
	// alone, and the history too, so that the copies share the cached
	// digests (sim.Sim.NodeFingerprint, sim.Sim.PendingDigest,
	// runner.World.HistoryDigest).
	s := w.Sim()
	if id, ok := s.LastStepNode(); ok {
		s.NodeFingerprint(id)
	}
	s.PendingDigest()
	w.HistoryDigest()
	return nil
}

func (e *explorer) clone(w *runner.World) (*runner.World, error) {
	e.res.Clones++
	var dst *runner.World
	if n := len(e.snap.pool); n > 0 {
		dst = e.snap.pool[n-1]
		e.snap.pool = e.snap.pool[:n-1]
	}
	c, err := w.CloneInto(dst)
	if err != nil {
		return nil, fmt.Errorf("explore: a state's world cannot be copied (the first one could): %w", err)
	}
	return c, nil
}
