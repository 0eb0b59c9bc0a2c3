#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the assembled series as netdev expects it and checkpatch it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/series
rm -rf "$out"
n=$(git -C "$KSRC" rev-list --count pristine..HEAD)
stage "format-patch: $n patches into $out"
git -C "$KSRC" format-patch -q --cover-letter --subject-prefix="PATCH net-next" \
	-o "$out" pristine..HEAD
# The cover letter: subject and blurb from series/cover-letter.
# checkpatch runs with FILE_PATH_CHANGES ignored: it asks whether
# MAINTAINERS needs an update for every new file, and the first patch
# adds the entry that covers all of them.
if [ -f "$TOP/series/cover-letter" ]; then
	cover=$(ls "$out"/0000-cover-letter.patch)
	subject=$(head -1 "$TOP/series/cover-letter")
	python3 - "$cover" "$TOP/series/cover-letter" <<'PY'
import sys
cover, src = sys.argv[1], sys.argv[2]
lines = open(src).read().split('\n')
subject, blurb = lines[0], '\n'.join(lines[2:]).strip()
text = open(cover).read()
text = text.replace('*** SUBJECT HERE ***', subject)
text = text.replace('*** BLURB HERE ***', blurb)
open(cover, 'w').write(text)
PY
fi
ls "$out" | sed 's/^/    /'

stage "checkpatch --strict"
bad=0
for p in "$out"/*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	# libnetstats, the CLI and the exporter are userspace (an installed
	# header cannot use the kernel's attribute macros; shared-memory
	# loads are volatile; vector types need a typedef): checkpatch's
	# kernel-only rules are left out for patches of tools/*/netstats only.
	ignore=FILE_PATH_CHANGES
	if ! grep '^+++ b/' "$p" | grep -qv '^+++ b/tools/\(lib\|net\)/netstats/'; then
		ignore+=,PREFER_DEFINED_ATTRIBUTE_MACRO,NEW_TYPEDEFS,VOLATILE
	fi
	if ! (cd "$KSRC" && ./scripts/checkpatch.pl --strict -q \
		--ignore "$ignore" "$p") >"$p.checkpatch" 2>&1; then
		bad=1
	fi
	if [ -s "$p.checkpatch" ]; then
		echo "  $(basename "$p"):"
		sed 's/^/      /' "$p.checkpatch"
	else
		info "clean: $(basename "$p")"
	fi
done
[ $bad = 0 ] || die "checkpatch found problems"
info "series clean"
