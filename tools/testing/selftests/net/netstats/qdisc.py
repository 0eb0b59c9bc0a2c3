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
import mmap
import os
import socket
import struct
import subprocess
import sys
import time

KSRC = os.environ.get('KSRC', os.path.abspath(
    os.path.join(os.path.dirname(__file__), '../../../../..')))
sys.path.insert(0, os.path.join(KSRC, 'tools/net/ynl'))
SPECS = os.path.join(KSRC, 'Documentation/netlink/specs')

KSFT_SKIP = 4

try:
    from lib import YnlFamily, NlError
except ImportError as e:
    print(f'SKIP: no YNL library in {KSRC}/tools/net/ynl ({e})')
    sys.exit(KSFT_SKIP)

NAMES = ['bytes', 'packets', 'drops', 'requeues', 'overlimits', 'qlen',
         'backlog']
BLOCK_LIVE, BLOCK_DEAD = 1, 2
NS = 'netstats-qd'
DEV, PEER = 'nsq0', 'nsq1'
PERIOD = 50

failed = 0
tests = 0


def check(cond, what):
    global failed, tests
    tests += 1
    print(f'{"ok" if cond else "not ok"} {tests} {what}')
    if not cond:
        failed += 1
    return cond


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def tc_stats(handle):
    out = subprocess.run(['tc', '-s', '-j', 'qdisc', 'show', 'dev', DEV],
                         capture_output=True, text=True, check=True).stdout
    for q in json.loads(out):
        if q.get('handle') == handle:
            return {n: q[n] for n in NAMES}
    return None


class Reg:
    """A qdisc registration, read from its derived block."""

    def __init__(self, ns, obj, period=PERIOD):
        rsp = ns.do('register', {'group': 'qdisc', 'object': obj,
                                 'option': [{'name': 'period-ms',
                                             'value': period}]})
        self.id = rsp['id']
        self.offs = {c['name']: (c['offset'], c['type'])
                     for c in rsp['counter']}
        self.map = mmap.mmap(rsp['map-fd'], rsp['map-size'], mmap.MAP_SHARED,
                             mmap.PROT_READ, offset=rsp['map-offset'])
        os.close(rsp['map-fd'])

    def hdr(self):
        """generation, state, seq, period_ms, timestamp_ns"""
        return struct.unpack_from('<IIIIQ', self.map, 0)

    def read(self):
        while True:
            seq = self.hdr()[2]
            if seq & 1:
                continue
            vals = {n: struct.unpack_from('<Q' if t == 'u64' else '<I',
                                          self.map, off)[0]
                    for n, (off, t) in self.offs.items()}
            if self.hdr()[2] == seq:
                return vals

    def settle(self):
        """Values once two more updates went by."""
        ts = self.hdr()[4]
        for _ in range(200):
            time.sleep(PERIOD / 1000)
            if self.hdr()[4] > ts + 2 * PERIOD * 1000000:
                break
        return self.read()


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


def expect_err(ns, req, err, msg, what):
    try:
        ns.do('register', req)
    except NlError as e:
        ext = e.nl_msg.extack.get('msg', '')
        return check(e.nl_msg.error == -err and msg in ext,
                     f'{what}: -{errno.errorcode[err]} "{ext}"')
    return check(False, f'{what}: accepted')


def wait_dead(mon, want):
    dead = set()
    for _ in range(200):
        mon.check_ntf()
        for m in mon.async_msg_queue:
            if m['name'] == 'object-dead':
                dead.add((m['msg'].get('id'), m['msg'].get('object')))
        mon.async_msg_queue.clear()
        if want <= dead:
            break
        time.sleep(0.05)
    return dead


def one(ns, mon, kind, setup):
    sh(f'tc qdisc del dev {DEV} root 2>/dev/null || true')
    for cmd in setup:
        sh(cmd.format(dev=DEV))
    obj = f'{DEV}/1:'
    reg = Reg(ns, obj)
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
    sh(f'tc qdisc del dev {DEV} root')
    dead = wait_dead(mon, {(reg.id, obj)})
    check((reg.id, obj) in dead, f'{kind}: object-dead {obj}')
    check(reg.hdr()[1] == BLOCK_DEAD and reg.read() == want,
          f'{kind}: DEAD with the final values')
    gen_ts = reg.hdr()[4]
    time.sleep(3 * PERIOD / 1000)
    check(reg.hdr()[4] == gen_ts, f'{kind}: no update after death')


def main():
    ns = YnlFamily(os.path.join(SPECS, 'netstats.yaml'))
    mon = YnlFamily(os.path.join(SPECS, 'netstats.yaml'))
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
                   'needs <device>/<handle>', 'no object')
        expect_err(ns, {'group': 'qdisc', 'object': DEV}, errno.EINVAL,
                   'not <device>/<handle>', 'no handle')
        expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/x:1'},
                   errno.EINVAL, 'in hex', 'bad handle')
        expect_err(ns, {'group': 'qdisc', 'object': f'{PEER}/root'},
                   errno.ENODEV, 'no such device', "another netns's device")
        expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/9:'},
                   errno.ENOENT, 'no qdisc', 'no qdisc at the handle')
        expect_err(ns, {'group': 'qdisc', 'object': f'{DEV}/root',
                        'option': [{'name': 'period-ms', 'value': 1}]},
                   errno.ERANGE, 'period-ms', 'period below its minimum')
    finally:
        subprocess.run(f'ip link del {DEV}', shell=True)
        subprocess.run(f'ip netns del {NS}', shell=True)

    print(f'# {tests - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
