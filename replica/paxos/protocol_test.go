package paxos

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	regspec "github.com/paxossim/paxossim/spec/register"
)

func TestProtocolIsRegistered(t *testing.T) {
	p, err := protocol.Lookup(Name)
	require.NoError(t, err)
	assert.Same(t, Protocol, p)
	require.NoError(t, p.Validate())
	assert.Equal(t, regspec.Name, p.Spec)
	var names []string
	for _, m := range Mutants() {
		names = append(names, m.Name)
	}
	assert.Equal(t, names, p.MutantNames())
	assert.GreaterOrEqual(t, len(names), 5)
	require.Len(t, p.Layers, 3)
	for i, l := range p.Layers {
		assert.Equal(t, Layer(i).String(), l.Name)
		assert.NotEmpty(t, l.Description)
		assert.Equal(t, i, p.LayerIndex(l.Name))
	}
	assert.Equal(t, -1, p.LayerIndex("nope"))
}

// TestConfig: absent means every default; anything else names every
// field, strictly; a bad value names its field as the JSON does.
func TestConfig(t *testing.T) {
	for _, raw := range []string{"", "null", "{}"} {
		got, err := resolveConfig(json.RawMessage(raw), 3)
		require.NoError(t, err, raw)
		assert.JSONEq(t, `{"call_timeout":"20ms","backoff_min":"5ms","backoff_max":"40ms"}`, string(got))
	}
	got, err := resolveConfig(json.RawMessage(`{"call_timeout":"50ms","backoff_min":"1ms","backoff_max":"1ms"}`), 5)
	require.NoError(t, err)
	assert.JSONEq(t, `{"call_timeout":"50ms","backoff_min":"1ms","backoff_max":"1ms"}`, string(got))
	again, err := resolveConfig(got, 5)
	require.NoError(t, err)
	assert.JSONEq(t, string(got), string(again), "a resolved config resolves to itself")
	for raw, want := range map[string]string{
		`{"call_timeout":"50ms"}`: "missing field(s) backoff_min, backoff_max",
		`{"call_timeout":"50ms","backoff_min":"1ms","backoff_max":"1ms","window":3}`: "unknown field",
		`{"call_timeout":"0s","backoff_min":"1ms","backoff_max":"1ms"}`:              "call_timeout",
		`{"call_timeout":"5ms","backoff_min":"9ms","backoff_max":"1ms"}`:             "backoff_min",
	} {
		_, err := resolveConfig(json.RawMessage(raw), 3)
		assert.ErrorContains(t, err, want, raw)
	}
	_, err = resolveConfig(nil, 0)
	assert.ErrorContains(t, err, "servers = 0")
	_, err = resolveConfig(nil, MaxServers+1)
	assert.Error(t, err)
	f, err := Protocol.Servers(protocol.Cluster{Servers: []sim.NodeID{0, 1, 2}, Config: got, Mutant: "write-minority"})
	require.NoError(t, err)
	s := f(1).(*Server)
	assert.Equal(t, mutantWriteMinority, s.mutant)
	assert.Equal(t, 50*sim.Millisecond, s.cfg.CallTimeout)
}

func TestCodec(t *testing.T) {
	c := Protocol.Codec
	assert.Equal(t, Request{Client: 4, Seq: 9, Op: RequestPut, Value: "4.1"},
		c.Request(4, 9, regspec.Input{Op: regspec.Put, Value: "4.1"}))
	assert.Equal(t, Request{Client: 4, Seq: 10, Op: RequestGet}, c.Request(4, 10, regspec.Input{Op: regspec.Get}))
	assert.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 9, Output: regspec.Output{Value: "4.1"}}, c.Reply(Reply{Seq: 9, Value: "4.1"}))
	assert.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 10, Output: regspec.Output{}}, c.Reply(Reply{Seq: 10}))
	assert.Equal(t, protocol.NotAReply, c.Reply(Decided{Value: "a"}).Kind)
}

