"""What the programs in tests/hostile share: a gsock-echo-server under watch, socket helpers.

Python 3 standard library only (no gi): the server is driven as any peer on the network would.
"""

import argparse
import errno
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import threading
import time

LOCALHOST = '127.0.0.1'
TIMEOUT = 10  # seconds, for any single wait; generous, so a busy machine does not fail a test
MIB = 1024 * 1024
MAX_MESSAGE = MIB  # gsock's default max-message-size for TCP
MAX_DATAGRAM = 65507  # the largest UDP payload over IPv4

# Errors that mean "the other side closed or reset the connection".
CLOSED_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED, errno.ESHUTDOWN)


def command_line(doc, seeded, server='gsock-echo-server'):
    """--server and --seed: returns (the server to run, the seed), having printed the seed.

    By default the server is SERVER in _build, for running by hand, and the seed a new one
    each run; SEEDED says what the seed decides (None: nothing, and there is no --seed)."""
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=doc.split('\n', 1)[0])
    parser.add_argument('--server', default=os.path.join(here, '..', '..', '_build', 'demos',
                                                         server),
                        help=f'the {server} to run (default: _build/demos)')
    if seeded is None:
        return parser.parse_args().server, None
    parser.add_argument('--seed', type=int, default=None,
                        help=f'seed for {seeded} (default: a new one, printed)')
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f'# seed {seed} (repeat with --seed {seed})', flush=True)
    return args.server, seed


def has_option(path, option):
    """True if `PATH --help` lists OPTION (e.g. '--handler-threads')."""
    help_text = subprocess.run([path, '--help'], stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=TIMEOUT * 3).stdout
    return re.search(re.escape(option) + r'(?![\w-])', help_text) is not None


def proc_status(pid):
    """/proc/PID/status as {field: value in KiB} for the Vm* lines."""
    fields = {}
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('Vm'):
                name, value = line.split(':', 1)
                fields[name] = int(value.split()[0])
    return fields


