#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "queue/rx" and "queue/tx".  virtio_net (from `vng --network
# loop`, one NIC moved to a netns) and netdevsim (a linked pair across
# netns) keep their per-queue counters in pages netstats maps as they are
# (not derived): after traffic every mapped value equals what the netdev
# family's qstats-get reports for the queue, the sum over the queues
# equals ip -s link, and a value moves with no period.  derived=1 forces
# the qstats form, whose values equal qstats-get too; a counter the
# driver does not keep reads as all ones.  A queue removed by ethtool -L
# turns DEAD with its last values and is announced (at once for a
# driver's own block), a grown queue registers again, and every queue of
# a deleted device turns DEAD; deleting a mapped device returns at once.
# A block a driver offers in a page that holds other data (netdevsim's
# debugfs netstats_foreign_block) is refused, not mapped.

import errno
import glob
import os
import time
from types import SimpleNamespace

from lib.py import ksft_run, ksft_exit, ksft_pr
from lib.py import ksft_eq, ksft_ge, ksft_lt, ksft_true, KsftSkipEx
from lib.py import NetdevFamily, NetNS, cmd, defer, ethtool, ip
from nslib import BLOCK_DEAD, BLOCK_LIVE, Reader, Reg as NsReg
from nslib import expect_err, ifindex, instances, link_stats, monitor
from nslib import nsim_pair, require_group, typed, wait_dead

UNSET = (1 << 64) - 1
PERIOD = 100


def Reg(ns, group, obj, derived=None):
    """A queue registration: period-ms PERIOD where derived."""
    if derived is None:
        return NsReg(ns, group, obj, period_ms=PERIOD)
    return NsReg(ns, group, obj, period_ms=PERIOD, derived=derived)


def qstats(nd, ifindex, qtype, qid):
    for q in nd.qstats_get({'ifindex': ifindex, 'scope': 'queue'},
                           dump=True):
        if q['queue-type'] == qtype and q['queue-id'] == qid:
            pre = qtype + '-'
            return {k[len(pre):].replace('-', '_'): v for k, v in q.items()
                    if k.startswith(pre)}
    return None


def compare(nd, reg, ifindex, qtype, qid, what):
    """Mapped == qstats-get, both read with the queue quiescent."""
    for _ in range(20):
        want = qstats(nd, ifindex, qtype, qid)
        got = reg.settle()
        if qstats(nd, ifindex, qtype, qid) == want:
            break
    ksft_true(want is not None, f'{what}: qstats-get reports the queue')
    want = want or {}
    kept = {k: v for k, v in got.items() if k in want}
    ksft_eq(kept, want, f'{what}: mapped == qstats-get')
    ksft_eq(set(want) - set(got), set(),
            f'{what}: qstats-get counters not mapped')
    if reg.derived:
        ksft_eq({k: v for k, v in got.items()
                 if k not in want and v != UNSET}, {},
                f'{what}: counters qstats-get leaves out read as all ones')
    return got


def compare_sum(regs, dev, ns=None, what=''):
    """The mapped queues' sum == ip -s link, quiescent."""
    for _ in range(20):
        rx, tx = link_stats(dev, ns)
        got = {d: [r.read() for r in regs[d]] for d in ('rx', 'tx')}
        if link_stats(dev, ns) == (rx, tx):
            break
    sums = {d: (sum(v['packets'] for v in got[d]),
                sum(v['bytes'] for v in got[d])) for d in ('rx', 'tx')}
    want = {'rx': (rx['packets'], rx['bytes']),
            'tx': (tx['packets'], tx['bytes'])}
    ksft_eq(sums, want, f'{what}: sum of the mapped queues == ip -s link')
    ksft_ge(min(want['rx'][0], want['tx'][0]), 1,
            f'{what}: packets both ways {want}')


