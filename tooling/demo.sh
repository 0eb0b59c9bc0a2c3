#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make run", inside the VM: show the netstats family answering.
set -u
spec=$KSRC/Documentation/netlink/specs/netstats.yaml
cli=$KSRC/tools/net/ynl/cli.py

echo "== netstats family (genl controller)"
python3 "$cli" --spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" \
	--do getfamily --json '{"family-name": "netstats"}' 2>&1 |
	grep -E "family-id|family-name|mcast|'name'" | head -8
echo
echo "== QUERY dump: the counter groups this kernel supports"
python3 "$cli" --spec "$spec" --dump query | grep -E "'name': '[a-z]+'|'doc'" | head -40
echo
echo "== live counters of a TCP socket, read from the mapping"
"$NETSTATS_KSFT/net/netstats/netstats_demo"
echo
echo "== netstats list ip (the first counters of the IPv4 MIBs)"
ns=$NETSTATS_KSFT/net/netstats/netstats
"$ns" list ip 2>&1 | head -12
echo
echo "== netstats show ip6 after a ping (folded over the CPUs)"
ip link set lo up
ping -6 -q -c 2 -i 0.2 ::1 >/dev/null
"$ns" show ip6 2>&1 | grep -E "Ip6(InReceives|OutRequests)|Icmp6(InMsgs|OutMsgs)"
echo
echo "== netstats watch: a monitor follows a live TCP flow by its identity"
# A loopback flow that sends for a few seconds.
python3 - <<'PY' &
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
end = time.time() + 4
while time.time() < end:
    c.send(b"x" * 65536); s.recv(1 << 20); time.sleep(0.01)
PY
flow=$!
sleep 0.5
# ss -e shows the cookie as sk:<hex>; the client is the one whose peer
# is the listening port.
read -r local peer cookie < <(ss -tnHieO state established |
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^sk:/) print $3, $4, substr($i, 4) }' |
	head -1)
name="tcp/$local/$peer/cookie:0x$cookie"
echo "\$ netstats watch -i 500 -n 5 $name"
"$ns" watch -i 500 -n 5 "$name" 2>&1 | head -40
wait $flow
