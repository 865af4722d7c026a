package main

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"testing"
)

// FuzzReadRecords fuzzes merge's reader of JSON lines (scanRecords) and
// the merge of what it accepts: every input is refused with an error or
// merged, never a panic, and never with memory out of proportion to the
// input, whatever counts, indexes and shards its lines claim. A line it
// accepts is one run could have written: it passes the checks again after
// a round trip through the encoder.
//
//	go test ./cmd/paxossim -run '^$' -fuzz '^FuzzReadRecords$' -fuzztime 10s -fuzzminimizetime 100x
//
// Without -fuzz it runs the seeds below and testdata/fuzz/FuzzReadRecords
// as a test.
func FuzzReadRecords(f *testing.F) {
	valid := `{"scenario":"calm","protocol":"multipaxos","mutant":"","seed":100,"index":0,"shard":"0/1","sweep_count":10,"revision":"unknown","trace_hash":"00000000000000aa","passed":true,"check":"","fact":"","events":1,"steps":1,"sim_time_ns":1,"ops":1,"completed":1,"linearizable":"ok","coverage":{"leader-change":1},"wall_ns":1}`
	failing := `{"scenario":"chaos","seed":7,"index":7,"shard":"7/100000","sweep_count":1000000000,"trace_hash":"ffffffffffffffff","passed":false,"check":"no-progress","fact":"op open\nsince 3s"}`
	for _, seed := range []string{
		"",
		valid + "\n",
		valid + "\n" + valid + "\n",
		valid + "\n" + failing + "\n",
		valid + "\n" + valid[:40],
		failing + "\r\n\n\n" + valid,
		`{"scenario":"calm","seed":1,"index":0,"shard":"9/2","sweep_count":1,"trace_hash":"00000000000000aa","passed":true}` + "\n",
		"not json\n",
		"\x00\x00\x00",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := &merger{show: 20, sweeps: map[sweepKey]*mergedSweep{}, revisions: map[string][]string{}}
		m.files = append(m.files, fileScan{name: "fuzz"})
		var accepted []record
		fsc, err := scanRecords(bytes.NewReader(data), "fuzz", func(r record) {
			accepted = append(accepted, r)
			m.add(r, 0)
		})
		if err == nil {
			m.files[0] = fsc
			m.print(io.Discard)
		}
		runtime.ReadMemStats(&after)
		// A line may start a sweep of its own, with its summary and a
		// replay command drawn for a failing seed: a bound per line, and
		// one per byte for the rest.
		lines := bytes.Count(data, []byte("\n")) + 1
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(data)+(64<<10)*lines)+16<<20 {
			t.Fatalf("reading and merging %d bytes in %d lines allocated %d bytes", len(data), lines, grew)
		}
		for _, r := range accepted {
			if err := r.check(); err != nil {
				t.Fatalf("accepted a line that fails its check: %v", err)
			}
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			again, err := decodeRecord(line)
			if err != nil {
				t.Fatalf("an accepted line, written again, is refused: %v\n%s", err, line)
			}
			if !recordsEqual(r, again) {
				t.Fatalf("an accepted line changes when written and read again:\n%+v\n%+v", r, again)
			}
		}
	})
}

// recordsEqual compares two records as JSON, where a nil and an empty
// coverage map are the same.
func recordsEqual(a, b record) bool {
	if len(a.Coverage) == 0 && len(b.Coverage) == 0 {
		a.Coverage, b.Coverage = nil, nil
	}
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
