// Package magics turns magic lines (%env, !ls, %bg ...) and cell magics (%%writefile,
// %%bash, %%time) into actions. It knows nothing of Jupyter's wire: output goes to the
// writers of an Env.
package magics

import (
	"context"
	"io"
)

// Env is what a magic may use while it runs.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	// RunCode evaluates Go source as a cell would (used by %%time); nil when not available.
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
}

// Set is the registry of magics of one kernel session and the background jobs they
// started; Close stops every job.
type Set struct{}
