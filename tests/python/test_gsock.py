#!/usr/bin/python3
"""gsock from Python (PyGObject), through the introspection data.

Run with the build directory's typelib and library:

    GI_TYPELIB_PATH=_build/gsock LD_LIBRARY_PATH=_build/gsock /usr/bin/python3 tests/python/test_gsock.py

Everything listens on 127.0.0.1, port 0; every wait is bounded and fails when it runs out;
every endpoint a test makes is closed before the test ends. The demo tests run
demos/python/ (and demos/js/ when gjs is installed) against each other.
"""

import contextlib
import io
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Gsock', '1.0')
from gi.repository import GLib, GObject, Gio, Gsock  # noqa: E402

LOCALHOST = '127.0.0.1'
TIMEOUT = 5          # seconds, for any single wait
TIMEOUT_MS = TIMEOUT * 1000
SOURCE_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
PY_DEMOS = os.path.join(SOURCE_ROOT, 'demos', 'python')
JS_DEMOS = os.path.join(SOURCE_ROOT, 'demos', 'js')

IO_ERROR = Gio.io_error_quark()
GSOCK_ERROR = Gsock.error_quark()


def address(port):
    return Gio.InetSocketAddress.new_from_string(LOCALHOST, port)


def local_port(endpoint):
    port = endpoint.props.local_port
    assert port == endpoint.get_local_address().get_port()
    return port


class GsockTestCase(unittest.TestCase):
    """Main-loop helpers: bounded waits and endpoints that are always closed."""

    def wait_for(self, condition, what, timeout=TIMEOUT):
        """Runs the default main context until CONDITION() is true; fails after TIMEOUT s."""
        context = GLib.MainContext.default()
        expired = []
        source = GLib.timeout_add(int(timeout * 1000), lambda: expired.append(True) or False)
        # Wakes the loop now and then, for conditions that do not depend on the main context
        # (a plain socket, a child process).
        ticker = GLib.timeout_add(10, lambda: True)
        try:
            while not condition() and not expired:
                context.iteration(True)
        finally:
            GLib.source_remove(ticker)
            if not expired:
                GLib.source_remove(source)
        if not condition():
            self.fail(f'timed out after {timeout} s waiting for {what}')

    def endpoint(self, endpoint):
        """Closes ENDPOINT when the test ends, and waits until it has."""
        def close():
            endpoint.close()
            self.wait_for(lambda: endpoint.get_state() == Gsock.State.CLOSED,
                          f'{type(endpoint).__name__} to close')
        self.addCleanup(close)
        return endpoint

    def assertGError(self, error, domain, code):
        self.assertIsInstance(error, GLib.Error)
        self.assertTrue(error.matches(domain, code),
                        f'expected {GLib.quark_to_string(domain)} {int(code)} ({code}), '
                        f'got {error.domain} {error.code}: {error.message}')


# ---------------------------------------------------------------------------------------------
# The seed's section 4: a UDPSocket server answering 已收到, and its client

