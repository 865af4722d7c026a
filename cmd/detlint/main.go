// Command detlint is the determinism linter of paxossim (package
// internal/detlint): it reports uses of wall-clock time, global randomness,
// goroutines, channels and map iteration order in the packages that run
// inside a simulation.
//
// Usage:
//
//	go run ./cmd/detlint [packages]
//
// With no packages it lints ./sim/... ./network/... ./faults/... ./replica/...
// relative to the current directory (run it from the module root). Test
// files are not linted. Each finding is printed on standard output as
// `file:line:col: message`. A pattern naming a directory that does not exist
// yet is skipped with a warning on standard error.
//
// Exit status: 0 when there are no findings, 1 when there are findings, 2
// when packages could not be loaded or type-checked (findings, if any, are
// printed too) or on a usage error.
//
// With -deps it lints instead the packages' dependencies outside the
// standard library, for the rules that bring nondeterminism into a run
// (detlint.LintDeps: the clock, global and crypto randomness, maphash),
// and prints each finding as a warning, `warning: file:line:col: package:
// message`: a library a simulation runs may read the clock or crypto/rand
// where no seed controls it. Warnings do not change the exit status (0,
// or 2 as above), since a finding may be in code the run never reaches.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/paxossim/paxossim/internal/detlint"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: detlint [-deps] [packages]\n\nWith no packages, lints %v.\n", detlint.DefaultPatterns)
		flag.PrintDefaults()
	}
	deps := flag.Bool("deps", false, "warn about the clock and randomness in the packages' dependencies instead")
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = detlint.DefaultPatterns
	}
	lint, prefix := detlint.Lint, ""
	if *deps {
		lint, prefix = detlint.LintDeps, "warning: "
	}
	res, err := lint(".", patterns...)
	for _, p := range res.Missing {
		fmt.Fprintf(os.Stderr, "detlint: warning: %s: no such directory, skipped\n", p)
	}
	for _, f := range res.Findings {
		fmt.Println(prefix + f.String())
	}
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "detlint: %v\n", err)
		os.Exit(2)
	case len(res.Findings) > 0 && !*deps:
		os.Exit(1)
	}
}
