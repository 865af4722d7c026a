// Package concurrency plants violations of the go, chan and select rules.
package concurrency

import "context"

type pipe struct {
	in  chan int
	out <-chan chan int
}

func Positive(ctx context.Context, p pipe) {
	go func() {}()
	ch := make(chan int, 1)
	ch <- 1
	_ = <-ch
	for range ch {
	}
	select {
	case v := <-ch:
		_ = v
	case ch <- 2:
	case <-ctx.Done():
	default:
	}
	<-ctx.Done()
	_ = p
}

func goSomewhere() {}

// Negative: names that only look like the banned constructs.
func Negative(chanName int) int {
	goSomewhere()
	selected := chanName
	return selected
}
