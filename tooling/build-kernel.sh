#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel from build/linux (or the pristine tree).
#   build-kernel.sh [FLAVOUR]   FLAVOUR: normal (default), debug, pristine
# Output in build/obj-FLAVOUR; uapi headers in build/obj-FLAVOUR/usr/include.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-normal}
obj=$BUILD/obj-$flavour
src=$KSRC
frags=("$TOP/tooling/config/vm.fragment"
       "$TOP/tools/testing/selftests/net/netstats/config")
case $flavour in
normal) ;;
debug) frags+=("$TOP/tooling/config/debug.fragment") ;;
pristine)
	# Same configuration, unpatched source: a worktree at tag pristine.
	src=$BUILD/linux-pristine
	if [ ! -d "$src" ]; then
		git -C "$KSRC" worktree add -q --detach "$src" pristine
	fi
	;;
*) die "unknown flavour $flavour" ;;
esac

mkdir -p "$obj"
stage "configuring $flavour kernel (tinyconfig + ${#frags[@]} fragments)"
cfg=$obj/.config.want
{
	cat "${frags[@]}"
} >"$obj/.fragments"
if [ ! -f "$obj/.config" ] || ! cmp -s "$obj/.fragments" "$obj/.fragments.used"; then
	make -s -C "$src" O="$obj" tinyconfig >/dev/null
	KCONFIG_CONFIG=$obj/.config "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$obj" "$obj/.config" "${frags[@]}" >"$obj/merge.log" 2>&1
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	cp "$obj/.fragments" "$obj/.fragments.used"
fi
# Every requested symbol must have survived olddefconfig (a typo or a
# missing dependency silently drops it otherwise).  NETSTATS is allowed
# to be absent only from the pristine tree.
bad=0
while IFS= read -r want; do
	case $want in CONFIG_*=*) ;; *) continue ;; esac
	[ "$flavour" = pristine ] && [ "${want%%=*}" = CONFIG_NETSTATS ] && continue
	if [ "${want#*=}" = n ]; then
		grep -q "^${want%%=*}=" "$obj/.config" && { echo "  still set: $want"; bad=1; }
	else
		grep -qx "$want" "$obj/.config" || { echo "  not set: $want"; bad=1; }
	fi
done < <(# the last fragment to name a symbol wins, as in merge_config.sh
	sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/' "$obj/.fragments" |
	awk -F= '/^CONFIG_/ { if (!($1 in v)) o[n++] = $1; v[$1] = $0 }
		 END { for (i = 0; i < n; i++) print v[o[i]] }')
[ $bad = 0 ] || die "config fragments not honoured (see above, $obj/merge.log)"

stage "building $flavour kernel in $obj (ccache: $CCACHE_DIR)"
start=$(date +%s)
# Kbuild prints one line per object: show every 250th as progress.
make -C "$src" O="$obj" CC="ccache gcc" -j"$(nproc)" bzImage 2>&1 |
	awk '/warning:|error:|Error /{print; fflush(); next}
	     {n++; if (n % 250 == 0) {printf "    [%5d] %s\n", n, $0; fflush()}}
	     END {printf "    [%5d] done\n", n}'
[ "${PIPESTATUS[0]}" = 0 ] || die "kernel build failed"
# uapi headers for the library and the selftests: $obj/usr/include
make -s -C "$src" O="$obj" headers >/dev/null
info "built in $(( $(date +%s) - start )) s: $obj/arch/x86/boot/bzImage"
ccache -s 2>/dev/null | grep -iE 'hits|misses' | head -3 | sed 's/^/    ccache: /' || true
