package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Compare-and-swap in the state machine: it swaps only when the key holds
// what it expects, reports what it found either way, applies once per
// request, and survives the vote record and the digests.

func cas(key, expect, value string) Command {
	return Command{Op: OpCAS, Key: key, Expect: expect, Value: value}
}

func TestCASAppliesOnlyOnTheExpectedValue(t *testing.T) {
	kv := newKVState()
	res, applied, _ := kv.apply(cmdFrom(client, 1, cas("x", "", "a;")))
	require.True(t, applied)
	assert.Equal(t, Result{Value: "", OK: true}, res, "a missing key holds the empty value")
	res, _, _ = kv.apply(cmdFrom(client, 2, cas("x", "", "b;")))
	assert.Equal(t, Result{Value: "a;", OK: false}, res, "a failed swap reports what it found")
	assert.Equal(t, "a;", kv.data["x"].v)
	res, _, _ = kv.apply(cmdFrom(client, 3, cas("x", "a;", "c;")))
	assert.Equal(t, Result{Value: "a;", OK: true}, res)
	assert.Equal(t, "c;", kv.data["x"].v)
	assert.Equal(t, fnvMore(fnvOffset, "c;"), kv.data["x"].h, "the value's running hash restarts with the swap")

	// A retry of an executed swap gets its result again and changes nothing.
	h := kv.hash
	res, applied, current := kv.apply(cmdFrom(client, 3, cas("x", "a;", "c;")))
	assert.False(t, applied)
	assert.True(t, current)
	assert.Equal(t, Result{Value: "a;", OK: true}, res)
	assert.Equal(t, h, kv.hash)
}

func TestCASStateDigestDependsOnTheOutcome(t *testing.T) {
	ok, failed := newKVState(), newKVState()
	ok.apply(cmdFrom(client, 1, cas("x", "", "a;")))
	failed.apply(cmdFrom(client, 1, cas("x", "z;", "a;")))
	assert.NotEqual(t, ok.hash, failed.hash)
}

func TestCASVoteRoundTrip(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	cmd := cmdFrom(client, 1, cas("k", "old;", "new;"))
	r.Receive(1, Accept{B: bal(1, 1), Slot: 7, Cmd: cmd})
	rec, _, _ := env.D.Read(voteKey(7))
	s, b, got, err := decodeVote(rec)
	require.NoError(t, err)
	assert.Equal(t, 7, s)
	assert.Equal(t, bal(1, 1), b)
	assert.Equal(t, cmd, got)
	_, _, digest, err := decodeVoteDigest(rec)
	require.NoError(t, err)
	assert.Equal(t, cmd.digest(), digest, "the harness's digest of the record is the command's")
	assert.NotEqual(t, cmdFrom(client, 1, cas("k", "other;", "new;")).digest(), cmd.digest(), "the expectation is part of the command")
	assert.Equal(t, `cas("k","old;","new;")@`+sim.NodeID(client).String()+"#1", cmd.String())
}