class ReceiptServer(Gsock.UdpEndpoint):
    """The tutorial's 4.2 server: prints each message and answers 已收到."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.received = []

    def do_message_received(self, message):
        self.received.append((message.get_text(), message.get_sender()))
        message.reply('已收到')


class UdpSeedTests(GsockTestCase):

    def test_receipt_server_and_blocking_client(self):
        server = self.endpoint(ReceiptServer(host=LOCALHOST, port=0))
        self.assertTrue(server.bind())
        self.assertEqual(server.get_state(), Gsock.State.OPEN)
        port = local_port(server)
        self.assertNotEqual(port, 0)

        # The client never binds: the first send does, on a port the system picks.
        client = self.endpoint(Gsock.UdpEndpoint.new(None, 0))
        client.set_timeout(TIMEOUT_MS)
        self.assertTrue(client.send('Hello Server', address(port)))
        reply, sender = client.receive(None)

        self.assertEqual(reply, '已收到')
        self.assertEqual(sender.get_port(), port)
        self.assertEqual(len(server.received), 1)
        text, client_address = server.received[0]
        self.assertEqual(text, 'Hello Server')
        self.assertEqual(client_address.get_port(), local_port(client))
        self.assertEqual(client.get_messages_sent(), 1)
        self.assertEqual(client.get_messages_received(), 1)
        self.assertEqual(server.get_messages_received(), 1)
        self.assertEqual(server.get_bytes_sent(), len('已收到'.encode('utf-8')))

    def test_signal_handler_server_in_gbk(self):
        """The UDPSocket keeps an encoding: here both sides use GBK."""
        server = self.endpoint(Gsock.UdpEndpoint(host=LOCALHOST, port=0, encoding='GBK'))
        seen = []

        def on_message(endpoint, message):
            seen.append(message.get_bytes().get_data())
            message.reply('收到:' + message.get_text())
        server.connect('message-received', on_message)
        server.bind()

        client = self.endpoint(Gsock.UdpEndpoint(encoding='GBK', timeout=TIMEOUT_MS))
        client.send('你好', address(local_port(server)))
        message = client.receive_message(None)
        self.assertEqual(seen, ['你好'.encode('gbk')])
        self.assertEqual(message.get_bytes().get_data(), '收到:你好'.encode('gbk'))
        self.assertEqual(message.get_data(), '收到:你好'.encode('gbk'))
        self.assertEqual(message.get_text(), '收到:你好')

    def test_receive_async(self):
        server = self.endpoint(ReceiptServer(host=LOCALHOST, port=0))
        server.bind()
        client = self.endpoint(Gsock.UdpEndpoint.new(None, 0))
        results = []
        client.send('Hello Server', address(local_port(server)))
        client.receive_async(None, lambda c, res: results.append(c.receive_finish(res)))
        self.wait_for(lambda: results, 'the asynchronous receive')
        self.assertEqual(results[0].get_text(), '已收到')
        self.assertIs(results[0].get_endpoint(), client)


# ---------------------------------------------------------------------------------------------
# TCP: one server, three clients

class TcpTests(GsockTestCase):

    def start_server(self, server=None):
        server = self.endpoint(server or Gsock.TcpServer.new(LOCALHOST, 0))
        self.assertTrue(server.listen())
        self.assertEqual(server.get_state(), Gsock.State.OPEN)
        return server, local_port(server)

    def open_clients(self, port, count, framer=None):
        """COUNT clients opened with open_async; returns them once all are open."""
        clients, opened, failed = [], [], []

        def on_open(client, result):
            try:
                client.open_finish(result)
                opened.append(client)
            except GLib.Error as error:
                failed.append(error)

        for _ in range(count):
            client = self.endpoint(Gsock.TcpClient.new(LOCALHOST, port))
            client.set_timeout(TIMEOUT_MS)
            if framer is not None:
                client.set_framer(framer)
            clients.append(client)
            client.open_async(None, on_open)
        self.wait_for(lambda: len(opened) + len(failed) == count, f'{count} clients to open')
        self.assertEqual(failed, [])
        for client in clients:
            self.assertEqual(client.get_state(), Gsock.State.OPEN)
        return clients

    def test_three_clients_echo(self):
        server, port = self.start_server()
        connected, disconnected = [], []
        server.connect('client-connected', lambda s, client: connected.append(client))
        server.connect('client-disconnected',
                       lambda s, client, reason: disconnected.append((client, reason)))

        def echo(endpoint, message):
            self.assertIs(endpoint, server)
            message.reply('echo: ' + message.get_text())
        server.connect('message-received', echo)

        clients = self.open_clients(port, 3)
        self.wait_for(lambda: len(connected) == 3, 'client-connected three times')
        self.assertEqual(server.get_clients().get_n_items(), 3)
        for item in server.get_clients():
            self.assertIsInstance(item, Gsock.TcpClient)

        replies = {}
        for i, client in enumerate(clients):
            client.connect('message-received',
                           lambda c, message, i=i: replies.setdefault(i, []).append(message.get_text()))
            self.assertTrue(client.send(f'hello from {i}', None))
        self.wait_for(lambda: len(replies) == 3, 'three echoes')
        self.assertEqual(replies, {i: [f'echo: hello from {i}'] for i in range(3)})

        # Each connection is answered on itself: the server's client objects carry the
        # clients' own addresses.
        remote_ports = sorted(c.get_remote_address().get_port() for c in server.get_clients())
        self.assertEqual(remote_ports, sorted(local_port(c) for c in clients))

        clients[0].close()
        self.wait_for(lambda: len(disconnected) == 1, 'client-disconnected')
        self.assertIsNone(disconnected[0][1])   # an orderly close has no reason
        self.assertEqual(server.get_clients().get_n_items(), 2)
        for client in clients[1:]:
            client.close()
        self.wait_for(lambda: len(disconnected) == 3, 'client-disconnected three times')
        self.assertEqual(server.get_clients().get_n_items(), 0)
        self.assertEqual({id(c) for c, _ in disconnected}, {id(c) for c in connected})

    def test_binary_echo_with_send_data(self):
        """Raw bytes in and out without GLib.Bytes: get_data() and reply_data()."""
        server, port = self.start_server()
        server.connect('message-received',
                       lambda s, message: message.reply_data(message.get_data()))
        client, = self.open_clients(port, 1)
        answers = []
        client.connect('message-received', lambda c, message: answers.append(message.get_data()))
        self.assertTrue(client.send_data(b'\x00\xff binary', None))
        self.wait_for(lambda: answers, 'the echo')
        self.assertEqual(answers, [b'\x00\xff binary'])
        with self.assertRaises(GLib.Error) as caught:
            client.send_data(b'two\nlines', None)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.INVALID_FRAME)
        client.close()

    def test_blocking_open_and_broadcast(self):
        server, port = self.start_server()
        connected = []
        server.connect('client-connected', lambda s, client: connected.append(client))
        clients = []
        for _ in range(3):
            client = self.endpoint(Gsock.TcpClient(host=LOCALHOST, port=port, timeout=TIMEOUT_MS))
            self.assertTrue(client.open(None))
            clients.append(client)
        self.wait_for(lambda: len(connected) == 3, 'three clients accepted')
        # A message that arrives while nobody waits for it goes to message-received, so the
        # three receives must be pending before the broadcast (a blocking receive on one client
        # would let the others' messages pass by as signals).
        received = {}
        for i, client in enumerate(clients):
            client.receive_async(None, lambda c, result, i=i:
                                 received.__setitem__(i, c.receive_finish(result).get_text()))
        self.assertTrue(server.broadcast('to everyone', None))
        self.wait_for(lambda: len(received) == 3, 'the broadcast on all three clients')
        self.assertEqual(received, {0: 'to everyone', 1: 'to everyone', 2: 'to everyone'})

        # Everyone but one: the one left out is the client at the excluded connection's address.
        excluded_port = connected[0].get_remote_address().get_port()
        got, failed = {}, {}
        cancellable = Gio.Cancellable()

        def on_receive(client, result):
            try:
                got[local_port(client)] = client.receive_finish(result).get_text()
            except GLib.Error as error:
                failed[local_port(client)] = error
        for client in clients:
            client.receive_async(cancellable, on_receive)
        self.assertTrue(server.broadcast('not to you', connected[0]))
        self.wait_for(lambda: len(got) == 2, 'the broadcast on two clients')
        self.assertNotIn(excluded_port, got)
        cancellable.cancel()
        self.wait_for(lambda: failed, 'the cancelled receive')
        self.assertEqual(list(failed), [excluded_port])
        self.assertGError(failed[excluded_port], IO_ERROR, Gio.IOErrorEnum.CANCELLED)

    def test_server_subclass(self):
        class UpperServer(Gsock.TcpServer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.joined = 0
                self.left = 0

            def do_message_received(self, message):
                message.reply(message.get_text().upper())

            def do_client_connected(self, client):
                self.joined += 1

            def do_client_disconnected(self, client, reason):
                self.left += 1

        server, port = self.start_server(UpperServer(host=LOCALHOST, port=0))
        client = self.endpoint(Gsock.TcpClient(host=LOCALHOST, port=port, timeout=TIMEOUT_MS))
        client.open(None)
        client.send('shout', None)
        self.assertEqual(client.receive(None)[0], 'SHOUT')
        self.assertEqual(server.joined, 1)
        client.close()
        self.wait_for(lambda: server.left == 1, 'the class handler of client-disconnected')

    def test_python_framer(self):
        framer = NetstringFramer()
        server, port = self.start_server()
        server.set_framer(framer)
        self.assertIs(server.get_framer(), framer)
        server.connect('message-received',
                       lambda s, message: message.reply('<' + message.get_text() + '>'))
        client = self.open_clients(port, 1, framer)[0]
        self.assertIs(client.get_framer(), framer)

        # Two messages in one write and one message cut in two must both be cut right.
        raw = []
        client.connect('message-received', lambda c, message: raw.append(message.get_text()))
        client.send('a:b\nc', None)
        client.send('第二', None)
        self.wait_for(lambda: len(raw) == 2, 'two framed replies')
        self.assertEqual(raw, ['<a:b\nc>', '<第二>'])
        self.assertGreater(framer.encoded, 0)
        self.assertGreater(framer.decoded, 0)

    def test_python_framer_parse_error_closes_the_connection(self):
        server, port = self.start_server()
        server.set_framer(NetstringFramer())
        reasons = []
        server.connect('client-disconnected', lambda s, client, reason: reasons.append(reason))
        with socket.create_connection((LOCALHOST, port), timeout=TIMEOUT) as peer:
            peer.sendall(b'x:hello')
            self.wait_for(lambda: reasons, 'the server to drop a peer that breaks the framing')
        self.assertGError(reasons[0], GSOCK_ERROR, Gsock.Error.INVALID_FRAME)

    def test_framer_from_python_is_plain_tcp(self):
        """The Python framer's wire format as a plain socket sees it."""
        server, port = self.start_server()
        server.set_framer(NetstringFramer())
        server.connect('message-received', lambda s, message: message.reply('ok'))
        with socket.create_connection((LOCALHOST, port), timeout=TIMEOUT) as peer:
            peer.sendall(b'5:hel')
            self.wait_for(lambda: server.get_clients().get_n_items() == 1, 'the peer accepted')
            peer.sendall(b'lo')
            peer.setblocking(False)
            data = []
            self.wait_for(lambda: _try_recv(peer, data) == b'2:ok', 'the framed reply')


