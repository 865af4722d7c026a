package main

import (
	"os"
	"runtime"
	"sync"
	"time"
)

// memSampler watches the process's memory during a long sweep, to show that
// it does not grow with the number of seeds: each run's world is garbage
// once its result is counted. It samples runtime.MemStats periodically and
// keeps the peaks in each tenth of the sweep, and the live heap (after a
// forced GC) at 10% and at the end. The live heap is what would grow if
// something kept runs alive; the peaks follow the collector's target, which
// is a multiple of the live heap at the last collection, so they move with
// whichever runs are under way (a hard linearizability check among them)
// and show spikes, not a trend.
type memSampler struct {
	seeds int
	stop  chan struct{}
	wg    sync.WaitGroup

	mu              sync.Mutex
	done            int
	peakInuse       [10]uint64 // HeapInuse, by tenth of the sweep
	peakSys         [10]uint64 // Sys: everything obtained from the OS
	live10, live100 uint64     // HeapAlloc right after runtime.GC
}

// memSampleEvery is the sampling interval: ReadMemStats stops the world
// for microseconds, so a few times a second costs nothing measurable.
const memSampleEvery = 100 * time.Millisecond

func newMemSampler(seeds int) *memSampler {
	return &memSampler{seeds: seeds, stop: make(chan struct{})}
}

func (m *memSampler) begin() {
	m.wg.Add(1)
	goGuarded(os.Stderr, func() {
		defer m.wg.Done()
		t := time.NewTicker(memSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample()
			}
		}
	})
}

func (m *memSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mu.Lock()
	defer m.mu.Unlock()
	// In 64 bits: ten times a billion seeds overflows a 32-bit int.
	tenth := int(min(int64(m.done)*10/int64(max(m.seeds, 1)), 9))
	m.peakInuse[tenth] = max(m.peakInuse[tenth], ms.HeapInuse)
	m.peakSys[tenth] = max(m.peakSys[tenth], ms.Sys)
}

// observe counts a finished seed (the sweep's collector calls it); at 10%
// of the sweep it measures the live heap.
func (m *memSampler) observe() {
	m.mu.Lock()
	m.done++
	at10 := m.done == max(m.seeds/10, 1)
	m.mu.Unlock()
	if at10 {
		live := liveHeap()
		m.mu.Lock()
		m.live10 = live
		m.mu.Unlock()
	}
}

// finish stops sampling and measures the live heap at the end, with the
// sweep's summary still reachable.
func (m *memSampler) finish() {
	close(m.stop)
	m.wg.Wait()
	m.sample()
	m.live100 = liveHeap()
}

// peak returns the highest of the per-tenth peaks.
func peak(p [10]uint64) uint64 {
	var out uint64
	for _, v := range p {
		out = max(out, v)
	}
	return out
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
