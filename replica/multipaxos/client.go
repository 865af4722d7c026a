package multipaxos

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/paxossim/paxossim/sim"
)

// Workload supplies a client's operations. Next draws from r (the client
// node's own random stream) and returns false when the client is done. The
// returned command's Client and Seq are filled in by the client.
type Workload interface {
	Next(r *rand.Rand) (Command, bool)
}

// Recorder receives the client-visible history. It stamps true simulated
// time itself. An operation that never gets a response (its outcome is
// unknown) never gets Return.
type Recorder interface {
	Invoke(client sim.NodeID, seq uint64, cmd Command)
	Return(client sim.NodeID, seq uint64, cmd Command, res Result)
}

// ClientConfig configures one simulated client. Zero optional fields take
// the documented defaults.
type ClientConfig struct {
	// Replicas lists the replicas, as in Config; if empty, 0..N-1.
	Replicas []sim.NodeID
	N        int
	// Workload is required.
	Workload Workload
	// Recorder may be nil.
	Recorder Recorder
	// StartDelay is how long a client waits after its first start before
	// its first operation (for example, until the cluster has had time to
	// elect a leader). Zero: it starts at once. A restarted client resumes
	// at once.
	StartDelay sim.Duration
	// ThinkTimeMin and ThinkTimeMax bound the pause, drawn uniformly,
	// between a response and the next operation. Zero: no pause.
	ThinkTimeMin, ThinkTimeMax sim.Duration
	// RequestTimeout is how long the client waits for a response before it
	// retries with the next replica. Default 200ms.
	RequestTimeout sim.Duration
	// RedirectBackoff is the pause before following a redirect once an
	// operation has been redirected more times than there are replicas
	// (there is no leader yet, so the hints go round in circles). Default
	// 10ms.
	RedirectBackoff sim.Duration
	// RetriesMax bounds the timeouts per operation; past it the operation is
	// abandoned (its outcome stays unknown: no Return) and the client moves
	// on. Zero retries until the run ends, which is what a liveness check
	// wants: every operation eventually completes once faults heal.
	RetriesMax int
}

// Client defaults.
const (
	DefaultRequestTimeout  = 200 * sim.Millisecond
	DefaultRedirectBackoff = 10 * sim.Millisecond
)

// ClientStats counts what a client did in this incarnation.
type ClientStats struct {
	Ops       uint64 // operations invoked
	Completed uint64 // operations that got a response
	Retries   uint64 // resends after a timeout
	Timeouts  uint64
	Redirects uint64
	Abandoned uint64 // gave up after RetriesMax (outcome unknown)
	Rejected  uint64 // unexpected messages ignored
}

// Client timers.
const (
	requestTimer sim.TimerTag = iota // the outstanding request timed out
	thinkTimer                       // think time is over: issue the next operation
	backoffTimer                     // resend after a redirect backoff
)

var clientTimerNames = [...]string{"request", "think", "backoff"}

// Client is a closed-loop client: one outstanding operation at a time,
// retried with the same (client, seq) until it gets a response, so the
// replicas' dedup table makes each operation take effect at most once.
type Client struct {
	cfg     ClientConfig
	env     sim.Env
	seqBase uint64
	n       uint64 // operations issued in this incarnation
	target  sim.NodeID

	cur         Command
	outstanding bool
	attempts    int
	redirects   int
	done        bool

	stats ClientStats
}

func (c ClientConfig) validate() error {
	var errs []error
	if len(c.Replicas) == 0 && c.N < 1 {
		errs = append(errs, fmt.Errorf("multipaxos: client N = %d: need N >= 1 (or Replicas)", c.N))
	}
	if c.Workload == nil {
		errs = append(errs, errors.New("multipaxos: client Workload is nil"))
	}
	if c.ThinkTimeMin < 0 || c.ThinkTimeMin > c.ThinkTimeMax {
		errs = append(errs, fmt.Errorf("multipaxos: client ThinkTimeMin = %v: must be in [0, ThinkTimeMax = %v]", c.ThinkTimeMin, c.ThinkTimeMax))
	}
	if c.RequestTimeout < 0 || c.RedirectBackoff < 0 || c.RetriesMax < 0 || c.StartDelay < 0 {
		errs = append(errs, errors.New("multipaxos: client RequestTimeout, RedirectBackoff, RetriesMax and StartDelay must be >= 0"))
	}
	return errors.Join(errs...)
}

// NewClient returns the factory for sim.AddNode. Give each client its own
// Workload; it lives outside the node and so survives a client restart.
func NewClient(cfg ClientConfig) (func(sim.NodeID) sim.Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := Config{Replicas: cfg.Replicas, N: cfg.N}.withDefaults()
	cfg.Replicas = c.Replicas
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.RedirectBackoff == 0 {
		cfg.RedirectBackoff = DefaultRedirectBackoff
	}
	return func(sim.NodeID) sim.Node { return &Client{cfg: cfg} }, nil
}

