#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assemble build/linux: the pinned pristine tree as the first commit, then
# one commit per entry of series/series.  A commit is a patch file from
# series/ (mail format: the commit message and the edits to existing
# kernel files) plus the new files (overlay) the manifest assigns to it.
#
# Commits are built in the object database with a private index and
# fixed dates, so an unchanged series gives the same commit ids; the work
# tree is then moved to the result with "git reset --hard", which rewrites
# only files whose content changed: unchanged files keep their mtime and
# make rebuilds only what changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine_repo=$("$TOP/tooling/fetch-source.sh")
manifest=$TOP/series/series

stage "assembling $KSRC (pristine $VERSION + series)"
if [ -d "$KSRC/.git" ] &&
   [ "$(git -C "$KSRC" rev-parse -q --verify pristine^{commit} 2>/dev/null)" != \
     "$(git --git-dir="$pristine_repo" rev-parse pristine^{commit})" ]; then
	info "base changed: starting the tree again"
	rm -rf "$KSRC"
fi
if [ ! -d "$KSRC/.git" ]; then
	info "cloning the pristine tree (shared objects)"
	mkdir -p "$BUILD"
	git clone -q --shared "$pristine_repo" "$KSRC"
	git -C "$KSRC" checkout -q -b netstats pristine
fi

# Parse the manifest: a patch name at column 0, its overlay paths
# indented below it.  Every overlay file must belong to exactly one patch.
# The last entry may be "local:": files outside the series (userspace
# released on its own), committed after it as one local commit that
# series.sh, bisect-build.sh and edit-patch.sh leave out; the ref
# "series" names the last commit of the series proper.
declare -a patches=()
declare -A files_of=()
cur=
while IFS= read -r line; do
	line=${line%%#*}
	[ -z "${line//[[:space:]]/}" ] && continue
	if [[ $line =~ ^[^[:space:]] ]]; then
		[ "$cur" = local: ] && die "series: local: must be the last entry"
		cur=${line%%[[:space:]]*}
		[ "$cur" = local: ] || [ -f "$TOP/series/$cur" ] ||
			die "series: $cur does not exist"
		patches+=("$cur")
		files_of[$cur]=
	else
		[ -n "$cur" ] || die "series: overlay path before any patch"
		p=$(echo "$line" | xargs)
		[ -e "$TOP/$p" ] || die "series: $p (in $cur) does not exist"
		files_of[$cur]+=" $p"
	fi
done <"$manifest"

# Overlay = every tracked-or-new file of these top-level kernel paths.
overlay_dirs="Documentation drivers include net tools"
declare -A owner=()
for pt in "${patches[@]}"; do
	for p in ${files_of[$pt]}; do
		while IFS= read -r f; do
			[ -n "${owner[$f]:-}" ] &&
				die "series: $f claimed by ${owner[$f]} and $pt"
			owner[$f]=$pt
		done < <(cd "$TOP" && find "$p" -type f ! -name '*.o' | sort)
	done
done
for d in $overlay_dirs; do
	[ -d "$TOP/$d" ] || continue
	while IFS= read -r f; do
		[ -n "${owner[$f]:-}" ] ||
			die "overlay file $f is not assigned to any patch in series/series"
	done < <(cd "$TOP" && git ls-files --cached --others --exclude-standard "$d")
done

export GIT_DIR=$KSRC/.git
export GIT_INDEX_FILE=$BUILD/.assemble-index
rm -f "$GIT_INDEX_FILE"
git read-tree pristine
parent=$(git rev-parse pristine)
tmp=$(mktemp -d)
idx=$GIT_INDEX_FILE
trap 'rm -rf "$tmp" "$idx"' EXIT
n=0
series_end=$parent
for pt in "${patches[@]}"; do
	n=$((n + 1))
	if [ "$pt" = local: ]; then
		# Same author and date as the last patch: fixed commit ids.
		printf 'From: %s <%s>\nDate: %s\nSubject: local: files outside the series\n\nUserspace built and tested from this tree, not sent with the series:\nsee series/series.\n' \
			"$GIT_AUTHOR_NAME" "$GIT_AUTHOR_EMAIL" "$GIT_AUTHOR_DATE" >"$tmp/local"
		git mailinfo "$tmp/msg" "$tmp/diff" <"$tmp/local" >"$tmp/info"
	else
		git mailinfo "$tmp/msg" "$tmp/diff" <"$TOP/series/$pt" >"$tmp/info"
	fi
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	[ -n "$subject" ] || die "$pt: no Subject"
	if grep -q "^diff --git " "$tmp/diff"; then
		git apply --cached --whitespace=nowarn "$tmp/diff" ||
			die "$pt does not apply"
	fi
	for p in ${files_of[$pt]}; do
		while IFS= read -r f; do
			mode=100644
			[ -x "$TOP/$f" ] && mode=100755
			blob=$(git hash-object -w "$TOP/$f")
			git update-index --add --cacheinfo "$mode,$blob,$f"
		done < <(cd "$TOP" && find "$p" -type f ! -name '*.o' | sort)
	done
	tree=$(git write-tree)
	{ echo "$subject"; echo; cat "$tmp/msg"; } >"$tmp/commit"
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE
	GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$tmp/info")
	GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$tmp/info")
	GIT_AUTHOR_DATE=$(sed -n 's/^Date: //p' "$tmp/info")
	parent=$(GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME \
		 GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL \
		 GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE \
		 git commit-tree "$tree" -p "$parent" -F "$tmp/commit")
	info "$(printf '%02d' $n) $subject"
	[ "$pt" = local: ] || series_end=$parent
done
git update-ref refs/heads/series "$series_end"
unset GIT_INDEX_FILE
old=$(git rev-parse HEAD)
if [ "$old" != "$parent" ]; then
	git -C "$KSRC" reset -q --hard "$parent"
	info "tree moved to $(git rev-parse --short HEAD) ($(git diff --name-only "$old" "$parent" | wc -l) files changed)"
else
	info "tree unchanged at $(git rev-parse --short HEAD)"
fi
