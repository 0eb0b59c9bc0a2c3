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
import sys
import time
from types import SimpleNamespace

from lib.py import ksft_run, ksft_exit, ktap_result
from lib.py import ksft_eq, ksft_ge, ksft_in, ksft_true
from lib.py import NetNS, cmd, ethtool, ip
from nslib import BLOCK_DEAD, BLOCK_LIVE, Reg
from nslib import expect_err, instances, monitor, require_group, wait_dead


def ethtool_s(dev, netns=None):
    out = ethtool(f'-S {dev}', ns=netns).stdout
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


def ping_peer():
    """Ping b until it answers (link up is the watchdog's business)."""
    for _ in range(100):
        if cmd('ping -q -c 1 -W 1 192.0.2.22', fail=False).ret == 0:
            return
        time.sleep(0.1)


def bad_object(env) -> None:
    """Objects and options refused with the kernel's errno and extack
    message."""
    ns = env.ns
    expect_err(ns, {'group': 'hw'}, errno.EINVAL, 'needs its object named',
               'no object')
    expect_err(ns, {'group': 'hw', 'object': 'lo'}, errno.EOPNOTSUPP,
               'publishes no hardware counters', 'driver without hw ops')
    expect_err(ns, {'group': 'hw', 'object': env.b}, errno.ENODEV,
               'no such device', "another netns's device")
    expect_err(ns, {'group': 'hw', 'object': env.a,
                    'option': [{'name': 'timer-ms', 'value': 50}]},
               errno.EINVAL, 'at least 100', 'timer-ms 50')


def query(env) -> None:
    """QUERY lists the devices of the netns that publish."""
    inst = instances(env.ns, 'hw')
    ksft_in(env.a, inst, 'QUERY lists our e1000e')
    ksft_true(env.b not in inst and 'lo' not in inst,
              f"QUERY lists neither another netns's device nor lo: {inst}")


def mapped(env) -> None:
    """The block equals ethtool -S, counter by counter."""
    a = env.a
    reg = Reg(env.ns, 'hw', a)
    ksft_eq(reg.hdr()[1], BLOCK_LIVE, f'{a}: block state')
    ksft_eq(reg.hdr()[3], 2000, f"{a}: the watchdog's period (ms)")
    ksft_ge(len(reg.offs), 30, f'{len(reg.offs)} counters named as ethtool -S')
    ksft_in('rx_packets', reg.offs, 'counters named as ethtool -S')
    cmd('ping -q -c 30 -i 0.02 -s 1000 192.0.2.22')
    # ethtool -S is an update of the driver: published at once.
    for _ in range(10):
        want = ethtool_s(a)
        got = reg.read()
        if ethtool_s(a) == want:
            break
    diff = {k: (v, want.get(k)) for k, v in got.items() if want.get(k) != v}
    ksft_eq(diff, {}, f'mapped == ethtool -S for {len(got)} counters: '
            '{name: (mapped, ethtool -S)} of those that differ')
    ksft_ge(got['rx_packets'], 30, 'the pings counted in rx_packets')
    ksft_ge(got['tx_bytes'], 30001, 'the pings counted in tx_bytes')


def watchdog(env) -> None:
    """Republished every 2 s by the watchdog, every timer-ms while a
    registration asks for it."""
    a = env.a
    reg = Reg(env.ns, 'hw', a)
    n = timestamps(reg, 3)
    ksft_true(1 <= n <= 3, f'watchdog: {n} timestamps in 3 s')
    # timer-ms 100: about ten a second, for every reader of the page.
    fast = Reg(env.ns, 'hw', a, timer_ms=100)
    ksft_eq(reg.hdr()[3], 100, 'period in force (ms) with timer-ms 100')
    n = timestamps(reg, 2)
    ksft_ge(n, 10, f'timer-ms 100: {n} timestamps in 2 s')
    fast.map.close()
    env.ns.unregister({'id': fast.id})
    time.sleep(0.3)
    ksft_eq(reg.hdr()[3], 2000, 'back to the watchdog once it went')


def link_down(env) -> None:
    """The driver's last update is published when it goes down; then it
    reads nothing (ethtool -S neither) and the block stays."""
    a = env.a
    reg = Reg(env.ns, 'hw', a)
    ip(f'link set {a} down')
    try:
        time.sleep(0.2)
        ts, before = reg.hdr()[4], reg.read()
        time.sleep(2.5)
        ksft_eq(reg.hdr()[4], ts, 'down: no update')
        ksft_eq(reg.read(), before, 'down: values kept')
        ksft_eq(reg.hdr()[1], BLOCK_LIVE, 'down: still LIVE')
        now = ethtool_s(a)
        ksft_eq({k: now.get(k) for k in before}, before,
                'down: ethtool -S shows the kept values')
    finally:
        ip(f'link set {a} up')
    ping_peer()


def leaves_netns(env) -> None:
    """The device leaves the netns (closed first: one last update): DEAD
    with the values ethtool -S shows of it in the other netns."""
    a = env.a
    reg = Reg(env.ns, 'hw', a)
    before = reg.read()
    cmd('ping -q -c 5 -i 0.05 192.0.2.22', fail=False)
    ip(f'link set {a} netns {env.ns2}')
    dead = wait_dead(env.mon, {reg.id})
    ksft_in(reg.id, dead, 'object-dead when the device left')
    last = reg.read()
    there = ethtool_s(a, env.ns2)
    diff = {k: (v, there.get(k)) for k, v in last.items()
            if there.get(k) != v}
    ksft_eq(reg.hdr()[1], BLOCK_DEAD, 'block state once it left')
    ksft_eq(diff, {}, 'DEAD with the last values: {name: (mapped, ethtool -S '
            'there)} of those that differ')
    ksft_ge(last['rx_packets'], before['rx_packets'] + 1,
            'the last pings counted')


def main() -> None:
    env = SimpleNamespace(ns=require_group('hw'), mon=monitor())
    nics = e1000e_nics()
    if len(nics) < 2:
        ktap_result(True, comment='SKIP two e1000e NICs on a qemu hub '
                    f'needed, have {nics}')
        sys.exit(4)
    env.a, env.b = nics[:2]
    a, b = env.a, env.b
    with NetNS() as ns1, NetNS() as ns2:
        env.ns2 = ns2
        try:
            ip(f'link set {b} netns {ns1}')
            cmd(f'sysctl -qw net.ipv6.conf.{a}.disable_ipv6=1')
            ip(f'addr add 192.0.2.21/24 dev {a}')
            ip(f'link set {a} up')
            cmd(f'sysctl -qw net.ipv6.conf.{b}.disable_ipv6=1', ns=ns1)
            ip(f'addr add 192.0.2.22/24 dev {b}', ns=ns1)
            ip(f'link set {b} up', ns=ns1)
            ping_peer()
            # leaves_netns moves a away: last.
            ksft_run([bad_object, query, mapped, watchdog, link_down,
                      leaves_netns], args=(env,))
        finally:
            cmd(f'ip -n {ns2} link set {a} netns 1', fail=False)
            cmd(f'ip -n {ns1} link set {b} netns 1', fail=False)
    cmd(f'ip addr flush dev {a}', fail=False)
    ksft_exit()


if __name__ == "__main__":
    main()
