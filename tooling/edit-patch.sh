#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Edit the changes a patch makes to existing kernel files.
#   edit-patch.sh start PATCH   check out build/scratch at PATCH's commit
#   (edit existing kernel files in build/scratch)
#   edit-patch.sh save PATCH    write the diff (PATCH's parent -> the
#                               scratch work tree, overlay files left
#                               out) below the message in series/PATCH
# Then run tooling/assemble.sh.  Later patches must still apply.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmd=${1:?start|save}
patch=${2:?patch file name}
[ -f "$TOP/series/$patch" ] || die "no series/$patch"
scratch=$BUILD/scratch

# The assembled commit of PATCH: same position in the series (the ref
# "series" is its last patch; the local: entry is not a patch).
patches=$(grep -E '^[^#[:space:]]' "$TOP/series/series" | grep -v '^local:')
idx=$(echo "$patches" | grep -nxF "$patch" | cut -d: -f1)
total=$(echo "$patches" | wc -l)
commit=$(git -C "$KSRC" rev-parse "series~$((total - idx))")

case $cmd in
start)
	if [ ! -d "$scratch" ]; then
		git -C "$KSRC" worktree add -q --detach "$scratch" "$commit"
	else
		git -C "$scratch" checkout -q --detach -f "$commit"
	fi
	info "build/scratch is at $(git -C "$scratch" log --oneline -1)"
	;;
save)
	[ "$(git -C "$scratch" rev-parse HEAD)" = "$commit" ] ||
		die "build/scratch is not at $patch's commit: run start first"
	# Overlay files are ours in full; the patch carries only the rest.
	mapfile -t overlay < <(cd "$TOP" && git ls-files --cached --others \
		--exclude-standard Documentation drivers include net tools)
	excl=()
	for f in "${overlay[@]}"; do excl+=(":(exclude)$f"); done
	msg=$(sed '/^---$/q' "$TOP/series/$patch")
	{
		echo "$msg"
		git -C "$scratch" diff "$commit^" -- . "${excl[@]}"
	} >"$TOP/series/$patch.new"
	mv "$TOP/series/$patch.new" "$TOP/series/$patch"
	# The selftests' Makefile and config are overlay (local:) but grow
	# by diffs in the patches: put this patch's back.
	"$TOP/tooling/selftests-grow.py" >/dev/null
	info "series/$patch: $(grep -c '^diff --git' "$TOP/series/$patch") files"
	;;
*) die "unknown command $cmd" ;;
esac
