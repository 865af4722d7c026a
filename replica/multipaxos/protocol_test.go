package multipaxos

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// Tests of the binding (protocol.go): what the harness sees of MultiPaxos.

func TestProtocolIsValidAndRegistered(t *testing.T) {
	require.NoError(t, Protocol.Validate())
	p, err := protocol.Lookup(Name)
	require.NoError(t, err)
	require.Same(t, Protocol, p)
	require.Equal(t, kv.Name, p.Spec)
	require.Equal(t, MaxReplicas, p.MaxServers)
	require.Len(t, p.Mutants, len(Mutants()))
	for _, m := range Mutants() {
		require.NoError(t, p.CheckMutant(m.Name))
	}
	require.Error(t, p.CheckMutant("nope"))
	require.Equal(t, []string{ProbeLeaderChange, ProbeRecovery, ProbeGapFill, ProbeCatchUp, ProbeDiskRecovery, ProbeDedup,
		protocol.ProbeClientRetry}, p.ProbeNames())
}

// defaultConfig is the resolved default config, as a saved run stores it.
// A change here changes what new runs store (saved runs keep theirs).
const defaultConfig = `{"heartbeat_interval":"50ms","election_timeout_min":"250ms","election_timeout_max":"500ms","retry_interval":"100ms","window":64}`

// withField returns the default config with one field set (or, for a nil
// value, removed).
func withField(t *testing.T, field string, value any) json.RawMessage {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(defaultConfig), &m))
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestConfigResolution(t *testing.T) {
	tests := []struct {
		name    string
		raw     json.RawMessage
		servers int
		want    string // the resolved config (JSON), or "" for an error
		wantErr string // a substring of the error
	}{
		{name: "absent", raw: nil, servers: 3, want: defaultConfig},
		{name: "null", raw: json.RawMessage(`null`), servers: 3, want: defaultConfig},
		{name: "empty object", raw: json.RawMessage(` {} `), servers: 5, want: defaultConfig},
		{name: "resolved defaults", raw: json.RawMessage(defaultConfig), servers: 1, want: defaultConfig},
		{name: "every field named", raw: withField(t, "window", 8), servers: 3,
			want: `{"heartbeat_interval":"50ms","election_timeout_min":"250ms","election_timeout_max":"500ms","retry_interval":"100ms","window":8}`},
		{name: "missing field", raw: withField(t, "retry_interval", nil), servers: 3, wantErr: "missing field(s) retry_interval"},
		{name: "only one field", raw: json.RawMessage(`{"window":8}`), servers: 3,
			wantErr: "missing field(s) heartbeat_interval, election_timeout_min, election_timeout_max, retry_interval"},
		{name: "unknown field", raw: withField(t, "heartbeat", "10ms"), servers: 3, wantErr: `unknown field "heartbeat"`},
		{name: "mistyped value", raw: withField(t, "window", "many"), servers: 3, wantErr: "multipaxos config"},
		{name: "not JSON", raw: json.RawMessage(`{"window":`), servers: 3, wantErr: "multipaxos config"},
		{name: "heartbeat at the election timeout", raw: withField(t, "heartbeat_interval", "250ms"), servers: 3,
			wantErr: "heartbeat_interval = 250.000ms: must be below election_timeout_min"},
		{name: "election timeouts reversed", raw: withField(t, "election_timeout_max", "200ms"), servers: 3,
			wantErr: "election_timeout_min = 250.000ms > election_timeout_max"},
		{name: "window 0", raw: withField(t, "window", 0), servers: 3, wantErr: "window = 0"},
		{name: "window too big", raw: withField(t, "window", 1<<17), servers: 3, wantErr: "window = 131072"},
		{name: "no servers", raw: nil, servers: 0, wantErr: "servers = 0"},
		{name: "too many servers", raw: nil, servers: MaxReplicas + 1, wantErr: "servers = 65"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Protocol.Config(tt.raw, tt.servers)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(got))
			var named map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(got, &named))
			for _, f := range settingsFields {
				require.Contains(t, named, f, "the resolved config names every field")
			}
			require.Len(t, named, len(settingsFields))
			again, err := Protocol.Config(got, tt.servers)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "resolving a resolved config is the identity")
		})
	}
}

