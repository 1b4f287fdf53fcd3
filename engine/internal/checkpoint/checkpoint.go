package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Checkpoint is a query's checkpoint directory:
//
//	metadata          {"id":"<query id>"}, written once
//	offsets/N         the offsets of batch N, written before it runs
//	commits/N         written after batch N's sink committed
//	sources/<i>/N     each source's own log
//	state/<op>/<p>/   the state stores (package state)
type Checkpoint struct {
	dir string
	id  string
	// Offsets is the offsets log (offsets/); entries in OffsetSeq's format.
	Offsets *Log
	// Commits is the commits log (commits/); entries in the commit format.
	Commits *Log
}

// Open opens the checkpoint in dir, creating the directory and its metadata (a new query
// id) on first use; later opens read the id back.
func Open(dir string) (*Checkpoint, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("creating checkpoint directory %s: %w", abs, err)
	}
	c := &Checkpoint{dir: abs}
	if c.Offsets, err = NewLogWithValidator(filepath.Join(abs, "offsets"), validateOffsets); err != nil {
		return nil, err
	}
	if c.Commits, err = NewLogWithValidator(filepath.Join(abs, "commits"), validateCommit); err != nil {
		return nil, err
	}
	if c.id, err = c.loadOrCreateID(); err != nil {
		return nil, err
	}
	return c, nil
}

// Dir is the checkpoint's absolute directory.
func (c *Checkpoint) Dir() string { return c.dir }

// ID is the query id kept in the metadata file: stable across restarts.
func (c *Checkpoint) ID() string { return c.id }

type streamMetadata struct {
	ID string `json:"id"`
}

func (c *Checkpoint) loadOrCreateID() (string, error) {
	path := filepath.Join(c.dir, "metadata")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var m streamMetadata
		line, _, _ := bytes.Cut(b, []byte{'\n'})
		if jerr := json.Unmarshal(line, &m); jerr == nil && m.ID != "" {
			return m.ID, nil
		}
		// A metadata file that does not parse can only come from a crash while the
		// checkpoint was created; it may be replaced as long as no batch was planned.
		if ids, lerr := c.Offsets.List(); lerr != nil || len(ids) > 0 {
			return "", fmt.Errorf("reading checkpoint metadata %s: %w: %.60q", path, ErrCorrupt, b)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("reading checkpoint metadata: %w", err)
	}
	id := uuid.NewString()
	content, err := json.Marshal(streamMetadata{ID: id})
	if err != nil {
		return "", err
	}
	if err := WriteFileAtomic(path, content); err != nil {
		return "", fmt.Errorf("writing checkpoint metadata: %w", err)
	}
	return id, nil
}

// SourceLog opens the log of source i (sources/<i>/), validated as Spark's versioned
// entries.
func (c *Checkpoint) SourceLog(i int) (*Log, error) {
	return NewLog(c.SourceDir(i))
}

// SourceDir is the directory of source i's log.
func (c *Checkpoint) SourceDir(i int) string {
	return filepath.Join(c.dir, "sources", strconv.Itoa(i))
}

// StateDir is the directory of one stateful operator's partition (state/<op>/<partition>).
func (c *Checkpoint) StateDir(op, partition int) string {
	return filepath.Join(c.dir, "state", strconv.Itoa(op), strconv.Itoa(partition))
}

// OffsetSeq is one offsets entry: the batch's metadata and one offset per source.
type OffsetSeq struct {
	// WatermarkMs is the event-time watermark the batch runs with, in milliseconds.
	WatermarkMs int64
	// TimestampMs is the batch timestamp, in milliseconds.
	TimestampMs int64
	// Conf holds the session configuration that must stay the same across restarts.
	Conf map[string]string
	// Offsets holds each source's end offset as JSON text; "" when a source has none.
	Offsets []string
}

type offsetSeqMetadata struct {
	BatchWatermarkMs int64             `json:"batchWatermarkMs"`
	BatchTimestampMs int64             `json:"batchTimestampMs"`
	Conf             map[string]string `json:"conf"`
}

// maxLogVersion is the newest entry version understood (Spark writes "v1").
const maxLogVersion = 1

