package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec"
)

// The go test flags are paxossimtest's: importing it defines them here,
// for TestReplayHintFlags.
var _ = paxossimtest.ParseSettings

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestReplayHash: replay prints the seed= block first and, as its last
// line, the trace hash a run of that seed gives, with or without -trace.
func TestReplayHash(t *testing.T) {
	sc, err := scenarios.Lookup("chaos")
	require.NoError(t, err)
	for _, seed := range []uint64{1, 42, 0xbeef} {
		want := fmt.Sprintf("trace-hash: %016x", scenarios.Run(sc, seed, "", scenarios.RunOptions{}).Hash)
		code, stdout, stderr := invoke(t, "replay", "-scenario", "chaos", "-seed", fmt.Sprint(seed))
		require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
		assert.True(t, strings.HasPrefix(stdout, fmt.Sprintf("seed=%d\nscenario=chaos\nprotocol=multipaxos\n", seed)), stdout)
		assert.Contains(t, stdout, fmt.Sprintf("PASS scenario=chaos protocol=multipaxos seed=%d ", seed))
		assert.Equal(t, want, lastLine(stdout))

		code, traced, _ := invoke(t, "replay", "-scenario", "chaos", "-seed", fmt.Sprintf("%#x", seed), "-trace", "-checked")
		require.Equal(t, exitPass, code)
		assert.Equal(t, want, lastLine(traced), "tracing does not change the run")
		assert.Contains(t, traced, "--- trace\nt=0.000ms n0 start\n")
		assert.Greater(t, strings.Count(traced, "\n"), 1000)
	}
}

// TestReplayMutantFails: replaying a failing mutant seed exits 1 with the
// report and its artifacts, the trace hash still last; the saved
// params.json replays the same run with -plan.
func TestReplayMutantFails(t *testing.T) {
	out := t.TempDir()
	code, stdout, _ := invoke(t, "replay", "-scenario", "chaos", "-seed", "3", "-mutant", "execute-before-commit", "-out", out)
	require.Equal(t, exitCheckFailed, code, stdout)
	assert.Contains(t, stdout, "FAIL scenario=chaos protocol=multipaxos seed=3 check=")
	assert.Contains(t, stdout, "go run ./cmd/paxossim replay -scenario chaos -seed 3 -mutant execute-before-commit -trace")
	assert.Contains(t, stdout, "go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=3 -paxossim.mutant=execute-before-commit -paxossim.trace")
	assert.Contains(t, stdout, "trace events")
	m := regexp.MustCompile(`visualization: (\S+)`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	assert.FileExists(t, m[1])
	sc, err := scenarios.Lookup("chaos")
	require.NoError(t, err)
	res := scenarios.Run(sc, 3, "execute-before-commit", scenarios.RunOptions{})
	require.False(t, res.Passed())
	hash := fmt.Sprintf("trace-hash: %016x", res.Hash)
	assert.Equal(t, hash, lastLine(stdout))

	params := filepath.Join(out, "chaos-seed3-execute-before-commit", "params.json")
	require.FileExists(t, params)
	code, again, _ := invoke(t, "replay", "-plan", params, "-out", out)
	assert.Equal(t, exitCheckFailed, code)
	assert.Equal(t, hash, lastLine(again))
	code, _, stderr := invoke(t, "replay", "-plan", params, "-seed", "4")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "-seed 4 disagrees with -plan's seed 3")
}

