#!/usr/bin/env python3
"""bench.py: runs gsock's benchmark and prints the tables (bench/run.sh calls it)

    python3 bench/bench.py --build _build-bench [--rounds 5] [--seconds 2] [--no-profile]
    python3 bench/bench.py --build BUILD --smoke        # the test suite's short pass

Every server runs pinned to CPU 1 (taskset) and bench-load to CPU 0, on loopback. A round
runs every workload against every server, the servers one after the other for each workload
(in an order rotated by one each round), a fresh server process for each run. Server CPU per
message (utime + stime from /proc/PID/stat over the measured window) is the primary figure,
messages/s the second. A figure is the median over the rounds; its ratio to the raw epoll
server is the median of the per-round ratios (each compares runs of the same round), printed
with the smallest and largest of them. bench-load reports its own CPU for every run; a run in
which it was more than --load-bound (80 %) busy is load-bound: marked with a dagger in the
tables and left out when a target is judged.

The profile part runs gsock-echo-server (and the epoll and GIO servers for comparison) under
callgrind and under a counting allocator for two message counts; the difference gives
instructions and heap allocations per message with start-up and shutdown cancelled out.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.abspath(__file__))
PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
NODE = shutil.which('node') or shutil.which('nodejs')

SERVER_ORDER = ['epoll', 'gsock', 'gio', 'libuv', 'node', 'asyncio']
SERVER_TITLES = {
    'epoll': 'raw epoll',
    'gsock': 'gsock-echo-server',
    'gio': 'plain GIO',
    'libuv': 'libuv',
    'node': 'Node.js',
    'asyncio': 'Python asyncio',
}
WORKLOADS = ['pipeline', 'pingpong', 'udp', 'udpmany', 'conns']
UDP_FLOWS, UDP_DEPTH = 8, 16
WORKLOAD_TITLES = {
    'pingpong': 'TCP ping-pong (1 connection, 1 line of 64 B in flight)',
    'pipeline': 'TCP pipelined (50 connections × 16 lines of 64 B in flight)',
    'conns': 'Many connections (a storm of {conns} connections, then 1 line in flight on each)',
    'udp': 'UDP ping-pong (1 datagram of 64 B in flight)',
    'udpmany': f'UDP many in flight ({UDP_FLOWS} sockets × {UDP_DEPTH} datagrams of 64 B in '
               'flight; an echo frees its slot for a new datagram at once)',
}


class Figure:
    """One column of a workload's table: bench-load's JSON @key for each server."""

    def __init__(self, key, label, fmt, ratio=True, load='client_busy', better='low'):
        self.key, self.label, self.fmt = key, label, fmt
        self.ratio = ratio      # print the ratio to raw epoll
        self.load = load        # bench-load's CPU key that says whether the run was load-bound
        self.better = better


FIGURES = {
    'pipeline': [Figure('server_cpu_ns_per_msg', 'server CPU per message (ns)', '{:,.0f}'),
                 Figure('rate', 'messages/s', '{:,.0f}', better='high'),
                 Figure('wrong', 'bytes wrong / lines missing', '{:,.0f}', ratio=False,
                        load=None)],
    'pingpong': [Figure('server_cpu_ns_per_msg', 'server CPU per round trip (ns)', '{:,.0f}'),
                 Figure('rate', 'round trips/s', '{:,.0f}', better='high'),
                 Figure('p50_us', 'p50 latency (µs)', '{:.1f}'),
                 Figure('p99_us', 'p99 latency (µs)', '{:.1f}')],
    'udp': [Figure('server_cpu_ns_per_msg', 'server CPU per round trip (ns)', '{:,.0f}'),
            Figure('rate', 'round trips/s', '{:,.0f}', better='high'),
            Figure('p50_us', 'p50 latency (µs)', '{:.1f}'),
            Figure('lost', 'datagrams lost', '{:,.0f}', ratio=False, load=None)],
    'udpmany': [Figure('server_cpu_ns_per_msg', 'server CPU per datagram (ns)', '{:,.0f}'),
                Figure('rate', 'datagrams echoed/s', '{:,.0f}', better='high'),
                Figure('lost_pct', 'lost (% of sent)', '{:.2f}', ratio=False, load=None)],
    'conns': [Figure('first_echoed', 'connections echoed', '{:,.0f}', ratio=False, load=None,
                     better='high'),
              Figure('open_rate', 'opened and echoed/s', '{:,.0f}', load='storm_client_busy',
                     better='high'),
              Figure('rss_per_conn', 'memory per idle connection (B)', '{:,.0f}', load=None),
              Figure('server_cpu_ns_per_msg', 'exchange: server CPU per message (ns)',
                     '{:,.0f}'),
              Figure('rate', 'exchange: messages/s', '{:,.0f}', better='high')],
}
LOAD_TITLES = {'client_busy': 'bench-load CPU', 'storm_client_busy': 'bench-load CPU, storm'}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def server_commands(build):
    commands = {
        'epoll': [os.path.join(build, 'bench', 'bench-epoll-echo')],
        'gsock': [os.path.join(build, 'demos', 'gsock-echo-server')],
        'gio': [os.path.join(build, 'bench', 'bench-gio-echo')],
        'libuv': [os.path.join(build, 'bench', 'bench-uv-echo')],
        'asyncio': [PYTHON, os.path.join(SRC, 'asyncio-echo.py')],
    }
    if NODE:
        commands['node'] = [NODE, os.path.join(SRC, 'node-echo.js')]
    return {name: cmd for name, cmd in commands.items() if os.path.exists(cmd[-1])}


def pin(cpu, cmd):
    if PIN:
        return ['taskset', '-c', str(cpu)] + cmd
    return cmd


class Server:
    """A server started on a free port, stopped (SIGTERM, then SIGKILL) when done."""

    def __init__(self, name, cmd, env=None, wrapper=(), startup_timeout=20, cpu=1):
        self.name = name
        self.stderr = tempfile.TemporaryFile(mode='w+')
        full_env = dict(os.environ)
        full_env.update(env or {})
        cmd = list(wrapper) + cmd + ['--port', '0']
        self.proc = subprocess.Popen(pin(cpu, cmd) if cpu is not None else cmd,
                                     stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=full_env, text=True)
        self.pid = self.proc.pid
        self.port = None
        deadline = time.monotonic() + startup_timeout
        line = ''
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                match = re.search(r'listening on .*:(\d+)', line)
                if match:
                    self.port = int(match.group(1))
                    break
                if line == '':
                    break
            elif self.proc.poll() is not None:
                break
        if self.port is None:
            self.stop()
            raise RuntimeError(f'{name} did not start: {line!r} {self.errors()}')

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def run_load(build, server, workload, args, extra=(), cpu=0):
    cmd = [os.path.join(build, 'bench', 'bench-load'), '--port', str(server.port),
           '--workload', workload, '--server-pid', str(server.pid),
           '--duration', str(args.seconds), '--warmup', str(args.warmup)]
    if workload == 'conns':
        cmd += ['--conns', str(args.conns), '--storm-timeout', str(args.storm_timeout)]
    if workload == 'udpmany':
        cmd += ['--flows', str(UDP_FLOWS), '--depth', str(UDP_DEPTH)]
    cmd += list(extra)
    result = subprocess.run(pin(cpu, cmd) if cpu is not None else cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            timeout=args.seconds + args.warmup + args.storm_timeout + 120)
    if result.stderr.strip():
        log(f'    bench-load: {result.stderr.strip()[-500:]}')
    lines = [l for l in result.stdout.splitlines() if l.startswith('{')]
    if not lines:
        raise RuntimeError(f'bench-load gave no result (status {result.returncode})')
    data = json.loads(lines[-1])
    data['status'] = result.returncode
    return data


def run_one(build, name, cmd, workload, args, pinned=True):
    server = Server(name, cmd, cpu=1 if pinned else None)
    try:
        data = run_load(build, server, workload, args, cpu=0 if pinned else None)
    finally:
        server.stop()
    errors = server.errors().strip()
    if errors:
        log(f'    {name} stderr: {errors[-300:]}')
    return data


def check(data):
    """What went wrong in one run, or None. Lost datagrams are not wrong (the kernel drops
    what a full socket buffer cannot take); they are reported in the tables."""
    problems = []
    if data.get('errors'):
        problems.append(f"{data['errors']} wrong bytes")
    if data.get('missing'):
        problems.append(f"{data['missing']} messages never echoed")
    if data.get('connect_failures'):
        problems.append(f"{data['connect_failures']} connections failed")
    if data['workload'] == 'conns' and data.get('first_echoed') != data.get('conns'):
        problems.append(f"{data.get('first_echoed')} of {data.get('conns')} connections echoed")
    if data.get('messages', 0) == 0:
        problems.append('no message echoed')
    return '; '.join(problems) or None


def short(data):
    keys = ('server_cpu_ns_per_msg', 'rate', 'client_busy', 'server_busy', 'other_busy',
            'lost', 'open_rate', 'rss_per_conn')
    return ' '.join(f'{k}={data[k]:g}' for k in keys if k in data)


# ---- the tables ----

LOAD_BOUND = 0.80
SATURATED = 0.90


def value_of(data, key):
    if data is None:
        return None
    if key == 'wrong':
        return data.get('errors', 0) + data.get('missing', 0)
    if key == 'lost_pct':
        return 100 * data.get('lost', 0) / data['sent'] if data.get('sent') else None
    return data.get(key)


DISTURBED = 0.25


def run_flags(data, load_key):
    """(load-bound, load-bound with the server not saturated, disturbed) for one run:
    bench-load busier than LOAD_BOUND; the same while the server was less than SATURATED busy
    (its idle time may be bench-load's doing); other processes busier than DISTURBED."""
    if data is None or load_key is None:
        return False, False, False  # counts and memory: neither load nor noise moves them
    bound = load_key is not None and data.get(load_key, 0) > LOAD_BOUND
    # The storm's window is not the one the server's CPU is measured in.
    unsaturated = bound and (load_key != 'client_busy'
                             or data.get('server_busy', 0) < SATURATED)
    return bound, unsaturated, data.get('other_busy', 0) > DISTURBED


def ratios(results, rounds, workload, key, load_key, server, base):
    """[(ratio of @server to @base in one round, flags of the two runs together)]"""
    out = []
    for r in range(rounds):
        a, b = results.get((r, server, workload)), results.get((r, base, workload))
        va, vb = value_of(a, key), value_of(b, key)
        if va is None or not vb:
            continue
        fa, fb = run_flags(a, load_key), run_flags(b, load_key)
        out.append((va / vb, tuple(x or y for x, y in zip(fa, fb))))
    return out


def marks(flags):
    """'†n/m' (load-bound) and '‡n/m' (disturbed by other processes) for a list of flags."""
    n = len(flags)
    bound = sum(f[0] for f in flags)
    disturbed = sum(f[2] for f in flags)
    return (f' †{bound}/{n}' if bound else '') + (f' ‡{disturbed}/{n}' if disturbed else '')


def ratio_text(pairs):
    values = [v for v, _ in pairs]
    text = f'{statistics.median(values):.2f}×'
    if len(values) > 1:
        text += f' ({min(values):.2f}–{max(values):.2f})'
    return text + marks([f for _, f in pairs])


def percent_text(values):
    values = [v for v in values if v is not None]
    if not values:
        return '–'
    text = f'{100 * statistics.median(values):.0f} %'
    if len(values) > 1:
        text += f' ({100 * min(values):.0f}–{100 * max(values):.0f})'
    return text


def format_tables(results, servers, rounds, args):
    out = []
    for workload in WORKLOADS:
        if not any((r, s, workload) in results for r in range(rounds) for s in servers):
            continue
        figures = FIGURES[workload]
        load_keys = [k for k in LOAD_TITLES if any(f.load == k for f in figures)]
        header = ['server']
        for f in figures:
            header.append(f.label)
            if f.ratio:
                header.append('× epoll (min–max)')
        header += [LOAD_TITLES[k] for k in load_keys] + ['server CPU', 'other processes']
        rows = []
        for server in servers:
            runs = [results.get((r, server, workload)) for r in range(rounds)]
            runs = [d for d in runs if d is not None]
            if not runs:
                continue
            row = [SERVER_TITLES[server]]
            for f in figures:
                values = [value_of(d, f.key) for d in runs]
                flags = [run_flags(d, f.load) for d, v in zip(runs, values) if v is not None]
                values = [v for v in values if v is not None]
                row.append(f.fmt.format(statistics.median(values)) + marks(flags)
                           if values else '–')
                if f.ratio:
                    if server == 'epoll':
                        row.append('1×' if values else '–')
                    else:
                        pairs = ratios(results, rounds, workload, f.key, f.load, server, 'epoll')
                        row.append(ratio_text(pairs) if pairs else '–')
            for k in load_keys:
                row.append(percent_text([d.get(k) for d in runs]))
            row.append(percent_text([d.get('server_busy') for d in runs]))
            row.append(percent_text([d.get('other_busy') for d in runs]))
            rows.append(row)
        title = WORKLOAD_TITLES[workload].format(conns=f'{args.conns:,}')
        out += [f'### {title}', '',
                '| ' + ' | '.join(header) + ' |',
                '|---|' + '|'.join(['--:'] * (len(header) - 1)) + '|']
        out += ['| ' + ' | '.join(row) + ' |' for row in rows]
        out.append('')
    return '\n'.join(out)


def headroom_lines(results, rounds):
    """What bench-load cost against the raw epoll server, per workload (measured, not said)."""
    lines = []
    for workload in WORKLOADS:
        runs = [results.get((r, 'epoll', workload)) for r in range(rounds)]
        runs = [d for d in runs if d is not None]
        if not runs:
            continue
        client = statistics.median(d.get('client_busy', 0) for d in runs)
        server = statistics.median(d.get('server_busy', 0) for d in runs)
        per_msg = statistics.median(1e9 * d['client_cpu_s'] / d['messages']
                                    for d in runs if d.get('messages'))
        server_per_msg = statistics.median(d.get('server_cpu_ns_per_msg', 0) for d in runs)
        calls = statistics.median(d.get('client_io_calls_per_msg', 0) for d in runs)
        bound = sum(run_flags(d, 'client_busy')[0] for d in runs)
        lines.append(f'| {workload} | {100 * client:.0f} % | {100 * server:.0f} % | '
                     f'{per_msg:,.0f} | {server_per_msg:,.0f} | {calls:.3f} | '
                     f'{bound} of {len(runs)} |')
    if not lines:
        return ''
    return '\n'.join(['| workload | bench-load CPU | raw epoll server CPU | bench-load CPU per '
                      'message (ns) | server CPU per message (ns) | bench-load system calls '
                      'per message | runs load-bound |',
                      '|---|--:|--:|--:|--:|--:|--:|'] + lines)


def other_load(results):
    values = [d['other_busy'] for d in results.values() if 'other_busy' in d]
    if not values:
        return None
    return statistics.median(values), max(values)


# ---- the targets ----

def spread_text(values):
    text = f'{statistics.median(values):.2f}×'
    if len(values) > 1:
        text += f' ({min(values):.2f}–{max(values):.2f})'
    return text


def judge(pairs, holds):
    """(measured text, status) for one target from its per-round ratios: judged on the rounds
    with neither a load-bound nor a disturbed run, when they are at least half of them."""
    if not pairs:
        return None
    n = len(pairs)
    enough = max(1, math.ceil(n / 2))
    clean = [v for v, (bound, _, disturbed) in pairs if not bound and not disturbed]
    if len(clean) < enough:
        n_bound = sum(f[0] for _, f in pairs)
        n_disturbed = sum(f[2] for _, f in pairs)
        text = (f'{statistics.median(v for v, _ in pairs):.2f}× over all {n} rounds '
                f'({n_bound} load-bound, {n_disturbed} disturbed)')
        saturated = [v for v, (_, unsaturated, disturbed) in pairs
                     if not unsaturated and not disturbed]
        if len(saturated) > len(clean) and len(saturated) >= enough:
            med = statistics.median(saturated)
            text += (f'; over the {len(saturated)} undisturbed rounds in which every load-bound '
                     f'server was {100 * SATURATED:.0f} % busy or more all the same: '
                     f'{spread_text(saturated)}, which would {"hold" if holds(med) else "miss"}')
        return text, 'load-bound, not judged'
    text = spread_text(clean) + f', {len(clean)} of {n} rounds'
    if len(clean) < n:
        text += f' ({n - len(clean)} load-bound or disturbed left out)'
    return text, 'holds' if holds(statistics.median(clean)) else 'MISSED'


def targets(results, rounds, alloc, args):
    """Issue 10's targets for gsock, each with what was measured and whether it holds."""
    rows = []

    def add(name, workload, key, load, base, holds):
        pairs = ratios(results, rounds, workload, key, load, 'gsock', base)
        verdict = judge(pairs, holds)
        if verdict:
            rows.append((name,) + verdict)

    cpu, rate = 'server_cpu_ns_per_msg', 'rate'
    add('pipelined: server CPU per message ≤ 1.3 × raw epoll', 'pipeline', cpu, 'client_busy',
        'epoll', lambda r: r <= 1.3)
    add('pipelined: messages/s ≥ 0.85 × raw epoll', 'pipeline', rate, 'client_busy', 'epoll',
        lambda r: r >= 0.85)
    for other in ('libuv', 'node'):
        title = SERVER_TITLES[other]
        add(f'pipelined: server CPU per message below {title}\'s (gsock ÷ {title} < 1)',
            'pipeline', cpu, 'client_busy', other, lambda r: r < 1)
        add(f'pipelined: messages/s above {title}\'s (gsock ÷ {title} > 1)',
            'pipeline', rate, 'client_busy', other, lambda r: r > 1)
    add('TCP ping-pong: server CPU per round trip ≤ 1.2 × raw epoll', 'pingpong', cpu,
        'client_busy', 'epoll', lambda r: r <= 1.2)
    add('UDP ping-pong: server CPU per round trip ≤ 1.2 × raw epoll', 'udp', cpu, 'client_busy',
        'epoll', lambda r: r <= 1.2)
    add('UDP many in flight: datagrams/s ≥ 1.0 × raw epoll', 'udpmany', rate, 'client_busy',
        'epoll', lambda r: r >= 1.0)
    add('UDP many in flight: server CPU per datagram ≤ 0.8 × raw epoll', 'udpmany', cpu,
        'client_busy', 'epoll', lambda r: r <= 0.8)

    storm = [results[(r, 'gsock', 'conns')] for r in range(rounds) if (r, 'gsock', 'conns') in results]
    if storm:
        echoed = [d.get('first_echoed', 0) for d in storm]
        rows.append((f'storm: all {args.conns:,} connections echoed, in every round',
                     f'{min(echoed):,} at least, {len(storm)} rounds',
                     'holds' if min(echoed) == args.conns else 'MISSED'))
        memory = [d['rss_per_conn'] for d in storm if 'rss_per_conn' in d]
        if memory:
            m = statistics.median(memory)
            rows.append(('memory per idle connection ≤ 2 KiB (resident; kernel buffers not in it)',
                         f'{m:,.0f} B ({min(memory):,.0f}–{max(memory):,.0f})',
                         'holds' if m <= 2048 else 'MISSED'))
    if alloc and 'gsock' in alloc:
        a = alloc['gsock']['allocs_per_msg']
        rows.append(('heap allocations per message on the line path ≤ 1 (the message itself)',
                     f'{a:.2f}', 'holds' if a <= 1.05 else 'MISSED'))
    return rows


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith('summary:') or line.startswith('totals:'):
                return int(line.split()[1])
    raise RuntimeError(f'no totals in {path}')


ANNOTATE_LINE = re.compile(r'^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*?)(?:\s+\[(.*)\])?\s*$')


def callgrind_functions(path, inclusive):
    """{function: (Ir, object)} from callgrind_annotate."""
    cmd = ['callgrind_annotate', '--threshold=100', '--auto=no',
           f'--inclusive={"yes" if inclusive else "no"}', path]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    functions = {}
    started = False
    for line in out.splitlines():
        if 'file:function' in line:
            started = True
            continue
        if not started or line.startswith('-'):
            continue
        if not line.strip():
            if functions:
                break
            continue
        match = ANNOTATE_LINE.match(line)
        if not match:
            continue
        ir = int(match.group(1).replace(',', ''))
        name = match.group(2)
        # "file:function" -> "function"
        if ':' in name:
            name = name.rsplit(':', 1)[1]
        obj = os.path.basename(match.group(3) or '?')
        obj = re.sub(r'\.so[.\d]*$', '', obj)
        if name.startswith('0x'):
            name = '(' + obj + ' internal ' + re.sub(r'^0x0*', '0x', name) + ')'
        previous = functions.get(name, (0, obj))
        # The same function may be listed once per file; inclusive costs would double up.
        functions[name] = (max(previous[0], ir) if inclusive else previous[0] + ir,
                           obj if previous[1] in ('?', '???') else previous[1])
    return functions


def profile_server(build, name, cmd, counts, args, tool):
    """Runs @name for each message count in @counts; returns [(echoed, measure)]."""
    out = []
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            env, wrapper = {}, []
            if tool == 'callgrind':
                outfile = os.path.join(tmp, 'callgrind.out')
                wrapper = ['valgrind', '--tool=callgrind', '--quiet',
                           f'--callgrind-out-file={outfile}']
            else:
                outfile = os.path.join(tmp, 'allocs.txt')
                env = {'LD_PRELOAD': os.path.join(build, 'bench', 'bench-alloc-count.so'),
                       'BENCH_ALLOC_OUT': outfile, 'G_SLICE': 'always-malloc'}
            server = Server(name, cmd, env=env, wrapper=wrapper, startup_timeout=60)
            try:
                data = run_load(build, server, 'pipeline', args,
                                extra=['--warmup', '0', '--messages', str(n),
                                       '--duration', '1000'])
            finally:
                server.stop(timeout=120)
            if check(data):
                raise RuntimeError(f'{name} under {tool}: {check(data)}')
            if tool == 'callgrind':
                measure = {'total': callgrind_total(outfile),
                           'self': callgrind_functions(outfile, False),
                           'incl': callgrind_functions(outfile, True)}
            else:
                with open(outfile) as f:
                    fields = f.read().split()
                measure = {'allocs': int(fields[1]), 'bytes': int(fields[3])}
            out.append((data['total_echoed'], measure))
    return out


def diff_functions(small, large, messages):
    names = set(small) | set(large)
    rows = []
    for name in names:
        a = small.get(name, (0, '?'))
        b = large.get(name, (0, a[1]))
        per = (b[0] - a[0]) / messages
        rows.append((per, name, b[1] if b[1] != '?' else a[1]))
    rows.sort(reverse=True)
    return rows


def profile_server_retried(*a):
    """profile_server(), once more if it fails: a run under valgrind on a loaded VM has been
    seen to leave no totals."""
    try:
        return profile_server(*a)
    except (RuntimeError, OSError, ValueError) as e:
        log(f'profile: {e}; once more')
        return profile_server(*a)


def run_profile(build, commands, args):
    profile = {'callgrind': {}, 'alloc': {}}
    small, large = args.profile_messages
    for name in ['epoll', 'gsock', 'gio']:
        if name not in commands:
            continue
        log(f'profile: {name} under callgrind ({small:,} and {large:,} messages)')
        (n1, m1), (n2, m2) = profile_server_retried(build, name, commands[name],
                                                    [small, large], args, 'callgrind')
        messages = n2 - n1
        entry = {'ir_per_msg': (m2['total'] - m1['total']) / messages, 'messages': messages}
        if name == 'gsock':
            entry['self'] = diff_functions(m1['self'], m2['self'], messages)
            entry['incl'] = diff_functions(m1['incl'], m2['incl'], messages)
            by_object = {}
            for per, _fn, obj in entry['self']:
                by_object[obj] = by_object.get(obj, 0) + per
            entry['by_object'] = sorted(((v, k) for k, v in by_object.items()), reverse=True)
        profile['callgrind'][name] = entry
    for name in ['epoll', 'gsock', 'gio', 'libuv']:
        if name not in commands:
            continue
        log(f'profile: {name} with the counting allocator')
        (n1, m1), (n2, m2) = profile_server_retried(build, name, commands[name],
                                                    [large, large * 4], args, 'alloc')
        messages = n2 - n1
        profile['alloc'][name] = {
            'allocs_per_msg': (m2['allocs'] - m1['allocs']) / messages,
            'bytes_per_msg': (m2['bytes'] - m1['bytes']) / messages,
        }
    return profile


def format_profile(profile):
    lines = []
    cg = profile['callgrind']
    if cg:
        lines.append('Instructions per echoed message (callgrind, pipelined workload, user space '
                     'only: the kernel\'s share is not counted; difference of two runs, so '
                     'start-up and shutdown cancel out):')
        lines.append('')
        lines.append('| server | instructions per message | ratio to epoll |')
        lines.append('|---|--:|--:|')
        base = cg.get('epoll', {}).get('ir_per_msg')
        for name in ['epoll', 'gsock', 'gio']:
            if name in cg:
                ir = cg[name]['ir_per_msg']
                ratio = f'{ir / base:.1f} ×' if base else '–'
                lines.append(f'| {SERVER_TITLES[name]} | {ir:,.0f} | {ratio} |')
        lines.append('')
    alloc = profile['alloc']
    if alloc:
        lines.append('Heap allocations per echoed message (LD_PRELOAD counting allocator, '
                     'G_SLICE=always-malloc so GSlice counts too; malloc, calloc, realloc and '
                     'the aligned ones; difference of two runs):')
        lines.append('')
        lines.append('| server | allocations per message | bytes allocated per message |')
        lines.append('|---|--:|--:|')
        for name in ['epoll', 'gsock', 'gio', 'libuv']:
            if name in alloc:
                a = alloc[name]
                lines.append(f'| {SERVER_TITLES[name]} | {a["allocs_per_msg"]:.2f} | '
                             f'{a["bytes_per_msg"]:,.0f} |')
        lines.append('')
    g = cg.get('gsock')
    if g:
        lines.append('gsock-echo-server, instructions per message by library (self cost):')
        lines.append('')
        lines.append('| library | instructions per message | share |')
        lines.append('|---|--:|--:|')
        total = sum(v for v, _ in g['by_object'] if v > 0) or 1
        for v, obj in g['by_object']:
            if v >= 5:
                lines.append(f'| {obj} | {v:,.0f} | {100 * v / total:.0f} % |')
        lines.append('')
        lines.append('gsock-echo-server, top functions per message, self cost:')
        lines.append('')
        lines.append('| function | library | instructions per message |')
        lines.append('|---|---|--:|')
        for per, fn, obj in g['self'][:25]:
            lines.append(f'| `{fn}` | {obj} | {per:,.0f} |')
        lines.append('')
        lines.append('gsock-echo-server, top functions per message, inclusive cost (what each '
                     'call costs with everything it calls):')
        lines.append('')
        lines.append('| function | library | instructions per message |')
        lines.append('|---|---|--:|')
        for per, fn, obj in g['incl'][:30]:
            lines.append(f'| `{fn}` | {obj} | {per:,.0f} |')
        lines.append('')
    return '\n'.join(lines)




def machine():
    model = '?'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True).stdout.strip() or '?'
        except OSError:
            return '?'

    glib = version(['pkg-config', '--modversion', 'glib-2.0'])
    libuv = version(['pkg-config', '--modversion', 'libuv'])
    py = version([PYTHON, '-c', 'import platform; print(platform.python_version())'])
    node = version([NODE, '--version']).lstrip('v') if NODE else 'not installed'
    return (f'{model}, {os.cpu_count()} CPUs, Linux {platform.release()}, GLib {glib}, '
            f'libuv {libuv}, Node.js {node}, Python {py}')


