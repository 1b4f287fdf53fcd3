package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestPublisherAfterRequestConcurrent(t *testing.T) {
	h := newStub()
	k, _ := startKernel(t, h, testKey)
	c := dial(t, k.ConnectionInfo(), testKey)

	keepID := c.send(c.shell, "execute_request", map[string]any{"code": "keep"})
	c.recv(c.shellIn, "execute_reply")
	c.iopubUntilIdle(keepID)
	<-h.started
	pub := h.keptPublisher()

	// The request ended; its publisher still parents output to it, from many
	// goroutines at once (queries publishing in the background).
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				pub.Stream("stdout", fmt.Sprintf("%d/%d", w, i))
			}
		}()
	}
	wg.Wait()
	var texts []string
	perWriter := map[string]int{}
	for len(texts) < writers*each {
		select {
		case m := <-c.iopubIn:
			if m.Header.MsgType != "stream" || parentMsgID(m) != keepID {
				t.Fatalf("unexpected %s parented to %s", m.Header.MsgType, parentMsgID(m))
			}
			var sc streamContent
			if err := json.Unmarshal(m.Content, &sc); err != nil {
				t.Fatal(err)
			}
			var w, i int
			if _, err := fmt.Sscanf(sc.Text, "%d/%d", &w, &i); err != nil {
				t.Fatalf("stream text %q", sc.Text)
			}
			// One goroutine's messages keep their order.
			if want := perWriter[fmt.Sprint(w)]; i != want {
				t.Fatalf("writer %d: message %d after %d", w, i, want-1)
			}
			perWriter[fmt.Sprint(w)]++
			texts = append(texts, sc.Text)
		case <-time.After(recvTimeout):
			t.Fatalf("got %d of %d stream messages", len(texts), writers*each)
		}
	}
	sort.Strings(texts)
	for i := 1; i < len(texts); i++ {
		if texts[i] == texts[i-1] {
			t.Fatalf("duplicate %q", texts[i])
		}
	}

	// While another cell runs, Active is that cell's publisher: display updates go out
	// under the executing request, which is how frontends route them.
	runID := c.send(c.shell, "execute_request", map[string]any{"code": "sleep", "stop_on_error": false})
	<-h.started
	pub.Active().UpdateDisplay(MIMEBundle{"text/plain": "live"}, nil, "q1")
	pub.Display(MIMEBundle{"text/plain": "own"}, map[string]any{"isolated": true}, "")
	pub.ClearOutput(true)
	k.Interrupt()
	c.recv(c.shellIn, "execute_reply")
	var got []string
	for _, m := range iopubAllUntilIdle(c, runID) {
		got = append(got, parentMsgID(m)[:4]+" "+m.Header.MsgType+":"+string(m.Content))
	}
	want := []string{
		runID[:4] + ` status:{"execution_state":"busy"}`,
		runID[:4] + ` execute_input:{"code":"sleep","execution_count":2}`,
		runID[:4] + ` update_display_data:{"data":{"text/plain":"live"},"metadata":{},"transient":{"display_id":"q1"}}`,
		keepID[:4] + ` display_data:{"data":{"text/plain":"own"},"metadata":{"isolated":true},"transient":{}}`,
		keepID[:4] + ` clear_output:{"wait":true}`,
		runID[:4] + ` error:{"ename":"Interrupted","evalue":"interrupted","traceback":["Interrupted"]}`,
		runID[:4] + ` status:{"execution_state":"idle"}`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("iopub:\n%q\nwant:\n%q", got, want)
	}
	// With no cell running, Active is the publisher itself.
	if a := pub.Active(); a != pub {
		t.Errorf("Active with no cell running = %v, want the publisher itself", a)
	}

	// After the kernel closed, publishing neither blocks nor panics, and Input fails.
	k.Close()
	finished := make(chan error)
	go func() {
		pub.Stream("stdout", "too late")
		pub.UpdateDisplay(MIMEBundle{"text/plain": "x"}, nil, "q1")
		_, err := pub.Input(context.Background(), "?", false)
		finished <- err
	}()
	select {
	case err := <-finished:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Input after Close = %v, want ErrClosed", err)
		}
	case <-time.After(recvTimeout):
		t.Fatal("publishing after Close blocked")
	}
}

// iopubAllUntilIdle returns every iopub message, whatever its parent, up to the idle
// status of request parentID.
func iopubAllUntilIdle(c *client, parentID string) []*message {
	c.t.Helper()
	var got []*message
	for {
		select {
		case m := <-c.iopubIn:
			got = append(got, m)
			if parentMsgID(m) == parentID && m.Header.MsgType == "status" && jsonField(m.Content, "execution_state") == "idle" {
				return got
			}
		case <-time.After(recvTimeout):
			c.t.Fatalf("no idle for %s; got %s", parentID, describe(got))
		}
	}
}
