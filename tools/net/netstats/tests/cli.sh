#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netstats(8) against the running kernel, checked against oracles that do
# not go through it: TCP_INFO, SIOCINQ/SIOCOUTQ and the bytes the test
# moved for "tcp/fd:N" (the CLI inherits the test's sockets), and the
# number of registrations the test holds for the "netstats" group. Also:
# errors and exit codes, JSON that parses, watch's deltas and rates, -r,
# SIGINT/SIGTERM, and watch on a terminal (tmux capture-pane).
#
# NETSTATS=path overrides the binary (default: ./netstats next to this).

ksft_skip=4
dir=$(cd "$(dirname "$0")" && pwd)
NS=${NETSTATS:-$dir/netstats}
tmp=$(mktemp -d)
num=0
failed=0
pids=()

cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	tmux -L netstats-cli kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { num=$((num + 1)); echo "ok $num $*"; }
not_ok() { num=$((num + 1)); failed=$((failed + 1)); echo "not ok $num $*"; }
skip() { num=$((num + 1)); echo "ok $num $* # SKIP"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then
		ok "$desc"
	else
		sed 's/^/# /' "$tmp/log"
		not_ok "$desc"
	fi
}

if [ ! -x "$NS" ]; then
	echo "not ok 1 no netstats binary at $NS"
	exit 1
fi
if "$NS" list 2>&1 | grep -q "no netstats family"; then
	echo "SKIP: kernel without CONFIG_NETSTATS"
	exit $ksft_skip
fi
ip link set lo up 2>/dev/null

# Common Python: a loopback TCP connection and running the CLI with its fds.
cat >"$tmp/nstest.py" <<'PY'
import fcntl, json, os, socket, struct, subprocess, sys, termios, time

NS = os.environ["NS"]
SIOCOUTQ = termios.TIOCOUTQ
TI = {"bytes_acked": (120, "Q"), "bytes_received": (128, "Q"),
      "segs_out": (136, "I"), "segs_in": (140, "I"),
      "data_segs_in": (152, "I"), "data_segs_out": (156, "I"),
      "bytes_sent": (200, "Q"), "dsack_dups": (216, "I")}


def conn():
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen()
    c = socket.create_connection(lst.getsockname())
    s, _ = lst.accept()
    lst.close()
    return c, s


def move(src, dst, n, byte=b"a"):
    """Send n bytes on src and receive them all on dst."""
    src.sendall(byte * n)
    got = 0
    while got < n:
        got += len(dst.recv(65536))


def tcp_info(sk):
    raw = sk.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 248)
    return {k: struct.unpack_from("=" + t, raw, off)[0]
            for k, (off, t) in TI.items()}


def ioctl_int(sk, req):
    return struct.unpack("i", fcntl.ioctl(sk.fileno(), req, b"\0" * 4))[0]


def cli(*args, fds=()):
    return subprocess.run([NS, *args], pass_fds=fds, capture_output=True,
                          text=True, timeout=60)


def fail(msg):
    print(msg)
    sys.exit(1)
PY
export NS PYTHONPATH=$tmp

# cli_has_group NAME: non-empty if this kernel has the group
cli_has_group() { "$NS" list "$1" >/dev/null 2>&1 && echo yes; }

# --- list -----------------------------------------------------------------
check "-V prints the version" "$NS" -V
check "list -j is a JSON list of groups with counters" python3 - <<'PY'
from nstest import *
r = cli("-j", "list")
groups = json.loads(r.stdout)
assert r.returncode == 0 and groups, r
for g in groups:
    assert g["group"] and isinstance(g["counters"], list), g
    for c in g["counters"]:
        assert c["type"] in ("u64", "u32") and c["name"], c
names = [g["group"] for g in groups]
# QUERY do (one group) says what QUERY dump said, and may add the
# group's instances (the dump leaves them out)
for g in groups:
    one = json.loads(cli("-j", "-p", "list", g["group"]).stdout)
    assert "instances" not in g, g
    for o in one:
        o.pop("instances", None)
    assert one == [g], (one, g)
# a glob selects by name
tcp = json.loads(cli("-j", "list", "t?p").stdout)
assert [g["group"] for g in tcp] == [n for n in names if n == "tcp"]
PY

ynl=${KSRC:-$dir/../../../..}/tools/net/ynl/cli.py
spec=${KSRC:-$dir/../../../..}/Documentation/netlink/specs/netstats.yaml
if [ -f "$ynl" ] && [ -f "$spec" ]; then
	check "list names the groups the YNL CLI dumps" python3 - "$ynl" "$spec" <<'PY'
import ast, sys
from nstest import *
out = subprocess.run(["python3", sys.argv[1], "--spec", sys.argv[2],
                      "--dump", "query"], capture_output=True, text=True)
ynl = sorted(g["name"] for g in ast.literal_eval(out.stdout))
mine = sorted(g["group"] for g in json.loads(cli("-j", "list").stdout))
assert ynl == mine, (ynl, mine)
PY
else
	skip "list names the groups the YNL CLI dumps (no kernel tree: set KSRC)"
fi

