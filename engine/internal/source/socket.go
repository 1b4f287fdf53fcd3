package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// SocketSource reads lines from a TCP server (Spark's TextSocketMicroBatchStream). A
// goroutine it owns reads lines into a buffer until the peer closes or Close is called.
// Offsets are Spark's: the index of the last line received ("" before any line), so
// batch (a, b] holds lines a+1..b.
type SocketSource struct {
	addr     string
	schema   *types.StructType
	withTS   bool
	conn     net.Conn
	wg       sync.WaitGroup
	closing  chan struct{}
	once     sync.Once
	closeErr error

	mu       sync.Mutex
	lines    []string
	times    []int64 // receive time of each line, micros
	base     int64   // index of lines[0]
	count    int64   // lines received so far
	eof      bool    // the peer closed the connection
	readErr  error
	reported int64 // count when LatestOffset last ran
	latest   Offset
	wake     func()
	// continuous is set once a continuous reader took over the buffer.
	continuous bool
}

var (
	_ Source   = (*SocketSource)(nil)
	_ Finisher = (*SocketSource)(nil)
)

func openSocket(spec Spec) (*SocketSource, error) {
	o := newOptions(spec.Options)
	host, ok := o.get("host")
	if !ok {
		return nil, errors.New(`Set a host to read from with option("host", ...).`)
	}
	portStr, ok := o.get("port")
	if !ok {
		return nil, errors.New(`Set a port to read from with option("port", ...).`)
	}
	port, err := strconv.Atoi(strings.TrimSpace(portStr))
	if err != nil {
		return nil, errors.New("Port must be an integer")
	}
	withTS, err := o.boolean("includeTimestamp", false)
	if err != nil {
		return nil, errors.New(`includeTimestamp must be set to either "true" or "false"`)
	}
	// The engine passes the schema it resolved for the plan; only a different one is
	// the user's.
	if spec.Schema != nil && !types.Equal(spec.Schema, SocketSchema(withTS)) {
		return nil, errors.New("The socket source does not support a user-specified schema.")
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("socket source: cannot connect to %s: Connection refused", addr)
		}
		return nil, fmt.Errorf("socket source: cannot connect to %s: %w", addr, err)
	}
	s := &SocketSource{addr: addr, withTS: withTS, conn: conn, closing: make(chan struct{})}
	s.schema = SocketSchema(withTS)
	s.wg.Add(1)
	go s.read()
	return s, nil
}

// SocketSchema is the socket source's schema: value, and timestamp with includeTimestamp.
func SocketSchema(includeTimestamp bool) *types.StructType {
	st := types.NewStructType().Add("value", types.StringType)
	if includeTimestamp {
		st.Add("timestamp", types.TimestampType)
	}
	return st
}

func (s *SocketSource) read() {
	defer s.wg.Done()
	r := bufio.NewReaderSize(s.conn, 64*1024)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			line = strings.TrimSuffix(line, "\n")
			line = strings.TrimSuffix(line, "\r")
			now := time.Now().UnixMicro()
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.times = append(s.times, now)
			s.count++
			wake := s.wake
			s.mu.Unlock()
			if wake != nil {
				wake()
			}
		}
		if err != nil {
			s.mu.Lock()
			select {
			case <-s.closing:
			default:
				if errors.Is(err, io.EOF) {
					s.eof = true
				} else {
					s.readErr = fmt.Errorf("socket source %s: %w", s.addr, err)
					s.eof = true
				}
			}
			wake := s.wake
			s.mu.Unlock()
			if wake != nil {
				// The end of the stream is news too: the query can finish.
				wake()
			}
			return
		}
	}
}

// SetWakeup gives the source a function to call when lines arrive (the runtime's
// Waker), so an idle query runs its next batch at once.
func (s *SocketSource) SetWakeup(wake func()) {
	s.mu.Lock()
	s.wake = wake
	s.mu.Unlock()
}

// Schema implements Source.
func (s *SocketSource) Schema() *types.StructType { return s.schema }

// Description implements Source.
func (s *SocketSource) Description() string {
	host, port, _ := net.SplitHostPort(s.addr)
	return fmt.Sprintf("TextSocketV2[host: %s, port: %s]", host, port)
}

// LatestOffset implements Source.
func (s *SocketSource) LatestOffset(ctx context.Context, start Offset) (Offset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reported = s.count
	if s.readErr != nil {
		return start, s.readErr
	}
	if s.count == 0 {
		s.latest = start
		return start, nil
	}
	s.latest = Offset(strconv.FormatInt(s.count-1, 10))
	return s.latest, nil
}

// ReportLatestOffset is the progress report's latestOffset: Spark shows the end offset of
// sources without admission control.
func (s *SocketSource) ReportLatestOffset() Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest
}

// GetBatch implements Source.
func (s *SocketSource) GetBatch(ctx context.Context, start, end Offset) ([]*batch.Batch, error) {
	from, err := parseLong(start)
	if err != nil {
		return nil, err
	}
	to, err := parseLong(end)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi := from+1, to+1 // line indexes [lo, hi)
	if hi > s.count {
		return nil, fmt.Errorf("socket source: offset %d is beyond the %d lines received", to, s.count)
	}
	if lo < s.base {
		return nil, fmt.Errorf("Offsets committed out of order: %d followed by %d", s.base-1, from)
	}
	if hi <= lo {
		return nil, nil
	}
	b := batch.New(s.schema, int(hi-lo))
	for i := lo; i < hi; i++ {
		pushStr(b.Cols[0], s.lines[i-s.base])
		if s.withTS {
			pushI64(b.Cols[1], s.times[i-s.base])
		}
	}
	b.N = int(hi - lo)
	return []*batch.Batch{b}, nil
}

// Commit implements Source: lines up to end are dropped from the buffer.
func (s *SocketSource) Commit(end Offset) error {
	to, err := parseLong(end)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	drop := to + 1 - s.base
	if drop <= 0 {
		return nil
	}
	if drop > int64(len(s.lines)) {
		return fmt.Errorf("socket source: tried to commit offset %d beyond the %d lines received", to, s.count)
	}
	s.lines = append([]string(nil), s.lines[drop:]...)
	s.times = append([]int64(nil), s.times[drop:]...)
	s.base += drop
	return nil
}

// Finished implements Finisher: the peer closed the connection and LatestOffset has
// already reported every line received.
func (s *SocketSource) Finished() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eof && s.reported == s.count
}

// Close stops the reading goroutine and closes the connection.
func (s *SocketSource) Close() error {
	s.once.Do(func() {
		close(s.closing)
		err := s.conn.Close()
		s.wg.Wait()
		if !errors.Is(err, net.ErrClosed) {
			s.closeErr = err
		}
	})
	return s.closeErr
}
