package paxos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec"
)

// The layers' specifications, on small histories: what each abstract
// object allows, and what it refuses.

func op(server int, in, out any, call, ret int64) spec.Operation {
	return spec.Operation{Client: server, Input: in, Output: out, Call: call, Return: ret}
}

func read(k Round) ReadCall                   { return ReadCall{Round: k} }
func readOut(ok bool, v Value) ReadReturn     { return ReadReturn{OK: ok, Value: v} }
func write(k Round, v Value) WriteCall        { return WriteCall{Round: k, Value: v} }
func writeOut(ok bool) WriteReturn            { return WriteReturn{OK: ok} }
func prc(k Round, v0 Value) ProposeRCCall     { return ProposeRCCall{Round: k, Proposal: v0} }
func prcOut(ok bool, v Value) ProposeRCReturn { return ProposeRCReturn{OK: ok, Value: v} }

var unknown = spec.Unknown{}

type historyCase struct {
	name string
	ops  []spec.Operation
	want lincheck.Verdict
}

func checkCases(t *testing.T, layer Layer, cases []historyCase) {
	t.Helper()
	m := layers()[layer].Model
	for _, c := range cases {
		for i, o := range c.ops {
			require.NoError(t, m.Valid(o.Input, o.Output), "%s: operation %d", c.name, i)
		}
		assert.Equal(t, c.want, lincheck.Judge(m, c.ops, lincheck.Options{}).Verdict, "%s: %s", layer, c.name)
	}
}

func TestRegisterModel(t *testing.T) {
	k1, k2, k3 := rnd(1, 0), rnd(1, 1), rnd(2, 0)
	checkCases(t, LayerRegister, []historyCase{
		{"a read, then a write of what it read", []spec.Operation{
			op(0, read(k1), readOut(true, undef), 0, 10), op(0, write(k1, "a"), writeOut(true), 11, 20),
			op(1, read(k2), readOut(true, "a"), 21, 30)}, lincheck.Ok},
		{"after a successful write, a read at a higher round returns its value", []spec.Operation{
			op(0, write(k1, "a"), writeOut(true), 0, 10), op(1, read(k2), readOut(true, "b"), 11, 20),
			op(2, write(k3, "b"), writeOut(false), 1, 5)}, lincheck.Violation},
		{"a read below the current round may return any value written", []spec.Operation{
			op(0, write(k3, "a"), writeOut(true), 0, 10), op(2, write(k2, "b"), writeOut(false), 1, 5),
			op(1, read(k1), readOut(true, "b"), 11, 20)}, lincheck.Ok},
		{"a failed write contaminates: a later read may return its value", []spec.Operation{
			op(0, write(k1, "a"), writeOut(false), 0, 10), op(1, read(k2), readOut(true, "a"), 11, 20)}, lincheck.Ok},
		{"a read returns only values some write wrote", []spec.Operation{
			op(1, read(k2), readOut(true, "zz"), 11, 20)}, lincheck.Violation},
		{"a write below the round a read switched to cannot succeed", []spec.Operation{
			op(1, read(k3), readOut(true, undef), 0, 10), op(0, write(k1, "a"), writeOut(true), 11, 20)}, lincheck.Violation},
		{"a write concurrent with the read may succeed first", []spec.Operation{
			op(1, read(k3), readOut(true, "a"), 0, 10), op(0, write(k1, "a"), writeOut(true), 5, 20)}, lincheck.Ok},
		{"any call may fail", []spec.Operation{
			op(0, read(k1), readOut(false, undef), 0, 10), op(0, write(k3, "a"), writeOut(false), 11, 20)}, lincheck.Ok},
		// A write of unknown outcome (its proposer crashed) may have
		// succeeded: a later read must then see its value...
		{"an unknown write may have succeeded", []spec.Operation{
			op(0, write(k1, "a"), writeOut(true), 0, 10), op(1, write(k3, "b"), unknown, 11, 100),
			op(2, read(rnd(3, 0)), readOut(true, "b"), 20, 30)}, lincheck.Ok},
		// ... or failed, leaving the earlier decision in place.
		{"an unknown write may have failed", []spec.Operation{
			op(0, write(k1, "a"), writeOut(true), 0, 10), op(1, write(k3, "b"), unknown, 11, 100),
			op(2, read(rnd(3, 0)), readOut(true, "a"), 20, 30)}, lincheck.Ok},
		{"an unknown read may have switched the round, or not", []spec.Operation{
			op(0, read(k3), unknown, 0, 100), op(1, write(k1, "a"), writeOut(true), 20, 30),
			op(2, read(k2), readOut(true, "a"), 40, 50)}, lincheck.Ok},
	})
}

