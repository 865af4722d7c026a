package etcdraft36_test

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"testing"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"

	"example.com/etcdraft36"
)

// The stale-read-index nemesis aims at etcd#20418. A round: clog every
// link into the leader and pause it, long enough for the others to elect
// a new leader and commit; just before the old leader resumes, cut the
// link from the new leader to it (which drops the new leader's held
// messages, so nothing tells it of the new term); the clog ends a little
// after the resume. The old leader then handles, as the leader it still
// believes it is, a client's Get that arrived while it was paused, and
// then the messages the clog held: a follower's ReadIndex retried with
// the context of a read it already confirmed, and a follower's
// heartbeat acknowledgement carrying that context.
func staleReadIndex(r *rand.Rand, cfg faults.GenConfig) (faults.Plan, error) {
	ms := func(lo, hi int64) sim.Duration { return sim.Duration(lo+r.Int64N(hi-lo+1)) * sim.Millisecond }
	var fs []faults.Fault
	t, end := cfg.Start, cfg.Start.Add(cfg.Duration)
	for {
		t = t.Add(ms(100, 400))
		pause := ms(300, 700)
		clog := pause + ms(10, 80)
		if t.Add(clog+60*sim.Millisecond) >= end {
			break
		}
		for id := range sim.NodeID(cfg.Servers) {
			fs = append(fs, faults.Fault{At: t, Kind: faults.KindClog, From: id, ToRole: faults.RoleLeader, Duration: clog})
		}
		fs = append(fs, faults.Fault{At: t, Kind: faults.KindPause, Role: faults.RoleLeader, Duration: pause},
			faults.Fault{At: t.Add(pause - 10*sim.Millisecond), Kind: faults.KindCut, FromRole: faults.RoleLeader, ToRole: faults.RoleLastLeader})
		t = t.Add(clog + ms(20, 50))
		fs = append(fs, faults.Fault{At: t, Kind: faults.KindHeal})
	}
	return faults.Plan{Faults: fs}, nil
}

func init() {
	faults.MustRegisterNemesis("stale-read-index", "pause and deafen the leader while a new one commits, then release acknowledgements and ReadIndex retries held for it", staleReadIndex)
}

func TestStaleReadIndex(t *testing.T) {
	o := opts
	o.Scenarios = []string{"nemesis-stale-read-index"}
	paxossimtest.Seeds(t, o)
}

// hunt is the nemesis's scenario with every Get a ReadIndex read and
// elections faster than the clients think, so that a client's next Get
// can start after a write that a newly elected leader committed during
// the old leader's pause.
func hunt(t *testing.T) *scenarios.Scenario {
	sc, err := scenarios.LookupFor(etcdraft36.Name, "nemesis-stale-read-index")
	if err != nil {
		t.Fatal(err)
	}
	sc.Name = "stale-read-index-hunt"
	cfg := etcdraft36.DefaultSettings()
	cfg.Reads, cfg.ElectionTicks, cfg.HeartbeatTicks, cfg.ReadRetryMs = etcdraft36.ReadsIndex, 5, 1, 40
	cfg.CheckQuorum = !*huntNoQuor
	sc.Config, _ = json.Marshal(cfg)
	sc.Workload.ThinkMax = 400 * sim.Millisecond
	return sc
}

var (
	huntSeeds  = flag.Int("etcdraft36.hunt", 0, "seeds of the etcd#20418 hunt (TestHunt); 0 skips it")
	huntNoQuor = flag.Bool("etcdraft36.hunt-no-check-quorum", false, "hunt with CheckQuorum off (etcd runs with it on)")
)

// TestHunt hunts etcd#20418 on v3.6.0 with the linearizability check, and
// reports the seeds to the first detection. It is a long run: make
// etcdraft-sweep runs it.
func TestHunt(t *testing.T) {
	if *huntSeeds <= 0 {
		t.Skip("a long hunt: -etcdraft36.hunt=N runs it over N seeds")
	}
	sw := scenarios.Sweep{Scenario: hunt(t), Start: 1, Count: *huntSeeds, StopAfter: 1}
	sum, err := sw.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sum.String())
	for _, f := range sum.Failed {
		t.Logf("detected at seed %d (%d seeds from the start): %s: %.600s", f.Params.Seed, f.Params.Seed, f.Failure.Check, f.Failure.Fact)
	}
}
