"""Bad code in cells and callbacks, and restarts, against the real kernel (issue 8, points
2 and 5): a nil dereference in ForeachBatch and in compiled engine code, an endless loop
inside ForeachBatch (issue 8.2: stopped and interrupted after its cell ended), a goroutine that panics in the background, and a kernel restart
that must leave no process behind.

Run as the other Python tests (tests/run_all.sh sets JUPYTER_PATH to the installed
kernelspec).
"""

import json
import os
import queue
import shutil
import tempfile
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30

IMPORTS = 'import ("errors"; "fmt"; "os/exec"; "time"; "github.com/runnel-go/runnel/engine")'


class KernelTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="runnel")
        cls.tmp = tempfile.mkdtemp()
        # One small JSON file: a file source's first batch starts at once.
        cls.indir = os.path.join(cls.tmp, "in")
        os.mkdir(cls.indir)
        with open(os.path.join(cls.indir, "a.json"), "w") as f:
            f.write('{"v":1}\n')

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def drain(self):
        for get in (self.kc.get_iopub_msg, self.kc.get_shell_msg):
            while True:
                try:
                    get(timeout=0.05)
                except queue.Empty:
                    break

    def run_cell(self, code, interrupt_on_output=None):
        """Executes code; returns (reply content, [(msg_type, content)] of this cell,
        [(msg_type, content, parent msg_id)] of other cells seen meanwhile). With
        interrupt_on_output, interrupts the kernel once the cell prints that text."""
        msg_id = self.kc.execute(code)
        outs, others = [], []
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            parent = m["parent_header"].get("msg_id")
            if parent != msg_id:
                others.append((m["msg_type"], m["content"], parent))
                continue
            if m["msg_type"] == "stream" and interrupt_on_output and interrupt_on_output in m["content"]["text"]:
                self.km.interrupt_kernel()
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
            outs.append((m["msg_type"], m["content"]))
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply["content"], outs, others

    def result(self, code):
        content, outs, _ = self.run_cell(code)
        self.assertEqual(content["status"], "ok", content)
        res = [c["data"]["text/plain"] for t, c in outs if t == "execute_result"]
        self.assertEqual(len(res), 1, outs)
        return res[0]

    def assert_alive(self):
        self.assertTrue(self.km.is_alive())
        self.assertEqual(self.result("6 * 7"), "42")


