#!/usr/bin/python3
"""A catalogue of attacks on gsock-echo-server while well-behaved clients check every echo.

Run by hand from the top of the tree, after `ninja -C _build`:

    /usr/bin/python3 tests/hostile/hostile.py                  # _build/demos/gsock-echo-server
    /usr/bin/python3 tests/hostile/hostile.py --server _build-asan/demos/gsock-echo-server
    /usr/bin/python3 tests/hostile/hostile.py --seed 1234      # the payloads of an earlier run

or through meson: `meson test -C _build hostile --print-errorlogs`.

Two servers on free loopback ports (one with --framing line, one with --framing length; both
with --max-clients, --idle-timeout and --max-queued-bytes). Each gets a well-behaved client
first, so that it holds a slot, which exchanges messages (and UDP datagrams, on the
same port number) the whole time and compares every echo. Meanwhile the attacks run one after the
other (the slow-loris connections in the background, as they take seconds). At the end: every
good echo was intact, both servers still answer, their peak resident memory (VmHWM) stayed
under a bound, they exit 0 on SIGTERM (under AddressSanitizer: with no report, leaks
included), and the totals they print when they stop agree with what was seen.

Output is TAP: one result per attack and check, then the table as comment lines. Exits 1 if
anything failed. Only the Python standard library; no timing is asserted except generous
timeouts, and lower bounds that scheduling delays cannot break.
"""

import collections
import errno
import os
import random
import select
import socket
import struct
import sys
import threading
import time
import traceback

from harness import (CLOSED_ERRNOS, MAX_DATAGRAM, MAX_MESSAGE, MIB, TIMEOUT,
                     EchoServer, Tap, command_line, connect, echo_once, framed, mib,
                     recv_exactly, reset, rss_bound_mib, send_until_closed, udp_echo,
                     wait_closed)

MAX_CLIENTS = 64
IDLE_TIMEOUT_MS = 3000  # long enough that a busy 2-core VM never starves the good clients
MAX_QUEUED_BYTES = MIB
DRAIN_TIMEOUT_MS = 1000  # a peer whose echoes wait that long without it reading any goes
SERVER_OPTIONS = ['--max-clients', str(MAX_CLIENTS), '--idle-timeout', str(IDLE_TIMEOUT_MS),
                  '--max-queued-bytes', str(MAX_QUEUED_BYTES),
                  '--drain-timeout', str(DRAIN_TIMEOUT_MS)]

# The bound on the peak resident memory (VmHWM) of each server over the whole run.
#
# Measured on Debian 12 x86_64 (glibc malloc) over this whole catalogue: the line server peaks
# at 11.6 to 13.4 MiB, the length server at 8.6 to 8.9 MiB; 5.3 MiB of that is there at start
# (the binary, GLib, GIO, libc). The most a peer may make the server hold is one read buffer of
# max-message-size plus one read (1 MiB + 64 KiB) per connection and the --max-queued-bytes
# write queue (1 MiB here); the attacks hold a few of those at once, never dozens. 64 MiB is
# about five times the measured peak, and a fraction of what a missing limit takes: with
# --max-queued-bytes 0 the peer that never reads pushes the line server past 130 MiB.
RSS_BOUND_MIB = 64
# Under AddressSanitizer (detected from libasan in the server's mappings) the same run peaks
# at 82 to 103 MiB (line) and 37 to 50 MiB (length), 12 MiB at start: shadow memory and redzones
# around every block, and the quarantine, which holds freed blocks back (up to
# quarantine_size_mb, 256 by default) so that a use after free is caught; every buffer the
# attacks make the server free passes through it. So the bound there is twice the plain one
# (redzones, shadow) plus the quarantine and its shadow (9/8 of its size): 416 MiB by default
# (harness.rss_bound_mib).

# The non-reader gives up (and fails the test) if the server has not dropped it by then.
NON_READER_GIVE_UP = 128 * MIB
WATCHDOG_SECONDS = 150

# The kinds of line gsock-echo-server counts and totals when it stops ("in all: ..."): each
# attack adds what it made happen to server.seen, and at the end the two must agree.
REJECTED = 'connections rejected (too many clients)'
DROPPED = 'clients dropped for not reading'
IDLE = 'idle clients disconnected'
ERRORS = 'connections ended by an error'


