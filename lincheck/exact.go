package lincheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// The exact checker judges one partition whose written values are unique
// without search, in O(n log n). The argument, in full:
//
// Writes create versions of the state. Because every written value is
// unique, an operation that observes a state (spec.Access.Observed) names
// the writes that built it, oldest first, and so the version it saw: the
// one created by the last of them (or the initial version, for an empty
// state). A state is rebuilt only by a replacing write (a put, or a
// compare-and-swap that swapped) followed by extending writes (appends), so
// an observation [a, b, c] says: a replaced the state (or, if a extends, a
// came first of all, right after the initial version); b was written
// immediately after a, and c immediately after b. A compare-and-swap that
// swapped was written immediately after the version it expected. These
// "immediately after" facts (pred) must agree wherever they are seen, and no
// version may have two immediate successors; otherwise no order of writes
// can produce what was observed.
//
// Following pred links splits the versions into chains: a chain starts at
// the initial version or at a version whose predecessor is free (a put, or
// an append nobody observed), and is a run of consecutive versions in any
// order of writes. In a linearization each chain's operations are
// contiguous: its versions in chain order, each version's write followed by
// the operations that read it. So the only freedom left is the order of the
// chains, and the question is the one Gibbons and Korach answered for a
// register whose reads name their writes ("Testing shared memories", SIAM
// J. Comput. 1997), with chains in the place of their clusters:
//
//  1. Inside a chain the order is fixed, so a greedy schedule decides it:
//     place each operation at the latest call time of everything ordered
//     before it (or its own call); the chain is feasible if and only if no
//     operation is placed after its own return. (An operation that must
//     follow another yet returned before that one was called is the
//     explanation of a failure.)
//  2. Let minRet be the earliest return and maxCall the latest call in a
//     chain. Its first write takes effect no later than minRet and its last
//     operation no earlier than maxCall. If minRet < maxCall the chain's
//     states must be current throughout [minRet, maxCall] (a forward zone);
//     otherwise all of the chain fits at any single instant of [maxCall,
//     minRet] (a backward zone).
//  3. Chains cannot interleave, so two forward zones must not overlap (they
//     may touch), and a backward zone must not lie inside the interior of a
//     forward zone. The initial chain starts at -inf, so it comes first.
//
// These conditions are necessary (each step above derives them from any
// linearization) and sufficient: sort the forward zones, give every
// backward chain a point of its zone outside every forward interior (one
// exists: its zone is not inside any one interior, and interiors are
// disjoint), and run each chain greedily from its zone's start; the
// resulting times are non-decreasing, each inside its operation's interval,
// so the order they give respects real time and the sequential spec.
//
// Operations of unknown outcome return at +inf. An unknown read constrains
// nothing and is dropped; an unknown write that nothing observed may be
// placed last of all (or never have happened) and is dropped; an observed
// one took effect and stays. The package tests check this argument against
// porcupine's search on many thousands of random small histories.

const (
	negInf = math.MinInt64
	posInf = math.MaxInt64
)

// xop is an operation of the partition under the exact check.
type xop struct {
	idx       int // index into the history
	call, ret int64
	unknown   bool
	acc       spec.Access
	version   int // the version it writes, or -1
	reads     int // the version it read (a NoWrite observer), or -1
}

// version is a state of the partition: the initial one (0), or the one a
// write created.
type version struct {
	writer  int // xop index, -1 for the initial version
	pred    int // the version right before it, -1 if free
	predSrc int // xop whose observation fixed pred
	succ    int
	readers []int // xops that read this version (not the write after it)
	seen    bool  // named by an observation
	inChain bool
}

type exact struct {
	m    spec.Model
	h    []spec.Operation
	ops  []xop
	vers []version
}

// exactResult is the exact checker's verdict on one partition.
type exactResult struct {
	verdict Verdict
	why     string
	ops     []int // history indexes
}

// notApplicable means the partition needs the search: an operation the
// spec cannot describe, or a value written twice.
type notApplicable struct{ why string }