// The factory builds replicas of the resolved config and the mutant asked
// for, and refuses what it cannot build.
func TestServersFactory(t *testing.T) {
	ids := []sim.NodeID{0, 1, 2}
	cfg, err := Protocol.Config(withField(t, "retry_interval", "30ms"), 3)
	require.NoError(t, err)
	f, err := Protocol.Servers(protocol.Cluster{Servers: ids, Config: cfg, Mutant: "quorum-minus-one"})
	require.NoError(t, err)
	r := f(2).(*Replica)
	require.Equal(t, 30*sim.Millisecond, r.cfg.RetryInterval)
	require.Equal(t, ids, r.cfg.Replicas)
	require.Equal(t, mutantQuorumMinusOne, r.mut)

	_, err = Protocol.Servers(protocol.Cluster{Servers: ids, Config: cfg, Mutant: "nope"})
	require.ErrorContains(t, err, `Mutant = "nope"`)
	_, err = Protocol.Servers(protocol.Cluster{Servers: ids, Config: json.RawMessage(`{"windows":1}`)})
	require.ErrorContains(t, err, "multipaxos config")
}

func TestCodecRequest(t *testing.T) {
	tests := []struct {
		in   kv.Input
		want Command
	}{
		{kv.Input{Op: kv.Get, Key: "k0"}, Command{Op: OpGet, Key: "k0", Client: client, Seq: 9}},
		{kv.Input{Op: kv.Put, Key: "k1", Value: "7.1;"}, Command{Op: OpPut, Key: "k1", Value: "7.1;", Client: client, Seq: 9}},
		{kv.Input{Op: kv.Append, Key: "k2", Value: "7.2;"}, Command{Op: OpAppend, Key: "k2", Value: "7.2;", Client: client, Seq: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.in.Op.String(), func(t *testing.T) {
			require.Equal(t, Request{Cmd: tt.want}, Protocol.Codec.Request(client, 9, tt.in))
		})
	}
	require.Panics(t, func() { Protocol.Codec.Request(client, 1, kv.Input{Key: "k"}) }, "an invalid op is a harness bug")
}

func TestCodecReply(t *testing.T) {
	tests := []struct {
		name string
		msg  sim.Message
		want protocol.Reply
	}{
		{"reply", Reply{Seq: 3, Res: Result{Value: "1.1;"}}, protocol.Reply{Kind: protocol.Answered, Seq: 3, Output: kv.Output{Value: "1.1;"}}},
		{"reply to a write", Reply{Seq: 4}, protocol.Reply{Kind: protocol.Answered, Seq: 4, Output: kv.Output{}}},
		{"redirect with a hint", Redirect{Seq: 5, Leader: 2}, protocol.Reply{Kind: protocol.Redirect, Seq: 5, Hint: 2}},
		{"redirect without a hint", Redirect{Seq: 6, Leader: -1}, protocol.Reply{Kind: protocol.Redirect, Seq: 6, Hint: -1}},
		{"a replica message", Heartbeat{B: bal(1, 1)}, protocol.Reply{Kind: protocol.NotAReply}},
		{"a request", Request{Cmd: cmdFrom(client, 1, Get("x"))}, protocol.Reply{Kind: protocol.NotAReply}},
		{"a foreign message", foreign{}, protocol.Reply{Kind: protocol.NotAReply}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Protocol.Codec.Reply(tt.msg))
		})
	}
}

