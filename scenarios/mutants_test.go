package scenarios

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The mutant detection suite (STYLE.md guideline 12f): every mutant must be
// caught within its budget of fresh seeds. TestMutantsCaught asserts it in
// every go test run; TestMutantTable (make mutants) prints the detection
// table and, with -update-readme, writes it into the README.
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
	for _, tg := range MutantTargets() {
		names = append(names, tg.Mutant)
		_, err := Lookup(tg.Scenario)
		assert.NoError(t, err, tg.Mutant)
		assert.Positive(t, tg.Budget, tg.Mutant)
	}
	assert.Equal(t, MutantNames(), names, "MutantTargets must list every mutant once, in catalogue order")
}

// TestMutantsCaught hunts every mutant from -mutant-reps fresh base seeds
// (or -base-seed and the bases after it) and fails if one escapes its
// budget. For each mutant it then replays the first failing seed, from the
// seed and from its saved Params, and checks that the replay reproduces the
// trace hash and the failing check: a failure is only useful if it replays.
//
// Each mutant must be caught by a check that the bug it models can fail
// (issue #4): a lost quorum or ignored accepted values break agreement
// (or, reaching clients first, linearizability); a missing AcceptReply
// stalls the cluster; a reply before the sync shows after a crash as a
// promise that went back or a broken agreement. A replica's own assertion
// (a panic) is a valid catch for the mutants that corrupt acceptor state.
var safety = []Check{CheckLinearizability, CheckAgreement, CheckStability, CheckPrefix}

var expectedChecks = map[string][]Check{
	"quorum-minus-one":       safety,
	"no-accept-reply":        {CheckLiveness},
	"reply-before-sync":      append([]Check{CheckPromise}, safety...),
	"accept-lower-ballot":    append([]Check{CheckPanic}, safety...),
	"ignore-accepted-values": append([]Check{CheckPanic}, safety...),
	"execute-before-commit":  safety,
}

func TestMutantsCaught(t *testing.T) {
	for _, m := range MutantNames() {
		require.Contains(t, expectedChecks, m, "every mutant needs its expected checks")
	}
	bases := mutantBases(t)
	start := time.Now()
	rows, err := HuntMutants(MutantTargets(), bases)
	require.NoError(t, err)
	t.Logf("hunted %d mutants from %d base seeds in %v\n%s", len(rows), len(bases), time.Since(start).Round(time.Millisecond), MutantTable(rows))
	for i := range rows {
		r := &rows[i]
		for _, d := range r.Detections {
			switch d.Check {
			case CheckSetup, CheckDeterminism, CheckUnknown:
				// Not evidence of the bug: a run that could not start, a
				// harness that is not deterministic, a check that ran out
				// of time.
				t.Errorf("mutant %s: seed %d of %s failed %s, which does not catch a protocol bug", d.Mutant, d.Seed, d.Scenario, d.Check)
			}
			if want := expectedChecks[d.Mutant]; d.Caught && !slices.Contains(want, d.Check) {
				t.Errorf("mutant %s: seed %d of %s was caught by %s; the bug it models should be caught by one of %v", d.Mutant, d.Seed, d.Scenario, d.Check, want)
			}
			if !d.Caught {
				t.Errorf("mutant %s escaped: %d seeds of %s from base seed %d all passed (measured detection rate %.1f%%)\nreplay: go test ./scenarios -run 'TestSeeds$' -scenario=%s -mutant=%s -base-seed=%d -seeds=%d",
					d.Mutant, d.Budget, d.Scenario, d.Base, 100*r.Target.Rate, d.Scenario, d.Mutant, d.Base, d.Budget)
			}
		}
		for _, d := range r.Detections {
			if d.Caught {
				checkReplay(t, d)
				break
			}
		}
	}
}

// checkReplay re-runs a detection's failing seed twice, from the seed and
// from its Params saved as JSON (what -plan=FILE replays), and checks that
// both give the same trace hash and the same failing check.
func checkReplay(t *testing.T, d Detection) {
	t.Helper()
	sc, err := Lookup(d.Scenario)
	require.NoError(t, err)
	again := Run(sc, d.Seed, d.Mutant, RunOptions{})
	if assert.NotNil(t, again.Failure, "%s: replaying seed %d of %s passed", d.Mutant, d.Seed, d.Scenario) {
		assert.Equal(t, d.Check, again.Failure.Check, "%s: check on replay of seed %d", d.Mutant, d.Seed)
	}
	assert.Equal(t, d.Hash, again.Hash, "%s: trace hash on replay of seed %d", d.Mutant, d.Seed)

	path := filepath.Join(t.TempDir(), "params.json")
	data, err := json.Marshal(again.Params)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	p, err := LoadParams(path)
	require.NoError(t, err)
	fromPlan := RunParams(p, RunOptions{})
	if assert.NotNil(t, fromPlan.Failure, "%s: replaying the saved params of seed %d passed", d.Mutant, d.Seed) {
		assert.Equal(t, d.Check, fromPlan.Failure.Check, "%s: check on -plan replay of seed %d", d.Mutant, d.Seed)
	}
	assert.Equal(t, d.Hash, fromPlan.Hash, "%s: trace hash on -plan replay of seed %d", d.Mutant, d.Seed)
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
	rows, err := HuntMutants(MutantTargets(), bases)
	require.NoError(t, err)
	table := MutantTable(rows)
	fmt.Print(table)
	for i := range rows {
		r := &rows[i]
		assert.Zero(t, r.Escapes(), "mutant %s escaped", r.Target.Mutant)
		switch r.Target.Mutant {
		case "quorum-minus-one", "no-accept-reply":
			// The target from DESIGN.md's "performance is a feature": the
			// two simplest bugs are found in well under a second.
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

// mutantBases returns -mutant-reps base seeds: from -base-seed if given,
// else fresh and random, so that every run of the suite explores new
// schedules. They are printed so that a failure can be replayed.
func mutantBases(t *testing.T) []uint64 {
	n := *flagMutantReps
	require.Positive(t, n, "-mutant-reps")
	var base uint64
	if v := value(flagBaseSeed, "base-seed"); v != "" {
		var err error
		base, err = ParseSeed(v)
		require.NoError(t, err, "-base-seed")
	} else {
		var b [8]byte
		_, _ = crand.Read(b[:])
		base = binary.LittleEndian.Uint64(b[:]) >> 1
	}
	bases := make([]uint64, n)
	for i := range bases {
		bases[i] = base + uint64(i)*mutantBaseSpacing
	}
	fmt.Printf("mutant suite: base-seed=%d (bases %v; replay with -base-seed=%d)\n", base, bases, base)
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
