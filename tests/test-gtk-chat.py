#!/usr/bin/python3
# test-gtk-chat.py: the GTK chat window (demos/gtk/gsock-chat) on a virtual X display
#
#   test-gtk-chat.py BUILD_DEMOS_DIR OUTPUT_DIR
#
# 1. gsock-chat-server --port 0; a plain Python socket joins it; gsock-chat joins it with
#    --connect --send "hello from gtk" --quit-after-reply --screenshot: the Python client must
#    get the line and answers; the window must show the answer (it prints "received: ...")
#    and exit 0, leaving a PNG of itself.
# 2. gsock-chat --serve --connect hosts a room and joins it; a Python client joins too: the
#    window's server must count two clients, its client must hear of the Python one.
# 3. gsock-chat --connect to a port nobody listens on: the error on stderr, exit status 1.
#
# Runs Xvfb on a display nobody uses, abstract socket included. Exits 77 (meson's skip) only when Xvfb is
# not installed or does not start. Every process is killed at the end; every wait is bounded.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib

SKIP = 77
STEP_TIMEOUT = 20  # seconds for any one thing to happen

demos_dir, out_dir = sys.argv[1], sys.argv[2]
chat_server = os.path.join(demos_dir, "gsock-chat-server")
chat = os.path.join(demos_dir, "gtk", "gsock-chat")
processes = []


def log(*args):
    print(*args, flush=True)


class Failure(Exception):
    pass


def start(argv, **kwargs):
    log("+ " + " ".join(argv))
    p = subprocess.Popen(argv, start_new_session=True, **kwargs)
    processes.append(p)
    return p


def stop_all():
    for p in reversed(processes):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for p in reversed(processes):
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=5)


class LineReader:
    """Reads lines from a pipe with a deadline, keeping all it saw."""

    def __init__(self, name, fileobj):
        self.name = name
        self.fd = fileobj.fileno()
        self.buffer = b""
        self.lines = []

    def wait_for(self, pattern, timeout=STEP_TIMEOUT):
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                m = regex.search(line)
                if m:
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"{self.name}: no line matching {pattern!r} in {timeout}s; "
                              f"got {self.lines!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready and not self.read_some():
                raise Failure(f"{self.name}: ended before a line matching {pattern!r}; "
                              f"got {self.lines!r}")

    def read_some(self):
        data = os.read(self.fd, 4096)
        if not data:
            return False
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        for raw in complete:
            line = raw.decode("utf-8", "replace")
            log(f"  {self.name}: {line}")
            self.lines.append(line)
        return True

    def drain(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], deadline - time.monotonic())
            if ready and not self.read_some():
                return


def display_is_free(number):
    """True when no X server, here or in another mount namespace on this network namespace,
    holds display NUMBER: X clients try the abstract socket @/tmp/.X11-unix/XN first, which
    Xvfb's own choice (-displayfd, xvfb-run -a: lock files in /tmp) does not see."""
    if os.path.exists(f"/tmp/.X{number}-lock") or os.path.exists(f"/tmp/.X11-unix/X{number}"):
        return False
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.bind(f"\0/tmp/.X11-unix/X{number}")
        except OSError:
            return False
    return True


def read_display_number(fd):
    """Xvfb -displayfd's answer. Read up to the newline: Xvfb exits ("Cannot write display
    number to fd") if the pipe closes between the number and its newline."""
    data = b""
    deadline = time.monotonic() + STEP_TIMEOUT
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(0.0, left))
        if not ready:
            break
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


def start_xvfb():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        log("SKIP: Xvfb is not installed (apt-get install xvfb xauth)")
        sys.exit(SKIP)
    errors = []
    first = 100 + os.getpid() % 400
    candidates = [n for n in range(first, first + 200) if display_is_free(n)][:5]
    for number in candidates:
        read_fd, write_fd = os.pipe()
        p = start([xvfb, f":{number}", "-displayfd", str(write_fd), "-nolisten", "tcp",
                   "-noreset", "-screen", "0", "1024x768x24"],
                  pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_fd)
        said = read_display_number(read_fd)
        os.close(read_fd)
        if said == str(number) and not display_is_free(number):
            log(f"Xvfb on :{number}")
            return f":{number}"
        # Taken meanwhile, or Xvfb failed: stop it and try the next one.
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)
        errors.append(f":{number}: " + p.stderr.read().decode("utf-8", "replace").strip())
    log("SKIP: Xvfb did not start: " + (" | ".join(errors) or "no free display"))
    stop_all()
    sys.exit(SKIP)


def recv_line_containing(sock, text, timeout=STEP_TIMEOUT):
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        for line in data.split(b"\n")[:-1]:
            if text.encode() in line:
                return line.decode()
        if time.monotonic() > deadline:
            raise Failure(f"python client: no line with {text!r}; got {data!r}")
        chunk = sock.recv(4096)
        if not chunk:
            raise Failure(f"python client: closed before a line with {text!r}; got {data!r}")
        data += chunk


