#!/usr/bin/python3
"""The gsock demos against plain Python sockets written as in the socket tutorial.

Usage: test-demos.py DEMOS_BUILD_DIR

Every server is started with --port 0 and its port read from its "listening on HOST:PORT"
line; every server is stopped (killed if it must be) before its test ends; every wait has a
timeout. Prints TAP and exits non-zero if any test fails.
"""

import atexit
import errno
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# Socket helpers shared with the hostile tests (standard library only, as here).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'hostile'))
from harness import framed, send_until_closed, wait_closed  # noqa: E402

if len(sys.argv) != 2:
    sys.exit(__doc__)
DEMOS = sys.argv[1]
TIMEOUT = 10  # seconds, for any single wait
LOCALHOST = '127.0.0.1'

# The demos print UTF-8 text in the locale's character set: make that UTF-8.
os.environ['LC_ALL'] = 'C.UTF-8'


def demo(name):
    return os.path.join(DEMOS, name)


class SkipTest(Exception):
    pass


class LineReader:
    """Lines from a pipe or a socket, each read with a timeout."""

    def __init__(self, read, fileno):
        self._read = read
        self._fileno = fileno
        self._buffer = b''

    def readline(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while b'\n' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fileno], [], [], left)[0]:
                raise AssertionError(f'no complete line within {timeout} s (have {self._buffer!r})')
            chunk = self._read()
            if not chunk:
                raise AssertionError(f'end of stream in a line (have {self._buffer!r})')
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b'\n', 1)
        return line.decode('utf-8')

    def nothing_within(self, seconds):
        """True if no byte arrives within SECONDS."""
        if self._buffer:
            return False
        return not select.select([self._fileno], [], [], seconds)[0]


