// gsock from JavaScript (GJS), through the introspection data.
//
//   GI_TYPELIB_PATH=_build/gsock LD_LIBRARY_PATH=_build/gsock gjs -m tests/js/test-gsock.js
//
// Prints TAP ("ok N - name" / "not ok N - name" with the reason) and exits non-zero when a
// case fails. Everything listens on 127.0.0.1, port 0; every wait is bounded; every endpoint
// a case makes is closed before the next case starts.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Gsock from 'gi://Gsock?version=1.0';
import System from 'system';

const LOCALHOST = '127.0.0.1';
const TIMEOUT_MS = 5000;

Gio._promisify(Gsock.TcpClient.prototype, 'open_async', 'open_finish');
Gio._promisify(Gsock.Endpoint.prototype, 'receive_async', 'receive_finish');
Gio._promisify(Gsock.Endpoint.prototype, 'close_async', 'close_finish');
Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function address(port) {
    return Gio.InetSocketAddress.new_from_string(LOCALHOST, port);
}

function localPort(endpoint) {
    const port = endpoint.local_port;
    if (port !== endpoint.get_local_address().get_port())
        throw new Error(`local-port ${port} is not the local address's`);
    return port;
}

function assert(condition, message) {
    if (!condition)
        throw new Error(`assertion failed: ${message}`);
}

function assertEqual(actual, expected, what) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`${what}: expected ${e}, got ${a}`);
}

function assertGError(error, domain, code, what) {
    if (!(error instanceof GLib.Error))
        throw new Error(`${what}: expected a GLib.Error, got ${error}`);
    if (!error.matches(domain, code)) {
        throw new Error(`${what}: expected ${GLib.quark_to_string(domain)} ${code}, got ` +
            `${GLib.quark_to_string(error.domain)} ${error.code}: ${error.message}`);
    }
}

// Resolves with PROMISE's value, or rejects after MS milliseconds naming WHAT.
function withTimeout(promise, what, ms = TIMEOUT_MS) {
    let source = 0;
    const timeout = new Promise((_resolve, reject) => {
        source = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            source = 0;
            reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (source)
            GLib.source_remove(source);
    });
}

// Resolves when CONDITION() is true (checked every 10 ms); rejects after the timeout.
function waitFor(condition, what, ms = TIMEOUT_MS) {
    return withTimeout(new Promise(resolve => {
        if (condition()) {
            resolve();
            return;
        }
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
            if (!condition())
                return GLib.SOURCE_CONTINUE;
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    }), what, ms);
}

// Endpoints a case makes; all closed (and waited for) when the case ends.
let endpoints = [];

function track(endpoint) {
    endpoints.push(endpoint);
    return endpoint;
}

async function closeAll() {
    const open = endpoints;
    endpoints = [];
    for (const endpoint of open)
        endpoint.close();
    await waitFor(() => open.every(e => e.state === Gsock.State.CLOSED), 'every endpoint to close');
}

// ---------------------------------------------------------------------------------------------

const ReceiptServer = GObject.registerClass(
class ReceiptServer extends Gsock.UdpEndpoint {
    _init(params) {
        super._init(params);
        this.received = [];
    }

    vfunc_message_received(message) {
        this.received.push([message.get_text(), message.get_sender().get_port()]);
        message.reply('已收到');
    }
});

// Each message behind its length in ASCII digits and a colon: "5:hello". Written with
// vfunc_decode, the pointer-and-length one; the tour's (below) is written with
// vfunc_decode_bytes.
const DecodeNetstringFramer = GObject.registerClass(
class DecodeNetstringFramer extends Gsock.Framer {
    vfunc_encode(payload, maxSize) {
        const data = payload.get_data() ?? new Uint8Array();
        if (data.length > maxSize) {
            throw new GLib.Error(Gsock.error_quark(), Gsock.Error.MESSAGE_TOO_LARGE,
                'message too large');
        }
        const prefix = encoder.encode(`${data.length}:`);
        const wire = new Uint8Array(prefix.length + data.length);
        wire.set(prefix);
        wire.set(data, prefix.length);
        return new GLib.Bytes(wire);
    }

    // GJS hides the length argument of DATA: (data, maxSize) -> [message or null, consumed]
    vfunc_decode(data, maxSize) {
        const colon = data.indexOf(0x3a);
        const digits = utf8.decode(colon < 0 ? data : data.subarray(0, colon));
        if (!/^[0-9]*$/.test(digits))
            throw new GLib.Error(Gsock.error_quark(), Gsock.Error.INVALID_FRAME, 'not a length');
        if (colon < 0)
            return [null, 0];
        const length = Number(digits);
        if (digits === '' || length > maxSize) {
            throw new GLib.Error(Gsock.error_quark(), Gsock.Error.MESSAGE_TOO_LARGE,
                `${digits} bytes claimed`);
        }
        const end = colon + 1 + length;
        if (data.length < end)
            return [null, 0];
        return [new GLib.Bytes(data.slice(colon + 1, end)), end];
    }
});

