package interp

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
)

// The cell rewriter turns `go f(x)` into `rt.Spawn(f, x)` and the final expression E
// into `rt.Result(E)`; rt is imported under rtName, a name no Go source can spell.
const (
	rtPath = "runnel/rt"
	rtName = "runnel·rt"
)

// interrupted is the panic that unwinds interpreted code blocked in a call the
// interpreter cannot cancel (time.Sleep) when the cell is interrupted.
type interrupted struct{}

func (interrupted) Error() string { return "interrupted" }

// runtimeSymbols are the functions rewritten cells call.
func (s *Session) runtimeSymbols() yaegi.Exports {
	result := reflect.ValueOf(s.result)
	return yaegi.Exports{
		// Values of interpreted types reach Result wrapped so that their String and
		// Error methods are visible to compiled code, as for fmt.Print.
		".": {"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{
			result: {reflect.TypeOf((*fmt.Stringer)(nil)).Elem(), reflect.TypeOf((*error)(nil)).Elem()},
		})},
		rtPath + "/rt": {
			"Spawn":       reflect.ValueOf(func(f any, args ...any) { s.spawn(false, f, args) }),
			"SpawnSpread": reflect.ValueOf(func(f any, args ...any) { s.spawn(true, f, args) }),
			"Result":      result,
			"At":          reflect.ValueOf(s.at),
			"Hold":        reflect.ValueOf(s.hold),
			"Poll":        reflect.ValueOf(s.poll),
			"Stopping":    reflect.ValueOf(&s.stops.flag),
		},
		// Functions that run a callback on a goroutine of their own: guarded like
		// a cell's go statement.
		"time/time": {
			"Sleep": reflect.ValueOf(s.sleep),
			"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
				run := s.guard(f)
				return time.AfterFunc(d, run)
			}),
		},
		"context/context": {
			"AfterFunc": reflect.ValueOf(func(ctx context.Context, f func()) (stop func() bool) {
				return context.AfterFunc(ctx, s.guard(f))
			}),
		},
	}
}

// result records the values of a cell's final expression.
func (s *Session) result(vs ...any) {
	c, rt := s.router.cellFor()
	if c == nil || rt != nil {
		return
	}
	c.mu.Lock()
	mine := c.mainG == goid()
	c.mu.Unlock()
	if mine { // not the abandoned goroutine of an interrupted cell
		c.setResult(vs)
	}
}

// at records that top-level statement i of cell id starts. An interrupted cell whose
// goroutine was left blocked in compiled code (the interpreter cannot cancel it) may
// resume later, while another cell runs: it is stopped here, at its next statement.
func (s *Session) at(id int64, i int) {
	c, rt := s.router.cellFor()
	if rt != nil {
		return
	}
	if c == nil || c.id != id {
		panic(interrupted{})
	}
	c.mu.Lock()
	c.at = i
	if c.mainG == 0 {
		c.mainG = goid()
	}
	c.mu.Unlock()
}

// sleep is time.Sleep for interpreted code: an interrupt ends it, and so does a request
// to stop the calling goroutine (a callback of a stopped query, see callback.go).
func (s *Session) sleep(d time.Duration) {
	ch := s.router.interruptChan()
	stop := s.stopChan() // nil, never ready, for a goroutine not registered
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ch:
		panic(interrupted{})
	case <-stop:
		panic(interrupted{})
	}
}

// spawn runs a cell's go statement: f(args...) on a new goroutine whose output goes to
// the cell of the goroutine that ran the statement, and whose panic is reported on that
// cell's stderr instead of killing the kernel. f and args were evaluated by the caller,
// as `go` evaluates them.
func (s *Session) spawn(spread bool, f any, args []any) {
	fv := reflect.ValueOf(f)
	if fv.Kind() != reflect.Func {
		panic(fmt.Sprintf("go statement: %T is not a function", f))
	}
	in, err := callArgs(fv.Type(), args, spread)
	if err != nil {
		panic(fmt.Sprintf("go statement: %v", err))
	}
	run := s.guard(func() {
		if spread {
			fv.CallSlice(in)
		} else {
			fv.Call(in)
		}
	})
	go run()
}

// guard returns f made to run for the calling goroutine's cell, on whatever goroutine
// calls it: its output goes to that cell and its panic is reported there.
func (s *Session) guard(f func()) func() {
	c, _ := s.router.cellFor()
	return func() {
		id := goid()
		rt := &routine{cell: c}
		s.router.register(id, rt)
		defer s.router.unregister(id)
		defer func() {
			if r := recover(); r != nil {
				s.goroutinePanic(rt, r)
			}
		}()
		f()
	}
}

// goroutinePanic writes a goroutine's panic to its cell's stderr.
func (s *Session) goroutinePanic(rt *routine, r any) {
	if _, ok := r.(interrupted); ok || rt.cell == nil {
		return // an interrupt stops every interpreted goroutine; nothing to report
	}
	s.router.mu.Lock()
	trace := rt.panics
	rt.panics = nil
	s.router.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "panic in goroutine: %v\n", panicValue(r))
	for _, l := range traceLines(trace) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	rt.cell.out.write("stderr", []byte(b.String()))
}

// panicValue unwraps the interpreter's wrapping of a recovered value.
func panicValue(r any) any {
	if p, ok := r.(yaegi.Panic); ok {
		return p.Value
	}
	return r
}

// callArgs converts the arguments of a go statement to f's parameter types, as the
// assignment of untyped constants and nil would have.
func callArgs(ft reflect.Type, args []any, spread bool) ([]reflect.Value, error) {
	n := ft.NumIn()
	switch {
	case spread && len(args) != n:
		return nil, fmt.Errorf("%d arguments for %s", len(args), ft)
	case !ft.IsVariadic() && len(args) != n, ft.IsVariadic() && len(args) < n-1:
		return nil, fmt.Errorf("%d arguments for %s", len(args), ft)
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		var pt reflect.Type
		if ft.IsVariadic() && !spread && i >= n-1 {
			pt = ft.In(n - 1).Elem()
		} else {
			pt = ft.In(i)
		}
		v := reflect.ValueOf(a)
		switch {
		case !v.IsValid():
			v = reflect.Zero(pt)
		case v.Type().AssignableTo(pt):
		case v.Type().ConvertibleTo(pt):
			v = v.Convert(pt)
		default:
			return nil, fmt.Errorf("cannot use %s as %s in argument %d", v.Type(), pt, i+1)
		}
		in[i] = v
	}
	return in, nil
}
