#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# netstats "core/page_pool": the mapped statistics of a page pool equal
# what the netdev family's page-pool-stats-get reports for it, per-CPU
# copies summed; a freed pool's block is DEAD with its final values and
# announced; bad names are refused with the kernel's extack message;
# QUERY lists the pools as page-pool-get's dump does.
#
# The pools are netdevsim's (one per rx queue, created when the device
# goes up); its debugfs "pp_hold" allocates one page from the first
# queue's pool and returns it, which moves the alloc and recycle
# statistics.

import ctypes
import errno
import mmap
import os
import struct
import sys
from types import SimpleNamespace

from lib.py import ksft_run, ksft_exit, ktap_result
from lib.py import ksft_eq, ksft_ge, ksft_true
from lib.py import NetdevFamily, NetdevSimDev, NetNS, cmd, defer, ip
from nslib import BLOCK_DEAD, BLOCK_LIVE
from nslib import expect_err, id_object, instances, monitor, require_group
from nslib import wait_dead

NAMES = ['alloc_fast', 'alloc_slow', 'alloc_slow_high_order', 'alloc_empty',
         'alloc_refill', 'alloc_waive', 'recycle_cached',
         'recycle_cache_full', 'recycle_ring', 'recycle_ring_full',
         'recycle_released_refcnt']


