package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

const staleLog = `INFO  jepsen.util - 0	:invoke	:write	1
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 1	:invoke	:write	2
INFO  jepsen.util - 1	:ok	:write	2
INFO  jepsen.util - 0	:invoke	:read	nil
INFO  jepsen.util - 0	:ok	:read	1
`

func TestRecheckJepsenLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "stale.log")
	require.NoError(t, os.WriteFile(log, []byte(staleLog), 0o644))
	code, stdout, stderr := invoke(t, "recheck", log)
	assert.Equal(t, exitCheckFailed, code, stderr)
	assert.Contains(t, stdout, "(Jepsen log, spec cas-register, 3 operations)")
	assert.Contains(t, stdout, "linearizability: violation\n")
	assert.Contains(t, stdout, "checker: exact (1 partitions judged exactly")
	assert.Contains(t, stdout, "explanation: ")
	page := filepath.Join(dir, "stale.html")
	assert.Contains(t, stdout, "page: "+page+"\n")
	assert.FileExists(t, page)

	// The same history judged by the search, with the page elsewhere.
	other := filepath.Join(dir, "other.html")
	code, stdout, _ = invoke(t, "recheck", "-checker", "porcupine", "-html", other, log)
	assert.Equal(t, exitCheckFailed, code)
	assert.Contains(t, stdout, "checker: porcupine")
	assert.FileExists(t, other)

	ok := filepath.Join(dir, "ok.edn")
	require.NoError(t, os.WriteFile(ok, []byte("{:type :invoke, :f :write, :value 1, :process 0, :time 10}\n{:type :ok, :f :write, :value 1, :process 0, :time 20}\n"), 0o644))
	code, stdout, _ = invoke(t, "recheck", ok)
	assert.Equal(t, exitPass, code)
	assert.Contains(t, stdout, "linearizability: ok\n")
	assert.NotContains(t, stdout, "explanation")
	assert.FileExists(t, filepath.Join(dir, "ok.html"))
}

// TestRecheckUnknown: a search cut short by the budget is unknown, exit
// 5, with its reason; -allow-unknown makes it exit 0; the page is written
// all the same.
func TestRecheckUnknown(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	// Many concurrent writes of repeated values, then reads: the exact
	// checker does not apply, and a budget of a few steps cannot finish.
	for p := range 8 {
		fmt.Fprintf(&b, "%d\t:invoke\t:write\t%d\n", p, p%3)
	}
	for p := range 8 {
		fmt.Fprintf(&b, "%d\t:ok\t:write\t%d\n", p, p%3)
	}
	for p := range 8 {
		fmt.Fprintf(&b, "%d\t:invoke\t:read\tnil\n%d\t:ok\t:read\t%d\n", p, p, p%3)
	}
	log := filepath.Join(dir, "busy.log")
	require.NoError(t, os.WriteFile(log, []byte(b.String()), 0o644))
	code, stdout, _ := invoke(t, "recheck", "-budget", "3", log)
	assert.Equal(t, exitIncomplete, code, stdout)
	assert.Contains(t, stdout, "linearizability: unknown\n")
	assert.Contains(t, stdout, "explanation: the search did not finish within its budget of 3 model steps")
	assert.Contains(t, stdout, "page: ")
	assert.FileExists(t, filepath.Join(dir, "busy.html"))
	code, _, _ = invoke(t, "recheck", "-budget", "3", "-allow-unknown", log)
	assert.Equal(t, exitPass, code)
	code, stdout, _ = invoke(t, "recheck", "-checker", "exact", log)
	assert.Equal(t, exitIncomplete, code)
	assert.Contains(t, stdout, "explanation: the exact checker cannot judge this partition")
}

// TestRecheckArtifacts: an artifacts directory as run writes it re-checks
// without re-running, and its page goes into the directory.
func TestRecheckArtifacts(t *testing.T) {
	sc, err := scenarios.LookupFor(scenarios.DefaultProtocol, "crashes")
	require.NoError(t, err)
	res := scenarios.Run(sc, 2, "", scenarios.RunOptions{})
	require.True(t, res.Passed(), "%v", res.Failure)
	a, err := scenarios.WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)
	code, stdout, stderr := invoke(t, "recheck", a.Dir)
	assert.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "(artifacts directory, spec kv, ")
	assert.Contains(t, stdout, "linearizability: ok\n")
	assert.Contains(t, stdout, "page: "+filepath.Join(a.Dir, "recheck.html"))
	code, stdout, _ = invoke(t, "recheck", a.History)
	assert.Equal(t, exitPass, code)
	assert.Contains(t, stdout, "(history.json, spec kv, ")
}