class EchoServer:
    """gsock-echo-server on a free loopback port: its stderr collected, its memory sampled.

    A server that prints more on stdout after its "listening on" line (gsock-chat-server
    prints every line it passes on) has it collected too, in stdout_lines. PREEXEC_FN runs in
    the child before the server starts (to set its resource limits, say).

    stop() sends SIGTERM and returns the exit status; close() kills it if it still runs, so a
    failing test never leaves it behind.
    """

    def __init__(self, path, *args, sample_interval=0.02, preexec_fn=None):
        self.args = [path, '--host', LOCALHOST, '--port', '0', *args]
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=preexec_fn)
        self.stderr_lines = []
        self.stdout_lines = []
        self._stdout_thread = None  # started once the port is read
        self.peak_rss_kib = 0  # the largest VmRSS sampled
        self.window_peak_kib = 0  # the same since the last reset_window()
        self._stop_sampling = threading.Event()
        # Drained all along: a server blocked on a full pipe would look like a hung server.
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        try:
            self.port = self._read_port()
        except BaseException:
            self.close()
            raise
        self.address = (LOCALHOST, self.port)
        # Drained too: a server blocked on a full stdout would look hung as well.
        self._stdout_thread = threading.Thread(target=self._drain_stdout, daemon=True)
        self._stdout_thread.start()
        self.sanitized = self._links('libasan')
        self._sampler = threading.Thread(target=self._sample, args=(sample_interval,),
                                         daemon=True)
        self._sampler.start()

    def _read_port(self):
        fd = self.proc.stdout.fileno()
        data = b''
        deadline = time.monotonic() + TIMEOUT * 3  # a sanitized build starts slowly
        # Byte by byte, so that what follows the line stays in the pipe for _drain_stdout.
        while not data.endswith(b'\n'):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f'no "listening on" line within the timeout: {data!r}')
            chunk = os.read(fd, 1)
            if not chunk:
                self.proc.wait(TIMEOUT)
                self._stderr_thread.join(TIMEOUT)
                raise AssertionError(f'{self.args} exited {self.proc.returncode} before '
                                     f'listening: {self.stderr_text()!r}')
            data += chunk
        line = data[:-1].decode()
        match = re.fullmatch(r'listening on (.+):(\d+)', line)
        assert match and int(match.group(2)) != 0, f'unexpected first line {line!r}'
        return int(match.group(2))

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode('utf-8', 'replace').rstrip('\n'))

    def _drain_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line.decode('utf-8', 'replace').rstrip('\n'))

    def _links(self, library):
        with open(f'/proc/{self.proc.pid}/maps') as maps:
            return library in maps.read()

    def _sample(self, interval):
        while not self._stop_sampling.wait(interval):
            try:
                rss = proc_status(self.proc.pid).get('VmRSS', 0)
            except OSError:
                return
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            self.window_peak_kib = max(self.window_peak_kib, rss)

    def reset_window(self):
        """Starts a new window for window_peak_kib; returns VmRSS now."""
        rss = proc_status(self.proc.pid)['VmRSS']
        self.window_peak_kib = rss
        return rss

    def status(self):
        """The server's Vm* fields now (KiB); VmHWM is the kernel's own peak of VmRSS."""
        return proc_status(self.proc.pid)

    def alive(self):
        return self.proc.poll() is None

    def stderr_text(self):
        return '\n'.join(self.stderr_lines)

    def wait_for_stderr(self, text, timeout=TIMEOUT):
        """True once a line with TEXT has come on stderr (read by another thread)."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.stderr_lines):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def summary(self):
        """The totals of the "in all:" line the server prints when it stops: {kind: count}."""
        totals = {}
        for line in self.stderr_lines:
            _, found, rest = line.partition(': in all: ')
            if found:
                for part in rest.split(', '):
                    count, _, kind = part.partition(' ')
                    totals[kind] = int(count)
        return totals

    def sanitizer_reports(self):
        return [line for line in self.stderr_lines
                if 'Sanitizer' in line or 'runtime error:' in line]

    def stop(self):
        """SIGTERM, then waits (closing is graceful and bounded by the server itself)."""
        self._stop_sampling.set()
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(TIMEOUT * 3)  # LeakSanitizer's exit scan takes a while
        except subprocess.TimeoutExpired:
            self.close()
            raise AssertionError(f'{self.args[0]} still running {TIMEOUT * 3} s after SIGTERM')
        self._stderr_thread.join(TIMEOUT)
        return status

    def close(self):
        self._stop_sampling.set()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._stdout_thread is not None:
            self._stdout_thread.join(TIMEOUT)
        self.proc.stdout.close()
        self._stderr_thread.join(TIMEOUT)
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def framed(framing, payload):
    """PAYLOAD as gsock-echo-server --framing FRAMING cuts it (and echoes it back)."""
    if framing == 'line':
        return payload + b'\n'
    if framing == 'length':
        return struct.pack('>I', len(payload)) + payload
    return payload


def connect(address, timeout=TIMEOUT, nodelay=False, rcvbuf=None):
    sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        # Before connecting, or the window is already agreed.
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if nodelay:
        sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sk.settimeout(timeout)
    sk.connect(address)
    return sk


def reset(sk):
    """Closes SK with an RST rather than a FIN (SO_LINGER with a zero timeout)."""
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    sk.close()


def recv_exactly(sk, size):
    chunks = []
    left = size
    while left > 0:
        chunk = sk.recv(min(left, 1 << 20))
        if not chunk:
            got = size - left
            raise AssertionError(f'connection closed after {got} of {size} bytes')
        chunks.append(chunk)
        left -= len(chunk)
    return b''.join(chunks)


def wait_closed(sk, timeout=TIMEOUT):
    """Reads until the peer ends SK: returns (how, seconds waited, bytes read before).

    how is 'eof' (FIN), 'reset' (RST) or 'open' (nothing within TIMEOUT).
    """
    start = time.monotonic()
    data = b''
    sk.setblocking(False)
    try:
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0 or not select.select([sk], [], [], left)[0]:
                return 'open', time.monotonic() - start, data
            try:
                chunk = sk.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno in CLOSED_ERRNOS:
                    return 'reset', time.monotonic() - start, data
                raise
            if not chunk:
                return 'eof', time.monotonic() - start, data
            data += chunk
    finally:
        sk.setblocking(True)


def send_until_closed(sk, data):
    """sendall(DATA), but a peer closing midway is an answer, not an error: True if it did."""
    try:
        sk.sendall(data)
        return False
    except OSError as e:
        if e.errno in CLOSED_ERRNOS:
            return True
        raise


def echo_once(address, framing, payload, timeout=TIMEOUT):
    """One fresh connection, one message, its echo compared; raises AssertionError if not."""
    wire = framed(framing, payload)
    with connect(address, timeout) as sk:
        sk.sendall(wire)
        got = recv_exactly(sk, len(wire))
    assert got == wire, f'echo of {len(wire)} bytes differs'


def udp_echo(address, payload, timeout=TIMEOUT):
    """One datagram to ADDRESS; returns the datagram that comes back."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        sk.settimeout(timeout)
        sk.sendto(payload, address)
        data, sender = sk.recvfrom(MAX_DATAGRAM + 1)
    assert sender == address, f'answer from {sender}, not {address}'
    return data


def mib(kib):
    return f'{kib / 1024:.1f} MiB'


def rss_bound_mib(server, plain_mib):
    """The bound on SERVER's peak RSS: PLAIN_MIB, or what it becomes under AddressSanitizer.

    A sanitized server (libasan in its mappings) takes shadow memory and redzones around every
    block, and the quarantine, which holds freed blocks back (up to quarantine_size_mb, 256 by
    default) so that a use after free is caught. So the bound there is twice the plain one
    (redzones, shadow) plus the quarantine and its shadow (9/8 of its size)."""
    if not server.sanitized:
        return plain_mib
    quarantine = re.search(r'quarantine_size_mb=(\d+)', os.environ.get('ASAN_OPTIONS', ''))
    quarantine_mib = 256 if quarantine is None else int(quarantine.group(1))
    return 2 * plain_mib + 9 * quarantine_mib // 8


class Tap:
    """TAP results, numbered as they come; the plan is printed last (plan())."""

    def __init__(self):
        self.count = 0
        self.failures = 0

    def result(self, ok, description, detail=''):
        self.count += 1
        if not ok:
            self.failures += 1
        print(f'{"ok" if ok else "not ok"} {self.count} - {description}', flush=True)
        for line in detail.splitlines():
            print(f'# {line}', flush=True)

    def skip(self, description, reason):
        self.count += 1
        print(f'ok {self.count} - {description} # SKIP {reason}', flush=True)

    def plan(self):
        print(f'1..{self.count}', flush=True)