def bad_object(env) -> None:
    """Objects refused with the kernel's errno and extack message."""
    ns = env.ns
    expect_err(ns, {'group': 'queue/rx'}, errno.EINVAL,
               'needs its object named', 'no object')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo'}, errno.EINVAL,
               "ifindex and the queue's id", 'no queue')
    expect_err(ns, {'group': 'queue/tx', 'object': 'nosuchdev/0'},
               errno.ENODEV, 'no such device', 'unknown device')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo/0'},
               errno.EOPNOTSUPP, 'no per-queue statistics',
               'driver without qstats')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo/0',
                    'option': [{'name': 'derived', 'value': 1}]},
               errno.EOPNOTSUPP, 'no qstats to derive from',
               'derived=1, driver without qstats')
    req = typed({'group': 'queue/tx', 'object': 'lo/0'})
    req['queue']['type'] = 'rx'
    expect_err(ns, req, errno.EINVAL, "not the counter group's",
               'a queue nest of the other direction')
    # hwqueue's reply-only attribute is no queue group's to parse
    req = typed({'group': 'queue/rx', 'object': 'lo/0'})
    req['queue']['collect-modes'] = 1
    expect_err(ns, req, errno.EINVAL, 'Unknown attribute type',
               'collect-modes in a queue/rx REGISTER')


def virtio_pair():
    nics = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob('/sys/class/net/*/device/driver')
                  if os.path.basename(os.path.realpath(p)) == 'virtio_net')
    return nics[:2] if len(nics) >= 2 else None


def virtio(env) -> None:
    """Two looped virtio_net NICs, one moved to a netns."""
    ns, nd = env.ns, env.nd
    pair = virtio_pair()
    if not pair:
        raise KsftSkipEx('no two looped virtio_net NICs')
    a, b = pair
    netns = NetNS()
    defer(cmd, f'ip addr flush dev {a}', fail=False)
    defer(netns.__del__)
    ip(f'link set {b} netns {netns}')
    ip(f'addr add 192.0.2.1/24 dev {a}')
    ip(f'link set {a} up')
    ip(f'addr add 192.0.2.2/24 dev {b}', ns=netns)
    ip(f'link set {b} up', ns=netns)
    ix = ifindex(a)
    nq = len(glob.glob(f'/sys/class/net/{a}/queues/rx-*'))
    regs = {d: [Reg(ns, f'queue/{d}', f'{a}/{i}') for i in range(nq)]
            for d in ('rx', 'tx')}
    rx, tx = regs['rx'][0], regs['tx'][0]
    ksft_pr(f'{a}: {nq} queue pairs, {len(rx.offs)} rx and '
            f'{len(tx.offs)} tx counters')
    ksft_eq((rx.derived, tx.derived), (False, False),
            "the driver's own counters mapped (not derived)")
    ksft_eq(rx.state(), BLOCK_LIVE, 'block state')
    ksft_true('xdp_drops' in rx.offs and 'tx_timeouts' in tx.offs,
              f"the driver's own counters: rx {sorted(rx.offs)}, "
              f"tx {sorted(tx.offs)}")
    drx, dtx = (Reg(ns, 'queue/rx', f'{a}/0', derived=1),
                Reg(ns, 'queue/tx', f'{a}/0', derived=1))
    ksft_eq((drx.derived, dtx.derived), (True, True),
            'derived=1: the qstats form')
    p0 = sum(r.read()['packets'] for r in regs['rx'])
    cmd('ping -q -c 1 -W 2 192.0.2.2')
    ksft_ge(sum(r.read()['packets'] for r in regs['rx']), p0 + 1,
            'one ping: a mapped rx counter moved, no period')
    cmd('ping -q -c 20 -i 0.01 -s 1000 192.0.2.2')
    for d in ('rx', 'tx'):
        for i in range(nq):
            compare(nd, regs[d][i], ix, d, i, f'virtio {a} {d} {i}')
    compare(nd, drx, ix, 'rx', 0, f'virtio {a} rx 0 derived')
    compare(nd, dtx, ix, 'tx', 0, f'virtio {a} tx 0 derived')
    compare_sum(regs, a, what=f'virtio {a}')
    expect_err(ns, {'group': 'queue/rx', 'object': f'{b}/0'},
               errno.ENODEV, 'no such device', "another netns's device")


