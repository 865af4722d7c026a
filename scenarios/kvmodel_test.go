package scenarios

import (
	"bytes"
	"cmp"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// histEnd is the end of every hand-written history: unknown operations
// return there, as the recorder makes them do.
const histEnd = 1000

func kvOp(client int, call, ret int64, op KVOp, key, value string, out KVOutput) porcupine.Operation {
	return porcupine.Operation{
		ClientId: client,
		Input:    KVInput{Op: op, Key: key, Value: value},
		Call:     call,
		Output:   out,
		Return:   ret,
	}
}

func get(client int, call, ret int64, key, got string) porcupine.Operation {
	return kvOp(client, call, ret, KVGet, key, "", KVOutput{Value: got})
}

func put(client int, call, ret int64, key, value string) porcupine.Operation {
	return kvOp(client, call, ret, KVPut, key, value, KVOutput{})
}

func appendOp(client int, call, ret int64, key, value string) porcupine.Operation {
	return kvOp(client, call, ret, KVAppend, key, value, KVOutput{})
}

// unknown turns op into one whose client timed out: its outcome is unknown
// and it stays open to the end of the history.
func unknown(op porcupine.Operation) porcupine.Operation {
	op.Output = KVOutput{Unknown: true}
	op.Return = histEnd
	return op
}

type kvCase struct {
	name string
	ops  []porcupine.Operation
	want Verdict
}

func runKVCases(t *testing.T, cases []kvCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := CheckKV(c.ops, 10*time.Second)
			assert.Equal(t, c.want, got)
		})
	}
}

// Reference: porcupine's own kv tests (kvModel, test_data/kv), as
// hand-written histories; times are simulated and intervals closed.
func TestKVLinearizable(t *testing.T) {
	runKVCases(t, []kvCase{
		{"sequential", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(0, 20, 30, "x", "1"),
			appendOp(0, 40, 50, "x", "2"),
			get(0, 60, 70, "x", "12"),
		}, VerdictOk},
		{"a missing key reads empty", []porcupine.Operation{
			get(0, 0, 10, "x", ""),
			appendOp(1, 20, 30, "x", "a"),
			get(0, 40, 50, "x", "a"),
		}, VerdictOk},
		{"a concurrent read may see the old value", []porcupine.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", ""),
		}, VerdictOk},
		{"a concurrent read may see the new value", []porcupine.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", "1"),
		}, VerdictOk},
		{"intervals that touch are concurrent", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 10, 20, "x", ""),
		}, VerdictOk},
		{"concurrent appends in either order", []porcupine.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(1, 0, 10, "x", "b"),
			get(2, 20, 30, "x", "ba"),
		}, VerdictOk},
		{"reads order concurrent puts", []porcupine.Operation{
			put(0, 0, 100, "x", "1"),
			put(1, 0, 100, "x", "2"),
			get(2, 10, 20, "x", "2"),
			get(2, 30, 40, "x", "1"),
		}, VerdictOk},
		{"empty history", nil, VerdictOk},
	})
}

func TestKVViolations(t *testing.T) {
	runKVCases(t, []kvCase{
		{"stale read after a completed put", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "x", ""),
		}, VerdictViolation},
		{"stale read after an overwrite", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			put(0, 20, 30, "x", "2"),
			get(1, 40, 50, "x", "1"),
		}, VerdictViolation},
		{"an append applied twice", []porcupine.Operation{
			appendOp(0, 0, 10, "x", "a"),
			get(1, 20, 30, "x", "aa"),
		}, VerdictViolation},
		{"a lost append", []porcupine.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(0, 20, 30, "x", "b"),
			get(1, 40, 50, "x", "b"),
		}, VerdictViolation},
		{"appends out of real-time order", []porcupine.Operation{
			appendOp(0, 0, 10, "x", "a"),
			appendOp(0, 20, 30, "x", "b"),
			get(1, 40, 50, "x", "ba"),
		}, VerdictViolation},
		{"a value nobody wrote", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "x", "2"),
		}, VerdictViolation},
		{"reads go back in time", []porcupine.Operation{
			put(0, 0, 100, "x", "1"),
			get(1, 10, 20, "x", "1"),
			get(1, 30, 40, "x", ""),
		}, VerdictViolation},
	})
}

