// Command linefeed is a line server for the socket source, the tutorial's `nc -lk 9999`
// for notebooks: it listens on a TCP port and writes lines to the clients that connect.
// The lines are the arguments, a file's lines, sentences of random words, or standard
// input; a rate paces them. The first line of its output is the address it listens on
// (also written to -addr-file), so a notebook can start it with %bg and read where to
// connect.
//
//	linefeed -port 9999 "hello world" "hello China"  # these lines
//	linefeed -port 9999 -file lines.txt -rate 2      # a file's lines, two a second
//	linefeed -port 9999 -words "hello,spark,go" -rate 10 -seed 1
//	linefeed -port 9999 -file -                      # standard input, as nc -lk 9999
//
// Each client gets the lines from the start (every query reading the socket sees them
// all), except with standard input, whose lines go to the clients connected when they
// are read, starting when the first one connects. When the input ends, connections stay
// open, as nc's do, unless -close is given: the client then sees the end of the stream
// and a socket query ends cleanly (with standard input, linefeed then exits).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "linefeed:", err)
		os.Exit(1)
	}
}

// defaultWords are the words of generated sentences without -words.
var defaultWords = []string{"hello", "world", "spark", "streaming", "go", "kafka", "socket", "window", "china", "beijing"}

// config is the parsed command line.
type config struct {
	addr      string
	lines     []string // the lines given as arguments
	file      string
	words     []string
	perLine   int
	rate      float64
	count     int
	loop      bool
	closeDone bool
	seed      uint64
	addrFile  string
}

func parseArgs(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("linefeed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 9999, "port to listen on (0 picks a free one)")
	file := fs.String("file", "", `file whose lines are sent ("-" for standard input); without it, random words`)
	words := fs.String("words", "", "comma-separated words of generated lines (default: a small built-in list)")
	perLine := fs.Int("per-line", 3, "words per generated line")
	rate := fs.Float64("rate", -1, "lines per second (0: as fast as clients read; default 1 for words, 0 for a file)")
	count := fs.Int("count", 0, "stop after this many lines (0: no limit)")
	loop := fs.Bool("loop", false, "start the file again when it ends")
	closeDone := fs.Bool("close", false, "close the connections when the input ends")
	seed := fs.Uint64("seed", 0, "seed of the word generator (0: random)")
	addrFile := fs.String("addr-file", "", "also write the listening address to this file")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	c := config{addr: net.JoinHostPort(*host, strconv.Itoa(*port)), lines: fs.Args(), file: *file, perLine: *perLine, rate: *rate,
		count: *count, loop: *loop, closeDone: *closeDone, seed: *seed, addrFile: *addrFile}
	if *words != "" {
		for _, w := range strings.Split(*words, ",") {
			if w = strings.TrimSpace(w); w != "" {
				c.words = append(c.words, w)
			}
		}
		if len(c.words) == 0 {
			return config{}, errors.New("-words has no word")
		}
	}
	if c.file != "" && c.words != nil {
		return config{}, errors.New("-file and -words exclude each other")
	}
	if len(c.lines) > 0 && (c.file != "" || c.words != nil) {
		return config{}, fmt.Errorf("lines as arguments %q and -file or -words exclude each other", c.lines)
	}
	if c.loop && (c.file == "" && len(c.lines) == 0 || c.file == "-") {
		return config{}, errors.New("-loop needs a -file or lines to send again")
	}
	if c.perLine < 1 {
		return config{}, errors.New("-per-line must be at least 1")
	}
	if c.count < 0 {
		return config{}, errors.New("-count must not be negative")
	}
	if c.rate < 0 {
		c.rate = 0
		if c.file == "" && len(c.lines) == 0 {
			c.rate = 1
		}
	}
	return c, nil
}

// run serves lines until ctx ends, or, for standard input with -close, until the input
// ends. ready, when not nil, receives the listening address (for tests).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, ready chan<- string) error {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if cfg.file != "-" {
		// Fail now on a file that cannot be read; each client opens it again.
		_, closeInput, err := openInput(cfg, nil)
		if err != nil {
			return err
		}
		closeInput()
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening (is something already on %s? try -port 0): %w", cfg.addr, err)
	}
	addr := ln.Addr().String()
	if cfg.addrFile != "" {
		if err := os.WriteFile(cfg.addrFile, []byte(addr+"\n"), 0o644); err != nil {
			ln.Close()
			return fmt.Errorf("writing the address file: %w", err)
		}
	}
	fmt.Fprintln(stdout, addr)
	if ready != nil {
		ready <- addr
	}
	if cfg.file == "-" {
		return broadcastStdin(ctx, cfg, ln, stdin, stderr)
	}
	return serveEach(ctx, cfg, ln, stderr)
}

