#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel files the series adds (the overlay's .c and
# .h under include/ and net/), on the assembled head of the series:
#   - kernel-doc -none -Wall: no warning
#   - YNL output regenerated == committed (ynl-gen.sh --check)
#   - the selftests' Makefile and config diffs of the patches are what
#     selftests-grow.py derives from the final files
#   - sparse (C=2) and W=1: no warning in our files
# sparse and W=1 build our objects in build/obj-lint (the normal
# configuration, a tree of its own so build/obj-normal keeps its flags);
# wrap the call in flock /tmp/netstats-kbuild.lock on a shared machine.
#   lint.sh            all three
#   lint.sh --no-build kernel-doc and YNL only (no compiler, seconds)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$KSRC/.git" ] || die "run tooling/assemble.sh first"
mapfile -t files < <(cd "$TOP" && git ls-files --cached --others \
	--exclude-standard include net | grep -E '\.[ch]$' | sort)
[ ${#files[@]} -gt 0 ] || die "no overlay kernel files"
bad=0

stage "kernel-doc -none -Wall (${#files[@]} files)"
if out=$(cd "$KSRC" && ./scripts/kernel-doc -none -Wall "${files[@]}" 2>&1) &&
   [ -z "$out" ]; then
	info "clean"
else
	echo "$out" | sed 's/^/    /'
	bad=1
fi

stage "YNL output == committed"
"$TOP/tooling/ynl-gen.sh" --check || bad=1

stage "selftests Makefile and config diffs == what selftests-grow.py writes"
"$TOP/tooling/selftests-grow.py" --check || bad=1

if [ "${1:-}" != --no-build ]; then
	obj=$BUILD/obj-lint
	[ -f "$BUILD/obj-normal/.config" ] ||
		die "no $BUILD/obj-normal/.config: run tooling/build-kernel.sh first"
	command -v sparse >/dev/null || die "sparse missing: run tooling/setup-host.sh"
	mkdir -p "$obj"
	cmp -s "$BUILD/obj-normal/.config" "$obj/.config" ||
		cp "$BUILD/obj-normal/.config" "$obj/.config"
	make -s -C "$KSRC" O="$obj" olddefconfig
	# Only the objects the configuration builds (single targets must be
	# in their directory's obj-y).
	objs=()
	for f in "${files[@]}"; do
		case $f in *.c) objs+=("${f%.c}.o") ;; esac
	done
	stage "sparse (C=2) and W=1: ${#objs[@]} objects in $obj"
	log=$obj/lint.log
	# Every object again: C=2 checks even what is up to date, and W=1
	# must see each file compiled.
	for o in "${objs[@]}"; do rm -f "$obj/$o"; done
	if ! make -C "$KSRC" O="$obj" CC="ccache gcc" -j"$(nproc)" \
		C=2 W=1 "${objs[@]}" >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -20
		die "lint build failed (see $log)"
	fi
	pat=$(printf '%s\n' "${files[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
	# sparse and gcc name the files with the source tree's path before.
	if grep -E "^(.*/)?($pat):[0-9]+:([0-9]+:)? (warning|error)" "$log" >"$log.ours"; then
		sed 's/^/    /' "$log.ours"
		bad=1
	else
		info "clean ($(grep -c '^  CHECK' "$log") files checked by sparse)"
	fi
fi

[ $bad = 0 ] || die "lint found problems"
info "lint clean"
