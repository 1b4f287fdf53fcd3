package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// parseMode is how a parser treats malformed records (Spark's ParseMode).
type parseMode int

const (
	permissive parseMode = iota
	dropMalformed
	failFast
)

func parseModeOf(o options) (parseMode, error) {
	switch strings.ToUpper(o.str("mode", "PERMISSIVE")) {
	case "PERMISSIVE":
		return permissive, nil
	case "DROPMALFORMED":
		return dropMalformed, nil
	case "FAILFAST":
		return failFast, nil
	}
	// Spark falls back to PERMISSIVE (with a warning) for an unknown mode.
	return permissive, nil
}

// defaultBatchRows bounds the rows of one batch the parsers produce.
const defaultBatchRows = 1 << 16

// MalformedError is a FAILFAST failure: the file and the 1-based line of the bad record.
type MalformedError struct {
	Path   string
	Line   int
	Record string
	Cause  string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s:%d: Malformed records are detected in record parsing: %s. Parse Mode: FAILFAST. "+
		"To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'. (%s)",
		e.Path, e.Line, abbreviate(e.Record), e.Cause)
}

// maxRecordInError bounds how much of a bad record an error message quotes: a huge line
// (tens of MB) would otherwise flood a notebook. Record keeps it whole.
const maxRecordInError = 1024

// abbreviate cuts s to maxRecordInError bytes, at a rune boundary, saying how long it was.
func abbreviate(s string) string {
	if len(s) <= maxRecordInError {
		return s
	}
	cut := maxRecordInError
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// Reader parses files of one format into batches of one schema. It is built once per
// query (or per static read) and reused for every file; it is not safe for concurrent use.
type Reader struct {
	format    string
	schema    *types.StructType
	opts      options
	mode      parseMode
	batchRows int
	chunk     int // bytes read at once from line-based files
	csv       *csvParser
	json      *jsonParser
	text      *textParser
	parquet   *parquetReader
	// ignoreCorrupt skips files that cannot be read or parsed (ignoreCorruptFiles).
	ignoreCorrupt bool
}

// NewReader returns a Reader of format ("csv", "json", "text", "parquet") producing rows of
// schema. opts are Spark's reader options (keys case-insensitive); loc is the session time
// zone used for timestamps written without a zone.
func NewReader(format string, schema *types.StructType, opts map[string]string, loc *time.Location) (*Reader, error) {
	if schema == nil {
		return nil, errors.New("source: NewReader needs a schema")
	}
	if err := schema.Err(); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	o := newOptions(opts)
	mode, err := parseModeOf(o)
	if err != nil {
		return nil, err
	}
	r := &Reader{format: strings.ToLower(format), schema: schema, opts: o, mode: mode, batchRows: defaultBatchRows, chunk: chunkSize}
	if r.ignoreCorrupt, err = o.boolean("ignoreCorruptFiles", false); err != nil {
		return nil, err
	}
	switch r.format {
	case "csv":
		r.csv, err = newCSVParser(schema, o, mode, loc)
	case "json":
		r.json, err = newJSONParser(schema, o, mode, loc)
	case "text":
		r.text, err = newTextParser(schema, o)
	case "parquet":
		r.parquet, err = newParquetReader(schema)
	default:
		return nil, unknownFormat(format)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func unknownFormat(format string) error {
	return fmt.Errorf("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: %s. "+
		"Please find packages at `https://spark.apache.org/third-party-projects.html`.", format)
}

// Schema is the schema of the batches the Reader produces.
func (r *Reader) Schema() *types.StructType { return r.schema }

// ReadFile parses one file. A missing file is an error wrapping fs.ErrNotExist.
func (r *Reader) ReadFile(path string) ([]*batch.Batch, error) {
	// A path listed as a file may since have become something else: opening a named pipe
	// would block the query for ever, so a pipe, socket or device is an error. (A
	// directory fails on its own: reading it is EISDIR.)
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return nil, fmt.Errorf("reading %s: %w", path, &fs.PathError{Op: "open", Path: path, Err: errNotRegular})
	}
	if r.parquet != nil {
		bs, err := r.parquet.readFile(path, r.batchRows)
		if err != nil && r.ignoreCorrupt && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return bs, err
	}
	if r.wholeFile() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		return r.Parse(path, data)
	}
	return r.readChunks(path)
}

var errNotRegular = errors.New("not a regular file")

// chunkSize is how much of a line-based file is parsed at once: big files are not held
// in memory whole, and each chunk's text is shared only by the rows parsed from it.
const chunkSize = 8 << 20

// wholeFile reports formats whose records may span lines, parsed from the whole file.
func (r *Reader) wholeFile() bool {
	switch {
	case r.csv != nil:
		return r.csv.tok.multiLine
	case r.json != nil:
		return r.json.multi
	case r.text != nil:
		return r.text.wholeText || r.text.lineSep != ""
	}
	return true
}

// readChunks parses a line-based file chunk by chunk, each chunk ending at a line end.
func (r *Reader) readChunks(path string) ([]*batch.Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	out := &batchSink{schema: r.schema, max: r.batchRows}
	pos := &position{line: 1, first: true}
	size := r.chunk
	if st, err := f.Stat(); err == nil && st.Size() < int64(r.chunk) {
		// A small file gets a buffer of its size (one more byte, so the first fill sees
		// EOF): a chunk-sized buffer per file would be mostly zeroing.
		size = int(st.Size()) + 1
	}
	buf := make([]byte, 0, size)
	eof := false
	for !eof {
		// Fill the buffer after the carried-over partial line.
		for len(buf) < cap(buf) {
			n, err := f.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", path, err)
			}
		}
		cut := len(buf)
		if !eof {
			cut = bytes.LastIndexByte(buf, '\n') + 1
			if cut == 0 {
				// A line longer than the buffer: read more of it.
				bigger := make([]byte, len(buf), 2*cap(buf))
				copy(bigger, buf)
				buf = bigger
				continue
			}
		}
		// buf is never written again (the rest moves to a new buffer), so the chunk's
		// text can be viewed as a string without a copy.
		if out.cur == nil {
			out.hint = bytes.Count(buf[:cut], []byte{'\n'}) + 1
		}
		if err := r.parseChunk(path, unsafe.String(unsafe.SliceData(buf), cut), out, pos); err != nil {
			return nil, err
		}
		if eof {
			break
		}
		rest := len(buf) - cut
		next := make([]byte, rest, max(r.chunk, 2*rest))
		copy(next, buf[cut:])
		buf = next
	}
	return out.finish(), nil
}

