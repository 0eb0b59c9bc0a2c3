#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that every commit of the series builds (kernel, and the uapi
# headers the tools use): check out each commit in build/linux and build
# it incrementally in build/obj-normal, then return to the series head.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/tooling/assemble.sh"
obj=$BUILD/obj-normal
trap 'git -C "$KSRC" checkout -q netstats' EXIT
for c in $(git -C "$KSRC" rev-list --reverse pristine..series); do
	stage "bisect: $(git -C "$KSRC" log --oneline -1 "$c")"
	git -C "$KSRC" checkout -q --detach "$c"
	if ! git -C "$KSRC" cat-file -e "$c:net/netstats/Kconfig" 2>/dev/null; then
		# A patch in front of the family (the ynl-gen one): there is
		# no CONFIG_NETSTATS yet, which build-kernel.sh would refuse.
		# Build the configuration as it is; the symbols that do not
		# exist yet drop out of it.
		if ! { make -s -C "$KSRC" O="$obj" olddefconfig &&
		       make -C "$KSRC" O="$obj" CC="ccache gcc" -j"$(nproc)" \
			    bzImage &&
		       make -s -C "$KSRC" O="$obj" headers; } \
		     >"$BUILD/bisect.log" 2>&1; then
			grep -E 'warning:|error:' "$BUILD/bisect.log" | tail -20
			die "$(git -C "$KSRC" log --oneline -1 "$c") does not build"
		fi
		echo "    built without CONFIG_NETSTATS (not in this tree yet)"
		continue
	fi
	# A commit before this one may have dropped CONFIG_NETSTATS from
	# .config: configure again from the fragments.
	grep -qx CONFIG_NETSTATS=y "$obj/.config" 2>/dev/null ||
		rm -f "$obj/.fragments.used"
	if ! "$TOP/tooling/build-kernel.sh" normal >"$BUILD/bisect.log" 2>&1; then
		tail -20 "$BUILD/bisect.log"
		die "$(git -C "$KSRC" log --oneline -1 "$c") does not build"
	fi
	grep -E 'warning:|built in' "$BUILD/bisect.log" | grep -v 'frame size' || true
done
info "every commit builds"
