#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and install the netstats kselftests (and the bench and demo
# programs) against a built kernel's uapi headers.
#   build-selftests.sh FLAVOUR   → build/obj-FLAVOUR/kselftest_install
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$BUILD/obj-${1:-normal}
stage "building the netstats kselftests against $obj/usr/include"
rm -rf "$obj/kselftest_install"
# net/lib: the Python tests' net/lib/py, the YNL library and the specs
# (the selftests Makefile adds it by itself for net and drivers/net only).
make -s -C "$KSRC/tools/testing/selftests" O="$obj" \
	TARGETS="net/lib net/netstats" \
	KHDR_INCLUDES="-isystem $obj/usr/include" \
	INSTALL_PATH="$obj/kselftest_install" install \
	>"$obj/kselftest-build.log" 2>&1 ||
	{ cat "$obj/kselftest-build.log"; die "kselftest build failed"; }
