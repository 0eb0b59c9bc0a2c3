#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netstats-exporter (tools/net/netstats/exporter) on the running kernel:
# the exposition passes "promtool check metrics", its values are what
# libnetstats reads for the same registrations (and what we know they must
# be), a scrape makes no system call but on its own HTTP connection, slow
# or broken clients do not hold the daemon up, 50 clients at once are all
# served, TLS and basic authentication work as curl sees them, the serving
# process has no capability left, and bad arguments fail with the
# documented exit status and message.  Targets come and go: a veth (its
# qdisc) and a netdevsim device (its tx queue), absent when the exporter
# starts, appear once created, go down when deleted and come back with
# new values when created again, each equal to what tc and
# /sys/class/net/*/statistics say; tcp-all is served as sums by default,
# per socket up to the cap with the flag.

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
EXPORTER=${EXPORTER:-$here/netstats-exporter}
CLI=${NETSTATS_CLI:-$here/netstats}
REF=${EXPORTER_REF:-$here/exporter_ref}
PORT=${EXPORTER_PORT:-19411}

for t in "$EXPORTER" "$REF"; do
	if [ ! -x "$t" ]; then
		echo "SKIP: $t not built"
		exit $ksft_skip
	fi
done
for t in curl python3; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: no $t"
		exit $ksft_skip
	fi
done

# A quiet TCP connection over loopback for the tcp group: python3 opens it,
# moves 1000 bytes from the client to the server and 300 back, and runs
# this script again with both ends open, their fds in NETSTATS_CLI_FD and
# NETSTATS_SRV_FD.
if [ -z "${NETSTATS_CLI_FD:-}" ]; then
	exec python3 -c '
import os, socket, sys, time

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(1)
cli = socket.create_connection(lsn.getsockname())
srv, _ = lsn.accept()
lsn.close()
for a, b, n in ((cli, srv, 1000), (srv, cli, 300)):
    a.sendall(b"x" * n)
    got = 0
    while got < n:
        got += len(b.recv(65536))
time.sleep(0.5)  # every ACK in: the counters stay still from here on
for s in (cli, srv):
    os.set_inheritable(s.fileno(), True)
os.environ["NETSTATS_CLI_FD"] = str(cli.fileno())
os.environ["NETSTATS_SRV_FD"] = str(srv.fileno())
os.environ["NETSTATS_CLI_PORT"] = str(cli.getsockname()[1])
os.environ["NETSTATS_SRV_PORT"] = str(srv.getsockname()[1])
os.execv("/bin/bash", ["bash"] + sys.argv[1:])
' "$0" "$@"
fi
cfd=$NETSTATS_CLI_FD
sfd=$NETSTATS_SRV_FD

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
	# The devices of "targets that come and go", if a check stopped it.
	ip link del nsxa 2>/dev/null
	[ -e /sys/bus/netdevsim/devices/netdevsim7411 ] &&
		echo 7411 >/sys/bus/netdevsim/del_device
}
trap cleanup EXIT

