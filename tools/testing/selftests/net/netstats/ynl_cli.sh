#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec describes the running kernel: the tree's generic YNL CLI,
# given only Documentation/netlink/specs/netstats.yaml, can dump QUERY
# and gets the kernel's extack error back for an unknown group.

ksft_skip=4
KSRC=${KSRC:-$(cd "$(dirname "$0")/../../../../.." && pwd)}
cli=$KSRC/tools/net/ynl/cli.py
spec=$KSRC/Documentation/netlink/specs/netstats.yaml

if [ ! -f "$cli" ] || [ ! -f "$spec" ]; then
	echo "SKIP: no kernel tree with YNL at $KSRC (set KSRC)"
	exit $ksft_skip
fi

ret=0
out=$(python3 "$cli" --spec "$spec" --dump query 2>&1)
# On stdin: the dump is larger than one argument may be (128 KiB).
is_list='import ast, sys; assert isinstance(ast.literal_eval(sys.stdin.read()), list)'
if ! python3 -c "$is_list" <<<"$out" 2>/dev/null; then
	echo "FAIL: --dump query did not print a list: $out"
	ret=1
else
	echo "ok: --dump query printed a list of $(grep -c "'name':" <<<"$out") names"
fi

out=$(python3 "$cli" --spec "$spec" --do query --json '{"name": "no-such-group"}' 2>&1)
if [[ $out != *"unknown counter group"* ]]; then
	echo "FAIL: --do query of an unknown group: $out"
	ret=1
else
	echo "ok: unknown group refused with the kernel's extack message"
fi
exit $ret
