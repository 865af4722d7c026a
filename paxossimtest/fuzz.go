package paxossimtest

import (
	"os"
	"testing"

	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/scenarios"
)

// Fuzz is coverage-guided fuzzing of whole runs: the fuzzer's bytes are the
// choice stream scenarios.RunGen decodes into a run (8 bytes per choice,
// little-endian, as rapid.MakeFuzz reads them), so go test -fuzz explores
// the same space as Rapid, steered by the coverage of the protocol and the
// harness instead of at random. The property is the same: every check
// passes, for the protocol or for -paxossim.mutant.
//
//	go test ./mypkg -run '^$' -fuzz '^FuzzCluster$' -fuzztime 60s -fuzzminimizetime 100x
//
// Bound -fuzzminimizetime: go test minimizes every input that finds new
// coverage for up to 60s by default, trying O(n^2) byte deletions each of
// which is a whole run, so an unbounded minimization eats the whole fuzz
// time. The meaningful shrinking is rapid's (Rapid), not byte deletion.
//
// Without -fuzz it runs the seed corpus (testdata/fuzz/<FuzzName>) as a
// test. A failing run is also saved as params JSON and printed with its
// -paxossim.plan replay command.
func Fuzz(f *testing.F, o Options) {
	f.Helper()
	st, err := ParseSettings(o)
	if err != nil {
		f.Fatalf("bad flags: %v", err)
	}
	target := GoTestOf(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var cx Counterexample
		t.Cleanup(func() {
			if !t.Failed() || cx.Params == nil {
				return
			}
			dir, err := os.MkdirTemp("", "paxossim-fuzz-")
			if err != nil {
				t.Logf("saving the failing run: %v", err)
				return
			}
			path, err := cx.Save(dir)
			if err != nil {
				t.Logf("saving the failing run: %v", err)
			}
			t.Log("\n" + cx.Describe("failing run", path, target))
		})
		rapid.MakeFuzz(Property(st.Protocol.Name, st.Mutant, &cx))(t, PadChoices(data))
	})
}

// fuzzChoicesMax is how many bytes of choices a run can take at most
// (every draw reads 8 bytes; a plan of 16 faults with its tapes reads about
// 3 KiB), rounded up generously.
const fuzzChoicesMax = 16 << 10

// PadChoices extends the fuzzer's bytes with zeros, which RunGen reads as
// the simplest choice of each remaining draw (no more faults, the first
// option). Without it, rapid skips every input too short for the run it
// starts to describe, and the fuzzer would waste most of its inputs.
func PadChoices(data []byte) []byte {
	if len(data) >= fuzzChoicesMax {
		return data
	}
	out := make([]byte, fuzzChoicesMax)
	copy(out, data)
	return out
}

// DecodeRun decodes fuzz bytes into the run a Fuzz test of the protocol
// would check.
func DecodeRun(t *testing.T, protocolName string, data []byte) scenarios.Params {
	var p shownParams
	rapid.MakeFuzz(func(rt *rapid.T) { p = shownRunGen(protocolName, "").Draw(rt, "run") })(t, PadChoices(data))
	return scenarios.Params(p)
}