# list core/page_pool: the pools page-pool-get dumps, by id
[ -d /sys/bus/netdevsim ] || modprobe netdevsim 2>/dev/null
nd_spec=${KSRC:-$dir/../../../..}/Documentation/netlink/specs/netdev.yaml
if [ "$(cli_has_group core/page_pool)" ] && [ -d /sys/bus/netdevsim ] &&
   [ -f "$ynl" ] && [ -f "$nd_spec" ]; then
	nsim_id=$((3000 + $$ % 1000))
	echo "$nsim_id 1 2" >/sys/bus/netdevsim/new_device
	# udev may rename the port: its name once that is over
	udevadm settle 2>/dev/null
	for _ in $(seq 50); do
		nsim_dev=$(ls /sys/bus/netdevsim/devices/netdevsim$nsim_id/net 2>/dev/null)
		[ -n "$nsim_dev" ] && ip link set dev "$nsim_dev" up 2>/dev/null && break
		sleep 0.1
	done
	check "list core/page_pool: the pools page-pool-get dumps, by id" \
		python3 - "$ynl" "$nd_spec" <<'PY'
import ast, sys
from nstest import *
out = subprocess.run(["python3", sys.argv[1], "--spec", sys.argv[2],
                      "--dump", "page-pool-get"], capture_output=True,
                     text=True, check=True).stdout
want = sorted(str(p["id"]) for p in ast.literal_eval(out))
got = json.loads(cli("-j", "list", "core/page_pool").stdout)[0]
assert len(want) >= 2, ("no pools: the netdevsim port is not up", want)
assert sorted(got.get("instances", [])) == want, (got.get("instances"), want)
PY
	echo "$nsim_id" >/sys/bus/netdevsim/del_device
else
	skip "list core/page_pool (no group, netdevsim or YNL)"
fi

# expect_err RC PATTERN ARGS...
expect_err() {
	local rc=$1 pat=$2 got
	shift 2
	"$NS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ $got -eq "$rc" ] && grep -q -- "$pat" "$tmp/err" &&
	   [ ! -s "$tmp/out" ]; then
		ok "netstats $*: exit $rc, '$pat'"
	else
		echo "# exit $got: $(cat "$tmp/out" "$tmp/err")"
		not_ok "netstats $*: exit $rc, '$pat'"
	fi
}
expect_err 1 "^netstats: no-such-group: unknown counter group" list no-such-group
expect_err 1 "no counter group matches 'zz\*'" list 'zz*'
expect_err 1 "^netstats: lo/hwqueue/rx/0: .*no per-queue hardware counters" show lo/hwqueue/rx/0
expect_err 1 "^netstats: tcp/fd:0: .*not a socket" show tcp/fd:0 </dev/null
expect_err 2 "unknown command" frob
expect_err 2 "needs at least one NAME" show

# show DEV/hwqueue/...@collect=pull|push|direct: netdevsim's simulated
# per-queue hardware counters, equal to ethtool -S's, after pings to a
# linked netdevsim port in a netns of our own
if [ "$(cli_has_group hwqueue/rx)" ] && [ -d /sys/bus/netdevsim ]; then
	hq_id=$((5000 + $$ % 1000))
	hq_ns=hwq-cli-$$
	ip netns add "$hq_ns"
	echo "$hq_id 1 2" >/sys/bus/netdevsim/new_device
	echo "$((hq_id + 1)) 1 2" >/sys/bus/netdevsim/new_device
	udevadm settle 2>/dev/null
	for _ in $(seq 50); do
		hq_a=$(ls /sys/bus/netdevsim/devices/netdevsim$hq_id/net 2>/dev/null)
		hq_b=$(ls /sys/bus/netdevsim/devices/netdevsim$((hq_id + 1))/net 2>/dev/null)
		[ -n "$hq_a" ] && [ -n "$hq_b" ] && break
		sleep 0.1
	done
	sysctl -qw "net.ipv6.conf.$hq_a.disable_ipv6=1"
	ip link set "$hq_b" netns "$hq_ns"
	ip netns exec "$hq_ns" sysctl -qw "net.ipv6.conf.$hq_b.disable_ipv6=1"
	exec 8</proc/self/ns/net 9<"/run/netns/$hq_ns"
	echo "8:$(cat "/sys/class/net/$hq_a/ifindex") 9:$(ip netns exec "$hq_ns" cat "/sys/class/net/$hq_b/ifindex")" \
		>/sys/bus/netdevsim/link_device
	exec 8<&- 9<&-
	ip addr add 192.0.2.41/24 dev "$hq_a"
	ip -n "$hq_ns" addr add 192.0.2.42/24 dev "$hq_b"
	ip neigh replace 192.0.2.42 dev "$hq_a" nud permanent \
		lladdr "$(ip -n "$hq_ns" -br link show "$hq_b" | awk '{print $3}')"
	ip -n "$hq_ns" neigh replace 192.0.2.41 dev "$hq_b" nud permanent \
		lladdr "$(ip -br link show "$hq_a" | awk '{print $3}')"
	ip link set "$hq_a" up
	ip -n "$hq_ns" link set "$hq_b" up
	ping -q -c 10 -i 0.05 -s 200 192.0.2.42 >/dev/null
	check "show DEV/hwqueue/DIR/N@collect=pull|push|direct == ethtool -S" \
		python3 - "$hq_a" <<'PY'
