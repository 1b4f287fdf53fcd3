package kernel

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// debianPython is the interpreter Debian's Jupyter packages install into; the pyenv
// python3 first on PATH has no jupyter_client.
const debianPython = "/usr/bin/python3"

// TestJupyterClientInterop runs Debian's jupyter_client (BlockingKernelClient, over
// pyzmq and libzmq) against internal/stubkernel, a kernel built from this package with
// an echo handler: every request type, iopub order, stdin, control while a cell runs,
// heartbeat and shutdown (testdata/interop.py).
func TestJupyterClientInterop(t *testing.T) {
	requirePython(t, "jupyter_client")
	dir := t.TempDir()
	bin := buildStub(t, dir)

	ports := freePorts(t, 5)
	info := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], IOPubPort: ports[1],
		StdinPort: ports[2], ControlPort: ports[3], HBPort: ports[4], Key: testKey, SignatureScheme: "hmac-sha256"}
	data, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	connFile := filepath.Join(dir, "kernel.json")
	if err := os.WriteFile(connFile, data, 0o600); err != nil {
		t.Fatal(err)
	}

	logFile, err := os.Create(filepath.Join(dir, "kernel.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	kernelLog := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return string(b)
	}
	kern := exec.Command(bin, "-f", connFile)
	kern.Stderr = logFile
	if err := kern.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = kern.Wait()
		close(exited)
	}()
	defer func() {
		select {
		case <-exited:
		default:
			kern.Process.Kill()
			<-exited
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, debianPython, filepath.Join("testdata", "interop.py"), connFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "INTEROP OK") {
		t.Fatalf("jupyter_client against the kernel: %v\n%s\nkernel log:\n%s", err, out, kernelLog())
	}
	// shutdown_request ends the process, cleanly.
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("kernel exited with %v after shutdown_request\n%s", waitErr, kernelLog())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("kernel still running 10 s after shutdown_request")
	}
}

// TestJupyterKernelTestSuite runs Debian's jupyter_kernel_test (KernelTests, which
// validates every message against the protocol schemas) on internal/stubkernel started
// by jupyter_client's KernelManager from a kernelspec, plus interrupt by message and
// restart (testdata/kerneltest.py).
func TestJupyterKernelTestSuite(t *testing.T) {
	requirePython(t, "jupyter_client", "jupyter_kernel_test")
	dir := t.TempDir()
	bin := buildStub(t, dir)
	specDir := filepath.Join(dir, "share", "jupyter", "kernels", "runnel-stub")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec, err := json.Marshal(map[string]any{
		"argv":           []string{bin, "-f", "{connection_file}"},
		"display_name":   "Runnel stub",
		"language":       "go",
		"interrupt_mode": "message",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(specDir, "kernel.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, filepath.Join("testdata", "kerneltest.py"))
	cmd.Env = append(os.Environ(),
		"JUPYTER_PATH="+filepath.Join(dir, "share", "jupyter"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "runtime"),
		"JUPYTER_DATA_DIR="+filepath.Join(dir, "data"),
		"JUPYTER_PLATFORM_DIRS=1",
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nOK") {
		t.Fatalf("jupyter_kernel_test on the stub kernel: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "skipped") {
		t.Errorf("jupyter_kernel_test skipped tests:\n%s", out)
	}
}

// requirePython fails the test when Debian's python3 lacks a module: the test script
// installs the packages, so a missing one is a broken set-up, not a reason to skip.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	for _, m := range modules {
		if out, err := exec.Command(debianPython, "-c", "import "+m).CombinedOutput(); err != nil {
			t.Fatalf("%s cannot import %s (%v: %s); install Debian's Jupyter packages: "+
				"sudo apt-get install -y python3-jupyter-client python3-jupyter-kernel-test python3-zmq",
				debianPython, m, err, out)
		}
	}
}

// buildStub builds internal/stubkernel into dir.
func buildStub(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "stubkernel")
	build := exec.Command(goTool(), "build", "-o", bin, "./internal/stubkernel")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building stubkernel: %v\n%s", err, out)
	}
	return bin
}

// goTool is the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// freePorts returns n loopback TCP ports free a moment ago, as a kernel manager picks
// them for a connection file.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
