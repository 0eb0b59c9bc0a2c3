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
import subprocess
import sys
import time

from nslib import (BLOCK_DEAD, BLOCK_LIVE, KSFT_SKIP, NlError, Reg, check,
                   expect_err, family, id_object, sh, summary, wait_dead)

NAMES = ['bytes', 'packets', 'drops', 'requeues', 'overlimits', 'qlen',
         'backlog']
NS = 'netstats-qd'
DEV, PEER = 'nsq0', 'nsq1'
PERIOD = 50


def tc_stats(handle):
    out = subprocess.run(['tc', '-s', '-j', 'qdisc', 'show', 'dev', DEV],
                         capture_output=True, text=True, check=True).stdout
    for q in json.loads(out):
        if q.get('handle') == handle:
            return {n: q[n] for n in NAMES}
    return None


def traffic():
    # Pings and a burst of UDP through the egress qdisc of DEV.
    sh('ping -q -c 20 -i 0.01 -s 1000 192.0.2.2 >/dev/null')
    sh('ping -q -c 5 -i 0.01 -s 3000 192.0.2.2 >/dev/null || true')
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


def one(ns, mon, kind, setup):
    sh(f'tc qdisc del dev {DEV} root 2>/dev/null || true')
    for cmd in setup:
        sh(cmd.format(dev=DEV))
    obj = f'{DEV}/1:'
    reg = Reg(ns, 'qdisc', obj, period_ms=PERIOD)
    check(reg.hdr()[1] == BLOCK_LIVE and reg.hdr()[3] == PERIOD,
          f'{kind}: LIVE, period-ms {reg.hdr()[3]}')
    traffic()
    # Quiescent: tc shows the same before and after two updates.
    for _ in range(20):
        want = quiescent('1:')
        got = reg.settle()
        if tc_stats('1:') == want:
            break
    check(got == want and got['packets'] > 0,
          f'{kind}: mapped {got} == tc -s {want}')

    # Republished every period: the timestamp moves by about one.
    t0 = reg.hdr()[4]
    time.sleep(10 * PERIOD / 1000)
    steps = (reg.hdr()[4] - t0) / (PERIOD * 1e6)
    check(steps >= 3, f'{kind}: {steps:.1f} periods in ten periods of time')

    # Deleted: DEAD, final values, announced; the block stays mapped.
    want = quiescent('1:')
    sh(f'tc qdisc del dev {DEV} root')
    dead = wait_dead(mon, {(reg.id, obj)}, id_object)
    check((reg.id, obj) in dead, f'{kind}: object-dead {obj}')
    final = reg.read()
    check(reg.hdr()[1] == BLOCK_DEAD and final == want,
          f'{kind}: DEAD with the final values {final} (tc: {want})')
    gen_ts = reg.hdr()[4]
    time.sleep(3 * PERIOD / 1000)
    check(reg.hdr()[4] == gen_ts, f'{kind}: no update after death')


def main():
    ns = family('netstats')
    mon = family('netstats')
    mon.ntf_subscribe('monitor')
    try:
        ns.do('query', {'name': 'qdisc'})
    except NlError:
        print('SKIP: kernel without the qdisc group')
        return KSFT_SKIP

    sh(f'ip netns add {NS}')
    try:
        sh(f'ip link add {DEV} numtxqueues 2 numrxqueues 2 type veth '
           f'peer name {PEER} numtxqueues 2 numrxqueues 2 netns {NS}')
        # No IPv6 (router solicitations, MLD): only the test's traffic.
        sh(f'sysctl -qw net.ipv6.conf.{DEV}.disable_ipv6=1')
        sh(f'ip addr add 192.0.2.1/24 dev {DEV}')
        sh(f'ip link set {DEV} up')
        sh(f'ip -n {NS} addr add 192.0.2.2/24 dev {PEER}')
        sh(f'ip -n {NS} link set {PEER} up')
        sh(f'ip -n {NS} link set lo up')
        # No ARP either: the neighbours are known for good.
        for d, n, addr in ((DEV, None, '192.0.2.2'), (PEER, NS, '192.0.2.1')):
            other = PEER if d == DEV else DEV
            pre = f'ip netns exec {n} ' if n else ''
            opre = '' if n else f'ip netns exec {NS} '
            mac = subprocess.run(f'{opre}cat /sys/class/net/{other}/address',
                                 shell=True, capture_output=True, text=True,
                                 check=True).stdout.strip()
            sh(f'{pre}ip neigh replace {addr} lladdr {mac} dev {d} '
               'nud permanent')

        one(ns, mon, 'fq', ['tc qdisc add dev {dev} root handle 1: fq'])
        one(ns, mon, 'fq_codel',
            ['tc qdisc add dev {dev} root handle 1: fq_codel'])
        # A slow class: overlimits and a backlog while the pings queue.
        one(ns, mon, 'htb',
            ['tc qdisc add dev {dev} root handle 1: htb default 10',
             'tc class add dev {dev} parent 1: classid 1:10 htb '
             'rate 2mbit burst 2k'])
        # mq folds its children (one pfifo_fast per tx queue) at dump.
        one(ns, mon, 'mq', ['tc qdisc add dev {dev} root handle 1: mq'])

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
    finally:
        subprocess.run(f'ip link del {DEV}', shell=True)
        subprocess.run(f'ip netns del {NS}', shell=True)

    return summary()


if __name__ == '__main__':
    sys.exit(main())
