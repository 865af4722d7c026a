package sim

// EachPending calls f with every event that a chooser whose window is
// negative (latency abstracted away: sim.Script, an exhaustive search)
// may pick next, as Candidates returns them but in no particular order
// and without gathering them: the queue's events that are not kernel
// callbacks or stale timers, none while a callback is due first. A search
// that digests the pending events as a multiset needs no more. f must not
// keep the Candidate or change the Sim.
func (s *Sim) EachPending(f func(c *Candidate)) {
	n := s.q.len()
	if n == 0 || s.q.item(0).kind == evCall {
		return
	}
	var c Candidate
	for i := range n {
		e := s.q.item(i)
		switch {
		case e.kind == evCall:
			continue
		case e.kind == evTimer:
			if !s.timerLive(e) {
				continue
			}
			c = Candidate{Kind: EventTimer, At: e.at, From: e.to, To: e.to, Tag: e.tag}
		default:
			c = Candidate{Kind: EventDeliver, At: e.at, From: e.from, To: e.to, Msg: e.msg, Tag: e.tag}
		}
		f(&c)
	}
}
