package magics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// builtins lists the magics every Set starts with.
func builtins() []Magic {
	return []Magic{
		{Name: "writefile", Cell: true, Usage: "%%writefile [-a] FILE",
			Help: "write the cell's body to FILE (-a appends)",
			Run:  func(_ context.Context, _ *Set, env Env, args, body string) error { return writeFile(env, args, body) }},
		{Name: "bash", Cell: true, Usage: "%%bash",
			Help: "run the cell's body with /bin/bash, output shown as it comes",
			Run: func(ctx context.Context, s *Set, env Env, args, body string) error {
				if args != "" {
					return fmt.Errorf("%%%%bash takes no arguments, got %q", args)
				}
				return s.runBash(ctx, env, "%%bash", body)
			}},
		{Name: "time", Cell: true, Usage: "%%time",
			Help: "run the cell's body and print the CPU and wall time it took",
			Run:  func(ctx context.Context, s *Set, env Env, _, body string) error { return s.timeCell(ctx, env, body) }},
		{Name: "bg", Usage: "%bg COMMAND",
			Help: "start COMMAND with /bin/bash in the background; prints [job] pid",
			Run:  func(ctx context.Context, s *Set, env Env, args, _ string) error { return s.magicBg(ctx, env, args) }},
		{Name: "jobs", Usage: "%jobs",
			Help: "list background jobs: id, pid, status, command",
			Run:  func(_ context.Context, s *Set, env Env, _, _ string) error { return s.magicJobs(env) }},
		{Name: "logs", Usage: "%logs N",
			Help: "print the output of background job N so far",
			Run:  func(_ context.Context, s *Set, env Env, args, _ string) error { return s.magicLogs(env, args) }},
		{Name: "kill", Usage: "%kill N",
			Help: "stop background job N and everything it started",
			Run:  func(_ context.Context, s *Set, env Env, args, _ string) error { return s.magicKill(env, args) }},
		{Name: "env", Usage: "%env [NAME | NAME=VALUE | NAME VALUE]",
			Help: "list, get or set environment variables",
			Run:  func(_ context.Context, _ *Set, env Env, args, _ string) error { return magicEnv(env, args) }},
		{Name: "cd", Usage: "%cd [DIR | -]",
			Help: "change the working directory (home without DIR, the previous one with -)",
			Run:  func(_ context.Context, s *Set, env Env, args, _ string) error { return s.magicCd(env, args) }},
		{Name: "pwd", Usage: "%pwd",
			Help: "print the working directory",
			Run: func(_ context.Context, _ *Set, env Env, _, _ string) error {
				wd, err := os.Getwd()
				if err != nil {
					return fmt.Errorf("%%pwd: %w", err)
				}
				fmt.Fprintln(env.Stdout, wd)
				return nil
			}},
		{Name: "lsmagic", Usage: "%lsmagic",
			Help: "list the available magics",
			Run:  func(_ context.Context, s *Set, env Env, _, _ string) error { return s.lsmagic(env) }},
		{Name: "help", Usage: "%help [NAME]",
			Help: "describe every magic, or the one named",
			Run:  func(_ context.Context, s *Set, env Env, args, _ string) error { return s.help(env, args) }},
	}
}

// writeFile implements %%writefile with IPython's messages. Like IPython it creates no
// missing parent directory.
func writeFile(env Env, args, body string) error {
	words, err := splitWords(args)
	if err != nil {
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	appendMode := false
	var names []string
	for _, w := range words {
		switch w {
		case "-a", "--append":
			appendMode = true
		default:
			names = append(names, w)
		}
	}
	if len(names) != 1 {
		return errors.New("%%writefile: usage: %%writefile [-a] FILE")
	}
	name, err := expandHome(names[0])
	if err != nil {
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	msg := "Writing"
	if _, err := os.Stat(name); err == nil {
		msg = "Overwriting"
		if appendMode {
			msg = "Appending to"
		}
	}
	if appendMode {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	fmt.Fprintf(env.Stdout, "%s %s\n", msg, name)
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("%%%%writefile: writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%%%%writefile: closing %s: %w", name, err)
	}
	return nil
}

// magicEnv implements %env: list all, get one, or set one ("NAME=VALUE" or "NAME VALUE").
func magicEnv(env Env, args string) error {
	if args == "" {
		vars := os.Environ()
		sort.Strings(vars)
		for _, v := range vars {
			fmt.Fprintln(env.Stdout, v)
		}
		return nil
	}
	i := strings.IndexAny(args, "= \t")
	if i < 0 {
		v, ok := os.LookupEnv(args)
		if !ok {
			return fmt.Errorf("%%env: no environment variable %s", args)
		}
		fmt.Fprintln(env.Stdout, v)
		return nil
	}
	name, value := args[:i], strings.TrimSpace(args[i+1:])
	if name == "" {
		return fmt.Errorf("%%env: no variable name in %q", args)
	}
	if err := os.Setenv(name, value); err != nil {
		return fmt.Errorf("%%env: setting %s: %w", name, err)
	}
	fmt.Fprintf(env.Stdout, "env: %s=%s\n", name, value)
	return nil
}

// magicCd changes the process's working directory: the kernel runs one process per
// session, so the session's cells and commands all see the change.
func (s *Set) magicCd(env Env, args string) error {
	words, err := splitWords(args)
	if err != nil {
		return fmt.Errorf("%%cd: %w", err)
	}
	if len(words) > 1 {
		return fmt.Errorf("%%cd: one directory at most, got %q", args)
	}
	old, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("%%cd: %w", err)
	}
	var dir string
	switch {
	case len(words) == 0:
		if dir, err = homeDir(); err != nil {
			return fmt.Errorf("%%cd: %w", err)
		}
	case words[0] == "-":
		s.mu.Lock()
		dir = s.prevDir
		s.mu.Unlock()
		if dir == "" {
			return errors.New("%cd: no previous directory")
		}
	default:
		if dir, err = expandHome(words[0]); err != nil {
			return fmt.Errorf("%%cd: %w", err)
		}
	}
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("%%cd: %w", err)
	}
	s.mu.Lock()
	s.prevDir = old
	s.mu.Unlock()
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("%%cd: %w", err)
	}
	fmt.Fprintln(env.Stdout, wd)
	return nil
}

