package kv_test

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

func TestSpecIsRegistered(t *testing.T) {
	s, err := spec.Lookup(kv.Name)
	require.NoError(t, err)
	assert.Equal(t, kv.Name, s.Name())
	assert.Contains(t, spec.Names(), kv.Name)
	_, err = spec.Lookup("queue")
	assert.ErrorContains(t, err, `unknown spec "queue"`)
}

func TestOpNames(t *testing.T) {
	for op, name := range map[kv.Op]string{kv.Get: "get", kv.Put: "put", kv.Append: "append"} {
		assert.Equal(t, name, op.String())
		b, err := op.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, name, string(b))
		var back kv.Op
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, op, back)
	}
	assert.Equal(t, "Op(0)", kv.Op(0).String(), "the zero Op is invalid, not a get")
	assert.Equal(t, "Op(5)", kv.Op(5).String())
	_, err := kv.Op(0).MarshalText()
	assert.Error(t, err)
	var op kv.Op
	assert.ErrorContains(t, op.UnmarshalText([]byte("swap")), `unknown op "swap"`)
}

// TestSequentialModel: the model of one key steps get, put and append as a
// string register with append, and allows a get only the current value.
func TestSequentialModel(t *testing.T) {
	m := kv.Spec{}.Model()
	state := m.Init()
	assert.Equal(t, "", state, "a missing key reads as the empty string")
	steps := []struct {
		in    kv.Input
		out   any
		ok    bool
		after string
	}{
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: ""}, true, ""},
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1"}, false, ""},
		{kv.Input{Op: kv.Put, Key: "x", Value: "1"}, kv.Output{}, true, "1"},
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1"}, true, "1"},
		{kv.Input{Op: kv.Append, Key: "x", Value: "2"}, kv.Output{}, true, "12"},
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1"}, false, "12"},
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "12"}, true, "12"},
		{kv.Input{Op: kv.Put, Key: "x", Value: ""}, kv.Output{}, true, ""},
	}
	for i, s := range steps {
		ok, next := m.Step(state, s.in, s.out)
		assert.Equal(t, s.ok, ok, "step %d: %v", i, s.in)
		if ok {
			assert.Equal(t, s.after, next, "step %d", i)
			state = next
		}
	}
	assert.True(t, m.Equal("ab", "ab"))
	assert.False(t, m.Equal("ab", "ba"))
	assert.Equal(t, "k7", m.PartitionKey(kv.Input{Op: kv.Get, Key: "k7"}))
}

// TestStepWithUnknownOutcome: an operation whose outcome the client never
// learned (spec.Unknown) is accepted and takes effect: an unknown get
// constrains nothing, an unknown put or append applies its write.
func TestStepWithUnknownOutcome(t *testing.T) {
	m := kv.Spec{}.Model()
	ok, next := m.Step("a", kv.Input{Op: kv.Get, Key: "x"}, spec.Unknown{})
	assert.True(t, ok)
	assert.Equal(t, "a", next)
	ok, next = m.Step("a", kv.Input{Op: kv.Put, Key: "x", Value: "b"}, spec.Unknown{})
	assert.True(t, ok)
	assert.Equal(t, "b", next)
	ok, next = m.Step("a", kv.Input{Op: kv.Append, Key: "x", Value: "b"}, spec.Unknown{})
	assert.True(t, ok)
	assert.Equal(t, "ab", next)
}

func TestDescribe(t *testing.T) {
	m := kv.Spec{}.Model()
	for _, tt := range []struct {
		in   kv.Input
		out  any
		want string
	}{
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1"}, `get("x") -> "1"`},
		{kv.Input{Op: kv.Get, Key: "x"}, kv.Output{}, `get("x") -> ""`},
		{kv.Input{Op: kv.Get, Key: "x"}, spec.Unknown{}, `get("x") -> unknown`},
		{kv.Input{Op: kv.Put, Key: "x", Value: "a b"}, kv.Output{}, `put("x", "a b")`},
		{kv.Input{Op: kv.Put, Key: "x", Value: "1"}, spec.Unknown{}, `put("x", "1") -> unknown`},
		{kv.Input{Op: kv.Append, Key: "k\n", Value: "v"}, kv.Output{}, `append("k\n", "v")`},
		{kv.Input{Op: kv.Append, Key: "x", Value: "v"}, spec.Unknown{}, `append("x", "v") -> unknown`},
	} {
		assert.Equal(t, tt.want, m.DescribeOperation(tt.in, tt.out))
		assert.Equal(t, tt.want, kv.Describe(tt.in, tt.out))
	}
	assert.Equal(t, `""`, m.DescribeState(""))
	assert.Equal(t, `"ab"`, m.DescribeState("ab"))
}

