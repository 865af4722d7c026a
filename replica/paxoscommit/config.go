package paxoscommit

import (
	"errors"
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// Config configures every server of a cluster. Every duration is on the
// server's local clock.
type Config struct {
	// Servers lists the cluster's server ids (1 to MaxServers): every
	// server is an acceptor of every instance, a candidate leader, and the
	// host of the RMs whose number is its position modulo the cluster
	// size.
	Servers []sim.NodeID
	// Heartbeat is how often a leader claims its ballot; ElectionMin and
	// ElectionMax bound the randomized silence after which a server stops
	// waiting for a leader and becomes one.
	Heartbeat, ElectionMin, ElectionMax sim.Duration
	// PrepareWait is how long a coordinator waits for every instance of a
	// transaction to be chosen before it retries: it asks the RMs again
	// and runs phase 1 on the instances still open, which chooses aborted
	// for an RM that never voted. Each retry of one transaction doubles
	// the wait, up to maxDoublings times.
	PrepareWait sim.Duration
	// HelpAfter is how long a prepared RM waits for the outcome before it
	// asks the leader to finish the transaction (and again after each
	// HelpAfter): the RM, not the coordinator that may have crashed,
	// keeps a transaction alive.
	HelpAfter sim.Duration
	// Mutant is "" (the correct protocol) or one of Mutants.
	Mutant string
}

// Defaults for the timing knobs.
const (
	DefaultHeartbeat   = 25 * sim.Millisecond
	DefaultElectionMin = 100 * sim.Millisecond
	DefaultElectionMax = 200 * sim.Millisecond
	DefaultPrepareWait = 40 * sim.Millisecond
	DefaultHelpAfter   = 150 * sim.Millisecond
	// maxDoublings bounds the growth of a coordinator's retry wait (16
	// times PrepareWait): enough for a network slower than the wait,
	// short enough that a transaction finishes soon after a heal.
	maxDoublings = 4
	// unilateralAfter is how long the unilateral-abort mutant's RM waits
	// before it aborts on its own.
	unilateralAfter = 300 * sim.Millisecond
)

// limit bounds every duration: a day of simulated time.
const limit = 24 * 3600 * sim.Second

// Validate names every bad field.
func (c Config) Validate() error {
	var errs []error
	if n := len(c.Servers); n < 1 || n > MaxServers {
		errs = append(errs, fmt.Errorf("paxoscommit: %d servers: must be 1 to %d", n, MaxServers))
	}
	seen := map[sim.NodeID]bool{}
	for _, id := range c.Servers {
		if id < 0 || seen[id] {
			errs = append(errs, fmt.Errorf("paxoscommit: server id %v is negative or listed twice", id))
		}
		seen[id] = true
	}
	for _, d := range []struct {
		name string
		v    sim.Duration
	}{{"Heartbeat", c.Heartbeat}, {"PrepareWait", c.PrepareWait}, {"HelpAfter", c.HelpAfter}} {
		if d.v <= 0 || d.v > limit {
			errs = append(errs, fmt.Errorf("paxoscommit: %s = %v: must be in (0, %v]", d.name, d.v, limit))
		}
	}
	if c.ElectionMin <= c.Heartbeat || c.ElectionMax < c.ElectionMin || c.ElectionMax > limit {
		errs = append(errs, fmt.Errorf("paxoscommit: ElectionMin = %v, ElectionMax = %v: need Heartbeat (%v) < ElectionMin <= ElectionMax <= %v",
			c.ElectionMin, c.ElectionMax, c.Heartbeat, limit))
	}
	if c.Mutant != "" && mutantByName(c.Mutant) == mutantNone {
		errs = append(errs, fmt.Errorf("paxoscommit: unknown mutant %q", c.Mutant))
	}
	return errors.Join(errs...)
}

// New returns the factory of the cluster's servers, or an error naming
// what is wrong with the config.
func New(c Config) (func(sim.NodeID) sim.Node, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.Servers = append([]sim.NodeID(nil), c.Servers...)
	m := mutantByName(c.Mutant)
	return func(id sim.NodeID) sim.Node { return &Server{cfg: c, mutant: m} }, nil
}
