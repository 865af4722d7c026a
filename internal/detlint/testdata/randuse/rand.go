// Package randuse plants violations of the rand rule.
package randuse

import "math/rand"

func Positive(xs []int) {
	_ = rand.Intn(10)
	_ = rand.Float64()
	rand.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	rand.Seed(1)
	f := rand.Int63 // a function value uses the global source when called
	_ = f
}

// Negative builds a generator from an explicit seed and uses its methods.
func Negative(seed int64, xs []int) int {
	r := rand.New(rand.NewSource(seed))
	r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	z := rand.NewZipf(r, 2, 1, 100)
	return r.Intn(10) + int(z.Uint64())
}
