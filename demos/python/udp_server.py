#!/usr/bin/python3
"""The tutorial's UDP server (3.2): print each datagram and answer it.

The tutorial answers with input(); this answers with --reply TEXT when given, otherwise
with a line read from standard input (which blocks the loop while you type, as input() does).
"""

import sys

from _demo import GLib, Gsock, parse_args, serve, to_string

args = parse_args('Prints UDP datagrams and answers each one.',
                  lambda p: p.add_argument('--reply', metavar='TEXT',
                                           help='answer every datagram with TEXT'))

server = Gsock.UdpEndpoint(host=args.host, port=args.port, encoding=args.encoding)


def on_message(server, message):
    sender = to_string(message.get_sender())
    print(f'received from {sender}: {message.get_text()}', flush=True)
    reply = args.reply if args.reply is not None else sys.stdin.readline().rstrip('\n')
    try:
        message.reply(reply)
    except GLib.Error as error:
        print(f'cannot answer {sender}: {error.message}', file=sys.stderr)


server.connect('message-received', on_message)
server.bind()
serve(server)
