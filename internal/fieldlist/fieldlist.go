// Package fieldlist names a struct's fields, for the tests that hold a
// hand-written copy of a struct (a snapshot's Clone) to the struct: a field
// added to the struct fails such a test until its copy, and the test's
// list, follow it.
package fieldlist

import "reflect"

// Names lists the names of the fields of v, a struct value, in
// declaration order.
func Names(v any) []string {
	ty := reflect.TypeOf(v)
	out := make([]string, ty.NumField())
	for i := range out {
		out[i] = ty.Field(i).Name
	}
	return out
}
