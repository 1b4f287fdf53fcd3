package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// readDataFile parses one file; a file that vanished is Spark's FILE_NOT_EXIST error, or
// nothing with ignoreMissingFiles.
func readDataFile(r *Reader, path string, ignoreMissing bool) ([]*batch.Batch, error) {
	bs, err := r.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if ignoreMissing {
			return nil, nil
		}
		return nil, fmt.Errorf("[FAILED_READ_FILE.FILE_NOT_EXIST] Encountered error while reading file %s. "+
			"File does not exist. It is possible the underlying files have been updated.: %w", fileURI(path), err)
	}
	if err != nil && r.ignoreCorrupt {
		var me *MalformedError
		if !errors.As(err, &me) {
			return nil, nil
		}
	}
	return bs, err
}

// FileLogEntry is one line of a file source's metadata log (Spark's FileEntry).
type FileLogEntry struct {
	Path      string `json:"path"`
	Timestamp int64  `json:"timestamp"`
	BatchID   int64  `json:"batchId"`
}

// seenFiles is Spark's SeenFilesMap: the files already taken, forgetting those older than
// maxAgeMs before the newest one seen.
type seenFiles struct {
	maxAgeMs     int64
	fileNameOnly bool
	m            map[string]int64
	latestTs     int64
	lastPurgeTs  int64
}

func (s *seenFiles) key(path string) string {
	if s.fileNameOnly {
		return filepath.Base(path)
	}
	return path
}

func (s *seenFiles) add(path string, ts int64) {
	s.m[s.key(path)] = ts
	if ts > s.latestTs {
		s.latestTs = ts
	}
}

func (s *seenFiles) isNew(path string, ts int64) bool {
	if ts < s.lastPurgeTs {
		return false
	}
	_, seen := s.m[s.key(path)]
	return !seen
}

func (s *seenFiles) purge() {
	if s.maxAgeMs == math.MaxInt64 {
		return
	}
	s.lastPurgeTs = s.latestTs - s.maxAgeMs
	for k, ts := range s.m {
		if ts < s.lastPurgeTs {
			delete(s.m, k)
		}
	}
}

// FileSource is the streaming file source (Spark's FileStreamSource): each LatestOffset
// lists the input, takes the new files (oldest first, within the per-trigger limits),
// and records them as the next batch of its metadata log before returning the offset, so
// a replay reads exactly the same files.
type FileSource struct {
	format        string
	schema        *types.StructType
	reader        *Reader
	paths         []string
	desc          string
	maxFiles      int64 // 0: no limit
	maxBytes      int64 // 0: no limit
	latestFirst   bool
	ignoreMissing bool
	metaDir       string
	batches       map[int64][]FileLogEntry
	current       int64 // latest batch id of the log, -1 before any
	seen          *seenFiles
	// availableNow is the file list fixed by PrepareForAvailableNow, or nil.
	availableNow []fileInfo
	prepared     bool
	// cleanSource is "off", "delete" or "archive" (into archiveDir) for the files of
	// committed batches.
	cleanSource string
	archiveDir  string
}

var (
	_ Source       = (*FileSource)(nil)
	_ AvailableNow = (*FileSource)(nil)
)

