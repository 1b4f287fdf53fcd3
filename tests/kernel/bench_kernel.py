"""Benchmarks of the installed Runnel kernel (figures, not pass/fail):
kernel start to kernel_info_reply, execute round trip of `1+1`, completion latency.

    JUPYTER_PATH=DIR/share/jupyter /usr/bin/python3 tests/kernel/bench_kernel.py
"""

import statistics
import time

from jupyter_client.manager import KernelManager


def percentiles(xs):
    xs = sorted(xs)
    return "p50 %.2f ms  p90 %.2f ms  max %.2f ms" % (
        statistics.median(xs) * 1e3, xs[int(len(xs) * 0.9)] * 1e3, xs[-1] * 1e3)


def main():
    starts = []
    for _ in range(5):
        km = KernelManager(kernel_name="runnel")
        t0 = time.perf_counter()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        while True:  # the first kernel_info that gets an answer
            kc.kernel_info()
            try:
                kc.get_shell_msg(timeout=0.05)
                break
            except Exception:
                continue
        starts.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print("start to kernel_info_reply:", percentiles(starts))

    km = KernelManager(kernel_name="runnel")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)

    def execute(code):
        msg_id = kc.execute(code)
        while True:
            m = kc.get_iopub_msg(timeout=10)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" \
                    and m["content"]["execution_state"] == "idle":
                break
        kc.get_shell_msg(timeout=10)

    execute('import "strings"\nvar sb strings.Builder')
    rts = []
    for _ in range(300):
        t0 = time.perf_counter()
        execute("1+1")
        rts.append(time.perf_counter() - t0)
    print("execute 1+1 round trip (reply and idle):", percentiles(rts[20:]))

    for text in ["strings.To", "sb.Wr", "fm"]:
        cts = []
        for _ in range(100):
            t0 = time.perf_counter()
            kc.complete(text, len(text))
            kc.get_shell_msg(timeout=10)
            cts.append(time.perf_counter() - t0)
        print("complete %-12r" % text, percentiles(cts[10:]))
    kc.stop_channels()
    km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
