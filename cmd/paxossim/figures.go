package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The markers of the README region that "paxossim bench -readme" rewrites.
const (
	figuresStart = "<!-- figures:start -->"
	figuresEnd   = "<!-- figures:end -->"
)

// figure is one row of the README's figures table.
type figure struct {
	name, value, target string
	met                 *bool // nil: no target
	command             string
}

func met(ok bool) *bool { return &ok }

// renderFigures formats the figures as the Markdown the README region
// holds: a line saying how and where they were measured, then the table.
func renderFigures(header string, figs []figure) string {
	var b strings.Builder
	b.WriteString(header + "\n\n")
	b.WriteString("| figure | value | target | measured by |\n| --- | --- | --- | --- |\n")
	for _, f := range figs {
		target := f.target
		if f.met != nil {
			if *f.met {
				target += " ✓"
			} else {
				target += " ✗ (missed)"
			}
		}
		if target == "" {
			target = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.name, f.value, target, f.command)
	}
	return b.String()
}

// replaceRegion returns doc with the text between the figures markers
// replaced by body, the markers kept.
func replaceRegion(doc []byte, body string) ([]byte, error) {
	i := bytes.Index(doc, []byte(figuresStart))
	j := bytes.Index(doc, []byte(figuresEnd))
	if i < 0 || j < 0 || j < i {
		return nil, fmt.Errorf("no %s ... %s region", figuresStart, figuresEnd)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(figuresStart)])
	out.WriteString("\n" + strings.TrimRight(body, "\n") + "\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// rewriteRegion replaces the figures region of the file at path, writing
// a temporary file and renaming it, so that an interrupted run never leaves
// half a README.
func rewriteRegion(path, body string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceRegion(doc, body)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".figures-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(out)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}
