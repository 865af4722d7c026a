package scenarios_test

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// The measurements below run only when asked, through environment
// variables (go test's flags are paxossim's and go test's own):
//
//	LEASE_HUNT=500 LEASE_HUNT_SCENARIOS=lease-reads-3,lease-unsynced-3 go test ./scenarios -run '^TestLeaseMutantRates$' -count=1 -v
//	LEASE_FIGURES=1 go test ./scenarios -run '^TestLeaseReadFigures$' -count=1 -v
const defaultHuntScenarios = "lease-reads-3,lease-reads-5,lease-unsynced-3,lease-unsynced-5,lease-restarts-3,lease-restarts-5,lease-isolated-restarts-3,lease-isolated-restarts-5,chaos-3,chaos-5,crashes-3,partitions-3,clocks-3,nemesis-leader-isolation-3,nemesis-clock-chaos-3,nemesis-rolling-restart-3"

// TestLeaseMutantRates measures, for every lease mutant and scenario, the
// share of failing seeds and the checks that caught them: how the lease
// mutant targets were chosen.
func TestLeaseMutantRates(t *testing.T) {
	seeds, _ := strconv.Atoi(os.Getenv("LEASE_HUNT"))
	if seeds <= 0 {
		t.Skip("measurement: run with LEASE_HUNT=N (seeds per mutant and scenario)")
	}
	names := defaultHuntScenarios
	if v := os.Getenv("LEASE_HUNT_SCENARIOS"); v != "" {
		names = v
	}
	for _, m := range multipaxos.LeaseProtocol.MutantNames() {
		for _, name := range strings.Split(names, ",") {
			sc, err := scenarios.LookupFor(multipaxos.LeaseName, name)
			require.NoError(t, err)
			fails, checks := 0, map[scenarios.Check]int{}
			worst, since := 0, 0
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				res := scenarios.Run(sc, 7_000_000+seed, m, scenarios.RunOptions{})
				since++
				if res.Failure != nil {
					fails++
					checks[res.Failure.Check]++
					worst, since = max(worst, since), 0
				}
			}
			var cs []string
			for c, n := range checks {
				cs = append(cs, fmt.Sprintf("%s=%d", c, n))
			}
			sort.Strings(cs)
			t.Logf("%-34s %-38s %5.1f%% [%d] %s", m, name, 100*float64(fails)/float64(seeds), worst, strings.Join(cs, " "))
		}
	}
}

// TestLeaseProtocolBoundsEveryScenario: run against multipaxos-lease, every
// scenario but those that draw their clocks themselves draws its clock
// faults within the declared bound, and plain multipaxos's scenarios are
// untouched.
func TestLeaseProtocolBoundsEveryScenario(t *testing.T) {
	plain, err := scenarios.LookupFor(multipaxos.Name, "clocks")
	require.NoError(t, err)
	assert.Zero(t, plain.FaultGen.SkewMax, "plain multipaxos declares no bound")
	lease, err := scenarios.LookupFor(multipaxos.LeaseName, "clocks")
	require.NoError(t, err)
	// σ/2 = 50ms less 500ppm of drift over the warmup and the 3s phase
	// (1.6ms), in whole milliseconds.
	assert.Equal(t, 48*sim.Millisecond, lease.FaultGen.SkewMax)
	assert.Equal(t, int64(multipaxos.DefaultDriftBoundPPM), lease.FaultGen.DriftMax)
	beyond, err := scenarios.LookupFor(multipaxos.LeaseName, "lease-beyond-bound")
	require.NoError(t, err)
	assert.Equal(t, int64(400_000), beyond.FaultGen.DriftMax, "the beyond-bound scenario keeps its own clocks")
	assert.False(t, scenarios.WithinClockBound("lease-beyond-bound-3"))
	assert.True(t, scenarios.WithinClockBound("lease-unsynced"))
	assert.True(t, scenarios.WithinClockBound("chaos-5"))
}

// TestLeaseClockFaultsStayWithinTheBound draws the plans of every scenario
// that should hold the bound and checks each server clock against it,
// interval by interval: the plans, not only the generator's knobs, stay
// within it. The beyond-bound scenario's plans all leave it.
func TestLeaseClockFaultsStayWithinTheBound(t *testing.T) {
	for _, name := range scenarios.BaseNames() {
		sc, err := scenarios.LookupFor(multipaxos.LeaseName, name)
		require.NoError(t, err, name)
		within := scenarios.WithinClockBound(name)
		for seed := uint64(1); seed <= 40; seed++ {
			p, err := sc.Params(seed, "")
			require.NoError(t, err, name)
			bound, ok, err := scenarios.ClockBoundOf(p.Protocol, p.Config)
			require.True(t, ok)
			require.NoError(t, err)
			excess := bound.Check(p.Plan, p.Servers, p.HealAt+sim.Time(10*sim.Second), nil)
			if within {
				assert.Empty(t, excess, "%s seed %d: plan:\n%s", name, seed, p.Plan)
			} else {
				assert.NotEmpty(t, excess, "%s seed %d", name, seed)
			}
		}
	}
}