def nsim_queues(env) -> None:
    """netdevsim's own blocks mapped: equal to qstats-get and ip -s link,
    and to what the peer received."""
    ns, nd = env.ns, env.nd
    p = nsim_pair('192.0.2.11', '192.0.2.12')
    a, b = p.a.ifname, p.b.ifname
    ix = p.a.ifindex
    regs = {d: [Reg(ns, f'queue/{d}', f'{a}/{i}') for i in (0, 1)]
            for d in ('rx', 'tx')}
    allr = regs['rx'] + regs['tx']
    ksft_eq([(r.state(), r.derived) for r in allr], [(BLOCK_LIVE, False)] * 4,
            f'{a}: four queue blocks LIVE, mapped (not derived)')
    expect_err(ns, {'group': 'queue/rx', 'object': f'{a}/2'},
               errno.ENOENT, 'has 2 rx queues', 'queue out of range')
    # A driver's block in a page that holds other data: refused.
    knob = glob.glob(f'{p.adev.dfs_dir}ports/*/netstats_foreign_block')
    ksft_eq(len(knob), 1, 'netdevsim: debugfs netstats_foreign_block')
    if len(knob) == 1:
        with open(knob[0], 'w') as f:
            f.write('1')
        try:
            expect_err(ns, {'group': 'queue/rx', 'object': f'{a}/1'},
                       errno.EINVAL, 'queue block is not mappable',
                       'a block in a page of other data')
        finally:
            with open(knob[0], 'w') as f:
                f.write('0')
    qa = {f'{a}/0', f'{a}/1'}
    got = instances(ns, 'queue/rx') | instances(ns, 'queue/tx')
    ksft_true(qa <= got and not any(i.startswith(b + '/') for i in got),
              f'QUERY lists the queues of the netns: {sorted(got)}')

    cmd('ping -q -c 20 -i 0.01 -s 500 192.0.2.12')
    for d in ('rx', 'tx'):
        for i in (0, 1):
            compare(nd, regs[d][i], ix, d, i, f'netdevsim {d} {i}')
    compare_sum(regs, a, what='netdevsim')
    drx = Reg(ns, 'queue/rx', f'{a}/0', derived=1)
    ksft_true(drx.derived, 'derived=1 on netdevsim: the qstats form')
    compare(nd, drx, ix, 'rx', 0, 'netdevsim rx 0 derived')
    # Honest counters: what a sent, its peer received, header and all.
    for _ in range(20):	# quiescent: the same before and after
        tx = [r.read() for r in regs['tx']]
        prx, _ = link_stats(b, p.netns)
        _, atx = link_stats(a)
        if [r.read() for r in regs['tx']] == tx and \
           link_stats(b, p.netns)[0] == prx:
            break
        time.sleep(0.2)
    sent = (sum(v['packets'] for v in tx), sum(v['bytes'] for v in tx))
    ksft_eq(sent, (prx['packets'], prx['bytes']),
            f'sent (packets, bytes) == received by the peer in {p.netns}')
    ksft_eq(sum(v['hw_drops'] for v in tx), atx['dropped'],
            'dropped before the peer was up == ip -s link dropped')


def qstats_dev(nd, ix):
    for q in nd.qstats_get({'ifindex': ix}, dump=True):
        return {k: v for k, v in q.items() if k != 'ifindex'}
    return None


