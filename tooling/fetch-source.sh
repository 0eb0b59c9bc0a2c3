#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the pinned pristine kernel source is in the cache as a git
# repository whose single commit (tag "pristine") is the untouched tarball.
# Prints the repository's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$CACHE"
tarball=$CACHE/${PACKAGE}_${VERSION}.tar.xz
version=$VERSION

extract_deb() {
	local deb=$1 out=$2

	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$PACKAGE.tar.xz" >"$out.tmp"
	mv "$out.tmp" "$out"
}

if [ ! -s "$tarball" ]; then
	stage "fetching $PACKAGE $VERSION" >&2
	tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
	if (cd "$tmp" && apt-get download -q "$PACKAGE=$VERSION" >&2 2>/dev/null) ||
	   (apt-get update -qq >&2 && cd "$tmp" &&
	    apt-get download -q "$PACKAGE=$VERSION" >&2); then
		extract_deb "$tmp"/*.deb "$tarball"
	else
		cat >&2 <<-MSG

		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
		!! WARNING: pinned $PACKAGE $VERSION is gone from the archive.
		!! Falling back to the newest $PACKAGE.  The series may not apply;
		!! update kernel.pin (VERSION and SHA256) once it does.
		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
		MSG
		(cd "$tmp" && apt-get download -q "$PACKAGE" >&2) ||
			die "cannot download $PACKAGE at all"
		deb=$(ls "$tmp"/*.deb)
		version=$(dpkg-deb -f "$deb" Version)
		tarball=$CACHE/${PACKAGE}_${version}.tar.xz
		extract_deb "$deb" "$tarball"
		echo "!! using $PACKAGE $version, sha256 $(sha256sum "$tarball" | cut -d' ' -f1)" >&2
	fi
	rm -rf "$tmp"
	if [ "$version" = "$VERSION" ]; then
		echo "$SHA256  $tarball" | sha256sum -c --quiet - >&2 || {
			rm -f "$tarball"
			die "sha256 of $PACKAGE $VERSION does not match kernel.pin"
		}
	fi
fi

repo=$CACHE/pristine-$version.git
if [ ! -e "$repo/refs/tags/pristine" ]; then
	stage "importing $PACKAGE $version into $repo (once per machine)" >&2
	rm -rf "$repo" "$repo.work"
	mkdir -p "$repo.work"
	tar -xJf "$tarball" -C "$repo.work" --strip-components=1
	git init -q --bare "$repo"
	git --git-dir="$repo" config core.bare false
	export GIT_DIR=$repo GIT_WORK_TREE=$repo.work
	git config core.bigFileThreshold 10m
	cd "$repo.work"
	# Debian's tarball ships a .gitignore ending in "/*": force.
	git add -f -A . >/dev/null
	GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
	GIT_AUTHOR_NAME=netstats GIT_AUTHOR_EMAIL=netstats@localhost \
	GIT_COMMITTER_NAME=netstats GIT_COMMITTER_EMAIL=netstats@localhost \
		git commit -q -m "Linux $version (Debian $PACKAGE, pristine)"
	git tag pristine
	git config core.bare true
	unset GIT_DIR GIT_WORK_TREE
	cd /
	rm -rf "$repo.work"
fi
echo "$repo"
