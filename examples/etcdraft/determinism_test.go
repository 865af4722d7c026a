package etcdraft_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/paxossim/paxossim/scenarios"

	"example.com/etcdraft"
)

type job struct {
	scenario string
	seed     uint64
}

func runHash(t *testing.T, j job) (uint64, string) {
	sc, err := scenarios.LookupFor(etcdraft.Name, j.scenario)
	if err != nil {
		t.Fatal(err)
	}
	r := scenarios.Run(sc, j.seed, "", scenarios.RunOptions{SkipLinearizability: true})
	verdict := "pass"
	if r.Failure != nil {
		verdict = string(r.Failure.Check)
	}
	return r.Hash, verdict
}

// TestRunsAreDeterministic: the same seed gives the same trace hash and
// verdict, run one after another, in parallel goroutines, and under
// GOMAXPROCS=1, although raft draws from crypto/rand, across every base
// scenario. It fails without TestMain's ZeroReader (raft's election
// timeouts then differ from run to run).
func TestRunsAreDeterministic(t *testing.T) {
	var jobs []job
	for i, name := range scenarios.BaseNames() {
		for s := range uint64(2) {
			jobs = append(jobs, job{name, s*1000 + uint64(i)})
		}
	}
	hashes := make([]uint64, len(jobs))
	verdicts := make([]string, len(jobs))
	for i, j := range jobs {
		hashes[i], verdicts[i] = runHash(t, j)
	}
	parallel := func() {
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Go(func() {
				h, v := runHash(t, j)
				if h != hashes[i] || v != verdicts[i] {
					t.Errorf("%v: hash %016x verdict %s, first run %016x %s", j, h, v, hashes[i], verdicts[i])
				}
			})
		}
		wg.Wait()
	}
	parallel()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	parallel()
}

// TestRaftDrawsThroughTheReader: raft's election-timeout draws really go
// through crypto/rand.Reader, so replacing it is what makes runs
// deterministic (if a raft release drew from elsewhere, this fails, and
// the determinism test with it).
func TestRaftDrawsThroughTheReader(t *testing.T) {
	before := etcdraft.ZeroReader.Reads()
	runHash(t, job{"calm-3", 1})
	if etcdraft.ZeroReader.Reads() == before {
		t.Fatal("a run of raft read nothing through crypto/rand.Reader")
	}
}
