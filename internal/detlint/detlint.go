package detlint

import (
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// DefaultPatterns are the package patterns that run inside a simulation and
// must be deterministic: the kernel, the network, the fault plans, the
// protocols, the protocol contract, the specs and the run path. The command
// line lints these when given no arguments.
var DefaultPatterns = []string{"./sim/...", "./network/...", "./faults/...", "./replica/...", "./protocol/...", "./spec/...", "./runner/..."}

// A Finding is one violation of a determinism rule.
type Finding struct {
	Pos     token.Position // Filename is relative to the directory given to Lint when inside it
	Rule    string         // one of the rule names of the package doc: "time", "rand", "crypto-rand", "go", "chan", "select", "map-order", "directive"
	Message string
}

// String formats the finding as `file:line:col: message`, the form editors
// and CI logs recognize.
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Message)
}

// A Result is the outcome of Lint.
type Result struct {
	// Findings, sorted by file, line, column and rule.
	Findings []Finding
	// Missing lists the patterns that were skipped because the directory
	// they name does not exist (yet). They are not an error, so that the
	// lint can run while packages are still being written; callers should
	// still show them, because a typo in a pattern would lint nothing.
	Missing []string
}

// Lint loads the packages matching patterns, relative to dir ("" means the
// current directory), without their test files, type-checks them and returns
// the findings. Patterns follow `go list`; a pattern naming a directory that
// does not exist goes to Result.Missing. The error reports packages that could
// not be loaded or type-checked: their findings may be incomplete.
func Lint(dir string, patterns ...string) (Result, error) {
	var res Result
	abs, err := filepath.Abs(dir)
	if err != nil {
		return res, err
	}
	var existing []string
	for _, p := range patterns {
		if patternDirExists(abs, p) {
			existing = append(existing, p)
		} else {
			res.Missing = append(res.Missing, p)
		}
	}
	if len(existing) == 0 {
		return res, nil
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo,
		Dir:   abs,
		Tests: false, // *_test.go files are excluded by design; see the package doc
	}
	pkgs, err := packages.Load(cfg, existing...)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, pkg := range pkgs {
		for _, e := range pkgErrors(pkg) {
			errs = append(errs, fmt.Errorf("%s: %s", pkg.PkgPath, e))
		}
		if pkg.TypesInfo == nil {
			continue
		}
		for _, f := range pkg.Syntax {
			res.Findings = append(res.Findings, CheckFile(pkg.Fset, f, pkg.TypesInfo)...)
		}
	}
	for i := range res.Findings {
		res.Findings[i].Pos.Filename = relative(abs, res.Findings[i].Pos.Filename)
	}
	sortFindings(res.Findings)
	res.Findings = slices.Compact(res.Findings)
	return res, errors.Join(errs...)
}

// pkgErrors returns the errors of a package, leaving out the go list error
// that only repeats, as compiler output, the parse and type errors go/types
// found too.
func pkgErrors(pkg *packages.Package) []packages.Error {
	checked := slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.ParseError || e.Kind == packages.TypeError
	})
	var out []packages.Error
	for _, e := range pkg.Errors {
		if !(checked && e.Kind == packages.ListError) {
			out = append(out, e)
		}
	}
	return out
}

// patternDirExists reports whether the directory part of a relative pattern
// (everything before a "/..." suffix) exists. Patterns that are not relative
// paths, such as import paths, are passed to go list as they are.
func patternDirExists(dir, pattern string) bool {
	if !strings.HasPrefix(pattern, ".") {
		return true
	}
	d := strings.TrimSuffix(strings.TrimSuffix(pattern, "..."), "/")
	if d == "" {
		d = "."
	}
	st, err := os.Stat(filepath.Join(dir, d))
	return err == nil && st.IsDir()
}

func relative(dir, file string) string {
	rel, err := filepath.Rel(dir, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return file
	}
	return filepath.ToSlash(rel)
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// CheckFile returns the findings of one type-checked file, in source order.
// info must hold at least Types, Defs and Uses for the file. It is the
// building block of Lint, exported for drivers that load code themselves.
func CheckFile(fset *token.FileSet, file *ast.File, info *types.Info) []Finding {
	c := &checker{fset: fset, file: file, info: info}
	c.run()
	return c.findings
}
