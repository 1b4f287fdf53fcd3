package kernel

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"
)

// recvTimeout bounds every wait of a test client: a missing message fails the test
// instead of hanging it.
const recvTimeout = 5 * time.Second

// stubHandler is a Handler whose behaviour the code selects:
//
//	"sleep"  blocks until ctx ends, then reports Interrupted
//	"input"  asks for a line and streams "hello <line>"
//	"fail"   returns an error result
//	"panic"  panics
//	"keep"   keeps its Publisher for use after the request ended
//	other    streams the code on stdout and returns it as text/plain
type stubHandler struct {
	started chan struct{} // receives when an execute starts

	mu       sync.Mutex
	shutdown []bool // restart flags of Shutdown calls
	lastReq  ExecuteRequest
	kept     Publisher // the publisher of the last "keep" cell
}

func newStub() *stubHandler { return &stubHandler{started: make(chan struct{}, 16)} }

func (s *stubHandler) KernelInfo() KernelInfo {
	return KernelInfo{
		Implementation: "stub", ImplementationVersion: "0.1", Banner: "stub kernel",
		LanguageInfo: LanguageInfo{Name: "go", Version: "1.26", MIMEType: "text/x-go", FileExtension: ".go", CodeMirrorMode: "go"},
		HelpLinks:    []HelpLink{{Text: "Go", URL: "https://go.dev/doc/"}},
	}
}

func (s *stubHandler) Execute(ctx context.Context, req ExecuteRequest, pub Publisher) ExecuteResult {
	s.mu.Lock()
	s.lastReq = req
	s.mu.Unlock()
	s.started <- struct{}{}
	switch req.Code {
	case "sleep":
		<-ctx.Done()
		return ExecuteResult{Status: "error", Ename: "Interrupted", Evalue: "interrupted", Traceback: []string{"Interrupted"}}
	case "input":
		line, err := pub.Input(ctx, "name: ", false)
		if err != nil {
			return ExecuteResult{Status: "error", Ename: "InputError", Evalue: err.Error()}
		}
		pub.Stream("stdout", "hello "+line)
		return ExecuteResult{Status: "ok"}
	case "fail":
		return ExecuteResult{Status: "error", Ename: "Boom", Evalue: "it failed", Traceback: []string{"line 1"}}
	case "bare error":
		return ExecuteResult{Status: "error", Ename: "Bare"}
	case "panic":
		panic("stub panic")
	case "keep":
		s.mu.Lock()
		s.kept = pub
		s.mu.Unlock()
		return ExecuteResult{Status: "ok"}
	}
	pub.Stream("stdout", req.Code)
	return ExecuteResult{Status: "ok", Data: MIMEBundle{"text/plain": req.Code}}
}

func (s *stubHandler) IsComplete(code string) IsCompleteReply {
	if strings.HasSuffix(code, "{") {
		return IsCompleteReply{Status: "incomplete", Indent: "\t"}
	}
	return IsCompleteReply{Status: "complete"}
}

// Complete offers "Println" for the word before the cursor.
func (s *stubHandler) Complete(code string, cursorPos int) CompleteReply {
	r := []rune(code)[:cursorPos]
	start := cursorPos
	for start > 0 && r[start-1] != '.' && r[start-1] != ' ' {
		start--
	}
	return CompleteReply{Matches: []string{"Println"}, CursorStart: start, CursorEnd: cursorPos}
}

func (s *stubHandler) Inspect(code string, cursorPos, detailLevel int) InspectReply {
	return InspectReply{Found: true, Data: MIMEBundle{"text/plain": code[:cursorPos]}}
}

func (s *stubHandler) Shutdown(restart bool) {
	s.mu.Lock()
	s.shutdown = append(s.shutdown, restart)
	s.mu.Unlock()
}

func (s *stubHandler) keptPublisher() Publisher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept
}

func (s *stubHandler) last() ExecuteRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastReq
}

func (s *stubHandler) shutdowns() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.shutdown...)
}

// testLogger discards the kernel's log unless the test is verbose.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tWriter struct{ t testing.TB }

// logBuffer collects log output from the kernel's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// startKernel opens a kernel on free loopback ports and serves it until the test ends.
func startKernel(t testing.TB, h Handler, key string) (*Kernel, <-chan error) {
	t.Helper()
	return startKernelLog(t, h, key, testLogger(t))
}

// startKernelLog is startKernel logging to log.
func startKernelLog(t testing.TB, h Handler, key string, log *slog.Logger) (*Kernel, <-chan error) {
	t.Helper()
	info := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: key, SignatureScheme: "hmac-sha256"}
	k, err := OpenInfo(info, h, log)
	if err != nil {
		t.Fatalf("OpenInfo: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		served <- k.Serve(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after its ctx ended")
		}
		k.Close()
	})
	return k, served
}

// client is a frontend over real zmq4 sockets.
type client struct {
	t       testing.TB
	signer  signer
	session string
	cancel  context.CancelFunc

	shell, control, stdin, iopub, hb zmq4.Socket
	shellIn, controlIn, stdinIn      chan *message
	iopubIn                          chan *message
	wg                               sync.WaitGroup
}

