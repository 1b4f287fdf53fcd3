package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"
)

// ErrClosed is returned by Serve on a closed Kernel and by Publisher.Input once the
// kernel shut down.
var ErrClosed = errors.New("kernel: closed")

// ErrStdinNotAllowed is returned by Publisher.Input when the request did not allow stdin
// (allow_stdin false), as for a notebook run headless by nbconvert.
var ErrStdinNotAllowed = errors.New("kernel: the frontend does not accept input requests")

// sendTimeout bounds a send on a ROUTER socket with no peer connected (zmq4 waits for
// one): a stdin request to a client without a stdin channel gives up instead of hanging.
const sendTimeout = 5 * time.Second

// iopubHWM is how many iopub messages may wait for the network before new ones are
// dropped.
const iopubHWM = 10000

// shutdownGrace is how long Serve waits, after cancelling it, for a running execute to
// return before closing the sockets under it.
const shutdownGrace = 2 * time.Second

// Kernel serves one Jupyter connection: it binds the five sockets of a connection file
// and runs each request through a Handler.
//
// What the main must do:
//
//	k, err := kernel.Open(connFile, handler, logger) // binds the sockets
//	// on SIGINT: k.Interrupt() (cancels the running cell, like interrupt_request)
//	err = k.Serve(ctx) // until shutdown_request or ctx ends; Handler.Shutdown has run
//	k.Close()          // idempotent; Serve already closed the sockets
//	// then exit 0; after shutdown_request with restart the frontend starts a new process.
type Kernel struct {
	info    ConnectionInfo
	h       Handler
	log     *slog.Logger
	signer  signer
	session string

	sockCancel                       context.CancelFunc
	shell, control, stdin, iopub, hb zmq4.Socket

	// iopubMu serialises publishing (zmq4 sockets are not safe for concurrent sends)
	// and guards iopubClosed: after Close, publishers drop their messages instead of
	// touching a closed socket.
	iopubMu     sync.Mutex
	iopubClosed bool
	lastPublish time.Time

	// execMu guards execCancel, the cancel func of the running execute.
	execMu     sync.Mutex
	execCancel context.CancelFunc
	active     atomic.Pointer[publisher]

	inputMu sync.Mutex       // one input_request pending at a time
	inputCh chan inputResult // input_reply values, from the stdin goroutine

	count int // execution_count; touched by the shell goroutine only
	hist  history

	serving      atomic.Bool
	shutdownOnce sync.Once
	stopOnce     sync.Once
	stop         chan struct{} // closed once a shutdown_request was handled
	done         chan struct{} // closed by Close; every goroutine of the kernel ends
	wg           sync.WaitGroup
	closeOnce    sync.Once
	closeErr     error
}

// inputResult is the value of one input_reply.
type inputResult struct {
	value string
}

// Open reads the connection file, binds the sockets where it says and returns a kernel
// ready to Serve. Messages go through log (nil: slog.Default()).
func Open(connFile string, h Handler, log *slog.Logger) (*Kernel, error) {
	info, err := ReadConnectionFile(connFile)
	if err != nil {
		return nil, err
	}
	return OpenInfo(info, h, log)
}

