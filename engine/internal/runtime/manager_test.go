package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestManagerActiveGetAndUniqueNames(t *testing.T) {
	m := NewManager()
	q1, err := m.Start(baseConfig(newFakeSource("A"), newFakeExecutor(), newFakeSink()))
	if err != nil {
		t.Fatal(err)
	}
	defer q1.Stop()
	_, err = m.Start(baseConfig(newFakeSource("B"), newFakeExecutor(), newFakeSink()))
	if err == nil || err.Error() != "Cannot start query with name q as a query with that name is already active in this SparkSession" {
		t.Fatalf("duplicate name: %v", err)
	}
	cfg := baseConfig(newFakeSource("C"), newFakeExecutor(), newFakeSink())
	cfg.Name = ""
	q2, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Active(); !reflect.DeepEqual(got, []*Query{q1, q2}) {
		t.Fatalf("active %v", got)
	}
	if m.Get(q2.ID()) != q2 || m.Get("nope") != nil {
		t.Error("Get")
	}
	if err := q2.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := m.Active(); !reflect.DeepEqual(got, []*Query{q1}) || m.Get(q2.ID()) != nil {
		t.Fatalf("after Stop, active %v", got)
	}
	// The name is free again once its query stopped.
	_ = q1.Stop()
	q3, err := m.Start(baseConfig(newFakeSource("D"), newFakeExecutor(), newFakeSink()))
	if err != nil {
		t.Fatal(err)
	}
	_ = q3.Stop()
}

func TestManagerAwaitAnyTermination(t *testing.T) {
	m := NewManager()
	if ok, err := m.AwaitAnyTerminationTimeout(10 * time.Millisecond); ok || err != nil {
		t.Fatalf("nothing ended yet: %v %v", ok, err)
	}
	src := newFakeSource("A")
	src.add(1)
	sink := newFakeSink()
	sink.err = errors.New("bad sink")
	cfg := baseConfig(src, newFakeExecutor(), sink)
	cfg.ID, cfg.RunID = "x", "y"
	q, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = m.AwaitAnyTermination()
	if err == nil || err.Error() != "Query q [id = x, runId = y] terminated with exception: bad sink" {
		t.Fatalf("AwaitAnyTermination = %v", err)
	}
	// A clean stop after a failure keeps the failure until ResetTerminated.
	q2, _ := m.Start(baseConfig(newFakeSource("B"), newFakeExecutor(), newFakeSink()))
	_ = q2.Stop()
	if ok, err := m.AwaitAnyTerminationTimeout(0); !ok || err == nil {
		t.Fatalf("after second stop: %v %v", ok, err)
	}
	m.ResetTerminated()
	if ok, err := m.AwaitAnyTerminationTimeout(10 * time.Millisecond); ok || err != nil {
		t.Fatalf("after reset: %v %v", ok, err)
	}
	q3, _ := m.Start(baseConfig(newFakeSource("C"), newFakeExecutor(), newFakeSink()))
	go func() {
		time.Sleep(10 * time.Millisecond)
		_ = q3.Stop()
	}()
	if err := m.AwaitAnyTermination(); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	_ = q.Stop()
}

func TestManagerListenerEvents(t *testing.T) {
	m := NewManager()
	var mu sync.Mutex
	var got []string
	remove := m.AddListener(func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case EventStarted:
			got = append(got, "started "+ev.Query.Name())
		case EventProgress:
			got = append(got, fmt.Sprintf("progress %d rows=%d result=%d", ev.Progress.BatchID, ev.Progress.NumInputRows, ev.Result.N))
		case EventTerminated:
			got = append(got, fmt.Sprintf("terminated %v", ev.Exception))
		}
	})
	m.AddListener(func(Event) { panic("a broken listener is ignored") })
	src := newFakeSource("A")
	src.add(1, 2)
	cfg := baseConfig(src, newFakeExecutor(), newFakeSink())
	cfg.Trigger = Trigger{Kind: TriggerAvailableNow}
	q, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	want := []string{"started q", "progress 0 rows=2 result=2", "terminated <nil>"}
	mu.Lock()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	mu.Unlock()
	remove()
	q2, _ := m.Start(cfg)
	_ = q2.AwaitTermination()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("events after remove: %q", got)
	}
}

func TestWaitsGiveUpWithTheirContext(t *testing.T) {
	src := newFakeSource("A")
	src.block = true // never finishes a trigger
	m := NewManager()
	q, err := m.Start(baseConfig(src, newFakeExecutor(), newFakeSink()))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.AwaitTerminationContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AwaitTerminationContext = %v", err)
	}
	if err := q.ProcessAllAvailableContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ProcessAllAvailableContext = %v", err)
	}
	if ok, err := m.AwaitAnyTerminationContext(ctx); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AwaitAnyTerminationContext = %v %v", ok, err)
	}
	if ok, err := q.AwaitTerminationTimeout(time.Millisecond); ok || err != nil {
		t.Errorf("AwaitTerminationTimeout = %v %v", ok, err)
	}
}

func TestParseOutputMode(t *testing.T) {
	for s, want := range map[string]OutputMode{"append": Append, "Complete": Complete, "UPDATE": Update} {
		if m, err := ParseOutputMode(s); err != nil || m != want {
			t.Errorf("%s: %v %v", s, m, err)
		}
	}
	if _, err := ParseOutputMode("upsert"); err == nil || err.Error() != "Unknown output mode upsert. Accepted output modes are 'append', 'complete', 'update'" {
		t.Errorf("upsert: %v", err)
	}
	if Update.String() != "Update" || Append.String() != "Append" || Complete.String() != "Complete" {
		t.Error("String")
	}
}

func TestManyConcurrentQueriesLeaveNoGoroutine(t *testing.T) {
	before := goruntimeNumGoroutine()
	m := NewManager()
	var qs []*Query
	var srcs []*fakeSource
	for i := range 20 {
		src := newFakeSource(fmt.Sprint("S", i))
		src.add(int64(i))
		cfg := baseConfig(src, newFakeExecutor(), newFakeSink())
		cfg.Name = fmt.Sprint("q", i)
		q, err := m.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
		srcs = append(srcs, src)
	}
	for round := range 5 {
		for i, q := range qs {
			srcs[i].add(int64(round))
			if err := q.ProcessAllAvailable(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(m.Active()); n != 20 {
		t.Fatalf("%d active", n)
	}
	var wg sync.WaitGroup
	for _, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := q.Stop(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(m.Active()); n != 0 {
		t.Fatalf("%d active after Stop", n)
	}
	after := 0
	for range 100 {
		if after = goruntimeNumGoroutine(); after <= before {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}
