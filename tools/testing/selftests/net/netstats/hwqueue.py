#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "hwqueue/rx" and "hwqueue/tx": the hardware counters of one
# queue, collected as REGISTER's collect option asks: pull (netstats reads
# the driver every period-ms), push (the device writes the block, its
# sequence count and timestamp itself) or direct (the device's own page of
# free-running counters, mapped read-only).  No emulated NIC of the test VM
# has per-queue hardware counters that move, so the device is netdevsim's
# simulated one: free-running counters per queue in a page of its own (its
# "BAR"), shown by ethtool -S as rx_queue_N_hw_packets ...
#
# For each mode, after traffic and at quiescence, every mapped counter
# equals ethtool -S's, and the queues' sum equals ip -s link; pull and push
# blocks show their sequence count and timestamp advance, a direct block
# moves with no period.  QUERY lists each queue with the modes its driver
# supports; a mode the device does not offer (netdevsim's debugfs
# netstats_hwq_modes) is refused with an extack, as is collect-modes in a
# REGISTER.  ethtool -L shrinking the queues and deleting the device turn
# the blocks of every mode DEAD with their last values, while a reader
# reads them in a loop.

import errno
import re
import socket
import time
from types import SimpleNamespace

from lib.py import ksft_run, ksft_exit, ksft_pr
from lib.py import ksft_eq, ksft_ge, ksft_lt, ksft_true
from lib.py import cmd, defer, ethtool
from nslib import BLOCK_DEAD, BLOCK_LIVE, Reader, Reg
from nslib import expect_err, ifindex, link_stats, monitor, nsim_pair
from nslib import require_group, typed, wait_dead

PERIOD = 100
MODES = ('pull', 'push', 'direct')
COLLECT = {m: i for i, m in enumerate(MODES)}
COUNTERS = ('hw_packets', 'hw_bytes')


def hwq(ns, d, obj, mode):
    return Reg(ns, f'hwqueue/{d}', obj, period_ms=PERIOD,
               collect=COLLECT[mode])


def ethtool_hw(dev):
    """ethtool -S's per-queue hardware counters: {(dir, queue): {name: v}}"""
    out = {}
    for line in ethtool(f'-S {dev}').stdout.splitlines():
        m = re.match(r'\s*(rx|tx)_queue_(\d+)_(hw_\w+):\s*(\d+)$', line)
        if m:
            out.setdefault((m[1], int(m[2])), {})[m[3]] = int(m[4])
    return out


def flows(n=16, count=5):
    """UDP from @n sockets to the peer: each socket's own tx hash spreads
    them over the queues (all on one: 1 in 2**(n-1) with two queues)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
             for _ in range(n)]
    try:
        for _ in range(count):
            for s in socks:
                s.sendto(b'x' * 100, ('192.0.2.22', 9))
    finally:
        for s in socks:
            s.close()


def modes_of(nest):
    m = nest.get('collect-modes', [])
    if isinstance(m, int):
        return {n for n in MODES if m & (1 << COLLECT[n])}
    return set(m)


def query_modes(ns, group, ix):
    """QUERY @group: {queue id: modes} of device @ix."""
    rsp = ns.query({'name': group})
    return {q['id']: modes_of(q) for q in rsp.get('queue', [])
            if q['ifindex'] == ix}


def set_modes(p, modes):
    with open(p.a.dfs_dir + 'netstats_hwq_modes', 'w') as f:
        f.write(str(sum(1 << COLLECT[m] for m in modes)))


def quiescent(dev, regs):
    """ethtool -S and the mapped values, read when neither moved."""
    for _ in range(20):
        want = ethtool_hw(dev)
        got = {k: r.settle() for k, r in regs.items()}
        if ethtool_hw(dev) == want:
            break
    return want, got


def refused(env) -> None:
    """What REGISTER refuses, with the kernel's errno and extack."""
    ns = env.ns
    p = nsim_pair('192.0.2.21', '192.0.2.22')
    a = p.a.ifname
    expect_err(ns, {'group': 'hwqueue/rx', 'object': 'lo/0'},
               errno.EOPNOTSUPP, 'no per-queue hardware counters',
               'a driver without hardware queue counters (lo)')
    expect_err(ns, {'group': 'hwqueue/tx', 'object': f'{a}/2'},
               errno.ENOENT, 'has 2 tx queues', 'queue out of range')
    req = typed({'group': 'hwqueue/rx', 'object': f'{a}/0'})
    req['queue']['collect-modes'] = 1
    expect_err(ns, req, errno.EINVAL, 'QUERY replies only',
               'collect-modes in REGISTER')
    expect_err(ns, {'group': 'hwqueue/rx', 'object': a}, errno.EINVAL,
               "ifindex and the queue's id", 'no queue id')
    req = typed({'group': 'hwqueue/rx', 'object': f'{a}/0'})
    req['queue']['type'] = 'tx'
    expect_err(ns, req, errno.EINVAL, "not the counter group's",
               'a queue nest of the other direction')
    ksft_eq(query_modes(ns, 'hwqueue/rx', p.a.ifindex),
            {0: set(MODES), 1: set(MODES)},
            'QUERY hwqueue/rx: both queues, every mode')
    ksft_eq(query_modes(ns, 'hwqueue/rx', ifindex('lo')), {},
            'QUERY hwqueue/rx: lo not listed')
    set_modes(p, ['pull'])
    try:
        ksft_eq(query_modes(ns, 'hwqueue/tx', p.a.ifindex),
                {0: {'pull'}, 1: {'pull'}},
                'QUERY hwqueue/tx: the modes the device offers now')
        for mode in ('push', 'direct'):
            expect_err(ns, {'group': 'hwqueue/tx', 'object': f'{a}/1',
                            'option': [{'name': 'collect',
                                        'value': COLLECT[mode]}]},
                       errno.EOPNOTSUPP, f'does not support collect={mode}',
                       f'collect={mode} on a device without it')
        r = hwq(ns, 'tx', f'{a}/1', 'pull')
        ksft_eq(r.state(), BLOCK_LIVE, 'collect=pull still registers')
    finally:
        set_modes(p, MODES)


