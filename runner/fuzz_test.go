package runner_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"testing"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
)

// The decoders of saved runs under fuzzing: params.json (DecodeParams,
// what replay -plan, shrink -plan and -paxossim.plan read) and a fault
// plan (faults.ParsePlan). For any input the decoder returns an error or
// a valid value, never panics, and allocates in proportion to the input,
// whatever sizes the input claims; a value it accepts survives a round
// trip through the encoder unchanged.
//
//	go test ./runner -run '^$' -fuzz '^FuzzDecodeParams$' -fuzztime 10s -fuzzminimizetime 100x
//	go test ./runner -run '^$' -fuzz '^FuzzParsePlan$' -fuzztime 10s -fuzzminimizetime 100x
//
// Without -fuzz each runs its seeds (runs drawn from the named scenarios,
// each fault kind among them, and testdata/fuzz/NAME) as a test.

// allocSlack is what a decode may allocate besides a multiple of its
// input: the protocol's and spec's config resolution, the error text.
const allocSlack = 16 << 20

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// drawnRuns are valid saved runs, as JSON, to start the fuzzers from.
func drawnRuns(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range []string{"calm", "chaos", "chaos-5", "partitions", "crashes", "clocks", "unhealed", "nemesis-leader-isolation-3"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			f.Fatal(err)
		}
		for seed := uint64(1); seed <= 3; seed++ {
			p, err := sc.Params(seed, "")
			if err != nil {
				f.Fatal(err)
			}
			data, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, data)
		}
	}
	return out
}

func FuzzDecodeParams(f *testing.F) {
	for _, data := range drawnRuns(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`{"schema":1,"servers":64,"workload":{"clients":1000,"ops_per_client":1000000}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p runner.Params
		var err error
		if grew := allocated(func() { p, err = runner.DecodeParams(data) }); grew > uint64(64*len(data))+allocSlack {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(data), grew)
		}
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted params that do not validate: %v", err)
		}
		again, err := json.Marshal(&p)
		if err != nil {
			t.Fatalf("accepted params that do not encode: %v", err)
		}
		q, err := runner.DecodeParams(again)
		if err != nil {
			t.Fatalf("accepted params, encoded again, are refused: %v\n%s", err, again)
		}
		if twice, _ := json.Marshal(&q); !bytes.Equal(again, twice) {
			t.Fatalf("accepted params change in a round trip:\n%s\n%s", again, twice)
		}
	})
}

func FuzzParsePlan(f *testing.F) {
	for _, data := range drawnRuns(f) {
		var p runner.Params
		if err := json.Unmarshal(data, &p); err != nil {
			f.Fatal(err)
		}
		plan, err := json.Marshal(p.Plan)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(plan, uint16(p.Servers+p.Workload.Clients), uint8(p.Servers))
	}
	f.Add([]byte(`{"faults":[]}`), uint16(3), uint8(3))
	f.Add([]byte(`{"faults":[{"kind":"heal-all","at":"1s"}]}`), uint16(1), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, nodes uint16, servers uint8) {
		// As many nodes as a saved run may have: the most servers a
		// protocol runs, and runner.MaxClients clients.
		n, s := int(nodes)%(runner.MaxClients+65), int(servers)%65
		var p faults.Plan
		var err error
		if grew := allocated(func() { p, err = faults.ParsePlan(data, n, s) }); grew > uint64(64*len(data))+allocSlack {
			t.Fatalf("parsing %d bytes allocated %d bytes", len(data), grew)
		}
		if err != nil {
			return
		}
		if err := p.Validate(n, s); err != nil {
			t.Fatalf("accepted a plan that does not validate: %v", err)
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("accepted a plan that does not encode: %v", err)
		}
		q, err := faults.ParsePlan(again, n, s)
		if err != nil {
			t.Fatalf("an accepted plan, encoded again, is refused: %v\n%s", err, again)
		}
		if twice, _ := json.Marshal(q); !bytes.Equal(again, twice) {
			t.Fatalf("an accepted plan changes in a round trip:\n%s\n%s", again, twice)
		}
	})
}
