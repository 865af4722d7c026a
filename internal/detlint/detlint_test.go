package detlint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compact renders findings as "file:line:col rule", the part of a finding the
// rule tests pin exactly; TestMessages pins the wording separately.
func compact(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s:%d:%d %s", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Rule))
	}
	return out
}

func lintTestdata(t *testing.T, pkg string) []Finding {
	t.Helper()
	res, err := Lint(".", "./testdata/"+pkg)
	require.NoError(t, err)
	require.Empty(t, res.Missing)
	return res.Findings
}

// Each testdata package plants the violations of one rule next to code that
// only looks like a violation (the negative cases), so these lists are the
// complete output: a false positive shows up as an extra line.
func TestRules(t *testing.T) {
	tests := []struct {
		pkg  string
		want []string
	}{
		{"timeuse", []string{
			"testdata/timeuse/alias.go:8:2 time",   // stdtime.Sleep: aliased import
			"testdata/timeuse/alias.go:9:9 time",   // stdtime.Since
			"testdata/timeuse/dot.go:6:9 time",     // Now() through a dot import
			"testdata/timeuse/timeuse.go:7:6 time", // time.Now
			"testdata/timeuse/timeuse.go:8:2 time", // time.Sleep
			"testdata/timeuse/timeuse.go:9:2 chan", // <-time.After(...): the receive...
			"testdata/timeuse/timeuse.go:9:4 time", // ...and the timer
			"testdata/timeuse/timeuse.go:10:6 time",
			"testdata/timeuse/timeuse.go:11:6 time",
			"testdata/timeuse/timeuse.go:12:6 time",
			"testdata/timeuse/timeuse.go:13:6 time",
			"testdata/timeuse/timeuse.go:14:6 time",
			"testdata/timeuse/timeuse.go:15:6 time",
			"testdata/timeuse/timeuse.go:16:9 time", // a function value, not a call
			// Negative and Shadowed: time.Duration, time.Unix, *time.Timer,
			// the method time.Time.After and a local variable called time.
		}},
		{"randuse", []string{
			"testdata/randuse/alias.go:6:9 rand", // r.Intn; r.New(r.NewSource(1)) is allowed
			"testdata/randuse/rand.go:7:6 rand",  // rand.Intn
			"testdata/randuse/rand.go:8:6 rand",  // rand.Float64
			"testdata/randuse/rand.go:9:2 rand",  // rand.Shuffle
			"testdata/randuse/rand.go:10:2 rand", // rand.Seed
			"testdata/randuse/rand.go:11:7 rand", // rand.Int63 as a value
			"testdata/randuse/randv2.go:6:6 rand",
			"testdata/randuse/randv2.go:7:6 rand", // generic rand.N, inferred
			"testdata/randuse/randv2.go:8:6 rand", // generic rand.N, instantiated
			"testdata/randuse/randv2.go:9:9 rand",
			// Negative, NegativeV2, Local, Fake: constructors, methods of a
			// seeded *rand.Rand, and local variables called rand.
		}},
		{"cryptorand", []string{
			"testdata/cryptorand/blank.go:3:8 crypto-rand", // even a blank import
			"testdata/cryptorand/cryptorand.go:5:2 crypto-rand",
			"testdata/cryptorand/cryptorand.go:6:2 crypto-rand", // aliased
			"testdata/cryptorand/maphash.go:3:8 maphash",
			// crypto/sha256 is allowed.
		}},
		{"concurrency", []string{
			"testdata/concurrency/concurrency.go:7:6 chan",    // struct field chan int
			"testdata/concurrency/concurrency.go:8:6 chan",    // <-chan chan int, once
			"testdata/concurrency/concurrency.go:12:2 go",     // go func() {}()
			"testdata/concurrency/concurrency.go:13:13 chan",  // make(chan int, 1)
			"testdata/concurrency/concurrency.go:14:2 chan",   // send
			"testdata/concurrency/concurrency.go:15:6 chan",   // receive
			"testdata/concurrency/concurrency.go:16:2 chan",   // range over a channel
			"testdata/concurrency/concurrency.go:18:2 select", // its cases are not reported again
			"testdata/concurrency/concurrency.go:25:2 chan",   // <-ctx.Done(): a channel from elsewhere
			// Negative: goSomewhere(), chanName, selected.
		}},
		{"maporder", []string{
			"testdata/maporder/maporder.go:15:2 map-order",  // collected but never sorted
			"testdata/maporder/maporder.go:18:2 map-order",  // named map type
			"testdata/maporder/maporder.go:25:2 map-order",  // type parameter ~map[K]V
			"testdata/maporder/maporder.go:74:2 map-order",  // never sorted
			"testdata/maporder/maporder.go:77:2 map-order",  // sorts another slice
			"testdata/maporder/maporder.go:81:2 map-order",  // sort is not the next statement
			"testdata/maporder/maporder.go:86:2 map-order",  // collects values
			"testdata/maporder/maporder.go:95:17 map-order", // range maps.Keys(m)
			"testdata/maporder/maporder.go:98:23 map-order", // slices.Collect(maps.Values(m))
			"testdata/maporder/maporder.go:99:9 map-order",  // maps.All(m)
			"testdata/maporder/maporder.go:115:2 directive", // no reason (it still suppresses)
			"testdata/maporder/maporder.go:123:2 directive", // suppresses nothing
			"testdata/maporder/maporder.go:125:2 directive", // a blank line away: suppresses nothing...
			"testdata/maporder/maporder.go:127:2 map-order", // ...so the loop is reported
			"testdata/maporder/maporder.go:130:2 directive", // unknown verb
			// Negative: slices, strings, integers, array pointers; the
			// collect-then-sort idiom with sort.Strings, slices.SortFunc
			// and sort.Sort(sort.StringSlice(...)) (labeled); slices.Sorted
			// and slices.SortedFunc of maps.Keys; directives above a loop,
			// including one whose comment group spans two lines.
		}},
		{"clean", nil}, // clean_test.go has violations: test files are not linted
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			got := compact(lintTestdata(t, tt.pkg))
			if tt.want == nil {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestMessages pins the wording users see, for the cases where it carries
// information: the resolved package behind an alias or dot import, the map
// type, and the directive problems.
func TestMessages(t *testing.T) {
	var all []string
	for _, pkg := range []string{"timeuse", "randuse", "cryptorand", "concurrency", "maporder"} {
		for _, f := range lintTestdata(t, pkg) {
			all = append(all, f.String())
		}
	}
	for _, want := range []string{
		"testdata/timeuse/timeuse.go:7:6: time.Now reads the wall clock; use env.Now(), the node's simulated clock",
		"testdata/timeuse/alias.go:8:2: stdtime.Sleep (time.Sleep) blocks on real time; set a simulated timer with env.SetTimer",
		"testdata/timeuse/dot.go:6:9: Now (time.Now) reads the wall clock; use env.Now(), the node's simulated clock",
		"testdata/timeuse/timeuse.go:11:6: time.NewTimer starts a real timer; set a simulated timer with env.SetTimer",
		"testdata/randuse/rand.go:7:6: math/rand.Intn draws from the process-global random source; draw from env.Rand()",
		"testdata/randuse/alias.go:6:9: r.Intn (math/rand.Intn) draws from the process-global random source; draw from env.Rand()",
		"testdata/randuse/randv2.go:7:6: randv2.N (math/rand/v2.N) draws from the process-global random source; draw from env.Rand()",
		"testdata/cryptorand/cryptorand.go:5:2: import of crypto/rand is banned: its bytes are not reproducible; draw from env.Rand()",
		"testdata/cryptorand/maphash.go:3:8: import of hash/maphash is banned: its seed is random per process, so hashes differ between runs; use a fixed hash such as FNV",
		"testdata/concurrency/concurrency.go:12:2: go statement is banned: a simulation runs on one goroutine, parallelism lives between seeds",
		"testdata/concurrency/concurrency.go:18:2: select statement is banned: the simulator, not the Go scheduler, orders events",
		"testdata/maporder/maporder.go:18:2: range over map (maporder.Table) has random order: sort the keys first, or say why order cannot reach behaviour with //detlint:ordered <reason> on the line above",
		"testdata/maporder/maporder.go:25:2: range over map (M) has random order: sort the keys first, or say why order cannot reach behaviour with //detlint:ordered <reason> on the line above",
		"testdata/maporder/maporder.go:95:17: maps.Keys yields in random map order: iterate over slices.Sorted(maps.Keys(m)) instead, or say why order cannot reach behaviour with //detlint:ordered <reason> on the line above",
		"testdata/maporder/maporder.go:115:2: //detlint:ordered needs a reason: say why the iteration order cannot reach behaviour",
		"testdata/maporder/maporder.go:123:2: //detlint:ordered suppresses nothing: no statement on the next line iterates over a map in random order",
		"testdata/maporder/maporder.go:130:2: unknown directive //detlint:sorted; the only one is //detlint:ordered <reason>",
	} {
		assert.Contains(t, all, want)
	}
}

func TestMissingPatternsAreSkipped(t *testing.T) {
	res, err := Lint(".", "./testdata/nosuchdir/...", "./testdata/clean")
	require.NoError(t, err)
	assert.Equal(t, []string{"./testdata/nosuchdir/..."}, res.Missing)
	assert.Empty(t, res.Findings)
}

func TestTypeErrorsAreReported(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module broken\n\ngo 1.26\n"), 0o644))
	src := "package broken\n\nimport \"time\"\n\nvar x int = \"s\"\n\nfunc F() { time.Sleep(1) }\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.go"), []byte(src), 0o644))
	res, err := Lint(dir, "./...")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken")
	// What could be checked still is.
	assert.Equal(t, []string{"broken.go:7:12 time"}, compact(res.Findings))
}

// TestRealPackages is `make lint` as a test: the packages that run inside a
// simulation must have no findings. Packages that do not exist yet are
// skipped.
func TestRealPackages(t *testing.T) {
	res, err := Lint("../..", DefaultPatterns...)
	for _, p := range res.Missing {
		t.Logf("skipped %s: no such directory yet", p)
	}
	require.NoError(t, err, "the linted packages must load and type-check")
	var lines []string
	for _, f := range res.Findings {
		lines = append(lines, f.String())
	}
	if len(lines) > 0 {
		t.Errorf("%d determinism findings; fix them, or justify a map range with //detlint:ordered <reason>:\n%s",
			len(lines), strings.Join(lines, "\n"))
	}
}
