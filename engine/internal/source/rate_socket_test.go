package source

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestValueAtSecond(t *testing.T) {
	// rowsPerSecond 10 ramped up over 4 seconds: speed 0 2 4 6 8 10 10 ...
	var got []int64
	for s := int64(0); s <= 6; s++ {
		got = append(got, valueAtSecond(s, 10, 4))
	}
	if want := []int64{0, 2, 6, 12, 20, 30, 40}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if v := valueAtSecond(3, 5, 0); v != 15 {
		t.Fatalf("got %d", v)
	}
}

func TestRateSource(t *testing.T) {
	meta := filepath.Join(t.TempDir(), "sources", "0")
	created := time.UnixMilli(1_700_000_000_000)
	now := created
	spec := Spec{Format: "rate", MetadataDir: meta, Options: map[string]string{"rowsPerSecond": "4", "numPartitions": "2"}}
	// The creation time comes from the log a previous run wrote (Spark's format).
	writeFile(t, meta, "0", "v1\n1700000000000", time.Time{})
	src, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := src.(*RateSource)
	r.now = func() time.Time { return now }
	if r.createdMs != created.UnixMilli() {
		t.Fatalf("creation time %d", r.createdMs)
	}
	if r.Description() != "RateStreamV2[rowsPerSecond=4, rampUpTimeSeconds=0, numPartitions=2" {
		t.Fatalf("description %q", r.Description())
	}
	ctx := context.Background()
	if off, _ := r.LatestOffset(ctx, ""); off != "" {
		t.Fatalf("offset before a second: %q", off)
	}
	now = created.Add(1500 * time.Millisecond)
	off, err := r.LatestOffset(ctx, "")
	if err != nil || off != "1" || r.ReportLatestOffset() != "1" {
		t.Fatalf("%q %v", off, err)
	}
	bs, err := r.GetBatch(ctx, "", off)
	if err != nil {
		t.Fatal(err)
	}
	ms := created.UnixMilli()
	us := func(d int64) int64 { return (ms + d) * 1000 }
	// Partition 0 holds values 0, 2; partition 1 holds 1, 3; 250 ms apart.
	checkRows(t, bs, [][]any{{us(0), int64(0)}, {us(500), int64(2)}, {us(250), int64(1)}, {us(750), int64(3)}})
	now = created.Add(3 * time.Second)
	off2, _ := r.LatestOffset(ctx, off)
	bs, _ = r.GetBatch(ctx, off, off2)
	if off2 != "3" || len(rowsOf(bs)) != 8 || rowsOf(bs)[0][1] != int64(4) {
		t.Fatalf("%q %v", off2, rowsOf(bs))
	}
	// A restart keeps the creation time: the replay gives the same rows.
	src2, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	bs2, _ := src2.GetBatch(ctx, off, off2)
	if !reflect.DeepEqual(rowsOf(bs), rowsOf(bs2)) {
		t.Fatalf("replay differs")
	}
	// A new checkpoint records the creation time in Spark's format.
	fresh := filepath.Join(t.TempDir(), "s")
	ms0, err := rateCreationTime(fresh, func() time.Time { return created })
	if err != nil || ms0 != created.UnixMilli() {
		t.Fatal(ms0, err)
	}
	if data, _ := os.ReadFile(filepath.Join(fresh, "0")); string(data) != "v1\n1700000000000" {
		t.Fatalf("log %q", data)
	}
	d, _ := Open(Spec{Format: "rate", Options: map[string]string{"rampUpTime": "5s"}, DefaultParallelism: 3})
	if d.Description() != "RateStreamV2[rowsPerSecond=1, rampUpTimeSeconds=5, numPartitions=default" || d.(*RateSource).partitions != 3 {
		t.Fatal(d.Description())
	}
	for opt, want := range map[string]string{
		"rowsPerSecond": "Invalid value '0'. The option 'rowsPerSecond' must be positive",
		"numPartitions": "Invalid value '0'. The option 'numPartitions' must be positive",
	} {
		if _, err := Open(Spec{Format: "rate", Options: map[string]string{opt: "0"}}); err == nil || err.Error() != want {
			t.Fatalf("%s: %v", opt, err)
		}
	}
	if r, err := Open(Spec{Format: "rate", Schema: RateSchema()}); err != nil || r.Description() != "RateStreamV2[rowsPerSecond=1, rampUpTimeSeconds=0, numPartitions=default" {
		t.Fatalf("the rate schema itself is accepted: %v", err)
	}
	if _, err := Open(Spec{Format: "rate", Schema: TextSchema()}); err == nil || err.Error() != "The rate source does not support a user-specified schema." {
		t.Fatal(err)
	}
}

func listen(t *testing.T) (net.Listener, string, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	return ln, host, port
}

