// SPDX-License-Identifier: GPL-2.0
/*
 * netstats benchmarks (not a test: run by "make bench" in the VM).
 * Every figure is printed as "bench: <name>: <value> <unit>"; ratios
 * compare costs measured in this same run, since absolute times in a
 * TCG guest mean little.
 *
 *   netstats_bench [BENCH...]   default: all
 *   (udp-send query ip tcp tcp-all)
 *   netstats_bench --insns [REPEAT]
 *	instruction counts between markers, for tooling/insncount.c in a
 *	one-vCPU TCG guest (see insns() below); REPEAT runs of each, 3 by
 *	default
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/inet_diag.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "nsnl.h"
#include "libnetstats.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef int (*bench_fn)(void *ctx);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define ROUNDS	9

/*
 * The per-call cost of @fn, in ns: the fastest of ROUNDS rounds.  Under
 * TCG a round is slowed down by whatever else the host runs, never sped
 * up, so the minimum is the stable figure (the median of five moved by
 * half from boot to boot).
 */
static double measure(bench_fn fn, void *ctx, int iters)
{
	double r[ROUNDS];
	int i, j;

	fn(ctx);	/* warm up */
	for (i = 0; i < ROUNDS; i++) {
		double t = now_ns();

		for (j = 0; j < iters; j++)
			if (fn(ctx))
				return -1;
		r[i] = (now_ns() - t) / iters;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	return r[0];
}

static int bench_getppid(void *ctx)
{
	(void)ctx;
	syscall(SYS_getppid);
	return 0;
}

static int read_parse(const char *path)
{
	static char buf[16384];
	unsigned long long v, sum = 0;
	ssize_t n;
	char *p;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Parse every number, as a collector does. */
	for (p = buf; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			v = strtoull(p, &p, 10);
			sum += v;
			if (!*p)
				break;
		}
	}
	return sum == 0xdeadbeef;
}

static int bench_proc_snmp(void *ctx)
{
	(void)ctx;
	return read_parse("/proc/net/snmp");
}

/* What the ip group holds: /proc/net/snmp and /proc/net/netstat. */
static int bench_proc_snmp_netstat(void *ctx)
{
	(void)ctx;
	return read_parse("/proc/net/snmp") | read_parse("/proc/net/netstat");
}

static int bench_ip_snapshot(void *ctx)
{
	static __u64 vals[512];

	return netstats_reg__snapshot(ctx, vals, 512, NULL) < 0;
}

/* The whole ip group, every counter folded over the CPUs, vs /proc. */
static void bench_ip(void)
{
	double snmp, both, snap;
	struct netstats_reg *reg;
	struct netstats_handle *h;

	h = netstats__open();
	if (!h) {
		printf("bench: netstats family absent: ip skipped\n");
		return;
	}
	reg = netstats__register(h, "ip");
	if (!reg) {
		printf("bench: ip: register failed: %s\n",
		       netstats__last_error(h));
		netstats__close(h);
		return;
	}
	snmp = measure(bench_proc_snmp, NULL, 2000);
	both = measure(bench_proc_snmp_netstat, NULL, 2000);
	snap = measure(bench_ip_snapshot, reg, 20000);
	printf("bench: ip-group-snapshot-%zu-counters-%u-cpus: %.0f ns/op\n",
	       netstats_reg__counter_cnt(reg), netstats_reg__ncpus(reg), snap);
	printf("bench: proc-net-snmp-netstat-read-parse: %.0f ns/op\n", both);
	printf("bench: proc-net-snmp-per-ip-group-snapshot: %.1f ratio\n",
	       snmp / snap);
	printf("bench: proc-net-snmp-netstat-per-ip-group-snapshot: %.1f ratio\n",
	       both / snap);
	netstats_reg__unregister(reg);
	netstats__close(h);
}

static int bench_query_dump(void *ctx)
{
	struct nsnl *s = ctx;
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_QUERY, NLM_F_DUMP);
	return nsnl_talk(s, nlh, NULL, NULL);
}

struct udp_ctx {
	int fd;
	struct sockaddr_in dst;
};

static int bench_udp_send(void *ctx)
{
	struct udp_ctx *u = ctx;
	char b[64] = {};

	return sendto(u->fd, b, sizeof(b), 0, (void *)&u->dst,
		      sizeof(u->dst)) != sizeof(b);
}

static int bench_tcp_info(void *ctx)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(*(int *)ctx, IPPROTO_TCP, TCP_INFO, &ti, &len);
}

static int bench_tcp_snapshot(void *ctx)
{
	__u64 vals[16];

	return netstats_reg__snapshot(ctx, vals, 16, NULL) < 0;
}

/* Enter a network namespace of our own, with loopback up. */
static int netns_lo_up(void)
{
	struct ifreq ifr = {};
	int fd;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return 0;
}

/* A connected loopback pair in a private netns; returns the client. */
static int tcp_pair(int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, c;

	if (netns_lo_up())
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len))
		return -1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof(a)))
		return -1;
	*srv = accept(l, NULL, NULL);
	close(l);
	return c;
}