def _try_recv(sock, buffer):
    try:
        chunk = sock.recv(100)
        if chunk:
            buffer.append(chunk)
    except BlockingIOError:
        pass
    return b''.join(buffer)


class NetstringFramer(Gsock.Framer):
    """Each message behind its length in ASCII digits and a colon: b'5:hello'."""

    def __init__(self):
        super().__init__()
        self.encoded = 0
        self.decoded = 0

    def do_encode(self, payload, max_size):
        data = payload.get_data()
        if len(data) > max_size:
            raise GLib.Error.new_literal(GSOCK_ERROR, 'message too large',
                                         Gsock.Error.MESSAGE_TOO_LARGE)
        self.encoded += 1
        return GLib.Bytes.new(b'%d:' % len(data) + data)

    # PyGObject 3.42 also passes the length of DATA (the array's length argument); newer
    # releases may not, so take max_size as the last argument.
    def do_decode(self, data, *args):
        max_size = args[-1]
        data = bytes(data)
        colon = data.find(b':')
        digits = data if colon < 0 else data[:colon]
        if not digits.isdigit() and digits:
            raise GLib.Error.new_literal(GSOCK_ERROR, f'not a length: {digits[:20]!r}',
                                         Gsock.Error.INVALID_FRAME)
        if colon < 0:
            if len(digits) > len(str(max_size)):
                raise GLib.Error.new_literal(GSOCK_ERROR, 'length too long',
                                             Gsock.Error.MESSAGE_TOO_LARGE)
            return None, 0                      # more bytes needed
        if not digits:
            raise GLib.Error.new_literal(GSOCK_ERROR, 'empty length', Gsock.Error.INVALID_FRAME)
        length = int(digits)
        if length > max_size:
            raise GLib.Error.new_literal(GSOCK_ERROR, f'{length} bytes claimed',
                                         Gsock.Error.MESSAGE_TOO_LARGE)
        end = colon + 1 + length
        if len(data) < end:
            return None, 0
        self.decoded += 1
        return GLib.Bytes.new(data[colon + 1:end]), end