class Row:
    """One line of the table: an attack, what the server did, and the verdict."""

    def __init__(self, name, target, seed=0):
        self.name = name
        self.target = target
        self.seed = seed  # for the attack's own random payloads
        self.did = ''
        self.seconds = 0.0
        self.good_echoes = 0
        self.result = 'PASS'
        self.detail = ''


class GoodClient(threading.Thread):
    """A well-behaved peer: one message at a time, each echo compared with what was sent.

    Connects at once (in the constructor) so that it holds its slot before any attack; then
    sends random payloads of 1 to 4096 bytes until stopped; after every eighth echo, a datagram
    to the same port number.
    """

    def __init__(self, server, framing, seed):
        super().__init__(daemon=True, name=f'good-{framing}')
        self.server = server
        self.framing = framing
        self.rng = random.Random(seed)
        self.sk = connect(server.address)
        self.sent_messages = self.echoed_messages = 0
        self.sent_bytes = self.echoed_bytes = 0
        self.datagrams = 0
        self.error = None
        self._stopping = threading.Event()

    def payload(self):
        data = self.rng.randbytes(self.rng.randint(1, 4096))
        return data.replace(b'\n', b' ') if self.framing == 'line' else data

    def run(self):
        try:
            while not self._stopping.is_set():
                wire = framed(self.framing, self.payload())
                self.sk.sendall(wire)
                self.sent_messages += 1
                self.sent_bytes += len(wire)
                echo = recv_exactly(self.sk, len(wire))
                if echo != wire:
                    first = next(i for i, (a, b) in enumerate(zip(echo, wire)) if a != b)
                    raise AssertionError(f'echo {self.sent_messages} of {len(wire)} bytes '
                                         f'differs from byte {first}')
                self.echoed_messages += 1
                self.echoed_bytes += len(echo)
                if self.echoed_messages % 8 == 0:
                    datagram = self.rng.randbytes(self.rng.randint(0, 1400))
                    if udp_echo(self.server.address, datagram) != datagram:
                        raise AssertionError('a UDP echo differs')
                    self.datagrams += 1
                time.sleep(0.002)  # leave the attacks some CPU on a small machine
        except BaseException as e:  # noqa: B902 - reported by the main thread
            self.error = f'{type(e).__name__}: {e}'

    def finish(self):
        """Stops, closes gracefully, and returns the error (None if every echo was intact)."""
        self._stopping.set()
        self.join(TIMEOUT * 2)
        if self.is_alive():
            return 'still waiting for an echo after the attacks'
        self.sk.close()
        return self.error


