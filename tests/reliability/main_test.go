package reliability

import (
	"fmt"
	"os"
	"testing"
)

// childEnv selects a child process's body: the crash tests re-execute this test binary
// with it set ("<kind>|<args>"), kill the child at random points and start it again.
const childEnv = "RUNNEL_RELIABILITY_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := runChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
