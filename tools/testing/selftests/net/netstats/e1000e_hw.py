#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "hw" on e1000e (two NICs on a qemu hub, one moved to a netns,
# 192.0.2.0/24 between them): the counters the driver publishes equal
# ethtool -S (whose read is itself an update of the driver, published),
# the block is republished by the watchdog (every 2 s) or, with timer-ms,
# that often; while the link is down nothing is read and the block keeps
# its values; when the device leaves the netns the registration is DEAD
# with the last values and announced.  Clear-on-read registers are read
# by the driver's updates only: ethtool -S and the block never disagree.

import errno
import glob
import os
import subprocess
import sys
import time

from nslib import (BLOCK_DEAD, BLOCK_LIVE, KSFT_SKIP, NlError, Reg, check,
                   expect_err, family, instances, sh, summary, wait_dead)

NS = 'netstats-hw'
NS2 = 'netstats-hw2'


def ethtool_s(dev, netns=None):
    pre = ['ip', 'netns', 'exec', netns] if netns else []
    out = subprocess.run(pre + ['ethtool', '-S', dev], capture_output=True,
                         text=True, check=True).stdout
    vals = {}
    for line in out.splitlines()[1:]:
        k, _, v = line.strip().partition(':')
        vals[k.strip()] = int(v)
    return vals


def e1000e_nics():
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob('/sys/class/net/*/device/driver')
                  if os.path.basename(os.path.realpath(p)) == 'e1000e')


def timestamps(reg, secs):
    seen = set()
    end = time.monotonic() + secs
    while time.monotonic() < end:
        seen.add(reg.hdr()[4])
        time.sleep(0.01)
    return len(seen)


def main():
    ns = family('netstats')
    mon = family('netstats')
    mon.ntf_subscribe('monitor')
    try:
        ns.do('query', {'name': 'hw'})
    except NlError:
        print('SKIP: kernel without the hw group')
        return KSFT_SKIP
    nics = e1000e_nics()
    if len(nics) < 2:
        print(f'SKIP: two e1000e NICs on a qemu hub needed, have {nics}')
        return KSFT_SKIP
    a, b = nics[:2]

    expect_err(ns, {'group': 'hw'}, errno.EINVAL, 'needs its object named',
               'no object')
    expect_err(ns, {'group': 'hw', 'object': 'lo'}, errno.EOPNOTSUPP,
               'publishes no hardware counters', 'driver without hw ops')

    sh(f'ip netns add {NS}')
    sh(f'ip netns add {NS2}')
    try:
        sh(f'ip link set {b} netns {NS}')
        for cmd in (f'sysctl -qw net.ipv6.conf.{a}.disable_ipv6=1',
                    f'ip addr add 192.0.2.21/24 dev {a}',
                    f'ip link set {a} up',
                    f'ip netns exec {NS} sysctl -qw net.ipv6.conf.{b}.disable_ipv6=1',
                    f'ip -n {NS} addr add 192.0.2.22/24 dev {b}',
                    f'ip -n {NS} link set {b} up'):
            sh(cmd)
        for _ in range(100):	# link up: the watchdog's business
            if subprocess.run(f'ping -q -c 1 -W 1 192.0.2.22 >/dev/null',
                              shell=True).returncode == 0:
                break
            time.sleep(0.1)
        expect_err(ns, {'group': 'hw', 'object': b}, errno.ENODEV,
                   'no such device', "another netns's device")
        inst = instances(ns, 'hw')
        check(a in inst and b not in inst and 'lo' not in inst,
              f'QUERY lists the devices of the netns that publish: {inst}')

        expect_err(ns, {'group': 'hw', 'object': a,
                        'option': [{'name': 'timer-ms', 'value': 50}]},
                   errno.EINVAL, 'at least 100', 'timer-ms 50')

        reg = Reg(ns, 'hw', a)
        check(reg.hdr()[1] == BLOCK_LIVE and reg.hdr()[3] == 2000,
              f'{a}: LIVE, the watchdog\'s period {reg.hdr()[3]} ms')
        check(len(reg.offs) >= 30 and 'rx_packets' in reg.offs,
              f'{len(reg.offs)} counters named as ethtool -S')
        sh('ping -q -c 30 -i 0.02 -s 1000 192.0.2.22 >/dev/null')
        # ethtool -S is an update of the driver: published at once.
        for _ in range(10):
            want = ethtool_s(a)
            got = reg.read()
            if ethtool_s(a) == want:
                break
        diff = {k: (v, want.get(k)) for k, v in got.items()
                if want.get(k) != v}
        check(not diff and got['rx_packets'] >= 30 and got['tx_bytes'] > 30000,
              f'mapped == ethtool -S for {len(got)} counters '
              f'(rx_packets {got["rx_packets"]}, tx_bytes {got["tx_bytes"]}) {diff}')

        # The watchdog alone: about one update per 2 s.
        n = timestamps(reg, 3)
        check(1 <= n <= 3, f'watchdog: {n} timestamps in 3 s')
        # timer-ms 100: about ten a second, for every reader of the page.
        fast = Reg(ns, 'hw', a, timer_ms=100)
        check(reg.hdr()[3] == 100, f'period in force {reg.hdr()[3]} ms')
        n = timestamps(reg, 2)
        check(n >= 10, f'timer-ms 100: {n} timestamps in 2 s')
        fast.map.close()
        ns.do('unregister', {'id': fast.id})
        time.sleep(0.3)
        check(reg.hdr()[3] == 2000, 'back to the watchdog once it went')

        # Down: the driver's last update is published when it goes down;
        # then it reads nothing (ethtool -S neither) and the block stays.
        sh(f'ip link set {a} down')
        time.sleep(0.2)
        ts, before = reg.hdr()[4], reg.read()
        time.sleep(2.5)
        check(reg.hdr()[4] == ts and reg.read() == before
              and reg.hdr()[1] == BLOCK_LIVE,
              'down: no update, values kept, still LIVE')
        now = ethtool_s(a)
        check(all(now.get(k) == v for k, v in before.items()),
              'down: ethtool -S shows the kept values')
        sh(f'ip link set {a} up')
        sh('ping -q -c 5 -i 0.05 192.0.2.22 >/dev/null || true')

        # The device leaves the netns (closed first: one last update):
        # DEAD with the values ethtool -S shows of it in the other netns.
        sh(f'ip link set {a} netns {NS2}')
        dead = wait_dead(mon, {reg.id})
        check(reg.id in dead, 'object-dead when the device left')
        last = reg.read()
        there = ethtool_s(a, NS2)
        diff = {k: (v, there.get(k)) for k, v in last.items()
                if there.get(k) != v}
        check(reg.hdr()[1] == BLOCK_DEAD and not diff
              and last['rx_packets'] > before['rx_packets'],
              f'DEAD with the last values (rx_packets {last["rx_packets"]}) {diff}')
    finally:
        subprocess.run(f'ip -n {NS2} link set {a} netns 1', shell=True)
        subprocess.run(f'ip -n {NS} link set {b} netns 1', shell=True)
        subprocess.run(f'ip netns del {NS}', shell=True)
        subprocess.run(f'ip netns del {NS2}', shell=True)
        subprocess.run(f'ip addr flush dev {a}', shell=True)

    return summary()


if __name__ == '__main__':
    sys.exit(main())
