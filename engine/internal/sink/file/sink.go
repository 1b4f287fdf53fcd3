// Package file is the streaming file sink (csv, json, parquet) with Spark's exactly-once
// protocol: each batch's rows go to new part files, then the batch's file list is
// appended atomically to <path>/_spark_metadata/<batchID>. A batch id already in the log
// is skipped, and readers list files through the log (CommittedFiles), so files of a
// failed or replayed attempt are never visible.
package file

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// Spark's messages for a misconfigured file sink.
var (
	// ErrPathNotSpecified: the sink has no "path" option.
	ErrPathNotSpecified = errors.New("'path' is not specified")
	// ErrCheckpointLocationRequired: a file sink query started without a checkpoint.
	ErrCheckpointLocationRequired = errors.New(`checkpointLocation must be specified either through option("checkpointLocation", ...) or SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...)`)
)

// IsFormat reports whether format (any case) is a file sink format.
func IsFormat(format string) bool {
	switch strings.ToLower(format) {
	case "csv", "json", "parquet":
		return true
	}
	return false
}

// CheckOutputMode returns Spark's error for an output mode other than Append; format is
// the name as the user gave it, mode is "Append", "Update" or "Complete".
func CheckOutputMode(format, mode string) error {
	if mode != "Append" {
		return fmt.Errorf("Data source %s does not support %s output mode", format, mode)
	}
	return nil
}

// options are case-insensitive, as Spark's data source options.
type options map[string]string

func newOptions(m map[string]string) options {
	o := options{}
	for k, v := range m {
		o[strings.ToLower(k)] = v
	}
	return o
}

func (o options) get(key, def string) string {
	if v, ok := o[strings.ToLower(key)]; ok {
		return v
	}
	return def
}

func (o options) bool(key string, def bool) (bool, error) {
	v, ok := o[strings.ToLower(key)]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s flag can be true or false", key)
}

func (o options) char(key string, def byte) (byte, error) {
	v, ok := o[strings.ToLower(key)]
	if !ok {
		return def, nil
	}
	switch len(v) {
	case 0:
		return 0, nil
	case 1:
		return v[0], nil
	}
	return 0, fmt.Errorf("%s cannot be more than one character", key)
}

// unsupportedType is Spark 3.5's error for a column a format cannot hold.
func unsupportedType(format string, f types.StructField) error {
	return fmt.Errorf("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The %s datasource doesn't support the column `%s` of the type \"%s\".",
		format, strings.ReplaceAll(f.Name, "`", "``"), sqlType(f.DataType))
}

