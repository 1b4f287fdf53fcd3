"""Where the real kernel listens (issue 8, point 6): exactly the five ports of its
connection file, on the address the file names — loopback by default — and nothing else.
Read from /proc/net/tcp{,6} for the sockets the kernel process owns. (The refusal of
unsigned and wrongly signed messages is in test_wire_faults.py.)
"""

import os
import socket
import struct
import unittest

from jupyter_client.localinterfaces import public_ips
from jupyter_client.manager import KernelManager

TIMEOUT = 30


def listening(pid):
    """[(ip, port)] of the TCP sockets in LISTEN state that process pid owns."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    out = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, state, inode = f[1], f[3], f[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            hexip, hexport = local.split(":")
            raw = bytes.fromhex(hexip)
            # /proc prints the address as host-order 32-bit words.
            raw = b"".join(struct.pack("<I", struct.unpack(">I", raw[i : i + 4])[0]) for i in range(0, len(raw), 4))
            out.append((socket.inet_ntop(family, raw), int(hexport, 16)))
    return sorted(out)


class BindTests(unittest.TestCase):
    def start(self, ip=None):
        km = KernelManager(kernel_name="runnel")
        if ip:
            km.ip = ip
        km.start_kernel()
        self.addCleanup(km.shutdown_kernel, now=True)
        kc = km.client()
        kc.start_channels()
        self.addCleanup(kc.stop_channels)
        kc.wait_for_ready(timeout=TIMEOUT)
        return km

    def check(self, km, ip):
        info = km.get_connection_info()
        ports = sorted(info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"))
        self.assertEqual(info["ip"], ip)
        got = listening(km.provisioner.process.pid)
        self.assertEqual(got, [(ip, p) for p in ports])

    def test_default_is_loopback_only(self):
        km = self.start()
        self.check(km, "127.0.0.1")

    def test_binds_the_address_the_file_names(self):
        # Another of this machine's addresses (jupyter_client launches only on local
        # ones): the kernel takes the file's ip, not a default.
        ip = (public_ips() or ["0.0.0.0"])[0]
        km = self.start(ip)
        self.check(km, ip)


if __name__ == "__main__":
    unittest.main()