// The codec against a real replica: a spec operation encoded, handled, and
// its answer decoded.
func TestCodecRoundTripThroughAReplica(t *testing.T) {
	codec := Protocol.Codec
	l, env := testReplica(t, 0, 3, "")
	makeLeader(t, l, env)
	roundTrip := func(seq uint64, in kv.Input, slot int) protocol.Reply {
		t.Helper()
		env.Reset()
		l.Receive(client, codec.Request(client, seq, in))
		l.Receive(1, AcceptReply{B: bal(1, 0), Slot: slot})
		require.NotEmpty(t, env.Sent)
		last := env.Sent[len(env.Sent)-1]
		require.Equal(t, client, last.To)
		return codec.Reply(last.Msg)
	}
	require.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 1, Output: kv.Output{}},
		roundTrip(1, kv.Input{Op: kv.Append, Key: "x", Value: "7.1;"}, 0))
	require.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 2, Output: kv.Output{Value: "7.1;"}},
		roundTrip(2, kv.Input{Op: kv.Get, Key: "x"}, 1))

	f, fenv := testReplica(t, 2, 3, "")
	f.Receive(client, codec.Request(client, 1, kv.Input{Op: kv.Get, Key: "x"}))
	require.Len(t, fenv.Sent, 1)
	require.Equal(t, protocol.Reply{Kind: protocol.Redirect, Seq: 1, Hint: -1}, codec.Reply(fenv.Sent[0].Msg))
	f.Receive(0, Heartbeat{B: bal(1, 0)})
	fenv.Reset()
	f.Receive(client, codec.Request(client, 1, kv.Input{Op: kv.Get, Key: "x"}))
	require.Equal(t, protocol.Reply{Kind: protocol.Redirect, Seq: 1, Hint: 0}, codec.Reply(fenv.Sent[0].Msg))
}

func logView(t *testing.T, r *Replica) protocol.LogView {
	t.Helper()
	lv, ok := Protocol.View(r).(protocol.LogView)
	require.True(t, ok, "a replica's view is a LogView")
	return lv
}

