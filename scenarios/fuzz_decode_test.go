package scenarios_test

import (
	"encoding/json"
	"reflect"
	"runtime"
	"testing"

	"github.com/paxossim/paxossim/scenarios"
)

// FuzzDecodeHistory fuzzes the decoder of a saved history (history.json
// in a failure's artifacts, which Recheck reads): for any input it
// returns an error or a history whose every operation the spec accepts,
// never panics, and allocates in proportion to the input; a history it
// accepts survives a round trip through EncodeHistory unchanged.
//
//	go test ./scenarios -run '^$' -fuzz '^FuzzDecodeHistory$' -fuzztime 10s -fuzzminimizetime 100x
//
// Without -fuzz it runs its seeds (the histories of runs of the named
// scenarios, a failing mutant's among them, and
// testdata/fuzz/FuzzDecodeHistory) as a test.
func FuzzDecodeHistory(f *testing.F) {
	for _, run := range []struct {
		scenario, mutant string
		seed             uint64
	}{{"calm-3", "", 1}, {"chaos", "", 2}, {"calm-3", "execute-before-commit", 1}, {"crashes-5", "", 3}} {
		sc, err := scenarios.Lookup(run.scenario)
		if err != nil {
			f.Fatal(err)
		}
		res := scenarios.Run(sc, run.seed, run.mutant, scenarios.RunOptions{SkipLinearizability: true})
		h, err := scenarios.EncodeHistory(res.Params.Protocol, res.History)
		if err != nil {
			f.Fatal(err)
		}
		data, err := json.Marshal(h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"schema":1,"protocol":"multipaxos","spec":"kv","ops":[]}`))
	f.Add([]byte(`{"schema":1,"protocol":"multipaxos","spec":"kv","ops":[{"client":0,"call_ns":5,"return_ns":1,"input":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ops, _, err := scenarios.DecodeHistory(data)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(data))+16<<20 {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(data), grew)
		}
		if err != nil {
			return
		}
		for i, op := range ops {
			if op.Call > op.Return {
				t.Fatalf("accepted operation %d returning before its call: %+v", i, op)
			}
		}
		var file scenarios.HistoryFile
		if err := json.Unmarshal(data, &file); err != nil {
			t.Fatalf("accepted a history that is not a HistoryFile: %v", err)
		}
		h, err := scenarios.EncodeHistory(file.Protocol, ops)
		if err != nil || h.Spec != file.Spec {
			// The decoder reads a history by its spec; the protocol it
			// names is not checked (one this binary does not have, or one
			// that serves another spec: testdata's
			// protocol-serves-another-spec), so there is no encoder to
			// round-trip through.
			return
		}
		again, err := json.Marshal(h)
		if err != nil {
			t.Fatalf("an accepted history does not encode: %v", err)
		}
		ops2, _, err := scenarios.DecodeHistory(again)
		if err != nil {
			t.Fatalf("an accepted history, encoded again, is refused: %v\n%s", err, again)
		}
		if len(ops) != len(ops2) || (len(ops) > 0 && !reflect.DeepEqual(ops, ops2)) {
			t.Fatalf("an accepted history changes in a round trip:\n%+v\n%+v", ops, ops2)
		}
	})
}
