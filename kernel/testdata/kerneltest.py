"""jupyter_kernel_test against internal/stubkernel, started by jupyter_client's
KernelManager from a kernelspec (kernel name runnel-stub, interrupt_mode "message").

Usage: JUPYTER_PATH=<dir with kernels/runnel-stub> /usr/bin/python3 kerneltest.py
"""
import time
import unittest

import jupyter_kernel_test
from jupyter_kernel_test.msgspec_v5 import validate_message

TIMEOUT = 15


class StubKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "runnel-stub"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = "hello, world"
    code_stderr = "stderr:oops"
    completion_samples = [{"text": "fmt.Pr", "matches": {"Println"}}]
    complete_code_samples = ["x := 1"]
    incomplete_code_samples = ["func f() {"]
    invalid_code_samples = ["}"]
    code_generate_error = "fail"
    code_execute_result = [{"code": "6*7", "result": "6*7"}, {"code": "6*8", "result": "6*8"}]
    code_display_data = [{"code": "display", "mime": "text/plain"}]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "fmt.Println"
    code_clear_output = "clear"

    # Pager payloads are not part of the kernel.Handler contract.
    test_pager = None

    def test_interrupt_message(self):
        # The kernelspec says interrupt_mode "message": KernelManager sends
        # interrupt_request on control while the shell runs the cell.
        self.flush_channels()
        msg_id = self.kc.execute("sleep")
        time.sleep(0.3)
        self.km.interrupt_kernel()
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        validate_message(reply, "execute_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        # The kernel still answers.
        self.flush_channels()
        reply, outputs = self.execute_helper("after")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_zz_restart(self):
        # Last (tests run in name order): shutdown_request with restart over control,
        # then a new process on the same ports.
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.flush_channels()
        reply, outputs = self.execute_helper("again")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["execution_count"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
