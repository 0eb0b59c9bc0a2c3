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
import json
import os
import subprocess
import sys
import threading
import time

from nslib import (BLOCK_DEAD, BLOCK_LIVE, KSFT_SKIP, NlError, Reg as NsReg,
                   check, expect_err, family, instances, sh, summary,
                   wait_dead)

UNSET = (1 << 64) - 1
PERIOD = 100
NS = 'netstats-qs'
NS2 = 'netstats-qs2'


def Reg(ns, group, obj, derived=None):
    """A queue registration: period-ms PERIOD where derived."""
    if derived is None:
        return NsReg(ns, group, obj, period_ms=PERIOD)
    return NsReg(ns, group, obj, period_ms=PERIOD, derived=derived)


def qstats(nd, ifindex, qtype, qid):
    for q in nd.dump('qstats-get', {'ifindex': ifindex, 'scope': 'queue'}):
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
    kept = {k: v for k, v in got.items() if k in (want or {})}
    check(want is not None and kept == want and set(want) <= set(got),
          f'{what}: mapped {kept} == qstats-get {want}')
    if reg.derived:
        check(all(v == UNSET for k, v in got.items() if k not in want),
              f'{what}: counters qstats-get leaves out read as all ones')
    return got


def link_stats(dev, ns=None):
    pre = f'-n {ns} ' if ns else ''
    out = subprocess.run(f'ip {pre}-s -j link show dev {dev}', shell=True,
                         capture_output=True, text=True, check=True).stdout
    st = json.loads(out)[0]['stats64']
    return st['rx'], st['tx']


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
    check(sums == want and want['rx'][0] > 0 and want['tx'][0] > 0,
          f'{what}: sum of the mapped queues {sums} == ip -s link {want}')


def ifindex(name, ns=None):
    pre = f'ip netns exec {ns} ' if ns else ''
    out = subprocess.run(f'{pre}cat /sys/class/net/{name}/ifindex', shell=True,
                         capture_output=True, text=True, check=True).stdout
    return int(out)


def virtio_pair():
    nics = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob('/sys/class/net/*/device/driver')
                  if os.path.basename(os.path.realpath(p)) == 'virtio_net')
    return nics[:2] if len(nics) >= 2 else None


def test_virtio(ns, nd):
    pair = virtio_pair()
    if not pair:
        print('# no two looped virtio_net NICs: virtio part skipped')
        return
    a, b = pair
    sh(f'ip netns add {NS}')
    try:
        sh(f'ip link set {b} netns {NS}')
        sh(f'ip addr add 192.0.2.1/24 dev {a}')
        sh(f'ip link set {a} up')
        sh(f'ip -n {NS} addr add 192.0.2.2/24 dev {b}')
        sh(f'ip -n {NS} link set {b} up')
        ix = ifindex(a)
        nq = len(glob.glob(f'/sys/class/net/{a}/queues/rx-*'))
        regs = {d: [Reg(ns, f'queue/{d}', f'{a}/{i}') for i in range(nq)]
                for d in ('rx', 'tx')}
        rx, tx = regs['rx'][0], regs['tx'][0]
        check(not rx.derived and not tx.derived and
              rx.state() == BLOCK_LIVE and 'xdp_drops' in rx.offs and
              'tx_timeouts' in tx.offs,
              f'{a}: {nq} queue pairs, the driver\'s own counters mapped '
              f'(not derived, {len(rx.offs)} rx and {len(tx.offs)} tx counters)')
        drx, dtx = (Reg(ns, 'queue/rx', f'{a}/0', derived=1),
                    Reg(ns, 'queue/tx', f'{a}/0', derived=1))
        check(drx.derived and dtx.derived, 'derived=1: the qstats form')
        p0 = rx.read()['packets']
        sh('ping -q -c 1 -W 2 192.0.2.2 >/dev/null')
        check(sum(r.read()['packets'] for r in regs['rx']) > p0,
              'one ping: a mapped rx counter moved, no period')
        sh('ping -q -c 20 -i 0.01 -s 1000 192.0.2.2 >/dev/null')
        for d in ('rx', 'tx'):
            for i in range(nq):
                compare(nd, regs[d][i], ix, d, i, f'virtio {a} {d} {i}')
        compare(nd, drx, ix, 'rx', 0, f'virtio {a} rx 0 derived')
        compare(nd, dtx, ix, 'tx', 0, f'virtio {a} tx 0 derived')
        compare_sum(regs, a, what=f'virtio {a}')
        expect_err(ns, {'group': 'queue/rx', 'object': f'{b}/0'},
                   errno.ENODEV, 'no such device',
                   "another netns's device")
    finally:
        subprocess.run(f'ip netns del {NS}', shell=True)
        subprocess.run(f'ip addr flush dev {a}', shell=True)


