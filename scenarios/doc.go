// Package scenarios turns the kernel, the network, the fault plans and a
// protocol into a test harness. A Scenario is data: a protocol (package
// protocol), its config, a workload of closed-loop clients, a network, a
// fault generator, the checks and the probes it expects to reach.
// Scenario.Params draws one run from a seed: every knob (cluster size,
// network rates, the fault plan) comes from the seed, every default is
// resolved, and Knobs prints the run as one block that starts with "seed=".
// RunParams executes it (package runner) and checks its history (package
// lincheck); Run does both.
//
// # What a run checks
//
//   - Safety invariants, as the run goes (after every step), through the
//     protocol's views: agreement on each slot, stability of decided slots,
//     prefix-consistent execution, no divergence of state digests, and
//     promised ballots that never go back, across restarts and on the
//     synced disk too (package runner).
//   - Liveness: the fault plan ends with a heal phase (network healed,
//     random loss and duplication off, crashed servers restarted, clocks
//     reset); from then on no client operation may stay open longer than
//     Checks.Liveness of simulated time, or the run fails with "no
//     progress" and each server's state. Checks.CorrectnessOnly drops the
//     heal phase and expects no progress.
//   - Linearizability of the client history against the protocol's spec
//     (package lincheck, per partition, e.g. per key), with a wall-time
//     bound. Operations whose outcome is unknown stay open to the end of
//     the history. The verdict is ok, violation or unknown, and unknown
//     fails the run unless Checks.AllowUnknown.
//   - Budgets: the kernel's step budget and a simulated-time budget; a
//     panic in a node or in the harness fails only its seed.
//   - Determinism: Sweep.DeterminismEvery re-runs a share of the seeds and
//     names the first divergent trace event if a hash differs.
//
// Each failure names one Check and its first offending fact. Explain
// re-runs a failed seed (identically) to keep the trace's last events,
// WriteArtifacts leaves the full trace, the history as JSON, the run as
// JSON (params.json, replayable with -paxossim.plan), the fault plan, what
// each fault did (faults.json), and the HTML page that shows the bug
// (visualize.go); Report formats it all with the replay commands;
// RecheckPath re-runs only the checker on a saved history or a Jepsen log,
// and draws its page.
//
// A run also counts how often the protocol reached its probes (Coverage);
// a sweep of a scenario that never reaches a probe it Expects fails, like a
// "sometimes" property.
//
// # go test
//
// The go test entry points are in package paxossimtest; this package's
// own tests use them for the built-in protocols. From the module's root:
//
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seeds=500     # a sweep from a fresh random base seed
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.base-seed=B   # that sweep again
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=S -paxossim.trace
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.mutant=quorum-minus-one
//	go test ./scenarios -run '^TestSeeds$' -paxossim.plan=DIR/params.json                    # a saved or shrunk run
//	go test ./scenarios -run '^TestSeeds$' -paxossim.recheck=DIR                             # re-check a saved history
//
// Every flag can come from an environment variable instead
// (PAXOSSIM_SEEDS, PAXOSSIM_SEED, PAXOSSIM_SCENARIO, PAXOSSIM_PROTOCOL,
// PAXOSSIM_MUTANT, PAXOSSIM_BASE_SEED, PAXOSSIM_TRACE=1, PAXOSSIM_OUT,
// PAXOSSIM_PLAN, PAXOSSIM_RECHECK), which `go test ./...` carries to every
// package.
//
// Sweeps run seeds in parallel, one simulation per goroutine; nothing inside
// a run uses goroutines, wall time or global randomness. The harness
// measures wall time only around a run, for throughput figures, and the
// linearizability check's timeout is wall time by nature, which is why the
// verdict is not part of the trace hash.
package scenarios