// An unknown operation may take effect at any time after its call, or
// never; it cannot take effect twice, before its call, or be undone.
func TestKVUnknownOutcomes(t *testing.T) {
	runKVCases(t, []kvCase{
		{"an unknown put that later reads show took effect", []porcupine.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "1"),
		}, VerdictOk},
		{"an unknown put never observed", []porcupine.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", ""),
			get(1, 70, 80, "x", ""),
		}, VerdictOk},
		{"an unknown put observed late", []porcupine.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", ""),
			get(1, 70, 80, "x", "1"),
		}, VerdictOk},
		{"an unknown append after a known one", []porcupine.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			appendOp(1, 10, 20, "x", "b"),
			get(2, 30, 40, "x", "b"),
			get(2, 50, 60, "x", "ba"),
		}, VerdictOk},
		{"an unknown get constrains nothing", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			unknown(get(1, 20, 0, "x", "")),
			get(1, 30, 40, "x", "1"),
		}, VerdictOk},
		{"an unknown put cannot explain a value nobody wrote", []porcupine.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "2"),
		}, VerdictViolation},
		{"an unknown append takes effect at most once", []porcupine.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			get(1, 50, 60, "x", "aa"),
		}, VerdictViolation},
		{"an unknown put cannot be undone", []porcupine.Operation{
			unknown(put(0, 0, 0, "x", "1")),
			get(1, 50, 60, "x", "1"),
			get(1, 70, 80, "x", ""),
		}, VerdictViolation},
		{"an unknown put cannot take effect before its call", []porcupine.Operation{
			get(1, 0, 10, "x", "1"),
			unknown(put(0, 20, 0, "x", "1")),
		}, VerdictViolation},
		{"an unknown append cannot reorder completed ones", []porcupine.Operation{
			unknown(appendOp(0, 0, 0, "x", "a")),
			appendOp(1, 10, 20, "x", "b"),
			get(2, 30, 40, "x", "b"),
			get(2, 50, 60, "x", "ab"),
		}, VerdictViolation},
	})
}

// An unknown operation whose Return the recorder left early is kept open to
// the end of the history, without modifying the caller's slice.
func TestKVUnknownStaysOpen(t *testing.T) {
	early := unknown(put(0, 0, 0, "x", "1"))
	early.Return = 5 // a recorder bug: the put would have to take effect by 5
	ops := []porcupine.Operation{
		early,
		get(1, 10, 20, "x", ""),
		get(1, 30, 40, "x", "1"),
	}
	before := slices.Clone(ops)
	verdict, _ := CheckKV(ops, 10*time.Second)
	assert.Equal(t, VerdictOk, verdict)
	assert.Equal(t, before, ops)
}

func TestKVPartitionIndependence(t *testing.T) {
	runKVCases(t, []kvCase{
		{"keys do not share values", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "y", "1"),
		}, VerdictViolation},
		{"a write to one key is invisible on another", []porcupine.Operation{
			put(0, 0, 10, "x", "1"),
			get(1, 20, 30, "y", ""),
			get(1, 40, 50, "x", "1"),
		}, VerdictOk},
		{"a violation on one key among many good ones", []porcupine.Operation{
			put(0, 0, 10, "a", "1"),
			put(1, 0, 10, "b", "1"),
			appendOp(2, 0, 10, "c", "1"),
			get(0, 20, 30, "a", "1"),
			get(1, 20, 30, "b", ""), // stale
			get(2, 20, 30, "c", "1"),
		}, VerdictViolation},
	})

	// Partitions come in sorted key order and keep the order of operations
	// within a key, whatever the order of keys in the history.
	hist := []porcupine.Operation{
		put(0, 0, 10, "c", "1"),
		put(1, 1, 11, "a", "2"),
		get(2, 2, 12, "b", ""),
		get(0, 20, 30, "c", "1"),
		appendOp(1, 21, 31, "a", "3"),
		get(2, 22, 32, "a", "23"),
	}
	parts := KVModel().Partition(hist)
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
	eparts := KVModel().PartitionEvent(events)
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
	assert.True(t, porcupine.CheckEvents(KVModel(), events))
}

// The pathological history: many concurrent puts of distinct values and a
// read of a value none wrote. Refuting it means trying every subset of the
// puts (2^40 of them), so with a tiny timeout the checker must give up.
func TestKVTimeoutGivesUnknown(t *testing.T) {
	var ops []porcupine.Operation
	for i := range 40 {
		ops = append(ops, put(i, 0, 100, "x", strconv.Itoa(i)))
	}
	ops = append(ops, get(40, 200, 300, "x", "never written"))
	verdict, _ := CheckKV(ops, time.Nanosecond)
	assert.Equal(t, VerdictUnknown, verdict)
}