/* tcp_pair() with TCP_NODELAY on both ends: the request-response pair. */
static int rr_pair(int *srv)
{
	int c = tcp_pair(srv), one = 1;

	if (c < 0)
		return c;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

static void bench_tcp(void)
{
	struct netstats_reg *reg;
	struct netstats_handle *h;
	double info, snap;
	char name[32];
	int c, srv;

	c = tcp_pair(&srv);
	if (c < 0) {
		printf("bench: tcp: no loopback pair: skipped\n");
		return;
	}
	h = netstats__open();
	if (!h) {
		printf("bench: netstats family absent: tcp skipped\n");
		return;
	}
	snprintf(name, sizeof(name), "tcp/fd:%d", c);
	reg = netstats__register(h, name);
	if (!reg) {
		printf("bench: tcp: register failed: %s\n",
		       netstats__last_error(h));
		netstats__close(h);
		return;
	}
	info = measure(bench_tcp_info, &c, 20000);
	snap = measure(bench_tcp_snapshot, reg, 200000);
	printf("bench: tcp-info-getsockopt: %.0f ns/op\n", info);
	printf("bench: tcp-stats-snapshot-13-counters: %.1f ns/op\n", snap);
	printf("bench: tcp-info-per-tcp-stats-snapshot: %.1f ratio\n",
	       info / snap);
	netstats_reg__unregister(reg);
	netstats__close(h);
	close(c);
	close(srv);
}

/* --- tcp-all: every socket's counters, directory vs inet_diag ----------- */

/* Connections of the tcp-all benchmarks: 5,000, and 500 and 50,000 for
 * the scale of --insns.
 */
static unsigned int all_conns_n = 5000;
#define ALL_CONNS	all_conns_n
#define ALL_SOCKS	(2 * ALL_CONNS)

/* The TCP_INFO counters both ways read, summed so nothing is optimised. */
static const char *const all_ctrs[] = {
	"bytes_received", "segs_in", "data_segs_in", "segs_out",
	"data_segs_out", "bytes_sent", "bytes_acked", "dsack_dups",
};

#define ALL_NCTRS	8

struct all_sum {
	unsigned int socks;
	__u64 sum[ALL_NCTRS];
};

struct dir_ctx {
	struct netstats_reg *reg;
	int idx[ALL_NCTRS];
	size_t nvals;		/* counters to snapshot: up to the last idx */
	struct all_sum s;
};

static int dir_sock_cb(const struct netstats_reg *reg,
		       const struct netstats_sock *sock, void *ctx)
{
	struct dir_ctx *d = ctx;
	__u64 vals[32];
	int i;

	if (netstats_sock__snapshot(reg, sock, vals, d->nvals, NULL) < 0)
		return 0;	/* freed meanwhile: not a socket any more */
	for (i = 0; i < ALL_NCTRS; i++)
		d->s.sum[i] += vals[d->idx[i]];
	d->s.socks++;
	return 0;
}

static int bench_dir_scan(void *ctx)
{
	struct dir_ctx *d = ctx;

	memset(&d->s, 0, sizeof(d->s));
	return netstats_reg__foreach_sock(d->reg, dir_sock_cb, d) < 0;
}

/* The same sums by the inline scan (libnetstats 0.5.0): no call per socket. */
static int bench_dir_scan_inline(void *ctx)
{
	struct netstats_sock_scan sc = { .sz = sizeof(sc) };
	struct dir_ctx *d = ctx;
	__u64 vals[32], sum[ALL_NCTRS] = {};
	unsigned int socks = 0;
	int i, idx[ALL_NCTRS];

	/*
	 * The sums and indexes in locals, the loop unrolled: what a reader
	 * writes, not a loop reloading d through memory the scan's calls
	 * might have changed (7 of the 14 instructions per socket and
	 * counter were that).
	 */
	memcpy(idx, d->idx, sizeof(idx));
	if (netstats_reg__counter_cnt(d->reg) > 32 ||
	    netstats_reg__sock_scan(d->reg, &sc))
		return -1;
	while (netstats_sock_scan__next(&sc, vals) > 0) {
#pragma GCC unroll 8
		for (i = 0; i < ALL_NCTRS; i++)
			sum[i] += vals[idx[i]];
		socks++;
	}
	memcpy(d->s.sum, sum, sizeof(sum));
	d->s.socks = socks;
	return 0;
}

struct diag_ctx {
	int fd;
	char *buf;
	size_t len;
	struct all_sum s;
};

/* What ss -tni asks for: TCP sockets of AF_INET but listeners, with info. */
static int diag_dump(struct diag_ctx *d)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh.nlmsg_len = sizeof(req),
		.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.r.sdiag_family = AF_INET,
		.r.sdiag_protocol = IPPROTO_TCP,
		.r.idiag_ext = 1 << (INET_DIAG_INFO - 1),
		.r.idiag_states = 0xfff & ~(1 << 10),	/* TCP_LISTEN */
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	ssize_t n;

	memset(&d->s, 0, sizeof(d->s));
	if (sendto(d->fd, &req, sizeof(req), 0, (void *)&nl, sizeof(nl)) < 0)
		return -1;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(d->fd, d->buf, d->len, 0);
		if (n < 0)
			return -1;
		for (h = (void *)d->buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			for (a = (void *)(m + 1); RTA_OK(a, alen);
			     a = RTA_NEXT(a, alen)) {
				struct tcp_info ti = {};
				size_t l = RTA_PAYLOAD(a);

				if (a->rta_type != INET_DIAG_INFO)
					continue;
				memcpy(&ti, RTA_DATA(a),
				       l < sizeof(ti) ? l : sizeof(ti));
				d->s.sum[0] += ti.tcpi_bytes_received;
				d->s.sum[1] += ti.tcpi_segs_in;
				d->s.sum[2] += ti.tcpi_data_segs_in;
				d->s.sum[3] += ti.tcpi_segs_out;
				d->s.sum[4] += ti.tcpi_data_segs_out;
				d->s.sum[5] += ti.tcpi_bytes_sent;
				d->s.sum[6] += ti.tcpi_bytes_acked;
				d->s.sum[7] += ti.tcpi_dsack_dups;
				d->s.socks++;
			}
		}
	}
}

static int bench_diag_dump(void *ctx)
{
	return diag_dump(ctx);
}

/* ss -tni, output read and its lines counted, as a collector would. */
static int bench_ss(void *ctx)
{
	unsigned int *lines = ctx;
	char line[1024];
	FILE *f;

	f = popen("ss -tni 2>/dev/null", "r");
	if (!f)
		return -1;
	*lines = 0;
	while (fgets(line, sizeof(line), f))
		(*lines)++;
	return pclose(f) ? -1 : 0;
}

#define ALL_PORT0	1024	/* the clients' ports: ALL_PORT0 + i */

/* ALL_CONNS loopback connections, in a netns of their own, some traffic. */
static int all_conns(int *fds)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in c = { .sin_family = AF_INET };
	struct rlimit rl = { ALL_SOCKS + 1024, ALL_SOCKS + 1024 };
	char b[997] = {};
	int l, i;

	if (setrlimit(RLIMIT_NOFILE, &rl) || netns_lo_up())
		return -1;
	/* The listener above the clients' ports. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(ALL_PORT0 + ALL_CONNS);
	c.sin_addr = a.sin_addr;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 128))
		return -1;
	for (i = 0; i < (int)ALL_CONNS; i++) {
		/* Each client on a port of its own: connect()'s search for a
		 * free ephemeral port grows with the connections to the same
		 * peer, quadratic in all (100,000 sockets took > 10 min).
		 */
		c.sin_port = htons(ALL_PORT0 + i);
		fds[2 * i] = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(fds[2 * i], (void *)&c, sizeof(c)) ||
		    connect(fds[2 * i], (void *)&a, sizeof(a)))
			return -1;
		fds[2 * i + 1] = accept(l, NULL, NULL);
		if (fds[2 * i + 1] < 0)
			return -1;
		/* A few bytes each way: counters that are not all zero. */
		if (send(fds[2 * i], b, 1 + i % 997, 0) != 1 + i % 997 ||
		    recv(fds[2 * i + 1], b, 1 + i % 997, MSG_WAITALL) !=
		    1 + i % 997)
			return -1;
	}
	close(l);
	return 0;
}

/*
 * ALL_CONNS connections in a new netns, a tcp-all registration and a
 * NETLINK_SOCK_DIAG socket, both ways checked to read the same values.
 */
/* MemFree of /proc/meminfo in bytes, -1 if unknown. */
static long long mem_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kb = -1;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static int tcp_all_setup(struct dir_ctx *d, struct diag_ctx *dg, int **fds,
			 struct netstats_handle **h)
{
	long long free0;
	int i;