func openFileSource(spec Spec) (*FileSource, error) {
	f := spec.format()
	paths := spec.paths()
	if len(paths) == 0 {
		return nil, ErrPathNotSpecified
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("resolving path %s: %w", p, err)
		}
		abs[i] = a
		if !isGlob(a) {
			if _, err := os.Stat(a); errors.Is(err, fs.ErrNotExist) {
				return nil, pathNotFound(a)
			}
		}
	}
	schema := spec.Schema
	if schema == nil {
		switch {
		case f == "text":
			schema = TextSchema()
		case spec.SchemaInference:
			files, err := listFiles(abs, false)
			if err != nil {
				return nil, err
			}
			if schema, err = inferFiles(f, files, spec); err != nil {
				return nil, err
			}
		default:
			return nil, ErrSchemaRequired
		}
	}
	r, err := NewReader(f, schema, spec.Options, spec.location())
	if err != nil {
		return nil, err
	}
	o := r.opts
	s := &FileSource{
		format: f, schema: schema, reader: r, paths: abs,
		desc:    "FileStreamSource[file:" + abs[0] + "]",
		metaDir: spec.MetadataDir, batches: map[int64][]FileLogEntry{}, current: -1,
	}
	if s.maxFiles, err = positiveOption(o, "maxFilesPerTrigger"); err != nil {
		return nil, err
	}
	if v, ok := o.get("maxBytesPerTrigger"); ok {
		if s.maxBytes, err = parseBytes(v); err != nil || s.maxBytes <= 0 {
			return nil, fmt.Errorf("Invalid value '%s' for option 'maxBytesPerTrigger', must be a positive integer", v)
		}
	}
	if s.maxFiles > 0 && s.maxBytes > 0 {
		return nil, errors.New("Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time")
	}
	if s.latestFirst, err = o.boolean("latestFirst", false); err != nil {
		return nil, err
	}
	fileNameOnly, err := o.boolean("fileNameOnly", false)
	if err != nil {
		return nil, err
	}
	if s.ignoreMissing, err = o.boolean("ignoreMissingFiles", false); err != nil {
		return nil, err
	}
	switch s.cleanSource = strings.ToLower(strings.TrimSpace(o.str("cleanSource", "off"))); s.cleanSource {
	case "off", "delete":
	case "archive":
		dir, ok := o.get("sourceArchiveDir")
		if !ok || dir == "" {
			return nil, errors.New("Archive mode must be used with 'sourceArchiveDir' option.")
		}
		if s.archiveDir, err = filepath.Abs(dir); err != nil {
			return nil, fmt.Errorf("resolving sourceArchiveDir %s: %w", dir, err)
		}
		for _, p := range abs {
			if strings.HasPrefix(s.archiveDir+string(filepath.Separator), strings.TrimRight(globBase(p), string(filepath.Separator))+string(filepath.Separator)) {
				return nil, fmt.Errorf("Source archive directory %s should not be under the source path %s", s.archiveDir, p)
			}
		}
	default:
		return nil, fmt.Errorf("Invalid mode for clean source option %s. Must be one of ARCHIVE,DELETE,OFF", o.str("cleanSource", ""))
	}
	age, err := parseTimeString(o.str("maxFileAge", "7d"), time.Millisecond)
	if err != nil {
		return nil, err
	}
	maxAge := age.Milliseconds()
	if s.latestFirst && s.maxFiles > 0 {
		// Spark ignores maxFileAge here: with latestFirst the newest files are taken
		// first and older ones must not be forgotten.
		maxAge = math.MaxInt64
	}
	s.seen = &seenFiles{maxAgeMs: maxAge, fileNameOnly: fileNameOnly, m: map[string]int64{}}
	if err := s.loadLog(); err != nil {
		return nil, err
	}
	return s, nil
}

func positiveOption(o options, key string) (int64, error) {
	v, ok := o.get(key)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("Invalid value '%s' for option '%s', must be a positive integer", v, key)
	}
	return n, nil
}

// parseBytes reads a byte size such as "1024", "10k", "1m", "1g" (Spark's byte strings).
func parseBytes(v string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(v))
	t = strings.TrimSuffix(t, "b")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// loadLog reads the metadata log left by an earlier run: its files are seen, and its
// batches can be read again.
func (s *FileSource) loadLog() error {
	if s.metaDir == "" {
		return nil
	}
	ids, compacts, err := logBatchIDs(s.metaDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	isCompact := map[int64]bool{}
	for _, c := range compacts {
		isCompact[c] = true
	}
	for _, id := range ids {
		name := strconv.FormatInt(id, 10)
		if isCompact[id] {
			name += ".compact"
		}
		err := readLogLines(filepath.Join(s.metaDir, name), func(line string) error {
			var e FileLogEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				return err
			}
			if isCompact[id] {
				// A compaction holds the entries of every batch up to id.
				for _, have := range s.batches[e.BatchID] {
					if have.Path == e.Path {
						return nil
					}
				}
			}
			s.batches[e.BatchID] = append(s.batches[e.BatchID], e)
			return nil
		})
		if err != nil {
			return err
		}
		if !isCompact[id] {
			if _, ok := s.batches[id]; !ok {
				s.batches[id] = []FileLogEntry{}
			}
		}
		if id > s.current {
			s.current = id
		}
	}
	for _, es := range s.batches {
		for _, e := range es {
			p, err := localPath(e.Path, "/")
			if err != nil {
				return fmt.Errorf("file source log %s: bad path %q: %w", s.metaDir, e.Path, err)
			}
			s.seen.add(p, e.Timestamp)
		}
	}
	s.seen.purge()
	return nil
}

