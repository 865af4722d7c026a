// Command paxossim is the command line of the paxossim harness: it sweeps
// many seeds of a scenario of a protocol in parallel with a live progress
// line and a summary, replays one seed (or a saved run) exactly with its
// full trace, shrinks a failing run to a smaller one that fails the same
// check, lists what there is to run, merges the JSON lines of sharded
// sweeps, re-checks a saved history or a Jepsen log and draws its page,
// and measures the figures the README keeps.
//
// Usage:
//
//	paxossim run    -scenario NAME [-protocol NAME] [-seeds N | -seed-start S [-count N]]
//	                [-parallel P] [-mutant M] [-budget DURATION] [-stop-after N] [-json FILE]
//	                [-shard i/n | -shard env] [-out DIR] [-determinism-every K] [-revision REV]
//	paxossim replay -scenario NAME -seed S [-protocol NAME] [-mutant M] [-trace] [-out DIR] [-revision REV]
//	paxossim replay -plan FILE [-trace] [-out DIR] [-revision REV]
//	paxossim shrink -scenario NAME -seed S [-protocol NAME] [-mutant M] [-out DIR] [-max-runs N]
//	paxossim shrink -plan FILE [-out DIR] [-max-runs N]
//	paxossim list
//	paxossim merge  [-show N] FILE...
//	paxossim recheck [-budget N] [-timeout D] [-checker auto|exact|porcupine] [-spec NAME] [-html PATH] [-allow-unknown] DIR|FILE
//	paxossim bench  [-seeds N] [-scenario NAME] [-protocol NAME] [-readme README.md] [-revision REV]
//
// Protocols come from the registry of package protocol (-protocol, default
// the reference MultiPaxos); a scenario is protocol-free and runs any of
// them; -mutant names a mutant of the chosen protocol. "paxossim list"
// prints them all, with each protocol's mutants and coverage probes.
//
// # Exit status
//
// Every command exits with the code of its outcome's class, so that a
// script, a CI job or a Kubernetes podFailurePolicy can tell a bug found
// in the protocol from a mistyped command line or a crash of the harness:
//
//	0  pass: every seed passed (a sweep stopped early by -budget or an
//	   interrupt passes on the seeds it ran)
//	1  a correctness check failed: a safety invariant, linearizability,
//	   determinism, a node's panic, an inconclusive check, a budget, or a
//	   scenario that never reached a probe it exists to exercise
//	2  bad usage or bad input: an unknown name, a value past a limit, an
//	   unreadable, oversized or impossible file, shrink given a run that
//	   passes; nothing ran (or nothing was merged)
//	3  no progress only: every failure is a no-progress (liveness)
//	   failure, an operation still open past the bound after the heal
//	4  paxossim itself crashed (a Go panic in the command, a harness
//	   bug): the stack is on stderr
//	5  incomplete: no check failed, but results are missing or
//	   inconsistent: merge found seeds with no line, an empty or torn
//	   shard file (a shard killed mid-write) or a seed twice; run could not
//	   write its -json file; bench could not take a measurement or rewrite
//	   the README; recheck's verdict is unknown (the search ran out of
//	   budget), or its page could not be written
//
// A command that finds several classes exits with the most severe: 1,
// then 5, then 3. A sweep with both safety and no-progress failures exits
// 1; a merge with no-progress failures and missing seeds exits 5, since
// the missing seeds may hold any failure. Go's runtime exits 2 on a fatal
// error it cannot recover from (running out of memory, a deadlock); the
// limits on every input keep the commands from getting there.
//
// Every limit on what a user can size (-parallel, -seeds, -count,
// -budget, the shards, a line or file merge reads, a saved run) is a named
// constant; a value past one is refused with one line naming the flag or
// field, the value and the limit, and exit status 2. docs/bad-input.md
// lists them, with every bad input the tests try and the message it gets.
//
// # Replaying
//
// Every failure report prints two commands that replay the run, to be run
// from the module's root: this command's, and the go test one, for example
//
//	go run ./cmd/paxossim replay -scenario chaos -seed 3 -mutant execute-before-commit -trace
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=3 -paxossim.mutant=execute-before-commit -paxossim.trace
//
// and a saved run (an artifacts directory's params.json, or the plan.json
// next to it, or a run shrink wrote) replays with
//
//	go run ./cmd/paxossim replay -plan DIR/params.json -trace
//	go test ./scenarios -run '^TestSeeds$' -paxossim.plan=DIR/params.json -paxossim.trace
//
// # Revisions
//
// A seed replays the same run only at the same revision of the code, so
// the header of a sweep, its JSON lines and the reports it prints name
// the revision the binary was built from: the VCS stamp go build writes
// into it (in a checkout; -buildvcs=true where GOFLAGS turns stamping
// off), or, for a binary without one (go run, -buildvcs=false), the
// -revision flag, or "unknown". Never the git repository of the directory
// the command runs in, which may hold other code.
//
// Parallelism lives only between seeds: each seed is one simulation on one
// goroutine (scenarios.Sweep), so a seed's run, and every deterministic field
// the command prints or writes for it, is the same at any -parallel and in
// any shard. This package is the only one allowed wall-clock time, and uses
// it only for the progress line, the -budget and throughput figures.
package main