// TestList: list shows, from the registries, every protocol with its
// description and spec, each of its mutants and probes with its
// description, the specs, and the scenarios with their descriptions.
func TestList(t *testing.T) {
	code, stdout, _ := invoke(t, "list")
	require.Equal(t, exitPass, code)
	// Descriptions wrap: compare with the whitespace collapsed.
	flat := collapse(stdout)
	require.Contains(t, protocol.Names(), scenarios.DefaultProtocol)
	require.Contains(t, protocol.Names(), twinName)
	for _, name := range protocol.Names() {
		proto, err := protocol.Lookup(name)
		require.NoError(t, err)
		assert.Contains(t, stdout, "\n  "+name+"  ")
		assert.Contains(t, flat, collapse(name+" "+proto.Description))
		assert.Contains(t, flat, fmt.Sprintf("mutants (-protocol %s -mutant NAME):", name))
		for _, m := range proto.Mutants {
			assert.Contains(t, stdout, "      "+m.Name+"  ", name)
			assert.Contains(t, flat, collapse(m.Name+" "+m.Description), name)
		}
		for _, p := range proto.Probes {
			assert.Contains(t, flat, collapse(p.Name+" "+p.Description), name)
		}
	}
	mp, err := protocol.Lookup(scenarios.DefaultProtocol)
	require.NoError(t, err)
	assert.Contains(t, flat, "multipaxos MultiPaxos")
	assert.Contains(t, flat, "spec: kv;")
	require.NotEmpty(t, mp.Mutants)
	require.NotEmpty(t, mp.Probes)
	for _, probe := range mp.ProbeNames() {
		assert.Contains(t, stdout, "      "+probe+"  ")
	}
	assert.Contains(t, flat, "specs (")
	for _, name := range spec.Names() {
		assert.Contains(t, stdout, "\n  "+name+"  ")
	}
	for _, name := range scenarios.Names() {
		assert.Regexp(t, `\b`+regexp.QuoteMeta(name)+`\b`, stdout)
	}
	for _, name := range scenarios.BaseNames() {
		sc, err := scenarios.Lookup(name)
		require.NoError(t, err)
		assert.Contains(t, flat, collapse(name+" "+sc.Description))
	}
	for _, line := range strings.Split(stdout, "\n") {
		assert.LessOrEqual(t, len(line), listWidth, "wrapped: %q", line)
	}
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestReplayPlanFile: an artifacts directory's plan.json replays the run
// its params.json holds (runner.LoadParams reads the params.json next to
// it), as does the directory itself: the same trace hash, the run's own.
func TestReplayPlanFile(t *testing.T) {
	sc, err := scenarios.LookupFor(scenarios.DefaultProtocol, "calm-3")
	require.NoError(t, err)
	res := scenarios.Run(sc, 1, "execute-before-commit", scenarios.RunOptions{})
	require.False(t, res.Passed(), "the mutant fails calm-3 seed 1")
	arts, err := scenarios.WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(arts.Dir, "params.json"), arts.Params)
	require.Equal(t, filepath.Join(arts.Dir, "plan.json"), arts.Plan)
	require.FileExists(t, arts.Plan)
	want := fmt.Sprintf("trace-hash: %016x", res.Hash)

	var outputs []string
	for _, plan := range []string{arts.Params, arts.Plan, arts.Dir} {
		code, stdout, stderr := invoke(t, "replay", "-plan", plan, "-out", t.TempDir())
		require.Equal(t, exitCheckFailed, code, "%s\n%s", stdout, stderr)
		assert.Equal(t, want, lastLine(stdout), plan)
		assert.True(t, strings.HasPrefix(stdout, "seed=1\nscenario=calm-3\nprotocol=multipaxos\nservers=3\nmutant=execute-before-commit\n"), stdout)
		assert.Contains(t, stdout, "FAIL scenario=calm-3 protocol=multipaxos seed=1 check="+string(res.Failure.Check))
		head, _, _ := strings.Cut(stdout, "--- verdict")
		outputs = append(outputs, head)
	}
	assert.Equal(t, outputs[0], outputs[1], "the same parameters")
	assert.Equal(t, outputs[0], outputs[2], "the same parameters")

	// With -plan, the other flags may only agree with the saved run.
	code, _, stderr := invoke(t, "replay", "-plan", arts.Plan, "-protocol", twinName)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "-protocol multipaxos-twin disagrees with -plan's protocol multipaxos")
	code, _, stderr = invoke(t, "replay", "-plan", arts.Plan, "-mutant", "no-accept-reply")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `-mutant no-accept-reply disagrees with -plan's mutant "execute-before-commit"`)
	code, stdout, _ := invoke(t, "replay", "-plan", arts.Plan, "-protocol", "multipaxos", "-scenario", "calm-3", "-seed", "1", "-mutant", "execute-before-commit")
	assert.Equal(t, exitCheckFailed, code)
	assert.Equal(t, want, lastLine(stdout))
}

