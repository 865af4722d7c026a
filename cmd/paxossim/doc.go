// Command paxossim is the command line of the paxossim harness: it sweeps
// many seeds of a scenario in parallel with a live progress line and a
// summary, replays one seed exactly with its full trace, lists what there
// is to run, merges the JSON lines of sharded sweeps, and measures the
// figures the README keeps.
//
// Usage:
//
//	paxossim run    -scenario NAME [-seeds N | -seed-start S [-count N]] [-parallel P]
//	                [-mutant M] [-budget DURATION] [-json FILE] [-shard i/n | -shard env]
//	                [-out DIR] [-determinism-every K]
//	paxossim replay -scenario NAME -seed S [-mutant M] [-trace] [-out DIR]
//	paxossim replay -plan FILE [-trace] [-out DIR]
//	paxossim list
//	paxossim merge  FILE...
//	paxossim bench  [-seeds N] [-readme README.md]
//
// Exit status: 0 when every seed passed, 1 when a seed failed (or a merge is
// incomplete), 2 on bad usage. Run "paxossim help COMMAND" for a command's
// flags.
//
// Parallelism lives only between seeds: each seed is one simulation on one
// goroutine (scenarios.Sweep), so a seed's run, and every deterministic field
// the command prints or writes for it, is the same at any -parallel and in
// any shard. This package is the only one allowed wall-clock time, and uses
// it only for the progress line, the -budget and throughput figures.
package main
