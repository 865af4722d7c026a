package detlint

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// EntropyRules are the rules LintDeps reports: the ones that bring
// nondeterminism into a run (the wall clock, global and crypto randomness,
// a per-process hash seed). The others (goroutines, channels, map order)
// describe code that a library may hold without a simulation ever running
// it (etcd raft's goroutine-based raft.Node next to its pure RawNode), and
// would drown the few findings that matter.
var EntropyRules = []string{"time", "rand", "crypto-rand", "maphash"}

// LintDeps lints the dependencies of the packages matching patterns,
// relative to dir: every package they import, directly or not, outside the
// standard library and other than themselves, for EntropyRules. It is for
// a user whose simulation runs a library it does not control: a finding
// says that the library may read the clock or draw randomness that no seed
// controls, inside a run. It over-approximates (a banned call anywhere in a
// package counts, reached or not), so its findings are warnings to check,
// not verdicts; a dependency that draws through crypto/rand.Reader can be
// made deterministic by replacing the Reader (examples/etcdraft shows how).
// Missing and the error are as for Lint.
func LintDeps(dir string, patterns ...string) (Result, error) {
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
	// First the import graph alone, to find the dependencies; then their
	// syntax and types, with their own imports from export data.
	roots, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule, Dir: abs}, existing...)
	if err != nil {
		return res, err
	}
	own := map[string]bool{}
	for _, p := range roots {
		own[p.PkgPath] = true
	}
	var deps []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.Module != nil && !own[p.PkgPath] { // no module: the standard library
			deps = append(deps, p.PkgPath)
		}
	})
	if len(deps) == 0 {
		return res, nil
	}
	slices.Sort(deps)
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo, Dir: abs}, deps...)
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
			for _, fd := range CheckFile(pkg.Fset, f, pkg.TypesInfo) {
				if slices.Contains(EntropyRules, fd.Rule) {
					// "is banned" is for the packages a user writes.
					fd.Message = pkg.PkgPath + ": " + strings.Replace(fd.Message, " is banned", "", 1)
					res.Findings = append(res.Findings, fd)
				}
			}
		}
	}
	for i := range res.Findings {
		res.Findings[i].Pos.Filename = relative(abs, res.Findings[i].Pos.Filename)
	}
	sortFindings(res.Findings)
	res.Findings = slices.Compact(res.Findings)
	return res, errors.Join(errs...)
}