// Start begins (or, after a restart, resumes) the workload. Sequence
// numbers of incarnation i start at i<<32+1, so they keep growing across
// restarts and the replicas never mistake a new operation for a duplicate.
func (c *Client) Start(env sim.Env) {
	c.env = env
	c.seqBase = uint64(env.Incarnation()) << 32
	c.target = c.cfg.Replicas[env.Rand().IntN(len(c.cfg.Replicas))]
	if c.cfg.StartDelay > 0 && env.Incarnation() == 0 {
		env.SetTimer(thinkTimer, c.cfg.StartDelay)
		return
	}
	c.next()
}

// Receive is the client's single dispatch point.
func (c *Client) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Reply:
		c.onReply(from, m)
	case Redirect:
		c.onRedirect(from, m)
	default:
		c.stats.Rejected++
		c.env.Logf("client ignores %v from %v", msg, from)
	}
}

// Timer is the client's timer dispatch.
func (c *Client) Timer(tag sim.TimerTag) {
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
func (c *Client) TimerName(tag sim.TimerTag) string {
	if int(tag) < len(clientTimerNames) {
		return clientTimerNames[tag]
	}
	return fmt.Sprintf("timer(%d)", tag)
}

func (c *Client) next() {
	if c.cfg.ThinkTimeMax > 0 {
		d := c.cfg.ThinkTimeMin
		if span := c.cfg.ThinkTimeMax - c.cfg.ThinkTimeMin; span > 0 {
			d += sim.Duration(c.env.Rand().Int64N(int64(span)))
		}
		c.env.SetTimer(thinkTimer, d)
		return
	}
	c.issue()
}

func (c *Client) issue() {
	cmd, ok := c.cfg.Workload.Next(c.env.Rand())
	if !ok {
		c.done = true
		return
	}
	if cmd.isNoop() || !cmd.valid() {
		panic(fmt.Sprintf("multipaxos: workload produced %v; want get, put or append", cmd))
	}
	c.n++
	cmd.Client, cmd.Seq = c.env.ID(), c.seqBase+c.n
	c.cur, c.outstanding, c.attempts, c.redirects = cmd, true, 0, 0
	c.stats.Ops++
	if c.cfg.Recorder != nil {
		c.cfg.Recorder.Invoke(cmd.Client, cmd.Seq, cmd)
	}
	c.send()
}

func (c *Client) send() {
	c.env.CancelTimer(backoffTimer)
	c.env.Send(c.target, Request{Cmd: c.cur})
	c.env.SetTimer(requestTimer, c.cfg.RequestTimeout)
}

func (c *Client) onReply(from sim.NodeID, m Reply) {
	if !c.outstanding || m.Seq != c.cur.Seq {
		return // a late reply to an earlier attempt or operation
	}
	c.outstanding = false
	c.env.CancelTimer(requestTimer)
	c.env.CancelTimer(backoffTimer)
	c.target = from
	c.stats.Completed++
	if c.cfg.Recorder != nil {
		c.cfg.Recorder.Return(c.cur.Client, c.cur.Seq, c.cur, m.Res)
	}
	c.next()
}

func (c *Client) onRedirect(from sim.NodeID, m Redirect) {
	if !c.outstanding || m.Seq != c.cur.Seq {
		return
	}
	c.stats.Redirects++
	c.redirects++
	if m.Leader >= 0 && m.Leader != from && c.isReplica(m.Leader) {
		c.target = m.Leader
	} else {
		c.target = c.after(from)
	}
	if c.redirects <= len(c.cfg.Replicas) {
		c.send()
		return
	}
	c.env.CancelTimer(requestTimer)
	c.env.SetTimer(backoffTimer, c.cfg.RedirectBackoff)
}

func (c *Client) onTimeout() {
	if !c.outstanding {
		return
	}
	c.stats.Timeouts++
	c.attempts++
	if c.cfg.RetriesMax > 0 && c.attempts > c.cfg.RetriesMax {
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

// after returns the replica after id in the list (wrapping).
func (c *Client) after(id sim.NodeID) sim.NodeID {
	for i, r := range c.cfg.Replicas {
		if r == id {
			return c.cfg.Replicas[(i+1)%len(c.cfg.Replicas)]
		}
	}
	return c.cfg.Replicas[0]
}

func (c *Client) isReplica(id sim.NodeID) bool {
	for _, r := range c.cfg.Replicas {
		if r == id {
			return true
		}
	}
	return false
}

// Done reports whether the workload is exhausted and no operation is
// outstanding.
func (c *Client) Done() bool { return c.done && !c.outstanding }

// Outstanding returns the operation in flight, if any.
func (c *Client) Outstanding() (Command, bool) { return c.cur, c.outstanding }

// Stats returns the client's counters.
func (c *Client) Stats() ClientStats { return c.stats }
