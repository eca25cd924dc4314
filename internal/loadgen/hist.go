package loadgen

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a log-linear latency histogram in microseconds, safe for
// concurrent use: values below 256 µs are exact, larger ones are kept to
// within 1/128 (< 0.8 %). It holds a few thousand counters however many
// samples it sees, so a run of tens of millions of deliveries costs nothing.
type hist struct {
	counts [128 * 36]atomic.Int64
	max    atomic.Int64
	n      atomic.Int64
}

func histIndex(us int64) int {
	if us < 0 {
		us = 0
	}
	v := uint64(us)
	shift := 0
	if l := bits.Len64(v); l > 8 {
		shift = l - 8
	}
	i := 128*shift + int(v>>shift)
	if i >= len(hist{}.counts) {
		i = len(hist{}.counts) - 1
	}
	return i
}

// histValue is the smallest value of bucket i.
func histValue(i int) int64 {
	if i < 256 {
		return int64(i)
	}
	shift := i/128 - 1
	return int64(i-128*shift) << shift
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	h.counts[histIndex(us)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

// quantile returns the value at quantile q (0..1).
func (h *hist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n-1)) + 1
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(histValue(i)) * time.Microsecond
		}
	}
	return time.Duration(h.max.Load()) * time.Microsecond
}
