"""Executes notebooks/tutorial.ipynb and notebooks/bitcoin-dashboard.ipynb headless with
nbclient against the `runnel` kernelspec, and checks their outputs against references
computed here from the data the notebooks generated: the word counts, the window
averages of the trades, the rows of the joins and sinks.

Run with Debian's python (Jupyter is installed there). tests/run_all.sh exports
JUPYTER_PATH for the kernelspec it installed; without it, the test installs the kernel
of this checkout into a temporary prefix itself:

    /usr/bin/python3 -m unittest -v tests/notebooks/test_notebooks.py

Each notebook works in a directory it makes with os.MkdirTemp and removes in its last
cell. The kernel gets a TMPDIR of the test's own, so the test finds that directory, and
the cells run one by one so that the test reads the data before the last cell runs.
"""

import collections
import datetime
import glob
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import nbformat
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
CELL_TIMEOUT = 300  # seconds for one cell; the notebooks take well under a minute each

_installed = None  # temporary prefix of a kernel this module installed


def setUpModule():
    global _installed
    if os.environ.get("JUPYTER_PATH"):
        try:
            KernelSpecManager().get_kernel_spec("runnel")
            return
        except NoSuchKernel:
            pass
    # No kernelspec given: install the kernel of this checkout, not whatever a user has.
    _installed = tempfile.mkdtemp(prefix="runnel-nbtest-kernel-")
    subprocess.run(["go", "run", "./install", "--prefix", _installed], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    os.environ["JUPYTER_PATH"] = os.path.join(_installed, "share", "jupyter")


def tearDownModule():
    if _installed:
        shutil.rmtree(_installed, ignore_errors=True)


def source(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def text_of(output):
    """The text of one output: a stream's text, or a rich output's text/plain."""
    if output["output_type"] == "stream":
        t = output["text"]
    elif output["output_type"] in ("display_data", "execute_result"):
        t = output["data"].get("text/plain", "")
    else:
        return ""
    return "".join(t) if isinstance(t, list) else t


def data_text(output, mime):
    """The data of one MIME type of a rich output, as a string ("" when absent)."""
    t = output["data"].get(mime, "")
    return "".join(t) if isinstance(t, list) else t


def cell_text(cell):
    return "".join(text_of(o) for o in cell.get("outputs", []))


def parse_tables(text):
    """Spark text tables in text, each as (header, rows) of stripped cells."""
    tables = []
    lines = text.splitlines()
    i = 0
    while i + 2 < len(lines):
        if (lines[i].startswith("+-") and lines[i + 1].startswith("|")
                and lines[i + 2].startswith("+-")):
            header = [c.strip() for c in lines[i + 1].strip("|").split("|")]
            rows = []
            i += 3
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            tables.append((header, rows))
        i += 1
    return tables


def table_block(text, first_line):
    """The full text of the table whose first data row starts with first_line."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == first_line and i >= 3 and lines[i - 1].startswith("+-"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            return "\n".join(lines[i - 3:j + 1])
    return None


def read(path):
    with open(path) as f:
        return f.read()


def data_files(directory, suffix):
    """The data files of a directory as the engine's file source lists them."""
    return sorted(p for p in glob.glob(os.path.join(directory, "*" + suffix))
                  if not os.path.basename(p).startswith(("_", ".")))


STUDENTS = [("LiLei", "12", "75.5"), ("Hanmeimei", "16", "90.0"), ("Lily", "15", "68.0"),
            ("Michael", "20", "70.5"), ("Andy", "17", "80.0"), ("Justin", "19", "87.0")]

STUDENTS_TABLE = """+---------+---+-----+
|     name|age|score|
+---------+---+-----+
|    LiLei| 12| 75.5|
|Hanmeimei| 16| 90.0|
|     Lily| 15| 68.0|
|  Michael| 20| 70.5|
|     Andy| 17| 80.0|
|   Justin| 19| 87.0|
+---------+---+-----+"""

CONSOLE_BANNER = "-------------------------------------------\nBatch: 0\n-------------------------------------------\n"


class NotebookRun:
    """A notebook executed cell by cell, with hooks before chosen cells."""

    def __init__(self, test, name, prefix):
        self.test = test
        self.path = os.path.join(NOTEBOOKS, name)
        self.nb = nbformat.read(self.path, as_version=4)
        self.tmp = tempfile.mkdtemp(prefix="runnel-nbtest-")
        test.addCleanup(shutil.rmtree, self.tmp, True)
        self.prefix = prefix
        self.workdir = None

    def code_cells(self):
        return [c for c in self.nb.cells if c.cell_type == "code"]

    def cell(self, needle):
        """The one code cell whose source contains needle."""
        found = [c for c in self.code_cells() if needle in source(c)]
        self.test.assertEqual(len(found), 1, "cells containing %r" % needle)
        return found[0]

    def run(self, before_last=None):
        """Executes every cell; before_last runs before the last one (which removes the
        notebook's working directory)."""
        client = NotebookClient(self.nb, kernel_name="runnel", timeout=CELL_TIMEOUT,
                                resources={"metadata": {"path": NOTEBOOKS}})
        env = dict(os.environ, TMPDIR=self.tmp)
        with client.setup_kernel(env=env):
            cells = list(enumerate(self.nb.cells))
            last = max(i for i, c in cells if c.cell_type == "code")
            for i, c in cells:
                if i == last and before_last:
                    before_last()
                client.execute_cell(c, i)
        for c in self.code_cells():
            errors = [o for o in c.get("outputs", []) if o["output_type"] == "error"]
            self.test.assertEqual(errors, [], "error output in cell:\n" + source(c))

    def find_workdir(self):
        text = "".join(cell_text(c) for c in self.code_cells())
        m = re.search(r"^working directory: (\S+)$", text, re.M)
        self.test.assertIsNotNone(m, "the notebook prints its working directory")
        self.workdir = m.group(1)
        self.test.assertTrue(self.workdir.startswith(os.path.join(self.tmp, self.prefix)), self.workdir)
        self.test.assertTrue(os.path.isdir(self.workdir))
        return self.workdir


class TutorialTest(unittest.TestCase):
    """The seed chapter in Go: every query's output checked against the data."""

    def test_tutorial(self):
        run = NotebookRun(self, "tutorial.ipynb", "runnel-tutorial-")
        refs = {}

        def read_data():
            wd = run.find_workdir()
            refs["sentences"] = [read(p).strip()
                                 for p in data_files(os.path.join(wd, "data/streaming_data"), ".txt")]
            refs["trades"] = [json.loads(read(p))
                              for p in data_files(os.path.join(wd, "data/trading_data"), ".json")]

        run.run(before_last=read_data)
        self.assertFalse(os.path.exists(run.workdir), "the last cell removes the working directory")
        self.check_word_count(run, refs["sentences"])
        self.check_kafka_source(run, refs["sentences"])
        self.check_file_and_socket_sources(run)
        self.check_windows(run, refs["trades"])
        self.check_joins(run)
        self.check_sinks(run)

    def check_word_count(self, run, sentences):
        self.assertEqual(len(sentences), 20, "the generator writes 20 files")
        want = collections.Counter(w for s in sentences for w in s.split(" "))
        text = cell_text(run.cell("dfwordCounts.WriteStream()"))
        # IsActive before and after: the first batch may print before or after "true"
        self.assertIn(text.split("\n")[0], ("true", "Batch:  0"))
        self.assertEqual(re.findall(r"^(true|false)$", text, re.M), ["true", "false"])
        self.assertTrue(text.endswith("false\n"), text[-200:])
        batches = [int(b) for b in re.findall(r"^Batch:  (\d+)$", text, re.M)]
        self.assertEqual(batches, list(range(len(batches))))
        tables = parse_tables(text)
        self.assertEqual(len(tables), len(batches))
        header, rows = tables[-1]
        self.assertEqual(header, ["word", "count"])
        self.assertEqual({w: int(n) for w, n in rows}, dict(want))
        self.assertEqual(len(rows), len(want), "one row per word")
        # complete mode: each batch's counts only grow
        for (_, before), (_, after) in zip(tables, tables[1:]):
            b, a = {w: int(n) for w, n in before}, {w: int(n) for w, n in after}
            self.assertTrue(all(a.get(w, 0) >= n for w, n in b.items()))

    def check_kafka_source(self, run, sentences):
        text = cell_text(run.cell('Option("subscribe", "topic1")'))
        header, rows = parse_tables(text)[0]
        self.assertEqual(header, ["topic", "partition", "offset", "value"])
        self.assertEqual([r[:3] for r in rows], [["topic1", "0", str(i)] for i in range(20)])

        def shown(s):  # Show truncates strings longer than 20 characters
            return s if len(s) <= 20 else s[:17] + "..."

        self.assertEqual(sorted(r[3] for r in rows), sorted(shown(s) for s in sentences))
        self.assertIn("kafka.bootstrap.servers = 127.0.0.1:", cell_text(run.cell('readAddress("kafka.addr")')))

    def check_file_and_socket_sources(self, run):
        parquet = cell_text(run.cell('spark.Read().Parquet("./data/students_parquet/")'))
        self.assertEqual(parquet.strip(), STUDENTS_TABLE)
        text = cell_text(run.cell('dflines.WriteStream().Format("console")'))
        lines = [r[0] for _, rows in parse_tables(text) for r in rows]
        self.assertEqual(lines, ["hello world", "hello China", "hello Beijing"])
        self.assertEqual(cell_text(run.cell('Foreach(func(row engine.Row)')),
                         "row: hello world\nrow: hello China\nrow: hello Beijing\n")
        sql = cell_text(run.cell('spark.SQL("select * from students where age >25")'))
        self.assertTrue(sql.endswith("\ntrue\n"), sql)

    def check_windows(self, run, trades):
        self.assertEqual(len(trades), 20, "the generator writes 20 files")
        # the reference: 10-minute windows sliding every 5 minutes, volume-weighted price
        sums = collections.defaultdict(lambda: [0.0, 0])
        for t in trades:
            dt = datetime.datetime.strptime(t["dt"], "%Y-%m-%d %H:%M:%S.%f")
            first = dt.replace(minute=dt.minute - dt.minute % 5, second=0, microsecond=0)
            for start in (first - datetime.timedelta(minutes=5), first):
                s = sums[(start, start + datetime.timedelta(minutes=10))]
                s[0] += t["amount"] * t["price"]
                s[1] += t["amount"]
        fmt = "%Y-%m-%d %H:%M:%S"
        want = {(a.strftime(fmt), b.strftime(fmt)): v / n for (a, b), (v, n) in sums.items()}

        # console, append mode: every trade once
        rows = [r for _, rs in parse_tables(cell_text(run.cell("query, err := dfprice.WriteStream()"))) for r in rs]
        self.assertEqual(sorted((int(r[1]), float(r[2])) for r in rows),
                         sorted((t["amount"], float(t["price"])) for t in trades))
        for r in rows:
            self.assertEqual(float(r[3]), int(r[1]) * float(r[2]))

        def windows(needle, last_only):
            tables = parse_tables(cell_text(run.cell(needle)))
            self.assertTrue(tables, needle)
            got = {}
            for header, rows in tables[-1:] if last_only else tables:
                self.assertEqual(header, ["window", "start", "end", "avg_price"])
                for r in rows:
                    got[(r[1], r[2])] = float(r[3])  # a later update replaces an earlier one
            return got

        for needle, last_only in (('OutputMode("complete")', True), ('OutputMode("update")', False)):
            got = windows("query, err := dfpriceAvg.WriteStream().\n\t" + needle, last_only)
            self.assertEqual(set(got), set(want), needle)
            for k, v in want.items():
                self.assertTrue(math.isclose(got[k], v, rel_tol=1e-12), (needle, k, got[k], v))

    def check_joins(self, run):
        banner_inner = CONSOLE_BANNER + """+---------+---+-----+------+
|     name|age|score| class|
+---------+---+-----+------+
|    LiLei| 12| 75.5|class1|
|Hanmeimei| 16| 90.0|class2|
|     Lily| 15| 68.0|class3|
+---------+---+-----+------+

"""
        self.assertEqual(cell_text(run.cell("dfjoinInner.WriteStream()")), banner_inner)
        left = CONSOLE_BANNER + """+---------+---+-----+------+
|     name|age|score| class|
+---------+---+-----+------+
|    LiLei| 12| 75.5|class1|
|Hanmeimei| 16| 90.0|class2|
|     Lily| 15| 68.0|class3|
|  Michael| 20| 70.5|  NULL|
|     Andy| 17| 80.0|  NULL|
|   Justin| 19| 87.0|  NULL|
+---------+---+-----+------+

"""
        self.assertEqual(cell_text(run.cell("dfjoinLeft.WriteStream()")), left)
        schema = cell_text(run.cell("dfjoinInner := dfstudents.Join"))
        self.assertEqual(schema, "root\n |-- name: string (nullable = true)\n |-- age: integer (nullable = true)\n"
                                 " |-- score: double (nullable = true)\n |-- class: string (nullable = true)\n\ntrue\n")
        # stream-stream: every student once, the hometown drawn by rand()
        text = cell_text(run.cell("dfjoinStreaming.WriteStream()"))
        self.assertTrue(text.startswith(CONSOLE_BANNER), text)
        header, rows = parse_tables(text)[0]
        self.assertEqual(header, ["name", "age", "score", "hometown"])
        self.assertEqual(sorted(tuple(r[:3]) for r in rows), sorted(STUDENTS))
        self.assertTrue(all(r[3] in ("China", "USA") for r in rows), rows)

    def check_sinks(self, run):
        kafka = cell_text(run.cell('Option("subscribe", "students")'))
        header, rows = parse_tables(kafka)[0]
        self.assertEqual(header, ["key", "value"])
        self.assertEqual(rows, [[n, "%s,%s,%s" % (n, a, s)] for n, a, s in STUDENTS])
        csv = cell_text(run.cell('CSV("./data/students_csv")'))
        self.assertEqual(csv.strip(), STUDENTS_TABLE)
        # Show's table is rich output in the notebook: blank lines after it may differ
        foreach = cell_text(run.cell("ForeachBatch(foreachBatchFunction).Start()"))
        self.assertEqual(re.sub(r"\n\n+", "\n", foreach), "epoch_id =  0\n" + STUDENTS_TABLE + "\nrows =  6\n")
        console = run.cell('Trigger(engine.ProcessingTime("2 seconds"))')
        self.assertIn(CONSOLE_BANNER + STUDENTS_TABLE + "\n", cell_text(console))
        live = [o for o in console.outputs if o["output_type"] == "display_data"]
        self.assertEqual(len(live), 1)
        self.assertIn("text/html", live[0]["data"])
        self.assertIn("Result of batch 0:\n" + STUDENTS_TABLE, text_of(live[0]))
        memory = cell_text(run.cell('spark.SQL("select * from dfstudents")'))
        self.assertEqual(memory.strip(), STUDENTS_TABLE)
        jobs = cell_text(run.cell("%jobs\n%kill"))
        for line in ("go run gen_streaming_data.go", "./bin/localkafka", "./bin/linefeed", "go run gen_trading_data.go"):
            self.assertIn(line, jobs)
        self.assertEqual(len(re.findall(r"^\[\d+\] \d+ ", jobs, re.M)), 3, "three servers stopped")


class DashboardTest(unittest.TestCase):
    """The live Bitcoin dashboard: its final averages against the generated trades."""

    def test_dashboard(self):
        run = NotebookRun(self, "bitcoin-dashboard.ipynb", "runnel-dashboard-")
        trades = []

        def read_data():
            wd = run.find_workdir()
            for p in data_files(os.path.join(wd, "data/trades"), ".json"):
                trades.extend(json.loads(line) for line in read(p).splitlines() if line.strip())

        run.run(before_last=read_data)
        self.assertFalse(os.path.exists(run.workdir), "the last cell removes the working directory")
        self.assertGreater(len(trades), 100, "ten seconds of trading")
        self.assertEqual({t["market"] for t in trades}, {"Binance", "Coinbase", "Kraken", "Bitstamp", "OKX"})

        # the reference: per 1-second window of event time, the mean price, the number of
        # trades and their volume
        per_second = collections.defaultdict(list)
        for t in trades:
            per_second[t["dt"][:19]].append(t)
        text = cell_text(run.cell("updates.Join(latest"))
        tables = parse_tables(text)
        self.assertEqual(len(tables), 1, text)
        header, rows = tables[0]
        self.assertEqual(header, ["start", "end", "avg_price", "trades", "volume"])
        self.assertEqual([r[0] for r in rows], sorted(per_second), "one row per second, in order")
        for start, end, avg, count, volume in rows:
            ts = per_second[start]
            end_want = datetime.datetime.strptime(start, "%Y-%m-%d %H:%M:%S") + datetime.timedelta(seconds=1)
            self.assertEqual(end, end_want.strftime("%Y-%m-%d %H:%M:%S"))
            self.assertEqual(int(count), len(ts), start)
            mean = sum(t["price"] for t in ts) / len(ts)
            # the query rounds to cents (half up), so it is within half a cent of the mean
            self.assertLessEqual(abs(float(avg) - mean), 0.005 + 1e-6, (start, avg, mean))
            self.assertLessEqual(abs(float(volume) - sum(t["amount"] for t in ts)), 0.000005 + 1e-9, start)

        # the live views were updated in place: the table's view shows a later batch than
        # the one at its start, and the chart has points; both end in the query's stopped
        # state, sent while the cell that stopped it ran (nbclient reads no other time)
        live = run.cell("display.Live(query)")
        outs = [o for o in live.outputs if o["output_type"] in ("display_data", "execute_result")]
        self.assertEqual(len(outs), 1)
        self.assertIn("text/html", outs[0]["data"])
        view = text_of(outs[0])
        self.assertTrue(view.startswith("Query: btc_prices  id: "), view)
        m = re.search(r"^Batch: (\d+)  Input: ", view, re.M)
        self.assertIsNotNone(m, view)
        self.assertGreaterEqual(int(m.group(1)), 5, view)
        self.assertRegex(view, r"Watermark: \d{4}-\d\d-\d\dT")
        self.assertIn("\nStatus: Stopped\n", view)
        self.assertIn('<span class="runnel-status">Stopped</span>', data_text(outs[0], "text/html"))
        chart = run.cell('display.LineChart(query, "start", "avg_price")')
        outs = [o for o in chart.outputs if o["output_type"] in ("display_data", "execute_result")]
        self.assertEqual(len(outs), 1)
        svg = data_text(outs[0], "image/svg+xml")
        self.assertIn("<svg", svg)
        # the same SVG inline in text/html, which nbconvert's HTML export keeps
        self.assertEqual(data_text(outs[0], "text/html"), svg)
        self.assertRegex(text_of(outs[0]).splitlines()[0], r"^avg_price by start · btc_prices · batch \d+ · Stopped$")
        m = re.search(r"(\d+) points", text_of(outs[0]))
        self.assertIsNotNone(m, text_of(outs[0]))
        self.assertTrue(2 <= int(m.group(1)) <= len(per_second), text_of(outs[0]))
        # exported as HTML, the chart is drawn: its line and points are in the page
        page, _ = HTMLExporter().from_notebook_node(run.nb)
        points = re.search(r'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="([^"]+)"/>', page)
        self.assertIsNotNone(points, "the exported page has the chart's line")
        self.assertEqual(len(points.group(1).split()), int(m.group(1)))
        stop = cell_text(run.cell("%kill 1"))
        self.assertIn("go run gen_trades.go", stop)
        self.assertTrue(stop.endswith("active: false\n"), stop)


if __name__ == "__main__":
    unittest.main()