func probeIndex(t *testing.T, name string) int {
	t.Helper()
	for i, p := range Protocol.Probes {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no probe %s", name)
	return -1
}

// The view of replicas driven through scripted messages: a leader and a
// follower that decided and executed the same command agree digest for
// digest; a replica that decided another command does not.
func TestView(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	y1 := cmdFrom(client, 1, Append("y", "1"))

	l, lenv := testReplica(t, 0, 3, "")
	lv := logView(t, l)
	b, leading := lv.Leading()
	require.False(t, leading)
	require.Equal(t, protocol.Ballot{}, b)
	makeLeader(t, l, lenv)
	l.Receive(client, Request{Cmd: x1})
	l.Receive(1, AcceptReply{B: bal(1, 0), Slot: 0})

	f, _ := testReplica(t, 2, 3, "")
	f.Receive(0, Accept{B: bal(1, 0), Slot: 0, Cmd: x1})
	f.Receive(0, Heartbeat{B: bal(1, 0), Commit: 1})

	o, _ := testReplica(t, 1, 3, "") // decided another command in slot 0
	o.Receive(2, Learn{Commit: 1, Entries: []Decided{{Slot: 0, Cmd: y1}}})

	fv, ov := logView(t, f), logView(t, o)
	b, leading = lv.Leading()
	require.True(t, leading)
	require.Equal(t, protocol.Ballot{Round: 1, Node: 0}, b)
	_, leading = fv.Leading()
	require.False(t, leading)

	for _, v := range []protocol.LogView{lv, fv, ov} {
		require.Equal(t, 1, v.Committed())
		require.Equal(t, 1, v.Executed())
		_, ok := v.Decided(1)
		require.False(t, ok, "nothing decided in slot 1")
		_, ok = v.ExecutedAt(1)
		require.False(t, ok)
		_, ok = v.Decided(-1)
		require.False(t, ok)
		require.Equal(t, "(none)", v.Command(5))
		require.Equal(t, "(none)", v.Command(-1))
	}
	ld, ok := lv.Decided(0)
	require.True(t, ok)
	fd, ok := fv.Decided(0)
	require.True(t, ok)
	od, ok := ov.Decided(0)
	require.True(t, ok)
	require.Equal(t, ld, fd, "equal commands, equal digests")
	require.NotEqual(t, ld, od, "different commands, different digests")
	le, _ := lv.ExecutedAt(0)
	fe, _ := fv.ExecutedAt(0)
	require.Equal(t, ld, le)
	require.Equal(t, le, fe)
	require.Equal(t, `append("x","1")@n7#1`, lv.Command(0))
	require.Equal(t, `append("x","1")@n7#1`, fv.Command(0))
	require.Equal(t, `append("y","1")@n7#1`, ov.Command(0))
	require.Equal(t, lv.StateDigest(), fv.StateDigest(), "the same commands executed, the same state")
	require.NotEqual(t, lv.StateDigest(), ov.StateDigest())

	require.Equal(t, protocol.Ballot{Round: 1, Node: 0}, lv.Promised())
	require.Equal(t, protocol.Ballot{Round: 1, Node: 0}, fv.Promised())
	require.Equal(t, protocol.Ballot{}, ov.Promised(), "learning a decision promises nothing")
	assert.Contains(t, lv.Describe(), "leader=true ballot=(1,n0) promised=(1,n0) committed=1 executed=1")
	assert.Contains(t, ov.Describe(), "leader=false")

	counts := make([]uint64, len(Protocol.Probes))
	lv.Probes(counts)
	lv.Probes(counts)
	require.EqualValues(t, 2, counts[probeIndex(t, ProbeLeaderChange)], "Probes adds to counts")
	ov.Probes(counts)
	require.EqualValues(t, 1, counts[probeIndex(t, ProbeCatchUp)])
}

// The harness reads every view after every step: the view must not
// allocate.
func TestViewDoesNotAllocate(t *testing.T) {
	l, env := testReplica(t, 0, 3, "")
	makeLeader(t, l, env)
	l.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
	l.Receive(1, AcceptReply{B: bal(1, 0), Slot: 0})
	var node sim.Node = l
	counts := make([]uint64, len(Protocol.Probes))
	allocs := testing.AllocsPerRun(100, func() {
		v := Protocol.View(node)
		lv := v.(protocol.LogView)
		lv.Leading()
		lv.Probes(counts)
		lv.Committed()
		lv.Decided(0)
		lv.Executed()
		lv.ExecutedAt(0)
		lv.StateDigest()
		lv.Promised()
	})
	require.Zero(t, allocs)
}

// The durable decoder reads what a crash would leave: the synced promise
// only. The reply-before-sync mutant leaves its promise unsynced until its
// flush timer fires.
func TestDurableReadsTheSyncedPromiseOnly(t *testing.T) {
	r, env := testReplica(t, 0, 3, "reply-before-sync")
	st, err := Protocol.Durable(env.D.Durable())
	require.NoError(t, err)
	require.Equal(t, protocol.Durable{}, st, "an empty disk: no promise")

	r.Receive(1, Prepare{B: bal(1, 1)})
	require.Positive(t, env.D.Unsynced())
	st, err = Protocol.Durable(env.D.Durable())
	require.NoError(t, err)
	require.True(t, st.Promised.IsZero(), "written but not synced: not durable")
	st, err = Protocol.Durable(env.D)
	require.NoError(t, err)
	require.Equal(t, protocol.Ballot{Round: 1, Node: 1}, st.Promised, "the whole disk (what Start reads) has it")

	r.Timer(flushTimer)
	require.Zero(t, env.D.Unsynced())
	st, err = Protocol.Durable(env.D.Durable())
	require.NoError(t, err)
	require.Equal(t, protocol.Ballot{Round: 1, Node: 1}, st.Promised, "synced: durable")

	// The correct protocol syncs in the same event.
	r2, env2 := testReplica(t, 0, 3, "")
	r2.Receive(2, Prepare{B: bal(3, 2)})
	st, err = Protocol.Durable(env2.D.Durable())
	require.NoError(t, err)
	require.Equal(t, protocol.Ballot{Round: 3, Node: 2}, st.Promised)
}

func TestDurableRejectsACorruptPromise(t *testing.T) {
	d := sim.NewDisk()
	d.Write(keyPromised, []byte("garbage"))
	st, err := Protocol.Durable(d.Durable())
	require.NoError(t, err, "unsynced garbage is not durable")
	require.Equal(t, protocol.Durable{}, st)
	d.Sync()
	_, err = Protocol.Durable(d.Durable())
	require.Error(t, err)
}

// The durable votes are what an acceptor would report after a crash: the
// synced vote records, in slot order, each with its ballot and the digest
// of its command (the digest the log view reports for the same command).
func TestDurableVotesReadTheSyncedVotes(t *testing.T) {
	r, env := testReplica(t, 1, 3, "reply-before-sync")
	a, b := cmdFrom(client, 1, Put("a", "1")), cmdFrom(client, 2, Append("a", "2"))
	r.Receive(0, Accept{B: bal(2, 0), Slot: 0, Cmd: a})
	r.Receive(0, Accept{B: bal(2, 0), Slot: 1, Cmd: b})
	votes, err := Protocol.DurableVotes(env.D.Durable())
	require.NoError(t, err)
	require.Empty(t, votes, "written but not synced: not durable")

	r.Timer(flushTimer)
	votes, err = Protocol.DurableVotes(env.D.Durable())
	require.NoError(t, err)
	require.Equal(t, []protocol.Vote{
		{Slot: 0, Ballot: bal(2, 0), Command: a.digest()},
		{Slot: 1, Ballot: bal(2, 0), Command: b.digest()},
	}, votes)

	r.Receive(0, Accept{B: bal(3, 0), Slot: 1, Cmd: a})
	r.Timer(flushTimer)
	votes, err = Protocol.DurableVotes(env.D.Durable())
	require.NoError(t, err)
	require.Equal(t, protocol.Vote{Slot: 1, Ballot: bal(3, 0), Command: a.digest()}, votes[1], "a vote moves to the higher ballot")

	d := sim.NewDisk()
	d.Write(voteKey(4), []byte("garbage"))
	d.Sync()
	_, err = Protocol.DurableVotes(d.Durable())
	require.Error(t, err, "a synced record that does not decode is an error, not a missing vote")
}

// The harness digests votes straight from their records; the digest must be
// the one the log view reports for the same command, or every decision
// would look unsupported.
func TestVoteDigestFromBytesMatchesCommandDigest(t *testing.T) {
	r, env := testReplica(t, 1, 3, "")
	for i, cmd := range []Command{
		cmdFrom(client, 1, Put("k", "v")), cmdFrom(client, 2, Append("k0", "3.14;")), cmdFrom(client, 3, Get("")),
		noop(), cmdFrom(client+1, 1<<40, Append(strings.Repeat("k", 300), strings.Repeat("v", 1000))),
	} {
		r.Receive(0, Accept{B: bal(2, 0), Slot: i, Cmd: cmd})
		key := voteKey(i)
		rec, ok, err := env.D.Durable().Read(key)
		require.NoError(t, err)
		require.True(t, ok)
		v, isVote, err := Protocol.DecodeVote(key, rec)
		require.NoError(t, err)
		require.True(t, isVote)
		assert.Equal(t, protocol.Vote{Slot: i, Ballot: bal(2, 0), Command: cmd.digest()}, v, "%v", cmd)
		_, isVote, err = Protocol.DecodeVote(voteKey(i+1), rec)
		assert.Error(t, err, "a vote record under another slot's key")
		assert.False(t, isVote)
	}
	_, isVote, err := Protocol.DecodeVote(keyPromised, nil)
	assert.NoError(t, err)
	assert.False(t, isVote, "the promise is not a vote")
}
