#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "qdisc": the derived block of a qdisc equals what tc -s qdisc
# shows for it once traffic stopped (fq, fq_codel, htb, and an mq root,
# which folds its children), it is republished every period-ms, and a
# deleted qdisc's block is DEAD with its final values and announced.
# Bad names are refused with the kernel's extack message.

import errno
import json
import socket
import time
from types import SimpleNamespace

from lib.py import ksft_run, ksft_exit
from lib.py import ksft_eq, ksft_ge, ksft_true
from lib.py import NetNS, cmd, ip
from nslib import BLOCK_DEAD, BLOCK_LIVE, Reg
from nslib import expect_err, id_object, monitor, require_group, wait_dead

NAMES = ['bytes', 'packets', 'drops', 'requeues', 'overlimits', 'qlen',
         'backlog']
DEV, PEER = 'nsq0', 'nsq1'
PERIOD = 50


def tc_stats(handle):
    # tc takes -j, not ip's --json (lib.py's tool()).
    for q in json.loads(cmd(f'tc -s -j qdisc show dev {DEV}').stdout):
        if q.get('handle') == handle:
            return {n: q[n] for n in NAMES}
    return None


def traffic():
    # Pings and a burst of UDP through the egress qdisc of DEV.
    cmd('ping -q -c 20 -i 0.01 -s 1000 192.0.2.2')
    cmd('ping -q -c 5 -i 0.01 -s 3000 192.0.2.2', fail=False)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(50):
            s.sendto(b'x' * 1200, ('192.0.2.2', 9))


def quiescent(handle):
    """tc's view once the queue drained."""
    for _ in range(100):
        st = tc_stats(handle)
        if st and st['qlen'] == 0 and st['backlog'] == 0:
            return st
        time.sleep(0.05)
    return tc_stats(handle)


def one(env, kind, setup):
    """The checks of one qdisc at 1: on DEV."""
    cmd(f'tc qdisc del dev {DEV} root', fail=False)
    for c in setup:
        cmd(c.format(dev=DEV))
    obj = f'{DEV}/1:'
    reg = Reg(env.ns, 'qdisc', obj, period_ms=PERIOD)
    ksft_eq(reg.hdr()[1], BLOCK_LIVE, f'{kind}: block state')
    ksft_eq(reg.hdr()[3], PERIOD, f'{kind}: period-ms')
    traffic()
    # Quiescent: tc shows the same before and after two updates.
    for _ in range(20):
        want = quiescent('1:')
        got = reg.settle()
        if tc_stats('1:') == want:
            break
    ksft_eq(got, want, f'{kind}: mapped == tc -s')
    ksft_ge(got['packets'], 1, f'{kind}: packets counted')

    # Republished every period: the timestamp moves by about one.
    t0 = reg.hdr()[4]
    time.sleep(10 * PERIOD / 1000)
    steps = (reg.hdr()[4] - t0) / (PERIOD * 1e6)
    ksft_ge(steps, 3, f'{kind}: {steps:.1f} periods in ten periods of time')

    # Deleted: DEAD, final values, announced; the block stays mapped.
    want = quiescent('1:')
    cmd(f'tc qdisc del dev {DEV} root')
    dead = wait_dead(env.mon, {(reg.id, obj)}, id_object)
    ksft_true((reg.id, obj) in dead,
              f'{kind}: object-dead {(reg.id, obj)}: {sorted(dead)}')
    final = reg.read()
    ksft_eq(reg.hdr()[1], BLOCK_DEAD, f'{kind}: block state once deleted')
    ksft_eq(final, want, f'{kind}: the final values (mapped, tc -s)')
    gen_ts = reg.hdr()[4]
    time.sleep(3 * PERIOD / 1000)
    ksft_eq(reg.hdr()[4], gen_ts, f'{kind}: no update after death')


def fq(env) -> None:
    one(env, 'fq', ['tc qdisc add dev {dev} root handle 1: fq'])


def fq_codel(env) -> None:
    one(env, 'fq_codel', ['tc qdisc add dev {dev} root handle 1: fq_codel'])


def htb(env) -> None:
    # A slow class: overlimits and a backlog while the pings queue.
    one(env, 'htb', ['tc qdisc add dev {dev} root handle 1: htb default 10',
                     'tc class add dev {dev} parent 1: classid 1:10 htb '
                     'rate 2mbit burst 2k'])


def mq(env) -> None:
    # mq folds its children (one pfifo_fast per tx queue) at dump.
    one(env, 'mq', ['tc qdisc add dev {dev} root handle 1: mq'])


def bad_object(env) -> None:
    """Objects and options refused with the kernel's errno and extack
    message."""
    ns = env.ns
    expect_err(ns, {'group': 'qdisc'}, errno.EINVAL,
               'needs its object named', 'no object')
    expect_err(ns, {'group': 'qdisc', 'object': DEV}, errno.EINVAL,
               'handle or its parent', 'no handle')
    expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/x:1'},
               errno.EINVAL, 'handle or its parent', 'bad handle')
    expect_err(ns, {'group': 'qdisc', 'object': f'{PEER}/root'},
               errno.ENODEV, 'no such device', "another netns's device")
    expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/9:'},
               errno.ENOENT, 'no qdisc', 'no qdisc at the handle')
    expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/root',
                    'option': [{'name': 'period-ms', 'value': 1}]},
               errno.ERANGE, 'out of range', 'period below its minimum')


def setup(peer_ns):
    """DEV here, PEER in @peer_ns, 192.0.2.0/24 between them, and only
    the test's traffic on them."""
    ip(f'link add {DEV} numtxqueues 2 numrxqueues 2 type veth '
       f'peer name {PEER} numtxqueues 2 numrxqueues 2 netns {peer_ns}')
    # No IPv6 (router solicitations, MLD).
    cmd(f'sysctl -qw net.ipv6.conf.{DEV}.disable_ipv6=1')
    ip(f'addr add 192.0.2.1/24 dev {DEV}')
    ip(f'link set {DEV} up')
    ip(f'addr add 192.0.2.2/24 dev {PEER}', ns=peer_ns)
    ip(f'link set {PEER} up', ns=peer_ns)
    ip('link set lo up', ns=peer_ns)
    # No ARP either: the neighbours are known for good.
    mac = ip(f'link show {DEV}', json=True)[0]['address']
    pmac = ip(f'link show {PEER}', json=True, ns=peer_ns)[0]['address']
    ip(f'neigh replace 192.0.2.2 lladdr {pmac} dev {DEV} nud permanent')
    ip(f'neigh replace 192.0.2.1 lladdr {mac} dev {PEER} nud permanent',
       ns=peer_ns)


def main() -> None:
    env = SimpleNamespace(ns=require_group('qdisc'), mon=monitor())
    with NetNS() as peer_ns:
        try:
            setup(peer_ns)
            ksft_run([fq, fq_codel, htb, mq, bad_object], args=(env,))
        finally:
            cmd(f'ip link del {DEV}', fail=False)
    ksft_exit()


if __name__ == "__main__":
    main()
