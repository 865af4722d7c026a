package scenarios

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec/kv"
)

// contended is chaos with many clients on one key and compare-and-swap in
// the mix: the concurrency at which the search gave up ("unknown" at 12-16
// concurrent operations), which the exact checker judges at once.
func contended(t *testing.T, clients int, workload string) *Scenario {
	sc, err := Lookup("chaos")
	require.NoError(t, err)
	c := *sc
	c.Workload.Clients = clients
	c.Workload.Spec = json.RawMessage(workload)
	return &c
}

func TestContendedChaosIsJudgedExactly(t *testing.T) {
	sc := contended(t, 20, `{"keys":1,"get":2,"put":1,"append":2,"cas":2}`)
	casOK, casFailed := 0, 0
	for seed := uint64(1); seed <= 8; seed++ {
		res := Run(sc, seed, "", RunOptions{})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		assert.Equal(t, VerdictOk, res.Linearizable)
		assert.Equal(t, lincheck.Exact, res.Check.Checker)
		for _, op := range res.History {
			if in := op.Input.(kv.Input); in.Op == kv.CAS {
				if out, ok := op.Output.(kv.Output); ok && out.OK {
					casOK++
				} else if ok {
					casFailed++
				}
			}
		}
	}
	t.Logf("cas: %d swapped, %d did not", casOK, casFailed)
	assert.Positive(t, casOK, "clients expect what they saw, so some swaps succeed")
	assert.Positive(t, casFailed, "and under contention some fail")
}

// The same verdicts from the search where it can finish: a few calm runs
// with CAS on few clients.
func TestExactAndSearchAgreeOnRuns(t *testing.T) {
	sc := contended(t, 4, `{"keys":2,"get":2,"put":1,"append":2,"cas":2}`)
	for seed := uint64(1); seed <= 6; seed++ {
		res := Run(sc, seed, "", RunOptions{})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		m := kv.Spec{}.Model()
		ex := lincheck.Judge(m, res.History, lincheck.Options{Checker: lincheck.Exact})
		pc := lincheck.Judge(m, res.History, lincheck.Options{Checker: lincheck.Porcupine})
		assert.Equal(t, lincheck.Ok, ex.Verdict, "seed %d", seed)
		assert.Equal(t, ex.Verdict, pc.Verdict, "seed %d", seed)
	}
	// Real histories with one read made stale (it returns what an earlier
	// read of its key returned): both checkers judge each the same way.
	violations := 0
	for seed := uint64(1); seed <= 6; seed++ {
		res := Run(sc, seed, "", RunOptions{})
		require.Nil(t, res.Failure)
		for k := 0; k < 40; k++ {
			h := slices.Clone(res.History)
			i, j := (k*7919+int(seed))%len(h), (k*104729+3)%len(h)
			a, aok := h[i].Output.(kv.Output)
			b, bok := h[j].Output.(kv.Output)
			ai, bi := h[i].Input.(kv.Input), h[j].Input.(kv.Input)
			if !aok || !bok || ai.Op != kv.Get || bi.Op != kv.Get || ai.Key != bi.Key || a == b {
				continue
			}
			h[i].Output = b
			m := kv.Spec{}.Model()
			ex := lincheck.Judge(m, h, lincheck.Options{Checker: lincheck.Exact})
			pc := lincheck.Judge(m, h, lincheck.Options{Checker: lincheck.Porcupine})
			require.NotEqual(t, lincheck.Unknown, pc.Verdict)
			assert.Equal(t, pc.Verdict, ex.Verdict, "seed %d, op %d: exact says %s", seed, i, ex.Explanation)
			if ex.Verdict == lincheck.Violation {
				violations++
			}
		}
	}
	t.Logf("violations among the corrupted histories: %d", violations)
	assert.Positive(t, violations)
}
