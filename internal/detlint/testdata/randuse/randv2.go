package randuse

import randv2 "math/rand/v2"

func PositiveV2() int {
	_ = randv2.Float64()
	_ = randv2.N(10)
	_ = randv2.N[int64](10)
	return randv2.IntN(10)
}

func NegativeV2(a, b uint64) int {
	r := randv2.New(randv2.NewPCG(a, b))
	var seed [32]byte
	c := randv2.New(randv2.NewChaCha8(seed))
	return r.IntN(10) + c.IntN(10)
}
