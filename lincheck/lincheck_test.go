package lincheck_test

import (
	"bytes"
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// The checker, tested on the KV spec with hand-written histories. Times
// are simulated nanoseconds and intervals closed.

var model = kv.Spec{}.Model()

// histEnd is the end of every hand-written history: unknown operations
// return there, as the recorder makes them do.
const histEnd = 1000

func kvOp(client int, call, ret int64, op kv.Op, key, value string, out any) spec.Operation {
	return spec.Operation{Client: client, Input: kv.Input{Op: op, Key: key, Value: value}, Call: call, Output: out, Return: ret}
}

func get(client int, call, ret int64, key, got string) spec.Operation {
	return kvOp(client, call, ret, kv.Get, key, "", kv.Output{Value: got})
}

func put(client int, call, ret int64, key, value string) spec.Operation {
	return kvOp(client, call, ret, kv.Put, key, value, kv.Output{})
}

func appendOp(client int, call, ret int64, key, value string) spec.Operation {
	return kvOp(client, call, ret, kv.Append, key, value, kv.Output{})
}

// unknown turns op into one whose client timed out: its outcome is unknown
// and it stays open to the end of the history.
func unknown(op spec.Operation) spec.Operation {
	op.Output = spec.Unknown{}
	op.Return = histEnd
	return op
}

func isUnknown(op spec.Operation) bool {
	_, ok := op.Output.(spec.Unknown)
	return ok
}

type kvCase struct {
	name string
	ops  []spec.Operation
	want lincheck.Verdict
}

// check judges with the default options.
func check(m spec.Model, ops []spec.Operation) lincheck.Verdict {
	return lincheck.Judge(m, ops, lincheck.Options{}).Verdict
}

// runKVCases judges each case by search, then again with its values made
// unique tokens ("1" -> "1;", a read of "12" -> "1;2;"), where the default
// check is the exact checker, which must agree.
func runKVCases(t *testing.T, cases []kvCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, lincheck.Judge(model, c.ops, lincheck.Options{Checker: lincheck.Porcupine}).Verdict)
			ops, ok := tokenized(c.ops)
			if !ok {
				return
			}
			r := lincheck.Judge(model, ops, lincheck.Options{})
			assert.Equal(t, c.want, r.Verdict, "exact: %s", r.Explanation)
			if len(ops) > 0 {
				assert.Equal(t, lincheck.Exact, r.Checker)
			}
			if r.Verdict == lincheck.Violation {
				assert.NotEmpty(t, r.Explanation)
				assert.NotEmpty(t, r.Ops)
			}
			assert.Equal(t, c.want, lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Porcupine}).Verdict, "porcupine on the tokenized case")
		})
	}
}

// tokenized rewrites a history of one-character values in the workload's
// token form; ok is false if a written value is not one character.
func tokenized(ops []spec.Operation) ([]spec.Operation, bool) {
	out := slices.Clone(ops)
	for i, op := range out {
		in := op.Input.(kv.Input)
		if in.Op != kv.Get {
			if len(in.Value) != 1 {
				return nil, false
			}
			in.Value += ";"
			out[i].Input = in
			continue
		}
		if o, ok := op.Output.(kv.Output); ok {
			var b strings.Builder
			for _, c := range o.Value {
				b.WriteString(string(c) + ";")
			}
			out[i].Output = kv.Output{Value: b.String()}
		}
	}
	return out, true
}

// Reference: porcupine's own kv tests (kvModel, test_data/kv), as
// hand-written histories.
func TestLinearizable(t *testing.T) {
	runKVCases(t, []kvCase{
		{"sequential", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(0, 20, 30, "x", "1"),
			appendOp(0, 40, 50, "x", "2"),
			get(0, 60, 70, "x", "12"),
		}, lincheck.Ok},
		{"a missing key reads empty", []spec.Operation{
			get(0, 0, 10, "x", ""),
			appendOp(1, 20, 30, "x", "a"),
			get(0, 40, 50, "x", "a"),
		}, lincheck.Ok},
		{"a concurrent read may see the old value", []spec.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", ""),
		}, lincheck.Ok},
		{"a concurrent read may see the new value", []spec.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", "1"),
		}, lincheck.Ok},
		{"intervals that touch are concurrent", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 10, 20, "x", ""),
		}, lincheck.Ok},
		{"concurrent appends in either order", []spec.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(1, 0, 10, "x", "b"),
			get(2, 20, 30, "x", "ba"),
		}, lincheck.Ok},
		{"reads order concurrent puts", []spec.Operation{
			put(0, 0, 100, "x", "1"),
			put(1, 0, 100, "x", "2"),
			get(2, 10, 20, "x", "2"),
			get(2, 30, 40, "x", "1"),
		}, lincheck.Ok},
		{"empty history", nil, lincheck.Ok},
	})
}

