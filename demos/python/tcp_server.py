#!/usr/bin/python3
"""The tutorial's TCP server (2.1): one client, print its message, answer "Hello Client".

Every read is one message (the raw framer), because the tutorial's client sends
"Hello Server" without a newline.
"""

from _demo import Gsock, parse_args, serve, stop, to_string

args = parse_args('Waits for one TCP client, prints its message and answers "Hello Client".')

server = Gsock.TcpServer(host=args.host, port=args.port, encoding=args.encoding)
server.set_framer(Gsock.RawFramer.new())


def on_message(server, message):
    print(f'received from {to_string(message.get_sender())}: {message.get_text()}', flush=True)
    message.reply('Hello Client')    # back on the connection the message came from
    stop(server)                     # one client, one answer; the reply is flushed first


server.connect('message-received', on_message)
server.listen()
serve(server)