// The example NAME of doc/PAGE and its fragments, in order: the fenced code blocks after a line
// "<!-- example NAME -->" or "<!-- fragment of NAME -->" (test-doc-snippets.py's marks; it
// runs the example alone).
function docBlocks(page, name) {
    const [testFile] = GLib.filename_from_uri(import.meta.url);
    const path = GLib.build_filenamev([GLib.path_get_dirname(testFile), '..', '..', 'doc', page]);
    const [, contents] = GLib.file_get_contents(path);
    const pattern = new RegExp(
        `^<!-- (?:example|fragment of) ${name} -->\n\`\`\`\\w+\n([^]*?)^\`\`\`$`, 'gm');
    const blocks = [...utf8.decode(contents).matchAll(pattern)].map(match => match[1]);
    if (blocks.length === 0)
        throw new Error(`no example ${name} in doc/${page}`);
    return blocks;
}

// A directory for the tour's code while the tests run; removed by main().
const tourDir = GLib.Dir.make_tmp('gsock-js-tour-XXXXXX');

function writeTourFile(name, text) {
    const path = GLib.build_filenamev([tourDir, name]);
    GLib.file_set_contents(path, text);
    return path;
}

const tourBlocks = docBlocks('js-tour.md', 'js-framer');
// The tour's NetstringFramer, and a subclass of it; set by loadTourFramer(), which main() calls
// first (a module that awaits at its top level would run the cases' main loop inside a job).
let NetstringFramer = null, FaultyFramer = null;

async function loadTourFramer() {
    ({NetstringFramer} = await import(GLib.filename_to_uri(
        writeTourFile('framer.js', `${tourBlocks[0]}\nexport {NetstringFramer};\n`), null)));
    FaultyFramer = defineFaultyFramer(NetstringFramer);
}

// The tour's framer, with vfunc_decode_bytes failing or misbehaving as FAULT says.
function defineFaultyFramer(base) {
    return GObject.registerClass(
class FaultyFramer extends base {
    _init(fault) {
        super._init();
        this.fault = fault;
        this.calls = 0;
    }

    vfunc_decode_bytes(input, maxSize) {
        this.calls++;
        switch (this.fault) {
        case 'glib-error':
            throw new GLib.Error(Gsock.error_quark(), Gsock.Error.INVALID_FRAME, 'no frames today');
        case 'js-error':
            throw new TypeError('a JavaScript exception');
        case 'wrong-type':
            return 'not an array';
        case 'consumes-too-much':
            return [true, new GLib.Bytes(new Uint8Array([0x78])), input.get_size() + 1];
        case 'message-too-large':
            return [true, new GLib.Bytes(new Uint8Array(maxSize + 1)), 1];
        case 'needs-more-forever':
            return [true, null, 0];
        default:
            return super.vfunc_decode_bytes(input, maxSize);
        }
    }
});
}

// A TcpClient with FRAMER connected to a server that frames nothing (a RawFramer: each read
// is a message, each send goes out as it is). Resolves with the client, the server's side of
// the connection, what the server received and the client's disconnected reasons.
async function connectToRawPeer(framer, maxMessageSize = 0) {
    const server = track(Gsock.TcpServer.new(LOCALHOST, 0));
    server.set_framer(Gsock.RawFramer.new());
    const received = [], peerGone = [];
    server.connect('message-received', (_s, message) => received.push(utf8.decode(message.get_data())));
    server.connect('client-disconnected', (_s, _client, reason) => peerGone.push(reason));
    server.listen();
    const client = track(new Gsock.TcpClient({host: LOCALHOST, port: localPort(server),
        timeout: TIMEOUT_MS}));
    client.set_framer(framer);
    if (maxMessageSize > 0)
        client.max_message_size = maxMessageSize;
    const reasons = [];
    client.connect('disconnected', (_c, reason) => reasons.push(reason));
    await withTimeout(client.open_async(null), 'the client to open');
    await waitFor(() => server.get_clients().get_n_items() === 1, 'the server to accept');
    const peer = server.get_clients().get_item(0);
    const sendRaw = text => peer.send_bytes(new GLib.Bytes(encoder.encode(text)), null);
    return {client, sendRaw, received, peerGone, reasons};
}

