package runner

import (
	"fmt"
	"math/rand/v2"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// The generic client: closed loop, one outstanding operation at a time,
// retried with the same (client, seq) until it gets an answer, so the
// servers' deduplication makes each operation take effect at most once. It
// speaks to any protocol through the protocol's Codec.

// Client timers.
const (
	requestTimer sim.TimerTag = iota // the outstanding request timed out
	thinkTimer                       // think time is over: issue the next operation
	backoffTimer                     // resend after a redirect backoff
)

var clientTimerNames = [...]string{"request", "think", "backoff"}

// ClientStats counts what a client did in one incarnation.
type ClientStats struct {
	Ops       uint64 // operations invoked
	Completed uint64 // operations that got an answer
	Retries   uint64 // resends after a timeout
	Timeouts  uint64
	Redirects uint64
	Abandoned uint64 // gave up after RetriesMax (outcome unknown)
	Rejected  uint64 // messages that were not replies, ignored
}

// clientSetup is what every client of a run shares.
type clientSetup struct {
	servers     []sim.NodeID
	codec       protocol.Codec
	rec         *history
	cfg         ClientConfig
	think       [2]sim.Duration
	startDly    sim.Duration
	startSpread sim.Duration
}

// opSource is one client's operation stream. It lives outside the client
// node, so a restarted client resumes the stream rather than starting it
// again.
type opSource struct {
	w      spec.Workload
	ops    int
	issued int
}

func (s *opSource) next(env sim.Env) (any, bool) { return s.draw(env.Rand(), env.ID()) }

func (s *opSource) draw(r *rand.Rand, client sim.NodeID) (any, bool) {
	if s.issued >= s.ops {
		return nil, false
	}
	s.issued++
	return s.w.Next(r, client, s.issued), true
}

// client is one simulated client node.
type client struct {
	setup   *clientSetup
	src     *opSource
	env     sim.Env
	seqBase uint64
	n       uint64 // operations issued in this incarnation
	target  sim.NodeID

	cur         any
	seq         uint64
	outstanding bool
	attempts    int
	redirects   int
	done        bool

	stats ClientStats
}

// Start begins (or, after a restart, resumes) the workload. Sequence
// numbers of incarnation i start at i<<32+1, so they keep growing across
// restarts and servers never mistake a new operation for a duplicate.
func (c *client) Start(env sim.Env) {
	c.env = env
	c.seqBase = uint64(env.Incarnation()) << 32
	c.target = c.setup.servers[env.Rand().IntN(len(c.setup.servers))]
	if env.Incarnation() == 0 && (c.setup.startDly > 0 || c.setup.startSpread > 0) {
		d := c.setup.startDly
		if c.setup.startSpread > 0 {
			d += sim.Duration(env.Rand().Int64N(int64(c.setup.startSpread)))
		}
		env.SetTimer(thinkTimer, d)
		return
	}
	c.next()
}

// Receive is the client's single dispatch point.
func (c *client) Receive(from sim.NodeID, msg sim.Message) {
	r := c.setup.codec.Reply(msg)
	switch r.Kind {
	case protocol.Answered:
		c.onAnswer(from, r)
	case protocol.Redirect:
		c.onRedirect(from, r.Seq, r.Hint)
	case protocol.NotMine:
		c.onRedirect(from, r.Seq, -1)
	default:
		c.stats.Rejected++
		c.env.Logf("client ignores %v from %v", msg, from)
	}
}

// Timer is the client's timer dispatch.
func (c *client) Timer(tag sim.TimerTag) {
	switch tag {
	case requestTimer:
		c.onTimeout()
	case thinkTimer:
		c.issue()
	case backoffTimer:
		c.send()
	}
}

// TimerName names the client's timers in the trace.
func (c *client) TimerName(tag sim.TimerTag) string {
	if int(tag) < len(clientTimerNames) {
		return clientTimerNames[tag]
	}
	return fmt.Sprintf("timer(%d)", tag)
}

func (c *client) next() {
	if max := c.setup.think[1]; max > 0 {
		d := c.setup.think[0]
		if span := max - c.setup.think[0]; span > 0 {
			d += sim.Duration(c.env.Rand().Int64N(int64(span)))
		}
		c.env.SetTimer(thinkTimer, d)
		return
	}
	c.issue()
}

func (c *client) issue() {
	in, ok := c.src.next(c.env)
	if !ok {
		c.done = true
		return
	}
	c.n++
	c.cur, c.seq = in, c.seqBase+c.n
	c.outstanding, c.attempts, c.redirects = true, 0, 0
	c.stats.Ops++
	c.setup.rec.invoke(c.env.ID(), c.seq, in)
	c.send()
}

func (c *client) send() {
	c.env.CancelTimer(backoffTimer)
	c.env.Send(c.target, c.setup.codec.Request(c.env.ID(), c.seq, c.cur))
	c.env.SetTimer(requestTimer, c.setup.cfg.RequestTimeout)
}

func (c *client) onAnswer(from sim.NodeID, r protocol.Reply) {
	if !c.outstanding || r.Seq != c.seq {
		return // a late reply to an earlier attempt or operation
	}
	c.outstanding = false
	c.env.CancelTimer(requestTimer)
	c.env.CancelTimer(backoffTimer)
	c.target = from
	c.stats.Completed++
	c.setup.rec.complete(c.env.ID(), c.seq, r.Output)
	c.next()
}

func (c *client) onRedirect(from sim.NodeID, seq uint64, hint sim.NodeID) {
	if !c.outstanding || seq != c.seq {
		return
	}
	c.stats.Redirects++
	c.redirects++
	if hint >= 0 && hint != from && c.isServer(hint) {
		c.target = hint
	} else {
		c.target = c.after(from)
	}
	if c.redirects <= len(c.setup.servers) {
		c.send()
		return
	}
	c.env.CancelTimer(requestTimer)
	c.env.SetTimer(backoffTimer, c.setup.cfg.RedirectBackoff)
}

func (c *client) onTimeout() {
	if !c.outstanding {
		return
	}
	c.stats.Timeouts++
	c.attempts++
	if c.setup.cfg.RetriesMax > 0 && c.attempts > c.setup.cfg.RetriesMax {
		c.stats.Abandoned++
		c.outstanding = false
		c.env.Logf("abandoning %v after %d attempts", c.cur, c.attempts)
		c.next()
		return
	}
	c.stats.Retries++
	c.target = c.after(c.target)
	c.send()
}

// after returns the server after id (wrapping).
func (c *client) after(id sim.NodeID) sim.NodeID {
	for i, s := range c.setup.servers {
		if s == id {
			return c.setup.servers[(i+1)%len(c.setup.servers)]
		}
	}
	return c.setup.servers[0]
}

func (c *client) isServer(id sim.NodeID) bool {
	for _, s := range c.setup.servers {
		if s == id {
			return true
		}
	}
	return false
}

// finished reports whether the workload is exhausted and no operation is
// outstanding.
func (c *client) finished() bool { return c.done && !c.outstanding }