func TestViolations(t *testing.T) {
	runKVCases(t, []kvCase{
		{"stale read after a completed put", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "x", ""),
		}, lincheck.Violation},
		{"stale read after an overwrite", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			put(0, 20, 30, "x", "2"),
			get(1, 40, 50, "x", "1"),
		}, lincheck.Violation},
		{"an append applied twice", []spec.Operation{
			appendOp(0, 0, 10, "x", "a"),
			get(1, 20, 30, "x", "aa"),
		}, lincheck.Violation},
		{"a lost append", []spec.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(0, 20, 30, "x", "b"),
			get(1, 40, 50, "x", "b"),
		}, lincheck.Violation},
		{"appends out of real-time order", []spec.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(0, 20, 30, "x", "b"),
			get(1, 40, 50, "x", "ba"),
		}, lincheck.Violation},
		{"a value nobody wrote", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "x", "2"),
		}, lincheck.Violation},
		{"reads go back in time", []spec.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", "1"),
			get(1, 30, 40, "x", ""),
		}, lincheck.Violation},
	})
}

// An unknown operation may take effect at any time after its call, or
// never; it cannot take effect twice, before its call, or be undone.
func TestUnknownOutcomes(t *testing.T) {
	runKVCases(t, []kvCase{
		{"an unknown put that later reads show took effect", []spec.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "1"),
		}, lincheck.Ok},
		{"an unknown put never observed", []spec.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", ""),
			get(1, 70, 80, "x", ""),
		}, lincheck.Ok},
		{"an unknown put observed late", []spec.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", ""),
			get(1, 70, 80, "x", "1"),
		}, lincheck.Ok},
		{"an unknown append after a known one", []spec.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			appendOp(1, 10, 20, "x", "b"),
			get(2, 30, 40, "x", "b"),
			get(2, 50, 60, "x", "ba"),
		}, lincheck.Ok},
		{"an unknown get constrains nothing", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			unknown(get(1, 20, 0, "x", "")),
			get(1, 30, 40, "x", "1"),
		}, lincheck.Ok},
		{"an unknown put cannot explain a value nobody wrote", []spec.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "2"),
		}, lincheck.Violation},
		{"an unknown append takes effect at most once", []spec.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			get(1, 50, 60, "x", "aa"),
		}, lincheck.Violation},
		{"an unknown put cannot be undone", []spec.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "1"),
			get(1, 70, 80, "x", ""),
		}, lincheck.Violation},
		{"an unknown put cannot take effect before its call", []spec.Operation{
			get(1, 0, 10, "x", "1"),
			unknown(put(0, 20, 0, "x", "1")),
		}, lincheck.Violation},
		{"an unknown append cannot reorder completed ones", []spec.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			appendOp(1, 10, 20, "x", "b"),
			get(2, 30, 40, "x", "b"),
			get(2, 50, 60, "x", "ab"),
		}, lincheck.Violation},
	})
}

// An unknown operation whose Return the recorder left early is kept open to
// the end of the history, without modifying the caller's slice.
func TestUnknownStaysOpenToTheEnd(t *testing.T) {
	early := unknown(put(0, 0, 0, "x", "1"))
	early.Return = 5 // the put would otherwise have to take effect by 5
	ops := []spec.Operation{
		early,
		get(1, 10, 20, "x", ""),
		get(1, 30, 40, "x", "1"),
	}
	before := slices.Clone(ops)
	assert.Equal(t, lincheck.Ok, check(model, ops))
	assert.Equal(t, before, ops)

	prepared := lincheck.Prepare(model, ops)
	require.Len(t, prepared, 3)
	assert.Equal(t, int64(40), prepared[0].Return, "an unknown operation returns at the end of the history")
	assert.Equal(t, int64(20), prepared[1].Return)
	assert.Equal(t, ops[1].Input, prepared[1].Input)
	assert.Equal(t, ops[1].Output, prepared[1].Output)
	assert.Equal(t, 1, prepared[1].ClientId)
}

