// bench node-echo: the echo server in Node.js (Debian's nodejs), net and dgram
//
//   node bench/node-echo.js [--host 127.0.0.1] [--port 0]
//
// Idiomatic Node: a net server whose 'data' handler sends each read's complete lines back in
// one socket.write, keeping the start of a line split across reads for the next read (a
// copy, so the read's buffer is not held); when a write is queued rather than taken
// (write() returns false) the connection stops reading until 'drain', as the other servers
// stop reading while their output waits. UDP: a dgram socket on the same port number that
// sends each datagram back to where it came from. TCP_NODELAY is set (noDelay), the listen
// backlog is SOMAXCONN's 4096. Prints "listening on HOST:PORT"; exits on SIGINT or SIGTERM.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

'use strict';

const net = require('net');
const dgram = require('dgram');

const MAX_LINE = 1 << 20;
const NEWLINE = 10;

function parseArgs(argv) {
  const args = { host: '127.0.0.1', port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq >= 0 ? arg.slice(eq + 1) : argv[++i]);
    if (name === '--host') args.host = value();
    else if (name === '--port') args.port = Number(value());
    else {
      process.stderr.write('usage: node-echo.js [--host ADDRESS] [--port PORT]\n');
      process.exit(2);
    }
  }
  return args;
}

function onConnection(socket) {
  let partial = null;

  socket.on('data', (data) => {
    const end = data.lastIndexOf(NEWLINE);
    if (end < 0) {
      // No line ends here: all of it belongs to the line in progress.
      partial = partial === null ? Buffer.from(data) : Buffer.concat([partial, data]);
      if (partial.length > MAX_LINE) socket.destroy();
      return;
    }
    const lines = data.subarray(0, end + 1);
    const taken = socket.write(partial === null ? lines : Buffer.concat([partial, lines]));
    partial = end + 1 < data.length ? Buffer.from(data.subarray(end + 1)) : null;
    if (!taken) socket.pause();
  });
  socket.on('drain', () => socket.resume());
  socket.on('error', () => socket.destroy());
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const server = net.createServer({ noDelay: true }, onConnection);

  server.on('error', (err) => {
    process.stderr.write(`node-echo: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ host: args.host, port: args.port, backlog: 4096 }, () => {
    const port = server.address().port;
    const udp = dgram.createSocket('udp4');

    udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
    udp.on('error', (err) => {
      process.stderr.write(`node-echo: UDP: ${err.message}\n`);
      process.exit(1);
    });
    udp.bind(port, args.host, () => {
      process.stdout.write(`listening on ${args.host}:${port}\n`);
    });
  });

  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
}

main();
