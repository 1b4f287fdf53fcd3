package reliability

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
)

// snapshot maps every file and directory under root (relative paths) to its content
// hash, mode and modification time: any write, delete or rename shows as a difference.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		out[rel] = fmt.Sprintf("%v %d %s", info.Mode(), info.ModTime().UnixNano(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changedOutside lists the paths that differ between two snapshots and lie outside the
// allowed top-level names.
func changedOutside(before, after map[string]string, allowed ...string) []string {
	inAllowed := func(p string) bool {
		if p == "." {
			return true // the root's mtime changes as the named paths appear in it
		}
		for _, a := range allowed {
			if p == a || strings.HasPrefix(p, a+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	var out []string
	for p, v := range before {
		if w, ok := after[p]; (!ok || w != v) && !inAllowed(p) {
			out = append(out, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok && !inAllowed(p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// TestWritesStayUnderTheNamedPaths runs file sinks, checkpoints, cleanSource archive and
// delete, queries without a checkpoint and a batch overwrite inside a sandbox tree, with
// the working directory and TMPDIR inside it too: afterwards nothing outside the paths
// each one named has changed, the sources without cleanSource are untouched, and no
// file appeared in the working directory.
func TestWritesStayUnderTheNamedPaths(t *testing.T) {
	box := t.TempDir()
	mk := func(rel, content string) {
		p := filepath.Join(box, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		row := fmt.Sprintf("{\"id\":%d}\n", i)
		mk(fmt.Sprintf("in/%d.json", i), row)
		mk(fmt.Sprintf("in-archive/%d.json", i), row)
		mk(fmt.Sprintf("in-delete/%d.json", i), row)
	}
	mk("neighbour/data.txt", "keep me")
	mk("out-parquet-sibling/x", "keep me")
	mk("batch-out/old.txt", "replaced by the overwrite")
	mk("batch-out-sibling/old.txt", "keep me")
	for _, d := range []string{"cwd", "tmp"} {
		if err := os.Mkdir(filepath.Join(box, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(box, "cwd"))
	t.Setenv("TMPDIR", filepath.Join(box, "tmp"))
	before := snapshot(t, box)

	s := newSession(t)
	run := func(w *engine.DataStreamWriter) {
		t.Helper()
		q, err := w.Trigger(engine.AvailableNow()).Start()
		if err != nil {
			t.Fatal(err)
		}
		if err := q.AwaitTermination(); err != nil {
			t.Fatal(err)
		}
	}
	in := s.ReadStream().SchemaDDL("id LONG").Option("maxFilesPerTrigger", 2).JSON(filepath.Join(box, "in"))
	for _, format := range []string{"parquet", "csv", "json"} {
		run(in.WriteStream().Format(format).Option("path", filepath.Join(box, "out-"+format)).
			Option("checkpointLocation", filepath.Join(box, "cp-"+format)))
	}
	run(s.ReadStream().SchemaDDL("id LONG").Option("cleanSource", "archive").
		Option("sourceArchiveDir", filepath.Join(box, "archive")).JSON(filepath.Join(box, "in-archive")).
		WriteStream().Format("memory").QueryName("archived").Option("checkpointLocation", filepath.Join(box, "cp-archive")))
	run(s.ReadStream().SchemaDDL("id LONG").Option("cleanSource", "delete").JSON(filepath.Join(box, "in-delete")).
		WriteStream().Format("memory").QueryName("deleted").Option("checkpointLocation", filepath.Join(box, "cp-delete")))
	// No checkpoint: console, memory and foreachBatch sinks.
	engine.SetOutput(func() io.Writer { return io.Discard })
	t.Cleanup(func() { engine.SetOutput(nil) })
	run(in.WriteStream().Format("console"))
	run(in.WriteStream().Format("memory").QueryName("mem"))
	run(in.WriteStream().ForeachBatch(func(*engine.DataFrame, int64) error { return nil }))
	if err := s.Read().SchemaDDL("id LONG").JSON(filepath.Join(box, "in")).Write().Mode("overwrite").
		Parquet(filepath.Join(box, "batch-out")); err != nil {
		t.Fatal(err)
	}

	after := snapshot(t, box)
	if diff := changedOutside(before, after, "out-parquet", "out-csv", "out-json", "cp-parquet", "cp-csv", "cp-json",
		"cp-archive", "cp-delete", "in-archive", "archive", "in-delete", "batch-out"); len(diff) > 0 {
		t.Fatalf("changed outside the named paths: %q", diff)
	}
	// What the named paths must hold: the moved and deleted sources, the overwritten output.
	for i := range 6 {
		name := fmt.Sprintf("%d.json", i)
		if _, err := os.Stat(filepath.Join(box, "in-archive", name)); !os.IsNotExist(err) {
			t.Errorf("in-archive/%s not moved: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(box, "archive", box, "in-archive", name)); err != nil {
			t.Errorf("archive of %s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(box, "in-delete", name)); !os.IsNotExist(err) {
			t.Errorf("in-delete/%s not deleted: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(box, "batch-out", "old.txt")); !os.IsNotExist(err) {
		t.Errorf("the overwrite kept batch-out/old.txt: %v", err)
	}
	for _, d := range []string{"cwd", "tmp"} {
		if entries, _ := os.ReadDir(filepath.Join(box, d)); len(entries) != 0 {
			t.Errorf("%s holds %d entries after the queries", d, len(entries))
		}
	}
	t.Logf("%d paths of the sandbox compared before and after", len(before))
}
