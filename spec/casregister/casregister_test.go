package casregister_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	cr "github.com/paxossim/paxossim/spec/casregister"
)

var model = cr.Spec{}.Model()

func op(client int, call, ret int64, in cr.Input, out any) spec.Operation {
	return spec.Operation{Client: client, Input: in, Output: out, Call: call, Return: ret}
}

var (
	read  = func(v string) (cr.Input, cr.Output) { return cr.Input{Op: cr.Read}, cr.Output{Value: v} }
	write = func(v string) cr.Input { return cr.Input{Op: cr.Write, Value: v} }
	cas   = func(from, to string) cr.Input { return cr.Input{Op: cr.CAS, Expect: from, Value: to} }
)

func TestStep(t *testing.T) {
	cases := []struct {
		state string
		in    cr.Input
		out   any
		ok    bool
		next  string
	}{
		{"", cr.Input{Op: cr.Read}, cr.Output{}, true, ""},
		{"", cr.Input{Op: cr.Read}, cr.Output{Value: "1"}, false, ""},
		{"1", cr.Input{Op: cr.Read}, cr.Output{Value: "1"}, true, "1"},
		{"1", cr.Input{Op: cr.Read}, spec.Unknown{}, true, "1"},
		{"1", write("2"), cr.Output{}, true, "2"},
		{"1", write("2"), spec.Unknown{}, true, "2"},
		{"1", cas("1", "2"), cr.Output{OK: true}, true, "2"},
		{"1", cas("1", "2"), cr.Output{}, false, "1"},
		{"3", cas("1", "2"), cr.Output{}, true, "3"},
		{"3", cas("1", "2"), cr.Output{OK: true}, false, "3"},
		{"", cas("", "2"), cr.Output{OK: true}, true, "2"},
		{"1", cas("1", "2"), spec.Unknown{}, true, "2"},
		{"3", cas("1", "2"), spec.Unknown{}, true, "3"},
	}
	for _, c := range cases {
		ok, next := model.Step(c.state, c.in, c.out)
		assert.Equal(t, c.ok, ok, "%q %s", c.state, cr.Describe(c.in, c.out))
		if ok {
			assert.Equal(t, c.next, next, "%q %s", c.state, cr.Describe(c.in, c.out))
		}
	}
}

func TestDescribe(t *testing.T) {
	in, out := read("")
	assert.Equal(t, "read() -> nil", cr.Describe(in, out))
	in, out = read("3")
	assert.Equal(t, "read() -> 3", cr.Describe(in, out))
	assert.Equal(t, "write(4)", cr.Describe(write("4"), cr.Output{}))
	assert.Equal(t, "cas(3, 4) -> ok", cr.Describe(cas("3", "4"), cr.Output{OK: true}))
	assert.Equal(t, "cas(nil, 4) -> failed", cr.Describe(cas("", "4"), cr.Output{}))
	assert.Equal(t, "write(1) -> unknown", cr.Describe(write("1"), spec.Unknown{}))
	assert.Equal(t, "nil", model.DescribeState(""))
}

