package runtime

import (
	"fmt"
	"strings"
)

// watermarkTracker is Spark's WatermarkTracker. It works in milliseconds, as Spark does:
// event times are cut to milliseconds before the delay is subtracted, so the watermark is
// always a whole millisecond.
type watermarkTracker struct {
	delaysMs []int64
	// nodeMs is each withWatermark node's own watermark; set[i] once the node has one.
	nodeMs []int64
	set    []bool
	useMax bool
	// globalMs is the watermark in force; it starts at 0 and never decreases.
	globalMs int64
}

// parseWatermarkPolicy reads spark.sql.streaming.multipleWatermarkPolicy: "min" (the
// default, safe: no node drops data the others would keep) or "max".
func parseWatermarkPolicy(conf map[string]string) (useMax bool, err error) {
	v, ok := conf[confWatermarkPolicy]
	if !ok {
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "min":
		return false, nil
	case "max":
		return true, nil
	}
	return false, fmt.Errorf("could not recognize value %s for %s: use min or max", v, confWatermarkPolicy)
}

func newWatermarkTracker(delaysMicros []int64, useMax bool) *watermarkTracker {
	w := &watermarkTracker{useMax: useMax}
	for _, d := range delaysMicros {
		w.delaysMs = append(w.delaysMs, d/1000)
	}
	w.nodeMs = make([]int64, len(w.delaysMs))
	w.set = make([]bool, len(w.delaysMs))
	return w
}

// update folds one batch's maximum event times (one per node) in: a node that saw rows
// gets candidate max - delay, kept only if it raises the node's watermark; a node that
// has never seen a row counts as 0. The global watermark then becomes the min (or max)
// over the nodes if that is higher than the current one.
func (w *watermarkTracker) update(maxEventTimes []EventTime) {
	if len(w.delaysMs) == 0 {
		return
	}
	for i, delay := range w.delaysMs {
		if i < len(maxEventTimes) && maxEventTimes[i].OK {
			cand := maxEventTimes[i].Micros/1000 - delay
			if !w.set[i] || cand > w.nodeMs[i] {
				w.nodeMs[i] = cand
				w.set[i] = true
			}
			continue
		}
		if !w.set[i] {
			w.nodeMs[i] = 0
			w.set[i] = true
		}
	}
	chosen := w.nodeMs[0]
	for _, v := range w.nodeMs[1:] {
		if w.useMax {
			chosen = max(chosen, v)
		} else {
			chosen = min(chosen, v)
		}
	}
	if chosen > w.globalMs {
		w.globalMs = chosen
	}
}

// set raises the global watermark to ms (a restart restoring the recorded one).
func (w *watermarkTracker) restore(ms int64) {
	w.globalMs = max(w.globalMs, ms)
}
