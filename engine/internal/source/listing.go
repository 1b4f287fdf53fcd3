package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// fileInfo is one listed data file.
type fileInfo struct {
	path  string // absolute local path
	modMs int64  // modification time, ms since the epoch
	size  int64
}

// hiddenName reports names Spark's file listing skips: starting with "_" (unless a
// partition directory like "_x=1") or ".", and in-progress copies.
func hiddenName(name string) bool {
	return strings.HasPrefix(name, "_") && !strings.Contains(name, "=") ||
		strings.HasPrefix(name, ".") || strings.HasSuffix(name, "._COPYING_")
}

func isGlob(p string) bool { return strings.ContainsAny(p, "*?[{") }

// pathNotFound is Spark's error for a missing input path.
func pathNotFound(abs string) error {
	return fmt.Errorf("[PATH_NOT_FOUND] Path does not exist: file:%s.", abs)
}

// expandBraces turns one level of {a,b} alternatives (Hadoop glob syntax) into several
// patterns, which filepath.Glob does not know.
func expandBraces(p string) []string {
	i := strings.IndexByte(p, '{')
	if i < 0 {
		return []string{p}
	}
	j := strings.IndexByte(p[i:], '}')
	if j < 0 {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:i+j], ",") {
		out = append(out, expandBraces(p[:i]+alt+p[i+j+1:])...)
	}
	return out
}

// listFiles lists the data files under paths (files, directories listed recursively,
// or glob patterns). A directory holding a file sink's log lists the log's files.
// A missing non-glob path is an error when mustExist is set, else it lists nothing.
func listFiles(paths []string, mustExist bool) ([]fileInfo, error) {
	var out []fileInfo
	seen := map[string]bool{}
	add := func(fi fileInfo) {
		if !seen[fi.path] {
			seen[fi.path] = true
			out = append(out, fi)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("resolving path %s: %w", p, err)
		}
		var roots []string
		if isGlob(abs) {
			for _, pat := range expandBraces(abs) {
				m, err := filepath.Glob(pat)
				if err != nil {
					return nil, fmt.Errorf("bad glob pattern %s: %w", p, err)
				}
				for _, r := range m {
					if !hiddenName(filepath.Base(r)) {
						roots = append(roots, r)
					}
				}
			}
			sort.Strings(roots)
		} else {
			roots = []string{abs}
		}
		for _, r := range roots {
			st, err := os.Stat(r)
			if errors.Is(err, fs.ErrNotExist) {
				if mustExist && !isGlob(abs) {
					return nil, pathNotFound(abs)
				}
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", r, err)
			}
			if !st.IsDir() {
				// Pipes and devices would block or never end: only regular files.
				if st.Mode().IsRegular() {
					add(fileInfo{path: r, modMs: st.ModTime().UnixMilli(), size: st.Size()})
				}
				continue
			}
			if err := listDir(r, add); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// listDir lists a directory's data files recursively, through its sink log when it has one.
func listDir(dir string, add func(fileInfo)) error {
	logged, ok, err := ListSinkLog(dir)
	if err != nil {
		return err
	}
	if ok {
		for _, p := range logged {
			st, err := os.Stat(p)
			if err != nil {
				// A file the log names but that is gone is reported when it is read.
				add(fileInfo{path: p})
				continue
			}
			add(fileInfo{path: p, modMs: st.ModTime().UnixMilli(), size: st.Size()})
		}
		return nil
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed while listing
	}
	if err != nil {
		return fmt.Errorf("listing %s: %w", dir, err)
	}
	for _, e := range ents {
		if hiddenName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // vanished between listing and stat
		}
		if err != nil {
			return fmt.Errorf("listing %s: %w", p, err)
		}
		if info.IsDir() {
			if err := listDir(p, add); err != nil {
				return err
			}
			continue
		}
		if !info.Mode().IsRegular() {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				continue
			} else {
				info = st
			}
		}
		add(fileInfo{path: p, modMs: info.ModTime().UnixMilli(), size: info.Size()})
	}
	return nil
}
