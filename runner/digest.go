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

// digest digests the history up to the order of its events: the
// operations in call order, each with its client, input, output and the
// ranks of its call and return among all the history's calls and returns.
// That is all a linearizability check looks at, so two histories with one
// digest get one verdict. It is kept until the next call or return, and
// each value is digested once.
func (h *history) digest() uint64 {
	if h.sumOK {
		return h.sum
	}
	digest := h.valueDigest
	if digest == nil {
		digest = ValueDigest
	}
	d := sim.Mix(uint64(len(h.ops)))
	for i := range h.ops {
		op, r := &h.ops[i], &h.ranks[i]
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
		d = sim.Mix(d, uint64(op.Client), r.in, out, r.call, ret)
	}
	h.sum, h.sumOK = d, true
	return d
}

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