// logCompactInterval is Spark's spark.sql.streaming.fileSource.log.compactInterval: every
// tenth batch is written as N.compact holding the entries of all batches so far, after
// which the older batch files are deleted.
const logCompactInterval = 10

// writeLog records batch id's files: atomically (a temporary file linked into place, which
// fails if the batch exists) so a crash leaves either the whole entry or none.
func (s *FileSource) writeLog(id int64, entries []FileLogEntry) error {
	if s.metaDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.metaDir, 0o755); err != nil {
		return fmt.Errorf("file source log: %w", err)
	}
	name := strconv.FormatInt(id, 10)
	compact := (id+1)%logCompactInterval == 0
	if compact {
		name += ".compact"
		var all []FileLogEntry
		for b := int64(0); b < id; b++ {
			all = append(all, s.batches[b]...)
		}
		entries = append(all, entries...)
	}
	var b strings.Builder
	b.WriteString("v1")
	for _, e := range entries {
		js, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.WriteByte('\n')
		b.Write(js)
	}
	final := filepath.Join(s.metaDir, name)
	tmp := filepath.Join(s.metaDir, "."+name+".tmp")
	if err := writeSynced(tmp, b.String()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file source log: %w", err)
	}
	err := os.Link(tmp, final)
	os.Remove(tmp)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("file source log %s: batch %d already exists; is another query using this checkpoint?", s.metaDir, id)
	}
	if err != nil {
		return fmt.Errorf("file source log: %w", err)
	}
	if compact {
		// The compaction holds every earlier entry: the older files can go.
		for b := int64(0); b < id; b++ {
			os.Remove(filepath.Join(s.metaDir, strconv.FormatInt(b, 10)))
		}
	}
	return nil
}