func TestPartitionIndependence(t *testing.T) {
	runKVCases(t, []kvCase{
		{"keys do not share values", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "y", "1"),
		}, lincheck.Violation},
		{"a write to one key is invisible on another", []spec.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "y", ""),
			get(1, 40, 50, "x", "1"),
		}, lincheck.Ok},
		{"a violation on one key among many good ones", []spec.Operation{
			put(0, 0, 10, "a", "1"),
			put(1, 0, 10, "b", "1"),
			appendOp(2, 0, 10, "c", "1"),
			get(0, 20, 30, "a", "1"),
			get(1, 20, 30, "b", ""), // stale
			get(2, 20, 30, "c", "1"),
		}, lincheck.Violation},
	})

	// Partitions come in sorted key order and keep the order of operations
	// within a key, whatever the order of keys in the history.
	hist := lincheck.Prepare(model, []spec.Operation{
		put(0, 0, 10, "c", "1"),
		put(1, 1, 11, "a", "2"),
		get(2, 2, 12, "b", ""),
		get(0, 20, 30, "c", "1"),
		appendOp(1, 21, 31, "a", "3"),
		get(2, 22, 32, "a", "23"),
	})
	pm := lincheck.Model(model)
	parts := pm.Partition(hist)
	require.Len(t, parts, 3)
	assert.Equal(t, []porcupine.Operation{hist[1], hist[4], hist[5]}, parts[0])
	assert.Equal(t, []porcupine.Operation{hist[2]}, parts[1])
	assert.Equal(t, []porcupine.Operation{hist[0], hist[3]}, parts[2])

	// The event form, in which a return finds its key through its call's Id.
	var events []porcupine.Event
	for id, op := range hist {
		events = append(events, porcupine.Event{ClientId: op.ClientId, Kind: porcupine.CallEvent, Value: op.Input, Id: id})
	}
	for id, op := range slices.Backward(hist) {
		events = append(events, porcupine.Event{ClientId: op.ClientId, Kind: porcupine.ReturnEvent, Value: op.Output, Id: id})
	}
	eparts := pm.PartitionEvent(events)
	require.Len(t, eparts, 3)
	var ids [][]int
	for _, p := range eparts {
		var pids []int
		for _, ev := range p {
			pids = append(pids, ev.Id)
		}
		ids = append(ids, pids)
	}
	assert.Equal(t, [][]int{{1, 4, 5, 5, 4, 1}, {2, 2}, {0, 3, 3, 0}}, ids)
	assert.True(t, porcupine.CheckEvents(pm, events))

	// A model without PartitionKey is one partition.
	whole := model
	whole.PartitionKey = nil
	assert.Nil(t, lincheck.Model(whole).Partition)
	assert.Equal(t, lincheck.Ok, check(whole, []spec.Operation{put(0, 0, 10, "x", "1"), get(1, 20, 30, "x", "1")}))
}

// The pathological history for the search: many concurrent puts of
// distinct values and a read of a value none wrote. Refuting it means trying
// every subset of the puts (2^40 of them), so the search must give up at its
// budget, with the same step count every time; a wall-time bound gives up
// too. The exact checker refutes the token form at once.
func TestBudgetGivesUnknown(t *testing.T) {
	var ops []spec.Operation
	for i := range 40 {
		ops = append(ops, put(i, 0, 100, "x", strconv.Itoa(i)))
	}
	ops = append(ops, get(40, 200, 300, "x", "never written"))
	r := lincheck.Judge(model, ops, lincheck.Options{Budget: 100_000})
	assert.Equal(t, lincheck.Unknown, r.Verdict)
	assert.Equal(t, lincheck.Porcupine, r.Checker)
	assert.Contains(t, r.Explanation, "budget of 100000 model steps")
	again := lincheck.Judge(model, ops, lincheck.Options{Budget: 100_000})
	assert.Equal(t, r, again, "a budget, unlike a timeout, gives the same result every time")
	r = lincheck.Judge(model, ops, lincheck.Options{Timeout: time.Nanosecond})
	assert.Equal(t, lincheck.Unknown, r.Verdict)
	assert.Contains(t, r.Explanation, "wall time")

	for i := range 40 {
		ops[i] = put(i, 0, 100, "x", strconv.Itoa(i)+";")
	}
	r = lincheck.Judge(model, ops, lincheck.Options{Budget: 1})
	assert.Equal(t, lincheck.Violation, r.Verdict)
	assert.Equal(t, lincheck.Exact, r.Checker)
	assert.Contains(t, r.Explanation, `observed "never written", which no operation on this key wrote`)
	assert.Equal(t, []int{40}, r.Ops)
}