def busy_fraction(seconds=1.0):
    """How busy all CPUs were over @seconds (0..1), before anything of ours runs."""
    def sample():
        with open('/proc/stat') as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


SCALING_THREADS = [1, 2]


def run_scaling(build, commands, args, notes):
    """The pipelined workload against gsock-echo-server --threads 1 and 2, nothing pinned (the
    two threads need both cores, which the load generator shares): medians over the rounds."""
    runs = {n: [] for n in SCALING_THREADS}
    for r in range(args.rounds):
        for n in SCALING_THREADS:
            try:
                data = run_one(build, 'gsock', commands['gsock'] + ['--threads', str(n)],
                               'pipeline', args, pinned=False)
            except Exception as e:
                notes.append(f'round {r + 1}, scaling, {n} threads: {e}')
                continue
            problem = check(data)
            if problem:
                notes.append(f'round {r + 1}, scaling, {n} threads: {problem}')
            runs[n].append(data)
            log(f'round {r + 1} gsock x{n}  pipeline  {short(data)}')
    rows = ['| server threads | messages/s | server CPU per message (ns) | scaling | '
            'bench-load CPU | server CPU (of one core) |',
            '|--:|--:|--:|--:|--:|--:|']
    base = None
    for n in SCALING_THREADS:
        if not runs[n]:
            continue
        rate = statistics.median(d['rate'] for d in runs[n])
        cpu = statistics.median(d.get('server_cpu_ns_per_msg', 0) for d in runs[n])
        base = base or rate
        rows.append(f'| {n} | {rate:,.0f} | {cpu:,.0f} | {rate / base:.2f} × | '
                    f'{percent_text([d.get("client_busy") for d in runs[n]])} | '
                    f'{percent_text([d.get("server_busy") for d in runs[n]])} |')
    return '\n'.join(rows)