	*fds = calloc(ALL_SOCKS, sizeof(**fds));
	dg->len = 65536;
	dg->buf = malloc(dg->len);
	if (!*fds || !dg->buf || all_conns(*fds)) {
		printf("bench: tcp-all: cannot open %d connections: skipped\n",
		       ALL_CONNS);
		return -1;
	}
	*h = netstats__open();
	if (!*h) {
		printf("bench: netstats family absent: tcp-all skipped\n");
		return -1;
	}
	free0 = mem_free();
	d->reg = netstats__register(*h, "tcp-all");
	/* What following ALL_SOCKS sockets costs the kernel, all included
	 * (slots, sequence-number slots, directory entries, page tables
	 * of the map, the registration): MemFree before and after, which
	 * moves by tens of kB on its own: not for fewer than 10,000.
	 */
	if (d->reg && free0 > 0 && ALL_SOCKS >= 10000)
		printf("bench: tcp-all-memory %u sockets: %.0f bytes per socket\n",
		       ALL_SOCKS, (double)(free0 - mem_free()) / ALL_SOCKS);
	if (!d->reg) {
		printf("bench: tcp-all: register failed: %s\n",
		       netstats__last_error(*h));
		return -1;
	}
	for (i = 0; i < ALL_NCTRS; i++) {
		d->idx[i] = netstats_reg__find(d->reg, all_ctrs[i]);
		if (d->idx[i] < 0 || d->idx[i] >= 32) {
			printf("bench: tcp-all: no counter %s\n", all_ctrs[i]);
			return -1;
		}
		if ((size_t)d->idx[i] + 1 > d->nvals)
			d->nvals = d->idx[i] + 1;
	}
	/* All of them, as the read plan copies them (if they fit). */
	if (netstats_reg__counter_cnt(d->reg) <= 32)
		d->nvals = netstats_reg__counter_cnt(d->reg);
	dg->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_SOCK_DIAG);
	if (dg->fd < 0) {
		printf("bench: tcp-all: no NETLINK_SOCK_DIAG: skipped\n");
		return -1;
	}
	/* Both ways read the same sockets and the same values. */
	if (bench_dir_scan(d) || diag_dump(dg) ||
	    d->s.socks != ALL_SOCKS || dg->s.socks != ALL_SOCKS ||
	    memcmp(d->s.sum, dg->s.sum, sizeof(d->s.sum)))
		printf("bench: tcp-all: differ: %u/%u sockets, bytes_received %llu/%llu\n",
		       d->s.socks, dg->s.socks,
		       (unsigned long long)d->s.sum[0],
		       (unsigned long long)dg->s.sum[0]);
	/* ... and so does the inline scan. */
	if (bench_dir_scan_inline(d) || d->s.socks != ALL_SOCKS ||
	    memcmp(d->s.sum, dg->s.sum, sizeof(d->s.sum)))
		printf("bench: tcp-all: inline scan differs: %u sockets, bytes %llu/%llu\n",
		       d->s.socks, (unsigned long long)d->s.sum[0],
		       (unsigned long long)dg->s.sum[0]);
	return 0;
}

static void tcp_all_teardown(struct diag_ctx *dg, int *fds, struct netstats_handle *h)
{
	int i;

	if (dg->fd > 0)
		close(dg->fd);
	if (h)
		netstats__close(h);
	for (i = 0; fds && i < (int)ALL_SOCKS; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(fds);
	free(dg->buf);
}

static void bench_tcp_all(void)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats_handle *h = NULL;
	struct dir_ctx d = {};
	double dir, diag, ss, inl;
	unsigned int lines;
	int *fds = NULL;

	if (tcp_all_setup(&d, &dg, &fds, &h))
		goto out;
	dir = measure(bench_dir_scan, &d, 20);
	diag = measure(bench_diag_dump, &dg, 2);
	printf("bench: tcp-all-directory-%u-sockets-%d-counters: %.0f ns/op (%.1f ns/socket)\n",
	       d.s.socks, ALL_NCTRS, dir, dir / d.s.socks);
	inl = measure(bench_dir_scan_inline, &d, 20);
	printf("bench: tcp-all-inline-scan-%u-sockets-%d-counters: %.0f ns/op (%.1f ns/socket)\n",
	       d.s.socks, ALL_NCTRS, inl, inl / d.s.socks);
	printf("bench: inet-diag-dump-info-%u-sockets: %.0f ns/op (%.1f ns/socket)\n",
	       dg.s.socks, diag, diag / dg.s.socks);
	printf("bench: inet-diag-dump-per-tcp-all-directory-scan: %.1f ratio\n",
	       diag / dir);
	ss = measure(bench_ss, &lines, 1);
	if (ss > 0) {
		printf("bench: ss-tni-%u-lines: %.0f ns/op\n", lines, ss);
		printf("bench: ss-tni-per-tcp-all-directory-scan: %.1f ratio\n",
		       ss / dir);
	} else {
		printf("bench: ss -tni failed: skipped\n");
	}
out:
	tcp_all_teardown(&dg, fds, h);
}

/* --- instruction counts (make bench, one vCPU, tooling/insncount.c) ---- */

/*
 * Each measurement is N iterations of one operation between two markers,
 * the 8-byte no-ops "nopl 0x4e5354XX(%rax,%rax,1)" that the QEMU plugin
 * logs with the guest's running instruction count (XX = 01 begin, 02
 * end).  Before each pair this program prints
 *
 *	insns-run: <name> <iterations> <scale>
 *
 * and the host pairs the k-th such line with the k-th pair of markers:
 * the figure is (end - begin) / iterations / scale.  Everything the vCPU
 * executes in between counts (kernel, softirqs, other tasks, timer
 * ticks), so each run is repeated and the host takes the median; the
 * empty loop shows what the loop itself costs.
 */
/* The plugin's markers: 01 before the iterations, 02 after them. */
static inline void mark_begin(void)
{
	asm volatile(".byte 0x0f,0x1f,0x84,0x00,0x01,0x54,0x53,0x4e" ::: "memory");
}

static inline void mark_end(void)
{
	asm volatile(".byte 0x0f,0x1f,0x84,0x00,0x02,0x54,0x53,0x4e" ::: "memory");
}

static int repeat = 5;
static const char *insns_only;	/* NETSTATS_INSNS_ONLY: runs' names, a,b */

