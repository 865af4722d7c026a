package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/paxos"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	regspec "github.com/paxossim/paxossim/spec/register"
)

// scriptNode reports layer events from a script: at each timer it runs
// the next step, which returns calls and makes new ones.
type scriptNode struct {
	env    sim.Env
	steps  []func(n *scriptNode)
	events []protocol.LayerEvent
	next   int
}

func (n *scriptNode) Start(env sim.Env) {
	n.env = env
	n.run()
}
func (n *scriptNode) Receive(sim.NodeID, sim.Message) {}
func (n *scriptNode) Timer(sim.TimerTag)              { n.run() }

func (n *scriptNode) run() {
	if n.next < len(n.steps) {
		n.steps[n.next](n)
		n.next++
		n.env.SetTimer(0, 5*sim.Millisecond)
	}
}

func (n *scriptNode) call(layer string, id uint64, in any) {
	n.events = append(n.events, protocol.LayerEvent{Layer: layer, Kind: protocol.LayerCall, Call: id, Value: in})
}

func (n *scriptNode) ret(layer string, id uint64, out any) {
	n.events = append(n.events, protocol.LayerEvent{Layer: layer, Kind: protocol.LayerReturn, Call: id, Value: out})
}

func (n *scriptNode) Leading() (protocol.Ballot, bool) { return protocol.Ballot{}, false }
func (n *scriptNode) Describe() string                 { return "script" }
func (n *scriptNode) Probes([]uint64)                  {}
func (n *scriptNode) DrainLayerEvents(buf []protocol.LayerEvent) []protocol.LayerEvent {
	buf = append(buf, n.events...)
	n.events = n.events[:0]
	return buf
}

var scriptProtocol = &protocol.Protocol{
	Name:   "layer-script",
	View:   func(n sim.Node) protocol.View { return n.(*scriptNode) },
	Layers: []protocol.Layer{{Name: "lower"}, {Name: "upper"}},
}

// runScript runs two servers on their scripts (server 0 crashes at 7ms
// and restarts at 8ms) and returns the recorder after the run.
func runScript(t *testing.T, scripts [2][]func(n *scriptNode)) (*layers, *sim.Sim) {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	for i := range scripts {
		script := scripts[i]
		s.AddNode(func(sim.NodeID) sim.Node { return &scriptNode{steps: script} })
	}
	s.Start(0)
	s.Start(1)
	l := newLayers(s, scriptProtocol, 2)
	s.At(sim.Time(7*sim.Millisecond), func() { s.Crash(0) })
	s.At(sim.Time(8*sim.Millisecond), func() { s.Restart(0) })
	s.Run(sim.Time(time.Second), func() bool { return l.observe() != nil })
	return l, s
}

// TestLayersRecordTrueTimeInOrder: events are stamped with true time, in
// the order they happened (strictly increasing, even within one step);
// each incarnation's calls are its own; a call whose node crashed stays
// open, with the Unknown output, to the end of the history.
func TestLayersRecordTrueTimeInOrder(t *testing.T) {
	l, s := runScript(t, [2][]func(n *scriptNode){{
		func(n *scriptNode) { n.call("lower", 1, fmt.Sprint("a", n.env.Incarnation())) }, // t=0 and, restarted, 8ms
		func(n *scriptNode) { // t=5ms (and 13ms)
			n.ret("lower", 1, "A")
			n.call("upper", 2, "b")
		},
	}, {
		func(n *scriptNode) { n.call("upper", 1, "c") },
		func(n *scriptNode) { n.ret("upper", 1, "C") }, // t=5ms
	}})
	require.Nil(t, l.failure)
	hs := l.histories(s.Now())
	require.Len(t, hs, 2)
	assert.Equal(t, "lower", hs[0].Name)
	assert.Equal(t, "upper", hs[1].Name)
	ms := int64(sim.Millisecond)
	end := int64(s.Now()) + 1
	assert.Equal(t, []spec.Operation{
		{Client: 0, Input: "a0", Output: "A", Call: 0, Return: 5 * ms},
		{Client: 0, Input: "a1", Output: "A", Call: 8 * ms, Return: 13 * ms},
	}, hs[0].Ops)
	require.Len(t, hs[1].Ops, 3)
	assert.Equal(t, spec.Operation{Client: 1, Input: "c", Output: "C", Call: 1, Return: 5*ms + 2}, hs[1].Ops[0],
		"n1's events come after n0's in the same instant: stamps keep the order of steps")
	assert.Equal(t, spec.Operation{Client: 0, Input: "b", Output: spec.Unknown{}, Call: 5*ms + 1, Return: end}, hs[1].Ops[1],
		"the call n0 made before it crashed stays open")
	assert.Equal(t, spec.Unknown{}, hs[1].Ops[2].Output, "the call of n0's new incarnation is open at the end")
	assert.Equal(t, 13*ms+1, hs[1].Ops[2].Call)
}

