// Command runnel is the Runnel Jupyter kernel: Go cells run by yaegi. Jupyter starts it
// with the connection file of a session:
//
//	runnel --connection-file /path/to/kernel-1234.json [--log /tmp/runnel.log]
//
// SIGINT interrupts the running cell (as interrupt_request does); SIGTERM shuts the
// kernel down cleanly, stopping the background jobs its magics started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/runnel-go/runnel/engine"
	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/kernel/cmd/runnel/symbols"
	"github.com/runnel-go/runnel/kernel/interp"
	"github.com/runnel-go/runnel/magics"
	yaegi "github.com/traefik/yaegi/interp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "runnel:", err)
		os.Exit(1)
	}
}

func run() error {
	var connFile, logPath string
	flag.StringVar(&connFile, "connection-file", "", "Jupyter connection file (JSON)")
	flag.StringVar(&connFile, "f", "", "shorthand for --connection-file")
	flag.StringVar(&logPath, "log", "", "append the kernel's log to this file (default: stderr)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Println("runnel", interp.Version)
		return nil
	}
	if connFile == "" && flag.NArg() == 1 {
		connFile = flag.Arg(0)
	}
	if connFile == "" {
		flag.Usage()
		return errors.New("no connection file")
	}

	var logOut io.Writer = os.Stderr
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("opening the log: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil))

	set := magics.New()
	session, closeDisplay, err := newSession(set)
	if err != nil {
		set.Close()
		return fmt.Errorf("starting the interpreter: %w", err)
	}
	defer stopChildren(logger) // last: processes the cells left running
	defer closeDisplay()       // after stopQueries: the live views' last updates
	defer stopQueries(logger)
	k, err := kernel.Open(connFile, session, logger)
	if err != nil {
		session.Shutdown(false)
		return err
	}
	logger.Info("runnel kernel started", "version", interp.Version, "connection_file", connFile, "pid", os.Getpid())

	// SIGTERM ends Serve, which shuts the session down; SIGINT only interrupts a cell.
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

	err = k.Serve(ctx)
	stop()
	if cerr := k.Close(); err == nil && cerr != nil && !errors.Is(cerr, kernel.ErrClosed) {
		err = cerr
	}
	logger.Info("runnel kernel stopped")
	return err
}

// newSession starts the interpreter with the engine's packages importable and the
// engine's output routed to cells: a query prints, for its whole life, into the cell
// that started it, and its callbacks run as work of that cell. closeDisplay stops the
// live views' updaters.
func newSession(set *magics.Set) (_ *interp.Session, closeDisplay func(), _ error) {
	var session *interp.Session
	opts := interp.Options{
		Symbols:    []yaegi.Exports{symbols.Symbols},
		DocSources: symbols.DocSources(),
		Magics:     set,
	}
	opts.Render, closeDisplay = setupDisplay(func() *interp.Session { return session })
	session, err := interp.New(opts)
	if err != nil {
		closeDisplay()
		return nil, nil, err
	}
	engine.SetOutput(func() io.Writer { return session.CellWriter("stdout") })
	engine.SetCallbackContextHook(session.RunCallback)
	return session, closeDisplay, nil
}

// stopQueries stops every query the cells started, so that none outlives the kernel;
// a query stuck in user code does not hold the kernel's exit for long.
func stopQueries(logger *slog.Logger) {
	done := make(chan struct{})
	go func() {
		engine.StopAll()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		logger.Warn("some queries did not stop within 3 s; exiting anyway")
	}
}
