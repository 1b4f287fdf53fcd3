package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// lockedBuffer is a bytes.Buffer safe for the server and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server runs linefeed with args; it returns the address, the stderr log and a channel
// giving run's result. The server is stopped when the test ends.
func server(t *testing.T, stdin io.Reader, args ...string) (string, *lockedBuffer, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var stdout, stderr lockedBuffer
	go func() { done <- run(ctx, append([]string{"-port", "0"}, args...), stdin, &stdout, &stderr, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("linefeed: %v (%s)", err, stderr.String())
	}
	if first, _, _ := strings.Cut(stdout.String(), "\n"); first != addr {
		t.Fatalf("first output line %q, address %q", first, addr)
	}
	result := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		err := <-done
		result <- err
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return addr, &stderr, result
}

// readLines connects and reads lines until the server closes the connection.
func readLines(addr string) ([]string, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}

func readAll(t *testing.T, addr string) []string {
	t.Helper()
	out, err := readLines(addr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lines.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFileLines: every client gets the file's lines from the start.
func TestFileLines(t *testing.T) {
	p := writeFile(t, "hello world\nhello China\nhello Beijing\n")
	addr, _, _ := server(t, nil, "-file", p, "-close")
	for i := range 2 {
		got := readAll(t, addr)
		if want := []string{"hello world", "hello China", "hello Beijing"}; !slices.Equal(got, want) {
			t.Fatalf("client %d got %q, want %q", i, got, want)
		}
	}
}

func TestArgumentLines(t *testing.T) {
	addr, _, _ := server(t, nil, "-close", "-loop", "-count", "3", "hello world", "hello China")
	if got := readAll(t, addr); !slices.Equal(got, []string{"hello world", "hello China", "hello world"}) {
		t.Fatalf("got %q", got)
	}
}

// TestConnectionStaysOpen: without -close the client keeps its connection after the
// lines, as with nc; stopping linefeed closes it.
func TestConnectionStaysOpen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-port", "0", "one"}, nil, io.Discard, io.Discard, ready) }()
	conn, err := net.Dial("tcp", <-ready)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); line != "one\n" || err != nil {
		t.Fatalf("read %q, %v", line, err)
	}
	conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := r.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the lines: %v, want a read timeout", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	cancel()
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("after stopping: %v, want EOF", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFileLoopAndCount(t *testing.T) {
	p := writeFile(t, "a\nb\n")
	addr, _, _ := server(t, nil, "-file", p, "-loop", "-count", "5", "-close")
	if got := readAll(t, addr); !slices.Equal(got, []string{"a", "b", "a", "b", "a"}) {
		t.Fatalf("got %q", got)
	}
}

func TestGeneratedWords(t *testing.T) {
	args := []string{"-words", "x, y,z", "-per-line", "4", "-count", "20", "-rate", "0", "-seed", "7", "-close"}
	addr, _, _ := server(t, nil, args...)
	first := readAll(t, addr)
	if len(first) != 20 {
		t.Fatalf("%d lines: %q", len(first), first)
	}
	seen := map[string]bool{}
	for _, line := range first {
		ws := strings.Split(line, " ")
		if len(ws) != 4 {
			t.Fatalf("line %q", line)
		}
		for _, w := range ws {
			if w != "x" && w != "y" && w != "z" {
				t.Fatalf("line %q", line)
			}
			seen[w] = true
		}
	}
	if len(seen) != 3 {
		t.Fatalf("words used: %v", seen)
	}
	// The same seed gives the same lines.
	addr, _, _ = server(t, nil, args...)
	if again := readAll(t, addr); !slices.Equal(again, first) {
		t.Fatalf("seed 7 gave %q, then %q", first, again)
	}
}

// TestStdinToEveryClient: lines from standard input go to every connected client.
func TestStdinToEveryClient(t *testing.T) {
	pr, pw := io.Pipe()
	addr, log, done := server(t, pr, "-file", "-", "-close")
	type result struct {
		lines []string
		err   error
	}
	outs := make([]chan result, 2)
	for i := range outs {
		outs[i] = make(chan result, 1)
		go func() {
			lines, err := readLines(addr)
			outs[i] <- result{lines, err}
		}()
	}
	for strings.Count(log.String(), "connected") < 2 {
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintln(pw, "one")
	fmt.Fprintln(pw, "two")
	pw.Close()
	for i, c := range outs {
		if got := <-c; got.err != nil || !slices.Equal(got.lines, []string{"one", "two"}) {
			t.Fatalf("client %d got %q, %v", i, got.lines, got.err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestBadArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-file", "f", "-words", "a"}, "-file and -words exclude each other"},
		{[]string{"-loop"}, "-loop needs a -file or lines to send again"},
		{[]string{"-file", "f", "a line"}, `lines as arguments ["a line"] and -file or -words exclude each other`},
		{[]string{"-per-line", "0"}, "-per-line must be at least 1"},
		{[]string{"-words", " , "}, "-words has no word"},
		{[]string{"-file", filepath.Join(t.TempDir(), "missing")}, "no such file or directory"},
	} {
		err := run(context.Background(), c.args, nil, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
}

// TestFeedsAContinuousSocketQuery is the tutorial's socket cell: linefeed serves a file,
// a continuous socket query hands each line to foreach, and the query ends cleanly when
// linefeed closes the connection.
func TestFeedsAContinuousSocketQuery(t *testing.T) {
	p := writeFile(t, "hello world\nhello China\nhello Beijing\n")
	addr, _, _ := server(t, nil, "-file", p, "-close")
	host, port, _ := net.SplitHostPort(addr)
	s := engine.NewSession()
	defer s.Stop()
	lines := s.ReadStream().Format("socket").Option("host", host).Option("port", port).Load()
	var mu sync.Mutex
	var got []string
	q, err := lines.SelectExpr("explode(split(value, ' ')) AS word").Where("word <> 'hello'").
		WriteStream().Foreach(func(r engine.Row) error {
		mu.Lock()
		got = append(got, r.Get("word").(string))
		mu.Unlock()
		return nil
	}).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"world", "China", "Beijing"}) {
		t.Fatalf("got %q", got)
	}

	// The same lines again, to a continuous query (map-like operations only).
	got = nil
	lines = s.ReadStream().Format("socket").Option("host", host).Option("port", port).Load()
	q, err = lines.SelectExpr("upper(value) AS line").WriteStream().Foreach(func(r engine.Row) error {
		mu.Lock()
		got = append(got, r.Get("line").(string))
		mu.Unlock()
		return nil
	}).Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"HELLO WORLD", "HELLO CHINA", "HELLO BEIJING"}) {
		t.Fatalf("got %q", got)
	}
}
