package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

const testKey = "0b6e2b5d-8f6a-4c1e-9a3b-2f1d7c9e4a10"

func TestKernelInfoAndExecute(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	id := c.send(c.shell, "kernel_info_request", map[string]any{})
	info := content(t, c.recv(c.shellIn, "kernel_info_reply"))
	if info["protocol_version"] != "5.3" || info["status"] != "ok" || info["implementation"] != "stub" {
		t.Errorf("kernel_info_reply = %v", info)
	}
	li := info["language_info"].(map[string]any)
	if li["name"] != "go" || li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" || li["codemirror_mode"] != "go" {
		t.Errorf("language_info = %v", li)
	}
	if links := info["help_links"].([]any); len(links) != 1 || links[0].(map[string]any)["url"] != "https://go.dev/doc/" {
		t.Errorf("help_links = %v", links)
	}
	if got := describe(c.iopubUntilIdle(id)); got != `status:{"execution_state":"busy"}`+"\n"+`status:{"execution_state":"idle"}` {
		t.Errorf("iopub of kernel_info:\n%s", got)
	}

	for n := 1; n <= 2; n++ {
		id = c.send(c.shell, "execute_request", map[string]any{
			"code": "x := 1", "silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": true,
		})
		rep := c.recv(c.shellIn, "execute_reply")
		if parentMsgID(rep) != id {
			t.Errorf("execute_reply parent = %s, want %s", parentMsgID(rep), id)
		}
		want := map[string]any{"status": "ok", "execution_count": float64(n), "user_expressions": map[string]any{}, "payload": []any{}}
		if got := content(t, rep); !reflect.DeepEqual(got, want) {
			t.Errorf("execute_reply = %v, want %v", got, want)
		}
		wantIO := `status:{"execution_state":"busy"}
execute_input:{"code":"x := 1","execution_count":` + string(rune('0'+n)) + `}
stream:{"name":"stdout","text":"x := 1"}
execute_result:{"execution_count":` + string(rune('0'+n)) + `,"data":{"text/plain":"x := 1"},"metadata":{}}
status:{"execution_state":"idle"}`
		if got := describe(c.iopubUntilIdle(id)); got != wantIO {
			t.Errorf("iopub of execute %d:\n%s\nwant:\n%s", n, got, wantIO)
		}
	}
}

func TestSilentExecute(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	id := c.send(c.shell, "execute_request", map[string]any{"code": "quiet", "silent": true, "store_history": true})
	rep := content(t, c.recv(c.shellIn, "execute_reply"))
	if rep["status"] != "ok" || rep["execution_count"] != float64(0) {
		t.Errorf("silent execute_reply = %v", rep)
	}
	// The handler's own stream still goes out; execute_input and execute_result do not.
	want := `status:{"execution_state":"busy"}
stream:{"name":"stdout","text":"quiet"}
status:{"execution_state":"idle"}`
	if got := describe(c.iopubUntilIdle(id)); got != want {
		t.Errorf("iopub of silent execute:\n%s\nwant:\n%s", got, want)
	}
	if h.last().StoreHistory || !h.last().Silent {
		t.Errorf("handler saw %+v; silent must not store history", h.lastReq)
	}
	c.send(c.shell, "history_request", map[string]any{"hist_access_type": "tail", "n": 10})
	if hist := content(t, c.recv(c.shellIn, "history_reply"))["history"].([]any); len(hist) != 0 {
		t.Errorf("history after a silent execute = %v", hist)
	}
}

