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
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/paxossim/paxossim/internal/detlint"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: detlint [packages]\n\nWith no packages, lints %v.\n", detlint.DefaultPatterns)
		flag.PrintDefaults()
	}
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = detlint.DefaultPatterns
	}
	res, err := detlint.Lint(".", patterns...)
	for _, p := range res.Missing {
		fmt.Fprintf(os.Stderr, "detlint: warning: %s: no such directory, skipped\n", p)
	}
	for _, f := range res.Findings {
		fmt.Println(f)
	}
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "detlint: %v\n", err)
		os.Exit(2)
	case len(res.Findings) > 0:
		os.Exit(1)
	}
}
