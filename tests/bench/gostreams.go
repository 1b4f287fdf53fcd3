package main

import (
	"fmt"
	"sync/atomic"

	"github.com/reugn/go-streams"
	"github.com/reugn/go-streams/extension"
	"github.com/reugn/go-streams/flow"
)

// The Go peer: github.com/reugn/go-streams. Its pipeline is the library's own: a
// FileSource per file emitting lines, a Map parsing a line into a trade, a FlatMap
// assigning it to its windows, and a sink aggregating per window.
//
// What it cannot express: its TumblingWindow and SlidingWindow close windows on
// processing-time ticks (even with a timestamp extractor the window bounds come from the
// wall clock), so event-time windows over recorded trades are assigned by hand in the
// FlatMap; and it has no watermark, so nothing is dropped as late and no window is
// closed before the end (the data has no late trades, so the results still match).
const goStreamsNote = "go-streams: event-time windows and watermarks are not expressible " +
	"(its windows close on wall-clock ticks): window assignment is a FlatMap, the aggregation a custom Sink, no late-row dropping"

// windowed is one (trade, window) pair.
type windowed struct {
	start  int64
	amount int64
	price  float64
}

// aggSink is a streams.Sink adding windowed trades into shared accumulators.
type aggSink struct {
	in   chan any
	done chan struct{}
}

var _ streams.Sink = (*aggSink)(nil)

func newAggSink(open map[int64]*acc) *aggSink {
	s := &aggSink{in: make(chan any), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for e := range s.in {
			w := e.(windowed)
			a := open[w.start]
			if a == nil {
				a = &acc{}
				open[w.start] = a
			}
			a.add(w.amount, w.price)
		}
	}()
	return s
}

func (s *aggSink) In() chan<- any   { return s.in }
func (s *aggSink) AwaitCompletion() { <-s.done }

type parsed struct {
	ts, amount int64
	price      float64
	ok         bool
}

func runGoStreams(paths []string, format string, w windowSpec) (map[int64]result, error) {
	open := map[int64]*acc{}
	var bad atomic.Int64
	parse := handCSVLine
	if format == "json" {
		parse = handJSONLine
	}
	for _, p := range paths {
		src := extension.NewFileSource(p)
		toTrade := flow.NewMap(func(line string) parsed {
			ts, amount, price, err := parse([]byte(line))
			if err != nil {
				bad.Add(1)
				return parsed{}
			}
			return parsed{ts, amount, price, true}
		}, 1)
		assign := flow.NewFlatMap(func(t parsed) []windowed {
			if !t.ok {
				return nil
			}
			var out []windowed
			windowsOf(w, t.ts, func(start int64) {
				out = append(out, windowed{start, t.amount, t.price})
			})
			return out
		}, 1)
		// The sink's goroutine is the only writer of open until AwaitCompletion returns.
		src.Via(toTrade).Via(assign).To(newAggSink(open))
	}
	if n := bad.Load(); n > 0 {
		return nil, fmt.Errorf("go-streams: %d malformed lines", n)
	}
	out := make(map[int64]result, len(open))
	for s, a := range open {
		out[s] = a.result()
	}
	return out, nil
}