class FramerTests(GsockTestCase):

    def test_direct_calls(self):
        framer = NetstringFramer()
        self.assertEqual(framer.encode(GLib.Bytes.new(b'hello'), 100).get_data(), b'5:hello')
        message, consumed = framer.decode(b'5:hello3:abc', 100)
        self.assertEqual((message.get_data(), consumed), (b'hello', 7))
        self.assertEqual(framer.decode(b'5:hel', 100), (None, 0))
        with self.assertRaises(GLib.Error) as caught:
            framer.decode(b'x:', 100)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.INVALID_FRAME)
        with self.assertRaises(GLib.Error) as caught:
            framer.decode(b'500:', 100)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.MESSAGE_TOO_LARGE)

    def test_builtin_framers(self):
        line = Gsock.LineFramer.new('\r\n')
        self.assertEqual(line.get_delimiter(), '\r\n')
        self.assertEqual(line.encode(GLib.Bytes.new(b'hi'), 100).get_data(), b'hi\r\n')
        message, consumed = line.decode(b'one\r\ntwo', 100)
        self.assertEqual((message.get_data(), consumed), (b'one', 5))
        length = Gsock.LengthFramer.new(2)
        self.assertEqual(length.encode(GLib.Bytes.new(b'abc'), 100).get_data(), b'\x00\x03abc')


# ---------------------------------------------------------------------------------------------
# A framer written with do_decode_bytes: the one of doc/python-tour.md, as printed there

def doc_blocks(page, name):
    """The example NAME of doc/PAGE and its fragments, in order: the fenced code blocks after
    a line <!-- example NAME --> or <!-- fragment of NAME --> (test-doc-snippets.py's marks;
    it runs the example alone)."""
    with open(os.path.join(SOURCE_ROOT, 'doc', page), encoding='utf-8') as f:
        text = f.read()
    blocks = re.findall(r'^<!-- (?:example|fragment of) %s -->\n```\w+\n(.*?)^```$'
                        % re.escape(name), text, re.M | re.S)
    assert blocks, f'no example {name} in doc/{page}'
    return blocks


def tour_framer_class():
    """NetstringFramer, from the tour's first block."""
    namespace = {'__name__': 'python_tour'}
    exec(doc_blocks('python-tour.md', 'python-framer')[0], namespace)
    return namespace['NetstringFramer']


NetstringBytesFramer = tour_framer_class()


class RaisingFramer(NetstringBytesFramer):
    """The tour's framer, with do_decode_bytes raising or returning what self.fault says."""

    def __init__(self, fault):
        super().__init__()
        self.fault = fault
        self.calls = 0

    def do_decode_bytes(self, data, max_size):
        self.calls += 1
        if self.fault == 'glib-error':
            raise GLib.Error.new_literal(GSOCK_ERROR, 'no frames today', Gsock.Error.INVALID_FRAME)
        if self.fault == 'value-error':
            raise ValueError('a Python exception')
        if self.fault == 'wrong-type':
            return 'not a tuple'
        if self.fault == 'consumes-too-much':
            return True, GLib.Bytes.new(b'x'), data.get_size() + 1
        if self.fault == 'message-too-large':
            return True, GLib.Bytes.new(b'x' * (max_size + 1)), 1
        if self.fault == 'needs-more-forever':
            return True, None, 0
        return super().do_decode_bytes(data, max_size)


