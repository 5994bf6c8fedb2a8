#!/usr/bin/env python3
"""bench asyncio-echo: the echo server in Python asyncio (the seed's own language)

    python3 bench/asyncio-echo.py [--host 127.0.0.1] [--port 0]

asyncio Protocols, the fast idiomatic form: each read's complete lines go back in one
transport.write, the start of a line split across reads waits in the connection's buffer.
UDP: a DatagramProtocol that sends each datagram back. asyncio sets TCP_NODELAY itself.
Prints "listening on HOST:PORT"; exits on SIGINT or SIGTERM.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import argparse
import asyncio
import signal
import socket

MAX_LINE = 1 << 20


class LineEcho(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.partial = b''

    def data_received(self, data):
        end = data.rfind(b'\n')
        if end < 0:
            self.partial += data
            if len(self.partial) > MAX_LINE:
                self.transport.abort()
            return
        if self.partial:
            self.transport.write(self.partial + data[:end + 1])
        else:
            self.transport.write(data[:end + 1])
        self.partial = data[end + 1:]


class DatagramEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    server = await loop.create_server(LineEcho, args.host, args.port,
                                      backlog=socket.SOMAXCONN)
    port = server.sockets[0].getsockname()[1]
    await loop.create_datagram_endpoint(DatagramEcho, local_addr=(args.host, port))

    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set_result, None)
    print(f'listening on {args.host}:{port}', flush=True)
    await stop
    server.close()


if __name__ == '__main__':
    asyncio.run(main())
