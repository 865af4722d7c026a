package runner

import (
	"bytes"
	"fmt"
	"slices"
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
	// entries holds every (slot, ballot, value) ever voted for with its
	// voters; slots[s] is 1 + the index of slot s's latest entry (0: none),
	// and each entry links to the slot's one before it. A slot sees few
	// ballots, so a short list beats a map, and one backing array for all
	// slots allocates only as it grows.
	entries []ballotVotes
	slots   []int32
	// disks caches each server's disk (a slot keeps its disk across
	// restarts). decoded remembers, per record key, the last record bytes
	// decoded and what they said: every acceptor of a slot writes the
	// same bytes for the same vote (slot, ballot and command, no voter),
	// so most records are recognized by a byte comparison instead of a
	// decode, which is most of this check's cost in a sweep. Synced
	// values are never mutated in place (sim.Disk copies on write), so
	// keeping a reference to one is safe.
	disks   []*sim.Disk
	decoded map[string]decodedRecord
}

// decodedRecord is a record's bytes and what the protocol's decoder made
// of them.
type decodedRecord struct {
	raw    []byte
	vote   protocol.Vote
	isVote bool
}

// ballotVotes is the durable votes for one value at one ballot in a slot.
type ballotVotes struct {
	ballot protocol.Ballot
	value  uint64
	voters voterSet
	next   int32 // 1 + the index of the slot's entry before this one; 0: none
}

// each calls f with the entries of slot, newest first.
func (c *chosen) each(slot int, f func(*ballotVotes) bool) {
	if slot < 0 || slot >= len(c.slots) {
		return
	}
	for i := c.slots[slot]; i != 0; i = c.entries[i-1].next {
		if !f(&c.entries[i-1]) {
			return
		}
	}
}

// voterSet is a set of server ids: the first 64 in a word, so the common
// cluster needs no allocation, the rest in more words.
type voterSet struct {
	low   uint64
	high  []uint64 // ids 64 and up
	count int
}

func (v *voterSet) add(id sim.NodeID) {
	word, bit := &v.low, uint(id)%64
	if id >= 64 {
		w := int(id)/64 - 1
		for len(v.high) <= w {
			v.high = append(v.high, 0)
		}
		word = &v.high[w]
	}
	if *word&(1<<bit) == 0 {
		*word |= 1 << bit
		v.count++
	}
}

func (v *voterSet) String() string {
	var ids []string
	for w, word := range append([]uint64{v.low}, v.high...) {
		for b := 0; b < 64; b++ {
			if word&(1<<uint(b)) != 0 {
				ids = append(ids, sim.NodeID(w*64+b).String())
			}
		}
	}
	return "{" + strings.Join(ids, " ") + "}"
}

// newChosen returns the check, with room for about slots slots, or nil if
// the protocol does not decode its votes (the check needs them).
func newChosen(s *sim.Sim, proto *protocol.Protocol, servers, slots int) *chosen {
	if proto.DecodeVote == nil {
		return nil
	}
	return &chosen{s: s, decode: proto.DecodeVote, majority: servers/2 + 1, marks: make([]int, servers),
		entries: make([]ballotVotes, 0, slots), slots: make([]int32, 0, slots),
		disks: make([]*sim.Disk, servers), decoded: make(map[string]decodedRecord, slots)}
}

// ingest reads the votes a server made durable since the last look.
func (c *chosen) ingest(id int) *Failure {
	d := c.disks[id]
	if d == nil {
		d = c.s.Disk(sim.NodeID(id))
		c.disks[id] = d
	}
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
		v, isVote, err := c.decodeRecord(k, value)
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

// decodeRecord decodes a durable record through the protocol's decoder,
// or recalls what the same bytes under the same key decoded to.
func (c *chosen) decodeRecord(key string, value []byte) (protocol.Vote, bool, error) {
	if r, ok := c.decoded[key]; ok && bytes.Equal(r.raw, value) {
		return r.vote, r.isVote, nil
	}
	v, isVote, err := c.decode(key, value)
	if err == nil {
		c.decoded[key] = decodedRecord{raw: value, vote: v, isVote: isVote}
	}
	return v, isVote, err
}

func (c *chosen) vote(v protocol.Vote, id sim.NodeID) {
	for len(c.slots) <= v.Slot {
		c.slots = append(c.slots, 0)
	}
	found := false
	c.each(v.Slot, func(bv *ballotVotes) bool {
		if bv.ballot == v.Ballot && bv.value == v.Command {
			bv.voters.add(id)
			found = true
		}
		return !found
	})
	if found {
		return
	}
	c.entries = append(c.entries, ballotVotes{ballot: v.Ballot, value: v.Command, next: c.slots[v.Slot]})
	c.entries[len(c.entries)-1].voters.add(id)
	c.slots[v.Slot] = int32(len(c.entries))
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
	supported := false
	c.each(slot, func(bv *ballotVotes) bool {
		supported = bv.value == value && bv.voters.count >= c.majority
		return !supported
	})
	if supported {
		return nil
	}
	return fail(CheckChosen, "n%d treats %s as decided in slot %d, but no majority (%d of %d) ever cast a durable vote for it at one ballot; durable votes for slot %d: %s",
		id, r.Command(slot), slot, c.majority, len(c.marks), slot, c.describeVotes(slot))
}

// describeVotes lists every durable vote ever cast in slot.
func (c *chosen) describeVotes(slot int) string {
	var parts []string
	c.each(slot, func(bv *ballotVotes) bool {
		parts = append(parts, fmt.Sprintf("%v value %016x by %s", bv.ballot, bv.value, &bv.voters))
		return true
	})
	if len(parts) == 0 {
		return "none"
	}
	slices.Reverse(parts) // oldest first
	return strings.Join(parts, "; ")
}
