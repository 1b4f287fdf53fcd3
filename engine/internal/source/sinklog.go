package source

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// SinkLogDir is the name of a file sink's metadata log directory inside its output path.
const SinkLogDir = "_spark_metadata"

// SinkFileEntry is one line of a file sink's metadata log (Spark's SinkFileStatus).
type SinkFileEntry struct {
	Path             string `json:"path"`
	Size             int64  `json:"size"`
	IsDir            bool   `json:"isDir"`
	ModificationTime int64  `json:"modificationTime"`
	BlockReplication int    `json:"blockReplication"`
	BlockSize        int64  `json:"blockSize"`
	Action           string `json:"action"`
}

// ListSinkLog lists the data files a file sink's metadata log (dir/_spark_metadata)
// names, as local absolute paths in the order they were added. The bool is false when dir
// has no log (then the caller lists the directory itself). Compact files (N.compact) are
// honoured: the latest compaction plus the batches after it; "delete" entries remove files.
func ListSinkLog(dir string) ([]string, bool, error) {
	logDir := filepath.Join(dir, SinkLogDir)
	st, err := os.Stat(logDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading file sink log %s: %w", logDir, err)
	}
	if !st.IsDir() {
		return nil, false, nil
	}
	ids, compacts, err := logBatchIDs(logDir)
	if err != nil {
		return nil, true, err
	}
	if len(ids) == 0 {
		return []string{}, true, nil
	}
	latest := ids[len(ids)-1]
	from := int64(0)
	var files []string
	for i := len(compacts) - 1; i >= 0; i-- {
		if compacts[i] <= latest {
			from = compacts[i]
			break
		}
	}
	index := map[string]int{}
	var order []string
	add := func(e SinkFileEntry) {
		p, err := localPath(e.Path, dir)
		if err != nil {
			return
		}
		switch e.Action {
		case "delete":
			delete(index, p)
		default:
			if _, ok := index[p]; !ok {
				index[p] = len(order)
				order = append(order, p)
			}
		}
	}
	isCompact := map[int64]bool{}
	for _, c := range compacts {
		isCompact[c] = true
	}
	for _, id := range ids {
		if id < from {
			continue
		}
		name := strconv.FormatInt(id, 10)
		if isCompact[id] {
			name += ".compact"
		}
		entries, err := readSinkLogFile(filepath.Join(logDir, name))
		if err != nil {
			return nil, true, err
		}
		for _, e := range entries {
			add(e)
		}
	}
	for _, p := range order {
		if _, ok := index[p]; ok {
			files = append(files, p)
		}
	}
	if files == nil {
		files = []string{}
	}
	return files, true, nil
}

// logBatchIDs lists the batch ids of a metadata log directory (files N and N.compact),
// sorted; compacts lists the ids that are compactions.
func logBatchIDs(logDir string) (ids, compacts []int64, err error) {
	ents, err := os.ReadDir(logDir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading metadata log %s: %w", logDir, err)
	}
	for _, e := range ents {
		name := e.Name()
		compact := false
		if strings.HasSuffix(name, ".compact") {
			name, compact = strings.TrimSuffix(name, ".compact"), true
		}
		id, err := strconv.ParseInt(name, 10, 64)
		if err != nil || id < 0 || e.IsDir() {
			continue
		}
		ids = append(ids, id)
		if compact {
			compacts = append(compacts, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	sort.Slice(compacts, func(i, j int) bool { return compacts[i] < compacts[j] })
	return ids, compacts, nil
}

func readSinkLogFile(path string) ([]SinkFileEntry, error) {
	var out []SinkFileEntry
	err := readLogLines(path, func(line string) error {
		var e SinkFileEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// readLogLines reads a metadata log file: a version line ("v1") and one JSON per line.
func readLogLines(path string, each func(string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading metadata log file %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			v, ok := strings.CutPrefix(line, "v")
			n, err := strconv.Atoi(v)
			if !ok || err != nil {
				return fmt.Errorf("reading metadata log file %s: log file was malformed: failed to read correct log version from %q", path, line)
			}
			if n > 1 {
				return fmt.Errorf("reading metadata log file %s: UnsupportedLogVersion: maximum supported log version is v1, but encountered v%d", path, n)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := each(line); err != nil {
			return fmt.Errorf("reading metadata log file %s: %w", path, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading metadata log file %s: %w", path, err)
	}
	if first {
		return fmt.Errorf("reading metadata log file %s: the file is empty", path)
	}
	return nil
}

// localPath turns a log's path (a file: URI or a plain path, relative to base) into a
// local absolute path.
func localPath(p, base string) (string, error) {
	if strings.HasPrefix(p, "file:") {
		u, err := url.Parse(p)
		if err != nil {
			return "", err
		}
		if u.Path == "" {
			return filepath.Clean(u.Opaque), nil
		}
		return filepath.Clean(u.Path), nil
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	return filepath.Join(base, p), nil
}

// fileURI is the "file:///abs/path" form Spark writes in its logs.
func fileURI(path string) string {
	u := url.URL{Scheme: "file", Path: path}
	return u.String()
}
