// Command stubkernel serves the kernel package with an echo handler, so that real
// Jupyter clients (jupyter_client on Debian's python3) can be tested against the wire
// layer without the Go interpreter:
//
//	stubkernel -f /path/to/connection.json
//
// Cells: "sleep" waits until interrupted; "input" asks for a line and prints
// "hello <line>"; "fail" ends with an error; "display" shows and updates a display;
// "clear" clears the output; "stderr:<text>" prints text on stderr; anything else is
// printed on stdout and returned as the text/plain result.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/runnel-go/runnel/kernel"
)

func main() {
	connFile := flag.String("f", "", "Jupyter connection file")
	flag.Parse()
	if *connFile == "" {
		fmt.Fprintln(os.Stderr, "usage: stubkernel -f connection.json")
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*connFile, log); err != nil {
		log.Error("stubkernel", "err", err)
		os.Exit(1)
	}
}

// run is what a kernel main does: open, interrupt on SIGINT, serve until shutdown or
// SIGTERM, close.
func run(connFile string, log *slog.Logger) error {
	k, err := kernel.Open(connFile, echo{}, log)
	if err != nil {
		return err
	}
	defer k.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	go func() {
		for {
			select {
			case <-sigint:
				k.Interrupt()
			case <-ctx.Done():
				return
			}
		}
	}()
	return k.Serve(ctx)
}

// echo is the stub Handler.
type echo struct{}

func (echo) KernelInfo() kernel.KernelInfo {
	return kernel.KernelInfo{
		Implementation:        "stubkernel",
		ImplementationVersion: "0.1",
		Banner:                "echo kernel for wire tests",
		LanguageInfo: kernel.LanguageInfo{
			Name: "go", Version: "1.26", MIMEType: "text/x-go", FileExtension: ".go", CodeMirrorMode: "go",
		},
		HelpLinks: []kernel.HelpLink{{Text: "Go", URL: "https://go.dev/doc/"}},
	}
}

func (echo) Execute(ctx context.Context, req kernel.ExecuteRequest, pub kernel.Publisher) kernel.ExecuteResult {
	switch req.Code {
	case "sleep":
		<-ctx.Done()
		return kernel.ExecuteResult{Status: "error", Ename: "Interrupted", Evalue: "interrupted", Traceback: []string{"Interrupted"}}
	case "input":
		line, err := pub.Input(ctx, "name: ", false)
		if err != nil {
			return kernel.ExecuteResult{Status: "error", Ename: "InputError", Evalue: err.Error(), Traceback: []string{err.Error()}}
		}
		pub.Stream("stdout", "hello "+line+"\n")
		return kernel.ExecuteResult{Status: "ok"}
	case "fail":
		return kernel.ExecuteResult{Status: "error", Ename: "Boom", Evalue: "it failed", Traceback: []string{"Boom: it failed"}}
	case "clear":
		pub.Stream("stdout", "soon gone\n")
		pub.ClearOutput(false)
		return kernel.ExecuteResult{Status: "ok"}
	case "display":
		pub.Display(kernel.MIMEBundle{"text/plain": "v1"}, nil, "d1")
		pub.UpdateDisplay(kernel.MIMEBundle{"text/plain": "v2"}, nil, "d1")
		return kernel.ExecuteResult{Status: "ok"}
	}
	if text, ok := strings.CutPrefix(req.Code, "stderr:"); ok {
		pub.Stream("stderr", text+"\n")
		return kernel.ExecuteResult{Status: "ok"}
	}
	pub.Stream("stdout", req.Code+"\n")
	return kernel.ExecuteResult{Status: "ok", Data: kernel.MIMEBundle{"text/plain": req.Code}}
}

func (echo) IsComplete(code string) kernel.IsCompleteReply {
	if strings.HasPrefix(code, "}") {
		return kernel.IsCompleteReply{Status: "invalid"}
	}
	if strings.HasSuffix(strings.TrimSpace(code), "{") {
		return kernel.IsCompleteReply{Status: "incomplete", Indent: "\t"}
	}
	return kernel.IsCompleteReply{Status: "complete"}
}

// Complete offers "Println" for the identifier before the cursor.
func (echo) Complete(code string, cursorPos int) kernel.CompleteReply {
	r := []rune(code)
	start := cursorPos
	for start > 0 && r[start-1] != '.' && r[start-1] != ' ' {
		start--
	}
	return kernel.CompleteReply{Matches: []string{"Println"}, CursorStart: start, CursorEnd: cursorPos}
}

func (echo) Inspect(code string, cursorPos, detailLevel int) kernel.InspectReply {
	return kernel.InspectReply{Found: true, Data: kernel.MIMEBundle{"text/plain": "inspected " + string([]rune(code)[:cursorPos])}}
}

func (echo) Shutdown(restart bool) {}
