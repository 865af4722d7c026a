package sim

import (
	"fmt"
	"math/rand/v2"
)

// TestEnv is an Env for table-driven handler tests: it records every effect
// a handler has instead of performing it, so a test can give a node one
// message or timer and assert the exact sends, timers and disk writes.
// It is not used by the kernel.
type TestEnv struct {
	Id     NodeID
	Inc    uint32
	Clock  Time              // what Now returns; tests advance it by hand
	Sent   []Envelope        // sends, in order, since the last Reset
	Timers map[TimerTag]Time // armed timers: tag -> local deadline
	Logs   []string          // formatted log lines since the last Reset
	D      *Disk
	R      *rand.Rand
	// UnsyncedAtSend records, per send, how many disk writes were unsynced
	// when it was sent; a handler that replies before it syncs shows a
	// non-zero count here.
	UnsyncedAtSend []int
}

// Envelope is one recorded send.
type Envelope struct {
	To  NodeID
	Msg Message
}

// NewTestEnv returns a TestEnv for node id with an empty disk and a random
// stream derived from seed as the kernel would derive it.
func NewTestEnv(id NodeID, seed uint64) *TestEnv {
	return &TestEnv{
		Id:     id,
		Timers: map[TimerTag]Time{},
		D:      NewDisk(),
		R:      NewStream(seed, domainNode, uint64(id), 0),
	}
}

// Reset forgets the recorded effects (not the disk, clock or timers).
func (e *TestEnv) Reset() {
	e.Sent = nil
	e.Logs = nil
	e.UnsyncedAtSend = nil
}

func (e *TestEnv) ID() NodeID          { return e.Id }
func (e *TestEnv) Incarnation() uint32 { return e.Inc }
func (e *TestEnv) Now() Time           { return e.Clock }
func (e *TestEnv) Rand() *rand.Rand    { return e.R }
func (e *TestEnv) Disk() *Disk         { return e.D }

func (e *TestEnv) Send(to NodeID, msg Message) {
	e.Sent = append(e.Sent, Envelope{To: to, Msg: msg})
	e.UnsyncedAtSend = append(e.UnsyncedAtSend, e.D.Unsynced())
}

func (e *TestEnv) SetTimer(tag TimerTag, d Duration) { e.Timers[tag] = e.Clock.Add(d) }
func (e *TestEnv) CancelTimer(tag TimerTag)          { delete(e.Timers, tag) }

func (e *TestEnv) Logf(format string, args ...any) {
	e.Logs = append(e.Logs, fmt.Sprintf(format, args...))
}