func TestConsensusModel(t *testing.T) {
	k1, k2 := rnd(1, 0), rnd(1, 1)
	checkCases(t, LayerConsensus, []historyCase{
		{"two successes agree", []spec.Operation{
			op(0, prc(k1, "a"), prcOut(true, "a"), 0, 10), op(1, prc(k2, "b"), prcOut(true, "a"), 11, 20)}, lincheck.Ok},
		{"two successes disagree", []spec.Operation{
			op(0, prc(k1, "a"), prcOut(true, "a"), 0, 10), op(1, prc(k2, "b"), prcOut(true, "b"), 11, 20)}, lincheck.Violation},
		{"a failed proposal's value may win later", []spec.Operation{
			op(0, prc(k1, "a"), prcOut(false, undef), 0, 10), op(1, prc(k2, "b"), prcOut(true, "a"), 11, 20)}, lincheck.Ok},
		{"a value nobody proposed", []spec.Operation{
			op(1, prc(k2, "b"), prcOut(true, "c"), 11, 20)}, lincheck.Violation},
		{"a learner finds nothing decided before a decision", []spec.Operation{
			op(0, prc(k1, undef), prcOut(true, undef), 0, 10), op(1, prc(k2, "b"), prcOut(true, "b"), 11, 20)}, lincheck.Ok},
		{"a learner finds nothing decided after a decision", []spec.Operation{
			op(1, prc(k2, "b"), prcOut(true, "b"), 0, 10), op(0, prc(k1, undef), prcOut(true, undef), 11, 20)}, lincheck.Violation},
		{"a proposer with a value never succeeds with undef", []spec.Operation{
			op(1, prc(k2, "b"), prcOut(true, undef), 0, 10)}, lincheck.Violation},
		{"an unknown proposal may have decided its value", []spec.Operation{
			op(0, prc(k1, "a"), unknown, 0, 100), op(1, prc(k2, "b"), prcOut(true, "a"), 11, 20)}, lincheck.Ok},
	})
}

func TestPaxosModel(t *testing.T) {
	p := func(v0 Value) ProposePCall { return ProposePCall{Proposal: v0} }
	out := func(v Value) ProposePReturn { return ProposePReturn{Value: v} }
	checkCases(t, LayerPaxos, []historyCase{
		{"every proposal returns the decision", []spec.Operation{
			op(0, p("a"), out("b"), 0, 10), op(1, p("b"), out("b"), 1, 9), op(2, p(undef), out("b"), 11, 20)}, lincheck.Ok},
		{"two decisions", []spec.Operation{
			op(0, p("a"), out("a"), 0, 10), op(1, p("b"), out("b"), 11, 20)}, lincheck.Violation},
		{"nothing decided, told after a decision", []spec.Operation{
			op(0, p("a"), out("a"), 0, 10), op(1, p(undef), out(undef), 11, 20)}, lincheck.Violation},
	})
}

// TestRegisterStates: a write of unknown outcome branches the state; equal
// states compare and hash equal, whatever order their options were found
// in.
func TestRegisterStates(t *testing.T) {
	m := layers()[LayerRegister].Model
	steps := func(ins ...WriteCall) any {
		s := m.Init()
		for _, in := range ins {
			ok, next := m.Step(s, in, unknown)
			require.True(t, ok)
			s = next
		}
		return s
	}
	a := steps(write(rnd(1, 0), "x"), write(rnd(2, 0), "y"))
	assert.Equal(t, []RoundValue{{}, {rnd(1, 0), "x"}, {rnd(2, 0), "y"}}, a.(RegisterState).Options)
	assert.Equal(t, []Value{"x", "y"}, a.(RegisterState).Vals)
	b := steps(write(rnd(2, 0), "y"), write(rnd(1, 0), "x"))
	assert.True(t, m.Equal(a, b))
	assert.Equal(t, m.Hash(a), m.Hash(b))
	c := steps(write(rnd(2, 0), "y"), write(rnd(3, 0), "x"))
	assert.False(t, m.Equal(a, c))
	assert.Contains(t, m.DescribeState(a), "abs_round=2.n0 abs_v=\"y\"")
	assert.Equal(t, `write(1.n0, "x") -> unknown`, m.DescribeOperation(write(rnd(1, 0), "x"), unknown))
	assert.Equal(t, `read(1.n0) -> (true, undef)`, m.DescribeOperation(read(rnd(1, 0)), readOut(true, undef)))
	assert.Error(t, m.Valid(read(rnd(1, 0)), writeOut(true)))
	assert.Error(t, m.Valid(prc(rnd(1, 0), "a"), writeOut(true)))
}
