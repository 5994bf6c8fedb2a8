// The tutorial's UDP server (3.2): print each datagram and answer it, with --reply TEXT
// when given, otherwise with a line read from standard input.

import {Gio, Gsock, parseArgs, serve, toString} from './demo.js';

const {options} = parseArgs({reply: null});
const server = new Gsock.UdpEndpoint({host: options.host, port: options.port,
    encoding: options.encoding});
const stdin = new Gio.DataInputStream({
    base_stream: new Gio.UnixInputStream({fd: 0, close_fd: false}),
});

server.connect('message-received', (_server, message) => {
    const sender = toString(message.get_sender());
    print(`received from ${sender}: ${message.get_text()}`);
    let reply = options.reply;
    if (reply === null)   // blocks the loop while you type, as the tutorial's input() does
        [reply] = stdin.read_line_utf8(null);
    try {
        message.reply(reply ?? '');
    } catch (error) {
        printerr(`cannot answer ${sender}: ${error.message}`);
    }
});

server.bind();
serve(server);
