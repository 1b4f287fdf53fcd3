// Package state holds the keyed state of stateful operators (aggregations, deduplication,
// joins), one Store per operator and partition, versioned by micro-batch like Spark's
// HDFSBackedStateStore: the live map is in memory; each committed version is also written
// as a delta file (and now and then a full snapshot) under the checkpoint, from which Load
// rebuilds any retained version after a restart.
//
// Versions follow Spark's: batch N runs on version N and commits version N+1. An operator
// calls Load(N) when batch N starts (free when the store already holds N; a rebuild from
// files after a restart, including a re-run of N) and Commit at its end, every batch, so
// version and batch id stay aligned.
package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/google/uuid"
)

// Defaults of Options, Spark's: spark.sql.streaming.stateStore.minDeltasForSnapshot and
// spark.sql.streaming.minBatchesToRetain.
const (
	DefaultSnapshotInterval    = 10
	DefaultMinVersionsToRetain = 100
)

// entryOverhead estimates the bytes a map entry costs beyond its key and value bytes:
// string and slice headers, the map slot and the allocation rounding.
const entryOverhead = 80

// Options tune a Store.
type Options struct {
	// SnapshotInterval: a snapshot is written once this many deltas follow the last one.
	SnapshotInterval int
	// MinVersionsToRetain: files needed to load the last this many versions are kept.
	MinVersionsToRetain int
}

// Metrics are a store's figures for progress reports.
type Metrics struct {
	NumRowsTotal    int64 // keys in the store
	NumRowsUpdated  int64 // Put calls in the current version (or the one just committed)
	NumRowsRemoved  int64 // keys removed in the current version (or the one just committed)
	MemoryUsedBytes int64 // estimate of the memory the map holds
}

// entry is one key's slot. Removed keys stay in the map as tombstones (present false)
// until the version is committed or aborted, so a version's changes are tracked without a
// second map and an update of an existing key allocates nothing but its new value.
type entry struct {
	key     string
	val     []byte
	present bool
	// touched marks an entry changed in the pending version; old and oldPresent are its
	// state before, restored by Abort.
	touched    bool
	oldPresent bool
	old        []byte
}

// Store is the keyed state of one operator partition. Keys and values are byte strings
// (see RowCodec). It is used by one goroutine at a time.
//
// Life cycle: Load(v) gives the state as of committed version v; Get/Put/Remove/Iterate
// then build version v+1, which Commit makes durable (or Abort drops).
type Store struct {
	dir  string // "" for a memory-only store
	opts Options

	m       map[string]*entry
	n       int      // present keys
	version int64    // the committed version m holds, apart from pending changes
	pending []*entry // entries touched since version

	lastSnapshot int64 // version of the newest snapshot file (0: none)
	memBytes     int64
	updated      int64
	removed      int64
	resetMetrics bool // counters belong to the version just committed
}

// Open returns the store kept in dir (created if needed), at version 0 (empty); call Load
// to continue from a committed version. dir "" gives a memory-only store (no checkpoint).
func Open(dir string, opts Options) (*Store, error) {
	if opts.SnapshotInterval <= 0 {
		opts.SnapshotInterval = DefaultSnapshotInterval
	}
	if opts.MinVersionsToRetain <= 0 {
		opts.MinVersionsToRetain = DefaultMinVersionsToRetain
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating state directory %s: %w", dir, err)
		}
	}
	return &Store{dir: dir, opts: opts, m: map[string]*entry{}}, nil
}

// Dir is the store's directory ("" when memory-only).
func (s *Store) Dir() string { return s.dir }

// Version is the committed version the store is based on.
func (s *Store) Version() int64 { return s.version }

// HasUncommitted reports pending changes since the last Load or Commit.
func (s *Store) HasUncommitted() bool { return len(s.pending) > 0 }

// Get returns key's value. The slice belongs to the store: do not modify it; it stays
// valid until the next Put or Remove of the key.
func (s *Store) Get(key []byte) ([]byte, bool) {
	if e := s.m[string(key)]; e != nil && e.present {
		return e.val, true
	}
	return nil, false
}

