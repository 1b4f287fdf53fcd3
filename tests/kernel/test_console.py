"""`jupyter console --kernel runnel` works: a scripted session through its simple prompt."""

import os
import subprocess
import unittest


class ConsoleTest(unittest.TestCase):
    def test_scripted_console_session(self):
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
        proc = subprocess.run(
            ["/usr/bin/python3", "-m", "jupyter_console", "--kernel", "runnel", "--simple-prompt"],
            input='import "fmt"\nfmt.Println("console ok")\n40+2\n',
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        out = proc.stdout
        self.assertIn("Runnel", out)  # the kernel's banner
        self.assertIn("console ok", out)
        self.assertIn("Out[3]: 42", out)


if __name__ == "__main__":
    unittest.main()
