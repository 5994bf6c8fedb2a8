#!/usr/bin/python3
"""The tutorial's TCP client (2.2): connect, send "Hello Server", print the reply."""

from _demo import GLib, Gsock, fail, parse_args

args = parse_args('Sends "Hello Server" (or MESSAGE) over TCP and prints the reply.',
                  lambda p: p.add_argument('message', nargs='?', default='Hello Server'))

client = Gsock.TcpClient(host=args.host, port=args.port, encoding=args.encoding,
                         timeout=5000)          # ms, for open and receive
client.set_framer(Gsock.RawFramer.new())
try:
    client.open(None)
    client.send(args.message, None)
    reply, _sender = client.receive(None)
except GLib.Error as error:
    fail(f'{args.host}:{args.port}: {error.message}')
print(f'server replied: {reply}')
client.close()
