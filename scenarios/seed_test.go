package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSeed(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "42": 42, "0x2a": 42, "0X2A": 42, "18446744073709551615": 1<<64 - 1} {
		got, err := ParseSeed(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", " 1", "-1", "+1", "1e3", "0x", "18446744073709551616", "abc", "1 "} {
		_, err := ParseSeed(bad)
		assert.Error(t, err, bad)
		if err != nil {
			assert.Contains(t, err.Error(), "seed")
		}
	}
}

func TestKnobsPrintInOrder(t *testing.T) {
	var k KnobList
	k.Add("seed", 7)
	k.Add("servers", 3)
	k.Add("loss", 0.05)
	assert.Equal(t, "seed=7\nservers=3\nloss=0.05\n", k.String())
	v, ok := k.Get("servers")
	assert.True(t, ok)
	assert.Equal(t, "3", v)
	_, ok = k.Get("replicas")
	assert.False(t, ok)
}