// EncodeOffsets renders o as Spark's OffsetSeqLog writes it: "v1", the metadata JSON, then
// one line per source offset ("-" for none). Offsets are compacted to one line each.
func EncodeOffsets(o OffsetSeq) ([]byte, error) {
	conf := o.Conf
	if conf == nil {
		conf = map[string]string{}
	}
	meta, err := json.Marshal(offsetSeqMetadata{o.WatermarkMs, o.TimestampMs, conf})
	if err != nil {
		return nil, fmt.Errorf("encoding offsets metadata: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("v1\n")
	b.Write(meta)
	for i, off := range o.Offsets {
		b.WriteByte('\n')
		if off == "" || off == "-" {
			b.WriteByte('-')
			continue
		}
		if err := json.Compact(&b, []byte(off)); err != nil {
			return nil, fmt.Errorf("offset of source %d is not JSON: %w", i, err)
		}
	}
	return b.Bytes(), nil
}

// DecodeOffsets parses an offsets entry.
func DecodeOffsets(content []byte) (OffsetSeq, error) {
	lines := strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
	if err := checkVersion(lines[0]); err != nil {
		return OffsetSeq{}, err
	}
	if len(lines) < 2 {
		return OffsetSeq{}, fmt.Errorf("%w: offsets entry without metadata", ErrCorrupt)
	}
	var meta offsetSeqMetadata
	if err := json.Unmarshal([]byte(lines[1]), &meta); err != nil {
		return OffsetSeq{}, fmt.Errorf("%w: offsets metadata: %w", ErrCorrupt, err)
	}
	o := OffsetSeq{WatermarkMs: meta.BatchWatermarkMs, TimestampMs: meta.BatchTimestampMs, Conf: meta.Conf}
	if o.Conf == nil {
		o.Conf = map[string]string{}
	}
	o.Offsets = make([]string, 0, len(lines)-2)
	for _, line := range lines[2:] {
		if line == "-" {
			o.Offsets = append(o.Offsets, "")
			continue
		}
		if !json.Valid([]byte(line)) {
			return OffsetSeq{}, fmt.Errorf("%w: offset %.60q is not JSON", ErrCorrupt, line)
		}
		o.Offsets = append(o.Offsets, line)
	}
	return o, nil
}

// checkVersion accepts "v1" and refuses newer versions with Spark's message.
func checkVersion(line string) error {
	v, err := parseVersion(line)
	if err != nil {
		return err
	}
	if v > maxLogVersion {
		return fmt.Errorf("UnsupportedLogVersion: maximum supported log version is v%d, but encountered v%d. "+
			"The log file was produced by a newer version of Spark and cannot be read by this version. Please upgrade.",
			maxLogVersion, v)
	}
	return nil
}

func validateOffsets(content []byte) error {
	if err := ValidateEntry(content); err != nil {
		return err
	}
	_, err := DecodeOffsets(content)
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return nil // a newer version is complete; reading it reports the version error
	}
	return err
}

type commitMetadata struct {
	NextBatchWatermarkMs int64 `json:"nextBatchWatermarkMs"`
}

// EncodeCommit renders a commits entry: "v1" then {"nextBatchWatermarkMs":N}.
func EncodeCommit(nextBatchWatermarkMs int64) []byte {
	b, _ := json.Marshal(commitMetadata{nextBatchWatermarkMs}) // cannot fail
	return append([]byte("v1\n"), b...)
}

// DecodeCommit parses a commits entry and returns its nextBatchWatermarkMs.
func DecodeCommit(content []byte) (int64, error) {
	lines := strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
	if err := checkVersion(lines[0]); err != nil {
		return 0, err
	}
	if len(lines) < 2 {
		return 0, fmt.Errorf("%w: commit entry without metadata", ErrCorrupt)
	}
	var m commitMetadata
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		return 0, fmt.Errorf("%w: commit metadata: %w", ErrCorrupt, err)
	}
	return m.NextBatchWatermarkMs, nil
}

func validateCommit(content []byte) error {
	if err := ValidateEntry(content); err != nil {
		return err
	}
	_, err := DecodeCommit(content)
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return nil
	}
	return err
}

// WriteOffsets writes batch batchID's offsets; ErrBatchExists if already written.
func (c *Checkpoint) WriteOffsets(batchID int64, o OffsetSeq) error {
	b, err := EncodeOffsets(o)
	if err != nil {
		return fmt.Errorf("offsets of batch %d: %w", batchID, err)
	}
	return c.Offsets.Add(batchID, b)
}

// ReadOffsets reads batch batchID's offsets.
func (c *Checkpoint) ReadOffsets(batchID int64) (OffsetSeq, error) {
	b, err := c.Offsets.Get(batchID)
	if err != nil {
		return OffsetSeq{}, err
	}
	o, err := DecodeOffsets(b)
	if err != nil {
		return OffsetSeq{}, fmt.Errorf("reading %s: %w", c.Offsets.Path(batchID), err)
	}
	return o, nil
}

// LatestOffsets returns the newest offsets entry; ok is false when there is none.
func (c *Checkpoint) LatestOffsets() (batchID int64, o OffsetSeq, ok bool, err error) {
	id, b, ok, err := c.Offsets.Latest()
	if err != nil || !ok {
		return 0, OffsetSeq{}, false, err
	}
	if o, err = DecodeOffsets(b); err != nil {
		return 0, OffsetSeq{}, false, fmt.Errorf("reading %s: %w", c.Offsets.Path(id), err)
	}
	return id, o, true, nil
}

// WriteCommit marks batch batchID committed, recording the watermark the next batch uses.
func (c *Checkpoint) WriteCommit(batchID, nextBatchWatermarkMs int64) error {
	return c.Commits.Add(batchID, EncodeCommit(nextBatchWatermarkMs))
}

// ReadCommit returns the nextBatchWatermarkMs committed with batch batchID.
func (c *Checkpoint) ReadCommit(batchID int64) (int64, error) {
	b, err := c.Commits.Get(batchID)
	if err != nil {
		return 0, err
	}
	w, err := DecodeCommit(b)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", c.Commits.Path(batchID), err)
	}
	return w, nil
}

