#!/usr/bin/python3
"""TLS peers that send but never read, dropped by a TLS gsock-echo-server, must leave nothing.

Run by hand from the top of the tree, after `ninja -C _build`:

    /usr/bin/python3 tests/hostile/tls.py               # _build/demos/gsock-echo-server
    /usr/bin/python3 tests/hostile/tls.py --server _build-asan/demos/gsock-echo-server

or through meson: `meson test -C _build tls-never-read --print-errorlogs`.

A gsock-echo-server with --tls-cert and a small --max-queued-bytes (a certificate made for the
run with the openssl command). One TLS echo first, then the server's descriptors
(/proc/PID/fd) and threads (/proc/PID/task) are the baseline. Then PEERS Python ssl clients,
each with a small receive buffer, send lines as fast as they can and read nothing: the echoes
pile up until the server's queue for them is full, and it drops them. The peers keep their
sockets open all along (a peer that closed would wake whatever waits on it). Asserted: every
peer dropped, the server's descriptors and threads back near the baseline while those peers
are still there, a fresh TLS client handshaking and echoing promptly, and exit 0 on SIGTERM
with the totals agreeing. Issue 11 (high): before e71f27a each dropped peer kept a descriptor
and a GIO thread blocked for ever on its close_notify.
"""

import argparse
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from harness import CLOSED_ERRNOS, TIMEOUT, EchoServer, Tap

PEERS = 24
MAX_QUEUED_BYTES = 64 * 1024
# Lines of 4 KiB, a millisecond apart: each read of the server echoes what one TLS record
# takes, so its queue grows only once the kernel's buffers are full. (Written at once, the
# lines pile up in the queue while the socket still has room, and the drop's close_notify goes
# out at once: nothing waits.)
LINE = b'x' * (4 * 1024 - 1) + b'\n'
PACE_SECONDS = 0.001
PEER_RCVBUF = 4096
# The most the peers may leave behind: a few of GIO's idle worker threads, nothing per peer.
FD_SLACK = 2
THREAD_SLACK = 4
SETTLE_SECONDS = 10  # how long the counts may take to come back
PROMPT_SECONDS = 3   # a fresh client's handshake and echo, on a busy 2-core machine
WATCHDOG_SECONDS = 110

DROPPED = 'clients dropped for not reading'

