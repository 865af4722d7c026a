package scenarios

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// FuzzCluster is coverage-guided fuzzing of whole runs: the fuzzer's bytes
// are the choice stream RunGen decodes into a run (8 bytes per choice,
// little-endian, as rapid.MakeFuzz reads them), so go test -fuzz explores
// the same space as TestRapid, steered by the coverage of the protocol and
// the harness instead of at random. The property is the same: every check
// passes, for the correct protocol or for -mutant.
//
//	go test ./scenarios -run '^$' -fuzz '^FuzzCluster$' -fuzztime 60s -fuzzminimizetime 100x
//
// Bound -fuzzminimizetime: go test minimizes every input that finds new
// coverage for up to 60s by default, trying O(n^2) byte deletions each of
// which is a whole run, so an unbounded minimization eats the whole fuzz
// time (measured over 30s on 2 cores: 9 executions with the default, 561
// with 5s, 26,822 with 100x, 30,450 with 0). The meaningful shrinking is
// rapid's (TestRapid), not byte deletion.
//
// Without -fuzz it runs the seed corpus (testdata/fuzz/FuzzCluster) as a
// test. A failing input is saved by the fuzzer under that directory (replay
// with go test ./scenarios -run 'FuzzCluster/NAME'); the failing run is also
// saved as Params JSON and printed with its -plan replay command.
func FuzzCluster(f *testing.F) {
	mutant := value(flagMutant, "mutant")
	if mutant != "" && !knownMutant(mutant) {
		f.Fatalf("-mutant=%q: unknown (have: %s)", mutant, strings.Join(MutantNames(), ", "))
	}
	prop := func(cx *counterexample) func(*testing.T, []byte) {
		return rapid.MakeFuzz(runProperty(mutant, cx))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cx counterexample
		t.Cleanup(func() {
			if !t.Failed() || cx.params == nil {
				return
			}
			dir, err := os.MkdirTemp("", "paxossim-fuzz-")
			if err != nil {
				t.Logf("saving the failing run: %v", err)
				return
			}
			path, err := cx.save(dir)
			if err != nil {
				t.Logf("saving the failing run: %v", err)
			}
			t.Log("\n" + cx.describe("failing run", path))
		})
		prop(&cx)(t, padChoices(data))
	})
}

// fuzzChoicesMax is how many bytes of choices a run can take at most
// (every draw reads 8 bytes; a plan of 16 faults with its tapes reads about
// 3 KiB), rounded up generously.
const fuzzChoicesMax = 16 << 10

// padChoices extends the fuzzer's bytes with zeros, which RunGen reads as
// the simplest choice of each remaining draw (no more faults, the first
// option). Without it, rapid skips every input too short for the run it
// starts to describe, and the fuzzer would waste most of its inputs.
func padChoices(data []byte) []byte {
	if len(data) >= fuzzChoicesMax {
		return data
	}
	out := make([]byte, fuzzChoicesMax)
	copy(out, data)
	return out
}

var flagUpdateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "TestFuzzCorpus: rewrite FuzzCluster's seed corpus")

const fuzzCorpusDir = "testdata/fuzz/FuzzCluster"

// TestFuzzCorpus checks FuzzCluster's seed corpus: it exists, every entry
// decodes to a run, and together they reach every protocol path the
// harness counts, so that fuzzing starts from runs that already exercise
// leader changes, recovery, gap filling, catch-up, disk recovery,
// deduplication and client retries. With -update-fuzz-corpus it rewrites
// the corpus: the empty input (the simplest run) and, from a fixed stream
// of random inputs, each one that reaches a path none before it reached.
func TestFuzzCorpus(t *testing.T) {
	if *flagUpdateFuzzCorpus {
		writeFuzzCorpus(t)
	}
	entries, err := filepath.Glob(filepath.Join(fuzzCorpusDir, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "no seed corpus in %s (write it with -update-fuzz-corpus)", fuzzCorpusDir)
	var reached Coverage
	for _, path := range entries {
		data, err := readFuzzEntry(path)
		require.NoError(t, err, path)
		p := decodeRun(t, data)
		res := RunParams(p, RunOptions{})
		require.Nil(t, res.Failure, "%s: %v", path, res.Failure)
		reached.Add(res.Coverage)
	}
	for _, path := range Paths() {
		require.Positive(t, reached.Get(path), "no corpus entry reaches %s (coverage %s); if the protocol changed, rewrite the corpus: go test ./scenarios -run '^TestFuzzCorpus$' -update-fuzz-corpus", path, reached)
	}
}

// decodeRun decodes fuzz bytes into the run FuzzCluster would check.
func decodeRun(t *testing.T, data []byte) Params {
	var p Params
	rapid.MakeFuzz(func(rt *rapid.T) { p = Params(shownRunGen("").Draw(rt, "run")) })(t, padChoices(data))
	return p
}

func writeFuzzCorpus(t *testing.T) {
	require.NoError(t, os.RemoveAll(fuzzCorpusDir))
	require.NoError(t, os.MkdirAll(fuzzCorpusDir, 0o755))
	r := rand.New(rand.NewPCG(5, 5)) // a fixed stream: the corpus is the same each time it is written
	var reached Coverage
	write := func(name string, data []byte) {
		content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(fuzzCorpusDir, name), []byte(content), 0o644))
	}
	write("simplest", nil)
	for i := 0; i < 2000 && len(missing(reached)) > 0; i++ {
		data := make([]byte, 8*(16+r.IntN(112)))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		res := RunParams(decodeRun(t, data), RunOptions{})
		if res.Failure != nil {
			continue
		}
		var adds []Path
		for _, p := range missing(reached) {
			if res.Coverage.Get(p) > 0 {
				adds = append(adds, p)
			}
		}
		if len(adds) == 0 {
			continue
		}
		reached.Add(res.Coverage)
		write(fmt.Sprintf("reaches-%s", adds[0]), data)
	}
	t.Logf("wrote the corpus to %s; coverage %s", fuzzCorpusDir, reached)
}

func missing(c Coverage) []Path {
	var out []Path
	for _, p := range Paths() {
		if c.Get(p) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// readFuzzEntry reads a corpus file in go test's "go test fuzz v1" format
// with a single []byte value.
func readFuzzEntry(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	const prefix, suffix = "go test fuzz v1\n[]byte(", ")"
	text := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(text, prefix) || !strings.HasSuffix(text, suffix) {
		return nil, fmt.Errorf("%s: not a go test fuzz v1 []byte entry", path)
	}
	s, err := strconv.Unquote(text[len(prefix) : len(text)-len(suffix)])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return []byte(s), nil
}
