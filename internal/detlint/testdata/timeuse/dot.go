package timeuse

import . "time"

func Dot() Time {
	return Now().Add(Second)
}
