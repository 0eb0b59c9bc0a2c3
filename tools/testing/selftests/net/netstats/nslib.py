# SPDX-License-Identifier: GPL-2.0
"""What the netstats Python selftests share: the YNL families, TAP lines,
expected errors and object-dead notifications."""

import errno
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
BLOCK_LIVE, BLOCK_DEAD = 1, 2

try:
    from lib import YnlFamily, NlError  # noqa: F401 (for the tests)
except ImportError as e:
    print(f'SKIP: no YNL library in {KSRC}/tools/net/ynl ({e})')
    sys.exit(KSFT_SKIP)

_counts = {'tests': 0, 'failed': 0}


def family(name):
    """A YNL socket of family @name (netstats, netdev)."""
    return YnlFamily(os.path.join(SPECS, f'{name}.yaml'))


def check(cond, what):
    """One TAP line."""
    _counts['tests'] += 1
    if not cond:
        _counts['failed'] += 1
    print(f'{"ok" if cond else "not ok"} {_counts["tests"]} {what}')
    return cond


def summary():
    """The last line, and the exit code."""
    failed = _counts['failed']
    print(f'# {_counts["tests"] - failed} passed, {failed} failed')
    return 1 if failed else 0


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


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
    elif group.startswith('queue/'):
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
    """REGISTER @req fails with -@err and an extack message holding @msg."""
    try:
        ns.do('register', typed(req))
    except NlError as e:
        ext = e.nl_msg.extack.get('msg', '')
        return check(e.nl_msg.error == -err and msg in ext,
                     f'{what}: -{errno.errorcode[err]} "{ext}"')
    return check(False, f'{what}: accepted')


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
    ('eth0', 'eth0/3'); the kernel lists them as the nests REGISTER
    takes, never as names."""
    rsp = ns.do('query', {'name': group})
    check('instance' not in rsp, f'QUERY {group}: no instance names')
    got = set()
    for kind in ('dev', 'queue'):
        for nest in rsp.get(kind, []):
            got.add(object_name({kind: nest}))
    return got


def id_object(msg):
    """wait_dead() key: (registration id, object)."""
    return (msg.get('id'), object_name(msg))


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
        rsp = ns.do('register', typed(req))
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
