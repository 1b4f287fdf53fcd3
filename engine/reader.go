package engine

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/source"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
	"github.com/runnel-go/runnel/engine/types"
)

// DataStreamReader makes streaming DataFrames (spark.readStream).
type DataStreamReader struct {
	session *Session
	format  string
	options map[string]string
	schema  *types.StructType
	err     error
}

// ReadStream starts a streaming read.
func (s *Session) ReadStream() *DataStreamReader {
	return &DataStreamReader{session: s, options: map[string]string{}}
}

// Format sets the source format: csv, json, text, parquet, rate, socket, kafka.
func (r *DataStreamReader) Format(f string) *DataStreamReader {
	r.format = strings.ToLower(f)
	return r
}

// Option sets a source option; values are stringified as in Spark.
func (r *DataStreamReader) Option(key string, value any) *DataStreamReader {
	r.options[key] = confString(value)
	return r
}

// Options sets several options.
func (r *DataStreamReader) Options(opts map[string]string) *DataStreamReader {
	maps.Copy(r.options, opts)
	return r
}

// Schema sets the schema of the rows the source reads.
func (r *DataStreamReader) Schema(schema *types.StructType) *DataStreamReader {
	st, err := schemaArg(schema)
	if err != nil {
		r.err = err
	}
	r.schema = st
	return r
}

// SchemaDDL sets the schema from Spark's DDL text: "name string, age int".
func (r *DataStreamReader) SchemaDDL(ddl string) *DataStreamReader {
	st, err := schemaArg(ddl)
	if err != nil {
		r.err = err
	}
	r.schema = st
	return r
}

func schemaArg(schema any) (*types.StructType, error) {
	switch x := schema.(type) {
	case *types.StructType:
		if x == nil {
			return nil, nil
		}
		return x, x.Err()
	case string:
		t, err := types.ParseDataType("struct<" + x + ">")
		if err != nil {
			return nil, err
		}
		return t.(*types.StructType), nil
	}
	return nil, fmt.Errorf("schema must be a *types.StructType or a DDL string, not %T", schema)
}

// Load makes the streaming DataFrame; paths are the input paths of file formats.
func (r *DataStreamReader) Load(paths ...string) *DataFrame {
	if r.err != nil {
		return r.session.newDF(nil, r.err)
	}
	format := r.format
	if format == "" {
		format = strings.ToLower(r.session.Conf().Get("spark.sql.sources.default", "parquet"))
	}
	schema, err := streamSchema(r.session, format, r.options, r.schema, paths)
	if err != nil {
		return r.session.newDF(nil, err)
	}
	return r.session.newDF(&plan.StreamSource{Format: format, Options: maps.Clone(r.options), Paths: paths, Out: schema}, nil)
}

// CSV, JSON, Text and Parquet are Format(f).Load(path).
func (r *DataStreamReader) CSV(path string) *DataFrame     { return r.Format("csv").Load(path) }
func (r *DataStreamReader) JSON(path string) *DataFrame    { return r.Format("json").Load(path) }
func (r *DataStreamReader) Text(path string) *DataFrame    { return r.Format("text").Load(path) }
func (r *DataStreamReader) Parquet(path string) *DataFrame { return r.Format("parquet").Load(path) }

// Table reads a temporary view (a streaming one keeps streaming).
func (r *DataStreamReader) Table(name string) *DataFrame { return r.session.Table(name) }

// streamSchema is a streaming source's schema, known before the query starts.
func streamSchema(s *Session, format string, opts map[string]string, user *types.StructType, paths []string) (*types.StructType, error) {
	lower := map[string]string{}
	for k, v := range opts {
		lower[strings.ToLower(k)] = v
	}
	switch format {
	case "rate", "rate-micro-batch":
		return types.NewStructType().Add("timestamp", types.TimestampType).Add("value", types.LongType), nil
	case "socket":
		st := types.NewStructType().Add("value", types.StringType)
		if b, _ := strconv.ParseBool(lower["includetimestamp"]); b {
			st.Add("timestamp", types.TimestampType)
		}
		return st, nil
	case "kafka":
		return ksource.SchemaFor(opts)
	case "text":
		if user != nil {
			return user, nil
		}
		return source.TextSchema(), nil
	case "csv", "json", "parquet":
		if user != nil {
			return user, nil
		}
		if b, _ := strconv.ParseBool(s.Conf().Get("spark.sql.streaming.schemaInference", "false")); b {
			return source.InferSchema(source.Spec{Format: format, Options: opts, Paths: paths, Location: s.location()})
		}
		return nil, source.ErrSchemaRequired
	}
	return nil, fmt.Errorf("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: %s.", format)
}

// DataFrameReader reads static DataFrames (spark.read).
type DataFrameReader struct {
	session *Session
	format  string
	options map[string]string
	schema  *types.StructType
	err     error
}

// Read starts a batch read.
func (s *Session) Read() *DataFrameReader {
	return &DataFrameReader{session: s, options: map[string]string{}}
}

// Format sets the format: csv, json, text, parquet.
func (r *DataFrameReader) Format(f string) *DataFrameReader { r.format = strings.ToLower(f); return r }

// Option sets a reader option.
func (r *DataFrameReader) Option(key string, value any) *DataFrameReader {
	r.options[key] = confString(value)
	return r
}

// Options sets several options.
func (r *DataFrameReader) Options(opts map[string]string) *DataFrameReader {
	maps.Copy(r.options, opts)
	return r
}

// Schema sets the schema; without one it is inferred from the data.
func (r *DataFrameReader) Schema(schema *types.StructType) *DataFrameReader {
	st, err := schemaArg(schema)
	if err != nil {
		r.err = err
	}
	r.schema = st
	return r
}

// SchemaDDL sets the schema from Spark's DDL text: "name string, age int".
func (r *DataFrameReader) SchemaDDL(ddl string) *DataFrameReader {
	st, err := schemaArg(ddl)
	if err != nil {
		r.err = err
	}
	r.schema = st
	return r
}

// Load reads the paths now and returns the static DataFrame.
func (r *DataFrameReader) Load(paths ...string) *DataFrame {
	if r.err != nil {
		return r.session.newDF(nil, r.err)
	}
	format := r.format
	if format == "" {
		format = strings.ToLower(r.session.Conf().Get("spark.sql.sources.default", "parquet"))
	}
	var schema *types.StructType
	var data []*batch.Batch
	var err error
	if format == "kafka" {
		schema, data, err = ksource.ReadBatch(context.Background(), maps.Clone(r.options))
	} else {
		schema, data, err = source.ReadStatic(source.Spec{Format: format, Options: maps.Clone(r.options), Schema: r.schema, Paths: paths, Location: r.session.location()})
	}
	if err != nil {
		return r.session.newDF(nil, err)
	}
	return r.session.newDF(&plan.Relation{Out: schema, Data: func() ([]*batch.Batch, error) { return data, nil }}, nil)
}

// CSV, JSON, Text and Parquet are Format(f).Load(path).
func (r *DataFrameReader) CSV(path string) *DataFrame     { return r.Format("csv").Load(path) }
func (r *DataFrameReader) JSON(path string) *DataFrame    { return r.Format("json").Load(path) }
func (r *DataFrameReader) Text(path string) *DataFrame    { return r.Format("text").Load(path) }
func (r *DataFrameReader) Parquet(path string) *DataFrame { return r.Format("parquet").Load(path) }

// Table reads a temporary view.
func (r *DataFrameReader) Table(name string) *DataFrame { return r.session.Table(name) }
