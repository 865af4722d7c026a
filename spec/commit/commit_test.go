package commit_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/commit"
)

func TestSpecIsRegistered(t *testing.T) {
	s, err := spec.Lookup(commit.Name)
	require.NoError(t, err)
	assert.Equal(t, commit.Name, s.Name())
	assert.NotEmpty(t, s.Description())
}

func txn(id string, prepare ...bool) commit.Input {
	in := commit.Input{Txn: id}
	for i, p := range prepare {
		in.Votes = append(in.Votes, commit.Vote{RM: i, Prepare: p})
	}
	return in
}

func out(o commit.Outcome) commit.Output { return commit.Output{Outcome: o} }

// TestModel: commit only if every RM prepares; any outcome with every RM
// prepared; one outcome per transaction; an unknown outcome allows both.
func TestModel(t *testing.T) {
	m := commit.Spec{}.Model()
	cases := []struct {
		in  commit.Input
		out any
		ok  bool
	}{
		{txn("a", true, true), out(commit.Commit), true},
		{txn("a", true, true), out(commit.Abort), true},
		{txn("a", true, false), out(commit.Abort), true},
		{txn("a", true, false), out(commit.Commit), false},
		{txn("a", false), spec.Unknown{}, true},
	}
	for _, c := range cases {
		require.NoError(t, m.Valid(c.in, c.out))
		ok, _ := m.Step(m.Init(), c.in, c.out)
		assert.Equal(t, c.ok, ok, commit.Describe(c.in, c.out))
	}
	_, s := m.Step(m.Init(), txn("a", true), out(commit.Commit))
	ok, _ := m.Step(s, txn("a", true), out(commit.Abort))
	assert.False(t, ok, "a transaction has one outcome")
	ok, same := m.Step(s, txn("a", true), spec.Unknown{})
	assert.True(t, ok)
	assert.True(t, m.Equal(s, same))
	assert.Equal(t, "commit", m.DescribeState(s))
	assert.Equal(t, "a", m.PartitionKey(txn("a", true)))
	assert.Equal(t, "txn 1.2 [rm0:prepare rm1:abort] -> abort", commit.Describe(txn("1.2", true, false), out(commit.Abort)))

	for _, bad := range []commit.Input{{Txn: "", Votes: []commit.Vote{{RM: 0}}}, {Txn: "a"},
		{Txn: "a", Votes: []commit.Vote{{RM: 1}, {RM: 0}}}, {Txn: "a", Votes: []commit.Vote{{RM: commit.MaxRMs}}}} {
		assert.Error(t, m.Valid(bad, out(commit.Commit)), "%+v", bad)
	}
	assert.Error(t, m.Valid(txn("a", true), commit.Output{}))
	assert.Error(t, m.Valid(txn("a", true), "commit"))
}

// TestWorkload: every drawn transaction is valid, unique, within the
// config, and the mix has both outcomes' votes.
func TestWorkload(t *testing.T) {
	s := commit.Spec{}
	w, err := s.Workload(nil)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	aborts, seen := 0, map[string]bool{}
	for n := 1; n <= 2000; n++ {
		in := w.Next(r, sim.NodeID(3), n).(commit.Input)
		require.NoError(t, in.Validate())
		assert.False(t, seen[in.Txn])
		seen[in.Txn] = true
		assert.GreaterOrEqual(t, len(in.Votes), commit.DefaultWorkload.MinRMs)
		assert.LessOrEqual(t, len(in.Votes), commit.DefaultWorkload.MaxRMs)
		for _, v := range in.Votes {
			assert.Less(t, v.RM, commit.DefaultWorkload.RMs)
		}
		if !in.AllPrepare() {
			aborts++
		}
	}
	assert.InDelta(t, 0.2, float64(aborts)/2000, 0.05, "about one transaction in five has an abort vote")

	// Round trips and resolved configs.
	raw, err := json.Marshal(txn("3.1", true, false))
	require.NoError(t, err)
	back, err := s.DecodeInput(raw)
	require.NoError(t, err)
	assert.Equal(t, txn("3.1", true, false), back)
	o, err := s.DecodeOutput(json.RawMessage(`{"outcome":"abort"}`))
	require.NoError(t, err)
	assert.Equal(t, out(commit.Abort), o)
	_, err = s.DecodeOutput(json.RawMessage(`{"outcome":"maybe"}`))
	assert.Error(t, err)
	_, err = s.DecodeInput(json.RawMessage(`{"txn":"a","votes":[]}`))
	assert.Error(t, err)
	again, err := s.Workload(w.Config())
	require.NoError(t, err)
	assert.JSONEq(t, string(w.Config()), string(again.Config()))
	for cfg, want := range map[string]string{
		`{"rms":4}`: "missing field(s) min_rms",
		`{"rms":0,"min_rms":1,"max_rms":1,"abort_percent":0}`:   "rms = 0",
		`{"rms":2,"min_rms":1,"max_rms":3,"abort_percent":0}`:   "max_rms = 3",
		`{"rms":2,"min_rms":1,"max_rms":2,"abort_percent":101}`: "abort_percent = 101",
	} {
		_, err := s.Workload(json.RawMessage(cfg))
		assert.ErrorContains(t, err, want, cfg)
	}
	for _, v := range s.Variants() {
		wv, err := s.Workload(v)
		require.NoError(t, err, string(v))
		for _, simpler := range wv.Simpler() {
			_, err := s.Workload(simpler)
			assert.NoError(t, err, string(simpler))
		}
	}
}