// checkExact judges the operations idx of history h (one partition).
func checkExact(m spec.Model, h []spec.Operation, idx []int) (exactResult, *notApplicable) {
	x := &exact{m: m, h: h, ops: make([]xop, 0, len(idx)), vers: make([]version, 0, len(idx)+1)}
	byValue := make(map[string]int, len(idx)) // written value -> version
	x.vers = append(x.vers, version{writer: -1, pred: -1, predSrc: -1, succ: -1})
	for _, i := range idx {
		op := h[i]
		acc, ok := m.Access(op.Input, op.Output)
		if !ok {
			return exactResult{}, &notApplicable{fmt.Sprintf("operation %s has no access form", m.DescribeOperation(op.Input, op.Output))}
		}
		_, unknown := op.Output.(spec.Unknown)
		if acc.Write == spec.NoWrite && (unknown || !acc.Observes) {
			continue // an unknown read, or an operation with no effect, constrains nothing
		}
		o := xop{idx: i, call: op.Call, ret: op.Return, unknown: unknown, acc: acc, version: -1, reads: -1}
		if unknown {
			o.ret = posInf
		}
		if acc.Contradiction != "" {
			return exactResult{Violation, fmt.Sprintf("%s: %s", x.describe(i), acc.Contradiction), []int{i}}, nil
		}
		if acc.Write != spec.NoWrite {
			if _, dup := byValue[acc.Value]; dup {
				return exactResult{}, &notApplicable{fmt.Sprintf("value %q is written twice", acc.Value)}
			}
			o.version = len(x.vers)
			byValue[acc.Value] = o.version
			x.vers = append(x.vers, version{writer: len(x.ops), pred: -1, predSrc: -1, succ: -1})
		}
		x.ops = append(x.ops, o)
	}
	if r, bad := x.infer(byValue); bad {
		return r, nil
	}
	return x.judge(), nil
}

// infer resolves observations to versions, keeps the unknown writes that
// took effect, and fixes pred and succ links.
func (x *exact) infer(byValue map[string]int) (exactResult, bool) {
	// Which unknown writes took effect: those some kept operation observed.
	// Known operations are kept; an unknown swap's own observation counts
	// only once it is kept. A worklist finds the fixpoint.
	kept := make([]bool, len(x.ops))
	var work []int
	for i := range x.ops {
		if !x.ops[i].unknown {
			kept[i] = true
			work = append(work, i)
		}
	}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		o := &x.ops[i]
		if !o.acc.Observes {
			continue
		}
		for _, val := range o.acc.Observed {
			v, ok := byValue[val]
			if !ok {
				return exactResult{Violation, fmt.Sprintf("%s observed %q, which no operation on this key wrote", x.describe(o.idx), val), []int{o.idx}}, true
			}
			x.vers[v].seen = true
			if w := x.vers[v].writer; !kept[w] {
				kept[w] = true
				work = append(work, w)
			}
		}
	}
	// Drop the unknown writes nothing observed; renumber nothing: a dropped
	// write's version just stays out of every chain.
	for i := range x.ops {
		if !kept[i] {
			x.vers[x.ops[i].version].writer = -2
			x.ops[i].version = -1
		}
	}
	for i := range x.ops {
		o := &x.ops[i]
		if !kept[i] || !o.acc.Observes {
			continue
		}
		last := 0
		for j, val := range o.acc.Observed {
			v := byValue[val]
			kind := x.ops[x.vers[v].writer].acc.Write
			switch {
			case j == 0 && kind == spec.Extend:
				if r, bad := x.setPred(v, 0, i); bad {
					return r, true
				}
			case j > 0 && kind != spec.Extend:
				w := x.ops[x.vers[v].writer].idx
				return exactResult{Violation, fmt.Sprintf("%s observed %q after %q, but %s replaces the whole state: nothing can come before its value",
					x.describe(o.idx), val, o.acc.Observed[j-1], x.describe(w)), uniq(o.idx, w)}, true
			case j > 0:
				if r, bad := x.setPred(v, last, i); bad {
					return r, true
				}
			}
			last = v
		}
		if o.acc.Write == spec.Swap {
			if r, bad := x.setPred(o.version, last, i); bad {
				return r, true
			}
		} else if o.acc.Write == spec.NoWrite {
			o.reads = last
			x.vers[last].readers = append(x.vers[last].readers, i)
		}
	}
	// Successors: no version may have two.
	for v := 1; v < len(x.vers); v++ {
		p := x.vers[v].pred
		if p < 0 || x.vers[v].writer < 0 {
			continue
		}
		if s := x.vers[p].succ; s >= 0 {
			a, b := x.ops[x.vers[s].writer].idx, x.ops[x.vers[v].writer].idx
			return exactResult{Violation, fmt.Sprintf("%s and %s both took effect immediately after %s (as %s and %s observed): two writes cannot both come right after the same state",
				x.describe(a), x.describe(b), x.versionName(p), x.describe(x.ops[x.vers[s].predSrc].idx), x.describe(x.ops[x.vers[v].predSrc].idx)),
				uniq(a, b, x.ops[x.vers[s].predSrc].idx, x.ops[x.vers[v].predSrc].idx)}, true
		}
		x.vers[p].succ = v
	}
	return exactResult{}, false
}

