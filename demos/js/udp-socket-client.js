// The tutorial's section 4 client: send, then a blocking receive.

import {Gsock, address, fail, parseArgs} from './demo.js';

const {options} = parseArgs();
const udpClient = new Gsock.UdpEndpoint({encoding: options.encoding, timeout: 5000});
try {
    udpClient.send('Hello Server', address(options.host, options.port));
    const [response] = udpClient.receive(null);
    print(`服务器回复:${response}`);
} catch (error) {
    fail(`${options.host}:${options.port}: ${error.message}`);
}
udpClient.close();
