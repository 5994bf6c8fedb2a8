// The tutorial's TCP server (2.1): one client, print its message, answer "Hello Client".
// Every read is one message (the raw framer): the tutorial's client sends no newline.

import {Gsock, parseArgs, serve, stop, toString} from './demo.js';

const {options} = parseArgs();
const server = new Gsock.TcpServer({host: options.host, port: options.port,
    encoding: options.encoding});
server.set_framer(Gsock.RawFramer.new());

server.connect('message-received', (_server, message) => {
    print(`received from ${toString(message.get_sender())}: ${message.get_text()}`);
    message.reply('Hello Client');   // back on the connection the message came from
    stop(server);                    // one client, one answer; the reply is flushed first
});

server.listen();
serve(server);
