package etcdraft_test

import (
	cryptorand "crypto/rand"
	"os"
	"testing"

	"github.com/paxossim/paxossim/paxossimtest"

	"example.com/etcdraft"
)

// TestMain makes raft's crypto/rand draws constant for the whole test
// binary (determinism.go explains why, and the other options).
func TestMain(m *testing.M) {
	cryptorand.Reader = etcdraft.ZeroReader
	os.Exit(m.Run())
}

var opts = paxossimtest.Options{
	Protocol:  etcdraft.Protocol,
	Scenarios: []string{"calm", "lossy", "partitions", "crashes", "chaos"},
	Seeds:     30,
}

func TestSeeds(t *testing.T)   { paxossimtest.Seeds(t, opts) }
func TestRapid(t *testing.T)   { paxossimtest.Rapid(t, opts) }
func FuzzCluster(f *testing.F) { paxossimtest.Fuzz(f, opts) }
