package runner

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
