package sim

// eventKind says what an event does when it comes due.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1
	evTimer
	evCall
)

// event is one entry of the queue. Events are stored by value in a slab so
// that the hot path allocates nothing.
type event struct {
	at   Time
	seq  uint64
	msg  Message
	fn   func()
	kind eventKind
	tag  TimerTag
	from NodeID
	to   NodeID // the node the event is for (receiver, timer owner)
	a    uint32 // deliver: transport token; timer: generation
	inc  uint32 // timer: owner's incarnation
	ck   uint64 // deliver, in checked mode: the key of the message's snapshot
	dig  uint64 // deliver: its digest once PendingDigest computed it (0: not yet)
}

// queueKey is an event's place in the heap: its order (at, seq) and its
// slot in the slab. It holds no pointer, so the heap's swaps cost no GC
// write barriers; a protocol that keeps the garbage collector busy (one
// that allocates per message, as etcd raft and protobuf do) paid about 9%
// of its CPU for them when the heap swapped whole events.
type queueKey struct {
	at   Time
	seq  uint64
	slot int32
}

// queue is a binary min-heap of events ordered by (at, seq). The sequence
// number makes the order total and insertion-stable; container/heap alone
// is not stable and would box every event in an interface. The events
// live in slots, reused through a free list; the heap orders their keys.
type queue struct {
	keys  []queueKey
	slots []event
	free  []int32
	// calls counts the kernel callbacks queued (evCall), which make a Sim
	// uncloneable (clone.go).
	calls int
	// gen changes whenever the candidates may have: an event queued or
	// taken out, a timer cancelled, a node crashed or booted (the
	// candidates' cache, chooser.go).
	gen uint64
}

func (q *queue) less(i, j int) bool {
	a, b := &q.keys[i], &q.keys[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *queue) len() int { return len(q.keys) }

// item is the event at heap position i.
func (q *queue) item(i int) *event { return &q.slots[q.keys[i].slot] }

func (q *queue) push(e event) {
	q.gen++
	if e.kind == evCall {
		q.calls++
	}
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slots[slot] = e
	} else {
		slot = int32(len(q.slots))
		q.slots = append(q.slots, e)
	}
	q.keys = append(q.keys, queueKey{at: e.at, seq: e.seq, slot: slot})
	q.up(len(q.keys) - 1)
}

// peek returns the earliest event without removing it. The queue must not be
// empty.
func (q *queue) peek() *event { return q.item(0) }

func (q *queue) pop() event { return q.remove(0) }

// remove takes the event at heap position i out of the queue.
func (q *queue) remove(i int) event {
	q.gen++
	slot := q.keys[i].slot
	top := q.slots[slot]
	if top.kind == evCall {
		q.calls--
	}
	q.slots[slot] = event{} // let the message and closure be collected
	q.free = append(q.free, slot)
	n := len(q.keys) - 1
	q.keys[i] = q.keys[n]
	q.keys = q.keys[:n]
	if i < n {
		// The moved key may belong above i (removed from the middle) or
		// below it.
		q.down(q.up(i), n)
	}
	return top
}

// up moves the key at i up to its place and returns where it ended.
func (q *queue) up(i int) int {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.keys[i], q.keys[p] = q.keys[p], q.keys[i]
		i = p
	}
	return i
}

// down moves the key at i down the heap of n keys to its place.
func (q *queue) down(i, n int) {
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.keys[i], q.keys[m] = q.keys[m], q.keys[i]
		i = m
	}
}