def method_text(args, rounds_done, others):
    lines = [
        f'Rounds: {rounds_done}. In each round every workload runs against every server, the '
        'servers one after the other (the order rotated by one each round), a fresh server '
        f'process for each run: {args.warmup:g} s of warm-up, then {args.seconds:g} s measured, '
        'then a drain in which every message still in flight must come back. The server runs '
        'pinned to CPU 1, bench-load to CPU 0 (taskset), loopback only.',
        '',
        'Figures: server CPU per message (or per round trip, or per datagram) is utime + stime '
        "of the server's process (all its threads) from /proc/PID/stat over the measured window "
        '(10 ms ticks) divided by the messages echoed in it; it is the primary figure, '
        'messages/s the second. A cell is the median over the rounds; "× epoll" is the median of '
        'the per-round ratios to the raw epoll server of the same round, with the smallest and '
        'largest of them in brackets. "bench-load CPU" is the load generator\'s own user + '
        'system time (getrusage) over the same window as a share of its core, median (min–max) '
        'over the rounds; "server CPU" the same for the server. Memory per idle connection is '
        "the growth of the server's resident set (/proc/PID/statm) from before the storm to "
        'when every connection is open, echoed once and idle, divided by their number (kernel '
        'socket buffers are not in it). Every byte echoed is compared with what was sent; lost '
        'UDP datagrams (not answered within 100 ms) are counted apart, not as wrong.',
        '',
        f'**Load-bound (†n/m):** in n of the m runs behind a figure, bench-load was more than '
        f'{100 * LOAD_BOUND:.0f} % busy, so it, not the server, may have set the pace; for a '
        'ratio, that was so in the server\'s run or in the raw epoll run it is compared with. A '
        'target is judged on the rounds without load-bound (or disturbed) runs only, and only '
        'when they are at least half of the rounds; otherwise the targets table says '
        '"load-bound, not judged", and gives what the rounds would say in which every '
        f'load-bound server was itself {100 * SATURATED:.0f} % busy or more (a server with no '
        'idle time could not have gone much faster with a faster load generator), without '
        'deciding on it. "Other processes" is the CPU '
        'time of everything else on the machine in the same window (all of /proc/stat less the '
        'server and bench-load), as a share of one core. **Disturbed (‡n/m):** in n of the m '
        f'runs, other processes used more than {100 * DISTURBED:.0f} % of a core, so the server '
        'or bench-load shared its core; such rounds are left out of the targets too.',
    ]
    if args.storm_timeout:
        lines += ['', f'The storm waits at most {args.storm_timeout:g} s for every connection '
                  'to be echoed once.']
    if others:
        lines += ['', 'Other processes used a median of '
                  f'{100 * others[0]:.0f} % of a core during the measured windows, at most '
                  f'{100 * others[1]:.0f} %.']
    return '\n'.join(lines)


