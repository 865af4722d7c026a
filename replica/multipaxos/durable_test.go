package multipaxos

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestRestartRebuildsFromDisk(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	y2 := cmdFrom(client, 2, Append("y", "2"))
	r, env := testReplica(t, 0, 3, "")
	r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
	r.Receive(1, Accept{B: bal(1, 1), Slot: 2, Cmd: y2})
	r.Receive(2, Prepare{B: bal(3, 2), From: 1})
	r.Receive(2, Accept{B: bal(3, 2), Slot: 2, Cmd: x1})
	require.Zero(t, env.D.Unsynced())

	r2 := restartOn(t, env, 0, 3)
	require.Equal(t, bal(3, 2), r2.Promised())
	for _, tc := range []struct {
		slot int
		b    Ballot
		cmd  Command
	}{{0, bal(1, 1), x1}, {2, bal(3, 2), x1}} {
		b, cmd, ok := r2.Vote(tc.slot)
		require.True(t, ok)
		require.Equal(t, tc.b, b)
		require.Equal(t, tc.cmd, cmd)
	}
	_, _, ok := r2.Vote(1)
	require.False(t, ok)
	require.Zero(t, r2.Committed(), "the commit point is volatile")
	require.EqualValues(t, 1, r2.Coverage().DiskRecoveries)
	require.Zero(t, r2.Rejects().CorruptRecords)
}

// A vote implies a promise: if the promised record is unreadable, the
// votes still bound the promise from below.
func TestCorruptRecordsAreIgnored(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	r, env := testReplica(t, 0, 3, "")
	r.Receive(1, Accept{B: bal(2, 1), Slot: 0, Cmd: x1})
	r.Receive(1, Accept{B: bal(2, 1), Slot: 1, Cmd: x1})
	good, _, _ := env.D.Read(voteKey(1))
	flipped := append([]byte(nil), good...)
	flipped[4] ^= 0x40
	env.D.Write(keyPromised, []byte("garbage"))
	env.D.Write(voteKey(1), flipped)
	env.D.Write(voteKey(7), good) // a valid record under the wrong key
	env.D.Write(votePrefix+"zz", nil)
	env.D.Sync()
	var r2 *Replica
	require.NotPanics(t, func() { r2 = restartOn(t, env, 0, 3) })
	require.EqualValues(t, 4, r2.Rejects().CorruptRecords, "promised, flipped, misplaced, empty")
	require.Equal(t, bal(2, 1), r2.Promised())
	_, _, ok := r2.Vote(0)
	require.True(t, ok)
	_, _, ok = r2.Vote(1)
	require.False(t, ok)
	require.Equal(t, 1, r2.LogLength())
}

// A torn record (a crash in the middle of an unsynced write of a new key)
// reads as sim.ErrTorn and is treated as absent.
func TestTornRecordIsAbsent(t *testing.T) {
	for seed := uint64(1); seed < 100; seed++ {
		s, err := sim.New(sim.Config{Seed: seed})
		require.NoError(t, err)
		f, err := New(Config{N: 3})
		require.NoError(t, err)
		id := s.AddNode(f)
		s.AddNode(f)
		s.AddNode(f)
		s.Start(id)
		d := s.Disk(id)
		for i := 0; i < 4; i++ {
			d.Write(voteKey(10+i), encodeTestVote(t, 10+i)) // unsynced writes of new keys
		}
		s.CrashWith(id, sim.DiskTear)
		torn := false
		for i := 0; i < 4; i++ {
			if _, _, err := d.Read(voteKey(10 + i)); err == sim.ErrTorn {
				torn = true
			}
		}
		if !torn {
			continue
		}
		s.Restart(id)
		r := s.Node(id).(*Replica)
		require.EqualValues(t, 1, r.Rejects().CorruptRecords)
		require.Equal(t, 0, r.Committed())
		return
	}
	t.Fatal("no seed tore a write")
}

func encodeTestVote(t *testing.T, slot int) []byte {
	r, env := testReplica(t, 0, 3, "")
	r.Receive(1, Accept{B: bal(1, 1), Slot: slot, Cmd: cmdFrom(client, 1, Put("k", "v"))})
	v, _, _ := env.D.Read(voteKey(slot))
	return v
}

func TestRecordRoundTripAndGarbage(t *testing.T) {
	rec := encodeTestVote(t, 123456)
	s, b, cmd, err := decodeVote(rec)
	require.NoError(t, err)
	require.Equal(t, 123456, s)
	require.Equal(t, bal(1, 1), b)
	require.Equal(t, cmdFrom(client, 1, Put("k", "v")), cmd)
	// Every truncation, every single-byte change and random garbage is
	// rejected without a panic.
	for n := 0; n < len(rec); n++ {
		_, _, _, err := decodeVote(rec[:n])
		require.Error(t, err)
	}
	for i := range rec {
		bad := append([]byte(nil), rec...)
		bad[i] ^= 0x01
		_, _, _, err := decodeVote(bad)
		require.Error(t, err, "byte %d", i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		junk := make([]byte, r.IntN(64))
		for j := range junk {
			junk[j] = byte(r.UintN(256))
		}
		require.NotPanics(t, func() { _, _, _, _ = decodeVote(junk); _, _ = decodePromised(junk) })
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte{magicVote, recVersion, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, _ = decodeVote(b)
		_, _ = decodePromised(b)
	})
}
