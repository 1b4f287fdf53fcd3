package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The trading data of the tutorial: one trade per line, with the time of the trade as a
// string (dt), an integer amount and a double price. Prices are multiples of 1/4 and
// amounts small integers, so every sum of amount*price is exact in float64 and the three
// implementations must agree to the bit, whatever order they add in.

// baseTime is the first trade's time (the tutorial's data starts on this day).
var baseTime = time.Date(2020, 12, 21, 8, 0, 0, 0, time.UTC)

// dtLayout is the tutorial's "%Y-%m-%d %H:%M:%S.%f".
const dtLayout = "2006-01-02 15:04:05.000000"

// dataSpec says what to generate.
type dataSpec struct {
	rows  int
	files int
	// span is the event-time range the trades cover; jitter is how far a trade may be
	// out of order (well inside the watermark delay, so no trade is late).
	span   time.Duration
	jitter time.Duration
	seed   uint64
}

type trade struct {
	ts     int64 // micros since the epoch
	amount int64
	price  float64
}

func genTrades(d dataSpec) []trade {
	r := rand.New(rand.NewPCG(d.seed, 7))
	step := float64(d.span.Microseconds()) / float64(d.rows)
	out := make([]trade, d.rows)
	for i := range out {
		ts := baseTime.UnixMicro() + int64(float64(i)*step)
		if d.jitter > 0 {
			ts += r.Int64N(2*d.jitter.Microseconds()) - d.jitter.Microseconds()
		}
		out[i] = trade{ts: ts, amount: 1 + r.Int64N(200), price: 10000 + float64(r.IntN(400))*0.25}
	}
	return out
}

func fmtPrice(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

func fmtTime(ts int64) string { return time.UnixMicro(ts).UTC().Format(dtLayout) }

// writeTrades writes trades into files of dir in the format ("csv" or "json"), file k
// holding the k-th slice of rows. File names sort in row order, and modification times
// increase with k so the file source takes them in that order.
func writeTrades(dir, format string, trades []trade, files int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	mod := time.Now().Add(-time.Hour)
	for k := 0; k < files; k++ {
		lo, hi := k*len(trades)/files, (k+1)*len(trades)/files
		var b bytes.Buffer
		for _, t := range trades[lo:hi] {
			appendTrade(&b, format, t)
		}
		p := filepath.Join(dir, fmt.Sprintf("part-%05d.%s", k, format))
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		mt := mod.Add(time.Duration(k) * time.Second)
		if err := os.Chtimes(p, mt, mt); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func appendTrade(b *bytes.Buffer, format string, t trade) {
	switch format {
	case "csv":
		fmt.Fprintf(b, "%s,%d,%s\n", fmtTime(t.ts), t.amount, fmtPrice(t.price))
	default:
		fmt.Fprintf(b, `{"dt":"%s","amount":%d,"price":%s}`+"\n", fmtTime(t.ts), t.amount, fmtPrice(t.price))
	}
}

// windowSpec is a window of the workload: size and slide in micros (equal for tumbling),
// and the watermark delay.
type windowSpec struct {
	name        string
	size, slide int64
	delay       int64
	// sizeText and slideText are the engine's duration strings.
	sizeText, slideText string
}

var (
	tumbling1s = windowSpec{name: "tumbling 1s", size: 1e6, slide: 1e6, delay: 20 * 60e6,
		sizeText: "1 second", slideText: "1 second"}
	sliding10m5m = windowSpec{name: "sliding 10m/5m", size: 10 * 60e6, slide: 5 * 60e6, delay: 20 * 60e6,
		sizeText: "10 minutes", slideText: "5 minutes"}
)

// result is one window's aggregates: sum(amount), sum(amount*price), avg(price).
type result struct {
	Amount int64
	Volume float64
	Avg    float64
}

// acc accumulates one window.
type acc struct {
	amount   int64
	volume   float64
	priceSum float64
	n        int64
}

func (a *acc) add(amount int64, price float64) {
	a.amount += amount
	a.volume += float64(amount) * price
	a.priceSum += price
	a.n++
}

func (a *acc) result() result {
	return result{Amount: a.amount, Volume: a.volume, Avg: a.priceSum / float64(a.n)}
}

// windowsOf calls fn with the start of each window holding ts (Spark's assignment:
// starts on the slide grid, start <= ts < start+size).
func windowsOf(w windowSpec, ts int64, fn func(start int64)) {
	last := ts - floorMod(ts, w.slide)
	for s := last; s > ts-w.size; s -= w.slide {
		fn(s)
	}
}

func floorMod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

// compare checks got against want window by window and describes the differences (at
// most a few); "" means equal.
func compare(want, got map[int64]result) string {
	var diffs []string
	note := func(format string, args ...any) {
		if len(diffs) < 5 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	if len(want) != len(got) {
		note("%d windows, want %d", len(got), len(want))
	}
	for s, w := range want {
		g, ok := got[s]
		if !ok {
			note("window %s missing", fmtTime(s))
			continue
		}
		if g.Amount != w.Amount || !near(g.Volume, w.Volume) || !near(g.Avg, w.Avg) {
			note("window %s: got %+v, want %+v", fmtTime(s), g, w)
		}
	}
	for s := range got {
		if _, ok := want[s]; !ok {
			note("unexpected window %s", fmtTime(s))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprint(diffs)
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}