import re
from nstest import *
dev = sys.argv[1]
names = ["%s/hwqueue/%s/%d@collect=%s" % (dev, d, q, m)
         + ("" if m == "direct" else ",period-ms=100")
         for m in ("pull", "push", "direct") for d in ("rx", "tx")
         for q in (0, 1)]
def ethtool_s():
    out = subprocess.run(["ethtool", "-S", dev], capture_output=True,
                         text=True, check=True).stdout
    return {(m[1], int(m[2]), m[3]): int(m[4]) for m in
            re.finditer(r"(rx|tx)_queue_(\d+)_(hw_\w+): (\d+)", out)}
for _ in range(20):	# a pulled or pushed block lags by up to 100 ms
    want = ethtool_s()
    r = cli("-j", "show", *names)
    assert r.returncode == 0, r
    got = json.loads(r.stdout)
    if ethtool_s() != want:
        continue
    vals = {}
    for g in got:
        d, q, m = re.match(r".*/hwqueue/(rx|tx)/(\d)@collect=(\w+)",
                           g["name"]).groups()
        assert g["state"] == "live", g
        for k, v in g["counters"].items():
            vals[(m, d, int(q), k)] = v
    if all(vals[(m, d, q, k)] == v for (d, q, k), v in want.items()
           for m in ("pull", "push", "direct")):
        break
    time.sleep(0.2)
assert len(got) == 12 and len(vals) == 24, (got, want)
for (d, q, k), v in want.items():
    for m in ("pull", "push", "direct"):
        assert vals[(m, d, q, k)] == v, (m, d, q, k, vals, want)
assert sum(v for (d, q, k), v in want.items()
           if d == "tx" and k == "hw_packets") >= 10, want
PY
	expect_err 1 "^netstats: $hq_a/hwqueue/rx/0@collect=sideways: " \
		show "$hq_a/hwqueue/rx/0@collect=sideways"
	echo 1 >"/sys/kernel/debug/netdevsim/netdevsim$hq_id/ports/0/netstats_hwq_modes"
	expect_err 1 "does not support collect=direct" \
		show "$hq_a/hwqueue/rx/0@collect=direct"
	echo "$hq_id" >/sys/bus/netdevsim/del_device
	echo "$((hq_id + 1))" >/sys/bus/netdevsim/del_device
	ip netns del "$hq_ns"
else
	skip "show hwqueue (no group or netdevsim)"
fi

# --- show tcp/fd:N against TCP_INFO, SIOCINQ, SIOCOUTQ ----------------------
check "show tcp/fd:N equals TCP_INFO, SIOCINQ, SIOCOUTQ and the bytes moved" \
	python3 - <<'PY'
from nstest import *
c, s = conn()
N, M = 300000, 777
move(c, s, N)
c.sendall(b"b" * M)			# left unread
for _ in range(100):			# quiescent: all acked, all queued
    if ioctl_int(c, SIOCOUTQ) == 0 and ioctl_int(s, termios.FIONREAD) == M:
        break
    time.sleep(0.1)
for attempt in range(5):
    before = (tcp_info(s), tcp_info(c))
    r = cli("-j", "show", "tcp/fd:%d" % s.fileno(), "tcp/fd:%d" % c.fileno(),
            fds=(s.fileno(), c.fileno()))
    if (tcp_info(s), tcp_info(c)) == before:
        break
assert r.returncode == 0, r
srv, cl = json.loads(r.stdout)
assert srv["name"] == "tcp/fd:%d" % s.fileno() and srv["state"] == "live", srv
sv, cv = srv["counters"], cl["counters"]
for k in TI:
    assert sv[k] == before[0][k], ("server", k, sv[k], before[0][k])
    assert cv[k] == before[1][k], ("client", k, cv[k], before[1][k])
assert sv["bytes_received"] == N + M, sv
# bytes_sent counts retransmissions (spurious ones happen under emulation)
assert cv["bytes_sent"] >= N + M, cv
assert (sv["rcv_nxt"] - sv["copied_seq"]) % 2**32 == M, sv
assert (cv["snd_nxt"] - cv["snd_una"]) % 2**32 == 0, cv
# -c on a group with one copy: the same values, no per-CPU part
r = cli("-j", "-c", "show", "tcp/fd:%d" % s.fileno(), fds=(s.fileno(),))
one = json.loads(r.stdout)[0]
assert "percpu" not in one and one["counters"] == sv, one
# the text table has the same numbers
r = cli("show", "tcp/fd:%d" % s.fileno(), fds=(s.fileno(),))
rows = dict(l.split()[:2] for l in r.stdout.splitlines()[2:] if l.strip())
assert int(rows["bytes_received"]) == N + M, rows
PY

# --- show -S: the counters selected at REGISTER, and those only --------------
check "show -S bytes_sent,bytes_received tcp/fd:N: those two, equal to TCP_INFO" \
	python3 - <<'PY'
from nstest import *
c, s = conn()
move(c, s, 200000)
move(s, c, 3000)
for attempt in range(5):
    before = tcp_info(s)
    r = cli("-j", "show", "-S", "bytes_sent,bytes_received",
            "tcp/fd:%d" % s.fileno(), fds=(s.fileno(),))
    if tcp_info(s) == before:
        break
