package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/paxossim/paxossim/scenarios"
)

// record is one seed's line in a -json file. Every field but wall_ns (and,
// on a machine too slow for the check's wall-clock timeout, linearizable
// and check) is a function of the seed alone: the same at any -parallel,
// in any shard, on any machine at the same revision. Lines are written in
// seed-index order, so two files of the same sweep differ only in wall_ns.
type record struct {
	Scenario string `json:"scenario"`
	// Protocol is the protocol's registry name; a line written before
	// there was more than one protocol has none, and reads as
	// scenarios.DefaultProtocol.
	Protocol string `json:"protocol"`
	Mutant   string `json:"mutant"`
	Seed     uint64 `json:"seed"`
	// Index is the seed's position in the sweep (Seed - the sweep's first
	// seed); Shard is "i/n" of the process that ran it ("0/1" unsharded);
	// SweepCount is the sweep's -count, 0 for one bounded only by -budget.
	// Together they let merge find missing and duplicate seeds.
	Index        int    `json:"index"`
	Shard        string `json:"shard"`
	SweepCount   int    `json:"sweep_count"`
	Revision     string `json:"revision"`
	TraceHash    string `json:"trace_hash"`
	Passed       bool   `json:"passed"`
	Check        string `json:"check"`
	Fact         string `json:"fact"`
	Events       uint64 `json:"events"`
	Steps        int64  `json:"steps"`
	SimTimeNS    int64  `json:"sim_time_ns"`
	Ops          int    `json:"ops"`
	Completed    int    `json:"completed"`
	Linearizable string `json:"linearizable"`
	// Coverage maps each probe of the protocol (and the harness's
	// client-retry) to how often the run reached it.
	Coverage map[string]uint64 `json:"coverage"`
	WallNS   int64             `json:"wall_ns"`
}

// sweepInfo is what every record of one sweep shares.
type sweepInfo struct {
	scenario string
	protocol string
	mutant   string
	start    uint64
	count    int
	// untilBudget: only -budget bounded the sweep; its lines record
	// sweep_count 0.
	untilBudget bool
	shard       shard
	revision    string
}

func newRecord(res *scenarios.Result, info sweepInfo) record {
	r := record{
		Scenario:     info.scenario,
		Protocol:     info.protocol,
		Mutant:       info.mutant,
		Seed:         res.Params.Seed,
		Index:        int(res.Params.Seed - info.start), // below the count: run refuses a range past 2^64-1
		Shard:        info.shard.String(),
		Revision:     info.revision,
		TraceHash:    fmt.Sprintf("%016x", res.Hash),
		Passed:       res.Passed(),
		Events:       res.Events,
		Steps:        res.Steps,
		SimTimeNS:    int64(res.SimTime),
		Ops:          res.Ops,
		Completed:    res.Completed,
		Linearizable: string(res.Linearizable),
		Coverage:     make(map[string]uint64, len(res.Coverage.Names)),
		WallNS:       int64(res.SimWall + res.CheckWall),
	}
	if !info.untilBudget {
		r.SweepCount = info.count
	}
	if res.Failure != nil {
		r.Check, r.Fact = string(res.Failure.Check), truncateFact(res.Failure.Fact)
	}
	for i, name := range res.Coverage.Names {
		r.Coverage[name] = res.Coverage.Counts[i]
	}
	return r
}

// orderedWriter writes records in seed-index order although they arrive in
// completion order: a record waits until every earlier index of the shard
// has been written. The sweep hands out indexes in order, so what waits is
// bounded by the runs that finish while one slow run is under way.
type orderedWriter struct {
	w       *bufio.Writer
	next    int // the next index to write
	step    int // the shard count: indexes go next, next+step, ...
	pending map[int]record
	err     error
	lines   int
}

func newOrderedWriter(w io.Writer, sh shard) *orderedWriter {
	return &orderedWriter{w: bufio.NewWriter(w), next: sh.index, step: sh.count, pending: map[int]record{}}
}

func (o *orderedWriter) add(r record) {
	o.pending[r.Index] = r
	for {
		r, ok := o.pending[o.next]
		if !ok {
			return
		}
		delete(o.pending, o.next)
		o.write(r)
		o.next += o.step
	}
}

func (o *orderedWriter) write(r record) {
	if o.err != nil {
		return
	}
	data, err := json.Marshal(r)
	if err == nil {
		data = append(data, '\n')
		_, err = o.w.Write(data)
	}
	o.err = err
	o.lines++
}

// close writes whatever still waits (none, unless the sweep skipped an
// index) in index order and flushes.
func (o *orderedWriter) close() error {
	rest := make([]int, 0, len(o.pending))
	for i := range o.pending {
		rest = append(rest, i)
	}
	sort.Ints(rest)
	for _, i := range rest {
		o.write(o.pending[i])
	}
	o.pending = nil
	if o.err != nil {
		return o.err
	}
	return o.w.Flush()
}

// truncateFact cuts a fact to maxFactBytes (at a character boundary), so
// that every line stays far below what merge reads (maxLineBytes).
func truncateFact(fact string) string {
	if len(fact) <= maxFactBytes {
		return fact
	}
	return truncateAt(fact, maxFactBytes) + factTruncated
}

// truncateAt cuts s to at most n bytes, at a character boundary.
func truncateAt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// factTruncated ends a fact that truncateFact cut.
const factTruncated = " ... (cut: the seed's report and its replay print the whole fact)"
