package sim

// eventKind says what an event does when it comes due.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1
	evTimer
	evCall
)

// event is one entry of the queue. It is stored by value in the heap so that
// the hot path allocates nothing.
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
}

// queue is a binary min-heap of events ordered by (at, seq). The sequence
// number makes the order total and insertion-stable; container/heap alone
// is not stable and would box every event in an interface.
type queue struct {
	items []event
}

func (q *queue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *queue) len() int { return len(q.items) }

func (q *queue) push(e event) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

// peek returns the earliest event without removing it. The queue must not be
// empty.
func (q *queue) peek() *event { return &q.items[0] }

func (q *queue) pop() event {
	top := q.items[0]
	n := len(q.items) - 1
	q.items[0] = q.items[n]
	q.items[n] = event{} // let the message and closure be collected
	q.items = q.items[:n]
	i := 0
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
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
	return top
}

// remove takes the event at heap position i out of the queue.
func (q *queue) remove(i int) event {
	top := q.items[i]
	n := len(q.items) - 1
	q.items[i] = q.items[n]
	q.items[n] = event{} // let the message and closure be collected
	q.items = q.items[:n]
	if i == n {
		return top
	}
	// The moved event may belong above i (remove from the middle) or
	// below it.
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
	q.down(i, n)
	return top
}

// down moves the event at i down the heap of n events to its place.
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
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}
