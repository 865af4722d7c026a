package lincheck_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// The exact checker is checked against porcupine's search (and, on tiny
// histories, against bruteForce) on random histories with unique values:
// a real execution of get, put, append and compare-and-swap at random
// points of random intervals, with unknown outcomes, then, half of the
// time, corrupted.

func cas(client int, call, ret int64, key, expect, value string, found string, ok bool) spec.Operation {
	return spec.Operation{Client: client, Input: kv.Input{Op: kv.CAS, Key: key, Expect: expect, Value: value},
		Call: call, Return: ret, Output: kv.Output{Value: found, OK: ok}}
}

// genUnique draws n operations by clients on keys, every written value a
// unique token.
func genUnique(rng *rand.Rand, n, clients, keys, span int, withCAS bool) []spec.Operation {
	type planned struct {
		op    spec.Operation
		point int64
		skip  bool
	}
	ps := make([]planned, n)
	kinds := 3
	if withCAS {
		kinds = 4
	}
	for i := range ps {
		call := rng.Int64N(int64(span))
		ret := call + rng.Int64N(int64(span)/2+1)
		key := "k" + strconv.Itoa(rng.IntN(keys))
		kind := kv.Op(1 + rng.IntN(kinds))
		value := strconv.Itoa(i) + ";"
		if kind == kv.Get {
			value = ""
		}
		ps[i].op = spec.Operation{Client: i % clients, Input: kv.Input{Op: kind, Key: key, Value: value}, Call: call, Return: ret, Output: kv.Output{}}
		ps[i].point = call + rng.Int64N(ret-call+1)
		if rng.IntN(6) == 0 {
			ps[i].op.Output = spec.Unknown{}
			ps[i].op.Return = int64(2 * span)
			ps[i].skip = rng.IntN(2) == 0
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ps[a].point, ps[b].point) })
	state := map[string]string{}
	seen := []string{""}
	for _, i := range order {
		op := &ps[i].op
		in := op.Input.(kv.Input)
		cur := state[in.Key]
		if in.Op == kv.CAS {
			// Expect the current value half of the time, else an old one.
			in.Expect = cur
			if rng.IntN(2) == 0 {
				in.Expect = seen[rng.IntN(len(seen))]
			}
			op.Input = in
		}
		if ps[i].skip {
			continue
		}
		_, unknown := op.Output.(spec.Unknown)
		switch in.Op {
		case kv.Get:
			if !unknown {
				op.Output = kv.Output{Value: cur}
			}
		case kv.Put:
			state[in.Key] = in.Value
		case kv.Append:
			state[in.Key] = cur + in.Value
		case kv.CAS:
			if cur == in.Expect {
				state[in.Key] = in.Value
			}
			if !unknown {
				op.Output = kv.Output{Value: cur, OK: cur == in.Expect}
			}
		}
		seen = append(seen, state[in.Key])
	}
	ops := make([]spec.Operation, n)
	for i := range ps {
		ops[i] = ps[i].op
	}
	if rng.IntN(2) == 0 {
		corrupt(rng, ops, seen)
	}
	return ops
}

// corrupt changes one thing: an output to a stale or made-up state, a CAS's
// verdict, or an operation's interval.
func corrupt(rng *rand.Rand, ops []spec.Operation, seen []string) {
	i := rng.IntN(len(ops))
	op := &ops[i]
	out, known := op.Output.(kv.Output)
	in := op.Input.(kv.Input)
	switch r := rng.IntN(4); {
	case r == 0 && known && (in.Op == kv.Get || in.Op == kv.CAS && !out.OK):
		op.Output = kv.Output{Value: seen[rng.IntN(len(seen))]}
	case r == 1 && known && in.Op == kv.Get:
		// A made-up state from written values.
		var b strings.Builder
		for range rng.IntN(3) {
			b.WriteString(strconv.Itoa(rng.IntN(len(ops))) + ";")
		}
		op.Output = kv.Output{Value: b.String()}
	case r == 2 && known && in.Op == kv.CAS:
		op.Output = kv.Output{Value: out.Value, OK: !out.OK}
	default:
		d := rng.Int64N(20) - 10
		op.Call = max(0, op.Call+d)
		if known {
			op.Return = max(op.Call, op.Return+d)
		}
	}
}

func TestExactAgreesWithPorcupine(t *testing.T) {
	trials := 20000
	if testing.Short() {
		trials = 4000
	}
	rng := rand.New(rand.NewPCG(3, 4))
	counts := map[lincheck.Verdict]int{}
	for trial := range trials {
		n := 1 + rng.IntN(12)
		ops := genUnique(rng, n, 1+rng.IntN(4), 1+rng.IntN(2), 40, trial%3 != 0)
		ex := lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Exact})
		pc := lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Porcupine})
		require.NotEqual(t, lincheck.Unknown, ex.Verdict, "trial %d: %s", trial, ex.Explanation)
		require.Equal(t, pc.Verdict, ex.Verdict, "trial %d: exact says %q\n%s", trial, ex.Explanation, dump(ops))
		if ex.Verdict == lincheck.Violation {
			require.NotEmpty(t, ex.Ops, "trial %d", trial)
			require.NotEmpty(t, ex.Explanation)
		}
		counts[ex.Verdict]++
	}
	t.Logf("verdicts: %v", counts)
	assert.Greater(t, counts[lincheck.Ok], trials/4)
	assert.Greater(t, counts[lincheck.Violation], trials/20)
}

func TestExactAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 3000 {
		ops := genUnique(rng, 1+rng.IntN(6), 3, 2, 30, true)
		want := lincheck.Violation
		if bruteForce(ops) {
			want = lincheck.Ok
		}
		r := lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Exact})
		require.Equal(t, want, r.Verdict, "trial %d: %s\n%s", trial, r.Explanation, dump(ops))
	}
}

func dump(ops []spec.Operation) string {
	var b strings.Builder
	for i, op := range ops {
		fmt.Fprintf(&b, "  %d: n%d [%d, %d] %s\n", i, op.Client, op.Call, op.Return, kv.Describe(op.Input, op.Output))
	}
	return b.String()
}

// The explanations: each names the operations that prove the violation.
func TestExactExplanations(t *testing.T) {
	for _, c := range []struct {
		name string
		ops  []spec.Operation
		says string
		ops_ []int
	}{
		{"a value nobody wrote", []spec.Operation{
			put(0, 0, 10, "x", "1;"),
			get(1, 20, 30, "x", "2;"),
		}, `observed "2;", which no operation on this key wrote`, []int{1}},
		{"a stale read", []spec.Operation{
			put(0, 0, 10, "x", "1;"),
			put(0, 20, 30, "x", "2;"),
			get(1, 40, 50, "x", "1;"),
		}, `must stay current all that time`, []int{0, 1, 2}},
		{"a read from the future", []spec.Operation{
			get(1, 0, 10, "x", "1;"),
			put(0, 20, 30, "x", "1;"),
		}, `read the value n0 put("x", "1;") [0.000ms, 0.000ms] wrote`, []int{0, 1}},
		{"two appends right after the same state", []spec.Operation{
			appendOp(0, 0, 10, "x", "a;"),
			appendOp(1, 0, 10, "x", "b;"),
			get(2, 20, 30, "x", "a;"),
			get(2, 40, 50, "x", "b;"),
		}, `both took effect immediately after the initial state`, []int{0, 1, 2, 3}},
		{"reads that disagree on an append's place", []spec.Operation{
			appendOp(0, 0, 10, "x", "a;"),
			appendOp(1, 0, 10, "x", "b;"),
			get(2, 20, 30, "x", "a;b;"),
			get(2, 40, 50, "x", "b;"),
		}, `disagree on what came right before the write of "b;"`, []int{2, 3}},
		{"two swaps of the same state", []spec.Operation{
			cas(0, 0, 10, "x", "", "a;", "", true),
			cas(1, 0, 10, "x", "", "b;", "", true),
		}, `both took effect immediately after the initial state`, []int{0, 1}},
		{"a put's value after another", []spec.Operation{
			put(0, 0, 10, "x", "a;"),
			put(1, 0, 10, "x", "b;"),
			get(2, 20, 30, "x", "a;b;"),
		}, `replaces the whole state`, []int{1, 2}},
		{"a failed swap that found what it expected", []spec.Operation{
			cas(0, 0, 10, "x", "", "a;", "", false),
		}, `did not swap, yet it found the value it expected`, []int{0}},
		{"a lost append", []spec.Operation{
			appendOp(0, 0, 10, "x", "a;"),
			get(1, 20, 30, "x", ""),
		}, `must take effect between`, []int{0, 1}},
		{"a cycle", []spec.Operation{
			cas(0, 0, 10, "x", "b;", "a;", "b;", true),
			cas(1, 0, 10, "x", "a;", "b;", "a;", true),
		}, `cycle`, []int{0, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := lincheck.Judge(model, c.ops, lincheck.Options{Checker: lincheck.Exact})
			require.Equal(t, lincheck.Violation, r.Verdict, r.Explanation)
			assert.Contains(t, r.Explanation, c.says)
			assert.Equal(t, c.ops_, r.Ops)
			assert.Equal(t, lincheck.Violation, lincheck.Judge(model, c.ops, lincheck.Options{Checker: lincheck.Porcupine}).Verdict)
		})
	}
}

