package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFingerprint: replicas that handled the same events have the same
// fingerprint, whatever the coverage counters say; each step that changes
// what the replica will do changes it.
func TestFingerprint(t *testing.T) {
	a, _ := testReplica(t, 0, 3, "")
	b, _ := testReplica(t, 0, 3, "")
	assert.Equal(t, a.Fingerprint(), b.Fingerprint())
	a.cov, a.rej = Coverage{}, Rejects{Malformed: 3}
	assert.Equal(t, a.Fingerprint(), b.Fingerprint(), "counters only report")

	seen := map[uint64]string{a.Fingerprint(): "start"}
	step := func(name string, f func(r *Replica)) {
		t.Helper()
		f(a)
		f(b)
		assert.Equal(t, a.Fingerprint(), b.Fingerprint(), name)
		if prev, dup := seen[a.Fingerprint()]; dup {
			t.Errorf("%s: same fingerprint as after %s", name, prev)
		}
		seen[a.Fingerprint()] = name
	}
	step("election", func(r *Replica) { r.Timer(electionTimer) })
	step("promise counted", func(r *Replica) { r.Receive(1, Promise{B: r.ballot, From: r.prepFrom}) })
	step("request", func(r *Replica) { r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))}) })
	step("vote counted", func(r *Replica) { r.Receive(2, AcceptReply{B: r.ballot, Slot: 0}) })
	step("retry tick", func(r *Replica) { r.Timer(retryTimer) })
}
