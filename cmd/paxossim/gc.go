package main

import (
	"os"
	"runtime/debug"
)

// A sweep's live heap is tiny, a few MiB: the worlds of the runs under way.
// Under the default GOGC=100 the heap goal is then its 4 MiB minimum, and
// each seed allocates about that much, so the collector runs about once per
// seed; with several cores every cycle also pays for waking and stopping
// threads. Measured on 2 cores, the chaos sweep ran at 270 seeds/s with no
// gain from the second core under GOGC=100, and at 1100 seeds/s, 1.9 times
// the one-core rate, under GOGC=1000. The memory limit keeps the raised
// target from growing the heap without bound when many failing results are
// kept (a mutant sweep): past it the collector runs as often as it must.
const (
	sweepGCPercent = 1000
	sweepMemLimit  = 1 << 30
)

// tuneGC applies the sweep's collector settings, unless the user chose
// them with GOGC or GOMEMLIMIT, and returns a function that restores the
// previous ones (tests run the command in-process).
func tuneGC() (restore func()) {
	var undo []func()
	if _, set := os.LookupEnv("GOGC"); !set {
		prev := debug.SetGCPercent(sweepGCPercent)
		undo = append(undo, func() { debug.SetGCPercent(prev) })
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		prev := debug.SetMemoryLimit(sweepMemLimit)
		undo = append(undo, func() { debug.SetMemoryLimit(prev) })
	}
	return func() {
		for _, f := range undo {
			f()
		}
	}
}
