#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test: host-side checks and library unit tests, then the kselftests
# inside one boot of the patched kernel with all test NICs present.
#   check.sh [normal|debug]
# Ends with one line "N passed, N failed, N skipped"; exits 1 on failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-normal}
obj=$BUILD/obj-$flavour
hostres=$BUILD/results-$flavour-host
t0=$(date +%s)

"$TOP/tooling/setup-host.sh"
"$TOP/tooling/assemble.sh"
rm -rf "$hostres"
mkdir -p "$hostres"
host_files=()

# Run one host step: its output goes to the console and to
# $hostres/NAME.txt, its exit status to NAME.txt.rc, and the judge counts
# a non-zero status (make error, crash, ABI check) as a failure.  A
# failing step does not stop this script: the suite still runs.
host_step() {
	local out=$hostres/$1.txt rc=0 st
	shift
	"$@" 2>&1 | tee "$out" | sed 's/^/    /' || {
		st=("${PIPESTATUS[@]}")
		# The step's own status; if it passed, tee or sed failed.
		rc=${st[0]}
		[ "$rc" != 0 ] || rc=1
	}
	echo "$rc" >"$out.rc"
	host_files+=("$out")
}

stage "host: YNL-generated files match the spec"
if "$TOP/tooling/ynl-gen.sh" --check; then
	echo "1 passed, 0 failed" >"$hostres/ynl.txt"
else
	echo "0 passed, 1 failed" >"$hostres/ynl.txt"
fi
host_files+=("$hostres/ynl.txt")

stage "host: the judge counts failing, crashing and missing tests"
host_step judge "$TOP/tooling/judge-selftest.sh"

stage "host: tools/include/uapi copies of the netstats uapi are in sync"
host_step headers "$KSRC/tools/lib/netstats/check-headers.sh"

"$TOP/tooling/build-kernel.sh" "$flavour"
khdr="-isystem $obj/usr/include"

if [ -d "$KSRC/tools/lib/netstats" ]; then
	stage "host: libnetstats unit tests and ABI check"
	host_step lib make -s -C "$KSRC/tools/lib/netstats" \
		OUTPUT="$BUILD/lib-$flavour/" KHDR_INCLUDES="$khdr" WERROR=1 \
		test check_abi
fi
# netstats(8) and netstats-exporter: output formats, arguments, HTTP and
# a whole scrape against a stubbed library, all without a netstats kernel.
for t in "cli tools/net/netstats" "exporter tools/net/netstats/exporter"; do
	read -r name dir <<<"$t"
	[ -d "$KSRC/$dir" ] || continue
	stage "host: $name unit tests"
	host_step "$name" make -s -C "$KSRC/$dir" OUTPUT="$BUILD/$name-$flavour/" \
		KHDR_INCLUDES="$khdr" WERROR=1 test
done
# An -Og build (what a debugger wants) compiles without a warning: the
# CLI and the exporter, and with them the library.
og_build() {
	local d

	for d in tools/net/netstats tools/net/netstats/exporter; do
		make -s -C "$KSRC/$d" OUTPUT="$BUILD/og-$flavour/${d##*/}/" \
			KHDR_INCLUDES="$khdr" CFLAGS="-g -Og" WERROR=1 all ||
			return 1
	done
	echo "1 passed, 0 failed"
}
stage "host: -Og build of the tools, WERROR=1"
host_step og og_build

"$TOP/tooling/build-selftests.sh" "$flavour"

"$TOP/tooling/vm.sh" "$flavour" check "$BUILD/results-$flavour-check"

stage "verdict ($flavour kernel, $(( $(date +%s) - t0 )) s in all)"
judge_args=("$BUILD/results-$flavour-check" --host "${host_files[@]}")
[ "$flavour" = debug ] && judge_args+=(--debug)
python3 "$TOP/tooling/judge.py" "${judge_args[@]}"