class SlowLoris(threading.Thread):
    """Connections that say nothing, and ones that drip a byte of an endless line now and then.

    Both kinds must be closed by --idle-timeout: the silent ones IDLE after connecting, the
    dripping ones IDLE after their last byte (a byte resets the timer, so while one drips
    faster than that it keeps its slot: the server counts bytes, not messages). Nothing may
    come back: no line was ever completed.
    """

    SILENT = 4
    DRIPPING = 2
    DRIPS = 5  # bytes each, one every IDLE / 3: dripping outlasts the idle timeout

    def __init__(self, server, idle):
        super().__init__(daemon=True, name='slow-loris')
        self.idle = idle
        self.start_time = time.monotonic()
        self.socks = [connect(server.address) for _ in range(self.SILENT + self.DRIPPING)]
        server.seen[IDLE] += len(self.socks)
        for sk in self.socks:
            sk.setblocking(False)
        self.last_sent = {sk: self.start_time for sk in self.socks}
        self.drips_left = {sk: self.DRIPS for sk in self.socks[self.SILENT:]}
        self.closed = {}  # sock -> (how, monotonic time)
        self.received = {sk: b'' for sk in self.socks}

    def run(self):
        deadline = self.start_time + self.idle * (1 + self.DRIPS / 3) + TIMEOUT
        interval = self.idle / 3
        while len(self.closed) < len(self.socks) and time.monotonic() < deadline:
            now = time.monotonic()
            for sk, left in self.drips_left.items():
                if left > 0 and sk not in self.closed and now - self.last_sent[sk] >= interval:
                    if send_until_closed(sk, b'x'):
                        self.closed[sk] = ('reset', now)
                    self.last_sent[sk] = now
                    self.drips_left[sk] = left - 1
            open_socks = [sk for sk in self.socks if sk not in self.closed]
            for sk in select.select(open_socks, [], [], 0.05)[0]:
                try:
                    chunk = sk.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    if e.errno not in CLOSED_ERRNOS:
                        raise
                    self.closed[sk] = ('reset', time.monotonic())
                    continue
                if chunk:
                    self.received[sk] += chunk
                else:
                    self.closed[sk] = ('eof', time.monotonic())

    def rows(self):
        self.join(self.idle * (1 + self.DRIPS / 3) + TIMEOUT * 2)
        rows = []
        for kind, socks in (('silent', self.socks[:self.SILENT]),
                            ('dripping', self.socks[self.SILENT:])):
            row = Row(f'slow-loris, {len(socks)} {kind}', 'line')
            waited = []
            problems = []
            for sk in socks:
                if sk not in self.closed:
                    problems.append('one still open')
                    continue
                how, when = self.closed[sk]
                # From the last byte it sent, or from connecting: the server's timer started
                # no earlier than that, so a close sooner than IDLE is the server's doing.
                quiet = when - self.last_sent[sk]
                waited.append(quiet)
                if quiet < self.idle * 0.9:
                    problems.append(f'closed {quiet:.2f} s after its last byte, before the '
                                    f'idle timeout')
                if self.received[sk]:
                    problems.append(f'got {self.received[sk][:40]!r} back')
                sk.close()
            if waited:
                row.did = (f'closed all {len(waited)}, {min(waited):.1f}-{max(waited):.1f} s '
                           f'after their last byte')
                if kind == 'dripping':
                    held = max(self.closed[sk][1] for sk in socks if sk in self.closed)
                    row.did += f' (each held its slot {held - self.start_time:.1f} s)'
            row.seconds = max(waited, default=0.0)
            if problems:
                row.result = 'FAIL'
                row.detail = '; '.join(problems)
            rows.append(row)
        return rows


def closed_without_echo(sk, what):
    """Waits for the server to end SK: (how, seconds); raises unless it did, sending nothing."""
    how, seconds, data = wait_closed(sk)
    sk.close()
    if how == 'open':
        raise AssertionError(f'{what}: still open after {TIMEOUT} s')
    if data:
        raise AssertionError(f'{what}: got {len(data)} bytes back before the close')
    return how, seconds


# --- The attacks: each takes (servers, row), fills row.did, raises AssertionError to fail ----

def attack_flood(servers, row):
    """MAX_CLIENTS + 100 connections at once: the first MAX_CLIENTS - 1 (the good client holds
    one slot) must be served, every later one closed at once; then, once they are gone, a new
    client must be served again (no slot leaked)."""
    server = servers['length']
    socks = [connect(server.address) for _ in range(MAX_CLIENTS + 100)]
    accepted, rejected = [], []
    for i, sk in enumerate(socks):
        wire = framed('length', b'flood %d' % i)
        if send_until_closed(sk, wire):
            rejected.append(i)
            continue
        sk.settimeout(TIMEOUT)
        try:
            got = sk.recv(len(wire), socket.MSG_WAITALL)
        except OSError as e:
            if e.errno not in CLOSED_ERRNOS:
                raise
            got = b''
        if got == wire:
            accepted.append(i)
        elif got == b'':
            rejected.append(i)
        else:
            raise AssertionError(f'connection {i} got {got!r}, neither its echo nor a close')
    for sk in socks:
        sk.close()
    server.seen[REJECTED] += len(rejected)
    expected = list(range(MAX_CLIENTS - 1))
    if accepted != expected:
        raise AssertionError(f'served {len(accepted)} connections ({accepted[:3]}...), expected '
                             f'the first {MAX_CLIENTS - 1}')
    row.did = f'served {len(accepted)}, closed {len(rejected)} at once'
    retries = probe(server)
    row.did += '; after: a new client served' + (f' ({retries} retries)' if retries else '')


def probe(server):
    """A new client must get its echo. A rejection (the server has not yet seen the flood
    leave) is retried for a while, and counted. Returns the number of retries."""
    deadline = time.monotonic() + TIMEOUT
    retries = 0
    while True:
        try:
            echo_once(server.address, server.framing, b'probe')
            return retries
        except (AssertionError, ConnectionError) as e:
            if time.monotonic() > deadline:
                raise AssertionError(f'a new client is not served: {e}')
            server.seen[REJECTED] += 1
            retries += 1
            time.sleep(0.1)