class DecodeBytesFramerTests(GsockTestCase):

    def test_tour_example_runs_as_printed(self):
        code = '\n'.join(doc_blocks('python-tour.md', 'python-framer'))
        result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                                timeout=TIMEOUT * 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, 'HELLO, NETSTRINGS\n')

    def test_direct_calls(self):
        framer = NetstringBytesFramer()
        ok, message, consumed = framer.decode_bytes(GLib.Bytes.new(b'5:hello3:abc'), 100)
        self.assertEqual((ok, message.get_data(), consumed), (True, b'hello', 7))
        # decode() calls do_decode_bytes too.
        message, consumed = framer.decode(b'3:abc', 100)
        self.assertEqual((message.get_data(), consumed), (b'abc', 5))
        self.assertEqual(framer.decode_bytes(GLib.Bytes.new(b'5:hel'), 100), (True, None, 0))
        with self.assertRaises(GLib.Error) as caught:
            framer.decode_bytes(GLib.Bytes.new(b'x:'), 100)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.INVALID_FRAME)
        with self.assertRaises(GLib.Error) as caught:
            framer.decode_bytes(GLib.Bytes.new(b'500'), 100)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.MESSAGE_TOO_LARGE)

    def connect_to_peer(self, framer, max_message_size=None):
        """A TcpClient with FRAMER connected to a plain socket; returns (client, peer, reasons)."""
        listener = socket.create_server((LOCALHOST, 0))
        self.addCleanup(listener.close)
        client = self.endpoint(Gsock.TcpClient(host=LOCALHOST, port=listener.getsockname()[1],
                                               timeout=TIMEOUT_MS))
        client.set_framer(framer)
        if max_message_size is not None:
            client.set_max_message_size(max_message_size)
        reasons = []
        client.connect('disconnected', lambda c, reason: reasons.append(reason))
        client.open(None)
        peer, _ = listener.accept()
        self.addCleanup(peer.close)
        peer.settimeout(TIMEOUT)
        return client, peer, reasons

    def assert_peer_sees_the_end(self, peer):
        try:
            self.assertEqual(peer.recv(100), b'')
        except ConnectionResetError:
            pass

    def test_over_loopback_against_a_plain_socket(self):
        client, peer, reasons = self.connect_to_peer(NetstringBytesFramer())
        got = []
        client.connect('message-received', lambda c, message: got.append(message.get_text()))
        client.send('hello', None)
        self.assertEqual(peer.recv(100), b'5:hello')
        # Two messages in one write, then one cut inside its length and inside its payload.
        peer.sendall(b'2:ab3:cde5')
        self.wait_for(lambda: len(got) == 2, 'two messages from one read')
        peer.sendall(b':fgh')
        peer.sendall(b'ij')
        self.wait_for(lambda: len(got) == 3, 'a message sent in three pieces')
        self.assertEqual(got, ['ab', 'cde', 'fghij'])
        self.assertEqual(reasons, [])

    def check_fault_closes(self, fault, domain, code, message_part, max_message_size=None):
        framer = RaisingFramer(fault)
        client, peer, reasons = self.connect_to_peer(framer, max_message_size)
        peer.sendall(b'5:hello')
        self.wait_for(lambda: reasons, f'the connection to close after {fault}')
        self.assertEqual(client.get_state(), Gsock.State.CLOSED)
        self.assertGError(reasons[0], domain, code)
        self.assertIn(message_part, reasons[0].message)
        self.assert_peer_sees_the_end(peer)
        self.assertEqual(framer.calls, 1)

    def test_glib_error_raised_is_the_disconnected_reason(self):
        self.check_fault_closes('glib-error', GSOCK_ERROR, Gsock.Error.INVALID_FRAME,
                                'no frames today')

    def test_python_exception_closes_the_connection(self):
        # PyGObject prints the exception and hands back a zeroed result: an error, not a wait.
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed):
            self.check_fault_closes('value-error', GSOCK_ERROR, Gsock.Error.FAILED,
                                    'decode_bytes() failed without an error')
        self.assertIn('ValueError: a Python exception', printed.getvalue())

    def test_wrong_return_type_closes_the_connection(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.check_fault_closes('wrong-type', GSOCK_ERROR, Gsock.Error.FAILED,
                                    'decode_bytes() failed without an error')

    def test_consuming_more_than_given_closes_the_connection(self):
        self.check_fault_closes('consumes-too-much', GSOCK_ERROR, Gsock.Error.FAILED,
                                'decode_bytes() consumed 8 bytes but was given only 7')

    def test_message_over_max_size_closes_the_connection(self):
        self.check_fault_closes('message-too-large', GSOCK_ERROR, Gsock.Error.MESSAGE_TOO_LARGE,
                                'decode_bytes() returned a message of 101 bytes',
                                max_message_size=100)

    def test_exception_in_encode_fails_the_send(self):
        class RaisingEncoder(NetstringBytesFramer):
            def do_encode(self, payload, max_size):
                raise ValueError('cannot encode')

        client, peer, reasons = self.connect_to_peer(RaisingEncoder())
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed), self.assertRaises(GLib.Error) as caught:
            client.send('hello', None)
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.FAILED)
        self.assertIn('other than GLib.Error', caught.exception.message)
        self.assertIn('ValueError: cannot encode', printed.getvalue())
        self.assertEqual(client.get_state(), Gsock.State.OPEN)

    def test_needing_more_for_ever_waits_within_the_limit(self):
        """'No message, nothing consumed' is a wait, until the input passes what a message
        may be."""
        framer = RaisingFramer('needs-more-forever')
        client, peer, reasons = self.connect_to_peer(framer, max_message_size=100)
        peer.sendall(b'5:hello')
        self.wait_for(lambda: framer.calls >= 1, 'the framer to be asked')
        deadline = time.monotonic() + 0.2
        self.wait_for(lambda: time.monotonic() > deadline, 'a while')
        self.assertEqual(reasons, [])
        self.assertEqual(client.get_state(), Gsock.State.OPEN)
        peer.sendall(b'x' * 70000)
        self.wait_for(lambda: reasons, 'the connection to close past the limit')
        self.assertGError(reasons[0], GSOCK_ERROR, Gsock.Error.MESSAGE_TOO_LARGE)