def modes(env) -> None:
    """Every mode, every queue: mapped == ethtool -S, sum == ip -s link."""
    ns = env.ns
    p = nsim_pair('192.0.2.21', '192.0.2.22')
    a = p.a.ifname
    regs = {(m, d, i): hwq(ns, d, f'{a}/{i}', m)
            for m in MODES for d in ('rx', 'tx') for i in (0, 1)}
    r0 = {m: regs[(m, 'tx', 0)] for m in MODES}
    ksft_eq({m: set(r.offs) for m, r in r0.items()},
            {m: set(COUNTERS) for m in MODES},
            'counters named as ethtool -S without the queue prefix')
    ksft_eq({m: r.derived for m, r in r0.items()},
            {'pull': True, 'push': True, 'direct': False},
            'pull and push are derived blocks, direct is not')
    ksft_eq({m: r.state() for m, r in r0.items()},
            {m: BLOCK_LIVE for m in MODES}, 'blocks LIVE')
    hdr = {m: r0[m].hdr() for m in ('pull', 'push')}
    ksft_eq({m: h[3] for m, h in hdr.items()},
            {'pull': PERIOD, 'push': PERIOD}, 'period_ms of the blocks')
    # direct: a value is visible as soon as the device counted it
    dtx = [regs[('direct', 'tx', i)] for i in (0, 1)]
    before = sum(r.read()['hw_packets'] for r in dtx)
    cmd('ping -q -c 1 -W 2 192.0.2.22')
    ksft_ge(sum(r.read()['hw_packets'] for r in dtx), before + 1,
            'direct: one ping moved a mapped counter, no period')
    cmd('ping -q -c 20 -i 0.01 -s 500 192.0.2.22')
    flows()
    time.sleep(3 * PERIOD / 1000)
    for m in ('pull', 'push'):
        h = r0[m].hdr()
        ksft_true(h[2] > hdr[m][2] and h[2] % 2 == 0 and h[4] > hdr[m][4],
                  f'{m}: seq {hdr[m][2]} -> {h[2]}, timestamp_ns '
                  f'{hdr[m][4]} -> {h[4]}')
    want, got = quiescent(a, regs)
    for m in MODES:
        mapped = {(d, i): got[(m, d, i)] for d in ('rx', 'tx') for i in (0, 1)}
        ksft_eq(mapped, want, f'{m}: every mapped counter == ethtool -S')
    rx, tx = link_stats(a)
    for m in MODES:
        s = {d: tuple(sum(got[(m, d, i)][c] for i in (0, 1))
                      for c in COUNTERS) for d in ('rx', 'tx')}
        ksft_eq(s, {'rx': (rx['packets'], rx['bytes']),
                    'tx': (tx['packets'], tx['bytes'])},
                f'{m}: sum of the queues == ip -s link')
    ksft_ge(tx['packets'], 21 + 80, 'the pings and datagrams were sent')
    ksft_true(all(want[('tx', i)]['hw_packets'] for i in (0, 1)),
              f'traffic sent on both tx queues: {want}')
    # Two push registrations of one queue share the device's block.
    again = hwq(ns, 'rx', f'{a}/0', 'push')
    ksft_eq(again.hdr()[2:4], regs[('push', 'rx', 0)].hdr()[2:4],
            'push: a second registration maps the same block')


