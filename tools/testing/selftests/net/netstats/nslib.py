# SPDX-License-Identifier: GPL-2.0
"""What the netstats Python selftests share beyond net/lib/py: the netstats
family, object names as the tests write them, expected errors, object-dead
notifications, a registration's mapped block, a reader of mapped blocks,
and a linked pair of netdevsim devices across netns."""

import errno
import mmap
import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from lib.py import YnlFamily, NlError
from lib.py import ksft_eq, ksft_in, ksft_raises, ksft_true, ktap_result
from lib.py import KsftSkipEx, NetdevSimDev, NetNS, cmd, defer, ip

# Where net/lib/py found the specs, in the tree or installed.
from net.lib.py.ynl import SPEC_PATH

BLOCK_LIVE, BLOCK_DEAD = 1, 2


class NetstatsFamily(YnlFamily):
    def __init__(self):
        super().__init__((SPEC_PATH / Path('netstats.yaml')).as_posix(),
                         schema='')


def require_group(group):
    """A netstats socket, or the whole test skipped (exit 4) on a kernel
    without the family or without @group."""
    try:
        ns = NetstatsFamily()
        ns.query({'name': group})
    except Exception as e:	# NlError; the family missing: Exception
        ktap_result(True,
                    comment=f'SKIP kernel without the {group} group ({e})')
        sys.exit(4)
    return ns


NO_IFINDEX = 0x7ffffff0	# no device has it


def _ifindex(name):
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return NO_IFINDEX


def _u32(s, base=10):
    try:
        return int(s, base)
    except (TypeError, ValueError):
        return None


def typed(req):
    """@req with its object and options as REGISTER takes them, as
    libnetstats translates names: 'object' (e.g. 'eth0/3', 'eth0/1:',
    'eth0/root', '7') becomes the group's typed nest, devices named by
    ifindex (a device of no netns of ours: an unused ifindex); 'option'
    entries become their typed attributes.  Parts that do not parse are
    left out, for the kernel to say what is missing."""
    req = dict(req)
    obj = req.pop('object', None)
    group = req['group']
    for o in req.pop('option', []):
        if o['name'] == 'derived':
            if o['value']:
                req['derived'] = True
        else:
            req[o['name']] = o['value']
    if obj is None:
        return req
    dev, _, rest = obj.rpartition('/') if '/' in obj else (obj, '', None)
    if group == 'core/page_pool':
        n = {}
        if _u32(obj) is not None:
            n['id'] = _u32(obj)
        req['page-pool'] = n
    elif group.startswith(('queue/', 'hwqueue/')):
        n = {'ifindex': _ifindex(dev)}
        if _u32(rest) is not None:
            n['id'] = _u32(rest)
        req['queue'] = n
    elif group == 'qdisc':
        n = {'ifindex': _ifindex(dev)}
        if rest == 'root':
            n['parent'] = 0xffffffff
        elif rest and ':' in rest:
            maj, mn = rest.split(':', 1)
            maj, mn = _u32(maj, 16), _u32(mn or '0', 16)
            if maj is not None and mn is not None:
                n['handle'] = maj << 16 | mn
        req['qdisc'] = n
    else:
        req['dev'] = {'ifindex': _ifindex(obj)}
    return req


def expect_err(ns, req, err, msg, what):
    """REGISTER @req fails with -@err and an extack message holding @msg;
    each way it may not is a failed check naming @what."""
    with ksft_raises(NlError) as cm:
        ns.register(typed(req))
    if cm.exception is None:
        ksft_true(False, f'{what}: accepted')
        return
    ext = cm.exception.nl_msg.extack.get('msg', '')
    ksft_eq(cm.exception.nl_msg.error, -err,
            f'{what}: errno, want -{errno.errorcode[err]} (extack "{ext}")')
    ksft_in(msg, ext, f'{what}: extack message')


def _ifname(ifindex):
    try:
        return socket.if_indextoname(ifindex)
    except OSError:
        return str(ifindex)


def object_name(msg):
    """The object of an object-dead notification, named as the tests
    name them ('7', 'eth0', 'eth0/3', 'eth0/1:'), or None."""
    if 'page-pool' in msg:
        return str(msg['page-pool']['id'])
    if 'dev' in msg:
        return _ifname(msg['dev']['ifindex'])
    if 'queue' in msg:
        q = msg['queue']
        return f"{_ifname(q['ifindex'])}/{q['id']}"
    if 'qdisc' in msg:
        q = msg['qdisc']
        if 'handle' not in q:
            return f"{_ifname(q['ifindex'])}/root"
        h = q['handle']
        mn = f'{h & 0xffff:x}' if h & 0xffff else ''
        return f"{_ifname(q['ifindex'])}/{h >> 16:x}:{mn}"
    return None


def instances(ns, group):
    """The objects QUERY of @group lists, named as the tests name them
    ('eth0', 'eth0/3', '7'); the kernel lists them as the nests REGISTER
    takes, never as names (a failed check if it does)."""
    rsp = ns.query({'name': group})
    ksft_true('instance' not in rsp, f'QUERY {group}: no instance names')
    got = set()
    for kind in ('dev', 'queue', 'page-pool'):
        for nest in rsp.get(kind, []):
            got.add(object_name({kind: nest}))
    return got


def id_object(msg):
    """wait_dead() key: (registration id, object)."""
    return (msg.get('id'), object_name(msg))


def monitor():
    """A netstats socket in the monitor group."""
    mon = NetstatsFamily()
    mon.ntf_subscribe('monitor')
    return mon