// TestView: a log of one slot, decided once the server knows the
// decision; the promise is the acceptor's round; the durable decoders read
// the synced acceptor record only.
func TestView(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	v := Protocol.View(s)
	lv, ok := v.(protocol.LogView)
	require.True(t, ok)
	assert.Zero(t, lv.Committed())
	assert.Zero(t, lv.Executed())
	_, known := lv.Decided(0)
	assert.False(t, known)
	assert.Equal(t, "(none)", lv.Command(0))

	s.Receive(2, Write{Round: rnd(3, 2), Value: "a"})
	assert.Equal(t, protocol.Ballot{Round: 3, Node: 2}, lv.Promised())
	d, err := Protocol.Durable(env.D.Durable())
	require.NoError(t, err)
	assert.Equal(t, protocol.Ballot{Round: 3, Node: 2}, d.Promised)
	votes, err := Protocol.DurableVotes(env.D.Durable())
	require.NoError(t, err)
	assert.Equal(t, []protocol.Vote{{Slot: 0, Ballot: protocol.Ballot{Round: 3, Node: 2}, Command: Value("a").digest()}}, votes)
	_, isVote, err := decodeVote(keyProposer, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	assert.False(t, isVote)
	assert.NoError(t, err)
	_, _, err = decodeVote(keyAcceptor, []byte{1})
	assert.Error(t, err)

	s.Receive(1, Decided{Value: "a"})
	assert.Equal(t, 1, lv.Committed())
	assert.Equal(t, 1, lv.Executed())
	dec, known := lv.Decided(0)
	assert.True(t, known)
	assert.Equal(t, Value("a").digest(), dec)
	ex, _ := lv.ExecutedAt(0)
	assert.Equal(t, dec, ex)
	assert.Equal(t, dec, lv.StateDigest())
	assert.Equal(t, `"a"`, lv.Command(0))
	_, known = lv.Decided(1)
	assert.False(t, known, "there is one slot")
	assert.Contains(t, v.Describe(), `decided="a"`)
	counts := make([]uint64, len(Protocol.Probes))
	v.Probes(counts)
	assert.Len(t, counts, 4)
}

// TestLayerView: the view hands the harness the layer events, named as
// the protocol declares its layers, and forgets them.
func TestLayerView(t *testing.T) {
	s, _ := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	lv, ok := Protocol.View(s).(protocol.LayerView)
	require.True(t, ok)
	evs := lv.DrainLayerEvents(nil)
	assert.Equal(t, []protocol.LayerEvent{
		{Layer: "paxos", Kind: protocol.LayerCall, Call: 1, Value: ProposePCall{Proposal: "a"}},
		{Layer: "round-based-consensus", Kind: protocol.LayerCall, Call: 2, Value: ProposeRCCall{Round: rnd(1, 0), Proposal: "a"}},
		{Layer: "round-based-register", Kind: protocol.LayerCall, Call: 3, Value: ReadCall{Round: rnd(1, 0)}},
	}, evs)
	assert.Empty(t, lv.DrainLayerEvents(nil), "drained events are gone")
	s.Timer(callTimer)
	evs = lv.DrainLayerEvents(evs[:0])
	require.Len(t, evs, 2)
	assert.Equal(t, protocol.LayerEvent{Layer: "round-based-register", Kind: protocol.LayerReturn, Call: 3, Value: ReadReturn{}}, evs[0])
}

func TestMessageStrings(t *testing.T) {
	for _, m := range []sim.Message{
		Read{Round: rnd(1, 2)}, ReadReply{Round: rnd(1, 2), OK: true, Accepted: rnd(1, 1), Value: "a"},
		ReadReply{Round: rnd(1, 2), Current: rnd(3, 0)}, Write{Round: rnd(1, 2), Value: "a"},
		WriteReply{Round: rnd(1, 2), OK: true}, WriteReply{Round: rnd(1, 2), Current: rnd(3, 0)},
		Decided{Value: "a"}, Request{Client: 5, Seq: 1, Op: RequestPut, Value: "a"}, Request{Client: 5, Seq: 2, Op: RequestGet},
		Reply{Seq: 1, Value: "a"},
	} {
		assert.NotEmpty(t, m.String())
	}
	assert.NotEqual(t, ReadReply{Round: rnd(1, 2), OK: true}.Digest(), ReadReply{Round: rnd(1, 2)}.Digest())
	assert.NotEqual(t, Write{Round: rnd(1, 2), Value: "a"}.Digest(), Write{Round: rnd(1, 2), Value: "b"}.Digest())
	assert.Equal(t, "0", Round{}.String())
	assert.Equal(t, "3.n1", rnd(3, 1).String())
	assert.Equal(t, "undef", undef.String())
	assert.True(t, rnd(1, 2).Less(rnd(2, 0)))
	assert.True(t, rnd(1, 0).Less(rnd(1, 1)))
	assert.True(t, rnd(1, 1).AtMost(rnd(1, 1)))
}
