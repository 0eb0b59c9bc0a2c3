#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instruction counts of "make bench": pair the guest's runs with the
plugin's markers and print the medians and the patched/pristine ratios.

  insns.py patched:RESULTS_DIR [pristine:RESULTS_DIR]

Each RESULTS_DIR holds insns.txt (the guest's "insns-run: NAME N SCALE"
lines, in order) and insns.log (tooling/insncount.c's "insncount: marker
XX insns COUNT" lines).  The k-th run takes the k-th marker 01 and the
marker 02 after it: (end - begin) / N / SCALE instructions per
operation.  Runs of one name are repeated; the median is reported.
"""
import re
import statistics
import sys

RUN = re.compile(r'^insns-run: (\S+) (\d+) (\d+)$')
MARK = re.compile(r'^insncount: marker ([0-9a-f]{2}) insns (\d+)')


def load(results):
    runs = []
    with open(f'{results}/insns.txt') as f:
        for line in f:
            m = RUN.match(line.strip())
            if m:
                runs.append((m[1], int(m[2]), int(m[3])))
    marks = []
    with open(f'{results}/insns.log') as f:
        for line in f:
            m = MARK.match(line)
            if m:
                marks.append((m[1], int(m[2])))
    pairs = []
    begin = None
    for mid, n in marks:
        if mid == '01':
            begin = n
        elif mid == '02' and begin is not None:
            pairs.append(n - begin)
            begin = None
    if len(pairs) != len(runs):
        sys.exit(f'insns: {results}: {len(runs)} runs but {len(pairs)} '
                 'marker pairs: was the plugin loaded, one vCPU booted?')
    per = {}
    for (name, iters, scale), delta in zip(runs, pairs):
        per.setdefault(name, []).append(delta / iters / scale)
    return {k: (statistics.median(v), min(v), max(v)) for k, v in per.items()}


def fmt(x):
    return f'{x:.1f}' if x < 100 else f'{x:.0f}'


def main():
    kinds = dict(a.split(':', 1) for a in sys.argv[1:])
    got = {k: load(v) for k, v in kinds.items()}
    # The guest's own figures (memory per socket ...), as it printed them,
    # and its failed checks (insns-fail: the BPF peer's counts ...).
    failed = []
    for kind, results in kinds.items():
        with open(f'{results}/insns.txt') as f:
            for line in f:
                if line.startswith('bench: '):
                    print(f'{line.rstrip()} [{kind}]')
                elif line.startswith('insns-fail: '):
                    failed.append(f'{line.rstrip()} [{kind}]')
    for kind, d in got.items():
        for name, (med, lo, hi) in d.items():
            spread = (hi - lo) / med * 100 if med else 0
            print(f'bench: insns {name} [{kind}]: {fmt(med)} '
                  f'(median; min {fmt(lo)}, spread {spread:.2f}%)')
    if 'patched' in got and 'pristine' in got:
        a, b = got['patched'], got['pristine']
        for name in a:
            if name in b and b[name][0]:
                print(f'bench: insns-ratio {name}: '
                      f'{a[name][0] / b[name][0]:.4f}')
        # The writer with readers against the pristine kernel.
        for name in a:
            base = re.sub(r'-(registered|100-readers|sel2|all|all-sel2)$',
                          '', name)
            if base != name and base in b and b[base][0]:
                print(f'bench: insns-ratio {name} vs pristine: '
                      f'{a[name][0] / b[base][0]:.4f}')
    # The BPF peer (a tc program counting per flow into an mmapable
    # array) against the same operation without it, on the same kernel:
    # the peer's writer instructions, next to netstats' own.
    for kind, d in got.items():
        for base in ('tcp-rr-1B', 'tcp-stream-64KiB'):
            peer = f'{base}-bpf-peer'
            if peer in d and base in d and d[base][0]:
                print(f'bench: insns-ratio {peer} vs {base} [{kind}]: '
                      f'{d[peer][0] / d[base][0]:.4f} '
                      f'({d[peer][0] - d[base][0]:+.0f} per operation)')
    if 'patched' in got:
        a = got['patched']
        # tcp-all: the cost per socket from 1,000 to 100,000 sockets.
        scan = 'tcp-all-inline-scan-per-socket-counter'
        if f'{scan}-1k' in a and f'{scan}-100k' in a:
            print(f'bench: insns-ratio {scan} 100k vs 1k: '
                  f'{a[f"{scan}-100k"][0] / a[f"{scan}-1k"][0]:.4f}')
        for base in ('tcp-rr-1B', 'tcp-stream-64KiB'):
            one, hundred = a.get(f'{base}-registered'), \
                a.get(f'{base}-100-readers')
            if one and hundred:
                print(f'bench: insns-ratio {base} 100 readers vs 1: '
                      f'{hundred[0] / one[0]:.4f}')
            # A selection of 2 counters against all 13: one socket
            # (rows), and every socket of a tcp-all monitor (blocks).
            for sel, full in ((f'{base}-sel2', f'{base}-registered'),
                              (f'{base}-all-sel2', f'{base}-all')):
                if sel in a and full in a:
                    print(f'bench: insns-ratio {sel} vs {full}: '
                          f'{a[sel][0] / a[full][0]:.4f} '
                          f'({a[sel][0] - a[full][0]:+.0f} per operation)')
    for line in failed:
        print(line)
    if failed:
        sys.exit('insns: a check of the guest failed')


if __name__ == '__main__':
    main()