# ---------------------------------------------------------------------------------------------
# Errors arrive as GLib.Error with the domain and code the C API documents

class ErrorTests(GsockTestCase):

    def test_connection_refused(self):
        # A bound TCP socket that does not listen refuses connections, with no race.
        with socket.socket() as closed:
            closed.bind((LOCALHOST, 0))
            port = closed.getsockname()[1]
            client = self.endpoint(Gsock.TcpClient(host=LOCALHOST, port=port, timeout=TIMEOUT_MS))
            with self.assertRaises(GLib.Error) as caught:
                client.open(None)
            self.assertGError(caught.exception, IO_ERROR, Gio.IOErrorEnum.CONNECTION_REFUSED)
            self.assertEqual(client.get_state(), Gsock.State.CLOSED)

            client = self.endpoint(Gsock.TcpClient(host=LOCALHOST, port=port, timeout=TIMEOUT_MS))
            errors = []

            def on_open(c, result):
                try:
                    c.open_finish(result)
                    errors.append(None)
                except GLib.Error as error:
                    errors.append(error)
            client.open_async(None, on_open)
            self.wait_for(lambda: errors, 'open_async to fail')
            self.assertGError(errors[0], IO_ERROR, Gio.IOErrorEnum.CONNECTION_REFUSED)

    def test_receive_timeout(self):
        silent = self.endpoint(Gsock.UdpEndpoint.new(LOCALHOST, 0))
        silent.bind()
        client = self.endpoint(Gsock.UdpEndpoint.new(None, 0))
        client.set_timeout(200)
        client.send('anyone?', address(local_port(silent)))
        started = time.monotonic()
        with self.assertRaises(GLib.Error) as caught:
            client.receive(None)
        self.assertGError(caught.exception, IO_ERROR, Gio.IOErrorEnum.TIMED_OUT)
        self.assertLess(time.monotonic() - started, TIMEOUT)

    def test_unknown_encoding(self):
        client = self.endpoint(Gsock.UdpEndpoint(encoding='NO-SUCH-CHARSET-42'))
        with self.assertRaises(GLib.Error) as caught:
            client.send('x', address(9))
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.UNKNOWN_ENCODING)
        self.assertEqual(client.get_messages_sent(), 0)

    def test_unknown_encoding_when_decoding(self):
        endpoint = self.endpoint(Gsock.UdpEndpoint(encoding='NO-SUCH-CHARSET-42'))
        message = Gsock.Message.new(endpoint, GLib.Bytes.new(b'abc'), None)
        with self.assertRaises(GLib.Error) as caught:
            message.get_text()
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.UNKNOWN_ENCODING)

    def test_invalid_text(self):
        server = self.endpoint(Gsock.UdpEndpoint.new(LOCALHOST, 0))
        outcomes = []

        def on_message(endpoint, message):
            try:
                outcomes.append(message.get_text())
            except GLib.Error as error:
                outcomes.append(error)
            outcomes.append(message.get_bytes().get_data())
        server.connect('message-received', on_message)
        server.bind()
        client = self.endpoint(Gsock.UdpEndpoint.new(None, 0))
        client.send_bytes(GLib.Bytes.new(b'ok \xff\xfe'), address(local_port(server)))
        self.wait_for(lambda: outcomes, 'the datagram')
        self.assertGError(outcomes[0], GSOCK_ERROR, Gsock.Error.INVALID_TEXT)
        self.assertEqual(outcomes[1], b'ok \xff\xfe')   # the bytes stay available

    def test_text_not_representable(self):
        client = self.endpoint(Gsock.UdpEndpoint(encoding='ASCII'))
        with self.assertRaises(GLib.Error) as caught:
            client.send('已收到', address(9))
        self.assertGError(caught.exception, GSOCK_ERROR, Gsock.Error.INVALID_TEXT)


