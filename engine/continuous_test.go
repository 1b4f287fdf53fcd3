package engine_test

import (
	"bufio"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/runnel-go/runnel/engine"
	T "github.com/runnel-go/runnel/engine/types"
)

// lineServer is a TCP server for the socket source: it accepts one client and writes the
// lines sent on its channel; closing the channel closes the connection.
type lineServer struct {
	ln    net.Listener
	lines chan string
	quit  chan struct{} // closed by the test's cleanup
	done  chan struct{}
}

func newLineServer(t *testing.T) *lineServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &lineServer{ln: ln, lines: make(chan string), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		w := bufio.NewWriter(conn)
		for {
			select {
			case line, ok := <-s.lines:
				if !ok {
					return
				}
				fmt.Fprintln(w, line)
				if w.Flush() != nil {
					return
				}
			case <-s.quit:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(s.quit)
		ln.Close()
		<-s.done
	})
	return s
}

func (s *lineServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func socketStream(t *testing.T, s *engine.Session, srv *lineServer) *engine.DataFrame {
	t.Helper()
	df := s.ReadStream().Format("socket").Option("host", "127.0.0.1").Option("port", srv.port()).Load()
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	return df
}

// recv waits for a value on c, failing the test after a generous deadline.
func recv[V any](t *testing.T, c <-chan V) V {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a row")
		panic("unreachable")
	}
}

// TestContinuousSocketToForeach: every line reaches the foreach function on its own, long
// before the hour-long checkpoint interval ends, and the query ends cleanly when the
// peer closes.
func TestContinuousSocketToForeach(t *testing.T) {
	s, _ := newSession(t)
	srv := newLineServer(t)
	df := socketStream(t, s, srv).
		Where("value <> 'skip'").
		SelectExpr("upper(value) AS word", "length(value) AS n").
		WithColumn("twice", engine.Expr("n * 2"))
	rows := make(chan string, 16)
	q, err := df.WriteStream().Foreach(func(r engine.Row) error {
		rows <- fmt.Sprintf("%v", r.Values())
		return nil
	}).Trigger(engine.Continuous("1 hour")).Option("checkpointLocation", t.TempDir()).Start()
	if err != nil {
		t.Fatal(err)
	}
	// Each line is sent only after the previous row came out: rows are not held until
	// an epoch ends.
	for _, c := range []struct{ line, want string }{
		{"hello", "[HELLO 5 10]"},
		{"skip", ""},
		{"spark", "[SPARK 5 10]"},
		{"go", "[GO 2 4]"},
	} {
		srv.lines <- c.line
		if c.want == "" {
			continue
		}
		if got := recv(t, rows); got != c.want {
			t.Fatalf("row %q, want %q", got, c.want)
		}
	}
	close(srv.lines)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	p := q.LastProgress()
	if p == nil || p.BatchID != 0 || p.NumInputRows != 4 || p.Sink.NumOutputRows != 3 || p.Sources[0].EndOffset != "3" {
		t.Fatalf("last progress %v", p)
	}
}

