package etcdraft_test

import (
	"testing"

	"github.com/paxossim/paxossim/paxossimtest"
)

// TestEveryScenario sweeps every base scenario (the fault scenarios and
// the nemeses). The final figures come from -paxossim.seeds=5000.
func TestEveryScenario(t *testing.T) {
	o := opts
	o.Scenarios, o.Seeds = nil, 10
	paxossimtest.Seeds(t, o)
}
