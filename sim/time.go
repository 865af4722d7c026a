package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Time is a point in simulated time, in nanoseconds since the start of the run.
// The kernel's true time and every node's local clock reading are both a Time;
// only the kernel and the checkers see true time, a node sees only its local clock.
type Time int64

// Duration is a span of simulated time in nanoseconds. It is its own type, not
// time.Duration, so that wall-clock durations cannot leak into a simulation.
type Duration int64

// Common durations.
const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
)

// Add returns t+d.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// String prints t in milliseconds with microsecond precision: "12.345ms".
func (t Time) String() string { return Duration(t).String() }

// String prints d in milliseconds with microsecond precision: "12.345ms".
// A fixed unit keeps trace columns comparable line by line.
func (d Duration) String() string {
	return string(d.appendMillis(nil)) + "ms"
}

func (d Duration) appendMillis(b []byte) []byte {
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	us := int64(d) / int64(Microsecond)
	b = strconv.AppendInt(b, us/1000, 10)
	b = append(b, '.')
	frac := us % 1000
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10)
}

// ParseDuration parses a duration written as a decimal number with one of
// the units ns, us (or µs), ms, s: "250ms", "1.5s", "-3us". It is exact (no
// floating point) and rejects a fraction finer than a nanosecond or a value
// that overflows. It exists so that scenario files and flags never go
// through time.Duration.
func ParseDuration(s string) (Duration, error) {
	units := []struct {
		suffix string
		scale  int64
	}{{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}}
	for _, u := range units {
		if !strings.HasSuffix(s, u.suffix) {
			continue
		}
		num := strings.TrimSuffix(s, u.suffix)
		neg := strings.HasPrefix(num, "-")
		num = strings.TrimPrefix(num, "-")
		whole, frac, _ := strings.Cut(num, ".")
		if whole == "" && frac == "" {
			break
		}
		digits := whole + frac
		scale := u.scale
		for range frac {
			if scale%10 != 0 {
				return 0, fmt.Errorf("sim: bad duration %q: finer than a nanosecond", s)
			}
			scale /= 10
		}
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || strings.ContainsAny(digits, "+-") || v > math.MaxInt64/scale {
			return 0, fmt.Errorf("sim: bad duration %q: want a decimal number and a unit (ns, us, ms, s) within ±292 years", s)
		}
		if neg {
			v = -v
		}
		return Duration(v * scale), nil
	}
	return 0, fmt.Errorf("sim: bad duration %q: want a number followed by ns, us, ms or s", s)
}

// clock is a node's local clock: a piecewise-linear function of true time.
// Between changes it reads baseLocal + elapsed + elapsed*driftPPM/1e6, in
// integer arithmetic so that every machine computes the same readings
// (floating point may fuse multiply-adds differently across architectures).
type clock struct {
	baseTrue  Time
	baseLocal Time
	driftPPM  int64
}

func (c *clock) local(now Time) Time {
	el := int64(now - c.baseTrue)
	return c.baseLocal + Time(el+el*c.driftPPM/1_000_000)
}

// trueAfter returns the true time at which the local clock, read at true time
// now, will have advanced by d. It never returns a time before now.
func (c *clock) trueAfter(now Time, d Duration) Time {
	if d <= 0 {
		return now
	}
	// local advances (1e6+ppm)/1e6 per true nanosecond; round up so the local
	// reading at the returned time is at least the deadline.
	rate := 1_000_000 + c.driftPPM
	t := (int64(d)*1_000_000 + rate - 1) / rate
	if t < 1 {
		t = 1
	}
	return now + Time(t)
}
