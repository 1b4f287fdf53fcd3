// Command install builds the Runnel kernel and installs its Jupyter kernelspec:
//
//	go run ./install                 # for the current user (~/.local/share/jupyter/kernels/runnel)
//	go run ./install --sys-prefix    # into sys.prefix of Debian's python3 (/usr/share/jupyter/...)
//	go run ./install --prefix DIR    # into DIR/share/jupyter/kernels/runnel (JUPYTER_PATH=DIR/share/jupyter)
//
// The kernelspec directory holds kernel.json, the two logos and the kernel binary
// itself, so nothing else needs to be on PATH.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// kernelName is the kernelspec's directory name: `jupyter console --kernel runnel`.
const kernelName = "runnel"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "install:", err)
		os.Exit(1)
	}
}

func run() error {
	user := flag.Bool("user", false, "install for the current user (the default)")
	sysPrefix := flag.Bool("sys-prefix", false, "install into sys.prefix of the system python3 (/usr)")
	prefix := flag.String("prefix", "", "install into `DIR`/share/jupyter/kernels/runnel")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	n := 0
	for _, set := range []bool{*user, *sysPrefix, *prefix != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("--user, --sys-prefix and --prefix exclude each other")
	}

	var dataDir string
	switch {
	case *prefix != "":
		abs, err := filepath.Abs(*prefix)
		if err != nil {
			return err
		}
		dataDir = filepath.Join(abs, "share", "jupyter")
	case *sysPrefix:
		dataDir = filepath.Join(pythonSysPrefix(), "share", "jupyter")
	default:
		d, err := userDataDir()
		if err != nil {
			return err
		}
		dataDir = d
	}
	dir := filepath.Join(dataDir, "kernels", kernelName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the kernelspec directory: %w", err)
	}

	bin := filepath.Join(dir, "runnel")
	if err := build(bin); err != nil {
		return err
	}
	if err := writeKernelJSON(filepath.Join(dir, "kernel.json"), bin); err != nil {
		return err
	}
	for _, size := range []int{32, 64} {
		if err := writeLogo(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)), size); err != nil {
			return err
		}
	}
	fmt.Printf("Installed the Runnel kernelspec in %s\n", dir)
	if *prefix != "" {
		fmt.Printf("Use it with JUPYTER_PATH=%s\n", dataDir)
	}
	return nil
}

// userDataDir is Jupyter's per-user data directory on Linux.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// pythonSysPrefix asks the system's python3 (Jupyter runs on Debian's, not on a pyenv
// one first on PATH) for sys.prefix.
func pythonSysPrefix() string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		out, err := exec.Command(py, "-c", "import sys; print(sys.prefix)").Output()
		if err == nil && strings.TrimSpace(string(out)) != "" {
			return strings.TrimSpace(string(out))
		}
	}
	return "/usr"
}

// build compiles the kernel from the module this command runs in.
func build(bin string) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("locating the module: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return errors.New("run this from the Runnel module: go run ./install")
	}
	cmd := exec.Command("go", "build", "-o", bin, "./kernel/cmd/runnel")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	fmt.Println("Building the kernel:", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the kernel: %w", err)
	}
	return nil
}

type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata"`
}

func writeKernelJSON(path, bin string) error {
	spec := kernelSpec{
		Argv:          []string{bin, "--connection-file", "{connection_file}"},
		DisplayName:   "Go (Runnel)",
		Language:      "go",
		InterruptMode: "message",
		Metadata: map[string]any{
			"debugger":       false,
			"implementation": "runnel",
			"homepage":       "https://github.com/runnel-go/runnel",
		},
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing kernel.json: %w", err)
	}
	return nil
}

// writeLogo draws the logo: three white waves (a runnel is a small stream) on a
// Go-blue rounded square.
func writeLogo(path string, size int) error {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	s := float64(size)
	radius := s * 0.2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if insideRounded(fx, fy, s, radius) {
				img.SetNRGBA(x, y, blue)
			}
		}
	}
	thick := s * 0.06
	for i := 0; i < 3; i++ {
		base := s * (0.32 + 0.18*float64(i))
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				fx, fy := float64(x)+0.5, float64(y)+0.5
				if fx < s*0.15 || fx > s*0.85 {
					continue
				}
				wave := base + s*0.06*math.Sin((fx/s)*2*math.Pi*1.5)
				if math.Abs(fy-wave) <= thick {
					img.SetNRGBA(x, y, white)
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the logo: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encoding the logo: %w", err)
	}
	return f.Close()
}

func insideRounded(x, y, s, r float64) bool {
	cx := math.Min(math.Max(x, r), s-r)
	cy := math.Min(math.Max(y, r), s-r)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}