class Server:
    """A demo server on a free port, stopped when the with block ends."""

    def __init__(self, name, *args, stdin=subprocess.DEVNULL):
        self.name = name
        self._stderr = None
        self.proc = subprocess.Popen([demo(name), '--port', '0', *args], stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout = LineReader(lambda: os.read(self.proc.stdout.fileno(), 4096),
                                 self.proc.stdout.fileno())
        try:
            line = self.stdout.readline()
            match = re.fullmatch(r'listening on (.+):(\d+)', line)
            assert match, f'unexpected first line {line!r}'
            self.host = match.group(1).strip('[]')
            self.port = int(match.group(2))
            assert self.port != 0, 'printed port 0, not the real port'
        except AssertionError as e:
            self.kill()
            stderr = self.stderr_text()
            self.__exit__()
            raise AssertionError(f'{name} did not start: {e}; stderr: {stderr!r}')
        self.address = (self.host, self.port)

    def __enter__(self):
        return self

    def expect_line(self, pattern):
        line = self.stdout.readline()
        assert re.fullmatch(pattern, line), f'{self.name}: expected /{pattern}/, got {line!r}'
        return line

    def wait(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f'{self.name} still running after {timeout} s')

    def stop(self, sig=signal.SIGTERM):
        """Sends SIG and returns the exit status."""
        self.proc.send_signal(sig)
        return self.wait()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr_text(self):
        # Only once the process has ended, so the read cannot block.
        if self.proc.poll() is None:
            return '(still running)'
        if self._stderr is None:
            self._stderr = self.proc.stderr.read().decode('utf-8', 'replace')
        return self._stderr

    def __exit__(self, *exc):
        self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe:
                pipe.close()


def run(name, *args, timeout=TIMEOUT, cwd=None):
    """Runs a demo client to its end."""
    return subprocess.run([demo(name), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def one_line(text):
    lines = text.strip().splitlines()
    assert len(lines) == 1, f'expected one line, got {text!r}'
    return lines[0]


def free_port(kind=socket.SOCK_STREAM):
    """A port nothing listens on (bound for a moment by us, then released)."""
    with socket.socket(type=kind) as sk:
        sk.bind((LOCALHOST, 0))
        return sk.getsockname()[1]


def in_thread(function):
    """Runs FUNCTION in a thread; join() re-raises what it raised."""
    result = {}

    def target():
        try:
            result['value'] = function()
        except BaseException as e:  # noqa: B902 - handed to the test thread
            result['error'] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def join():
        thread.join(TIMEOUT)
        assert not thread.is_alive(), 'helper thread did not finish'
        if 'error' in result:
            raise result['error']
        return result.get('value')
    return join


def addr(sk):
    host, port = sk.getsockname()[:2]
    return f'{host}:{port}'


# --- 2. TCP ---------------------------------------------------------------------------------

def test_tcp_server_answers_the_tutorial_client():
    with Server('gsock-tcp-server') as server:
        # The tutorial's 2.2 client, with a timeout added.
        sk = socket.socket()
        sk.settimeout(TIMEOUT)
        sk.connect(server.address)
        sk.send("Hello Server".encode('utf-8'))
        response = sk.recv(1024).decode('utf-8')
        sk.close()
        assert response == 'Hello Client', response
        server.expect_line(r'received from 127\.0\.0\.1:\d+: Hello Server')
        assert server.wait() == 0, server.stderr_text()


def test_tcp_server_gbk():
    with Server('gsock-tcp-server', '--encoding', 'GBK') as server:
        sk = socket.create_connection(server.address, timeout=TIMEOUT)
        sk.send('你好,服务器'.encode('gbk'))
        response = sk.recv(1024)
        sk.close()
        assert response == 'Hello Client'.encode('gbk'), response
        server.expect_line(r'received from 127\.0\.0\.1:\d+: 你好,服务器')
        assert server.wait() == 0, server.stderr_text()


def tutorial_tcp_server(reply=b'Hello Client', line=False):
    """The tutorial's 2.1 server on a free port, in a thread: returns (port, join)."""
    sk = socket.socket()
    sk.bind((LOCALHOST, 0))
    sk.listen()
    sk.settimeout(TIMEOUT)

    def serve():
        try:
            conn, _ = sk.accept()
            conn.settimeout(TIMEOUT)
            data = conn.recv(1024)
            while line and not data.endswith(b'\n'):
                data += conn.recv(1024)
            if reply is not None:
                conn.send(reply)
            else:
                time.sleep(4)  # say nothing until the client gave up
            conn.close()
            return data.decode('utf-8')
        finally:
            sk.close()
    return sk.getsockname()[1], in_thread(serve)


def test_tcp_client_against_the_tutorial_server():
    port, join = tutorial_tcp_server()
    result = run('gsock-tcp-client', '--port', str(port))
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'server replied: Hello Client\n', result.stdout
    assert join() == 'Hello Server'


def test_tcp_client_line_framing_and_message():
    port, join = tutorial_tcp_server(reply=b'Hello again\n', line=True)
    result = run('gsock-tcp-client', '--port', str(port), '--framing', 'line', 'one line')
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'server replied: Hello again\n', result.stdout
    assert join() == 'one line\n'


def test_tcp_client_refused():
    port = free_port()
    result = run('gsock-tcp-client', '--port', str(port))
    assert result.returncode == 1, result
    line = one_line(result.stderr)
    assert line.startswith(f'gsock-tcp-client: cannot reach 127.0.0.1:{port}: '), line
    assert 'refused' in line.lower(), line
    assert result.stdout == ''


def test_every_demo_prints_its_version():
    # The library's version, the one the demo runs with, on stdout; nothing else.
    names = sorted(n for n in os.listdir(DEMOS)
                   if n.startswith('gsock-') and os.access(demo(n), os.X_OK) and
                   not n.endswith('.p'))
    if os.access(demo('gtk/gsock-chat'), os.X_OK):
        names.append('gtk/gsock-chat')
    assert len(names) >= 8, names
    for name in names:
        result = run(name, '--version')
        assert result.returncode == 0, (name, result)
        expected = f'{os.path.basename(name)} {os.environ["GSOCK_VERSION"]}\n'
        assert result.stdout == expected, (name, result.stdout)


def test_debug_lines_with_g_messages_debug():
    # G_MESSAGES_DEBUG=Gsock shows the library's debug lines: a connection and its end (on
    # stdout, where GLib's default writer puts debug messages).
    env = dict(os.environ, G_MESSAGES_DEBUG='Gsock')
    port = free_port()
    proc = subprocess.Popen([demo('gsock-echo-server'), '--port', str(port)], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                sk = socket.create_connection((LOCALHOST, port), timeout=TIMEOUT)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, 'the echo server did not start'
                time.sleep(0.05)
        sk.sendall(b'hello\n')
        assert sk.recv(100) == b'hello\n'
        sk.close()
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert re.search(r'Gsock-DEBUG: .*Listening on 127\.0\.0\.1:' + str(port), out), out
    assert re.search(r'Gsock-DEBUG: .*Accepted a connection from 127\.0\.0\.1:\d+', out), out
    assert re.search(r'Gsock-DEBUG: .*The connection with 127\.0\.0\.1:\d+ ended', out), out


def test_man_pages_list_every_option():
    # The tool-like demos' man pages are written from --help by the build: every option the
    # program takes is there, and groff (where installed) reads the page without a warning.
    groff = shutil.which('groff')
    for name in ('gsock-echo-server', 'gsock-tcp-client', 'gsock-udp-client'):
        with open(demo(name + '.1'), encoding='utf-8') as f:
            page = f.read()
        assert page.startswith(f'.TH {name.upper()} 1 '), page[:80]
        help_text = run(name, '--help').stdout.split('Application Options:', 1)[1]
        options = re.findall(r'^\s+(?:-\w, )?(--[\w-]+)', help_text, re.M)
        assert len(options) >= 5, options
        for option in options:
            assert '\n.BR ' + option.replace('-', '\\-') in page, (name, option)
        if groff:
            result = subprocess.run([groff, '-k', '-man', '-Tutf8', '-ww', '-z', demo(name + '.1')],
                                    capture_output=True, text=True, timeout=TIMEOUT)
            assert result.returncode == 0 and result.stderr == '', (name, result.stderr)


def test_unknown_encoding_fails_at_start():
    # Before the open checked it, the servers listened and then failed on every line.
    for name, verb in (('gsock-chat-server', 'listen on'), ('gsock-udp-server', 'bind'),
                       ('gsock-tcp-client', 'reach')):
        result = run(name, '--port', '0' if name != 'gsock-tcp-client' else '1',
                     '--encoding', 'NO-SUCH-CHARSET')
        assert result.returncode == 1, result
        line = one_line(result.stderr)
        assert line.startswith(f'{name}: cannot {verb} 127.0.0.1:'), line
        assert line.endswith('Unknown encoding “NO-SUCH-CHARSET”'), line


def test_tcp_client_connect_times_out():
    # A listener whose backlog is full: Linux drops further SYNs, so connecting hangs.
    with socket.socket() as listener:
        listener.bind((LOCALHOST, 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        waiting = []
        try:
            for _ in range(4):
                sk = socket.socket()
                waiting.append(sk)
                sk.setblocking(False)
                if sk.connect_ex((LOCALHOST, port)) not in (0, errno.EINPROGRESS):
                    raise SkipTest('cannot fill the backlog')
            probe = waiting[-1]
            if select.select([], [probe], [], 0.3)[1]:
                raise SkipTest('this system accepts connections beyond the backlog')
            result = run('gsock-tcp-client', '--port', str(port), '--timeout', '300')
        finally:
            for sk in waiting:
                sk.close()
    assert result.returncode == 1, result
    line = one_line(result.stderr)
    assert line.startswith(f'gsock-tcp-client: cannot reach 127.0.0.1:{port}: '), line


def test_tcp_client_times_out():
    port, join = tutorial_tcp_server(reply=None)
    start = time.monotonic()
    result = run('gsock-tcp-client', '--port', str(port), '--timeout', '300')
    assert result.returncode == 1, result
    line = one_line(result.stderr)
    assert line.startswith(f'gsock-tcp-client: no reply from 127.0.0.1:{port}: '), line
    assert time.monotonic() - start < 3, 'the timeout was not honoured'
    join()


# --- 3. UDP ---------------------------------------------------------------------------------

def test_udp_server_reply_option():
    with Server('gsock-udp-server', '--reply', 'Hello UDP Client') as server:
        # The tutorial's 3.3 client, with a timeout added.
        sk = socket.socket(type=socket.SOCK_DGRAM)
        sk.settimeout(TIMEOUT)
        sk.sendto("Hello UDP Server".encode('utf-8'), server.address)
        response, _ = sk.recvfrom(1024)
        server.expect_line(rf'received from 127\.0\.0\.1:{sk.getsockname()[1]}: Hello UDP Server')
        sk.close()
        assert response.decode('utf-8') == 'Hello UDP Client'
        assert server.stop(signal.SIGINT) == 0, server.stderr_text()


def test_udp_server_answers_from_stdin():
    with Server('gsock-udp-server', stdin=subprocess.PIPE) as server:
        sk = socket.socket(type=socket.SOCK_DGRAM)
        sk.settimeout(TIMEOUT)
        sk.sendto(b'first', server.address)
        sk.sendto(b'second', server.address)
        server.expect_line(r'received from .*: first')
        server.expect_line(r'received from .*: second')
        server.proc.stdin.write('answer one\nanswer two\n'.encode('utf-8'))
        server.proc.stdin.flush()
        assert sk.recvfrom(1024)[0] == b'answer one'
        assert sk.recvfrom(1024)[0] == b'answer two'
        # Once standard input is closed the server keeps printing, without answering.
        server.proc.stdin.close()
        sk.sendto(b'third', server.address)
        server.expect_line(r'received from .*: third')
        sk.sendto(b'fourth', server.address)
        server.expect_line(r'received from .*: fourth')
        sk.settimeout(0.3)
        try:
            data = sk.recvfrom(1024)[0]
            raise AssertionError(f'unexpected answer {data!r} after end of input')
        except socket.timeout:
            pass
        sk.close()
        assert server.stop() == 0
        stderr = server.stderr_text()
        assert len(stderr.strip().splitlines()) == 1, f'not said exactly once: {stderr!r}'
        assert 'no longer answered' in stderr, stderr


def test_udp_client_against_the_tutorial_server():
    sk = socket.socket(type=socket.SOCK_DGRAM)
    sk.bind((LOCALHOST, 0))
    sk.settimeout(TIMEOUT)

    def serve():
        # The tutorial's 3.2 server loop, once, with a fixed reply instead of input().
        try:
            data, address = sk.recvfrom(1024)
            sk.sendto('你好 UDP'.encode('utf-8'), address)
            return data.decode('utf-8')
        finally:
            sk.close()
    join = in_thread(serve)
    result = run('gsock-udp-client', '--port', str(sk.getsockname()[1]))
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'server replied: 你好 UDP\n', result.stdout
    assert join() == 'Hello UDP Server'


def test_udp_client_times_out():
    with socket.socket(type=socket.SOCK_DGRAM) as silent:
        silent.bind((LOCALHOST, 0))
        port = silent.getsockname()[1]
        result = run('gsock-udp-client', '--port', str(port), '--timeout', '300', 'anyone?')
        assert result.returncode == 1, result
        line = one_line(result.stderr)
        assert line.startswith(f'gsock-udp-client: no reply from 127.0.0.1:{port}: '), line
        silent.settimeout(TIMEOUT)
        assert silent.recvfrom(1024)[0] == b'anyone?'


# --- 4. The receipt server ----------------------------------------------------------------

class UDPSocket:
    """The tutorial's 4.1 class, with a timeout added."""

    def __init__(self, ip="127.0.0.1", port=8080, encoding="utf-8"):
        self.sk = socket.socket(type=socket.SOCK_DGRAM)
        self.sk.settimeout(TIMEOUT)
        self.encoding = encoding
        self.address = (ip, port)

    def send(self, message, target_addr):
        self.sk.sendto(message.encode(self.encoding), target_addr)

    def receive(self):
        data, addr = self.sk.recvfrom(1024)
        return data.decode(self.encoding), addr

    def bind(self):
        self.sk.bind(self.address)


def test_receipt_server_answers_the_tutorial_client():
    with Server('gsock-receipt-server') as server:
        udp_client = UDPSocket()
        for _ in range(2):
            udp_client.send("Hello Server", server.address)
            response, sender = udp_client.receive()
            assert response == '已收到', response
            assert sender == server.address
            server.expect_line(r'received from 127\.0\.0\.1:\d+: Hello Server')
        udp_client.sk.close()
        assert server.stop() == 0, server.stderr_text()


def test_receipt_server_gbk():
    with Server('gsock-receipt-server', '--encoding', 'GBK') as server:
        udp_client = UDPSocket(encoding='gbk')
        udp_client.send('你好,服务器', server.address)
        data, _ = udp_client.sk.recvfrom(1024)
        udp_client.sk.close()
        assert data == '已收到'.encode('gbk'), data
        server.expect_line(r'received from 127\.0\.0\.1:\d+: 你好,服务器')
        assert server.stop() == 0, server.stderr_text()


# --- 5. Many clients ------------------------------------------------------------------------

class ChatClient:
    def __init__(self, address):
        self.sk = socket.create_connection(address, timeout=TIMEOUT)
        self.name = addr(self.sk)
        self.lines = LineReader(lambda: self.sk.recv(4096), self.sk.fileno())

    def expect(self, line):
        got = self.lines.readline()
        assert got == line, f'{self.name}: expected {line!r}, got {got!r}'


def test_chat_server_with_three_clients():
    with Server('gsock-chat-server') as server:
        a = ChatClient(server.address)
        server.expect_line(rf'\* {re.escape(a.name)} joined')
        b = ChatClient(server.address)
        server.expect_line(rf'\* {re.escape(b.name)} joined')
        a.expect(f'* {b.name} joined')
        c = ChatClient(server.address)
        server.expect_line(rf'\* {re.escape(c.name)} joined')
        a.expect(f'* {c.name} joined')
        b.expect(f'* {c.name} joined')

        a.sk.sendall('hello from a, 你好\n'.encode('utf-8'))
        b.expect(f'[{a.name}] hello from a, 你好')
        c.expect(f'[{a.name}] hello from a, 你好')
        server.expect_line(rf'\[{re.escape(a.name)}\] hello from a, 你好')
        c.sk.sendall(b'two lines\nat once\n')
        for other in (a, b):
            other.expect(f'[{c.name}] two lines')
            other.expect(f'[{c.name}] at once')
        assert a.lines.nothing_within(0.3), 'a got something back'
        assert c.lines.nothing_within(0.1), 'c got its own lines back'

        b.sk.close()
        a.expect(f'* {b.name} left')
        c.expect(f'* {b.name} left')
        a.sk.close()
        c.expect(f'* {a.name} left')
        # c stays connected: stopping the server closes it.
        assert server.stop() == 0, server.stderr_text()
        c.sk.settimeout(TIMEOUT)
        assert c.sk.recv(1024) == b'', 'connection still open after the server stopped'
        c.sk.close()


# --- The echo server --------------------------------------------------------------------------

def recv_exactly(sk, size):
    data = b''
    while len(data) < size:
        chunk = sk.recv(size - len(data))
        assert chunk, f'connection closed after {data!r}'
        data += chunk
    return data


def check_echo_server(framing):
    with Server('gsock-echo-server', '--framing', framing) as server:
        clients = [socket.create_connection(server.address, timeout=TIMEOUT) for _ in range(3)]
        for i, sk in enumerate(clients):
            for payload in (f'client {i} says hi'.encode(), '回声'.encode('utf-8')):
                wire = framed(framing, payload)
                sk.sendall(wire)
                assert recv_exactly(sk, len(wire)) == wire
        if framing == 'length':
            sk = clients[0]
            sk.sendall(framed('length', b''))  # an empty message is a message too
            assert recv_exactly(sk, 4) == b'\0\0\0\0'
        # UDP on the same port number.
        with socket.socket(type=socket.SOCK_DGRAM) as udp:
            udp.settimeout(TIMEOUT)
            udp.sendto(b'udp ping', server.address)
            data, sender = udp.recvfrom(1024)
            assert data == b'udp ping' and sender == server.address, (data, sender)
        # A client that leaves does not disturb the others.
        clients[1].close()
        wire = framed(framing, b'still here')
        clients[2].sendall(wire)
        assert recv_exactly(clients[2], len(wire)) == wire
        assert server.stop() == 0, server.stderr_text()
        for sk in (clients[0], clients[2]):
            assert sk.recv(1024) == b'', 'connection still open after the server stopped'
            sk.close()


def test_echo_server_line():
    check_echo_server('line')


def test_echo_server_length():
    check_echo_server('length')


def test_echo_server_raw():
    check_echo_server('raw')


def start_activated(listeners, env_extra, listen_pid='$$', port='1'):
    """gsock-echo-server started as systemd would: @listeners as descriptors 3, 4, ...,
    LISTEN_FDS and LISTEN_PID (its own pid: sh sets it, then execs the demo) in its
    environment."""
    fds = [sk.fileno() for sk in listeners]

    def place_descriptors():
        # Above every target first, so no dup2 overwrites a descriptor still to be moved.
        high = [os.dup(fd) for fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
            os.close(fd)

    env = dict(os.environ, LISTEN_FDS=str(len(fds)))
    env.update(env_extra)
    return subprocess.Popen(['sh', '-c', f'LISTEN_PID={listen_pid} exec "$0" "$@"',
                             demo('gsock-echo-server'), '--port', port],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=place_descriptors, close_fds=False)


def test_echo_server_socket_activation():
    # The test plays the service manager: it binds and listens, passes the sockets and the
    # variables, and execs the demo, which must serve them (not --port 1, which it cannot bind).
    listeners = []
    for _ in range(2):
        sk = socket.socket()
        sk.bind((LOCALHOST, 0))
        sk.listen()
        listeners.append(sk)
    datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    datagram.bind((LOCALHOST, 0))
    listeners.append(datagram)
    proc = start_activated(listeners, {})
    try:
        line = proc.stdout.readline()
        assert line.startswith('listening on 127.0.0.1:'), (line, proc.stderr.read())
        for listener in listeners[:2]:
            with socket.create_connection(listener.getsockname(), timeout=TIMEOUT) as sk:
                sk.sendall(b'activated\n')
                assert sk.recv(100) == b'activated\n'
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.settimeout(TIMEOUT)
            peer.sendto(b'datagram', datagram.getsockname())
            assert peer.recvfrom(100)[0] == b'datagram'
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
        for sk in listeners:
            sk.close()
    assert proc.returncode == 0, err

    # Descriptors that are no sockets, or malformed variables: one clear line, exit 1.
    with open(os.devnull) as not_a_socket:
        proc = start_activated([not_a_socket], {})
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert one_line(err).startswith('gsock-echo-server: Descriptor 3 passed by the service '
                                    'manager is not a socket'), err
    proc = start_activated([], {'LISTEN_FDS': 'two'})
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert 'Malformed socket activation variables' in one_line(err), err

    # Variables meant for another process (its LISTEN_PID): not taken; --port is served.
    with socket.socket() as other:
        other.bind((LOCALHOST, 0))
        other.listen()
        proc = start_activated([other], {}, listen_pid='1', port='0')
        try:
            line = proc.stdout.readline()
            assert line.startswith('listening on 127.0.0.1:'), (line, proc.stderr.read())
            assert int(line.strip().rsplit(':', 1)[1]) != other.getsockname()[1], line
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=TIMEOUT)


def test_echo_server_keepalive():
    # --keepalive S: the server's side of a connection carries the kernel's keepalive timer.
    if shutil.which('ss') is None:
        raise SkipTest('no ss to read the socket timers')
    with Server('gsock-echo-server', '--keepalive', '7') as server:
        sk = socket.create_connection(server.address, timeout=TIMEOUT)
        sk.sendall(b'hi\n')
        assert sk.recv(10) == b'hi\n'
        timers = subprocess.run(['ss', '-tnoH', 'state', 'established',
                                 f'( sport = :{server.port} )'], capture_output=True, text=True,
                                timeout=TIMEOUT).stdout
        sk.close()
        assert 'timer:(keepalive' in timers, timers


def test_echo_server_utf16_lines():
    # The newline is text: in UTF-16 it is 0A 00, and the 0A bytes inside "ਊ" (0A 0A) end
    # nothing. Before, each 0A byte ended a line and a one-byte newline was sent back.
    with Server('gsock-echo-server', '--encoding', 'UTF-16LE') as server:
        sk = socket.create_connection(server.address, timeout=TIMEOUT)
        wire = 'ਊĀ\n'.encode('utf-16-le') + 'x\n'.encode('utf-16-le')
        sk.sendall(wire)
        got = b''
        while len(got) < len(wire):
            chunk = sk.recv(4096)
            assert chunk, f'closed after {got!r}'
            got += chunk
        sk.close()
        assert got == wire, got


def test_echo_server_threads():
    # Two servers on one port (SO_REUSEPORT), one on a thread of its own: every connection is
    # echoed whichever got it, and a stop closes them all.
    with Server('gsock-echo-server', '--threads', '2') as server:
        # Two listening sockets on the port (state 0A in /proc/net/tcp).
        with open('/proc/net/tcp') as f:
            listening = [line for line in f.readlines()[1:]
                         if line.split()[1].endswith(f':{server.port:04X}') and
                         line.split()[3] == '0A']
        assert len(listening) == 2, listening
        assert len(os.listdir(f'/proc/{server.proc.pid}/task')) >= 2
        clients = [socket.create_connection(server.address, timeout=TIMEOUT) for _ in range(64)]
        for i, sk in enumerate(clients):
            sk.sendall(f'line {i}\n'.encode())
        for i, sk in enumerate(clients):
            wire = f'line {i}\n'.encode()
            assert recv_exactly(sk, len(wire)) == wire
        # UDP too: two sockets bound to the port, and every sender's datagram echoed.
        with open('/proc/net/udp') as f:
            bound = [line for line in f.readlines()[1:]
                     if line.split()[1].endswith(f':{server.port:04X}')]
        assert len(bound) == 2, bound
        peers = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(32)]
        for i, peer in enumerate(peers):
            peer.settimeout(TIMEOUT)
            peer.sendto(f'datagram {i}'.encode(), server.address)
        for i, peer in enumerate(peers):
            assert peer.recvfrom(100)[0] == f'datagram {i}'.encode()
            peer.close()
        assert server.stop() == 0, server.stderr_text()
        for sk in clients:
            assert sk.recv(1024) == b'', 'connection still open after the server stopped'
            sk.close()


def test_echo_server_bad_threads():
    result = run('gsock-echo-server', '--threads', '0')
    assert result.returncode == 1, result
    assert one_line(result.stderr) == 'gsock-echo-server: --threads must be between 1 and 64'


def test_echo_server_with_socat():
    if not shutil.which('socat'):
        raise SkipTest('socat is not installed')
    with Server('gsock-echo-server') as server:
        tcp = subprocess.run(['socat', '-t', '2', '-', f'TCP:{LOCALHOST}:{server.port}'],
                             input=b'hello socat\nbye\n', capture_output=True, timeout=TIMEOUT)
        assert tcp.stdout == b'hello socat\nbye\n', tcp
        udp = subprocess.run(['socat', '-t', '2', '-', f'UDP:{LOCALHOST}:{server.port}'],
                             input=b'datagram', capture_output=True, timeout=TIMEOUT)
        assert udp.stdout == b'datagram', udp
        assert server.stop() == 0, server.stderr_text()


def test_echo_server_with_nc():
    nc = shutil.which('nc')
    if not nc:
        raise SkipTest('nc is not installed')
    # -N (shut down writing at the end of input) exists in OpenBSD's nc only.
    if b'-N' not in subprocess.run([nc, '-h'], capture_output=True, timeout=TIMEOUT).stderr:
        raise SkipTest('this nc has no -N (only the OpenBSD one is supported)')
    with Server('gsock-echo-server') as server:
        tcp = subprocess.run([nc, '-N', LOCALHOST, str(server.port)],
                             input=b'hello nc\n', capture_output=True, timeout=TIMEOUT)
        assert tcp.stdout == b'hello nc\n', tcp
        assert server.stop() == 0, server.stderr_text()


def test_demo_clients_with_demo_servers():
    with Server('gsock-tcp-server') as server:
        result = run('gsock-tcp-client', '--port', str(server.port))
        assert result.stdout == 'server replied: Hello Client\n', result
        assert server.wait() == 0, server.stderr_text()
    with Server('gsock-receipt-server') as server:
        result = run('gsock-udp-client', '--port', str(server.port))
        assert result.stdout == 'server replied: 已收到\n', result
        assert server.stop() == 0, server.stderr_text()
    with Server('gsock-echo-server', '--framing', 'line') as server:
        result = run('gsock-tcp-client', '--port', str(server.port), '--framing', 'line', '回声')
        assert result.stdout == 'server replied: 回声\n', result
        result = run('gsock-udp-client', '--port', str(server.port), 'echo me')
        assert result.stdout == 'server replied: echo me\n', result
        assert server.stop() == 0, server.stderr_text()


def test_servers_exit_0_on_sigint_and_sigterm():
    for name in ('gsock-tcp-server', 'gsock-udp-server', 'gsock-receipt-server',
                 'gsock-chat-server', 'gsock-echo-server'):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with Server(name) as server:
                status = server.stop(sig)
                assert status == 0, f'{name} exited {status} on {sig.name}: {server.stderr_text()}'


def test_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind((LOCALHOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run('gsock-tcp-server', '--port', str(port))
        assert result.returncode == 1, result
        line = one_line(result.stderr)
        assert line.startswith(f'gsock-tcp-server: cannot listen on 127.0.0.1:{port}: '), line


# --- TLS and the server limits ---------------------------------------------------------------

_certificates = {}


def certificates():
    """A CA, and a server certificate it signed for localhost and 127.0.0.1: {file: path}.

    Made once per run with the openssl command, in a temporary folder removed at exit."""
    if not _certificates:
        if not shutil.which('openssl'):
            raise SkipTest('openssl is not installed')
        folder = tempfile.mkdtemp(prefix='gsock-demos-tls-')
        atexit.register(shutil.rmtree, folder, True)

        def openssl(*args):
            subprocess.run(['openssl', *args], cwd=folder, check=True, capture_output=True,
                           timeout=60)
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                '-subj', '/CN=gsock-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem')
        openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
                '-keyout', 'server.key', '-out', 'server.csr')
        with open(os.path.join(folder, 'server.ext'), 'w') as ext:
            ext.write('subjectAltName=DNS:localhost,IP:127.0.0.1\n')
        openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
                '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem')
        for name in ('ca.pem', 'ca.key', 'server.pem', 'server.key'):
            _certificates[name] = os.path.join(folder, name)
    return _certificates


def tls_options():
    return ['--tls-cert', certificates()['server.pem'], '--tls-key', certificates()['server.key']]


class SClient:
    """openssl s_client, the reference TLS client, verifying the server against the test CA
    (any verification error ends it): lines in on stdin, lines out on stdout."""

    def __init__(self, port):
        self.proc = subprocess.Popen(
            ['openssl', 's_client', '-connect', f'{LOCALHOST}:{port}', '-servername', 'localhost',
             '-verify_return_error', '-CAfile', certificates()['ca.pem'], '-quiet'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines = LineReader(lambda: os.read(self.proc.stdout.fileno(), 4096),
                                self.proc.stdout.fileno())

    def send(self, line):
        self.proc.stdin.write(line.encode('utf-8') + b'\n')
        self.proc.stdin.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


def test_echo_server_tls_with_openssl_s_client():
    with Server('gsock-echo-server', *tls_options()) as server:
        with SClient(server.port) as client:
            client.send('hello over TLS, 你好')
            assert client.lines.readline() == 'hello over TLS, 你好'
            client.send('second line')
            assert client.lines.readline() == 'second line'
        # UDP on the same port number stays plain.
        with socket.socket(type=socket.SOCK_DGRAM) as udp:
            udp.settimeout(TIMEOUT)
            udp.sendto(b'plain datagram', server.address)
            assert udp.recvfrom(1024)[0] == b'plain datagram'
        # TCP does not: plain text is no handshake, and is never echoed.
        with socket.create_connection(server.address, timeout=TIMEOUT) as plain:
            plain.sendall(b'not TLS at all\n')
            how, _, data = wait_closed(plain)
            assert how != 'open', 'a plain-text client is still connected'
            assert b'not TLS' not in data, data
        assert server.stop() == 0, server.stderr_text()


def test_chat_server_tls_with_openssl_s_client():
    with Server('gsock-chat-server', *tls_options()) as server:
        with SClient(server.port) as a:
            server.expect_line(r'\* 127\.0\.0\.1:\d+ joined')
            with SClient(server.port) as b:
                b_name = server.expect_line(r'\* (127\.0\.0\.1:\d+) joined').split()[1]
                assert a.lines.readline() == f'* {b_name} joined'
                b.send('hello over TLS, 你好')
                assert a.lines.readline() == f'[{b_name}] hello over TLS, 你好'
                server.expect_line(rf'\[{re.escape(b_name)}\] hello over TLS, 你好')
            # Killed without a TLS goodbye: gone all the same, and the room is told.
            left = a.lines.readline()
            assert left.startswith(f'* {b_name} left'), left
        assert server.stop() == 0, server.stderr_text()


def test_tcp_client_tls_with_ca():
    with Server('gsock-echo-server', '--framing', 'line', *tls_options()) as server:
        # A path relative to the working directory, as a user would type it.
        ca = certificates()['ca.pem']
        result = run('gsock-tcp-client', '--port', str(server.port), '--tls',
                     '--ca', os.path.basename(ca), '--framing', 'line', 'over TLS, 你好',
                     cwd=os.path.dirname(ca))
        assert result.returncode == 0, result
        assert result.stdout == 'server replied: over TLS, 你好\n', result.stdout
        assert result.stderr == '', result.stderr
        assert server.stop() == 0, server.stderr_text()


def test_tcp_client_tls_unknown_authority():
    # Without --ca only the system's authorities are trusted, and none signed the test CA.
    with Server('gsock-echo-server', '--framing', 'line', *tls_options()) as server:
        result = run('gsock-tcp-client', '--port', str(server.port), '--tls', '--framing',
                     'line', 'must not be sent')
        assert result.returncode == 1, result
        line = one_line(result.stderr)
        assert line.startswith(f'gsock-tcp-client: cannot reach 127.0.0.1:{server.port}: '), line
        assert 'certificate' in line.lower(), line
        assert 'not signed by a trusted authority' in line, line  # what is wrong with it
        assert result.stdout == ''
        assert server.stop() == 0, server.stderr_text()
        assert 'must not be sent' not in server.stderr_text()


class DtlsSServer:
    """openssl s_server -dtls1_2 with the test server certificate on a free UDP port: what it
    receives comes out on its stdout (stdbuf: unbuffered), its stdin goes to the peer."""

    def __init__(self):
        self.port = free_port(socket.SOCK_DGRAM)
        self.proc = subprocess.Popen(
            ['stdbuf', '-o0', 'openssl', 's_server', '-dtls1_2', '-accept',
             f'{LOCALHOST}:{self.port}', '-cert', certificates()['server.pem'],
             '-key', certificates()['server.key']],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines = LineReader(lambda: os.read(self.proc.stdout.fileno(), 4096),
                                self.proc.stdout.fileno())
        while self.lines.readline() != 'ACCEPT':
            pass

    def expect(self, wanted):
        """Reads its output until a line is WANTED (it prints the session and cipher too)."""
        while True:
            line = self.lines.readline()
            if line == wanted:
                return

    def send(self, line):
        self.proc.stdin.write(line.encode('utf-8') + b'\n')
        self.proc.stdin.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


def test_udp_client_dtls_with_ca():
    with DtlsSServer() as server:
        ca = certificates()['ca.pem']
        client = subprocess.Popen(
            [demo('gsock-udp-client'), '--port', str(server.port), '--dtls', '--ca', ca,
             'over DTLS, 你好\n'],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            server.expect('over DTLS, 你好')
            server.send('answer over DTLS')
            out, err = client.communicate(timeout=TIMEOUT)
        finally:
            client.kill()
            client.wait()
        assert client.returncode == 0, err
        assert out == 'server replied: answer over DTLS\n\n', out
        assert err == '', err


def test_udp_client_dtls_unknown_authority():
    # Without --ca only the system's authorities are trusted: nothing is sent in the clear.
    with DtlsSServer() as server:
        result = run('gsock-udp-client', '--port', str(server.port), '--dtls', 'must not be sent')
        assert result.returncode == 1, result
        line = one_line(result.stderr)
        assert line.startswith(f'gsock-udp-client: cannot reach 127.0.0.1:{server.port}: '), line
        assert 'not signed by a trusted authority' in line, line
        assert result.stdout == ''


def dtls_options():
    return ['--dtls-cert', certificates()['server.pem'], '--dtls-key',
            certificates()['server.key']]


def test_echo_server_dtls():
    with Server('gsock-echo-server', *dtls_options()) as server:
        # gsock's own DTLS client ...
        result = run('gsock-udp-client', '--port', str(server.port), '--dtls', '--ca',
                     certificates()['ca.pem'], 'over DTLS, 你好')
        assert result.returncode == 0, result
        assert result.stdout == 'server replied: over DTLS, 你好\n', result.stdout
        # ... and OpenSSL's, the reference client.
        client = subprocess.Popen(
            ['openssl', 's_client', '-dtls1_2', '-connect', f'{LOCALHOST}:{server.port}',
             '-CAfile', certificates()['ca.pem'], '-verify_return_error', '-quiet'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            lines = LineReader(lambda: os.read(client.stdout.fileno(), 4096),
                               client.stdout.fileno())
            client.stdin.write('from openssl\n'.encode('utf-8'))
            client.stdin.flush()
            assert lines.readline() == 'from openssl'
        finally:
            client.kill()
            client.wait()
            client.stdin.close()
            client.stdout.close()
        # A plain datagram starts no session and is never echoed.
        with socket.socket(type=socket.SOCK_DGRAM) as udp:
            udp.settimeout(0.3)
            udp.sendto(b'plain datagram', server.address)
            try:
                data = udp.recvfrom(1024)[0]
            except socket.timeout:
                data = None
            assert data is None, data
        # TCP is untouched: plain as before.
        assert echo_line(server.address, b'plain TCP\n')
        assert server.stop() == 0, server.stderr_text()


def test_bad_tls_certificate_is_one_line():
    missing = os.path.join(tempfile.gettempdir(), 'gsock-no-such-dir', 'server.pem')
    for name in ('gsock-echo-server', 'gsock-chat-server'):
        for args, start in (
                (['--tls-cert', missing], f'{name}: cannot load the TLS certificate {missing}: '),
                (['--tls-cert', certificates()['server.pem'], '--tls-key', missing],
                 f'{name}: cannot load the TLS certificate '),
                # A key is not a certificate.
                (['--tls-cert', certificates()['ca.key']], f'{name}: cannot load the TLS '),
                (['--tls-key', certificates()['server.key']], f'{name}: --tls-key needs')):
            result = run(name, '--port', '0', *args)
            assert result.returncode == 1, (args, result)
            line = one_line(result.stderr)
            assert line.startswith(start), (args, line)
            assert result.stdout == '', (args, result.stdout)


def echo_line(address, line):
    """True if a new connection gets LINE back; False if the server closes it instead."""
    with socket.create_connection(address, timeout=TIMEOUT) as sk:
        if send_until_closed(sk, line):
            return False
        try:
            data = sk.recv(len(line), socket.MSG_WAITALL)
        except ConnectionResetError:
            return False
        assert data in (line, b''), data
        return data == line


def test_echo_server_max_clients():
    with Server('gsock-echo-server', '--max-clients', '1') as server:
        first = socket.create_connection(server.address, timeout=TIMEOUT)
        first.sendall(b'first\n')
        assert recv_exactly(first, 6) == b'first\n'
        # The kernel completes the handshake; the server closes it at once, unread.
        extra = socket.create_connection(server.address, timeout=TIMEOUT)
        send_until_closed(extra, b'extra\n')
        how, _, data = wait_closed(extra)
        extra.close()
        assert how in ('eof', 'reset') and data == b'', (how, data)
        first.sendall(b'still served\n')
        assert recv_exactly(first, 13) == b'still served\n'
        first.close()
        # Its slot is free again, once the server has seen it go.
        deadline = time.monotonic() + TIMEOUT
        while not echo_line(server.address, b'next\n'):
            assert time.monotonic() < deadline, 'the slot was not freed'
            time.sleep(0.05)
        assert server.stop() == 0, server.stderr_text()
        assert re.search(r'in all: .*\d+ connections rejected \(too many clients\)',
                         server.stderr_text()), server.stderr_text()


def test_echo_server_idle_timeout():
    with Server('gsock-echo-server', '--idle-timeout', '1000') as server:
        start = time.monotonic()
        idle = socket.create_connection(server.address, timeout=TIMEOUT)
        idle_name = addr(idle)
        how, _, data = wait_closed(idle)
        idle.close()
        assert how in ('eof', 'reset') and data == b'', (how, data)
        # The timer starts at the accept, after `start`: closing sooner would be a bug.
        assert time.monotonic() - start >= 0.9, 'closed before the idle timeout'
        # A peer that keeps sending is not idle, for however long.
        busy = socket.create_connection(server.address, timeout=TIMEOUT)
        for i in range(15):
            busy.sendall(b'%d\n' % i)
            assert recv_exactly(busy, len(b'%d\n' % i)) == b'%d\n' % i
            time.sleep(0.1)
        busy.close()
        assert server.stop() == 0, server.stderr_text()
        assert (f'gsock-echo-server: disconnected {idle_name}: The peer sent nothing for 1000 ms'
                in server.stderr_text()), server.stderr_text()


def flood_without_reading(sk, limit=256 << 20):
    """Sends SK big lines, never reading, until the server drops it: True if it did."""
    chunk = (b'x' * 65535 + b'\n') * 16
    for _ in range(limit // len(chunk)):
        if send_until_closed(sk, chunk):
            return True
    return False


def non_reader(address):
    """A connection whose receive buffer is tiny, so the server's queue for it grows soon."""
    sk = socket.socket()
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sk.settimeout(TIMEOUT)
    sk.connect(address)
    return sk


def test_echo_server_max_queued_bytes():
    with Server('gsock-echo-server', '--max-queued-bytes', '65536') as server:
        other = socket.create_connection(server.address, timeout=TIMEOUT)
        hog = non_reader(server.address)
        hog_name = addr(hog)
        assert flood_without_reading(hog), 'never dropped'
        hog.close()
        other.sendall(b'unaffected\n')
        assert recv_exactly(other, 11) == b'unaffected\n'
        other.close()
        assert server.stop() == 0, server.stderr_text()
        # The line names the limit: the option's, not the 8 MiB default.
        assert re.search(rf'gsock-echo-server: dropped {re.escape(hog_name)}: .*'
                         r'\(the limit is 65536\)', server.stderr_text()), server.stderr_text()


def test_chat_server_drops_a_member_who_does_not_read():
    with Server('gsock-chat-server', '--max-queued-bytes', '65536') as server:
        sleeper = non_reader(server.address)
        sleeper_name = addr(sleeper)
        server.expect_line(rf'\* {re.escape(sleeper_name)} joined')
        talker = ChatClient(server.address)
        server.expect_line(rf'\* {re.escape(talker.name)} joined')

        # The server prints every line it passes on: read them all, or it blocks on stdout.
        def drain():
            dropped = None
            while True:
                try:
                    line = server.stdout.readline()
                except AssertionError:  # the end of the stream: the server has stopped
                    return dropped
                if line.startswith(f'* {sleeper_name} dropped ('):
                    dropped = line
        join = in_thread(drain)
        chunk = (b'y' * 8000 + b'\n') * 8
        for _ in range((256 << 20) // len(chunk)):
            talker.sk.sendall(chunk)
            if not talker.lines.nothing_within(0):
                break
        announced = talker.lines.readline()
        assert announced.startswith(f'* {sleeper_name} dropped ('), announced
        assert '(the limit is 65536)' in announced, announced
        sleeper.close()
        talker.sk.close()
        assert server.stop() == 0, server.stderr_text()
        assert join() == announced, 'not printed as it was announced'


# --- Everything at once ---------------------------------------------------------------------

def test_gsock_demo():
    result = run('gsock-demo', timeout=60)
    assert result.returncode == 0, f'exit {result.returncode}: {result.stderr}'
    for expected in ('client: got “Hello Client”', 'client: got “Hello UDP Client”',
                     'client: got “已收到”', 'decoded as GBK: 你好,世界', 'all done'):
        assert expected in result.stdout, f'{expected!r} missing from:\n{result.stdout}'


TESTS = [value for key, value in list(globals().items()) if key.startswith('test_')]


def main():
    print(f'1..{len(TESTS)}', flush=True)
    failures = 0
    for number, test in enumerate(TESTS, 1):
        name = test.__name__[len('test_'):].replace('_', ' ')
        try:
            test()
            print(f'ok {number} - {name}', flush=True)
        except SkipTest as e:
            print(f'ok {number} - {name} # SKIP {e}', flush=True)
        except BaseException:  # noqa: B902 - every failure is reported, then the next test runs
            failures += 1
            print(f'not ok {number} - {name}', flush=True)
            for line in traceback.format_exc().splitlines():
                print(f'# {line}', flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