async function checkFaultCloses(fault, check, maxMessageSize = 0) {
    const framer = new FaultyFramer(fault);
    const {client, sendRaw, peerGone, reasons} = await connectToRawPeer(framer, maxMessageSize);
    sendRaw('5:hello');
    await waitFor(() => reasons.length > 0, `the connection to close after ${fault}`);
    assertEqual(client.state, Gsock.State.CLOSED, `${fault}: client state`);
    check(reasons[0]);
    await waitFor(() => peerGone.length > 0, `${fault}: the peer to see the end`);
    assertEqual(framer.calls, 1, `${fault}: calls`);
}

function assertMessageHas(error, part, what) {
    assert(error && error.message.includes(part),
        `${what}: expected a reason with "${part}", got ${error?.message}`);
}

async function openClients(port, count, framer = null) {
    const clients = [];
    for (let i = 0; i < count; i++) {
        const client = track(new Gsock.TcpClient({host: LOCALHOST, port, timeout: TIMEOUT_MS}));
        if (framer)
            client.set_framer(framer);
        clients.push(client);
    }
    await withTimeout(Promise.all(clients.map(c => c.open_async(null))), `${count} clients to open`);
    for (const client of clients)
        assertEqual(client.state, Gsock.State.OPEN, 'client state');
    return clients;
}