// serveEach gives every client its own copy of the input, until ctx ends.
func serveEach(ctx context.Context, cfg config, ln net.Listener, log io.Writer) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accepting: %w", err)
		}
		fmt.Fprintf(log, "linefeed: client %s connected\n", conn.RemoteAddr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			feed(ctx, cfg, conn, log)
		}()
	}
}

// feed writes the input's lines to one client, paced, then keeps the connection open
// until the client leaves or ctx ends (or closes it at once with -close).
func feed(ctx context.Context, cfg config, conn net.Conn, log io.Writer) {
	defer conn.Close()
	next, closeInput, err := openInput(cfg, nil)
	if err != nil {
		fmt.Fprintf(log, "linefeed: %v\n", err)
		return
	}
	defer closeInput()
	w := bufio.NewWriter(conn)
	err = pump(ctx, cfg, next, func(line string) error {
		w.WriteString(line)
		w.WriteByte('\n')
		return w.Flush()
	})
	var left *clientGone
	switch {
	case errors.As(err, &left), ctx.Err() != nil:
		return // the client went away, or we are stopping
	case err != nil:
		fmt.Fprintf(log, "linefeed: %v\n", err)
		return
	}
	if cfg.closeDone {
		return
	}
	gone := make(chan struct{})
	go func() {
		// Reading sees the client leave; it ends when the connection is closed.
		io.Copy(io.Discard, conn)
		close(gone)
	}()
	select {
	case <-ctx.Done():
	case <-gone:
	}
	conn.Close()
	<-gone
}

// broadcastStdin sends standard input's lines to every connected client.
func broadcastStdin(ctx context.Context, cfg config, ln net.Listener, stdin io.Reader, log io.Writer) error {
	next, _, err := openInput(cfg, stdin)
	if err != nil {
		return err
	}
	h := newHub(ln, log)
	defer h.close()
	go h.accept()

	// The first client starts the lines.
	select {
	case <-ctx.Done():
		return nil
	case <-h.first:
	}
	err = pump(ctx, cfg, next, func(line string) error {
		h.broadcast(line)
		return nil
	})
	if err != nil || ctx.Err() != nil {
		return err
	}
	if cfg.closeDone {
		h.finish()
		return nil
	}
	<-ctx.Done()
	return nil
}

// clientGone is an error writing to a client: it left.
type clientGone struct{ err error }

func (e *clientGone) Error() string { return "client gone: " + e.err.Error() }

// pump hands the input's lines to emit, cfg.rate a second when set, until the input
// ends, cfg.count lines were sent or ctx ends (nil then). An input error is returned;
// an emit error as a *clientGone.
func pump(ctx context.Context, cfg config, next func() (string, error), emit func(string) error) error {
	var tick <-chan time.Time
	if cfg.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.rate))
		defer t.Stop()
		tick = t.C
	}
	for sent := 0; cfg.count == 0 || sent < cfg.count; sent++ {
		if tick != nil && sent > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-tick:
			}
		} else if ctx.Err() != nil {
			return nil
		}
		line, err := next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := emit(line); err != nil {
			return &clientGone{err}
		}
	}
	return nil
}

