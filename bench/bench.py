#!/usr/bin/env python3
"""bench.py: runs gsock's benchmark and prints the table (bench/run.sh calls it)

    python3 bench/bench.py --build _build-bench [--rounds 3] [--seconds 3] [--no-profile]
    python3 bench/bench.py --build BUILD --smoke        # the test suite's short pass

Every server runs pinned to CPU 1 (taskset) and bench-load to CPU 0, on loopback. Each
round runs every workload against every server, a fresh server process for each; a figure
is the median over the rounds, and its ratio to the raw epoll server is the median of the
per-round ratios (so each ratio compares runs of the same round). The profile part runs
gsock-echo-server (and the epoll and GIO servers for comparison) under callgrind and under a
counting allocator for two message counts; the difference gives instructions and heap
allocations per message with start-up and shutdown cancelled out.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import argparse
import datetime
import json
import os
import platform
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.abspath(__file__))
PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable

SERVER_ORDER = ['epoll', 'gsock', 'gio', 'libuv', 'asyncio']
SERVER_TITLES = {
    'epoll': 'raw epoll',
    'gsock': 'gsock-echo-server',
    'gio': 'plain GIO',
    'libuv': 'libuv',
    'asyncio': 'Python asyncio',
}
WORKLOADS = ['pingpong', 'pipeline', 'conns', 'udp']
WORKLOAD_TITLES = {
    'pingpong': 'ping-pong (1 conn, 1 in flight, 64 B)',
    'pipeline': 'pipelined (50 conns x 16 in flight, 64 B)',
    'conns': 'many connections (storm of {conns})',
    'udp': 'UDP ping-pong (64 B)',
}

# (workload, key in bench-load's JSON, label, format, ratio wanted)
METRICS = [
    ('pingpong', 'rate', 'round trips/s', '{:,.0f}', True),
    ('pingpong', 'p50_us', 'p50 latency (µs)', '{:.1f}', True),
    ('pingpong', 'p99_us', 'p99 latency (µs)', '{:.1f}', True),
    ('pingpong', 'server_cpu_ns_per_msg', 'server CPU per round trip (ns)', '{:,.0f}', True),
    ('pipeline', 'rate', 'messages/s', '{:,.0f}', True),
    ('pipeline', 'server_cpu_ns_per_msg', 'server CPU per message (ns)', '{:,.0f}', True),
    ('pipeline', 'errors', 'bytes wrong / missing messages', '{}', False),
    ('conns', 'open_rate', 'storm: connections opened and echoed/s', '{:,.0f}', True),
    ('conns', 'first_echoed', 'storm: connections echoed', '{:,.0f}', False),
    ('conns', 'rss_per_conn', 'server memory per idle connection (B)', '{:,.0f}', True),
    ('conns', 'rate', 'exchange: messages/s', '{:,.0f}', True),
    ('conns', 'server_cpu_ns_per_msg', 'exchange: server CPU per message (ns)', '{:,.0f}', True),
    ('udp', 'rate', 'round trips/s', '{:,.0f}', True),
    ('udp', 'server_cpu_ns_per_msg', 'server CPU per datagram (ns)', '{:,.0f}', True),
    ('udp', 'lost', 'datagrams lost', '{:.0f}', False),
]


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
        cmd += ['--conns', str(args.conns)]
    cmd += list(extra)
    result = subprocess.run(pin(cpu, cmd) if cpu is not None else cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=args.seconds + args.warmup + 120)
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
    """What went wrong in one run, or None."""
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


# ---- the table ----

def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results, servers, rounds):
    """{(workload, key, server): (median value, median ratio to epoll)}"""
    summary = {}
    for workload, key, _label, _fmt, _ratio in METRICS:
        for server in servers:
            values, ratios = [], []
            for r in range(rounds):
                data = results.get((r, server, workload))
                base = results.get((r, 'epoll', workload))
                if data is None or key not in data:
                    continue
                value = data[key]
                if key == 'errors':
                    value = data.get('errors', 0) + data.get('missing', 0)
                values.append(value)
                if base is not None and base.get(key):
                    ratios.append(value / base[key])
            summary[(workload, key, server)] = (median_or_none(values), median_or_none(ratios))
    return summary


def format_table(summary, servers, args):
    header = ['workload', 'figure'] + [SERVER_TITLES[s] for s in servers]
    rows = []
    last_workload = None
    for workload, key, label, fmt, want_ratio in METRICS:
        title = WORKLOAD_TITLES[workload].format(conns=f'{args.conns:,}')
        row = [title if workload != last_workload else '', label]
        last_workload = workload
        for server in servers:
            value, ratio = summary.get((workload, key, server), (None, None))
            if value is None:
                row.append('–')
                continue
            cell = fmt.format(value)
            if want_ratio and ratio is not None and server != 'epoll':
                cell += f' ({ratio:.2f}×)'
            row.append(cell)
        rows.append(row)
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] * 2 + ['--:'] * len(servers)) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def targets(summary, alloc):
    """The issue's targets for gsock, each with its measured value and whether it holds."""
    def ratio(workload, key):
        return summary.get((workload, key, 'gsock'), (None, None))[1]

    def value(workload, key):
        return summary.get((workload, key, 'gsock'), (None, None))[0]

    rows = []

    def add(name, measured, ok):
        rows.append((name, measured, 'holds' if ok else 'MISSED'))

    r = ratio('pipeline', 'rate')
    if r is not None:
        add('pipelined messages/s ≥ 0.85 × epoll', f'{r:.2f} ×', r >= 0.85)
    r = ratio('pipeline', 'server_cpu_ns_per_msg')
    if r is not None:
        add('pipelined server CPU per message ≤ 1.3 × epoll', f'{r:.2f} ×', r <= 1.3)
    r = ratio('udp', 'rate')
    if r is not None:
        add('UDP round trips/s ≥ 0.90 × epoll', f'{r:.2f} ×', r >= 0.90)
    r = ratio('udp', 'server_cpu_ns_per_msg')
    if r is not None:
        add('UDP server CPU per datagram ≤ 1.3 × epoll', f'{r:.2f} ×', r <= 1.3)
    echoed = value('conns', 'first_echoed')
    if echoed is not None:
        add('storm: every connection echoed', f'{echoed:,.0f}', echoed == ARGS.conns)
    r = ratio('conns', 'open_rate')
    if r is not None:
        add('storm: opening rate ≥ 0.8 × epoll', f'{r:.2f} ×', r >= 0.8)
    v = value('conns', 'rss_per_conn')
    if v is not None:
        add('memory per idle connection ≤ 2 KiB (resident, kernel buffers not included)',
            f'{v:,.0f} B', v <= 2048)
    if alloc and 'gsock' in alloc:
        a = alloc['gsock']['allocs_per_msg']
        add('heap allocations per message on the line path ≤ 1 (the message itself)',
            f'{a:.1f}', a <= 1.05)
    return rows