/* @name is a run that NETSTATS_INSNS_ONLY selects (or it is unset). */
static bool selected(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!insns_only)
		return true;
	for (p = insns_only; (p = strstr(p, name)); p += n)
		if ((p == insns_only || p[-1] == ',') &&
		    (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* Some selected run's name contains @part. */
static bool selected_part(const char *part)
{
	return !insns_only || strstr(insns_only, part);
}

/*
 * Runs @body @n times between the markers, @repeat times; @scale
 * divides the per-iteration figure further (counters, sockets).
 */
#define RUN(name, n, scale, body) do {					\
	const char *name_ = (name);					\
	long n_ = (n);							\
									\
	if (!selected(name_))						\
		break;							\
	for (int r_ = 0; r_ < repeat; r_++) {				\
		printf("insns-run: %s %ld %ld\n", name_, n_,		\
		       (long)(scale));					\
		fflush(stdout);						\
		mark_begin();						\
		for (long i_ = 0; i_ < n_; i_++) {			\
			body;						\
		}							\
		mark_end();						\
	}								\
} while (0)

static void fail(const char *what)
{
	printf("insns-skip: %s: %s\n", what, strerror(errno));
	fflush(stdout);
}

/* One 1-byte request and its 1-byte response, both in this task. */
static int rr(int c, int s)
{
	char b = 'x';

	return send(c, &b, 1, 0) != 1 || recv(s, &b, 1, 0) != 1 ||
	       send(s, &b, 1, 0) != 1 || recv(c, &b, 1, 0) != 1;
}

#define STREAM_CHUNK	65536

static char stream_buf[STREAM_CHUNK];

/* 64 KiB sent and received in full. */
static int stream(int c, int s)
{
	ssize_t n, got = 0;

	if (send(c, stream_buf, STREAM_CHUNK, 0) != STREAM_CHUNK)
		return -1;
	while (got < STREAM_CHUNK) {
		n = recv(s, stream_buf, STREAM_CHUNK - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* The writer's cost: TCP_RR and a stream, with @tag naming the setup. */
static void writer(const char *tag, int c, int s)
{
	char name[64];
	int i, err = 0;

	for (i = 0; i < 200; i++)	/* warm-up: caches, windows, routes */
		err |= rr(c, s) | stream(c, s);
	if (err) {
		fail(tag);
		return;
	}
	snprintf(name, sizeof(name), "tcp-rr-1B%s", tag);
	RUN(name, 2000, 1, err |= rr(c, s));
	snprintf(name, sizeof(name), "tcp-stream-64KiB%s", tag);
	RUN(name, 100, 1, err |= stream(c, s));
	if (err)
		fail(tag);
}

#define READERS	100

/*
 * The pair @c/@s registered by @nreg netlink sockets (each its own
 * netstats handle, as separate reader processes would be).
 */
static struct netstats_reg *register_pair(struct netstats_handle **h, int nreg,
					  int c, int s)
{
	struct netstats_reg *first = NULL, *reg;
	char name[32];
	int i, fd;

	for (i = 0; i < nreg; i++) {
		h[i] = netstats__open();
		if (!h[i])
			return NULL;
		for (fd = c; fd >= 0; fd = fd == c ? s : -1) {
			snprintf(name, sizeof(name), "tcp/fd:%d", fd);
			reg = netstats__register(h[i], name);
			if (!reg) {
				printf("insns-skip: register %s: %s\n", name,
				       netstats__last_error(h[i]));
				return NULL;
			}
			if (!first)
				first = reg;
		}
	}
	return first;
}

static void close_all(struct netstats_handle **h, int n)
{
	while (n--)
		if (h[n])
			netstats__close(h[n]);
}

static void insns_tcp(void)
{
	struct netstats_handle *h[READERS] = {};
	const struct netstats_plan *plan;
	struct netstats_ref ref;
	struct netstats_reg *reg;
	__u64 vals[16], v;
	int c, s, err = 0;
	size_t cnt;

	c = rr_pair(&s);
	if (c < 0) {
		fail("tcp pair");
		return;
	}
	writer("", c, s);

	RUN("tcp-info-getsockopt", 1000, 1, err |= bench_tcp_info(&c));
	RUN("proc-net-snmp-read-parse", 50, 1,
	    err |= bench_proc_snmp(NULL));
	if (err)
		fail("anchors");

	reg = register_pair(h, 1, c, s);
	if (!reg) {
		printf("insns-skip: netstats: no tcp registration\n");
		goto out_close;
	}
	writer("-registered", c, s);

	cnt = netstats_reg__counter_cnt(reg);
	RUN("tcp-snapshot", 20000, 1,
	    err |= netstats_reg__snapshot(reg, vals, 16, NULL) < 0);
	RUN("tcp-read-1-counter", 20000, 1,
	    err |= netstats_reg__read(reg, 0, &v));
	plan = netstats_reg__plan(reg);
	RUN("tcp-plan-snapshot", 20000, 1,
	    err |= netstats_plan__snapshot(plan, vals, NULL) < 0);
	RUN("tcp-plan-read-1-counter", 20000, 1,
	    err |= netstats_plan__read(plan, 0, &v));
	ref = netstats_plan__ref(plan, 0);
	RUN("tcp-ref-read-1-counter", 20000, 1,
	    err |= netstats_ref__read(ref, &v));
	printf("insns-info: tcp-snapshot counters %zu plan fast %u runs",
	       cnt, plan->fast);
	for (unsigned int i = 0; i < plan->nruns; i++)
		printf(" %u@%u:op%u", plan->run[i].index, plan->run[i].offset,
		       plan->run[i].op);
	printf("\n");
	if (err)
		fail("tcp snapshot");

	if (register_pair(h + 1, READERS - 1, c, s))
		writer("-100-readers", c, s);
out_close:
	close_all(h, READERS);
	close(c);
	close(s);
}

/* The public tcp counters, in the group's order: selections of 1 to 8. */
static const char *const tcp_public[] = {
	"bytes_received", "bytes_sent", "bytes_acked", "segs_in",
	"data_segs_in", "segs_out", "data_segs_out", "dsack_dups",
};

/* Register @fd's first @k public counters through @h. */
static struct netstats_reg *register_sel(struct netstats_handle *h, int fd,
					 size_t k)
{
	struct netstats_reg_opts o = {
		.sz = sizeof(o), .counters = tcp_public, .counter_cnt = k,
	};
	struct netstats_reg *reg;
	char name[32];

	snprintf(name, sizeof(name), "tcp/fd:%d", fd);
	reg = netstats__register_opts(h, name, &o);
	if (!reg)
		printf("insns-skip: register %s with %zu counters: %s\n", name,
		       k, netstats__last_error(h));
	return reg;
}

/* The netstats group's row_bytes once its 10 ms update caught up. */
static long long row_bytes(const struct netstats_reg *self, int idx)
{
	__u64 v;

	usleep(50000);
	return netstats_reg__read(self, idx, &v) ? -1 : (long long)v;
}

/*
 * TCP_RR with both sockets registered with a selection of two counters
 * (bytes_received, bytes_sent: rows, no slot), next to tcp-rr-1B-
 * registered's 13; then the kernel memory of the rows of one socket by
 * selection size, from the netstats group's row_bytes (the rows only:
 * struct tcp_netstats_sel is kmalloc'd besides).
 */
static void insns_tcp_sel(void)
{
	struct netstats_handle *h, *hk;
	struct netstats_reg *self;
	long long before, after;
	int c, s, c2, s2, idx;
	size_t k;

	c = rr_pair(&s);
	if (c < 0) {
		fail("tcp pair");
		return;
	}
	h = netstats__open();
	if (!h || !register_sel(h, c, 2) || !register_sel(h, s, 2)) {
		printf("insns-skip: netstats: no tcp selection\n");
		goto out;
	}
	writer("-sel2", c, s);

	self = netstats__register(h, "netstats@period-ms=10");
	idx = self ? netstats_reg__find(self, "row_bytes") : -1;
	if (idx < 0) {
		printf("insns-skip: netstats group row_bytes: %s\n",
		       netstats__last_error(h));
		goto out;
	}
	for (k = 1; k <= 8; k++) {
		c2 = tcp_pair(&s2);
		hk = c2 < 0 ? NULL : netstats__open();
		before = row_bytes(self, idx);
		if (!hk || !register_sel(hk, s2, k)) {
			fail("tcp selection memory");
			break;
		}
		after = row_bytes(self, idx);
		printf("insns-info: tcp-sel-row-bytes-per-socket counters %zu bytes %lld\n",
		       k, after - before);
		netstats__close(hk);
		close(c2);
		close(s2);
	}
out:
	if (h)
		netstats__close(h);
	close(c);
	close(s);
}

static const char *const ip_two[] = { "IpInReceives", "IpOutRequests" };
static const struct netstats_reg_opts ip_sel = {
	.sz = sizeof(ip_sel), .counters = ip_two, .counter_cnt = 2,
};

static void insns_ip(void)
{
	static __u64 vals[1024];
	struct netstats_reg *reg;
	struct netstats_handle *h;
	int err = 0;

	h = netstats__open();
	if (!h) {
		printf("insns-skip: netstats family absent\n");
		return;
	}
	reg = netstats__register(h, "ip");
	if (!reg) {
		fail("ip register");
		netstats__close(h);
		return;
	}
	RUN("ip-snapshot-per-counter-cpu", 1000, netstats_reg__counter_cnt(reg) *
	    netstats_reg__ncpus(reg),
	    err |= netstats_reg__snapshot(reg, vals, 1024, NULL) < 0);
	RUN("ip-plan-snapshot-per-counter-cpu", 1000,
	    netstats_reg__counter_cnt(reg) * netstats_reg__ncpus(reg),
	    err |= netstats_plan__snapshot(netstats_reg__plan(reg), vals,
					   NULL) < 0);
	printf("insns-info: ip-snapshot counters %zu cpus %u\n",
	       netstats_reg__counter_cnt(reg), netstats_reg__ncpus(reg));
	if (err)
		fail("ip snapshot");

	/* A selection of two: the same MIB, two counters folded per CPU. */
	reg = netstats__register_opts(h, "ip", &ip_sel);
	if (!reg) {
		printf("insns-skip: ip selection: %s\n", netstats__last_error(h));
	} else {
		RUN("ip-plan-snapshot-2-selected", 1000, 1,
		    err |= netstats_plan__snapshot(netstats_reg__plan(reg),
						   vals, NULL) < 0);
		if (err || netstats_reg__counter_cnt(reg) != 2)
			fail("ip selection snapshot");
	}
	netstats__close(h);
}

/*
 * The inline tcp-all scan of 1,000 and of 100,000 sockets: the cost per
 * socket must not grow with their number.  In a netns of its own each.
 */
static void insns_tcp_all_scale(unsigned int conns, const char *name)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats_handle *h = NULL;
	struct dir_ctx d = {};
	int *fds = NULL, err = 0;

	/* Not on a kernel without netstats: 100,000 sockets take minutes. */
	if (!selected(name))
		return;
	h = netstats__open();
	if (!h) {
		printf("insns-skip: %s: netstats family absent\n", name);
		return;
	}
	netstats__close(h);
	h = NULL;
	all_conns_n = conns;
	if (tcp_all_setup(&d, &dg, &fds, &h) == 0) {
		RUN(name, 3, ALL_SOCKS * ALL_NCTRS,
		    err |= bench_dir_scan_inline(&d));
		if (err)
			fail("tcp-all scale");
	}
	tcp_all_teardown(&dg, fds, h);
	all_conns_n = 5000;
}

static const char *const tcp_two[] = { "bytes_received", "bytes_sent" };
static const struct netstats_reg_opts tcp_all_two = {
	.sz = sizeof(tcp_all_two), .counters = tcp_two, .counter_cnt = 2,
};

/*
 * TCP_RR and the stream of a pair that a tcp-all monitor of its netns
 * follows: every counter (a slot each), or with @o a selection (a
 * compact block each).
 */
static void writer_tcp_all(const char *tag, const struct netstats_reg_opts *o)
{
	struct netstats_handle *h;
	int c, s;

	if (!selected_part(tag))
		return;
	c = rr_pair(&s);
	if (c < 0) {
		fail("tcp pair");
		return;
	}
	h = netstats__open();
	if (!h || !netstats__register_opts(h, "tcp-all", o))
		printf("insns-skip: tcp-all%s: %s\n", tag,
		       h ? netstats__last_error(h) : "no netstats family");
	else
		writer(tag, c, s);
	if (h)
		netstats__close(h);
	close(c);
	close(s);
}

/* The netstats group's counter @name, 50 ms after a change; -1 if none. */
static long long self_counter(const struct netstats_reg *self,
			      const char *name)
{
	int idx = self ? netstats_reg__find(self, name) : -1;
	__u64 v;

	usleep(50000);
	return idx < 0 || netstats_reg__read(self, idx, &v) ? -1 :
	       (long long)v;
}

/* The inline scan of a selection of bytes_received and bytes_sent. */
static int scan_two(const struct netstats_reg *reg, struct all_sum *sum)
{
	struct netstats_sock_scan sc = { .sz = sizeof(sc) };
	__u64 vals[2], rcvd = 0, sent = 0;
	unsigned int socks = 0;

	if (netstats_reg__sock_scan(reg, &sc))
		return -1;
	while (netstats_sock_scan__next(&sc, vals) > 0) {
		rcvd += vals[0];
		sent += vals[1];
		socks++;
	}
	sum->socks = socks;
	sum->sum[0] = rcvd;
	sum->sum[5] = sent;
	return 0;
}

/*
 * tcp-all selecting bytes_received and bytes_sent (compact blocks and
 * cookie entries): the writer's cost next to a monitor of every counter;
 * over ALL_SOCKS sockets the kernel memory per followed socket (MemFree,
 * and the netstats group's dir_bytes) and the inline scan per socket and
 * counter, its sums checked against the inet_diag dump's.
 */
static void insns_tcp_all_sel(void)
{
	const char *scan = "tcp-all-sel2-inline-scan-per-socket-counter";
	struct diag_ctx dg = { .fd = -1, .len = 65536 };
	struct netstats_reg *reg, *self;
	struct netstats_handle *h = NULL;
	long long free0, dir0, dir1;
	struct all_sum in = {};
	int *fds, i, err = 0;

	writer_tcp_all("-all", NULL);
	writer_tcp_all("-all-sel2", &tcp_all_two);
	if (!selected(scan))
		return;
	/* Not on a kernel without netstats: 10,000 sockets take a while. */
	h = netstats__open();
	if (!h) {
		printf("insns-skip: %s: netstats family absent\n", scan);
		return;
	}
	netstats__close(h);
	h = NULL;
	fds = calloc(ALL_SOCKS, sizeof(*fds));
	dg.buf = malloc(dg.len);
	if (!fds || !dg.buf || all_conns(fds)) {
		fail("tcp-all-sel2 connections");
		goto out;
	}
	h = netstats__open();
	self = h ? netstats__register(h, "netstats@period-ms=10") : NULL;
	dir0 = self_counter(self, "dir_bytes");
	free0 = mem_free();
	reg = h ? netstats__register_opts(h, "tcp-all", &tcp_all_two) : NULL;
	if (!reg) {
		printf("insns-skip: tcp-all selection: %s\n",
		       h ? netstats__last_error(h) : "no netstats family");
		goto out;
	}
	if (free0 > 0)
		printf("bench: tcp-all-sel2-memory %u sockets: %.0f bytes per socket (MemFree)\n",
		       ALL_SOCKS, (double)(free0 - mem_free()) / ALL_SOCKS);
	dir1 = self_counter(self, "dir_bytes");
	if (dir0 >= 0 && dir1 >= 0)
		printf("bench: tcp-all-sel2-dir-bytes %u sockets: %.1f bytes per socket (blocks and entries)\n",
		       ALL_SOCKS, (double)(dir1 - dir0) / ALL_SOCKS);
	dg.fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_SOCK_DIAG);
	if (scan_two(reg, &in) || dg.fd < 0 || diag_dump(&dg) ||
	    in.socks != ALL_SOCKS || dg.s.socks != ALL_SOCKS ||
	    in.sum[0] != dg.s.sum[0] || in.sum[5] != dg.s.sum[5]) {
		printf("insns-fail: tcp-all-sel2: %u/%u sockets, bytes_received %llu/%llu\n",
		       in.socks, dg.s.socks, (unsigned long long)in.sum[0],
		       (unsigned long long)dg.s.sum[0]);
		goto out;
	}
	RUN(scan, 3, ALL_SOCKS * 2, err |= scan_two(reg, &in));
	if (err)
		fail("tcp-all-sel2 scan");
out:
	if (dg.fd >= 0)
		close(dg.fd);
	if (h)
		netstats__close(h);
	for (i = 0; fds && i < (int)ALL_SOCKS; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(fds);
	free(dg.buf);
}

/* A tcp-all scan and the inet_diag dump of the same ALL_SOCKS sockets. */
static void insns_tcp_all(void)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats_handle *h = NULL;
	struct dir_ctx d = {};
	int *fds = NULL, err = 0;

	insns_tcp_all_scale(500, "tcp-all-inline-scan-per-socket-counter-1k");
	if (!selected_part("scan-per-socket-counter") &&
	    !selected("inet-diag-dump-per-socket"))
		goto scale;
	if (tcp_all_setup(&d, &dg, &fds, &h) == 0) {
		RUN("tcp-all-scan-per-socket-counter", 3,
		    ALL_SOCKS * ALL_NCTRS, err |= bench_dir_scan(&d));
		RUN("tcp-all-inline-scan-per-socket-counter", 3,
		    ALL_SOCKS * ALL_NCTRS, err |= bench_dir_scan_inline(&d));
		RUN("inet-diag-dump-per-socket", 3, ALL_SOCKS,
		    err |= bench_diag_dump(&dg));
		if (err)
			fail("tcp-all");
	}
	tcp_all_teardown(&dg, fds, h);
scale:
	insns_tcp_all_scale(50000,
			    "tcp-all-inline-scan-per-socket-counter-100k");
}

/* --- the BPF peer: per-flow counters of a tc program, read by mmap ------ */

/*
 * What a user has today without netstats: a tc egress classifier on lo
 * (clsact, cls_bpf in direct-action mode) counting the packets and bytes
 * of each flow into an array map created with BPF_F_MMAPABLE, which the
 * readers mmap.  Such a map cannot be per-CPU, so the program adds with
 * BPF atomics, as clang compiles __sync_fetch_and_add() of a per-flow
 * counter.  The flow is the IPv4 4-tuple hashed to one of PEER_FLOWS
 * entries, so that a reader finds its flow: peer_flow_index() computes
 * the same index from getsockname() and getpeername().  skb->hash would
 * save the parsing, but on a TCP socket's packets it is the socket's
 * random sk_txhash, which no reader can learn.  Egress only: on loopback
 * every packet leaves lo once.  Loaded by bpf(2) from the instructions
 * below (no ELF loader), attached by rtnetlink as tc(8) does.
 */
#define PEER_FLOWS	1024
#define PEER_SHIFT	22		/* 32 - log2(PEER_FLOWS) */
#define PEER_MUL	0x9e3779b1u	/* multiplicative hash */
#define PEER_NAME	"netstats_peer"

struct peer_flow {
	__u64 packets;
	__u64 bytes;
};

struct bpf_peer {
	int map_fd, prog_fd;
	const struct peer_flow *flows;	/* the map, mmapped read-only */
	bool qdisc;
};

/* The instructions as tools/include/linux/filter.h writes them. */
#define BPF_RAW_INSN(CODE, DST, SRC, OFF, IMM)				\
	((struct bpf_insn) {						\
		.code = CODE, .dst_reg = DST, .src_reg = SRC,		\
		.off = OFF, .imm = IMM })
#define BPF_ALU64_REG(OP, DST, SRC)					\
	BPF_RAW_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
#define BPF_ALU64_IMM(OP, DST, IMM)					\
	BPF_RAW_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define BPF_ALU32_IMM(OP, DST, IMM)					\
	BPF_RAW_INSN(BPF_ALU | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define BPF_MOV64_REG(DST, SRC)		BPF_ALU64_REG(BPF_MOV, DST, SRC)
#define BPF_MOV64_IMM(DST, IMM)		BPF_ALU64_IMM(BPF_MOV, DST, IMM)
#define BPF_LDX_MEM(SIZE, DST, SRC, OFF)				\
	BPF_RAW_INSN(BPF_LDX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
#define BPF_STX_MEM(SIZE, DST, SRC, OFF)				\
	BPF_RAW_INSN(BPF_STX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
#define BPF_ATOMIC_OP(SIZE, OP, DST, SRC, OFF)				\
	BPF_RAW_INSN(BPF_STX | BPF_SIZE(SIZE) | BPF_ATOMIC, DST, SRC, OFF, OP)
#define BPF_JMP_IMM(OP, DST, IMM, OFF)					\
	BPF_RAW_INSN(BPF_JMP | BPF_OP(OP) | BPF_K, DST, 0, OFF, IMM)
#define BPF_JMP_REG(OP, DST, SRC, OFF)					\
	BPF_RAW_INSN(BPF_JMP | BPF_OP(OP) | BPF_X, DST, SRC, OFF, 0)
/* ld_imm64 of a map: the fd in the first half, the second half zero. */
#define BPF_LD_MAP_FD(DST, FD)						\
	BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, DST, BPF_PSEUDO_MAP_FD, 0, FD)
#define BPF_LD_IMM64_HI()		BPF_RAW_INSN(0, 0, 0, 0, 0)
#define BPF_EMIT_CALL(FUNC)		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC)
#define BPF_EXIT_INSN()			BPF_RAW_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SKB_OFF(field)	offsetof(struct __sk_buff, field)
#define IP_OFF(field)	(ETH_HLEN + offsetof(struct iphdr, field))

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/*
 * The program, what clang makes of
 *
 *	if (skb->protocol != htons(ETH_P_IP) || ip + 1 > data_end)
 *		return TC_ACT_OK;
 *	key = ip->saddr ^ ip->daddr;
 *	if (TCP or UDP && ports + 4 <= data_end)
 *		key ^= *(__u32 *)ports;		(at ip + ip->ihl * 4)
 *	idx = (key * PEER_MUL) >> PEER_SHIFT;
 *	f = bpf_map_lookup_elem(&flows, &idx);
 *	if (f) {
 *		__sync_fetch_and_add(&f->packets, 1);
 *		__sync_fetch_and_add(&f->bytes, skb->len);
 *	}
 *	return TC_ACT_OK;
 *
 * Jumps count the instructions they skip (the index of each is on its
 * left).
 */
static int peer_prog_load(int map_fd)
{
	const struct bpf_insn insns[] = {
		/* 0 */ BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, SKB_OFF(data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_6, SKB_OFF(data_end)),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_6, SKB_OFF(protocol)),
		/* 4 */ BPF_JMP_IMM(BPF_JNE, BPF_REG_4, htons(ETH_P_IP), 31),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, ETH_HLEN + sizeof(struct iphdr)),
		/* 7 */ BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 28),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_2, IP_OFF(saddr)),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_2, IP_OFF(daddr)),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_4),
		BPF_LDX_MEM(BPF_B, BPF_REG_4, BPF_REG_2, IP_OFF(protocol)),
		/* 12 */ BPF_JMP_IMM(BPF_JEQ, BPF_REG_4, IPPROTO_TCP, 1),
		/* 13 */ BPF_JMP_IMM(BPF_JNE, BPF_REG_4, IPPROTO_UDP, 9),
		/* 14: the ports, after the IP header and its options */
		BPF_LDX_MEM(BPF_B, BPF_REG_5, BPF_REG_2, ETH_HLEN),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_5, 0xf),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_5, 2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_5),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, ETH_HLEN + 4),
		/* 20 */ BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 2),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_2, ETH_HLEN),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_4),
		/* 23: the index, the entry, the atomic adds */
		BPF_ALU32_IMM(BPF_MUL, BPF_REG_7, PEER_MUL),
		BPF_ALU32_IMM(BPF_RSH, BPF_REG_7, PEER_SHIFT),
		BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7, -4),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_LD_MAP_FD(BPF_REG_1, map_fd),
		BPF_LD_IMM64_HI(),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		/* 31 */ BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1,
			      offsetof(struct peer_flow, packets)),
		BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB_OFF(len)),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1,
			      offsetof(struct peer_flow, bytes)),
		/* 36: out */
		BPF_MOV64_IMM(BPF_REG_0, TC_ACT_OK),
		BPF_EXIT_INSN(),
	};
	static char log[65536];
	struct bpf_prog_info info = {};
	union bpf_attr a = {};
	int fd;

	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (unsigned long)insns;
	a.insn_cnt = ARRAY_SIZE(insns);
	a.license = (unsigned long)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", PEER_NAME);
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		/* Again with the verifier's log, to show why. */
		a.log_buf = (unsigned long)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		fail("bpf-peer: BPF_PROG_LOAD");
		for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n"))
			printf("insns-info: bpf-peer verifier: %s\n", l);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (unsigned long)&info;
	if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		printf("insns-info: bpf-peer program %zu insns, %u bytes xlated, %u bytes jited\n",
		       ARRAY_SIZE(insns), info.xlated_prog_len,
		       info.jited_prog_len);
	return fd;
}

