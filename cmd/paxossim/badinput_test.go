package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/jepsenlog"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/scenarios"
)

var updateBadInput = flag.Bool("update-bad-input", false, "TestBadInput: rewrite the generated tables of docs/bad-input.md")

// badInputDoc is the document TestBadInput keeps, relative to this
// package's directory (where go test runs).
const badInputDoc = "../../docs/bad-input.md"

// jsonLine is a valid JSON line of a sweep of calm (seeds 100 to 109,
// unsharded) with the given fields changed; a nil value removes a field.
func jsonLine(t *testing.T, changes map[string]any) string {
	t.Helper()
	line := map[string]any{
		"scenario": "calm", "protocol": "multipaxos", "mutant": "", "seed": 100, "index": 0, "shard": "0/1",
		"sweep_count": 10, "revision": "unknown", "trace_hash": "00000000000000aa", "passed": true, "check": "",
		"fact": "", "events": 1, "steps": 1, "sim_time_ns": 1, "ops": 1, "completed": 1, "linearizable": "ok",
		"coverage": map[string]uint64{}, "wall_ns": 1,
	}
	for k, v := range changes {
		if v == nil {
			delete(line, k)
		} else {
			line[k] = v
		}
	}
	data, err := json.Marshal(line)
	require.NoError(t, err)
	return string(data)
}

// badInputCase is one bad input: the command line, what is wrong with
// the files it names (for the document), a part of the message it must
// give, and its exit code.
type badInputCase struct {
	args  []string
	input string // what the named files hold, for the document; "" if nothing
	want  string
	code  int
}

