package etcdraft36_test

import (
	"testing"

	"github.com/paxossim/paxossim/scenarios"
)

// counterexample is the hunt's shrunk counterexample of etcd#20418 (found
// by TestHunt -etcdraft36.hunt-out, shrunk by scenarios.MinimizeParams):
// 3 servers, 4 clients, one clog, one pause, one cut. examples/etcdraft
// replays the same file on v3.7.0.
const counterexample = "testdata/etcd20418.json"

// TestStaleReadFound replays the counterexample and requires the
// linearizability check to fail it through the bug's mechanism: a test of
// the harness's power as much as of the bug. If a change to the harness
// reshuffles the run's draws so that it no longer fails, run the hunt
// again for a new file.
func TestStaleReadFound(t *testing.T) {
	p, err := scenarios.LoadParams(counterexample)
	if err != nil {
		t.Fatal(err)
	}
	r := scenarios.RunParams(p, scenarios.RunOptions{})
	if r.Failure == nil || r.Failure.Check != scenarios.CheckLinearizability {
		t.Fatalf("%s on v3.6.0: want a linearizability failure (etcd#20418's stale read), got %v", counterexample, r.Failure)
	}
	if n, _ := r.Coverage.Get("released-by-repeat"); n == 0 {
		t.Fatalf("%s failed (%v) without a repeated context releasing other reads: not etcd#20418", counterexample, r.Failure)
	}
}
