#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "core/page_pool": the mapped statistics of a page pool equal
# what the netdev family's page-pool-stats-get reports for it, per-CPU
# copies summed; a freed pool's block is DEAD with its final values and
# announced; bad names are refused with the kernel's extack message.
#
# The pools are netdevsim's (one per rx queue, created when the device
# goes up); its debugfs "pp_hold" allocates one page from the first
# queue's pool and returns it, which moves the alloc and recycle
# statistics.

import ast
import errno
import glob
import mmap
import os
import struct
import subprocess
import sys
import time

from nslib import (BLOCK_DEAD, BLOCK_LIVE, KSFT_SKIP, KSRC, SPECS, NlError,
                   check, expect_err, family, id_object, sh, summary,
                   wait_dead)

NAMES = ['alloc_fast', 'alloc_slow', 'alloc_slow_high_order', 'alloc_empty',
         'alloc_refill', 'alloc_waive', 'recycle_cached',
         'recycle_cache_full', 'recycle_ring', 'recycle_ring_full',
         'recycle_released_refcnt']


class Nsim:
    """A netdevsim device with one port and @queues queues."""

    def __init__(self, queues):
        self.id = 4200 + os.getpid() % 1000
        with open('/sys/bus/netdevsim/new_device', 'w') as f:
            f.write(f'{self.id} 1 {queues}')
        path = f'/sys/bus/netdevsim/devices/netdevsim{self.id}/net/*'
        for _ in range(100):
            devs = glob.glob(path)
            if devs:
                break
            time.sleep(0.05)
        # udev may rename it: let it, then take the name it kept.
        subprocess.run('udevadm settle', shell=True)
        self.ifname = os.path.basename(glob.glob(path)[0])
        with open(f'/sys/class/net/{self.ifname}/ifindex') as f:
            self.ifindex = int(f.read())
        self.dfs = f'/sys/kernel/debug/netdevsim/netdevsim{self.id}/ports/0'

    def pp_hold(self, val):
        with open(f'{self.dfs}/pp_hold', 'w') as f:
            f.write('1' if val else '0')

    def delete(self):
        with open('/sys/bus/netdevsim/del_device', 'w') as f:
            f.write(f'{self.id}')


class Reg:
    """A core/page_pool registration, read from its mapping."""

    def __init__(self, ns, pool_id):
        rsp = ns.do('register', {'group': 'core/page_pool',
                                 'page-pool': {'id': pool_id}})
        self.id = rsp['id']
        self.ncpus = rsp['ncpus']
        self.stride = rsp['percpu-stride']
        self.block = rsp['block-offset']
        self.offs = {c['name']: c['offset'] for c in rsp['counter']}
        self.map = mmap.mmap(rsp['map-fd'], rsp['map-size'], mmap.MAP_SHARED,
                             mmap.PROT_READ, offset=rsp['map-offset'])
        os.close(rsp['map-fd'])

    def hdr(self, cpu=0):
        return struct.unpack_from('<II', self.map,
                                  self.block + cpu * self.stride)

    def read(self):
        return {n: sum(struct.unpack_from('<Q', self.map,
                                          self.offs[n] + c * self.stride)[0]
                       for c in range(self.ncpus))
                for n in NAMES}


def oracle(nd, pool_id):
    st = nd.do('page-pool-stats-get', {'info': {'id': pool_id}})
    return {n: st.get(n.replace('_', '-'), 0) for n in NAMES}


