package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/exec"
	"github.com/runnel-go/runnel/engine/internal/interval"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/sink"
	"github.com/runnel-go/runnel/engine/internal/sink/file"
	ksink "github.com/runnel-go/runnel/engine/internal/sink/kafka"
	"github.com/runnel-go/runnel/engine/internal/source"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
)

// Trigger says when a query runs its batches.
type Trigger struct {
	kind     runtime.TriggerKind
	interval int64
	err      error
}

// ProcessingTime runs a batch every interval, in Spark's interval text ("2 seconds").
func ProcessingTime(interval string) Trigger {
	return intervalTrigger(runtime.TriggerProcessingTime, interval)
}

// ProcessingTimeEvery is ProcessingTime with a time.Duration.
func ProcessingTimeEvery(d time.Duration) Trigger {
	return Trigger{kind: runtime.TriggerProcessingTime, interval: d.Microseconds()}
}

// Continuous runs the query continuously with a checkpoint interval (map-like queries).
func Continuous(checkpointInterval string) Trigger {
	return intervalTrigger(runtime.TriggerContinuous, checkpointInterval)
}

func intervalTrigger(kind runtime.TriggerKind, every string) Trigger {
	us, err := interval.DurationMicros(every)
	if err != nil {
		return Trigger{err: err}
	}
	if us < 0 {
		return Trigger{err: fmt.Errorf("interval cannot be negative: %s", every)}
	}
	return Trigger{kind: kind, interval: us}
}

// Once runs a single batch and stops.
func Once() Trigger { return Trigger{kind: runtime.TriggerOnce} }

// AvailableNow processes everything available at start, in batches honouring the
// sources' limits, and stops.
func AvailableNow() Trigger { return Trigger{kind: runtime.TriggerAvailableNow} }

// DataStreamWriter starts a streaming query (df.writeStream).
type DataStreamWriter struct {
	df           *DataFrame
	mode         string
	format       string
	options      map[string]string
	name         string
	trigger      Trigger
	foreachBatch func(df *DataFrame, epochID int64) error
	foreach      func(row Row) error
}

// WriteStream starts configuring a streaming query.
func (df *DataFrame) WriteStream() *DataStreamWriter {
	return &DataStreamWriter{df: df, mode: "append", options: map[string]string{}}
}

// OutputMode sets append (default), complete or update.
func (w *DataStreamWriter) OutputMode(mode string) *DataStreamWriter { w.mode = mode; return w }

// Format sets the sink: console, memory, csv, json, parquet, kafka, noop.
func (w *DataStreamWriter) Format(f string) *DataStreamWriter {
	w.format = strings.ToLower(f)
	return w
}

// Option sets a sink option ("checkpointLocation", "path", "numRows", "truncate").
func (w *DataStreamWriter) Option(key string, value any) *DataStreamWriter {
	w.options[key] = confString(value)
	return w
}

// Options sets several options.
func (w *DataStreamWriter) Options(opts map[string]string) *DataStreamWriter {
	maps.Copy(w.options, opts)
	return w
}

// QueryName names the query (and the memory sink's table).
func (w *DataStreamWriter) QueryName(name string) *DataStreamWriter { w.name = name; return w }

// Trigger sets when batches run.
func (w *DataStreamWriter) Trigger(t Trigger) *DataStreamWriter { w.trigger = t; return w }

// ForeachBatch hands each batch's result to fn as a static DataFrame; an error or a panic
// in fn stops the query and becomes its Exception.
func (w *DataStreamWriter) ForeachBatch(fn func(df *DataFrame, epochID int64) error) *DataStreamWriter {
	w.foreachBatch = fn
	return w
}

// Foreach hands each result row to fn; an error or a panic stops the query.
func (w *DataStreamWriter) Foreach(fn func(row Row) error) *DataStreamWriter {
	w.foreach = fn
	return w
}

// PartitionBy is accepted for file sinks' compatibility and ignored.
func (w *DataStreamWriter) PartitionBy(cols ...string) *DataStreamWriter { return w }

