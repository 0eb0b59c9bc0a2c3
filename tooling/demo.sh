#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make run", inside the VM: show the netstats family answering.
# Every step checks what it shows and waits for what it needs (no sleeps);
# the first step that fails ends the demo with a non-zero status, which
# fails "make run". The last line says whether it all succeeded.
set -uo pipefail
spec=$KSRC/Documentation/netlink/specs/netstats.yaml
cli=$KSRC/tools/net/ynl/cli.py
ns=$NETSTATS_KSFT/netstats-tools/netstats
steps=0

fail() {
	echo "demo: FAILED: $*"
	exit 1
}

# step TITLE: a new step.
step() {
	steps=$((steps + 1))
	echo
	echo "== $*"
}

step "netstats family (genl controller)"
out=$(python3 "$cli" --spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" \
	--do getfamily --json '{"family-name": "netstats"}' 2>&1) ||
	fail "getfamily netstats: $out"
echo "$out" | grep -E "family-id|family-name|mcast|'name'" | head -8
grep -q "'family-name': 'netstats'" <<<"$out" || fail "no netstats family"

step "QUERY dump: the counter groups this kernel supports"
out=$(python3 "$cli" --spec "$spec" --dump query 2>&1) ||
	fail "QUERY dump: $out"
echo "$out" | grep -E "'name': '[a-z]+'|'doc'" | head -40
grep -q "'name': 'tcp'" <<<"$out" || fail "QUERY lists no tcp group"

step "live counters of a TCP socket, read from the mapping"
"$NETSTATS_KSFT/netstats-tools/netstats_demo" || fail "netstats_demo"

step "netstats list ip (the first counters of the IPv4 MIBs)"
out=$("$ns" list ip 2>&1) || fail "netstats list ip: $out"
head -12 <<<"$out"

step "netstats show ip6 after a ping (folded over the CPUs)"
ip link set lo up || fail "ip link set lo up"
ping -6 -q -c 2 -i 0.2 ::1 >/dev/null || fail "ping -6 ::1"
out=$("$ns" show ip6 2>&1) || fail "netstats show ip6: $out"
grep -E "Ip6(InReceives|OutRequests)|Icmp6(InMsgs|OutMsgs)" <<<"$out" ||
	fail "netstats show ip6 shows no Ip6InReceives"

step "netstats watch: a monitor follows a live TCP flow by its identity"
# A loopback flow that sends until its stdin closes. It says "ready"
# once connected: ss then lists it, with no sleep to guess the time.
coproc FLOW {
	python3 -u -c '
import socket, sys, threading
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
print("ready", *c.getsockname(), *c.getpeername())
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()),
                 daemon=True).start()
while not done.wait(0.01):
    c.send(b"x" * 65536); s.recv(1 << 20)
'
}
read -r -t 30 ready laddr lport paddr pport <&"${FLOW[0]}" ||
	fail "the TCP flow did not start"
# ss -e shows the cookie as sk:<hex>.
cookie=$(ss -tnHieO state established src "$laddr:$lport" \
	dst "$paddr:$pport" |
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^sk:/) print substr($i, 4) }')
[ -n "$cookie" ] || fail "ss does not show the flow $laddr:$lport"
name="tcp/$laddr:$lport/$paddr:$pport/cookie:0x$cookie"
echo "\$ netstats watch -i 0.5 -count 5 $name"
out=$("$ns" watch -i 0.5 -count 5 "$name" 2>&1)
rc=$?
head -40 <<<"$out"
exec {FLOW[1]}>&-
wait "$FLOW_PID"
[ $rc = 0 -a -n "$out" ] || fail "netstats watch $name: exit $rc"
# a deprecated spelling would warn: the demo shows the current ones
! grep -q "warning:" <<<"$out" || fail "netstats watch warned: $out"

echo
echo "demo: all $steps steps succeeded"