// Len is the number of keys.
func (s *Store) Len() int { return s.n }

// touch records e's state before the pending version first changes it.
func (s *Store) touch(e *entry) {
	if s.resetMetrics {
		s.updated, s.removed, s.resetMetrics = 0, 0, false
	}
	if !e.touched {
		e.touched, e.oldPresent, e.old = true, e.present, e.val
		e.val = nil // the old bytes now belong to the undo record
		s.pending = append(s.pending, e)
	}
}

// Put sets key to value; both are copied.
func (s *Store) Put(key, value []byte) {
	e := s.m[string(key)]
	if e == nil {
		e = &entry{key: string(key)}
		s.m[e.key] = e
		s.memBytes += int64(len(e.key)) + entryOverhead
	}
	if e.present {
		s.memBytes -= int64(len(e.val))
	} else {
		s.n++
	}
	s.touch(e)
	e.present = true
	if e.val != nil && cap(e.val) >= len(value) {
		// Already changed in this version: the buffer is not the undo copy, reuse it.
		e.val = e.val[:len(value)]
	} else {
		e.val = make([]byte, len(value))
	}
	copy(e.val, value)
	s.memBytes += int64(len(value))
	s.updated++
}

// Remove deletes key; removing an absent key does nothing. It may be called from Iterate.
func (s *Store) Remove(key []byte) {
	e := s.m[string(key)]
	if e == nil || !e.present {
		return
	}
	s.memBytes -= int64(len(e.val))
	s.touch(e)
	e.val, e.present = nil, false
	s.n--
	s.removed++
}

// Iterate calls fn for every key until fn returns false, in no particular order. fn may
// Remove the key it is given; the slices belong to the store and must not be modified
// or kept after the call.
func (s *Store) Iterate(fn func(key, value []byte) bool) {
	for k, e := range s.m {
		if !e.present {
			continue
		}
		// The key is handed out without a copy; fn must not modify it (see the doc).
		if !fn(unsafe.Slice(unsafe.StringData(k), len(k)), e.val) {
			return
		}
	}
}

// Metrics returns the store's figures.
func (s *Store) Metrics() Metrics {
	return Metrics{NumRowsTotal: int64(s.n), NumRowsUpdated: s.updated, NumRowsRemoved: s.removed,
		MemoryUsedBytes: s.memBytes}
}

// Abort drops the changes made since the last Load or Commit.
func (s *Store) Abort() {
	for _, e := range s.pending {
		if e.present {
			s.memBytes -= int64(len(e.val))
			s.n--
		}
		e.val, e.present = e.old, e.oldPresent
		if e.present {
			s.memBytes += int64(len(e.val))
			s.n++
		}
		s.settle(e)
	}
	s.pending = s.pending[:0]
	s.updated, s.removed = 0, 0
}

// settle ends e's pending state, dropping it from the map when it is a tombstone.
func (s *Store) settle(e *entry) {
	e.touched, e.old, e.oldPresent = false, nil, false
	if !e.present {
		delete(s.m, e.key)
		s.memBytes -= int64(len(e.key)) + entryOverhead
	}
}

// Commit makes the pending changes version Version()+1 and returns it. With a directory,
// the version's delta file is written (atomically, replacing one left by a failed
// attempt) and, every SnapshotInterval versions, a snapshot; files no longer needed to load
// the last MinVersionsToRetain versions are deleted.
func (s *Store) Commit() (int64, error) {
	next := s.version + 1
	if s.dir != "" {
		if err := s.writeFile(next, "delta", s.writeDelta); err != nil {
			return 0, err
		}
		if next-s.lastSnapshot >= int64(s.opts.SnapshotInterval) {
			if err := s.writeFile(next, "snapshot", s.writeSnapshot); err != nil {
				return 0, err
			}
			s.lastSnapshot = next
			if err := s.cleanup(next); err != nil {
				return 0, err
			}
		} else if err := os.Remove(s.filePath(next, "snapshot")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// A snapshot of this version left by a failed attempt would shadow the delta
			// just written; it must go.
			return 0, fmt.Errorf("removing stale state snapshot: %w", err)
		}
	}
	for _, e := range s.pending {
		s.settle(e)
	}
	clear(s.pending) // drop the pointers so settled entries can be freed
	s.pending = s.pending[:0]
	s.version = next
	s.resetMetrics = true
	return next, nil
}