def write_results(path, command, method, tables, headroom, targets_rows, profile_text,
                  elapsed, notes, scaling_text=''):
    reading = ''
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        match = re.search(r'<!-- reading -->.*?<!-- /reading -->', old, re.S)
        if match:
            reading = match.group(0)
    if not reading:
        reading = ('<!-- reading -->\n## Reading\n\n(What the figures say; kept by bench.py '
                   'across runs: edit between the markers.)\n<!-- /reading -->')
    out = [
        '# gsock benchmark results',
        '',
        f'Made by `{command}` on {datetime.date.today().isoformat()} in {elapsed / 60:.1f} min; '
        'all of it is generated but the hand-written reading at the end.',
        '',
        f'Machine: {machine()}.',
        '',
        method,
        '',
    ]
    if targets_rows:
        out += ['## The targets (gsock-echo-server against the others, medians of the same '
                'rounds)', '',
                '| target | measured: median (min–max) of the per-round ratios | |',
                '|---|--:|---|']
        out += [f'| {name} | {measured} | {status} |' for name, measured, status in targets_rows]
        out += ['']
    out += ['## The workloads', '', tables]
    if headroom:
        out += ['## The load generator against raw epoll', '',
                'What bench-load itself cost while it drove the raw epoll server (medians over '
                'the rounds): its CPU against the server\'s, per message, and its reads, writes '
                'and epoll waits per message.', '', headroom, '']
    if notes:
        out += ['## Problems seen', ''] + [f'- {n}' for n in notes] + ['']
    if scaling_text:
        out += ['## One port on two cores', '',
                'gsock-echo-server --threads N (one server and main context per thread, '
                'SO_REUSEPORT), pipelined workload, server and load generator not pinned: '
                'the second thread takes the core the load generator also needs.', '',
                scaling_text, '']
    if profile_text:
        out += ['## Per-message profile', '', profile_text]
    out += [reading, '']
    with open(path, 'w') as f:
        f.write('\n'.join(out))


