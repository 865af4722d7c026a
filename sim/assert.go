package sim

import "fmt"

// AssertionError is the panic value of a failed assertion: a state the code
// holds impossible. The kernel catches it like any panic and reports it as
// the run's failure with the seed, node, event and stack; Failure.Value is
// the *AssertionError, so a harness can tell an assertion from a crash.
type AssertionError struct {
	Message string
}

func (e *AssertionError) Error() string { return "assertion failed: " + e.Message }

// Assert panics with an *AssertionError when cond is false. Prefer the form
//
//	if !cond {
//		sim.Failf("slot %d decided twice", slot)
//	}
//
// on hot paths: the arguments of a variadic call are built even when cond
// holds. Assertions are never switched off (TigerBeetle's rule): a check
// that can be disabled is not a check.
func Assert(cond bool, format string, args ...any) {
	if !cond {
		Failf(format, args...)
	}
}

// Failf panics with an *AssertionError.
func Failf(format string, args ...any) {
	panic(&AssertionError{Message: fmt.Sprintf(format, args...)})
}
