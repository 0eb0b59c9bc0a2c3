#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and install the netstats kselftests against a built kernel's uapi
# headers, and next to them (collection netstats-tools) the VM tests of
# the userspace tools, which live with their tools outside the series,
# with the programs they run, and the bench and demo programs:
#   lib_tcp      tools/lib/netstats/tests/vm/lib_tcp.c   (libnetstats)
#   cli.sh       tools/net/netstats/tests/cli.sh         (netstats)
#   exporter.sh  tools/net/netstats/exporter/tests/      (netstats-exporter,
#                exporter_ref)
#   netstats_bench, netstats_demo: tooling/ (make bench, make run)
# The guest runs both collections in one boot (guest.sh).
#   build-selftests.sh FLAVOUR   → build/obj-FLAVOUR/kselftest_install
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$BUILD/obj-${1:-normal}
ksft=$obj/kselftest_install
khdr="-isystem $obj/usr/include"
log=$obj/kselftest-build.log
stage "building the netstats kselftests against $obj/usr/include"
rm -rf "$ksft"
# The selftests Makefile installs net/lib (net/lib/py, the YNL library
# and the specs the Python tests use) with net/netstats by itself.
make -s -C "$KSRC/tools/testing/selftests" O="$obj" TARGETS=net/netstats \
	KHDR_INCLUDES="$khdr" INSTALL_PATH="$ksft" install \
	>"$log" 2>&1 || { cat "$log"; die "kselftest build failed"; }

stage "building the VM tests of libnetstats, netstats and netstats-exporter"
tools=$ksft/netstats-tools
out=$obj/netstats-tools-build
lib=$KSRC/tools/lib/netstats
sel=$KSRC/tools/testing/selftests/net/netstats
mkdir -p "$tools"
{
	# The tools as they are released: their own Makefiles, WERROR=1.
	make -s -C "$lib" OUTPUT="$out/lib/" KHDR_INCLUDES="$khdr" WERROR=1 all &&
	make -s -C "$KSRC/tools/net/netstats" OUTPUT="$out/cli/" \
		KHDR_INCLUDES="$khdr" WERROR=1 all &&
	make -s -C "$KSRC/tools/net/netstats/exporter" OUTPUT="$out/exporter/" \
		KHDR_INCLUDES="$khdr" WERROR=1 all &&
	cp "$out/cli/netstats" "$out/exporter/netstats-exporter" "$tools/" &&
	# The test programs, linked with the static library.
	cc=(gcc -Wall -Wextra -O2 -g $khdr -I"$lib") &&
	libs=("$out/lib/libnetstats.a" -lmnl) &&
	"${cc[@]}" "$lib/tests/vm/lib_tcp.c" "${libs[@]}" -o "$tools/lib_tcp" &&
	"${cc[@]}" "$KSRC/tools/net/netstats/exporter/tests/exporter_ref.c" \
		"${libs[@]}" -o "$tools/exporter_ref" &&
	"${cc[@]}" -I"$sel" "$TOP/tooling/netstats_bench.c" "${libs[@]}" \
		-o "$tools/netstats_bench" &&
	"${cc[@]}" -I"$sel" -Wno-unused-function "$TOP/tooling/netstats_demo.c" \
		"${libs[@]}" -o "$tools/netstats_demo" &&
	cp "$KSRC/tools/net/netstats/tests/cli.sh" \
		"$KSRC/tools/net/netstats/exporter/tests/exporter.sh" "$tools/" &&
	# exporter.sh's devices that come and go take ~1 min on the normal
	# kernel, ~4x that on the debug one: more than the kselftests' 300 s.
	echo timeout=600 >"$tools/settings"
} >>"$log" 2>&1 || { cat "$log"; die "the tools' VM tests did not build"; }
for t in lib_tcp cli.sh exporter.sh; do
	echo "netstats-tools:$t"
done >>"$ksft/kselftest-list.txt"
info "$(grep -c . "$ksft/kselftest-list.txt") programs in $ksft"
