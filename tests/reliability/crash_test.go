package reliability

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// runChild runs the query a crash test kills: spec is "<kind>|<arg>|...".
func runChild(spec string) error {
	parts := strings.Split(spec, "|")
	switch parts[0] {
	case "kafka":
		return kafkaChild(parts[1], parts[2])
	case "file":
		return fileChild(parts[1], parts[2])
	}
	return fmt.Errorf("unknown child %q", spec)
}

// kafkaChild copies topic "in" to topic "out" (values prefixed), checkpointed in cp,
// until all available input is written.
func kafkaChild(addrs, cp string) error {
	s := engine.NewSession()
	defer s.Stop()
	in := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("subscribe", "in").
		Option("startingOffsets", "earliest").Option("maxOffsetsPerTrigger", 10).Load()
	q, err := in.SelectExpr("CAST(key AS STRING) AS key", "concat('out-', CAST(value AS STRING)) AS value").
		WriteStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("topic", "out").
		Option("checkpointLocation", cp).Trigger(engine.AvailableNow()).Start()
	if err != nil {
		return err
	}
	return q.AwaitTermination()
}

// fileChild copies JSON files of dir/in to the file sink in dir/out-<format>, one or two
// files a batch, checkpointed in dir/cp-<format>.
func fileChild(dir, format string) error {
	s := engine.NewSession()
	defer s.Stop()
	in := s.ReadStream().SchemaDDL("id LONG, name STRING").Option("maxFilesPerTrigger", 2).JSON(filepath.Join(dir, "in"))
	q, err := in.SelectExpr("id", "upper(name) AS name").WriteStream().Format(format).
		Option("path", filepath.Join(dir, "out-"+format)).Option("checkpointLocation", filepath.Join(dir, "cp-"+format)).
		Trigger(engine.AvailableNow()).Start()
	if err != nil {
		return err
	}
	return q.AwaitTermination()
}

// killLoop starts the child spec again and again, SIGKILLing it after a random delay
// (drawn by delay), until kills children died that way; then it lets one run finish.
// When a child finishes its input before the kills are done, refill adds more input and
// the loop goes on, so the number of kills does not depend on the machine's speed. It
// returns the number of kills and of runs.
func killLoop(t *testing.T, spec string, kills int, delay func() time.Duration, refill func()) (killed, runs int) {
	t.Helper()
	for refills := 0; ; {
		runs++
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+spec)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		if killed < kills {
			timer := time.NewTimer(delay())
			select {
			case err = <-done:
				timer.Stop()
			case <-timer.C:
				cmd.Process.Signal(syscall.SIGKILL)
				err = <-done
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
						killed++
						continue
					}
				}
			}
		} else {
			err = <-done
		}
		if err != nil {
			t.Fatalf("run %d (after %d kills): child failed: %v\n%s", runs, killed, err, stderr.String())
		}
		if killed >= kills {
			return killed, runs
		}
		if refills++; refills > 100 {
			t.Fatalf("the child keeps finishing before the kill: %d kills in %d runs", killed, runs)
		}
		refill()
	}
}

// randomDelay draws kill delays uniformly from [lo, hi).
func randomDelay(seed uint64, lo, hi time.Duration) func() time.Duration {
	rng := rand.New(rand.NewPCG(seed, 99))
	return func() time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
}
