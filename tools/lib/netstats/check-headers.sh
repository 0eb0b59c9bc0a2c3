#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# libnetstats, netstats(8) and netstats-exporter build against the copy of
# the netstats uapi in tools/include/uapi (as perf and bpftool do for
# theirs): it must stay the same as the kernel's.  Run from anywhere in a
# kernel tree; prints a closing "N passed, N failed" line and fails when
# a copy differs from include/uapi.

srctree=$(cd "$(dirname "$0")/../../.." && pwd)
pass=0
fail=0

for h in linux/netstats.h linux/netstats_generated.h; do
	if cmp -s "$srctree/include/uapi/$h" "$srctree/tools/include/uapi/$h"; then
		pass=$((pass + 1))
	else
		echo "Warning: tools/include/uapi/$h differs from the kernel's include/uapi/$h" >&2
		diff -u "$srctree/include/uapi/$h" \
			"$srctree/tools/include/uapi/$h" >&2
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