def attack_resets(servers, row):
    """Connections reset (SO_LINGER 0) in the middle of a frame, and one with echoes pending."""
    count = 20
    for i in range(count):
        sk = connect(servers['line'].address)
        sk.sendall(b'half a li')
        if i % 2:
            time.sleep(0.01)  # half of them once the server has read the half line
        reset(sk)
        sk = connect(servers['length'].address)
        sk.sendall(struct.pack('>I', 1000) + b'y' * 500)
        if i % 2:
            time.sleep(0.01)
        reset(sk)
    # Echoes the server has queued and cannot write: the reset must end them, not the server.
    sk = connect(servers['line'].address, rcvbuf=4096)
    sk.sendall(b'pending echo\n' * 40000)
    time.sleep(0.05)
    reset(sk)
    servers['line'].seen[ERRORS] += count + 1
    servers['length'].seen[ERRORS] += count
    for server in servers.values():
        probe(server)
    row.did = f'kept serving after {2 * count + 1} resets (one with 520 KB of echoes queued)'


def attack_half_close(servers, row):
    """Lines, then shutdown(SHUT_WR): every echo must still arrive, then the server's FIN."""
    rng = random.Random(row.seed)
    socks = []
    for _ in range(10):
        lines = [rng.randbytes(rng.randint(0, 2000)).replace(b'\n', b'-') for _ in range(50)]
        wire = b''.join(framed('line', line) for line in lines)
        sk = connect(servers['line'].address)
        sk.sendall(wire)
        sk.shutdown(socket.SHUT_WR)
        socks.append((sk, wire))
    slowest = 0.0
    for sk, wire in socks:
        how, seconds, data = wait_closed(sk)
        sk.close()
        if data != wire:
            raise AssertionError(f'got {len(data)} of the {len(wire)} bytes of echoes')
        if how != 'eof':
            raise AssertionError(f'after the echoes: {how}, not the end of the stream')
        slowest = max(slowest, seconds)
    row.did = f'all echoes of 10 x 50 lines, then closed (FIN), {slowest:.2f} s at most'
    row.seconds = slowest


def attack_half_close_partial(servers, row):
    """Lines and half a line, then shutdown(SHUT_WR): the half line is the peer's mistake
    (the connection ends with GSOCK_ERROR_TRUNCATED), but the complete lines were received,
    so their echoes are owed to a peer that is still reading (they were once dropped when
    the lines and the end of the stream came in the same read)."""
    trials = 20
    lost = 0
    servers['line'].seen[ERRORS] += trials
    for _ in range(trials):
        sk = connect(servers['line'].address)
        sk.sendall(b'one\ntwo\nhalf')
        sk.shutdown(socket.SHUT_WR)
        how, _, data = wait_closed(sk)
        sk.close()
        if how == 'open':
            raise AssertionError(f'still open after {TIMEOUT} s')
        if data != b'one\ntwo\n':
            lost += 1
    if lost:
        raise AssertionError(f'the echoes of the complete lines were lost in {lost} of {trials}')
    row.did = f'every echo, then closed, in {trials} of {trials}'


NASTY_LINES = [
    b'\xff\xfe\xfd\xfc',                 # bytes that are never UTF-8
    b'\xc0\xaf\xe0\x80\xaf',             # overlong encodings of "/"
    b'\xed\xa0\x80\xed\xbf\xbf',         # UTF-16 surrogates, encoded
    b'\xf4\x90\x80\x80',                 # beyond U+10FFFF
    b'\x80\x81\xbf',                     # lone continuation bytes
    b'\xe4\xbd',                         # a character cut short
    b'\xef\xbb\xbfBOM',                  # a byte-order mark
    b'nul\x00in\x00the\x00middle\x00',
    b'carriage\rreturn\r',
    bytes(range(0, 10)) + bytes(range(11, 256)),  # every byte but the delimiter
    b'\x1b[2J\x1b]0;title\x07',          # terminal escapes
    b'%s%n%x' * 20,
]