assert r.returncode == 0, r
one = json.loads(r.stdout)[0]
assert sorted(one["counters"]) == ["bytes_received", "bytes_sent"], one
for k in ("bytes_sent", "bytes_received"):
    assert one["counters"][k] == before[k], (k, one["counters"][k], before[k])
assert one["counters"]["bytes_received"] == 200000, one
# a sequence number cannot be selected; a group that does not select
r = cli("show", "-S", "rcv_nxt", "tcp/fd:%d" % s.fileno(), fds=(s.fileno(),))
assert r.returncode == 1 and "rcv_nxt cannot be selected" in r.stderr, r
r = cli("show", "-S", "registrations", "netstats")
assert r.returncode == 1 and "does not select counters" in r.stderr, r
# the MIB groups select: just the counter named
r = cli("-j", "show", "-S", "IpInReceives", "ip")
assert r.returncode == 0, r
ip = json.loads(r.stdout)[0]
assert list(ip["counters"]) == ["IpInReceives"], ip
assert "select" in ip["flags"], ip
PY

# --- show tcp-all: every socket, one line each ------------------------------
if "$NS" list tcp-all >/dev/null 2>&1; then
	check "show tcp-all lists our sockets by cookie, counters equal TCP_INFO" \
		python3 - <<'PY'
from nstest import *
c, s = conn()
move(c, s, 12345)
move(s, c, 321, b"b")
for _ in range(100):
    if ioctl_int(c, SIOCOUTQ) == 0 and ioctl_int(s, SIOCOUTQ) == 0:
        break
    time.sleep(0.1)
def cookie(sk):
    return struct.unpack("Q", sk.getsockopt(socket.SOL_SOCKET, 57, 8))[0]
def ep(a):
    return "%s:%d" % a
for attempt in range(5):
    before = (tcp_info(c), tcp_info(s))
    r = cli("-j", "show", "tcp-all")
    if (tcp_info(c), tcp_info(s)) == before:
        break
assert r.returncode == 0, r
d = json.loads(r.stdout)[0]
assert d["name"] == "tcp-all" and "directory" in d["flags"], d
assert d["socket_count"] == len(d["sockets"]) >= 2, d
by = {e["cookie"]: e for e in d["sockets"]}
for sk, ti in ((c, before[0]), (s, before[1])):
    e = by[cookie(sk)]
    assert e["state"] == "live" and e["family"] == "inet", e
    assert e["local"] == ep(sk.getsockname()), e
    assert e["remote"] == ep(sk.getpeername()), e
    for k in TI:
        assert e["counters"][k] == ti[k], (k, e["counters"][k], ti[k])
assert by[cookie(s)]["counters"]["bytes_received"] == 12345
assert by[cookie(c)]["counters"]["bytes_received"] == 321
# the text table: one line per socket, with the cookie
r = cli("show", "tcp-all")
lines = [l.split() for l in r.stdout.splitlines()]
row = [l for l in lines if len(l) > 3 and l[2] == str(cookie(s))]
assert len(row) == 1 and row[0][0] == ep(s.getsockname()), row
assert row[0][3] == "LIVE", row
PY
	expect_err 1 "use show" watch -count 1 tcp-all
else
	skip "show tcp-all: kernel without the tcp-all group"
fi

# show -S with tcp-all: a monitor of just those counters for every socket
# (compact blocks, sockets named by cookie only: the CLI finds their
# addresses with inet_diag), in a netns of its own so that no other
# monitor of the netns fixes another selection
if "$NS" list tcp-all 2>/dev/null | grep -q select; then
	check "show -S bytes_received,bytes_sent tcp-all: those two for every socket, equal to TCP_INFO" \
		unshare -n python3 - <<'PY'
from nstest import *
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
c, s = conn()
move(c, s, 4321)
move(s, c, 99, b"b")
for _ in range(100):
    if ioctl_int(c, SIOCOUTQ) == 0 and ioctl_int(s, SIOCOUTQ) == 0:
        break
    time.sleep(0.1)
def cookie(sk):
    return struct.unpack("Q", sk.getsockopt(socket.SOL_SOCKET, 57, 8))[0]
def ep(a):
    return "%s:%d" % a
for attempt in range(5):
    before = (tcp_info(c), tcp_info(s))
    r = cli("-j", "show", "-S", "bytes_received,bytes_sent", "tcp-all")
    if (tcp_info(c), tcp_info(s)) == before:
        break
assert r.returncode == 0, r
d = json.loads(r.stdout)[0]
assert d["socket_count"] == len(d["sockets"]) == 2, d
by = {e["cookie"]: e for e in d["sockets"]}
for sk, ti in ((c, before[0]), (s, before[1])):
    e = by[cookie(sk)]
    assert e["state"] == "live" and e["family"] == "inet", e
    assert e["local"] == ep(sk.getsockname()), e
    assert e["remote"] == ep(sk.getpeername()), e
    assert sorted(e["counters"]) == ["bytes_received", "bytes_sent"], e
    for k in e["counters"]:
        assert e["counters"][k] == ti[k], (k, e["counters"][k], ti[k])
