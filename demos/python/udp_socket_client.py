#!/usr/bin/python3
"""The tutorial's section 4 client: send, then a blocking receive."""

from _demo import GLib, Gsock, address, fail, parse_args

args = parse_args('Sends "Hello Server" to the section 4 server and prints its answer.')

udp_client = Gsock.UdpEndpoint(encoding=args.encoding, timeout=5000)
try:
    udp_client.send('Hello Server', address(args.host, args.port))
    response, _ = udp_client.receive(None)
except GLib.Error as error:
    fail(f'{args.host}:{args.port}: {error.message}')
print(f'服务器回复:{response}')
udp_client.close()
