package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRunServesTopicsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrFile := filepath.Join(t.TempDir(), "addr")
	var out, errOut bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-brokers", "3", "-port", "0", "-topics", "events:4,words", "-partitions", "2", "-addr-file", addrFile}, &out, &errOut, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended: %v\n%s", err, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("cluster not ready")
	}
	if n := len(strings.Split(addr, ",")); n != 3 {
		t.Errorf("address %q has %d brokers, want 3", addr, n)
	}
	if got, _ := os.ReadFile(addrFile); strings.TrimSpace(string(got)) != addr {
		t.Errorf("address file %q, want %q", got, addr)
	}
	lines := strings.Split(out.String(), "\n")
	if lines[0] != addr || lines[1] != "topic events: 4 partitions" || lines[2] != "topic words: 2 partitions" {
		t.Errorf("output:\n%s", out.String())
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addr, ",")...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, tp := range resp.Topics {
		parts[*tp.Topic] = len(tp.Partitions)
	}
	if parts["events"] != 4 || parts["words"] != 2 || len(resp.Brokers) != 3 {
		t.Errorf("topics %v, %d brokers", parts, len(resp.Brokers))
	}
	// Topics are auto-created on first produce, as with a default broker.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "new-topic", Value: []byte("x")}).FirstErr(); err != nil {
		t.Errorf("producing to a new topic: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"-topics=a:x":   `-topics: bad partition count in "a:x"`,
		"-brokers=0":    "-brokers must be at least 1",
		"-topics=:3":    `-topics: empty topic name in ":3"`,
		"-partitions=0": "-partitions must be at least 1",
	} {
		err := run(context.Background(), []string{args}, &bytes.Buffer{}, &bytes.Buffer{}, nil)
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}
