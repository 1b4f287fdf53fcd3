package main

import (
	"reflect"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/kernel/interp"
)

// setupDisplay returns the interpreter's Render hook. Until the display package lands,
// values render as text/plain.
func setupDisplay(session func() *interp.Session) func(reflect.Value) (kernel.MIMEBundle, bool) {
	return nil
}