# ---- the profile ----

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
    return (f'{model}, {os.cpu_count()} CPUs, Linux {platform.release()}, GLib {glib}, '
            f'libuv {libuv}, Python {py}')


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
            log(f'round {r + 1} gsock x{n}  pipeline  rate {data["rate"]:,.0f}')
    rows = ['| server threads | messages/s | server CPU per message (ns) | scaling |',
            '|--:|--:|--:|--:|']
    base = None
    for n in SCALING_THREADS:
        if not runs[n]:
            continue
        rate = statistics.median(d['rate'] for d in runs[n])
        cpu = statistics.median(d.get('server_cpu_ns_per_msg', 0) for d in runs[n])
        base = base or rate
        rows.append(f'| {n} | {rate:,.0f} | {cpu:,.0f} | {rate / base:.2f} × |')
    return '\n'.join(rows)


def write_results(path, command, table, targets_rows, profile_text, args, elapsed, notes,
                  scaling_text=''):
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
        f'Made by `{command}` on {datetime.date.today().isoformat()} in {elapsed / 60:.1f} min.',
        '',
        f'Machine: {machine()}. Servers pinned to CPU 1, bench-load to CPU 0, loopback only.',
        f'Rounds: {args.rounds}, each workload {args.seconds} s measured after '
        f'{args.warmup} s of warm-up, a fresh server per run. Each figure is the median of the '
        'rounds; (n×) is the median of its per-round ratios to the raw epoll server of the same '
        'round. Server CPU is utime + stime from /proc/PID/stat over the measured window '
        'divided by the messages echoed in it (10 ms ticks). Memory per idle connection is the '
        "growth of the server's resident set (/proc/PID/statm) from before the storm to when "
        'all connections are open, echoed once and idle, divided by their number (kernel socket '
        'buffers are not in it).',
        '',
        table,
        '',
    ]
    if notes:
        out += ['Problems seen:', ''] + [f'- {n}' for n in notes] + ['']
    if targets_rows:
        out += ['## The targets (gsock against raw epoll)', '',
                '| target | measured | |', '|---|--:|---|']
        out += [f'| {name} | {measured} | {status} |' for name, measured, status in targets_rows]
        out += ['']
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
    global PIN, ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--build', required=True, help='the meson build dir (-Dbench=true)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=3.0, help='measured seconds per run')
    parser.add_argument('--warmup', type=float, default=0.5)
    parser.add_argument('--conns', type=int, default=10000)
    parser.add_argument('--servers', default=','.join(SERVER_ORDER))
    parser.add_argument('--workloads', default=','.join(WORKLOADS))
    parser.add_argument('--no-profile', dest='profile', action='store_false')
    parser.add_argument('--profile-messages', type=int, nargs=2, default=[10000, 40000])
    parser.add_argument('--results', default=os.path.join(SRC, 'RESULTS.md'),
                        help='where the table goes (empty: nowhere)')
    parser.add_argument('--command', default='bash bench/run.sh',
                        help='the command to name in RESULTS.md')
    parser.add_argument('--smoke', action='store_true',
                        help='a short pass for the test suite: no timing, no RESULTS.md')
    args = parser.parse_args()
    ARGS = args
    build = os.path.abspath(args.build)

    if (os.cpu_count() or 1) < 2 or subprocess.run(['which', 'taskset'],
                                                   stdout=subprocess.DEVNULL).returncode != 0:
        PIN = False
        log('bench: fewer than 2 CPUs or no taskset: server and load generator not pinned')

    commands = server_commands(build)
    servers = [s for s in args.servers.split(',') if s in commands]
    workloads = args.workloads.split(',')

    if args.smoke:
        return smoke(build, commands)

    if 'epoll' not in servers:
        sys.exit('bench: the raw epoll server is needed for the ratios')

    start = time.monotonic()
    results = {}
    notes = []
    busy = busy_fraction()
    if busy > 0.05:
        notes.append(f'the machine was not idle: {100 * busy:.0f} % of all CPU time was busy '
                     'in the second before the run (other processes); wall-clock figures '
                     '(rates, latencies) suffer most, CPU per message less')
        log(f'bench: warning: {notes[-1]}')
    for r in range(args.rounds):
        for server in servers:
            for workload in workloads:
                try:
                    data = run_one(build, server, commands[server], workload, args)
                except Exception as e:  # a server that fails is reported, not fatal
                    notes.append(f'round {r + 1}, {server}, {workload}: {e}')
                    log(f'  {notes[-1]}')
                    continue
                results[(r, server, workload)] = data
                problem = check(data)
                if problem:
                    notes.append(f'round {r + 1}, {SERVER_TITLES[server]}, {workload}: {problem}')
                short = {k: data[k] for k in ('rate', 'server_cpu_ns_per_msg', 'open_rate',
                                              'rss_per_conn', 'p50_us') if k in data}
                log(f'round {r + 1} {server:8} {workload:9} {json.dumps(short)}'
                    + (f'  PROBLEM: {problem}' if problem else ''))

    scaling_text = ''
    if 'gsock' in servers and 'pipeline' in workloads:
        scaling_text = run_scaling(build, commands, args, notes)
    summary = summarize(results, servers, args.rounds)
    table = format_table(summary, servers, args)
    profile = None
    profile_text = ''
    if args.profile and 'gsock' in commands:
        try:
            profile = run_profile(build, commands, args)
            profile_text = format_profile(profile)
        except Exception as e:
            notes.append(f'profile: {e}')
            log(f'profile failed: {e}')
    target_rows = targets(summary, profile['alloc'] if profile else None)
    elapsed = time.monotonic() - start

    print()
    print(f'Machine: {machine()}')
    print()
    print(table)
    print()
    for name, measured, status in target_rows:
        print(f'{status:7} {name}: {measured}')
    if scaling_text:
        print()
        print(scaling_text)
    if profile_text:
        print()
        print(profile_text)
    for note in notes:
        print(f'problem: {note}')
    if args.results:
        write_results(args.results, args.command, table, target_rows, profile_text, args,
                      elapsed, notes, scaling_text)
        log(f'bench: wrote {args.results} ({elapsed / 60:.1f} min)')
    return 0


def smoke(build, commands):
    """A short pass of every program; fails only if something does not run or echoes wrong."""
    args = argparse.Namespace(seconds=0.3, warmup=0.1, conns=200)
    failures = 0
    plan = [(s, w) for s in ('epoll', 'gsock') for w in WORKLOADS]
    plan += [(s, 'pipeline') for s in ('gio', 'libuv', 'asyncio') if s in commands]
    for name in ('epoll', 'gsock', 'gio'):
        if name not in commands:
            print(f'not ok - {name} server was not built')
            failures += 1
    for server, workload in plan:
        try:
            data = run_one(build, server, commands[server], workload, args)
            problem = check(data)
        except Exception as e:
            problem = str(e)
        status = 'ok' if problem is None else 'not ok'
        failures += problem is not None
        print(f'{status} - {server} {workload}' + (f': {problem}' if problem else ''), flush=True)
    if 'libuv' not in commands:
        print('# libuv server not built (no libuv1-dev): skipped')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
