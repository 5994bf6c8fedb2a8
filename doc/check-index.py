#!/usr/bin/env python3
# Checks the built reference's index page: its Dependencies table names GLib, GObject and
# GIO, each with a link to its documentation. gi-docgen lists a dependency there only when its
# [dependencies] name in gsock.toml is the namespace's own name, so a name of another spelling
# drops it from the table silently.
#   check-index.py INDEX_HTML
import re
import sys

page = open(sys.argv[1], encoding='utf-8').read()
start = page.index('id="dependencies"')
table = page[start:page.index('</table>', start)]
listed = re.findall(r'<strong>([^<]+)</strong>&mdash;([0-9.]+)', table)
links = re.findall(r'href="([^"]+)" class="external">Browse documentation', table)
wanted = [('GLib', '2.0'), ('GObject', '2.0'), ('Gio', '2.0')]
missing = [f'{name}-{version}' for name, version in wanted if (name, version) not in listed]
if missing or len(links) < len(wanted):
    sys.exit(f'check-index.py: the Dependencies table lists {listed} with {len(links)} links; '
             f'missing {missing}')
print(f'check-index.py: the Dependencies table lists {listed}')
