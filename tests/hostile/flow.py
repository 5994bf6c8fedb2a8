#!/usr/bin/python3
"""Flow control in gsock-echo-server: a slow reader, a peer that never reads, half-closes.

Run by hand from the top of the tree, after `ninja -C _build`:

    /usr/bin/python3 tests/hostile/flow.py                  # _build/demos/gsock-echo-server
    /usr/bin/python3 tests/hostile/flow.py --seed 1234      # the payloads of an earlier run
    /usr/bin/python3 tests/hostile/flow.py --server _build-asan/demos/gsock-echo-server

or through meson: `meson test -C _build flow --print-errorlogs`.

Each case has a server of its own (on a free loopback port, stopped with SIGTERM at its end:
it must exit 0 with no sanitizer report), so that its peak RSS (VmHWM) is the case's own:

1. A slow reader. One thread sends SLOW_VOLUME of numbered 1 KiB lines as fast as the socket
   takes them, another reads the echoes at SLOW_RATE (a token bucket) and compares every byte
   in order. Every byte must come back on a connection that stays open, with the server's
   peak RSS under a bound: a server must push back on the sender (stop reading from it while
   its answers wait), not drop it ("The peer is not reading") nor hold everything. (The RSS
   bound alone does not tell a queue without limit here: today's server with
   --max-queued-bytes 0 keeps every byte at a 26 MiB peak. Case 2 tells it: 900 MiB.)
2. A peer that never reads. It writes lines without reading, without blocking, for up to
   NEVER_READER_SECONDS or until its writes have blocked for STALL_SECONDS: they must stall
   (far below NEVER_READER_LIMIT written, and the server must not have closed it before),
   the server's RSS must stay bounded, and a second client must get every round trip
   answered meanwhile; after the test closes the non-reader, the server must still serve.
3. Half-close. HALF_CLOSE_LINES lines (some 2 MB), shutdown(SHUT_WR), then reading, through
   a small receive buffer so that answers still wait in the server when the FIN comes: every
   echo in order, then the end of the stream; and the same with half a line at the end (the
   whole lines echoed, then the connection closed). Against the default server and against one with
   --handler-threads (message handlers on a thread pool); that option is required: a server
   without it fails this case ("# option --handler-threads missing").
4. Twisted as an independent peer: a LineReceiver sends TWISTED_VOLUME of lines at once and
   reads the echoes at TWISTED_RATE by pausing and resuming its transport (pauseProducing /
   resumeProducing from a LoopingCall token bucket); every line must come back in order.
   Skipped if python3-twisted is not installed (build-aux/run.sh installs it).

Output is TAP; exits 1 if anything failed. Everything random comes from the seed (printed
first). Timings are printed, never asserted, apart from generous timeouts. About 12 s.
"""

import os
import random
import select
import socket
import sys
import threading
import time
import traceback

from harness import (CLOSED_ERRNOS, MIB, TIMEOUT, EchoServer, Tap, command_line, connect,
                     echo_once, has_option, mib, rss_bound_mib)

LINE = 1024  # bytes per line in cases 1, 2 and 4, the newline included

# 24 MiB at 4 MiB/s: six seconds of reading. Today's server drops the client once 8 MiB of
# answers wait (its default --max-queued-bytes); the kernel holds up to ~10 MiB more on
# loopback (the reader's receive buffer and the server's send buffer, autotuned), so 24 MiB
# written in well under a second is far past what buffers alone can absorb.
SLOW_VOLUME = 24 * MIB
SLOW_RATE = 4 * MIB  # bytes per second
SLOW_BURST = 64 * 1024  # the most the bucket lets the reader take at once

# The bound on each server's peak RSS (VmHWM), scaled under AddressSanitizer as in hostile.py
# (harness.rss_bound_mib). The server starts at ~5 MiB; flow control should keep it within a
# few MiB of that (a high-water mark of answers, a read buffer or two), while a server that
# held what a fast sender offers would pass 64 MiB within the first case.
RSS_BOUND_MIB = 64

