package paxossimtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxossim/paxossim/explore"
)

// Explore runs an exhaustive search (package explore) from go test. It
// fails t on a violation, with the shortest path to it and the command
// that replays it (the counterexample is written as params.json in a new
// temporary directory, which outlives the test), and when the search is cut by its MaxDepth or MaxStates before it
// explored every state within its bounds: a search that did not finish
// proved nothing. It returns the result for the caller's own assertions
// (a golden state count).
//
//	func TestExplore(t *testing.T) {
//		su := explore.Setup{Protocol: "paxos", Servers: 3, Clients: 2, Ops: 2, Seed: 2}
//		p, err := su.Params()
//		...
//		paxossimtest.Explore(t, explore.Config{Params: p, MaxRound: 1})
//	}
func Explore(t testing.TB, cfg explore.Config) explore.Result {
	t.Helper()
	res, err := explore.Explore(cfg)
	if err != nil {
		t.Fatalf("explore: %v", err)
	}
	t.Logf("explore: %d states, %d transitions, depth %d, %d pruned at the ballot bound, %.0f states/s",
		res.States, res.Transitions, res.Depth, res.Pruned, res.StatesPerSecond())
	if v := res.Violation; v != nil {
		choices := make([]string, len(v.Path))
		for i, c := range v.Path {
			choices[i] = c.String()
		}
		msg := "explore: " + string(v.Failure.Check) + " after " + strings.Join(choices, " ") + "\n" + v.Failure.Fact
		dir, err := os.MkdirTemp("", "paxossim-explore-")
		if data, jerr := json.MarshalIndent(v.Params, "", "  "); err == nil && jerr == nil {
			path := filepath.Join(dir, "params.json")
			if err := os.WriteFile(path, append(data, '\n'), 0o644); err == nil {
				msg += "\nreplay: paxossim replay -plan " + path + " -trace"
			}
		}
		t.Fatal(msg)
	}
	if !res.Complete {
		t.Fatalf("explore: cut by MaxDepth=%d or MaxStates=%d after %d states: the bounded space was not explored", cfg.MaxDepth, cfg.MaxStates, res.States)
	}
	return res
}
