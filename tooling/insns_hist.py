#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which kernel functions a change made cost more, from two histograms of
tooling/insncount.c (-plugin insncount.so,hist=FILE): instructions per
iteration by function, patched minus pristine, largest first.

  insns_hist.py ITERATIONS HIST_A VMLINUX_A HIST_B VMLINUX_B

Run one benchmark alone (NETSTATS_INSNS_ONLY=<name> netstats_bench
--insns 1) so that the blocks between its markers are its own.
"""
import bisect
import collections
import subprocess
import sys


def symbols(vmlinux):
    addrs, names = [], []
    out = subprocess.run(['nm', '-n', vmlinux], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'tTwW':
            addrs.append(int(f[0], 16))
            names.append(f[2])
    return addrs, names


def by_function(hist, vmlinux):
    addrs, names = symbols(vmlinux)
    d = collections.Counter()
    with open(hist) as f:
        for line in f:
            vaddr, n, execs = line.split()
            vaddr = int(vaddr, 16)
            if vaddr < 0xffff000000000000:
                name = '<user>'
            else:
                i = bisect.bisect_right(addrs, vaddr) - 1
                name = names[i] if i >= 0 else '?'
            d[name] += int(n) * int(execs)
    return d


def main():
    iters = int(sys.argv[1])
    a = by_function(sys.argv[2], sys.argv[3])
    b = by_function(sys.argv[4], sys.argv[5])
    print(f'total: {(sum(a.values()) - sum(b.values())) / iters:+.1f} '
          'instructions per iteration')
    diff = sorted(((a[k] - b[k]) / iters, k) for k in set(a) | set(b))
    for d, k in reversed(diff):
        if abs(d) >= 0.5:
            print(f'{d:+8.1f} {k}')


if __name__ == '__main__':
    main()