// position carries a parse across chunks of one file: the next line number, and whether
// the first record (a CSV header) is still to come.
type position struct {
	line  int
	first bool
}

func (r *Reader) parseChunk(name, s string, out *batchSink, pos *position) error {
	switch {
	case r.csv != nil:
		return r.csv.parse(name, s, out, pos)
	case r.json != nil:
		return r.json.parse(name, s, out, pos)
	case r.text != nil:
		r.text.parse(s, out)
		return nil
	}
	return fmt.Errorf("source: %s data cannot be parsed from bytes", r.format)
}

// Parse parses the contents of a csv, json or text file named name (used in errors).
//
// String values are substrings of one copy of data (no allocation per value), so a string
// kept after its batch is dropped keeps the whole file's text alive: code that retains
// strings for long (state keys, sinks that buffer rows) should strings.Clone them.
func (r *Reader) Parse(name string, data []byte) ([]*batch.Batch, error) {
	// One string for the whole file: the parsers slice fields out of it without copying.
	out := &batchSink{schema: r.schema, max: r.batchRows, hint: bytes.Count(data, []byte{'\n'}) + 1}
	if err := r.parseChunk(name, string(data), out, &position{line: 1, first: true}); err != nil {
		return nil, err
	}
	return out.finish(), nil
}

// batchSink hands the parsers the batch to append to, starting a new one every max rows.
type batchSink struct {
	schema *types.StructType
	max    int
	cur    *batch.Batch
	done   []*batch.Batch
	// hint is how many more rows the text being parsed holds at most (its line count),
	// so batches start at their final size instead of growing by copies; 0 is unknown.
	hint int
}

// batch returns the batch to append the next row to.
func (s *batchSink) batch() *batch.Batch {
	if s.cur != nil && s.cur.N >= s.max {
		s.done = append(s.done, s.cur)
		s.cur = nil
	}
	if s.cur == nil {
		n := min(max(s.hint, 1024), s.max)
		s.hint = max(s.hint-n, 0)
		s.cur = batch.New(s.schema, n)
	}
	return s.cur
}

func (s *batchSink) finish() []*batch.Batch {
	if s.cur != nil && s.cur.N > 0 {
		s.done = append(s.done, s.cur)
	}
	s.cur = nil
	return s.done
}

// corruptColumn returns the index of the corrupt-record column in schema (it must be a
// nullable string), or -1.
func corruptColumn(schema *types.StructType, o options) (int, string, error) {
	name := o.str("columnNameOfCorruptRecord", "_corrupt_record")
	for i, f := range schema.Fields {
		if f.Name == name {
			if f.DataType.ID() != types.StringID || !f.Nullable {
				return -1, name, fmt.Errorf("The field for corrupt records must be string type and nullable")
			}
			return i, name, nil
		}
	}
	return -1, name, nil
}
