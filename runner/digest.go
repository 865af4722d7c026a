package runner

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// opRanks is what the history digest keeps per operation: the ranks of
// its call and return among the history's calls and returns (stamps are
// strictly increasing, so a rank is the order of recording), and the
// digests of its input and output, 0 until first needed.
type opRanks struct {
	call, ret uint64
	in, out   uint64
}

// openRank is the return rank of an open operation: it may take effect at
// any later time.
const openRank = 1 << 62

// historyDigest is what a history's digest keeps: per operation the
// ranks of its call and return and its values' digests, the calls and
// returns counted, and the digest while it is valid.
type historyDigest struct {
	ranks  []opRanks
	events uint64
	sum    uint64
	sumOK  bool
}

// called notes the call of a new operation, the last of the history.
func (d *historyDigest) called() {
	d.ranks = append(d.ranks, opRanks{call: d.events})
	d.events++
	d.sumOK = false
}

// returned notes the return of operation i.
func (d *historyDigest) returned(i int) {
	d.ranks[i].ret, d.ranks[i].out = d.events, 0
	d.events++
	d.sumOK = false
}

// of digests ops, the history whose calls and returns d noted, up to
// the order of its events: the operations in call order, each with its
// client, input, output and the ranks of its call and return among all
// the history's calls and returns. That is all a linearizability check
// looks at, so two histories with one digest get one verdict. It is
// kept until the next call or return, and each value is digested once,
// by digest (nil: ValueDigest).
func (d *historyDigest) of(ops []spec.Operation, digest func(any) uint64) uint64 {
	if d.sumOK {
		return d.sum
	}
	if digest == nil {
		digest = ValueDigest
	}
	sum := sim.Mix(uint64(len(ops)))
	for i := range ops {
		op, r := &ops[i], &d.ranks[i]
		if r.in == 0 {
			r.in = nonZero(digest(op.Input))
		}
		ret, out := uint64(openRank), unknownDigest
		if op.Return >= 0 {
			if r.out == 0 {
				r.out = nonZero(digest(op.Output))
			}
			ret, out = r.ret, r.out
		}
		sum = sim.Mix(sum, uint64(op.Client), r.in, out, r.call, ret)
	}
	d.sum, d.sumOK = sum, true
	return sum
}

// clone returns a copy of d in dst's memory.
func (d *historyDigest) cloneInto(dst *historyDigest) {
	ranks := append(dst.ranks[:0], d.ranks...)
	*dst = *d
	dst.ranks = ranks
}

// layerDigest is one layer history's historyDigest.
type layerDigest = historyDigest

// digest digests the client history (historyDigest.of).
func (h *history) digest() uint64 { return h.dig.of(h.ops, h.valueDigest) }

// ValueDigest digests an operation's input or output by its type and
// printed form, which a spec's values print in full; never 0.
func ValueDigest(v any) uint64 {
	d := sim.HashString(fmt.Sprintf("%T %v", v, v))
	if d == 0 {
		d = 1
	}
	return d
}

var unknownDigest = ValueDigest(spec.Unknown{})

// nonZero keeps 0 for "not digested yet" (opRanks).
func nonZero(d uint64) uint64 {
	if d == 0 {
		return 1
	}
	return d
}
