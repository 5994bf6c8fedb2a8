#!/usr/bin/env python3
# man-from-help.py PROGRAM VERSION OUTPUT: writes the man page of a demo from its own --help,
# so the page can never drift from the options the program takes (the build runs this again
# whenever the program is rebuilt).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import subprocess
import sys


def roff(text):
    """Text as roff: backslashes and hyphens escaped, no line starting with a control dot."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    return re.sub(r'^([.\'])', r'\\&\1', text, flags=re.M)


def parse_help(help_text):
    """(usage, summary, [(option, argument, description)]) from GOption's --help."""
    usage, summary, options = '', [], []
    section = None
    for line in help_text.splitlines():
        stripped = line.strip()
        if line.startswith('Usage:'):
            section = 'usage'
        elif section == 'usage' and stripped:
            usage, section = stripped, 'summary'
        elif line.endswith('Options:') and not line.startswith(' '):
            section = 'help' if line.startswith('Help') else 'options'
        elif section == 'summary' and stripped:
            summary.append(stripped)
        elif section == 'options' and stripped:
            match = re.match(r'(-\w, )?(--[\w-]+)(=(\S+))?\s{2,}(.*)', stripped)
            if match:
                options.append((match.group(2), match.group(4), match.group(5)))
            elif options:  # a description GOption wrapped onto the next line
                name, argument, description = options[-1]
                options[-1] = (name, argument, f'{description} {stripped}')
    if not usage or not options:
        sys.exit(f'man-from-help.py: no usage line or no options in:\n{help_text}')
    return usage, ' '.join(summary), options


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: man-from-help.py PROGRAM VERSION OUTPUT')
    program, version, output = sys.argv[1:]
    name = os.path.basename(program)
    help_text = subprocess.run([program, '--help'], check=True, capture_output=True, text=True,
                               env=dict(os.environ, LC_ALL='C.UTF-8'),
                               stdin=subprocess.DEVNULL).stdout
    usage, summary, options = parse_help(help_text)

    page = [f'.TH {name.upper()} 1 "" "gsock {version}" "gsock demos"',
            '.SH NAME', f'{roff(name)} \\- {roff(summary)}',
            '.SH SYNOPSIS', f'.B {roff(name)}', roff(usage.split(' ', 1)[1]) if ' ' in usage else '',
            '.SH DESCRIPTION', roff(summary), '.SH OPTIONS']
    for option, argument, description in options:
        page.append('.TP')
        page.append(f'.BR {roff(option)}' + (f' =\\fI{roff(argument)}\\fR' if argument else ''))
        page.append(roff(description))
    page += ['.TP', '.BR \\-h ", " \\-\\-help', 'Show the options and exit.',
             '.SH SEE ALSO', 'The gsock library documentation (gi-docgen), and the other gsock demos.']
    with open(output, 'w', encoding='utf-8') as f:
        f.write('\n'.join(line for line in page if line != '') + '\n')


if __name__ == '__main__':
    main()