func (w *DataStreamWriter) option(key string) (string, bool) {
	for k, v := range w.options {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// Start starts the query; path is the file sink's output path.
func (w *DataStreamWriter) Start(path ...string) (*StreamingQuery, error) {
	df := w.df
	if df.err != nil {
		return nil, df.err
	}
	if w.trigger.err != nil {
		return nil, w.trigger.err
	}
	if !plan.IsStreaming(df.plan) {
		return nil, plan.ErrBatchStart
	}
	mode, err := plan.ModeName(w.mode)
	if err != nil {
		return nil, err
	}
	if err := plan.CheckStreaming(df.plan, mode); err != nil {
		return nil, err
	}
	trigger := runtime.Trigger{Kind: w.trigger.kind, IntervalMicros: w.trigger.interval}
	continuous := w.trigger.kind == runtime.TriggerContinuous
	s := df.session
	if len(path) > 0 {
		w.options["path"] = path[0]
	}
	out := currentOutput()
	loc := s.location()
	conf := s.confSnapshot()

	format := w.format
	switch {
	case w.foreachBatch != nil:
		format = "foreachBatch"
	case w.foreach != nil:
		format = "foreach"
	case format == "":
		format = strings.ToLower(s.Conf().Get("spark.sql.sources.default", "parquet"))
	}
	if continuous {
		if err := checkContinuousSink(format, w.trigger.interval); err != nil {
			return nil, err
		}
		if err := checkContinuous(df.plan); err != nil {
			return nil, err
		}
	}
	cpDir, _ := w.option("checkpointLocation")
	if cpDir == "" {
		if root := conf["spark.sql.streaming.checkpointLocation"]; root != "" && w.name != "" {
			cpDir = filepath.Join(root, w.name)
		}
	}
	// The checkpoint is opened here so that sinks needing the query id (Kafka's
	// transactions) get it before the query starts.
	var cp *checkpoint.Checkpoint
	if cpDir != "" {
		if cp, err = openCheckpoint(cpDir); err != nil {
			return nil, err
		}
	}
	rmode := map[string]runtime.OutputMode{plan.Append: runtime.Append, plan.Update: runtime.Update, plan.Complete: runtime.Complete}[mode]
	schema := df.plan.Schema()

	var snk runtime.Sink
	var memory *sink.Memory
	switch format {
	case "foreachBatch":
		fn := w.foreachBatch
		snk = sink.NewForeachBatch(func(ctx context.Context, id int64, data *batch.Batch) error {
			bdf := &DataFrame{session: s, plan: staticRelation(data), out: out}
			return callUser(ctx, out, "foreachBatch", func() error { return fn(bdf, id) })
		})
	case "foreach":
		fn := w.foreach
		snk = sink.NewForeachBatch(func(ctx context.Context, id int64, data *batch.Batch) error {
			rows := rowsOf(data, loc)
			return callUser(ctx, out, "foreach", func() error {
				for _, r := range rows {
					if err := fn(r); err != nil {
						return err
					}
				}
				return nil
			})
		})
	case "console":
		c, err := sink.NewConsole(out, schema, w.options, loc)
		if err != nil {
			return nil, err
		}
		snk = c
	case "memory":
		if w.name == "" {
			return nil, errors.New("queryName must be specified for memory sink")
		}
		// Update mode appends the changed rows, as Spark's memory sink does.
		memory = sink.NewMemory(schema, rmode)
		snk = memory
	case "kafka":
		id := ""
		if cp != nil {
			id = cp.ID()
		}
		if continuous {
			ks, err := ksink.NewContinuousSink(w.options, schema)
			if err != nil {
				return nil, err
			}
			snk = ks
			break
		}
		ks, err := ksink.NewSink(w.options, schema, id)
		if err != nil {
			return nil, err
		}
		snk = ks
	case "noop":
		snk = sink.NewForeachBatch(func(context.Context, int64, *batch.Batch) error { return nil })
	case "csv", "json", "parquet":
		if err := file.CheckOutputMode(w.format, mode); err != nil {
			return nil, err
		}
		if cpDir == "" {
			return nil, file.ErrCheckpointLocationRequired
		}
		p, _ := w.option("path")
		fs, err := file.New(format, p, w.options, schema, loc)
		if err != nil {
			return nil, err
		}
		snk = fs
	default:
		return nil, fmt.Errorf("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: %s.", format)
	}

	if continuous {
		if cs := continuousSink(format, w, out, loc); cs != nil {
			snk = cs
		}
	}
	// Until the query owns the sink, a failed start closes it (the Kafka producer).
	closeSink := func() {
		if c, ok := snk.(io.Closer); ok {
			c.Close()
		}
	}

	srcNodes := plan.Sources(df.plan)
	executor, err := exec.NewIncremental(df.plan, mode, srcNodes, exec.Options{Location: loc, CheckpointDir: cpDir})
	if err != nil {
		closeSink()
		return nil, err
	}
	var srcs []source.Source
	closeAll := func() {
		for _, src := range srcs {
			src.Close()
		}
		closeSink()
	}
	for i, n := range srcNodes {
		spec := source.Spec{Format: n.Format, Options: n.Options, Schema: n.Out, Paths: n.Paths, Location: loc, DefaultParallelism: defaultParallelism(conf)}
		if cpDir != "" {
			spec.MetadataDir = filepath.Join(cpDir, "sources", strconv.Itoa(i))
		}
		src, err := openSource(spec)
		if err != nil {
			closeAll()
			return nil, err
		}
		srcs = append(srcs, src)
	}
	cfg := runtime.Config{
		Name:          w.name,
		Sources:       srcs,
		Executor:      executor,
		Sink:          snk,
		Trigger:       trigger,
		Mode:          rmode,
		CheckpointDir: cpDir,
		Checkpoint:    cp,
		Output:        out,
		Conf:          conf,
	}
	rq, err := s.streams.m.Start(cfg)
	if err != nil {
		closeAll()
		return nil, err
	}
	if memory != nil {
		s.registerView(w.name, &plan.Relation{Out: schema, Data: func() ([]*batch.Batch, error) {
			_, rows := memory.Rows()
			return rows, nil
		}})
	}
	return s.streams.wrap(rq), nil
}

func defaultParallelism(conf map[string]string) int {
	if n, err := strconv.Atoi(conf["spark.default.parallelism"]); err == nil && n > 0 {
		return n
	}
	return 1
}

func openSource(spec source.Spec) (source.Source, error) {
	if spec.Format == "kafka" {
		return ksource.NewSource(spec.Options, spec.MetadataDir)
	}
	return source.Open(spec)
}

func staticRelation(data *batch.Batch) plan.Node {
	bs := []*batch.Batch{data}
	return &plan.Relation{Out: data.Schema, Data: func() ([]*batch.Batch, error) { return bs, nil }}
}

// callUser runs user code on a query's goroutine through the embedding's callback hook,
// turning a panic into the query's error.
func callUser(ctx context.Context, w io.Writer, what string, fn func() error) (err error) {
	herr := runCallback(ctx, w, func() {
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(error); ok {
					err = fmt.Errorf("panic in %s function: %w", what, e)
				} else {
					err = fmt.Errorf("panic in %s function: %v", what, r)
				}
			}
		}()
		err = fn()
	})
	if err == nil && herr != nil {
		err = fmt.Errorf("%s function: %w", what, herr)
	}
	return err
}

