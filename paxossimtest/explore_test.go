package paxossimtest

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/explore"
	"github.com/paxossim/paxossim/runner"
)

// fatalT records what Explore reports instead of failing the test.
type fatalT struct {
	testing.TB
	fatal string
}

func (t *fatalT) Helper()                   {}
func (t *fatalT) Logf(string, ...any)       {}
func (t *fatalT) Fatalf(f string, a ...any) { t.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (t *fatalT) Fatal(a ...any)            { t.fatal = fmt.Sprint(a...); runtime.Goexit() }

// explore runs Explore on a fatalT in a goroutine of its own (Fatal ends
// it) and returns what it reported.
func exploreFatal(cfg explore.Config) string {
	ft := &fatalT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Explore(ft, cfg)
	}()
	<-done
	return ft.fatal
}

func paxosParams(t *testing.T, mutant string) runner.Params {
	p, err := explore.Setup{Protocol: "paxos", Mutant: mutant, Servers: 3, Clients: 2, Ops: 2, Seed: 2}.Params()
	require.NoError(t, err)
	return p
}

// TestExplore: a mutant fails with its shortest path and a replay command
// whose params.json replays to the same check; a search cut by its bounds
// fails too; a complete search passes.
func TestExplore(t *testing.T) {
	msg := exploreFatal(explore.Config{Params: paxosParams(t, "write-minority"), MaxRound: 1})
	require.Contains(t, msg, "explore: chosen after run:1 run:4 run:4 run:5 run:5 run:5 run:7")
	m := regexp.MustCompile(`replay: paxossim replay -plan (\S+) -trace`).FindStringSubmatch(msg)
	require.Len(t, m, 2, msg)
	data, err := os.ReadFile(m[1])
	require.NoError(t, err)
	os.RemoveAll(strings.TrimSuffix(m[1], "/params.json"))
	p, err := runner.DecodeParams(data)
	require.NoError(t, err)
	res := runner.Simulate(p, runner.Options{})
	require.NotNil(t, res.Failure)
	assert.Equal(t, runner.CheckChosen, res.Failure.Check)

	msg = exploreFatal(explore.Config{Params: paxosParams(t, ""), MaxRound: 1, MaxStates: 100})
	assert.Contains(t, msg, "the bounded space was not explored")

	q := paxosParams(t, "")
	q.Workload.Ops = 1
	q.Workload.Spec = json.RawMessage(`{"get":1,"put":0}`)
	require.NoError(t, q.Validate())
	res2 := Explore(t, explore.Config{Params: q, MaxRound: 1})
	assert.True(t, res2.Complete)
}
