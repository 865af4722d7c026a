package detlint

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

const directivePrefix = "//detlint:"

// A directive is a //detlint:ordered comment. It suppresses the map-order
// findings of the statement that starts on the line after its comment group.
type directive struct {
	pos    token.Pos
	reason string
	used   bool
}

// collectDirectives indexes the //detlint: comments of the file by the line
// on which their comment group ends, and reports unknown verbs.
func (c *checker) collectDirectives() {
	c.directives = map[int]*directive{}
	for _, cg := range c.file.Comments {
		for _, cm := range cg.List {
			rest, ok := strings.CutPrefix(cm.Text, directivePrefix)
			if !ok {
				continue
			}
			verb, reason, _ := strings.Cut(rest, " ")
			if verb != "ordered" {
				c.report(cm.Pos(), "directive",
					"unknown directive %s%s; the only one is //detlint:ordered <reason>", directivePrefix, verb)
				continue
			}
			line := c.fset.Position(cg.End()).Line
			if c.directives[line] == nil {
				c.directives[line] = &directive{pos: cm.Pos(), reason: strings.TrimSpace(reason)}
			}
		}
	}
}

// reportDirectives reports directives without a reason and directives that
// suppressed nothing, so that stale ones do not accumulate.
func (c *checker) reportDirectives() {
	lines := make([]int, 0, len(c.directives))
	for line := range c.directives {
		lines = append(lines, line)
	}
	slices.Sort(lines)
	for _, line := range lines {
		d := c.directives[line]
		if d.reason == "" {
			c.report(d.pos, "directive",
				"//detlint:ordered needs a reason: say why the iteration order cannot reach behaviour")
		}
		if !d.used {
			c.report(d.pos, "directive",
				"//detlint:ordered suppresses nothing: no statement on the next line iterates over a map in random order")
		}
	}
}

// reportMapOrder reports a map-order finding unless a directive ends on the
// line above stmtLine, the line on which the offending statement starts.
func (c *checker) reportMapOrder(pos token.Pos, stmtLine int, format string, args ...any) {
	if d := c.directives[stmtLine-1]; d != nil {
		d.used = true
		return
	}
	c.report(pos, "map-order", format+", or say why order cannot reach behaviour with //detlint:ordered <reason> on the line above", args...)
}

// enclosingLine returns the line of the innermost statement among the
// ancestors in stack.
func (c *checker) enclosingLine(stack []ast.Node) int {
	for i := len(stack) - 1; i >= 0; i-- {
		if s, ok := stack[i].(ast.Stmt); ok {
			return c.fset.Position(s.Pos()).Line
		}
	}
	return 0
}

func (c *checker) checkRange(n *ast.RangeStmt, stack []ast.Node) {
	t := c.info.TypeOf(n.X)
	if t == nil {
		return
	}
	if _, ok := t.Underlying().(*types.Chan); ok {
		if !inSelect(stack) {
			c.report(n.Pos(), "chan", "range over a channel is banned: the simulator, not the Go scheduler, orders events")
		}
		return
	}
	if !isMap(t) || c.collectThenSort(n, stack) {
		return
	}
	qual := func(p *types.Package) string { return p.Name() }
	c.reportMapOrder(n.Pos(), c.fset.Position(n.Pos()).Line,
		"range over map (%s) has random order: sort the keys first", types.TypeString(t, qual))
}

// isMap reports whether t is a map type, or a type parameter whose
// constraint admits maps (ranging over it then requires a map core type).
func isMap(t types.Type) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		iface, ok := tp.Constraint().Underlying().(*types.Interface)
		return ok && constraintHasMap(iface)
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

func constraintHasMap(iface *types.Interface) bool {
	for i := range iface.NumEmbeddeds() {
		switch e := iface.EmbeddedType(i).(type) {
		case *types.Union:
			for j := range e.Len() {
				if _, ok := e.Term(j).Type().Underlying().(*types.Map); ok {
					return true
				}
			}
		default:
			switch u := e.Underlying().(type) {
			case *types.Map:
				return true
			case *types.Interface:
				if constraintHasMap(u) {
					return true
				}
			}
		}
	}
	return false
}

// sortFuncs are the functions that, called on the collected keys right
// after the loop, make the key order deterministic.
var sortFuncs = map[string]map[string]bool{
	"sort":   {"Strings": true, "Ints": true, "Float64s": true, "Slice": true, "SliceStable": true, "Sort": true, "Stable": true},
	"slices": {"Sort": true, "SortFunc": true, "SortStableFunc": true},
}

// collectThenSort recognizes the idiom of guideline 6: a loop whose whole
// body is `s = append(s, k)` with k the key variable, followed directly by a
// statement that sorts s.
func (c *checker) collectThenSort(n *ast.RangeStmt, stack []ast.Node) bool {
	key, ok := n.Key.(*ast.Ident)
	if !ok || key.Name == "_" || (n.Value != nil && !isBlank(n.Value)) || len(n.Body.List) != 1 {
		return false
	}
	keyObj := c.info.ObjectOf(key)
	as, ok := n.Body.List[0].(*ast.AssignStmt)
	if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	slice, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return false
	}
	sliceObj := c.info.ObjectOf(slice)
	call, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok || call.Ellipsis.IsValid() || len(call.Args) != 2 {
		return false
	}
	if fun, ok := ast.Unparen(call.Fun).(*ast.Ident); !ok {
		return false
	} else if b, ok := c.info.Uses[fun].(*types.Builtin); !ok || b.Name() != "append" {
		return false
	}
	if !c.isObj(call.Args[0], sliceObj) || !c.isObj(call.Args[1], keyObj) {
		return false
	}
	next := c.nextStmt(n, stack)
	es, ok := next.(*ast.ExprStmt)
	if !ok {
		return false
	}
	sortCall, ok := es.X.(*ast.CallExpr)
	if !ok || len(sortCall.Args) == 0 {
		return false
	}
	fn, ok := calleeFunc(c.info, sortCall)
	if !ok || !sortFuncs[fn.Pkg().Path()][fn.Name()] {
		return false
	}
	arg := ast.Unparen(sortCall.Args[0])
	// sort.Sort(sort.StringSlice(s)): look through a conversion.
	if conv, ok := arg.(*ast.CallExpr); ok && len(conv.Args) == 1 && c.info.Types[conv.Fun].IsType() {
		arg = conv.Args[0]
	}
	return c.isObj(arg, sliceObj)
}

func (c *checker) isObj(e ast.Expr, obj types.Object) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && obj != nil && c.info.ObjectOf(id) == obj
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// nextStmt returns the statement that follows n in its enclosing statement
// list, or nil.
func (c *checker) nextStmt(n ast.Stmt, stack []ast.Node) ast.Stmt {
	var self ast.Stmt = n
	i := len(stack) - 1
	if i >= 0 {
		if l, ok := stack[i].(*ast.LabeledStmt); ok {
			self = l
			i--
		}
	}
	if i < 0 {
		return nil
	}
	var list []ast.Stmt
	switch p := stack[i].(type) {
	case *ast.BlockStmt:
		list = p.List
	case *ast.CaseClause:
		list = p.Body
	case *ast.CommClause:
		list = p.Body
	}
	for j, s := range list {
		if s == self && j+1 < len(list) {
			return list[j+1]
		}
	}
	return nil
}
