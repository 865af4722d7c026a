// Package detlint is the determinism linter of paxossim: it enforces, by
// machine, paxossim's one rule ("a seed is the run": see docs/architecture.md)
// on the packages that run inside a simulation: sim/, network/, faults/,
// replica/, protocol/, spec/ and runner/ (see DefaultPatterns). cmd/detlint is its command line and `make lint` runs it.
//
// A finding is printed as `file:line:col: message`. The rules are:
//
//   - time: the wall-clock and real-timer functions of package time
//     (Now, Since, Until, Sleep, After, AfterFunc, Tick, NewTimer,
//     NewTicker). Time comes from env.Now() and timers from the simulator
//     (a node has no other clock). Types and pure arithmetic such as
//     time.Duration or time.Unix stay allowed.
//   - rand: the package-level functions of math/rand and math/rand/v2
//     (rand.Intn, rand.Float64, rand.Shuffle, rand.N, rand.Seed, ...), which
//     draw from the process-global source. Constructors (every function whose
//     name starts with New: rand.New, rand.NewSource, rand.NewPCG,
//     rand.NewChaCha8, rand.NewZipf) and methods on a *rand.Rand are allowed:
//     that is how a stream derived from the seed is built (guideline 5).
//   - crypto-rand: any import of crypto/rand.
//   - maphash: any import of hash/maphash (random per-process seed).
//   - go: a go statement. Parallelism lives between seeds, never inside one.
//   - chan: a channel type (which covers make(chan T) and chan-typed
//     fields and parameters) and a send, receive or range on a channel
//     value, which catches channels obtained elsewhere (<-ctx.Done()).
//     Channel operations inside a select are reported once, as the select.
//   - select: a select statement.
//   - map-order: a for-range over a map-typed expression (including a type
//     parameter whose constraint only admits maps) and a call of maps.Keys,
//     maps.Values or maps.All (iterators in map order) other than as the
//     direct argument of slices.Sorted, slices.SortedFunc or
//     slices.SortedStableFunc. Go randomizes map iteration order on every
//     range, so any such loop whose order can reach behaviour, output or the
//     trace breaks replay (guideline 6).
//   - directive: a misused //detlint:ordered comment (see below).
//
// Identifiers are resolved with go/types, not by name: an aliased import
// (import r "math/rand"; r.Intn) and a dot import are caught, while a local
// variable called rand or time whose method is Intn or Now is not.
//
// # Map order: the one accepted idiom and the escape hatch
//
// Collecting the keys of a map and sorting them at once is accepted without
// comment, because it is what guideline 6 asks for:
//
//	keys := make([]string, 0, len(m))
//	for k := range m {
//		keys = append(keys, k)
//	}
//	sort.Strings(keys) // or slices.Sort, slices.SortFunc, sort.Slice, ...
//
// The loop body must be exactly that append of the key variable and the very
// next statement must sort the same slice.
//
// Any other map range needs a comment group ending on the line directly above
// the for statement that starts with
//
//	//detlint:ordered <reason>
//
// where the reason says why the iteration order cannot reach behaviour (for
// example "summing counters is commutative" or "deleting every entry"). The
// directive only suppresses map-order findings; a directive without a reason,
// or one that suppresses nothing, is itself a finding, so stale directives do
// not accumulate.
//
// # What is not checked
//
// Test files (*_test.go) are not linted: the determinism tests of those
// packages legitimately run seeds on parallel goroutines and compare traces
// (parallelism lives between seeds, never inside one). Code in a test file that is
// part of a simulation's run path should move to a non-test file or to a
// helper package that is linted.
//
// The check is per package and syntactic in scope: a call of a function in
// another package that itself reads the clock is only caught when that
// package is linted too (LintDeps, detlint -deps, warns about the clock and
// randomness in a package's dependencies outside the standard library), and iteration in map order hidden behind a
// non-standard iterator or sync.Map.Range is not seen.
package detlint