func TestContinuousUnsupportedOperations(t *testing.T) {
	s, _ := newSession(t)
	rate := s.ReadStream().Format("rate").Load()
	files := s.ReadStream().Schema(T.NewStructType().Add("value", "string")).Text(t.TempDir())
	cont := engine.Continuous("1 second")
	start := func(df *engine.DataFrame, mode string) error {
		q, err := df.WriteStream().OutputMode(mode).Format("console").Trigger(cont).Start()
		if err == nil {
			q.Stop()
		}
		return err
	}
	for _, c := range []struct {
		df   *engine.DataFrame
		mode string
		want string
	}{
		{rate.GroupBy("value").Count(), "complete", "Continuous processing does not support Aggregate operations."},
		{rate.Where("value > 1").GroupBy().Count(), "update", "Continuous processing does not support Aggregate operations."},
		{rate.DropDuplicates("value"), "append", "Continuous processing does not support Deduplicate operations."},
		{rate.Limit(3), "append", "Continuous processing does not support LocalLimit operations."},
		{rate.WithWatermark("timestamp", "1 minute").Select("value"), "append", "Continuous processing does not support EventTimeWatermark operations."},
		{rate.SelectExpr("explode(array(value, value)) AS v"), "append", "Continuous processing does not support Generate operations."},
		{rate.Union(rate), "append", "Continuous processing does not support Union operations."},
		{rate.SelectExpr("value", "current_timestamp() AS now"), "append", "Continuous processing does not support current time operations."},
		{rate.Where("timestamp < now()"), "append", "Continuous processing does not support current time operations."},
		{files.Select("value"), "append", "Continuous processing does not support StreamingRelation operations."},
		// The output mode is checked first, as Spark's checkForStreaming runs before.
		{rate.Select("value"), "complete", "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets"},
	} {
		expectErr(t, start(c.df, c.mode), c.want)
	}
	// A sliding window expands rows; a tumbling one is a projection.
	expectErr(t, start(rate.SelectExpr("window(timestamp, '10 seconds', '5 seconds') AS w", "value"), "append"),
		"Continuous processing does not support Expand operations.")
	if err := start(rate.SelectExpr("window(timestamp, '10 seconds') AS w", "value"), "append"); err != nil {
		t.Errorf("tumbling window: %v", err)
	}

	_, err := rate.WriteStream().ForeachBatch(func(*engine.DataFrame, int64) error { return nil }).Trigger(cont).Start()
	expectErr(t, err, "'foreachBatch' is not supported with continuous trigger")
	_, err = rate.WriteStream().Format("parquet").Option("checkpointLocation", t.TempDir()).Trigger(engine.Continuous("2 seconds")).Start(t.TempDir())
	expectErr(t, err, "Unknown type of trigger: ContinuousTrigger(2000)")
}

var batchHeader = regexp.MustCompile(`(?m)^-{43}\nBatch: (\d+)\n-{43}\n`)

// TestContinuousRateToConsole checks the console output of a continuous rate query: one
// "Batch: N" block per epoch, numbered from 0 without gaps, each a table of the rows
// of that epoch, every value exactly once and in order.
func TestContinuousRateToConsole(t *testing.T) {
	s, out := newSession(t)
	df := s.ReadStream().Format("rate").Option("rowsPerSecond", 50).Option("numPartitions", 1).Load().
		SelectExpr("value", "value % 3 = 0 AS third")
	q, err := df.WriteStream().Format("console").Trigger(engine.Continuous("100 milliseconds")).Start()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if p := q.LastProgress(); p != nil && p.BatchID >= 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	heads := batchHeader.FindAllStringSubmatchIndex(text, -1)
	if len(heads) < 5 || heads[0][0] != 0 {
		t.Fatalf("output:\n%s", text)
	}
	next := int64(0)
	for i, h := range heads {
		epoch, _ := strconv.Atoi(text[h[2]:h[3]])
		if epoch != i {
			t.Fatalf("block %d is batch %d:\n%s", i, epoch, text)
		}
		end := len(text)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		body := text[h[1]:end]
		var want strings.Builder
		want.WriteString("+-----+-----+\n|value|third|\n+-----+-----+\n")
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n")[3:] {
			if strings.HasPrefix(line, "+") {
				break
			}
			fmt.Fprintf(&want, "|%5d|%5t|\n", next, next%3 == 0)
			next++
		}
		want.WriteString("+-----+-----+\n\n")
		if body != want.String() {
			t.Fatalf("batch %d:\n%s\nwant:\n%s", epoch, body, want.String())
		}
	}
	if next < 10 {
		t.Fatalf("only %d rows in:\n%s", next, text)
	}
}

