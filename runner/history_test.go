package runner

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// TestHistoryRecordsAtTrueTime: an answered operation gets an interval of
// positive length even when answered in the instant it was called; an
// unanswered one stays open past the end; a recorder misuse (a second
// invocation of a sequence number, a return of one never invoked) is a
// harness bug and panics.
func TestHistoryRecordsAtTrueTime(t *testing.T) {
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	h := newHistory(s, 4)
	h.invoke(5, 1, kv.Input{Op: kv.Put, Key: "k0", Value: "5.1;"})
	h.complete(5, 1, kv.Output{})
	h.invoke(5, 2, kv.Input{Op: kv.Get, Key: "k0"})
	h.invoke(6, 1, kv.Input{Op: kv.Append, Key: "k0", Value: "6.1;"})

	assert.Panics(t, func() { h.invoke(5, 2, kv.Input{Op: kv.Get, Key: "k0"}) }, "a sequence number invoked twice")
	assert.Panics(t, func() { h.complete(7, 1, kv.Output{}) }, "a return never invoked")
	assert.Panics(t, func() { h.complete(5, 1, kv.Output{}) }, "a second return")

	ops := h.operations(sim.Time(10 * sim.Millisecond))
	require.Len(t, ops, 3)
	assert.Equal(t, int64(1), ops[0].Return-ops[0].Call, "an answer in the instant of the call still has positive length")
	assert.Equal(t, kv.Output{}, ops[0].Output)
	for _, op := range ops[1:] {
		assert.Equal(t, spec.Unknown{}, op.Output)
		assert.Greater(t, op.Return, int64(10*sim.Millisecond), "an open operation stays open past the end")
	}
	assert.Equal(t, 1, h.completed)
}

// A plan.json with no params.json beside it says so, naming both files.
func TestLoadParamsPlanWithoutParams(t *testing.T) {
	dir := t.TempDir()
	plan := dir + "/plan.json"
	require.NoError(t, os.WriteFile(plan, []byte(`{"faults":[]}`), 0o644))
	_, err := LoadParams(plan)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plan.json replays the params.json next to it")
	assert.Contains(t, err.Error(), dir+"/params.json")
}

// Events of one instant are stamped in the order they happen, strictly
// increasing: a client's reply and its next call in the same instant are
// ordered, so a client that then misses its own completed write is a
// violation, not a concurrency the checker forgives.
func TestHistoryOrdersEventsOfOneInstant(t *testing.T) {
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	h := newHistory(s, 4)
	h.invoke(5, 1, kv.Input{Op: kv.Put, Key: "k0", Value: "5.1;"})
	h.complete(5, 1, kv.Output{})
	h.invoke(5, 2, kv.Input{Op: kv.Get, Key: "k0"})
	h.complete(5, 2, kv.Output{Value: ""}) // misses its own write
	ops := h.operations(0)
	require.Len(t, ops, 2)
	assert.Less(t, ops[0].Return, ops[1].Call, "the reply strictly before the same client's next call")
	assert.Less(t, ops[0].Call, ops[0].Return)
	r := lincheck.Judge(kv.Spec{}.Model(), ops, lincheck.Options{})
	assert.Equal(t, lincheck.Violation, r.Verdict, "the client missed its own completed write")
	assert.Equal(t, lincheck.Violation, lincheck.Judge(kv.Spec{}.Model(), ops, lincheck.Options{Checker: lincheck.Porcupine}).Verdict)
}

// A schema-1 params.json (wall-time check_timeout) loads as schema 2 with
// the default check budget, and runs the same.
func TestSchema1ParamsMigrate(t *testing.T) {
	p := calmParams(t, 3)
	p.Checks.CheckBudget = 12345
	data, err := json.Marshal(p)
	require.NoError(t, err)
	old := strings.Replace(string(data), `"schema":2`, `"schema":1`, 1)
	old = strings.Replace(old, `"check_budget":12345`, `"check_timeout":"10s"`, 1)
	got, err := DecodeParams([]byte(old))
	require.NoError(t, err)
	assert.Equal(t, Schema, got.Schema)
	assert.Equal(t, int64(DefaultCheckBudget), got.Checks.CheckBudget)
	got.Checks.CheckBudget = p.Checks.CheckBudget
	assert.Equal(t, p, got)

	both := strings.Replace(old, `"check_timeout":"10s"`, `"check_timeout":"10s","check_budget":5`, 1)
	_, err = DecodeParams([]byte(both))
	assert.ErrorContains(t, err, "schema 1 has no check_budget")
}
