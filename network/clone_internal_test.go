package network

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
	"github.com/paxossim/paxossim/sim"
)

// TestCloneFollowsFields: Network.CloneInto copies these structs field by
// field (clone.go). A field added to one of them must be copied there too,
// or be known safe to share: update clone.go, then this list.
func TestCloneFollowsFields(t *testing.T) {
	require.Equal(t, []string{"s", "cfg", "n", "servers", "links", "held"}, fieldlist.Names(Network{}))
	require.Equal(t, []string{"stats", "lastAt", "epoch", "cut", "clogged", "clogGen"}, fieldlist.Names(link{}))
}

// TestCloneIsIndependent: a copied network's links, statistics and held
// messages change apart from the original's.
func TestCloneIsIndependent(t *testing.T) {
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	for range 3 {
		s.AddNode(func(sim.NodeID) sim.Node { return nil })
	}
	n, err := New(s, 3, Reliable())
	require.NoError(t, err)
	n.held = map[int][]heldMsg{1: {{token: 7}}}
	n.links[1].clogged = true
	c := n.Clone(s)
	c.held[1][0].token = 8
	c.links[1].clogged = false
	c.links[2].stats.Sent = 5
	c.links[2].cut = true
	require.Equal(t, uint32(7), n.held[1][0].token)
	require.True(t, n.links[1].clogged)
	require.Zero(t, n.links[2].stats.Sent)
	require.False(t, n.links[2].cut)
	d := n.CloneInto(c, s) // c is dropped: its memory is reused
	require.Same(t, c, d)
	require.Equal(t, uint32(7), d.held[1][0].token)
	require.Zero(t, d.links[2].stats.Sent)
	require.False(t, d.links[2].cut)
}
