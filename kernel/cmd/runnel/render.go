package main

import (
	"io"
	"reflect"

	"github.com/runnel-go/runnel/display"
	"github.com/runnel-go/runnel/engine"
	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/kernel/interp"
)

// setupDisplay installs the display layer for the session and returns the interpreter's
// Render hook and the function that stops the live views at shutdown. A cell's last
// value and display's functions go to the calling goroutine's cell; Show (also inside a
// query's ForeachBatch, after its cell finished) sends an HTML table with Spark's text
// to the cell that owns the writer it prints to; live views update through the
// executing request (kernel.Publisher.Active). session is read lazily: the session is
// made with the hook.
func setupDisplay(session func() *interp.Session) (render func(reflect.Value) (kernel.MIMEBundle, bool), closeDisplay func()) {
	out := display.New(display.Options{Target: func() display.Target {
		if s := session(); s != nil {
			if p := s.Publisher(); p != nil {
				return pubTarget{p}
			}
		}
		return nil
	}})
	display.SetOutput(out)
	engine.SetShowHook(func(w io.Writer, df *engine.DataFrame, text string) bool {
		s := session()
		if s == nil || df.Shown() == nil {
			return false
		}
		pub, ok := s.PublisherOf(w)
		if !ok {
			return false // printed to a writer of its own: plain text there
		}
		b := kernel.MIMEBundle(display.TableOf(df.Shown()).MIMEBundle())
		b["text/plain"] = text // exactly what Show prints, the newline of println included
		pub.Display(b, map[string]any{}, "")
		return true
	})
	render = func(v reflect.Value) (kernel.MIMEBundle, bool) {
		if !v.IsValid() || !v.CanInterface() {
			return nil, false
		}
		b, ok := out.Render(v.Interface())
		if !ok {
			return nil, false
		}
		// A nil bundle: the value (a live view) was displayed already, there is no
		// execute_result to send.
		return kernel.MIMEBundle(b), true
	}
	closeDisplay = func() {
		engine.SetShowHook(nil)
		display.SetOutput(nil)
		out.Close()
	}
	return render, closeDisplay
}

// pubTarget is a kernel.Publisher as display's Target.
type pubTarget struct{ p kernel.Publisher }

func (t pubTarget) Display(data, metadata map[string]any, id string) {
	t.p.Display(kernel.MIMEBundle(data), metadata, id)
}

func (t pubTarget) Update(data, metadata map[string]any, id string) {
	t.p.UpdateDisplay(kernel.MIMEBundle(data), metadata, id)
}

func (t pubTarget) Clear(wait bool) { t.p.ClearOutput(wait) }

func (t pubTarget) Active() display.Target { return pubTarget{t.p.Active()} }