// TestContinuousStopIsPromptAndLeavesNoGoroutine stops continuous queries of each
// source while their readers wait for data.
func TestContinuousStopIsPromptAndLeavesNoGoroutine(t *testing.T) {
	s, _ := newSession(t)
	srv := newLineServer(t)
	k := newKafkaFixture(t, kfake.NumBrokers(2), kfake.SeedTopics(2, "in", "out"))
	k.produce(t, "in", "a", "b")
	before := runtime.NumGoroutine()
	queries := map[string]func() (*engine.StreamingQuery, error){
		"kafka to kafka": func() (*engine.StreamingQuery, error) {
			return s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("subscribe", "in").
				Option("startingOffsets", "earliest").Load().SelectExpr("value").
				WriteStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("topic", "out").
				Option("checkpointLocation", filepath.Join(t.TempDir(), "cp")).Trigger(engine.Continuous("1 second")).Start()
		},
		"rate to console": func() (*engine.StreamingQuery, error) {
			return s.ReadStream().Format("rate").Option("rowsPerSecond", 1).Load().WriteStream().Format("console").
				Trigger(engine.Continuous("1 hour")).Start()
		},
		"socket to foreach": func() (*engine.StreamingQuery, error) {
			return socketStream(t, s, srv).WriteStream().Foreach(func(engine.Row) error { return nil }).
				Trigger(engine.Continuous("1 second")).Option("checkpointLocation", filepath.Join(t.TempDir(), "cp")).Start()
		},
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		q, err := queries[name]()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		t0 := time.Now()
		if err := q.Stop(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("%s: Stop took %v", name, d)
		}
		if q.IsActive() || q.Exception() != nil {
			t.Errorf("%s: active %v, exception %v after Stop", name, q.IsActive(), q.Exception())
		}
		if g := waitGoroutines(before); g > before {
			t.Errorf("%s: %d goroutines after Stop, %d before", name, g, before)
		}
	}
}

// TestContinuousSocketToConsoleAndMemory: epochs without rows print an empty table, as
// Spark's console does in continuous mode, and the memory sink gets every row.
func TestContinuousSocketToConsoleAndMemory(t *testing.T) {
	s, out := newSession(t)
	srv := newLineServer(t)
	words := socketStream(t, s, srv).SelectExpr("value AS word", "length(value) AS len")
	console, err := words.WriteStream().Format("console").Trigger(engine.Continuous("50 milliseconds")).Start()
	if err != nil {
		t.Fatal(err)
	}
	srv2 := newLineServer(t)
	memory, err := socketStream(t, s, srv2).WriteStream().Format("memory").QueryName("lines").
		Trigger(engine.Continuous("50 milliseconds")).Start()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"spark", "go"} {
		srv.lines <- w
		srv2.lines <- w
	}
	for _, q := range []*engine.StreamingQuery{console, memory} {
		for read := int64(0); read < 2; {
			read = 0
			for _, p := range q.RecentProgress() {
				read += p.NumInputRows
			}
			time.Sleep(5 * time.Millisecond)
		}
		// One more epoch, with no row.
		last := q.LastProgress().BatchID
		for q.LastProgress().BatchID < last+1 {
			time.Sleep(5 * time.Millisecond)
		}
		if err := q.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	expectTable(t, s.SQL("SELECT * FROM lines"), `
+-----+
|value|
+-----+
|spark|
|   go|
+-----+
`)
	text := out.String()
	heads := batchHeader.FindAllStringSubmatchIndex(text, -1)
	const empty = "+----+---+\n|word|len|\n+----+---+\n+----+---+\n\n"
	var rows []string
	for i, h := range heads {
		end := len(text)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		body := text[h[1]:end]
		if body == empty {
			continue
		}
		lines := strings.Split(body, "\n")
		if strings.Join(lines[:3], "\n") != "+-----+---+\n| word|len|\n+-----+---+" {
			t.Fatalf("batch %d:\n%s", i, body)
		}
		for _, l := range lines[3:] {
			if strings.HasPrefix(l, "|") {
				rows = append(rows, l)
			}
		}
	}
	if !slices.Equal(rows, []string{"|spark|  5|", "|   go|  2|"}) || !strings.HasSuffix(text, empty) {
		t.Fatalf("rows %q in:\n%s", rows, text)
	}
}
