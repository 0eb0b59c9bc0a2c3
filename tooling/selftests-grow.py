#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Grow the netstats selftests' Makefile and config from patch to patch.

The overlay holds the final Makefile and config of
tools/testing/selftests/net/netstats/ (assigned to the manifest's local:
entry, so the tree the tests are built from has them as they are).  The
series itself carries them as diffs: the first patch with a test
creates them, each later patch with tests extends them.  This script
writes those diffs into the patch files:

  Makefile: the final one, keeping of the TEST_* lists and of the rules
    only the programs and files whose sources the manifest assigns to
    this patch or an earlier one (a rule paragraph whose targets are all
    missing goes, with its comment; a paragraph of variables goes when
    no rule kept uses them);
  config: the options CONFIG_PATCH below gives each patch, in the order
    of the final file; every option of the final file must be given.

  selftests-grow.py           rewrite the diffs in series/*.patch
  selftests-grow.py --check   fail if they differ from what it writes
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = 'tools/testing/selftests/net/netstats'
MAKEFILE = DIR + '/Makefile'
CONFIG = DIR + '/config'

# Options of the test config, by the patch (its number) whose tests need
# them first.
CONFIG_PATCH = {
    '0002': 'NETSTATS NET PROC_FS',
    '0004': 'INET IPV6 INET_DIAG INET_TCP_DIAG INET_UDP_DIAG NET_NS '
            'DEBUG_FS BPF_SYSCALL XDP_SOCKETS SECCOMP CROSS_MEMORY_ATTACH '
            'SECCOMP_FILTER CGROUPS MEMCG',
    '0007': 'NETDEVICES NET_CORE NETDEVSIM PAGE_POOL_STATS',
    '0008': 'VETH NET_SCHED NET_SCH_FQ NET_SCH_FQ_CODEL NET_SCH_HTB '
            'NET_SCH_MQPRIO NET_SCH_INGRESS NET_CLS_ACT',
    '0009': 'VIRTIO_NET',
    '0011': 'ETHERNET NET_VENDOR_INTEL E1000E',
}


def manifest():
    """[(patch, [files])] in order, local: last."""
    out = []
    for line in open(os.path.join(TOP, 'series/series')):
        line = line.split('#', 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            out.append((line.split()[0], []))
        else:
            out[-1][1].append(line.strip())
    return out


def available(patches, k):
    """Basenames of the test directory's files of patches 0..k."""
    have = set()
    for name, files in patches[:k + 1]:
        for f in files:
            if f.startswith(DIR + '/'):
                have.add(f[len(DIR) + 1:])
    return have


def word_ok(w, have):
    return w in have or w + '.c' in have


def paragraphs(text):
    return text.rstrip('\n').split('\n\n')


def grow_makefile(final, have):
    paras = paragraphs(final)
    all_rules = '\n'.join(p for p in paras if '$(OUTPUT)/' in p)
    kept = []
    for p in paras:
        lines = p.split('\n')
        if any(re.match(r'TEST_\w+\s*[:+]?=', l) for l in lines):
            new, seen = [], set()
            for l in lines:
                m = re.match(r'(TEST_\w+)\s*([:+]?=)\s*(.*)', l)
                if not m:
                    new.append(l)
                    continue
                var, op, words = m.groups()
                if words.startswith('$(wildcard '):
                    # Kept whole once a file of this patch or an earlier
                    # one matches one of its patterns.
                    pats = words[len('$(wildcard '):].rstrip(')').split()
                    words = [words] if any(fnmatch.fnmatch(f, g) for f in have
                                           for g in pats) else []
                else:
                    words = [w for w in words.split() if word_ok(w, have)]
                if not words:
                    continue
                op = '+=' if var in seen else ':='
                seen.add(var)
                new.append('%s %s %s' % (var, op, ' '.join(words)))
            if new:
                kept.append(('plain', '\n'.join(new)))
            continue
        comment = [l for l in lines if l.startswith('#')]
        body = [l for l in lines if not l.startswith('#')]
        if body and body[0].startswith('$(OUTPUT)/'):
            # Rule paragraph: one multi-line rule, or one-line rules.
            if any(l.startswith('\t') for l in body):
                targets = re.findall(r'\$\(OUTPUT\)/([\w-]+)',
                                     body[0].split(':', 1)[0])
                if all(word_ok(t, have) for t in targets):
                    kept.append(('rule', p))
                continue
            new = []
            for l in body:
                lhs, rhs = l.split(':', 1)
                ts = [t for t in re.findall(r'\$\(OUTPUT\)/([\w-]+)', lhs)
                      if word_ok(t, have)]
                if ts:
                    new.append(' '.join('$(OUTPUT)/' + t for t in ts) +
                               ':' + rhs)
            if new:
                kept.append(('rule', '\n'.join(comment + new)))
            continue
        # Variables the final file's rules use: they go with the rules.
        defs = [d for d in re.findall(r'^([A-Z_]+)\s*:?=', p, re.M)
                if re.search(r'\$\(%s\)' % d, all_rules)]
        kept.append(('vars', p, defs) if defs else ('plain', p))
    rules = '\n'.join(p[1] for p in kept if p[0] == 'rule')
    out = []
    for p in kept:
        if p[0] == 'vars':
            used = any(re.search(r'\$\(%s\)' % d, rules) for d in p[2])
            # A variable paragraph feeding another kept one (e.g. SRCS
            # from DIR) is kept with it.
            if not used:
                continue
        out.append(p[1])
    return '\n\n'.join(out) + '\n'


def grow_config(final, upto):
    opts = {}
    for k, names in CONFIG_PATCH.items():
        for n in names.split():
            opts['CONFIG_' + n] = k
    lines = final.rstrip('\n').split('\n')
    for l in lines:
        sym = l.split('=', 1)[0]
        if l.startswith('CONFIG_') and sym not in opts:
            sys.exit('selftests-grow: %s is given to no patch (CONFIG_PATCH)'
                     % sym)
    keep = [l for l in lines
            if not l.startswith('CONFIG_') or opts[l.split('=', 1)[0]] <= upto]
    return '\n'.join(keep) + '\n' if keep else None


def diff(path, old, new):
    if old == new:
        return ''
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, 'a'), os.path.join(d, 'b')
        src = 'a'
        if old is not None:
            open(a, 'w').write(old)
        else:
            src = '/dev/null'
        open(b, 'w').write(new)
        r = subprocess.run(['git', 'diff', '--no-index', src, 'b'],
                           capture_output=True, text=True, cwd=d).stdout
    r = re.sub(r'^diff --git .*$', 'diff --git a/%s b/%s' % (path, path),
               r, count=1, flags=re.M)
    r = re.sub(r'^--- a/a$', '--- a/' + path, r, count=1, flags=re.M)
    r = re.sub(r'^\+\+\+ b/b$', '+++ b/' + path, r, count=1, flags=re.M)
    return r


def set_diff(patch_text, path, d):
    """Replace (or add, or drop) the diff of path in a mail-format patch."""
    head, sep, body = patch_text.partition('\n---\n')
    parts = re.split(r'(?m)^(?=diff --git )', body)
    pre, diffs = parts[0], [p for p in parts[1:]]
    diffs = [p for p in diffs if not p.startswith('diff --git a/%s ' % path)]
    if d:
        diffs.append(d)
    diffs.sort(key=lambda p: p.split('\n', 1)[0])
    return head + sep + pre + ''.join(diffs)


def main():
    check = '--check' in sys.argv[1:]
    patches = manifest()
    final_mk = open(os.path.join(TOP, MAKEFILE)).read()
    final_cfg = open(os.path.join(TOP, CONFIG)).read()
    prev_mk = prev_cfg = None
    bad = 0
    for k, (name, files) in enumerate(patches):
        if name == 'local:':
            break
        have = available(patches, k)
        tests = [f for f in have if f not in ('settings',)]
        mk = grow_makefile(final_mk, have) if tests else None
        cfg = grow_config(final_cfg, name[:4]) if tests else None
        path = os.path.join(TOP, 'series', name)
        text = open(path).read()
        new = set_diff(text, MAKEFILE,
                       diff(MAKEFILE, prev_mk, mk) if mk else '')
        new = set_diff(new, CONFIG,
                       diff(CONFIG, prev_cfg, cfg) if cfg else '')
        if new != text:
            if check:
                print('selftests-grow: series/%s is not up to date' % name)
                bad = 1
            else:
                open(path, 'w').write(new)
                print('    selftests-grow: series/%s' % name)
        prev_mk, prev_cfg = mk or prev_mk, cfg or prev_cfg
    if check and not bad:
        print('    selftests Makefile and config diffs up to date')
    sys.exit(bad)


if __name__ == '__main__':
    main()