func (x *exact) setPred(v, p, src int) (exactResult, bool) {
	ver := &x.vers[v]
	switch {
	case ver.pred < 0:
		ver.pred, ver.predSrc = p, src
	case ver.pred != p:
		a, b := x.ops[ver.predSrc].idx, x.ops[src].idx
		return exactResult{Violation, fmt.Sprintf("%s and %s disagree on what came right before %s: %s and %s",
			x.describe(a), x.describe(b), x.versionName(v), x.versionName(ver.pred), x.versionName(p)), uniq(a, b)}, true
	}
	return exactResult{}, false
}

// chainOf is one chain: its versions in order, and its zone.
type chainOf struct {
	versions        []int
	minRet, maxCall int64
	retSrc, callSrc int // history indexes of the ops giving minRet and maxCall (-1: the initial version)
	forward         bool
}

func (x *exact) judge() exactResult {
	var chains []chainOf
	visited := 0
	for v := range x.vers {
		ver := &x.vers[v]
		if ver.writer == -2 || (v > 0 && ver.pred >= 0) {
			continue // dropped, or not a head
		}
		c := chainOf{minRet: posInf, maxCall: negInf, retSrc: -1, callSrc: -1}
		for u := v; u >= 0; u = x.vers[u].succ {
			c.versions = append(c.versions, u)
			x.vers[u].inChain = true
			visited++
		}
		if r, bad := x.schedule(&c); bad {
			return r
		}
		chains = append(chains, c)
	}
	live := 0
	for v := range x.vers {
		if x.vers[v].writer != -2 {
			live++
		}
	}
	if visited != live {
		return x.cycle()
	}
	return x.zones(chains)
}

// schedule runs a chain greedily (step 1 of the argument) and computes its
// zone.
func (x *exact) schedule(c *chainOf) (exactResult, bool) {
	t, tSrc := int64(negInf), -1 // the latest call ordered so far, and whose
	place := func(i int, after int64, afterSrc int) (exactResult, bool) {
		o := &x.ops[i]
		if after > o.ret {
			a := x.ops[afterSrc].idx
			return exactResult{Violation, fmt.Sprintf("%s must come after %s in any order of this key's writes (%s), but it returned (%v) before that one was invoked (%v)",
				x.describe(o.idx), x.describe(a), x.why(afterSrc, i), sim.Time(o.ret), sim.Time(x.ops[afterSrc].call)), uniq(a, o.idx)}, true
		}
		if o.ret < c.minRet {
			c.minRet, c.retSrc = o.ret, o.idx
		}
		if o.call > c.maxCall {
			c.maxCall, c.callSrc = o.call, o.idx
		}
		return exactResult{}, false
	}
	for _, v := range c.versions {
		ver := &x.vers[v]
		tw, twSrc := t, tSrc
		if w := ver.writer; w >= 0 {
			if r, bad := place(w, t, tSrc); bad {
				return r, true
			}
			if x.ops[w].call > tw {
				tw, twSrc = x.ops[w].call, w
			}
		} else {
			c.minRet, c.retSrc = negInf, -1 // the initial version is there from the start
		}
		t, tSrc = tw, twSrc
		for _, r := range ver.readers {
			if res, bad := place(r, tw, twSrc); bad {
				return res, true
			}
			if x.ops[r].call > t {
				t, tSrc = x.ops[r].call, r
			}
		}
	}
	c.forward = c.minRet < c.maxCall
	return exactResult{}, false
}

// why says why op a precedes op b inside one chain.
func (x *exact) why(a, b int) string {
	va, vb := x.versionOf(a), x.versionOf(b)
	if va == vb {
		return fmt.Sprintf("it read the value %s wrote", x.describe(x.ops[a].idx))
	}
	return fmt.Sprintf("%s comes after %s", x.versionName(vb), x.versionName(va))
}

// versionOf is the version an op wrote or read.
func (x *exact) versionOf(i int) int {
	if o := &x.ops[i]; o.version >= 0 {
		return o.version
	}
	return max(x.ops[i].reads, 0)
}

