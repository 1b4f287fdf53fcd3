package magics

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	want := []string{"%bg", "%cd", "%env", "%help", "%jobs", "%kill", "%logs", "%lsmagic", "%pwd",
		"%%bash", "%%time", "%%writefile"}
	if got := New().Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names = %q, want %q", got, want)
	}
}

func TestUnknownMagic(t *testing.T) {
	s := newTestSet(t)
	const avail = "available: %bg %cd %env %help %jobs %kill %logs %lsmagic %pwd %%bash %%time %%writefile"
	for text, want := range map[string]string{
		"%foo bar":       "unknown magic %foo; " + avail,
		"%%foo\nbody":    "unknown magic %%foo; " + avail,
		"%writefile x":   "%%writefile is a cell magic: it must be the first line of its cell",
		"%%cd /tmp\nx":   "%cd is a line magic: write %cd /tmp",
		"%help nosuch":   "unknown magic nosuch; " + avail,
		"%cd /a /b":      `%cd: one directory at most, got "/a /b"`,
		"%env NO_SUCH_V": "%env: no environment variable NO_SUCH_V",
	} {
		_, _, err := run(t, s, text)
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
	var ue *UnknownMagicError
	if _, _, err := run(t, s, "%foo"); !errors.As(err, &ue) || ue.Name != "%foo" {
		t.Errorf("%%foo: error %#v, want an *UnknownMagicError for %%foo", err)
	}
	// A cell magic below the first line is a magic line that explains itself.
	err := s.RunCell(context.Background(), "x := 1\n%%bash\necho", Env{RunCode: func(context.Context, string) error { return nil }})
	if err == nil || err.Error() != "line 2: %%bash is a cell magic: it must be the first line of its cell" {
		t.Errorf("misplaced %%%%bash: error %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	s := newTestSet(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "gen.go")
	steps := []struct{ cell, msg, content string }{
		{"%%writefile " + f + "\npackage main\n\nfunc main() {}", "Writing " + f + "\n", "package main\n\nfunc main() {}\n"},
		{"%%writefile -a " + f + "\n// more\n", "Appending to " + f + "\n", "package main\n\nfunc main() {}\n// more\n"},
		{"%%writefile " + f + "\nnew", "Overwriting " + f + "\n", "new\n"},
		{"%%writefile --append " + f + "\n", "Appending to " + f + "\n", "new\n"},
	}
	for _, st := range steps {
		if out := mustRun(t, s, st.cell); out != st.msg {
			t.Errorf("%q: printed %q, want %q", st.cell, out, st.msg)
		}
		b, err := os.ReadFile(f)
		if err != nil || string(b) != st.content {
			t.Errorf("%q: file holds %q (%v), want %q", st.cell, b, err, st.content)
		}
	}
	// -a on a missing file writes it, as IPython does.
	g := filepath.Join(dir, "new file.txt")
	if out := mustRun(t, s, "%%writefile -a '"+g+"'\nx"); out != "Writing "+g+"\n" {
		t.Errorf("append to a new file printed %q", out)
	}
	if b, _ := os.ReadFile(g); string(b) != "x\n" {
		t.Errorf("new file holds %q", b)
	}
	// A cell holding only the magic's line writes an empty file.
	e := filepath.Join(dir, "empty.txt")
	if out := mustRun(t, s, "%%writefile "+e); out != "Writing "+e+"\n" {
		t.Errorf("empty body printed %q", out)
	}
	if b, err := os.ReadFile(e); err != nil || len(b) != 0 {
		t.Errorf("empty file holds %q (%v)", b, err)
	}
	// Like IPython, no parent directory is created.
	missing := filepath.Join(dir, "no", "such", "f.txt")
	_, _, err := run(t, s, "%%writefile "+missing+"\nx")
	want := "%%writefile: open " + missing + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("missing parent: error %v, want %q", err, want)
	}
	if _, _, err := run(t, s, "%%writefile\nx"); err == nil || err.Error() != "%%writefile: usage: %%writefile [-a] FILE" {
		t.Errorf("no file: error %v", err)
	}
}

func TestEnv(t *testing.T) {
	s := newTestSet(t)
	t.Setenv("RUNNEL_T1", "")
	t.Setenv("RUNNEL_T2", "")
	if out := mustRun(t, s, "%env RUNNEL_T1=abc"); out != "env: RUNNEL_T1=abc\n" {
		t.Errorf("set with =: printed %q", out)
	}
	if out := mustRun(t, s, "%env RUNNEL_T2  hello world "); out != "env: RUNNEL_T2=hello world\n" {
		t.Errorf("set with a blank: printed %q", out)
	}
	if a, b := os.Getenv("RUNNEL_T1"), os.Getenv("RUNNEL_T2"); a != "abc" || b != "hello world" {
		t.Errorf("environment holds %q, %q", a, b)
	}
	if out := mustRun(t, s, "%env RUNNEL_T2"); out != "hello world\n" {
		t.Errorf("get: printed %q", out)
	}
	all := mustRun(t, s, "%env")
	if !strings.Contains(all, "\nRUNNEL_T1=abc\nRUNNEL_T2=hello world\n") {
		t.Errorf("list lacks the two variables in order:\n%s", all)
	}
	// Commands see the change.
	if out := mustRun(t, s, `!echo "$RUNNEL_T1/$RUNNEL_T2"`); out != "abc/hello world\n" {
		t.Errorf("!echo printed %q", out)
	}
}

func TestCd(t *testing.T) {
	s := newTestSet(t)
	t.Chdir(t.TempDir()) // restores the working directory afterwards
	start, _ := os.Getwd()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, s, "%cd "+dir); out != dir+"\n" {
		t.Errorf("%%cd DIR printed %q, want %q", out, dir+"\n")
	}
	if out := mustRun(t, s, "%pwd"); out != dir+"\n" {
		t.Errorf("%%pwd printed %q", out)
	}
	if out := mustRun(t, s, "!pwd"); out != dir+"\n" {
		t.Errorf("!pwd printed %q", out)
	}
	if out := mustRun(t, s, "%cd -"); out != start+"\n" {
		t.Errorf("%%cd - printed %q, want %q", out, start+"\n")
	}
	home, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	if out := mustRun(t, s, "%cd"); out != home+"\n" {
		t.Errorf("%%cd printed %q, want %q", out, home+"\n")
	}
	if err := os.Mkdir(filepath.Join(home, "sub dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, s, `%cd "~/sub dir"`); out != filepath.Join(home, "sub dir")+"\n" {
		t.Errorf("%%cd ~/sub dir printed %q", out)
	}
	_, _, err = run(t, s, "%cd /no/such/dir")
	if err == nil || err.Error() != "%cd: chdir /no/such/dir: no such file or directory" {
		t.Errorf("%%cd to a missing dir: error %v", err)
	}
}

func TestTime(t *testing.T) {
	s := newTestSet(t)
	var got []string
	env := Env{RunCode: func(_ context.Context, code string) error {
		got = append(got, code)
		time.Sleep(20 * time.Millisecond)
		return nil
	}}
	var out syncBuffer
	env.Stdout = &out
	if err := s.RunLine(context.Background(), "%%time\nx := 1\n!echo hi\ny := x", env); err != nil {
		t.Fatal(err)
	}
	// Go chunks keep the cell's line numbers: x is on line 2, y on line 4.
	if want := []string{"\nx := 1", "\n\n\ny := x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("RunCode got %q, want %q", got, want)
	}
	re := regexp.MustCompile(`^hi\nCPU times: user [0-9.]+ (s|ms|µs|ns), sys [0-9.]+ (s|ms|µs|ns), total [0-9.]+ (s|ms|µs|ns)\nWall time: ([0-9.]+) ms\n$`)
	m := re.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("%%%%time printed %q", out.String())
	}
	// An error of the body comes back after the times are printed.
	boom := errors.New("boom")
	out = syncBuffer{}
	env.RunCode = func(context.Context, string) error { return boom }
	if err := s.RunLine(context.Background(), "%%time\nx", env); err != boom {
		t.Errorf("error %v, want boom", err)
	}
	if !strings.HasPrefix(out.String(), "CPU times: ") {
		t.Errorf("no times printed on error: %q", out.String())
	}
	if _, _, err := run(t, s, "%%time\nx := 1"); err == nil || err.Error() != "%%time: no Go interpreter to run the body" {
		t.Errorf("no RunCode: error %v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0 ns",
		999:                     "999 ns",
		12500:                   "12.5 µs",
		1234567:                 "1.23 ms",
		500 * time.Millisecond:  "500 ms",
		1500 * time.Millisecond: "1.5 s",
		59 * time.Second:        "59 s",
		65 * time.Second:        "1min 5s",
		time.Hour + 2*time.Minute + 3*time.Second: "1h 2min 3s",
		2 * time.Hour: "2h",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRunCellMixed(t *testing.T) {
	s := newTestSet(t)
	var events []string
	var out syncBuffer
	env := Env{
		Stdout: &out,
		RunCode: func(_ context.Context, code string) error {
			events = append(events, "go "+code+" | out so far "+out.String())
			return nil
		},
	}
	cell := "x := 1\n!echo one\nfmt.Println(x)\n%env RUNNEL_MIXED=2"
	t.Setenv("RUNNEL_MIXED", "")
	if err := s.RunCell(context.Background(), cell, env); err != nil {
		t.Fatal(err)
	}
	want := []string{"go x := 1 | out so far ", "go \n\nfmt.Println(x) | out so far one\n"}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
	if out.String() != "one\nenv: RUNNEL_MIXED=2\n" {
		t.Errorf("output %q", out.String())
	}
	// The first error stops the cell.
	events = nil
	err := s.RunCell(context.Background(), "!exit 7\nx := 1", env)
	if err == nil || err.Error() != "!exit 7: exit status 7" || events != nil {
		t.Errorf("error %v, events %q", err, events)
	}
}

func TestLsmagicAndHelp(t *testing.T) {
	s := newTestSet(t)
	want := "Available line magics:\n%bg  %cd  %env  %help  %jobs  %kill  %logs  %lsmagic  %pwd\n\n" +
		"Available cell magics:\n%%bash  %%time  %%writefile\n\nShell commands: !COMMAND (a line starting with !)\n"
	if out := mustRun(t, s, "%lsmagic"); out != want {
		t.Errorf("%%lsmagic printed %q", out)
	}
	if out := mustRun(t, s, "%help %%writefile"); out != "%%writefile [-a] FILE\n    write the cell's body to FILE (-a appends)\n" {
		t.Errorf("%%help %%%%writefile printed %q", out)
	}
	if out := mustRun(t, s, "%help bg"); out != "%bg COMMAND\n    start COMMAND with /bin/bash in the background; prints [job] pid\n" {
		t.Errorf("%%help bg printed %q", out)
	}
	all := mustRun(t, s, "%help")
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(lines) != 13 || !strings.HasPrefix(lines[0], "%bg COMMAND ") || !strings.HasPrefix(lines[12], "!COMMAND ") ||
		!strings.HasPrefix(lines[11], "%%writefile [-a] FILE ") {
		t.Errorf("%%help printed:\n%s", all)
	}
}

func TestRegisterAndLookup(t *testing.T) {
	s := newTestSet(t)
	err := s.Register(Magic{Name: "hello", Usage: "%hello NAME", Help: "greet",
		Run: func(_ context.Context, _ *Set, env Env, args, _ string) error {
			_, err := env.Stdout.Write([]byte("hello, " + args + "\n"))
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, s, "%hello  Go "); out != "hello, Go\n" {
		t.Errorf("%%hello printed %q", out)
	}
	if names := s.Names(); names[3] != "%hello" || len(names) != 13 {
		t.Errorf("Names = %q", names)
	}
	if err := s.Register(Magic{Name: "%bad"}); err == nil {
		t.Error("Register accepted a name with % and no Run")
	}
	m, ok := s.Lookup("writefile")
	if !ok || !m.Cell || m.Usage != "%%writefile [-a] FILE" {
		t.Errorf("Lookup(writefile) = %+v, %v", m, ok)
	}
	if _, ok := s.Lookup("nosuch"); ok {
		t.Error("Lookup(nosuch) found a magic")
	}
}