NEVER_READER_SECONDS = 3.0
STALL_SECONDS = 1.0
# What an unbounded server takes from one sender in 3 s on loopback is hundreds of MiB; a
# server that stops reading lets the kernel buffers fill (a few MiB each way) and no more.
NEVER_READER_LIMIT = 64 * MIB

HALF_CLOSE_LINES = 2000
HALF_CLOSE_TRIALS = 5  # connections per variant, one after the other: a race shows in some
HALF_CLOSE_RCVBUF = 16384
HALF_CLOSE_READ_DELAY = 0.5  # seconds
HALF_CLOSE_LINE = (9, 2048)  # bytes, newline included: 2 MiB or so a connection
HANDLER_THREADS = 4

TWISTED_VOLUME = 4 * MIB
TWISTED_RATE = 2 * MIB

WATCHDOG_SECONDS = 100

# Printable ASCII without the space: no newline, no carriage return, nothing a terminal
# interprets, so a line that differs prints readably.
PRINTABLE = bytes(range(0x21, 0x7f))
TO_PRINTABLE = bytes(PRINTABLE[b % len(PRINTABLE)] for b in range(256))

servers_running = []  # for the watchdog


def numbered_line(rng, number, size):
    """Line NUMBER, SIZE bytes with its newline (at least 9): the number, then random text."""
    head = b'%07d ' % number
    return head + rng.randbytes(size - len(head) - 1).translate(TO_PRINTABLE) + b'\n'


def start_server(path, *args):
    server = EchoServer(path, *args)
    servers_running.append(server)
    return server


def peak_rss_kib(server):
    """The most the server has held so far: the kernel's VmHWM, or our own samples of VmRSS."""
    return max(server.status()['VmHWM'], server.peak_rss_kib)


def check_rss(tap, what, server):
    peak = peak_rss_kib(server)
    bound = rss_bound_mib(server, RSS_BOUND_MIB)
    tap.result(peak < bound * 1024,
               f'{what}: server peak RSS (VmHWM) {mib(peak)} < {bound} MiB'
               f'{" (sanitized build)" if server.sanitized else ""}')


def check_stop(tap, what, server):
    """SIGTERM: the server must exit 0 with no sanitizer report."""
    status = server.stop()
    reports = server.sanitizer_reports()
    tap.result(status == 0 and not reports,
               f'{what}: server exits 0 on SIGTERM with no sanitizer report',
               f'exit status {status}\n' + server.stderr_text() if status or reports else '')


def stderr_detail(server, most=5):
    lines = server.stderr_lines[:most]
    if not lines:
        return 'the server printed nothing'
    more = len(server.stderr_lines) - len(lines)
    return 'the server printed:\n' + '\n'.join(lines) + (f'\n... and {more} more' if more else '')


def first_difference(got, expected):
    return next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
                min(len(got), len(expected)))


