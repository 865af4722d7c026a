package multipaxos

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

var testLease = LeaseConfig{Duration: sim.Second, DriftPPM: 500, Step: 100 * sim.Millisecond}

// leaseReplica starts replica id of a 3-replica cluster with leases on a
// fresh TestEnv at local time 10s.
func leaseReplica(t *testing.T, id int, mutant string) (*Replica, *sim.TestEnv) {
	t.Helper()
	f, err := New(Config{N: 3, Lease: testLease, Mutant: mutant})
	require.NoError(t, err)
	r := f(sim.NodeID(id)).(*Replica)
	env := sim.NewTestEnv(sim.NodeID(id), 1)
	env.Clock = sim.Time(10 * sim.Second)
	r.Start(env)
	env.Reset()
	return r, env
}

// TestLeaseMarginsAreSafe checks the two inequalities the lease's safety
// rests on, at the extremes the bound allows, over a grid of bounds: the
// leader stops trusting a grant (its clock slow and set back) no later in
// true time than the grant ends (the grantor's clock fast and set ahead),
// and a new leader's wait (its clock fast and set ahead) lasts at least as
// long in true time as what a grantor reported (its clock slow and set
// back). Without the margins (the no-drift-margin mutant) the first fails.
func TestLeaseMarginsAreSafe(t *testing.T) {
	for _, d := range []sim.Duration{300 * sim.Millisecond, sim.Second, 10 * sim.Second} {
		for _, ppm := range []int64{0, 1, 500, 100_000} {
			for _, step := range []sim.Duration{0, sim.Millisecond, 50 * sim.Millisecond} {
				l := LeaseConfig{Duration: d, DriftPPM: ppm, Step: step}
				if l.held(mutantNone) <= 0 {
					continue
				}
				rho := float64(ppm) / 1e6
				// True time a grant of D on the fastest clock lasts, at least.
				grant := (float64(d) - float64(step)) / (1 + rho)
				// True time the slowest clock takes to show held, at most.
				trusted := (float64(l.held(mutantNone)) + float64(step)) / (1 - rho)
				assert.LessOrEqual(t, trusted, grant+1, "%+v: the leader trusts a grant past its end", l)
				for _, left := range []sim.Duration{1, 200 * sim.Millisecond, d} {
					runs := (float64(left) + float64(step)) / (1 - rho)
					waits := (float64(l.waitFor(left, mutantNone)) - float64(step)) / (1 + rho)
					assert.GreaterOrEqual(t, waits, runs-1, "%+v left %v: the wait ends before the grant", l, left)
				}
				if ppm > 0 || step > 0 {
					noMargin := (float64(l.held(mutantLeaseNoMargin)) + float64(step)) / (1 - rho)
					assert.Greater(t, noMargin, grant, "%+v: without margin the leader overstays", l)
				}
			}
		}
	}
	assert.Equal(t, sim.Duration(0), testLease.waitFor(0, mutantNone), "nothing left, nothing to wait")
	assert.Equal(t, 799100*sim.Microsecond, testLease.held(mutantNone)/sim.Microsecond*sim.Microsecond)
}

// TestLeaseConfigValidate names each bad field.
func TestLeaseConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{N: 3, Lease: LeaseConfig{Duration: -1}}, "Lease.Duration"},
		{Config{N: 3, Lease: LeaseConfig{Duration: MaxLeaseDuration + 1}}, "Lease.Duration"},
		{Config{N: 3, Lease: LeaseConfig{DriftPPM: 500}}, "Lease.Duration"},
		{Config{N: 3, Lease: LeaseConfig{Duration: sim.Second, DriftPPM: 1_000_000}}, "Lease.DriftPPM"},
		{Config{N: 3, Lease: LeaseConfig{Duration: sim.Second, Step: -1}}, "Lease.Step"},
		{Config{N: 3, Lease: LeaseConfig{Duration: sim.Second, Step: 480 * sim.Millisecond}}, "not more than HeartbeatInterval"},
		{Config{N: 3, Mutant: "lease-new-leader-no-wait"}, "lease mutant, but Lease is off"},
	} {
		err := tt.cfg.Validate()
		if assert.Error(t, err, "%+v", tt.cfg) {
			assert.Contains(t, err.Error(), tt.want)
		}
	}
	assert.NoError(t, Config{N: 3, Lease: testLease, Mutant: "lease-survives-restart"}.Validate())
	assert.NoError(t, Config{N: 3}.Validate(), "leases off")
}

