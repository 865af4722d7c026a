package etcdraft_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"

	"example.com/etcdraft"
)

// counterexample is examples/etcdraft36's shrunk counterexample of
// etcd#20418 on v3.6.0, read from that module so that both replay the
// same run.
const counterexample = "../etcdraft36/testdata/etcd20418.json"

// TestStaleReadFixed replays on v3.7.0 the run that makes v3.6.0 return a
// stale read, and requires it to pass every check.
func TestStaleReadFixed(t *testing.T) {
	raw, err := os.ReadFile(counterexample)
	if err != nil {
		t.Fatal(err)
	}
	// The file names v3.6.0's protocol, which this module cannot load
	// (one Go module holds one version of raft); both take the same config.
	from, to := []byte(`"protocol": "etcdraft36"`), []byte(`"protocol": "`+etcdraft.Name+`"`)
	if bytes.Count(raw, from) != 1 {
		t.Fatalf("%s: want one %s", counterexample, from)
	}
	p, err := runner.DecodeParams(bytes.Replace(raw, from, to, 1))
	if err != nil {
		t.Fatal(err)
	}
	if r := scenarios.RunParams(p, scenarios.RunOptions{}); r.Failure != nil {
		t.Fatalf("%s on v3.7.0: %v", counterexample, r.Failure)
	}
}
