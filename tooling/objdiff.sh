#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# With CONFIG_NETSTATS=n the series must leave the kernel as it was: the
# object code of every function in the existing files the series edits
# is compared with the pristine kernel's (same configuration otherwise).
#   objdiff.sh     needs build/obj-normal and build/obj-pristine built
# Prints "bench: objdiff <file>: identical" or the functions that differ,
# and "bench: objdiff: N of M functions differ".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine=$BUILD/obj-pristine
obj=$BUILD/obj-nonetstats
[ -f "$BUILD/obj-normal/.config" ] || die "build the normal kernel first"
[ -f "$pristine/vmlinux" ] || die "build the pristine kernel first"

# The C files of the kernel that the series edits (not its new files).
mapfile -t files < <(grep -h '^+++ b/' "$TOP"/series/*.patch |
	sed 's|^+++ b/||' | grep '\.c$' | sort -u |
	while read -r f; do [ -e "$TOP/$f" ] || echo "$f"; done)

mkdir -p "$obj"
cp "$BUILD/obj-normal/.config" "$obj/.config"
"$KSRC/scripts/config" --file "$obj/.config" -d NETSTATS
make -s -C "$KSRC" O="$obj" olddefconfig >/dev/null
grep -q '^CONFIG_NETSTATS=' "$obj/.config" && die "CONFIG_NETSTATS still set"
stage "building ${#files[@]} objects with CONFIG_NETSTATS=n in $obj"
make -s -C "$KSRC" O="$obj" CC="ccache gcc" -j"$(nproc)" \
	"${files[@]/%.c/.o}" >"$obj/objdiff-build.log" 2>&1 ||
	{ tail -20 "$obj/objdiff-build.log"; die "object build failed"; }

python3 - "$obj" "$pristine" "$KSRC" "${files[@]}" <<'PY'
import difflib
import re
import subprocess
import sys

obj, pristine, ksrc, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def data_symbols(path):
    """Data objects the file defines -> their section."""
    out = subprocess.run(['objdump', '-t', path],
                         capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        # "0000000000000000 g     O .rodata\t0000000000000a90 snmp4_net_list"
        m = re.match(r'^[0-9a-f]+ .{6}O (\S+)\t[0-9a-f]+ (\S+)$', line)
        if m and m[1] != '*UND*' and m[1] != '*COM*':
            syms[m[2]] = m[1]
    return syms

def functions(path):
    """function -> normalised instructions (no addresses, relocations kept)."""
    out = subprocess.run(['objdump', '-d', '-r', '--no-show-raw-insn', path],
                         capture_output=True, text=True, check=True).stdout
    # A static table the series makes global (to share it with its own
    # files) is reached through its symbol instead of its section's: the
    # same instructions, the same data.
    syms = data_symbols(path)
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r'^[0-9a-f]+ <(.+)>:$', line)
        if m:
            cur = funcs.setdefault(m[1], [])
            continue
        if cur is None or not line.strip():
            continue
        # "  1a:\tmov ..." / "\t\t\t1c: R_X86_64_PLT32\tfoo-0x4"
        text = re.sub(r'^\s*[0-9a-f]+:\s*', '', line)
        text = re.sub(r'\b[0-9a-f]+ <', '<', text)
        # Addends into anonymous sections (strings, jump tables, bug
        # table) move with anything else the file adds there.
        m = re.match(r'^(R_\w+\s+)([\w.]+)(?:[+-]0x[0-9a-f]+)?$', text)
        if m and (m[2] in syms or m[2].startswith('.')):
            text = f'{m[1]}{syms.get(m[2], m[2])}+X'
        text = re.sub(r'(\s\.[\w.]+)[+-]0x[0-9a-f]+', r'\1+X', text)
        text = re.sub(r'<(\.[\w.]+)[+-]0x[0-9a-f]+>', r'<\1+X>', text)
        # A merged string lands in the 1- or the 8-aligned string section
        # depending on the other strings of the file.
        text = re.sub(r'\.rodata\.str1\.\d+', '.rodata.str', text)
        # __UNIQUE_ID_*N symbols (modinfo, static asserts) are numbered
        # by __COUNTER__, which anything earlier in the file moves.
        text = re.sub(r'(__UNIQUE_ID_[A-Za-z_]*?)\d+\b', r'\1N', text)
        cur.append(text)
    return funcs

def line_map(f):
    """Pristine line -> patched line, for the lines the series kept."""
    old = subprocess.run(['git', '-C', ksrc, 'show', f'pristine:{f}'],
                         capture_output=True, text=True,
                         check=True).stdout.splitlines()
    with open(f'{ksrc}/{f}') as fh:
        new = fh.read().splitlines()
    lines = {}
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for i, j, n in sm.get_matching_blocks():
        for k in range(n):
            lines[i + k + 1] = j + k + 1
    return lines

def same(a, b, lines):
    """Equal but for __LINE__ immediates (ASSERT_RTNL(), WARN_ONCE()
    messages) of source lines the series only moved."""
    if a is None or b is None or len(a) != len(b):
        return a == b
    for x, y in zip(a, b):
        if x == y:
            continue
        px, py = re.split(r'\$0x([0-9a-f]+)', x), re.split(r'\$0x([0-9a-f]+)', y)
        if len(px) != len(py) or px[0::2] != py[0::2]:
            return False
        for vx, vy in zip(px[1::2], py[1::2]):
            if vx != vy and lines.get(int(vy, 16)) != int(vx, 16):
                return False
    return True

# Files whose change is meant for every configuration, not a netstats
# hook: netdevsim counts packets per queue for real in the series (its
# qstats were made up), so struct netdevsim and its functions change.
INTENDED = {
    'drivers/net/netdevsim/ethtool.c': 'netdevsim counts per queue',
    'drivers/net/netdevsim/netdev.c': 'netdevsim counts per queue',
}

differ = total = intended = 0
for f in files:
    o = f[:-2] + '.o'
    a, b = functions(f'{obj}/{o}'), functions(f'{pristine}/{o}')
    names = sorted(set(a) | set(b))
    bad = [n for n in names if a.get(n) != b.get(n)]
    if bad:
        lines = line_map(f)
        bad = [n for n in bad if not same(a.get(n), b.get(n), lines)]
    total += len(names)
    if bad and f in INTENDED:
        intended += len(bad)
        print(f'bench: objdiff {f}: differ as intended ({INTENDED[f]}): '
              + ' '.join(bad))
        continue
    differ += len(bad)
    print(f'bench: objdiff {f}: ' +
          ('identical' if not bad else 'differ: ' + ' '.join(bad)))
print(f'bench: objdiff: {differ} of {total} functions differ '
      f'(CONFIG_NETSTATS=n vs pristine; {intended} more as intended)')
PY
