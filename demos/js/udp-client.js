// The tutorial's UDP client (3.3): send one datagram, print the answer.

import {Gsock, address, fail, parseArgs} from './demo.js';

const {options, rest} = parseArgs();
const client = new Gsock.UdpEndpoint({encoding: options.encoding, timeout: 5000});
try {
    client.send(rest[0] ?? 'Hello UDP Server', address(options.host, options.port));
    const [reply] = client.receive(null);   // no bind needed: the send did it
    print(`server replied: ${reply}`);
} catch (error) {
    fail(`${options.host}:${options.port}: ${error.message}`);
}
client.close();