def nsim_lifecycle(env) -> None:
    """ethtool -L shrinks (queues DEAD at once, announced, last values
    kept) and grows (registered again); deleting the mapped device is
    prompt and turns every queue DEAD; a reader reads throughout."""
    ns, nd, mon = env.ns, env.nd, env.mon
    p = nsim_pair('192.0.2.11', '192.0.2.12')
    a = p.a.ifname
    ix = p.a.ifindex
    regs = {d: [Reg(ns, f'queue/{d}', f'{a}/{i}') for i in (0, 1)]
            for d in ('rx', 'tx')}
    allr = regs['rx'] + regs['tx']
    drx = Reg(ns, 'queue/rx', f'{a}/0', derived=1)
    cmd('ping -q -c 20 -i 0.01 -s 500 192.0.2.12')
    qa = {f'{a}/0', f'{a}/1'}

    # Shrink: the driver tells netstats; queues 1 die at once.
    last = [regs['rx'][1].read(), regs['tx'][1].read()]
    reader = Reader(allr + [drx])
    reader.start()
    defer(reader.finish)
    ethtool(f'-L {a} combined 1')
    gone = {regs['rx'][1].id, regs['tx'][1].id}
    ksft_eq([regs['rx'][1].state(), regs['tx'][1].state(),
             regs['rx'][0].state()], [BLOCK_DEAD, BLOCK_DEAD, BLOCK_LIVE],
            'ethtool -L combined 1: queues 1 DEAD at once, queues 0 LIVE')
    dead = wait_dead(mon, gone)
    ksft_true(gone <= dead, f'queues 1 {sorted(gone)} announced {sorted(dead)}')
    now = [regs['rx'][1].read(), regs['tx'][1].read()]
    ksft_eq(now, last, 'queues 1 with their last values')
    cmd('ping -q -c 5 -i 0.01 192.0.2.12')
    # Two reads, not one moment: a late neighbour probe may fall between
    # them; quiescent, they agree.
    for _ in range(20):
        want = qstats_dev(nd, ix)
        rx, tx = link_stats(a)
        same = want and want['rx-packets'] == rx['packets'] and \
            want['tx-packets'] == tx['packets'] and \
            want['rx-bytes'] == rx['bytes'] and \
            want['tx-bytes'] == tx['bytes']
        if same:
            break
        time.sleep(0.2)
    ksft_true(same, f'qstats-get device sum (base included) {want} == '
              f'ip -s link rx {rx} tx {tx}')
    got = instances(ns, 'queue/tx')
    ksft_true(f'{a}/0' in got and f'{a}/1' not in got,
              'QUERY after the shrink: queue 1 no longer listed: '
              f'{sorted(got)}')
    ethtool(f'-L {a} combined 2')
    got = instances(ns, 'queue/rx')
    ksft_true(qa <= got, f'QUERY after the grow: listed again: {sorted(got)}')
    again = Reg(ns, 'queue/rx', f'{a}/1')
    ksft_eq(again.state(), BLOCK_LIVE, 'grown back: queue 1 registers again')
    compare(nd, again, ix, 'rx', 1, 'netdevsim rx 1 again')

    # Delete the device while mapped and read: prompt, all DEAD.
    before = regs['rx'][0].read()
    t0 = time.monotonic()
    p.adev.remove()
    took = time.monotonic() - t0
    ksft_lt(took, 5, f'device deleted in {took:.2f} s while mapped')
    rest = {regs['rx'][0].id, regs['tx'][0].id, again.id, drx.id}
    dead = wait_dead(mon, rest)
    ksft_true(rest <= dead, f'every queue of the deleted device announced: '
              f'{sorted(rest)} in {sorted(dead)}')
    ksft_eq([r.state() for r in (regs['rx'][0], regs['tx'][0], again, drx)],
            [BLOCK_DEAD] * 4, 'their blocks DEAD')
    n = reader.finish()
    ksft_true(n > 0 and not reader.is_alive() and reader.error is None,
              f'read in a loop through shrink, grow and deletion: {n} rounds, '
              f'error {reader.error!r}')
    ksft_eq(regs['rx'][0].read(), before,
            'with the values of their last update')


def main() -> None:
    env = SimpleNamespace(ns=require_group('queue/rx'), mon=monitor(),
                          nd=NetdevFamily())
    ksft_run([bad_object, virtio, nsim_queues, nsim_lifecycle], args=(env,))
    ksft_exit()


if __name__ == "__main__":
    main()