// badInputCases are the inputs of TestBadInput. Files are named relative
// to the directory the test creates them in (and runs the commands from).
func badInputCases(t *testing.T) []badInputCase {
	write := func(name, content string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
		require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
	}
	line := func(changes map[string]any) string { return jsonLine(t, changes) }
	write("garbage.jsonl", line(nil)+"\nnot json\n")
	write("no-seed.jsonl", line(map[string]any{"seed": nil})+"\n")
	write("null-index.jsonl", strings.Replace(line(nil), `"index":0`, `"index":null`, 1)+"\n")
	write("shard-9-of-2.jsonl", line(map[string]any{"shard": "9/2", "index": 1})+"\n")
	write("huge-shard-count.jsonl", line(map[string]any{"shard": "0/1000000000"})+"\n")
	write("index-past-count.jsonl", line(map[string]any{"index": 12, "seed": 112})+"\n")
	write("negative-index.jsonl", line(map[string]any{"index": -1})+"\n")
	write("wrapping-index.jsonl", strings.Replace(line(nil), `"index":0`, `"index":18446744073709551615`, 1)+"\n")
	write("index-above-seed.jsonl", line(map[string]any{"seed": 3, "index": 5})+"\n")
	write("past-largest-seed.jsonl", line(map[string]any{"seed": uint64(18446744073709551615), "index": 0, "sweep_count": 2})+"\n")
	write("wrong-shard.jsonl", line(map[string]any{"shard": "1/3", "index": 5, "seed": 105})+"\n")
	write("huge-count.jsonl", line(map[string]any{"sweep_count": int64(10_000_000_000)})+"\n")
	write("bad-hash.jsonl", line(map[string]any{"trace_hash": "xyz"})+"\n")
	write("failed-no-check.jsonl", line(map[string]any{"passed": false})+"\n")
	write("long-line.jsonl", strings.Repeat("a", maxLineBytes+1)+"\n")
	write("empty.jsonl", "")
	write("torn.jsonl", line(nil)+"\n"+line(map[string]any{"seed": 101, "index": 1})[:40])
	write("params.json", `{"Scenario":"chaos","Seed":1,"Bogus":true}`)
	write("invalid/params.json", `{"schema":99,"protocol":"nope","servers":0}`)
	require.NoError(t, os.MkdirAll("empty", 0o755))
	write("bad-jepsen.log", "0\t:invoke\t:read\tnil\n0\t:invoke\t:write\t3\n")
	write("bad-history/history.json", `{"schema":1,"spec":"kv","ops":[],"bogus":1}`)
	// A sparse file past the limit: no disk is used.
	require.NoError(t, os.MkdirAll("huge", 0o755))
	f, err := os.Create("huge/params.json")
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxPlanFileBytes+1))
	require.NoError(t, f.Close())

	u := exitUsage
	cases := []badInputCase{
		{[]string{"frobnicate"}, "", `unknown command "frobnicate"`, u},
		{[]string{"help", "frobnicate"}, "", `unknown command "frobnicate"`, u},

		{[]string{"run"}, "", "-scenario is required", u},
		{[]string{"run", "-scenario", "nope"}, "", `unknown scenario "nope"`, u},
		{[]string{"run", "-scenario", "chaos", "-mutant", "nope"}, "", `unknown mutant "nope" of protocol multipaxos (have: quorum-minus-one, `, u},
		{[]string{"run", "-scenario", "chaos", "-protocol", "nope"}, "", `unknown protocol "nope" (have: `, u},
		{[]string{"run", "-scenario", "chaos", "-protocol", ""}, "", "-protocol is empty", u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "12x", "-count", "1"}, "", `seed "12x"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "-5", "-count", "1"}, "", `seed "-5"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "18446744073709551616"}, "", `seed "18446744073709551616"`, u},
		{[]string{"run", "-scenario", "chaos", "-parallel", "0"}, "", `invalid value "0" for flag -parallel: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-parallel", "-2"}, "", `invalid value "-2" for flag -parallel: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-parallel", "5000"}, "", `invalid value "5000" for flag -parallel: must be at most 4096`, u},
		{[]string{"run", "-scenario", "chaos", "-parallel", "99999999999999999999"}, "", `invalid value "99999999999999999999" for flag -parallel: must be at most 4096`, u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "-3"}, "", `invalid value "-3" for flag -seeds: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "0"}, "", `invalid value "0" for flag -seeds: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "abc"}, "", `invalid value "abc" for flag -seeds: not an integer`, u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "2000000000"}, "", `invalid value "2000000000" for flag -seeds: must be at most 1000000000`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-count", "-1"}, "", `invalid value "-1" for flag -count: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-count", "1e12"}, "", `invalid value "1e12" for flag -count: not an integer`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-count", "2000000000"}, "", `invalid value "2000000000" for flag -count: must be at most 1000000000`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "18446744073709551610", "-count", "10"}, "", "-seed-start 18446744073709551610 -count 10: the range passes the largest seed, 18446744073709551615", u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "10", "-count", "10"}, "", "-seeds and -count conflict", u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "10", "-seed-start", "1"}, "", "-seeds and -seed-start conflict", u},
		{[]string{"run", "-scenario", "chaos", "-count", "10"}, "", "-count needs -seed-start", u},
		{[]string{"run", "-scenario", "chaos", "-budget", "-1s"}, "", "-budget -1s: must not be negative", u},
		{[]string{"run", "-scenario", "chaos", "-budget", "721h"}, "", "-budget 721h0m0s: must be at most 720h0m0s", u},
		{[]string{"run", "-scenario", "chaos", "-stop-after", "-1"}, "", `invalid value "-1" for flag -stop-after: must be at least 0`, u},
		{[]string{"run", "-scenario", "chaos", "-determinism-every", "-1"}, "", `invalid value "-1" for flag -determinism-every: must be at least 0`, u},
		{[]string{"run", "-scenario", "chaos", "-reports", "-1"}, "", `invalid value "-1" for flag -reports: must be at least 0`, u},
		{[]string{"run", "-scenario", "chaos", "-reports", "101"}, "", `invalid value "101" for flag -reports: must be at most 100`, u},
		{[]string{"run", "-scenario", "chaos", "-progress", "-1s"}, "", "-progress -1s: must not be negative", u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "3/3"}, "", `bad -shard "3/3": want i/n with 0 <= i < n <= 100000 (e.g. 2/8), or env`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "x"}, "", `bad -shard "x"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "1/0"}, "", `bad -shard "1/0"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "-1/3"}, "", `bad -shard "-1/3"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "0/100001"}, "", `bad -shard "0/100001"`, u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard", "1/3", "-shard-count", "4"}, "", "disagree on the number of shards", u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard-count", "-2"}, "", "-shard-count -2: must be at least 1", u},
		{[]string{"run", "-scenario", "chaos", "-seed-start", "1", "-shard-count", "100001"}, "", "-shard-count 100001: must be at most 100000", u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "9", "-shard", "0/3"}, "", "-shard 0/3 needs a fixed range", u},
		{[]string{"run", "-scenario", "chaos", "-revision", "not a revision!"}, "", `-revision "not a revision!": want a commit hash`, u},
		{[]string{"run", "-scenario", "chaos", "-checker", "elle"}, "", `-checker: unknown checker "elle" (want auto, exact or porcupine)`, u},
		{[]string{"run", "-scenario", "chaos", "-clients", "0"}, "", `invalid value "0" for flag -clients: must be at least 1`, u},
		{[]string{"run", "-scenario", "chaos", "-clients", "1001"}, "", `invalid value "1001" for flag -clients: must be at most 1000`, u},
		{[]string{"run", "-scenario", "chaos", "-workload", `{"keys":0,"get":1,"put":1,"append":1}`}, "", "-workload: kv workload: keys = 0: need 1 to 1048576", u},
		{[]string{"run", "-scenario", "chaos", "-workload", `{"keys":1}`}, "a config that does not name every field", "-workload: kv workload: missing field(s) get, put, append", u},
		{[]string{"run", "-scenario", "chaos", "-workload", `{"keys":1,"get":1,"put":1,"append":1,"queue":1}`}, "", `-workload: kv workload: json: unknown field "queue"`, u},
		{[]string{"run", "-scenario", "chaos", "-bogus"}, "", "flag provided but not defined: -bogus", u},
		{[]string{"run", "-scenario", "chaos", "extra"}, "", `unexpected argument "extra"`, u},
		{[]string{"run", "-scenario", "chaos", "-seeds", "1", "-json", "no/such/dir/x.jsonl"}, "", "-json: open no/such/dir/x.jsonl: no such file or directory", u},

		{[]string{"replay", "-seed", "1"}, "", "-scenario is required", u},
		{[]string{"replay", "-scenario", "nope", "-seed", "1"}, "", `unknown scenario "nope"`, u},
		{[]string{"replay", "-scenario", "chaos"}, "", "-seed is required", u},
		{[]string{"replay", "-scenario", "chaos", "-seed", "0xZZ"}, "", `seed "0xZZ"`, u},
		{[]string{"replay", "-scenario", "chaos", "-seed", "1", "-mutant", "nope"}, "", `unknown mutant "nope"`, u},
		{[]string{"replay", "-scenario", "chaos", "-seed", "1", "-protocol", "nope"}, "", `unknown protocol "nope" (have: `, u},
		{[]string{"replay", "-plan", "params.json", "-protocol", "nope"}, "", `unknown protocol "nope"`, u},
		{[]string{"replay", "-plan", "missing.json"}, "no such file", "-plan: stat missing.json: no such file or directory", u},
		{[]string{"replay", "-plan", "params.json"}, "an unknown field", `json: unknown field "Bogus"`, u},
		{[]string{"replay", "-plan", "plan.json"}, "a plan.json whose params.json has an unknown field", `json: unknown field "Bogus"`, u},
		{[]string{"replay", "-plan", "empty/plan.json"}, "a directory with no params.json", "a plan.json replays the params.json next to it, and there is none", u},
		{[]string{"replay", "-plan", "empty"}, "a directory with no params.json", "a directory replays the params.json in it, and there is none", u},
		{[]string{"replay", "-plan", "invalid/params.json"}, "several bad fields", "schema = 99", u},
		{[]string{"replay", "-plan", "invalid"}, "the directory of that file", "schema = 99", u},
		{[]string{"replay", "-plan", "/dev/zero"}, "a device", "-plan /dev/zero: a character device, not a regular file", u},
		{[]string{"replay", "-plan", "huge/params.json"}, "a file of 64 MiB + 1 byte", "more than the limit of 67108864 for a saved run", u},
		{[]string{"replay", "-scenario", "chaos", "-seed", "1", "-revision", "bad rev"}, "", `-revision "bad rev": want a commit hash`, u},

		{[]string{"shrink"}, "", "-scenario is required", u},
		{[]string{"shrink", "-scenario", "calm-3", "-seed", "1"}, "a seed that passes", "passes every check: there is nothing to shrink", u},
		{[]string{"shrink", "-scenario", "calm-3", "-seed", "1", "-max-runs", "0"}, "", `invalid value "0" for flag -max-runs: must be at least 1`, u},
		{[]string{"shrink", "-scenario", "calm-3", "-seed", "1", "-max-runs", "1001"}, "", `invalid value "1001" for flag -max-runs: must be at most 1000`, u},
		{[]string{"shrink", "-plan", "/dev/zero"}, "a device", "-plan /dev/zero: a character device, not a regular file", u},

		{[]string{"list", "extra"}, "", `unexpected argument "extra"`, u},

		{[]string{"merge"}, "", "no files to merge", u},
		{[]string{"merge", "missing.jsonl"}, "no such file", "open missing.jsonl: no such file or directory", u},
		{[]string{"merge", "garbage.jsonl"}, "a line that is not JSON", "garbage.jsonl:2: not a paxossim JSON line", u},
		{[]string{"merge", "no-seed.jsonl"}, `a line with no "seed"`, `no-seed.jsonl:1: not a paxossim JSON line: no "seed" field`, u},
		{[]string{"merge", "null-index.jsonl"}, `"index":null`, `null-index.jsonl:1: not a paxossim JSON line: no "index" field`, u},
		{[]string{"merge", "shard-9-of-2.jsonl"}, `"shard":"9/2"`, `shard-9-of-2.jsonl:1: impossible line: shard "9/2": want i/n with 0 <= i < n <= 100000`, u},
		{[]string{"merge", "huge-shard-count.jsonl"}, `"shard":"0/1000000000"`, `huge-shard-count.jsonl:1: impossible line: shard "0/1000000000"`, u},
		{[]string{"merge", "index-past-count.jsonl"}, `"index":12 with "sweep_count":10`, "index-past-count.jsonl:1: impossible line: index 12 is not below sweep_count 10", u},
		{[]string{"merge", "negative-index.jsonl"}, `"index":-1`, "negative-index.jsonl:1: impossible line: index -1: want 0 <= index < 1000000000", u},
		{[]string{"merge", "wrapping-index.jsonl"}, `"index":18446744073709551615`, "wrapping-index.jsonl:1: not a paxossim JSON line: json: cannot unmarshal number 18446744073709551615", u},
		{[]string{"merge", "index-above-seed.jsonl"}, `"seed":3 with "index":5`, "index-above-seed.jsonl:1: impossible line: index 5 is above seed 3: its sweep's first seed (seed - index) would wrap below 0", u},
		{[]string{"merge", "past-largest-seed.jsonl"}, `"seed":18446744073709551615 with "sweep_count":2`, "past-largest-seed.jsonl:1: impossible line: seed 18446744073709551615 at index 0 of sweep_count 2: its sweep would pass the largest seed", u},
		{[]string{"merge", "wrong-shard.jsonl"}, `"index":5 with "shard":"1/3"`, "wrong-shard.jsonl:1: impossible line: index 5 is not one that shard 1/3 runs", u},
		{[]string{"merge", "huge-count.jsonl"}, `"sweep_count":10000000000`, "huge-count.jsonl:1: impossible line: sweep_count 10000000000: want 0", u},
		{[]string{"merge", "bad-hash.jsonl"}, `"trace_hash":"xyz"`, `bad-hash.jsonl:1: impossible line: trace_hash "xyz": want 16 hex digits`, u},
		{[]string{"merge", "failed-no-check.jsonl"}, `"passed":false with no "check"`, `failed-no-check.jsonl:1: impossible line: "passed" is false and "check" is empty`, u},
		{[]string{"merge", "long-line.jsonl"}, "a line of 1 MiB + 1 byte", "long-line.jsonl:1: a line longer than 1048576 bytes", u},
		{[]string{"merge", "/dev/zero"}, "endless zero bytes", "/dev/zero:1: a line longer than 1048576 bytes", u},
		{[]string{"merge", "-show", "-1", "garbage.jsonl"}, "", `invalid value "-1" for flag -show: must be at least 0`, u},
		{[]string{"merge", "-show", "10001", "garbage.jsonl"}, "", `invalid value "10001" for flag -show: must be at most 10000`, u},
		{[]string{"merge", "empty.jsonl"}, "an empty file (a shard killed early)", "incomplete: empty.jsonl is empty", exitIncomplete},
		{[]string{"merge", "torn.jsonl"}, "a last line cut short (a shard killed mid-write)", "incomplete: torn.jsonl:2: the last line is torn", exitIncomplete},

		{[]string{"recheck"}, "", "give an artifacts directory, a history.json or a Jepsen log", u},
		{[]string{"recheck", "a", "b"}, "", `unexpected argument "b": recheck takes one DIR or FILE`, u},
		{[]string{"recheck", "missing"}, "no such file", "stat missing: no such file or directory", u},
		{[]string{"recheck", "empty"}, "a directory with no history.json", "empty: an artifacts directory holds a history.json, and there is none", u},
		{[]string{"recheck", "/dev/zero"}, "a device", "/dev/zero: not a regular file", u},
		{[]string{"recheck", "empty.jsonl"}, "an empty file", "empty.jsonl is empty: there is no history to check", u},
		{[]string{"recheck", "bad-jepsen.log"}, "a process that invokes twice", "bad-jepsen.log: line 2: process 0 invokes :write while its :read of line 1 is still open", u},
		{[]string{"recheck", "bad-history"}, "a history.json with an unknown field", `json: unknown field "bogus"`, u},
		{[]string{"recheck", "-budget", "0", "bad-jepsen.log"}, "", `invalid value "0" for flag -budget: must be at least 1`, u},
		{[]string{"recheck", "-budget", "1e9", "bad-jepsen.log"}, "", `invalid value "1e9" for flag -budget: not an integer`, u},
		{[]string{"recheck", "-timeout", "-1s", "bad-jepsen.log"}, "", "-timeout -1s: must not be negative", u},
		{[]string{"recheck", "-checker", "fast", "bad-jepsen.log"}, "", `-checker: unknown checker "fast" (want auto, exact or porcupine)`, u},
		{[]string{"recheck", "-spec", "nope", "bad-jepsen.log"}, "", `-spec: unknown spec "nope"`, u},
		{[]string{"recheck", "-html", "no/such/dir/x.html", "bad-jepsen.log"}, "", "-html no/such/dir/x.html: no directory no/such/dir to write it in", u},

		{[]string{"bench", "-seeds", "0"}, "", `invalid value "0" for flag -seeds: must be at least 1`, u},
		{[]string{"bench", "-scaling-seeds", "2000000000"}, "", `invalid value "2000000000" for flag -scaling-seeds: must be at most 1000000000`, u},
		{[]string{"bench", "-scenario", "nope"}, "", `unknown scenario "nope"`, u},
		{[]string{"bench", "-protocol", "nope"}, "", `unknown protocol "nope" (have: `, u},
	}
	return cases
}

// TestBadInput: every bad input is one line naming the problem (the flag
// or field, the value and the limit), a usage hint, and exit status 2;
// never a panic, never a run; a damaged shard file is merged as far as it
// goes and reported incomplete, exit status 5. Each case is fast: none
// reads more than the limits allow. The table of docs/bad-input.md is made
// from these cases; -update-bad-input rewrites it, and the test fails when
// it is stale.
func TestBadInput(t *testing.T) {
	doc, err := filepath.Abs(badInputDoc)
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	cases := badInputCases(t)
	var rows []string
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			var code int
			var stdout, stderr string
			start := time.Now()
			require.NotPanics(t, func() { code, stdout, stderr = invoke(t, c.args...) })
			assert.Less(t, time.Since(start), 5*time.Second, "bad input fails fast")
			assert.Equal(t, c.code, code, "%s\n%s", stdout, stderr)
			var message string
			if c.code == exitUsage {
				assert.Empty(t, stdout, "nothing runs on bad input")
				lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
				require.Len(t, lines, 2, "one line naming the problem, then the usage hint:\n%s", stderr)
				assert.Regexp(t, `^Run 'paxossim( \w+ -h| help)' for usage\.$`, lines[1])
				message = lines[0]
			} else {
				for _, l := range strings.Split(stdout+stderr, "\n") {
					if strings.Contains(l, c.want) {
						message = l
						break
					}
				}
			}
			require.Contains(t, message, c.want, "%s\n%s", stdout, stderr)
			rows = append(rows, badInputRow(c, message))
		})
	}
	if t.Failed() {
		return
	}
	checkGenerated(t, doc, "bad-input", badInputTable(rows))
	checkGenerated(t, doc, "limits", limitsTable())
}

// haveList is a list of what there is ("(have: a, b, c)"), which the
// document abbreviates: it changes with every scenario or mutant added,
// and the test registers a protocol the command does not have.
var haveList = regexp.MustCompile(`\(have: [^)]*\)`)

func badInputRow(c badInputCase, message string) string {
	message = haveList.ReplaceAllString(message, "(have: ...)")
	cell := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
	}
	args := make([]string, len(c.args))
	for i, a := range c.args {
		if a == "" || strings.ContainsAny(a, " !") {
			a = "'" + a + "'"
		}
		args[i] = a
	}
	input := c.input
	if strings.Contains(input, `"`) {
		input = cell(input)
	}
	return fmt.Sprintf("| %s | %s | %s | %d |", cell("paxossim "+strings.Join(args, " ")), input, cell(message), c.code)
}

