package explore

import (
	"os"
	"strconv"
	"testing"

	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

// TestComparePCT measures seeds to detection of every mutant of the
// catalogue under the default order and under DefaultPCT. It is a
// measurement, a minute or more: it runs only when PAXOSSIM_PCT_BASES names
// how many base seeds to hunt from (PAXOSSIM_PCT_DEPTH and
// PAXOSSIM_PCT_WINDOW override the schedule's depth and window).
func TestComparePCT(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PAXOSSIM_PCT_BASES"))
	if n <= 0 {
		t.Skip("set PAXOSSIM_PCT_BASES=N to measure PCT against the default order from N base seeds")
	}
	bases := make([]uint64, n)
	for i := range bases {
		bases[i] = 15_000_000 + uint64(i)*100_000
	}
	sched := DefaultPCT
	if d, _ := strconv.Atoi(os.Getenv("PAXOSSIM_PCT_DEPTH")); d > 0 {
		sched.Depth = d
	}
	if w := os.Getenv("PAXOSSIM_PCT_WINDOW"); w != "" {
		var err error
		if sched.Window, err = sim.ParseDuration(w); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("schedule %+v, %d bases", sched, n)
	rows, err := ComparePCT(scenarios.MutantTargets(), bases, sched)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", PCTTable(rows))
}
