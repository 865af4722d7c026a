package runner

import (
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
)

// chosen checks that every decided value was chosen in Paxos's sense: a
// majority of acceptors cast a durable vote for it at one ballot. It
// remembers every durable vote ever cast (slot, ballot, value -> voters),
// across incarnations: votes move to higher ballots, so a check of the
// current votes alone would see a value chosen at an old ballot as
// unsupported. Votes are read as they become durable (sim.Disk.SyncedSince)
// through the protocol's own decoder (Protocol.DecodeVote), so a vote that
// was counted but never persisted does not count.
//
// A decision is checked the first time each server reports it: a leader
// that commits on a miscounted quorum is caught at the commit, not at a
// later election that happens to expose the disagreement.
type chosen struct {
	s        *sim.Sim
	decode   func(key string, value []byte) (protocol.Vote, bool, error)
	majority int
	marks    []int // per server: how far into its disk's sync log we read
	// slots holds, per slot, every (ballot, value) ever voted for with its
	// voters. A slot sees few ballots, so a short list beats a map.
	slots [][]ballotVotes
}

// ballotVotes is the durable votes for one value at one ballot in a slot.
type ballotVotes struct {
	ballot protocol.Ballot
	value  uint64
	voters voterSet
}

// voterSet is a set of server ids.
type voterSet struct {
	bits  []uint64
	count int
}

func (v *voterSet) add(id sim.NodeID) {
	w, b := int(id)/64, uint(id)%64
	for len(v.bits) <= w {
		v.bits = append(v.bits, 0)
	}
	if v.bits[w]&(1<<b) == 0 {
		v.bits[w] |= 1 << b
		v.count++
	}
}

func (v *voterSet) String() string {
	var ids []string
	for w, word := range v.bits {
		for b := 0; b < 64; b++ {
			if word&(1<<uint(b)) != 0 {
				ids = append(ids, sim.NodeID(w*64+b).String())
			}
		}
	}
	return "{" + strings.Join(ids, " ") + "}"
}

// newChosen returns the check, or nil if the protocol does not decode its
// votes (the check needs them).
func newChosen(s *sim.Sim, proto *protocol.Protocol, servers int) *chosen {
	if proto.DecodeVote == nil {
		return nil
	}
	return &chosen{s: s, decode: proto.DecodeVote, majority: servers/2 + 1, marks: make([]int, servers)}
}

// ingest reads the votes a server made durable since the last look.
func (c *chosen) ingest(id int) *Failure {
	d := c.s.Disk(sim.NodeID(id))
	keys, next := d.SyncedSince(c.marks[id])
	c.marks[id] = next
	if len(keys) == 0 {
		return nil
	}
	durable := d.Durable()
	for i, k := range keys {
		if i+1 < len(keys) && containsFrom(keys[i+1:], k) {
			continue // written again later in this batch: its durable value is the later one
		}
		value, ok, _ := durable.Read(k)
		if !ok {
			continue
		}
		v, isVote, err := c.decode(k, value)
		if err != nil {
			return fail(CheckChosen, "n%d's durable record %s does not decode: %v", id, k, err)
		}
		if !isVote {
			continue
		}
		if v.Slot < 0 {
			return fail(CheckChosen, "n%d's durable record %s is a vote for slot %d", id, k, v.Slot)
		}
		c.vote(v, sim.NodeID(id))
	}
	return nil
}

func (c *chosen) vote(v protocol.Vote, id sim.NodeID) {
	for len(c.slots) <= v.Slot {
		c.slots = append(c.slots, nil)
	}
	list := c.slots[v.Slot]
	for i := range list {
		if list[i].ballot == v.Ballot && list[i].value == v.Command {
			list[i].voters.add(id)
			return
		}
	}
	bv := ballotVotes{ballot: v.Ballot, value: v.Command}
	bv.voters.add(id)
	c.slots[v.Slot] = append(list, bv)
}

func containsFrom(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// check fails if a server treats value as decided in slot without a
// majority of durable votes for it at one ballot.
func (c *chosen) check(id int, r protocol.LogView, slot int, value uint64) *Failure {
	if slot < len(c.slots) {
		for _, bv := range c.slots[slot] {
			if bv.value == value && bv.voters.count >= c.majority {
				return nil
			}
		}
	}
	return fail(CheckChosen, "n%d treats %s as decided in slot %d, but no majority (%d of %d) ever cast a durable vote for it at one ballot; durable votes for slot %d: %s",
		id, r.Command(slot), slot, c.majority, len(c.marks), slot, c.describeVotes(slot))
}

// describeVotes lists every durable vote ever cast in slot.
func (c *chosen) describeVotes(slot int) string {
	if slot >= len(c.slots) || len(c.slots[slot]) == 0 {
		return "none"
	}
	var parts []string
	for _, bv := range c.slots[slot] {
		parts = append(parts, fmt.Sprintf("%v value %016x by %s", bv.ballot, bv.value, &bv.voters))
	}
	return strings.Join(parts, "; ")
}
