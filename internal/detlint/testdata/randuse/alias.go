package randuse

import r "math/rand"

func Alias() int {
	return r.Intn(10) + r.New(r.NewSource(1)).Intn(10)
}