def attack_garbage(servers, row):
    """Bytes that are not text, binary noise, a stream that is no frame at all."""
    rng = random.Random(row.seed)
    # Line framing: each nasty line, then 64 KiB of noise with newlines in it, in one write.
    noise = rng.randbytes(65536) + b'\n'
    wire = b''.join(framed('line', line) for line in NASTY_LINES) + noise
    with connect(servers['line'].address) as sk:
        sk.sendall(wire)
        if recv_exactly(sk, len(wire)) != wire:
            raise AssertionError('line server: an echo of invalid UTF-8 or noise differs')
    # Length framing: the same bytes as frame payloads.
    wire = b''.join(framed('length', line) for line in NASTY_LINES + [noise])
    with connect(servers['length'].address) as sk:
        sk.sendall(wire)
        if recv_exactly(sk, len(wire)) != wire:
            raise AssertionError('length server: an echo of invalid UTF-8 or noise differs')
    # Noise where a length prefix should be: its first byte claims 16 MiB or more.
    sk = connect(servers['length'].address)
    servers['length'].seen[ERRORS] += 1
    send_until_closed(sk, bytes([rng.randint(1, 255)]) + rng.randbytes(4095))
    how, seconds = closed_without_echo(sk, 'a noise stream')
    row.did = (f'echoed {len(NASTY_LINES) + 1} invalid-UTF-8/binary messages exactly on both; '
               f'closed a noise stream ({how}, {seconds:.2f} s)')


def attack_huge_prefix(servers, row):
    """A 4 GiB length prefix (0xffffffff) and nothing more: the connection must be closed as
    soon as the prefix is in, with nothing of that size allocated (VmPeak, the peak of the
    server's virtual size, would show it); likewise for max-message-size + 1."""
    server = servers['length']
    server.seen[ERRORS] += 2
    before = server.status()
    sk = connect(server.address)
    sk.sendall(b'\xff\xff\xff\xff')
    how, seconds = closed_without_echo(sk, 'the 4 GiB prefix')
    after = server.status()
    # Had 4 GiB been allocated, even for a moment, VmPeak would be 4 GiB up.
    grown = after['VmPeak'] - before['VmPeak']
    if grown > 1024 * 1024:  # KiB: a gigabyte, where 4 were claimed
        raise AssertionError(f'VmPeak grew by {mib(grown)} after a 4 GiB prefix')
    sk = connect(server.address)
    sk.sendall(struct.pack('>I', MAX_MESSAGE + 1))
    how2, seconds2 = closed_without_echo(sk, 'a prefix of max-message-size + 1')
    row.did = (f'closed at the prefix ({how}, {seconds:.2f} s; peak virtual size '
               f'+{mib(max(grown, 0))}, not +4 GiB); 1 MiB + 1 likewise ({how2})')
    row.seconds = seconds


def attack_sizes(servers, row):
    """Zero-length and largest messages pass; one byte more closes the connection."""
    line, length = servers['line'], servers['length']
    rng = random.Random(row.seed)
    biggest = rng.randbytes(MAX_MESSAGE).replace(b'\n', b'_')
    echo_once(line.address, 'line', b'')
    echo_once(line.address, 'line', biggest)
    echo_once(length.address, 'length', b'')
    echo_once(length.address, 'length', biggest)
    # A line one byte over: closed once the server has seen max-message-size bytes and no
    # delimiter; nothing of it comes back.
    sk = connect(line.address)
    line.seen[ERRORS] += 1
    send_until_closed(sk, framed('line', biggest + b'!'))
    how, seconds = closed_without_echo(sk, 'a line of max-message-size + 1')
    # UDP on the same port number: an empty datagram and the largest one IPv4 carries come
    # back as they were; one more byte the kernel refuses to send at all (EMSGSIZE), so a
    # datagram over the limit cannot reach the server over IPv4.
    if udp_echo(line.address, b'') != b'':
        raise AssertionError('the empty datagram did not come back empty')
    datagram = rng.randbytes(MAX_DATAGRAM)
    if udp_echo(line.address, datagram) != datagram:
        raise AssertionError(f'the {MAX_DATAGRAM}-byte datagram came back different')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        try:
            sk.sendto(b'z' * (MAX_DATAGRAM + 1), line.address)
            raise AssertionError('the kernel sent a datagram over 65507 bytes')
        except OSError as e:
            if e.errno != errno.EMSGSIZE:
                raise
    row.did = (f'echoed 0 B and 1 MiB (line, length), 0 B and {MAX_DATAGRAM} B (UDP); '
               f'closed a 1 MiB + 1 line ({how}, {seconds:.2f} s)')


