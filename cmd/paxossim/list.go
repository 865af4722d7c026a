package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
)

const listSynopsis = `usage: paxossim list

Lists the scenarios (each NAME also comes as NAME-3 and NAME-5, which fix
the cluster size), the protocols, the protocol's mutants (known-wrong
variants the harness must catch: run -mutant NAME) and the nemeses (named
fault patterns, each the scenario nemesis-NAME).`

// protocols lists the systems under test. Only one so far: scenarios
// build a multipaxos cluster.
var protocols = [][2]string{
	{"multipaxos", "MultiPaxos KV store: leader election, phase-1 recovery with gap filling, pipelined accepts, catch-up, exactly-once clients (replica/multipaxos)"},
}

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", listSynopsis)
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenarios:")
	var variants []string
	for _, name := range scenarios.Names() {
		if isSizeVariant(name) {
			variants = append(variants, name)
			continue
		}
		sc, err := scenarios.Lookup(name)
		if err != nil {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, sc.Description)
	}
	if len(variants) > 0 {
		fmt.Fprintf(tw, "\n  each NAME also as NAME-3 and NAME-5, with the cluster size fixed:\n%s", wrap(variants, "    ", 100))
	}
	fmt.Fprintln(tw, "\nprotocols:")
	for _, p := range protocols {
		fmt.Fprintf(tw, "  %s\t%s\n", p[0], p[1])
	}
	fmt.Fprintln(tw, "\nmutants (of multipaxos; -mutant NAME):")
	for _, m := range multipaxos.Mutants() {
		fmt.Fprintf(tw, "  %s\t%s\n", m.Name, m.Description)
	}
	fmt.Fprintln(tw, "\nnemeses (the scenarios nemesis-NAME):")
	for _, n := range faults.Nemeses() {
		fmt.Fprintf(tw, "  %s\t%s\n", n, faults.NemesisDoc(n))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "paxossim list: %v\n", err)
		return exitFail
	}
	return exitPass
}

// wrap joins words with spaces into lines of at most width bytes (a word
// longer than that gets a line of its own), each starting with indent.
func wrap(words []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, w := range words {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// isSizeVariant reports whether name is NAME-3 or NAME-5 of a registered
// base NAME (listed with its base).
func isSizeVariant(name string) bool {
	for _, suffix := range []string{"-3", "-5"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if _, err := scenarios.Lookup(base); err == nil {
				return true
			}
		}
	}
	return false
}
