// Package checkpoint holds a streaming query's checkpoint directory in Spark's layout and
// formats: metadata (the query id), offsets/N, commits/N and the per-source logs, each an
// append-only log of numbered entries written atomically (Spark's HDFSMetadataLog).
package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// MinBatchesToRetain is Spark's spark.sql.streaming.minBatchesToRetain default: how many
// recent entries of the offsets and commits logs are kept when old ones are purged.
const MinBatchesToRetain = 100

var (
	// ErrBatchExists is returned by Add for a batch id whose entry is already written.
	ErrBatchExists = errors.New("batch already exists in the log")
	// ErrNotFound is returned by Get for a batch id without an entry.
	ErrNotFound = errors.New("batch not found in the log")
	// ErrCorrupt marks an entry that cannot be parsed, e.g. a file torn by a crash.
	ErrCorrupt = errors.New("corrupt log entry")
)

// Log is a directory of entries named by batch id ("0", "1", ...), Spark's HDFSMetadataLog.
// An entry is written once, atomically: to a hidden temporary file that is synced and then
// linked (or renamed) into place, so readers see either the whole entry or none of it.
// Hidden and temporary files are ignored. An entry that does not validate (a file torn by a
// crash of the machine before its data reached the disk) counts as absent when it is the
// last one, and may then be written again.
//
// A Log is meant for one writer (the query's driver); readers may run concurrently.
type Log struct {
	dir      string
	validate func([]byte) error
}

// NewLog opens (creating it if needed) the log in dir. Entries are validated as Spark's
// versioned text entries: a "v<N>" line, then lines each of which is JSON or "-".
func NewLog(dir string) (*Log, error) {
	return NewLogWithValidator(dir, ValidateEntry)
}

// NewLogWithValidator is NewLog with a custom check of an entry's content; validate returns
// an error for content that is not a complete entry.
func NewLogWithValidator(dir string, validate func([]byte) error) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating log directory %s: %w", dir, err)
	}
	return &Log{dir: dir, validate: validate}, nil
}

// Dir is the log's directory.
func (l *Log) Dir() string { return l.dir }

// Path is the file holding batchID's entry.
func (l *Log) Path(batchID int64) string {
	return filepath.Join(l.dir, strconv.FormatInt(batchID, 10))
}

// ValidateEntry accepts Spark's versioned log entries: a first line "v<N>" (N >= 1) and
// every following line either "-" or a JSON value. It rejects empty and truncated content.
func ValidateEntry(content []byte) error {
	lines := bytes.Split(content, []byte{'\n'})
	if _, err := parseVersion(string(lines[0])); err != nil {
		return err
	}
	for i, line := range lines[1:] {
		if i == len(lines)-2 && len(line) == 0 {
			break // a trailing newline
		}
		if string(line) == "-" {
			continue
		}
		if !json.Valid(line) {
			return fmt.Errorf("%w: line %d is not JSON: %.60q", ErrCorrupt, i+2, line)
		}
	}
	return nil
}

// parseVersion reads a "v<N>" header line.
func parseVersion(line string) (int, error) {
	if !strings.HasPrefix(line, "v") {
		return 0, fmt.Errorf("%w: log file was malformed: expected a version line like \"v1\", got %.20q", ErrCorrupt, line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: log file was malformed: bad version line %.20q", ErrCorrupt, line)
	}
	return n, nil
}

// Add writes batchID's entry. It refuses (ErrBatchExists) when a valid entry for batchID is
// already there: a log entry is never changed once written.
func (l *Log) Add(batchID int64, content []byte) error {
	if batchID < 0 {
		return fmt.Errorf("log %s: negative batch id %d", l.dir, batchID)
	}
	if err := l.validate(content); err != nil {
		return fmt.Errorf("log %s: refusing to write an invalid entry for batch %d: %w", l.dir, batchID, err)
	}
	final := l.Path(batchID)
	if _, err := l.read(batchID); err == nil {
		return fmt.Errorf("log %s: batch %d: %w", l.dir, batchID, ErrBatchExists)
	} else if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return err
	}
	err := CreateFileAtomic(final, content)
	if errors.Is(err, fs.ErrExist) {
		if _, rerr := l.read(batchID); rerr == nil {
			return fmt.Errorf("log %s: batch %d: %w", l.dir, batchID, ErrBatchExists)
		}
		// The file there is torn: replace it.
		err = WriteFileAtomic(final, content)
	}
	if err != nil {
		return fmt.Errorf("log %s: batch %d: %w", l.dir, batchID, err)
	}
	return nil
}

