package randuse

import (
	mrand "math/rand"
)

// Local has a variable called rand whose methods share names with the
// global functions: it is a seeded generator, which is allowed.
func Local(seed int64) int {
	rand := mrand.New(mrand.NewSource(seed))
	return rand.Intn(10) + int(rand.Int63())
}

type fake struct{}

func (fake) Intn(int) int { return 4 }

func Fake() int {
	rand := fake{}
	return rand.Intn(10)
}
