package toy_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/scenarios"

	"example.com/toy"
)

// What a user writes to put a protocol under paxossim: three functions.
// From this module's root:
//
//	go test . -run '^TestSeeds$' -paxossim.seeds=500
//	go test . -run '^TestSeeds$' -paxossim.scenario=crashes -paxossim.seed=7 -paxossim.trace
//	go test . -run '^TestSeeds$' -paxossim.mutant=reply-before-sync -paxossim.scenario=crashes-3
var opts = paxossimtest.Options{
	Protocol:  toy.Protocol,
	Scenarios: []string{"calm", "lossy", "partitions", "crashes", "chaos"},
	Seeds:     30,
	Expect: map[string][]scenarios.Expectation{
		"crashes": {{Probe: "disk-recovery", Within: 20}},
		"lossy":   {{Probe: "dedup-answer", Within: 20}},
	},
}

func TestSeeds(t *testing.T)   { paxossimtest.Seeds(t, opts) }
func TestRapid(t *testing.T)   { paxossimtest.Rapid(t, opts) }
func FuzzCluster(f *testing.F) { paxossimtest.Fuzz(f, opts) }

// TestMutantsCaught: the harness finds the toy's known-wrong variant, by a
// check the bug can fail (an acknowledged write lost in a crash is a
// linearizability violation). Measured over 300 base seeds: always caught,
// by linearizability, within at most 10 seeds; the budget is ten times that.
func TestMutantsCaught(t *testing.T) {
	paxossimtest.Mutants(t, opts, []paxossimtest.MutantTarget{
		{Mutant: "reply-before-sync", Scenario: "crashes-3", Budget: 100, Checks: []scenarios.Check{scenarios.CheckLinearizability}},
	})
}

// TestPrintedReplayLineRuns runs, as printed and from this module's root,
// the go test line that replays a failing run of the toy protocol, and
// checks that it reproduces the run's trace hash.
func TestPrintedReplayLineRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	if g := paxossimtest.GoTestOf(t); g.Package != "." {
		t.Fatalf("the module root is this directory, so replay lines say \".\", not %q", g.Package)
	}
	sc, err := scenarios.LookupFor(toy.Protocol.Name, "crashes-3")
	if err != nil {
		t.Fatal(err)
	}
	d, err := scenarios.DetectMutant(sc, "reply-before-sync", 1, 100)
	if err != nil || !d.Caught {
		t.Fatalf("no failing run to replay: %v %+v", err, d)
	}
	res := scenarios.Run(sc, d.Seed, "reply-before-sync", scenarios.RunOptions{})
	res.Replay = scenarios.GoTest{Package: ".", Test: "TestSeeds"}
	line, cli := scenarios.ReplayCommands(&res, "")
	if cli != "" {
		t.Errorf("the paxossim command does not know this protocol, yet a command line was printed: %s", cli)
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "PAXOSSIM_OUT="+t.TempDir())
	out, _ := cmd.CombinedOutput() // the replayed run fails, as it should
	want := fmt.Sprintf("trace-hash: %016x", res.Hash)
	if !strings.Contains(string(out), want) {
		t.Fatalf("%s\ndid not print %q:\n%s", line, want, out)
	}
}
