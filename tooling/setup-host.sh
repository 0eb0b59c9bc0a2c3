#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the build, the VM and the tests need on a Debian 12
# host.  The VM boots the host's root filesystem, so every tool a test
# runs inside the guest is installed here.  Idempotent and quiet when
# nothing is missing.
set -euo pipefail

say() { printf '==> setup: %s\n' "$*"; }

PKGS=(
	# kernel build
	build-essential flex bison bc libelf-dev libssl-dev cpio kmod
	ccache rsync xz-utils git python3 perl
	# virtme-ng runtime
	qemu-system-x86 udev busybox-static
	# tools the guest runs
	iproute2 ethtool iputils-ping tmux procps
	python3-yaml python3-jsonschema
	# exporter.sh: scrapes, promtool check metrics, syscall count,
	# a self-signed certificate for the TLS scrape
	curl strace prometheus openssl
	# checkpatch (spdxcheck.py)
	python3-ply python3-git
	# make lint: sparse (C=1), besides W=1 and kernel-doc
	sparse
	# userspace library and selftests; the exporter's HTTP(S) server,
	# web configuration file, bcrypt and capabilities
	libmnl-dev pkg-config libcap-dev
	libmicrohttpd-dev libgnutls28-dev libyaml-dev libcrypt-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
	[ $updated = 1 ] && return
	say "apt-get update"
	apt-get update -qq
	updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	say "installing: ${missing[*]}"
	# Bookworm's packages even once the trixie source below is there.
	apt-get install -y -qq --no-install-recommends \
		-o APT::Default-Release=bookworm "${missing[@]}" >/dev/null
fi

# virtme-ng is only in trixie; it installs on bookworm without pulling
# trixie's libc when bookworm stays the default release.
if ! command -v vng >/dev/null; then
	if [ ! -e /etc/apt/sources.list.d/netstats-trixie.list ]; then
		say "adding the trixie apt source for virtme-ng"
		echo 'deb http://deb.debian.org/debian trixie main' \
			>/etc/apt/sources.list.d/netstats-trixie.list
		updated=0
	fi
	apt_update
	say "installing virtme-ng from trixie"
	apt-get install -y -qq --no-install-recommends \
		-o APT::Default-Release=bookworm virtme-ng/trixie >/dev/null
fi
say "host ready ($(vng --version 2>/dev/null | head -1))"
