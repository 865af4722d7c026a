package scenarios

import (
	"testing"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// BenchmarkJudgeChaos judges the histories of 50 chaos runs with each
// checker: what the check costs on today's scenarios.
func BenchmarkJudgeChaos(b *testing.B) {
	sc, err := Lookup("chaos")
	if err != nil {
		b.Fatal(err)
	}
	var hists [][]spec.Operation
	ops := 0
	for seed := uint64(1); seed <= 50; seed++ {
		res := Run(sc, seed, "", RunOptions{SkipLinearizability: true})
		hists = append(hists, res.History)
		ops += len(res.History)
	}
	m := kv.Spec{}.Model()
	for _, c := range []lincheck.Checker{lincheck.Exact, lincheck.Porcupine} {
		b.Run(string(c), func(b *testing.B) {
			for b.Loop() {
				for _, h := range hists {
					if r := lincheck.Judge(m, h, lincheck.Options{Checker: c}); r.Verdict != lincheck.Ok {
						b.Fatal(r.Explanation)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ops), "ns/op-checked")
		})
	}
}
