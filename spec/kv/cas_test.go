package kv_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

func TestCASStep(t *testing.T) {
	m := kv.Spec{}.Model()
	in := kv.Input{Op: kv.CAS, Key: "x", Expect: "a;", Value: "b;"}
	ok, next := m.Step("a;", in, kv.Output{Value: "a;", OK: true})
	assert.True(t, ok)
	assert.Equal(t, "b;", next)
	ok, next = m.Step("c;", in, kv.Output{Value: "c;"})
	assert.True(t, ok, "a failed swap that found the current value")
	assert.Equal(t, "c;", next)
	ok, _ = m.Step("c;", in, kv.Output{Value: "c;", OK: true})
	assert.False(t, ok, "it cannot swap what it did not expect")
	ok, _ = m.Step("a;", in, kv.Output{Value: "a;"})
	assert.False(t, ok, "it cannot fail on the value it expected")
	ok, _ = m.Step("a;", in, kv.Output{Value: "z;"})
	assert.False(t, ok, "it reports what it found")
	_, next = m.Step("a;", in, spec.Unknown{})
	assert.Equal(t, "b;", next, "an unknown swap takes effect where it can")
	_, next = m.Step("c;", in, spec.Unknown{})
	assert.Equal(t, "c;", next)
	assert.Equal(t, `cas("x", "a;", "b;") -> ok`, kv.Describe(in, kv.Output{Value: "a;", OK: true}))
	assert.Equal(t, `cas("x", "a;", "b;") -> failed, found "c;"`, kv.Describe(in, kv.Output{Value: "c;"}))
}

func TestAccess(t *testing.T) {
	m := kv.Spec{}.Model()
	a, ok := m.Access(kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1.1;2.3;"})
	require.True(t, ok)
	assert.Equal(t, spec.Access{Key: "x", Observes: true, Observed: []string{"1.1;", "2.3;"}}, a)
	a, _ = m.Access(kv.Input{Op: kv.Get, Key: "x"}, kv.Output{Value: "1.1;junk"})
	assert.Equal(t, []string{"1.1;", "junk"}, a.Observed, "a tail no write made stays a token, which nobody wrote")
	a, _ = m.Access(kv.Input{Op: kv.Append, Key: "x", Value: "1.2;"}, kv.Output{})
	assert.Equal(t, spec.Access{Key: "x", Write: spec.Extend, Value: "1.2;"}, a)
	_, ok = m.Access(kv.Input{Op: kv.Put, Key: "x", Value: "no token"}, kv.Output{})
	assert.False(t, ok, "values not in token form need the search")
	_, ok = m.Access(kv.Input{Op: kv.Put, Key: "x", Value: "a;b;"}, kv.Output{})
	assert.False(t, ok)
	a, _ = m.Access(kv.Input{Op: kv.CAS, Key: "x", Expect: "1.1;", Value: "3.1;"}, spec.Unknown{})
	assert.Equal(t, spec.Access{Key: "x", Observes: true, Observed: []string{"1.1;"}, Write: spec.Swap, Value: "3.1;"}, a)
	a, _ = m.Access(kv.Input{Op: kv.CAS, Key: "x", Expect: "1.1;", Value: "3.1;"}, kv.Output{Value: "2.2;"})
	assert.Equal(t, spec.Access{Key: "x", Observes: true, Observed: []string{"2.2;"}}, a)
	a, _ = m.Access(kv.Input{Op: kv.CAS, Key: "x", Expect: "1.1;", Value: "3.1;"}, kv.Output{Value: "1.1;"})
	assert.NotEmpty(t, a.Contradiction)
}

// A CAS expects what its client last saw of the key: its read, its own
// write, what a failed swap found; not what another client saw, and
// nothing after an append, whose result the client does not know.
func TestWorkloadCASExpectsWhatTheClientSaw(t *testing.T) {
	w, err := kv.Spec{}.Workload(json.RawMessage(`{"keys":1,"get":0,"put":0,"append":0,"cas":1}`))
	require.NoError(t, err)
	obs := w.(spec.Observer)
	r := rand.New(rand.NewPCG(1, 1))
	next := func(c sim.NodeID) kv.Input { return w.Next(r, c, 1).(kv.Input) }
	assert.Equal(t, "", next(5).Expect)
	obs.Observe(5, kv.Input{Op: kv.Get, Key: "k0"}, kv.Output{Value: "1.1;"})
	assert.Equal(t, "1.1;", next(5).Expect)
	assert.Equal(t, "", next(6).Expect, "per client")
	obs.Observe(5, kv.Input{Op: kv.Put, Key: "k0", Value: "5.2;"}, kv.Output{})
	assert.Equal(t, "5.2;", next(5).Expect)
	obs.Observe(5, kv.Input{Op: kv.CAS, Key: "k0", Expect: "x;", Value: "5.3;"}, kv.Output{Value: "7.7;"})
	assert.Equal(t, "7.7;", next(5).Expect)
	obs.Observe(5, kv.Input{Op: kv.CAS, Key: "k0", Expect: "7.7;", Value: "5.4;"}, kv.Output{Value: "7.7;", OK: true})
	assert.Equal(t, "5.4;", next(5).Expect)
	assert.Contains(t, w.String(), "cas:1")
	assert.JSONEq(t, `{"keys":1,"get":0,"put":0,"append":0,"cas":1}`, string(w.Config()))

	// A config without "cas" (saved before it existed) is valid and the same.
	w, err = kv.Spec{}.Workload(json.RawMessage(`{"keys":3,"get":2,"put":1,"append":3}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"keys":3,"get":2,"put":1,"append":3}`, string(w.Config()))
}
