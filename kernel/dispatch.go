package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"
)

// Contents of the messages the kernel sends.
type (
	statusContent struct {
		ExecutionState string `json:"execution_state"`
	}
	kernelInfoContent struct {
		Status                string       `json:"status"`
		ProtocolVersion       string       `json:"protocol_version"`
		Implementation        string       `json:"implementation"`
		ImplementationVersion string       `json:"implementation_version"`
		LanguageInfo          LanguageInfo `json:"language_info"`
		Banner                string       `json:"banner"`
		HelpLinks             []HelpLink   `json:"help_links"`
		Debugger              bool         `json:"debugger"`
	}
	executeInputContent struct {
		Code           string `json:"code"`
		ExecutionCount int    `json:"execution_count"`
	}
	executeResultContent struct {
		ExecutionCount int            `json:"execution_count"`
		Data           MIMEBundle     `json:"data"`
		Metadata       map[string]any `json:"metadata"`
	}
	errorContent struct {
		Ename     string   `json:"ename"`
		Evalue    string   `json:"evalue"`
		Traceback []string `json:"traceback"`
	}
	executeReplyContent struct {
		Status          string         `json:"status"`
		ExecutionCount  int            `json:"execution_count"`
		UserExpressions map[string]any `json:"user_expressions"`
		Payload         []any          `json:"payload"`
		*errorContent                  // ename, evalue, traceback when Status is "error"
	}
	isCompleteContent struct {
		Status string `json:"status"`
		Indent string `json:"indent,omitempty"`
	}
	completeContent struct {
		Status      string         `json:"status"`
		Matches     []string       `json:"matches"`
		CursorStart int            `json:"cursor_start"`
		CursorEnd   int            `json:"cursor_end"`
		Metadata    map[string]any `json:"metadata"`
	}
	inspectContent struct {
		Status   string         `json:"status"`
		Found    bool           `json:"found"`
		Data     MIMEBundle     `json:"data"`
		Metadata map[string]any `json:"metadata"`
	}
	historyContent struct {
		Status  string   `json:"status"`
		History [][3]any `json:"history"`
	}
	commInfoContent struct {
		Status string         `json:"status"`
		Comms  map[string]any `json:"comms"`
	}
	connectContent struct {
		Status      string `json:"status"`
		ShellPort   int    `json:"shell_port"`
		IOPubPort   int    `json:"iopub_port"`
		StdinPort   int    `json:"stdin_port"`
		ControlPort int    `json:"control_port"`
		HBPort      int    `json:"hb_port"`
	}
	shutdownContent struct {
		Status  string `json:"status"`
		Restart bool   `json:"restart"`
	}
	okContent struct {
		Status string `json:"status"`
	}
	// errorReplyContent is a reply whose request failed in the handler.
	errorReplyContent struct {
		Status    string   `json:"status"`
		Ename     string   `json:"ename"`
		Evalue    string   `json:"evalue"`
		Traceback []string `json:"traceback"`
	}
)

// executeRequestContent is execute_request's content; the pointers tell an absent field
// (which defaults to true) from false.
type executeRequestContent struct {
	Code            string         `json:"code"`
	Silent          bool           `json:"silent"`
	StoreHistory    *bool          `json:"store_history"`
	UserExpressions map[string]any `json:"user_expressions"`
	AllowStdin      *bool          `json:"allow_stdin"`
	StopOnError     *bool          `json:"stop_on_error"`
}