func TestValid(t *testing.T) {
	assert.NoError(t, model.Valid(cas("", "1"), cr.Output{OK: true}))
	assert.NoError(t, model.Valid(write("1"), spec.Unknown{}))
	for _, c := range []struct {
		in   any
		out  any
		want string
	}{
		{"x", cr.Output{}, "input is string"},
		{cr.Input{}, cr.Output{}, "invalid Op(0)"},
		{cr.Input{Op: cr.Read, Value: "1"}, cr.Output{}, "read with arguments"},
		{write(""), cr.Output{}, "write of nil"},
		{cas("1", ""), cr.Output{}, "cas of nil"},
		{cr.Input{Op: cr.Write, Value: "1", Expect: "2"}, cr.Output{}, "write with an expected value"},
		{write("1"), cr.Output{Value: "1"}, "write returned a value"},
		{write("1"), cr.Output{OK: true}, "write returned ok"},
		{write("1"), 7, "output is int"},
	} {
		err := model.Valid(c.in, c.out)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
}

func TestAccess(t *testing.T) {
	in, out := read("")
	a, ok := model.Access(in, out)
	require.True(t, ok)
	assert.True(t, a.Observes)
	assert.Empty(t, a.Observed, "nil is the initial state")
	in, out = read("7")
	a, _ = model.Access(in, out)
	assert.Equal(t, []string{"7"}, a.Observed)
	a, _ = model.Access(write("7"), cr.Output{})
	assert.Equal(t, spec.Access{Write: spec.Replace, Value: "7"}, a)
	a, _ = model.Access(cas("7", "8"), cr.Output{OK: true})
	assert.Equal(t, spec.Access{Observes: true, Observed: []string{"7"}, Write: spec.Swap, Value: "8"}, a)
	a, _ = model.Access(cas("7", "8"), spec.Unknown{})
	assert.Equal(t, spec.Swap, a.Write)
	_, ok = model.Access(cas("7", "8"), cr.Output{})
	assert.False(t, ok, "a CAS that did not swap names no write")
}

func TestJSONRoundTrip(t *testing.T) {
	s := cr.Spec{}
	for _, in := range []cr.Input{{Op: cr.Read}, write("3"), cas("", "4"), cas("1", "2")} {
		b, err := json.Marshal(in)
		require.NoError(t, err)
		got, err := s.DecodeInput(b)
		require.NoError(t, err)
		assert.Equal(t, in, got)
	}
	for _, out := range []cr.Output{{}, {Value: "3"}, {OK: true}} {
		b, err := json.Marshal(out)
		require.NoError(t, err)
		got, err := s.DecodeOutput(b)
		require.NoError(t, err)
		assert.Equal(t, out, got)
	}
	_, err := s.DecodeInput([]byte(`{"op":"swap"}`))
	assert.ErrorContains(t, err, `unknown op "swap"`)
	_, err = s.DecodeInput([]byte(`{"value":"1"}`))
	assert.ErrorContains(t, err, "no op")
	_, err = s.DecodeOutput([]byte(`{"bogus":1}`))
	assert.ErrorContains(t, err, "unknown field")
	reg, err := spec.Lookup(cr.Name)
	require.NoError(t, err)
	assert.Equal(t, cr.Name, reg.Name())
}

func TestWorkload(t *testing.T) {
	s := cr.Spec{}
	w, err := s.Workload(nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"read":1,"write":1,"cas":1}`, string(w.Config()))
	_, err = s.Workload([]byte(`{"read":1,"write":1}`))
	assert.ErrorContains(t, err, "missing field(s) cas")
	_, err = s.Workload([]byte(`{"read":0,"write":0,"cas":0}`))
	assert.ErrorContains(t, err, "all 0")
	_, err = s.Workload([]byte(`{"read":-1,"write":0,"cas":1}`))
	assert.ErrorContains(t, err, "must be in 0..")
	for _, v := range s.Variants() {
		_, err := s.Workload(v)
		assert.NoError(t, err, "%s", v)
	}

	// Values are unique; a CAS expects what its client last saw.
	w, err = s.Workload([]byte(`{"read":1,"write":1,"cas":1}`))
	require.NoError(t, err)
	obs := w.(spec.Observer)
	r := rand.New(rand.NewPCG(1, 2))
	written := map[string]bool{}
	seen := ""
	for n := 1; n <= 300; n++ {
		in := w.Next(r, 4, n).(cr.Input)
		require.NoError(t, model.Valid(in, spec.Unknown{}))
		if in.Op != cr.Read {
			assert.False(t, written[in.Value], "value %q written twice", in.Value)
			written[in.Value] = true
		}
		if in.Op == cr.CAS {
			assert.Equal(t, seen, in.Expect)
		}
		var out cr.Output
		switch in.Op {
		case cr.Read:
			out.Value = fmt.Sprint("x", n)
			seen = out.Value
		case cr.Write:
			seen = in.Value
		case cr.CAS:
			out.OK = n%2 == 0
			if out.OK {
				seen = in.Value
			}
		}
		obs.Observe(4, in, out)
	}
	assert.NotEmpty(t, w.Simpler())
}

// TestExactAgreesWithPorcupine: on many random small histories of this
// spec, with unique written values and unknown outcomes, the exact checker
// gives porcupine's verdict every time; where it cannot judge (a CAS that
// did not swap) it says so, and auto falls back to the search.
func TestExactAgreesWithPorcupine(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	var n, oks, violations, notExact int
	for range 20000 {
		h, describable := genHistory(rng)
		n++
		por := lincheck.Judge(model, h, lincheck.Options{Checker: lincheck.Porcupine})
		require.NotEqual(t, lincheck.Unknown, por.Verdict, "small histories finish")
		exact := lincheck.Judge(model, h, lincheck.Options{Checker: lincheck.Exact})
		if !describable {
			notExact++
			require.Equal(t, lincheck.Unknown, exact.Verdict, "%s", dump(h))
			require.Contains(t, exact.Explanation, "the exact checker cannot judge")
			auto := lincheck.Judge(model, h, lincheck.Options{})
			require.Equal(t, por.Verdict, auto.Verdict)
			require.Equal(t, lincheck.Porcupine, auto.Checker)
			continue
		}
		require.Equal(t, por.Verdict, exact.Verdict, "exact says %q (%s), porcupine %q, on:\n%s", exact.Verdict, exact.Explanation, por.Verdict, dump(h))
		require.Equal(t, lincheck.Exact, exact.Checker)
		if exact.Verdict == lincheck.Violation {
			violations++
			require.NotEmpty(t, exact.Explanation)
			require.NotEmpty(t, exact.Ops)
		} else {
			oks++
		}
	}
	t.Logf("%d histories: %d ok and %d violations judged exactly, %d not describable", n, oks, violations, notExact)
	assert.Greater(t, oks, n/5)
	assert.Greater(t, violations, n/10)
	assert.Greater(t, notExact, n/50)
}

func dump(h []spec.Operation) string {
	s := ""
	for _, o := range h {
		s += fmt.Sprintf("  c%d [%d, %d] %s\n", o.Client, o.Call, o.Return, cr.Describe(o.Input, o.Output))
	}
	return s
}

// genHistory draws a small history: a few clients, each sequential, with
// outputs from a random linearization, then sometimes one output changed
// (often a violation) and some outcomes made unknown. Written values are
// unique. It reports whether every operation has an access form (no known
// CAS that did not swap).
func genHistory(rng *rand.Rand) ([]spec.Operation, bool) {
	clients := 1 + rng.IntN(4)
	total := 1 + rng.IntN(8)
	var h []spec.Operation
	var values []string
	next := make([]int64, clients)
	for i := range total {
		c := rng.IntN(clients)
		call := next[c] + int64(rng.IntN(4))
		ret := call + int64(rng.IntN(5))
		next[c] = ret + 1
		var in cr.Input
		switch rng.IntN(3) {
		case 0:
			in = cr.Input{Op: cr.Read}
		case 1:
			in = write(fmt.Sprint("v", i))
		default:
			expect := ""
			if len(values) > 0 && rng.IntN(4) > 0 {
				expect = values[rng.IntN(len(values))]
			}
			in = cas(expect, fmt.Sprint("v", i))
		}
		if in.Op != cr.Read {
			values = append(values, in.Value)
		}
		h = append(h, spec.Operation{Client: c, Input: in, Call: call, Return: ret})
	}
	// A linearization: a point inside each interval, ties broken at random.
	type point struct{ at, tie, i int }
	pts := make([]point, len(h))
	for i, o := range h {
		pts[i] = point{int(o.Call)*8 + rng.IntN(int(o.Return-o.Call)*8+1), rng.Int(), i}
	}
	slices.SortFunc(pts, func(a, b point) int {
		if a.at != b.at {
			return a.at - b.at
		}
		return a.tie - b.tie
	})
	state := ""
	for _, p := range pts {
		o := &h[p.i]
		in := o.Input.(cr.Input)
		switch in.Op {
		case cr.Read:
			o.Output = cr.Output{Value: state}
		case cr.Write:
			o.Output = cr.Output{}
			state = in.Value
		case cr.CAS:
			o.Output = cr.Output{OK: state == in.Expect}
			if state == in.Expect {
				state = in.Value
			}
		}
	}
	if rng.IntN(3) > 0 {
		// Change the output of a read or CAS, if there is one.
		o := &h[rng.IntN(len(h))]
		for i := range h {
			if h[i].Input.(cr.Input).Op != cr.Write {
				o = &h[i]
				if rng.IntN(2) == 0 {
					break
				}
			}
		}
		switch in := o.Input.(cr.Input); in.Op {
		case cr.Read:
			v := ""
			if len(values) > 0 && rng.IntN(5) > 0 {
				v = values[rng.IntN(len(values))]
			}
			o.Output = cr.Output{Value: v}
		case cr.CAS:
			o.Output = cr.Output{OK: !o.Output.(cr.Output).OK}
		}
	}
	describable := true
	for i := range h {
		o := &h[i]
		if rng.IntN(6) == 0 {
			o.Output = spec.Unknown{}
		}
		if in := o.Input.(cr.Input); in.Op == cr.CAS {
			if out, ok := o.Output.(cr.Output); ok && !out.OK {
				// Most failed CAS become unknown, so most histories stay
				// describable.
				if rng.IntN(4) > 0 {
					o.Output = spec.Unknown{}
				} else {
					describable = false
				}
			}
		}
	}
	// An unknown operation stays open to the end of the history.
	end := int64(0)
	for _, o := range h {
		end = max(end, o.Return)
	}
	for i := range h {
		if _, u := h[i].Output.(spec.Unknown); u {
			h[i].Return = end
		}
	}
	return h, describable
}

// TestRepeatedValuesGoToTheSearch: Jepsen's values repeat, which the exact
// checker cannot use; auto hands such a history to porcupine.
func TestRepeatedValuesGoToTheSearch(t *testing.T) {
	ms := int64(sim.Millisecond)
	in0, out0 := read("")
	in1, out1 := read("1")
	h := []spec.Operation{
		op(0, 0, 1*ms, write("1"), cr.Output{}),
		op(1, 2*ms, 3*ms, write("1"), cr.Output{}),
		op(0, 4*ms, 5*ms, in1, out1),
		op(1, 6*ms, 7*ms, in0, out0),
	}
	r := lincheck.Judge(model, h, lincheck.Options{})
	assert.Equal(t, lincheck.Violation, r.Verdict)
	assert.Equal(t, lincheck.Porcupine, r.Checker)
	r = lincheck.Judge(model, h, lincheck.Options{Checker: lincheck.Exact})
	assert.Equal(t, lincheck.Unknown, r.Verdict)
	assert.Contains(t, r.Explanation, "written twice")
}
