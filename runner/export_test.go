package runner

import (
	"slices"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// WithoutVoteChecks returns opts with the chosen and divergence checks left
// out, for the benchmark that measures their cost (checkcost_test.go).
func WithoutVoteChecks(opts Options) Options {
	opts.withoutVoteChecks = true
	return opts
}

// ReferenceHistoryDigest digests a history as World.HistoryDigest's
// definition says, from the history alone: ranks are the places of the
// calls and returns among all of them sorted by time.
func ReferenceHistoryDigest(ops []spec.Operation) uint64 {
	var times []int64
	for _, op := range ops {
		times = append(times, op.Call)
		if _, open := op.Output.(spec.Unknown); !open {
			times = append(times, op.Return)
		}
	}
	slices.Sort(times)
	times = slices.Compact(times)
	rank := func(t int64) uint64 { i, _ := slices.BinarySearch(times, t); return uint64(i) }
	d := sim.Mix(uint64(len(ops)))
	for _, op := range ops {
		ret := uint64(openRank)
		if _, open := op.Output.(spec.Unknown); !open {
			ret = rank(op.Return)
		}
		d = sim.Mix(d, uint64(op.Client), ValueDigest(op.Input), ValueDigest(op.Output), rank(op.Call), ret)
	}
	return d
}
