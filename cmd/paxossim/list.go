package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec"
)

const listSynopsis = `usage: paxossim list

Lists what there is to run, from the registries: each protocol (-protocol
NAME) with the spec its clients are checked against, its mutants
(known-wrong variants the harness must catch: -mutant NAME) and its
coverage probes (the paths a run counts, which scenarios expect sweeps to
reach); the specs; the scenarios (-scenario NAME; every scenario runs every
protocol, and each NAME also comes as NAME-3 and NAME-5, which fix the
cluster size); and the nemeses (named fault patterns, each the scenario
nemesis-NAME).`

// listWidth is the width list wraps descriptions to.
const listWidth = 100

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", listSynopsis)
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	w := bufio.NewWriter(stdout)
	fmt.Fprintln(w, "protocols (-protocol NAME):")
	for _, name := range protocol.Names() {
		proto, err := protocol.Lookup(name)
		if err != nil {
			continue
		}
		listProtocol(w, proto)
	}

	fmt.Fprintln(w, "\nspecs (what a protocol's client history is checked against):")
	var specs []row
	for _, name := range spec.Names() {
		specs = append(specs, row{name, describeSpec(name)})
	}
	writeRows(w, "  ", specs)

	fmt.Fprintln(w, "\nscenarios (-scenario NAME; every scenario runs every protocol):")
	var rows []row
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
		rows = append(rows, row{name, sc.Description})
	}
	writeRows(w, "  ", rows)
	if len(variants) > 0 {
		fmt.Fprintf(w, "\n  each NAME also as NAME-3 and NAME-5, with the cluster size fixed:\n%s", wrap(variants, "    ", listWidth))
	}

	fmt.Fprintln(w, "\nnemeses (the scenarios nemesis-NAME):")
	rows = rows[:0]
	for _, n := range faults.Nemeses() {
		rows = append(rows, row{n, faults.NemesisDoc(n)})
	}
	writeRows(w, "  ", rows)
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "paxossim list: %v\n", err)
		return exitIncomplete
	}
	return exitPass
}

// listProtocol prints one protocol: its description, spec and cluster
// sizes, its mutants and its probes, each with its description.
func listProtocol(w io.Writer, proto *protocol.Protocol) {
	writeRows(w, "  ", []row{{proto.Name, proto.Description}})
	fmt.Fprintf(w, "    spec: %s; servers: 1 to %d\n", proto.Spec, proto.MaxServers)
	if len(proto.Mutants) == 0 {
		fmt.Fprintln(w, "    mutants: none")
	} else {
		fmt.Fprintf(w, "    mutants (-protocol %s -mutant NAME):\n", proto.Name)
		rows := make([]row, 0, len(proto.Mutants))
		for _, m := range proto.Mutants {
			rows = append(rows, row{m.Name, m.Description})
		}
		writeRows(w, "      ", rows)
	}
	fmt.Fprintln(w, "    probes (coverage counters, in report order):")
	rows := make([]row, 0, len(proto.Probes)+1)
	for _, p := range proto.Probes {
		rows = append(rows, row{p.Name, p.Description})
	}
	rows = append(rows, row{protocol.ProbeClientRetry, protocol.ProbeClientRetryDescription})
	writeRows(w, "      ", rows)
	if len(proto.Layers) > 0 {
		fmt.Fprintln(w, "    layers (each checked against its own model, bottom up; a bug fails check \"layer\"):")
		rows = rows[:0]
		for _, l := range proto.Layers {
			rows = append(rows, row{l.Name, l.Description})
		}
		writeRows(w, "      ", rows)
	}
}

// describeSpec says what a spec's default workload is and which protocols
// serve it.
func describeSpec(name string) string {
	var parts []string
	if sp, err := spec.Lookup(name); err == nil {
		parts = append(parts, sp.Description())
		if wl, err := sp.Workload(nil); err == nil {
			parts = append(parts, "default workload: "+wl.String())
		}
	}
	var served []string
	for _, pn := range protocol.Names() {
		if proto, err := protocol.Lookup(pn); err == nil && proto.Spec == name {
			served = append(served, pn)
		}
	}
	if len(served) == 0 {
		served = []string{"none"}
	}
	parts = append(parts, "served by: "+strings.Join(served, ", "))
	return strings.Join(parts, "; ")
}

// row is a name and its description.
type row struct{ name, desc string }

// writeRows prints rows as two columns, the names padded to the longest,
// each description wrapped to listWidth with its continuation lines under
// its first.
func writeRows(w io.Writer, indent string, rows []row) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	hang := indent + strings.Repeat(" ", width+2)
	for _, r := range rows {
		first := indent + r.name + strings.Repeat(" ", width+2-len(r.name))
		text := wrap(strings.Fields(r.desc), hang, max(listWidth, len(hang)+30))
		fmt.Fprint(w, first+strings.TrimPrefix(text, hang))
		if text == "" {
			fmt.Fprintln(w)
		}
	}
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