def wait_dead(mon, want, key=lambda msg: msg.get('id')):
    """The object-dead notifications @mon got, as key(msg), until @want
    came or ten seconds passed."""
    dead = set()
    for _ in range(200):
        mon.check_ntf()
        for m in mon.async_msg_queue:
            if m['name'] == 'object-dead':
                dead.add(key(m['msg']))
        mon.async_msg_queue.clear()
        if want <= dead:
            break
        time.sleep(0.05)
    return dead


class Reg:
    """A registration and its mapped range, read as the reply describes
    it: a derived block under its sequence count, else plain loads.
    @opts: collection options, '_' for '-' (period_ms=100)."""

    def __init__(self, ns, group, obj=None, **opts):
        req = {'group': group}
        if obj is not None:
            req['object'] = obj
        if opts:
            req['option'] = [{'name': k.replace('_', '-'), 'value': v}
                             for k, v in opts.items()]
        rsp = ns.register(typed(req))
        self.id = rsp['id']
        flags = rsp['flags']
        self.derived = ('derived' in flags if not isinstance(flags, int)
                        else bool(flags & 2))
        self.base = rsp.get('block-offset', 0)
        self.offs = {c['name']: (c['offset'], c.get('type', 'u64'))
                     for c in rsp['counter']}
        self.map = mmap.mmap(rsp['map-fd'], rsp['map-size'], mmap.MAP_SHARED,
                             mmap.PROT_READ, offset=rsp['map-offset'])
        os.close(rsp['map-fd'])

    def state(self):
        return struct.unpack_from('<II', self.map, self.base)[1]

    def hdr(self):
        """derived: generation, state, seq, period_ms, timestamp_ns"""
        return struct.unpack_from('<IIIIQ', self.map, self.base)

    def read(self):
        while True:
            seq = self.hdr()[2] if self.derived else 0
            if seq & 1:
                continue
            vals = {n: struct.unpack_from('<Q' if t == 'u64' else '<I',
                                          self.map, off)[0]
                    for n, (off, t) in self.offs.items()}
            if not self.derived or self.hdr()[2] == seq:
                return vals

    def settle(self):
        """Values once two more updates of a derived block went by."""
        if not self.derived:
            return self.read()
        ts, period = self.hdr()[4], self.hdr()[3]
        for _ in range(200):
            time.sleep(period / 1000)
            if self.hdr()[4] > ts + 2 * period * 1000000:
                break
        return self.read()


class Reader(threading.Thread):
    """Reads mapped blocks (Reg) in a loop: a fault would kill the test."""

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


def ifindex(name, ns=None):
    return ip(f'link show dev {name}', json=True, ns=ns)[0]['ifindex']


def link_stats(dev, ns=None):
    """ip -s link's rx and tx stats64 of @dev (in netns @ns)."""
    st = ip(f'-s link show dev {dev}', json=True, ns=ns)[0]['stats64']
    return st['rx'], st['tx']


def nsim_link(a, b, netns):
    """Links netdevsim port @a (here) with @b (in @netns)."""
    fa = os.open('/proc/self/ns/net', os.O_RDONLY)
    fb = os.open(f'/run/netns/{netns}', os.O_RDONLY)
    try:
        NetdevSimDev.ctrl_write('link_device', f'{fa}:{a.ifindex} '
                                f'{fb}:{ifindex(b.ifname, netns)}')
    finally:
        os.close(fa)
        os.close(fb)


def nsim_pair(addr_a, addr_b):
    """Two netdevsim devices of two queues, linked: a here, b in a
    netns, @addr_a and @addr_b (/24), only the test's traffic between
    them.  Removed (devices, then the netns) when the test case ends;
    the whole test skipped without netdevsim."""
    if not os.path.exists('/sys/bus/netdevsim'):
        cmd('modprobe netdevsim', fail=False)
    if not os.path.exists('/sys/bus/netdevsim'):
        raise KsftSkipEx('no netdevsim')
    netns = NetNS()
    defer(netns.__del__)
    devs = []
    for _ in range(2):
        devs.append(NetdevSimDev(queue_count=2))
        defer(devs[-1].remove)
    a, b = (d.nsims[0] for d in devs)
    ip(f'link set {b.ifname} netns {netns}')
    # No IPv6 (router solicitations, MLD): only the test's traffic.
    cmd(f'sysctl -qw net.ipv6.conf.{a.ifname}.disable_ipv6=1')
    cmd(f'sysctl -qw net.ipv6.conf.{b.ifname}.disable_ipv6=1', ns=netns)
    nsim_link(a, b, netns)
    ip(f'addr add {addr_a}/24 dev {a.ifname}')
    ip(f'addr add {addr_b}/24 dev {b.ifname}', ns=netns)
    # Permanent neighbours: no ARP probe moves a queue late (the peer's
    # first probe comes 5 s after the ping, at any later step).
    amac = ip(f'link show {a.ifname}', json=True)[0]['address']
    bmac = ip(f'link show {b.ifname}', json=True, ns=netns)[0]['address']
    ip(f'neigh replace {addr_b} lladdr {bmac} dev {a.ifname} nud permanent')
    ip(f'neigh replace {addr_a} lladdr {amac} dev {b.ifname} nud permanent',
       ns=netns)
    ip(f'link set {a.ifname} up')
    ip(f'link set {b.ifname} up', ns=netns)
    return SimpleNamespace(a=a, b=b, adev=devs[0], netns=netns)