// TestLeaseBeyondBoundFails: a sweep of the beyond-bound scenario fails
// within 100 seeds with a stale read (the linearizability check), and its
// report's clock section names the server clock that left the bound, by how
// much, against what bound.
func TestLeaseBeyondBoundFails(t *testing.T) {
	sc, err := scenarios.LookupFor(multipaxos.LeaseName, "lease-beyond-bound")
	require.NoError(t, err)
	for seed := uint64(1); seed <= 100; seed++ {
		res := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
		if res.Failure == nil {
			continue
		}
		require.Equal(t, scenarios.CheckLinearizability, res.Failure.Check, "seed %d: %v", seed, res.Failure)
		assert.Contains(t, res.Failure.Fact, "get(", "a stale read")
		report := scenarios.Report(&res, nil)
		assert.Contains(t, report, "--- clock bound")
		assert.Contains(t, report, "declares every server clock within ±500ppm, steps ±100ms")
		assert.Regexp(t, `n\d's clock ran -400000ppm from t=\d+\.\d+s to t=\d+\.\d+s, beyond the drift bound of ±500ppm: it lost \d+\.\d+ms over those \d+\.\d+ms, \d+\.\d+ms more than the \d+\.\d+ms the bound allows \(t=\d+\.\d+s clock leader skew=-1ms drift=-400000ppm: leader=n\d\)`, report)
		t.Logf("seed %d failed (%d seeds):\n%s", seed, seed, scenarios.ClockReport(&res))
		return
	}
	t.Fatal("100 seeds of lease-beyond-bound passed: clocks beyond the bound never produced a stale read")
}

// TestLeaseWithinBoundPasses: short sweeps of the scenarios the lease
// exists for pass, and reach the lease probes.
func TestLeaseWithinBoundPasses(t *testing.T) {
	for _, name := range []string{"clocks", "chaos", "lease-reads", "lease-restarts", "lease-isolated-restarts", "lease-unsynced"} {
		sc, err := scenarios.LookupFor(multipaxos.LeaseName, name)
		require.NoError(t, err)
		sw := scenarios.Sweep{Scenario: sc, Start: 1, Count: 25}
		sum, err := sw.Run()
		require.NoError(t, err)
		assert.Zero(t, sum.Failures, "%s: %v", name, sum.ByCheck)
		assert.Empty(t, sum.Missing, name)
	}
}

// TestLeaseMutantTargetsCoverTheCatalogue: every lease mutant has a target
// on a lease scenario.
func TestLeaseMutantTargetsCoverTheCatalogue(t *testing.T) {
	var names []string
	for _, tg := range scenarios.MutantTargetsFor(multipaxos.LeaseName) {
		names = append(names, tg.Mutant)
		_, err := scenarios.LookupFor(tg.Protocol, tg.Scenario)
		assert.NoError(t, err, tg.Mutant)
		assert.True(t, strings.HasPrefix(tg.Scenario, "lease-"), tg.Mutant)
	}
	assert.Equal(t, multipaxos.LeaseProtocol.MutantNames(), names, "one target per lease mutant, in catalogue order")
	assert.GreaterOrEqual(t, len(names), 4)
}

// TestLeaseMutantsCaught hunts every lease mutant from -mutant-reps base
// seeds: each must be caught within its budget, by the linearizability
// check (a stale read, which is what every lease bug produces), and its
// first failure must replay. The correct protocol passes the same
// scenarios (TestLeaseWithinBoundPasses and the long sweeps in the
// README), so a catch is the mutant's bug, not the scenario's.
func TestLeaseMutantsCaught(t *testing.T) {
	bases := mutantBases(t)
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(multipaxos.LeaseName), bases)
	require.NoError(t, err)
	t.Logf("\n%s", scenarios.MutantTable(rows))
	for i := range rows {
		r := &rows[i]
		for _, d := range r.Detections {
			if !d.Caught {
				t.Errorf("lease mutant %s escaped: %d seeds of %s from base seed %d all passed", d.Mutant, d.Budget, d.Scenario, d.Base)
				continue
			}
			assert.Equal(t, scenarios.CheckLinearizability, d.Check, "%s: seed %d of %s", d.Mutant, d.Seed, d.Scenario)
		}
		for _, d := range r.Detections {
			if d.Caught {
				checkReplay(t, r.Target.Protocol, d)
				break
			}
		}
	}
}

