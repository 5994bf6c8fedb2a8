#!/usr/bin/python3
"""The tutorial's UDP client (3.3): send one datagram, print the answer."""

from _demo import GLib, Gsock, address, fail, parse_args

args = parse_args('Sends "Hello UDP Server" (or MESSAGE) and prints the reply.',
                  lambda p: p.add_argument('message', nargs='?', default='Hello UDP Server'))

client = Gsock.UdpEndpoint(encoding=args.encoding, timeout=5000)   # no bind: send does it
try:
    client.send(args.message, address(args.host, args.port))
    reply, _sender = client.receive(None)
except GLib.Error as error:
    fail(f'{args.host}:{args.port}: {error.message}')
print(f'server replied: {reply}')
client.close()