// DataFrameWriter writes a static DataFrame (df.write).
type DataFrameWriter struct {
	df      *DataFrame
	format  string
	mode    string
	options map[string]string
}

// Write starts configuring a batch write.
func (df *DataFrame) Write() *DataFrameWriter {
	return &DataFrameWriter{df: df, mode: "errorifexists", options: map[string]string{}}
}

// Format sets csv, json or parquet.
func (w *DataFrameWriter) Format(f string) *DataFrameWriter { w.format = strings.ToLower(f); return w }

// Mode sets what happens when the output exists: error/errorifexists (default), append,
// overwrite, ignore.
func (w *DataFrameWriter) Mode(m string) *DataFrameWriter { w.mode = strings.ToLower(m); return w }

// Option sets a writer option.
func (w *DataFrameWriter) Option(key string, value any) *DataFrameWriter {
	w.options[key] = confString(value)
	return w
}

// Save writes the DataFrame's rows to path.
func (w *DataFrameWriter) Save(path string) error {
	df := w.df
	b, err := df.collect()
	if err != nil {
		return err
	}
	format := w.format
	if format == "" {
		format = "parquet"
	}
	if !file.IsFormat(format) {
		return fmt.Errorf("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: %s.", format)
	}
	exists := file.HasMetadata(path) || dirHasFiles(path)
	switch w.mode {
	case "error", "errorifexists", "default", "":
		if exists {
			return fmt.Errorf("[PATH_ALREADY_EXISTS] Path %s already exists. Set mode as \"overwrite\" to overwrite the existing path.", path)
		}
	case "ignore":
		if exists {
			return nil
		}
	case "overwrite":
		if err := removeAll(path); err != nil {
			return err
		}
	case "append":
	default:
		return fmt.Errorf("Unknown save mode: %s. Accepted save modes are 'overwrite', 'append', 'ignore', 'error', 'errorifexists', 'default'.", w.mode)
	}
	fs, err := file.New(format, path, w.options, b.Schema, df.session.location())
	if err != nil {
		return err
	}
	id := time.Now().UnixNano()
	return fs.AddBatch(context.Background(), id, b)
}

// CSV, JSON and Parquet are Format(f).Save(path).
func (w *DataFrameWriter) CSV(path string) error     { return w.Format("csv").Save(path) }
func (w *DataFrameWriter) JSON(path string) error    { return w.Format("json").Save(path) }
func (w *DataFrameWriter) Parquet(path string) error { return w.Format("parquet").Save(path) }

func openCheckpoint(dir string) (*checkpoint.Checkpoint, error) { return checkpoint.Open(dir) }