// dispatch handles one request from sock with status busy/idle around it. On the shell
// channel, shellCh is the queue of requests behind m; dispatch returns those to abort
// when an execute failed with stop_on_error set.
func (k *Kernel) dispatch(ctx context.Context, sock zmq4.Socket, channel string, m *message, shellCh <-chan *message) (abort []*message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	defer func() {
		if r := recover(); r != nil {
			k.log.Error("kernel: handler panicked", "msg_type", m.Header.MsgType, "panic", r)
			k.reply(sock, m, replyType(m.Header.MsgType), errorReplyContent{
				Status: "error", Ename: "KernelError", Evalue: fmt.Sprint(r), Traceback: []string{},
			})
		}
	}()

	switch t := m.Header.MsgType; {
	case t == "kernel_info_request":
		k.kernelInfo(sock, m)
	case t == "shutdown_request":
		k.shutdown(sock, m)
	case t == "interrupt_request" && channel == "control":
		k.Interrupt()
		k.reply(sock, m, "interrupt_reply", okContent{Status: "ok"})
	case t == "history_request":
		k.historyRequest(sock, m)
	case t == "connect_request":
		// Deprecated in protocol 5.1 but still answered by ipykernel.
		k.reply(sock, m, "connect_reply", connectContent{
			Status: "ok", ShellPort: k.info.ShellPort, IOPubPort: k.info.IOPubPort, StdinPort: k.info.StdinPort,
			ControlPort: k.info.ControlPort, HBPort: k.info.HBPort,
		})
	case t == "comm_info_request":
		k.reply(sock, m, "comm_info_reply", commInfoContent{Status: "ok", Comms: map[string]any{}})
	case channel != "shell":
		// Everything else runs the Handler, whose Execute owns the shell goroutine.
		k.log.Warn("kernel: ignored request not served on this channel", "channel", channel, "msg_type", t)
	case t == "execute_request":
		return k.execute(ctx, m, shellCh)
	case t == "is_complete_request":
		k.isComplete(m)
	case t == "complete_request":
		k.complete(m)
	case t == "inspect_request":
		k.inspect(m)
	default:
		// ipykernel logs and ignores unknown types too; a reply would be invented.
		k.log.Warn("kernel: unknown message type", "channel", channel, "msg_type", t)
	}
	return nil
}

// replyType names the reply of a request type.
func replyType(requestType string) string {
	const suffix = "_request"
	if n := len(requestType) - len(suffix); n > 0 && requestType[n:] == suffix {
		return requestType[:n] + "_reply"
	}
	return requestType + "_reply"
}

// parseContent decodes m's content into v, logging what it rejects.
func (k *Kernel) parseContent(m *message, v any) bool {
	if err := json.Unmarshal(m.Content, v); err != nil {
		k.log.Warn("kernel: dropped request with bad content", "msg_type", m.Header.MsgType, "err", err)
		return false
	}
	return true
}

func (k *Kernel) kernelInfo(sock zmq4.Socket, m *message) {
	info := k.h.KernelInfo()
	links := info.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	k.reply(sock, m, "kernel_info_reply", kernelInfoContent{
		Status:                "ok",
		ProtocolVersion:       protocolVersion,
		Implementation:        info.Implementation,
		ImplementationVersion: info.ImplementationVersion,
		LanguageInfo:          info.LanguageInfo,
		Banner:                info.Banner,
		HelpLinks:             links,
	})
}

func (k *Kernel) shutdown(sock zmq4.Socket, m *message) {
	var c struct {
		Restart bool `json:"restart"`
	}
	if !k.parseContent(m, &c) {
		return
	}
	k.reply(sock, m, "shutdown_reply", shutdownContent{Status: "ok", Restart: c.Restart})
	k.Interrupt()
	k.callShutdown(c.Restart)
	k.stopOnce.Do(func() { close(k.stop) })
}

func (k *Kernel) historyRequest(sock zmq4.Socket, m *message) {
	var req historyRequest
	if !k.parseContent(m, &req) {
		return
	}
	k.reply(sock, m, "history_reply", historyContent{Status: "ok", History: k.hist.query(req)})
}

