// Package timeuse plants violations of the time rule.
package timeuse

import "time"

func Positive() {
	_ = time.Now()
	time.Sleep(time.Millisecond)
	<-time.After(time.Second)
	_ = time.Tick(time.Second)
	_ = time.NewTimer(time.Second)
	_ = time.NewTicker(time.Second)
	_ = time.Since(time.Time{})
	_ = time.Until(time.Time{})
	_ = time.AfterFunc(time.Second, func() {})
	now := time.Now // a function value reads the clock when called
	_ = now
}

// Negative uses the parts of package time that are pure: types, constants,
// arithmetic and methods (time.Time.After is a method, not time.After).
func Negative(a, b time.Time) (time.Duration, bool) {
	d := 3 * time.Second
	_ = time.Unix(0, 0).Add(d)
	_, _ = time.ParseDuration("1s")
	var t *time.Timer // the type alone starts nothing
	_ = t
	return d, a.After(b) && !b.Before(a)
}

type clock struct{}

func (clock) Now() int   { return 0 }
func (clock) Sleep(int)  {}
func (clock) After() int { return 0 }

// Shadowed has a local variable called time whose methods share names with
// the banned functions: they are not package time's.
func Shadowed() int {
	time := clock{}
	time.Sleep(1)
	return time.Now() + time.After()
}
