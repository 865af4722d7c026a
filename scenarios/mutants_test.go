package scenarios_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
)

// The mutant detection suite: every mutant must be
// caught within its budget of fresh seeds. TestMutantsCaught asserts it in
// every go test run; TestMutantTable (make mutants) prints the detection
// table and, with -update-readme, writes it into the README. The base seed
// comes from -paxossim.base-seed (paxossimtest's flags), fresh otherwise.
var (
	flagMutantTable  = flag.Bool("mutant-table", false, "TestMutantTable: hunt every mutant and print the detection table (make mutants)")
	flagMutantReps   = flag.Int("mutant-reps", 5, "base seeds each mutant is hunted from (TestMutantsCaught, TestMutantTable)")
	flagUpdateReadme = flag.Bool("update-readme", false, "with -mutant-table: rewrite the README's table between the mutants markers")
)

const (
	readmePath        = "../README.md" // go test runs in the package directory
	mutantsStart      = "<!-- mutants:start -->"
	mutantsEnd        = "<!-- mutants:end -->"
	mutantBaseSpacing = 1 << 32 // far more than any budget: the bases' seed ranges never overlap
)

// TestMutantTargetsCoverTheCatalogue: every mutant of the protocol has a
// target (a new mutant without one fails here, not silently), and every
// target names a real mutant and scenario.
func TestMutantTargetsCoverTheCatalogue(t *testing.T) {
	var names []string
	for _, tg := range scenarios.MutantTargetsFor(multipaxos.Name) {
		assert.Equal(t, multipaxos.Name, tg.Protocol, tg.Mutant)
		names = append(names, tg.Mutant)
		_, err := scenarios.LookupFor(tg.Protocol, tg.Scenario)
		assert.NoError(t, err, tg.Mutant)
		assert.Positive(t, tg.Budget, tg.Mutant)
	}
	assert.Equal(t, multipaxos.Protocol.MutantNames(), names, "MutantTargets must list every mutant once, in catalogue order")
	assert.Subset(t, scenarios.MutantTargets(), scenarios.MutantTargetsFor(multipaxos.Name))
	assert.Empty(t, scenarios.MutantTargetsFor("raft"))
}

// Each mutant must be caught by a check that the bug it models can fail:
// a lost quorum commits a value no majority voted for (chosen), and it and
// ignored accepted values break agreement (or, reaching clients first,
// linearizability); a missing AcceptReply stalls the cluster; a reply
// before the sync counts a vote that is not durable (chosen), and shows
// after a crash as a promise that went back or a broken agreement. A replica's own assertion
// (a panic) is a valid catch for the mutants that corrupt acceptor state.
// The README's mutant table lists, per mutant, the checks that caught it:
// TestMutantTableInReadme holds it to these.
var safety = []scenarios.Check{scenarios.CheckLinearizability, scenarios.CheckAgreement, scenarios.CheckStability, scenarios.CheckPrefix}

var expectedChecks = map[string][]scenarios.Check{
	"quorum-minus-one":       append([]scenarios.Check{scenarios.CheckChosen}, safety...),
	"no-accept-reply":        {scenarios.CheckLiveness},
	"reply-before-sync":      append([]scenarios.Check{scenarios.CheckChosen, scenarios.CheckPromise}, safety...),
	"accept-lower-ballot":    append([]scenarios.Check{scenarios.CheckPanic}, safety...),
	"ignore-accepted-values": append([]scenarios.Check{scenarios.CheckPanic}, safety...),
	"execute-before-commit":  safety,
	// A reply counted twice commits without a majority: chosen sees it at
	// the commit, agreement only if a later election exposes it.
	"count-duplicate-acks": append([]scenarios.Check{scenarios.CheckChosen}, safety...),
	"count-stale-promises": append([]scenarios.Check{scenarios.CheckChosen}, safety...),
	// Replicas apply the same log into different states: only the
	// divergence check compares them.
	"follower-reapplies-duplicates": append([]scenarios.Check{scenarios.CheckDivergence}, safety...),
	// A slot the leader gave up on is never decided: the cluster stalls
	// after the heal, and nothing unsafe happens.
	"abandon-unacked-accepts": {scenarios.CheckLiveness},
}