PIN = True
ARGS = None


def main():
    global PIN, ARGS, LOAD_BOUND
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--build', required=True, help='the meson build dir (-Dbench=true)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--seconds', type=float, default=2.0, help='measured seconds per run')
    parser.add_argument('--warmup', type=float, default=0.5)
    parser.add_argument('--conns', type=int, default=10000)
    parser.add_argument('--storm-timeout', type=float, default=10.0,
                        help='seconds the storm waits for every connection to be echoed')
    parser.add_argument('--load-bound', type=float, default=LOAD_BOUND,
                        help='bench-load busier than this share of its core: load-bound')
    parser.add_argument('--servers', default=','.join(SERVER_ORDER))
    parser.add_argument('--workloads', default=','.join(WORKLOADS))
    parser.add_argument('--no-profile', dest='profile', action='store_false')
    parser.add_argument('--no-scaling', dest='scaling', action='store_false')
    parser.add_argument('--profile-messages', type=int, nargs=2, default=[10000, 40000])
    parser.add_argument('--results', default=os.path.join(SRC, 'RESULTS.md'),
                        help='where the tables go (empty: nowhere)')
    parser.add_argument('--command', default='bash bench/run.sh',
                        help='the command to name in RESULTS.md')
    parser.add_argument('--smoke', action='store_true',
                        help='a short pass for the test suite: no timing, no RESULTS.md')
    args = parser.parse_args()
    ARGS = args
    LOAD_BOUND = args.load_bound
    build = os.path.abspath(args.build)

    if (os.cpu_count() or 1) < 2 or shutil.which('taskset') is None:
        PIN = False
        log('bench: fewer than 2 CPUs or no taskset: server and load generator not pinned')

    commands = server_commands(build)
    if args.smoke:
        return smoke(build, commands)

    servers = [s for s in args.servers.split(',') if s in commands]
    for s in args.servers.split(','):
        if s not in commands:
            log(f'bench: no {s} server ({"node is not installed" if s == "node" else "not built"})'
                ': left out')
    workloads = [w for w in WORKLOADS if w in args.workloads.split(',')]
    if 'epoll' not in servers:
        sys.exit('bench: the raw epoll server is needed for the ratios')

    start = time.monotonic()
    log(f'bench: {args.rounds} rounds x {len(servers)} servers x {len(workloads)} workloads, '
        f'{args.seconds:g} s measured after {args.warmup:g} s of warm-up per run')
    results = {}
    notes = []
    busy = busy_fraction()
    if busy > 0.05:
        notes.append(f'the machine was not idle: {100 * busy:.0f} % of all CPU time was busy '
                     'in the second before the run (other processes)')
        log(f'bench: warning: {notes[-1]}')
    for r in range(args.rounds):
        order = servers[r % len(servers):] + servers[:r % len(servers)]
        for workload in workloads:
            for server in order:
                try:
                    data = run_one(build, server, commands[server], workload, args)
                except Exception as e:  # a server that fails is reported, not fatal
                    notes.append(f'round {r + 1}, {SERVER_TITLES[server]}, {workload}: {e}')
                    log(f'  {notes[-1]}')
                    continue
                results[(r, server, workload)] = data
                problem = check(data)
                if problem:
                    notes.append(f'round {r + 1}, {SERVER_TITLES[server]}, {workload}: {problem}')
                log(f'round {r + 1} {server:8} {workload:9} {short(data)}'
                    + (f'  PROBLEM: {problem}' if problem else ''))

    scaling_text = ''
    if args.scaling and 'gsock' in servers and 'pipeline' in workloads:
        scaling_text = run_scaling(build, commands, args, notes)
    tables = format_tables(results, servers, args.rounds, args)
    headroom = headroom_lines(results, args.rounds)
    profile = None
    profile_text = ''
    if args.profile and 'gsock' in commands:
        try:
            profile = run_profile(build, commands, args)
            profile_text = format_profile(profile)
        except Exception as e:
            notes.append(f'profile: {e}')
            log(f'profile failed: {e}')
    target_rows = targets(results, args.rounds, profile['alloc'] if profile else None, args)
    method = method_text(args, args.rounds, other_load(results))
    elapsed = time.monotonic() - start

    print()
    print(f'Machine: {machine()}')
    print()
    print(method)
    print()
    for name, measured, status in target_rows:
        print(f'{status:22} {name}: {measured}')
    print()
    print(tables)
    if headroom:
        print(headroom)
    if scaling_text:
        print()
        print(scaling_text)
    if profile_text:
        print()
        print(profile_text)
    for note in notes:
        print(f'problem: {note}')
    if args.results:
        write_results(args.results, args.command, method, tables, headroom, target_rows,
                      profile_text, elapsed, notes, scaling_text)
        log(f'bench: wrote {args.results} ({elapsed / 60:.1f} min)')
    return 0


def smoke(build, commands):
    """A short pass of every program; fails only if something does not run or echoes wrong.
    Asserts no timing."""
    args = argparse.Namespace(seconds=0.3, warmup=0.1, conns=200, storm_timeout=10.0)
    failures = 0
    plan = [(s, w) for s in ('epoll', 'gsock') for w in WORKLOADS]
    plan += [(s, 'pipeline') for s in ('gio', 'libuv', 'node', 'asyncio')]
    plan += [('node', 'udpmany')]
    for name in ('epoll', 'gsock', 'gio'):
        if name not in commands:
            print(f'not ok - {name} server was not built')
            failures += 1
    for server, workload in plan:
        if server not in commands:
            if server in ('libuv', 'node'):
                why = ('node is not installed (apt-get install nodejs)' if server == 'node'
                       else 'not built (no libuv1-dev)')
                print(f'ok - {server} {workload} # SKIP {why}', flush=True)
            continue
        try:
            data = run_one(build, server, commands[server], workload, args)
            problem = check(data)
        except Exception as e:
            problem = str(e)
        status = 'ok' if problem is None else 'not ok'
        failures += problem is not None
        print(f'{status} - {server} {workload}' + (f': {problem}' if problem else ''), flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