// TestFirstBadNamesTheKey: the report of a violation names the first key,
// in sorted order, whose history is not linearizable, and lists its
// operations (and only its).
func TestFirstBadNamesTheKey(t *testing.T) {
	ops := []spec.Operation{
		put(0, 0, 10, "a", "1"),
		get(1, 20, 30, "a", "1"),
		put(0, 0, 10, "c", "1"),
		get(1, 20, 30, "c", "2"), // bad too, but after b
		put(2, 0, 10, "b", "1"),
		get(3, 20, 30, "b", ""), // stale
		unknown(appendOp(4, 5, 0, "b", "2")),
	}
	r := lincheck.Judge(model, ops, lincheck.Options{})
	require.Equal(t, lincheck.Violation, r.Verdict)
	assert.Equal(t, "b", r.Key)
	assert.Equal(t, []int{4, 5, 6}, r.Ops)
	fact := r.Explanation
	assert.True(t, strings.HasPrefix(fact, `key "b" is not linearizable (3 operations):`), fact)
	assert.Contains(t, fact, "\n  n3 [0.000ms, 0.000ms] get(\"b\") -> \"\"")
	assert.Contains(t, fact, `append("b", "2") -> unknown`)
	assert.NotContains(t, fact, `"a"`)
	assert.NotContains(t, fact, `"c"`)

	// Without partitions, the whole history is named; a long one is cut.
	whole := model
	whole.PartitionKey = nil
	var long []spec.Operation
	for i := range 50 {
		long = append(long, put(0, int64(10*i), int64(10*i+5), "x", strconv.Itoa(i)))
	}
	long = append(long, get(1, 1000, 1010, "x", "nope"))
	fact = lincheck.Judge(whole, long, lincheck.Options{}).Explanation
	assert.True(t, strings.HasPrefix(fact, "the history is not linearizable (51 operations):"), fact)
	assert.Contains(t, fact, "... 11 more")
}

func TestDescribeAndVisualize(t *testing.T) {
	// The HTML of a violating history with an unknown operation renders.
	ops := []spec.Operation{
		put(0, 0, 10, "x", "1"),
		unknown(appendOp(1, 5, 0, "x", "2")),
		get(2, 20, 30, "x", ""),
		get(2, 20, 30, "y", ""),
	}
	require.Equal(t, lincheck.Violation, check(model, ops))
	info := lincheck.CheckVerbose(model, ops, lincheck.Options{})
	var html bytes.Buffer
	require.NoError(t, porcupine.Visualize(lincheck.Model(model), info, &html))
	assert.Contains(t, html.String(), `put(\"x\", \"1\")`)
	assert.Contains(t, html.String(), `append(\"x\", \"2\") -\u003e unknown`)
}

// An invalid history is a recorder or codec bug: the checker panics on the
// caller's goroutine, where it can be recovered and reported.
func TestInvalidHistoryPanics(t *testing.T) {
	good := get(0, 0, 10, "x", "")
	for _, tt := range []struct {
		name   string
		mutate func(*spec.Operation)
	}{
		{"input type", func(op *spec.Operation) { op.Input = "get x" }},
		{"zero op", func(op *spec.Operation) { op.Input = kv.Input{Key: "x"} }},
		{"op out of range", func(op *spec.Operation) { op.Input = kv.Input{Op: kv.CAS + 1, Key: "x"} }},
		{"output type", func(op *spec.Operation) { op.Output = "" }},
		{"nil output", func(op *spec.Operation) { op.Output = nil }},
		{"return before call", func(op *spec.Operation) { op.Return = -1 }},
	} {
		op := good
		tt.mutate(&op)
		hist := []spec.Operation{good, op}
		assert.PanicsWithValue(t, panicOf(func() { lincheck.Prepare(model, hist) }), func() { lincheck.Judge(model, hist, lincheck.Options{}) }, tt.name)
		assert.Panics(t, func() { lincheck.CheckVerbose(model, hist, lincheck.Options{}) }, tt.name)
		msg, _ := panicOf(func() { lincheck.Prepare(model, hist) }).(string)
		assert.True(t, strings.HasPrefix(msg, "lincheck: operation 1: "), "%s: %q names the operation", tt.name, msg)
	}
}