def check_png(path):
    if not os.path.exists(path):
        raise Failure(f"no screenshot at {path}")
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure(f"{path} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    # The pixels: every IDAT chunk, inflated; a blank window has a handful of byte values.
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    values = len(set(zlib.decompress(idat)))
    log(f"screenshot {path}: {width}x{height}, {len(data)} bytes, {values} byte values")
    if width < 300 or height < 200 or values < 32:
        raise Failure(f"{path} looks empty ({width}x{height}, {values} byte values)")


def app_env(display):
    env = dict(os.environ)
    env.pop("WAYLAND_DISPLAY", None)
    env.update({
        "DISPLAY": display,
        "GDK_BACKEND": "x11",
        "GTK_A11Y": "none",                        # no accessibility bus to look for
        "NO_AT_BRIDGE": "1",
        "DBUS_SESSION_BUS_ADDRESS": "disabled:",   # no D-Bus autolaunch on the display
        "LC_ALL": "C.UTF-8",
    })
    # G_DEBUG=fatal-warnings from the suite stays: the window must not warn.
    return env


def wait_exit(p, reader, name, timeout=STEP_TIMEOUT):
    reader.drain(timeout)   # until its stdout closes, or the time is up
    try:
        return p.wait(timeout=1)
    except subprocess.TimeoutExpired:
        raise Failure(f"{name} did not exit in {timeout}s")


def chat_with_chat_server(display):
    log("# 1: gsock-chat against gsock-chat-server")
    server = start([chat_server, "--port", "0"], stdout=subprocess.PIPE)
    server_out = LineReader("chat-server", server.stdout)
    port = int(server_out.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))

    py = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    server_out.wait_for(r"joined")

    shot = os.path.join(out_dir, "gtk-chat-screenshot.png")
    if os.path.exists(shot):
        os.unlink(shot)
    app = start([chat, "--connect", "--host", "127.0.0.1", "--port", str(port),
                 "--send", "hello from gtk", "--quit-after-reply", "--screenshot", shot],
                stdout=subprocess.PIPE, env=app_env(display))
    app_out = LineReader("gsock-chat", app.stdout)
    app_out.wait_for(r"^connected to 127\.0\.0\.1:%d$" % port)

    line = recv_line_containing(py, "hello from gtk")
    log(f"  python client got: {line}")
    if not re.fullmatch(r"\[127\.0\.0\.1:\d+\] hello from gtk", line):
        raise Failure(f"python client: unexpected line {line!r}")
    py.sendall("hi from python, ünïcode\n".encode())

    app_out.wait_for(r"^received: \[127\.0\.0\.1:\d+\] hi from python, ünïcode$")
    status = wait_exit(app, app_out, "gsock-chat")
    if status != 0:
        raise Failure(f"gsock-chat exited {status}")
    check_png(shot)
    py.close()
    log("ok 1")


def chat_in_own_room(display):
    log("# 2: gsock-chat hosting its own room")
    shot = os.path.join(out_dir, "gtk-chat-server-screenshot.png")
    if os.path.exists(shot):
        os.unlink(shot)
    app = start([chat, "--serve", "--server-port", "0", "--connect", "--quit-after-reply",
                 "--screenshot", shot],
                stdout=subprocess.PIPE, env=app_env(display))
    app_out = LineReader("gsock-chat", app.stdout)
    port = int(app_out.wait_for(r"^listening on 127\.0\.0\.1:(\d+)$").group(1))
    app_out.wait_for(r"^connected to 127\.0\.0\.1:%d$" % port)
    app_out.wait_for(r"^server: 127\.0\.0\.1:\d+ joined \(1 connected\)$")

    py = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    name = "127.0.0.1:%d" % py.getsockname()[1]
    app_out.wait_for(r"^server: %s joined \(2 connected\)$" % re.escape(name))
    app_out.wait_for(r"^received: \* %s joined$" % re.escape(name))
    status = wait_exit(app, app_out, "gsock-chat")
    if status != 0:
        raise Failure(f"gsock-chat exited {status}")
    check_png(shot)
    py.close()
    log("ok 2")


def refused(display):
    log("# 3: gsock-chat reports a refused connection")
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    shot = os.path.join(out_dir, "gtk-chat-error-screenshot.png")
    if os.path.exists(shot):
        os.unlink(shot)
    app = start([chat, "--connect", "--port", str(port), "--send", "lost",
                 "--quit-after-reply", "--screenshot", shot],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=app_env(display))
    app_out = LineReader("gsock-chat", app.stdout)
    status = wait_exit(app, app_out, "gsock-chat")
    err = app.stderr.read().decode("utf-8", "replace")
    log("  gsock-chat stderr: " + err.strip())
    if status != 1:
        raise Failure(f"gsock-chat exited {status}, not 1, for a refused connection")
    if not re.search(r"127\.0\.0\.1:%d: .*refused" % port, err, re.I):
        raise Failure("no 'refused' error on stderr")
    check_png(shot)
    log("ok 3")


def main():
    if not os.access(chat, os.X_OK):
        log(f"FAIL: {chat} was not built")
        return 1
    try:
        display = start_xvfb()
        chat_with_chat_server(display)
        chat_in_own_room(display)
        refused(display)
    except (Failure, OSError) as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