// Record framing, as Spark's delta and snapshot files: big-endian int32 key size, key,
// int32 value size (-1 for a removal), value; an int32 -1 ends the file, so a file cut
// short is detected.
func (s *Store) writeDelta(w *bufio.Writer) error {
	for _, e := range s.pending {
		switch {
		case e.present:
			writeRecord(w, e.key, e.val, false)
		case e.oldPresent:
			writeRecord(w, e.key, nil, true)
		}
	}
	return nil
}

func (s *Store) writeSnapshot(w *bufio.Writer) error {
	for k, e := range s.m {
		if e.present {
			writeRecord(w, k, e.val, false)
		}
	}
	return nil
}

func writeRecord(w *bufio.Writer, key string, value []byte, removed bool) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(key)))
	w.Write(hdr[:])
	w.WriteString(key)
	if removed {
		binary.BigEndian.PutUint32(hdr[:], 0xffffffff)
		w.Write(hdr[:])
		return
	}
	binary.BigEndian.PutUint32(hdr[:], uint32(len(value)))
	w.Write(hdr[:])
	w.Write(value)
}

func (s *Store) filePath(version int64, kind string) string {
	return filepath.Join(s.dir, strconv.FormatInt(version, 10)+"."+kind)
}

// writeFile writes one version file through a synced temporary file and a rename.
func (s *Store) writeFile(version int64, kind string, body func(*bufio.Writer) error) error {
	final := s.filePath(version, kind)
	tmp := filepath.Join(s.dir, "."+filepath.Base(final)+"."+uuid.NewString()+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing state file %s: %w", final, err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = body(w)
	if err == nil {
		w.Write([]byte{0xff, 0xff, 0xff, 0xff})
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing state file %s: %w", final, err)
	}
	d, err := os.Open(s.dir)
	if err == nil {
		err = d.Sync()
		d.Close()
	}
	if err != nil {
		return fmt.Errorf("syncing state directory %s: %w", s.dir, err)
	}
	return nil
}

// versionFile is a delta or snapshot file found in the directory.
type versionFile struct {
	version  int64
	snapshot bool
}

func (s *Store) listFiles() ([]versionFile, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing state directory %s: %w", s.dir, err)
	}
	var out []versionFile
	for _, e := range entries {
		name, kind, ok := strings.Cut(e.Name(), ".")
		if !ok || (kind != "delta" && kind != "snapshot") {
			continue
		}
		v, err := strconv.ParseInt(name, 10, 64)
		if err != nil || v < 1 {
			continue
		}
		out = append(out, versionFile{v, kind == "snapshot"})
	}
	return out, nil
}

// cleanup deletes the files older than the newest snapshot that loading the oldest
// retained version needs.
func (s *Store) cleanup(latest int64) error {
	earliest := latest - int64(s.opts.MinVersionsToRetain) + 1
	if earliest <= 1 {
		return nil
	}
	files, err := s.listFiles()
	if err != nil {
		return err
	}
	var base int64 // newest snapshot at or below earliest
	for _, f := range files {
		if f.snapshot && f.version <= earliest && f.version > base {
			base = f.version
		}
	}
	if base == 0 {
		return nil
	}
	for _, f := range files {
		if f.version < base {
			kind := "delta"
			if f.snapshot {
				kind = "snapshot"
			}
			if err := os.Remove(s.filePath(f.version, kind)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("cleaning state directory %s: %w", s.dir, err)
			}
		}
	}
	return nil
}