func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestAgainstBruteForce compares Check with bruteForce on small random
// histories over two keys, produced by a real execution and, half of the
// time, then corrupted: a checker is checked against an obviously correct
// one.
func TestAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[lincheck.Verdict]int{}
	for trial := range 400 {
		ops := genSmallHistory(rng)
		want := lincheck.Violation
		if bruteForce(ops) {
			want = lincheck.Ok
		}
		got := check(model, ops)
		require.Equal(t, want, got, "trial %d: %v", trial, ops)
		counts[got]++
	}
	t.Logf("verdicts: %v", counts)
	assert.Greater(t, counts[lincheck.Ok], 80)
	assert.Greater(t, counts[lincheck.Violation], 80)
}

// bruteForce is the obviously correct checker the model is compared
// against: it tries every order of the operations that respects real time, on
// a map holding every key, and lets an unknown Put or Append either take
// effect or not (so it does not rely on unknown operations returning last).
func bruteForce(ops []spec.Operation) bool {
	done := make([]bool, len(ops))
	var try func(state map[string]string, left int) bool
	try = func(state map[string]string, left int) bool {
		if left == 0 {
			return true
		}
		for i, op := range ops {
			if done[i] || !minimal(ops, done, i) {
				continue
			}
			in := op.Input.(kv.Input)
			unk := isUnknown(op)
			done[i] = true
			ok, next := true, state
			switch in.Op {
			case kv.Get:
				ok = unk || state[in.Key] == op.Output.(kv.Output).Value
			case kv.Put:
				next = maps.Clone(state)
				next[in.Key] = in.Value
			case kv.Append:
				next = maps.Clone(state)
				next[in.Key] = state[in.Key] + in.Value
			case kv.CAS:
				swaps := state[in.Key] == in.Expect
				if !unk {
					out := op.Output.(kv.Output)
					ok = out.Value == state[in.Key] && out.OK == swaps
				}
				if swaps {
					next = maps.Clone(state)
					next[in.Key] = in.Value
				}
			}
			found := (ok && try(next, left-1)) || (unk && try(state, left-1))
			done[i] = false
			if found {
				return true
			}
		}
		return false
	}
	return try(map[string]string{}, len(ops))
}

// minimal reports whether ops[i] may be linearized next: no other pending
// operation returned before it was called.
func minimal(ops []spec.Operation, done []bool, i int) bool {
	for j, o := range ops {
		if !done[j] && j != i && o.Return < ops[i].Call {
			return false
		}
	}
	return true
}

// genSmallHistory draws up to 7 operations on keys x and y. Each takes effect
// at a point of its interval, in the order of those points, so the outputs
// are linearizable; an unknown operation takes effect or not; then, half of
// the time, one output is replaced by a random one.
func genSmallHistory(rng *rand.Rand) []spec.Operation {
	n := 1 + rng.IntN(7)
	type planned struct {
		op    spec.Operation
		point int64
		skip  bool // an unknown operation that never took effect
	}
	ps := make([]planned, n)
	for i := range ps {
		call := rng.Int64N(30)
		ret := call + rng.Int64N(15)
		key := []string{"x", "y"}[rng.IntN(2)]
		kind := kv.Op(1 + rng.IntN(3))
		ps[i].op = kvOp(i%3, call, ret, kind, key, []string{"a", "b"}[rng.IntN(2)], kv.Output{})
		ps[i].point = call + rng.Int64N(ret-call+1)
		if rng.IntN(6) == 0 {
			ps[i].op.Output = spec.Unknown{}
			ps[i].op.Return = 100
			ps[i].skip = rng.IntN(2) == 0
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ps[a].point, ps[b].point) })
	state := map[string]string{}
	for _, i := range order {
		in := ps[i].op.Input.(kv.Input)
		if ps[i].skip {
			continue
		}
		switch in.Op {
		case kv.Get:
			if !isUnknown(ps[i].op) {
				ps[i].op.Output = kv.Output{Value: state[in.Key]}
			}
		case kv.Put:
			state[in.Key] = in.Value
		case kv.Append:
			state[in.Key] += in.Value
		}
	}
	ops := make([]spec.Operation, n)
	for i := range ps {
		ops[i] = ps[i].op
	}
	var gets []int // the gets with a known output
	for i, op := range ops {
		if op.Input.(kv.Input).Op == kv.Get && !isUnknown(op) {
			gets = append(gets, i)
		}
	}
	if len(gets) > 0 && rng.IntN(2) == 0 {
		i := gets[rng.IntN(len(gets))]
		ops[i].Output = kv.Output{Value: []string{"", "a", "b", "ab", "ba", "aa", "bb"}[rng.IntN(7)]}
	}
	return ops
}