// TestReplayProtocol: -protocol runs the scenario with the named protocol,
// and the replay of a protocol the command does not know prints the go
// test command line only.
func TestReplayProtocol(t *testing.T) {
	sc, err := scenarios.LookupFor(twinName, "calm-3")
	require.NoError(t, err)
	res := scenarios.Run(sc, 5, "", scenarios.RunOptions{})
	require.True(t, res.Passed(), "%v", res.Failure)
	code, stdout, stderr := invoke(t, "replay", "-protocol", twinName, "-scenario", "calm-3", "-seed", "5")
	require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "seed=5\nscenario=calm-3\nprotocol="+twinName+"\n"), stdout)
	assert.Contains(t, stdout, "PASS scenario=calm-3 protocol="+twinName+" seed=5 ")
	assert.Equal(t, fmt.Sprintf("trace-hash: %016x", res.Hash), lastLine(stdout))

	code, stdout, _ = invoke(t, "replay", "-protocol", twinName, "-scenario", "calm-3", "-seed", "5", "-mutant", "execute-before-commit", "-out", t.TempDir())
	require.Equal(t, exitCheckFailed, code, stdout)
	assert.Contains(t, stdout, "FAIL scenario=calm-3 protocol="+twinName+" seed=5 ")
	assert.Contains(t, stdout, "replay:   go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=calm-3 -paxossim.seed=5 -paxossim.protocol="+twinName+" -paxossim.mutant=execute-before-commit -paxossim.trace\nrevision:")
	assert.NotContains(t, stdout, "go run ./cmd/paxossim")
}

// TestReplayHintFlags: the go test command a report prints names the test
// with an anchored -run pattern and only flags that paxossim's go test
// entry point (package paxossimtest) defines, so that it runs as printed.
func TestReplayHintFlags(t *testing.T) {
	code, stdout, _ := invoke(t, "replay", "-scenario", "calm-3", "-seed", "1", "-mutant", "execute-before-commit", "-out", t.TempDir())
	require.Equal(t, exitCheckFailed, code, stdout)
	m := regexp.MustCompile(`(?m)^replay: +(go test .*)$`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	words := strings.Fields(m[1])
	require.Equal(t, []string{"go", "test", "./scenarios", "-run", "'^TestSeeds$'"}, words[:5])
	require.Greater(t, len(words), 5)
	for _, w := range words[5:] {
		name, _, _ := strings.Cut(strings.TrimPrefix(w, "-"), "=")
		assert.True(t, strings.HasPrefix(w, "-"+scenarios.FlagPrefix), w)
		assert.NotNil(t, flag.Lookup(name), "flag -%s is not defined by paxossimtest", name)
	}
}

// TestBenchCommand runs a tiny bench without the kernel benchmarks and
// checks that it rewrites only the marked README region.
func TestBenchCommand(t *testing.T) {
	readme := filepath.Join(t.TempDir(), "README.md")
	before, after := "# title\n\ntext\n\n"+figuresStart+"\n", figuresEnd+"\n\nmore text\n"
	require.NoError(t, os.WriteFile(readme, []byte(before+"old table\n"+after), 0o644))
	code, stdout, stderr := invoke(t, "bench", "-kernel=false", "-scenario", "calm", "-seeds", "20", "-scaling-seeds", "6", "-readme", readme)
	require.Equal(t, exitPass, code, "%s\n%s", stdout, stderr)
	data, err := os.ReadFile(readme)
	require.NoError(t, err)
	doc := string(data)
	assert.True(t, strings.HasPrefix(doc, before), doc)
	assert.True(t, strings.HasSuffix(doc, after), doc)
	assert.NotContains(t, doc, "old table")
	assert.Contains(t, doc, strings.TrimRight(stdout, "\n"))
	for _, want := range []string{"`calm` seeds/s, 1 core", "scaling, 1 →", "simulated seconds per wall second", "linearizability check share", "heap in use", "paxossim bench -seeds 20"} {
		assert.Contains(t, stdout, want)
	}
}