func badInputTable(rows []string) string {
	return "| command | the file holds | message | exit |\n| --- | --- | --- | --- |\n" + strings.Join(rows, "\n") + "\n"
}

// limitsTable lists the limits, from the constants the commands check.
func limitsTable() string {
	rows := []struct{ what, limit, why string }{
		{"`run -parallel`", fmt.Sprint(maxParallel), "seeds run at once, one goroutine and one simulated world each"},
		{"`run -seeds`, `run -count`, `run -stop-after`, `run -determinism-every`, `bench -seeds`, `bench -scaling-seeds`", fmt.Sprint(maxSeeds), "seeds in a sweep; a sweep bounded only by `-budget` stops there too"},
		{"a JSON line's `index` and `sweep_count` (merge)", fmt.Sprint(maxSeeds), "the same: no sweep has more seeds"},
		{"`run -budget`", maxBudget.String(), "wall-clock time a sweep starts seeds in"},
		{"the n of `run -shard i/n`, `run -shard-count`, `CI_NODE_TOTAL`, a JSON line's `shard`", fmt.Sprint(maxShards), "shards of a sweep; merge keeps a count per shard"},
		{"`run -reports`", fmt.Sprint(maxReports), "full failure reports, each a re-run with artifacts"},
		{"`merge -show`", fmt.Sprint(maxShow), "failing seeds merge keeps and lists per sweep"},
		{"`shrink -max-runs`", fmt.Sprint(maxShrinkRuns), "runs the shrinker tries"},
		{"a line merge reads", fmt.Sprintf("%d bytes", maxLineBytes), "run writes a few hundred bytes a line"},
		{"the `fact` run writes into a line", fmt.Sprintf("%d bytes", maxFactBytes), "longer facts are cut; the report has them whole"},
		{"a file merge reads", fmt.Sprintf("%d bytes", int64(maxMergeFileBytes)), "a source that never ends is refused"},
		{"`replay -plan`, `shrink -plan`", fmt.Sprintf("%d bytes, a regular file", maxPlanFileBytes), "a saved run; a device, pipe or socket is refused before it is read"},
		{"`-revision`", fmt.Sprintf("%d characters", maxRevisionLen), "a commit hash, tag or version"},
		{"what `recheck` reads (a DIR's history.json, or FILE)", fmt.Sprintf("%d bytes, a regular file", int64(scenarios.MaxRecheckFile)), "a history.json or Jepsen log; a device, pipe or socket is refused before it is read"},
		{"a line of a Jepsen log", fmt.Sprintf("%d bytes", jepsenlog.MaxLineBytes), "an event is a few hundred bytes"},
		{"`recheck -budget`", fmt.Sprint(int64(lincheck.MaxBudget)), "model steps of the search per partition (default " + fmt.Sprint(lincheck.DefaultBudget) + ")"},
		{"`recheck -timeout`", maxRecheckTimeout.String(), "wall time of the search; a verdict it cuts short depends on the machine"},
	}
	var b strings.Builder
	b.WriteString("| what | limit | why |\n| --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.what, r.limit, r.why)
	}
	return b.String()
}

// checkGenerated compares the region of doc between
// <!-- NAME:start --> and <!-- NAME:end --> with want, or, with
// -update-bad-input, rewrites it.
func checkGenerated(t *testing.T, doc, name, want string) {
	t.Helper()
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	data, err := os.ReadFile(doc)
	require.NoError(t, err)
	text := string(data)
	i, j := strings.Index(text, start), strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "%s has no %s region", doc, name)
	got := text[i+len(start) : j]
	if got == want {
		return
	}
	if !*updateBadInput {
		t.Errorf("the %s table of %s is stale; rewrite it with:\n  go test ./cmd/paxossim -run '^TestBadInput$' -update-bad-input", name, badInputDoc)
		return
	}
	require.NoError(t, os.WriteFile(doc, []byte(text[:i+len(start)]+want+text[j:]), 0o644))
	t.Logf("rewrote the %s table of %s", name, doc)
}