# ---------------------------------------------------------------------------------------------
# The binding surface itself

class BindingTests(GsockTestCase):

    def gsock_classes(self):
        classes = []
        for name in dir(Gsock):
            value = getattr(Gsock, name)
            if isinstance(value, type) and issubclass(value, GObject.Object):
                classes.append(value)
        return classes

    def test_connect_is_the_signal_connect(self):
        classes = self.gsock_classes()
        self.assertGreaterEqual({c.__name__ for c in classes},
                                {'Endpoint', 'UdpEndpoint', 'TcpClient', 'TcpServer', 'Framer',
                                 'LineFramer', 'LengthFramer', 'RawFramer'})
        for cls in classes:
            with self.subTest(cls=cls.__name__):
                self.assertIs(cls.connect, GObject.Object.connect,
                              f'Gsock.{cls.__name__}.connect shadows GObject.Object.connect')
                info = cls.__info__
                own = {m.get_name() for m in info.get_methods()}
                self.assertNotIn('connect', own)
                self.assertNotIn('disconnect', own)
                self.assertNotIn('emit', own)

    def test_connect_works_on_instances(self):
        for obj in (Gsock.UdpEndpoint(), Gsock.TcpClient(), Gsock.TcpServer(),
                    Gsock.LineFramer.new(None), Gsock.LengthFramer.new(4), Gsock.RawFramer.new()):
            with self.subTest(cls=type(obj).__name__):
                seen = []
                handler = obj.connect('notify', lambda o, pspec: seen.append(pspec.name))
                self.assertGreater(handler, 0)
                properties = obj.list_properties()
                if properties:
                    obj.notify(properties[0].name)
                    self.assertEqual(seen, [properties[0].name])
                obj.disconnect(handler)
                self.assertFalse(GObject.signal_handler_is_connected(obj, handler))

    def test_properties(self):
        endpoint = Gsock.UdpEndpoint(host=LOCALHOST, port=1234, encoding='GBK', timeout=250,
                                     max_message_size=1000)
        self.assertEqual(endpoint.props.host, LOCALHOST)
        self.assertEqual(endpoint.props.port, 1234)
        self.assertEqual(endpoint.get_encoding(), 'GBK')
        self.assertEqual(endpoint.get_timeout(), 250)
        self.assertEqual(endpoint.get_max_message_size(), 1000)
        self.assertEqual(endpoint.props.state, Gsock.State.CLOSED)
        self.assertIsNone(endpoint.get_local_address())
        self.assertEqual(Gsock.TcpClient().get_framer().__class__, Gsock.LineFramer)

    def test_out_of_range_port_is_refused(self):
        # A port is 16 bits; a binding's int beyond that is refused, never wrapped (70000 would
        # become 4464).
        for make in (lambda: Gsock.TcpClient.new(LOCALHOST, 70000),
                     lambda: Gsock.TcpServer.new(LOCALHOST, 70000),
                     lambda: Gsock.UdpEndpoint.new(LOCALHOST, -1)):
            with self.assertRaises(OverflowError):
                make()
        client = Gsock.TcpClient.new(LOCALHOST, 1234)
        with self.assertRaises(OverflowError):
            client.set_port(70000)
        # Through the property, GObject refuses it with a warning and keeps the port.
        GLib.test_expect_message('GLib-GObject', GLib.LogLevelFlags.LEVEL_WARNING,
                                 '*out of range for property*port*')
        client.set_property('port', 70000)
        GLib.test_assert_expected_messages_internal('Gsock', __file__, 0, 'port')
        self.assertEqual(client.get_port(), 1234)


# ---------------------------------------------------------------------------------------------
# The Python (and JavaScript) demos against each other

def _demo_env():
    env = dict(os.environ)
    env['PYTHONIOENCODING'] = 'utf-8'
    env['LC_ALL'] = 'C.UTF-8'
    return env