def attack_non_reader(servers, row):
    """Sends 64 KiB lines and never reads: once its echoes pass the high-water mark the server
    stops reading it (the kernel then pushes back on its sends), and when none of them is read
    for --drain-timeout (or a send of its own would pass --max-queued-bytes) it must be
    dropped; the server never grows for it."""
    server = servers['line']
    rss_before = server.reset_window()
    sk = connect(server.address, rcvbuf=16384)
    line = framed('line', b'r' * (65536 - 1))
    sent = 0
    start = time.monotonic()
    dropped = False
    while sent < NON_READER_GIVE_UP:
        if send_until_closed(sk, line * 16):
            dropped = True
            break
        sent += len(line) * 16
    seconds = time.monotonic() - start
    sk.close()
    if not dropped:
        raise AssertionError(f'still connected after sending {sent // MIB} MiB without reading')
    server.seen[DROPPED] += 1
    limit = f'(the limit is {MAX_QUEUED_BYTES})'
    drain = f'for {DRAIN_TIMEOUT_MS} ms'
    if not (server.wait_for_stderr(drain, timeout=2) or server.wait_for_stderr(limit, timeout=1)):
        raise AssertionError(f'dropped, but no line says {drain!r} or {limit!r}: '
                             '--drain-timeout and --max-queued-bytes ignored?')
    grown = server.window_peak_kib - rss_before
    row.did = f'dropped it after {sent / MIB:.0f} MiB sent (RSS meanwhile +{mib(max(grown, 0))})'
    row.seconds = seconds
    probe(server)


def attack_tiny_writes(servers, row):
    """TCP_NODELAY and one byte per send(): every frame, and every length prefix, in pieces."""
    rng = random.Random(row.seed)
    sends = 0
    for framing in ('line', 'length'):
        messages = [rng.randbytes(rng.randint(0, 30)).replace(b'\n', b'.') for _ in range(150)]
        wire = b''.join(framed(framing, m) for m in messages)
        with connect(servers[framing].address, nodelay=True) as sk:
            for i in range(len(wire)):
                sk.send(wire[i:i + 1])
            sends += len(wire)
            if recv_exactly(sk, len(wire)) != wire:
                raise AssertionError(f'{framing}: the echo of byte-by-byte frames differs')
    # The other way round: 50,000 one-byte lines in one write, answered in bulk.
    burst = b'.\n' * 50000
    with connect(servers['line'].address) as sk:
        sk.sendall(burst)
        if recv_exactly(sk, len(burst)) != burst:
            raise AssertionError('the echo of 50,000 tiny lines differs')
    row.did = f'echoed 300 frames sent in {sends} one-byte writes, and 50,000 lines in one'


ATTACKS = [
    ('flood past --max-clients', 'length', attack_flood),
    ('resets mid-frame (SO_LINGER 0)', 'both', attack_resets),
    ('half-close after lines', 'line', attack_half_close),
    ('half-close after half a line', 'line', attack_half_close_partial),
    ('garbage, invalid UTF-8', 'both', attack_garbage),
    ('4 GiB length prefix', 'length', attack_huge_prefix),
    ('zero-length and max-size', 'both', attack_sizes),
    ('sends a lot, never reads', 'line', attack_non_reader),
    ('many tiny writes', 'both', attack_tiny_writes),
]