// genHistory draws a linearizable history of clients that each run ops
// operations one after another on keys keys: each operation takes effect at
// a random point of its interval and about one in fifty times out, staying
// open to the end of the history whether or not it took effect.
func genHistory(rng *rand.Rand, clients, ops, keys int) []spec.Operation {
	type planned struct {
		op    spec.Operation
		point int64
		skip  bool
	}
	var ps []planned
	for c := range clients {
		t := rng.Int64N(10)
		for range ops {
			call := t + rng.Int64N(5)
			ret := call + 1 + rng.Int64N(50)
			key := "k" + strconv.Itoa(rng.IntN(keys))
			var kind kv.Op
			switch r := rng.IntN(10); {
			case r < 4:
				kind = kv.Get
			case r < 7:
				kind = kv.Put
			default:
				kind = kv.Append
			}
			value := "x" + strconv.Itoa(c) + "." + strconv.Itoa(len(ps)) + " "
			p := planned{op: kvOp(c, call, ret, kind, key, value, kv.Output{}), point: call + rng.Int64N(ret-call+1)}
			if rng.IntN(50) == 0 {
				p.op.Output = spec.Unknown{}
				p.skip = rng.IntN(2) == 0
			}
			ps = append(ps, p)
			t = ret
		}
	}
	var end int64
	for _, p := range ps {
		end = max(end, p.op.Return)
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ps[a].point, ps[b].point) })
	state := map[string]string{}
	for _, i := range order {
		in := ps[i].op.Input.(kv.Input)
		if isUnknown(ps[i].op) {
			ps[i].op.Return = end
			if ps[i].skip || in.Op == kv.Get {
				continue
			}
		}
		switch in.Op {
		case kv.Get:
			ps[i].op.Output = kv.Output{Value: state[in.Key]}
		case kv.Put:
			state[in.Key] = in.Value
		case kv.Append:
			state[in.Key] += in.Value
		}
	}
	hist := make([]spec.Operation, len(ps))
	for i := range ps {
		hist[i] = ps[i].op
	}
	return hist
}

func TestGeneratedHistoryIsLinearizable(t *testing.T) {
	ops := genHistory(rand.New(rand.NewPCG(50, 0)), 50, 30, 10)
	assert.Equal(t, lincheck.Ok, check(model, ops))

	// Corrupting one read of a key that was written makes it a violation.
	for i, op := range ops {
		if in := op.Input.(kv.Input); in.Op == kv.Get && !isUnknown(op) && op.Output.(kv.Output).Value != "" {
			ops[i].Output = kv.Output{Value: "corrupt"}
			break
		}
	}
	assert.Equal(t, lincheck.Violation, check(model, ops))
}

// BenchmarkCheck checks a 50-client history of 1500 operations on 10 keys
// by search. "verbose" computes the LinearizationInfo the HTML needs;
// "nohash" drops the model's Hash to measure what the state hash buys.
// (The values are not tokens, so the exact checker does not apply; see
// BenchmarkExact for it.)
func BenchmarkCheck(b *testing.B) {
	ops := genHistory(rand.New(rand.NewPCG(50, 0)), 50, 30, 10)
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if v := check(model, ops); v != lincheck.Ok {
				b.Fatal(v)
			}
		}
	})
	b.Run("verbose", func(b *testing.B) {
		for b.Loop() {
			lincheck.CheckVerbose(model, ops, lincheck.Options{})
		}
	})
	b.Run("nohash", func(b *testing.B) {
		m := model
		m.Hash = nil
		for b.Loop() {
			if v := check(m, ops); v != lincheck.Ok {
				b.Fatal(v)
			}
		}
	})
}
