"""A real browser sees a query's live view update in place.

Starts Debian's Jupyter Notebook on a temporary notebook directory with the Runnel
kernelspec of JUPYTER_PATH (as tests/run_all.sh sets it), opens a notebook in Debian's
Chromium driven by Selenium, runs a cell whose last value is a running query, and checks
that the cell's single output is replaced by newer batches (the batch number grows) rather
than appended to. The server, its kernels and the browser are always torn down.

    JUPYTER_PATH=DIR/share/jupyter /usr/bin/python3 -m unittest -v tests/browser/test_live_view.py
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BUDGET = 80  # seconds for the whole test, start-up included

CELL = """import (
	"github.com/runnel-go/runnel/engine"
)
spark := engine.Builder().AppName("browser").GetOrCreate()
rate := spark.ReadStream().Format("rate").Option("rowsPerSecond", 20).Load()
q, err := rate.SelectExpr("value % 3 as k").GroupBy("k").Count().
	WriteStream().OutputMode("complete").Format("memory").QueryName("ticks").
	Trigger(engine.ProcessingTime("300 milliseconds")).Start()
q"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveViewInBrowserTest(unittest.TestCase):
    def setUp(self):
        self.start = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix="runnel-browser-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        nbdir = os.path.join(self.tmp, "notebooks")
        os.mkdir(nbdir)
        nb = {
            "cells": [{"cell_type": "code", "execution_count": None, "id": "live", "metadata": {}, "outputs": [], "source": CELL}],
            "metadata": {"kernelspec": {"name": "runnel", "display_name": "Go (Runnel)", "language": "go"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        with open(os.path.join(nbdir, "live.ipynb"), "w") as f:
            json.dump(nb, f)

        self.port, self.token = free_port(), secrets.token_hex(16)
        env = dict(os.environ)
        # Jupyter's own config, data and runtime in the temporary directory: nothing of
        # the user's is read or written; the kernelspec comes from JUPYTER_PATH.
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            env[var] = os.path.join(self.tmp, var.lower())
        self.log = open(os.path.join(self.tmp, "server.log"), "w")
        self.addCleanup(self.log.close)
        self.server = subprocess.Popen(
            [
                "/usr/bin/python3", "-m", "notebook", "--no-browser", "--ip=127.0.0.1",
                "--port=%d" % self.port, "--port-retries=0",
                "--NotebookApp.token=" + self.token, "--NotebookApp.password=",
                "--notebook-dir=" + nbdir, "--allow-root",
            ],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.addCleanup(self.stop_server)
        self.wait(lambda: self.api("/api/status") is not None, "the notebook server")

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in (
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--user-data-dir=" + os.path.join(self.tmp, "chromium"),
        ):
            opts.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.addCleanup(self.driver.quit)
        self.driver.set_page_load_timeout(30)

    def api(self, path, method="GET"):
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.port, path), method=method,
            headers={"Authorization": "token " + self.token},
        )
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                body = r.read()
                return json.loads(body) if body else {}
        except OSError:
            return None

    def stop_server(self):
        # Kernels first (so that the kernel stops its query and exits), then the server.
        for k in self.api("/api/kernels") or []:
            self.api("/api/kernels/" + k["id"], method="DELETE")
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def left(self):
        return BUDGET - (time.monotonic() - self.start)

    def wait(self, cond, what):
        """Polls cond until it returns a true value, within the test's time budget."""
        while self.left() > 0:
            try:
                v = cond()
            except StaleElementReferenceException:
                v = None
            if v:
                return v
            time.sleep(0.2)
        self.fail("timed out waiting for %s" % what)

    def test_live_view_updates_in_place(self):
        d = self.driver
        d.get("http://127.0.0.1:%d/notebooks/live.ipynb?token=%s" % (self.port, self.token))
        self.wait(
            lambda: d.execute_script(
                "return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                " && Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel_selector)"
            ),
            "the notebook's kernel to connect",
        )
        self.assertEqual(d.execute_script("return Jupyter.notebook.kernel.name"), "runnel")
        # Run the cell as a user does: select it, Shift+Enter.
        d.execute_script("Jupyter.notebook.select(0); Jupyter.notebook.execute_selected_cells();")

        cell_output = d.find_element(By.CSS_SELECTOR, ".cell.code_cell .output")

        def batch():
            # One script reads the output atomically (the page may be mid-update between
            # two WebDriver calls).
            areas, batches = d.execute_script(
                "const out = arguments[0];"
                "return [out.querySelectorAll('.output_area').length,"
                " Array.from(out.querySelectorAll('.runnel-live td.runnel-batch'), td => td.textContent.trim())];",
                cell_output,
            )
            if not batches:
                return None
            self.assertEqual((areas, len(batches)), (1, 1), "the live view must be one output, replaced in place")
            return int(batches[0]) if batches[0].isdigit() else None

        # Batch 0 is falsy: wait returns a one-element tuple.
        (first,) = self.wait(lambda: (b := batch()) is not None and (b,), "the live view's first batch")
        (later,) = self.wait(lambda: (b := batch()) is not None and b >= first + 2 and (b,), "newer batches in the live view")
        self.assertGreater(later, first)

        # Still one output in the cell and one live view on the page, showing the result.
        self.assertEqual(len(cell_output.find_elements(By.CSS_SELECTOR, ".output_area")), 1)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, ".runnel-live")), 1)
        html = d.find_element(By.CSS_SELECTOR, ".runnel-live").get_attribute("innerHTML")
        self.assertIn("ticks", html)
        self.assertIn("<th>k</th><th>count</th>", html)


if __name__ == "__main__":
    unittest.main()