// zones checks step 3 of the argument.
func (x *exact) zones(chains []chainOf) exactResult {
	var fwd []*chainOf
	for i := range chains {
		if chains[i].forward {
			fwd = append(fwd, &chains[i])
		}
	}
	slices.SortFunc(fwd, func(a, b *chainOf) int { return cmp.Compare(a.minRet, b.minRet) })
	for i := 1; i < len(fwd); i++ {
		a, b := fwd[i-1], fwd[i]
		if b.minRet < a.maxCall {
			return exactResult{Violation, fmt.Sprintf("%s and %s overlap: %s must stay current %s, and %s %s, but one of the two must replace the other",
				x.chainName(a), x.chainName(b), x.chainName(a), x.span(a), x.chainName(b), x.span(b)),
				uniq(a.retSrc, a.callSrc, b.retSrc, b.callSrc)}
		}
	}
	for i := range chains {
		b := &chains[i]
		if b.forward {
			continue
		}
		// The only forward zone whose interior can hold b's zone is the
		// last one starting before it.
		j, _ := slices.BinarySearchFunc(fwd, b.maxCall, func(f *chainOf, t int64) int { return cmp.Compare(f.minRet, t) })
		if j == 0 {
			continue
		}
		f := fwd[j-1]
		if f.minRet < b.maxCall && b.minRet < f.maxCall {
			return exactResult{Violation, fmt.Sprintf("%s must take effect between %v (%s invoked) and %v (%s returned), but %s must stay current all that time: %s",
				x.chainName(b), sim.Time(b.maxCall), x.describe(b.callSrc), sim.Time(b.minRet), x.describe(b.retSrc), x.chainName(f), x.span(f)),
				uniq(b.callSrc, b.retSrc, f.retSrc, f.callSrc)}
		}
	}
	return exactResult{verdict: Ok}
}

func (x *exact) span(c *chainOf) string {
	from := "from the start"
	if c.retSrc >= 0 {
		from = fmt.Sprintf("from %v (%s returned)", sim.Time(c.minRet), x.describe(c.retSrc))
	}
	return fmt.Sprintf("%s until %v (%s invoked)", from, sim.Time(c.maxCall), x.describe(c.callSrc))
}

// cycle explains versions that no chain reaches: their pred links go
// round.
func (x *exact) cycle() exactResult {
	seen := map[int]bool{}
	for v := range x.vers {
		if x.vers[v].writer == -2 || x.vers[v].inChain {
			continue
		}
		// A version outside every chain: follow pred until it repeats.
		u := v
		for !seen[u] {
			seen[u] = true
			u = x.vers[u].pred
		}
		var names []string
		var ops []int
		for w := u; ; {
			names = append(names, x.versionName(w))
			ops = append(ops, x.ops[x.vers[w].predSrc].idx)
			if w = x.vers[w].pred; w == u {
				break
			}
		}
		slices.Reverse(names)
		return exactResult{Violation, fmt.Sprintf("the observations put these writes in a cycle, each right after the one before: %s -> %s",
			strings.Join(names, " -> "), names[0]), uniq(ops...)}
	}
	return exactResult{Violation, "the observations put writes in a cycle", nil}
}

func (x *exact) describe(idx int) string {
	op := x.h[idx]
	return fmt.Sprintf("n%d %s [%v, %v]", op.Client, x.m.DescribeOperation(op.Input, op.Output), sim.Time(op.Call), returnTime(op))
}

func returnTime(op spec.Operation) string {
	if _, unknown := op.Output.(spec.Unknown); unknown {
		return "unknown"
	}
	return sim.Time(op.Return).String()
}

func (x *exact) versionName(v int) string {
	if v == 0 {
		return "the initial state"
	}
	return fmt.Sprintf("the write of %q", x.ops[x.vers[v].writer].acc.Value)
}

func (x *exact) chainName(c *chainOf) string {
	head := c.versions[0]
	if head == 0 {
		if len(c.versions) == 1 {
			return "the initial state"
		}
		return fmt.Sprintf("the states from the initial one to %s", x.versionName(c.versions[len(c.versions)-1]))
	}
	if len(c.versions) == 1 {
		return fmt.Sprintf("the state %s made", x.versionName(head))
	}
	return fmt.Sprintf("the states from %s to %s", x.versionName(head), x.versionName(c.versions[len(c.versions)-1]))
}

// uniq returns the distinct non-negative indexes, sorted.
func uniq(idx ...int) []int {
	out := make([]int, 0, len(idx))
	for _, i := range idx {
		if i >= 0 {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