class TokenBucket:
    """RATE bytes per second, at most BURST at once."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = 0.0
        self.last = time.monotonic()

    def _refill(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def allowance(self, least):
        """Waits until at least LEAST bytes may be taken; returns how many may."""
        self._refill()
        while self.tokens < least:
            time.sleep((least - self.tokens) / self.rate)
            self._refill()
        return int(self.tokens)

    def spend(self, size):
        self.tokens -= size


class Writer(threading.Thread):
    """Sends DATA on SK as fast as the socket takes it (a send at a time, each waiting up to
    the socket's timeout); records when it finished or how it ended."""

    def __init__(self, sk, data):
        super().__init__(daemon=True, name='writer')
        self.sk = sk
        self.data = data
        self.sent = 0
        self.seconds = None  # to send it all
        self.error = None

    def run(self):
        start = time.monotonic()
        try:
            while self.sent < len(self.data):
                self.sent += self.sk.send(self.data[self.sent:self.sent + 256 * 1024])
            self.seconds = time.monotonic() - start
        except OSError as e:
            how = 'closed by the server' if e.errno in CLOSED_ERRNOS else 'failed'
            self.error = f'{how} after {self.sent / MIB:.1f} MiB sent: {e}'


# --- 1. A slow reader -------------------------------------------------------------------------

def case_slow_reader(tap, path, seed):
    rng = random.Random(f'{seed}/slow-reader')
    wire = memoryview(b''.join(numbered_line(rng, i, LINE) for i in range(SLOW_VOLUME // LINE)))
    what = f'slow reader ({len(wire) // MIB} MiB of 1 KiB lines, read at {SLOW_RATE // MIB} MiB/s)'
    server = start_server(path)
    with server:
        sk = connect(server.address)
        writer = Writer(sk, wire)
        bucket = TokenBucket(SLOW_RATE, SLOW_BURST)
        verified = 0
        ended = None  # how the connection ended early, if it did
        start = time.monotonic()
        writer.start()
        while verified < len(wire):
            size = min(bucket.allowance(min(16384, len(wire) - verified)), len(wire) - verified)
            try:
                chunk = sk.recv(size)
            except socket.timeout:
                ended = f'nothing came for {TIMEOUT} s'
                break
            except OSError as e:
                if e.errno not in CLOSED_ERRNOS:
                    raise
                ended = 'the server reset the connection'
                break
            if not chunk:
                ended = 'the server closed the connection (end of stream)'
                break
            bucket.spend(len(chunk))
            end = verified + len(chunk)
            if wire[verified:end] != chunk:
                at = verified + first_difference(chunk, wire[verified:end])
                ended = (f'the echo differs at byte {at} (line {at // LINE}, byte {at % LINE}): '
                         f'got {chunk[at - verified:at - verified + 16]!r}, sent '
                         f'{bytes(wire[at:at + 16])!r}')
                break
            verified = end
        seconds = time.monotonic() - start
        writer.join(TIMEOUT)
        sk.close()
        rate = f'{verified / MIB / seconds:.1f} MiB/s' if seconds else '-'
        written = (f'written in {writer.seconds:.1f} s' if writer.seconds is not None
                   else f'writer {writer.error or "still sending"}')
        if ended is None:
            tap.result(True, f'{what}: all {verified / MIB:.1f} MiB echoed in order, connection '
                       f'kept; {seconds:.1f} s, {rate} ({written})')
        else:
            tap.result(False, f'{what}: {verified / MIB:.1f} of {len(wire) / MIB:.1f} MiB echoed, '
                       f'then {ended}; after {seconds:.1f} s ({written})',
                       stderr_detail(server))
        check_rss(tap, 'slow reader', server)
        check_stop(tap, 'slow reader', server)


# --- 2. A peer that never reads ---------------------------------------------------------------

class RoundTrips(threading.Thread):
    """A well-behaved client: a line, its echo compared, again, until stopped."""

    def __init__(self, server, seed):
        super().__init__(daemon=True, name='round-trips')
        self.rng = random.Random(seed)
        self.sk = connect(server.address)
        self.sent = self.echoed = 0
        self.slowest = 0.0
        self.error = None
        self._stopping = threading.Event()

    def run(self):
        try:
            while not self._stopping.is_set():
                line = numbered_line(self.rng, self.sent, self.rng.randint(9, 4096))
                start = time.monotonic()
                self.sk.sendall(line)
                self.sent += 1
                echo = b''
                while len(echo) < len(line):
                    chunk = self.sk.recv(len(line) - len(echo))
                    if not chunk:
                        raise AssertionError(f'connection closed during round trip {self.sent}')
                    echo += chunk
                if echo != line:
                    raise AssertionError(f'the echo of round trip {self.sent} differs from byte '
                                         f'{first_difference(echo, line)}')
                self.echoed += 1
                self.slowest = max(self.slowest, time.monotonic() - start)
                time.sleep(0.01)
        except BaseException as e:  # noqa: B902 - reported by the main thread
            self.error = f'{type(e).__name__}: {e}'

    def finish(self):
        self._stopping.set()
        self.join(TIMEOUT * 2)
        if self.is_alive():
            self.error = self.error or f'still waiting for an echo {TIMEOUT * 2} s later'
        self.sk.close()


def case_never_reader(tap, path, seed):
    rng = random.Random(f'{seed}/never-reader')
    block = b''.join(numbered_line(rng, i, LINE) for i in range(64))  # 64 KiB a write at most
    server = start_server(path)
    with server:
        good = RoundTrips(server, f'{seed}/round-trips')
        good.start()
        sk = connect(server.address)
        sk.setblocking(False)
        written = 0
        start = time.monotonic()
        echoed_before = good.echoed
        blocked_since = None
        stalled_at = None  # (seconds, bytes written) when the writes began to block for good
        closed = None
        # Writes for NEVER_READER_SECONDS, or until they have blocked for STALL_SECONDS; if
        # they are blocked when the time is up, waits to see whether the block lasts.
        while True:
            now = time.monotonic()
            if blocked_since is not None and now - blocked_since >= STALL_SECONDS:
                stalled_at = (blocked_since - start, written)
                break
            if blocked_since is None and now - start >= NEVER_READER_SECONDS:
                break
            if not select.select([], [sk], [], 0.05)[1]:
                blocked_since = blocked_since or now
                continue
            try:
                written += sk.send(block)
                blocked_since = None
            except BlockingIOError:
                blocked_since = blocked_since or now
            except OSError as e:
                if e.errno not in CLOSED_ERRNOS:
                    raise
                closed = f'closed by the server ({os.strerror(e.errno)})'
                break
        seconds = time.monotonic() - start
        echoed_meanwhile = good.echoed - echoed_before
        if stalled_at is not None:
            ok = stalled_at[1] < NEVER_READER_LIMIT
            did = (f'its writes stalled after {stalled_at[1] / MIB:.1f} MiB in '
                   f'{stalled_at[0]:.2f} s (then blocked {STALL_SECONDS:.0f} s), '
                   f'{"far " if ok else "not "}below {NEVER_READER_LIMIT // MIB} MiB; not dropped')
        elif closed is not None:
            ok = False
            did = (f'{closed} after {written / MIB:.1f} MiB in {seconds:.2f} s, before its writes '
                   f'ever stalled: dropped, not pushed back')
        else:
            ok = False
            did = (f'wrote {written / MIB:.1f} MiB in {seconds:.1f} s and its writes never '
                   f'stalled for {STALL_SECONDS:.0f} s')
        tap.result(ok, f'never-reader: {did}', '' if ok else stderr_detail(server))
        check_rss(tap, 'never-reader', server)

        # Closed with its echoes unread (the kernel sends a reset); then the server must serve
        # the second client and a new one.
        sk.close()
        echoed_before_close = good.echoed
        try:
            echo_once(server.address, 'line', b'still serving after the never-reader left')
            deadline = time.monotonic() + TIMEOUT
            while good.echoed <= echoed_before_close + 2 and good.error is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f'the second client got no answer for {TIMEOUT} s')
                time.sleep(0.01)
            tap.result(True, 'never-reader: closed by the test; the server still serves (a new '
                       'client, and the second one)')
        except (AssertionError, OSError) as e:
            tap.result(False, 'never-reader: closed by the test; the server still serves',
                       f'{type(e).__name__}: {e}')
        good.finish()
        tap.result(good.error is None and good.echoed == good.sent and echoed_meanwhile > 0,
                   f'never-reader: a second client meanwhile: {good.echoed} of {good.sent} round '
                   f'trips echoed intact, {echoed_meanwhile} of them while the never-reader '
                   f'wrote (slowest {good.slowest * 1000:.0f} ms)', good.error or '')
        check_stop(tap, 'never-reader', server)


# --- 3. Half-close ----------------------------------------------------------------------------

class HalfCloser(threading.Thread):
    """Sends DATA on SK, then shutdown(SHUT_WR); records how that went."""

    def __init__(self, sk, data):
        super().__init__(daemon=True, name='half-closer')
        self.sk = sk
        self.data = data
        self.error = None

    def run(self):
        try:
            self.sk.sendall(self.data)
            self.sk.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = f'{type(e).__name__}: {e}'


def half_close(server, wire, cut):
    """Sends WIRE (and CUT, half a line), shutdown(SHUT_WR), reads to the end: None if the
    answer is as it must be (WIRE echoed, then the end of the stream; after half a line, a
    reset will do), else what went wrong.

    Reading starts once the FIN is sent, or after HALF_CLOSE_READ_DELAY if the server pushes
    back first, and the receive buffer is small: most of the answers cannot leave the server
    before the FIN comes in. They wait in its queue (or, with flow control, the FIN waits
    behind requests it has not read yet), and must still be sent."""
    sk = connect(server.address, rcvbuf=HALF_CLOSE_RCVBUF)
    writer = HalfCloser(sk, wire + cut)
    writer.start()
    writer.join(HALF_CLOSE_READ_DELAY)
    data = bytearray()
    how = 'eof'
    try:
        while True:
            chunk = sk.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        how = 'open'
    except OSError as e:
        if e.errno not in CLOSED_ERRNOS:
            raise
        how = 'reset'
    writer.join(TIMEOUT)
    sk.close()
    if writer.error:
        return f'sending: {writer.error}; {len(data)} of {len(wire)} bytes echoed, then {how}'
    if data != wire:
        at = first_difference(data, wire)
        newline = b'\n'
        return (f'got {len(data)} of {len(wire)} bytes ({data.count(newline)} of '
                f'{wire.count(newline)} lines), correct up to byte {at} '
                f'({data[:at].count(newline)} whole lines); then {how}')
    if how == 'open':
        return f'all echoes, but the connection was still open {TIMEOUT} s later'
    if how != 'eof' and not cut:
        return f'all echoes, then a {how}, not the end of the stream'
    return None


def case_half_close(tap, path, seed, label, *options):
    what = f'half-close ({label})'
    if options and not has_option(path, options[0]):
        for variant in ('', ', half a line at the end'):
            tap.result(False, f'{what}{variant} # option {options[0]} missing')
        return
    rng = random.Random(f'{seed}/half-close/{label}')
    server = start_server(path, *options)
    with server:
        for cut in (b'', b'half a line, never ended'):
            variant = ', half a line at the end' if cut else ''
            problems = []
            for trial in range(HALF_CLOSE_TRIALS):
                wire = b''.join(numbered_line(rng, i, rng.randint(*HALF_CLOSE_LINE))
                                for i in range(HALF_CLOSE_LINES))
                problem = half_close(server, wire, cut)
                if problem:
                    problems.append(f'connection {trial + 1}: {problem}')
            ending = 'then closed' if cut else 'then the end of the stream'
            tap.result(not problems,
                       f'{what}{variant}: {HALF_CLOSE_TRIALS - len(problems)} of '
                       f'{HALF_CLOSE_TRIALS} connections got all {HALF_CLOSE_LINES} whole lines '
                       f'echoed in order, {ending}',
                       '\n'.join(problems) + ('\n' + stderr_detail(server) if problems else ''))
        check_stop(tap, what, server)


# --- 4. Twisted as a peer ---------------------------------------------------------------------

def case_twisted(tap, path, seed):
    what = (f'twisted LineReceiver ({TWISTED_VOLUME // MIB} MiB of 1 KiB lines sent at once, '
            f'read at {TWISTED_RATE // MIB} MiB/s by pausing its transport)')
    try:
        from twisted.internet import reactor, task
        from twisted.internet.protocol import ClientFactory
        from twisted.protocols.basic import LineReceiver
    except ImportError:
        tap.skip(what, 'python3-twisted is not installed (build-aux/run.sh installs it)')
        return

    rng = random.Random(f'{seed}/twisted')
    lines = [numbered_line(rng, i, LINE) for i in range(TWISTED_VOLUME // LINE)]
    state = {'lines': 0, 'bytes': 0, 'pauses': 0, 'problem': None, 'start': None, 'end': None}
    tick = 0.01

    class SlowLines(LineReceiver):
        delimiter = b'\n'
        MAX_LENGTH = 2 * LINE

        def connectionMade(self):
            state['start'] = time.monotonic()
            self.tokens = 0.0
            self.reading_paused = False
            self.transport.write(b''.join(lines))  # Twisted writes it as the socket takes it
            self.refill = task.LoopingCall(self.add_tokens)
            self.refill.start(tick, now=False)

        def add_tokens(self):
            self.tokens = min(SLOW_BURST, self.tokens + TWISTED_RATE * tick)
            if self.reading_paused and self.tokens > 0:
                self.reading_paused = False
                self.transport.resumeProducing()

        def dataReceived(self, data):
            state['bytes'] += len(data)
            self.tokens -= len(data)
            if self.tokens <= 0 and not self.reading_paused:
                self.reading_paused = True
                state['pauses'] += 1
                self.transport.pauseProducing()
            super().dataReceived(data)

        def lineReceived(self, line):
            number = state['lines']
            if number >= len(lines) or line + b'\n' != lines[number]:
                state['problem'] = f'line {number} differs: got {line[:24]!r}'
                self.transport.abortConnection()
                return
            state['lines'] += 1
            if state['lines'] == len(lines):
                state['end'] = time.monotonic()
                self.transport.loseConnection()

        def lineLengthExceeded(self, line):
            state['problem'] = f'a line of more than {self.MAX_LENGTH} bytes after line ' \
                               f'{state["lines"]}'
            self.transport.abortConnection()

        def connectionLost(self, reason):
            if self.refill.running:
                self.refill.stop()
            if state['end'] is None and state['problem'] is None:
                state['problem'] = f'connection lost: {reason.getErrorMessage()}'
            if reactor.running:
                reactor.stop()

    class Factory(ClientFactory):
        protocol = SlowLines

        def clientConnectionFailed(self, connector, reason):
            state['problem'] = f'cannot connect: {reason.getErrorMessage()}'
            reactor.stop()

    def give_up():
        state['problem'] = state['problem'] or f'not done after {TIMEOUT * 2} s'
        reactor.stop()

    server = start_server(path)
    with server:
        reactor.connectTCP(server.address[0], server.port, Factory(), timeout=TIMEOUT)
        timer = reactor.callLater(TIMEOUT * 2, give_up)
        reactor.run(installSignalHandlers=False)  # once: a reactor does not restart
        if timer.active():
            timer.cancel()
        if state['end'] is not None:
            seconds = state['end'] - state['start']
            tap.result(state['problem'] is None,
                       f'{what}: all {len(lines)} lines echoed in order; {seconds:.1f} s, '
                       f'{state["bytes"] / MIB / seconds:.1f} MiB/s, {state["pauses"]} pauses',
                       state['problem'] or '')
        else:
            tap.result(False, f'{what}: {state["lines"]} of {len(lines)} lines echoed, then '
                       f'{state["problem"]}', stderr_detail(server))
        check_rss(tap, 'twisted', server)
        check_stop(tap, 'twisted', server)


CASES = [
    ('slow reader', case_slow_reader, ()),
    ('never-reader', case_never_reader, ()),
    ('half-close (default)', case_half_close, ('default server',)),
    ('half-close (handler threads)', case_half_close,
     (f'--handler-threads {HANDLER_THREADS}', '--handler-threads', str(HANDLER_THREADS))),
    ('twisted', case_twisted, ()),
]


def main():
    server_path, seed = command_line(__doc__, 'the payloads')

    # A hang must not outlive the run: the watchdog kills the servers and exits.
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
        for name, case, args in CASES:
            case_start = time.monotonic()
            try:
                case(tap, server_path, seed, *args)
            except BaseException as e:  # noqa: B902 - one case failing does not stop the rest
                tap.result(False, f'{name}: {type(e).__name__}',
                           ''.join(traceback.format_exception(e)).rstrip())
            print(f'# {name}: {time.monotonic() - case_start:.1f} s', flush=True)
    finally:
        watchdog.cancel()
        for server in servers_running:
            server.close()

    tap.plan()
    print(f'# {tap.count - tap.failures} of {tap.count} passed in '
          f'{time.monotonic() - started:.1f} s (seed {seed})', flush=True)
    return 1 if tap.failures else 0


if __name__ == '__main__':
    sys.exit(main())
