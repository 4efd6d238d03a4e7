package main

import (
	"math/bits"
	"time"
)

// Histogram layout: values below histSub nanoseconds have a bucket each;
// above, every power of two is split into histSub buckets, so a bucket is
// at most 1/histSub (0.8%) of its values wide.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits) * histSub
)

// histogram counts durations in log-linear buckets, like HdrHistogram with
// two significant digits. The zero value is empty and ready to use.
type histogram struct {
	counts [histBuckets]int64
	total  int64
}

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // v>>shift is in [histSub, 2*histSub)
	return (shift+1)*histSub + int(v>>shift) - histSub
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < histSub {
		return uint64(i), 1
	}
	shift := i/histSub - 1
	return uint64(i%histSub+histSub) << shift, 1 << shift
}

// record counts one duration; negative ones count as zero.
func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
}

// quantile returns the duration below which the fraction q of the
// recorded ones lie (the middle of its bucket), or 0 when h is empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := int64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen int64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			low, width := bucketRange(i)
			return time.Duration(low + width/2)
		}
	}
	return 0
}