assert by[cookie(s)]["counters"]["bytes_received"] == 4321
assert by[cookie(c)]["counters"]["bytes_received"] == 99
# the text table: the addresses, the cookie
r = cli("show", "-S", "bytes_received", "tcp-all")
row = [l.split() for l in r.stdout.splitlines() if str(cookie(s)) in l]
assert len(row) == 1 and row[0][0] == ep(s.getsockname()), r.stdout
assert row[0][3] == "LIVE" and row[0][4] == "4321", row
# sequence numbers are not selectable
r = cli("show", "-S", "rcv_nxt", "tcp-all")
assert r.returncode != 0 and "rcv_nxt" in r.stderr, r
PY
else
	skip "show -S tcp-all: this kernel's tcp-all does not select"
fi

# --- a per-CPU group: folded by default, -c shows the copies ---------------
if [ -n "$(cli_has_group ip)" ]; then
	check "show -c ip: copies sum to the folded values, which equal nstat's" \
		unshare -n python3 - <<'PY'
from nstest import *
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["ping", "-q", "-c", "3", "-i", "0.2", "127.0.0.1"], check=True,
               capture_output=True)
time.sleep(0.2)
r = cli("-j", "-c", "show", "ip")
assert r.returncode == 0, r
g = json.loads(r.stdout)[0]
folded, copies = g["counters"], g["percpu"]
assert len(folded) > 200, len(folded)
for k, v in folded.items():
    assert sum(copies[k]) % 2**64 == v, (k, copies[k], v)
out = subprocess.run(["nstat", "-asz"], capture_output=True, text=True,
                     check=True).stdout
nstat = {l.split()[0]: int(l.split()[1]) for l in out.splitlines()
         if len(l.split()) >= 2 and l.split()[1].isdigit()}
for k in ("IpInReceives", "IpOutRequests", "IcmpInMsgs", "IcmpOutMsgs",
          "IpExtInOctets"):
    assert folded[k] == nstat[k] and folded[k] > 0, (k, folded[k], nstat[k])
# without -c: the same folded values, no per-CPU part
r = cli("-j", "show", "ip")
g2 = json.loads(r.stdout)[0]
assert "percpu" not in g2 and g2["counters"] == folded, g2
PY
else
	skip "show -c ip: kernel without the ip group"
fi

# --- -n NETNS, counter globs, -s ----------------------------------------------
# Two netns made as ip-netns(8) makes them, a veth between them, IPv6 off
# (no DAD, MLD or RS: the kernel is quiescent there once the test's
# traffic stopped), an fq_codel root on nsc$$a's end.
nsa=nsc$$a
nsb=nsc$$b
netns_made=
if [ -n "$(cli_has_group ip)" ] && [ -n "$(cli_has_group qdisc)" ] &&
   ip netns add $nsa 2>/dev/null && ip netns add $nsb; then
	netns_made=1
	for n in $nsa $nsb; do
		ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n $n link set lo up
	done
	ip -n $nsa link add nscv type veth peer name nscp netns $nsb &&
	ip -n $nsa addr add 192.0.2.1/24 dev nscv &&
	ip -n $nsb addr add 192.0.2.2/24 dev nscp &&
	ip -n $nsa link set nscv up && ip -n $nsb link set nscp up &&
	tc -n $nsa qdisc add dev nscv root handle 1: fq_codel &&
	ip netns exec $nsa ping -q -c 10 -i 0.01 -s 500 192.0.2.2 >/dev/null &&
	ip netns exec $nsa ping -q -c 3 -i 0.01 127.0.0.1 >/dev/null ||
		not_ok "netns setup"
	export NSA=$nsa
	check "-n NETNS: ip equals nstat there, qdisc equals tc -s and ip -s link there" \
		python3 - <<'PY'
from nstest import *
ns = os.environ["NSA"]
def nstat():
    out = subprocess.run(["ip", "netns", "exec", ns, "nstat", "-asz"],
                         capture_output=True, text=True, check=True).stdout
    return {l.split()[0]: int(l.split()[1]) for l in out.splitlines()
            if len(l.split()) >= 2 and l.split()[1].isdigit()}
def tc():
    out = subprocess.run(["tc", "-n", ns, "-s", "-j", "qdisc", "show", "dev",
                          "nscv"], capture_output=True, text=True,
                         check=True).stdout
    return [q for q in json.loads(out) if q["handle"] == "1:"][0]
def link():
    out = subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", "nscv"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["stats64"]["tx"]
for spelling in ("-n", "-netns", "--netns"):
    for _ in range(50):			# the derived qdisc block: republished
        r = cli("-j", spelling, ns, "show", "ip", "qdisc/nscv/1:0@period-ms=20")
        assert r.returncode == 0, r
        ipv, q = json.loads(r.stdout)
        want, t, l = nstat(), tc(), link()
        if (q["counters"]["packets"] == t["packets"] == l["packets"] and
                q["counters"]["bytes"] == t["bytes"]):
            break
        time.sleep(0.1)
    for k in ("IpInReceives", "IpOutRequests", "IcmpInMsgs", "IcmpOutMsgs"):
        assert ipv["counters"][k] == want[k], (spelling, k, ipv["counters"][k], want[k])
    # 10 echo requests out of the veth, 3 on lo: not this netns's MIBs
    assert ipv["counters"]["IpOutRequests"] >= 13, ipv["counters"]
    assert ipv["counters"]["IcmpOutMsgs"] >= 13, ipv["counters"]
    assert q["counters"]["packets"] == t["packets"] == l["packets"] >= 10, (q, t, l)
    assert q["counters"]["bytes"] == t["bytes"], (q, t)
