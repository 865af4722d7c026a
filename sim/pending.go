package sim

// PendingDigest digests, as a multiset, the events that a chooser whose
// window is negative (latency abstracted away: sim.Script, an exhaustive
// search) may pick next, as Candidates lists them: the sum of their
// CandidateDigests, which the order of the queue does not change. A
// search that recognizes states it has seen needs no more of the queue
// (package explore). A delivery's digest is computed once and kept with
// the event, which a snapshot copies.
func (s *Sim) PendingDigest() uint64 {
	n := s.q.len()
	if n == 0 || s.q.item(0).kind == evCall {
		return 0 // Candidates lists nothing while a callback is due first
	}
	var sum uint64
	for i := range n {
		e := s.q.item(i)
		switch {
		case e.kind == evCall:
		case e.kind == evTimer:
			if s.timerLive(e) {
				sum += timerDigest(e.to, e.tag)
			}
		default:
			if e.dig == 0 {
				e.dig = deliveryDigest(e.from, e.to, e.msg)
			}
			sum += e.dig
		}
	}
	return sum
}

// CandidateDigest digests one candidate as PendingDigest counts it.
func CandidateDigest(c *Candidate) uint64 {
	if c.Kind == EventTimer {
		return timerDigest(c.To, c.Tag)
	}
	return deliveryDigest(c.From, c.To, c.Msg)
}

func timerDigest(to NodeID, tag TimerTag) uint64 { return Mix(2, uint64(uint32(to)), uint64(tag)) }

func deliveryDigest(from, to NodeID, m Message) uint64 {
	return Mix(1, uint64(uint32(from)), uint64(uint32(to)), m.Digest())
}
