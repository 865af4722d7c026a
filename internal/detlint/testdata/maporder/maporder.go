// Package maporder plants violations of the map-order rule and uses of the
// //detlint:ordered directive.
package maporder

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

type Table map[string]int

func Positive(m map[string]int, t Table) (out []string) {
	for k := range m {
		out = append(out, k)
	}
	for k, v := range t {
		out = append(out, k+strings.Repeat("!", v))
	}
	return out
}

func Generic[M ~map[K]V, K comparable, V any](m M) (n int) {
	for range m {
		n++
	}
	return n
}

// Negative ranges over things whose order is fixed.
func Negative(xs []int, s string, p *[3]int) (n int) {
	for _, x := range xs {
		n += x
	}
	for range s {
		n++
	}
	for i := range 10 {
		n += i
	}
	for i := range p {
		n += i
	}
	return n
}

// Sorted uses the accepted idiom: collect the keys, then sort them at once.
func Sorted(m map[string]int) ([]string, []string, []string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, strings.Compare)

	var ss []string
loop:
	for k, _ := range m {
		ss = append(ss, k)
	}
	sort.Sort(sort.StringSlice(ss))
	_ = slices.Sorted(maps.Keys(m))
	goto loop
}

// NotSorted looks like the idiom but is not.
func NotSorted(m map[string]int) (a, b, c, d []string) {
	for k := range m { // never sorted
		a = append(a, k)
	}
	for k := range m { // sorts another slice
		b = append(b, k)
	}
	sort.Strings(a)
	for k := range m { // not sorted right after the loop
		c = append(c, k)
	}
	d = c
	sort.Strings(c)
	for _, v := range m { // collects values
		_ = v
		d = append(d, "")
	}
	sort.Strings(d)
	return a, b, c, d
}

func Iterators(m map[string]int) (n int) {
	for k := range maps.Keys(m) {
		n += len(k)
	}
	vs := slices.Collect(maps.Values(m))
	all := maps.All(m)
	_ = slices.SortedFunc(maps.Keys(m), strings.Compare)
	_, _ = vs, all
	return n
}

func Directives(m map[string]int) (n int) {
	//detlint:ordered summing is commutative
	for _, v := range m {
		n += v
	}
	//detlint:ordered deleting every entry leaves the same empty map
	// whatever the order.
	for k := range m {
		delete(m, k)
	}
	//detlint:ordered
	for range m {
		n++
	}
	//detlint:ordered counted, so order is irrelevant
	for range maps.Values(m) {
		n++
	}
	//detlint:ordered nothing follows
	n++
	//detlint:ordered one line too far

	for range m {
		n++
	}
	//detlint:sorted unknown verb
	return n
}