def lifecycle(env) -> None:
    """ethtool -L shrink: queues 1 of every mode DEAD at once with their
    last values; device deletion: all DEAD, announced, values kept."""
    ns, mon = env.ns, env.mon
    p = nsim_pair('192.0.2.21', '192.0.2.22')
    a = p.a.ifname
    regs = {(m, d, i): hwq(ns, d, f'{a}/{i}', m)
            for m in MODES for d in ('rx', 'tx') for i in (0, 1)}
    cmd('ping -q -c 10 -i 0.01 -s 300 192.0.2.22')
    flows()
    want, _ = quiescent(a, regs)
    reader = Reader(list(regs.values()))
    reader.start()
    defer(reader.finish)
    ethtool(f'-L {a} combined 1')
    q1 = {k: r for k, r in regs.items() if k[2] == 1}
    ksft_eq({k: r.state() for k, r in q1.items()},
            {k: BLOCK_DEAD for k in q1},
            'ethtool -L combined 1: queues 1 DEAD at once, every mode')
    ksft_eq({k: r.state() for k, r in regs.items() if k[2] == 0},
            {k: BLOCK_LIVE for k in regs if k[2] == 0}, 'queues 0 LIVE')
    gone = {r.id for r in q1.values()}
    dead = wait_dead(mon, gone)
    ksft_true(gone <= dead, f'queues 1 announced: {sorted(gone)} in '
              f'{sorted(dead)}')
    ksft_eq({k: r.read() for k, r in q1.items()},
            {k: want[(k[1], 1)] for k in q1},
            'queues 1 with their last values (ethtool -S before -L)')
    seq = regs[('push', 'tx', 1)].hdr()[2]
    time.sleep(3 * PERIOD / 1000)
    ksft_eq(regs[('push', 'tx', 1)].hdr()[2], seq,
            'push: the device no longer writes a dead queue')
    expect_err(ns, {'group': 'hwqueue/rx', 'object': f'{a}/1'},
               errno.ENOENT, 'has 1 rx queues', 'a removed queue')

    cmd('ping -q -c 5 -i 0.01 192.0.2.22')
    want, _ = quiescent(a, {k: r for k, r in regs.items() if k[2] == 0})
    t0 = time.monotonic()
    p.adev.remove()
    took = time.monotonic() - t0
    ksft_lt(took, 5, f'device deleted in {took:.2f} s while mapped')
    q0 = {k: r for k, r in regs.items() if k[2] == 0}
    rest = {r.id for r in q0.values()}
    dead = wait_dead(mon, rest)
    ksft_true(rest <= dead, f'every queue of the deleted device announced: '
              f'{sorted(rest)} in {sorted(dead)}')
    ksft_eq({k: r.state() for k, r in q0.items()},
            {k: BLOCK_DEAD for k in q0}, 'their blocks DEAD')
    ksft_eq({k: r.read() for k, r in q0.items()},
            {k: want[(k[1], 0)] for k in q0},
            'with their last values (ethtool -S before the deletion)')
    n = reader.finish()
    ksft_true(n > 0 and reader.error is None,
              f'read in a loop through shrink and deletion: {n} rounds, '
              f'error {reader.error!r}')
    ksft_pr(f'{n} read rounds')


def main() -> None:
    env = SimpleNamespace(ns=require_group('hwqueue/rx'), mon=monitor())
    ksft_run([refused, modes, lifecycle], args=(env,))
    ksft_exit()


if __name__ == "__main__":
    main()
