#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of tooling/judge.py: fabricated guest results and host result
# files with known verdicts, judged by the real judge.  A failing, a
# crashing and a missing test must be three failures and exit 1; an
# all-passing run must exit 0.  Needs no kernel and no VM.
#   judge-selftest.sh
# Ends with one line "N passed, N failed"; exits 1 on failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# A complete guest run as guest.sh leaves it: TAP with one program's
# nested results and one plain program (three passes), dmesg, "done".
guest() {
	mkdir -p "$1"
	cat >"$1/kselftest.tap" <<-'EOF'
	TAP version 13
	1..2
	# selftests: net/netstats: family.py
	# TAP version 13
	# 1..2
	# ok 1 family.dump
	# ok 2 family.get
	# # Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
	ok 1 selftests: net/netstats: family.py
	# selftests: net/netstats: tcp.sh
	ok 2 selftests: net/netstats: tcp.sh
	EOF
	echo '[    0.000000] Linux version 6.12.0' >"$1/dmesg.txt"
	touch "$1/done"
}

# host FILE STATUS [LINE...]: a host result file holding LINEs, with the
# exit status check.sh records beside it (none if STATUS is "-").
host() {
	local f=$1 rc=$2
	shift 2
	printf '%s\n' "  TEST    $(basename "$f" .txt)" "$@" >"$f"
	[ "$rc" = - ] || echo "$rc" >"$f.rc"
}

# expect NAME EXIT FAILED JUDGE-ARGS...: judge.py must exit EXIT with a
# verdict of FAILED failures.
expect() {
	local name=$1 want_rc=$2 want_failed=$3 out rc=0 got
	shift 3
	out=$(python3 "$TOP/tooling/judge.py" "$@" 2>&1) || rc=$?
	got=$(sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p' <<<"$out")
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want_failed" ]; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name: exit $rc with ${got:-no} failures," \
			"expected exit $want_rc with $want_failed"
		# Prefixed so that no line of it reads as a closing line.
		printf '%s\n' "$out" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
}

d=$tmp/mixed
guest "$d/guest"
host "$d/pass.txt" 0 "3 passed, 0 failed"
host "$d/fail.txt" 2 "2 passed, 1 failed"
host "$d/crash.txt" 139 "ok 1 first case"
expect "a failing, a crashing and a missing test are three failures" 1 3 \
	"$d/guest" --host "$d/pass.txt" "$d/fail.txt" "$d/crash.txt" \
	"$d/missing.txt"

d=$tmp/pass
guest "$d/guest"
host "$d/pass.txt" 0 "3 passed, 0 failed"
host "$d/ynl.txt" - "1 passed, 0 failed"
expect "an all-passing run exits 0" 0 0 \
	"$d/guest" --host "$d/pass.txt" "$d/ynl.txt"

d=$tmp/rc
guest "$d/guest"
host "$d/crash.txt" 139 "4 passed, 0 failed"
expect "a step that crashed after '0 failed' is one failure" 1 1 \
	"$d/guest" --host "$d/crash.txt"

d=$tmp/noline
guest "$d/guest"
host "$d/abi.txt" 0 "all exported symbols match"
expect "a file without a closing line is one failure" 1 1 \
	"$d/guest" --host "$d/abi.txt"

d=$tmp/incomplete
guest "$d/guest"
rm "$d/guest/done"
expect "a guest run without \"done\" is one failure" 1 1 "$d/guest"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