// A value written twice, or one not in token form, sends the partition to
// the search under Auto, and is unknown (with the reason) under Exact.
func TestExactNotApplicable(t *testing.T) {
	ops := []spec.Operation{
		put(0, 0, 10, "x", "1;"),
		put(1, 20, 30, "x", "1;"),
		get(2, 40, 50, "x", "1;"),
		put(0, 0, 10, "y", "2;"),
	}
	r := lincheck.Judge(model, ops, lincheck.Options{})
	assert.Equal(t, lincheck.Ok, r.Verdict)
	assert.Equal(t, lincheck.Exact+"+"+lincheck.Porcupine, r.Checker)
	assert.Equal(t, 1, r.Exact)
	assert.Equal(t, 1, r.Searched)
	r = lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Exact})
	assert.Equal(t, lincheck.Unknown, r.Verdict)
	assert.Contains(t, r.Explanation, `value "1;" is written twice`)
	assert.Equal(t, "x", r.Key)
}

// The targets for concurrency: many clients on one key, where the
// search gives up, are judged exactly and at once.
func TestExactHighConcurrency(t *testing.T) {
	for _, c := range []struct{ clients, keys int }{{20, 1}, {50, 3}, {200, 1}} {
		ops := genConcurrent(rand.New(rand.NewPCG(uint64(c.clients), 1)), c.clients, 50, c.keys)
		r := lincheck.Judge(model, ops, lincheck.Options{})
		require.Equal(t, lincheck.Ok, r.Verdict, "%d clients on %d keys: %s", c.clients, c.keys, r.Explanation)
		require.Equal(t, lincheck.Exact, r.Checker)
		// The last read made to return what an early read returned is
		// stale: it is found, and explained with a few operations.
		bad := slices.Clone(ops)
		first, last := -1, -1
		for i, op := range bad {
			if o, ok := op.Output.(kv.Output); !ok || op.Input.(kv.Input).Op != kv.Get || o.Value == "" || op.Input.(kv.Input).Key != "k0" {
				continue
			}
			if first < 0 || op.Return < bad[first].Return {
				first = i
			}
			if last < 0 || op.Call > bad[last].Call {
				last = i
			}
		}
		require.NotEqual(t, bad[first].Output, bad[last].Output)
		bad[last].Output = bad[first].Output
		r = lincheck.Judge(model, bad, lincheck.Options{})
		require.Equal(t, lincheck.Violation, r.Verdict)
		assert.LessOrEqual(t, len(r.Ops), 4, r.Explanation)
	}
}

// genConcurrent is a linearizable history of clients that each run ops
// operations back to back (zero think time) on keys, with long, heavily
// overlapping intervals, about one in fifty of unknown outcome.
func genConcurrent(rng *rand.Rand, clients, ops, keys int) []spec.Operation {
	type planned struct {
		op    spec.Operation
		point int64
		skip  bool
	}
	var ps []planned
	for c := range clients {
		t := rng.Int64N(100)
		for n := range ops {
			call := t + 1
			ret := call + 1 + rng.Int64N(1000)
			key := "k" + strconv.Itoa(rng.IntN(keys))
			var in kv.Input
			switch r := rng.IntN(10); {
			case r < 4:
				in = kv.Input{Op: kv.Get, Key: key}
			case r < 6:
				in = kv.Input{Op: kv.Put, Key: key, Value: fmt.Sprintf("%d.%d;", c, n)}
			default:
				in = kv.Input{Op: kv.Append, Key: key, Value: fmt.Sprintf("%d.%d;", c, n)}
			}
			p := planned{op: spec.Operation{Client: c, Input: in, Call: call, Return: ret, Output: kv.Output{}}, point: call + rng.Int64N(ret-call+1)}
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
		op := &ps[i].op
		in := op.Input.(kv.Input)
		if isUnknown(*op) {
			op.Return = end + 1
			if ps[i].skip || in.Op == kv.Get {
				continue
			}
		}
		switch in.Op {
		case kv.Get:
			op.Output = kv.Output{Value: state[in.Key]}
		case kv.Put:
			state[in.Key] = in.Value
		case kv.Append:
			state[in.Key] += in.Value
		}
	}
	out := make([]spec.Operation, len(ps))
	for i := range ps {
		out[i] = ps[i].op
	}
	return out
}

// BenchmarkExact: the target, one key, 50,000 operations by 200
// clients, in under 2 s on one core; and a 5-client history like today's
// scenarios, for comparison with BenchmarkCheck.
func BenchmarkExact(b *testing.B) {
	for _, c := range []struct{ clients, ops, keys int }{{200, 250, 1}, {5, 300, 3}} {
		ops := genConcurrent(rand.New(rand.NewPCG(7, 8)), c.clients, c.ops, c.keys)
		b.Run(fmt.Sprintf("clients=%d/ops=%d/keys=%d", c.clients, len(ops), c.keys), func(b *testing.B) {
			for b.Loop() {
				if r := lincheck.Judge(model, ops, lincheck.Options{Checker: lincheck.Exact}); r.Verdict != lincheck.Ok {
					b.Fatal(r.Explanation)
				}
			}
		})
	}
}
