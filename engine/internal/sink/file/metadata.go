package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/checkpoint"
)

// MetadataDir is the name of the sink's log directory inside the output path.
const MetadataDir = "_spark_metadata"

// DefaultCompactInterval is spark.sql.streaming.fileSink.log.compactInterval's default:
// every tenth entry ("9.compact", "19.compact", ...) holds the whole list so far.
const DefaultCompactInterval = 10

// Spark's SinkFileStatus actions.
const (
	ActionAdd    = "add"
	ActionDelete = "delete"
)

// FileStatus is one entry of the sink log, Spark's SinkFileStatus (field order as Spark
// writes it).
type FileStatus struct {
	Path             string `json:"path"` // a URI: "file:///abs/part-..."
	Size             int64  `json:"size"`
	IsDir            bool   `json:"isDir"`
	ModificationTime int64  `json:"modificationTime"` // milliseconds
	BlockReplication int    `json:"blockReplication"`
	BlockSize        int64  `json:"blockSize"`
	Action           string `json:"action"`
}

// LocalPath returns the local file path of the entry's URI.
func (f FileStatus) LocalPath() (string, error) {
	u, err := url.Parse(f.Path)
	if err != nil {
		return "", fmt.Errorf("sink log entry %q: %w", f.Path, err)
	}
	switch u.Scheme {
	case "file", "":
		return filepath.FromSlash(u.Path), nil
	}
	return "", fmt.Errorf("sink log entry %q: only file: paths are supported", f.Path)
}

// fileURI renders an absolute local path as Spark records it: "file:///abs/path".
func fileURI(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	s := u.String() // "file:///abs" for an absolute path
	if !strings.HasPrefix(s, "file:///") {
		s = "file://" + strings.TrimPrefix(s, "file:")
	}
	return s
}

// MetadataLog is a file sink's log (<path>/_spark_metadata), Spark's FileStreamSinkLog: an
// entry per batch id listing the files the batch added, written once and atomically; a
// compaction entry "<id>.compact" every compactInterval batches repeats all live files so
// readers need only the latest compaction and the entries after it.
type MetadataLog struct {
	dir             string
	compactInterval int64
}

// OpenMetadataLog opens (creating) the log of the sink writing to outputPath.
func OpenMetadataLog(outputPath string) (*MetadataLog, error) {
	dir := filepath.Join(outputPath, MetadataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating sink log %s: %w", dir, err)
	}
	return &MetadataLog{dir: dir, compactInterval: DefaultCompactInterval}, nil
}

// Dir is the log directory.
func (l *MetadataLog) Dir() string { return l.dir }

func (l *MetadataLog) isCompaction(batchID int64) bool {
	return (batchID+1)%l.compactInterval == 0
}

func (l *MetadataLog) path(batchID int64, compact bool) string {
	name := strconv.FormatInt(batchID, 10)
	if compact {
		name += ".compact"
	}
	return filepath.Join(l.dir, name)
}

// logName parses an entry name: "7" or "9.compact".
func logName(name string) (id int64, compact, ok bool) {
	base, compact := strings.CutSuffix(name, ".compact")
	if base == "" || base[0] < '0' || base[0] > '9' {
		return 0, false, false
	}
	id, err := strconv.ParseInt(base, 10, 64)
	return id, compact, err == nil
}

type logEntry struct {
	id      int64
	compact bool
}

func listEntries(dir string) ([]logEntry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []logEntry
	for _, de := range des {
		if id, compact, ok := logName(de.Name()); ok && !de.IsDir() {
			out = append(out, logEntry{id, compact})
		}
	}
	slices.SortFunc(out, func(a, b logEntry) int {
		if a.id != b.id {
			return int(min(max(a.id-b.id, -1), 1))
		}
		if a.compact == b.compact {
			return 0
		}
		if a.compact {
			return 1
		}
		return -1
	})
	return out, nil
}

// readEntry reads and parses one entry file; errors wrap checkpoint.ErrCorrupt when the
// file does not parse (a torn write).
func readEntry(path string) ([]FileStatus, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading sink log %s: %w", path, err)
	}
	return decodeEntry(path, b)
}

func decodeEntry(path string, b []byte) ([]FileStatus, error) {
	if err := checkpoint.ValidateEntry(b); err != nil {
		return nil, fmt.Errorf("reading sink log %s: %w", path, err)
	}
	lines := bytes.Split(b, []byte{'\n'})
	if string(lines[0]) != "v1" {
		return nil, fmt.Errorf("reading sink log %s: UnsupportedLogVersion: maximum supported log version is v1, but encountered %s. "+
			"The log file was produced by a newer version of Spark and cannot be read by this version. Please upgrade.", path, lines[0])
	}
	var out []FileStatus
	for _, line := range lines[1:] {
		if len(line) == 0 {
			continue
		}
		var f FileStatus
		if err := json.Unmarshal(line, &f); err != nil || f.Path == "" {
			return nil, fmt.Errorf("reading sink log %s: %w: bad entry %.80q", path, checkpoint.ErrCorrupt, line)
		}
		out = append(out, f)
	}
	return out, nil
}

