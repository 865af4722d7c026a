package paxos

import (
	"errors"
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// Config configures every server of a cluster.
type Config struct {
	// Servers lists the cluster's server ids (1 to MaxServers of them):
	// every server is an acceptor and may propose.
	Servers []sim.NodeID
	// CallTimeout is how long a read or a write waits for a majority of
	// answers before it fails (the pseudo-code's "if a majority acknowledges,
	// ... else return false", on a network that may never answer).
	CallTimeout sim.Duration
	// BackoffMin and BackoffMax bound the oracle's randomized wait, on the
	// server's local clock, before proposeP tries again at a higher round
	// after proposeRC failed: the randomness lets one proposer run alone
	// for long enough to succeed, which is what the paper's leader-election
	// oracle promises.
	//
	// Each failed attempt of one proposeP doubles both the call timeout
	// and the wait, up to maxDoublings times: on a network slower than the
	// timeout no call could ever gather a majority, and proposers that keep
	// colliding need longer waits to draw apart.
	BackoffMin, BackoffMax sim.Duration
	// Mutant is "" (the correct protocol) or one of Mutants.
	Mutant string
}

// Defaults for the timing knobs.
const (
	DefaultCallTimeout = 20 * sim.Millisecond
	DefaultBackoffMin  = 5 * sim.Millisecond
	DefaultBackoffMax  = 40 * sim.Millisecond
	// maxDoublings bounds the growth of the call timeout and the oracle's
	// wait (16 times the configured values): enough for a network whose
	// round trips take 15 times the default timeout, short enough that a
	// cluster that was partitioned for long decides soon after it heals.
	maxDoublings = 4
	// flushDelay is when the reply-before-sync mutant syncs what it
	// already answered from.
	flushDelay = 20 * sim.Millisecond
)

// limit bounds every duration: a day of simulated time.
const limit = 24 * 3600 * sim.Second

// Validate names every bad field.
func (c Config) Validate() error {
	var errs []error
	if n := len(c.Servers); n < 1 || n > MaxServers {
		errs = append(errs, fmt.Errorf("paxos: %d servers: must be 1 to %d", n, MaxServers))
	}
	seen := map[sim.NodeID]bool{}
	for _, id := range c.Servers {
		if id < 0 || seen[id] {
			errs = append(errs, fmt.Errorf("paxos: server id %v is negative or listed twice", id))
		}
		seen[id] = true
	}
	if c.CallTimeout <= 0 || c.CallTimeout > limit {
		errs = append(errs, fmt.Errorf("paxos: CallTimeout = %v: must be in (0, %v]", c.CallTimeout, limit))
	}
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin || c.BackoffMax > limit {
		errs = append(errs, fmt.Errorf("paxos: BackoffMin = %v, BackoffMax = %v: need 0 < BackoffMin <= BackoffMax <= %v", c.BackoffMin, c.BackoffMax, limit))
	}
	if c.Mutant != "" && mutantByName(c.Mutant) == mutantNone {
		errs = append(errs, fmt.Errorf("paxos: unknown mutant %q", c.Mutant))
	}
	return errors.Join(errs...)
}

// New returns the factory of the cluster's servers, or an error naming
// what is wrong with the config.
func New(c Config) (func(sim.NodeID) sim.Node, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	servers := append([]sim.NodeID(nil), c.Servers...)
	m := mutantByName(c.Mutant)
	return func(id sim.NodeID) sim.Node {
		return &Server{node: node{servers: servers, cfg: c, mutant: m}}
	}, nil
}