// Load sets the store to committed version (0: empty), dropping pending changes. Loading
// the version the store holds costs nothing; otherwise the state is rebuilt from the
// newest readable snapshot at or below version and the deltas after it.
func (s *Store) Load(version int64) error {
	if version < 0 {
		return fmt.Errorf("state: cannot load negative version %d", version)
	}
	s.Abort()
	s.resetMetrics = false
	if version == s.version {
		return nil
	}
	if version == 0 {
		s.reset(0)
		return nil
	}
	if s.dir == "" {
		return fmt.Errorf("state: cannot load version %d of a store without a checkpoint (it holds version %d)", version, s.version)
	}
	files, err := s.listFiles()
	if err != nil {
		return err
	}
	haveDelta := map[int64]bool{}
	var snapshots []int64
	for _, f := range files {
		if f.snapshot {
			if f.version <= version {
				snapshots = append(snapshots, f.version)
			}
		} else {
			haveDelta[f.version] = true
		}
	}
	// Newest snapshot first; a snapshot that cannot be read (torn) falls back to an older one.
	for len(snapshots) > 0 {
		newest := 0
		for i, v := range snapshots {
			if v > snapshots[newest] {
				newest = i
			}
		}
		base := snapshots[newest]
		snapshots = append(snapshots[:newest], snapshots[newest+1:]...)
		s.reset(base)
		if err := s.applyFile(s.filePath(base, "snapshot")); err == nil {
			s.lastSnapshot = base
			return s.replayDeltas(base, version, haveDelta)
		}
	}
	s.reset(0)
	return s.replayDeltas(0, version, haveDelta)
}

func (s *Store) reset(version int64) {
	s.m = map[string]*entry{}
	s.n = 0
	s.pending = s.pending[:0]
	s.memBytes = 0
	s.version = version
	s.lastSnapshot = 0
	s.updated, s.removed, s.resetMetrics = 0, 0, false
}

func (s *Store) replayDeltas(from, to int64, have map[int64]bool) error {
	for v := from + 1; v <= to; v++ {
		p := s.filePath(v, "delta")
		if !have[v] {
			s.reset(0)
			return fmt.Errorf("state: error reading delta file %s: %s does not exist", p, p)
		}
		if err := s.applyFile(p); err != nil {
			s.reset(0)
			return err
		}
		s.version = v
	}
	s.version = to
	return nil
}

// applyFile applies the records of a delta or snapshot file to the map.
func (s *Store) applyFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("state: reading %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var hdr [4]byte
	readSize := func() (int32, error) {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return 0, err
		}
		return int32(binary.BigEndian.Uint32(hdr[:])), nil
	}
	for {
		ks, err := readSize()
		if err != nil {
			return fmt.Errorf("state: %s is truncated: %w", path, err)
		}
		if ks == -1 {
			return nil
		}
		if ks < 0 {
			return fmt.Errorf("state: %s is corrupt: key size %d", path, ks)
		}
		key := make([]byte, ks)
		if _, err := io.ReadFull(r, key); err != nil {
			return fmt.Errorf("state: %s is truncated: %w", path, err)
		}
		vs, err := readSize()
		if err != nil {
			return fmt.Errorf("state: %s is truncated: %w", path, err)
		}
		e := s.m[string(key)]
		if vs < 0 {
			if e != nil {
				delete(s.m, e.key)
				s.memBytes -= int64(len(e.key)+len(e.val)) + entryOverhead
				s.n--
			}
			continue
		}
		val := make([]byte, vs)
		if _, err := io.ReadFull(r, val); err != nil {
			return fmt.Errorf("state: %s is truncated: %w", path, err)
		}
		if e == nil {
			e = &entry{key: string(key), present: true}
			s.m[e.key] = e
			s.memBytes += int64(len(e.key)) + entryOverhead
			s.n++
		} else {
			s.memBytes -= int64(len(e.val))
		}
		e.val = val
		s.memBytes += int64(len(val))
	}
}

// DirFor is the directory of operator op's partition under a checkpoint
// (<checkpoint>/state/<op>/<partition>), or "" without a checkpoint.
func DirFor(checkpointDir string, op, partition int) string {
	if checkpointDir == "" {
		return ""
	}
	return filepath.Join(checkpointDir, "state", strconv.Itoa(op), strconv.Itoa(partition))
}
