package cryptorand

import "hash/maphash"

// PositiveMaphash: maphash's seed is random per process.
func PositiveMaphash(b []byte) uint64 {
	return maphash.Bytes(maphash.MakeSeed(), b)
}
