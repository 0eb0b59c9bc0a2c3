# SPDX-License-Identifier: GPL-2.0
# Shared settings for the tooling scripts.  Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# Downloads and the pristine git repository live outside the clone, so a
# fresh clone on a kept machine does not fetch 150 MB or re-import
# 90,000 files again.
CACHE=${NETSTATS_CACHE:-/var/cache/netstats}
KSRC=$BUILD/linux

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=$TOP
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

# Debian's python3 (with python3-yaml, -ply, -git from setup-host.sh)
# before any other python3 on PATH; the guest inherits it.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

stage() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# shellcheck disable=SC1091
. "$TOP/kernel.pin"
