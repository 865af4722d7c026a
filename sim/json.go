package sim

import "strconv"

// Durations and times are written in saved runs (params.json) as a decimal
// integer in the largest unit that divides them exactly ("250ms", "2s",
// "1500us", "0s"), so that a file reads like the flags that made it and
// every value round-trips bit for bit through ParseDuration.

var exactUnits = []struct {
	suffix string
	scale  int64
}{{"s", int64(Second)}, {"ms", int64(Millisecond)}, {"us", int64(Microsecond)}, {"ns", 1}}

// Exact writes d in the largest unit that divides it exactly.
func (d Duration) Exact() string {
	v := int64(d)
	if v == 0 {
		return "0s"
	}
	for _, u := range exactUnits {
		if v%u.scale == 0 {
			return strconv.FormatInt(v/u.scale, 10) + u.suffix
		}
	}
	panic("unreachable")
}

// MarshalText implements encoding.TextMarshaler with Exact.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Exact()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText implements encoding.TextMarshaler: the time since the start
// of the run, as a Duration.
func (t Time) MarshalText() ([]byte, error) { return Duration(t).MarshalText() }

// UnmarshalText implements encoding.TextUnmarshaler. A negative time
// decodes, so that the validation of whatever holds it can name the field.
func (t *Time) UnmarshalText(b []byte) error {
	var d Duration
	if err := d.UnmarshalText(b); err != nil {
		return err
	}
	*t = Time(d)
	return nil
}
