package sim

import "math/rand/v2"

// Stream domains keep the random streams of a run independent: a node's
// stream depends only on (seed, node, incarnation), so adding a node, a fault
// or a network decision never reshuffles the choices of another stream.
const (
	domainNode     uint64 = 1
	domainNetwork  uint64 = 2
	domainFaults   uint64 = 3
	domainUser     uint64 = 4
	domainSchedule uint64 = 5 // a scheduler's own draws (PCT)
)

// splitmix64 is the finalizer of SplitMix64: a bijective, well-mixing
// function used to derive independent stream keys.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// NewStream returns the random stream for (seed, domain, a, b). Streams with
// different arguments are independent for all practical purposes.
func NewStream(seed, domain, a, b uint64) *rand.Rand {
	r, _ := newStream(seed, domain, a, b)
	return r
}

// newStream is NewStream with its source, which a snapshot of the world
// copies (Sim.Clone): a Rand does not hand out its source.
func newStream(seed, domain, a, b uint64) (*rand.Rand, *rand.PCG) {
	hi := splitmix64(seed ^ splitmix64(domain))
	lo := splitmix64(hi ^ splitmix64(a<<32^b^0x5bd1e995))
	src := rand.NewPCG(hi, lo)
	return rand.New(src), src
}