// TestLayersRefuseMalformedEvents: an event the recorder cannot place
// fails the run with the layer check, naming what is wrong.
func TestLayersRefuseMalformedEvents(t *testing.T) {
	for _, tt := range []struct {
		step func(n *scriptNode)
		want string
	}{
		{func(n *scriptNode) { n.ret("lower", 9, "x") }, "returned lower operation 9, which is not open"},
		{func(n *scriptNode) { n.call("middle", 1, "x") }, `layer "middle", which protocol layer-script does not declare`},
		{func(n *scriptNode) { n.call("lower", 1, "x"); n.call("lower", 1, "y") }, "called lower operation 1 twice"},
		{func(n *scriptNode) {
			n.events = append(n.events, protocol.LayerEvent{Layer: "lower", Call: 1})
		}, "of kind 0"},
	} {
		l, _ := runScript(t, [2][]func(n *scriptNode){{tt.step}, nil})
		require.NotNil(t, l.failure, tt.want)
		assert.Equal(t, CheckLayer, l.failure.Check)
		assert.Contains(t, l.failure.Fact, tt.want)
	}
}

// TestLayersOfAPaxosRun: a calm run of the paxos protocol yields one
// history per layer, every call returned, each linearizable with respect
// to its layer's model; a protocol without layers yields none.
func TestLayersOfAPaxosRun(t *testing.T) {
	cfg, err := paxos.Protocol.Config(nil, 3)
	require.NoError(t, err)
	wl, err := regspec.Spec{}.Workload(nil)
	require.NoError(t, err)
	net := network.Reliable()
	net.Servers = 3
	heal := sim.Time(sim.Second)
	p := Params{Schema: Schema, Scenario: "runner-test", Seed: 3, Protocol: paxos.Name, Servers: 3, Config: cfg,
		Workload: Workload{Clients: 3, Ops: 10, ThinkMax: 5 * sim.Millisecond, Spec: wl.Config()},
		Client:   DefaultClient(), Network: net, Plan: faults.Plan{Name: "none"}.WithHeal(heal), Checks: DefaultChecks(), HealAt: heal}
	res := Simulate(p, Options{Checked: true}) // messages are values: none changes after its send
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Len(t, res.Layers, len(paxos.Protocol.Layers))
	for i, h := range res.Layers {
		ly := paxos.Protocol.Layers[i]
		assert.Equal(t, ly.Name, h.Name)
		require.NotEmpty(t, h.Ops, h.Name)
		for _, op := range h.Ops {
			assert.NotEqual(t, spec.Unknown{}, op.Output, "%s: in a calm run every call returns", h.Name)
			assert.Greater(t, op.Return, op.Call)
		}
		assert.Equal(t, lincheck.Ok, lincheck.Judge(ly.Model, h.Ops, lincheck.Options{}).Verdict, h.Name)
	}
	again := Simulate(p, Options{})
	assert.Equal(t, res.Layers, again.Layers, "the same run, the same layer histories")

	assert.Nil(t, Simulate(calmParams(t, 3), Options{}).Layers, "multipaxos declares no layers")
}