n=0
ret=0
skipped=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { n=$((n + 1)); echo "not ok $n $*"; ret=1; }
skip() { n=$((n + 1)); echo "ok $n $* # SKIP"; skipped=1; }
check() {
	local desc=$1

	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# start_exporter LOG ARGS...: $epid once it serves, 1 if it exits first.
start_exporter() {
	local log=$1 i

	shift
	"$EXPORTER" "$@" 2>"$log" &
	epid=$!
	pids+=("$epid")
	for i in $(seq 100); do
		grep -q "serving" "$log" && return 0
		kill -0 "$epid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log"
	return 1
}

# scrape URL OUT [CURL ARGS...]: the body in OUT, the head in OUT.h, the
# status on stdout.
scrape() {
	local url=$1 out=$2

	shift 2
	curl -gsS --max-time 10 -o "$out" -D "$out.h" -w '%{http_code}' "$@" \
		"$url"
}

# value FILE METRIC LABELS: the sample's value, empty if there is none.
value() {
	awk -v k="$2$3" '$1 == k { print $2 }' "$1"
}

# The labels of tcp/fd:N: the fd, no registration name.
labels() {
	echo "{fd=\"${1#tcp/fd:}\"}"
}

uplabels() {
	echo "{group=\"tcp\",fd=\"${1#tcp/fd:}\"}"
}

# raw REQUEST: send it on a new connection, print the status line.
raw() {
	local fd line

	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf '%b' "$1" >&"$fd"
	IFS= read -r -t 10 line <&"$fd"
	exec {fd}<&-
	echo "${line%$'\r'}"
}

url=http://127.0.0.1:$PORT/metrics
cname=tcp/fd:$cfd
sname=tcp/fd:$sfd

# --- arguments ---------------------------------------------------------
"$EXPORTER" >/dev/null 2>&1
check "no registration name: exit 2" [ $? = 2 ]
out=$("$EXPORTER" -l 127.0.0.1 "$cname" 2>&1)
rc=$?
check "listen address without port: exit 2" \
	[ $rc = 2 -a -n "$(echo "$out" | grep 'bad listen address')" ]
"$EXPORTER" -l '[::1]:65536' "$cname" >/dev/null 2>&1
check "listen port out of range: exit 2" [ $? = 2 ]
"$EXPORTER" "tcp/fd:x" >/dev/null 2>&1
check "malformed registration name: exit 2" [ $? = 2 ]
"$EXPORTER" "$cname" "$cname" >/dev/null 2>&1
check "registration given twice: exit 2" [ $? = 2 ]
out=$("$EXPORTER" ip 'ip@period-ms=500' 2>&1)
rc=$?
check "two names of one object (options differ): exit 2" \
	[ $rc = 2 -a -n "$(echo "$out" | grep 'name the same object')" ]
"$EXPORTER" --collector.tcp-all.max-sockets=x tcp-all >/dev/null 2>&1
check "bad --collector.tcp-all.max-sockets: exit 2" [ $? = 2 ]
out=$("$EXPORTER" --version)
cli=$("$CLI" -V 2>/dev/null)
echo "# $out; $cli"
version=${out##*version }
check "--version: the version of the CLI (and library)" \
	[ -n "$version" -a "$version" = "${cli##*version }" ]
"$EXPORTER" --help | grep -q -- '--web.listen-address'
check "--help: exit 0, names --web.listen-address" [ "${PIPESTATUS[0]}" = 0 ]
echo 'tls_server_config: { cert_file: /nonexistent }' >"$tmp/bad.yml"
out=$("$EXPORTER" --web.config.file="$tmp/bad.yml" "$cname" 2>&1)
rc=$?
check "bad web config: exit 2 with the reason" \
	[ $rc = 2 -a -n "$(echo "$out" | grep 'bad.yml: .*nonexistent')" ]
# A name that does not register is reported, not fatal.
if start_exporter "$tmp/e0.log" -l "127.0.0.1:$PORT" lo/hwqueue/rx/0 \
		"$cname"; then
	code=$(scrape "$url" "$tmp/m0")
	up='{group="hwqueue/rx",device="lo",queue="0",direction="rx"}'
	check "a name that does not register: served, object_up 0, its error counted, the kernel's message logged" \
		[ "$code" = 200 -a \
		  "$(value "$tmp/m0" netstats_object_up "$up")" = 0 -a \
		  "$(value "$tmp/m0" netstats_exporter_register_errors_total "$up")" -ge 1 -a \
		  "$(value "$tmp/m0" netstats_object_up "$(uplabels "$cname")")" = 1 -a \
		  -n "$(grep "cannot register 'lo/hwqueue/rx/0': .*no per-queue hardware counters" "$tmp/e0.log")" ]
	kill -TERM "$epid"
	wait "$epid"
else
	fail "a name that does not register: the exporter does not start"
fi

# --- the tcp group ---------------------------------------------------------
if ! start_exporter "$tmp/e1.log" -t 8 -l "127.0.0.1:$PORT" "$cname" "$sname"; then
	fail "exporter serves $cname $sname"
	echo "1..$n"
	exit 1
fi
e1=$epid
ok "exporter serves $cname $sname"
sed 's/^/# /' "$tmp/e1.log"

out=$("$EXPORTER" -l "127.0.0.1:$PORT" "$cname" 2>&1)
rc=$?
check "listen port in use: exit 1" \
	[ $rc = 1 -a -n "$(echo "$out" | grep 'cannot listen on')" ]

code=$(scrape "$url" "$tmp/m1")
check "GET /metrics: 200" [ "$code" = 200 ]
check "Content-Type: text/plain; version=0.0.4; charset=utf-8" \
	grep -qix $'content-type: text/plain; version=0.0.4; charset=utf-8\r' \
	"$tmp/m1.h"

promtool=$(command -v promtool)
if [ -n "$promtool" ]; then
	if out=$("$promtool" check metrics <"$tmp/m1" 2>&1); then
		ok "promtool check metrics"
	else
		echo "$out" | sed 's/^/# /'
		fail "promtool check metrics"
	fi
else
	skip "promtool check metrics: no promtool (Debian package prometheus)"
fi

# What libnetstats reads for the same sockets, the same fds.
"$REF" "$cname" "$sname" >"$tmp/ref1"
bad=0
cmp=0
restricted=" rcv_nxt copied_seq rcv_wup snd_nxt snd_una "
while read -r reg ctr want; do
	got=$(value "$tmp/m1" "netstats_tcp_${ctr}_total" "$(labels "$reg")")
	if [[ $restricted == *" $ctr "* ]]; then
		if [ -n "$got" ]; then
			echo "# restricted $reg $ctr exported without -r"
			bad=1
		fi
		continue
	fi
	cmp=$((cmp + 1))
	if [ "$got" != "$want" ]; then
		echo "# $reg $ctr: exporter '$got', libnetstats '$want'"
		bad=1
	fi
done <"$tmp/ref1"
check "$cmp values equal libnetstats', restricted counters left out" \
	[ $bad = 0 -a $cmp -ge 16 ]

v() { value "$tmp/m1" "netstats_tcp_$1_total" "$(labels "$2")"; }
echo "# client: sent $(v bytes_sent "$cname") acked $(v bytes_acked "$cname")" \
	"received $(v bytes_received "$cname"); server: received" \
	"$(v bytes_received "$sname") acked $(v bytes_acked "$sname")"
# bytes_acked counts the SYN of the active side, as tcpi_bytes_acked does.
check "known values: 1000 bytes one way, 300 the other" \
	[ "$(v bytes_sent "$cname")" = 1000 -a \
	  "$(v bytes_acked "$cname")" = 1001 -a \
	  "$(v bytes_received "$cname")" = 300 -a \
	  "$(v bytes_received "$sname")" = 1000 -a \
	  "$(v bytes_acked "$sname")" = 300 ]
check "HELP from QUERY" grep -qx \
	'# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged by the peer' \
	"$tmp/m1"
check "self metrics: 2 registrations, 1 scrape" \
	[ "$(value "$tmp/m1" netstats_exporter_registrations)" = 2 -a \
	  "$(value "$tmp/m1" netstats_exporter_scrapes_total)" = 1 ]
want="{version=\"$version\",kernel=\"$(uname -r)\"}"
check "build_info: version and kernel" \
	[ "$(value "$tmp/m1" netstats_exporter_build_info "$want")" = 1 ]
check "object_up: 1 for both sockets" \
	[ "$(value "$tmp/m1" netstats_object_up "$(uplabels "$cname")")" = 1 -a \
	  "$(value "$tmp/m1" netstats_object_up "$(uplabels "$sname")")" = 1 ]
d=$(value "$tmp/m1" netstats_exporter_scrape_duration_seconds)
check "scrape duration: $d s, under 1 s" \
	awk -v d="$d" 'BEGIN { exit !(d != "" && d > 0 && d < 1) }'
check "HELP of a gauge and TYPE from the flags: registrations" \
	grep -qx '# TYPE netstats_exporter_registrations gauge' "$tmp/m1"

# --- capabilities: registered with them, serving without any ---------------
bad=
for st in /proc/"$e1"/task/*/status; do
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "$st")
		[ "$v" = 0000000000000000 ] || bad+=" $f=$v"
	done
	grep -qx $'NoNewPrivs:\t1' "$st" || bad+=" NoNewPrivs"
done
echo "# $(grep -c . /proc/"$e1"/task/*/status | wc -l) thread(s)${bad:+:$bad}"
check "the serving process: CapEff, CapPrm, CapInh, CapAmb, CapBnd 0, no_new_privs" \
	[ -z "$bad" ]

# --- HTTP ------------------------------------------------------------------
code=$(scrape "http://127.0.0.1:$PORT/" "$tmp/x")
check "GET /: 200, links the metrics" \
	[ "$code" = 200 -a -n "$(grep 'href="/metrics"' "$tmp/x")" ]
check "GET /nothing: 404" \
	[ "$(scrape "http://127.0.0.1:$PORT/nothing" "$tmp/x")" = 404 ]
code=$(curl -sS --max-time 10 -o /dev/null -D "$tmp/h405" -X POST \
	-w '%{http_code}' "$url")
check "POST /metrics: 405 with Allow" \
	[ "$code" = 405 -a -n "$(grep -i '^allow: GET, HEAD' "$tmp/h405")" ]
code=$(curl -sS --max-time 10 -I -o "$tmp/head" -w '%{http_code}' "$url")
len=$(sed -n 's/^content-length: \([0-9]*\).*/\1/ip' "$tmp/head")
check "HEAD /metrics: 200, Content-Length of the body, no body" \
	[ "$code" = 200 -a "${len:-0}" -gt 1000 ]
# libmicrohttpd answers 400 or closes; either way no metrics.
line=$(raw 'hello\r\n\r\n')
check "garbage: no 200 (${line:-closed})" [ "${line:0:12}" != "HTTP/1.1 200" ]

# A client that stops in the middle of its request holds nothing up, and
# is dropped at its deadline (-t 8): a scrape held up by it would take
# that long.
t0=$(date +%s%N)
scrape "$url" "$tmp/m2" >/dev/null
t1=$(date +%s%N)
base=$(((t1 - t0) / 1000000))
exec {slow}<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /met' >&"$slow"
t0=$(date +%s%N)
code=$(scrape "$url" "$tmp/m2")
t1=$(date +%s%N)
echo "# scrape: $base ms alone, $(((t1 - t0) / 1000000)) ms with a stalled client"
check "a stalled client does not delay a scrape" \
	[ "$code" = 200 -a $(((t1 - t0) / 1000000)) -lt $((base + 3000)) ]
timeout 15 cat <&"$slow" >/dev/null
rc=$?
exec {slow}<&-
check "the stalled client is dropped at its deadline" [ $rc = 0 ]
code=$(scrape "$url" "$tmp/m3")
check "errors counted: 404, 405" \
	[ "$(value "$tmp/m3" netstats_exporter_http_errors_total)" = 2 ]

# --- 50 clients at once, 20 requests each, on loopback ----------------------
out=$(timeout 150 python3 - "$url" <<'PY'
import collections, sys, threading, urllib.request

url, codes, lock = sys.argv[1], collections.Counter(), threading.Lock()

def client():
    for _ in range(20):
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                ok = r.status == 200 and b"netstats_tcp_bytes_acked_total" in r.read()
                code = "200" if ok else f"{r.status}-short"
        except Exception as e:
            code = type(e).__name__
        with lock:
            codes[code] += 1

ts = [threading.Thread(target=client) for _ in range(50)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join(f"{k}:{v}" for k, v in sorted(codes.items())))
PY
)
echo "# 50 x 20 requests: $out"
check "50 concurrent clients x 20 requests: 1000 complete answers" \
	[ "$out" = "200:1000" ]

# --- no system call per scrape but the HTTP connection's ---------------------
if command -v strace >/dev/null; then
	strace -qq -yy -o "$tmp/trace" -p "$e1" &
	spid=$!
	sleep 1
	for i in $(seq 20); do
		scrape "$url" "$tmp/m4" >/dev/null
	done
	sleep 0.5
	kill -INT $spid
	wait $spid
	calls=$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$tmp/trace" | sort | uniq -c |
		awk '{ printf "%s %s, ", $2, $1 }')
	echo "# system calls during 20 scrapes: $calls"
	# libmicrohttpd's connection handling, and malloc()'s memory.
	allowed='accept4|recvfrom|sendto|sendmsg|writev|shutdown|close|poll'
	allowed+='|epoll_wait|epoll_ctl|setsockopt|getsockopt|fcntl'
	allowed+='|restart_syscall|clock_gettime|brk|mmap|munmap'
	other=$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$tmp/trace" |
		grep -vxE "$allowed" | sort -u | tr '\n' ' ')
	accepts=$(grep -c '^accept4(.* = [0-9]' "$tmp/trace")
	check "20 scrapes, 20 connections, only socket, epoll and memory calls${other:+: $other}" \
		[ -z "$other" -a "$accepts" = 20 ]
	# Anonymous inodes: the signalfd and the daemons' epoll and eventfd;
	# memory is anonymous.
	bad=$(sed -E 's/anon_inode:\[(signalfd|eventpoll|eventfd)\]//g' \
		"$tmp/trace" | grep -E 'NETLINK|anon_inode')
	bad+=$(grep '^mmap(' "$tmp/trace" | grep -v MAP_ANONYMOUS)
	[ -z "$bad" ] || echo "$bad" | head -5 | sed 's/^/# /'
	check "no netlink or map file access during scrapes" [ -z "$bad" ]
	total=$(grep -c '^[a-z_0-9]*(' "$tmp/trace")
	echo "# $total system calls for 20 scrapes"
