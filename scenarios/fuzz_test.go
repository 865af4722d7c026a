package scenarios_test

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

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
)

// FuzzCluster is coverage-guided fuzzing of whole runs (paxossimtest.Fuzz):
// the fuzzer's bytes are the choice stream scenarios.RunGen decodes into a
// run, and the property is that every check passes, for the protocol or for
// -paxossim.mutant.
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
// saved as params JSON and printed with its -paxossim.plan replay command.
func FuzzCluster(f *testing.F) { paxossimtest.Fuzz(f, paxossimtest.Options{}) }

var flagUpdateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "TestFuzzCorpus: rewrite FuzzCluster's seed corpus")

const fuzzCorpusDir = "testdata/fuzz/FuzzCluster"

// TestFuzzCorpus checks FuzzCluster's seed corpus: it exists, every entry
// decodes to a run that passes, and together they reach every probe of the
// protocol (and the harness's client-retry), so that fuzzing starts from
// runs that already exercise leader changes, recovery, gap filling,
// catch-up, disk recovery, deduplication and client retries. With
// -update-fuzz-corpus it rewrites the corpus: the empty input (the
// simplest run) and, from a fixed stream of random inputs, each one that
// reaches a probe none before it reached.
//
//	go test ./scenarios -run '^TestFuzzCorpus$' -update-fuzz-corpus
func TestFuzzCorpus(t *testing.T) {
	if *flagUpdateFuzzCorpus {
		writeFuzzCorpus(t)
	}
	entries, err := filepath.Glob(filepath.Join(fuzzCorpusDir, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "no seed corpus in %s (write it with -update-fuzz-corpus)", fuzzCorpusDir)
	var reached scenarios.Coverage
	for _, path := range entries {
		data, err := readFuzzEntry(path)
		require.NoError(t, err, path)
		p := paxossimtest.DecodeRun(t, multipaxos.Name, data)
		require.NoError(t, p.Validate(), path)
		res := scenarios.RunParams(p, scenarios.RunOptions{})
		require.Nil(t, res.Failure, "%s: %v", path, res.Failure)
		reached.Add(res.Coverage)
	}
	for _, probe := range multipaxos.Protocol.ProbeNames() {
		n, _ := reached.Get(probe)
		require.Positive(t, n, "no corpus entry reaches %s (coverage %s); if the protocol or RunGen changed, rewrite the corpus: go test ./scenarios -run '^TestFuzzCorpus$' -update-fuzz-corpus", probe, reached)
	}
}

func writeFuzzCorpus(t *testing.T) {
	require.NoError(t, os.RemoveAll(fuzzCorpusDir))
	require.NoError(t, os.MkdirAll(fuzzCorpusDir, 0o755))
	r := rand.New(rand.NewPCG(5, 5)) // a fixed stream: the corpus is the same each time it is written
	var reached scenarios.Coverage
	write := func(name string, data []byte) {
		content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(fuzzCorpusDir, name), []byte(content), 0o644))
	}
	write("simplest", nil)
	tried := 0
	for ; tried < 2000 && len(unreached(reached)) > 0; tried++ {
		data := make([]byte, 8*(16+r.IntN(112)))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		res := scenarios.RunParams(paxossimtest.DecodeRun(t, multipaxos.Name, data), scenarios.RunOptions{})
		if res.Failure != nil {
			continue
		}
		var adds []string
		for _, p := range unreached(reached) {
			if n, _ := res.Coverage.Get(p); n > 0 {
				adds = append(adds, p)
			}
		}
		if len(adds) == 0 {
			continue
		}
		reached.Add(res.Coverage)
		write(fmt.Sprintf("reaches-%s", adds[0]), data)
	}
	t.Logf("wrote the corpus to %s from %d random inputs; coverage %s", fuzzCorpusDir, tried, reached)
}

// unreached lists the protocol's probes that c has not reached.
func unreached(c scenarios.Coverage) []string {
	var out []string
	for _, p := range multipaxos.Protocol.ProbeNames() {
		if n, _ := c.Get(p); n == 0 {
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
