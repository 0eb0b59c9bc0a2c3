#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a built kernel in virtme-ng (TCG: KVM guests hang on these hosts)
# with every test NIC present, and run tooling/guest.sh MODE inside.
#   vm.sh FLAVOUR MODE [RESULTS_DIR]
# MODE: check | run | bench | insns | shell.  The guest writes its results to
# RESULTS_DIR (shared read-write); the host judges them from there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
mode=$2
results=$(realpath -m "${3:-$BUILD/results-$flavour-$mode}")
obj=$BUILD/obj-$flavour
image=$obj/arch/x86/boot/bzImage
[ -f "$image" ] || die "no kernel at $image: build it first"

# Two looped virtio_net NICs, and two e1000e NICs joined by a qemu hub
# (hub 7, not connected to the host network).
qemu_opts="-netdev hubport,id=h1,hubid=7 -device e1000e,netdev=h1"
qemu_opts+=" -netdev hubport,id=h2,hubid=7 -device e1000e,netdev=h2"
# "make bench" adds the instruction-count plugin and boots one vCPU.
qemu_opts+=" ${NETSTATS_QEMU_OPTS:-}"

rm -rf "$results"
mkdir -p "$results"
# vng 1.35 accepts --rwdir only if some --overlay-rwdir is given and the
# guest path exists: name both explicitly.
args=(--disable-kvm --disable-microvm --user root --cpus "${NETSTATS_VM_CPUS:-2}" --memory 2G
      --network loop --qemu-opts="$qemu_opts"
      --overlay-rwdir=/mnt --rwdir="$results=$results"
      --cwd "$TOP" --run "$image")
# What the guest needs to know, passed through the shared directory.
cat >"$results/env" <<ENV
NETSTATS_TOP=$TOP
NETSTATS_KSRC=$KSRC
NETSTATS_OBJ=$obj
NETSTATS_FLAVOUR=$flavour
NETSTATS_RESULTS=$results
NETSTATS_KSFT=${NETSTATS_KSFT:-$obj/kselftest_install}
NETSTATS_INSNS_ONLY=${NETSTATS_INSNS_ONLY:-}
NETSTATS_INSNS_REPEAT=${NETSTATS_INSNS_REPEAT:-5}
ENV
# A glob may hold ( | ) (extglob alternatives, e.g. "@(ip_stats|queue.py)"):
# quoted for the shell that sources the file.
printf 'NETSTATS_TESTS=%q\n' "${NETSTATS_TESTS:-}" >>"$results/env"

stage "booting the $flavour kernel under TCG for '$mode' ($(basename "$results"))"
if [ "$mode" = shell ]; then
	info "results dir $results is writable; source $results/env for paths"
	exec vng "${args[@]}"
fi
start=$(date +%s)
# The guest's own verdict is in $results; vng's exit code is not used.
set +e
timeout --foreground "${NETSTATS_VM_TIMEOUT:-2400}" \
	vng "${args[@]}" --exec "$TOP/tooling/guest.sh $mode $results" \
	</dev/null 2>&1 | tee "$results.console" |
	sed -u 's/^/    vm| /'
set -e
info "VM ran $(( $(date +%s) - start )) s"
# "make run": the demo's own status, which the guest wrote.
if [ "$mode" = run ]; then
	rc=$(cat "$results/demo.rc" 2>/dev/null)
	[ "$rc" = 0 ] || die "the demo failed (status ${rc:-unknown}): see $results/demo.txt"
	info "the demo succeeded"
fi
