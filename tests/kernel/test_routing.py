"""Wire-level routing of a query's output, against the installed kernelspec.

A query started in cell A keeps sending its output (fmt.Println and Show inside
ForeachBatch) with cell A's parent header while another cell B runs, and the live view of
the query (shown in cell L) is updated in place with update_display_data for its
display_id, parented to B while B runs.

    JUPYTER_PATH=DIR/share/jupyter /usr/bin/python3 -m unittest -v tests/kernel/test_routing.py
"""

import os
import queue
import shutil
import tempfile
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30

TABLE = (
    "+-----+-----+\n"
    "| word|count|\n"
    "+-----+-----+\n"
    "|alpha|    1|\n"
    "| beta|    1|\n"
    "|gamma|    2|\n"
    "+-----+-----+\n"
    "\n"  # Show's println
)


class RoutingTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="runnel-routing-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.stop_file = os.path.join(self.dir, "stop")
        self.km, self.kc = start_new_kernel(kernel_name="runnel")
        self.msgs = []  # every iopub message read, in order

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        # Written aside and renamed, so that the file source never sees half a file.
        tmp = os.path.join(self.dir, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, os.path.join(self.data, name))

    def read_until(self, pred, what, timeout=TIMEOUT):
        """Reads iopub messages until pred(msg) holds for one; returns it."""
        for m in self.msgs:
            if pred(m):
                return m
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                continue
            self.msgs.append(m)
            if pred(m):
                return m
        self.fail("no %s within %d s; got %s" % (what, timeout, [(m["msg_type"], m["content"]) for m in self.msgs[-20:]]))

    def idle(self, msg_id):
        self.read_until(
            lambda m: m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] == "status"
            and m["content"]["execution_state"] == "idle",
            "idle of %s" % msg_id,
        )

    def run_cell(self, code):
        msg_id = self.kc.execute(code)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.idle(msg_id)
        return msg_id

    def of(self, msg_id, msg_type=None):
        return [
            m
            for m in self.msgs
            if m["parent_header"].get("msg_id") == msg_id and (msg_type is None or m["msg_type"] == msg_type)
        ]

    def test_query_output_goes_to_its_cell_and_live_view_updates(self):
        self.write("1.txt", "alpha beta\n")
        cell_a = self.run_cell(
            "import (\n"
            '\t"fmt"\n'
            '\t"github.com/runnel-go/runnel/engine"\n'
            '\tF "github.com/runnel-go/runnel/engine/functions"\n'
            ")\n"
            'spark := engine.Builder().AppName("routing").GetOrCreate()\n'
            "lines := spark.ReadStream().Format(\"text\").Load(`%s`)\n"
            'words := lines.Select(F.Explode(F.Split(lines.Col("value"), " ")).Alias("word"))\n'
            'q, err := words.GroupBy("word").Count().WriteStream().OutputMode("complete").QueryName("routing").\n'
            "\tForeachBatch(func(df *engine.DataFrame, id int64) error {\n"
            '\t\tfmt.Println("Batch:", id)\n'
            '\t\treturn df.OrderBy("word").Show()\n'
            "\t}).Start()\n"
            "err" % self.data
        )
        self.read_until(
            lambda m: m["parent_header"].get("msg_id") == cell_a
            and m["msg_type"] == "stream"
            and "Batch: 0" in m["content"]["text"],
            "batch 0 in cell A",
        )

        cell_l = self.run_cell("q")
        shown = self.of(cell_l, "display_data")
        self.assertEqual(len(shown), 1, self.of(cell_l))
        self.assertEqual(self.of(cell_l, "execute_result"), [])
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(display_id)
        self.assertIn('class="runnel-live"', shown[0]["content"]["data"]["text/html"])
        self.assertIn("Query: routing  id: ", shown[0]["content"]["data"]["text/plain"])

        self.run_cell(
            'import ("os"; "time")\n'
            "func exists(path string) bool { _, err := os.Stat(path); return err == nil }"
        )
        cell_b = self.kc.execute(
            'fmt.Println("B running")\n'
            "for i := 0; i < 1200 && !exists(`%s`); i++ {\n"
            "\ttime.Sleep(25 * time.Millisecond)\n"
            "}\n"
            'fmt.Println("B done")' % self.stop_file
        )
        self.read_until(
            lambda m: m["parent_header"].get("msg_id") == cell_b
            and m["msg_type"] == "stream"
            and m["content"]["text"] == "B running\n",
            "cell B running",
        )
        self.write("2.txt", "gamma gamma\n")

        # Batch 1's text and table land in cell A while B runs.
        self.read_until(
            lambda m: m["parent_header"].get("msg_id") == cell_a
            and m["msg_type"] == "stream"
            and "Batch: 1" in m["content"]["text"],
            "batch 1 in cell A",
        )
        table = self.read_until(
            lambda m: m["parent_header"].get("msg_id") == cell_a
            and m["msg_type"] == "display_data"
            and "gamma" in m["content"]["data"].get("text/plain", ""),
            "batch 1's table in cell A",
        )
        self.assertEqual(table["content"]["data"]["text/plain"], TABLE)
        self.assertIn("<tr><td>gamma</td><td>2</td></tr>", table["content"]["data"]["text/html"])

        # The live view is updated in place, through the executing cell B.
        update = self.read_until(
            lambda m: m["msg_type"] == "update_display_data"
            and m["content"]["transient"]["display_id"] == display_id
            and "Batch: 1 " in m["content"]["data"]["text/plain"],
            "update of the live view with batch 1",
        )
        self.assertEqual(update["parent_header"]["msg_id"], cell_b)
        self.assertIn("|gamma|    2|", update["content"]["data"]["text/plain"])
        self.assertIn('<td class="runnel-batch">1</td>', update["content"]["data"]["text/html"])

        with open(self.stop_file, "w"):
            pass
        self.idle(cell_b)
        # B's own output is only what B printed; the query's went to A.
        self.assertEqual(
            [(m["msg_type"], m["content"].get("text")) for m in self.of(cell_b) if m["msg_type"] in ("stream", "display_data")],
            [("stream", "B running\n"), ("stream", "B done\n")],
        )
        for m in self.of(cell_b, "update_display_data"):
            self.assertEqual(m["content"]["transient"]["display_id"], display_id)

        # Stopping the query sends a last update that shows it stopped.
        cell_s = self.kc.execute("q.Stop()")
        final = self.read_until(
            lambda m: m["msg_type"] == "update_display_data"
            and m["content"]["transient"]["display_id"] == display_id
            and "Status: Stopped" in m["content"]["data"]["text/plain"],
            "final update of the live view",
        )
        self.assertIn(final["parent_header"]["msg_id"], (cell_s, cell_l))
        self.assertIn("Batch: 1 ", final["content"]["data"]["text/plain"])


if __name__ == "__main__":
    unittest.main()
