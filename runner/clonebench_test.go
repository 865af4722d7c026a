package runner_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkWorldCloneInto measures a snapshot of a single-decree Paxos
// world part way through its run, into a dropped world's memory, as an
// exhaustive search makes one per choice: go test ./runner -run '^$'
// -bench WorldCloneInto -benchmem -cpu 1.
func BenchmarkWorldCloneInto(b *testing.B) {
	p := cloneWorlds(b)["paxos"]
	w := replay(b, p, nil)
	randomPath(b, rand.New(rand.NewPCG(1, 1)), w, 12)
	dst, err := w.Clone()
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if dst, err = w.CloneInto(dst); err != nil {
			b.Fatal(err)
		}
	}
}
