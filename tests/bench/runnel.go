package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

func newSession() *engine.Session {
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	return s
}

// tradeSchema is the tutorial's: dt string, amount integer, price double.
func tradeSchema() *T.StructType {
	return T.NewStructType().Add("dt", "string").Add("amount", "integer").Add("price", "double")
}

// tradeAggregate is the tutorial's query: cast dt to a timestamp, watermark it, group by
// the window and aggregate.
func tradeAggregate(raw *engine.DataFrame, w windowSpec) *engine.DataFrame {
	df := raw.SelectExpr("cast(dt as timestamp) as dt", "amount", "price", "amount*price as volume")
	win := F.Window(F.Col("dt"), w.sizeText)
	if w.slide != w.size {
		win = F.Window(F.Col("dt"), w.sizeText, w.slideText)
	}
	return df.WithWatermark("dt", fmt.Sprintf("%d seconds", w.delay/1e6)).
		GroupBy(win).
		Agg(F.Sum("amount").Alias("amount"), F.Sum("volume").Alias("volume"), F.Avg("price").Alias("avg_price"))
}

// windowCollector keeps the latest row of each window that an update-mode query emits:
// after the last batch that is the window's final value.
type windowCollector struct {
	mu  sync.Mutex
	out map[int64]result
}

func (c *windowCollector) batch(df *engine.DataFrame, _ int64) error {
	rows, err := df.Collect()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		w, ok := r.Get("window").(engine.Row)
		if !ok {
			return fmt.Errorf("window column is %T", r.Get("window"))
		}
		start := w.Get("start").(time.Time).UnixMicro()
		amount, _ := r.Get("amount").(int64)
		volume, _ := r.Get("volume").(float64)
		avg, _ := r.Get("avg_price").(float64)
		c.out[start] = result{Amount: amount, Volume: volume, Avg: avg}
	}
	return nil
}

// runRunnel runs the workload through the engine's public API: a streaming file source
// taking perTrigger files per batch, Trigger.AvailableNow, update mode into foreachBatch.
func runRunnel(dir, format string, w windowSpec, perTrigger int) (map[int64]result, error) {
	s := newSession()
	defer s.Stop()
	raw := s.ReadStream().Format(format).Schema(tradeSchema()).Option("maxFilesPerTrigger", perTrigger).Load(dir)
	c := &windowCollector{out: map[int64]result{}}
	q, err := tradeAggregate(raw, w).WriteStream().OutputMode("update").
		Trigger(engine.AvailableNow()).ForeachBatch(c.batch).Start()
	if err != nil {
		return nil, err
	}
	if err := q.AwaitTermination(); err != nil {
		return nil, err
	}
	return c.out, nil
}
