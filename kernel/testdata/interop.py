"""Drive a kernel with Debian's jupyter_client: BlockingKernelClient from a connection file.

Usage: /usr/bin/python3 interop.py CONNECTION_FILE
Prints INTEROP OK on success; any failed check raises with a message.
"""
import sys
import time

from jupyter_client import BlockingKernelClient

TIMEOUT = 10


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def iopub_until_idle(kc, msg_id):
    """Return the iopub messages parented to msg_id, up to and including its idle."""
    got = []
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        got.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return got
    raise AssertionError("no idle for %s: %r" % (msg_id, [m["msg_type"] for m in got]))


def shell_reply(kc, msg_id):
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    check(reply["parent_header"]["msg_id"] == msg_id, "shell reply parent %r" % reply["parent_header"])
    return reply


def main():
    kc = BlockingKernelClient(connection_file=sys.argv[1])
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)

    # kernel_info on shell.
    msg_id = kc.kernel_info()
    info = shell_reply(kc, msg_id)["content"]
    check(info["protocol_version"] == "5.3", "protocol_version %r" % info)
    check(info["language_info"]["name"] == "go", "language_info %r" % info)
    iopub_until_idle(kc, msg_id)

    # execute: reply, then busy, execute_input, stream, execute_result, idle.
    msg_id = kc.execute("hello")
    reply = shell_reply(kc, msg_id)["content"]
    check(reply["status"] == "ok" and reply["execution_count"] == 1, "execute_reply %r" % reply)
    types = [(m["msg_type"], m["content"]) for m in iopub_until_idle(kc, msg_id)]
    want = [
        ("status", {"execution_state": "busy"}),
        ("execute_input", {"code": "hello", "execution_count": 1}),
        ("stream", {"name": "stdout", "text": "hello\n"}),
        ("execute_result", {"execution_count": 1, "data": {"text/plain": "hello"}, "metadata": {}}),
        ("status", {"execution_state": "idle"}),
    ]
    check(types == want, "iopub of execute: %r" % types)

    # execute_interactive, as jupyter console runs cells.
    outputs = []
    reply = kc.execute_interactive("fail", timeout=TIMEOUT, output_hook=outputs.append)
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "Boom", "error reply %r" % reply["content"])
    check([m["msg_type"] for m in outputs] == ["status", "execute_input", "error", "status"],
          "outputs of failing cell %r" % [m["msg_type"] for m in outputs])

    # display_data and update_display_data with a display_id.
    msg_id = kc.execute("display")
    shell_reply(kc, msg_id)
    disp = [m for m in iopub_until_idle(kc, msg_id) if m["msg_type"].endswith("display_data")]
    check([(m["msg_type"], m["content"]["transient"]) for m in disp] ==
          [("display_data", {"display_id": "d1"}), ("update_display_data", {"display_id": "d1"})],
          "displays %r" % disp)

    # complete, inspect, is_complete, history, comm_info.
    msg_id = kc.complete("x := fmt.Pr", 11)
    c = shell_reply(kc, msg_id)["content"]
    check(c["matches"] == ["Println"] and (c["cursor_start"], c["cursor_end"]) == (9, 11), "complete %r" % c)
    msg_id = kc.inspect("fmt.Println", 3)
    c = shell_reply(kc, msg_id)["content"]
    check(c["found"] and c["data"]["text/plain"] == "inspected fmt", "inspect %r" % c)
    msg_id = kc.is_complete("func f() {")
    c = shell_reply(kc, msg_id)["content"]
    check(c == {"status": "incomplete", "indent": "\t"}, "is_complete %r" % c)
    msg_id = kc.history(hist_access_type="tail", n=2)
    c = shell_reply(kc, msg_id)["content"]
    check(c["history"] == [[1, 2, "fail"], [1, 3, "display"]], "history tail %r" % c)
    msg_id = kc.history(hist_access_type="search", pattern="h*", unique=True)
    c = shell_reply(kc, msg_id)["content"]
    check(c["history"] == [[1, 1, "hello"]], "history search %r" % c)
    msg_id = kc.comm_info()
    c = shell_reply(kc, msg_id)["content"]
    check(c == {"status": "ok", "comms": {}}, "comm_info %r" % c)

    # stdin: input_request to this client, input_reply back.
    msg_id = kc.execute("input", allow_stdin=True)
    req = kc.get_stdin_msg(timeout=TIMEOUT)
    check(req["msg_type"] == "input_request" and req["content"]["prompt"] == "name: ", "input_request %r" % req)
    check(req["parent_header"]["msg_id"] == msg_id, "input_request parent")
    kc.input("gopher")
    check(shell_reply(kc, msg_id)["content"]["status"] == "ok", "execute_reply of input")
    streams = [m["content"]["text"] for m in iopub_until_idle(kc, msg_id) if m["msg_type"] == "stream"]
    check(streams == ["hello gopher\n"], "input echo %r" % streams)

    # control: kernel_info and interrupt are answered on control while a cell runs.
    msg_id = kc.execute("sleep")
    time.sleep(0.2)
    ctl = kc.session.msg("kernel_info_request")
    kc.control_channel.send(ctl)
    rep = kc.get_control_msg(timeout=TIMEOUT)
    check(rep["msg_type"] == "kernel_info_reply" and rep["parent_header"]["msg_id"] == ctl["header"]["msg_id"],
          "control kernel_info %r" % rep["msg_type"])
    ctl = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(ctl)
    rep = kc.get_control_msg(timeout=TIMEOUT)
    check(rep["msg_type"] == "interrupt_reply" and rep["content"]["status"] == "ok", "interrupt_reply %r" % rep)
    reply = shell_reply(kc, msg_id)["content"]
    check(reply["status"] == "error" and reply["ename"] == "Interrupted", "interrupted reply %r" % reply)

    # heartbeat.
    check(kc.hb_channel.is_alive(), "heartbeat channel not running")
    time.sleep(1.5)
    check(kc.hb_channel.is_beating(), "kernel heartbeat not beating")

    # shutdown on control.
    msg_id = kc.shutdown(restart=False)
    rep = kc.get_control_msg(timeout=TIMEOUT)
    check(rep["msg_type"] == "shutdown_reply" and rep["content"] == {"status": "ok", "restart": False},
          "shutdown_reply %r" % rep)
    kc.stop_channels()
    print("INTEROP OK")


if __name__ == "__main__":
    main()