else
	skip "no system call per scrape: no strace"
fi

# --- IPv6, restricted counters -------------------------------------------------
p6=$((PORT + 1))
if start_exporter "$tmp/e2.log" -r -l "[::1]:$p6" \
		--web.listen-address="127.0.0.1:$p6" "$cname"; then
	e2=$epid
	code=$(scrape "http://127.0.0.1:$p6/metrics" "$tmp/m5")
	check "two listen addresses: 127.0.0.1 served too" [ "$code" = 200 ]
	code=$(scrape "http://[::1]:$p6/metrics" "$tmp/m6")
	# A sequence number is a position, flagged gauge: no _total.
	got=$(value "$tmp/m6" netstats_tcp_snd_una "$(labels "$cname")")
	want=$(awk -v r="$cname" '$1 == r && $2 == "snd_una" { print $3 }' "$tmp/ref1")
	check "[::1] with -r: restricted snd_una served, equal libnetstats'" \
		[ "$code" = 200 -a -n "$got" -a "$got" = "$want" ]
	check "snd_una is a gauge" \
		grep -qx '# TYPE netstats_tcp_snd_una gauge' "$tmp/m6"
	kill -TERM "$e2"
	wait "$e2"
	check "SIGTERM: exit 0" [ $? = 0 ]
else
	fail "[::1] with -r: restricted snd_una served, equal libnetstats'"