def main():
    if not os.path.exists('/sys/bus/netdevsim/new_device'):
        print('SKIP: no netdevsim')
        return KSFT_SKIP
    ns = family('netstats')
    mon = family('netstats')
    mon.ntf_subscribe('monitor')
    nd = family('netdev')
    try:
        ns.do('query', {'name': 'core/page_pool'})
    except NlError:
        print('SKIP: kernel without the core/page_pool group')
        return KSFT_SKIP

    dev = Nsim(2)
    sh(f'ip link set dev {dev.ifname} up')
    pools = sorted(p['id'] for p in nd.dump('page-pool-get', {})
                   if p.get('ifindex') == dev.ifindex)
    check(len(pools) == 2, f'{dev.ifname}: one pool per rx queue: {pools}')

    regs = [Reg(ns, p) for p in pools]
    r = regs[0]
    check(r.ncpus == os.sysconf('SC_NPROCESSORS_CONF') or r.ncpus >= 1,
          f'ncpus {r.ncpus}, stride {r.stride}')
    check(r.hdr()[1] == BLOCK_LIVE, 'block LIVE')
    check(sorted(r.offs) == sorted(NAMES), 'counters named as page-pool-stats-get')

    # Hold and return a page a few times: slow, then fast allocations,
    # recycling into the ring.
    for _ in range(3):
        dev.pp_hold(True)
        dev.pp_hold(False)
    for p, reg in zip(pools, regs):
        got, want = reg.read(), oracle(nd, p)
        check(got == want, f'pool {p}: mapped {got} == page-pool-stats-get {want}')
    got = regs[0].read()
    check(got['alloc_slow'] >= 1 and got['recycle_ring'] >= 1,
          'the held pages moved alloc_slow and recycle_ring')

    # Visible at the next read, no timer: one more round.
    dev.pp_hold(True)
    mid = regs[0].read()
    check(mid == oracle(nd, pools[0]), 'a held page is counted at once')
    dev.pp_hold(False)
    after = regs[0].read()
    check(after['recycle_ring'] == mid['recycle_ring'] + 1,
          'its return is counted at once')

    # Errors.
    expect_err(ns, {'group': 'core/page_pool'}, errno.EINVAL,
               'needs its object named', 'no object')
    expect_err(ns, {'group': 'core/page_pool', 'object': 'x1'}, errno.EINVAL,
               "needs the pool's id", 'object not a number')
    expect_err(ns, {'group': 'core/page_pool', 'object': str(max(pools) + 1000)},
               errno.ENOENT, 'no page pool with this id', 'unknown pool')

    # Down, the first pool keeping a page in flight: both pools are
    # destroyed.  The second is freed at once: DEAD, final values,
    # announced.  The first waits for its page.
    dev.pp_hold(True)
    held = oracle(nd, pools[0])
    final = oracle(nd, pools[1])
    sh(f'ip link set dev {dev.ifname} down')
    dead = wait_dead(mon, {(regs[1].id, str(pools[1]))}, id_object)
    check((regs[1].id, str(pools[1])) in dead,
          f'object-dead for the freed pool: {sorted(dead)}')
    check(all(regs[1].hdr(c)[1] == BLOCK_DEAD
              for c in range(regs[1].ncpus)), 'its block DEAD on every CPU')
    check(regs[1].read() == final, 'its final values kept after it went')
    check(regs[0].hdr()[1] == BLOCK_LIVE and regs[0].read() == held,
          'a destroyed pool with a page in flight stays LIVE')
    dev.pp_hold(False)
    dead = wait_dead(mon, {(regs[0].id, str(pools[0]))}, id_object)
    check((regs[0].id, str(pools[0])) in dead,
          'object-dead once its last page came back')
    got = regs[0].read()
    check(regs[0].hdr()[1] == BLOCK_DEAD and
          all(got[n] == held[n] for n in NAMES if n.startswith('alloc')) and
          sum(got[n] for n in NAMES if n.startswith('recycle')) ==
          sum(held[n] for n in NAMES if n.startswith('recycle')) + 1,
          f'DEAD, the return counted: {got}')

    # The device goes up in another netns: its new pools are that
    # netns's, as page-pool-get shows them, not ours.
    sh('ip netns add netstats-pp')
    try:
        sh(f'ip link set dev {dev.ifname} netns netstats-pp')
        sh(f'ip -n netstats-pp link set dev {dev.ifname} up')
        out = subprocess.run(
            ['ip', 'netns', 'exec', 'netstats-pp', sys.executable,
             os.path.join(KSRC, 'tools/net/ynl/cli.py'), '--spec',
             os.path.join(SPECS, 'netdev.yaml'), '--dump', 'page-pool-get'],
            capture_output=True, text=True, check=True).stdout
        theirs = [p['id'] for p in ast.literal_eval(out)
                  if p['id'] not in pools]
        check(len(theirs) == 2, f'pools in the other netns: {theirs}')
        for p in theirs:
            expect_err(ns, {'group': 'core/page_pool', 'object': str(p)},
                       errno.ENOENT, 'no page pool with this id',
                       f"pool {p} of another netns's device")
    finally:
        dev.delete()
        sh('ip netns del netstats-pp')

    return summary()


if __name__ == '__main__':
    sys.exit(main())
