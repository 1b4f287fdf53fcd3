// Package magics turns magic lines (%env, !ls, %bg ...) and cell magics (%%writefile,
// %%bash, %%time) into actions. It knows nothing of Jupyter's wire: output goes to the
// writers of an Env.
//
// # Syntax
//
// A cell magic is a cell whose first non-blank line starts with "%%" ("%%writefile f.go");
// the rest of the cell is its body. Any other cell may mix Go code and magic lines. A magic
// line starts at column 0 with "%" (a line magic such as "%cd /tmp") or "!" (a shell
// command). A line is never taken for a magic when it continues Go code: inside a raw
// string or a block comment, or after a line that ends with an operator, "(", "," or "."
// (gofmt indents such lines anyway, so "\t!ok" is always Go).
//
// # Dispatch (what the kernel calls)
//
//	set := magics.New()          // one per kernel session
//	defer set.Close()            // stops every background job: no orphans
//	err := set.RunCell(ctx, cell, env)
//
// RunCell runs a cell magic, or runs a mixed cell's magic lines and Go chunks in order,
// handing each Go chunk to env.RunCode. It stops at the first error. Go chunks are padded
// with blank lines (Chunk.Padded) so that positions in Go errors are the cell's lines.
// A kernel that wants to keep the value of the cell's last Go chunk records it inside its
// RunCode (and forgets it when a magic line comes last), or walks Split itself:
//
//	for _, c := range magics.Split(cell) {
//		if c.Magic {
//			err = set.RunLine(ctx, c.Text, env) // also runs a whole cell magic
//		} else {
//			err = eval(ctx, c.Padded())
//		}
//	}
//
// IsCellMagic and HasMagic tell a kernel whether a cell needs the magics at all; Names
// lists "%name" and "%%name" for completion and Lookup gives a magic's usage and help for
// inspection. Errors: *UnknownMagicError (names what exists), *ExitError (a command's
// exit status or signal), ErrClosed (after Close), and an interrupted command's error
// wraps ctx.Err().
//
// # Processes
//
// "!cmd" and "%%bash" run /bin/bash in a process group of their own and stream its output
// live to env.Stdout and env.Stderr. Cancelling ctx (an interrupt) sends SIGINT to the
// group, SIGKILL after a grace period; when the command ends, processes it left running
// are killed: background work belongs to "%bg cmd". A job started by %bg outlives its
// cell; its output goes to a bounded log read by "%logs N". Jobs are reaped when they
// exit, and killed group by group by %kill, by Close, or by the death of the kernel
// process (a death signal that the job's wrapper passes on to its whole group). Close
// also stops the commands of cells still running.
package magics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Env is what a magic may use while it runs.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	// RunCode evaluates Go source as a cell would (used by %%time); nil when not available.
	// The source is pure Go: magic lines never reach it. It is padded with leading blank
	// lines so that line numbers in errors match the cell's lines.
	RunCode func(ctx context.Context, code string) error
}

// Magic is one magic command.
type Magic struct {
	Name string // without % or %%
	Cell bool   // a cell magic (%%name): Run gets the cell's body
	Help string // one line
	// Run does the work. args is the rest of the magic line; body is the cell after the
	// first line (cell magics only).
	Run func(ctx context.Context, s *Set, env Env, args, body string) error
	// Usage is the magic's syntax, e.g. "%%writefile [-a] FILE"; shown by %help.
	Usage string
}

// Set is the registry of magics of one kernel session and the background jobs they
// started; Close stops every job.
type Set struct {
	magics map[string]Magic // by Name; line and cell magics share one namespace

	// grace is how long a job gets between SIGTERM and SIGKILL.
	grace time.Duration
	// logSize bounds each background job's log.
	logSize int

	mu     sync.Mutex
	closed bool
	jobs   []*job // by id-1
	// foreground holds the process groups of running !cmd and %%bash commands.
	foreground map[int]struct{}
	prevDir    string // for "%cd -"
	wg         sync.WaitGroup
}

// ErrClosed is returned by magics that would start a process after Close.
var ErrClosed = errors.New("magics: set is closed")

// UnknownMagicError reports a magic that is not registered.
type UnknownMagicError struct {
	Name      string   // as written, with its % or %% prefix
	Available []string // Names() of the set
}

func (e *UnknownMagicError) Error() string {
	return fmt.Sprintf("unknown magic %s; available: %s", e.Name, strings.Join(e.Available, " "))
}

