#!/usr/bin/python3
"""The tutorial's section 4 server: a UDPSocket subclass that answers 已收到.

The tutorial's UDPSocket class keeps the encoding and the address; Gsock.UdpEndpoint does
that already, so the server only overrides what to do with each message.
"""

from _demo import Gsock, parse_args, serve


class ReceiptServer(Gsock.UdpEndpoint):
    def do_message_received(self, message):
        print(f'收到消息:{message.get_text()}', flush=True)
        message.reply('已收到')


args = parse_args('A UDP server that answers every message with 已收到.')
udp_server = ReceiptServer(host=args.host, port=args.port, encoding=args.encoding)
udp_server.bind()
serve(udp_server)