class Nsim:
    def __init__(self, queues, n=0):
        self.id = 4300 + os.getpid() % 1000 * 2 + n
        with open('/sys/bus/netdevsim/new_device', 'w') as f:
            f.write(f'{self.id} 1 {queues}')
        path = f'/sys/bus/netdevsim/devices/netdevsim{self.id}/net/*'
        for _ in range(100):
            if glob.glob(path):
                break
            time.sleep(0.05)
        subprocess.run('udevadm settle', shell=True)
        self.ifname = os.path.basename(glob.glob(path)[0])
        self.deleted = False

    def delete(self):
        if not self.deleted:
            with open('/sys/bus/netdevsim/del_device', 'w') as f:
                f.write(f'{self.id}')
        self.deleted = True


def nsim_link(a, b, ns_b):
    fa = os.open('/proc/self/ns/net', os.O_RDONLY)
    fb = os.open(f'/run/netns/{ns_b}', os.O_RDONLY)
    try:
        with open('/sys/bus/netdevsim/link_device', 'w') as f:
            f.write(f'{fa}:{ifindex(a)} {fb}:{ifindex(b, ns_b)}')
    finally:
        os.close(fa)
        os.close(fb)


def qstats_dev(nd, ix):
    for q in nd.dump('qstats-get', {'ifindex': ix}):
        return {k: v for k, v in q.items() if k != 'ifindex'}
    return None


class Reader(threading.Thread):
    """Reads mapped blocks in a loop: a fault would kill the test."""

    def __init__(self, regs):
        super().__init__(daemon=True)
        self.regs = regs
        self.reads = 0
        self.stop = False
        self.error = None

    def run(self):
        try:
            while not self.stop:
                for r in self.regs:
                    r.state()
                    r.read()
                self.reads += 1
        except Exception as e:	# pylint: disable=broad-except
            self.error = e

    def finish(self):
        self.stop = True
        self.join(10)
        return self.reads