func TestKVDescribe(t *testing.T) {
	m := KVModel()
	for _, tt := range []struct {
		in   KVInput
		out  KVOutput
		want string
	}{
		{KVInput{Op: KVGet, Key: "x"}, KVOutput{Value: "1"}, `get("x") -> "1"`},
		{KVInput{Op: KVGet, Key: "x"}, KVOutput{}, `get("x") -> ""`},
		{KVInput{Op: KVGet, Key: "x"}, KVOutput{Unknown: true}, `get("x") -> unknown`},
		{KVInput{Op: KVPut, Key: "x", Value: "a b"}, KVOutput{}, `put("x", "a b")`},
		{KVInput{Op: KVPut, Key: "x", Value: "1"}, KVOutput{Unknown: true}, `put("x", "1") -> unknown`},
		{KVInput{Op: KVAppend, Key: "k\n", Value: "v"}, KVOutput{}, `append("k\n", "v")`},
		{KVInput{Op: KVAppend, Key: "x", Value: "v"}, KVOutput{Unknown: true}, `append("x", "v") -> unknown`},
	} {
		assert.Equal(t, tt.want, m.DescribeOperation(tt.in, tt.out))
	}
	assert.Equal(t, `""`, m.DescribeState(""))
	assert.Equal(t, `"ab"`, m.DescribeState("ab"))
	assert.Equal(t, "KVOp(0)", KVOp(0).String())

	// The HTML of a violating history with an unknown operation renders.
	verdict, info := CheckKV([]porcupine.Operation{
		put(0, 0, 10, "x", "1"),
		unknown(appendOp(1, 5, 0, "x", "2")),
		get(2, 20, 30, "x", ""),
		get(2, 20, 30, "y", ""),
	}, 10*time.Second)
	require.Equal(t, VerdictViolation, verdict)
	var html bytes.Buffer
	require.NoError(t, porcupine.Visualize(m, info, &html))
	assert.Contains(t, html.String(), `put(\"x\", \"1\")`)
}

func TestKVHash(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "hello, world", "x 1 0 yx 2 0 y"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		assert.Equal(t, h.Sum64(), kvHash(s), "%q", s)
		assert.Equal(t, kvHash(s), kvHash(string([]byte(s))), "equal states, equal hashes")
	}
}

// A malformed history is a recorder bug: CheckKV panics on the caller's
// goroutine, where it can be recovered and reported.
func TestKVMalformedHistoryPanics(t *testing.T) {
	good := get(0, 0, 10, "x", "")
	for _, tt := range []struct {
		name   string
		mutate func(*porcupine.Operation)
	}{
		{"input type", func(op *porcupine.Operation) { op.Input = "get x" }},
		{"zero op", func(op *porcupine.Operation) { op.Input = KVInput{Key: "x"} }},
		{"op out of range", func(op *porcupine.Operation) { op.Input = KVInput{Op: KVAppend + 1, Key: "x"} }},
		{"output type", func(op *porcupine.Operation) { op.Output = "" }},
		{"return before call", func(op *porcupine.Operation) { op.Return = -1 }},
	} {
		op := good
		tt.mutate(&op)
		assert.Panics(t, func() { CheckKV([]porcupine.Operation{good, op}, time.Second) }, tt.name)
	}
}

// TestKVAgainstBruteForce compares CheckKV with bruteForce on small random
// histories over two keys, produced by a real execution and, half of the
// time, then corrupted. Reference: STYLE.md guideline 12(d).
func TestKVAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[Verdict]int{}
	for trial := range 400 {
		ops := genSmallHistory(rng)
		want := VerdictViolation
		if bruteForce(ops) {
			want = VerdictOk
		}
		got, _ := CheckKV(ops, 10*time.Second)
		require.Equal(t, want, got, "trial %d: %v", trial, ops)
		counts[got]++
	}
	t.Logf("verdicts: %v", counts)
	assert.Greater(t, counts[VerdictOk], 80)
	assert.Greater(t, counts[VerdictViolation], 80)
}