const cases = [
    ['UDP: the seed\'s section 4 server (vfunc override) and blocking client', () => {
        const server = track(new ReceiptServer({host: LOCALHOST, port: 0}));
        assert(server.bind(), 'bind');
        const port = localPort(server);
        assert(port !== 0, 'a real port after bind');

        const client = track(Gsock.UdpEndpoint.new(null, 0));   // no bind: send does it
        client.set_timeout(TIMEOUT_MS);
        assert(client.send('Hello Server', address(port)), 'send');
        const [reply, sender] = client.receive(null);
        assertEqual(reply, '已收到', 'reply');
        assertEqual(sender.get_port(), port, 'reply comes from the server');
        assertEqual(server.received, [['Hello Server', localPort(client)]], 'server saw');
        assertEqual(client.get_messages_received(), 1, 'client messages-received');
    }],

    ['UDP: signal handler and receive_async', async () => {
        const server = track(Gsock.UdpEndpoint.new(LOCALHOST, 0));
        server.connect('message-received', (_server, message) => {
            message.reply(`echo: ${message.get_text()}`);
        });
        server.bind();
        const client = track(new Gsock.UdpEndpoint({encoding: 'GBK'}));
        server.encoding = 'GBK';
        client.send('你好', address(localPort(server)));
        const message = await withTimeout(client.receive_async(null), 'the echo');
        assertEqual(message.get_text(), 'echo: 你好', 'echo');
        assertEqual(Array.from(message.get_bytes().get_data()),
            Array.from([0x65, 0x63, 0x68, 0x6f, 0x3a, 0x20, 0xc4, 0xe3, 0xba, 0xc3]), 'GBK bytes');
        assertEqual(Array.from(message.get_data()), Array.from(message.get_bytes().get_data()),
            'the data view');
    }],

    ['TCP: a server and three clients (open_async), echo, connected/disconnected, clients model',
        async () => {
            const server = track(Gsock.TcpServer.new(LOCALHOST, 0));
            const connected = [], disconnected = [];
            server.connect('client-connected', (_s, client) => connected.push(client));
            server.connect('client-disconnected', (_s, client, reason) =>
                disconnected.push([client, reason]));
            server.connect('message-received', (_s, message) =>
                message.reply(`echo: ${message.get_text()}`));
            assert(server.listen(), 'listen');

            const clients = await openClients(localPort(server), 3);
            await waitFor(() => connected.length === 3, 'client-connected three times');
            assertEqual(server.get_clients().get_n_items(), 3, 'clients in the model');

            const replies = clients.map((client, i) => {
                client.send(`hello from ${i}`, null);
                return client.receive_async(null).then(m => m.get_text());
            });
            assertEqual(await withTimeout(Promise.all(replies), 'three echoes'),
                ['echo: hello from 0', 'echo: hello from 1', 'echo: hello from 2'], 'echoes');

            clients[0].close();
            await waitFor(() => disconnected.length === 1, 'client-disconnected');
            assertEqual(disconnected[0][1], null, 'an orderly close has no reason');
            assertEqual(server.get_clients().get_n_items(), 2, 'clients after one left');
            await Promise.all(clients.slice(1).map(c => c.close_async(null)));
            await waitFor(() => disconnected.length === 3, 'client-disconnected three times');
            assertEqual(server.get_clients().get_n_items(), 0, 'clients after all left');
        }],

    ['TCP: a GObject.registerClass server subclass with vfunc overrides', async () => {
        const UpperServer = GObject.registerClass(
        class UpperServer extends Gsock.TcpServer {
            _init(params) {
                super._init(params);
                this.joined = 0;
            }

            vfunc_message_received(message) {
                message.reply(message.get_text().toUpperCase());
            }

            vfunc_client_connected(_client) {
                this.joined++;
            }
        });
        const server = track(new UpperServer({host: LOCALHOST, port: 0}));
        server.listen();
        const [client] = await openClients(localPort(server), 1);
        client.send('shout', null);
        const message = await withTimeout(client.receive_async(null), 'the answer');
        assertEqual(message.get_text(), 'SHOUT', 'answer');
        assertEqual(server.joined, 1, 'client_connected class handler');
    }],

    ['TCP: a JavaScript Framer subclass on both sides', async () => {
        const framer = new DecodeNetstringFramer();
        assertEqual(utf8.decode(framer.encode(new GLib.Bytes(encoder.encode('hello')), 100)
            .get_data()), '5:hello', 'encode');
        const [first, consumed] = framer.decode(encoder.encode('5:hello3:abc'), 100);
        assertEqual([utf8.decode(first.get_data()), consumed], ['hello', 7], 'decode');
        assertEqual(framer.decode(encoder.encode('5:hel'), 100), [null, 0], 'decode: need more');
        try {
            framer.decode(encoder.encode('x:'), 100);
            throw new Error('decode of a bad frame did not throw');
        } catch (error) {
            assertGError(error, Gsock.error_quark(), Gsock.Error.INVALID_FRAME, 'bad frame');
        }

        const server = track(Gsock.TcpServer.new(LOCALHOST, 0));
        server.set_framer(framer);
        server.connect('message-received', (_s, message) =>
            message.reply(`<${message.get_text()}>`));
        server.listen();
        const [client] = await openClients(localPort(server), 1, framer);
        const got = [];
        client.connect('message-received', (_c, message) => got.push(message.get_text()));
        client.send('a:b\nc', null);
        client.send('第二', null);
        await waitFor(() => got.length === 2, 'two framed replies');
        assertEqual(got, ['<a:b\nc>', '<第二>'], 'framed replies');
    }],

    ['framers: the JS tour\'s netstring framer runs as printed (gjs -m)', async () => {
        const path = writeTourFile('tour.js', tourBlocks.join('\n'));
        const gjs = new Gio.Subprocess({argv: ['gjs', '-m', path],
            flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE});
        gjs.init(null);
        const [stdout, stderr] = await withTimeout(gjs.communicate_utf8_async(null, null),
            'the tour to run');
        assertEqual(gjs.get_exit_status(), 0, `exit status (stderr: ${stderr})`);
        assertEqual(stdout, 'HELLO, NETSTRINGS\n', 'what the tour prints');
    }],

    ['framers: vfunc_decode_bytes over loopback, called directly and through decode', async () => {
        const framer = new NetstringFramer();
        const [ok, first, consumed] = framer.decode_bytes(
            new GLib.Bytes(encoder.encode('5:hello3:abc')), 100);
        assertEqual([ok, utf8.decode(first.get_data()), consumed], [true, 'hello', 7],
            'decode_bytes');
        const [viaDecode, used] = framer.decode(encoder.encode('3:abc'), 100);
        assertEqual([utf8.decode(viaDecode.get_data()), used], ['abc', 5], 'decode');
        assertEqual(framer.decode_bytes(new GLib.Bytes(encoder.encode('5:hel')), 100),
            [true, null, 0], 'need more');

        const {client, sendRaw, received, reasons} = await connectToRawPeer(framer);
        const got = [];
        client.connect('message-received', (_c, message) => got.push(message.get_text()));
        client.send('hello', null);
        await waitFor(() => received.join('') === '5:hello', 'the framed send');
        sendRaw('2:ab3:cde5');
        await waitFor(() => got.length === 2, 'two messages from one read');
        sendRaw(':fgh');
        sendRaw('ij');
        await waitFor(() => got.length === 3, 'a message sent in three pieces');
        assertEqual(got, ['ab', 'cde', 'fghij'], 'messages');
        assertEqual(reasons, [], 'no disconnection');
    }],

    ['framers: whatever vfunc_decode_bytes throws closes the connection with it', async () => {
        await checkFaultCloses('glib-error', reason => {
            assertGError(reason, Gsock.error_quark(), Gsock.Error.INVALID_FRAME, 'GLib.Error');
            assertEqual(reason.message, 'no frames today', 'GLib.Error message');
        });
        await checkFaultCloses('js-error', reason =>
            assertMessageHas(reason, 'a JavaScript exception', 'TypeError'));
        await checkFaultCloses('wrong-type', reason =>
            assertMessageHas(reason, 'expecting an Array', 'a wrong return'));
    }],

    ['framers: a vfunc_decode_bytes result out of bounds closes the connection', async () => {
        await checkFaultCloses('consumes-too-much', reason => {
            assertGError(reason, Gsock.error_quark(), Gsock.Error.FAILED, 'consumed too much');
            assertMessageHas(reason, 'decode_bytes() consumed 8 bytes but was given only 7',
                'consumed too much');
        });
        await checkFaultCloses('message-too-large', reason => {
            assertGError(reason, Gsock.error_quark(), Gsock.Error.MESSAGE_TOO_LARGE, 'too large');
            assertMessageHas(reason, 'decode_bytes() returned a message of 101 bytes', 'too large');
        }, 100);
    }],

    ['framers: "more bytes needed" for ever waits, until the input passes the limit', async () => {
        const framer = new FaultyFramer('needs-more-forever');
        const {client, sendRaw, reasons} = await connectToRawPeer(framer, 100);
        sendRaw('5:hello');
        await waitFor(() => framer.calls >= 1, 'the framer to be asked');
        const start = GLib.get_monotonic_time();
        await waitFor(() => GLib.get_monotonic_time() - start > 200000, 'a while');
        assertEqual(reasons, [], 'no disconnection while waiting');
        assertEqual(client.state, Gsock.State.OPEN, 'client state');
        sendRaw('x'.repeat(70000));
        await waitFor(() => reasons.length > 0, 'the connection to close past the limit');
        assertGError(reasons[0], Gsock.error_quark(), Gsock.Error.MESSAGE_TOO_LARGE, 'the limit');
    }],

    ['errors: connection refused (open and open_async)', async () => {
        // A bound TCP socket that does not listen refuses connections, with no race.
        const closed = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.STREAM,
            Gio.SocketProtocol.TCP);
        closed.bind(address(0), false);
        const port = closed.get_local_address().get_port();
        try {
            const client = track(new Gsock.TcpClient({host: LOCALHOST, port, timeout: TIMEOUT_MS}));
            try {
                client.open(null);
                throw new Error('open succeeded');
            } catch (error) {
                assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED, 'open');
            }
            const other = track(new Gsock.TcpClient({host: LOCALHOST, port, timeout: TIMEOUT_MS}));
            try {
                await withTimeout(other.open_async(null), 'open_async to fail');
                throw new Error('open_async succeeded');
            } catch (error) {
                assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED,
                    'open_async');
            }
        } finally {
            closed.close();
        }
    }],

    ['errors: receive timeout, unknown encoding, invalid text', () => {
        const silent = track(Gsock.UdpEndpoint.new(LOCALHOST, 0));
        silent.bind();
        const client = track(Gsock.UdpEndpoint.new(null, 0));
        client.timeout = 200;
        client.send('anyone?', address(localPort(silent)));
        try {
            client.receive(null);
            throw new Error('receive succeeded');
        } catch (error) {
            assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT, 'receive');
        }

        const bad = track(new Gsock.UdpEndpoint({encoding: 'NO-SUCH-CHARSET-42'}));
        try {
            bad.send('x', address(9));
            throw new Error('send succeeded');
        } catch (error) {
            assertGError(error, Gsock.error_quark(), Gsock.Error.UNKNOWN_ENCODING, 'send');
        }

        const message = Gsock.Message.new(client, new GLib.Bytes(new Uint8Array([0xff, 0xfe])),
            null);
        try {
            message.get_text();
            throw new Error('get_text succeeded');
        } catch (error) {
            assertGError(error, Gsock.error_quark(), Gsock.Error.INVALID_TEXT, 'get_text');
        }
        assertEqual(Array.from(message.get_bytes().get_data()), [0xff, 0xfe], 'bytes stay');
    }],

    ['connect is GObject\'s signal connect on every class', () => {
        for (const obj of [Gsock.UdpEndpoint.new(null, 0), new Gsock.TcpClient(),
            new Gsock.TcpServer(), Gsock.LineFramer.new(null), Gsock.LengthFramer.new(4),
            Gsock.RawFramer.new(), new DecodeNetstringFramer(), new NetstringFramer()]) {
            assert(obj.connect === GObject.Object.prototype.connect,
                `${obj.constructor.name}.connect is not GObject's`);
            const id = obj.connect('notify', () => {});
            assert(id > 0, `${obj.constructor.name}: connect returned ${id}`);
            obj.disconnect(id);
        }
    }],

    ['a port beyond 16 bits is refused, never wrapped', () => {
        for (const [what, make] of [
            ['TcpClient.new', () => Gsock.TcpClient.new(LOCALHOST, 70000)],
            ['TcpServer.new', () => Gsock.TcpServer.new(LOCALHOST, 70000)],
            ['UdpEndpoint.new', () => Gsock.UdpEndpoint.new(LOCALHOST, -1)],
            ['set_port', () => Gsock.TcpClient.new(LOCALHOST, 1234).set_port(70000)],
        ]) {
            let refused = null;
            try {
                make();
            } catch (e) {
                refused = e;
            }
            assert(refused !== null && /out of range/.test(refused.message),
                `${what}: 70000 was not refused (${refused})`);
        }
        // Through the property GObject refuses it with a warning and keeps the port.
        const client = Gsock.TcpClient.new(LOCALHOST, 1234);
        GLib.test_expect_message('GLib-GObject', GLib.LogLevelFlags.LEVEL_WARNING,
            '*out of range for property*port*');
        client.port = 70000;
        GLib.test_assert_expected_messages_internal('Gsock', 'test-gsock.js', 0, 'port');
        assertEqual(client.port, 1234, 'the port after 70000 was refused');
    }],
];