def test_nsim(ns, nd, mon):
    if not os.path.exists('/sys/bus/netdevsim/new_device'):
        print('# no netdevsim: its part skipped')
        return
    a, b = Nsim(2, 0), Nsim(2, 1)
    sh(f'ip netns add {NS2}')
    try:
        sh(f'ip link set {b.ifname} netns {NS2}')
        # No IPv6 (router solicitations, MLD): only the test's traffic.
        sh(f'sysctl -qw net.ipv6.conf.{a.ifname}.disable_ipv6=1')
        sh(f'ip netns exec {NS2} sysctl -qw '
           f'net.ipv6.conf.{b.ifname}.disable_ipv6=1')
        nsim_link(a.ifname, b.ifname, NS2)
        sh(f'ip addr add 192.0.2.11/24 dev {a.ifname}')
        sh(f'ip -n {NS2} addr add 192.0.2.12/24 dev {b.ifname}')
        # Permanent neighbours: no ARP probe moves a queue late (the
        # peer's first probe comes 5 s after the ping, at any later step).
        mac = {n: json.loads(subprocess.check_output(
                   f'ip {netns} -j link show {n}', shell=True))[0]['address']
               for n, netns in ((a.ifname, ''), (b.ifname, f'-n {NS2}'))}
        sh(f'ip neigh replace 192.0.2.12 lladdr {mac[b.ifname]} '
           f'dev {a.ifname} nud permanent')
        sh(f'ip -n {NS2} neigh replace 192.0.2.11 lladdr {mac[a.ifname]} '
           f'dev {b.ifname} nud permanent')
        sh(f'ip link set {a.ifname} up')
        sh(f'ip -n {NS2} link set {b.ifname} up')
        ix = ifindex(a.ifname)
        regs = {d: [Reg(ns, f'queue/{d}', f'{a.ifname}/{i}') for i in (0, 1)]
                for d in ('rx', 'tx')}
        allr = regs['rx'] + regs['tx']
        check(all(r.state() == BLOCK_LIVE and not r.derived for r in allr),
              f'{a.ifname}: four queue blocks LIVE, mapped (not derived)')
        expect_err(ns, {'group': 'queue/rx', 'object': f'{a.ifname}/2'},
                   errno.ENOENT, 'has 2 rx queues', 'queue out of range')
        # A driver's block in a page that holds other data: refused.
        knob = glob.glob('/sys/kernel/debug/netdevsim/'
                         f'netdevsim{a.id}/ports/*/netstats_foreign_block')
        if check(len(knob) == 1, 'netdevsim: debugfs netstats_foreign_block'):
            with open(knob[0], 'w') as f:
                f.write('1')
            try:
                expect_err(ns, {'group': 'queue/rx',
                                'object': f'{a.ifname}/1'},
                           errno.EINVAL, 'queue block is not mappable',
                           'a block in a page of other data')
            finally:
                with open(knob[0], 'w') as f:
                    f.write('0')
        qa = {f'{a.ifname}/0', f'{a.ifname}/1'}
        got = instances(ns, 'queue/rx') | instances(ns, 'queue/tx')
        check(qa <= got and not any(i.startswith(b.ifname + '/') for i in got),
              f'QUERY lists the queues of the netns: {sorted(got)}')

        sh('ping -q -c 20 -i 0.01 -s 500 192.0.2.12 >/dev/null')
        for d in ('rx', 'tx'):
            for i in (0, 1):
                compare(nd, regs[d][i], ix, d, i, f'netdevsim {d} {i}')
        compare_sum(regs, a.ifname, what='netdevsim')
        drx = Reg(ns, 'queue/rx', f'{a.ifname}/0', derived=1)
        check(drx.derived, 'derived=1 on netdevsim: the qstats form')
        compare(nd, drx, ix, 'rx', 0, 'netdevsim rx 0 derived')
        # Honest counters: what a sent, its peer received, header and all.
        for _ in range(20):	# quiescent: the same before and after
            tx = [r.read() for r in regs['tx']]
            prx, _ = link_stats(b.ifname, NS2)
            _, atx = link_stats(a.ifname)
            if [r.read() for r in regs['tx']] == tx and \
               link_stats(b.ifname, NS2)[0] == prx:
                break
            time.sleep(0.2)
        sent = (sum(v['packets'] for v in tx), sum(v['bytes'] for v in tx),
                sum(v['hw_drops'] for v in tx))
        check(sent[:2] == (prx['packets'], prx['bytes']) and
              sent[2] == atx['dropped'],
              f'sent {sent[:2]} == received by the peer in {NS2} '
              f'{(prx["packets"], prx["bytes"])}; dropped before the peer '
              f'was up {sent[2]} == ip -s link {atx["dropped"]}')

        # Shrink: the driver tells netstats; queues 1 die at once.
        last = [regs['rx'][1].read(), regs['tx'][1].read()]
        reader = Reader(allr + [drx])
        reader.start()
        sh(f'ethtool -L {a.ifname} combined 1')
        gone = {regs['rx'][1].id, regs['tx'][1].id}
        check(regs['rx'][1].state() == BLOCK_DEAD and
              regs['tx'][1].state() == BLOCK_DEAD and
              regs['rx'][0].state() == BLOCK_LIVE,
              'ethtool -L combined 1: queues 1 DEAD at once, queues 0 LIVE')
        dead = wait_dead(mon, gone)
        check(gone <= dead, f'queues 1 announced {sorted(dead)}')
        now = [regs['rx'][1].read(), regs['tx'][1].read()]
        check(now == last, 'with their last values' +
              ('' if now == last else f': {now} != {last}'))
        sh('ping -q -c 5 -i 0.01 192.0.2.12 >/dev/null')
        # Two reads, not one moment: a late neighbour probe may fall
        # between them; quiescent, they agree.
        for _ in range(20):
            want = qstats_dev(nd, ix)
            rx, tx = link_stats(a.ifname)
            same = want and want['rx-packets'] == rx['packets'] and \
                want['tx-packets'] == tx['packets'] and \
                want['rx-bytes'] == rx['bytes'] and \
                want['tx-bytes'] == tx['bytes']
            if same:
                break
            time.sleep(0.2)
        check(same, f'qstats-get device sum (base included) {want} == '
              f'ip -s link rx {rx} tx {tx}')
        got = instances(ns, 'queue/tx')
        check(f'{a.ifname}/0' in got and f'{a.ifname}/1' not in got,
              'QUERY after the shrink: queue 1 no longer listed')
        sh(f'ethtool -L {a.ifname} combined 2')
        check(qa <= instances(ns, 'queue/rx'), 'QUERY after the grow: listed again')
        again = Reg(ns, 'queue/rx', f'{a.ifname}/1')
        check(again.state() == BLOCK_LIVE, 'grown back: queue 1 registers again')
        compare(nd, again, ix, 'rx', 1, 'netdevsim rx 1 again')

        # Delete the device while mapped and read: prompt, all DEAD.
        before = regs['rx'][0].read()
        t0 = time.monotonic()
        a.delete()
        took = time.monotonic() - t0
        check(took < 5, f'device deleted in {took:.2f} s while mapped')
        rest = {regs['rx'][0].id, regs['tx'][0].id, again.id, drx.id}
        dead = wait_dead(mon, rest)
        check(rest <= dead, 'every queue of the deleted device announced')
        check(all(r.state() == BLOCK_DEAD
                  for r in (regs['rx'][0], regs['tx'][0], again, drx)),
              'their blocks DEAD')
        n = reader.finish()
        check(n > 0 and not reader.is_alive() and reader.error is None,
              f'read in a loop through shrink, grow and deletion: {n} rounds, no fault')
        check(regs['rx'][0].read() == before,
              'with the values of their last update')
    finally:
        a.delete()
        b.delete()
        subprocess.run(f'ip netns del {NS2}', shell=True)


def main():
    ns = family('netstats')
    mon = family('netstats')
    mon.ntf_subscribe('monitor')
    nd = family('netdev')
    try:
        ns.do('query', {'name': 'queue/rx'})
    except NlError:
        print('SKIP: kernel without the queue groups')
        return KSFT_SKIP

    expect_err(ns, {'group': 'queue/rx'}, errno.EINVAL,
               'needs its object named', 'no object')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo'}, errno.EINVAL,
               "ifindex and the queue's id", 'no queue')
    expect_err(ns, {'group': 'queue/tx', 'object': 'nosuchdev/0'},
               errno.ENODEV, 'no such device', 'unknown device')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo/0'},
               errno.EOPNOTSUPP, 'no per-queue statistics', 'driver without qstats')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo/0',
                    'option': [{'name': 'derived', 'value': 1}]},
               errno.EOPNOTSUPP, 'no qstats to derive from',
               'derived=1, driver without qstats')

    test_virtio(ns, nd)
    test_nsim(ns, nd, mon)

    return summary()


if __name__ == '__main__':
    sys.exit(main())