func writeSynced(path, content string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Schema implements Source.
func (s *FileSource) Schema() *types.StructType { return s.schema }

// Description implements Source.
func (s *FileSource) Description() string { return s.desc }

// PrepareForAvailableNow fixes the files that the query will process: those present now.
func (s *FileSource) PrepareForAvailableNow(ctx context.Context) error {
	files, err := listFiles(s.paths, false)
	if err != nil {
		return err
	}
	s.availableNow = files
	s.prepared = true
	return nil
}

// LatestOffset implements Source.
func (s *FileSource) LatestOffset(ctx context.Context, start Offset) (Offset, error) {
	if err := ctx.Err(); err != nil {
		return start, err
	}
	var files []fileInfo
	if s.prepared {
		files = s.availableNow
	} else {
		var err error
		if files, err = listFiles(s.paths, false); err != nil {
			return start, err
		}
	}
	var fresh []fileInfo
	for _, f := range files {
		if s.seen.isNew(f.path, f.modMs) {
			fresh = append(fresh, f)
		}
	}
	sort.SliceStable(fresh, func(i, j int) bool {
		if fresh[i].modMs != fresh[j].modMs {
			if s.latestFirst {
				return fresh[i].modMs > fresh[j].modMs
			}
			return fresh[i].modMs < fresh[j].modMs
		}
		return fresh[i].path < fresh[j].path
	})
	switch {
	case s.maxFiles > 0 && int64(len(fresh)) > s.maxFiles:
		fresh = fresh[:s.maxFiles]
	case s.maxBytes > 0:
		var total int64
		n := 0
		for n < len(fresh) && (n == 0 || total+fresh[n].size <= s.maxBytes) {
			total += fresh[n].size
			n++
		}
		fresh = fresh[:n]
	}
	if len(fresh) > 0 {
		id := s.current + 1
		entries := make([]FileLogEntry, len(fresh))
		for i, f := range fresh {
			entries[i] = FileLogEntry{Path: fileURI(f.path), Timestamp: f.modMs, BatchID: id}
		}
		if err := s.writeLog(id, entries); err != nil {
			return start, err
		}
		s.batches[id] = entries
		s.current = id
		for _, f := range fresh {
			s.seen.add(f.path, f.modMs)
		}
	}
	s.seen.purge()
	if startID, err := parseLogOffset(start); err == nil && startID > s.current {
		return start, nil
	}
	if s.current < 0 {
		return start, nil
	}
	return logOffset(s.current), nil
}

func logOffset(id int64) Offset {
	return Offset(`{"logOffset":` + strconv.FormatInt(id, 10) + `}`)
}

// parseLogOffset reads {"logOffset":N} (or a bare N, the older form); "" is -1.
func parseLogOffset(o Offset) (int64, error) {
	s := strings.TrimSpace(string(o))
	if s == "" {
		return -1, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	var v struct {
		LogOffset *int64 `json:"logOffset"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil || v.LogOffset == nil {
		return 0, fmt.Errorf("invalid file source offset %q", s)
	}
	return *v.LogOffset, nil
}

// GetBatch implements Source: the rows of the files of log batches (start, end].
func (s *FileSource) GetBatch(ctx context.Context, start, end Offset) ([]*batch.Batch, error) {
	from, err := parseLogOffset(start)
	if err != nil {
		return nil, err
	}
	to, err := parseLogOffset(end)
	if err != nil {
		return nil, err
	}
	var out []*batch.Batch
	for id := from + 1; id <= to; id++ {
		entries, ok := s.batches[id]
		if !ok {
			where := "memory"
			if s.metaDir != "" {
				where = s.metaDir
			}
			return nil, fmt.Errorf("file source: batch %d is not in the source log (%s)", id, where)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			p, err := localPath(e.Path, "/")
			if err != nil {
				return nil, fmt.Errorf("file source log: bad path %q: %w", e.Path, err)
			}
			bs, err := readDataFile(s.reader, p, s.ignoreMissing)
			if err != nil {
				return nil, err
			}
			out = append(out, bs...)
		}
	}
	return coalesce(s.schema, out, s.reader.batchRows), nil
}

// bigBatch is the size from which a file's batch is passed on as it is.
const bigBatch = 4096

// coalesce joins runs of small batches (one per small file) into batches of up to max
// rows, so operators downstream see few large batches.
func coalesce(schema *types.StructType, bs []*batch.Batch, max int) []*batch.Batch {
	if len(bs) < 2 {
		return bs
	}
	var out, run []*batch.Batch
	rows := 0
	flush := func() {
		if len(run) > 0 {
			out = append(out, batch.Concat(schema, run))
		}
		run, rows = nil, 0
	}
	for _, b := range bs {
		if b.N >= bigBatch {
			// Already large: copying it into a bigger one gains nothing.
			flush()
			out = append(out, b)
			continue
		}
		if rows+b.N > max {
			flush()
		}
		run = append(run, b)
		rows += b.N
	}
	flush()
	return out
}

// Files lists the files of log batches (start, end], as local paths (for progress
// reports and tests).
func (s *FileSource) Files(start, end Offset) ([]string, error) {
	from, err := parseLogOffset(start)
	if err != nil {
		return nil, err
	}
	to, err := parseLogOffset(end)
	if err != nil {
		return nil, err
	}
	var out []string
	for id := from + 1; id <= to; id++ {
		for _, e := range s.batches[id] {
			p, err := localPath(e.Path, "/")
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// Commit implements Source. With cleanSource, the files of batch end are deleted or moved
// into the archive directory (under their full path), as Spark does; failures to clean
// are not errors. The log is kept: a restart needs it to know the files seen.
func (s *FileSource) Commit(end Offset) error {
	if s.cleanSource == "off" {
		return nil
	}
	id, err := parseLogOffset(end)
	if err != nil {
		return err
	}
	for _, e := range s.batches[id] {
		if e.BatchID != id {
			continue
		}
		p, err := localPath(e.Path, "/")
		if err != nil {
			continue
		}
		switch s.cleanSource {
		case "delete":
			os.Remove(p)
		case "archive":
			dst := filepath.Join(s.archiveDir, p)
			if os.MkdirAll(filepath.Dir(dst), 0o755) == nil {
				os.Rename(p, dst)
			}
		}
	}
	return nil
}

// globBase is the part of a path before its first glob character's directory.
func globBase(p string) string {
	i := strings.IndexAny(p, "*?[{")
	if i < 0 {
		return p
	}
	return filepath.Dir(p[:i+1])
}

// Close implements Source.
func (s *FileSource) Close() error { return nil }
