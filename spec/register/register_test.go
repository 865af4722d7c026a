package register_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/register"
)

func TestSpecIsRegistered(t *testing.T) {
	s, err := spec.Lookup(register.Name)
	require.NoError(t, err)
	assert.Equal(t, register.Name, s.Name())
	assert.NotEmpty(t, s.Description())
	assert.Contains(t, spec.Names(), register.Name)
}

func TestOpNames(t *testing.T) {
	for op, name := range map[register.Op]string{register.Get: "get", register.Put: "put"} {
		b, err := op.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, name, string(b))
		var back register.Op
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, op, back)
	}
	assert.Equal(t, "Op(0)", register.Op(0).String(), "the zero Op is invalid, not a get")
	_, err := register.Op(3).MarshalText()
	assert.Error(t, err)
	var op register.Op
	assert.ErrorContains(t, op.UnmarshalText([]byte("cas")), `unknown op "cas"`)
}

func get() register.Input          { return register.Input{Op: register.Get} }
func put(v string) register.Input  { return register.Input{Op: register.Put, Value: v} }
func out(v string) register.Output { return register.Output{Value: v} }
func unknown() spec.Unknown        { return spec.Unknown{} }

// TestSequentialModel: the first put decides; every later put returns the
// decided value; get returns it, or nothing before.
func TestSequentialModel(t *testing.T) {
	m := register.Spec{}.Model()
	step := m.Step
	state := m.Init()
	cases := []struct {
		in    register.Input
		out   any
		ok    bool
		after string
	}{
		{get(), out(""), true, ""},
		{get(), out("a"), false, ""},
		{put("a"), out("b"), false, ""},
		{put("a"), out("a"), true, "a"},
		{get(), out(""), false, "a"},
		{get(), out("a"), true, "a"},
		{put("b"), out("b"), false, "a"},
		{put("b"), out("a"), true, "a"},
	}
	for i, c := range cases {
		ok, next := step(state, c.in, c.out)
		assert.Equal(t, c.ok, ok, "step %d: %s", i, register.Describe(c.in, c.out))
		if ok {
			assert.Equal(t, c.after, next, "step %d", i)
			state = next
		}
	}
	assert.True(t, m.Equal("a", "a"))
	assert.False(t, m.Equal("a", ""))
	assert.Nil(t, m.PartitionKey, "the register is one partition")
	assert.Equal(t, "undecided", m.DescribeState(""))
	assert.Equal(t, `decided "a"`, m.DescribeState("a"))
}

// TestUnknownOutcome: a put of unknown outcome may decide its value; a get
// of unknown outcome constrains nothing.
func TestUnknownOutcome(t *testing.T) {
	m := register.Spec{}.Model()
	ok, next := m.Step("", put("a"), unknown())
	assert.True(t, ok)
	assert.Equal(t, "a", next)
	ok, next = m.Step("b", put("a"), unknown())
	assert.True(t, ok)
	assert.Equal(t, "b", next, "a put after the decision changes nothing")
	ok, next = m.Step("b", get(), unknown())
	assert.True(t, ok)
	assert.Equal(t, "b", next)
}

// TestLinearizability: histories the register allows and refuses, through
// the checker.
func TestLinearizability(t *testing.T) {
	m := register.Spec{}.Model()
	op := func(client int, in register.Input, o any, call, ret int64) spec.Operation {
		return spec.Operation{Client: client, Input: in, Output: o, Call: call, Return: ret}
	}
	cases := []struct {
		name string
		ops  []spec.Operation
		want lincheck.Verdict
	}{
		{"concurrent puts agree on one winner", []spec.Operation{
			op(0, put("a"), out("b"), 0, 10), op(1, put("b"), out("b"), 1, 9)}, lincheck.Ok},
		{"two puts told different decisions", []spec.Operation{
			op(0, put("a"), out("a"), 0, 10), op(1, put("b"), out("b"), 1, 9)}, lincheck.Violation},
		{"a get after a decision sees it", []spec.Operation{
			op(0, put("a"), out("a"), 0, 10), op(1, get(), out(""), 11, 12)}, lincheck.Violation},
		{"a get concurrent with the first put may see nothing", []spec.Operation{
			op(0, put("a"), out("a"), 0, 10), op(1, get(), out(""), 5, 12)}, lincheck.Ok},
		{"a put of unknown outcome may have won", []spec.Operation{
			op(0, put("a"), unknown(), 0, 100), op(1, put("b"), out("a"), 5, 12), op(2, get(), out("a"), 20, 30)}, lincheck.Ok},
		{"a value no put proposed", []spec.Operation{
			op(0, put("a"), out("c"), 0, 10)}, lincheck.Violation},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, lincheck.Judge(m, c.ops, lincheck.Options{}).Verdict, c.name)
	}
}