# the device is not ours: this netns has no nscv
r = cli("show", "qdisc/nscv/1:0")
assert r.returncode == 1 and "no such device" in r.stderr, r
# the netns of a path, too
r = cli("-j", "-n", "/run/netns/" + ns, "show", "ip")
assert (json.loads(r.stdout)[0]["counters"]["IpOutRequests"] ==
        ipv["counters"]["IpOutRequests"]), r
PY
	check "counter globs and -m select counters as nstat's patterns, -s the non-zero ones" \
		python3 - <<'PY'
from nstest import *
import fnmatch
ns = os.environ["NSA"]
full = json.loads(cli("-j", "-n", ns, "show", "ip").stdout)[0]["counters"]
r = cli("-j", "-n", ns, "show", "ip", "Ip*", "Icmp?nMsgs")
assert r.returncode == 0, r
sel = json.loads(r.stdout)[0]["counters"]
want = {k: v for k, v in full.items()
        if fnmatch.fnmatchcase(k, "Ip*") or k == "IcmpInMsgs"}
assert sel == want and "IcmpInMsgs" in sel and len(sel) > 20, (sel, want)
# the names nstat prints for the same pattern
out = subprocess.run(["ip", "netns", "exec", ns, "nstat", "-asz", "Ip*"],
                     capture_output=True, text=True, check=True).stdout
nst = {l.split()[0] for l in out.splitlines() if l.split()[1:2] and
       l.split()[1].isdigit()}
# nstat's Ip* also has ip6's Ip6*: those of the ip group, the same names
assert {n for n in nst if n in full} == {k for k in sel if k != "IcmpInMsgs"}, \
    (nst, sel)
# -m: an exact name, any number of them
r = cli("-j", "-n", ns, "show", "ip", "-m", "IpInReceives", "-match",
        "IpOutRequests")
assert set(json.loads(r.stdout)[0]["counters"]) == {"IpInReceives",
                                                    "IpOutRequests"}, r
# -s: the non-zero ones of a quiescent netns, exactly
for spelling in ("-s", "-nonzero"):
    r = cli("-j", spelling, "-n", ns, "show", "ip")
    nz = json.loads(r.stdout)[0]["counters"]
    assert nz == {k: v for k, v in full.items() if v}, (nz, full)
    assert "IpInReceives" in nz and "IpInDiscards" not in nz, nz
# the text table too
r = cli("-s", "-n", ns, "show", "ip", "Ip*")
rows = [l.split() for l in r.stdout.splitlines()[2:] if l.strip()]
assert rows and all(x[0].startswith("Ip") and int(x[1]) for x in rows), rows
# watch: -s, seconds, -count
r = cli("-j", "-n", ns, "watch", "-s", "-i", "0.2", "-count", "2", "ip", "Ip*")
docs = [json.loads(l) for l in r.stdout.splitlines()]
assert r.returncode == 0 and len(docs) == 2, r
c = docs[1]["registrations"][0]["counters"]
assert c and all(k.startswith("Ip") and v["value"] for k, v in c.items()), c
assert docs[1]["elapsed_ms"] >= 150, docs
# the deprecated spellings still work, and say so
r = cli("-j", "watch", "-n", "2", "-i", "100", "netstats@period-ms=100")
assert r.returncode == 0 and len(r.stdout.splitlines()) == 2, r
assert "-n 2 is taken as the sample count" in r.stderr, r.stderr
assert "-i 100 is taken as 100 ms" in r.stderr, r.stderr
PY
else
	skip "-n NETNS (no ip or qdisc group, or ip netns add failed)"
	skip "counter globs and -s"
fi
if [ -n "${NSA:-}" ] && [ "$(cli_has_group icmpmsg)" ]; then
	check "show -s icmpmsg: the ICMP types nstat prints there, nothing else" \
		python3 - <<'PY'
from nstest import *
ns = os.environ["NSA"]
out = subprocess.run(["ip", "netns", "exec", ns, "nstat", "-as",
                      "IcmpMsg*"], capture_output=True, text=True,
                     check=True).stdout
want = {l.split()[0]: int(l.split()[1]) for l in out.splitlines()
        if l.split()[1:2] and l.split()[1].isdigit()}
r = cli("-j", "-s", "-n", ns, "show", "icmpmsg")
assert r.returncode == 0, r
got = json.loads(r.stdout)[0]["counters"]
# 13 echo requests out (8), their replies in (0); those on lo in too
assert got == want and got.get("IcmpMsgOutType8", 0) >= 13, (got, want)
assert got.get("IcmpMsgInType0", 0) >= 13, got
# all 512 types are there, zero or not
r = cli("-j", "-n", ns, "show", "icmpmsg")
assert len(json.loads(r.stdout)[0]["counters"]) == 512, r
PY
else
	skip "show -s icmpmsg (no icmpmsg group or no netns)"
fi

