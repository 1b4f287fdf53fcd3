// Command bench measures Runnel against the practical limit (a hand-written Go loop) and
// a Go peer (github.com/reugn/go-streams) on the tutorial's trading workload, in one
// process on the same generated data, and checks that all three compute the same
// aggregates (a mismatch is printed and the command exits 1). It also measures file
// arrival to foreachBatch latency, a keyed tumbling-window sum on an in-memory source,
// sliding against tumbling windows, state memory over a long watermarked run and the
// kernel's execute round trip.
//
//	go run ./tests/bench                   # everything, well under 3 minutes on 2 cores
//	go run ./tests/bench -only trade -cpuprofile cpu.out
//
// Throughput is reported per wall second and per core: rows divided by the CPU time the
// process used (user + system, from getrusage), so work that other goroutines or the
// garbage collector do on other cores is counted.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type config struct {
	rows, files, perTrigger int
	reps                    int
	latencyFiles            int
	keyedRows, keyedBatches int
	overlapRows             int
	overlapBatches          int
	stateRows, stateBatches int
	kernelRuns              int
	only                    map[string]bool
	impls                   map[string]bool
	formats                 []string
	dir                     string
}

func main() {
	var c config
	var only, impls, formats, cpuprofile, memprofile string
	flag.IntVar(&c.rows, "rows", 1_000_000, "trades in the trading workload")
	flag.IntVar(&c.files, "files", 40, "files the trades are split into (per format)")
	flag.IntVar(&c.perTrigger, "per-trigger", 10, "maxFilesPerTrigger: files per micro-batch")
	flag.IntVar(&c.reps, "reps", 3, "runs of each trading measurement; the fastest counts")
	flag.IntVar(&c.latencyFiles, "latency-files", 150, "files for the arrival latency")
	flag.IntVar(&c.keyedRows, "keyed-rows", 500_000, "rows per batch of the keyed tumbling sum")
	flag.IntVar(&c.keyedBatches, "keyed-batches", 20, "batches of the keyed tumbling sum")
	flag.IntVar(&c.overlapRows, "overlap-rows", 500_000, "rows per batch of the sliding/tumbling comparison")
	flag.IntVar(&c.overlapBatches, "overlap-batches", 20, "batches of the sliding/tumbling comparison")
	flag.IntVar(&c.stateRows, "state-rows", 20_000, "rows per batch of the state memory run")
	flag.IntVar(&c.stateBatches, "state-batches", 600, "batches of the state memory run (1 s of event time each)")
	flag.IntVar(&c.kernelRuns, "kernel-runs", 200, "executions of 1+1 for the kernel round trip")
	flag.StringVar(&only, "only", "", "comma-separated sections to run: trade,latency,keyed,overlap,state,kernel (default all)")
	flag.StringVar(&impls, "impl", "", "comma-separated implementations of the trading workload to run: hand,runnel,go-streams (default all; without hand no check)")
	flag.StringVar(&formats, "formats", "csv,json", "comma-separated formats of the trading workload")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file")
	flag.StringVar(&memprofile, "memprofile", "", "write an allocation profile at the end to this file")
	flag.StringVar(&c.dir, "dir", "", "directory for generated data (default a temporary one, removed)")
	flag.Parse()
	if only != "" {
		c.only = map[string]bool{}
		for _, s := range strings.Split(only, ",") {
			c.only[strings.TrimSpace(s)] = true
		}
	}
	if impls != "" {
		c.impls = map[string]bool{}
		for _, s := range strings.Split(impls, ",") {
			c.impls[strings.TrimSpace(s)] = true
		}
	}
	for _, f := range strings.Split(formats, ",") {
		c.formats = append(c.formats, strings.TrimSpace(f))
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "runnel-bench-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ok := run(c, os.Stdout)
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fatal(err)
		}
		f.Close()
	}
	if !ok {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(2)
}

func (c config) want(section string) bool { return c.only == nil || c.only[section] }

