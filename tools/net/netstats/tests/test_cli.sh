#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Host tests of netstats(8), no netstats kernel needed:
#   test_cli.sh NETSTATS-BINARY TEST_OUTPUT-BINARY
# runs the renderer unit tests, parses every JSON document they wrote with
# python3 -m json.tool and checks values in them, then checks the binary's
# usage errors, messages and exit codes (0 ok, 1 error, 2 usage).

bin=$1
unit=$2
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- renderers -------------------------------------------------------------
if out=$("$unit" "$tmp"); then
	ok
else
	fail "renderer unit tests"
fi
echo "$out" | grep -v '^[0-9]* passed, 0 failed$' || true

njson=0
for f in "$tmp"/*.json; do
	[ -e "$f" ] || continue
	njson=$((njson + 1))
	if python3 -m json.tool "$f" >/dev/null 2>"$tmp/err"; then
		ok
	else
		fail "$(basename "$f") is not JSON: $(cat "$tmp/err")"
	fi
done
[ $njson -ge 8 ] && ok || fail "only $njson JSON documents written"

# The documents say what the renderers were given.
if python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
show = json.load(open(d + "/show.json"))
assert show[0]["counters"] == {"bytes": 6, "qlen": 42, "future": None}
assert show[0]["percpu"]["bytes"] == [1, 2, 3]
assert show[0]["state"] == "live" and show[0]["flags"] == ["percpu"]
w = json.load(open(d + "/watch.json"))
assert w["counters"]["bytes"] == {"value": 6, "delta": 4, "rate": 2.5}
assert "delta" not in w["counters"]["qlen"]
assert json.load(open(d + "/watch-pretty.json")) == w
l = json.load(open(d + "/list.json"))
assert l == json.load(open(d + "/list-pretty.json"))
g = l[0]
assert g["options"][0] == {"name": "period-ms", "min": 10, "max": 60000,
                           "default": 1000, "doc": "Update period"}
assert [c["flags"] for c in g["counters"]] == [["gauge"],
                                                ["restricted", "0x80"]]
assert g["counters"][0]["doc"] == 'Live "registrations"'
assert json.load(open(d + "/writer.json"))["ctl"] == "a\x01\\b\n"
t = json.load(open(d + "/dir.json"))
assert t == json.load(open(d + "/dir-pretty.json"))
assert t["flags"] == ["directory"] and t["socket_count"] == 2
s4, s6 = t["sockets"]
assert s4["local"] == "127.0.0.1:40000" and s4["state"] == "live"
assert s4["counters"] == {"bytes_received": 1000, "segs_in": 12,
                          "rcv_nxt": 7}
assert s6["family"] == "inet6" and s6["state"] == "dead"
assert s6["cookie"] == 2**64 - 1 and s6["remote"] == "[2001:db8::2]:65535"
PY
then
	ok
else
	fail "JSON documents do not hold the rendered values"
fi

# --- man pages ---------------------------------------------------------------
# Every reference of netstats.8 and libnetstats.3 names a page that exists
# (the tree's or an installed one) and every path of the tree they name.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
if "$here/man_refs.sh" "$top" "$here/../netstats.8" \
	"$top/tools/lib/netstats/libnetstats.3" \
	"$here/../exporter/netstats-exporter.8" >"$tmp/refs"; then
	ok
	grep '^note:' "$tmp/refs"
else
	fail "man page references: $(cat "$tmp/refs")"
fi
# Every example of netstats.8 parses as written (cli.sh runs them against
# the kernel): extracted from the page, no usage error (exit 2).
sed -n '/^\.SH EXAMPLES/,/^\.SH /{/^\.nf/,/^\.fi/p}' "$here/../netstats.8" |
	sed '/^\.nf/d; /^\.fi/d; s/\\-/-/g' >"$tmp/examples"
nex=$(grep -c '^netstats ' "$tmp/examples")
[ "$nex" -ge 5 ] && ok || fail "only $nex examples in netstats.8"
while read -r line; do
	# the words as the shell splits them, run with this binary
	eval "set -- ${line#netstats }"
	"$bin" "$@" >/dev/null 2>"$tmp/err" </dev/null
	if [ $? = 2 ] || grep -q warning "$tmp/err"; then
		fail "netstats.8 example '$line': $(cat "$tmp/err")"
	else
		ok
	fi
done <"$tmp/examples"

# --- arguments and exit codes ----------------------------------------------
# expect RC STDERR-PATTERN ARGS...: exit code and message (stderr or stdout)
expect() {
	local rc=$1 pat=$2 got
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$rc" ]; then
		fail "netstats $*: exit $got, expected $rc: $(cat "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/out" "$tmp/err"; then
		fail "netstats $*: no '$pat' in: $(cat "$tmp/out" "$tmp/err")"
	else
		ok
	fi
}

expect 2 "Usage:"
expect 0 "Usage: netstats" help
expect 0 "Usage: netstats" h
expect 0 "Usage: netstats" -h
expect 0 "Usage: netstats" --help
expect 0 "^netstats utility, version " -V
expect 0 "^netstats utility, version " --version
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "unknown option '-x'" -x list
expect 2 "unknown option '--bogus'" --bogus list
expect 2 "option '-i' needs an argument" watch netstats -i
expect 2 "invalid interval '0'" -i 0 watch netstats
expect 2 "invalid interval '3600001'" -i 3600001 watch netstats
expect 2 "invalid interval '-5'" -i -5 watch netstats
expect 2 "invalid interval '10x'" -i 10x watch netstats
expect 2 "invalid count '0'" -n 0 watch netstats
expect 2 "show: needs at least one NAME" show
expect 2 "watch: needs at least one NAME" watch -i 100
expect 2 "one GROUP-PATTERN at most" list a b
expect 2 "-c, -s and -m only apply to show and watch" -c list
expect 2 "only apply to watch" show -i 100 netstats
expect 2 "only apply to watch" -r show netstats
expect 2 "Try \"netstats help\"" sh
# abbreviations: "s" is show (usage error without NAME), "w" watch
expect 2 "show: needs" s
expect 2 "watch: needs" w

# --- iproute2 spellings (0.7.0) ---------------------------------------------
# Each reaches a check made after the options were parsed: the message
# proves the option was taken, and as what.
expect 0 "Usage: netstats" -help
expect 0 "Usage: netstats" -he
expect 0 "^netstats utility, version " -Version
expect 2 "-c, -s and -m only apply" -json -pretty -percpu list
expect 2 "-c, -s and -m only apply" -pe list
expect 2 "-c, -s and -m only apply" --percpu list
expect 2 "-c, -s and -m only apply" -s list
expect 2 "-c, -s and -m only apply" -nonzero list
expect 2 "-c, -s and -m only apply" -no list
expect 2 "-c, -s and -m only apply" -m 'Ip*' list
expect 2 "-c, -s and -m only apply" -match=x list
expect 2 "-c, -s and -m only apply" --match=x list
expect 2 "-S only applies to show and watch" -S bytes_sent list
expect 2 "-S takes counter names, not patterns: 'bytes_.'" -S 'bytes_*' show x
expect 2 "-S needs counter names" -select , show x
expect 2 "-c, -s and -m only apply" -jp -c list
expect 2 "option '-m' needs an argument" show x -m
expect 2 "option '--json=1' takes no argument" --json=1 list
expect 2 "unknown option '-bogus'" -bogus list
expect 2 "only apply to watch" -i 0.5 show x
expect 2 "only apply to watch" -interval 2 show x
expect 2 "only apply to watch" -count 3 show x
expect 2 "only apply to watch" --count=3 show x
expect 2 "only apply to watch" -interval-ms 250 show x
expect 2 "invalid interval '0.0001'" watch -i 0.0001 x
expect 2 "invalid interval '0.5x'" watch -i 0.5x x
expect 2 "invalid interval '3601s'" watch -i 3601s x
expect 2 "invalid interval '1.0005'" watch -i 1.0005 x
expect 2 "invalid interval 'nan'" watch -i nan x
expect 2 "invalid count '0'" watch -count 0 x
expect 2 "invalid netns name '..'" -n .. list
expect 1 "cannot open netns \"no-such-ns-$$\"" -n "no-such-ns-$$" list
expect 1 "cannot open netns \"no-such-ns-$$\"" -netns "no-such-ns-$$" show x
# the old spellings, with a deprecation warning: -i MS (a bare integer of
# 100 or more), -n COUNT (a number that names no netns)
expect 2 "warning: -i 100 is taken as 100 ms, as before 0.7.0" -i 100 show x
expect 2 "warning: -i 250 is taken as 250 ms" --interval=250 show x
expect 2 "warning: -i 100 is taken as 100 ms" -i100 show x
expect 2 "warning: -n 5 is taken as the sample count, as before 0.7.0" -n 5 show x
expect 2 "only apply to watch" -n 5 show x
if [ ! -e /run/netns/5 ]; then
	expect 2 "warning: -n 5 is taken as the sample count" -n5 show x
fi
# glob words are counter patterns, not NAMEs
expect 2 "show: needs at least one NAME" show 'Ip*' 'Tcp*' '[a]'
expect 2 "watch: needs at least one NAME" watch 'Ip*'
# the new spellings take no warning
"$bin" -i 0.5 -count 2 -n "no-such-ns-$$" watch x >/dev/null 2>"$tmp/err"
grep -q warning "$tmp/err" && fail "warning for the new spellings: $(cat "$tmp/err")" || ok

# On a kernel without netstats (the usual host), every command that needs
# the family says so and exits 1.
if "$bin" list >/dev/null 2>&1; then
	echo "SKIP: this kernel has the netstats family"
else
	nofam="the kernel has no netstats family (CONFIG_NETSTATS)"
	expect 1 "^netstats: $nofam" list
	expect 1 "^netstats: $nofam" -j list 'n*'
	expect 1 "^netstats: $nofam" show netstats
	expect 1 "^netstats: $nofam" show tcp-all
	expect 1 "^netstats: $nofam" watch -count 1 -i 0.01 'netstats@period-ms=100'
	[ ! -s "$tmp/out" ] && ok || fail "output on stdout after an error"
	expect 1 "^netstats: $nofam" watch -count 1 -i 1.5s -s netstats 'r*'
	expect 1 "^netstats: $nofam" watch -count 1 -i 500ms netstats
	expect 1 "^netstats: $nofam" -j show ip 'Ip*' -m IcmpInMsgs
	# a name with brackets and a "/" is a NAME (IPv6), not a pattern
	expect 1 "^netstats: $nofam" show 'tcp/[::1]:1/[::1]:2/cookie:1'
	# -n with a path: the netns of this process, entered and left
	if [ "$(id -u)" = 0 ]; then
		expect 1 "^netstats: $nofam" -n /proc/self/ns/net list
		expect 1 "netns /dev/null: cannot open the netstats family there: Invalid argument" \
			-n /dev/null list
	fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