// sqlType is a type's SQL text as Spark's errors print it (DataType.sql).
func sqlType(t types.DataType) string {
	switch x := t.(type) {
	case *types.ArrayType:
		return "ARRAY<" + sqlType(x.ElementType) + ">"
	case *types.MapType:
		return "MAP<" + sqlType(x.KeyType) + ", " + sqlType(x.ValueType) + ">"
	case *types.StructType:
		parts := make([]string, len(x.Fields))
		for i, f := range x.Fields {
			parts[i] = f.Name + ": " + sqlType(f.DataType)
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return strings.ToUpper(t.SimpleString())
}

func containsType(t types.DataType, id types.TypeID) bool {
	switch x := t.(type) {
	case *types.ArrayType:
		return containsType(x.ElementType, id)
	case *types.MapType:
		return containsType(x.KeyType, id) || containsType(x.ValueType, id)
	case *types.StructType:
		for _, f := range x.Fields {
			if containsType(f.DataType, id) {
				return true
			}
		}
		return false
	}
	return t.ID() == id
}

// batchWriter writes one batch's rows into a file body.
type batchWriter interface {
	writeBatch(w *bufio.Writer, b *batch.Batch) error
}

// Sink is the file sink of one query. It is used by the query's driver goroutine only.
type Sink struct {
	format  string
	path    string // as the user gave it, for Description
	dir     string // absolute output directory
	schema  *types.StructType
	log     *MetadataLog
	ext     string // file name extension, e.g. ".snappy.parquet"
	gzip    bool
	maxRows int            // maxRecordsPerFile; 0 for no limit
	text    batchWriter    // csv and json
	parquet *parquetWriter // parquet
}

// New returns a sink writing format ("csv", "json" or "parquet") files of rows with schema
// into path, with Spark's options for that format (compression, and for csv and json
// timestampFormat, dateFormat, lineSep; csv: sep, quote, escape, header, nullValue,
// emptyValue, quoteAll, escapeQuotes, ignoreLeadingWhiteSpace, ignoreTrailingWhiteSpace;
// json: ignoreNullFields). Timestamps are written in loc (the session time zone; nil is UTC).
func New(format, path string, opts map[string]string, schema *types.StructType, loc *time.Location) (*Sink, error) {
	if path == "" {
		return nil, ErrPathNotSpecified
	}
	if loc == nil {
		loc = time.UTC
	}
	if err := checkDuplicateColumns(schema); err != nil {
		return nil, err
	}
	o := newOptions(opts)
	s := &Sink{format: strings.ToLower(format), path: path, schema: schema}
	var err error
	if v := o.get("maxRecordsPerFile", "0"); v != "0" {
		n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if perr != nil {
			return nil, fmt.Errorf("maxRecordsPerFile must be an integer, got %q", v)
		}
		if n > 0 {
			s.maxRows = int(min(n, 1<<31))
		}
	}
	switch s.format {
	case "csv", "json":
		switch c := strings.ToLower(o.get("compression", o.get("codec", "none"))); c {
		case "none", "uncompressed":
		case "gzip":
			s.gzip = true
		default:
			return nil, fmt.Errorf("Codec [%s] is not available. Known codecs are bzip2, deflate, uncompressed, lz4, gzip, snappy, none.", c)
		}
		if s.format == "csv" {
			if err := verifyCSVSchema(schema); err != nil {
				return nil, err
			}
			s.text, err = newCSVWriter(schema, o, loc)
			s.ext = ".csv"
		} else {
			if err := verifyJSONSchema(schema); err != nil {
				return nil, err
			}
			s.text, err = newJSONWriter(schema, o, loc)
			s.ext = ".json"
		}
		if err != nil {
			return nil, err
		}
		if s.gzip {
			s.ext += ".gz"
		}
	case "parquet":
		codec, ext, err := parquetCodec(o.get("compression", o.get("parquet.compression", "snappy")))
		if err != nil {
			return nil, err
		}
		if s.parquet, err = newParquetWriter(schema, codec); err != nil {
			return nil, err
		}
		s.ext = ext + ".parquet"
	default:
		return nil, fmt.Errorf("file sink: unsupported format %q (want csv, json or parquet)", format)
	}
	local := path
	if strings.HasPrefix(local, "file:") {
		// Spark accepts file: URIs ("file:/tmp/out", "file:///tmp/out").
		if local, err = (FileStatus{Path: local}).LocalPath(); err != nil {
			return nil, err
		}
	}
	if s.dir, err = filepath.Abs(local); err != nil {
		return nil, fmt.Errorf("file sink path %s: %w", path, err)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating file sink directory %s: %w", s.dir, err)
	}
	if s.log, err = OpenMetadataLog(s.dir); err != nil {
		return nil, err
	}
	return s, nil
}

func checkDuplicateColumns(schema *types.StructType) error {
	seen := map[string]bool{}
	var dups []string
	for _, f := range schema.Fields {
		k := strings.ToLower(f.Name)
		if seen[k] {
			dups = append(dups, "`"+k+"`")
		}
		seen[k] = true
	}
	if len(dups) > 0 {
		return fmt.Errorf("[COLUMN_ALREADY_EXISTS] The column %s already exists. Consider to choose another name or rename the existing column.", dups[0])
	}
	return nil
}

// Description is the sink's description in progress reports.
func (s *Sink) Description() string { return "FileSink[" + s.path + "]" }

// Dir is the absolute output directory.
func (s *Sink) Dir() string { return s.dir }

// Log is the sink's metadata log.
func (s *Sink) Log() *MetadataLog { return s.log }

// AddBatch writes batch batchID. A batch id at or below the newest in the sink log was
// committed before (this is a replay after a restart) and is skipped. Otherwise the rows
// are written to a new part file, synced, and the file is recorded in the log; the file of
// an attempt that fails before that is removed (and, after a crash, simply never listed).
func (s *Sink) AddBatch(ctx context.Context, batchID int64, data *batch.Batch) error {
	latest, ok, err := s.log.Latest()
	if err != nil {
		return err
	}
	if ok && batchID <= latest {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var files []FileStatus
	removeFiles := func() {
		for _, f := range files {
			if p, perr := f.LocalPath(); perr == nil {
				os.Remove(p)
			}
		}
	}
	if data != nil && data.N > 0 {
		if len(data.Cols) != len(s.schema.Fields) {
			return fmt.Errorf("file sink: batch has %d columns, the sink's schema %d", len(data.Cols), len(s.schema.Fields))
		}
		for i, c := range data.Cols {
			if f := s.schema.Fields[i]; !types.Equal(c.Type, f.DataType) {
				return fmt.Errorf("file sink: column %q is %s in the batch but %s in the sink's schema",
					f.Name, c.Type.SimpleString(), f.DataType.SimpleString())
			}
		}
		// One job id per batch; files are numbered c000, c001, ... when
		// maxRecordsPerFile splits the batch.
		job := uuid.NewString()
		step := data.N
		if s.maxRows > 0 {
			step = s.maxRows
		}
		for lo, counter := 0, 0; lo < data.N; lo, counter = lo+step, counter+1 {
			part := data
			if hi := min(lo+step, data.N); lo > 0 || hi < data.N {
				part = slice(data, lo, hi)
			}
			st, err := s.writePart(part, job, counter)
			if err != nil {
				removeFiles()
				return err
			}
			files = append(files, st)
			if err := ctx.Err(); err != nil {
				removeFiles()
				return err
			}
		}
		if err := syncDir(s.dir); err != nil {
			removeFiles()
			return fmt.Errorf("file sink: syncing %s: %w", s.dir, err)
		}
	}
	if err := s.log.Add(batchID, files); err != nil {
		removeFiles()
		return fmt.Errorf("file sink: committing batch %d: %w", batchID, err)
	}
	return nil
}

// slice returns rows [lo, hi) of b.
func slice(b *batch.Batch, lo, hi int) *batch.Batch {
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	return b.Take(idx)
}

// writePart writes data to a new part file named as Spark names them
// (part-00000-<job uuid>-c<counter, 3 digits><ext>) and returns its log entry.
func (s *Sink) writePart(data *batch.Batch, job string, counter int) (FileStatus, error) {
	name := fmt.Sprintf("part-00000-%s-c%03d%s", job, counter, s.ext)
	p := filepath.Join(s.dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return FileStatus{}, fmt.Errorf("file sink: creating %s: %w", p, err)
	}
	err = s.writeBody(f, data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = os.Stat(p)
	}
	if err != nil {
		os.Remove(p)
		return FileStatus{}, fmt.Errorf("file sink: writing %s: %w", p, err)
	}
	return FileStatus{
		Path:             fileURI(p),
		Size:             fi.Size(),
		ModificationTime: fi.ModTime().UnixMilli(),
		BlockReplication: 1,
		BlockSize:        32 << 20,
		Action:           ActionAdd,
	}, nil
}

func (s *Sink) writeBody(f io.Writer, data *batch.Batch) error {
	if s.parquet != nil {
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := s.parquet.writeBatch(bw, data); err != nil {
			return err
		}
		return bw.Flush()
	}
	var gz *gzip.Writer
	if s.gzip {
		gz = gzip.NewWriter(f)
		f = gz
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := s.text.writeBatch(bw, data); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if gz != nil {
		return gz.Close()
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
