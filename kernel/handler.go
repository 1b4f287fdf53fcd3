// Package kernel speaks the Jupyter messaging protocol (5.3) over ZeroMQ: it owns the
// sockets, signs and checks messages, and hands each request to a Handler. It knows
// nothing of Go evaluation or DataFrames; cell code never sees a socket.
package kernel

import "context"

// MIMEBundle maps a MIME type to its data, as in display_data and execute_result.
type MIMEBundle map[string]any

// LanguageInfo is kernel_info_reply's language_info.
type LanguageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	MIMEType          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	CodeMirrorMode    string `json:"codemirror_mode,omitempty"`
	PygmentsLexer     string `json:"pygments_lexer,omitempty"`
	NBConvertExporter string `json:"nbconvert_exporter,omitempty"`
}

// HelpLink is one entry of kernel_info_reply's help_links.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// KernelInfo is what a Handler says about itself in kernel_info_reply.
type KernelInfo struct {
	Implementation        string
	ImplementationVersion string
	Banner                string
	LanguageInfo          LanguageInfo
	HelpLinks             []HelpLink
}

// ExecuteRequest is the content of an execute_request.
type ExecuteRequest struct {
	Code            string
	Silent          bool
	StoreHistory    bool
	UserExpressions map[string]string
	AllowStdin      bool
	StopOnError     bool
	// ExecutionCount is the number this execution gets (already incremented when
	// StoreHistory is set).
	ExecutionCount int
}

// ExecuteResult is how an execution ended. The transport publishes execute_result (when
// Data is not nil and the request is not silent) and error (when Status is "error") on
// iopub and sends execute_reply; a Handler publishes neither itself. An empty Status
// means "ok". With Status "error" and StopOnError, requests already queued behind this
// one are answered "aborted" without running.
type ExecuteResult struct {
	Status    string // "ok", "error" or "aborted"
	Data      MIMEBundle
	Metadata  map[string]any
	Ename     string
	Evalue    string
	Traceback []string
	// Payload holds execute_reply's payloads, such as the pager's
	// {"source": "page", "data": bundle, "start": 0}; nil means none.
	Payload []map[string]any
}

// Publisher sends iopub messages (and stdin requests) parented to one request. It stays
// usable after that request ended: output of work a cell started (a running query) keeps
// landing in that cell. It is safe for concurrent use and never blocks for long; after
// the kernel shut down its messages are dropped.
type Publisher interface {
	// Stream sends text on "stdout" or "stderr".
	Stream(name, text string)
	// Display sends display_data; a non-empty displayID goes in transient.display_id so
	// that UpdateDisplay can replace it in place later.
	Display(data MIMEBundle, metadata map[string]any, displayID string)
	// UpdateDisplay sends update_display_data for displayID.
	UpdateDisplay(data MIMEBundle, metadata map[string]any, displayID string)
	// ClearOutput sends clear_output.
	ClearOutput(wait bool)
	// Input asks the frontend for a line (input_request on stdin). It fails with
	// ErrStdinNotAllowed when the request did not allow stdin, with ctx.Err() when ctx
	// ends first (an interrupt) and with ErrClosed once the kernel shut down.
	Input(ctx context.Context, prompt string, password bool) (string, error)
	// Active returns the publisher of the execute request running now, or this one when
	// none runs: display updates carry the executing request's header, which is how every
	// frontend routes update_display_data by display_id.
	Active() Publisher
}

// IsCompleteReply is is_complete_reply's content.
type IsCompleteReply struct {
	Status string // "complete", "incomplete", "invalid" or "unknown"
	Indent string // for "incomplete"
}

// CompleteReply is complete_reply's content.
type CompleteReply struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// InspectReply is inspect_reply's content.
type InspectReply struct {
	Found    bool
	Data     MIMEBundle
	Metadata map[string]any
}

// IdleInterrupter is implemented by a Handler whose work may go on after its execute
// returned (callbacks of streaming queries that a finished cell started): an interrupt
// that finds no execute running calls InterruptIdle, which must not block for long.
type IdleInterrupter interface {
	InterruptIdle()
}

// Handler does the work behind each request. Execute runs on one goroutine, one request
// at a time; ctx is cancelled by interrupt_request (and SIGINT). Positions are in Unicode
// code points, as protocol 5.2+ says.
type Handler interface {
	KernelInfo() KernelInfo
	Execute(ctx context.Context, req ExecuteRequest, pub Publisher) ExecuteResult
	IsComplete(code string) IsCompleteReply
	Complete(code string, cursorPos int) CompleteReply
	Inspect(code string, cursorPos, detailLevel int) InspectReply
	// Shutdown stops what the handler started (background processes, queries) before the
	// process exits or restarts.
	Shutdown(restart bool)
}