// TestHash: the state hash is 64-bit FNV-1a, so equal states hash equal.
func TestHash(t *testing.T) {
	m := kv.Spec{}.Model()
	for _, s := range []string{"", "a", "ab", "hello, world", "x 1 0 yx 2 0 y"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		assert.Equal(t, h.Sum64(), m.Hash(s), "%q", s)
		assert.Equal(t, m.Hash(s), m.Hash(string([]byte(s))), "equal states, equal hashes")
	}
}

func TestValid(t *testing.T) {
	m := kv.Spec{}.Model()
	assert.NoError(t, m.Valid(kv.Input{Op: kv.Get, Key: "x"}, kv.Output{}))
	assert.NoError(t, m.Valid(kv.Input{Op: kv.Append, Key: "x", Value: "v"}, spec.Unknown{}))
	for name, c := range map[string][2]any{
		"input type":       {"get x", kv.Output{}},
		"zero op":          {kv.Input{Key: "x"}, kv.Output{}},
		"op out of range":  {kv.Input{Op: kv.CAS + 1, Key: "x"}, kv.Output{}},
		"output type":      {kv.Input{Op: kv.Get, Key: "x"}, ""},
		"pointer output":   {kv.Input{Op: kv.Get, Key: "x"}, &kv.Output{}},
		"pointer to input": {&kv.Input{Op: kv.Get, Key: "x"}, kv.Output{}},
	} {
		assert.Error(t, m.Valid(c[0], c[1]), name)
	}
}

