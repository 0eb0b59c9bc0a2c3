#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that every commit of the series builds (kernel, and the uapi
# headers the tools use): check out each commit in build/linux and build
# it incrementally in build/obj-normal, then return to the series head.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/tooling/assemble.sh"
trap 'git -C "$KSRC" checkout -q netstats' EXIT
for c in $(git -C "$KSRC" rev-list --reverse pristine..HEAD); do
	stage "bisect: $(git -C "$KSRC" log --oneline -1 "$c")"
	git -C "$KSRC" checkout -q --detach "$c"
	if ! "$TOP/tooling/build-kernel.sh" normal >"$BUILD/bisect.log" 2>&1; then
		tail -20 "$BUILD/bisect.log"
		die "$(git -C "$KSRC" log --oneline -1 "$c") does not build"
	fi
	grep -E 'warning:|built in' "$BUILD/bisect.log" | grep -v 'frame size' || true
done
info "every commit builds"
