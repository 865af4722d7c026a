package clean

import (
	"math/rand"
	"testing"
	"time"
)

func TestAdd(t *testing.T) {
	done := make(chan bool)
	go func() { done <- Add(1, 2) == 3 }()
	if !<-done || rand.Intn(1) != 0 || time.Since(time.Now()) < 0 {
		t.Fail()
	}
}
