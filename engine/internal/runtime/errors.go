package runtime

import (
	"bytes"
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
)

// QueryError is Spark's StreamingQueryException: the error that stopped a query, with
// the query named as Spark names it.
type QueryError struct {
	ID, RunID, Name string
	// Cause is the error a source, the executor or the sink returned (or a *PanicError).
	Cause error
}

// Error is Spark's message: "Query <name> [id = <id>, runId = <runId>] terminated with
// exception: <cause>" (without the name and its space for an unnamed query).
func (e *QueryError) Error() string {
	return "Query " + prettyIDString(e.Name, e.ID, e.RunID) + " terminated with exception: " + e.Cause.Error()
}

// Unwrap gives the cause.
func (e *QueryError) Unwrap() error { return e.Cause }

// prettyIDString is Spark's StreamExecution.prettyIdString.
func prettyIDString(name, id, runID string) string {
	s := "[id = " + id + ", runId = " + runID + "]"
	if name != "" {
		s = name + " " + s
	}
	return s
}

// PanicError is a panic in a source, the executor or the sink, turned into an error so
// that the query stops instead of the process.
type PanicError struct {
	// Where names what panicked: "source <description>", "executor" or "sink".
	Where string
	Value any
	// Stack is the panicking goroutine's stack, for debugging.
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in %s: %v", e.Where, e.Value) }

// Unwrap gives the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// protect runs f, turning a panic into a *PanicError.
func protect(where string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Where: where, Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}

// goroutineID returns the current goroutine's id. Stop and AwaitTermination use it to
// notice a call from the query's own goroutine (a sink or listener stopping its query),
// which must not wait for itself.
func goroutineID() int64 {
	var buf [64]byte
	n := goruntime.Stack(buf[:], false)
	s := bytes.TrimPrefix(buf[:n], []byte("goroutine "))
	if i := bytes.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	id, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return -1
	}
	return id
}
