package source

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// Finisher is implemented by sources that can run out of data for good (a socket whose
// peer closed). Finished reports that no offset beyond the one LatestOffset returns now
// will ever come, so the query can stop once it has processed that.
type Finisher interface {
	Finished() bool
}

// Spec says which source to open: the DataStreamReader's (or DataFrameReader's) format,
// options, user schema and paths.
type Spec struct {
	// Format is "csv", "json", "text", "parquet", "rate", "rate-micro-batch" or "socket" (any case). Kafka is
	// opened by package source/kafka.
	Format string
	// Options are the reader options; keys are case-insensitive. A "path" option is used
	// when Paths is empty.
	Options map[string]string
	// Schema is the user-specified schema, or nil.
	Schema *types.StructType
	// Paths are the input paths (files, directories or globs) of file formats.
	Paths []string
	// MetadataDir is the source's directory in the checkpoint (checkpoint/sources/<i>),
	// or "" to keep the source's log in memory.
	MetadataDir string
	// Location is the session time zone (spark.sql.session.timeZone); nil means UTC.
	Location *time.Location
	// SchemaInference is spark.sql.streaming.schemaInference: a streaming file source
	// without a schema infers one from the files present when it opens.
	SchemaInference bool
	// DefaultParallelism is the rate source's numPartitions when not set (Spark's
	// defaultParallelism); 0 means 1.
	DefaultParallelism int
}

// ErrSchemaRequired is Spark's error for a streaming file source without a schema.
var ErrSchemaRequired = errors.New("Schema must be specified when creating a streaming source DataFrame. " +
	"If some files already exist in the directory, then depending on the file format you may be able to " +
	"create a static DataFrame on that data with 'spark.read.load(directory)' and infer schema from it.")

// ErrPathNotSpecified is Spark's error for a file source without a path.
var ErrPathNotSpecified = errors.New("'path' is not specified")

func (s Spec) format() string { return strings.ToLower(strings.TrimSpace(s.Format)) }

func (s Spec) paths() []string {
	if len(s.Paths) > 0 {
		return s.Paths
	}
	if p, ok := newOptions(s.Options).get("path"); ok && p != "" {
		return []string{p}
	}
	return nil
}

func (s Spec) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// IsFileFormat reports whether format is one of the file formats (csv, json, text,
// parquet).
func IsFileFormat(format string) bool {
	switch strings.ToLower(format) {
	case "csv", "json", "text", "parquet":
		return true
	}
	return false
}

// Open opens a streaming source.
func Open(spec Spec) (Source, error) {
	switch f := spec.format(); f {
	case "csv", "json", "text", "parquet":
		return openFileSource(spec)
	case "rate":
		return openRate(spec)
	case "rate-micro-batch":
		return openRateMicroBatch(spec)
	case "socket":
		return openSocket(spec)
	case "kafka":
		return nil, errors.New("source.Open: kafka sources are opened by package source/kafka")
	case "":
		return nil, errors.New("source.Open: no format given")
	default:
		return nil, unknownFormat(spec.Format)
	}
}

// formatTitle is the format's name as Spark's messages spell it.
func formatTitle(format string) string {
	switch format {
	case "csv":
		return "CSV"
	case "json":
		return "JSON"
	case "parquet":
		return "Parquet"
	case "text":
		return "Text"
	}
	return format
}

// InferSchema infers the schema of the files under spec's paths (what spark.read does
// without a schema). With no files it fails with Spark's UNABLE_TO_INFER_SCHEMA error,
// except for text, whose schema is fixed.
func InferSchema(spec Spec) (*types.StructType, error) {
	f := spec.format()
	if !IsFileFormat(f) {
		return nil, unknownFormat(spec.Format)
	}
	if f == "text" {
		return TextSchema(), nil
	}
	paths := spec.paths()
	if len(paths) == 0 {
		return nil, fmt.Errorf("[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for %s. It must be specified manually.", formatTitle(f))
	}
	files, err := listFiles(paths, true)
	if err != nil {
		return nil, err
	}
	return inferFiles(f, files, spec)
}

func inferFiles(f string, files []fileInfo, spec Spec) (*types.StructType, error) {
	noSchema := fmt.Errorf("[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for %s. It must be specified manually.", formatTitle(f))
	if len(files) == 0 {
		return nil, noSchema
	}
	o := newOptions(spec.Options)
	switch f {
	case "csv":
		st, err := inferCSV(files, o, spec.location())
		if err == nil && len(st.Fields) == 0 {
			return nil, noSchema
		}
		return st, err
	case "json":
		st, err := inferJSON(files, o)
		if err == nil && len(st.Fields) == 0 {
			return nil, noSchema
		}
		return st, err
	case "parquet":
		for _, fi := range files {
			if fi.size == 0 {
				continue
			}
			return parquetSchema(fi.path)
		}
		return nil, noSchema
	}
	return TextSchema(), nil
}

// ReadStatic reads a file format's data at once (spark.Read()): it lists spec's paths
// (files, directories, globs; a file sink's output through its _spark_metadata log),
// infers the schema when spec.Schema is nil, and parses every file. It returns the
// schema and the rows.
func ReadStatic(spec Spec) (*types.StructType, []*batch.Batch, error) {
	f := spec.format()
	if !IsFileFormat(f) {
		if f == "rate" || f == "socket" {
			return nil, nil, fmt.Errorf("Data source %s does not support batch queries.", f)
		}
		return nil, nil, unknownFormat(spec.Format)
	}
	paths := spec.paths()
	if len(paths) == 0 && spec.Schema == nil && f != "text" {
		return nil, nil, fmt.Errorf("[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for %s. It must be specified manually.", formatTitle(f))
	}
	files, err := listFiles(paths, true)
	if err != nil {
		return nil, nil, err
	}
	schema := spec.Schema
	if schema == nil {
		if schema, err = inferFiles(f, files, spec); err != nil {
			return nil, nil, err
		}
	}
	r, err := NewReader(f, schema, spec.Options, spec.location())
	if err != nil {
		return nil, nil, err
	}
	ignoreMissing, err := r.opts.boolean("ignoreMissingFiles", false)
	if err != nil {
		return nil, nil, err
	}
	var out []*batch.Batch
	for _, fi := range files {
		bs, err := readDataFile(r, fi.path, ignoreMissing)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, bs...)
	}
	return schema, out, nil
}