// measurement is the wall and CPU time of one run.
type measurement struct {
	wall, cpu time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn after a GC (so earlier garbage is not charged to it).
func measure(fn func() error) (measurement, error) {
	runtime.GC()
	c0, t0 := cpuTime(), time.Now()
	err := fn()
	return measurement{wall: time.Since(t0), cpu: cpuTime() - c0}, err
}

func (m measurement) perSec(rows int64) float64     { return float64(rows) / m.wall.Seconds() }
func (m measurement) perCoreSec(rows int64) float64 { return float64(rows) / m.cpu.Seconds() }

// best keeps the faster (by CPU time) of two measurements.
func best(a, b measurement) measurement {
	if a.cpu == 0 || (b.cpu > 0 && b.cpu < a.cpu) {
		return b
	}
	return a
}

func mrows(x float64) string { return fmt.Sprintf("%.2fM", x/1e6) }

// run runs the selected sections and prints their tables; it reports whether every
// correctness check passed.
func run(c config, stdout *os.File) bool {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	ok := true
	printMachine(w)
	w.Flush()
	if c.want("trade") {
		if !tradeSection(c, w) {
			ok = false
		}
		w.Flush()
	}
	if c.want("keyed") {
		var rows int64
		var m, hm measurement
		var err error
		for r := 0; r < c.reps && err == nil; r++ {
			var mr measurement
			rows, mr, err = keyedTumbling(c.keyedRows, c.keyedBatches)
			m = best(m, mr)
			hm = best(hm, keyedTumblingHand(c.keyedRows, c.keyedBatches))
		}
		if err != nil {
			fmt.Fprintln(w, "keyed tumbling: ERROR", err)
			ok = false
		} else {
			fmt.Fprintf(w, "\nKeyed tumbling-window sum, in-memory source (rate-micro-batch, 1000 keys, 10 s windows, 10 s watermark, %d x %d rows), best of %d:\n",
				c.keyedBatches, c.keyedRows, c.reps)
			fmt.Fprintf(w, "  runnel     %9s rows/s  %9s rows/s/core   (target >= 3M/s/core)\n", mrows(m.perSec(rows)), mrows(m.perCoreSec(rows)))
			fmt.Fprintf(w, "  hand loop  %9s rows/s  %9s rows/s/core\n", mrows(hm.perSec(rows)), mrows(hm.perCoreSec(rows)))
		}
		w.Flush()
	}
	if c.want("overlap") {
		// Alternating runs, best of each: the two differ by less than the machine's noise.
		var rt, rs int64
		var mt, msl measurement
		var err error
		for r := 0; r < c.reps && err == nil; r++ {
			var m1, m2 measurement
			if rt, m1, err = overlap("1 minute", "1 minute", c.overlapRows, c.overlapBatches); err != nil {
				break
			}
			rs, m2, err = overlap("60 minutes", "1 minute", c.overlapRows, c.overlapBatches)
			mt, msl = best(mt, m1), best(msl, m2)
		}
		if err != nil {
			fmt.Fprintln(w, "overlap: ERROR", err)
			ok = false
		} else {
			t, s := mt.perCoreSec(rt), msl.perCoreSec(rs)
			fmt.Fprintf(w, "\nSliding vs tumbling (in-memory, event times 1 ms apart, %d x %d rows, sum+avg, 1 min watermark), best of %d:\n",
				c.overlapBatches, c.overlapRows, c.reps)
			fmt.Fprintf(w, "  tumbling 1 min          %9s rows/s/core\n", mrows(t))
			fmt.Fprintf(w, "  sliding 60 min / 1 min  %9s rows/s/core   loss %.1f%% (target <= 20%%)\n", mrows(s), 100*(1-s/t))
		}
		w.Flush()
	}
	if c.want("latency") {
		p50, p99, err := latency(c.dir, c.latencyFiles)
		if err != nil {
			fmt.Fprintln(w, "latency: ERROR", err)
			ok = false
		} else {
			fmt.Fprintf(w, "\nFile arrival -> foreachBatch, default trigger (%d files): p50 %.1f ms, p99 %.1f ms   (targets 20 / 100 ms)\n",
				c.latencyFiles, ms(p50), ms(p99))
		}
		w.Flush()
	}
	if c.want("state") {
		samples, err := stateMemory(c.stateRows, c.stateBatches, 6)
		if err != nil {
			fmt.Fprintln(w, "state memory: ERROR", err)
			ok = false
		} else {
			fmt.Fprintf(w, "\nState memory, keyed tumbling sum with a 10 s watermark (%d batches x %d rows, 1000 keys):\n", c.stateBatches, c.stateRows)
			fmt.Fprintf(w, "  %8s %12s %12s %14s\n", "batch", "heap MiB", "state rows", "state bytes")
			for _, s := range samples {
				fmt.Fprintf(w, "  %8d %12.2f %12d %14d\n", s.batch, float64(s.heap)/(1<<20), s.stateRows, s.stateBytes)
			}
		}
		w.Flush()
	}
	if c.want("kernel") {
		p50, p99, err := kernelRoundTrip(c.kernelRuns)
		if err != nil {
			fmt.Fprintln(w, "kernel: ERROR", err)
			ok = false
		} else {
			fmt.Fprintf(w, "\nKernel execute round trip, in-process interp.Session (yaegi), Execute(\"1+1\") x %d: p50 %.3f ms, p99 %.3f ms (no zmq)\n",
				c.kernelRuns, ms(p50), ms(p99))
		}
	}
	if !ok {
		fmt.Fprintln(w, "\n*** FAILED: see the errors above ***")
	}
	return ok
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func printMachine(w *bufio.Writer) {
	model := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.Index(line, ":")+1:])
				break
			}
		}
	}
	fmt.Fprintf(w, "machine: %d cores (GOMAXPROCS %d), %s, %s %s/%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), model,
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// tradeSection runs the trading workload for each format and window through the three
// implementations and prints the table.
func tradeSection(c config, w *bufio.Writer) bool {
	ok := true
	trades := genTrades(dataSpec{rows: c.rows, files: c.files, span: 2 * time.Hour, jitter: 500 * time.Millisecond, seed: 42})
	fmt.Fprintf(w, "\nTrading workload: %d trades over 2 h (CSV and JSON, %d files each, %d files per batch),\n", c.rows, c.files, c.perTrigger)
	fmt.Fprintf(w, "cast(dt as timestamp), 20 min watermark, window -> sum(amount), sum(amount*price), avg(price); best of %d\n\n", c.reps)
	fmt.Fprintf(w, "%-6s %-16s %-11s %12s %14s %9s\n", "format", "window", "impl", "rows/s", "rows/s/core", "vs hand")
	for _, format := range c.formats {
		dir := filepath.Join(c.dir, "trades-"+format)
		paths, err := writeTrades(dir, format, trades, c.files)
		if err != nil {
			fmt.Fprintln(w, "ERROR writing data:", err)
			return false
		}
		for _, win := range []windowSpec{tumbling1s, sliding10m5m} {
			type impl struct {
				name string
				run  func() (map[int64]result, error)
			}
			impls := []impl{
				{"hand loop", func() (map[int64]result, error) { return runHand(paths, format, win, c.perTrigger) }},
				{"runnel", func() (map[int64]result, error) { return runRunnel(dir, format, win, c.perTrigger) }},
				{"go-streams", func() (map[int64]result, error) { return runGoStreams(paths, format, win) }},
			}
			var sel []impl
			for _, im := range impls {
				if c.impls == nil || c.impls[strings.Fields(im.name)[0]] {
					sel = append(sel, im)
				}
			}
			// The repetitions go round the implementations, so a stretch of load from
			// elsewhere on the machine does not fall on one of them only.
			ms := make([]measurement, len(sel))
			got := make([]map[int64]result, len(sel))
			errs := make([]error, len(sel))
			for r := 0; r < c.reps; r++ {
				for i, im := range sel {
					if errs[i] != nil {
						continue
					}
					mr, err := measure(func() error {
						var e error
						got[i], e = im.run()
						return e
					})
					if err != nil {
						errs[i] = err
						continue
					}
					ms[i] = best(ms[i], mr)
				}
			}
			var want map[int64]result
			var hand float64
			for i, im := range sel {
				if errs[i] != nil {
					fmt.Fprintf(w, "%-6s %-16s %-11s ERROR %v\n", format, win.name, im.name, errs[i])
					ok = false
					continue
				}
				rows := int64(c.rows)
				per := ms[i].perCoreSec(rows)
				ratio := "1.00x"
				if im.name == "hand loop" {
					want, hand = got[i], per
				} else if want != nil {
					ratio = fmt.Sprintf("%.2fx", per/hand)
					if d := compare(want, got[i]); d != "" {
						fmt.Fprintf(w, "!!! MISMATCH %s %s %s vs hand loop: %s\n", format, win.name, im.name, d)
						ok = false
					}
				}
				fmt.Fprintf(w, "%-6s %-16s %-11s %12s %14s %9s\n", format, win.name, im.name, mrows(ms[i].perSec(rows)), mrows(per), ratio)
			}
			w.Flush()
		}
	}
	fmt.Fprintf(w, "(all three agree on every window's aggregates unless a MISMATCH is printed)\n%s\n", goStreamsNote)
	return ok
}
