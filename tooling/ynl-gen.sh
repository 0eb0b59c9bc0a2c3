#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate the YNL outputs of our spec with the assembled tree's
# ynl-gen-c.py.   ynl-gen.sh          write them into the overlay
#                   ynl-gen.sh --check fail if the committed ones differ
set -euo pipefail
. "$(dirname "$0")/lib.sh"

spec=Documentation/netlink/specs/netstats.yaml
gen=$KSRC/tools/net/ynl/ynl-gen-c.py
[ -x "$gen" ] || die "run tooling/assemble.sh first ($gen missing)"
# The generator finds the schema next to the spec: run it on a copy
# inside the assembled tree.
cp "$TOP/$spec" "$KSRC/$spec.regen"
trap 'rm -f "$KSRC/$spec.regen"; rm -rf "$out"' EXIT
out=$(mktemp -d)

outputs=(
	"uapi header include/uapi/linux/netstats_generated.h"
	"kernel header net/netstats/netstats-genl-gen.h"
	"kernel source net/netstats/netstats-genl-gen.c"
)
bad=0
for o in "${outputs[@]}"; do
	read -r mode kind file <<<"$o"
	mkdir -p "$out/$(dirname "$file")"
	(cd "$KSRC" && python3 "$gen" --mode "$mode" "--$kind" \
		--spec "$spec.regen" -o "$out/$file" >/dev/null)
	# The generator names the spec it was given: name the real one.
	sed -i "s|$spec.regen|$spec|" "$out/$file"
	if [ "${1:-}" = --check ]; then
		if ! diff -u "$TOP/$file" "$out/$file"; then
			echo "YNL: $file differs from what $spec generates" >&2
			bad=1
		fi
	else
		mkdir -p "$TOP/$(dirname "$file")"
		cmp -s "$out/$file" "$TOP/$file" 2>/dev/null ||
			{ cp "$out/$file" "$TOP/$file"; info "GEN $file"; }
	fi
done
# The tools build against copies of the uapi (tools/include/uapi), as
# tools/ does for the other uapi headers; check.sh checks they are the
# same.
if [ "${1:-}" != --check ]; then
	for h in netstats.h netstats_generated.h; do
		cmp -s "$TOP/include/uapi/linux/$h" "$TOP/tools/include/uapi/linux/$h" ||
			{ cp "$TOP/include/uapi/linux/$h" "$TOP/tools/include/uapi/linux/$h"
			  info "COPY tools/include/uapi/linux/$h"; }
	done
fi
[ $bad = 0 ] || die "generated files are stale: run tooling/ynl-gen.sh"
[ "${1:-}" = --check ] && info "YNL-generated files match $spec"
exit 0
