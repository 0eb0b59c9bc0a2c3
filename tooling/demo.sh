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
