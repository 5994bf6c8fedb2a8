#!/usr/bin/python3
"""A room full of members who never read, all dropped at once, against gsock-chat-server.

Run by hand from the top of the tree, after `ninja -C _build`:

    /usr/bin/python3 tests/hostile/chat.py                # _build/demos/gsock-chat-server
    /usr/bin/python3 tests/hostile/chat.py --server _build-asan/demos/gsock-chat-server

or through meson: `meson test -C _build chat --print-errorlogs`.

The server runs with --max-queued-bytes 4096 and a small stack (STACK_KIB, set with
setrlimit before it starts, as `ulimit -s` would). SILENT members join and never read; then two
members who do read join, and one of them sends a few lines too large for what a silent member
can still take. Every silent member must be dropped, each drop announced to the two who read,
and the server must live through it: it used to announce each drop from inside the previous
one, one stack level per member, so a chain of drops longer than its stack crashed it (with
the default 8 MiB stack, about 7,700 drops). Then the two still chat both ways, the descriptors
of the dropped are free again, and the server exits 0 on SIGTERM (under AddressSanitizer with
no report). How long joining and dropping took, and the server's CPU time, are printed, never
asserted.

Output is TAP. Only the Python standard library.
"""

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

from harness import TIMEOUT, EchoServer, Tap, command_line, connect, send_until_closed

SILENT = 600
MAX_QUEUED_BYTES = 4096
# Enough for the server, and for a few hundred of the old nested drops (about 1.4 KiB a level
# in a debug build), far from SILENT of them.
STACK_KIB = 128
TALK_LINE = 20000  # bytes
# A few lines overflow every silent member; more if the kernel grew some of their send
# buffers meanwhile (it does when the server is slow, as under AddressSanitizer): then the
# talker goes on, a line every half second, until all are dropped.
TALK_LINES = 3
TALK_LINES_MOST = 40
WATCHDOG_SECONDS = 100

servers_running = []  # for the watchdog


def server_limits():
    """In the server's process, before it starts: the small stack."""
    resource.setrlimit(resource.RLIMIT_STACK, (STACK_KIB * 1024, STACK_KIB * 1024))


def cpu_seconds(pid):
    """User and system CPU time of process PID so far."""
    with open(f'/proc/{pid}/stat') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def open_fds(pid):
    return len(os.listdir(f'/proc/{pid}/fd'))


def silent_member(address):
    """A member who never reads, whose lines the kernel can hold only a few KB of.

    The server's send buffer is sized by the kernel from the path's MSS: on loopback (64 KiB)
    it grows to 4 MiB at once, which a test would take long to fill; with a 536-byte MSS it
    stays near 64 KiB. A small receive buffer keeps the member's own side small too."""
    sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sk.settimeout(TIMEOUT)
    sk.connect(address)
    return sk


def name_of(sk):
    host, port = sk.getsockname()[:2]
    return f'{host}:{port}'


class Reader:
    """A member who reads: every line it gets is collected by a thread of its own."""

    def __init__(self, address):
        self.sk = connect(address)
        self.name = name_of(self.sk)
        self.lines = []
        self.ended = None  # how the stream ended, once it has
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        buffer = b''
        self.sk.settimeout(None)
        try:
            while True:
                chunk = self.sk.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                *complete, buffer = buffer.split(b'\n')
                with self._changed:
                    self.lines.extend(line.decode('utf-8', 'replace') for line in complete)
                    self._changed.notify_all()
            how = 'end of stream'
        except OSError as e:
            how = str(e)
        with self._changed:
            self.ended = how
            self._changed.notify_all()

    def wait_for(self, predicate, timeout=TIMEOUT):
        """True once PREDICATE(lines) holds; False if the stream ends or TIMEOUT passes first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.lines):
                left = deadline - time.monotonic()
                if self.ended is not None or left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def close(self):
        self.sk.close()
        self._thread.join(TIMEOUT)


def wait_until(predicate, server, timeout=TIMEOUT):
    """True once PREDICATE() holds; False if the server exits or TIMEOUT passes first."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if not server.alive() or time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def how_it_ended(server):
    """Why a wait failed, as far as the server tells: its exit status, if it is dying."""
    try:
        status = server.proc.wait(1)
    except subprocess.TimeoutExpired:
        return 'the server still runs'
    signal_name = f' ({signal.Signals(-status).name})' if status < 0 else ''
    return f'the server exited with status {status}{signal_name}:\n' + server.stderr_text()


def count_lines(server, suffix):
    return sum(1 for line in list(server.stdout_lines) if line.endswith(suffix))


