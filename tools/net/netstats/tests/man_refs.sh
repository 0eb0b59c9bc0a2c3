#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# man_refs.sh TREE PAGE...: every man page reference of the pages
# (".BR name (N)", also inside .RB/.IR and in SEE ALSO) names a page that
# exists: one of the tree's own (tools/**/name.N) or one man(1) finds
# (skipped, with a note, when man is not installed); and every path of the
# tree they name (Documentation/..., tools/...) exists. Prints one line per
# missing reference; exit 1 if there is one.

tree=$1
shift
missing=0
have_man=$(command -v man)

for page in "$@"; do
	# "name (N)" as roff writes a reference: \- is a dash
	refs=$(sed -nE 's/\\-/-/g; s/^\.(BR|RB|IR|RI|B) +(\( +)?([A-Za-z0-9_.:+-]+) +\(([1-9][a-z]*)\).*/\3.\4/p' \
		"$page" | sort -u)
	for ref in $refs; do
		name=${ref%.*}
		sec=${ref##*.}
		if [ -n "$(find "$tree/tools" -name "$name.$sec" -print -quit)" ]; then
			continue
		fi
		if [ -z "$have_man" ]; then
			echo "note: $(basename "$page"): $name($sec) not checked (no man)"
			continue
		fi
		if ! man -w "$sec" "$name" >/dev/null 2>&1; then
			echo "$(basename "$page"): no page $name($sec)"
			missing=$((missing + 1))
		fi
	done
	for path in $(grep -oE '(Documentation|tools)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' \
		      "$page" | sort -u); do
		if [ ! -e "$tree/$path" ]; then
			echo "$(basename "$page"): no $path in the tree"
			missing=$((missing + 1))
		fi
	done
done
[ $missing -eq 0 ]
