"""Wire faults against the real kernel binary (issue 8, point 3 and the signing part of 6).

A raw pyzmq DEALER sends what a broken or hostile client might: wrong and missing HMAC
signatures, truncated multipart messages, headers that are not JSON, unknown message
types, content of the wrong shape, a huge garbage frame; and a client disappears in the
middle of a request. Each bad message must be dropped (no reply), logged, and the kernel
must go on serving: after each fault a good request on the same socket gets its reply
first, and a jupyter_client session still executes cells.

Run as the other Python tests (tests/run_all.sh sets JUPYTER_PATH to the installed
kernelspec); Debian's /usr/bin/python3 has jupyter_client and pyzmq.
"""

import datetime
import hashlib
import hmac
import json
import os
import tempfile
import time
import unittest
import uuid

import zmq
from zmq.utils.monitor import recv_monitor_message
from jupyter_client.manager import start_new_kernel

TIMEOUT = 15


class WireFaultTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log_path = os.path.join(cls.tmp.name, "kernel.log")
        cls.log = open(cls.log_path, "w")
        # The kernel logs to stderr (slog text); keep it to check what it said.
        cls.km, cls.kc = start_new_kernel(kernel_name="runnel", stderr=cls.log)
        info = cls.km.get_connection_info()
        cls.key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        cls.addr = lambda cls_, port: "%s://%s:%d" % (info["transport"], info["ip"], port)
        cls.shell_port, cls.control_port = info["shell_port"], info["control_port"]
        cls.ip, cls.transport = info["ip"], info["transport"]
        cls.ctx = zmq.Context()
        cls.faults = 0

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)
        cls.ctx.destroy(linger=0)
        cls.log.close()
        cls.tmp.cleanup()

    # --- helpers -------------------------------------------------------------------------

    def dealer(self, port=None):
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, TIMEOUT * 1000)
        s.connect("%s://%s:%d" % (self.transport, self.ip, port or self.shell_port))
        self.addCleanup(s.close, 0)
        return s

    def header(self, msg_type):
        return {
            "msg_id": uuid.uuid4().hex,
            "session": "wire-faults",
            "username": "test",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "msg_type": msg_type,
            "version": "5.3",
        }

    def frames(self, msg_type, content, key=None, header=None, sign=True):
        """A multipart Jupyter message; returns (frames, msg_id)."""
        h = header if header is not None else self.header(msg_type)
        parts = [
            h if isinstance(h, bytes) else json.dumps(h).encode(),
            b"{}",
            b"{}",
            content if isinstance(content, bytes) else json.dumps(content).encode(),
        ]
        sig = b""
        if sign:
            mac = hmac.new(self.key if key is None else key, digestmod=hashlib.sha256)
            for p in parts:
                mac.update(p)
            sig = mac.hexdigest().encode()
        msg_id = h["msg_id"] if isinstance(h, dict) else None
        return [b"<IDS|MSG>", sig] + parts, msg_id

    def recv_reply(self, sock):
        """Receives one reply on sock: (header, parent_header, content), signature checked."""
        frames = sock.recv_multipart()
        i = frames.index(b"<IDS|MSG>")
        sig, parts = frames[i + 1], frames[i + 2 : i + 6]
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            mac.update(p)
        self.assertEqual(sig, mac.hexdigest().encode(), "reply signature")
        return json.loads(parts[0]), json.loads(parts[1]), json.loads(parts[3])

    def assert_serves_next(self, sock):
        """The next good request on sock is the first thing answered on it."""
        good, msg_id = self.frames("kernel_info_request", {})
        sock.send_multipart(good)
        header, parent, content = self.recv_reply(sock)
        self.assertEqual(parent["msg_id"], msg_id, "a reply came for something other than the good request")
        self.assertEqual(header["msg_type"], "kernel_info_reply")
        self.assertEqual(content["status"], "ok")
        self.assertTrue(self.km.is_alive())

    def assert_executes(self, code, want):
        msg_id = self.kc.execute(code)
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "execute_result":
                self.assertEqual(m["content"]["data"]["text/plain"], want)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])

    def log_text(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def send_fault(self, sock, frames, name):
        sock.send_multipart(frames)
        type(self).faults += 1
        with self.subTest(fault=name):
            self.assert_serves_next(sock)

    # --- tests ---------------------------------------------------------------------------

    def test_bad_messages_dropped_logged_and_serving_goes_on(self):
        for port_name in ("shell", "control"):
            sock = self.dealer(self.shell_port if port_name == "shell" else self.control_port)
            info, _ = self.frames("kernel_info_request", {})
            wrong_key, _ = self.frames("kernel_info_request", {}, key=b"not-the-key")
            unsigned, _ = self.frames("kernel_info_request", {}, sign=False)
            tampered, _ = self.frames("execute_request", {"code": "1", "silent": False})
            tampered[-1] = json.dumps({"code": "2", "silent": False}).encode()  # signature of the old content
            bad_json, _ = self.frames("kernel_info_request", {}, header=b"{not json")
            bad_content, _ = self.frames("kernel_info_request", b"[1, 2")
            header_list, _ = self.frames("kernel_info_request", {}, header=b"[]")
            unknown, _ = self.frames("no_such_request", {"x": 1})
            wrong_shape, _ = self.frames("execute_request", {"code": 5, "silent": "no"})
            no_type = self.header("")
            no_type_frames, _ = self.frames("", {}, header=no_type)
            cases = [
                ("wrong HMAC key", wrong_key),
                ("no signature", unsigned),
                ("content changed after signing", tampered),
                ("signature only, no parts", info[:2]),
                ("header only", info[:3]),
                ("three of four parts", info[:5]),
                ("no delimiter", info[2:]),
                ("a single garbage frame", [b"\x00\xffgarbage"]),
                ("empty frame", [b""]),
                ("delimiter alone", [b"<IDS|MSG>"]),
                ("header not JSON (signed)", bad_json),
                ("header a JSON list (signed)", header_list),
                ("content not JSON (signed)", bad_content),
                ("unknown message type (signed)", unknown),
                ("execute_request of the wrong shape (signed)", wrong_shape),
                ("empty msg_type (signed)", no_type_frames),
                ("signature of the wrong length", [b"<IDS|MSG>", b"ab"] + info[2:]),
                ("10 MB garbage frame", [b"<IDS|MSG>", b"00" * 32, os.urandom(10 << 20), b"{}", b"{}", b"{}"]),
            ]
            for name, frames in cases:
                self.send_fault(sock, frames, "%s on %s" % (name, port_name))
        self.assert_executes("20 + 22", "42")
        log = self.log_text()
        # The kernel says what it dropped and why (slog text lines).
        self.assertIn("kernel: dropped message", log)
        self.assertIn("kernel: unknown message type", log)
        self.assertIn("msg_type=no_such_request", log)
        self.assertIn("kernel: dropped request with bad content", log)
        print("\nwire faults sent: %d" % type(self).faults)

    def test_client_disappears_mid_request(self):
        # A client sends a request whose reply comes later, then goes away.
        for code in ('import "time"\ntime.Sleep(300 * time.Millisecond)\n"late"', "1 + 1"):
            sock = self.ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect("%s://%s:%d" % (self.transport, self.ip, self.shell_port))
            frames, _ = self.frames("execute_request", {"code": code, "silent": False, "store_history": False,
                                                        "user_expressions": {}, "allow_stdin": False})
            sock.send_multipart(frames)
            sock.close(0)
            type(self).faults += 1
        # Half a message: the client dies after the first frames of a multipart send.
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect("%s://%s:%d" % (self.transport, self.ip, self.shell_port))
        frames, _ = self.frames("kernel_info_request", {})
        for f in frames[:3]:
            sock.send(f, zmq.SNDMORE)
        sock.close(0)
        type(self).faults += 1
        self.assert_executes("6 * 7", "42")
        self.assert_serves_next(self.dealer())

    def test_client_disappears_while_the_kernel_waits_for_input(self):
        # The cell asks for input on the stdin channel of a client that then vanishes: the
        # cell waits (as in ipykernel) until an interrupt, and the kernel goes on serving.
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        stdin = self.ctx.socket(zmq.DEALER)
        stdin.setsockopt(zmq.LINGER, 0)
        ident = b"vanishing-client"
        for s in (sock, stdin):
            s.setsockopt(zmq.IDENTITY, ident)
        info = self.km.get_connection_info()
        sock.connect("%s://%s:%d" % (self.transport, self.ip, self.shell_port))
        # The kernel routes input_request by identity: the stdin connection must be up
        # (handshake done) before the request goes out, or the kernel's ROUTER drops it.
        monitor = stdin.get_monitor_socket()
        stdin.connect("%s://%s:%d" % (self.transport, self.ip, info["stdin_port"]))
        want = getattr(zmq, "EVENT_HANDSHAKE_SUCCEEDED", zmq.EVENT_CONNECTED)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if monitor.poll(100) and recv_monitor_message(monitor)["event"] == want:
                break
        stdin.disable_monitor()
        monitor.close(0)
        frames, msg_id = self.frames("execute_request", {"code": 'import "fmt"\nvar s string\nfmt.Scanln(&s)\ns',
                                                         "silent": False, "store_history": False,
                                                         "user_expressions": {}, "allow_stdin": True})
        sock.send_multipart(frames)
        stdin.setsockopt(zmq.RCVTIMEO, TIMEOUT * 1000)
        f = stdin.recv_multipart()
        i = f.index(b"<IDS|MSG>")
        self.assertEqual(json.loads(f[i + 2])["msg_type"], "input_request")
        sock.close(0)
        stdin.close(0)
        type(self).faults += 1
        self.km.interrupt_kernel()
        # The interrupted cell reports on iopub (seen by every client) and ends.
        enames = []
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "error":
                enames.append(m["content"]["ename"])
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        self.assertEqual(enames, ["Interrupted"])
        self.assert_executes("40 + 2", "42")


if __name__ == "__main__":
    unittest.main()
