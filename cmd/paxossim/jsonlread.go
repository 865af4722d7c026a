package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paxossim/paxossim/scenarios"
)

// Reading the -json files of a sweep's shards. A shard may have been
// killed at any moment (a pod evicted, a CI job cancelled, a node lost),
// so a file may be empty or end in a line cut short: both are reported as
// incomplete, and every complete line is used. Anything else that is not
// a line run writes is refused with FILE:LINE, because merging it would
// report seeds that never ran: a line is checked for every field merge
// relies on, and for values no run writes (a shard 9/2, an index outside
// its sweep, a missing seed that would read as seed 0).

// fileScan is what reading one file found besides its lines.
type fileScan struct {
	name  string
	lines int // complete lines merged
	// tornLine is the number of the last line when it was cut short (no
	// newline, and not a whole JSON object), 0 when it was not; tornBytes
	// is how much of it was written.
	tornLine, tornBytes int
}

// empty reports a file with no line at all.
func (f *fileScan) empty() bool { return f.lines == 0 && f.tornLine == 0 }

// requiredFields holds the raw value of each field merge relies on, to
// tell a field that is absent (or null) from one that is zero.
type requiredFields struct {
	Scenario   json.RawMessage `json:"scenario"`
	Seed       json.RawMessage `json:"seed"`
	Index      json.RawMessage `json:"index"`
	Shard      json.RawMessage `json:"shard"`
	SweepCount json.RawMessage `json:"sweep_count"`
	TraceHash  json.RawMessage `json:"trace_hash"`
	Passed     json.RawMessage `json:"passed"`
}

// missingField names the first required field a line lacks, or "".
func (f *requiredFields) missingField() string {
	for _, field := range []struct {
		name string
		raw  json.RawMessage
	}{
		{"scenario", f.Scenario}, {"seed", f.Seed}, {"index", f.Index}, {"shard", f.Shard},
		{"sweep_count", f.SweepCount}, {"trace_hash", f.TraceHash}, {"passed", f.Passed},
	} {
		if len(field.raw) == 0 || string(field.raw) == "null" {
			return field.name
		}
	}
	return ""
}

// scanRecords reads a -json file (name is for messages) and hands each
// complete, valid line to add. It refuses a line longer than maxLineBytes
// and a file longer than maxMergeFileBytes.
func scanRecords(r io.Reader, name string, add func(record)) (fileScan, error) {
	return scanRecordsLimited(r, name, maxMergeFileBytes, add)
}

// scanRecordsLimited is scanRecords with the file size limit as a
// parameter, for its test.
func scanRecordsLimited(r io.Reader, name string, maxBytes int64, add func(record)) (fileScan, error) {
	fsc := fileScan{name: name}
	limited := &io.LimitedReader{R: r, N: maxBytes + 1}
	sc := bufio.NewScanner(limited)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	unterminated := false // the last token had no newline
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			return i + 1, bytes.TrimSuffix(data[:i], []byte("\r")), nil
		}
		if atEOF && len(data) > 0 {
			unterminated = true
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	line := 0
	for sc.Scan() {
		line++
		if limited.N <= 0 {
			return fsc, fmt.Errorf("%s: longer than %d bytes: not a file of JSON lines that run writes", name, maxBytes)
		}
		data := sc.Bytes()
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		rec, err := decodeRecord(data)
		if err != nil && unterminated {
			// The last line, cut short: the shard was killed while it
			// wrote it. Its seed is missing, as are those after it.
			fsc.tornLine, fsc.tornBytes = line, len(data)
			break
		}
		if err != nil {
			return fsc, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		fsc.lines++
		add(rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fsc, fmt.Errorf("%s:%d: a line longer than %d bytes: not a JSON line that run writes", name, line+1, maxLineBytes)
		}
		return fsc, fmt.Errorf("%s: %v", name, err)
	}
	if limited.N <= 0 {
		return fsc, fmt.Errorf("%s: longer than %d bytes: not a file of JSON lines that run writes", name, maxBytes)
	}
	return fsc, nil
}

// decodeRecord decodes one line and checks it.
func decodeRecord(data []byte) (record, error) {
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return record{}, fmt.Errorf("not a paxossim JSON line: %v", err)
	}
	var present requiredFields
	if err := json.Unmarshal(data, &present); err != nil {
		return record{}, fmt.Errorf("not a paxossim JSON line: %v", err)
	}
	if field := present.missingField(); field != "" {
		return record{}, fmt.Errorf("not a paxossim JSON line: no %q field (every line run writes has one; a missing seed or index would read as 0)", field)
	}
	if rec.Protocol == "" {
		// A line written before there was more than one protocol.
		rec.Protocol = scenarios.DefaultProtocol
	}
	if err := rec.check(); err != nil {
		return record{}, err
	}
	return rec, nil
}

// check refuses values that no run writes.
func (r *record) check() error {
	switch {
	case r.Scenario == "":
		return errors.New(`impossible line: "scenario" is empty`)
	case r.Index < 0 || r.Index >= maxSeeds:
		return fmt.Errorf("impossible line: index %d: want 0 <= index < %d", r.Index, maxSeeds)
	case r.SweepCount < 0 || r.SweepCount > maxSeeds:
		return fmt.Errorf("impossible line: sweep_count %d: want 0 (a sweep bounded by -budget) to %d", r.SweepCount, maxSeeds)
	case r.SweepCount > 0 && r.Index >= r.SweepCount:
		return fmt.Errorf("impossible line: index %d is not below sweep_count %d: not a seed of its sweep", r.Index, r.SweepCount)
	case uint64(r.Index) > r.Seed:
		return fmt.Errorf("impossible line: index %d is above seed %d: its sweep's first seed (seed - index) would wrap below 0", r.Index, r.Seed)
	case r.SweepCount > 0 && r.Seed-uint64(r.Index) > math.MaxUint64-uint64(r.SweepCount-1):
		return fmt.Errorf("impossible line: seed %d at index %d of sweep_count %d: its sweep would pass the largest seed, %d", r.Seed, r.Index, r.SweepCount, uint64(math.MaxUint64))
	case !validHash(r.TraceHash):
		return fmt.Errorf("impossible line: trace_hash %q: want 16 hex digits", r.TraceHash)
	case !r.Passed && r.Check == "":
		return errors.New(`impossible line: "passed" is false and "check" is empty: a failing line names its check`)
	case r.Passed && r.Check != "":
		return fmt.Errorf("impossible line: \"passed\" is true and \"check\" is %q", r.Check)
	}
	sh, err := parseShardSpec(r.Shard)
	if err != nil {
		return fmt.Errorf("impossible line: shard %q: %v", r.Shard, err)
	}
	if r.Index%sh.count != sh.index {
		return fmt.Errorf("impossible line: index %d is not one that shard %s runs (%d mod %d = %d)", r.Index, sh, r.Index, sh.count, r.Index%sh.count)
	}
	return nil
}

func validHash(h string) bool {
	if len(h) != 16 {
		return false
	}
	_, err := strconv.ParseUint(h, 16, 64)
	return err == nil
}

// traceHash is a checked line's trace hash as a number.
func (r *record) traceHash() uint64 {
	h, _ := strconv.ParseUint(r.TraceHash, 16, 64)
	return h
}

// shardOf is a checked line's shard.
func (r *record) shardOf() shard {
	sh, _ := parseShardSpec(r.Shard)
	return sh
}
