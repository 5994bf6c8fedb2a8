"""What the Python demos share: the gi imports, --host/--port/--encoding, and serving until
SIGINT or SIGTERM."""

import argparse
import signal
import sys

import gi

gi.require_version('Gsock', '1.0')
from gi.repository import GLib, Gio, Gsock  # noqa: E402,F401  (re-exported for the demos)


def parse_args(description, configure=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8080, help='0: any free port (servers)')
    parser.add_argument('--encoding', default='utf-8')
    parser.add_argument('--version', action='version', help='print the version of gsock and exit',
                        version=f'%(prog)s {Gsock.get_major_version()}.'
                                f'{Gsock.get_minor_version()}.{Gsock.get_micro_version()}')
    if configure:
        configure(parser)
    return parser.parse_args()


def fail(text):
    print(f'{sys.argv[0]}: {text}', file=sys.stderr)
    sys.exit(1)


def address(host, port):
    return Gio.InetSocketAddress.new_from_string(host, port)


def to_string(address):
    return f'{address.get_address().to_string()}:{address.get_port()}'


def serve(server):
    """Prints "listening on HOST:PORT" and runs the main loop until a signal or stop()."""
    print(f'listening on {to_string(server.get_local_address())}', flush=True)
    loop = GLib.MainLoop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, lambda: loop.quit() or False)
    server.connect('notify::state',
                   lambda s, _pspec: s.get_state() == Gsock.State.CLOSED and loop.quit())
    loop.run()
    if server.get_state() != Gsock.State.CLOSED:
        server.close()
        context = GLib.MainContext.default()
        while server.get_state() != Gsock.State.CLOSED:
            context.iteration(True)


def stop(server):
    """Closes SERVER gracefully (queued replies are sent first); serve() then returns."""
    server.close()