// CreateFileAtomic writes a new file at path with content, atomically: the content goes
// to a synced hidden temporary file that is then hard-linked into place, which fails (with
// an error matching fs.ErrExist) when path already exists, even if another writer races.
// The directory is synced so the new name survives a crash.
func CreateFileAtomic(path string, content []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, filepath.Base(path), content)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("creating %s: %w", path, fs.ErrExist)
		}
		// Hard links are not supported everywhere; fall back to check-then-rename.
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("creating %s: %w", path, fs.ErrExist)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("creating %s: %w", path, err)
		}
	}
	return syncDir(dir)
}

// writeTemp writes content to a new hidden temporary file in dir and syncs it.
func writeTemp(dir, name string, content []byte) (string, error) {
	tmp := filepath.Join(dir, "."+name+"."+uuid.NewString()+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// WriteFileAtomic writes content to path through a synced temporary file renamed into
// place, replacing any file there, and syncs the directory.
func WriteFileAtomic(path string, content []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, filepath.Base(path), content)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename or link inside dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// read returns batchID's validated content, ErrNotFound or ErrCorrupt (wrapped).
func (l *Log) read(batchID int64) ([]byte, error) {
	p := l.Path(batchID)
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("log %s: batch %d: %w", l.dir, batchID, ErrNotFound)
		}
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if err := l.validate(b); err != nil {
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return b, nil
}

// Get returns batchID's entry; ErrNotFound when there is none, ErrCorrupt when it is torn.
func (l *Log) Get(batchID int64) ([]byte, error) {
	return l.read(batchID)
}

// Has reports whether batchID has a valid entry.
func (l *Log) Has(batchID int64) (bool, error) {
	_, err := l.read(batchID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrCorrupt):
		return false, nil
	}
	return false, err
}

// List returns the batch ids that have an entry file, ascending (entries are not validated).
func (l *Log) List() ([]int64, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing log %s: %w", l.dir, err)
	}
	var ids []int64
	for _, e := range entries {
		if id, ok := parseBatchName(e.Name()); ok && !e.IsDir() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// parseBatchName accepts the plain decimal names of log entries ("0", "17").
func parseBatchName(name string) (int64, bool) {
	if name == "" || name[0] < '0' || name[0] > '9' {
		return 0, false
	}
	id, err := strconv.ParseInt(name, 10, 64)
	return id, err == nil && id >= 0
}

// Latest returns the newest valid entry. A newest file that does not validate is a write
// torn by a crash and is skipped, as if absent; ok is false when the log has no valid entry.
func (l *Log) Latest() (batchID int64, content []byte, ok bool, err error) {
	ids, err := l.List()
	if err != nil {
		return 0, nil, false, err
	}
	for i := len(ids) - 1; i >= 0; i-- {
		b, err := l.read(ids[i])
		if err == nil {
			return ids[i], b, true, nil
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
			return 0, nil, false, err
		}
		if i < len(ids)-1 {
			// Only the last entry can be torn by a crash; an earlier one is real damage.
			return 0, nil, false, err
		}
	}
	return 0, nil, false, nil
}

// Purge removes the entries older than thresholdBatchID (Spark's purge semantics).
func (l *Log) Purge(thresholdBatchID int64) error {
	ids, err := l.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id >= thresholdBatchID {
			break
		}
		if err := os.Remove(l.Path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("purging log %s: %w", l.dir, err)
		}
	}
	return nil
}

// KeepLast removes all but the newest n entries.
func (l *Log) KeepLast(n int) error {
	ids, err := l.List()
	if err != nil {
		return err
	}
	if len(ids) <= n {
		return nil
	}
	return l.Purge(ids[len(ids)-n])
}
