package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paxossim/paxossim/runner"
)

// The limits on everything a user can size, on the command line or in a
// file a command reads. A value past one is refused before anything runs,
// with one line naming the flag or field, the value and the limit, and
// exit status 2: a typo (-count 1e12, -parallel 100000) or a hostile file
// must not become hours of work, gigabytes of memory or an int overflow on
// a 32-bit build. Each limit is far above any real use.
const (
	// maxParallel bounds -parallel: seeds run at once, one goroutine and
	// one simulated world each. No machine has more cores than this.
	maxParallel = 4096
	// maxSeeds bounds -seeds, -count, -stop-after, bench's -seeds and
	// -scaling-seeds, and a JSON line's index and sweep_count: a billion
	// seeds is days of a large cluster, and every seed index stays an int
	// on a 32-bit build. A sweep bounded only by -budget stops there too.
	maxSeeds = 1_000_000_000
	// maxBudget bounds -budget, the wall-clock time a sweep may start
	// seeds in.
	maxBudget = 30 * 24 * time.Hour
	// maxShards bounds the n of -shard i/n and -shard-count, and of a JSON
	// line's shard: merge keeps a count per shard.
	maxShards = 100_000
	// maxReports bounds -reports: each full report re-runs its seed and
	// writes its artifacts (trace, history, visualization).
	maxReports = 100
	// maxShow bounds merge's -show: merge keeps that many failing lines
	// per sweep, however many fail.
	maxShow = 10_000
	// maxShrinkRuns bounds shrink's -max-runs: runs the shrinker may spend
	// (scenarios.MinimizeParams never spends more than 1000 either).
	maxShrinkRuns = 1000
	// maxLineBytes bounds one JSON line that merge reads: a line run
	// writes is a few hundred bytes, and its fact is cut at maxFactBytes.
	// Reading /dev/zero, or a file with no newline, fails after this many
	// bytes instead of filling the memory.
	maxLineBytes = 1 << 20
	// maxFactBytes bounds the fact that run writes into a JSON line; the
	// whole fact is in the seed's report, and its replay prints it again.
	maxFactBytes = 64 << 10
	// maxMergeFileBytes bounds what merge reads from one file (a pipe
	// included): a billion-seed sweep's lines are a few hundred GB split
	// among its shards' files, and a source that never ends is refused.
	maxMergeFileBytes = 64 << 30
	// maxPlanFileBytes bounds a saved run that replay -plan and shrink
	// -plan read (runner.LoadParams refuses bigger files too).
	maxPlanFileBytes = runner.MaxParamsFile
	// maxRevisionLen bounds -revision.
	maxRevisionLen = 100
)

// boundedInt is an int flag with its allowed range: a value outside it,
// or one that does not fit an int64, is refused when the flag is parsed,
// with the flag package's one-line error naming the flag and the value
// and this type's naming the bound, e.g.
//
//	invalid value "5000" for flag -parallel: must be at most 4096
type boundedInt struct {
	v        int
	min, max int
}

func (b *boundedInt) String() string {
	if b == nil {
		return "0"
	}
	return strconv.Itoa(b.v)
}

func (b *boundedInt) Set(s string) error {
	v, err := strconv.ParseInt(s, 0, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(s, "-"):
		return fmt.Errorf("must be at least %d", b.min)
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("must be at most %d", b.max)
	case err != nil:
		return fmt.Errorf("not an integer")
	}
	switch {
	case v < int64(b.min):
		return fmt.Errorf("must be at least %d", b.min)
	case v > int64(b.max):
		return fmt.Errorf("must be at most %d", b.max)
	}
	b.v = int(v)
	return nil
}

// intFlag defines a boundedInt flag on fs and returns its value's address.
func (fs *flagSet) intFlag(name string, value, min, max int, usage string) *int {
	b := &boundedInt{v: value, min: min, max: max}
	fs.Var(b, name, usage)
	return &b.v
}