func TestExecuteError(t *testing.T) {
	k, _ := startKernel(t, newStub(), testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	id := c.send(c.shell, "execute_request", map[string]any{"code": "fail", "stop_on_error": false})
	rep := content(t, c.recv(c.shellIn, "execute_reply"))
	if rep["status"] != "error" || rep["ename"] != "Boom" || rep["evalue"] != "it failed" || rep["execution_count"] != float64(1) {
		t.Errorf("execute_reply = %v", rep)
	}
	want := `status:{"execution_state":"busy"}
execute_input:{"code":"fail","execution_count":1}
error:{"ename":"Boom","evalue":"it failed","traceback":["line 1"]}
status:{"execution_state":"idle"}`
	if got := describe(c.iopubUntilIdle(id)); got != want {
		t.Errorf("iopub of failing execute:\n%s\nwant:\n%s", got, want)
	}

	// An error without traceback still has the traceback field, as the protocol requires.
	c.send(c.shell, "execute_request", map[string]any{"code": "bare error", "stop_on_error": false})
	rep = content(t, c.recv(c.shellIn, "execute_reply"))
	if tb, ok := rep["traceback"].([]any); !ok || len(tb) != 0 || rep["ename"] != "Bare" {
		t.Errorf("execute_reply of an error without traceback = %v", rep)
	}

	// A panicking handler gives an error reply and the kernel keeps serving.
	c.send(c.shell, "execute_request", map[string]any{"code": "panic"})
	rep = content(t, c.recv(c.shellIn, "execute_reply"))
	if rep["status"] != "error" || rep["ename"] != "KernelError" || rep["evalue"] != "stub panic" {
		t.Errorf("execute_reply after panic = %v", rep)
	}
	c.send(c.shell, "execute_request", map[string]any{"code": "ok"})
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["status"] != "ok" || rep["execution_count"] != float64(4) {
		t.Errorf("execute_reply after the panic = %v", rep)
	}
}

func TestStopOnErrorAbortsQueued(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	// "sleep" holds the shell until interrupted, so "fail" and "after" queue behind it.
	c.send(c.shell, "execute_request", map[string]any{"code": "sleep"})
	<-h.started
	c.send(c.shell, "execute_request", map[string]any{"code": "fail"})
	c.send(c.shell, "execute_request", map[string]any{"code": "after"})
	time.Sleep(100 * time.Millisecond) // let both reach the kernel's queue
	c.send(c.control, "interrupt_request", map[string]any{})
	c.recv(c.controlIn, "interrupt_reply")

	var statuses []any
	for range 3 {
		statuses = append(statuses, content(t, c.recv(c.shellIn, "execute_reply"))["status"])
	}
	// The interrupted cell fails with stop_on_error (the default), so the queued ones
	// are aborted without running.
	if want := []any{"error", "aborted", "aborted"}; !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
	if len(h.started) != 0 {
		t.Errorf("an aborted cell ran")
	}
}

func TestBadSignatureDropped(t *testing.T) {
	h := newStub()
	var logs logBuffer
	k, _ := startKernelLog(t, h, testKey, slog.New(slog.NewTextHandler(&logs, nil)))
	c := dial(t, k.ConnectionInfo(), testKey)

	hdr := msgHeader{MsgID: "bad-1", Session: c.session, MsgType: "execute_request", Version: protocolVersion}
	forged := encodeJSON(t, signer{key: []byte("wrong key")}, hdr, map[string]any{"code": "forged"})
	c.sendFrames(c.shell, forged)
	unsigned := encodeJSON(t, signer{}, msgHeader{MsgID: "bad-2", MsgType: "execute_request"}, map[string]any{"code": "unsigned"})
	c.sendFrames(c.shell, unsigned)
	c.sendFrames(c.shell, [][]byte{[]byte(delimiter), []byte("sig"), []byte("{}")}) // truncated
	good := encodeJSON(t, c.signer, msgHeader{MsgID: "bad-3", MsgType: "execute_request"}, map[string]any{"code": "forged"})
	good[len(good)-1] = []byte(`{"code": "tampered"}`) // content changed after signing
	c.sendFrames(c.shell, good)
	notJSON := encode(nil, []byte(`{"msg_type": "execute_request", "msg_id": "bad-4"`), []byte("{}"), []byte("{}"), []byte(`{"code":"x"}`), nil, c.signer)
	c.sendFrames(c.shell, notJSON)

	id := c.send(c.shell, "execute_request", map[string]any{"code": "good"})
	rep := c.recv(c.shellIn, "execute_reply")
	if parentMsgID(rep) != id {
		t.Fatalf("first reply answers %q, want the good request %q", parentMsgID(rep), id)
	}
	if got := content(t, rep); got["execution_count"] != float64(1) {
		t.Errorf("execution_count = %v: a dropped message was executed", got["execution_count"])
	}
	if h.last().Code != "good" || len(h.started) != 1 {
		t.Errorf("handler ran %q (%d executes)", h.last().Code, len(h.started))
	}
	select {
	case m := <-c.shellIn:
		t.Errorf("unexpected reply %s %s", m.Header.MsgType, m.Content)
	case <-time.After(100 * time.Millisecond):
	}
	// Each dropped message is logged with its reason.
	text := logs.String()
	for _, reason := range []string{"bad signature", "truncated message", "invalid header"} {
		if !strings.Contains(text, reason) {
			t.Errorf("log does not mention %q:\n%s", reason, text)
		}
	}
	if n := strings.Count(text, "dropped message"); n != 5 {
		t.Errorf("%d dropped messages logged, want 5:\n%s", n, text)
	}
}

func TestNoKeyNoSignature(t *testing.T) {
	k, _ := startKernel(t, newStub(), "")
	c := dial(t, k.ConnectionInfo(), "")
	c.send(c.shell, "execute_request", map[string]any{"code": "1"})
	raw := c.recv(c.shellIn, "execute_reply")
	if content(t, raw)["status"] != "ok" {
		t.Errorf("execute_reply = %s", raw.Content)
	}
}

func TestControlWhileCellRuns(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	execID := c.send(c.shell, "execute_request", map[string]any{"code": "sleep", "stop_on_error": false})
	<-h.started

	// kernel_info on control is answered on control while the cell runs.
	infoID := c.send(c.control, "kernel_info_request", map[string]any{})
	rep := c.recv(c.controlIn, "kernel_info_reply")
	if parentMsgID(rep) != infoID {
		t.Errorf("kernel_info_reply parent = %s", parentMsgID(rep))
	}
	c.send(c.control, "comm_info_request", map[string]any{})
	if got := content(t, c.recv(c.controlIn, "comm_info_reply")); !reflect.DeepEqual(got, map[string]any{"status": "ok", "comms": map[string]any{}}) {
		t.Errorf("comm_info_reply = %v", got)
	}

	intID := c.send(c.control, "interrupt_request", map[string]any{})
	irep := c.recv(c.controlIn, "interrupt_reply")
	if got := content(t, irep); got["status"] != "ok" || parentMsgID(irep) != intID {
		t.Errorf("interrupt_reply = %v", got)
	}
	erep := content(t, c.recv(c.shellIn, "execute_reply"))
	if erep["status"] != "error" || erep["ename"] != "Interrupted" {
		t.Errorf("execute_reply of interrupted cell = %v", erep)
	}
	ios := c.iopubUntilIdle(execID)
	if ios[len(ios)-2].Header.MsgType != "error" {
		t.Errorf("iopub of interrupted cell:\n%s", describe(ios))
	}
	select {
	case m := <-c.shellIn:
		t.Errorf("a control reply went to shell: %s", m.Header.MsgType)
	default:
	}

	// Interrupt from the main (SIGINT) does the same.
	c.send(c.shell, "execute_request", map[string]any{"code": "sleep"})
	<-h.started
	k.Interrupt()
	if erep := content(t, c.recv(c.shellIn, "execute_reply")); erep["ename"] != "Interrupted" {
		t.Errorf("execute_reply after Interrupt = %v", erep)
	}
	// State survives: the next cell runs.
	c.send(c.shell, "execute_request", map[string]any{"code": "again"})
	if erep := content(t, c.recv(c.shellIn, "execute_reply")); erep["status"] != "ok" || erep["execution_count"] != float64(3) {
		t.Errorf("execute_reply after interrupts = %v", erep)
	}
}

func TestInput(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	id := c.send(c.shell, "execute_request", map[string]any{"code": "input", "allow_stdin": true})
	req := c.recv(c.stdinIn, "input_request")
	if parentMsgID(req) != id {
		t.Errorf("input_request parent = %s, want %s", parentMsgID(req), id)
	}
	if got := content(t, req); !reflect.DeepEqual(got, map[string]any{"prompt": "name: ", "password": false}) {
		t.Errorf("input_request = %v", got)
	}
	c.send(c.stdin, "input_reply", map[string]any{"value": "gopher"})
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["status"] != "ok" {
		t.Errorf("execute_reply = %v", rep)
	}
	ios := describe(c.iopubUntilIdle(id))
	want := `status:{"execution_state":"busy"}
execute_input:{"code":"input","execution_count":1}
stream:{"name":"stdout","text":"hello gopher"}
status:{"execution_state":"idle"}`
	if ios != want {
		t.Errorf("iopub:\n%s\nwant:\n%s", ios, want)
	}

	// Without allow_stdin, Input fails at once.
	c.send(c.shell, "execute_request", map[string]any{"code": "input", "allow_stdin": false})
	rep := content(t, c.recv(c.shellIn, "execute_reply"))
	if rep["ename"] != "InputError" || rep["evalue"] != ErrStdinNotAllowed.Error() {
		t.Errorf("execute_reply without stdin = %v", rep)
	}

	// An interrupt ends a pending Input.
	c.send(c.shell, "execute_request", map[string]any{"code": "input"})
	c.recv(c.stdinIn, "input_request")
	k.Interrupt()
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["evalue"] != "context canceled" {
		t.Errorf("execute_reply of interrupted input = %v", rep)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	k, _ := startKernel(t, newStub(), testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	// Cursor positions are code points: "é" is one, though two bytes in UTF-8.
	c.send(c.shell, "complete_request", map[string]any{"code": "é := fmt.Pr", "cursor_pos": 11})
	want := map[string]any{"status": "ok", "matches": []any{"Println"}, "cursor_start": float64(9), "cursor_end": float64(11), "metadata": map[string]any{}}
	if got := content(t, c.recv(c.shellIn, "complete_reply")); !reflect.DeepEqual(got, want) {
		t.Errorf("complete_reply = %v, want %v", got, want)
	}
	// A cursor past the end is clamped to it.
	c.send(c.shell, "complete_request", map[string]any{"code": "fmt.Pr", "cursor_pos": 99})
	if got := content(t, c.recv(c.shellIn, "complete_reply")); got["cursor_end"] != float64(6) {
		t.Errorf("complete_reply for a cursor past the end = %v", got)
	}

	c.send(c.shell, "inspect_request", map[string]any{"code": "fmt.Println", "cursor_pos": 3, "detail_level": 0})
	want = map[string]any{"status": "ok", "found": true, "data": map[string]any{"text/plain": "fmt"}, "metadata": map[string]any{}}
	if got := content(t, c.recv(c.shellIn, "inspect_reply")); !reflect.DeepEqual(got, want) {
		t.Errorf("inspect_reply = %v, want %v", got, want)
	}

	c.send(c.shell, "is_complete_request", map[string]any{"code": "func f() {"})
	if got := content(t, c.recv(c.shellIn, "is_complete_reply")); !reflect.DeepEqual(got, map[string]any{"status": "incomplete", "indent": "\t"}) {
		t.Errorf("is_complete_reply = %v", got)
	}
	c.send(c.shell, "is_complete_request", map[string]any{"code": "x := 1"})
	if got := content(t, c.recv(c.shellIn, "is_complete_reply")); !reflect.DeepEqual(got, map[string]any{"status": "complete"}) {
		t.Errorf("is_complete_reply = %v", got)
	}

	c.send(c.shell, "connect_request", map[string]any{})
	info := k.ConnectionInfo()
	want = map[string]any{"status": "ok", "shell_port": float64(info.ShellPort), "iopub_port": float64(info.IOPubPort),
		"stdin_port": float64(info.StdinPort), "control_port": float64(info.ControlPort), "hb_port": float64(info.HBPort)}
	if got := content(t, c.recv(c.shellIn, "connect_reply")); !reflect.DeepEqual(got, want) {
		t.Errorf("connect_reply = %v, want %v", got, want)
	}

	// Unknown types get no reply; the next request is answered.
	c.send(c.shell, "frobnicate_request", map[string]any{})
	c.send(c.shell, "comm_info_request", map[string]any{"target_name": "x"})
	c.recv(c.shellIn, "comm_info_reply")
}

func TestHistoryRequest(t *testing.T) {
	k, _ := startKernel(t, newStub(), testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	for _, code := range []string{"a := 1", "b := 2", "a := 1", "print(a)"} {
		c.send(c.shell, "execute_request", map[string]any{"code": code})
		c.recv(c.shellIn, "execute_reply")
	}
	history := func(sock zmq4.Socket, in chan *message, req map[string]any) string {
		c.send(sock, "history_request", req)
		rep := content(t, c.recv(in, "history_reply"))
		b, err := json.Marshal(rep["history"])
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct {
		req  map[string]any
		want string
	}{
		{map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true},
			`[[1,3,"a := 1"],[1,4,"print(a)"]]`},
		{map[string]any{"hist_access_type": "range", "session": 0, "start": 2, "stop": 4},
			`[[1,2,"b := 2"],[1,3,"a := 1"]]`},
		{map[string]any{"hist_access_type": "search", "pattern": "a*"},
			`[[1,1,"a := 1"],[1,3,"a := 1"]]`},
		{map[string]any{"hist_access_type": "search", "pattern": "?*:= ?", "unique": true},
			`[[1,2,"b := 2"],[1,3,"a := 1"]]`},
		{map[string]any{"hist_access_type": "search", "pattern": "*", "n": 1},
			`[[1,4,"print(a)"]]`},
		{map[string]any{"hist_access_type": "tail", "n": 1, "output": true},
			`[[1,4,["print(a)","print(a)"]]]`},
	} {
		if got := history(c.shell, c.shellIn, tc.req); got != tc.want {
			t.Errorf("history %v = %s, want %s", tc.req, got, tc.want)
		}
	}
	// history_request on control is answered there.
	if got := history(c.control, c.controlIn, map[string]any{"hist_access_type": "tail", "n": 1}); got != `[[1,4,"print(a)"]]` {
		t.Errorf("history on control = %s", got)
	}
}

func TestShutdown(t *testing.T) {
	for _, restart := range []bool{false, true} {
		h := newStub()
		k, served := startKernel(t, h, testKey)
		c := dial(t, k.ConnectionInfo(), testKey)

		c.send(c.control, "shutdown_request", map[string]any{"restart": restart})
		rep := content(t, c.recv(c.controlIn, "shutdown_reply"))
		if !reflect.DeepEqual(rep, map[string]any{"status": "ok", "restart": restart}) {
			t.Errorf("shutdown_reply = %v", rep)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(recvTimeout):
			t.Fatal("Serve did not return after shutdown_request")
		}
		if got := h.shutdowns(); !reflect.DeepEqual(got, []bool{restart}) {
			t.Errorf("Handler.Shutdown calls = %v, want [%v]", got, restart)
		}
		if err := k.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
	}
}

func TestShutdownInterruptsRunningCell(t *testing.T) {
	h := newStub()
	k, served := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)
	c.send(c.shell, "execute_request", map[string]any{"code": "sleep"})
	<-h.started
	c.send(c.control, "shutdown_request", map[string]any{"restart": false})
	c.recv(c.controlIn, "shutdown_reply")
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["ename"] != "Interrupted" {
		t.Errorf("execute_reply of the cell running at shutdown = %v", rep)
	}
	select {
	case <-served:
	case <-time.After(recvTimeout):
		t.Fatal("Serve did not return")
	}
}

func TestHeartbeat(t *testing.T) {
	k, _ := startKernel(t, newStub(), testKey)
	c := dial(t, k.ConnectionInfo(), testKey)
	for _, ping := range []string{"ping", "pong", "\x00binary"} {
		if err := c.hb.Send(zmq4.NewMsgString(ping)); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			m, err := c.hb.Recv()
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- string(m.Bytes())
		}()
		select {
		case s := <-got:
			if s != ping {
				t.Errorf("heartbeat echoed %q, want %q", s, ping)
			}
		case <-time.After(recvTimeout):
			t.Fatal("no heartbeat echo")
		}
	}
}

func TestServeEndsWithContext(t *testing.T) {
	h := newStub()
	k, err := OpenInfo(ConnectionInfo{IP: "127.0.0.1", Key: testKey}, h, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- k.Serve(ctx) }()
	c := dial(t, k.ConnectionInfo(), testKey)
	c.send(c.shell, "execute_request", map[string]any{"code": "sleep"})
	<-h.started
	cancel()
	// The running cell is cancelled and answered before the sockets close.
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["ename"] != "Interrupted" {
		t.Errorf("execute_reply = %v", rep)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(recvTimeout):
		t.Fatal("Serve did not return after ctx ended")
	}
	if got := h.shutdowns(); !reflect.DeepEqual(got, []bool{false}) {
		t.Errorf("Handler.Shutdown calls = %v, want [false]", got)
	}
	if err := k.Serve(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Serve after close = %v, want ErrClosed", err)
	}
}

func TestIPCTransport(t *testing.T) {
	info := ConnectionInfo{Transport: "ipc", IP: filepath.Join(t.TempDir(), "kernel"), Key: testKey,
		ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5}
	k, err := OpenInfo(info, newStub(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- k.Serve(ctx) }()
	defer func() {
		cancel()
		<-served
	}()
	if _, err := os.Stat(info.IP + "-1"); err != nil {
		t.Errorf("shell socket file: %v", err)
	}
	c := dial(t, k.ConnectionInfo(), testKey)
	c.send(c.shell, "execute_request", map[string]any{"code": "over ipc"})
	if rep := content(t, c.recv(c.shellIn, "execute_reply")); rep["status"] != "ok" {
		t.Errorf("execute_reply = %v", rep)
	}
}

// TestNoGoroutinesLeftAfterServe checks that every goroutine of the kernel ends with
// Serve (zmq4's own are zmq4's business).
func TestNoGoroutinesLeftAfterServe(t *testing.T) {
	h := newStub()
	k, err := OpenInfo(ConnectionInfo{IP: "127.0.0.1", Key: testKey}, h, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- k.Serve(context.Background()) }()
	c := dial(t, k.ConnectionInfo(), testKey)
	c.send(c.shell, "execute_request", map[string]any{"code": "input"})
	c.recv(c.stdinIn, "input_request") // a cell waiting for input at shutdown
	c.send(c.control, "shutdown_request", map[string]any{"restart": false})
	c.recv(c.controlIn, "shutdown_reply")
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	deadline := time.Now().Add(recvTimeout)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var ours []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "runnel/kernel.(*Kernel)") || strings.Contains(g, "runnel/kernel.(*publisher)") {
				ours = append(ours, g)
			}
		}
		if len(ours) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Serve returned:\n%s", strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
