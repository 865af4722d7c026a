package runner

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
)

// A toy vote encoding for the check's own tests: key "v/<slot>", value
// round|node|digest as three uint64s.
func putVote(d *sim.Disk, slot int, b protocol.Ballot, value uint64) {
	rec := binary.LittleEndian.AppendUint64(nil, b.Round)
	rec = binary.LittleEndian.AppendUint64(rec, uint64(b.Node))
	rec = binary.LittleEndian.AppendUint64(rec, value)
	d.Write(fmt.Sprintf("v/%d", slot), rec)
}

func decodeToyVote(key string, rec []byte) (protocol.Vote, bool, error) {
	slot, ok := strings.CutPrefix(key, "v/")
	if !ok {
		return protocol.Vote{}, false, nil
	}
	if len(rec) != 24 {
		return protocol.Vote{}, false, fmt.Errorf("%d bytes", len(rec))
	}
	var s int
	fmt.Sscan(slot, &s)
	return protocol.Vote{Slot: s, Ballot: protocol.Ballot{Round: binary.LittleEndian.Uint64(rec), Node: sim.NodeID(binary.LittleEndian.Uint64(rec[8:]))},
		Command: binary.LittleEndian.Uint64(rec[16:])}, true, nil
}

// stubLog is a LogView that only prints commands.
type stubLog struct{ protocol.LogView }

func (stubLog) Command(slot int) string { return fmt.Sprintf("cmd@%d", slot) }

type nopNode struct{}

func (nopNode) Start(sim.Env)                   {}
func (nopNode) Receive(sim.NodeID, sim.Message) {}
func (nopNode) Timer(sim.TimerTag)              {}
func newNop(sim.NodeID) sim.Node                { return nopNode{} }
func ballot(round uint64, n int) protocol.Ballot {
	return protocol.Ballot{Round: round, Node: sim.NodeID(n)}
}

// TestChosenNeedsADurableMajorityAtOneBallot: a value counts as chosen only
// when a majority of servers made a vote for it durable at one ballot;
// votes at different ballots do not add up, unsynced votes do not count,
// and a vote stays in the history after the acceptor moved on to a higher
// ballot (or crashed).
func TestChosenNeedsADurableMajorityAtOneBallot(t *testing.T) {
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		s.AddNode(newNop)
	}
	c := newChosen(s, &protocol.Protocol{DecodeVote: decodeToyVote}, 5, 8)
	require.NotNil(t, c)
	ingestAll := func() {
		for id := 0; id < 5; id++ {
			require.Nil(t, c.ingest(id))
		}
	}
	const x, y = 0xaaaa, 0xbbbb
	// Two votes at ballot 1 and one at ballot 2 for x: no majority (3 of 5) at one ballot.
	putVote(s.Disk(0), 0, ballot(1, 0), x)
	putVote(s.Disk(1), 0, ballot(1, 0), x)
	putVote(s.Disk(2), 0, ballot(2, 2), x)
	for id := 0; id < 3; id++ {
		s.Disk(sim.NodeID(id)).Sync()
	}
	putVote(s.Disk(3), 0, ballot(1, 0), x) // written, never synced: not durable
	ingestAll()
	f := c.check(0, stubLog{}, 0, x)
	require.NotNil(t, f, "3 votes at two ballots (and one unsynced) are no majority")
	assert.Equal(t, CheckChosen, f.Check)
	assert.Contains(t, f.Fact, "(1,n0) value 000000000000aaaa by {n0 n1}")

	// The unsynced vote becomes durable: x has a majority at ballot 1.
	s.Disk(3).Sync()
	ingestAll()
	assert.Nil(t, c.check(0, stubLog{}, 0, x))
	assert.NotNil(t, c.check(0, stubLog{}, 0, y), "another value is not chosen")

	// The acceptors move on to ballot 3 for y: x stays chosen at ballot 1.
	for id := 0; id < 2; id++ {
		putVote(s.Disk(sim.NodeID(id)), 0, ballot(3, 1), y)
		s.Disk(sim.NodeID(id)).Sync()
	}
	ingestAll()
	assert.Nil(t, c.check(0, stubLog{}, 0, x), "a vote history, not the current votes")
	assert.NotNil(t, c.check(0, stubLog{}, 0, y), "two votes for y are no majority")
	assert.NotNil(t, c.check(1, stubLog{}, 7, x), "nothing was voted in slot 7")

	// A synced record that does not decode is a failure, not a missing vote.
	s.Disk(4).Write("v/1", []byte("torn"))
	s.Disk(4).Sync()
	f = c.ingest(4)
	require.NotNil(t, f)
	assert.Equal(t, CheckChosen, f.Check)
}
