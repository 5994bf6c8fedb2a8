// The tutorial's TCP client (2.2): connect, send "Hello Server", print the reply.

import {Gsock, fail, parseArgs} from './demo.js';

const {options, rest} = parseArgs();
const client = new Gsock.TcpClient({host: options.host, port: options.port,
    encoding: options.encoding, timeout: 5000});   // ms, for open and receive
client.set_framer(Gsock.RawFramer.new());
try {
    client.open(null);
    client.send(rest[0] ?? 'Hello Server', null);
    const [reply] = client.receive(null);
    print(`server replied: ${reply}`);
} catch (error) {
    fail(`${options.host}:${options.port}: ${error.message}`);
}
client.close();