/* The index a reader computes for the flow of @fd's packets. */
static unsigned int peer_flow_index(int fd)
{
	struct sockaddr_in l, r;
	socklen_t len = sizeof(l);
	__u16 ports[2];
	__u32 key, p;

	if (getsockname(fd, (void *)&l, &len) ||
	    getpeername(fd, (void *)&r, &len))
		return 0;
	/* The program loads the words in host order, as memcpy() does. */
	ports[0] = l.sin_port;
	ports[1] = r.sin_port;
	memcpy(&p, ports, sizeof(p));
	key = l.sin_addr.s_addr ^ r.sin_addr.s_addr ^ p;
	return (key * PEER_MUL) >> PEER_SHIFT;
}

/* A reader's read of one flow: its two counters, one load each. */
static inline void peer_read(const struct peer_flow *f, __u64 *packets,
			     __u64 *bytes)
{
	*packets = __atomic_load_n(&f->packets, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&f->bytes, __ATOMIC_RELAXED);
}

/*
 * One tc request for lo, acked: 0 or -errno.  @type RTM_NEWQDISC or
 * RTM_DELQDISC: the clsact qdisc; RTM_NEWTFILTER: @prog_fd as a
 * direct-action cls_bpf filter of every protocol at @parent.
 */
static int peer_tc(__u16 type, __u32 parent, int prog_fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	struct tcmsg *tc;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type != RTM_DELQDISC)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = 1;
	tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = if_nametoindex("lo");
	tc->tcm_parent = parent;
	if (type == RTM_NEWTFILTER) {
		tc->tcm_handle = 1;
		tc->tcm_info = TC_H_MAKE(1 << 16, htons(ETH_P_ALL));	/* prio 1 */
		mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
		opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
		mnl_attr_put_u32(nlh, TCA_BPF_FD, prog_fd);
		mnl_attr_put_strz(nlh, TCA_BPF_NAME, PEER_NAME);
		mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
		mnl_attr_nest_end(nlh, opts);
	} else {
		tc->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
		mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	ret = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID);
	if (!ret && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = -1;
	if (!ret)
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret > 0)
		ret = mnl_cb_run(buf, ret, 1, mnl_socket_get_portid(nl), NULL,
				 NULL);
	ret = ret < 0 ? -errno : 0;
	mnl_socket_close(nl);
	return ret;
}