// waitOffset polls LatestOffset until it reaches want.
func waitOffset(t *testing.T, s Source, start, want Offset) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		off, err := s.LatestOffset(context.Background(), start)
		if err != nil {
			t.Fatal(err)
		}
		if off == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("offset %q, want %q", off, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSocketSource(t *testing.T) {
	before := runtime.NumGoroutine()
	ln, host, port := listen(t)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	src, err := Open(Spec{Format: "socket", Options: map[string]string{"host": host, "port": port, "includeTimestamp": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if src.Schema().SimpleString() != "struct<value:string,timestamp:timestamp>" {
		t.Fatal(src.Schema().SimpleString())
	}
	if src.Description() != "TextSocketV2[host: "+host+", port: "+port+"]" {
		t.Fatal(src.Description())
	}
	conn := <-accepted
	woken := make(chan struct{}, 16)
	src.(interface{ SetWakeup(func()) }).SetWakeup(func() {
		select {
		case woken <- struct{}{}:
		default:
		}
	})
	w := bufio.NewWriter(conn)
	w.WriteString("hello world\nsecond line\r\n")
	w.Flush()
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("no wakeup after a line arrived")
	}
	waitOffset(t, src, "", "1")
	t0 := time.Now().UnixMicro()
	bs, err := src.GetBatch(context.Background(), "", "1")
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(bs)
	if len(rows) != 2 || rows[0][0] != "hello world" || rows[1][0] != "second line" {
		t.Fatalf("%v", rows)
	}
	if ts := rows[0][1].(int64); ts > t0 || ts < t0-10_000_000 {
		t.Fatalf("timestamp %d vs now %d", ts, t0)
	}
	if err := src.Commit("1"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.GetBatch(context.Background(), "", "1"); err == nil || err.Error() != "Offsets committed out of order: 1 followed by -1" {
		t.Fatalf("got %v", err)
	}
	f := src.(Finisher)
	if f.Finished() {
		t.Fatal("finished while connected")
	}
	// The peer writes a last line without a newline and closes.
	w.WriteString("third\nlast")
	w.Flush()
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		src.LatestOffset(context.Background(), "1")
		if f.Finished() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never finished")
		}
		time.Sleep(5 * time.Millisecond)
	}
	off, _ := src.LatestOffset(context.Background(), "1")
	if off != "3" || src.(interface{ ReportLatestOffset() Offset }).ReportLatestOffset() != "3" {
		t.Fatalf("offset %q", off)
	}
	bs, _ = src.GetBatch(context.Background(), "1", off)
	if got := rowsOf(bs); len(got) != 2 || got[0][0] != "third" || got[1][0] != "last" {
		t.Fatalf("%v", got)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	src.Close()
	waitGoroutines(t, before)
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSocketCloseWhileConnected(t *testing.T) {
	before := runtime.NumGoroutine()
	ln, host, port := listen(t)
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err == nil {
			// Keep the connection open until the source closes it.
			buf := make([]byte, 1)
			c.Read(buf)
			c.Close()
		}
	}()
	src, err := Open(Spec{Format: "socket", Options: map[string]string{"host": host, "port": port}})
	if err != nil {
		t.Fatal(err)
	}
	if src.Schema().SimpleString() != "struct<value:string>" {
		t.Fatal(src.Schema().SimpleString())
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
	if src.(Finisher).Finished() {
		t.Fatal("a source closed by us is not finished by the peer")
	}
	ln.Close()
	waitGoroutines(t, before)
}

func TestSocketErrors(t *testing.T) {
	ln, host, port := listen(t)
	ln.Close() // nothing listens there now
	_, err := Open(Spec{Format: "socket", Options: map[string]string{"host": host, "port": port}})
	if err == nil || err.Error() != "socket source: cannot connect to "+host+":"+port+": Connection refused" {
		t.Fatalf("got %v", err)
	}
	cases := map[string]map[string]string{
		`Set a host to read from with option("host", ...).`:        {"port": "1"},
		`Set a port to read from with option("port", ...).`:        {"host": "x"},
		"Port must be an integer":                                  {"host": "x", "port": "abc"},
		`includeTimestamp must be set to either "true" or "false"`: {"host": "x", "port": "1", "includeTimestamp": "yes"},
	}
	for want, opts := range cases {
		if _, err := Open(Spec{Format: "socket", Options: opts}); err == nil || err.Error() != want {
			t.Fatalf("%v: got %v", opts, err)
		}
	}
	if _, err := Open(Spec{Format: "socket", Schema: schemaOf(t, "a", "int"), Options: map[string]string{"host": "x", "port": strconv.Itoa(1)}}); err == nil ||
		!strings.Contains(err.Error(), "does not support a user-specified schema") {
		t.Fatalf("got %v", err)
	}
}
