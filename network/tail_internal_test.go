package network

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/paxossim/paxossim/sim"
)

func TestParetoTailEndpointsAndShape(t *testing.T) {
	const top = tailSteps * (tailRange - 1)
	max := 200 * sim.Millisecond
	assert.Equal(t, max, paretoTail(max, 0))
	assert.Equal(t, max/tailRange, paretoTail(max, top))
	assert.Equal(t, LatencyLimit, paretoTail(LatencyLimit, 0), "no overflow at the limit")
	assert.Zero(t, paretoTail(0, 5))
	// P(extra > x) = (max/x - 1)/(tailRange-1): exactly, over every u.
	over := func(x sim.Duration) int {
		n := 0
		for u := uint64(0); u <= top; u++ {
			if paretoTail(max, u) > x {
				n++
			}
		}
		return n
	}
	for _, x := range []sim.Duration{max / 50, max / 10, max / 2} {
		want := (float64(max)/float64(x) - 1) / (tailRange - 1)
		assert.InDelta(t, want, float64(over(x))/float64(top+1), 0.002, "x=%v", x)
	}
	// Non-increasing in u.
	prev := paretoTail(max, 0)
	for u := uint64(1); u <= top; u++ {
		d := paretoTail(max, u)
		assert.LessOrEqual(t, d, prev)
		prev = d
	}
}