def run(tap, path):
    server = EchoServer(path, '--max-queued-bytes', str(MAX_QUEUED_BYTES),
                        preexec_fn=server_limits)
    servers_running.append(server)
    silent = []
    readers = []
    with server:
        fds_before = open_fds(server.proc.pid)

        # 1. The silent members join.
        started, cpu = time.monotonic(), cpu_seconds(server.proc.pid)
        for _ in range(SILENT):
            silent.append(silent_member(server.address))
        joined = wait_until(lambda: count_lines(server, ' joined') == SILENT, server)
        tap.result(joined, f'{SILENT} silent members joined',
                   f'{time.monotonic() - started:.2f} s, server CPU '
                   f'{cpu_seconds(server.proc.pid) - cpu:.2f} s' if joined
                   else how_it_ended(server))
        if not joined:
            return

        # 2. Two who read, one of whom talks: every silent member overflows at once.
        a = Reader(server.address)
        readers.append(a)
        assert wait_until(lambda: count_lines(server, f'* {a.name} joined') == 1, server)
        b = Reader(server.address)
        readers.append(b)
        assert a.wait_for(lambda lines: f'* {b.name} joined' in lines), a.lines
        silent_names = {name_of(sk) for sk in silent}

        def drops(lines):
            return {line[2:].split(' ', 1)[0] for line in lines
                    if line.startswith('* ') and ' dropped (' in line}

        def everyone_dropped(lines):
            return drops(lines) >= silent_names

        started, cpu = time.monotonic(), cpu_seconds(server.proc.pid)
        talk = b'x' * (TALK_LINE - 1) + b'\n'
        talked = 0
        while talked < TALK_LINES_MOST:
            if send_until_closed(a.sk, talk):
                break  # the server is gone: the result below says how
            talked += 1
            if talked >= TALK_LINES and a.wait_for(everyone_dropped, 0.5):
                break
        everyone = a.wait_for(everyone_dropped, TIMEOUT * 3)
        seconds, cpu = time.monotonic() - started, cpu_seconds(server.proc.pid) - cpu
        tap.result(everyone and server.alive(),
                   f'all {SILENT} silent members dropped, each drop announced, server alive',
                   f'{seconds:.2f} s, server CPU {cpu:.2f} s' if everyone else
                   f'{len(drops(a.lines) & silent_names)} of {SILENT} drops announced; '
                   + how_it_ended(server))
        if not server.alive():
            return
        tap.result(b.wait_for(everyone_dropped), 'the other member got every drop announced too',
                   f'{len(drops(b.lines) & silent_names)} of {SILENT} ({b.ended or "still open"})')
        tap.result(not drops(a.lines + b.lines) - silent_names,
                   'no member who reads was dropped', '\n'.join(drops(a.lines + b.lines) -
                                                                silent_names))
        got = [line for line in b.lines if line.startswith(f'[{a.name}] ')]
        tap.result(got == [f'[{a.name}] ' + 'x' * (TALK_LINE - 1)] * talked,
                   f'the other member got the {talked} long lines whole', f'got {len(got)}')

        # 3. The room goes on.
        a.sk.sendall(b'still here?\n')
        b.sk.sendall('yes, 你好\n'.encode('utf-8'))
        chatted = (b.wait_for(lambda lines: f'[{a.name}] still here?' in lines) and
                   a.wait_for(lambda lines: f'[{b.name}] yes, 你好' in lines))
        tap.result(chatted, 'the two who read still chat both ways',
                   '' if chatted else f'a last got {a.lines[-3:]}, b {b.lines[-3:]}')
        fds_now = open_fds(server.proc.pid)
        # The two readers' connections, and a little slack for GLib's own.
        tap.result(fds_now <= fds_before + 2 + 4,
                   'the descriptors of the dropped are free again',
                   f'{fds_before} open before the members came, {fds_now} now')

        status = server.stop()
        reports = server.sanitizer_reports()
        tap.result(status == 0 and not reports,
                   'server exits 0 on SIGTERM with no sanitizer report',
                   f'exit status {status}\n' + server.stderr_text() if status or reports else '')
    for reader in readers:
        reader.close()
    for sk in silent:
        sk.close()


def main():
    server_path, _ = command_line(__doc__, None, server='gsock-chat-server')

    # A hang must not outlive the run: the watchdog kills the server and exits.
    def bail_out():
        print(f'Bail out! still running after {WATCHDOG_SECONDS} s', flush=True)
        for server in servers_running:
            server.proc.kill()
        os._exit(1)
    watchdog = threading.Timer(WATCHDOG_SECONDS, bail_out)
    watchdog.daemon = True
    watchdog.start()

    tap = Tap()
    started = time.monotonic()
    try:
        run(tap, server_path)
    except BaseException as e:  # noqa: B902 - reported as a failure, like any other
        tap.result(False, type(e).__name__, ''.join(traceback.format_exception(e)).rstrip())
    finally:
        watchdog.cancel()
        for server in servers_running:
            server.close()
    tap.plan()
    print(f'# {tap.count - tap.failures} of {tap.count} passed in '
          f'{time.monotonic() - started:.1f} s', flush=True)
    return 1 if tap.failures else 0


if __name__ == '__main__':
    sys.exit(main())