// LatestCommit returns the newest committed batch and its nextBatchWatermarkMs.
func (c *Checkpoint) LatestCommit() (batchID, nextBatchWatermarkMs int64, ok bool, err error) {
	id, b, ok, err := c.Commits.Latest()
	if err != nil || !ok {
		return 0, 0, false, err
	}
	if nextBatchWatermarkMs, err = DecodeCommit(b); err != nil {
		return 0, 0, false, fmt.Errorf("reading %s: %w", c.Commits.Path(id), err)
	}
	return id, nextBatchWatermarkMs, true, nil
}

// PurgeOld drops offsets and commits entries that a restart can no longer need, keeping
// MinBatchesToRetain batches before currentBatchID, as Spark does after each batch.
func (c *Checkpoint) PurgeOld(currentBatchID int64) error {
	if currentBatchID <= MinBatchesToRetain {
		return nil
	}
	threshold := currentBatchID - MinBatchesToRetain
	if err := c.Offsets.Purge(threshold); err != nil {
		return err
	}
	return c.Commits.Purge(threshold)
}

// ResumePoint says where a query restarted on this checkpoint continues.
type ResumePoint struct {
	// BatchID is the next batch to run.
	BatchID int64
	// Rerun is true when batch BatchID's offsets were written but the batch was not
	// committed: it must run again with exactly End (the sink skips what it already has).
	Rerun bool
	// Start holds each source's offset where batch BatchID starts (the end offsets of
	// batch BatchID-1); nil for a fresh query, "" for a source without an offset.
	Start []string
	// End holds batch BatchID's end offsets when Rerun; nil otherwise (to be planned).
	End []string
	// WatermarkMs is the watermark batch BatchID runs with.
	WatermarkMs int64
	// TimestampMs is the batch timestamp to reuse when Rerun; 0 otherwise.
	TimestampMs int64
	// Conf is the configuration recorded in the latest offsets entry (nil when fresh).
	Conf map[string]string
}

// Resume applies Spark's restart rule: take the latest offsets entry N; if commits/N
// exists the query continues with batch N+1 from N's offsets and the committed watermark;
// otherwise it re-runs batch N with N's offsets, watermark and timestamp. A torn last entry
// of either log counts as absent. Without offsets the query starts at batch 0.
func (c *Checkpoint) Resume() (ResumePoint, error) {
	n, latest, ok, err := c.LatestOffsets()
	if err != nil {
		return ResumePoint{}, err
	}
	if !ok {
		return ResumePoint{}, nil
	}
	committed, err := c.Commits.Has(n)
	if err != nil {
		return ResumePoint{}, err
	}
	if committed {
		wm, err := c.ReadCommit(n)
		if err != nil {
			return ResumePoint{}, err
		}
		return ResumePoint{BatchID: n + 1, Start: latest.Offsets, WatermarkMs: wm, Conf: latest.Conf}, nil
	}
	rp := ResumePoint{BatchID: n, Rerun: true, End: latest.Offsets, WatermarkMs: latest.WatermarkMs,
		TimestampMs: latest.TimestampMs, Conf: latest.Conf}
	if n > 0 {
		prev, err := c.ReadOffsets(n - 1)
		switch {
		case err == nil:
			rp.Start = prev.Offsets
		case errors.Is(err, ErrNotFound):
			return ResumePoint{}, fmt.Errorf("checkpoint %s: batch %d's offsets are missing, needed to re-run batch %d: %w", c.dir, n-1, n, err)
		default:
			return ResumePoint{}, err
		}
	}
	return rp, nil
}

// relevantConfs are the session settings Spark records in each offsets entry (with Spark
// 3.5's defaults) because a restarted query must keep using them: state layouts, the
// watermark policy and the number of state partitions.
var relevantConfs = [][2]string{
	{"spark.sql.streaming.stateStore.providerClass", "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider"},
	{"spark.sql.streaming.join.stateFormatVersion", "2"},
	{"spark.sql.streaming.stateStore.compression.codec", "lz4"},
	{"spark.sql.streaming.stateStore.rocksdb.formatVersion", "5"},
	{"spark.sql.streaming.statefulOperator.useStrictDistribution", "true"},
	{"spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion", "2"},
	{"spark.sql.streaming.multipleWatermarkPolicy", "min"},
	{"spark.sql.streaming.aggregation.stateFormatVersion", "2"},
	{"spark.sql.shuffle.partitions", "200"},
}

// OffsetConf returns the configuration to record in offsets entries (OffsetSeq.Conf): the
// settings Spark keeps across restarts, taken from the session's conf or Spark's defaults.
func OffsetConf(session map[string]string) map[string]string {
	out := make(map[string]string, len(relevantConfs))
	for _, kv := range relevantConfs {
		v, ok := session[kv[0]]
		if !ok {
			v = kv[1]
		}
		out[kv[0]] = v
	}
	return out
}
