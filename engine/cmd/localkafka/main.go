// Command localkafka runs a small Kafka cluster in memory (franz-go's kfake) for demos
// and tutorials: several brokers on loopback, the given topics created, until it is
// killed. It prints the bootstrap address (the value for kafka.bootstrap.servers) on its
// first line of output, and writes it to -addr-file when given, so a notebook that starts
// it in the background (%bg) can read it.
//
//	localkafka -brokers 3 -port 9092 -topics events:3,words:1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "localkafka:", err)
		os.Exit(1)
	}
}

// run starts the cluster, reports its address and waits for ctx. ready, when not nil,
// receives the bootstrap address once the cluster listens (for tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("localkafka", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.Int("brokers", 3, "number of brokers")
	port := fs.Int("port", 9092, "port of the first broker; the others follow (0 picks free ports)")
	topics := fs.String("topics", "", "topics to create, as name:partitions,... (partitions default to -partitions)")
	partitions := fs.Int("partitions", 3, "partitions of topics created without a count, also when auto-created")
	autoCreate := fs.Bool("auto-create", true, "create topics on first use, as a default Kafka broker does")
	addrFile := fs.String("addr-file", "", "also write the bootstrap address to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *brokers < 1 {
		return errors.New("-brokers must be at least 1")
	}
	if *partitions < 1 {
		return errors.New("-partitions must be at least 1")
	}
	opts := []kfake.Opt{kfake.NumBrokers(*brokers), kfake.DefaultNumPartitions(*partitions)}
	if *port != 0 {
		ports := make([]int, *brokers)
		for i := range ports {
			ports[i] = *port + i
		}
		opts = append(opts, kfake.Ports(ports...))
	}
	if *autoCreate {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	specs, err := parseTopics(*topics, int32(*partitions))
	if err != nil {
		return err
	}
	for _, s := range specs {
		opts = append(opts, kfake.SeedTopics(s.partitions, s.name))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("starting the cluster (is something already listening on port %d? try -port 0): %w", *port, err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(addr+"\n"), 0o644); err != nil {
			return fmt.Errorf("writing the address file: %w", err)
		}
	}
	fmt.Fprintln(stdout, addr)
	for _, s := range specs {
		fmt.Fprintf(stdout, "topic %s: %d partitions\n", s.name, s.partitions)
	}
	fmt.Fprintf(stdout, "%d brokers running; stop with Ctrl-C or kill\n", *brokers)
	if ready != nil {
		ready <- addr
	}
	<-ctx.Done()
	return nil
}

type topicSpec struct {
	name       string
	partitions int32
}

// parseTopics reads "events:3,words" (partitions defaulting to def).
func parseTopics(s string, def int32) ([]topicSpec, error) {
	var out []topicSpec
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, count, hasCount := strings.Cut(item, ":")
		spec := topicSpec{name: strings.TrimSpace(name), partitions: def}
		if spec.name == "" {
			return nil, fmt.Errorf("-topics: empty topic name in %q", item)
		}
		if hasCount {
			n, err := strconv.Atoi(strings.TrimSpace(count))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("-topics: bad partition count in %q", item)
			}
			spec.partitions = int32(n)
		}
		out = append(out, spec)
	}
	return out, nil
}