// OpenInfo is Open with the connection already parsed. A port of 0 binds a free port;
// ConnectionInfo tells which.
func OpenInfo(info ConnectionInfo, h Handler, log *slog.Logger) (*Kernel, error) {
	if h == nil {
		return nil, errors.New("kernel: nil Handler")
	}
	if err := info.check(); err != nil {
		return nil, fmt.Errorf("kernel: connection info: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &Kernel{
		info:       info,
		h:          h,
		log:        log,
		signer:     signer{key: []byte(info.Key)},
		session:    uuid.NewString(),
		sockCancel: cancel,
		inputCh:    make(chan inputResult, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	opts := []zmq4.Option{
		zmq4.WithTimeout(sendTimeout),
		zmq4.WithLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn)),
	}
	k.shell = zmq4.NewRouter(ctx, opts...)
	k.control = zmq4.NewRouter(ctx, opts...)
	k.stdin = zmq4.NewRouter(ctx, opts...)
	k.iopub = zmq4.NewPub(ctx, opts...)
	k.hb = zmq4.NewRep(ctx, opts...)
	// Bound the PUB queue as libzmq's send high-water mark does: a frontend that stopped
	// reading costs dropped output, not unbounded memory.
	if err := k.iopub.SetOption(zmq4.OptionHWM, iopubHWM); err != nil {
		k.closeSockets()
		return nil, fmt.Errorf("kernel: setting iopub high-water mark: %w", err)
	}
	for _, b := range []struct {
		name string
		sock zmq4.Socket
		port *int
	}{
		{"shell", k.shell, &k.info.ShellPort},
		{"control", k.control, &k.info.ControlPort},
		{"stdin", k.stdin, &k.info.StdinPort},
		{"iopub", k.iopub, &k.info.IOPubPort},
		{"heartbeat", k.hb, &k.info.HBPort},
	} {
		ep := k.info.endpoint(*b.port)
		if err := b.sock.Listen(ep); err != nil {
			k.closeSockets()
			return nil, fmt.Errorf("kernel: binding %s socket to %s: %w", b.name, ep, err)
		}
		if tcp, ok := b.sock.Addr().(*net.TCPAddr); ok && *b.port == 0 {
			*b.port = tcp.Port
		}
	}
	return k, nil
}

// ConnectionInfo returns where the kernel listens, with the ports it actually bound.
func (k *Kernel) ConnectionInfo() ConnectionInfo { return k.info }

// Serve answers requests until a shutdown_request was handled or ctx ends. Either way
// the running execute is cancelled, Handler.Shutdown has been called once (with the
// request's restart flag, or false when ctx ended) and the sockets are closed when it
// returns. It returns nil then, or ErrClosed when the kernel was closed before.
func (k *Kernel) Serve(ctx context.Context) error {
	select {
	case <-k.done:
		return ErrClosed
	default:
	}
	if !k.serving.CompareAndSwap(false, true) {
		return errors.New("kernel: Serve called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	k.publish([]byte(emptyObject), "status", statusContent{ExecutionState: "starting"})

	shellCh := make(chan *message, 64)
	k.goLoop(func() { k.heartbeat() })
	k.goLoop(func() {
		k.read(k.shell, "shell", func(m *message) bool {
			select {
			case shellCh <- m:
				return true
			case <-k.done:
				return false
			}
		})
	})
	k.goLoop(func() {
		k.read(k.control, "control", func(m *message) bool {
			k.dispatch(ctx, k.control, "control", m, nil)
			return true
		})
	})
	k.goLoop(func() { k.read(k.stdin, "stdin", k.onStdin) })
	shellDone := make(chan struct{})
	go func() {
		defer close(shellDone)
		k.shellWorker(ctx, shellCh)
	}()

	select {
	case <-ctx.Done():
	case <-k.stop:
	case <-k.done:
	}
	cancel() // the running execute's ctx derives from ctx
	k.callShutdown(false)
	select {
	case <-shellDone:
	case <-time.After(shutdownGrace):
		k.log.Warn("kernel: a running execute ignored cancellation; closing the sockets under it")
	}
	return k.Close()
}

// Interrupt cancels the ctx of the running execute, as interrupt_request does. The main
// calls it on SIGINT. Without a running execute it calls the handler's InterruptIdle,
// when it has one (see IdleInterrupter).
func (k *Kernel) Interrupt() {
	k.execMu.Lock()
	cancel := k.execCancel
	k.execMu.Unlock()
	if cancel != nil {
		cancel()
		return
	}
	if ii, ok := k.h.(IdleInterrupter); ok {
		ii.InterruptIdle()
	}
}

// Close closes the sockets and ends the kernel's goroutines. It is safe to call more than
// once and after Serve (which calls it).
func (k *Kernel) Close() error {
	k.closeOnce.Do(func() {
		k.lingerIOPub()
		k.iopubMu.Lock()
		k.iopubClosed = true
		k.iopubMu.Unlock()
		close(k.done)
		k.closeErr = k.closeSockets()
		k.wg.Wait()
	})
	return k.closeErr
}

// lingerIOPub gives the zmq4 PUB queue a moment to flush what was just published (the
// final status idle, a shutdown's last output), as ZeroMQ's linger does.
func (k *Kernel) lingerIOPub() {
	const linger = 50 * time.Millisecond
	k.iopubMu.Lock()
	since := time.Since(k.lastPublish)
	k.iopubMu.Unlock()
	if since < linger {
		time.Sleep(linger - since)
	}
}

func (k *Kernel) closeSockets() error {
	k.sockCancel()
	var errs []error
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		// A connection the peer already dropped may be closed twice (zmq4 reaps it
		// asynchronously); that is not a failure to close.
		if err := s.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kernel: closing sockets: %w", err)
	}
	return nil
}

// goLoop runs f on a goroutine that Close waits for.
func (k *Kernel) goLoop(f func()) {
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		f()
	}()
}

// closing reports whether Close has begun.
func (k *Kernel) closing() bool {
	select {
	case <-k.done:
		return true
	default:
		return false
	}
}

// read receives from a ROUTER socket until Close, decodes each message and hands the
// good ones to deliver (false: stop). Bad ones are logged and dropped: a client cannot
// stop the kernel by sending garbage.
func (k *Kernel) read(sock zmq4.Socket, channel string, deliver func(*message) bool) {
	for {
		raw, err := sock.Recv()
		if err != nil {
			if k.closing() {
				return
			}
			k.log.Warn("kernel: receive failed", "channel", channel, "err", err)
			continue
		}
		m, err := decode(raw.Frames, k.signer)
		if err != nil {
			k.log.Warn("kernel: dropped message", "channel", channel, "err", err, "frames", len(raw.Frames))
			continue
		}
		if !deliver(m) {
			return
		}
	}
}

// heartbeat echoes every ping on the REP socket.
func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			if k.closing() {
				return
			}
			k.log.Debug("kernel: heartbeat receive failed", "err", err)
			continue
		}
		if err := k.hb.Send(msg); err != nil && !k.closing() {
			k.log.Debug("kernel: heartbeat send failed", "err", err)
		}
	}
}