func TestValid(t *testing.T) {
	m := register.Spec{}.Model()
	assert.NoError(t, m.Valid(put("a"), out("a")))
	assert.NoError(t, m.Valid(get(), out("")))
	assert.NoError(t, m.Valid(put("a"), unknown()))
	assert.ErrorContains(t, m.Valid(put(""), out("a")), "empty value")
	assert.ErrorContains(t, m.Valid(put("a"), out("")), "returned nothing")
	assert.ErrorContains(t, m.Valid(register.Input{Op: register.Get, Value: "x"}, out("")), "get with a value")
	assert.ErrorContains(t, m.Valid(register.Input{}, out("")), "invalid")
	assert.ErrorContains(t, m.Valid("put a", out("")), "want register.Input")
	assert.ErrorContains(t, m.Valid(get(), "a"), "want register.Output")
}

func TestDescribe(t *testing.T) {
	assert.Equal(t, `put("1.2") -> "1.2"`, register.Describe(put("1.2"), out("1.2")))
	assert.Equal(t, `get() -> nothing`, register.Describe(get(), out("")))
	assert.Equal(t, `put("1.3") -> unknown`, register.Describe(put("1.3"), unknown()))
}

// TestDecodeRoundTrip: inputs and outputs read back from the JSON that
// encoding/json wrote for them (history.json), strictly.
func TestDecodeRoundTrip(t *testing.T) {
	s := register.Spec{}
	for _, in := range []register.Input{get(), put("1.2")} {
		b, err := json.Marshal(in)
		require.NoError(t, err)
		back, err := s.DecodeInput(b)
		require.NoError(t, err)
		assert.Equal(t, in, back)
	}
	b, err := json.Marshal(out("1.2"))
	require.NoError(t, err)
	back, err := s.DecodeOutput(b)
	require.NoError(t, err)
	assert.Equal(t, out("1.2"), back)
	_, err = s.DecodeInput([]byte(`{"op":"put","value":"a","key":"k"}`))
	assert.ErrorContains(t, err, "unknown field")
	_, err = s.DecodeInput([]byte(`{"value":"a"}`))
	assert.ErrorContains(t, err, "no op")
	_, err = s.DecodeOutput([]byte(`{"value":"a"} x`))
	assert.Error(t, err)
}

// TestWorkloadConfig: absent means the default mix; anything else names
// every field, strictly.
func TestWorkloadConfig(t *testing.T) {
	s := register.Spec{}
	for _, raw := range []string{"", "null", "{}"} {
		w, err := s.Workload(json.RawMessage(raw))
		require.NoError(t, err, raw)
		assert.JSONEq(t, `{"get":1,"put":1}`, string(w.Config()))
		assert.Equal(t, "mix=get:1,put:1", w.String())
	}
	w, err := s.Workload(json.RawMessage(`{"get":0,"put":3}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"get":0,"put":3}`, string(w.Config()))
	bad := map[string]string{
		`{"put":1}`:                   "missing field(s) get",
		`{"get":1,"put":1,"keys":2}`:  "unknown field",
		`{"get":0,"put":0}`:           "all 0",
		`{"get":-1,"put":1}`:          "must be in",
		`{"get":1,"put":2000000}`:     "must be in",
		`{"get":"1","put":1}`:         "cannot unmarshal",
		`{"get":1,"put":1} {"get":1}`: "trailing data",
	}
	for raw, want := range bad {
		_, err := s.Workload(json.RawMessage(raw))
		assert.ErrorContains(t, err, want, raw)
	}
}

// TestWorkload: values are unique per client operation, the mix follows
// the weights, and every variant and simplification is a valid config.
func TestWorkload(t *testing.T) {
	s := register.Spec{}
	w, err := s.Workload(nil)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	gets := 0
	for client := sim.NodeID(3); client < 6; client++ {
		for n := 1; n <= 200; n++ {
			in := w.Next(r, client, n).(register.Input)
			require.NoError(t, s.Model().Valid(in, spec.Unknown{}))
			if in.Op == register.Get {
				gets++
				continue
			}
			assert.False(t, seen[in.Value], "value %q proposed twice", in.Value)
			seen[in.Value] = true
		}
	}
	assert.InDelta(t, 300, gets, 60, "about half the operations are gets")

	putsOnly, err := s.Workload(json.RawMessage(`{"get":0,"put":1}`))
	require.NoError(t, err)
	for n := 1; n <= 50; n++ {
		assert.Equal(t, register.Put, putsOnly.Next(r, 1, n).(register.Input).Op)
	}
	assert.Empty(t, putsOnly.Simpler(), "puts only is the simplest mix")

	require.NotEmpty(t, s.Variants())
	assert.JSONEq(t, `{"get":0,"put":1}`, string(s.Variants()[0]), "the simplest variant comes first")
	for _, v := range append(s.Variants(), w.Simpler()...) {
		_, err := s.Workload(v)
		assert.NoError(t, err, string(v))
	}
	assert.Equal(t, []json.RawMessage{json.RawMessage(`{"get":0,"put":1}`)}, w.Simpler())
}
