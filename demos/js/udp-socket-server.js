// The tutorial's section 4 server: a UDPSocket subclass that answers 已收到.

import GObject from 'gi://GObject';
import {Gsock, parseArgs, serve} from './demo.js';

const ReceiptServer = GObject.registerClass(
class ReceiptServer extends Gsock.UdpEndpoint {
    vfunc_message_received(message) {
        print(`收到消息:${message.get_text()}`);
        message.reply('已收到');
    }
});

const {options} = parseArgs();
const udpServer = new ReceiptServer({host: options.host, port: options.port,
    encoding: options.encoding});
udpServer.bind();
serve(udpServer);
