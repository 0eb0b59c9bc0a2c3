#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks in the VM.  Every figure is a line "bench: <name>: <value>
# <unit>".  With PRISTINE=1 the unpatched kernel (same config) is built
# and booted too, running the same binaries, and the figures are shown
# side by side; compare ratios (each measured within one boot), never
# absolute times across boots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/tooling/setup-host.sh"

# Instruction counts: QEMU's TCG plugin counts every guest instruction
# and logs the count at the benchmark's markers; one vCPU, so exact.
# The plugin API it is built for is the one of the QEMU that vng boots
# (bookworm's 7.2: version 1), told by the plugin functions that QEMU
# exports: version 1 has ..._tb_exec_inline (removed in 9.0), 3 and later
# scoreboards (9.0 has them too, but only API 2: its loader says so).
qemu=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64 on PATH"
qemu_syms=$(nm -D --defined-only "$qemu" | awk '{ print $3 }')
if grep -qx qemu_plugin_register_vcpu_tb_exec_inline <<<"$qemu_syms"; then
	plugin_api=1
elif grep -qx qemu_plugin_scoreboard_new <<<"$qemu_syms"; then
	plugin_api=3
else
	die "$qemu exports no TCG plugin API: built without plugin support?"
fi
plugin=$BUILD/insncount.so
info "instruction-count plugin: $($qemu --version | head -1), plugin API $plugin_api"
mkdir -p "$BUILD"
gcc -O2 -Wall -Werror -shared -fPIC -DINSNCOUNT_API="$plugin_api" \
	-o "$plugin" "$TOP/tooling/insncount.c"

"$TOP/tooling/assemble.sh"
"$TOP/tooling/build-kernel.sh" normal
"$TOP/tooling/build-selftests.sh" normal
export NETSTATS_KSFT=$BUILD/obj-normal/kselftest_install

flavours=(normal)
if [ "${PRISTINE:-0}" = 1 ]; then
	"$TOP/tooling/build-kernel.sh" pristine
	flavours+=(pristine)
	# CONFIG_NETSTATS=n: the edited files' object code vs pristine.
	"$TOP/tooling/objdiff.sh" >"$BUILD/objdiff.txt"
fi
for f in "${flavours[@]}"; do
	"$TOP/tooling/vm.sh" "$f" bench "$BUILD/results-$f-bench" >/dev/null
	[ -f "$BUILD/results-$f-bench/done" ] || die "$f bench run incomplete"
	r=$BUILD/results-$f-insns
	NETSTATS_VM_CPUS=1 \
	NETSTATS_QEMU_OPTS="-plugin $plugin -d plugin -D $r.log" \
		"$TOP/tooling/vm.sh" "$f" insns "$r" >/dev/null
	[ -f "$r/done" ] || die "$f instruction-count run incomplete"
	mv "$r.log" "$r/insns.log"
done

stage "benchmarks"
if [ ${#flavours[@]} = 1 ]; then
	grep '^bench: ' "$BUILD/results-normal-bench/bench.txt"
	python3 "$TOP/tooling/insns.py" "patched:$BUILD/results-normal-insns"
else
	python3 - "$BUILD/results-normal-bench/bench.txt" \
		"$BUILD/results-pristine-bench/bench.txt" <<'PY'
import sys
def load(p):
    d = {}
    for l in open(p):
        if l.startswith('bench: ') and l.count(':') >= 2:
            _, name, val = l.rstrip('\n').split(': ', 2)
            d[name] = val
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
print(f"{'benchmark':44} {'patched':>18} {'pristine':>18}")
for k in a:
    print(f"{k:44} {a[k]:>18} {b.get(k, '-'):>18}")
for k in b:
    if k not in a:
        print(f"{k:44} {'-':>18} {b[k]:>18}")
print()
for tag, d in (('patched', a), ('pristine', b)):
    for k, v in d.items():
        print(f"bench: {k} [{tag}]: {v}")
PY
	python3 "$TOP/tooling/insns.py" "patched:$BUILD/results-normal-insns" \
		"pristine:$BUILD/results-pristine-insns"
	grep '^bench: ' "$BUILD/objdiff.txt"
fi
