package source

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

var _ ContinuousStream = (*SocketSource)(nil)

// ContinuousReaders implements ContinuousStream: a single reader handing out the lines as
// they arrive. A socket cannot replay, so a restarted query reads the new connection's
// lines and numbers them after start, keeping offsets increasing across restarts.
func (s *SocketSource) ContinuousReaders(ctx context.Context, start Offset) ([]PartitionReader, error) {
	base, err := parseLong(start)
	if err != nil {
		return nil, err
	}
	r := &socketReader{s: s, base: base, notify: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.continuous {
		s.mu.Unlock()
		return nil, errors.New("socket source: already read continuously")
	}
	s.continuous = true
	s.wake = r.wakeup
	s.mu.Unlock()
	return []PartitionReader{r}, nil
}

// MergeOffsets implements ContinuousStream: the single reader's position.
func (s *SocketSource) MergeOffsets(parts []PartitionOffset) (Offset, error) {
	if len(parts) != 1 {
		return "", errors.New("socket source: expected one partition offset")
	}
	return Offset(parts[0]), nil
}

// socketReader is the socket source's continuous reader.
type socketReader struct {
	s *SocketSource
	// base is the offset of the line before this connection's first (-1: none).
	base   int64
	notify chan struct{}
}

func (r *socketReader) wakeup() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *socketReader) offset(received int64) PartitionOffset {
	if n := r.base + received; n >= 0 {
		return PartitionOffset(strconv.FormatInt(n, 10))
	}
	return ""
}

// Initial implements PartitionReader.
func (r *socketReader) Initial() PartitionOffset { return r.offset(0) }

// Next implements PartitionReader: every line received since the last call, dropped from
// the buffer as it is handed out.
func (r *socketReader) Next(ctx context.Context) ([]*batch.Batch, PartitionOffset, error) {
	s := r.s
	for {
		s.mu.Lock()
		if n := len(s.lines); n > 0 {
			b := batch.New(s.schema, n)
			for i, line := range s.lines {
				pushStr(b.Cols[0], line)
				if s.withTS {
					pushI64(b.Cols[1], s.times[i])
				}
			}
			b.N = n
			s.base += int64(n)
			s.lines, s.times = s.lines[:0], s.times[:0]
			s.reported = s.count
			off := r.offset(s.base)
			s.mu.Unlock()
			return []*batch.Batch{b}, off, nil
		}
		if s.eof {
			err := s.readErr
			s.mu.Unlock()
			if err == nil {
				err = io.EOF
			}
			return nil, "", err
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-r.notify:
		}
	}
}

// Close implements PartitionReader; the source's Close ends the connection.
func (r *socketReader) Close() error {
	r.wakeup()
	return nil
}