// TestDecode: inputs and outputs read back from the JSON encoding/json
// writes for them (history.json), strictly.
func TestDecode(t *testing.T) {
	s := kv.Spec{}
	for _, in := range []kv.Input{{Op: kv.Get, Key: "x"}, {Op: kv.Put, Key: "k0", Value: "1.2;"}, {Op: kv.Append, Key: "", Value: "\n"}} {
		data, err := json.Marshal(in)
		require.NoError(t, err)
		got, err := s.DecodeInput(data)
		require.NoError(t, err, "%s", data)
		assert.Equal(t, in, got)
	}
	data, err := json.Marshal(kv.Output{Value: "1.1;2.1;"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"value":"1.1;2.1;"}`, string(data))
	out, err := s.DecodeOutput(data)
	require.NoError(t, err)
	assert.Equal(t, kv.Output{Value: "1.1;2.1;"}, out)

	for raw, want := range map[string]string{
		`{"op":"swap","key":"x"}`:          `unknown op "swap"`,
		`{"key":"x"}`:                      "no op",
		`{"op":"get","key":"x","cas":1}`:   `unknown field "cas"`,
		`{"op":"get","key":"x"} {}`:        "trailing data",
		`["get","x"]`:                      "kv input",
		`{"op":"put","key":"x","value":1}`: "kv input",
	} {
		_, err := s.DecodeInput(json.RawMessage(raw))
		assert.ErrorContains(t, err, want, raw)
	}
	_, err = s.DecodeOutput(json.RawMessage(`{"value":"a","unknown":true}`))
	assert.ErrorContains(t, err, `unknown field "unknown"`)
}

func TestWorkloadConfigResolves(t *testing.T) {
	s := kv.Spec{}
	def, err := json.Marshal(kv.DefaultWorkload)
	require.NoError(t, err)
	for _, raw := range []json.RawMessage{nil, json.RawMessage(`{}`), json.RawMessage(`null`), json.RawMessage(" {} ")} {
		w, err := s.Workload(raw)
		require.NoError(t, err, "%q", raw)
		assert.Equal(t, string(def), string(w.Config()), "%q means the default mix", raw)
		assert.Equal(t, "keys=3 mix=get:2,put:1,append:3", w.String())
	}
	w, err := s.Workload(json.RawMessage(`{"keys":2,"get":0,"put":1,"append":5}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"keys":2,"get":0,"put":1,"append":5}`, string(w.Config()))
	again, err := s.Workload(w.Config())
	require.NoError(t, err)
	assert.Equal(t, string(w.Config()), string(again.Config()), "a resolved config resolves to itself")
}

// TestWorkloadConfigValidation: a config that is not the default must name
// every field (a saved run never depends on a default), and every bad
// field is an error naming it.
func TestWorkloadConfigValidation(t *testing.T) {
	for raw, want := range map[string]string{
		`{"keys":3}`:                 "missing field(s) get, put, append",
		`{"keys":3,"get":1,"put":1}`: "missing field(s) append",
		`{"keys":3,"get":1,"put":1,"append":1,"gets":1}`: `unknown field "gets"`,
		`{"keys":0,"get":1,"put":1,"append":1}`:          "keys = 0",
		`{"keys":2000000,"get":1,"put":1,"append":1}`:    "keys = 2000000",
		`{"keys":3,"get":0,"put":0,"append":0}`:          "the weights are all 0",
		`{"keys":3,"get":-1,"put":1,"append":1}`:         "weights (get -1, put 1, append 1, cas 0)",
		`{"keys":3,"get":1,"put":1,"append":1} {}`:       "trailing data",
		`{"keys":"3","get":1,"put":1,"append":1}`:        "kv workload",
		`[3,1,1,1]`: "kv workload",
	} {
		_, err := kv.Spec{}.Workload(json.RawMessage(raw))
		if assert.Error(t, err, raw) {
			assert.Contains(t, err.Error(), want, raw)
		}
	}
	assert.NoError(t, kv.DefaultWorkload.Validate())
	assert.ErrorContains(t, kv.WorkloadConfig{Keys: 1}.Validate(), "weights are all 0")
}

// TestVariantsAreValid: every variant a generator draws resolves to itself
// (it is saved as drawn), they are distinct, and the first is the simplest:
// one key, appends only.
func TestVariantsAreValid(t *testing.T) {
	vs := kv.Spec{}.Variants()
	require.Len(t, vs, 15)
	seen := map[string]bool{}
	for i, v := range vs {
		w, err := kv.Spec{}.Workload(v)
		require.NoError(t, err, "variant %d: %s", i, v)
		assert.Equal(t, string(v), string(w.Config()), "variant %d is in resolved form", i)
		assert.False(t, seen[string(v)], "variant %d repeats %s", i, v)
		seen[string(v)] = true
	}
	var first kv.WorkloadConfig
	require.NoError(t, json.Unmarshal(vs[0], &first))
	assert.Equal(t, kv.WorkloadConfig{Keys: 1, Append: 1}, first)
}

// TestNextIsDeterministic: operations are drawn from the client's stream
// only, so the same stream draws the same operations; every written value
// is unique in the run; keys stay in range; a mix with one weight draws
// only that operation.
func TestNextIsDeterministic(t *testing.T) {
	w, err := kv.Spec{}.Workload(nil)
	require.NoError(t, err)
	draw := func(seed uint64, client sim.NodeID) []any {
		r := rand.New(rand.NewPCG(seed, 1))
		var out []any
		for n := 1; n <= 200; n++ {
			out = append(out, w.Next(r, client, n))
		}
		return out
	}
	a, b := draw(7, 4), draw(7, 4)
	assert.Equal(t, a, b, "the same stream draws the same operations")
	assert.NotEqual(t, a, draw(8, 4), "another stream draws others")
	ops := map[kv.Op]int{}
	values := map[string]bool{}
	for n, x := range a {
		in := x.(kv.Input)
		ops[in.Op]++
		k, err := strconv.Atoi(strings.TrimPrefix(in.Key, "k"))
		require.NoError(t, err, in.Key)
		assert.True(t, k >= 0 && k < 3, "key %s of 3", in.Key)
		if in.Op == kv.Get {
			assert.Empty(t, in.Value)
			continue
		}
		assert.Equal(t, "4."+strconv.Itoa(n+1)+";", in.Value, "values are <client>.<n>;")
		assert.False(t, values[in.Value])
		values[in.Value] = true
	}
	assert.Len(t, ops, 3, "the default mix draws every operation: %v", ops)
	assert.Greater(t, ops[kv.Append], ops[kv.Put], "append weighs 3, put 1: %v", ops)

	only, err := kv.Spec{}.Workload(json.RawMessage(`{"keys":1,"get":0,"put":0,"append":1}`))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 1))
	for n := 1; n <= 50; n++ {
		assert.Equal(t, kv.Input{Op: kv.Append, Key: "k0", Value: "9." + strconv.Itoa(n) + ";"}, only.Next(r, 9, n))
	}
}

// TestSimpler: a workload simplifies by dropping a key, down to one.
func TestSimpler(t *testing.T) {
	w, err := kv.Spec{}.Workload(json.RawMessage(`{"keys":3,"get":1,"put":0,"append":1}`))
	require.NoError(t, err)
	var chain []string
	for {
		s := w.Simpler()
		if len(s) == 0 {
			break
		}
		require.Len(t, s, 1)
		w, err = kv.Spec{}.Workload(s[0])
		require.NoError(t, err, "a simplification is a valid, resolved config")
		chain = append(chain, string(s[0]))
	}
	assert.Equal(t, []string{`{"keys":2,"get":1,"put":0,"append":1}`, `{"keys":1,"get":1,"put":0,"append":1}`}, chain)
}
