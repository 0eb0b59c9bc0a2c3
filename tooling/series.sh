#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the assembled series as netdev expects it and checkpatch it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/series
rm -rf "$out"
n=$(git -C "$KSRC" rev-list --count pristine..series)
stage "format-patch: $n patches into $out"
git -C "$KSRC" format-patch -q --cover-letter --subject-prefix="PATCH net-next" \
	-o "$out" pristine..series
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

# Lines of YNL-generated files (YNL-GEN in their head) longer than 100
# columns are not counted: ynl-gen-c.py writes a policy entry on one line
# whatever its length, as in the kernel's own generated files (e.g.
# net/core/netdev-genl-gen.c), and the files are never edited by hand
# (ynl-gen.sh --check diffs them against the generator).  Only that one
# warning, and only in those files, is left out.  Exit status: 1 if
# anything else remains.
ynl_long_lines() {
	python3 - "$1" "$KSRC" <<'PY'
import os, re, sys
path, ksrc = sys.argv[1], sys.argv[2]
blocks = open(path).read().split('\n\n')
keep, dropped = [], 0
for b in blocks:
    m = re.search(r'^#\d+: FILE: (\S+?):\d+:', b, re.M)
    f = os.path.join(ksrc, m.group(1)) if m else ''
    if (b.startswith('WARNING: line length of ') and os.path.isfile(f) and
            'YNL-GEN' in open(f).read(512)):
        dropped += 1
        continue
    keep.append(b)
problems = [b for b in keep if re.match(r'(ERROR|WARNING|CHECK):', b)]
text = '\n\n'.join(keep).strip() if problems else ''
if problems and dropped:
    text += '\n(%d long lines of YNL-generated files not counted)' % dropped
open(path, 'w').write(text + '\n' if text else '')
sys.exit(1 if problems else 0)
PY
}

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
		--ignore "$ignore" "$p") >"$p.checkpatch" 2>&1 &&
	   ! ynl_long_lines "$p.checkpatch"; then
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
