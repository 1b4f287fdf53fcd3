package kernel

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// BenchmarkExecuteRoundTrip measures one cell as a frontend sees it over loopback: send
// execute_request "1+1" to a stub handler that streams it and returns it as the result,
// then wait for execute_reply and the idle status on iopub. It reports the median and
// the 99th percentile.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	k, _ := startKernel(b, newStub(), testKey)
	c := dial(b, k.ConnectionInfo(), testKey)
	content := map[string]any{"code": "1+1", "silent": false, "store_history": true, "allow_stdin": false}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		id := c.send(c.shell, "execute_request", content)
		c.recv(c.shellIn, "execute_reply")
		c.iopubUntilIdle(id)
		times = append(times, time.Since(start))
		<-k.h.(*stubHandler).started
	}
	reportPercentiles(b, times)
}

// BenchmarkZMQEchoRoundTrip is the floor under the one above: a DEALER sends a
// six-frame message of the same size to a ROUTER that echoes it back, with zmq4 alone.
func BenchmarkZMQEchoRoundTrip(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	router := zmq4.NewRouter(ctx)
	defer router.Close()
	if err := router.Listen("tcp://127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			m, err := router.Recv()
			if err != nil {
				return
			}
			if err := router.SendMulti(m); err != nil {
				return
			}
		}
	}()
	dealer := zmq4.NewDealer(ctx)
	defer dealer.Close()
	if err := dealer.Dial(router.Addr().Network() + "://" + router.Addr().String()); err != nil {
		b.Fatal(err)
	}
	frames := encodeJSON(b, signer{key: []byte(testKey)}, msgHeader{MsgID: "0123456789abcdef0123456789abcdef", Session: "0123456789abcdef0123456789abcdef",
		Username: "test", Date: time.Now().UTC().Format(time.RFC3339Nano), MsgType: "execute_request", Version: protocolVersion},
		map[string]any{"code": "1+1", "silent": false, "store_history": true, "allow_stdin": false})
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := dealer.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			b.Fatal(err)
		}
		if _, err := dealer.Recv(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	reportPercentiles(b, times)
}

func reportPercentiles(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	at := func(p float64) float64 {
		return float64(times[int(p*float64(len(times)-1))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkPublishStream measures one stream message from Publisher.Stream to a
// subscribed client (encode, sign, queue, send, receive), as a cell printing in a loop.
func BenchmarkPublishStream(b *testing.B) {
	h := newStub()
	k, _ := startKernel(b, h, testKey)
	c := dial(b, k.ConnectionInfo(), testKey)
	id := c.send(c.shell, "execute_request", map[string]any{"code": "keep"})
	c.recv(c.shellIn, "execute_reply")
	c.iopubUntilIdle(id)
	pub := h.keptPublisher()
	b.ResetTimer()
	for b.Loop() {
		pub.Stream("stdout", "a line of output\n")
		select {
		case <-c.iopubIn:
		case <-time.After(recvTimeout):
			b.Fatal("stream message lost")
		}
	}
}
