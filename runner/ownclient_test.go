package runner_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// ownClient is a protocol's own client node, the way a protocol brings one
// when a codec cannot express its client side: it speaks MultiPaxos's
// messages itself, always to the hinted leader or the next server.
type ownClient struct {
	setup   protocol.ClientSetup
	env     sim.Env
	seq     uint64
	cur     multipaxos.Command
	busy    bool
	done    bool
	target  sim.NodeID
	retries uint64
}

func (c *ownClient) Start(env sim.Env) {
	c.env, c.seq = env, uint64(env.Incarnation())<<32
	env.SetTimer(1, c.setup.StartAfter)
}

func (c *ownClient) Timer(tag sim.TimerTag) {
	if tag == 1 {
		c.issue()
		return
	}
	if c.busy { // request timeout: the next server
		c.retries++
		c.target = sim.NodeID((int(c.target) + 1) % len(c.setup.Servers))
		c.send()
	}
}

func (c *ownClient) issue() {
	in, ok := c.setup.Next(c.env.Rand(), c.env.ID())
	if !ok {
		c.done = true
		return
	}
	op := in.(kv.Input)
	c.seq++
	c.cur = multipaxos.Command{Op: multipaxos.OpGet + multipaxos.Op(op.Op-kv.Get), Key: op.Key, Value: op.Value, Client: c.env.ID(), Seq: c.seq}
	c.busy = true
	c.setup.Recorder.Invoke(c.env.ID(), c.seq, in)
	c.send()
}

func (c *ownClient) send() {
	c.env.Send(c.target, multipaxos.Request{Cmd: c.cur})
	c.env.SetTimer(2, c.setup.RequestTimeout)
}

func (c *ownClient) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case multipaxos.Reply:
		if c.busy && m.Seq == c.seq {
			c.busy = false
			c.env.CancelTimer(2)
			c.setup.Recorder.Complete(c.env.ID(), c.seq, kv.Output{Value: m.Res.Value})
			c.env.SetTimer(1, c.setup.ThinkMin)
		}
	case multipaxos.Redirect:
		if c.busy && m.Seq == c.seq && m.Leader >= 0 {
			c.target = m.Leader
			c.send()
		}
	}
}

func (c *ownClient) Done() bool      { return c.done && !c.busy }
func (c *ownClient) Retries() uint64 { return c.retries }

// TestProtocolBringsItsOwnClient: a protocol with ClientNode instead of a
// Codec runs under the harness, its client's operations land in the
// history, and the run ends when its clients say they are done.
var ownClientProtocol = func() *protocol.Protocol {
	own := *multipaxos.Protocol
	own.Name = "multipaxos-own-client"
	own.Codec = nil
	own.ClientNode = func(setup protocol.ClientSetup) (func(sim.NodeID) sim.Node, error) {
		return func(sim.NodeID) sim.Node { return &ownClient{setup: setup} }, nil
	}
	return &own
}()

func TestProtocolBringsItsOwnClient(t *testing.T) {
	own := ownClientProtocol
	require.NoError(t, protocol.Register(own))

	cfg, err := own.Config(nil, 3)
	require.NoError(t, err)
	spec, err := json.Marshal(kv.DefaultWorkload)
	require.NoError(t, err)
	net := network.Reliable()
	net.Servers = 3
	healAt := sim.Time(500 * sim.Millisecond)
	p := runner.Params{
		Schema: runner.Schema, Scenario: "hand", Seed: 3, Protocol: own.Name, Servers: 3, Config: cfg,
		Workload: runner.Workload{Clients: 2, Ops: 20, ThinkMin: 5 * sim.Millisecond, ThinkMax: 5 * sim.Millisecond,
			StartAfter: 600 * sim.Millisecond, Spec: spec},
		Client: runner.DefaultClient(), Network: net, Plan: faults.Plan{Name: "none"}.WithHeal(healAt),
		Checks: runner.DefaultChecks(), HealAt: healAt,
	}
	res := runner.Simulate(p, runner.Options{})
	require.Nil(t, res.Failure, "%v", res.Failure)
	assert.Equal(t, 40, res.Ops)
	assert.Equal(t, 40, res.Completed)
	n, ok := res.Coverage.Get(protocol.ProbeClientRetry)
	assert.True(t, ok)
	assert.Zero(t, n, "a calm run needs no retries")
}