# --- the examples of netstats.8, run as written ------------------------------
# Extracted from the page (a page edit that breaks one fails here), run
# by bash with "netstats" this binary, netns "blue" and a TCP connection
# on fd 3 there as the page says; each must exit 0 and print something.
page=$dir/netstats.8
[ -f "$page" ] || page=${KSRC:-$dir/../../../..}/tools/net/netstats/netstats.8
if [ ! -f "$page" ]; then
	not_ok "netstats.8 examples: no netstats.8 next to cli.sh or in KSRC"
else
	sed -n '/^\.SH EXAMPLES/,/^\.SH /{/^\.nf/,/^\.fi/p}' "$page" |
		sed '/^\.nf/d; /^\.fi/d; s/\\-/-/g' >"$tmp/examples"
	mkdir -p "$tmp/bin"
	ln -sf "$NS" "$tmp/bin/netstats"
	blue_made=
	[ -e /run/netns/blue ] || { ip netns add blue && blue_made=1; }
	while read -r line; do
		check "netstats.8 example: $line" python3 - "$line" "$tmp/bin" <<'PY'
from nstest import *
c, s = conn()
move(c, s, 1000)
os.dup2(c.fileno(), 3, inheritable=True)
env = dict(os.environ, PATH=sys.argv[2] + ":" + os.environ["PATH"])
r = subprocess.run(["bash", "-c", sys.argv[1]], pass_fds=(3,), env=env,
                   capture_output=True, text=True, timeout=60)
assert r.returncode == 0 and r.stdout.strip(), r
assert "warning" not in r.stderr, r.stderr
if " -j " in sys.argv[1]:
    for l in (r.stdout.splitlines() if " watch " in sys.argv[1]
              else [r.stdout]):
        json.loads(l)
PY
	done <"$tmp/examples"
	[ -n "$blue_made" ] && ip netns del blue
fi
[ -n "$netns_made" ] && ip netns del $nsa && ip netns del $nsb

# --- watch: deltas and rates, -r, signals ---------------------------------
check "watch -j: one JSON document per sample, delta = value step, rate > 0" \
	python3 - <<'PY'
from nstest import *
c, s = conn()
pid = os.fork()
if pid == 0:				# traffic until the parent is done
    for _ in range(100000):
        try:
            c.sendall(b"x" * 16384)
            s.recv(65536)
        except OSError:
            break
        if os.getppid() == 1:
            break
    os._exit(0)
try:
    r = cli("-j", "watch", "-count", "4", "-i", "0.3", "tcp/fd:%d" % s.fileno(),
            fds=(s.fileno(),))
finally:
    os.kill(pid, 9)
assert r.returncode == 0, r
docs = [json.loads(l) for l in r.stdout.splitlines()]
assert [d["sample"] for d in docs] == [1, 2, 3, 4], docs
vals = [d["registrations"][0]["counters"]["bytes_received"] for d in docs]
assert "delta" not in vals[0], vals
for prev, cur in zip(vals, vals[1:]):
    assert cur["delta"] == cur["value"] - prev["value"], (prev, cur)
assert vals[-1]["value"] > vals[0]["value"], vals
assert any(v["rate"] > 0 for v in vals[1:]), vals
PY

check "watch -r counts from zero (library reset), show does not" \
	python3 - <<'PY'
from nstest import *
c, s = conn()
move(c, s, 5000, b"y")
name = "tcp/fd:%d" % s.fileno()
r = cli("-j", "watch", "-r", "-count", "2", "-i", "0.1", name, fds=(s.fileno(),))
docs = [json.loads(l) for l in r.stdout.splitlines()]
assert r.returncode == 0 and len(docs) == 2, r
assert docs[0]["registrations"][0]["counters"]["bytes_received"]["value"] == 0
r = cli("-j", "show", name, fds=(s.fileno(),))
assert json.loads(r.stdout)[0]["counters"]["bytes_received"] == 5000, r
PY

for sig in INT TERM; do
	check "watch ends with exit 0 on SIG$sig" python3 - "$sig" <<'PY'
import signal
from nstest import *
c, s = conn()
p = subprocess.Popen([NS, "watch", "-i", "0.1", "tcp/fd:%d" % s.fileno()],
                     pass_fds=(s.fileno(),), stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
time.sleep(2)
p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
out, err = p.communicate(timeout=20)
assert p.returncode == 0, (p.returncode, err)
assert "sample 1 at" in out and "bytes_received" in out, out
PY
done

# --- the netstats group: registrations the test holds ---------------------
# show_self FIELD: a counter of the "netstats" group, now
show_self() {
	"$NS" -j show 'netstats@period-ms=10' |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['counters']['$1'])"
}

if ! "$NS" show netstats >"$tmp/out" 2>&1; then
	sed 's/^/# /' "$tmp/out"
	not_ok "show netstats"