static void peer_teardown(struct bpf_peer *p)
{
	if (p->qdisc && peer_tc(RTM_DELQDISC, TC_H_CLSACT, -1))
		printf("insns-info: bpf-peer: clsact qdisc not removed\n");
	if (p->prog_fd >= 0)
		close(p->prog_fd);
	if (p->flows)
		munmap((void *)p->flows, PEER_FLOWS * sizeof(*p->flows));
	if (p->map_fd >= 0)
		close(p->map_fd);
}

/* The map created and mmapped, the program loaded and attached to lo. */
static int peer_setup(struct bpf_peer *p)
{
	union bpf_attr a = {};
	void *m;
	int ret;

	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(__u32);
	a.value_size = sizeof(struct peer_flow);
	a.max_entries = PEER_FLOWS;
	a.map_flags = BPF_F_MMAPABLE;
	snprintf(a.map_name, sizeof(a.map_name), "%s", PEER_NAME);
	p->map_fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (p->map_fd < 0) {
		fail("bpf-peer: BPF_MAP_CREATE of a BPF_F_MMAPABLE array");
		return -1;
	}
	m = mmap(NULL, PEER_FLOWS * sizeof(*p->flows), PROT_READ, MAP_SHARED,
		 p->map_fd, 0);
	if (m == MAP_FAILED) {
		fail("bpf-peer: mmap of the map");
		return -1;
	}
	p->flows = m;
	p->prog_fd = peer_prog_load(p->map_fd);
	if (p->prog_fd < 0)
		return -1;
	ret = peer_tc(RTM_NEWQDISC, TC_H_CLSACT, -1);
	if (ret) {
		errno = -ret;
		fail("bpf-peer: clsact qdisc on lo");
		return -1;
	}
	p->qdisc = true;
	ret = peer_tc(RTM_NEWTFILTER, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
		      p->prog_fd);
	if (ret) {
		errno = -ret;
		fail("bpf-peer: cls_bpf egress filter on lo");
		return -1;
	}
	return 0;
}

