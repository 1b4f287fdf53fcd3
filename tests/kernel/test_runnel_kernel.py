"""Protocol tests of the Runnel kernel, run against the installed kernelspec.

Run with Debian's python (Jupyter is installed there), with JUPYTER_PATH pointing at the
kernelspec that `go run ./install --prefix DIR` wrote:

    JUPYTER_PATH=DIR/share/jupyter /usr/bin/python3 -m unittest -v tests/kernel/test_runnel_kernel.py
"""

import os
import queue
import signal
import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel

TIMEOUT = 15


class RunnelKernelTests(jupyter_kernel_test.KernelTests):
    """The conformance suite of jupyter_kernel_test."""

    kernel_name = "runnel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import ("fmt"; "os")\nfmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "strings.ToTit", "matches": {"ToTitle", "ToTitleSpecial"}},
        {"text": "fmt.Sprin", "matches": {"Sprint", "Sprintf", "Sprintln"}},
    ]

    complete_code_samples = ["x := 1", 'import "fmt"\nfmt.Println(1)', "func f() {}", ""]
    incomplete_code_samples = ["func f() {", "x := []int{1,", "s := `raw\n", "y := 2 +"]
    invalid_code_samples = ["x := )", "1 1", "}"]

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"a" + "b"', "result": '"ab"'},
        {"code": "[]int{1, 2}", "result": "[1 2]"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"

    code_inspect_sample = "strings.ToUpper"

    code_display_data = [
        {
            "code": 'import "github.com/runnel-go/runnel/display"\n'
            'display.Display(display.HTML("<b>bold</b>"))',
            "mime": "text/html",
        },
        {
            "code": 'import "github.com/runnel-go/runnel/engine"\n'
            'engine.NewSession().CreateDataFrame([][]any{{"a", 1}}, "k", "v").Show()',
            "mime": "text/html",
        },
        {
            "code": 'import "github.com/runnel-go/runnel/engine"\n'
            'engine.NewSession().CreateDataFrame([][]any{{"a", 1}}, "k", "v").Show()',
            "mime": "text/plain",
        },
    ]

    # IPython's `name?`: inspect's text sent to the pager as an execute_reply payload.
    code_page_something = "strings.ToUpper?"

    code_clear_output = 'import "github.com/runnel-go/runnel/display"\ndisplay.ClearOutput(false)'


class RunnelBehaviourTests(unittest.TestCase):
    """What jupyter_kernel_test does not cover: interrupt, live output, goroutines."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="runnel")

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def drain(self):
        for get in (self.kc.get_iopub_msg, self.kc.get_shell_msg):
            while True:
                try:
                    get(timeout=0.05)
                except queue.Empty:
                    break

    def run_cell(self, code, timeout=TIMEOUT):
        """Executes code; returns the reply content and [(msg_type, content, time)]."""
        self.drain()
        msg_id = self.kc.execute(code)
        outs = []
        while True:
            m = self.kc.get_iopub_msg(timeout=timeout)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
            outs.append((m["msg_type"], m["content"], time.monotonic()))
        reply = self.kc.get_shell_msg(timeout=timeout)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply["content"], outs

    def stdout(self, outs):
        return "".join(c["text"] for t, c, _ in outs if t == "stream" and c["name"] == "stdout")

    def test_interrupt_stops_busy_loop_within_a_second(self):
        self.run_cell("n := 41")
        for code in ["for {}", 'import "time"\ntime.Sleep(time.Hour)', "<-make(chan int)", "select {}"]:
            with self.subTest(code=code):
                self.drain()
                msg_id = self.kc.execute(code)
                # Wait until the cell is running.
                while True:
                    m = self.kc.get_iopub_msg(timeout=TIMEOUT)
                    if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
                        break
                time.sleep(0.2)
                start = time.monotonic()
                self.km.interrupt_kernel()
                reply = self.kc.get_shell_msg(timeout=5)
                elapsed = time.monotonic() - start
                self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
                self.assertEqual(reply["content"]["status"], "error")
                self.assertEqual(reply["content"]["ename"], "Interrupted")
                self.assertLess(elapsed, 1.0)
                content, _ = self.run_cell("n + 1")
                self.assertEqual(content["status"], "ok")
        _, outs = self.run_cell("n + 1")
        results = [c for t, c, _ in outs if t == "execute_result"]
        self.assertEqual(results[0]["data"]["text/plain"], "42")

    def test_output_streams_live(self):
        _, outs = self.run_cell(
            'import ("fmt"; "time")\n'
            "for i := 0; i < 3; i++ {\n"
            '\tfmt.Println("tick", i)\n'
            "\ttime.Sleep(300 * time.Millisecond)\n"
            "}"
        )
        streams = [(c["text"], at) for t, c, at in outs if t == "stream"]
        self.assertEqual("".join(s for s, _ in streams), "tick 0\ntick 1\ntick 2\n")
        # Each tick arrived in its own message, about 300 ms apart: not all at the end.
        self.assertGreaterEqual(len(streams), 3)
        self.assertGreater(streams[-1][1] - streams[0][1], 0.45)

    def test_panic_in_background_goroutine_leaves_kernel_alive(self):
        content, _ = self.run_cell(
            'import "time"\n'
            'go func() { time.Sleep(100 * time.Millisecond); panic("background boom") }()'
        )
        self.assertEqual(content["status"], "ok")
        # The panic is reported on the starting cell's stderr, after that cell ended.
        deadline = time.monotonic() + 5
        seen = ""
        while time.monotonic() < deadline and "background boom" not in seen:
            try:
                m = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                continue
            if m["msg_type"] == "stream":
                seen += m["content"]["text"]
        self.assertIn("panic in goroutine: background boom", seen)
        self.assertTrue(self.km.is_alive())
        content, outs = self.run_cell("6 * 7")
        self.assertEqual(content["status"], "ok")
        self.assertEqual([c["data"]["text/plain"] for t, c, _ in outs if t == "execute_result"], ["42"])

    def test_error_names_line_and_column(self):
        content, outs = self.run_cell("a := 1\nb := a + \"x\"")
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "CompileError")
        self.assertTrue(content["evalue"].startswith("In["), content["evalue"])
        self.assertIn(":2:6: invalid operation", content["evalue"])
        errors = [c for t, c, _ in outs if t == "error"]
        self.assertEqual(len(errors), 1)

    def test_definitions_persist_and_complete(self):
        self.run_cell(
            "type Person struct{ Name string }\n"
            'func (p Person) Greet() string { return "hi " + p.Name }\n'
            'who := Person{"Ann"}'
        )
        _, outs = self.run_cell("who.Greet()")
        self.assertEqual([c["data"]["text/plain"] for t, c, _ in outs if t == "execute_result"], ['"hi Ann"'])
        msg_id = self.kc.complete("who.", 4)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertTrue({"Greet", "Name"} <= set(reply["content"]["matches"]), reply["content"])
        self.assertEqual(reply["content"]["cursor_start"], 4)

    def test_stdin(self):
        self.drain()
        msg_id = self.kc.execute('import "fmt"\nvar name string\nfmt.Scanln(&name)\n"hello " + name', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.kc.input("Gopher")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "ok")


class RunnelSignalTests(unittest.TestCase):
    """SIGINT interrupts the running cell; SIGTERM shuts the kernel down cleanly."""

    def test_sigint_then_sigterm(self):
        km, kc = start_new_kernel(kernel_name="runnel")
        try:
            proc = km.provisioner.process
            msg_id = kc.execute("for {}")
            time.sleep(0.3)
            start = time.monotonic()
            os.kill(proc.pid, signal.SIGINT)
            reply = kc.get_shell_msg(timeout=5)
            self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
            self.assertEqual(reply["content"]["ename"], "Interrupted")
            self.assertLess(time.monotonic() - start, 1.0)
            kc.execute("1 + 1")
            self.assertEqual(kc.get_shell_msg(timeout=5)["content"]["status"], "ok")
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
            self.assertEqual(proc.returncode, 0)
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
