package explore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChunks: elements keep their indexes as the list grows past chunk
// boundaries, and a run pushed near a boundary stays in one chunk.
func TestChunks(t *testing.T) {
	var l chunks[int]
	var runs [][2]int // index, length
	want := map[int]int{}
	for i := range 3*chunkSize + 17 {
		if i%1000 == 999 {
			vs := []int{i, i + 1, i + 2, i + 3, i + 4}[:1+i%5]
			at := l.pushRun(vs)
			runs = append(runs, [2]int{at, len(vs)})
			require.Equal(t, vs, l.run(at, len(vs)))
			continue
		}
		want[l.push(i)] = i
	}
	for at, v := range want {
		require.Equal(t, v, *l.at(at))
	}
	for _, r := range runs {
		got := l.run(r[0], r[1])
		require.Len(t, got, r[1])
		require.Equal(t, r[0]&chunkMask+r[1] <= chunkSize, true, "a run does not cross a chunk")
	}
	require.Empty(t, l.run(l.len(), 0))
	require.Equal(t, 0, l.pushRun(nil)-l.len())
}