// openInput returns the function giving the next line (io.EOF at the end).
func openInput(cfg config, stdin io.Reader) (next func() (string, error), closeFn func(), err error) {
	if len(cfg.lines) > 0 {
		i := 0
		return func() (string, error) {
			if i == len(cfg.lines) {
				if !cfg.loop {
					return "", io.EOF
				}
				i = 0
			}
			i++
			return cfg.lines[i-1], nil
		}, func() {}, nil
	}
	if cfg.file == "" {
		words := cfg.words
		if words == nil {
			words = defaultWords
		}
		seed := cfg.seed
		if seed == 0 {
			seed = rand.Uint64()
		}
		rng := rand.New(rand.NewPCG(seed, seed))
		return func() (string, error) {
			ws := make([]string, cfg.perLine)
			for i := range ws {
				ws[i] = words[rng.IntN(len(words))]
			}
			return strings.Join(ws, " "), nil
		}, func() {}, nil
	}
	if cfg.file == "-" {
		sc := bufio.NewScanner(stdin)
		return scanLines(sc), func() {}, nil
	}
	f, err := os.Open(cfg.file)
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(f)
	lines := scanLines(sc)
	return func() (string, error) {
		line, err := lines()
		if errors.Is(err, io.EOF) && cfg.loop {
			if _, serr := f.Seek(0, io.SeekStart); serr != nil {
				return "", serr
			}
			sc = bufio.NewScanner(f)
			lines = scanLines(sc)
			return lines()
		}
		return line, err
	}, func() { f.Close() }, nil
}

func scanLines(sc *bufio.Scanner) func() (string, error) {
	return func() (string, error) {
		if sc.Scan() {
			return sc.Text(), nil
		}
		if err := sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
}

// clientBuffer is how many lines may wait for a slow client before it is dropped.
const clientBuffer = 4096

// hub accepts clients and hands each line to all of them, one writer goroutine each.
type hub struct {
	ln    net.Listener
	log   io.Writer
	first chan struct{}
	once  sync.Once
	// accepted is closed when the accepting goroutine has returned.
	accepted chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[*client]struct{}
	closed   bool
}

type client struct {
	conn  net.Conn
	lines chan string
}

func newHub(ln net.Listener, log io.Writer) *hub {
	return &hub{ln: ln, log: log, first: make(chan struct{}), accepted: make(chan struct{}), conns: map[*client]struct{}{}}
}

func (h *hub) accept() {
	defer close(h.accepted)
	for {
		conn, err := h.ln.Accept()
		if err != nil {
			return // the listener was closed
		}
		c := &client{conn: conn, lines: make(chan string, clientBuffer)}
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			conn.Close()
			return
		}
		h.conns[c] = struct{}{}
		h.wg.Add(1)
		h.mu.Unlock()
		fmt.Fprintf(h.log, "linefeed: client %s connected\n", conn.RemoteAddr())
		go h.serve(c)
		h.once.Do(func() { close(h.first) })
	}
}

// serve writes c's lines until its channel closes or the client goes away.
func (h *hub) serve(c *client) {
	defer h.wg.Done()
	defer c.conn.Close()
	w := bufio.NewWriter(c.conn)
	for line := range c.lines {
		w.WriteString(line)
		w.WriteByte('\n')
		// Flush when no more lines wait, so each line leaves at once.
		if len(c.lines) == 0 {
			if err := w.Flush(); err != nil {
				h.drop(c)
				for range c.lines {
				}
				return
			}
		}
	}
	w.Flush()
}

func (h *hub) drop(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[c]; ok {
		delete(h.conns, c)
		close(c.lines)
		fmt.Fprintf(h.log, "linefeed: client %s gone\n", c.conn.RemoteAddr())
	}
}

func (h *hub) broadcast(line string) {
	h.mu.Lock()
	var slow []*client
	for c := range h.conns {
		select {
		case c.lines <- line:
		default:
			slow = append(slow, c)
		}
	}
	h.mu.Unlock()
	for _, c := range slow {
		fmt.Fprintf(h.log, "linefeed: client %s too slow, dropped\n", c.conn.RemoteAddr())
		h.drop(c)
	}
}

// finish sends what is queued, then closes every connection.
func (h *hub) finish() {
	h.mu.Lock()
	for c := range h.conns {
		delete(h.conns, c)
		close(c.lines)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// close stops accepting and ends every client.
func (h *hub) close() {
	h.ln.Close()
	<-h.accepted
	h.mu.Lock()
	h.closed = true
	for c := range h.conns {
		delete(h.conns, c)
		close(c.lines)
		c.conn.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
}
