#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "queue/rx" and "queue/tx", derived from any driver's
# netdev_stat_ops: after traffic the mapped values of each queue equal
# what the netdev family's qstats-get reports for it (virtio_net, from
# `vng --network loop`, one NIC moved to a netns; netdevsim), every
# counter qstats-get reports; a counter the driver does not keep reads
# as all ones.  A queue removed by ethtool -L, and every queue of a
# deleted device, turns DEAD with its last values and is announced;
# deleting a device whose queues are mapped returns at once.

import errno
import glob
import mmap
import os
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

BLOCK_LIVE, BLOCK_DEAD = 1, 2
UNSET = (1 << 64) - 1
PERIOD = 100
NS = 'netstats-qs'

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


class Reg:
    def __init__(self, ns, group, obj):
        rsp = ns.do('register', {'group': group, 'object': obj,
                                 'option': [{'name': 'period-ms',
                                             'value': PERIOD}]})
        self.id = rsp['id']
        self.obj = obj
        self.offs = {c['name']: c['offset'] for c in rsp['counter']}
        self.map = mmap.mmap(rsp['map-fd'], rsp['map-size'], mmap.MAP_SHARED,
                             mmap.PROT_READ, offset=rsp['map-offset'])
        os.close(rsp['map-fd'])

    def hdr(self):
        return struct.unpack_from('<IIIIQ', self.map, 0)

    def read(self):
        while True:
            seq = self.hdr()[2]
            if seq & 1:
                continue
            vals = {n: struct.unpack_from('<Q', self.map, o)[0]
                    for n, o in self.offs.items()}
            if self.hdr()[2] == seq:
                return vals

    def settle(self):
        ts = self.hdr()[4]
        for _ in range(100):
            time.sleep(PERIOD / 1000)
            if self.hdr()[4] > ts + 2 * PERIOD * 1000000:
                break
        return self.read()


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
    kept = {k: v for k, v in got.items() if v != UNSET}
    check(want is not None and kept == want and want.get('packets', 0) > 0,
          f'{what}: mapped {kept} == qstats-get {want}')
    check(all(v == UNSET for k, v in got.items() if k not in want),
          f'{what}: counters qstats-get leaves out read as all ones')


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
                dead.add(m['msg'].get('id'))
        mon.async_msg_queue.clear()
        if want <= dead:
            break
        time.sleep(0.05)
    return dead


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
        rx, tx = Reg(ns, 'queue/rx', f'{a}/0'), Reg(ns, 'queue/tx', f'{a}/0')
        check(rx.hdr()[1] == BLOCK_LIVE, f'{a}: queue blocks LIVE')
        sh('ping -q -c 20 -i 0.01 -s 1000 192.0.2.2 >/dev/null')
        compare(nd, rx, ix, 'rx', 0, f'virtio {a} rx 0')
        compare(nd, tx, ix, 'tx', 0, f'virtio {a} tx 0')
        expect_err(ns, {'group': 'queue/rx', 'object': f'{b}/0'},
                   errno.ENODEV, 'no such device',
                   "another netns's device")
    finally:
        subprocess.run(f'ip netns del {NS}', shell=True)
        subprocess.run(f'ip addr flush dev {a}', shell=True)


class Nsim:
    def __init__(self, queues):
        self.id = 4300 + os.getpid() % 1000
        with open('/sys/bus/netdevsim/new_device', 'w') as f:
            f.write(f'{self.id} 1 {queues}')
        path = f'/sys/bus/netdevsim/devices/netdevsim{self.id}/net/*'
        for _ in range(100):
            if glob.glob(path):
                break
            time.sleep(0.05)
        subprocess.run('udevadm settle', shell=True)
        self.ifname = os.path.basename(glob.glob(path)[0])

    def delete(self):
        with open('/sys/bus/netdevsim/del_device', 'w') as f:
            f.write(f'{self.id}')


def test_nsim(ns, nd, mon):
    if not os.path.exists('/sys/bus/netdevsim/new_device'):
        print('# no netdevsim: its part skipped')
        return
    dev = Nsim(2)
    deleted = False
    try:
        sh(f'ip link set {dev.ifname} up')
        regs = [Reg(ns, f'queue/{d}', f'{dev.ifname}/{i}')
                for d in ('rx', 'tx') for i in (0, 1)]
        check(all(r.hdr()[1] == BLOCK_LIVE for r in regs),
              f'{dev.ifname}: four queue blocks LIVE')
        expect_err(ns, {'group': 'queue/rx', 'object': f'{dev.ifname}/2'},
                   errno.ENOENT, 'has 2 rx queues', 'queue out of range')

        # Shrink: queue 1 of each direction is gone at the next update.
        sh(f'ethtool -L {dev.ifname} combined 1')
        gone = {regs[1].id, regs[3].id}
        dead = wait_dead(mon, gone)
        check(gone <= dead, f'ethtool -L combined 1: queues 1 announced {sorted(dead)}')
        check(regs[1].hdr()[1] == BLOCK_DEAD and regs[3].hdr()[1] == BLOCK_DEAD
              and regs[0].hdr()[1] == BLOCK_LIVE, 'queues 1 DEAD, queues 0 LIVE')
        sh(f'ethtool -L {dev.ifname} combined 2')
        again = Reg(ns, 'queue/rx', f'{dev.ifname}/1')
        check(again.hdr()[1] == BLOCK_LIVE, 'grown back: queue 1 registers again')

        # Delete the device while mapped and read: prompt, all DEAD.
        before = regs[0].read()
        t0 = time.monotonic()
        dev.delete()
        deleted = True
        took = time.monotonic() - t0
        check(took < 5, f'device deleted in {took:.2f} s while mapped')
        rest = {regs[0].id, regs[2].id, again.id}
        dead = wait_dead(mon, rest)
        check(rest <= dead, 'every queue of the deleted device announced')
        check(all(r.hdr()[1] == BLOCK_DEAD for r in (regs[0], regs[2], again)),
              'their blocks DEAD')
        check(regs[0].read() == before, 'with the values of their last update')
    finally:
        if not deleted:
            dev.delete()


def main():
    ns = YnlFamily(os.path.join(SPECS, 'netstats.yaml'))
    mon = YnlFamily(os.path.join(SPECS, 'netstats.yaml'))
    mon.ntf_subscribe('monitor')
    nd = YnlFamily(os.path.join(SPECS, 'netdev.yaml'))
    try:
        ns.do('query', {'name': 'queue/rx'})
    except NlError:
        print('SKIP: kernel without the queue groups')
        return KSFT_SKIP

    expect_err(ns, {'group': 'queue/rx'}, errno.EINVAL,
               'needs <device>/<queue>', 'no object')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo'}, errno.EINVAL,
               'not <device>/<queue>', 'no queue')
    expect_err(ns, {'group': 'queue/tx', 'object': 'nosuchdev/0'},
               errno.ENODEV, 'no such device', 'unknown device')
    expect_err(ns, {'group': 'queue/tx', 'object': 'lo/0'},
               errno.EOPNOTSUPP, 'no per-queue statistics', 'driver without qstats')

    test_virtio(ns, nd)
    test_nsim(ns, nd, mon)

    print(f'# {tests - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
