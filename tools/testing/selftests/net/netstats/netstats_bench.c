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
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/inet_diag.h>
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
	struct netstats *ns;

	ns = netstats__open();
	if (!ns) {
		printf("bench: netstats family absent: ip skipped\n");
		return;
	}
	reg = netstats__register(ns, "ip");
	if (!reg) {
		printf("bench: ip: register failed: %s\n",
		       netstats__last_error(ns));
		netstats__close(ns);
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
	netstats__close(ns);
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

/* A connected loopback pair in a private netns; returns the client. */
static int tcp_pair(int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct ifreq ifr = {};
	int l, c, fd;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);

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

static void bench_tcp(void)
{
	struct netstats_reg *reg;
	struct netstats *ns;
	double info, snap;
	char name[32];
	int c, srv;

	c = tcp_pair(&srv);
	if (c < 0) {
		printf("bench: tcp: no loopback pair: skipped\n");
		return;
	}
	ns = netstats__open();
	if (!ns) {
		printf("bench: netstats family absent: tcp skipped\n");
		return;
	}
	snprintf(name, sizeof(name), "tcp/fd:%d", c);
	reg = netstats__register(ns, name);
	if (!reg) {
		printf("bench: tcp: register failed: %s\n",
		       netstats__last_error(ns));
		netstats__close(ns);
		return;
	}
	info = measure(bench_tcp_info, &c, 20000);
	snap = measure(bench_tcp_snapshot, reg, 200000);
	printf("bench: tcp-info-getsockopt: %.0f ns/op\n", info);
	printf("bench: tcp-stats-snapshot-13-counters: %.1f ns/op\n", snap);
	printf("bench: tcp-info-per-tcp-stats-snapshot: %.1f ratio\n",
	       info / snap);
	netstats_reg__unregister(reg);
	netstats__close(ns);
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
	__u64 vals[32];
	int i;

	memset(&d->s, 0, sizeof(d->s));
	if (netstats_reg__counter_cnt(d->reg) > 32 ||
	    netstats_reg__sock_scan(d->reg, &sc))
		return -1;
	while (netstats_sock_scan__next(&sc, vals) > 0) {
		for (i = 0; i < ALL_NCTRS; i++)
			d->s.sum[i] += vals[d->idx[i]];
		d->s.socks++;
	}
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

/* ALL_CONNS loopback connections, in a netns of their own, some traffic. */
static int all_conns(int *fds)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct rlimit rl = { ALL_SOCKS + 1024, ALL_SOCKS + 1024 };
	socklen_t len = sizeof(a);
	struct ifreq ifr = {};
	char b[997] = {};
	int l, fd, i;

	if (setrlimit(RLIMIT_NOFILE, &rl) || unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	/* More connections than the default ephemeral ports (28,232). */
	if (ALL_CONNS > 20000) {
		fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY);
		if (fd < 0 || write(fd, "1024 65535", 10) != 10)
			return -1;
		close(fd);
	}

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 128) ||
	    getsockname(l, (void *)&a, &len))
		return -1;
	for (i = 0; i < (int)ALL_CONNS; i++) {
		fds[2 * i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fds[2 * i], (void *)&a, sizeof(a)))
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
			 struct netstats **ns)
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
	*ns = netstats__open();
	if (!*ns) {
		printf("bench: netstats family absent: tcp-all skipped\n");
		return -1;
	}
	free0 = mem_free();
	d->reg = netstats__register(*ns, "tcp-all");
	/* What following ALL_SOCKS sockets costs the kernel, all included
	 * (slots, sequence-number slots, directory entries, page tables
	 * of the map, the registration): MemFree before and after.
	 */
	if (d->reg && free0 > 0)
		printf("bench: tcp-all-memory %u sockets: %.0f bytes per socket\n",
		       ALL_SOCKS, (double)(free0 - mem_free()) / ALL_SOCKS);
	if (!d->reg) {
		printf("bench: tcp-all: register failed: %s\n",
		       netstats__last_error(*ns));
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

static void tcp_all_teardown(struct diag_ctx *dg, int *fds, struct netstats *ns)
{
	int i;

	if (dg->fd > 0)
		close(dg->fd);
	if (ns)
		netstats__close(ns);
	for (i = 0; fds && i < (int)ALL_SOCKS; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(fds);
	free(dg->buf);
}

static void bench_tcp_all(void)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats *ns = NULL;
	struct dir_ctx d = {};
	double dir, diag, ss, inl;
	unsigned int lines;
	int *fds = NULL;

	if (tcp_all_setup(&d, &dg, &fds, &ns))
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
	tcp_all_teardown(&dg, fds, ns);
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
static const char *insns_only;	/* NETSTATS_INSNS_ONLY: one run's name */

/*
 * Runs @body @n times between the markers, @repeat times; @scale
 * divides the per-iteration figure further (counters, sockets).
 */
#define RUN(name, n, scale, body) do {					\
	const char *name_ = (name);					\
	long n_ = (n);							\
									\
	if (insns_only && strcmp(insns_only, name_))			\
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
static struct netstats_reg *register_pair(struct netstats **ns, int nreg,
					  int c, int s)
{
	struct netstats_reg *first = NULL, *reg;
	char name[32];
	int i, fd;

	for (i = 0; i < nreg; i++) {
		ns[i] = netstats__open();
		if (!ns[i])
			return NULL;
		for (fd = c; fd >= 0; fd = fd == c ? s : -1) {
			snprintf(name, sizeof(name), "tcp/fd:%d", fd);
			reg = netstats__register(ns[i], name);
			if (!reg) {
				printf("insns-skip: register %s: %s\n", name,
				       netstats__last_error(ns[i]));
				return NULL;
			}
			if (!first)
				first = reg;
		}
	}
	return first;
}

static void close_all(struct netstats **ns, int n)
{
	while (n--)
		if (ns[n])
			netstats__close(ns[n]);
}

static void insns_tcp(void)
{
	struct netstats *ns[READERS] = {};
	const struct netstats_plan *plan;
	struct netstats_ref ref;
	struct netstats_reg *reg;
	__u64 vals[16], v;
	int c, s, err = 0, one = 1;
	size_t cnt;

	c = tcp_pair(&s);
	if (c < 0) {
		fail("tcp pair");
		return;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	writer("", c, s);

	RUN("tcp-info-getsockopt", 1000, 1, err |= bench_tcp_info(&c));
	RUN("proc-net-snmp-read-parse", 50, 1,
	    err |= bench_proc_snmp(NULL));
	if (err)
		fail("anchors");

	reg = register_pair(ns, 1, c, s);
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

	if (register_pair(ns + 1, READERS - 1, c, s))
		writer("-100-readers", c, s);
out_close:
	close_all(ns, READERS);
	close(c);
	close(s);
}

static void insns_ip(void)
{
	static __u64 vals[1024];
	struct netstats_reg *reg;
	struct netstats *ns;
	int err = 0;

	ns = netstats__open();
	if (!ns) {
		printf("insns-skip: netstats family absent\n");
		return;
	}
	reg = netstats__register(ns, "ip");
	if (!reg) {
		fail("ip register");
		netstats__close(ns);
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
	netstats__close(ns);
}

/*
 * The inline tcp-all scan of 1,000 and of 100,000 sockets: the cost per
 * socket must not grow with their number.  In a netns of its own each.
 */
static void insns_tcp_all_scale(unsigned int conns, const char *name)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats *ns = NULL;
	struct dir_ctx d = {};
	int *fds = NULL, err = 0;

	all_conns_n = conns;
	if (tcp_all_setup(&d, &dg, &fds, &ns) == 0) {
		RUN(name, 3, ALL_SOCKS * ALL_NCTRS,
		    err |= bench_dir_scan_inline(&d));
		if (err)
			fail("tcp-all scale");
	}
	tcp_all_teardown(&dg, fds, ns);
	all_conns_n = 5000;
}

/* A tcp-all scan and the inet_diag dump of the same ALL_SOCKS sockets. */
static void insns_tcp_all(void)
{
	struct diag_ctx dg = { .fd = -1 };
	struct netstats *ns = NULL;
	struct dir_ctx d = {};
	int *fds = NULL, err = 0;

	insns_tcp_all_scale(500, "tcp-all-inline-scan-per-socket-counter-1k");
	if (tcp_all_setup(&d, &dg, &fds, &ns) == 0) {
		RUN("tcp-all-scan-per-socket-counter", 3,
		    ALL_SOCKS * ALL_NCTRS, err |= bench_dir_scan(&d));
		RUN("tcp-all-inline-scan-per-socket-counter", 3,
		    ALL_SOCKS * ALL_NCTRS, err |= bench_dir_scan_inline(&d));
		RUN("inet-diag-dump-per-socket", 3, ALL_SOCKS,
		    err |= bench_diag_dump(&dg));
		if (err)
			fail("tcp-all");
	}
	tcp_all_teardown(&dg, fds, ns);
	insns_tcp_all_scale(50000,
			    "tcp-all-inline-scan-per-socket-counter-100k");
}

static void insns(void)
{
	RUN("empty-loop", 100000, 1, asm volatile("" ::: "memory"));
	insns_ip();
	insns_tcp();		/* it moves to a private netns */
	insns_tcp_all();	/* last: to another private netns */
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
		insns();
		return 0;
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