def print_table(rows):
    headers = ('attack', 'server', 'what the server did', 'time', 'good echoes', 'result')
    cells = [(r.name, r.target, r.did, f'{r.seconds:.2f} s', str(r.good_echoes), r.result)
             for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    for line in (headers, tuple('-' * w for w in widths), *cells):
        print('# ' + ' | '.join(c.ljust(w) for c, w in zip(line, widths)).rstrip(), flush=True)


def main():
    server_path, seed = command_line(__doc__, 'the random payloads')

    # A hang must not outlive the run: the watchdog kills both servers and exits.
    watchdog = threading.Timer(WATCHDOG_SECONDS, lambda: (
        print(f'Bail out! still running after {WATCHDOG_SECONDS} s', flush=True),
        [s.proc.kill() for s in servers.values()], os._exit(1)))
    watchdog.daemon = True
    servers = {}
    tap = Tap()
    rows = []
    started = time.monotonic()
    try:
        for framing in ('line', 'length'):
            servers[framing] = EchoServer(server_path, '--framing', framing, *SERVER_OPTIONS)
            servers[framing].framing = framing
            servers[framing].seen = collections.Counter()
        watchdog.start()
        good = [GoodClient(servers['line'], 'line', seed),
                GoodClient(servers['length'], 'length', seed + 1)]
        for client in good:
            client.start()
        loris = SlowLoris(servers['line'], IDLE_TIMEOUT_MS / 1000)
        loris.start()

        for number, (name, target, attack) in enumerate(ATTACKS):
            row = Row(name, target, seed + 100 + number)
            echoes_before = sum(c.echoed_messages for c in good)
            start = time.monotonic()
            try:
                attack(servers, row)
            except BaseException as e:  # noqa: B902 - one attack failing does not stop the rest
                row.result = 'FAIL'
                row.detail = ''.join(traceback.format_exception(e)).rstrip()
            if not row.seconds:
                row.seconds = time.monotonic() - start
            row.good_echoes = sum(c.echoed_messages for c in good) - echoes_before
            for framing, server in servers.items():
                if not server.alive() and row.result != 'FAIL':
                    row.result = 'FAIL'
                    row.detail = f'the {framing} server died'
            rows.append(row)
            tap.result(row.result != 'FAIL', f'{name}: {row.did or "-"} [{row.result}]',
                       row.detail)

        for row in loris.rows():
            rows.append(row)
            tap.result(row.result != 'FAIL', f'{row.name}: {row.did or "-"}', row.detail)

        check_end(tap, servers, good, rows)
    finally:
        watchdog.cancel()
        for server in servers.values():
            server.close()

    tap.plan()
    print_table(rows)
    print(f'# {tap.count - tap.failures} of {tap.count} passed in '
          f'{time.monotonic() - started:.1f} s (seed {seed})', flush=True)
    return 1 if tap.failures else 0


def check_end(tap, servers, good, rows):
    """After the attacks: good clients intact, servers answer, memory bounded, clean exit."""
    for framing, server in servers.items():
        try:
            probe(server)
            if framing == 'line' and udp_echo(server.address, b'still there?') != b'still there?':
                raise AssertionError('the UDP echo differs')
            tap.result(True, f'{framing} server still answers at the end')
        except BaseException as e:  # noqa: B902
            tap.result(False, f'{framing} server still answers at the end', str(e))

    for client in good:
        error = client.finish()
        intact = (error is None and client.echoed_messages == client.sent_messages
                  and client.echoed_bytes == client.sent_bytes and client.echoed_messages > 0)
        tap.result(intact, f'good {client.framing} client: {client.echoed_messages} of '
                   f'{client.sent_messages} echoes, {client.echoed_bytes} of '
                   f'{client.sent_bytes} bytes intact, {client.datagrams} datagrams',
                   error or '')

    for framing, server in servers.items():
        status = server.status()
        bound = rss_bound_mib(server, RSS_BOUND_MIB)
        peak = max(status['VmHWM'], server.peak_rss_kib)
        tap.result(peak < bound * 1024,
                   f'{framing} server: peak RSS (VmHWM) {mib(peak)} < {bound} MiB'
                   f'{" (sanitized build)" if server.sanitized else ""}; '
                   f'{mib(status["VmRSS"])} at the end')

    for framing, server in servers.items():
        exit_status = server.stop()
        reports = server.sanitizer_reports()
        tap.result(exit_status == 0 and not reports,
                   f'{framing} server exits 0 on SIGTERM with no sanitizer report',
                   f'exit status {exit_status}\n' + server.stderr_text()
                   if exit_status or reports else '')
        totals = server.summary()
        for kind in (REJECTED, DROPPED, IDLE, ERRORS):
            tap.result(totals.get(kind, 0) == server.seen[kind],
                       f'{framing} server totals {totals.get(kind, 0)} {kind}; '
                       f'the attacks made {server.seen[kind]}')

if __name__ == '__main__':
    sys.exit(main())
