#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (root, the host's root filesystem, our kernel).
#   guest.sh MODE RESULTS_DIR
#   guest.sh check  run the kselftests, write TAP, dmesg, kmemleak report
#   guest.sh run    show the netstats family answering
#   guest.sh bench  run the benchmarks
#   guest.sh insns  run the instruction-count benchmarks (between markers)
# Everything is written to $NETSTATS_RESULTS; "done" marks a complete run.
set -uo pipefail

mode=$1
# shellcheck disable=SC1091
set -a
. "$2/env"
set +a
top=${NETSTATS_TOP:?}
res=${NETSTATS_RESULTS:?}
obj=${NETSTATS_OBJ:?}
export KSRC=${NETSTATS_KSRC:?}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

uname -a >"$res/uname"
# Keep the console quiet; dmesg is saved below.
dmesg -n 1 2>/dev/null
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo "guest: $(uname -r), $(nproc) CPUs, NICs: $(ls /sys/class/net | tr '\n' ' ')"

case $mode in
check)
	ksft=$NETSTATS_KSFT
	if [ ! -x "$ksft/run_kselftest.sh" ]; then
		echo "guest: no kselftests installed at $ksft" | tee "$res/error"
	else
		# kselftest's runner.sh writes test output to /dev/stdout by
		# reopening it, which loses it under vng's console: run the
		# list ourselves and write the same TAP (nested output "# ").
		list=$ksft/kselftest-list.txt
		# NETSTATS_TESTS=GLOB (e.g. "exporter*"): only those tests.
		if [ -n "${NETSTATS_TESTS:-}" ]; then
			while IFS=: read -r coll test; do
				# shellcheck disable=SC2053
				[[ $test == $NETSTATS_TESTS ]] && echo "$coll:$test"
			done <"$ksft/kselftest-list.txt" >"$res/kselftest-list.txt"
			list=$res/kselftest-list.txt
		fi
		n=0
		{
			echo "TAP version 13"
			echo "1..$(grep -c . "$list")"
			while IFS=: read -r coll test; do
				n=$((n + 1))
				t=$(sed -n 's/^timeout=//p' "$ksft/$coll/settings" 2>/dev/null)
				echo "# selftests: $coll: $test"
				(cd "$ksft/$coll" &&
				 timeout "${t:-300}" "./$test" </dev/null 2>&1) |
					sed -u 's/^/# /'
				rc=${PIPESTATUS[0]}
				if [ "$rc" = 0 ]; then
					echo "ok $n selftests: $coll: $test"
				elif [ "$rc" = 4 ]; then
					echo "ok $n selftests: $coll: $test # SKIP"
				else
					echo "not ok $n selftests: $coll: $test # exit=$rc"
				fi
			done <"$list"
		} | tee "$res/kselftest.tap"
	fi
	if [ -e /sys/kernel/debug/kmemleak ]; then
		# Objects freed by RCU or deferred work need a moment; two
		# scans as kmemleak documents for reliable reports.
		sleep 5
		echo scan >/sys/kernel/debug/kmemleak
		sleep 5
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >"$res/kmemleak.txt"
		echo "guest: kmemleak: $(grep -c '^unreferenced object' "$res/kmemleak.txt") unreferenced objects"
	fi
	;;
run)
	"$top/tooling/demo.sh" 2>&1 | tee "$res/demo.txt"
	echo "${PIPESTATUS[0]}" >"$res/demo.rc"
	;;
bench)
	"$top/tooling/bench-guest.sh" 2>&1 | tee "$res/bench.txt"
	;;
insns)
	# Some benchmarks alone: NETSTATS_INSNS_ONLY=<name>[,<name>...].
	[ -n "${NETSTATS_INSNS_ONLY:-}" ] || unset NETSTATS_INSNS_ONLY
	"$NETSTATS_KSFT/netstats-tools/netstats_bench" \
		--insns "${NETSTATS_INSNS_REPEAT:-5}" 2>&1 |
		tee "$res/insns.txt"
	;;
*)
	echo "guest: unknown mode $mode" | tee "$res/error"
	;;
esac

dmesg >"$res/dmesg.txt"
touch "$res/done"