else
	ok "show netstats"
	K=3
	base=$(show_self registrations)
	maps=$(show_self map_files)
	for i in $(seq $K); do
		"$NS" watch -i 1 'netstats@period-ms=1000' >/dev/null &
		pids+=($!)
	done
	for i in $(seq 100); do
		[ "$(show_self registrations)" -ge $((base + K)) ] && break
		sleep 0.1
	done
	now=$(show_self registrations)
	nmaps=$(show_self map_files)
	if [ "$now" -eq $((base + K)) ] && [ "$nmaps" -eq $((maps + K)) ]; then
		ok "netstats registrations/map_files: baseline + $K watchers"
	else
		echo "# registrations $base -> $now, map_files $maps -> $nmaps"
		not_ok "netstats registrations/map_files: baseline + $K watchers"
	fi
	kill -TERM "${pids[@]}"
	rcs=()
	for p in "${pids[@]}"; do
		wait "$p"
		rcs+=($?)
	done
	pids=()
	sleep 0.5
	now=$(show_self registrations)
	if [ "${rcs[*]}" = "0 0 0" ] && [ "$now" -eq "$base" ]; then
		ok "SIGTERM'd watchers exit 0 and give their registrations back"
	else
		echo "# exit codes ${rcs[*]}, registrations $now, baseline $base"
		not_ok "SIGTERM'd watchers exit 0 and give their registrations back"
	fi
	check "show -j -p netstats parses, state live" python3 - <<'PY'
from nstest import *
r = cli("-j", "-p", "show", "netstats", "netstats@period-ms=100")
d = json.loads(r.stdout)
assert r.returncode == 0 and len(d) == 2, r
assert all(x["state"] == "live" and "derived" in x["flags"] for x in d), d
PY
fi

# --- watch on a terminal -----------------------------------------------------
# pane.py: traffic on a loopback connection from a child, then the CLI
# (watching the receiving socket) in place of the Python process.
cat >"$tmp/pane.py" <<'PY'
from nstest import *
c, s = conn()
if os.fork() == 0:
    parent = os.getppid()
    while os.getppid() == parent:
        try:
            c.sendall(b"z" * 8192)
            s.recv(65536)
        except OSError:
            break
        time.sleep(0.01)
    os._exit(0)
os.set_inheritable(s.fileno(), True)
os.execv(NS, [NS, "watch", "-i", "0.2", "tcp/fd:%d" % s.fileno()])
PY

# pane_field COUNTER COLUMN: column 2 value, 3 delta, 4 rate of a counter row
pane_field() {
	awk -v c="$1" -v k="$2" '$1 == c { print $k; exit }' "$tmp/pane"
}
capture() { tmux -L netstats-cli capture-pane -p -t nstest >"$tmp/pane"; }
# sample: capture until the header's sample number and bytes_received's
# value and rate are all on screen (a capture may fall in a redraw);
# sets t (ns, just before the capture), s, v and r
sample() {
	for _ in $(seq 20); do
		t=$(date +%s%N)
		capture
		s=$(awk '/^netstats watch: every 200 ms, sample/ { print $7 }' "$tmp/pane")
		v=$(pane_field bytes_received 2)
		r=$(pane_field bytes_received 4)
		[ -n "$s" ] && [ -n "$v" ] && [ -n "$r" ] && return 0
		sleep 0.05
	done
	return 1
}

if ! command -v tmux >/dev/null; then
	skip "watch on a terminal (no tmux)"
else
	tmux -L netstats-cli new-session -d -s nstest -x 150 -y 50 \
		"env NS=$NS PYTHONPATH=$tmp python3 $tmp/pane.py; echo EXIT=\$?; sleep 60"
	# until the first sample is on screen (a debug kernel starts slowly)
	for _ in $(seq 60); do
		capture
		grep -q "^  bytes_received" "$tmp/pane" && break
		sleep 0.5
	done
	sample
	t1=$t s1=$s v1=$v
	heads=$(grep -c "^netstats watch:" "$tmp/pane")
	sleep 2
	sample
	s2=$s v2=$v r2=$r
	t2=$(date +%s%N)
	# at most one sample per 200 ms (plus the one in progress)
	max=$(( (t2 - t1) / 200000000 + 2 ))
	if [ "$heads" = 1 ] && [ -n "$s1" ] && [ -n "$s2" ] &&
	   [ "${s2%,}" -gt "${s1%,}" ] && [ $((${s2%,} - ${s1%,})) -le "$max" ] &&
	   [ -n "$v1" ] && [ "$v2" -gt "$v1" ] &&
	   python3 -c "import sys; assert float(sys.argv[1]) > 0" "$r2" 2>/dev/null; then
		ok "watch on a tty refreshes in place: sample ${s1%,} -> ${s2%,}," \
		   "bytes_received $v1 -> $v2, rate $r2/s"
	else
		echo "# samples '$s1' '$s2' (at most $max more), headers $heads," \
		     "values '$v1' '$v2', rate '$r2'"
		sed 's/^/# /' "$tmp/pane"
		not_ok "watch on a tty refreshes in place"
	fi
	tmux -L netstats-cli send-keys -t nstest C-c
	# a debug kernel can take longer than a fixed wait: poll
	for _ in $(seq 60); do
		sleep 0.5
		capture
		grep -Eq "(^|\^C)EXIT=" "$tmp/pane" && break
	done
	if grep -Eq "(^|\^C)EXIT=0([^0-9]|$)" "$tmp/pane"; then
		ok "watch on a tty: Ctrl-C exits 0"
	else
		sed 's/^/# /' "$tmp/pane"
		not_ok "watch on a tty: Ctrl-C exits 0"
	fi
	tmux -L netstats-cli kill-server 2>/dev/null
fi

echo "# $num tests, $failed failed"
[ $failed -eq 0 ] || exit 1
exit 0
