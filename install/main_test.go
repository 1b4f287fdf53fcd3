package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestKernelJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.json")
	if err := writeKernelJSON(path, "/k/runnel"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"argv":           []any{"/k/runnel", "--connection-file", "{connection_file}"},
		"display_name":   "Go (Runnel)",
		"language":       "go",
		"interrupt_mode": "message",
	}
	for k, v := range want {
		if !reflect.DeepEqual(spec[k], v) {
			t.Errorf("%s = %v, want %v", k, spec[k], v)
		}
	}
	if _, ok := spec["metadata"].(map[string]any); !ok {
		t.Errorf("metadata missing: %s", b)
	}
}

func TestLogos(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{32, 64} {
		path := filepath.Join(dir, "logo.png")
		if err := writeLogo(path, size); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("logo %d: bounds %v", size, b)
		}
		// Corners are transparent (rounded), the centre is painted.
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("logo %d: corner alpha %d", size, a)
		}
		if _, _, _, a := img.At(size/2, size/2).RGBA(); a == 0 {
			t.Errorf("logo %d: centre transparent", size)
		}
	}
}

func TestUserDataDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, _ := userDataDir(); d != "/xdg/jupyter" {
		t.Errorf("XDG: %s", d)
	}
	t.Setenv("JUPYTER_DATA_DIR", "/jd")
	if d, _ := userDataDir(); d != "/jd" {
		t.Errorf("JUPYTER_DATA_DIR: %s", d)
	}
}
