#!/usr/bin/python3
# test-netns-udp.py: UDP on a real link, in two network namespaces of the test's own (TAP)
#
# A veth pair joins namespace A (10.198.0.1, fe80::1) and namespace B (10.198.0.2, fe80::2);
# those addresses exist nowhere else. In B, gsock endpoints (PyGObject); in A, plain Python
# sockets.
# 1. Multicast on a named interface: B joins 239.255.7.7 on its veth by name, and on a second
#    endpoint by index; a datagram A sends to the group reaches both.
# 2. IPv6 scope ids: A sends from fe80::1 to fe80::2; the sender B sees keeps its scope id
#    (the interface it came on), and B's reply, sent to that address, reaches A.
# Needs root and iproute2; skips (exit 77) otherwise. Every process is killed and both
# namespaces deleted at the end.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import traceback

TIMEOUT = 20  # seconds, for any single wait
NS_A = f'gsock-nu-{os.getpid()}-a'
NS_B = f'gsock-nu-{os.getpid()}-b'
DEV_A, DEV_B = 'gsock-nu-a', 'gsock-nu-b'
GROUP = '239.255.7.7'

# Run in B: two endpoints joined to the group (by name and by index) and one on [::] that
# answers; prints its ports, then what arrives, then exits once all three heard something.
RECEIVER = r'''
import socket, sys
import gi
gi.require_version('Gsock', '1.0')
from gi.repository import GLib, Gio, Gsock

dev = sys.argv[1]
group = Gio.InetAddress.new_from_string(sys.argv[2])
heard = {}

def on_message(endpoint, message, name):
    sender = message.get_sender()
    scope = sender.get_scope_id() if sender.get_family() == Gio.SocketFamily.IPV6 else 0
    heard[name] = (message.get_text(), sender.get_address().to_string(), scope)
    if name == 'v6':
        message.reply('pong')

endpoints = {}
for name, iface in (('by-name', dev), ('by-index', str(socket.if_nametoindex(dev)))):
    endpoint = Gsock.UdpEndpoint.new('0.0.0.0', 0)
    endpoint.bind()
    endpoint.join_multicast_group(group, iface)
    endpoint.connect('message-received', on_message, name)
    endpoints[name] = endpoint
v6 = Gsock.UdpEndpoint.new('::', 0)
v6.bind()
v6.connect('message-received', on_message, 'v6')
print(endpoints['by-name'].props.local_port, endpoints['by-index'].props.local_port,
      v6.props.local_port, socket.if_nametoindex(dev), flush=True)
context = GLib.MainContext.default()
deadline = GLib.get_monotonic_time() + 15 * 1000000
while len(heard) < 3 and GLib.get_monotonic_time() < deadline:
    context.iteration(True)
for _ in range(20):
    context.iteration(False)
for name in ('by-name', 'by-index', 'v6'):
    print(name, *heard.get(name, ('nothing', '-', 0)), flush=True)
'''


def ip(*args):
    subprocess.run(['ip', *args], check=True, capture_output=True, timeout=TIMEOUT)


def set_up():
    ip('netns', 'add', NS_A)
    ip('netns', 'add', NS_B)
    ip('link', 'add', DEV_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', DEV_B, 'netns', NS_B)
    for ns, dev, v4, v6 in ((NS_A, DEV_A, '10.198.0.1/24', 'fe80::1/64'),
                            (NS_B, DEV_B, '10.198.0.2/24', 'fe80::2/64')):
        ip('-n', ns, 'link', 'set', dev, 'up')
        ip('-n', ns, 'link', 'set', 'lo', 'up')
        ip('-n', ns, 'addr', 'add', v4, 'dev', dev)
        ip('-n', ns, '-6', 'addr', 'add', v6, 'dev', dev, 'nodad')


def tear_down():
    for ns in (NS_A, NS_B):
        subprocess.run(['ip', 'netns', 'del', ns], capture_output=True, timeout=TIMEOUT)


def in_namespace(ns, *command):
    """@command run in @ns (`ip netns exec` execs it: the pid is the command's)."""
    return ['ip', 'netns', 'exec', ns, *command]


SENDER = r'''
import socket, struct, sys
by_name, by_index, v6_port = (int(p) for p in sys.argv[1:4])
group, dev = sys.argv[4], sys.argv[5]
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('10.198.0.1'))
for port in (by_name, by_index):
    sk.sendto(b'to the group', (group, port))
v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
v6.settimeout(10)
index = socket.if_nametoindex(dev)
v6.bind(('fe80::1', 0, 0, index))
v6.sendto(b'ping', ('fe80::2', v6_port, 0, index))
reply, sender = v6.recvfrom(100)
print(reply.decode(), sender[0], flush=True)
'''


def main():
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('1..0 # SKIP needs root and iproute2 for network namespaces', flush=True)
        return 77
    print('1..2', flush=True)
    processes = []
    status = 0
    try:
        try:
            set_up()
        except subprocess.CalledProcessError as e:
            print(f'ok 1 # SKIP no network namespaces here: {e.stderr!r}', flush=True)
            print('ok 2 # SKIP', flush=True)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            receiver_py = os.path.join(tmp, 'receiver.py')
            sender_py = os.path.join(tmp, 'sender.py')
            with open(receiver_py, 'w') as f:
                f.write(RECEIVER)
            with open(sender_py, 'w') as f:
                f.write(SENDER)
            receiver = subprocess.Popen(in_namespace(NS_B, '/usr/bin/python3', receiver_py,
                                                     DEV_B, GROUP),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, text=True)
            processes.append(receiver)
            ports = receiver.stdout.readline().split()
            assert len(ports) == 4, (ports, receiver.stderr.read())
            sender = subprocess.run(in_namespace(NS_A, '/usr/bin/python3', sender_py, *ports[:3],
                                                 GROUP, DEV_A),
                                    capture_output=True, text=True, timeout=TIMEOUT)
            out, err = receiver.communicate(timeout=TIMEOUT)
        heard = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
        for line in out.splitlines() + sender.stdout.splitlines():
            print(f'# {line}', flush=True)

        for number, (name, check) in enumerate((
                ('multicast joined on an interface by name and by index',
                 lambda: [heard['by-name'][:4], heard['by-index'][:4]] ==
                 [['to', 'the', 'group', '10.198.0.1']] * 2),
                ('an IPv6 link-local sender keeps its scope id, and the reply reaches it',
                 lambda: heard['v6'] == ['ping', 'fe80::1', ports[3]] and
                 sender.stdout.split()[:2] == ['pong', 'fe80::2'])), 1):
            try:
                ok = check()
            except (KeyError, IndexError):
                ok = False
            if not ok:
                status = 1
                print(f'# receiver: {out!r} {err!r}; sender: {sender.stdout!r} {sender.stderr!r}',
                      flush=True)
            print(f'{"ok" if ok else "not ok"} {number} - {name}', flush=True)
        return status
    except BaseException:  # noqa: B902 - reported as TAP
        for line in traceback.format_exc().splitlines():
            print(f'# {line}', flush=True)
        print('not ok 1 - the namespaces could not be used', flush=True)
        return 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=TIMEOUT)
        tear_down()


if __name__ == '__main__':
    sys.exit(main())