class BadCodeTests(KernelTestCase):
    def setUp(self):
        self.drain()
        content, _, _ = self.run_cell(
            IMPORTS + "\n"
            "spark := engine.NewSession()\n"
            'spark.Conf().Set("spark.sql.streaming.stopTimeout", "1000")\n'
            'df := spark.ReadStream().SchemaDDL("v INT").JSON(%s)\n'
            "type point struct{ x int }" % json.dumps(self.indir)
        )
        self.assertEqual(content["status"], "ok", content)

    def test_nil_dereference_in_foreach_batch(self):
        self.result(
            "q, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            "    var p *point\n"
            '    return fmt.Errorf("x is %d", p.x)\n'
            "}).Start()\n"
            "q.AwaitTermination() != nil"
        )
        content, outs, _ = self.run_cell("q.Exception()")
        self.assertEqual(content["status"], "error")
        self.assertIn("terminated with exception: panic in foreachBatch function: ", content["evalue"])
        # yaegi reports a field read through a nil pointer with reflect's message, in cells
        # as in callbacks; Go's own message is accepted too.
        self.assertTrue(content["evalue"].endswith(("runtime error: invalid memory address or nil pointer dereference",
                                                    "reflect: call of reflect.Value.Field on zero Value")),
                        content["evalue"])
        self.assertEqual(len([c for t, c in outs if t == "error"]), 1)
        self.assertEqual(self.result("q.IsActive()"), "false")
        self.assert_alive()

    def test_nil_map_write_in_foreach_batch(self):
        content, _, _ = self.run_cell(
            "qm, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            "    var seen map[int64]bool\n"
            "    seen[id] = true\n"
            "    return nil\n"
            "}).Start()\n"
            "qm.AwaitTermination()"
        )
        self.assertEqual(content["status"], "error")
        self.assertTrue(content["evalue"].endswith(
            "terminated with exception: panic in foreachBatch function: assignment to entry in nil map"), content)
        self.assert_alive()

    def test_panic_inside_compiled_engine_code(self):
        # A nil *DataFrame: the panic happens in the engine (compiled), not in the cell.
        content, _, _ = self.run_cell("var nodf *engine.DataFrame\nnodf.Count()")
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "panic")
        self.assertIn("nil pointer dereference", content["evalue"])
        self.assert_alive()

    def test_endless_loop_in_foreach_batch_interrupted_while_awaited(self):
        # The cell waits on the query while the batch function loops: the interrupt ends
        # the cell and the loop (the callback runs as that cell's work); Stop returns nil.
        content, outs, _ = self.run_cell(
            "spin, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            '    fmt.Println("batch", id)\n'
            "    for {}\n"
            "}).Start()\n"
            "spin.AwaitTermination()",
            interrupt_on_output="batch 0\n",
        )
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "Interrupted")
        self.assertIn("batch 0\n", "".join(c["text"] for t, c in outs if t == "stream"))
        self.assertEqual(self.result("spin.Stop() == nil"), "true")
        self.assertEqual(self.result("spin.IsActive()"), "false")
        self.assert_alive()

    def test_endless_loop_in_foreach_batch_of_a_finished_cell(self):
        # The cell that started the query has ended when the loop starts: a later cell's
        # Stop still ends the loop (the kernel's loops poll for a request to stop their
        # goroutine) and returns nil; the query ends without an exception.
        self.result(
            "stuck := make(chan bool, 1)\n"
            "spins := 0\n"
            "bg, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            "    stuck <- true\n"
            "    for { spins++ }\n"
            "}).Start()\n"
            "<-stuck"
        )
        self.assertEqual(self.result("bg.Stop() == nil"), "true")
        self.assertEqual(self.result("bg.IsActive()"), "false")
        self.assertEqual(self.result("bg.Exception() == nil"), "true")
        self.assertEqual(self.result("a := spins\ntime.Sleep(200 * time.Millisecond)\nspins == a"), "true")
        self.assert_alive()
        # Other queries still run in the same session.
        self.assertEqual(self.result(
            "n := int64(0)\n"
            "ok, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            "    c, err := d.Count(); n += c; return err\n"
            "}).Trigger(engine.AvailableNow()).Start()\n"
            "ok.AwaitTermination()\n"
            "n"), "1")

    def test_endless_loop_in_foreach_batch_interrupted_while_idle(self):
        # No cell runs when the interrupt comes: it ends the loop, the query fails with
        # the callback's interruption and the cell that started it is told.
        start_id = self.kc.execute(
            "idleStuck := make(chan bool, 1)\n"
            "idle, _ := df.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {\n"
            "    idleStuck <- true\n"
            "    for {}\n"
            "}).Start()\n"
            "<-idleStuck"
        )
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual((reply["parent_header"]["msg_id"], reply["content"]["status"]), (start_id, "ok"))
        self.km.interrupt_kernel()
        # The interrupt is handled apart from the shell: wait until the starting cell is
        # told, so that it cannot land in the next cell instead.
        told = ""
        while "interrupt: stopping a callback of a query started by this cell" not in told:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == start_id:
                told += m["content"]["text"]
        content, _, _ = self.run_cell("idle.AwaitTermination()")
        self.assertEqual(content["status"], "error")
        self.assertTrue(content["evalue"].endswith("panic in foreachBatch function: interrupted"), content)
        self.assertEqual(self.result("idle.IsActive()"), "false")
        self.assert_alive()

    def test_background_goroutine_panic_reported_in_its_cell(self):
        # Cell A starts a goroutine that panics while cell B runs: the report belongs to A.
        msg_a = self.kc.execute('go func() { time.Sleep(300 * time.Millisecond); panic("late boom A") }()')
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_a)
        content, outs, others = self.run_cell('time.Sleep(time.Second)\n"B done"')
        self.assertEqual(content["status"], "ok")
        self.assertNotIn("late boom A", "".join(c.get("text", "") for t, c in outs if t == "stream"))
        reports = [(c["name"], c["text"], parent) for t, c, parent in others
                   if t == "stream" and "late boom A" in c["text"]]
        self.assertEqual(len(reports), 1, others)
        name, text, parent = reports[0]
        self.assertEqual((name, parent), ("stderr", msg_a))
        self.assertTrue(text.startswith("panic in goroutine: late boom A\n"), text)
        self.assert_alive()


def processes_with(marker):
    """Live processes whose command line contains marker: (pid, cmdline)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z":
            out.append((int(pid), cmd.strip()))
    return out


class RestartTests(KernelTestCase):
    def test_restart_leaves_no_orphan_process(self):
        marker = "98765%d" % os.getpid()  # sleep's argument: unique to this run
        old_pid = self.km.provisioner.process.pid
        cells = [
            IMPORTS,
            "%%bg sleep %s1" % marker,                                  # a magic's background job
            'go exec.Command("sleep", "%s2").Run()' % marker,           # a go statement's child
            'child := exec.Command("sleep", "%s3")\nchild.Start()' % marker,  # started, never waited
            'go exec.Command("bash", "-c", "sleep %s4 & wait").Run()' % marker,  # a grandchild
            "spark := engine.NewSession()\n"
            'q, _ := spark.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("r").Start()',
        ]
        for code in cells:
            content, _, _ = self.run_cell(code)
            self.assertEqual(content["status"], "ok", (code, content))
        deadline = time.monotonic() + 10
        while len(processes_with(marker)) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        sleeps = [cmd for _, cmd in processes_with(marker) if cmd.startswith("sleep ")]
        self.assertEqual(len(sleeps), 4, processes_with(marker))
        self.km.restart_kernel(now=False)  # shutdown_request with restart=true
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.assertNotEqual(self.km.provisioner.process.pid, old_pid)
        self.assertEqual(processes_with(marker), [])
        with open("/proc/%d/stat" % old_pid) if os.path.exists("/proc/%d" % old_pid) else open(os.devnull) as f:
            stat = f.read()
        self.assertTrue(stat == "" or stat.rsplit(")", 1)[1].split()[0] == "Z", "the old kernel still runs: " + stat)
        self.assert_alive()


if __name__ == "__main__":
    unittest.main()
