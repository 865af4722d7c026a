package etcdraft

import (
	"fmt"
	"sync/atomic"
)

// Determinism with a library you do not control. etcd raft (v3.6 and
// v3.7) draws each randomized election timeout with
// crypto/rand.Int(crypto/rand.Reader, ...), and logs through a logger. A
// seed controls neither, so the options are:
//
//  1. Replace crypto/rand.Reader, process-wide, with ZeroReader (what this
//     module's tests do, in TestMain). Every draw is then 0, so raft's
//     election timeout is exactly ElectionTicks ticks, and the randomness
//     that breaks split votes comes from the seed instead: each node draws
//     its tick period from its own stream at every term (node.go). Draws
//     then do not depend on which simulation runs on which goroutine, so
//     sweeps stay deterministic in parallel. Do this only in a test or
//     simulation binary: it disables real randomness for the process.
//  2. Go 1.26's testing/cryptotest.SetGlobalRandom(t, seed) makes
//     crypto/rand one seeded stream, for one test. It is enough for one
//     run at a time (a replay), but not for a sweep: the stream is shared
//     by every simulation in the process, so what a run draws depends on
//     the runs before it and on how parallel ones interleave, and the
//     test may not be parallel.
//  3. Harness-driven campaigns: an ElectionTick too large to ever fire,
//     with the adapter calling RawNode.Campaign on its own seeded timer.
//     It leaves crypto/rand alone, but ElectionTick also sets CheckQuorum's
//     period and the leader lease that makes voters ignore disruptive
//     candidates, which then change too.
//
// Finding out: `go tool detlint -deps ./...` (make lint runs it here)
// warns about every dependency outside the standard library that reads
// the clock or draws crypto, global or per-process randomness; for raft it
// names raft.go's import of crypto/rand. At run time, ZeroReader counts the
// reads that reach it, so a test can check that the draws it neutralizes
// are really made through it.
//
// The logger: every node gets discardLogger through raft.Config.Logger
// (raft's default writes wall-clock timestamps to stderr, and its Fatal
// exits the process, which would kill a whole sweep).

// ZeroReader reads as an endless run of zero bytes, and counts its reads,
// so a test can check that the library's draws really go through it.
var ZeroReader = &zeroReader{}

type zeroReader struct{ reads atomic.Uint64 }

func (z *zeroReader) Read(b []byte) (int, error) {
	z.reads.Add(1)
	clear(b)
	return len(b), nil
}

// Reads counts the reads so far.
func (z *zeroReader) Reads() uint64 { return z.reads.Load() }

// discardLogger drops raft's logging; Panic and Fatal panic, so that
// paxossim reports them as the node's panic, with its stack, for the seed.
type discardLogger struct{}

func (discardLogger) Debug(...any)              {}
func (discardLogger) Debugf(string, ...any)     {}
func (discardLogger) Error(...any)              {}
func (discardLogger) Errorf(string, ...any)     {}
func (discardLogger) Info(...any)               {}
func (discardLogger) Infof(string, ...any)      {}
func (discardLogger) Warning(...any)            {}
func (discardLogger) Warningf(string, ...any)   {}
func (discardLogger) Fatal(v ...any)            { panic(fmt.Sprint(v...)) }
func (discardLogger) Fatalf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
func (discardLogger) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (discardLogger) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
