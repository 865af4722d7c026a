package scenarios

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// Workload describes what the simulated clients do: closed-loop clients,
// each issuing Ops operations drawn from the mix over Keys keys, pausing a
// think time drawn from [ThinkMin, ThinkMax] between operations.
type Workload struct {
	Clients int
	// Ops is the number of operations per client.
	Ops int
	// Keys is the size of the key space ("k0".."k<Keys-1>"). Few keys make
	// operations contend, which is what makes the linearizability check
	// sharp.
	Keys int
	// GetWeight, PutWeight and AppendWeight give the operation mix; an
	// operation is drawn with probability weight/sum. Append is what makes
	// lost or doubled writes visible.
	GetWeight, PutWeight, AppendWeight int
	// ThinkMin and ThinkMax bound the pause between a response and the next
	// operation.
	ThinkMin, ThinkMax sim.Duration
	// StartAfter is when clients issue their first operation. Starting
	// after the cluster's first election keeps operations from spanning it:
	// an operation open for hundreds of milliseconds next to many short
	// ones is what makes a history expensive for the linearizability
	// checker (measured: 90 operations on one key that porcupine could not
	// settle in minutes, all from clients started at time 0).
	StartAfter sim.Duration
}

// DefaultStartAfter is the named scenarios' StartAfter: past the default
// election timeout (at most 500ms) plus a round trip.
const DefaultStartAfter = 600 * sim.Millisecond

// Validate reports a workload that cannot run, naming the field.
func (w Workload) Validate() error {
	switch {
	case w.Clients < 1:
		return fmt.Errorf("workload: Clients = %d: need at least 1", w.Clients)
	case w.Ops < 0:
		return fmt.Errorf("workload: Ops = %d: must be >= 0", w.Ops)
	case w.Keys < 1:
		return fmt.Errorf("workload: Keys = %d: need at least 1", w.Keys)
	case w.GetWeight < 0 || w.PutWeight < 0 || w.AppendWeight < 0:
		return fmt.Errorf("workload: operation weights (%d, %d, %d) must be >= 0", w.GetWeight, w.PutWeight, w.AppendWeight)
	case w.GetWeight+w.PutWeight+w.AppendWeight == 0:
		return fmt.Errorf("workload: operation weights are all 0")
	case w.ThinkMin < 0 || w.ThinkMax < w.ThinkMin:
		return fmt.Errorf("workload: think time [%v, %v]: need 0 <= ThinkMin <= ThinkMax", w.ThinkMin, w.ThinkMax)
	case w.StartAfter < 0:
		return fmt.Errorf("workload: StartAfter = %v: must be >= 0", w.StartAfter)
	}
	return nil
}

// String prints the workload for the seed= block.
func (w Workload) String() string {
	return fmt.Sprintf("clients=%d ops/client=%d keys=%d mix=get:%d,put:%d,append:%d think=[%v,%v] start=%v",
		w.Clients, w.Ops, w.Keys, w.GetWeight, w.PutWeight, w.AppendWeight, w.ThinkMin, w.ThinkMax, w.StartAfter)
}

// kvWorkload is one client's operation stream. Every written value is
// unique in the run ("<client>.<n>;"), so a read tells exactly which writes
// it saw, and an append applied twice or lost is visible in the value.
type kvWorkload struct {
	w      Workload
	client int
	issued int
}

func (k *kvWorkload) Next(r *rand.Rand) (multipaxos.Command, bool) {
	if k.issued >= k.w.Ops {
		return multipaxos.Command{}, false
	}
	k.issued++
	key := "k" + strconv.Itoa(r.IntN(k.w.Keys))
	value := strconv.Itoa(k.client) + "." + strconv.Itoa(k.issued) + ";"
	pick := r.IntN(k.w.GetWeight + k.w.PutWeight + k.w.AppendWeight)
	switch {
	case pick < k.w.GetWeight:
		return multipaxos.Get(key), true
	case pick < k.w.GetWeight+k.w.PutWeight:
		return multipaxos.Put(key, value), true
	default:
		return multipaxos.Append(key, value), true
	}
}
