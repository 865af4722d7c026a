package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceRegion(t *testing.T) {
	doc := "a\n" + figuresStart + "\nold\n" + figuresEnd + "\nb\n"
	out, err := replaceRegion([]byte(doc), "new\n\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n"+figuresStart+"\nnew\n"+figuresEnd+"\nb\n", string(out))

	for _, bad := range []string{"no markers", figuresEnd + figuresStart, figuresStart + " only"} {
		_, err := replaceRegion([]byte(bad), "x")
		assert.Error(t, err, bad)
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/paxossim/paxossim/sim
cpu: Some CPU @ 2.00GHz
BenchmarkKernel          	10000000	        61.5 ns/op	  16254000 events/s	       0 B/op	       0 allocs/op
BenchmarkKernelNetwork-2 	10000000	       120.0 ns/op	   8333000 events/s	       8 B/op	       1 allocs/op
PASS
`
	lines, cpu := parseBench(strings.NewReader(out))
	assert.Equal(t, "Some CPU @ 2.00GHz", cpu)
	require.Len(t, lines, 2)
	assert.Equal(t, "BenchmarkKernel", lines[0].name)
	assert.Equal(t, int64(10000000), lines[0].n)
	assert.Equal(t, 16254000.0, lines[0].metrics["events/s"])
	assert.Equal(t, 1.0, lines[1].metrics["allocs/op"])

	figs := kernelFigures(lines[:1], "1x")
	require.Len(t, figs, 2)
	assert.Equal(t, "16.3 M", figs[0].value)
	assert.True(t, *figs[0].met)
	table := renderFigures("header", figs)
	assert.Contains(t, table, "| kernel events/s (one core, 5 nodes, default transport) | 16.3 M | ≥ 3 M ✓ |")
	assert.Contains(t, table, "| kernel allocations per event (same benchmarks) | 0 | 0 ✓ | same |")
}
