package multipaxos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Limits on input. A message outside them is bad input: counted, traced and
// ignored.
const (
	// MaxReplicas bounds the cluster size; vote sets are 64-bit masks.
	MaxReplicas = 64
	// MaxSlotsAhead bounds how far beyond its commit point a replica lets a
	// message grow its in-memory log (an Accept, Promise or Learn for slot
	// commit+MaxSlotsAhead or later is rejected). A correct leader stays
	// within Window of its own commit point, so only a replica lagging by a
	// million slots would meet it, and it catches up by Learn first.
	MaxSlotsAhead = 1 << 20
	// MaxRound bounds ballot rounds, so that a corrupt or hostile ballot
	// cannot exhaust the round space and block every future election.
	MaxRound = 1 << 48
	// MaxPayload bounds a command's key and value, in bytes.
	MaxPayload = 1 << 20
	// LearnBatch is the most decided commands one Learn carries.
	LearnBatch = 256
	// MaxQueued bounds client commands a leader holds beyond its window; a
	// request past it is dropped (the client retries).
	MaxQueued = 4096
)

// Config configures every replica of a cluster. The zero value of each
// optional field documents its default.
type Config struct {
	// Replicas lists the cluster's replica ids. If empty, the replicas are
	// 0..N-1.
	Replicas []sim.NodeID
	// N is the cluster size when Replicas is empty; 1 <= N <= MaxReplicas.
	N int
	// HeartbeatInterval is how often a leader sends heartbeats (carrying
	// its commit point). Default 50ms.
	HeartbeatInterval sim.Duration
	// ElectionTimeoutMin and ElectionTimeoutMax bound the randomized
	// election timeout, drawn afresh each time it is armed. A follower that
	// hears from no leader for a whole timeout starts an election, so the
	// silence it tolerates is between one and two timeouts. Defaults 250ms
	// and 500ms; Min must exceed HeartbeatInterval.
	ElectionTimeoutMin, ElectionTimeoutMax sim.Duration
	// RetryInterval is the period of the leader's and candidate's
	// retransmissions and of a follower's catch-up requests. Default 100ms.
	RetryInterval sim.Duration
	// Window bounds the slots a leader has in flight beyond its commit
	// point. Default 64.
	Window int
	// Mutant selects a known-wrong deviation (see Mutants); "" is the
	// correct protocol.
	Mutant string
	// Lease turns on leader leases and local reads (lease.go); the zero
	// value is off.
	Lease LeaseConfig
}

// Defaults for zero Config fields.
const (
	DefaultHeartbeatInterval  = 50 * sim.Millisecond
	DefaultElectionTimeoutMin = 250 * sim.Millisecond
	DefaultElectionTimeoutMax = 500 * sim.Millisecond
	DefaultRetryInterval      = 100 * sim.Millisecond
	DefaultWindow             = 64
)

// withDefaults returns c with every zero optional field set to its default.
func (c Config) withDefaults() Config {
	if len(c.Replicas) == 0 && c.N > 0 && c.N <= MaxReplicas {
		c.Replicas = make([]sim.NodeID, c.N)
		for i := range c.Replicas {
			c.Replicas[i] = sim.NodeID(i)
		}
	} else {
		c.Replicas = append([]sim.NodeID(nil), c.Replicas...)
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.ElectionTimeoutMin == 0 {
		c.ElectionTimeoutMin = DefaultElectionTimeoutMin
	}
	if c.ElectionTimeoutMax == 0 {
		c.ElectionTimeoutMax = DefaultElectionTimeoutMax
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	return c
}

// Validate reports every field that makes the configuration unusable, each
// error naming its field.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("multipaxos: "+format, args...)) }
	switch {
	case len(c.Replicas) == 0 && c.N < 1:
		bad("N = %d: need N >= 1 (or a non-empty Replicas)", c.N)
	case len(c.Replicas) == 0 && c.N > MaxReplicas:
		bad("N = %d: at most %d replicas", c.N, MaxReplicas)
	case len(c.Replicas) > MaxReplicas:
		bad("Replicas: %d replicas, at most %d", len(c.Replicas), MaxReplicas)
	case len(c.Replicas) > 0 && c.N != 0 && c.N != len(c.Replicas):
		bad("N = %d disagrees with len(Replicas) = %d", c.N, len(c.Replicas))
	}
	seen := map[sim.NodeID]bool{}
	for _, id := range c.Replicas {
		if id < 0 {
			bad("Replicas: negative id %d", id)
		}
		if seen[id] {
			bad("Replicas: duplicate id %v", id)
		}
		seen[id] = true
	}
	d := c.withDefaults()
	for _, f := range []struct {
		name string
		v    sim.Duration
	}{{"HeartbeatInterval", d.HeartbeatInterval}, {"ElectionTimeoutMin", d.ElectionTimeoutMin},
		{"ElectionTimeoutMax", d.ElectionTimeoutMax}, {"RetryInterval", d.RetryInterval}} {
		if f.v < 0 {
			bad("%s = %v: must be positive", f.name, f.v)
		}
	}
	if d.ElectionTimeoutMin > d.ElectionTimeoutMax {
		bad("ElectionTimeoutMin = %v > ElectionTimeoutMax = %v", d.ElectionTimeoutMin, d.ElectionTimeoutMax)
	}
	if d.HeartbeatInterval >= d.ElectionTimeoutMin {
		bad("HeartbeatInterval = %v: must be below ElectionTimeoutMin = %v", d.HeartbeatInterval, d.ElectionTimeoutMin)
	}
	if c.Window < 0 || c.Window > 1<<16 {
		bad("Window = %d: must be in 1..65536 (0 means %d)", c.Window, DefaultWindow)
	}
	if err := c.validateLease(d.HeartbeatInterval); err != nil {
		errs = append(errs, err)
	}
	if c.Mutant != "" && mutantByName(c.Mutant) == mutantNone {
		names := make([]string, 0, len(mutants))
		for _, m := range Mutants() {
			names = append(names, m.Name)
		}
		bad("Mutant = %q: unknown (known: %s)", c.Mutant, strings.Join(names, ", "))
	}
	return errors.Join(errs...)
}

// New returns the factory sim.AddNode wants: it builds a replica of the
// validated cfg for the given id, at boot and at every restart. It panics if
// called with an id that is not in cfg's replicas (a harness bug).
func New(cfg Config) (func(sim.NodeID) sim.Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg.withDefaults()
	index := peerIndex(c.Replicas)
	mut := mutantByName(c.Mutant)
	return func(id sim.NodeID) sim.Node {
		if int(id) >= len(index) || index[id] < 0 {
			panic(fmt.Sprintf("multipaxos: node %v is not one of the replicas %v", id, c.Replicas))
		}
		return newReplica(c, index, mut, id)
	}, nil
}

// peerIndex maps a node id to its position in replicas, -1 for non-replicas.
func peerIndex(replicas []sim.NodeID) []int8 {
	maxID := sim.NodeID(0)
	for _, id := range replicas {
		maxID = max(maxID, id)
	}
	index := make([]int8, maxID+1)
	for i := range index {
		index[i] = -1
	}
	for i, id := range replicas {
		index[id] = int8(i)
	}
	return index
}
