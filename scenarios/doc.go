// Package scenarios turns the kernel, the network, the fault plans and a
// protocol into a test harness. A Scenario names a family of runs: a cluster
// size, a workload of closed-loop clients, a network and a fault generator.
// Scenario.Params draws one run from a seed: every knob (cluster size,
// network rates, key space, the fault plan) comes from the seed, and Params
// prints as one block that starts with "seed=" (Params.Knobs). RunParams
// executes it; Run does both.
//
// # What a run checks
//
//   - Safety invariants, as the run goes (after every step; measured at
//     about 5-10% of run time): agreement on each slot, stability of decided
//     slots, prefix-consistent execution, and promised ballots that never go
//     back, across restarts too (invariants.go).
//   - Liveness: the fault plan ends with a heal phase (network healed,
//     random loss and duplication off, crashed replicas restarted, clocks
//     reset); from then on no client operation may stay open longer than
//     Checks.Liveness of simulated time, or the run fails with "no progress"
//     and each replica's state. Checks.CorrectnessOnly drops the heal phase
//     and expects no progress.
//   - Linearizability of the client history (porcupine, partitioned by key,
//     kvmodel.go), with a wall-time bound. Operations whose outcome is
//     unknown stay open to the end of the history. The verdict is ok,
//     violation or unknown, and unknown fails the run unless AllowUnknown.
//   - Budgets: the kernel's step budget and a simulated-time budget; a
//     panic in a node or in the harness fails only its seed.
//   - Determinism: Sweep.DeterminismEvery re-runs a share of the seeds and
//     names the first divergent trace event if a hash differs.
//
// Each failure names one Check and its first offending fact. Explain
// re-runs a failed seed (identically) to keep the trace's last events,
// WriteArtifacts leaves the full trace, the history as JSON, the run as
// JSON (replayable with LoadParams or go test -plan), and porcupine's HTML
// visualization with the faults annotated on the timeline; Report formats
// it all with the replay commands; Recheck re-runs only the checker on a
// saved history.
//
// A run also counts how often the protocol reached the paths that matter
// (Coverage); a sweep of a scenario that never reaches a path it Expects
// fails, like a "sometimes" property.
//
// # go test
//
//	go test ./scenarios -run TestSeeds -scenario=chaos -seeds=500        # a sweep from a fresh random base seed
//	go test ./scenarios -run TestSeeds -scenario=chaos -base-seed=B      # that sweep again
//	go test ./scenarios -run TestSeeds -scenario=chaos -seed=S -trace    # one run, every event
//	go test ./scenarios -run TestSeeds -scenario=chaos -mutant=quorum-minus-one
//	go test ./scenarios -run TestSeeds -plan=DIR/params.json             # a saved or shrunk run
//	go test ./scenarios -run TestSeeds -recheck=DIR                      # re-check a saved history
//
// Every flag can come from an environment variable instead (PAXOSSIM_SEEDS,
// PAXOSSIM_SEED, PAXOSSIM_SCENARIO, PAXOSSIM_MUTANT, PAXOSSIM_BASE_SEED,
// PAXOSSIM_TRACE=1, PAXOSSIM_OUT, PAXOSSIM_PLAN, PAXOSSIM_RECHECK), which
// `go test ./...` carries to every package.
//
// Sweeps run seeds in parallel, one simulation per goroutine; nothing inside
// a run uses goroutines, wall time or global randomness. The harness
// measures wall time only around a run, for throughput figures, and the
// linearizability check's timeout is wall time by nature, which is why the
// verdict is not part of the trace hash.
package scenarios
