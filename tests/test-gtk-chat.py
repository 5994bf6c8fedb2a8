#!/usr/bin/python3
# test-gtk-chat.py: the GNOME chat app (demos/gtk) on a virtual X display
#
#   test-gtk-chat.py BUILD_DEMOS_DIR OUTPUT_DIR
#
# It drives gsock-chat-test, the app with the test hooks of demos/gtk/gsock-chat-test-hooks.c:
# events on its stdout ("connected to ...", "received: ...", "error: ..."), commands on its
# stdin ("send TEXT", "screenshot FILE", "action NAME", "close", "quit").
#
# 1. Two windows in one chat room: window A hosts a room and joins it, window B joins it,
#    a plain Python socket too; each window sees the other's line and the Python one's.
#    B's window is closed as by its close button: A hears that B left.
# 2. A window against gsock-chat-server, with a plain Python socket in the room.
# 3. A window connecting to a port nobody listens on: the error is reported; its About
#    window opens.
#
# Each window leaves a screenshot in OUTPUT_DIR (gtk-chat-*.png, paths printed), checked to
# be a valid PNG of a plausible size with more than a handful of colours.
#
# Runs Xvfb on a display nobody uses, abstract socket included. Exits 77 (meson's skip) only
# when Xvfb is not installed or does not start. Every process is killed at the end; every
# wait is bounded.
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
chat = os.path.join(demos_dir, "gtk", "gsock-chat-test")
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


def count_colours(path):
    """The distinct pixel values of the PNG at PATH, as GdkPixbuf decodes them."""
    import gi
    gi.require_version("GdkPixbuf", "2.0")
    from gi.repository import GdkPixbuf

    pixbuf = GdkPixbuf.Pixbuf.new_from_file(path)
    n, stride = pixbuf.get_n_channels(), pixbuf.get_rowstride()
    width, pixels = pixbuf.get_width(), pixbuf.get_pixels()
    colours = set()
    for y in range(pixbuf.get_height()):
        row = pixels[y * stride:y * stride + width * n]
        colours.update(row[x:x + n] for x in range(0, len(row), n))
    return len(colours)


def check_png(path):
    """PATH is a whole PNG (signature, chunks with good CRCs from IHDR to IEND), of a window's
    size, with more than a handful of colours (a blank or half-drawn window has a few)."""
    if not os.path.exists(path):
        raise Failure(f"no screenshot at {path}")
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure(f"{path} is not a PNG")
    pos, kinds = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4 or \
                zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise Failure(f"{path}: chunk {kind!r} at {pos} is cut or damaged")
        kinds.append(kind)
        pos += 12 + length
    if kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or b"IDAT" not in kinds:
        raise Failure(f"{path}: chunks {kinds!r}")
    width, height = struct.unpack(">II", data[16:24])
    colours = count_colours(path)
    log(f"screenshot {path}: {width}x{height}, {len(data)} bytes, {colours} colours")
    if width < 600 or height < 400 or colours < 64:
        raise Failure(f"{path} looks empty ({width}x{height}, {colours} colours)")


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


class ChatWindow:
    """One gsock-chat-test: its events on its stdout, commands to its stdin."""

    def __init__(self, name, display, *args):
        self.name = name
        self.process = start([chat, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env=app_env(display))
        self.out = LineReader(name, self.process.stdout)

    def wait_for(self, pattern):
        return self.out.wait_for(pattern)

    def command(self, line):
        log(f"  {self.name} <- {line}")
        self.process.stdin.write((line + "\n").encode())
        self.process.stdin.flush()

    def screenshot(self, basename):
        path = os.path.join(out_dir, basename)
        if os.path.exists(path):
            os.unlink(path)
        self.command(f"screenshot {path}")
        self.wait_for(r"^screenshot: %s$" % re.escape(path))
        check_png(path)

    def quit(self, command="quit"):
        self.command(command)
        self.out.drain(STEP_TIMEOUT)   # until its stdout closes, or the time is up
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name} did not quit in {STEP_TIMEOUT}s")
        if status != 0:
            raise Failure(f"{self.name} exited {status}")
        failed = [line for line in self.out.lines if line.startswith("screenshot failed")]
        if failed:
            raise Failure(f"{self.name}: {failed}")

    def close(self):
        """Closes the window as its close button does: the app ends with it."""
        self.quit("close")