// bruteForce is the obviously correct checker the model is compared
// against: it tries every order of the operations that respects real time, on
// a map holding every key, and lets an unknown Put or Append either take
// effect or not (so it does not rely on unknown operations returning last).
func bruteForce(ops []porcupine.Operation) bool {
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
			in, out := op.Input.(KVInput), op.Output.(KVOutput)
			done[i] = true
			ok, next := true, state
			switch in.Op {
			case KVGet:
				ok = out.Unknown || state[in.Key] == out.Value
			case KVPut:
				next = maps.Clone(state)
				next[in.Key] = in.Value
			case KVAppend:
				next = maps.Clone(state)
				next[in.Key] = state[in.Key] + in.Value
			}
			found := (ok && try(next, left-1)) || (out.Unknown && try(state, left-1))
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
func minimal(ops []porcupine.Operation, done []bool, i int) bool {
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
func genSmallHistory(rng *rand.Rand) []porcupine.Operation {
	n := 1 + rng.IntN(7)
	type planned struct {
		op    porcupine.Operation
		point int64
		skip  bool // an unknown operation that never took effect
	}
	ps := make([]planned, n)
	for i := range ps {
		call := rng.Int64N(30)
		ret := call + rng.Int64N(15)
		key := []string{"x", "y"}[rng.IntN(2)]
		kind := KVOp(1 + rng.IntN(3))
		ps[i].op = kvOp(i%3, call, ret, kind, key, []string{"a", "b"}[rng.IntN(2)], KVOutput{})
		ps[i].point = call + rng.Int64N(ret-call+1)
		if rng.IntN(6) == 0 {
			ps[i].op.Output = KVOutput{Unknown: true}
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
		in := ps[i].op.Input.(KVInput)
		if ps[i].skip {
			continue
		}
		switch in.Op {
		case KVGet:
			if !ps[i].op.Output.(KVOutput).Unknown {
				ps[i].op.Output = KVOutput{Value: state[in.Key]}
			}
		case KVPut:
			state[in.Key] = in.Value
		case KVAppend:
			state[in.Key] += in.Value
		}
	}
	ops := make([]porcupine.Operation, n)
	for i := range ps {
		ops[i] = ps[i].op
	}
	var gets []int // the gets with a known output
	for i, op := range ops {
		if op.Input.(KVInput).Op == KVGet && !op.Output.(KVOutput).Unknown {
			gets = append(gets, i)
		}
	}
	if len(gets) > 0 && rng.IntN(2) == 0 {
		i := gets[rng.IntN(len(gets))]
		ops[i].Output = KVOutput{Value: []string{"", "a", "b", "ab", "ba", "aa", "bb"}[rng.IntN(7)]}
	}
	return ops
}

// genHistory draws a linearizable history of clients that each run ops
// operations one after another on keys keys: each operation takes effect at
// a random point of its interval and about one in fifty times out, staying
// open to the end of the history whether or not it took effect.
func genHistory(rng *rand.Rand, clients, ops, keys int) []porcupine.Operation {
	type planned struct {
		op    porcupine.Operation
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
			var kind KVOp
			switch r := rng.IntN(10); {
			case r < 4:
				kind = KVGet
			case r < 7:
				kind = KVPut
			default:
				kind = KVAppend
			}
			value := "x" + strconv.Itoa(c) + "." + strconv.Itoa(len(ps)) + " "
			p := planned{op: kvOp(c, call, ret, kind, key, value, KVOutput{}), point: call + rng.Int64N(ret-call+1)}
			if rng.IntN(50) == 0 {
				p.op.Output = KVOutput{Unknown: true}
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
		in := ps[i].op.Input.(KVInput)
		if ps[i].op.Output.(KVOutput).Unknown {
			ps[i].op.Return = end
			if ps[i].skip || in.Op == KVGet {
				continue
			}
		}
		switch in.Op {
		case KVGet:
			ps[i].op.Output = KVOutput{Value: state[in.Key]}
		case KVPut:
			state[in.Key] = in.Value
		case KVAppend:
			state[in.Key] += in.Value
		}
	}
	hist := make([]porcupine.Operation, len(ps))
	for i := range ps {
		hist[i] = ps[i].op
	}
	return hist
}

func TestKVGeneratedHistoryIsLinearizable(t *testing.T) {
	ops := genHistory(rand.New(rand.NewPCG(50, 0)), 50, 30, 10)
	verdict, _ := CheckKV(ops, time.Minute)
	assert.Equal(t, VerdictOk, verdict)

	// Corrupting one read of a key that was written makes it a violation.
	for i, op := range ops {
		if in := op.Input.(KVInput); in.Op == KVGet && op.Output.(KVOutput).Value != "" {
			ops[i].Output = KVOutput{Value: "corrupt"}
			break
		}
	}
	verdict, _ = CheckKV(ops, time.Minute)
	assert.Equal(t, VerdictViolation, verdict)
}

// BenchmarkCheckKV checks a 50-client history of 1500 operations on 10 keys.
// "nohash" drops the model's Hash to measure what the state hash buys;
// "terse" skips the LinearizationInfo that CheckKV always computes.
func BenchmarkCheckKV(b *testing.B) {
	ops := genHistory(rand.New(rand.NewPCG(50, 0)), 50, 30, 10)
	b.Run("CheckKV", func(b *testing.B) {
		for b.Loop() {
			if v, _ := CheckKV(ops, 0); v != VerdictOk {
				b.Fatal(v)
			}
		}
	})
	b.Run("nohash", func(b *testing.B) {
		m := KVModel()
		m.Hash = nil
		for b.Loop() {
			if res, _ := porcupine.CheckOperationsVerbose(m, ops, 0); res != porcupine.Ok {
				b.Fatal(res)
			}
		}
	})
	b.Run("terse", func(b *testing.B) {
		for b.Loop() {
			if res := porcupine.CheckOperationsTimeout(KVModel(), ops, 0); res != porcupine.Ok {
				b.Fatal(res)
			}
		}
	})
}