// execute runs one execute_request; it returns the queued requests to abort.
func (k *Kernel) execute(ctx context.Context, m *message, shellCh <-chan *message) (abort []*message) {
	var c executeRequestContent
	if !k.parseContent(m, &c) {
		return nil
	}
	req := ExecuteRequest{
		Code:            c.Code,
		Silent:          c.Silent,
		StoreHistory:    !c.Silent && (c.StoreHistory == nil || *c.StoreHistory),
		UserExpressions: map[string]string{},
		AllowStdin:      c.AllowStdin == nil || *c.AllowStdin,
		StopOnError:     c.StopOnError == nil || *c.StopOnError,
	}
	for name, expr := range c.UserExpressions {
		if s, ok := expr.(string); ok {
			req.UserExpressions[name] = s
		}
	}
	if req.StoreHistory {
		k.count++
	}
	req.ExecutionCount = k.count
	if !req.Silent {
		k.publish(m.RawHeader, "execute_input", executeInputContent{Code: req.Code, ExecutionCount: req.ExecutionCount})
	}

	pub := &publisher{k: k, parent: m.RawHeader, ids: m.Identities, allowStdin: req.AllowStdin}
	res := k.runExecute(ctx, req, pub)

	if res.Status == "" {
		res.Status = "ok"
	}
	if res.Data != nil && !req.Silent {
		md := res.Metadata
		if md == nil {
			md = map[string]any{}
		}
		k.publish(m.RawHeader, "execute_result", executeResultContent{
			ExecutionCount: req.ExecutionCount, Data: res.Data, Metadata: md,
		})
	}
	reply := executeReplyContent{
		Status:          res.Status,
		ExecutionCount:  req.ExecutionCount,
		UserExpressions: map[string]any{},
		Payload:         []any{},
	}
	for _, p := range res.Payload {
		reply.Payload = append(reply.Payload, p)
	}
	if res.Status == "error" {
		tb := res.Traceback
		if tb == nil {
			tb = []string{}
		}
		k.publish(m.RawHeader, "error", errorContent{Ename: res.Ename, Evalue: res.Evalue, Traceback: tb})
		reply.errorContent = &errorContent{Ename: res.Ename, Evalue: res.Evalue, Traceback: tb}
	}
	if req.StoreHistory {
		var out any
		if s, ok := res.Data["text/plain"].(string); ok {
			out = s
		}
		k.hist.add(req.ExecutionCount, req.Code, out)
	}
	if res.Status == "error" && req.StopOnError && shellCh != nil {
		abort = takeQueued(shellCh)
	}
	k.reply(k.shell, m, "execute_reply", reply)
	return abort
}

// runExecute calls Handler.Execute with a ctx that Interrupt cancels, and turns a panic
// of the handler into an error result: the kernel outlives its handler's bugs.
func (k *Kernel) runExecute(ctx context.Context, req ExecuteRequest, pub *publisher) (res ExecuteResult) {
	ctx, cancel := context.WithCancel(ctx)
	k.execMu.Lock()
	k.execCancel = cancel
	k.execMu.Unlock()
	k.active.Store(pub)
	defer func() {
		k.active.Store(nil)
		k.execMu.Lock()
		k.execCancel = nil
		k.execMu.Unlock()
		cancel()
		if r := recover(); r != nil {
			k.log.Error("kernel: Handler.Execute panicked", "panic", r)
			res = ExecuteResult{Status: "error", Ename: "KernelError", Evalue: fmt.Sprint(r),
				Traceback: []string{fmt.Sprintf("KernelError: Handler.Execute panicked: %v", r)}}
		}
	}()
	return k.h.Execute(ctx, req, pub)
}

func (k *Kernel) isComplete(m *message) {
	var c struct {
		Code string `json:"code"`
	}
	if !k.parseContent(m, &c) {
		return
	}
	r := k.h.IsComplete(c.Code)
	content := isCompleteContent{Status: r.Status}
	if r.Status == "incomplete" {
		content.Indent = r.Indent
	}
	k.reply(k.shell, m, "is_complete_reply", content)
}

// cursor reads cursor_pos (code points), defaulting to the end of code and clamped
// into it, so a handler never sees a position outside the text.
func cursor(code string, pos *int) int {
	n := utf8.RuneCountInString(code)
	if pos == nil || *pos > n {
		return n
	}
	return max(*pos, 0)
}

func (k *Kernel) complete(m *message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if !k.parseContent(m, &c) {
		return
	}
	pos := cursor(c.Code, c.CursorPos)
	r := k.h.Complete(c.Code, pos)
	content := completeContent{
		Status: "ok", Matches: r.Matches, CursorStart: r.CursorStart, CursorEnd: r.CursorEnd, Metadata: r.Metadata,
	}
	if content.Matches == nil {
		content.Matches = []string{}
		content.CursorStart, content.CursorEnd = pos, pos
	}
	if content.Metadata == nil {
		content.Metadata = map[string]any{}
	}
	k.reply(k.shell, m, "complete_reply", content)
}

func (k *Kernel) inspect(m *message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if !k.parseContent(m, &c) {
		return
	}
	r := k.h.Inspect(c.Code, cursor(c.Code, c.CursorPos), c.DetailLevel)
	content := inspectContent{Status: "ok", Found: r.Found, Data: r.Data, Metadata: r.Metadata}
	if content.Data == nil {
		content.Data = MIMEBundle{}
	}
	if content.Metadata == nil {
		content.Metadata = map[string]any{}
	}
	k.reply(k.shell, m, "inspect_reply", content)
}
