package paxossimtest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/paxossim/paxossim/scenarios"
)

// MutantTarget is how Mutants hunts one mutant: the scenario that catches
// it best, a budget of seeds, and the checks the bug it models can fail (a
// catch by any other check is not evidence of the bug: a lost quorum must
// break agreement or linearizability, not run out of time).
type MutantTarget struct {
	Mutant   string
	Scenario string
	Budget   int
	Checks   []scenarios.Check
}

// Mutants proves the harness finds the protocol's known bugs: it hunts
// every target, one seed at a time from a fresh base seed (or
// -paxossim.base-seed), and fails the test if a mutant escapes its budget,
// is caught by a check outside its Checks, or if a mutant of the protocol's
// catalogue has no target. Each failure prints the command that replays the
// hunt.
func Mutants(t *testing.T, o Options, targets []MutantTarget) {
	t.Helper()
	st, err := ParseSettings(o)
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	var named []string
	for _, tg := range targets {
		named = append(named, tg.Mutant)
	}
	for _, m := range st.Protocol.MutantNames() {
		if !slices.Contains(named, m) {
			t.Errorf("mutant %s of protocol %s has no target: every mutant must be hunted", m, st.Protocol.Name)
		}
	}
	target := GoTestOf(t)
	for _, tg := range targets {
		sc, err := o.scenario(st, tg.Scenario)
		if err != nil {
			t.Fatalf("mutant %s: %v", tg.Mutant, err)
		}
		d, err := scenarios.DetectMutant(sc, tg.Mutant, st.BaseSeed, tg.Budget)
		if err != nil {
			t.Fatalf("mutant %s: %v", tg.Mutant, err)
		}
		hunt := fmt.Sprintf("go test %s -run '^%s$' -%sprotocol=%s -%sscenario=%s -%smutant=%s -%sbase-seed=%d -%sseeds=%d",
			target.Package, target.Test, scenarios.FlagPrefix, st.Protocol.Name, scenarios.FlagPrefix, tg.Scenario,
			scenarios.FlagPrefix, tg.Mutant, scenarios.FlagPrefix, st.BaseSeed, scenarios.FlagPrefix, tg.Budget)
		switch {
		case !d.Caught:
			t.Errorf("mutant %s escaped: %d seeds of %s from base seed %d all passed\nthe hunt again: %s", tg.Mutant, tg.Budget, tg.Scenario, st.BaseSeed, hunt)
		case !slices.Contains(tg.Checks, d.Check):
			t.Errorf("mutant %s: seed %d of %s was caught by %s; the bug it models should be caught by one of %v\nthe hunt again: %s",
				tg.Mutant, d.Seed, tg.Scenario, d.Check, tg.Checks, hunt)
		default:
			t.Logf("mutant %s: caught by %s at seed %d of %s, after %d seeds (%v)", tg.Mutant, d.Check, d.Seed, tg.Scenario, d.Seeds, d.Wall.Round(1e3))
		}
	}
}