// New returns a Set holding the built-in magics.
func New() *Set {
	s := &Set{
		magics:     make(map[string]Magic),
		foreground: make(map[int]struct{}),
		grace:      3 * time.Second,
		logSize:    1 << 20,
	}
	for _, m := range builtins() {
		s.magics[m.Name] = m
	}
	return s
}

// Register adds m, replacing a magic of the same name.
func (s *Set) Register(m Magic) error {
	if m.Name == "" || m.Run == nil || strings.ContainsAny(m.Name, " \t\n%!") {
		return fmt.Errorf("magics: registering %q: need a plain name and a Run function", m.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.magics[m.Name] = m
	return nil
}

// Names returns every magic with its prefix ("%cd", "%%bash"), line magics first, each
// group sorted.
func (s *Set) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var line, cell []string
	for _, m := range s.magics {
		if m.Cell {
			cell = append(cell, "%%"+m.Name)
		} else {
			line = append(line, "%"+m.Name)
		}
	}
	sort.Strings(line)
	sort.Strings(cell)
	return append(line, cell...)
}

// Lookup returns the magic called name (without its % or %% prefix).
func (s *Set) Lookup(name string) (Magic, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.magics[name]
	return m, ok
}

// RunCell runs a whole cell: a cell magic, or the magic lines and Go chunks of a mixed
// cell in order (Go through env.RunCode). It returns the first error.
func (s *Set) RunCell(ctx context.Context, cell string, env Env) error {
	return s.runChunks(ctx, Split(cell), 0, env)
}

// runChunks runs chunks in order, their lines shifted down by offset (the body of a cell
// magic starts below the magic's line).
func (s *Set) runChunks(ctx context.Context, chunks []Chunk, offset int, env Env) error {
	for i, c := range chunks {
		c.Line += offset
		var err error
		if c.Magic && i > 0 && strings.HasPrefix(c.Text, "%%") {
			name, _ := splitName(c.Text[2:])
			return fmt.Errorf("line %d: %%%%%s is a cell magic: it must be the first line of its cell", c.Line, name)
		}
		if c.Magic {
			err = s.RunLine(ctx, c.Text, env)
		} else {
			if env.RunCode == nil {
				return fmt.Errorf("line %d: Go code needs an interpreter, and none is available", c.Line)
			}
			err = env.RunCode(ctx, c.Padded())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// RunLine runs one magic: a line magic ("%cd /tmp"), a shell line ("!ls"), or a whole
// cell magic: "%%name args\nbody", as the Chunk of Split holds it ("%%name args" alone
// has an empty body).
func (s *Set) RunLine(ctx context.Context, line string, env Env) error {
	env = env.withDefaults()
	text := strings.TrimLeft(line, " \t\r\n")
	first, body, _ := strings.Cut(text, "\n")
	first = strings.TrimRight(first, " \t\r")
	switch {
	case strings.HasPrefix(first, "!"):
		if body != "" {
			return fmt.Errorf("shell line %q: one command per line", first)
		}
		return s.runShell(ctx, env, strings.TrimSpace(first[1:]))
	case strings.HasPrefix(first, "%%"):
		name, args := splitName(first[2:])
		m, ok := s.Lookup(name)
		if !ok {
			return &UnknownMagicError{Name: "%%" + name, Available: s.Names()}
		}
		if !m.Cell {
			return fmt.Errorf("%%%s is a line magic: write %%%s %s", name, name, args)
		}
		return m.Run(ctx, s, env, args, body)
	case strings.HasPrefix(first, "%"):
		if body != "" {
			return fmt.Errorf("line magic %q: one magic per line", first)
		}
		name, args := splitName(first[1:])
		m, ok := s.Lookup(name)
		if !ok {
			return &UnknownMagicError{Name: "%" + name, Available: s.Names()}
		}
		if m.Cell {
			return fmt.Errorf("%%%%%s is a cell magic: it must be the first line of its cell", name)
		}
		return m.Run(ctx, s, env, args, "")
	}
	return fmt.Errorf("not a magic: %q", first)
}

// splitName splits "name rest of line" after the magic's prefix.
func splitName(s string) (name, args string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func (e Env) withDefaults() Env {
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	return e
}

// homeDir is where "%cd" alone goes.
func homeDir() (string, error) {
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory: %w", err)
	}
	return h, nil
}
