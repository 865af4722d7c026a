package detlint

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// bannedTime maps each banned function of package time to why it is banned.
var bannedTime = map[string]string{
	"Now":       "reads the wall clock; use env.Now(), the node's simulated clock",
	"Since":     "reads the wall clock; use env.Now(), the node's simulated clock",
	"Until":     "reads the wall clock; use env.Now(), the node's simulated clock",
	"Sleep":     "blocks on real time; set a simulated timer with env.SetTimer",
	"After":     "starts a real timer; set a simulated timer with env.SetTimer",
	"AfterFunc": "starts a real timer; set a simulated timer with env.SetTimer",
	"Tick":      "starts a real ticker; set a simulated timer with env.SetTimer",
	"NewTimer":  "starts a real timer; set a simulated timer with env.SetTimer",
	"NewTicker": "starts a real ticker; set a simulated timer with env.SetTimer",
}

// mapIterators are the functions of package maps that yield in map order.
var mapIterators = map[string]bool{"Keys": true, "Values": true, "All": true}

// sortedCollectors are the functions of package slices that make a map
// iterator deterministic when it is their direct argument.
var sortedCollectors = map[string]bool{"Sorted": true, "SortedFunc": true, "SortedStableFunc": true}

type checker struct {
	fset       *token.FileSet
	file       *ast.File
	info       *types.Info
	findings   []Finding
	directives map[int]*directive // by the line of the end of their comment group
}

func (c *checker) report(pos token.Pos, rule, format string, args ...any) {
	c.findings = append(c.findings, Finding{
		Pos:     c.fset.Position(pos),
		Rule:    rule,
		Message: fmt.Sprintf(format, args...),
	})
}

func (c *checker) run() {
	c.collectDirectives()
	for _, spec := range c.file.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		switch {
		case err != nil:
		case path == "crypto/rand":
			c.report(spec.Pos(), "crypto-rand",
				"import of crypto/rand is banned: its bytes are not reproducible; draw from env.Rand()")
		case path == "hash/maphash":
			c.report(spec.Pos(), "maphash",
				"import of hash/maphash is banned: its seed is random per process, so hashes differ between runs; use a fixed hash such as FNV")
		}
	}
	ast.PreorderStack(c.file, nil, c.visit)
	c.reportDirectives()
}

// visit is called for every node in source order; stack holds its ancestors,
// innermost last.
func (c *checker) visit(n ast.Node, stack []ast.Node) bool {
	switch n := n.(type) {
	case *ast.GoStmt:
		c.report(n.Pos(), "go",
			"go statement is banned: a simulation runs on one goroutine, parallelism lives between seeds")
	case *ast.SelectStmt:
		c.report(n.Pos(), "select",
			"select statement is banned: the simulator, not the Go scheduler, orders events")
	case *ast.ChanType:
		c.report(n.Pos(), "chan",
			"channel type is banned: the simulator, not the Go scheduler, orders events")
		return false // one finding for chan chan T
	case *ast.SendStmt:
		if !inSelect(stack) {
			c.report(n.Pos(), "chan", "channel send is banned: the simulator, not the Go scheduler, orders events")
		}
	case *ast.UnaryExpr:
		if n.Op == token.ARROW && !inSelect(stack) {
			c.report(n.Pos(), "chan", "channel receive is banned: the simulator, not the Go scheduler, orders events")
		}
	case *ast.RangeStmt:
		c.checkRange(n, stack)
	case *ast.Ident:
		c.checkUse(n, stack)
	}
	return true
}

func inSelect(stack []ast.Node) bool {
	for _, n := range stack {
		if _, ok := n.(*ast.SelectStmt); ok {
			return true
		}
	}
	return false
}

// checkUse checks an identifier that refers to a package-level function of
// time, math/rand, math/rand/v2 or maps. The object comes from types.Info, so
// aliased and dot imports are resolved and local names that merely look like
// a package (a variable called rand) are not mistaken for it.
func (c *checker) checkUse(id *ast.Ident, stack []ast.Node) {
	fn, ok := c.info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return
	}
	path, name := fn.Pkg().Path(), fn.Name()
	pos, written := id.Pos(), id.Name
	if sel, ok := parent(stack).(*ast.SelectorExpr); ok && sel.Sel == id {
		pos = sel.Pos()
		if x, ok := sel.X.(*ast.Ident); ok {
			written = x.Name + "." + id.Name
		}
	}
	what := path + "." + name
	if written == fn.Pkg().Name()+"."+name {
		written = what // imported under its own name: math/rand.Intn, not rand.Intn (math/rand.Intn)
	}
	if written != what {
		what = written + " (" + what + ")"
	}
	switch path {
	case "time":
		if why, ok := bannedTime[name]; ok {
			c.report(pos, "time", "%s %s", what, why)
		}
	case "math/rand", "math/rand/v2":
		// Constructors build a generator from an explicit seed, which is how
		// sim derives its streams; everything else uses the global source.
		if !strings.HasPrefix(name, "New") {
			c.report(pos, "rand", "%s draws from the process-global random source; draw from env.Rand()", what)
		}
	case "maps":
		if mapIterators[name] && !sortedArgument(c.info, id, stack) {
			c.reportMapOrder(pos, c.enclosingLine(stack),
				"%s yields in random map order: iterate over slices.Sorted(maps.Keys(m)) instead", what)
		}
	}
}

// sortedArgument reports whether id (a maps iterator function) is called
// and the call is the direct argument of slices.Sorted, slices.SortedFunc or
// slices.SortedStableFunc. stack holds the ancestors of id.
func sortedArgument(info *types.Info, id *ast.Ident, stack []ast.Node) bool {
	var fun ast.Node = id // the expression naming the iterator function
	i := len(stack) - 1
	if sel, ok := parent(stack).(*ast.SelectorExpr); ok && sel.Sel == id {
		fun = sel
		i--
	}
	if i < 1 {
		return false
	}
	inner, ok := stack[i].(*ast.CallExpr)
	if !ok || ast.Unparen(inner.Fun) != fun {
		return false
	}
	outer, ok := stack[i-1].(*ast.CallExpr)
	if !ok || len(outer.Args) == 0 || outer.Args[0] != inner {
		return false
	}
	fn, ok := calleeFunc(info, outer)
	return ok && fn.Pkg().Path() == "slices" && sortedCollectors[fn.Name()]
}

// calleeFunc returns the package-level function a call statically calls.
func calleeFunc(info *types.Info, call *ast.CallExpr) (*types.Func, bool) {
	fun := ast.Unparen(call.Fun)
	switch f := fun.(type) {
	case *ast.IndexExpr: // explicit instantiation: slices.SortedFunc[...]
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil, false
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return nil, false
	}
	return fn, true
}

func parent(stack []ast.Node) ast.Node {
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}