static __u64 segs_out(int fd)
{
	struct tcp_info ti = {};
	socklen_t len = sizeof(ti);

	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return ti.tcpi_segs_out;
}

/* lo's tx packets and bytes, from /proc/net/dev of this netns. */
static void lo_tx(__u64 *packets, __u64 *bytes)
{
	unsigned long long p = 0, b = 0;
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " lo: %*u %*u %*u %*u %*u %*u %*u %*u %llu %llu",
			   &b, &p) == 2)
			break;
	if (f)
		fclose(f);
	*packets = p;
	*bytes = b;
}

/*
 * tcp-rr-1B (and tcp-stream-64KiB) as insns_tcp() measures them, on a
 * new pair in a new netns, with the BPF peer counting on lo; then its
 * reader.  The program must have counted every packet: per flow, the
 * segments TCP_INFO says each socket sent, and in all, what lo sent.
 * Returns -1 if it did not.
 */
static int insns_bpf_peer(void)
{
	struct bpf_peer p = { .map_fd = -1, .prog_fd = -1 };
	__u64 seg0[2], seg[2], lo0[2], lo[2], pk, by;
	__u64 sum_pk = 0, sum_by = 0, flow_pk[2] = {};
	const struct peer_flow *f;
	int c, s, i, ret = 0;
	unsigned int idx[2];
	bool ok;

	c = rr_pair(&s);
	if (c < 0) {
		fail("bpf-peer: tcp pair");
		return 0;
	}
	if (peer_setup(&p))
		goto out;
	seg0[0] = segs_out(c);
	seg0[1] = segs_out(s);
	lo_tx(&lo0[0], &lo0[1]);
	writer("-bpf-peer", c, s);

	/* The reader knows its flow's index (peer_flow_index()). */
	idx[0] = peer_flow_index(c);
	idx[1] = peer_flow_index(s);
	f = &p.flows[idx[0]];
	RUN("bpf-peer-read-flow", 20000, 1, peer_read(f, &pk, &by));

	seg[0] = segs_out(c) - seg0[0];
	seg[1] = segs_out(s) - seg0[1];
	lo_tx(&lo[0], &lo[1]);
	lo[0] -= lo0[0];
	lo[1] -= lo0[1];
	for (i = 0; i < PEER_FLOWS; i++) {
		peer_read(&p.flows[i], &pk, &by);
		sum_pk += pk;
		sum_by += by;
	}
	for (i = 0; i < 2; i++) {
		peer_read(&p.flows[idx[i]], &pk, &by);
		flow_pk[i] = pk;
	}
	/* Two flows hashed to one entry count together. */
	if (idx[0] == idx[1])
		ok = flow_pk[0] == seg[0] + seg[1];
	else
		ok = flow_pk[0] == seg[0] && flow_pk[1] == seg[1];
	/* lo counts bytes after eth_type_trans() pulled the Ethernet header
	 * (14 per packet) that the program counts: lo is printed with them.
	 */
	ok = ok && sum_pk == seg[0] + seg[1] && sum_pk == lo[0] &&
	     sum_by == lo[1] + ETH_HLEN * lo[0];
	for (i = 0; i < 2; i++)
		printf("insns-info: bpf-peer flow %s #%u: %llu packets, segs_out %llu\n",
		       i ? "s->c" : "c->s", idx[i],
		       (unsigned long long)flow_pk[i],
		       (unsigned long long)seg[i]);
	printf("bench: bpf-peer-count-check: %llu packets %llu bytes, lo %llu %llu: %s\n",
	       (unsigned long long)sum_pk, (unsigned long long)sum_by,
	       (unsigned long long)lo[0],
	       (unsigned long long)(lo[1] + ETH_HLEN * lo[0]),
	       ok ? "ok" : "WRONG");
	if (!ok) {
		printf("insns-fail: bpf-peer: counts not the sockets' nor lo's\n");
		ret = -1;
	}
out:
	peer_teardown(&p);
	close(c);
	close(s);
	return ret;
}