class Reg:
    """A core/page_pool registration, read from its mapping."""

    def __init__(self, ns, pool_id):
        rsp = ns.register({'group': 'core/page_pool',
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
    st = nd.page_pool_stats_get({'info': {'id': pool_id}})
    return {n: st.get(n.replace('_', '-'), 0) for n in NAMES}


def pools_of(nd, ifindex):
    return sorted(p['id'] for p in nd.page_pool_get({}, dump=True)
                  if p.get('ifindex') == ifindex)


class Dev:
    """A netdevsim device, one port with two queues, up: its two pools,
    registered.  Removed when the test case ends."""

    def __init__(self, env):
        self.nsimdev = NetdevSimDev(queue_count=2)
        defer(self.nsimdev.remove)
        self.nsim = self.nsimdev.nsims[0]
        self.ifname = self.nsim.ifname
        ip(f'link set dev {self.ifname} up')
        self.pools = pools_of(env.nd, self.nsim.ifindex)
        ksft_eq(len(self.pools), 2,
                f'{self.ifname}: one pool per rx queue: {self.pools}')
        self.regs = [Reg(env.ns, p) for p in self.pools]

    def pp_hold(self, val):
        self.nsim.dfs_write('pp_hold', '1' if val else '0')


def layout(env) -> None:
    """Per-CPU blocks as the reply describes them, LIVE, counters named
    as page-pool-stats-get names them."""
    r = Dev(env).regs[0]
    ksft_ge(r.ncpus, 1, f'ncpus {r.ncpus}, stride {r.stride}')
    ksft_eq(r.hdr()[1], BLOCK_LIVE, 'block state')
    ksft_eq(sorted(r.offs), sorted(NAMES),
            'counters named as page-pool-stats-get')


def mapped_equals_netdev(env) -> None:
    """Held and returned pages (slow, then fast allocations, recycling
    into the ring): each pool's mapped sum == page-pool-stats-get."""
    dev = Dev(env)
    for _ in range(3):
        dev.pp_hold(True)
        dev.pp_hold(False)
    for p, reg in zip(dev.pools, dev.regs):
        ksft_eq(reg.read(), oracle(env.nd, p),
                f'pool {p}: mapped == page-pool-stats-get')
    got = dev.regs[0].read()
    ksft_ge(got['alloc_slow'], 1, f'the held pages moved alloc_slow: {got}')
    ksft_ge(got['recycle_ring'], 1, f'the held pages moved recycle_ring: {got}')


def counted_at_once(env) -> None:
    """Visible at the next read, no timer."""
    dev = Dev(env)
    dev.pp_hold(True)
    mid = dev.regs[0].read()
    ksft_eq(mid, oracle(env.nd, dev.pools[0]),
            'a held page is counted at once')
    dev.pp_hold(False)
    after = dev.regs[0].read()
    ksft_eq(after['recycle_ring'], mid['recycle_ring'] + 1,
            'its return is counted at once')


def bad_object(env) -> None:
    """Objects refused with the kernel's errno and extack message."""
    ids = [p['id'] for p in env.nd.page_pool_get({}, dump=True)]
    expect_err(env.ns, {'group': 'core/page_pool'}, errno.EINVAL,
               'needs its object named', 'no object')
    expect_err(env.ns, {'group': 'core/page_pool', 'object': 'x1'},
               errno.EINVAL, "needs the pool's id", 'object not a number')
    expect_err(env.ns, {'group': 'core/page_pool',
                        'object': str(max(ids, default=0) + 1000)},
               errno.ENOENT, 'no page pool with this id', 'unknown pool')


def destroyed(env) -> None:
    """Down, the first pool keeping a page in flight: both pools are
    destroyed.  The second is freed at once: DEAD, final values,
    announced.  The first waits for its page."""
    dev = Dev(env)
    regs, pools = dev.regs, dev.pools
    for _ in range(2):
        dev.pp_hold(True)
        dev.pp_hold(False)
    dev.pp_hold(True)
    held = oracle(env.nd, pools[0])
    final = oracle(env.nd, pools[1])
    ip(f'link set dev {dev.ifname} down')
    want = (regs[1].id, str(pools[1]))
    dead = wait_dead(env.mon, {want}, id_object)
    ksft_true(want in dead,
              f'object-dead for the freed pool {want}: {sorted(dead)}')
    ksft_eq([regs[1].hdr(c)[1] for c in range(regs[1].ncpus)],
            [BLOCK_DEAD] * regs[1].ncpus, 'its block DEAD on every CPU')
    ksft_eq(regs[1].read(), final, 'its final values kept after it went')
    ksft_eq(regs[0].hdr()[1], BLOCK_LIVE,
            'a destroyed pool with a page in flight stays LIVE')
    ksft_eq(regs[0].read(), held, 'with the values of the held page')
    dev.pp_hold(False)
    want = (regs[0].id, str(pools[0]))
    dead = wait_dead(env.mon, {want}, id_object)
    ksft_true(want in dead,
              f'object-dead once its last page came back: {sorted(dead)}')
    got = regs[0].read()
    ksft_eq(regs[0].hdr()[1], BLOCK_DEAD, 'DEAD once the page came back')
    ksft_eq({n: got[n] for n in NAMES if n.startswith('alloc')},
            {n: held[n] for n in NAMES if n.startswith('alloc')},
            'no allocation after the hold')
    ksft_eq(sum(got[n] for n in NAMES if n.startswith('recycle')),
            sum(held[n] for n in NAMES if n.startswith('recycle')) + 1,
            f'the return counted: {got}')


def other_netns(env) -> None:
    """The device goes up in another netns: its new pools are that
    netns's, as page-pool-get shows them there, not ours."""
    # Created first, deleted last: the device goes before its netns.
    netns = NetNS()
    defer(netns.__del__)
    dev = Dev(env)
    ip(f'link set dev {dev.ifname} netns {netns.name}')
    ip(f'link set dev {dev.ifname} up', ns=netns)
    theirs = [p for p in nd_in(netns) if p not in dev.pools]
    ksft_eq(len(theirs), 2, f'pools in the other netns: {theirs}')
    for p in theirs:
        expect_err(env.ns, {'group': 'core/page_pool', 'object': str(p)},
                   errno.ENOENT, 'no page pool with this id',
                   f"pool {p} of another netns's device")


def _pool_key(p):
    return (p['id'], p.get('ifindex'), p.get('napi-id'))


def query_lists_pools(env) -> None:
    """QUERY of core/page_pool lists the pools of the caller's netns as
    page-pool-get's dump does (id, ifindex, napi-id), a destroyed pool
    with a page in flight included, another netns's pools not; the
    attributes QUERY adds do not name a pool in REGISTER."""
    netns = NetNS()
    defer(netns.__del__)
    dev, theirs = Dev(env), Dev(env)
    ip(f'link set dev {theirs.ifname} netns {netns.name}')
    ip(f'link set dev {theirs.ifname} up', ns=netns)
    other = [p for p in nd_in(netns) if p not in theirs.pools]
    ksft_eq(len(other), 2, f'pools in the other netns: {other}')
    dev.pp_hold(True)
    ip(f'link set dev {dev.ifname} down')
    want = sorted(_pool_key(p) for p in env.nd.page_pool_get({}, dump=True))
    rsp = env.ns.query({'name': 'core/page_pool'})
    got = sorted(_pool_key(p) for p in rsp.get('page-pool', []))
    ksft_eq(got, want, 'QUERY core/page_pool == page-pool-get dump')
    ids = {k[0] for k in got}
    ksft_true(dev.pools[0] in ids,
              f'the destroyed pool with a page in flight is listed: {got}')
    ksft_true(not ids & set(other), f"no pool of another netns: {got}")
    ksft_eq(instances(env.ns, 'core/page_pool'), {str(i) for i in ids},
            'the ids as objects REGISTER takes')
    dev.pp_hold(False)
    p = dev.pools[1] if dev.pools[1] in ids else max(ids)
    expect_err(env.ns, {'group': 'core/page_pool',
                        'page-pool': {'id': p, 'ifindex': 1}},
               errno.EINVAL, 'named by its id alone', 'id with an ifindex')
    expect_err(env.ns, {'group': 'core/page_pool',
                        'page-pool': {'id': p, 'napi-id': 1}},
               errno.EINVAL, 'named by its id alone', 'id with a napi-id')


def nd_in(netns):
    """The page pool ids page-pool-get dumps in @netns."""
    fd = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        with open(f'/run/netns/{netns.name}') as f:
            _setns(f.fileno())
        try:
            nd = NetdevFamily()
        finally:
            _setns(fd)
    finally:
        os.close(fd)
    return [p['id'] for p in nd.page_pool_get({}, dump=True)]


def _setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, 0x40000000) != 0:	# CLONE_NEWNET
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def main() -> None:
    env = SimpleNamespace(ns=require_group('core/page_pool'), mon=monitor(),
                          nd=NetdevFamily())
    if not os.path.exists('/sys/bus/netdevsim'):
        cmd('modprobe netdevsim', fail=False)
    if not os.path.exists('/sys/bus/netdevsim'):
        ktap_result(True, comment='SKIP no netdevsim')
        sys.exit(4)
    ksft_run([layout, mapped_equals_netdev, counted_at_once, bad_object,
              destroyed, other_netns, query_lists_pools], args=(env,))
    ksft_exit()


if __name__ == "__main__":
    main()