// onStdin takes input_reply messages for the pending Input call.
func (k *Kernel) onStdin(m *message) bool {
	if m.Header.MsgType != "input_reply" {
		k.log.Warn("kernel: unexpected message on stdin", "msg_type", m.Header.MsgType)
		return true
	}
	var c struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.log.Warn("kernel: bad input_reply", "err", err)
		return true
	}
	// The buffer holds one reply; a newer one replaces a reply nobody took.
	for {
		select {
		case k.inputCh <- inputResult{value: c.Value}:
			return true
		default:
		}
		select {
		case <-k.inputCh:
		default:
		}
	}
}

// shellWorker handles shell requests one at a time, in order.
func (k *Kernel) shellWorker(ctx context.Context, shellCh <-chan *message) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-shellCh:
			if ctx.Err() != nil {
				return
			}
			for _, queued := range k.dispatch(ctx, k.shell, "shell", m, shellCh) {
				k.abort(queued)
			}
		}
	}
}

// takeQueued empties shellCh without waiting. After an execute failed with
// stop_on_error, what the client sent before seeing its reply gets aborted, as
// ipykernel does, so a notebook run stops at its first error instead of running
// cells that depend on the failed one. Taking the queue before the reply goes out
// spares requests sent in answer to it.
func takeQueued(shellCh <-chan *message) []*message {
	var queued []*message
	for {
		select {
		case m := <-shellCh:
			queued = append(queued, m)
		default:
			return queued
		}
	}
}

// abort answers a queued execute_request with status "aborted" without running it;
// other requests are served as usual.
func (k *Kernel) abort(m *message) {
	if m.Header.MsgType != "execute_request" {
		k.dispatch(context.Background(), k.shell, "shell", m, nil)
		return
	}
	k.status(m, "busy")
	k.reply(k.shell, m, "execute_reply", executeReplyContent{
		Status: "aborted", ExecutionCount: k.count,
		UserExpressions: map[string]any{}, Payload: []any{},
	})
	k.status(m, "idle")
}

// callShutdown calls Handler.Shutdown once, whoever asks first.
func (k *Kernel) callShutdown(restart bool) {
	k.shutdownOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				k.log.Error("kernel: Handler.Shutdown panicked", "panic", r)
			}
		}()
		k.h.Shutdown(restart)
	})
}

// publish sends one iopub message parented to the request whose raw header is parent.
// It never blocks for long: the zmq4 PUB socket queues, and after Close the message is
// dropped.
func (k *Kernel) publish(parent []byte, msgType string, content any) {
	c, err := json.Marshal(content)
	if err != nil {
		k.log.Error("kernel: encoding iopub content", "msg_type", msgType, "err", err)
		return
	}
	h, err := json.Marshal(newHeader(k.session, msgType))
	if err != nil {
		k.log.Error("kernel: encoding header", "err", err)
		return
	}
	topic := []byte("kernel." + k.session + "." + msgType)
	frames := encode([][]byte{topic}, h, parent, []byte(emptyObject), c, nil, k.signer)
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	if k.iopubClosed {
		return
	}
	if err := k.iopub.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Warn("kernel: publishing", "msg_type", msgType, "err", err)
	}
	k.lastPublish = time.Now()
}

// status publishes execution_state parented to req.
func (k *Kernel) status(req *message, state string) {
	k.publish(req.RawHeader, "status", statusContent{ExecutionState: state})
}

// reply sends msgType with content back to the client of req on sock.
func (k *Kernel) reply(sock zmq4.Socket, req *message, msgType string, content any) {
	c, err := json.Marshal(content)
	if err != nil {
		k.log.Error("kernel: encoding reply", "msg_type", msgType, "err", err)
		return
	}
	h, err := json.Marshal(newHeader(k.session, msgType))
	if err != nil {
		k.log.Error("kernel: encoding header", "err", err)
		return
	}
	frames := encode(req.Identities, h, req.RawHeader, []byte(emptyObject), c, nil, k.signer)
	if k.closing() {
		return
	}
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Warn("kernel: sending reply", "msg_type", msgType, "err", err)
	}
}