async function main() {
    await loadTourFramer();
    print(`1..${cases.length}`);
    let failures = 0;
    for (const [i, [name, run]] of cases.entries()) {
        let error = null;
        try {
            await withTimeout(Promise.resolve().then(run), name, 3 * TIMEOUT_MS);
        } catch (e) {
            error = e;
        }
        try {
            await closeAll();
        } catch (e) {
            error ??= e;
        }
        if (error === null) {
            print(`ok ${i + 1} - ${name}`);
        } else {
            failures++;
            print(`not ok ${i + 1} - ${name}`);
            for (const line of `${error}\n${error.stack ?? ''}`.trim().split('\n'))
                print(`# ${line}`);
        }
    }
    return failures;
}

const loop = new GLib.MainLoop(null, false);
let status = 1;
main().then(failures => {
    status = failures > 0 ? 1 : 0;
    if (failures > 0)
        printerr(`test-gsock.js: ${failures} of ${cases.length} cases failed`);
}, error => {
    printerr(`test-gsock.js: ${error}\n${error.stack}`);
}).finally(() => {
    for (const name of ['framer.js', 'tour.js'])
        GLib.unlink(GLib.build_filenamev([tourDir, name]));
    GLib.rmdir(tourDir);
    loop.quit();
});
loop.run();
System.exit(status);
