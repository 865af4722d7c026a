package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/paxossim/paxossim/scenarios"
)

// moreFailures is how many further failing seeds are listed by number after
// the full reports.
const moreFailures = 20

// printFailures prints the report of the first n failures (lowest
// seeds first, so the choice does not depend on -parallel): each is
// explained (re-run with its trace tail), its artifacts written under dir
// (a temporary directory if empty), then reported (with the revision
// resolveRevision named). The
// next ones are listed by seed, and the rest of total counted.
func printFailures(stdout, stderr io.Writer, failed []scenarios.Result, total, n int, dir string) {
	if len(failed) == 0 {
		return
	}
	shown := min(n, len(failed))
	if shown > 0 {
		dir = artifactsDir(stderr, dir)
	}
	for i := 0; i < shown; i++ {
		fmt.Fprintln(stdout, "--- failure", i+1, "of", total)
		fmt.Fprint(stdout, reportFailure(stderr, failed[i], dir))
	}
	if rest := failed[shown:]; len(rest) > 0 {
		var seeds []string
		for i, r := range rest {
			if i == moreFailures {
				break
			}
			seeds = append(seeds, fmt.Sprintf("%d (%s)", r.Params.Seed, r.Failure.Check))
		}
		if more := total - shown - len(seeds); more > 0 {
			seeds = append(seeds, fmt.Sprintf("... %d more", more))
		}
		p := &rest[0].Params
		fmt.Fprintf(stdout, "--- %d more failing seeds (replay one with 'go run ./cmd/paxossim replay -scenario %s%s -seed N%s -trace'):\n  %s\n",
			total-shown, p.Scenario, protocolSuffix(p.Protocol), mutantFlag(p.Mutant), strings.Join(seeds, "\n  "))
	}
}

// reportFailure explains a failed run, writes its artifacts under dir
// (none if dir is empty) and returns the report.
func reportFailure(stderr io.Writer, res scenarios.Result, dir string) string {
	ex := scenarios.Explain(res)
	var arts *scenarios.Artifacts
	if dir != "" {
		var err error
		if arts, err = scenarios.WriteArtifacts(dir, &ex); err != nil {
			fmt.Fprintf(stderr, "paxossim: writing the artifacts of seed %d: %v\n", res.Params.Seed, err)
		}
	}
	return scenarios.Report(&ex, arts)
}

func mutantFlag(m string) string {
	if m == "" {
		return ""
	}
	return " -mutant " + m
}

// artifactsDir returns dir, or a new temporary directory if it is empty
// ("" if that fails: the report is printed without artifacts).
func artifactsDir(stderr io.Writer, dir string) string {
	if dir != "" {
		return dir
	}
	dir, err := os.MkdirTemp("", "paxossim-")
	if err != nil {
		fmt.Fprintf(stderr, "paxossim: artifacts: %v\n", err)
		return ""
	}
	return dir
}