fi
kill -TERM "$e1"
wait "$e1"

# --- TLS and basic authentication (--web.config.file) --------------------------
p7=$((PORT + 4))
hash=$(python3 -c '
import ctypes, sys
c = ctypes.CDLL("libcrypt.so.1")
c.crypt_gensalt.restype = c.crypt.restype = ctypes.c_char_p
print(c.crypt(b"s3cret pass", c.crypt_gensalt(b"$2b$", 4, None, 0)).decode())')
if ! command -v openssl >/dev/null; then
	skip "TLS and basic auth: no openssl"
elif ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -days 1 -subj /CN=localhost \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" \
		-out "$tmp/cert.pem" 2>"$tmp/openssl.log"; then
	cat "$tmp/openssl.log"
	fail "TLS and basic auth: openssl made no certificate"
else
	cat >"$tmp/web.yml" <<-EOF
	tls_server_config:
	  cert_file: cert.pem
	  key_file: key.pem
	basic_auth_users:
	  prom: '$hash'
	EOF
	if start_exporter "$tmp/e7.log" --web.config.file="$tmp/web.yml" \
			-l "127.0.0.1:$p7" "$cname"; then
		e7=$epid
		turl=https://127.0.0.1:$p7/metrics
		code=$(scrape "$turl" "$tmp/m10" --cacert "$tmp/cert.pem" \
			-u 'prom:s3cret pass')
		check "https with the right password: 200" \
			[ "$code" = 200 -a -n "$(value "$tmp/m10" \
				netstats_tcp_bytes_sent_total "$(labels "$cname")")" ]
		if [ -n "$promtool" ]; then
			check "https: promtool check metrics" \
				"$promtool" check metrics <"$tmp/m10"
		fi
		code=$(scrape "$turl" "$tmp/m11" --cacert "$tmp/cert.pem" \
			-u 'prom:wrong')
		check "https with a wrong password: 401 with the realm" \
			[ "$code" = 401 -a -n "$(grep -i \
				'^www-authenticate: basic realm=' "$tmp/m11.h")" ]
		code=$(scrape "$turl" "$tmp/m12" --cacert "$tmp/cert.pem")
		check "https without credentials: 401" [ "$code" = 401 ]
		code=$(scrape "$turl" "$tmp/m13" -u 'prom:s3cret pass' 2>/dev/null)
		check "https: a client that does not trust the certificate fails" \
			[ "$code" != 200 ]
		code=$(scrape "http://127.0.0.1:$p7/metrics" "$tmp/m14" \
			-u 'prom:s3cret pass' 2>/dev/null)
		check "plain http to the TLS port: no metrics" [ "$code" != 200 ]
		kill -TERM "$e7"
		wait "$e7"
	else
		fail "TLS and basic auth: the exporter does not start"
	fi
fi

# --- the netstats group -----------------------------------------------------
# Registrations of every netlink socket: ours are the only ones now.
if ! start_exporter "$tmp/e3.log" -l "127.0.0.1:$PORT" \
		'netstats@period-ms=500'; then
	if grep -q "invalid registration name 'netstats'" "$tmp/e3.log"; then
		skip "netstats group: libnetstats cannot name it yet"
	else
		fail "netstats group: exporter serves it"
	fi
else
	coproc REFK { "$REF" -k -w 200 'netstats@period-ms=50'; }
	pids+=("$REFK_PID")
	: >"$tmp/ref3"
	while IFS= read -r -t 10 line <&"${REFK[0]}"; do
		echo "$line" >>"$tmp/ref3"
		[ "$(wc -l <"$tmp/ref3")" = 4 ] && break
	done
	sleep 1.2	# the period of the exporter's registration
	code=$(scrape "$url" "$tmp/m7")
	bad=0
	while read -r _ ctr want; do
		got=$(value "$tmp/m7" "netstats_netstats_$ctr")
		[ "$got" = "$want" ] && continue
		echo "# $ctr: exporter '$got', libnetstats '$want'"
		bad=1
	done <"$tmp/ref3"
	r=$(value "$tmp/m7" netstats_netstats_registrations)
	m=$(value "$tmp/m7" netstats_netstats_map_files)
	check "netstats group: values equal libnetstats', 2 registrations, 2 map files" \
		[ "$code" = 200 -a $bad = 0 -a "$r" = 2 -a "$m" = 2 ]
	if [ -n "$promtool" ]; then
		check "netstats group: promtool check metrics" \
			"$promtool" check metrics <"$tmp/m7"
	fi
	exec {REFK[1]}>&-
	wait "$REFK_PID"
	sleep 1.2
	scrape "$url" "$tmp/m8" >/dev/null
	r=$(value "$tmp/m8" netstats_netstats_registrations)
	check "netstats group: 1 registration once the reference is gone" \
		[ "$r" = 1 ]
fi

# --- the per-CPU IP MIBs: hundreds of real counter names ----------------------
if [ -z "$promtool" ]; then
	skip "ip, ip6: no promtool"
elif ! start_exporter "$tmp/e9.log" -l "127.0.0.1:$((PORT + 3))" ip ip6; then
	if grep -q "unknown counter group" "$tmp/e9.log"; then
		skip "ip, ip6: kernel without the ip groups"
	else
		fail "ip, ip6: the exporter does not start"
	fi
else
	e9=$epid
	code=$(scrape "http://127.0.0.1:$((PORT + 3))/metrics" "$tmp/m9")
	samples=$(grep -c '^netstats_ip6\?_' "$tmp/m9")
	types=$(grep -c '^# TYPE netstats_ip6\?_' "$tmp/m9")
	echo "# ip and ip6: $samples samples, $types metric families"
	check "ip, ip6: one metric family per counter, no name collides" \
		[ "$code" = 200 -a "$samples" -gt 250 -a "$samples" = "$types" ]
	check "ip, ip6: promtool check metrics" "$promtool" check metrics <"$tmp/m9"
	kill -TERM "$e9"
	wait "$e9"
fi

# --- tcp-all: sums by default, per socket up to the cap with the flag --------
echo "# $SECONDS s so far"
cport=$NETSTATS_CLI_PORT
sport=$NETSTATS_SRV_PORT
p5=$((PORT + 5))
if start_exporter "$tmp/e5.log" -l "127.0.0.1:$p5" tcp-all; then
	code=$(scrape "http://127.0.0.1:$p5/metrics" "$tmp/m15")
	socks=$(value "$tmp/m15" netstats_tcp_all_sockets)
	rx=$(value "$tmp/m15" netstats_tcp_all_bytes_received)
	echo "# tcp-all: $socks sockets, $rx bytes received in all"
	check "tcp-all by default: socket count and sums (gauges), no series per socket" \
		[ "$code" = 200 -a "${socks:-0}" -ge 2 -a "${rx:-0}" -ge 1300 -a \
		  -n "$(grep -x '# TYPE netstats_tcp_all_bytes_received gauge' "$tmp/m15")" -a \
		  -z "$(grep 'cookie=' "$tmp/m15")" ]
	if [ -n "$promtool" ]; then
		check "tcp-all: promtool check metrics" \
			"$promtool" check metrics <"$tmp/m15"
	fi
	kill -TERM "$epid"
	wait "$epid"
else
	fail "tcp-all: the exporter does not start"
fi
if start_exporter "$tmp/e6.log" -l "127.0.0.1:$p5" \
		--collector.tcp-all.per-socket tcp-all; then
	code=$(scrape "http://127.0.0.1:$p5/metrics" "$tmp/m16")
	m=netstats_tcp_all_socket_bytes_received_total
	c=$(awk -v m="$m" -v l="local=\"127.0.0.1:$cport\",remote=\"127.0.0.1:$sport\"" \
		'index($1, m "{") == 1 && index($1, l) { print $2 }' "$tmp/m16")
	s=$(awk -v m="$m" -v l="local=\"127.0.0.1:$sport\",remote=\"127.0.0.1:$cport\"" \
		'index($1, m "{") == 1 && index($1, l) { print $2 }' "$tmp/m16")
	check "tcp-all per socket: the client received 300, the server 1000 (as the tcp group)" \
		[ "$code" = 200 -a "$c" = 300 -a "$s" = 1000 ]
	if [ -n "$promtool" ]; then
		check "tcp-all per socket: promtool check metrics" \
			"$promtool" check metrics <"$tmp/m16"
	fi
	kill -TERM "$epid"
	wait "$epid"
else
	fail "tcp-all per socket: the exporter does not start"
fi
if start_exporter "$tmp/e10.log" -l "127.0.0.1:$p5" \
		--collector.tcp-all.per-socket \
		--collector.tcp-all.max-sockets=1 tcp-all; then
	code=$(scrape "http://127.0.0.1:$p5/metrics" "$tmp/m17")
	series=$(grep -c '^netstats_tcp_all_socket_bytes_received_total{' "$tmp/m17")
	socks=$(value "$tmp/m17" netstats_tcp_all_sockets)
	dropped=$(value "$tmp/m17" netstats_exporter_tcp_all_sockets_dropped_total)
	echo "# max-sockets=1: $series series, $socks sockets, $dropped dropped"
	check "--collector.tcp-all.max-sockets=1: one socket's series, the others counted as dropped" \
		[ "$code" = 200 -a "$series" = 1 -a "${dropped:-0}" -ge 1 -a \
		  "$dropped" = $((socks - 1)) ]
	kill -TERM "$epid"
	wait "$epid"
else
	fail "tcp-all max-sockets: the exporter does not start"
fi

# --- targets that come and go: a veth's qdisc, a netdevsim device's queue ---
echo "# $SECONDS s so far"
# Both absent when the exporter starts; created, traffic, compared with tc
# and sysfs; deleted (down); created again (back, with new values). The
# exporter serves without any capability all along: the retries need none.
VETH=nsxa
NSIM=nsxn0
NSIM_ID=7411
p6=$((PORT + 6))
qup="{group=\"qdisc\",device=\"$VETH\",handle=\"1:\"}"
qlab="{device=\"$VETH\",handle=\"1:\"}"
nup="{group=\"queue/tx\",device=\"$NSIM\",queue=\"0\",direction=\"tx\"}"
nlab="{device=\"$NSIM\",queue=\"0\",direction=\"tx\"}"

veth_make() {
	ip link add "$VETH" type veth peer name "${VETH}p" || return 1
	sysctl -qw "net.ipv6.conf.$VETH.disable_ipv6=1"
	sysctl -qw "net.ipv6.conf.${VETH}p.disable_ipv6=1"
	tc qdisc replace dev "$VETH" root handle 1: fq_codel || return 1
	ip addr add 198.51.100.1/24 dev "$VETH"
	ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:02 dev "$VETH" \
		nud permanent
	ip link set "${VETH}p" up
	ip link set "$VETH" up
}

# A netdevsim device of one queue, no peer: what it sends it drops.
nsim_make() {
	local d=/sys/bus/netdevsim/devices/netdevsim$NSIM_ID/net i dev

	echo "$NSIM_ID 1 1" >/sys/bus/netdevsim/new_device || return 1
	udevadm settle 2>/dev/null
	# udev may still rename the port between our look and our rename
	# (seen on the debug kernel: "eth0" gone): look again then.
	for i in $(seq 50); do
		dev=$(ls "$d" 2>/dev/null | head -1)
		[ "$dev" = "$NSIM" ] && break
		[ -n "$dev" ] && ip link set "$dev" name "$NSIM" 2>/dev/null &&
			break
		sleep 0.1
	done
	[ -e "$d/$NSIM" ] || return 1
	sysctl -qw "net.ipv6.conf.$NSIM.disable_ipv6=1"
	ip addr add 203.0.113.1/24 dev "$NSIM"
	ip neigh replace 203.0.113.2 lladdr 02:00:00:00:00:03 dev "$NSIM" \
		nud permanent
	ip link set "$NSIM" up
}

nsim_del() {
	echo "$NSIM_ID" >/sys/bus/netdevsim/del_device
}

# send ADDR N: N UDP datagrams of one byte.
send() {
	local i

	for i in $(seq "$2"); do
		echo -n x >"/dev/udp/$1/9"
	done 2>/dev/null
}

# wait_value METRIC LABELS WANT: scrape until the sample is WANT (for 20
# s at most: rtnetlink hastens the retries, the backoff alone would be
# there within 15 s); its last value in $got.
wait_value() {
	local t=$((SECONDS + 20))

	while :; do
		scrape "http://127.0.0.1:$p6/metrics" "$tmp/mw" >/dev/null
		got=$(value "$tmp/mw" "$1" "$2")
		[ "$got" = "$3" ] && return 0
		[ $SECONDS -lt $t ] || return 1
		sleep 0.2
	done
}

# wait_both WANT: both targets' netstats_object_up reach WANT (each
# waited for, whatever the other did).
wait_both() {
	local q= d=

	wait_value netstats_object_up "$qup" "$1" && q=ok
	wait_value netstats_object_up "$nup" "$1" && d=ok
	[ "$q" = ok -a "$d" = ok ]
}

# The packets of qdisc 1: as tc -s shows them ("Sent B bytes P pkt").
tc_packets() {
	tc -s qdisc show dev "$VETH" |
		awk '$1 == "qdisc" { q = $3 == "1:" }
		     q && $1 == "Sent" { print $4; exit }'
}

# one ROUND N M: N datagrams through the veth, M through netdevsim; the
# exporter's values equal tc's and sysfs'.
one() {
	local round=$1 vp np want

	send 198.51.100.2 "$2"
	send 203.0.113.2 "$3"
	sleep 0.3	# quiescent: the qdisc's period is 100 ms
	vp=$(tc_packets)
	want=$(cat "/sys/class/net/$VETH/statistics/tx_packets")
	wait_value netstats_qdisc_packets_total "$qlab" "$vp"
	echo "# $round: qdisc packets: exporter '$got', tc '$vp', sysfs tx_packets '$want'"
	check "$round: qdisc $VETH 1: packets: exporter = tc -s qdisc = sysfs tx_packets ($vp)" \
		[ "$got" = "$vp" -a "$vp" = "$want" -a "$vp" -ge "$2" ]
	np=$(cat "/sys/class/net/$NSIM/statistics/tx_dropped")
	wait_value netstats_queue_tx_hw_drops_total "$nlab" "$np"
	echo "# $round: netdevsim tx drops: exporter '$got', sysfs tx_dropped '$np'"
	check "$round: netdevsim $NSIM tx queue 0 hw_drops: exporter = sysfs tx_dropped ($np)" \
		[ "$got" = "$np" -a "$np" -ge "$3" ]
}

if ! command -v tc >/dev/null; then
	skip "targets that come and go: no tc"
elif [ ! -e /sys/bus/netdevsim ] && ! modprobe netdevsim 2>/dev/null &&
     [ ! -e /sys/bus/netdevsim ]; then
	skip "targets that come and go: no netdevsim"
elif ip link show "$VETH" >/dev/null 2>&1 || ip link show "$NSIM" >/dev/null 2>&1; then
	fail "targets that come and go: $VETH or $NSIM exists already"
elif ! start_exporter "$tmp/e8.log" -l "127.0.0.1:$p6" \
		"qdisc/$VETH/1:0@period-ms=100" "$NSIM/queue/tx/0" "$cname"; then
	fail "targets that come and go: the exporter does not start without them"
else
	e8=$epid
	code=$(scrape "http://127.0.0.1:$p6/metrics" "$tmp/m18")
	check "absent at start: served, both down with an error counted, no series" \
		[ "$code" = 200 -a \
		  "$(value "$tmp/m18" netstats_object_up "$qup")" = 0 -a \
		  "$(value "$tmp/m18" netstats_object_up "$nup")" = 0 -a \
		  "$(value "$tmp/m18" netstats_exporter_register_errors_total "$qup")" -ge 1 -a \
		  "$(value "$tmp/m18" netstats_exporter_register_errors_total "$nup")" -ge 1 -a \
		  -z "$(grep -E '^netstats_(qdisc|queue_tx)_' "$tmp/m18")" -a \
		  "$(value "$tmp/m18" netstats_object_up "$(uplabels "$cname")")" = 1 ]
	t0=$(date +%s)
	if veth_make && nsim_make; then
		wait_both 1 && both=ok || both=
		echo "# created: both up after $(($(date +%s) - t0)) s"
		check "created after start: both registered (object_up 1)" \
			[ "$both" = ok ]
		one "first" 7 5
		v1=$(value "$tmp/mw" netstats_queue_tx_hw_drops_total "$nlab")

		ip link del "$VETH"
		nsim_del
		wait_both 0 && both=ok || both=
		# The GET that saw a death served its final values: not this one.
		scrape "http://127.0.0.1:$p6/metrics" "$tmp/mw" >/dev/null
		check "deleted: both down, the other targets served" \
			[ "$both" = ok -a \
			  "$(value "$tmp/mw" netstats_object_up "$(uplabels "$cname")")" = 1 -a \
			  -z "$(grep -E '^netstats_(qdisc|queue_tx)_' "$tmp/mw")" ]

		t0=$(date +%s)
		if veth_make && nsim_make; then
			wait_both 1 && both=ok || both=
			echo "# created again: both up after $(($(date +%s) - t0)) s"
			check "created again: both registered again" \
				[ "$both" = ok ]
			one "again" 3 2
			v2=$(value "$tmp/mw" netstats_queue_tx_hw_drops_total "$nlab")
			check "again: new values (netdevsim drops $v1, then $v2)" \
				[ -n "$v2" -a "$v2" != "$v1" ]
		else
			fail "created again: veth or netdevsim"
		fi
		if [ -n "$promtool" ]; then
			check "come and go: promtool check metrics" \
				"$promtool" check metrics <"$tmp/mw"
		fi
		dead=$(value "$tmp/mw" netstats_exporter_dead_total)
		check "2 deaths counted ($dead)" [ "$dead" = 2 ]
	else
		fail "created after start: veth or netdevsim"
	fi
	bad=
	for f in CapInh CapPrm CapEff CapAmb; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' /proc/"$e8"/status)
		[ "$v" = 0000000000000000 ] || bad+=" $f=$v"
	done
	check "registered again without any capability${bad:+:$bad}" [ -z "$bad" ]
	sed 's/^/# /' "$tmp/e8.log" | tail -20
	ip link del "$VETH" 2>/dev/null
	nsim_del 2>/dev/null
	kill -TERM "$e8"
	wait "$e8"
fi

echo "# exporter.sh: $SECONDS s"
echo "1..$n"
[ $ret = 0 -a $skipped = 1 -a -z "$promtool" ] && exit $ksft_skip
exit $ret
