#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a guest's results directory and the host's own result files.

   judge.py RESULTS_DIR [--debug] [--host FILE...]

Counts kselftest cases from the guest's TAP (nested harness results where
a program has them, else the program's own line), adds host results
(files holding a closing 'N passed, N failed[, N skipped]' line, and
beside each the step's exit status in FILE.rc where check.sh ran it), and
with --debug turns every kernel splat in dmesg and every kmemleak report
into a failure.  A host file that is missing, has no closing line, or
whose step exited non-zero while its closing lines report no failure
counts as one failure.  Prints the verdict as one line 'N passed, N failed'
and exits 1 on any failure or an incomplete run.
"""
import argparse
import os
import re
import signal
import sys

SPLAT = re.compile(r'(BUG: |WARNING: |KASAN|UBSAN|general protection fault|'
                   r'possible recursive locking|possible circular locking|'
                   r'suspicious RCU usage|inconsistent lock state|'
                   r'Oops|kernel BUG at|unreferenced object|'
                   r'sleeping function called from invalid context)')
RESULT = re.compile(r'^(not ok|ok) \d+ (.*)$')
CLOSING = re.compile(r'^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$')


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, ok, name, skip=False):
        if skip:
            self.skipped += 1
        elif ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)


def judge_tap(path, t):
    nested = []
    for raw in open(path, errors='replace'):
        line = raw.rstrip('\n')
        depth = 0
        while line.startswith('# '):
            line = line[2:]
            depth += 1
        m = RESULT.match(line)
        if not m:
            continue
        ok = m.group(1) == 'ok'
        desc = m.group(2)
        skip = '# SKIP' in desc
        if depth >= 1:
            nested.append((ok, desc, skip))
            continue
        if depth == 0 and nested:
            for n_ok, n_desc, n_skip in nested:
                t.add(n_ok, f'{desc}: {n_desc}', n_skip)
            # A program that failed after its cases passed (crash,
            # timeout) still fails once.
            if not ok and all(n_ok for n_ok, _, _ in nested):
                t.add(False, f'{desc} (program)')
        else:
            t.add(ok, desc, skip)
        nested = []


def step_status(hf):
    """Why the step that wrote host file hf failed, from hf.rc; '' if it
    exited 0 or left no status (a file check.sh writes itself)."""
    path = hf + '.rc'
    if not os.path.exists(path):
        return ''
    text = open(path, errors='replace').read().strip()
    if not text.isdigit():
        return f'unreadable exit status {text!r}'
    rc = int(text)
    if rc > 128:
        try:
            return f'killed by {signal.Signals(rc - 128).name} (exit status {rc})'
        except ValueError:
            pass
    return f'exited with status {rc}' if rc else ''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('results')
    ap.add_argument('--debug', action='store_true')
    ap.add_argument('--host', nargs='*', default=[])
    args = ap.parse_args()

    t = Tally()
    for hf in args.host:
        if not os.path.exists(hf):
            t.add(False, f'{hf}: missing')
            continue
        # A host file may hold several runners' closing lines: sum them.
        found = failed = 0
        for line in open(hf, errors='replace'):
            m = CLOSING.match(line.strip())
            if not m:
                continue
            found += 1
            failed += int(m.group(2))
            t.passed += int(m.group(1))
            t.failed += int(m.group(2))
            t.skipped += int(m.group(3) or 0)
            if int(m.group(2)):
                t.failures.append(f'{os.path.basename(hf)}: {m.group(2)} failed')
        # A step that failed (make error, crash, ABI check) fails once,
        # unless its closing lines already count a failure.
        status = step_status(hf)
        if not found:
            t.add(False, f'{hf}: no result line' + (f', {status}' if status else ''))
        elif status and not failed:
            t.add(False, f'{os.path.basename(hf)}: {status}')

    res = args.results
    if not os.path.exists(os.path.join(res, 'done')):
        t.add(False, 'guest run incomplete (no "done" marker: crash or timeout)')
    tap = os.path.join(res, 'kselftest.tap')
    if os.path.exists(tap):
        judge_tap(tap, t)
    else:
        t.add(False, 'no kselftest TAP output from the guest')
    if os.path.exists(os.path.join(res, 'error')):
        t.add(False, 'guest: ' + open(os.path.join(res, 'error')).read().strip())

    dmesg = os.path.join(res, 'dmesg.txt')
    splats = []
    if os.path.exists(dmesg):
        splats = [l.rstrip() for l in open(dmesg, errors='replace')
                  if SPLAT.search(l)]
    leaks = os.path.join(res, 'kmemleak.txt')
    nleaks = 0
    if os.path.exists(leaks):
        nleaks = sum(1 for l in open(leaks) if l.startswith('unreferenced object'))
    if args.debug:
        if not os.path.exists(leaks):
            t.add(False, 'debug kernel without a kmemleak report')
        t.add(not splats, f'dmesg clean ({len(splats)} splat lines)')
        t.add(nleaks == 0, f'kmemleak clean ({nleaks} unreferenced objects)')
    elif splats:
        # Not fatal on the normal kernel, but never silent.
        print(f'warning: {len(splats)} splat lines in {dmesg}')

    for f in t.failures:
        print(f'FAILED: {f}')
    for l in splats[:20]:
        print(f'dmesg: {l}')
    print(f'{t.passed} passed, {t.failed} failed, {t.skipped} skipped')
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
