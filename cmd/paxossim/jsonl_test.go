package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

// TestOrderedWriter: records arriving in completion order come out in
// index order, for a shard's indexes.
func TestOrderedWriter(t *testing.T) {
	var buf bytes.Buffer
	w := newOrderedWriter(&buf, shard{1, 3})
	for _, i := range []int{7, 4, 1, 13, 10} {
		w.add(record{Scenario: "x", Index: i})
		if i == 4 {
			assert.Zero(t, buf.Len()+w.w.Buffered(), "nothing before index 1")
		}
	}
	w.add(record{Scenario: "x", Index: 19}) // 16 never comes: written at close
	require.NoError(t, w.close())
	recs, err := readRecords(&buf, "buf")
	require.NoError(t, err)
	var got []int
	for _, r := range recs {
		got = append(got, r.Index)
	}
	assert.Equal(t, []int{1, 4, 7, 10, 13, 19}, got)
	assert.Equal(t, 6, w.lines)
}

// TestReadRecordsProtocol: a line written before lines named their
// protocol reads as the default protocol's.
func TestReadRecordsProtocol(t *testing.T) {
	in := `{"scenario":"chaos","seed":5,"index":0,"coverage":{"leader-change":2}}
{"scenario":"chaos","protocol":"other","seed":5,"index":0}
`
	recs, err := readRecords(strings.NewReader(in), "in")
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, scenarios.DefaultProtocol, recs[0].Protocol)
	assert.Equal(t, uint64(2), recs[0].Coverage["leader-change"])
	assert.Equal(t, "other", recs[1].Protocol)
}