// Latest returns the newest batch id with a readable entry (a torn newest file counts as
// absent); ok is false for an empty log.
func (l *MetadataLog) Latest() (batchID int64, ok bool, err error) {
	entries, err := listEntries(l.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("listing sink log %s: %w", l.dir, err)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		_, err := readEntry(l.path(e.id, e.compact))
		if err == nil {
			return e.id, true, nil
		}
		if !errors.Is(err, checkpoint.ErrCorrupt) || i < len(entries)-1 {
			return 0, false, err
		}
	}
	return 0, false, nil
}

// Add records batchID's files. A compaction batch's entry also repeats every live file
// of the earlier batches. It fails if the batch is already recorded.
func (l *MetadataLog) Add(batchID int64, files []FileStatus) error {
	compact := l.isCompaction(batchID)
	all := files
	if compact && batchID > 0 {
		prev, err := l.filesUpTo(batchID - 1)
		if err != nil {
			return err
		}
		all = append(prev, files...)
		all = applyDeletes(all)
	}
	var b bytes.Buffer
	b.WriteString("v1")
	for _, f := range all {
		line, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("encoding sink log entry: %w", err)
		}
		b.WriteByte('\n')
		b.Write(line)
	}
	p := l.path(batchID, compact)
	err := checkpoint.CreateFileAtomic(p, b.Bytes())
	if errors.Is(err, fs.ErrExist) {
		if _, rerr := readEntry(p); rerr == nil {
			return fmt.Errorf("sink log %s: batch %d: %w", l.dir, batchID, checkpoint.ErrBatchExists)
		}
		err = checkpoint.WriteFileAtomic(p, b.Bytes()) // replace a torn entry
	}
	if err != nil {
		return fmt.Errorf("sink log %s: batch %d: %w", l.dir, batchID, err)
	}
	return nil
}

// AllFiles returns the files of every committed batch (Spark's allFiles): the latest
// compaction plus the entries after it, with deleted files removed.
func (l *MetadataLog) AllFiles() ([]FileStatus, error) {
	latest, ok, err := l.Latest()
	if err != nil || !ok {
		return nil, err
	}
	return l.filesUpTo(latest)
}

func (l *MetadataLog) filesUpTo(last int64) ([]FileStatus, error) {
	entries, err := listEntries(l.dir)
	if err != nil {
		return nil, fmt.Errorf("listing sink log %s: %w", l.dir, err)
	}
	start := int64(0)
	var out []FileStatus
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.compact && e.id <= last {
			got, err := readEntry(l.path(e.id, true))
			if err != nil {
				return nil, err
			}
			out, start = got, e.id+1
			break
		}
	}
	// Entries after the compaction, in id order. Streaming batch ids are contiguous; ids
	// chosen otherwise (a batch write using a timestamp) may leave gaps, which are fine.
	for _, e := range entries {
		if e.compact || e.id < start || e.id > last {
			continue
		}
		got, err := readEntry(l.path(e.id, false))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return applyDeletes(out), nil
}

// applyDeletes drops the files a "delete" entry names, and the delete entries.
func applyDeletes(files []FileStatus) []FileStatus {
	deleted := map[string]bool{}
	for _, f := range files {
		if f.Action == ActionDelete {
			deleted[f.Path] = true
		}
	}
	if len(deleted) == 0 {
		return files
	}
	out := files[:0:0]
	for _, f := range files {
		if f.Action != ActionDelete && !deleted[f.Path] {
			out = append(out, f)
		}
	}
	return out
}

// HasMetadata reports whether dir holds a file sink's log, in which case batch readers
// must list its files through the log (CommittedFiles) rather than the directory.
func HasMetadata(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, MetadataDir))
	return err == nil && fi.IsDir()
}

// CommittedFiles lists, as local paths, the data files committed by the file sink that
// writes to dir: only files of committed batches, never partial or duplicate files of a
// failed attempt. ok is false when dir has no sink log (then list the directory).
func CommittedFiles(dir string) (paths []string, ok bool, err error) {
	if !HasMetadata(dir) {
		return nil, false, nil
	}
	l := &MetadataLog{dir: filepath.Join(dir, MetadataDir), compactInterval: DefaultCompactInterval}
	files, err := l.AllFiles()
	if err != nil {
		return nil, true, err
	}
	for _, f := range files {
		if f.IsDir {
			continue
		}
		p, err := f.LocalPath()
		if err != nil {
			return nil, true, err
		}
		paths = append(paths, p)
	}
	return paths, true, nil
}