// TestLeaseProtocolConfig: the lease variant's config names every field,
// its defaults included; a saved config must name them all; bad values are
// errors naming the JSON field; plain multipaxos has no lease fields.
func TestLeaseProtocolConfig(t *testing.T) {
	raw, err := LeaseProtocol.Config(nil, 3)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	for _, f := range leaseFields {
		assert.Contains(t, m, f)
	}
	b, err := LeaseBound(raw)
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultDriftBoundPPM), b.DriftPPM)
	assert.Equal(t, DefaultStepBound, b.Step)

	_, err = LeaseProtocol.Config(json.RawMessage(`{"lease_duration":"1s"}`), 3)
	assert.ErrorContains(t, err, "heartbeat_interval")
	for field, want := range map[string]string{
		`"lease_duration":"0s"`:        "lease_duration = 0",
		`"drift_bound_ppm":1000000`:    "drift_bound_ppm",
		`"step_bound":"-1ms"`:          "step_bound",
		`"step_bound":"600ms"`:         "not more than",
		`"lease_duration":"100ms"`:     "not more than",
		`"election_timeout_min":"1ms"`: "heartbeat_interval",
	} {
		s := LeaseDefaults
		full, err := json.Marshal(s)
		require.NoError(t, err)
		var obj map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(full, &obj))
		var kv map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte("{"+field+"}"), &kv))
		for k, v := range kv {
			obj[k] = v
		}
		bad, err := json.Marshal(obj)
		require.NoError(t, err)
		_, err = LeaseProtocol.Config(bad, 3)
		assert.ErrorContains(t, err, want, field)
	}
	_, err = Protocol.Config(json.RawMessage(`{"lease_duration":"1s"}`), 3)
	assert.Error(t, err, "plain multipaxos has no leases")
}

// TestLeaseGrantAndPromise: a follower grants a leader's lease request and
// reports what is left of the grant in a Promise to a later candidate; a
// restarted replica reports a whole Duration (it cannot know what it
// granted before the crash), and a first boot reports nothing.
func TestLeaseGrantAndPromise(t *testing.T) {
	r, env := leaseReplica(t, 1, "")
	assert.Zero(t, r.leaseLeft(), "a first boot has granted nothing")
	r.Receive(0, LeaseRequest{B: bal(1, 0), Commit: 0, Sent: 5})
	require.Equal(t, []sim.Envelope{{To: 0, Msg: LeaseGrant{B: bal(1, 0), Sent: 5}}}, env.Sent)
	env.Reset()
	env.Clock = env.Clock.Add(300 * sim.Millisecond)
	r.Receive(2, Prepare{B: bal(2, 2), From: 0})
	require.Len(t, env.Sent, 1)
	assert.Equal(t, 700*sim.Millisecond, env.Sent[0].Msg.(Promise).LeaseLeft)
	env.Reset()
	// The earlier ballot's requests are refused now: no grant extends it.
	r.Receive(0, LeaseRequest{B: bal(1, 0), Commit: 0, Sent: 6})
	require.Equal(t, []sim.Envelope{{To: 0, Msg: Nack{B: bal(1, 0), Promised: bal(2, 2)}}}, env.Sent)

	f, err := New(Config{N: 3, Lease: testLease})
	require.NoError(t, err)
	again := f(1).(*Replica)
	env.Inc++
	again.Start(env)
	assert.Equal(t, testLease.Duration, again.leaseLeft(), "a restarted replica may have granted just before the crash")
}

