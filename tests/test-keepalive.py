#!/usr/bin/python3
# test-keepalive.py: a peer that vanishes ends a keepalive connection with a timeout (TAP)
#
# Two network namespaces of the test's own, joined by a veth pair (10.199.0.1 and
# 10.199.0.2, which exist nowhere else): a plain Python server in one, two gsock clients
# (PyGObject) in the other, one with keepalive (1 s idle, 1 s apart, 2 probes) and one
# without. Then the server's side of the link goes down: no packet, no reset, nothing comes
# back. The keepalive client must be disconnected with G_IO_ERROR_TIMED_OUT within a few
# seconds; the other stays open, for it has no way to know. Needs root and iproute2; skips
# (exit 77) otherwise. Every process is killed and both namespaces deleted at the end.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20  # seconds, for any single wait
NS_A = f'gsock-ka-{os.getpid()}-a'
NS_B = f'gsock-ka-{os.getpid()}-b'

SERVER = r'''
import socket, sys, time
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('10.199.0.2', 0))
listener.listen()
print(listener.getsockname()[1], flush=True)
held = [listener.accept()[0] for _ in range(2)]
time.sleep(3600)
'''

CLIENT = r'''
import sys, time
import gi
gi.require_version('Gsock', '1.0')
from gi.repository import GLib, Gio, Gsock

port = int(sys.argv[1])
ended = {}
clients = {}
for name, keepalive in (('keepalive', True), ('plain', False)):
    client = Gsock.TcpClient.new('10.199.0.2', port)
    client.props.connect_timeout = 5000
    if keepalive:
        client.set_keepalive(True, 1, 1, 2)
    client.connect('disconnected', lambda c, reason, name=name: ended.setdefault(name, reason))
    client.open(None)
    clients[name] = client
print('open', flush=True)
sys.stdin.readline()                     # the link is down now
start = time.monotonic()
context = GLib.MainContext.default()
while 'keepalive' not in ended and time.monotonic() - start < 15:
    context.iteration(False)
    time.sleep(0.01)
took = time.monotonic() - start
while time.monotonic() - start < took + 1:   # a while longer for the plain one
    context.iteration(False)
    time.sleep(0.01)
reason = ended.get('keepalive')
if reason is None:
    print('keepalive: not disconnected', flush=True)
else:
    timed_out = reason.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
    print(f'keepalive: {"timed out" if timed_out else "other"} after {took:.1f} s: '
          f'{reason.message}', flush=True)
print(f'plain: {"disconnected" if "plain" in ended else "open"}', flush=True)
'''


def ip(*args):
    subprocess.run(['ip', *args], check=True, capture_output=True, timeout=TIMEOUT)


def set_up():
    ip('netns', 'add', NS_A)
    ip('netns', 'add', NS_B)
    ip('link', 'add', 'gsock-ka-a', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'gsock-ka-b',
       'netns', NS_B)
    for ns, dev, address in ((NS_A, 'gsock-ka-a', '10.199.0.1/30'),
                             (NS_B, 'gsock-ka-b', '10.199.0.2/30')):
        ip('-n', ns, 'addr', 'add', address, 'dev', dev)
        ip('-n', ns, 'link', 'set', dev, 'up')
        ip('-n', ns, 'link', 'set', 'lo', 'up')


def tear_down():
    for ns in (NS_A, NS_B):
        subprocess.run(['ip', 'netns', 'del', ns], capture_output=True, timeout=TIMEOUT)


def main():
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('1..0 # SKIP needs root and iproute2 for network namespaces', flush=True)
        return 77
    print('1..1', flush=True)
    processes = []
    try:
        try:
            set_up()
        except subprocess.CalledProcessError as e:
            print(f'ok 1 - keepalive # SKIP no network namespaces here: {e.stderr!r}',
                  flush=True)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in (('server.py', SERVER), ('client.py', CLIENT)):
                with open(os.path.join(tmp, name), 'w') as f:
                    f.write(text)
            server = subprocess.Popen(['ip', 'netns', 'exec', NS_B, '/usr/bin/python3',
                                       os.path.join(tmp, 'server.py')],
                                      stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
            processes.append(server)
            port = server.stdout.readline().strip()
            client = subprocess.Popen(['ip', 'netns', 'exec', NS_A, '/usr/bin/python3',
                                       os.path.join(tmp, 'client.py'), port],
                                      stdout=subprocess.PIPE, stdin=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            processes.append(client)
            assert client.stdout.readline().strip() == 'open', client.stderr.read()
            ip('-n', NS_B, 'link', 'set', 'gsock-ka-b', 'down')
            client.stdin.write('\n')
            client.stdin.flush()
            out, err = client.communicate(timeout=TIMEOUT)
        lines = out.splitlines()
        for line in lines:
            print(f'# {line}', flush=True)
        keepalive = next((l for l in lines if l.startswith('keepalive:')), '')
        assert keepalive.startswith('keepalive: timed out '), (keepalive, err)
        assert 'plain: open' in lines, (lines, err)
        print('ok 1 - keepalive ends a connection to a vanished peer with a timeout', flush=True)
        return 0
    except BaseException as e:  # noqa: B902 - reported as TAP
        print(f'not ok 1 - keepalive # {e!r}', flush=True)
        return 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=TIMEOUT)
        tear_down()


if __name__ == '__main__':
    sys.exit(main())