// TestLeaseMutantTable prints the lease mutants' detection table, checks
// the wall-time target (every lease mutant caught with a median wall time
// under a second) and, with -update-readme, writes it into the README:
//
//	go test ./scenarios -run '^TestLeaseMutantTable$' -count=1 -v -mutant-table -update-readme
func TestLeaseMutantTable(t *testing.T) {
	if !*flagMutantTable {
		t.Skip("run with -mutant-table")
	}
	bases := mutantBases(t)
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(multipaxos.LeaseName), bases)
	require.NoError(t, err)
	table := scenarios.MutantTable(rows)
	fmt.Print(table)
	for i := range rows {
		assert.Zero(t, rows[i].Escapes(), "mutant %s escaped", rows[i].Target.Mutant)
		assert.Less(t, rows[i].MedianWall(), time.Second, "median wall time to detect %s", rows[i].Target.Mutant)
	}
	if !*flagUpdateReadme {
		return
	}
	section := fmt.Sprintf("Measured by `go test ./scenarios -run '^TestLeaseMutantTable$' -count=1 -v -mutant-table -mutant-reps %d -update-readme`\n"+
		"on %s/%s, %s: each lease mutant hunted with its scenario from %d fresh base\n"+
		"seeds, one seed at a time, until the first failing seed.\n\n%s", len(bases), runtime.GOOS, runtime.GOARCH, runtime.Version(), len(bases), table)
	data, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	updated, err := replaceRegion(string(data), leaseMutantsStart, leaseMutantsEnd, section)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(readmePath, []byte(updated), 0o644))
}

const (
	leaseMutantsStart = "<!-- lease-mutants:start -->"
	leaseMutantsEnd   = "<!-- lease-mutants:end -->"
)

// TestLeaseReadFigures measures what leases buy, in simulated time (so the
// figures are the same on every machine): closed-loop clients with no
// think time on the calm scenario's network, 5 clients x 400 operations,
// with and without leases, for a reads-only and a 90%-reads workload.
// Reads per simulated second count completed Gets from the first call to
// the last return; messages per read are every message sent (client
// requests and replies, Accepts, heartbeats, lease requests and grants)
// divided by the operations, for the reads-only workload (LEASE_FIGURES=1,
// above).
func TestLeaseReadFigures(t *testing.T) {
	if os.Getenv("LEASE_FIGURES") == "" {
		t.Skip("measurement: run with LEASE_FIGURES=1")
	}
	const seeds = 20
	fmt.Println("| protocol | servers | workload | reads per simulated second | messages per operation | mean read latency |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, n := range []int{3, 5} {
		for _, wl := range []struct{ name, spec string }{
			{"reads only", `{"keys":2,"get":1,"put":0,"append":0}`},
			{"90% reads", `{"keys":2,"get":18,"put":1,"append":1}`},
		} {
			for _, proto := range []string{multipaxos.Name, multipaxos.LeaseName} {
				sc, err := scenarios.LookupFor(proto, fmt.Sprintf("calm-%d", n))
				require.NoError(t, err)
				sc.Workload.Ops, sc.Workload.ThinkMin, sc.Workload.ThinkMax = 400, 0, 0
				sc.Workload.Spec = []byte(wl.spec)
				var reads, ops, msgs int64
				var span, latency int64
				for seed := uint64(1); seed <= seeds; seed++ {
					res := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
					require.Nil(t, res.Failure, "%s %s seed %d", proto, wl.name, seed)
					first, last := int64(-1), int64(0)
					for _, op := range res.History {
						if op.Output == nil {
							continue
						}
						ops++
						if in, ok := op.Input.(kv.Input); !ok || in.Op != kv.Get {
							continue
						}
						reads++
						latency += op.Return - op.Call
						if first < 0 || op.Call < first {
							first = op.Call
						}
						last = max(last, op.Return)
					}
					span += last - first
					msgs += res.Net.Sent
				}
				fmt.Printf("| %s | %d | %s | %.0f | %.2f | %.3f ms |\n", proto, n, wl.name,
					float64(reads)/(float64(span)/1e9), float64(msgs)/float64(ops), float64(latency)/float64(reads)/1e6)
			}
		}
	}
}

// A default sweep leaves out the scenario that exceeds the bound on
// purpose; named, it runs.
func TestSweepNamesLeaveOutTheScenariosBuiltToFail(t *testing.T) {
	names := scenarios.SweepNames()
	assert.NotContains(t, names, "lease-beyond-bound")
	assert.Contains(t, names, "lease-unsynced")
	assert.Contains(t, names, "chaos")
	assert.Contains(t, scenarios.BaseNames(), "lease-beyond-bound")
	assert.Len(t, names, len(scenarios.BaseNames())-1)
}
