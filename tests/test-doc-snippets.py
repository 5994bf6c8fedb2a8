#!/usr/bin/python3
# test-doc-snippets.py SOURCE_ROOT BUILD_ROOT: the code in README.md and doc/*.md works as
# printed (TAP).
#
# Every ```c, ```python and ```js block is a complete program unless the line before it says
# `<!-- fragment of NAME -->`, NAME being a complete example in the same file (a block whose
# line before says `<!-- example NAME -->`) or a file of the repository. Complete C programs
# are compiled and linked against the built library with -Wall -Werror; complete Python and
# JavaScript programs are run (PyGObject, GJS) and must exit 0 within the timeout, so they end
# by themselves and use free ports.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

if len(sys.argv) != 3:
    sys.exit(__doc__)
SOURCE_ROOT, BUILD_ROOT = sys.argv[1:]
TIMEOUT = 60  # seconds, for a compile or a run
LANGUAGES = {'c', 'python', 'js'}


class SkipTest(Exception):
    pass


def blocks(path):
    """(language, marker, name, first line number, code) for each fenced block of a language
    we check: marker is 'fragment', 'example' or None, name what the marker names."""
    lines = open(path, encoding='utf-8').read().split('\n')
    found = []
    i = 0
    while i < len(lines):
        fence = re.match(r'^```(\w+)\s*$', lines[i])
        if not fence:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i] != '```':
            i += 1
        if fence.group(1) in LANGUAGES:
            before = lines[start - 1].strip() if start > 0 else ''
            marker = re.match(r'^<!-- (fragment of|example) (\S+) -->$', before)
            found.append((fence.group(1),
                          marker and marker.group(1).split()[0],
                          marker and marker.group(2),
                          start + 1, '\n'.join(lines[start + 1:i]) + '\n'))
        i += 1
    return found


def compile_c(code, where):
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, 'example.c')
        with open(source, 'w', encoding='utf-8') as f:
            f.write(code)
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'gio-2.0', 'gio-unix-2.0'],
                               check=True, capture_output=True, text=True).stdout.split()
        library = os.path.join(BUILD_ROOT, 'gsock')
        command = [os.environ.get('CC', 'cc'), '-Wall', '-Werror', '-std=gnu11',
                   '-I' + SOURCE_ROOT, '-I' + os.path.join(SOURCE_ROOT, 'gsock'),
                   '-I' + BUILD_ROOT, '-I' + library, source, '-o',
                   os.path.join(tmp, 'example'), '-L' + library, '-Wl,-rpath,' + library,
                   '-lgsock-1.0'] + flags
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        assert result.returncode == 0, f'{where} does not compile:\n{result.stderr}'


def run(command, code, suffix, where):
    env = dict(os.environ, LC_ALL='C.UTF-8',
               GI_TYPELIB_PATH=os.path.join(BUILD_ROOT, 'gsock'),
               LD_LIBRARY_PATH=os.path.join(BUILD_ROOT, 'gsock'))
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, 'example' + suffix)
        with open(script, 'w', encoding='utf-8') as f:
            f.write(code)
        result = subprocess.run(command + [script], capture_output=True, text=True, env=env,
                                timeout=TIMEOUT, stdin=subprocess.DEVNULL, cwd=tmp)
        assert result.returncode == 0, \
            f'{where} exited {result.returncode}:\n{result.stdout}\n{result.stderr}'


def check_file(path):
    def test():
        relative = os.path.relpath(path, SOURCE_ROOT)
        found = blocks(path)
        examples = {name for _, marker, name, _, _ in found if marker == 'example'}
        complete = 0
        for language, marker, name, line, code in found:
            where = f'{relative}:{line} ({language})'
            if marker == 'fragment':
                assert name in examples or os.path.exists(os.path.join(SOURCE_ROOT, name)), \
                    f'{where} is a fragment of {name}, which is neither an example here ' \
                    'nor a file'
                continue
            complete += 1
            if language == 'c':
                compile_c(code, where)
            elif language == 'python':
                run(['/usr/bin/python3'], code, '.py', where)
            elif shutil.which('gjs'):
                run([shutil.which('gjs'), '-m'], code, '.js', where)
        if not found:
            raise SkipTest('no code')
        print(f'# {relative}: {complete} complete of {len(found)} blocks', flush=True)
    test.__name__ = os.path.relpath(path, SOURCE_ROOT)
    return test


TESTS = [check_file(p) for p in [os.path.join(SOURCE_ROOT, 'README.md')] +
         sorted(glob.glob(os.path.join(SOURCE_ROOT, 'doc', '*.md')))]


def main():
    print(f'1..{len(TESTS)}', flush=True)
    failures = 0
    for number, test in enumerate(TESTS, 1):
        try:
            test()
            print(f'ok {number} - {test.__name__}', flush=True)
        except SkipTest as e:
            print(f'ok {number} - {test.__name__} # SKIP {e}', flush=True)
        except BaseException:  # noqa: B902 - every failure is reported, then the next test runs
            failures += 1
            print(f'not ok {number} - {test.__name__}', flush=True)
            for line in traceback.format_exc().splitlines():
                print(f'# {line}', flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