// TestLeaseNewLeaderWaits: a new leader waits out the grants its Phase 1
// reported (scaled for the bound) before it proposes anything; the
// no-wait mutant does not.
func TestLeaseNewLeaderWaits(t *testing.T) {
	for _, mutant := range []string{"", "lease-new-leader-no-wait"} {
		r, env := leaseReplica(t, 0, mutant)
		r.Timer(electionTimer)
		r.Receive(1, Promise{B: r.ballot, From: r.prepFrom, LeaseLeft: 400 * sim.Millisecond})
		require.True(t, r.IsLeader())
		env.Reset()
		r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
		accepts := 0
		for _, e := range env.Sent {
			if _, ok := e.Msg.(Accept); ok {
				accepts++
			}
		}
		if mutant != "" {
			assert.Equal(t, 2, accepts, "the mutant proposes at once")
			continue
		}
		assert.Zero(t, accepts, "nothing proposed while an earlier grant may run")
		assert.Equal(t, env.Clock.Add(testLease.waitFor(400*sim.Millisecond, mutantNone)), env.Timers[leaseTimer])
		assert.Equal(t, uint64(1), r.LeaseCoverage().Waits)
		env.Clock = env.Timers[leaseTimer]
		env.Reset()
		r.Timer(leaseTimer)
		for _, e := range env.Sent {
			if _, ok := e.Msg.(Accept); ok {
				accepts++
			}
		}
		assert.Equal(t, 2, accepts, "proposed once the wait is over")
	}
}

// TestLeaseLocalRead: a leader answers a Get from its state only with a
// majority's grants trusted, and sends it through the log once they run
// out.
func TestLeaseLocalRead(t *testing.T) {
	r, env := leaseReplica(t, 0, "")
	r.Timer(electionTimer)
	r.Receive(1, Promise{B: r.ballot, From: r.prepFrom})
	require.True(t, r.IsLeader())
	var sent sim.Time
	for _, e := range env.Sent {
		if m, ok := e.Msg.(LeaseRequest); ok {
			sent = m.Sent
		}
	}
	env.Reset()
	get := cmdFrom(client, 1, Get("x"))
	r.Receive(client, Request{Cmd: get})
	assert.Zero(t, r.LeaseCoverage().LocalReads, "no grant yet: through the log")
	env.Reset()
	r.Receive(1, LeaseGrant{B: r.ballot, Sent: sent})
	get2 := cmdFrom(client+1, 1, Get("x"))
	r.Receive(client+1, Request{Cmd: get2})
	require.Equal(t, []sim.Envelope{{To: client + 1, Msg: Reply{Seq: 1}}}, env.Sent)
	assert.Equal(t, uint64(1), r.LeaseCoverage().LocalReads)
	env.Reset()
	env.Clock = sent.Add(testLease.held(mutantNone))
	get3 := cmdFrom(client+2, 1, Get("x"))
	r.Receive(client+2, Request{Cmd: get3})
	assert.Equal(t, uint64(1), r.LeaseCoverage().LocalReads, "the lease ran out")
	assert.Equal(t, uint64(1), r.LeaseCoverage().ExpiredReads)
	r.Receive(1, LeaseGrant{B: r.ballot, Sent: sent.Add(sim.Second)})
	assert.Equal(t, uint64(1), r.Rejects().Malformed, "a grant for a request never sent")
}

// TestLeasePromiseBadLeaseLeft: a Promise reporting more than a grantor
// within the bound can (Duration + Step) or less than nothing is bad
// input: counted and ignored, so it cannot stall the new leader for ever.
func TestLeasePromiseBadLeaseLeft(t *testing.T) {
	for _, left := range []sim.Duration{-1, testLease.Duration + testLease.Step + 1} {
		r, _ := leaseReplica(t, 0, "")
		r.Timer(electionTimer)
		r.Receive(1, Promise{B: r.ballot, From: r.prepFrom, LeaseLeft: left})
		assert.False(t, r.IsLeader(), "lease_left %v", left)
		assert.Equal(t, uint64(1), r.Rejects().Malformed)
	}
	r, _ := testReplica(t, 0, 3, "")
	r.Timer(electionTimer)
	r.Receive(1, Promise{B: r.ballot, From: r.prepFrom, LeaseLeft: sim.Second})
	assert.False(t, r.IsLeader(), "a replica without leases takes no lease report")
}