// TestMutantsCaught hunts every mutant from -mutant-reps fresh base seeds
// (or -paxossim.base-seed and the bases after it) and fails if one escapes
// its budget, or is caught by a check the bug it models cannot fail. For
// each mutant it then replays the first failing seed, from the seed and
// from its saved Params, and checks that the replay reproduces the trace
// hash and the failing check: a failure is only useful if it replays.
func TestMutantsCaught(t *testing.T) {
	for _, m := range multipaxos.Protocol.MutantNames() {
		require.Contains(t, expectedChecks, m, "every mutant needs its expected checks")
	}
	bases := mutantBases(t)
	start := time.Now()
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(multipaxos.Name), bases)
	require.NoError(t, err)
	t.Logf("hunted %d mutants from %d base seeds in %v\n%s", len(rows), len(bases), time.Since(start).Round(time.Millisecond), scenarios.MutantTable(rows))
	for i := range rows {
		r := &rows[i]
		for _, d := range r.Detections {
			switch d.Check {
			case scenarios.CheckSetup, scenarios.CheckDeterminism, scenarios.CheckUnknown:
				// Not evidence of the bug: a run that could not start, a
				// harness that is not deterministic, a check that ran out
				// of time.
				t.Errorf("mutant %s: seed %d of %s failed %s, which does not catch a protocol bug", d.Mutant, d.Seed, d.Scenario, d.Check)
			}
			if want := expectedChecks[d.Mutant]; d.Caught && !slices.Contains(want, d.Check) {
				t.Errorf("mutant %s: seed %d of %s was caught by %s; the bug it models should be caught by one of %v", d.Mutant, d.Seed, d.Scenario, d.Check, want)
			}
			if !d.Caught {
				t.Errorf("mutant %s escaped: %d seeds of %s from base seed %d all passed (measured detection rate %.1f%%)\nreplay: go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=%s -paxossim.mutant=%s -paxossim.base-seed=%d -paxossim.seeds=%d",
					d.Mutant, d.Budget, d.Scenario, d.Base, 100*r.Target.Rate, d.Scenario, d.Mutant, d.Base, d.Budget)
			}
		}
		for _, d := range r.Detections {
			if d.Caught {
				checkReplay(t, r.Target.Protocol, d)
				break
			}
		}
	}
}

// checkReplay re-runs a detection's failing seed twice, from the seed and
// from its Params saved as JSON (what -paxossim.plan replays), and checks
// that both give the same trace hash and the same failing check.
func checkReplay(t *testing.T, protocolName string, d scenarios.Detection) {
	t.Helper()
	sc, err := scenarios.LookupFor(protocolName, d.Scenario)
	require.NoError(t, err)
	again := scenarios.Run(sc, d.Seed, d.Mutant, scenarios.RunOptions{})
	if assert.NotNil(t, again.Failure, "%s: replaying seed %d of %s passed", d.Mutant, d.Seed, d.Scenario) {
		assert.Equal(t, d.Check, again.Failure.Check, "%s: check on replay of seed %d", d.Mutant, d.Seed)
	}
	assert.Equal(t, d.Hash, again.Hash, "%s: trace hash on replay of seed %d", d.Mutant, d.Seed)

	path := filepath.Join(t.TempDir(), "params.json")
	data, err := json.Marshal(again.Params)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	p, err := scenarios.LoadParams(path)
	require.NoError(t, err)
	fromPlan := scenarios.RunParams(p, scenarios.RunOptions{})
	if assert.NotNil(t, fromPlan.Failure, "%s: replaying the saved params of seed %d passed", d.Mutant, d.Seed) {
		assert.Equal(t, d.Check, fromPlan.Failure.Check, "%s: check on -paxossim.plan replay of seed %d", d.Mutant, d.Seed)
	}
	assert.Equal(t, d.Hash, fromPlan.Hash, "%s: trace hash on -paxossim.plan replay of seed %d", d.Mutant, d.Seed)
}

// TestMutantTableInReadme: the README's mutant table (make mutants) lists
// every mutant in catalogue order, with its target's scenario and budget,
// and only checks that the mutant is expected to be caught by: the table
// and the suite's assertion (expectedChecks) say the same thing.
func TestMutantTableInReadme(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	doc := string(data)
	i, j := strings.Index(doc, mutantsStart), strings.Index(doc, mutantsEnd)
	require.True(t, i >= 0 && j > i, "the README has no %s ... %s region", mutantsStart, mutantsEnd)
	var rows [][]string
	for _, line := range strings.Split(doc[i:j], "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
		}
		require.Len(t, cells, 7, "README table row %q", line)
		rows = append(rows, cells)
	}
	targets := scenarios.MutantTargetsFor(multipaxos.Name)
	require.Len(t, rows, len(targets), "one README row per mutant")
	for k, tg := range targets {
		row := rows[k]
		assert.Equal(t, tg.Mutant, row[0], "README row %d", k)
		assert.Equal(t, tg.Scenario, row[1], "README row for %s: scenario", tg.Mutant)
		assert.Equal(t, strconv.Itoa(tg.Budget), row[5], "README row for %s: budget", tg.Mutant)
		assert.True(t, strings.HasPrefix(row[6], "0/"), "README row for %s: the table records an escape (%s)", tg.Mutant, row[6])
		for _, c := range strings.Split(row[2], ", ") {
			assert.Contains(t, expectedChecks[tg.Mutant], scenarios.Check(c), "README: %s caught by %s", tg.Mutant, c)
		}
	}
}