// dial connects a client to the kernel's ports and waits until iopub delivers.
func dial(t testing.TB, info ConnectionInfo, key string) *client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	id := zmq4.WithID(zmq4.SocketIdentity("client-" + uuid.NewString()[:8]))
	c := &client{
		t: t, signer: signer{key: []byte(key)}, session: uuid.NewString(), cancel: cancel,
		shell: zmq4.NewDealer(ctx, id), control: zmq4.NewDealer(ctx), stdin: zmq4.NewDealer(ctx, id),
		iopub: zmq4.NewSub(ctx), hb: zmq4.NewReq(ctx),
		shellIn: make(chan *message, 64), controlIn: make(chan *message, 64),
		stdinIn: make(chan *message, 64), iopubIn: make(chan *message, 1024),
	}
	for _, d := range []struct {
		sock zmq4.Socket
		port int
	}{{c.shell, info.ShellPort}, {c.control, info.ControlPort}, {c.stdin, info.StdinPort},
		{c.iopub, info.IOPubPort}, {c.hb, info.HBPort}} {
		if err := d.sock.Dial(info.endpoint(d.port)); err != nil {
			t.Fatalf("dialing %d: %v", d.port, err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatalf("subscribing: %v", err)
	}
	c.pump(c.shell, c.shellIn)
	c.pump(c.control, c.controlIn)
	c.pump(c.stdin, c.stdinIn)
	c.pump(c.iopub, c.iopubIn)
	t.Cleanup(c.close)
	c.waitReady()
	return c
}

// pump decodes what sock receives into ch until the client closes.
func (c *client) pump(sock zmq4.Socket, ch chan<- *message) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			raw, err := sock.Recv()
			if err != nil {
				return
			}
			m, err := decode(raw.Frames, c.signer)
			if err != nil {
				c.t.Errorf("client got a message it cannot decode: %v", err)
				continue
			}
			ch <- m
		}
	}()
}

func (c *client) close() {
	c.cancel()
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
		s.Close()
	}
	c.wg.Wait()
}

// waitReady sends kernel_info until iopub shows the status of one: a SUB socket only
// receives once its subscription reached the PUB, as jupyter_client's wait_for_ready.
func (c *client) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(recvTimeout)
	for time.Now().Before(deadline) {
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		c.recv(c.shellIn, "kernel_info_reply")
		select {
		case m := <-c.iopubIn:
			_ = m
			// Drain this request's status messages.
			c.drainIOPub(id)
			c.drainAll()
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.t.Fatal("iopub never delivered a status")
}

// drainAll empties the iopub queue once it is quiet for 50 ms.
func (c *client) drainAll() {
	for {
		select {
		case <-c.iopubIn:
		case <-time.After(50 * time.Millisecond):
			return
		}
	}
}

// drainIOPub drops iopub messages until the idle status of request parentID, if one
// is still to come (it may have been consumed already).
func (c *client) drainIOPub(parentID string) {
	for {
		select {
		case m := <-c.iopubIn:
			if parentMsgID(m) == parentID && m.Header.MsgType == "status" && jsonField(m.Content, "execution_state") == "idle" {
				return
			}
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

// send sends a request and returns its msg_id.
func (c *client) send(sock zmq4.Socket, msgType string, content any) string {
	c.t.Helper()
	h := msgHeader{MsgID: uuid.NewString(), Session: c.session, Username: "test", Date: time.Now().UTC().Format(time.RFC3339Nano), MsgType: msgType, Version: protocolVersion}
	c.sendFrames(sock, encodeJSON(c.t, c.signer, h, content))
	return h.MsgID
}

func (c *client) sendFrames(sock zmq4.Socket, frames [][]byte) {
	c.t.Helper()
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatalf("sending: %v", err)
	}
}

// encodeJSON builds the frames of a client message (no identities: a DEALER adds none).
func encodeJSON(t testing.TB, s signer, h msgHeader, content any) [][]byte {
	t.Helper()
	hb, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	return encode(nil, hb, []byte("{}"), []byte("{}"), cb, nil, s)
}

// recv waits for the next message on ch and checks its type.
func (c *client) recv(ch <-chan *message, msgType string) *message {
	c.t.Helper()
	select {
	case m := <-ch:
		if m.Header.MsgType != msgType {
			c.t.Fatalf("got %s %s, want %s", m.Header.MsgType, m.Content, msgType)
		}
		return m
	case <-time.After(recvTimeout):
		c.t.Fatalf("no %s within %v", msgType, recvTimeout)
		return nil
	}
}

// iopubUntilIdle collects the iopub messages parented to request parentID up to its
// idle status, which is included.
func (c *client) iopubUntilIdle(parentID string) []*message {
	c.t.Helper()
	var got []*message
	deadline := time.After(recvTimeout)
	for {
		select {
		case m := <-c.iopubIn:
			if parentMsgID(m) != parentID {
				continue
			}
			got = append(got, m)
			if m.Header.MsgType == "status" && jsonField(m.Content, "execution_state") == "idle" {
				return got
			}
		case <-deadline:
			c.t.Fatalf("no idle for %s; got %s", parentID, describe(got))
			return nil
		}
	}
}

// describe lists messages as "type:content" for failure messages and comparisons.
func describe(ms []*message) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.Header.MsgType+":"+string(m.Content))
	}
	return strings.Join(parts, "\n")
}

func parentMsgID(m *message) string {
	var h msgHeader
	if err := json.Unmarshal(m.ParentHeader, &h); err != nil {
		return ""
	}
	return h.MsgID
}

// jsonField returns a top-level string field of a JSON object, or "".
func jsonField(data []byte, name string) string {
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return ""
	}
	s, _ := v[name].(string)
	return s
}

// content decodes a message's content into a generic map.
func content(t testing.TB, m *message) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(m.Content, &v); err != nil {
		t.Fatalf("content of %s: %v", m.Header.MsgType, err)
	}
	return v
}