// timeCell runs body (Go and magic lines, the body starting on the cell's second line)
// and prints the process's CPU times and the wall time, as IPython's %%time does.
func (s *Set) timeCell(ctx context.Context, env Env, body string) error {
	if env.RunCode == nil && !onlyMagics(body) {
		return errors.New("%%time: no Go interpreter to run the body")
	}
	u0, s0 := cpuTimes()
	start := time.Now()
	err := s.runChunks(ctx, Split(body), 1, env)
	wall := time.Since(start)
	u1, s1 := cpuTimes()
	user, sys := u1-u0, s1-s0
	fmt.Fprintf(env.Stdout, "CPU times: user %s, sys %s, total %s\nWall time: %s\n",
		formatDuration(user), formatDuration(sys), formatDuration(user+sys), formatDuration(wall))
	return err
}

func onlyMagics(body string) bool {
	for _, c := range Split(body) {
		if !c.Magic {
			return false
		}
	}
	return true
}

// cpuTimes returns the user and system CPU time used by this process so far.
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// formatDuration writes d as IPython's %time does: three significant digits in s, ms, µs
// or ns below a minute ("1.23 ms", "500 ms", "0 ns"), "1min 5s" style above.
func formatDuration(d time.Duration) string {
	sec := d.Seconds()
	if sec >= 60 {
		var parts []string
		left := sec
		for _, u := range []struct {
			suffix string
			length float64
		}{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}} {
			if v := math.Floor(left / u.length); v > 0 {
				left = math.Mod(left, u.length)
				parts = append(parts, strconv.Itoa(int(v))+u.suffix)
			}
			if left < 1 {
				break
			}
		}
		return strings.Join(parts, " ")
	}
	units := []string{"s", "ms", "µs", "ns"}
	scale := []float64{1, 1e3, 1e6, 1e9}
	order := 3
	if sec > 0 {
		// Python's floor division: -1 // 3 == -1.
		order = min(-int(math.Floor(math.Floor(math.Log10(sec))/3)), 3)
	}
	return strconv.FormatFloat(sec*scale[order], 'g', 3, 64) + " " + units[order]
}

func (s *Set) lsmagic(env Env) error {
	var line, cell []string
	for _, n := range s.Names() {
		if strings.HasPrefix(n, "%%") {
			cell = append(cell, n)
		} else {
			line = append(line, n)
		}
	}
	fmt.Fprintf(env.Stdout, "Available line magics:\n%s\n\nAvailable cell magics:\n%s\n\nShell commands: !COMMAND (a line starting with !)\n",
		strings.Join(line, "  "), strings.Join(cell, "  "))
	return nil
}

func (s *Set) help(env Env, args string) error {
	name := strings.TrimLeft(strings.TrimSpace(args), "%")
	s.mu.Lock()
	var ms []Magic
	for _, m := range s.magics {
		if name == "" || m.Name == name {
			ms = append(ms, m)
		}
	}
	s.mu.Unlock()
	if len(ms) == 0 {
		return &UnknownMagicError{Name: strings.TrimSpace(args), Available: s.Names()}
	}
	if name != "" {
		fmt.Fprintf(env.Stdout, "%s\n    %s\n", usage(ms[0]), ms[0].Help)
		return nil
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Cell != ms[j].Cell {
			return !ms[i].Cell
		}
		return ms[i].Name < ms[j].Name
	})
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\n", usage(m), m.Help)
	}
	fmt.Fprintf(tw, "%s\t%s\n", "!COMMAND", "run COMMAND with /bin/bash, output shown as it comes")
	return tw.Flush()
}

func usage(m Magic) string {
	if m.Usage != "" {
		return m.Usage
	}
	if m.Cell {
		return "%%" + m.Name
	}
	return "%" + m.Name
}

// splitWords splits s at blanks, honouring single and double quotes and backslashes as
// a shell does (without expansions).
func splitWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0:
				i++
				cur.WriteByte(s[i])
			default:
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// expandHome replaces a leading "~" by the home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	h, err := homeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, p[1:]), nil
}
