package sim

import (
	"math/rand/v2"
	"strconv"
)

// NodeID names a simulated process: a replica or a client. IDs are dense,
// starting at 0, in the order nodes were added to the Sim.
type NodeID int32

// String prints the id as in the trace: "n2".
func (id NodeID) String() string { return "n" + strconv.Itoa(int(id)) }

// Message is a value sent between nodes. Messages are values: after Send the
// sender never touches a slice or map it put in the message (the kernel's
// checked mode verifies this). Digest folds the message's whole content into
// 64 bits for the trace hash without formatting it; String prints it for the
// human-readable trace, with payloads quoted (%q).
type Message interface {
	Digest() uint64
	String() string
}

// TimerTag names one of a node's timers. A node has at most one pending timer
// per tag; setting a tag again replaces the pending one. Protocols declare
// their own named constants (electionTimer, heartbeatTimer, ...).
type TimerTag uint8

// MaxTimerTags bounds the tags a node may use.
const MaxTimerTags = 64

// Node is a protocol participant: a pure event handler with one entry point
// per kind of event, like etcd raft's Step or a stateright Actor. The kernel
// calls exactly one method at a time and never re-enters a node: effects
// (sends, timers) are buffered and take effect after the method returns.
//
// A crash discards the Node value; a restart builds a new one from the node's
// factory and calls Start again, so everything that must survive a crash has
// to be written and synced to env.Disk().
type Node interface {
	// Start is called at boot and after every restart.
	Start(env Env)
	// Receive handles a message delivered from another node (or itself).
	Receive(from NodeID, msg Message)
	// Timer handles a timer the node set that has fired.
	Timer(tag TimerTag)
}

// Env is a node's whole view of the world. A node has no other source of
// time, randomness, storage or communication.
type Env interface {
	// ID is this node's id.
	ID() NodeID
	// Incarnation counts restarts: 0 at first start, +1 for each restart.
	Incarnation() uint32
	// Now reads the node's local clock, which faults may skew (even
	// backwards) or make drift. It is not the kernel's true time.
	Now() Time
	// Send queues msg for to. Delivery is decided by the network after the
	// handler returns; it may be delayed, dropped, duplicated or reordered.
	Send(to NodeID, msg Message)
	// SetTimer (re)arms the timer tag to fire after d of local-clock time.
	SetTimer(tag TimerTag, d Duration)
	// CancelTimer disarms tag; cancelling a disarmed timer is a no-op.
	CancelTimer(tag TimerTag)
	// Rand is the node's random stream, derived from (seed, node, incarnation).
	Rand() *rand.Rand
	// Disk is the node's durable storage; it survives crashes (see Disk).
	Disk() *Disk
	// Logf writes a line to the trace. It is formatted only when the trace
	// is printed; the hash covers the format string.
	Logf(format string, args ...any)
}