// TestMutantTable is make mutants: it hunts every mutant from -mutant-reps
// base seeds, prints the table, checks the wall-time targets, and with
// -update-readme writes the table into the README.
//
//	go test ./scenarios -run '^TestMutantTable$' -count=1 -v -mutant-table -update-readme
func TestMutantTable(t *testing.T) {
	if !*flagMutantTable {
		t.Skip("run with -mutant-table (make mutants)")
	}
	bases := mutantBases(t)
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(multipaxos.Name), bases)
	require.NoError(t, err)
	table := scenarios.MutantTable(rows)
	fmt.Print(table)
	for i := range rows {
		r := &rows[i]
		assert.Zero(t, r.Escapes(), "mutant %s escaped", r.Target.Mutant)
		switch r.Target.Mutant {
		case "quorum-minus-one", "no-accept-reply":
			// Performance is a feature: the two simplest bugs are found in well under a second.
			assert.Less(t, r.MedianWall(), time.Second, "median wall time to detect %s", r.Target.Mutant)
		}
	}
	if !*flagUpdateReadme {
		return
	}
	section := fmt.Sprintf("Measured by `make mutants` on %s/%s, %s: each mutant hunted with its scenario from\n"+
		"%d fresh base seeds, one seed at a time, until the first failing seed. `go test ./scenarios`\n"+
		"(TestMutantsCaught) fails if a mutant escapes its budget.\n\n%s",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), len(bases), table)
	data, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	updated, err := replaceRegion(string(data), mutantsStart, mutantsEnd, section)
	if err != nil {
		t.Fatalf("%v; the table is:\n%s", err, table)
	}
	require.NoError(t, os.WriteFile(readmePath, []byte(updated), 0o644))
	t.Logf("wrote the table into %s", readmePath)
}

// mutantBases returns -mutant-reps base seeds: from -paxossim.base-seed if
// given, else fresh and random, so that every run of the suite explores
// new schedules. They are printed so that a failure can be replayed.
func mutantBases(t *testing.T) []uint64 {
	n := *flagMutantReps
	require.Positive(t, n, "-mutant-reps")
	st, err := paxossimtest.ParseSettings(paxossimtest.Options{})
	require.NoError(t, err, "bad flags")
	base := st.BaseSeed
	bases := make([]uint64, n)
	for i := range bases {
		bases[i] = base + uint64(i)*mutantBaseSpacing
	}
	fmt.Printf("mutant suite: base-seed=%d (bases %v; replay with -%sbase-seed=%d)\n", base, bases, scenarios.FlagPrefix, base)
	return bases
}

// replaceRegion replaces what lies between the start and end markers
// (which stay) with body.
func replaceRegion(doc, start, end, body string) (string, error) {
	i := strings.Index(doc, start)
	j := strings.Index(doc, end)
	if i < 0 || j < 0 || j < i {
		return "", fmt.Errorf("the README has no %s ... %s region", start, end)
	}
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return doc[:i+len(start)] + "\n" + body + doc[j:], nil
}

func TestReplaceRegion(t *testing.T) {
	doc := "# t\n\n<!-- a -->\nold\n<!-- b -->\ntail\n"
	got, err := replaceRegion(doc, "<!-- a -->", "<!-- b -->", "new")
	require.NoError(t, err)
	assert.Equal(t, "# t\n\n<!-- a -->\nnew\n<!-- b -->\ntail\n", got)
	again, err := replaceRegion(got, "<!-- a -->", "<!-- b -->", "new")
	require.NoError(t, err)
	assert.Equal(t, got, again, "rewriting is idempotent")
	_, err = replaceRegion("no markers", "<!-- a -->", "<!-- b -->", "x")
	assert.Error(t, err)
}