class DemoServer:
    """A demo server on a free port; its port is read from its "listening on" line."""

    def __init__(self, test, argv):
        self.proc = subprocess.Popen(argv + ['--port', '0'], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     env=_demo_env())
        test.addCleanup(self.stop)
        self._buffer = b''
        line = self.readline()
        match = re.fullmatch(r'listening on (.+):(\d+)', line)
        test.assertIsNotNone(match, f'{argv}: expected "listening on HOST:PORT", got {line!r}')
        self.port = int(match.group(2))

    def readline(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b'\n' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f'no line within {timeout} s (have {self._buffer!r}, '
                                     f'stderr {self.stderr()!r})')
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f'server output ended (have {self._buffer!r}, '
                                     f'stderr {self.stderr()!r})')
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b'\n', 1)
        return line.decode('utf-8')

    def stderr(self):
        if self.proc.poll() is None:
            return ''
        return self.proc.stderr.read().decode('utf-8', 'replace')

    def wait(self, timeout=TIMEOUT):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def run_client(argv, port):
    result = subprocess.run(argv + ['--port', str(port)], capture_output=True,
                            timeout=TIMEOUT * 2, env=_demo_env(), stdin=subprocess.DEVNULL)
    return result.returncode, result.stdout.decode('utf-8'), result.stderr.decode('utf-8')


def python_demo(name):
    return [sys.executable, os.path.join(PY_DEMOS, name)]


def js_demo(name):
    return [GJS, '-m', os.path.join(JS_DEMOS, name)]


GJS = shutil.which('gjs')


class DemoTests(GsockTestCase):

    def exchange(self, server_argv, client_argv, expected_server_line, expected_client_line,
                 server_exits=False):
        server = DemoServer(self, server_argv)
        status, out, err = run_client(client_argv, server.port)
        self.assertEqual(status, 0, f'{client_argv} failed: {err}')
        self.assertIn(expected_client_line, out.splitlines(), f'client said {out!r}')
        line = server.readline()
        self.assertRegex(line, expected_server_line)
        if server_exits:
            self.assertEqual(server.wait(), 0, server.stderr())

    def test_demos_print_their_version(self):
        version = os.environ['GSOCK_VERSION']
        demos = [(python_demo('tcp_client.py'), 'tcp_client.py')]
        if GJS is not None:
            demos.append((js_demo('tcp-client.js'), 'tcp-client.js'))
        for command, name in demos:
            result = subprocess.run(command + ['--version'], capture_output=True, text=True,
                                    timeout=30, stdin=subprocess.DEVNULL)
            self.assertEqual(result.returncode, 0, result)
            self.assertEqual(result.stdout, f'{name} {version}\n')

    def test_python_udp_demos(self):
        self.exchange(python_demo('udp_server.py') + ['--reply', 'Hello UDP Client'],
                      python_demo('udp_client.py'),
                      r'^received from 127\.0\.0\.1:\d+: Hello UDP Server$',
                      'server replied: Hello UDP Client')

    def test_python_tcp_demos(self):
        self.exchange(python_demo('tcp_server.py'), python_demo('tcp_client.py'),
                      r'^received from 127\.0\.0\.1:\d+: Hello Server$',
                      'server replied: Hello Client', server_exits=True)

    def test_python_udp_socket_demos(self):
        self.exchange(python_demo('udp_socket_server.py'), python_demo('udp_socket_client.py'),
                      r'^收到消息:Hello Server$', '服务器回复:已收到')

    def test_python_tcp_server_with_plain_socket(self):
        """The tutorial's own client, unchanged, against the Python demo server."""
        server = DemoServer(self, python_demo('tcp_server.py'))
        with socket.create_connection((LOCALHOST, server.port), timeout=TIMEOUT) as sk:
            sk.send('Hello Server'.encode('utf-8'))
            self.assertEqual(sk.recv(1024).decode('utf-8'), 'Hello Client')
        self.assertEqual(server.wait(), 0)

    @unittest.skipIf(GJS is None, 'gjs is not installed')
    def test_js_demos_against_python_demos(self):
        self.exchange(js_demo('udp-socket-server.js'), python_demo('udp_socket_client.py'),
                      r'^收到消息:Hello Server$', '服务器回复:已收到')
        self.exchange(python_demo('udp_socket_server.py'), js_demo('udp-socket-client.js'),
                      r'^收到消息:Hello Server$', '服务器回复:已收到')
        self.exchange(js_demo('udp-server.js') + ['--reply', 'Hello UDP Client'],
                      python_demo('udp_client.py'),
                      r'^received from 127\.0\.0\.1:\d+: Hello UDP Server$',
                      'server replied: Hello UDP Client')
        self.exchange(python_demo('udp_server.py') + ['--reply', 'Hello UDP Client'],
                      js_demo('udp-client.js'),
                      r'^received from 127\.0\.0\.1:\d+: Hello UDP Server$',
                      'server replied: Hello UDP Client')
        self.exchange(js_demo('tcp-server.js'), python_demo('tcp_client.py'),
                      r'^received from 127\.0\.0\.1:\d+: Hello Server$',
                      'server replied: Hello Client', server_exits=True)
        self.exchange(python_demo('tcp_server.py'), js_demo('tcp-client.js'),
                      r'^received from 127\.0\.0\.1:\d+: Hello Server$',
                      'server replied: Hello Client', server_exits=True)


if __name__ == '__main__':
    unittest.main(verbosity=2)