def two_windows_in_one_room(display):
    log("# 1: two windows in one chat room, hosted by the first")
    a = ChatWindow("window A", display, "--serve", "--server-port", "0", "--connect")
    port = int(a.wait_for(r"^listening on 127\.0\.0\.1:(\d+)$").group(1))
    a.wait_for(r"^connected to 127\.0\.0\.1:%d$" % port)
    a.wait_for(r"^server: 127\.0\.0\.1:\d+ joined \(1 connected\)$")

    b = ChatWindow("window B", display, "--connect", "--port", str(port))
    b.wait_for(r"^connected to 127\.0\.0\.1:%d$" % port)
    b_name = re.escape(a.wait_for(r"^server: (127\.0\.0\.1:\d+) joined \(2 connected\)$")
                       .group(1))
    a.wait_for(r"^received: \* %s joined$" % b_name)

    b.command("send hello from B")
    a.wait_for(r"^received: \[%s\] hello from B$" % b_name)
    a.command("send hello from A, ünïcode")
    a_line = b.wait_for(r"^received: \[(127\.0\.0\.1:\d+)\] hello from A, ünïcode$")
    a_name = re.escape(a_line.group(1))

    py = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    py_name = re.escape("127.0.0.1:%d" % py.getsockname()[1])
    a.wait_for(r"^server: %s joined \(3 connected\)$" % py_name)
    for window in (a, b):
        window.wait_for(r"^received: \* %s joined$" % py_name)
    py.sendall(b"hi from python\n")
    for window in (a, b):
        window.wait_for(r"^received: \[%s\] hi from python$" % py_name)
    b.command("send bye from B")
    line = recv_line_containing(py, "bye from B")
    if not re.fullmatch(r"\[%s\] bye from B" % b_name, line):
        raise Failure(f"python client: unexpected line {line!r}")
    if any(re.match(r"received: \[%s\]" % a_name, line) for line in a.out.lines):
        raise Failure("window A heard its own line back")

    a.screenshot("gtk-chat-room-host-screenshot.png")
    b.screenshot("gtk-chat-room-guest-screenshot.png")
    py.close()
    b.close()
    a.wait_for(r"^received: \* %s left$" % b_name)
    a.quit()
    log("ok 1")


def chat_with_chat_server(display):
    log("# 2: a window against gsock-chat-server")
    server = start([chat_server, "--port", "0"], stdout=subprocess.PIPE)
    server_out = LineReader("chat-server", server.stdout)
    port = int(server_out.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))

    py = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    server_out.wait_for(r"joined")

    app = ChatWindow("window", display, "--connect", "--host", "127.0.0.1", "--port", str(port))
    app.wait_for(r"^connected to 127\.0\.0\.1:%d$" % port)
    app.command("send hello from gtk")
    line = recv_line_containing(py, "hello from gtk")
    log(f"  python client got: {line}")
    if not re.fullmatch(r"\[127\.0\.0\.1:\d+\] hello from gtk", line):
        raise Failure(f"python client: unexpected line {line!r}")
    py.sendall("hi from python, ünïcode\n".encode())
    app.wait_for(r"^received: \[127\.0\.0\.1:\d+\] hi from python, ünïcode$")

    app.screenshot("gtk-chat-screenshot.png")
    app.quit()
    py.close()
    log("ok 2")


def refused(display):
    log("# 3: a window reports a refused connection")
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = ChatWindow("window", display, "--connect", "--port", str(port))
    app.wait_for(r"^error: 127\.0\.0\.1:%d: .*[Rr]efused" % port)
    app.screenshot("gtk-chat-error-screenshot.png")
    # The About window opens without a warning (G_DEBUG=fatal-warnings would end the app).
    app.command("action about")
    app.wait_for(r"^action: about$")
    app.quit()
    log("ok 3")


def main():
    if not os.access(chat, os.X_OK):
        log(f"FAIL: {chat} was not built")
        return 1
    try:
        display = start_xvfb()
        two_windows_in_one_room(display)
        chat_with_chat_server(display)
        refused(display)
    except (Failure, OSError) as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
