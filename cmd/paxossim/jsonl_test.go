package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

// readRecords reads every line of a -json file, for the tests.
func readRecords(r io.Reader, name string) ([]record, error) {
	var out []record
	_, err := scanRecords(r, name, func(rec record) { out = append(out, rec) })
	return out, err
}

// testLine is a valid JSON line of shard 0/1 with its index, seed and
// protocol; extra fields are appended.
func testLine(seed uint64, index int, protocol string) string {
	p := ""
	if protocol != "" {
		p = fmt.Sprintf(`"protocol":%q,`, protocol)
	}
	return fmt.Sprintf(`{"scenario":"chaos",%s"seed":%d,"index":%d,"shard":"0/1","sweep_count":0,"trace_hash":"00000000000000aa","passed":true,"coverage":{"leader-change":2}}`, p, seed, index)
}

// TestOrderedWriter: records arriving in completion order come out in
// index order, for a shard's indexes.
func TestOrderedWriter(t *testing.T) {
	var buf bytes.Buffer
	w := newOrderedWriter(&buf, shard{1, 3})
	for _, i := range []int{7, 4, 1, 13, 10} {
		w.add(record{Scenario: "x", Seed: uint64(100 + i), Index: i, Shard: "1/3", TraceHash: "0000000000000000", Passed: true})
		if i == 4 {
			assert.Zero(t, buf.Len()+w.w.Buffered(), "nothing before index 1")
		}
	}
	w.add(record{Scenario: "x", Seed: 119, Index: 19, Shard: "1/3", TraceHash: "0000000000000000", Passed: true}) // 16 never comes: written at close
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
	in := testLine(5, 0, "") + "\n" + testLine(5, 0, "other") + "\n"
	recs, err := readRecords(strings.NewReader(in), "in")
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, scenarios.DefaultProtocol, recs[0].Protocol)
	assert.Equal(t, uint64(2), recs[0].Coverage["leader-change"])
	assert.Equal(t, "other", recs[1].Protocol)
}