servers_running = []  # for the watchdog


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1 and its key, in FOLDER: (cert, key)."""
    cert = os.path.join(folder, 'server.pem')
    key = os.path.join(folder, 'server.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', key, '-out', cert],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT * 3)
    return cert, key


def tls_context(cert):
    context = ssl.create_default_context(cafile=cert)
    context.check_hostname = False  # verified by the IP address in the certificate instead
    return context


def tls_connect(context, address, rcvbuf=None):
    sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sk.settimeout(TIMEOUT)
    sk.connect(address)
    try:
        return context.wrap_socket(sk)
    except BaseException:
        sk.close()
        raise


def timed_echo(context, address):
    """A fresh TLS connection, a line and its echo: the seconds it took."""
    start = time.monotonic()
    with tls_connect(context, address) as sk:
        sk.sendall(b'hello over TLS\n')
        got = b''
        while not got.endswith(b'\n'):
            chunk = sk.recv(4096)
            assert chunk, f'the server closed after {got!r}'
            got += chunk
    assert got == b'hello over TLS\n', f'echo {got!r}'
    return time.monotonic() - start


def counts(pid):
    """(open descriptors, threads) of process PID."""
    return len(os.listdir(f'/proc/{pid}/fd')), len(os.listdir(f'/proc/{pid}/task'))


class NeverReader(threading.Thread):
    """A TLS peer that writes lines (paced) until its writes stall or fail, reads nothing, and
    keeps its socket open until told to close it."""

    def __init__(self, context, address):
        super().__init__(daemon=True, name='never-reader')
        self.sk = tls_connect(context, address, rcvbuf=PEER_RCVBUF)
        self.sk.settimeout(1)  # a write that waits that long: the server no longer reads
        self.sent = 0
        self.ended = None  # 'stalled' or 'closed'
        self.error = None

    def run(self):
        try:
            while True:
                self.sent += self.sk.send(LINE)
                time.sleep(PACE_SECONDS)
        except socket.timeout:
            self.ended = 'stalled'
        except OSError as e:
            if e.errno in CLOSED_ERRNOS or isinstance(e, ssl.SSLError):
                self.ended = 'closed'
            else:
                self.error = e

    def close(self):
        self.sk.close()


def scenario(tap, path, folder):
    cert, key = make_certificate(folder)
    context = tls_context(cert)
    with EchoServer(path, '--tls-cert', cert, '--tls-key', key,
                    '--max-queued-bytes', str(MAX_QUEUED_BYTES)) as server:
        servers_running.append(server)
        pid = server.proc.pid
        # The baseline after one handshake: GIO's TLS backend and worker threads are loaded.
        timed_echo(context, server.address)
        time.sleep(0.5)
        base_fds, base_threads = counts(pid)

        peers = [NeverReader(context, server.address) for _ in range(PEERS)]
        try:
            for peer in peers:
                peer.start()
            for peer in peers:
                peer.join(TIMEOUT * 3)
            errors = [p.error for p in peers if p.error is not None]
            tap.result(not errors and all(p.ended for p in peers),
                       f'{PEERS} TLS never-readers write until the server stops them',
                       '\n'.join(str(e) for e in errors))
            # The peers are all still connected: what they left is what the server kept.
            deadline = time.monotonic() + SETTLE_SECONDS
            fds, threads = counts(pid)
            while ((fds > base_fds + FD_SLACK or threads > base_threads + THREAD_SLACK) and
                   time.monotonic() < deadline):
                time.sleep(0.1)
                fds, threads = counts(pid)
            tap.result(fds <= base_fds + FD_SLACK,
                       f'descriptors back near the baseline: {fds} (baseline {base_fds}, '
                       f'at most +{FD_SLACK}) with the dropped peers still connected')
            tap.result(threads <= base_threads + THREAD_SLACK,
                       f'threads back near the baseline: {threads} (baseline {base_threads}, '
                       f'at most +{THREAD_SLACK})')

            seconds = timed_echo(context, server.address)
            tap.result(seconds < PROMPT_SECONDS,
                       f'a fresh TLS client handshakes and echoes in {seconds:.2f} s '
                       f'(< {PROMPT_SECONDS} s)')
        finally:
            for peer in peers:
                peer.close()

        status = server.stop()
        reports = server.sanitizer_reports()
        tap.result(status == 0 and not reports,
                   'the server exits 0 on SIGTERM with no sanitizer report',
                   f'exit status {status}\n' + server.stderr_text() if status or reports else '')
        summary = server.summary().get(DROPPED, 0)
        tap.result(summary == PEERS,
                   f'the server dropped {summary} of the {PEERS} for not reading (its totals)',
                   '' if summary == PEERS else '\n'.join(server.stderr_lines[-5:]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--server', default=os.path.join(here, '..', '..', '_build', 'demos',
                                                         'gsock-echo-server'),
                        help='the gsock-echo-server to run (default: _build/demos)')
    server_path = parser.parse_args().server
    tap = Tap()
    if shutil.which('openssl') is None:
        tap.skip('TLS never-readers', 'needs the openssl command')
        tap.plan()
        return 0

    # A hang must not outlive the run.
    def bail_out():
        print(f'Bail out! still running after {WATCHDOG_SECONDS} s', flush=True)
        for server in servers_running:
            server.proc.kill()
        os._exit(1)
    watchdog = threading.Timer(WATCHDOG_SECONDS, bail_out)
    watchdog.daemon = True
    watchdog.start()

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='gsock-tls-hostile-') as folder:
        try:
            scenario(tap, server_path, folder)
        except BaseException as e:  # noqa: B902 - reported as a result, the plan still printed
            tap.result(False, f'TLS never-readers: {type(e).__name__}',
                       ''.join(traceback.format_exception(e)).rstrip())
        finally:
            watchdog.cancel()
    tap.plan()
    print(f'# {tap.count - tap.failures} of {tap.count} passed in '
          f'{time.monotonic() - started:.1f} s', flush=True)
    return 1 if tap.failures else 0


if __name__ == '__main__':
    sys.exit(main())
