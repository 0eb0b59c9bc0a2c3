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

stage "host: YNL-generated files match the spec"
if "$TOP/tooling/ynl-gen.sh" --check; then
	echo "1 passed, 0 failed" >"$hostres/ynl.txt"
else
	echo "0 passed, 1 failed" >"$hostres/ynl.txt"
fi

"$TOP/tooling/build-kernel.sh" "$flavour"
khdr="-isystem $obj/usr/include"

host_files=("$hostres/ynl.txt")
if [ -d "$KSRC/tools/lib/netstats" ]; then
	stage "host: libnetstats unit tests and ABI check"
	make -s -C "$KSRC/tools/lib/netstats" OUTPUT="$BUILD/lib-$flavour/" \
		KHDR_INCLUDES="$khdr" test check_abi 2>&1 |
		tee "$hostres/lib.txt" | sed 's/^/    /' || true
	host_files+=("$hostres/lib.txt")
fi
# netstats(8) and netstats-exporter: output formats, arguments, HTTP and
# a whole scrape against a stubbed library, all without a netstats kernel.
for t in "cli tools/net/netstats" "exporter tools/net/netstats/exporter"; do
	read -r name dir <<<"$t"
	[ -d "$KSRC/$dir" ] || continue
	stage "host: $name unit tests"
	make -s -C "$KSRC/$dir" OUTPUT="$BUILD/$name-$flavour/" \
		KHDR_INCLUDES="$khdr" test 2>&1 |
		tee "$hostres/$name.txt" | sed 's/^/    /' || true
	host_files+=("$hostres/$name.txt")
done

"$TOP/tooling/build-selftests.sh" "$flavour"

"$TOP/tooling/vm.sh" "$flavour" check "$BUILD/results-$flavour-check"

stage "verdict ($flavour kernel, $(( $(date +%s) - t0 )) s in all)"
judge_args=("$BUILD/results-$flavour-check" --host "${host_files[@]}")
[ "$flavour" = debug ] && judge_args+=(--debug)
python3 "$TOP/tooling/judge.py" "${judge_args[@]}"
