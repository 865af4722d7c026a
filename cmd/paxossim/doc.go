// Command paxossim is the command line of the paxossim harness: it sweeps
// many seeds of a scenario of a protocol in parallel with a live progress
// line and a summary, replays one seed (or a saved run) exactly with its
// full trace, lists what there is to run, merges the JSON lines of sharded
// sweeps, and measures the figures the README keeps.
//
// Usage:
//
//	paxossim run    -scenario NAME [-protocol NAME] [-seeds N | -seed-start S [-count N]]
//	                [-parallel P] [-mutant M] [-budget DURATION] [-json FILE]
//	                [-shard i/n | -shard env] [-out DIR] [-determinism-every K]
//	paxossim replay -scenario NAME -seed S [-protocol NAME] [-mutant M] [-trace] [-out DIR]
//	paxossim replay -plan FILE [-trace] [-out DIR]
//	paxossim list
//	paxossim merge  FILE...
//	paxossim bench  [-seeds N] [-scenario NAME] [-protocol NAME] [-readme README.md]
//
// Protocols come from the registry of package protocol (-protocol, default
// the reference MultiPaxos); a scenario is protocol-free and runs any of
// them; -mutant names a mutant of the chosen protocol. "paxossim list"
// prints them all, with each protocol's mutants and coverage probes.
//
// Exit status: 0 when every seed passed, 1 when a seed failed (or a merge is
// incomplete), 2 on bad usage. Run "paxossim help COMMAND" for a command's
// flags.
//
// Every failure report prints two commands that replay the run, to be run
// from the module's root: this command's, and the go test one, for example
//
//	go run ./cmd/paxossim replay -scenario chaos -seed 3 -mutant execute-before-commit -trace
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=3 -paxossim.mutant=execute-before-commit -paxossim.trace
//
// and a saved run (an artifacts directory's params.json, or the plan.json
// next to it) replays with
//
//	go run ./cmd/paxossim replay -plan DIR/params.json -trace
//	go test ./scenarios -run '^TestSeeds$' -paxossim.plan=DIR/params.json -paxossim.trace
//
// Parallelism lives only between seeds: each seed is one simulation on one
// goroutine (scenarios.Sweep), so a seed's run, and every deterministic field
// the command prints or writes for it, is the same at any -parallel and in
// any shard. This package is the only one allowed wall-clock time, and uses
// it only for the progress line, the -budget and throughput figures.
package main