static int insns(void)
{
	int ret;

	RUN("empty-loop", 100000, 1, asm volatile("" ::: "memory"));
	insns_ip();
	insns_tcp();		/* it moves to a private netns */
	insns_tcp_sel();	/* to another */
	ret = insns_bpf_peer();	/* to another */
	insns_tcp_all_sel();	/* to others */
	insns_tcp_all();	/* last: to another private netns */
	return ret;
}

static bool want(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	double syscall_ns, t;
	struct nsnl s;
	int err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--insns")) {
		if (argc > 2)
			repeat = atoi(argv[2]);
		insns_only = getenv("NETSTATS_INSNS_ONLY");
		if (insns_only && !*insns_only)
			insns_only = NULL;
		return insns() ? 1 : 0;
	}
	syscall_ns = measure(bench_getppid, NULL, 20000);
	printf("bench: getppid: %.0f ns/op\n", syscall_ns);

	if (want(argc, argv, "udp-send")) {
		struct udp_ctx u = { .dst.sin_family = AF_INET,
				     .dst.sin_port = htons(9) };
		int rcv = socket(AF_INET, SOCK_DGRAM, 0);
		socklen_t len = sizeof(u.dst);

		u.dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		u.fd = socket(AF_INET, SOCK_DGRAM, 0);
		/* A bound receiver that never reads: drops count in the MIBs
		 * like deliveries do, and the send path is the one measured.
		 */
		u.dst.sin_port = 0;
		bind(rcv, (void *)&u.dst, sizeof(u.dst));
		getsockname(rcv, (void *)&u.dst, &len);
		t = measure(bench_udp_send, &u, 5000);
		printf("bench: udp-send-64B: %.0f ns/op\n", t);
		printf("bench: udp-send-64B-per-getppid: %.2f ratio\n",
		       t / syscall_ns);
		close(u.fd);
		close(rcv);
	}

	if (want(argc, argv, "query")) {
		double snmp = measure(bench_proc_snmp, NULL, 2000);

		printf("bench: proc-net-snmp-read-parse: %.0f ns/op\n", snmp);
		if (nsnl_open(&s)) {
			printf("bench: netstats family absent: query skipped\n");
		} else {
			t = measure(bench_query_dump, &s, 2000);
			printf("bench: query-dump: %.0f ns/op\n", t);
			printf("bench: query-dump-per-proc-net-snmp: %.2f ratio\n",
			       t / snmp);
			nsnl_close(&s);
		}
	}
	if (want(argc, argv, "ip"))
		bench_ip();
	if (want(argc, argv, "tcp"))
		bench_tcp();	/* it moves to a private netns */
	if (want(argc, argv, "tcp-all"))
		bench_tcp_all();	/* last: to another private netns */
	return err;
}
