package timeuse

import (
	stdtime "time"
)

func Alias() stdtime.Duration {
	stdtime.Sleep(stdtime.Second)
	return stdtime.Since(stdtime.Unix(0, 0))
}
