// SPDX-License-Identifier: GPL-2.0
/*
 * libnetstats (tools/lib/netstats) against the kernel, with the "tcp"
 * group: a registration made through the library reads exactly what
 * TCP_INFO says at quiescence, unknown counters and unsupported names
 * fail cleanly with the kernel's extack, and the death of the socket is
 * seen both in the mapping and through the library's monitor, which only
 * reports the handle's own registrations. netstats__open_opts() with a
 * netns fd: a handle of a netns made with "ip netns add" names its
 * devices, maps its MIBs and hears of its objects' deaths (qdisc of a
 * veth there == tc -s and ip -s link, ip == nstat there).
 *
 * Every test runs in a network namespace of its own, over loopback, so
 * the counters only move with the test's own traffic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/tcp.h>

#include "../../libnetstats.h"
#include "../dead_seen.h"
#include "../../../../testing/selftests/kselftest_harness.h"
#include "../../../../testing/selftests/net/netstats/tcp_util.h"

/* The counters of the group that TCP_INFO also reports. */
static const char info_ctrs[][16] = {
	"bytes_received",
	"segs_in",
	"data_segs_in",
	"segs_out",
	"data_segs_out",
	"bytes_sent",
	"bytes_acked",
	"dsack_dups",
};

#define N_TCP_CTRS	13U	/* the group's counters, sequence numbers too */

/* --- the library ------------------------------------------------------- */

static struct netstats_reg *reg_fd(struct netstats_handle *h, int fd)
{
	char name[32];

	snprintf(name, sizeof(name), "tcp/fd:%d", fd);
	return netstats__register(h, name);
}

struct snap_args {
	const struct netstats_reg *reg;
	__u64 *vals;
	size_t cnt;
};

/* A snapshot of all counters, for info_consistent(). */
static int snap_all(void *ctx)
{
	struct snap_args *a = ctx;
	int n;

	n = netstats_reg__snapshot(a->reg, a->vals, a->cnt, NULL);
	if (n < 0 || (size_t)n != a->cnt)
		return -1;
	return 0;
}

/*
 * TCP_INFO, a snapshot of all counters, TCP_INFO again, until both
 * TCP_INFO agree: the counters only grow, so the snapshot is of that
 * same moment.
 */
static int snap_consistent(int fd, const struct netstats_reg *reg,
			   struct tcp_info *ti, __u64 *vals, size_t cnt)
{
	struct snap_args a = { .reg = reg, .vals = vals, .cnt = cnt };

	return info_consistent(fd, ti, snap_all, &a);
}

/* The value of counter @name in @vals, the snapshot of @reg. */
static __u64 val_of(struct __test_metadata *_metadata,
		    const struct netstats_reg *reg, const __u64 *vals,
		    const char *name)
{
	int idx = netstats_reg__find(reg, name);

	EXPECT_LE(0, idx) TH_LOG("no counter %s", name);
	return idx < 0 ? ~0ULL : vals[idx];
}

/*
 * At quiescence: the snapshot equals TCP_INFO exactly, and each counter
 * read alone equals its snapshot value.  @vals gets the snapshot.
 */
static void check_vs_info(struct __test_metadata *_metadata, const char *who,
			  int fd, const struct netstats_reg *reg,
			  __u64 *vals)
{
	size_t cnt = netstats_reg__counter_cnt(reg);
	struct tcp_info ti;
	unsigned int i;
	__u64 v;

	ASSERT_EQ(N_TCP_CTRS, cnt);
	ASSERT_EQ(0, snap_consistent(fd, reg, &ti, vals, cnt))
		TH_LOG("%s: TCP_INFO never stable", who);
	EXPECT_FALSE(netstats_reg__dead(reg));
	for (i = 0; i < ARRAY_SIZE(info_ctrs); i++)
		EXPECT_EQ(tcp_info_val(&ti, i),
			  val_of(_metadata, reg, vals, info_ctrs[i]))
			TH_LOG("%s %s", who, info_ctrs[i]);
	for (i = 0; i < cnt; i++) {
		ASSERT_EQ(0, netstats_reg__read(reg, i, &v));
		EXPECT_EQ(vals[i], v)
			TH_LOG("%s %s read alone",
			       who, netstats_reg__counter(reg, i)->name);
	}
}

/* Poll the monitor of @h until it reported something, for up to 5 s. */
static int wait_ntf(struct netstats_handle *h, struct dead_seen *s)
{
	struct pollfd p = { .fd = netstats__monitor_fd(h), .events = POLLIN };
	uint64_t end = now_ms() + 5000;
	int ret;

	while (!s->calls && now_ms() < end) {
		poll(&p, 1, 100);
		ret = netstats__monitor_read(h, dead_cb, s);
		if (ret < 0)
			return ret;
	}
	return s->calls ? 0 : -ETIMEDOUT;
}

/* --- fixture --------------------------------------------------------- */

FIXTURE(lib)
{
	struct netstats_handle *h;
	struct conn c;
};

FIXTURE_VARIANT(lib)
{
	int family;
	const char *addr;
};

FIXTURE_VARIANT_ADD(lib, ipv4)
{
	.family = AF_INET,
	.addr = "127.0.0.1",
};

FIXTURE_VARIANT_ADD(lib, ipv6)
{
	.family = AF_INET6,
	.addr = "::1",
};

FIXTURE_SETUP(lib)
{
	self->h = NULL;
	self->c.cli = -1;
	self->c.srv = -1;
	if (!tcp_netns_setup(_metadata, variant->family))
		return;
	self->h = netstats__open();
	if (!self->h && errno == ENOENT)
		SKIP(return, "kernel without the netstats family");
	ASSERT_NE(NULL, self->h) TH_LOG("netstats__open: %s",
					 strerror(errno));
	tcp_conn_setup(_metadata, variant->family, variant->addr, &self->c);
}

/* Registrations still open are freed by netstats__close(). */
FIXTURE_TEARDOWN(lib)
{
	close_conn(&self->c);
	netstats__close(self->h);
}

/* --- tests ----------------------------------------------------------- */

/* Known transfers both ways: both sockets' snapshots equal TCP_INFO. */
TEST_F(lib, snapshot_matches_tcp_info)
{
	int cli = self->c.cli, srv = self->c.srv;
	__u64 vc[N_TCP_CTRS], vs[N_TCP_CTRS];
	struct netstats_reg *rc, *rs;
	const struct netstats_counter_info *ci;
	__u32 gen_c, gen_s;
	size_t i;

	rc = reg_fd(self->h, cli);
	ASSERT_NE(NULL, rc) TH_LOG("register client: %s (%s)",
				   strerror(errno),
				   netstats__last_error(self->h));
	rs = reg_fd(self->h, srv);
	ASSERT_NE(NULL, rs) TH_LOG("register server: %s (%s)",
				   strerror(errno),
				   netstats__last_error(self->h));
	EXPECT_NE(0U, netstats_reg__id(rc));
	EXPECT_NE(netstats_reg__id(rc), netstats_reg__id(rs));
	EXPECT_NE(NULL, netstats_reg__base(rc));
	ASSERT_EQ(N_TCP_CTRS, netstats_reg__counter_cnt(rc));
	for (i = 0; i < N_TCP_CTRS; i++) {
		ci = netstats_reg__counter(rc, i);
		ASSERT_NE(NULL, ci);
		EXPECT_TRUE(ci->type == NETSTATS_COUNTER_TYPE_U64 ||
			    ci->type == NETSTATS_COUNTER_TYPE_U32)
			TH_LOG("%s: type %u", ci->name, ci->type);
		EXPECT_EQ((int)i, netstats_reg__find(rc, ci->name));
	}
	gen_c = netstats_reg__generation(rc);
	gen_s = netstats_reg__generation(rs);

	/* Right after the handshake. */
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, rc, vc);
	check_vs_info(_metadata, "server", srv, rs, vs);

	ASSERT_EQ(0, pump(cli, srv, 1 << 20));
	ASSERT_EQ(0, pump(srv, cli, 100 << 10));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, rc, vc);
	check_vs_info(_metadata, "server", srv, rs, vs);
	EXPECT_EQ(1ULL << 20, val_of(_metadata, rs, vs, "bytes_received"));
	EXPECT_EQ(100ULL << 10, val_of(_metadata, rc, vc, "bytes_received"));
	/* Both ends agree on the sequence numbers. */
	EXPECT_EQ(val_of(_metadata, rc, vc, "snd_nxt"),
		  val_of(_metadata, rs, vs, "rcv_nxt"));
	EXPECT_EQ(val_of(_metadata, rs, vs, "snd_nxt"),
		  val_of(_metadata, rc, vc, "rcv_nxt"));
	EXPECT_EQ(gen_c, netstats_reg__generation(rc));
	EXPECT_EQ(gen_s, netstats_reg__generation(rs));

	EXPECT_EQ(0, netstats_reg__unregister(rc));
	EXPECT_EQ(0, netstats_reg__unregister(rs));
}

/*
 * netstats__register_opts() with two counters: the registration has
 * those two, its snapshot, its read plan and single reads equal TCP_INFO;
 * a sequence number and a group that does not select are refused with
 * the kernel's message.
 */
static const char *sel_bad[1];

TEST_F(lib, register_opts_selects)
{
	static const char *const sel[] = { "bytes_sent", "bytes_received" };
	struct netstats_reg_opts o = {
		.sz = sizeof(o), .counters = sel, .counter_cnt = 2,
	};
	int cli = self->c.cli, srv = self->c.srv;
	const struct netstats_plan *plan;
	struct netstats_reg *reg;
	__u64 v[2], pv[2], one;
	struct tcp_info ti;
	char name[32];
	int is, ir;

	snprintf(name, sizeof(name), "tcp/fd:%d", srv);
	reg = netstats__register_opts(self->h, name, &o);
	ASSERT_NE(NULL, reg) TH_LOG("register_opts: %s (%s)", strerror(errno),
				    netstats__last_error(self->h));
	ASSERT_EQ(2U, netstats_reg__counter_cnt(reg));
	is = netstats_reg__find(reg, "bytes_sent");
	ir = netstats_reg__find(reg, "bytes_received");
	ASSERT_LE(0, is);
	ASSERT_LE(0, ir);
	EXPECT_EQ(-ENOENT, netstats_reg__find(reg, "segs_out"));

	ASSERT_EQ(0, pump(cli, srv, 123456));
	ASSERT_EQ(0, pump(srv, cli, 6543));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, snap_consistent(srv, reg, &ti, v, 2));
	EXPECT_EQ(ti.tcpi_bytes_sent, v[is]);
	EXPECT_EQ(ti.tcpi_bytes_received, v[ir]);
	EXPECT_EQ(123456ULL, v[ir]);
	plan = netstats_reg__plan(reg);
	ASSERT_NE(NULL, plan);
	EXPECT_EQ(2, netstats_plan__snapshot(plan, pv, NULL));
	EXPECT_EQ(v[is], pv[is]);
	EXPECT_EQ(v[ir], pv[ir]);
	ASSERT_EQ(0, netstats_reg__read(reg, ir, &one));
	EXPECT_EQ(v[ir], one);
	EXPECT_EQ(0, netstats_reg__unregister(reg));

	sel_bad[0] = "rcv_nxt";
	o.counters = sel_bad;
	o.counter_cnt = 1;
	errno = 0;
	EXPECT_EQ(NULL, netstats__register_opts(self->h, name, &o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_NE(NULL, strstr(netstats__last_error(self->h), "rcv_nxt"));
	sel_bad[0] = "registrations";
	errno = 0;
	EXPECT_EQ(NULL, netstats__register_opts(self->h, "netstats", &o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_NE(NULL, strstr(netstats__last_error(self->h),
			       "does not select"));
}

/* "a.b.c.d:port" or "[v6]:port" */
static void endpoint(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	}
}

/* The name a monitor uses: "tcp/<local>/<remote>/cookie:0x<hex>". */
static int tuple_name(int fd, char *name, size_t len)
{
	struct sockaddr_storage l, r;
	socklen_t sl = sizeof(l), rl = sizeof(r), cl;
	char ls[64], rs[64];
	__u64 cookie;

	cl = sizeof(cookie);
	if (getsockname(fd, (void *)&l, &sl) ||
	    getpeername(fd, (void *)&r, &rl) ||
	    getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &cl))
		return -errno;
	endpoint(&l, ls, sizeof(ls));
	endpoint(&r, rs, sizeof(rs));
	snprintf(name, len, "tcp/%s/%s/cookie:0x%llx", ls, rs,
		 (unsigned long long)cookie);
	return 0;
}

/*
 * A monitor registers by the socket's identity: with CAP_NET_ADMIN all
 * counters; as another user the counters without the sequence numbers,
 * which the library then does not find.
 */
TEST_F(lib, register_by_identity)
{
	int cli = self->c.cli, srv = self->c.srv;
	struct netstats_reg *reg;
	__u64 v[N_TCP_CTRS];
	char name[160];
	pid_t pid;
	int status;

	ASSERT_EQ(0, pump(cli, srv, 70000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, tuple_name(srv, name, sizeof(name)));
	TH_LOG("%s", name);
	reg = netstats__register(self->h, name);
	ASSERT_NE(NULL, reg) TH_LOG("%s (%s)", strerror(errno),
				    netstats__last_error(self->h));
	EXPECT_EQ(N_TCP_CTRS, netstats_reg__counter_cnt(reg));
	check_vs_info(_metadata, "server by identity", srv, reg, v);
	EXPECT_EQ(70000ULL, val_of(_metadata, reg, v, "bytes_received"));
	EXPECT_EQ(0, netstats_reg__unregister(reg));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct netstats_handle *h;
		__u64 seen;
		int idx;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		h = netstats__open();
		if (!h)
			_exit(3);
		reg = netstats__register(h, name);
		if (!reg)
			_exit(4);
		if (netstats_reg__counter_cnt(reg) != N_TCP_CTRS - 5 ||
		    netstats_reg__find(reg, "rcv_nxt") != -ENOENT ||
		    netstats_reg__find(reg, "snd_una") != -ENOENT)
			_exit(5);
		idx = netstats_reg__find(reg, "bytes_received");
		if (idx < 0 || netstats_reg__read(reg, idx, &seen) ||
		    seen != 70000)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("uid 65534: step %d",
						 WEXITSTATUS(status));
}

TEST_F(lib, find_unknown_counter)
{
	const struct netstats_counter_info *ci;
	struct netstats_reg *reg;
	int idx;

	reg = reg_fd(self->h, self->c.srv);
	ASSERT_NE(NULL, reg) TH_LOG("%s (%s)", strerror(errno),
				    netstats__last_error(self->h));
	errno = 0;
	EXPECT_EQ(-ENOENT, netstats_reg__find(reg, "no_such_counter"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, netstats_reg__find(reg, ""));
	idx = netstats_reg__find(reg, "bytes_received");
	ASSERT_LE(0, idx);
	ci = netstats_reg__counter(reg, idx);
	ASSERT_NE(NULL, ci);
	EXPECT_STREQ("bytes_received", ci->name);
	EXPECT_EQ((__u32)NETSTATS_COUNTER_TYPE_U64, ci->type);
	EXPECT_EQ(NULL, netstats_reg__counter(reg, N_TCP_CTRS));
	/* left for netstats__close() */
}

TEST_F(lib, register_errors)
{
	struct netstats_handle *h = self->h;
	struct netstats_reg *reg;
	int fd;

	/* A cookie alone: the kernel needs the addresses to find it. */
	errno = 0;
	reg = netstats__register(h, "tcp/cookie:1");
	EXPECT_EQ(NULL, reg);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("a socket cookie needs the socket's addresses and ports",
		     netstats__last_error(h));

	/* Not a socket: the kernel's error and message. */
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(NULL, reg_fd(h, fd));
	EXPECT_EQ(ENOTSOCK, errno);
	EXPECT_NE(0, netstats__last_error(h)[0]);
	close(fd);

	/* Not a TCP socket. */
	fd = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(NULL, reg_fd(h, fd));
	EXPECT_EQ(EPROTOTYPE, errno);
	EXPECT_STREQ("not a TCP socket", netstats__last_error(h));
	close(fd);

	/* A malformed name never reaches the kernel. */
	errno = 0;
	EXPECT_EQ(NULL, netstats__register(h, "tcp/fd:x"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, netstats__register(h, NULL));

	/* The handle still works. */
	reg = reg_fd(h, self->c.srv);
	ASSERT_NE(NULL, reg) TH_LOG("%s (%s)", strerror(errno),
				    netstats__last_error(h));
	EXPECT_FALSE(netstats_reg__dead(reg));
	EXPECT_EQ(0, netstats_reg__unregister(reg));
}

/*
 * An SO_LINGER {1, 0} close() destroys the socket: the registration
 * turns DEAD with a new generation and its final values, and the
 * monitor of each handle reports its own registration, and only it.
 */
TEST_F(lib, death_is_seen)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cli = self->c.cli, srv = self->c.srv, mfd;
	__u64 last[N_TCP_CTRS], fin[N_TCP_CTRS];
	struct dead_seen s = {}, s2 = {};
	struct netstats_reg *reg, *reg2;
	struct netstats_handle *ns2;
	__u32 gen, gen_fin;
	uint64_t end;
	int n;

	/* Monitors first: nothing can die unseen. */
	mfd = netstats__monitor_fd(self->h);
	ASSERT_LE(0, mfd);
	EXPECT_EQ(mfd, netstats__monitor_fd(self->h));
	EXPECT_EQ(0, netstats__monitor_read(self->h, dead_cb, &s));
	ns2 = netstats__open();
	ASSERT_NE(NULL, ns2);
	ASSERT_LE(0, netstats__monitor_fd(ns2));

	reg = reg_fd(self->h, srv);
	ASSERT_NE(NULL, reg) TH_LOG("%s (%s)", strerror(errno),
				    netstats__last_error(self->h));
	reg2 = reg_fd(ns2, srv);
	ASSERT_NE(NULL, reg2) TH_LOG("%s (%s)", strerror(errno),
				     netstats__last_error(ns2));
	ASSERT_EQ(0, pump(cli, srv, 50000));
	ASSERT_EQ(0, pump(srv, cli, 20000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ((int)N_TCP_CTRS,
		  netstats_reg__snapshot(reg, last, N_TCP_CTRS, &gen));
	EXPECT_FALSE(netstats_reg__dead(reg));

	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, close(srv));
	self->c.srv = -1;

	end = now_ms() + 5000;
	while (!netstats_reg__dead(reg) && now_ms() < end)
		usleep(10000);
	ASSERT_TRUE(netstats_reg__dead(reg))
		TH_LOG("still LIVE 5 s after close()");
	EXPECT_TRUE(netstats_reg__dead(reg2));
	EXPECT_NE(gen, netstats_reg__generation(reg));
	ASSERT_EQ((int)N_TCP_CTRS,
		  netstats_reg__snapshot(reg, fin, N_TCP_CTRS,
					 &gen_fin));
	EXPECT_EQ(gen_fin, netstats_reg__generation(reg));
	/* The final values: nothing lost, nothing zeroed. */
	EXPECT_EQ(val_of(_metadata, reg, last, "bytes_received"),
		  val_of(_metadata, reg, fin, "bytes_received"));
	EXPECT_EQ(val_of(_metadata, reg, last, "bytes_acked"),
		  val_of(_metadata, reg, fin, "bytes_acked"));
	EXPECT_EQ(val_of(_metadata, reg, last, "rcv_nxt"),
		  val_of(_metadata, reg, fin, "rcv_nxt"));

	/* Each handle hears of its own registration. */
	ASSERT_EQ(0, wait_ntf(self->h, &s))
		TH_LOG("no object-dead notification for registration %u",
		       netstats_reg__id(reg));
	ASSERT_EQ(0, wait_ntf(ns2, &s2))
		TH_LOG("no object-dead notification for registration %u",
		       netstats_reg__id(reg2));
	/* Both notifications reached both monitors by now. */
	n = netstats__monitor_read(self->h, dead_cb, &s);
	EXPECT_LE(0, n);
	n = netstats__monitor_read(ns2, dead_cb, &s2);
	EXPECT_LE(0, n);
	EXPECT_EQ(1U, s.calls);
	EXPECT_EQ(netstats_reg__id(reg), s.id);
	EXPECT_NE(0U, s.portid);
	EXPECT_STREQ("tcp", s.group);
	EXPECT_FALSE(s.have_object);
	EXPECT_EQ(1U, s2.calls);
	EXPECT_EQ(netstats_reg__id(reg2), s2.id);
	EXPECT_NE(s.portid, s2.portid);

	/* A dead registration is still unregistered normally. */
	EXPECT_EQ(0, netstats_reg__unregister(reg));
	/* reg2 is freed by netstats__close(). */
	netstats__close(ns2);
}

/* --- another netns -------------------------------------------------- */

/* A shell command, printf-style; its exit status, -1 if it did not run. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	return ret == -1 || !WIFEXITED(ret) ? -1 : WEXITSTATUS(ret);
}

/* The numbers a shell command prints (up to @n), or -1. */
static int sh_vals(unsigned long long *v, int n, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *f;
	int i;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	for (i = 0; i < n && fscanf(f, "%llu", &v[i]) == 1; i++)
		;
	pclose(f);
	return i == n ? 0 : -1;
}

static ino_t thread_netns(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

#define NETNS_VETH	"nslva"
#define NETNS_PEER	"nslvb"

FIXTURE(netns)
{
	char name[32];
	int fd;
	struct netstats_handle *h;
};

/*
 * This test in a netns of its own, with the peer of a veth whose other
 * end is in the named netns @self->name ("ip netns add"), IPv6 off on
 * both sides (no DAD, MLD, RS: only the test's packets), an fq_codel
 * root on the named netns's end.
 */
FIXTURE_SETUP(netns)
{
	struct netstats_open_opts o = { .sz = sizeof(o) };
	const char *n = self->name;
	ino_t mine;
	int ret;

	self->fd = -1;
	self->h = NULL;
	snprintf(self->name, sizeof(self->name), "nslib%d", getpid());
	if (unshare(CLONE_NEWNET))
		SKIP(return, "unshare(CLONE_NEWNET): %s", strerror(errno));
	ASSERT_EQ(0, lo_up());
	if (sh("ip netns add %s", n))
		SKIP(return, "ip netns add failed");
	ret = sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 && "
			"sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 && "
			"ip link add " NETNS_VETH " type veth peer name " NETNS_PEER " && "
			"ip link set " NETNS_VETH " netns %s && "
			"ip -n %s link set lo up && "
			"ip -n %s addr add 192.0.2.1/24 dev " NETNS_VETH " && "
			"ip -n %s link set " NETNS_VETH " up && "
			"tc -n %s qdisc add dev " NETNS_VETH " root handle 1: fq_codel && "
			"ip addr add 192.0.2.2/24 dev " NETNS_PEER " && "
			"ip link set " NETNS_PEER " up", n, n, n, n, n, n);
	if (ret)
		sh("ip netns del %s", n);
	ASSERT_EQ(0, ret);
	{
		char path[64];

		snprintf(path, sizeof(path), "/run/netns/%s", n);
		self->fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	ASSERT_LE(0, self->fd);
	mine = thread_netns();
	o.netns_fd = self->fd;
	self->h = netstats__open_opts(&o);
	if (!self->h && errno == ENOENT)
		SKIP(return, "kernel without the netstats family");
	ASSERT_NE(NULL, self->h) TH_LOG("netstats__open_opts: %s",
					 strerror(errno));
	/* in the netns for the socket only */
	ASSERT_EQ(mine, thread_netns());
}

FIXTURE_TEARDOWN(netns)
{
	netstats__close(self->h);
	if (self->fd >= 0)
		close(self->fd);
	sh("ip netns del %s 2>/dev/null", self->name);
}

/*
 * Device names are the named netns's, and so are the values: the root
 * qdisc of its veth end equals tc -s qdisc and ip -s link there; its ip
 * MIBs equal nstat run there. The qdisc's deletion comes to the monitor.
 */
TEST_F(netns, open_opts_netns)
{
	unsigned long long tc[2], link[2], nst[2];
	const char *n = self->name;
	struct netstats_handle *h0;
	__u64 pk = 0, by = 0, in = 0, out = 0;
	struct netstats_reg *q, *ip;
	struct dead_seen s = {};
	int i, ipk, ipo, qp, qb;

	/* Not a device of this test's own netns. */
	h0 = netstats__open();
	ASSERT_NE(NULL, h0);
	EXPECT_EQ(NULL, netstats__register(h0, "qdisc/" NETNS_VETH "/1:0"));
	EXPECT_EQ(ENODEV, errno);
	netstats__close(h0);

	ASSERT_LE(0, netstats__monitor_fd(self->h));
	q = netstats__register(self->h, "qdisc/" NETNS_VETH "/1:0@period-ms=20");
	ASSERT_NE(NULL, q) TH_LOG("qdisc: %s (%s)", strerror(errno),
				  netstats__last_error(self->h));
	ip = netstats__register(self->h, "ip");
	ASSERT_NE(NULL, ip) TH_LOG("ip: %s (%s)", strerror(errno),
				   netstats__last_error(self->h));
	qp = netstats_reg__find(q, "packets");
	qb = netstats_reg__find(q, "bytes");
	ipk = netstats_reg__find(ip, "IpInReceives");
	ipo = netstats_reg__find(ip, "IpOutRequests");
	ASSERT_LE(0, qp);
	ASSERT_LE(0, qb);
	ASSERT_LE(0, ipk);
	ASSERT_LE(0, ipo);

	/* Traffic out of the veth end, and its replies. */
	ASSERT_EQ(0, sh("ip netns exec %s ping -q -c 10 -i 0.01 -s 500 192.0.2.2 >/dev/null", n));
	/* Quiescent (ARP settled); the derived block republished. */
	for (i = 0; i < 100; i++) {
		usleep(50000);
		ASSERT_EQ(0, sh_vals(tc, 2, "tc -n %s -s -j qdisc show dev " NETNS_VETH " | "
				     "python3 -c 'import json,sys; q=[x for x in json.load(sys.stdin) if x[\"handle\"]==\"1:\"][0]; print(q[\"packets\"], q[\"bytes\"])'", n));
		ASSERT_EQ(0, sh_vals(link, 2, "ip -n %s -s -j link show " NETNS_VETH " | "
				     "python3 -c 'import json,sys; t=json.load(sys.stdin)[0][\"stats64\"][\"tx\"]; print(t[\"packets\"], t[\"bytes\"])'", n));
		ASSERT_EQ(0, netstats_reg__read(q, qp, &pk));
		ASSERT_EQ(0, netstats_reg__read(q, qb, &by));
		if (pk == tc[0] && by == tc[1] && pk == link[0])
			break;
	}
	EXPECT_EQ(tc[0], pk) TH_LOG("qdisc packets: netstats %llu, tc %llu",
				    (unsigned long long)pk, tc[0]);
	EXPECT_EQ(tc[1], by);
	EXPECT_EQ(link[0], pk) TH_LOG("ip -s link tx packets %llu", link[0]);
	EXPECT_LE(10ULL, pk);

	ASSERT_EQ(0, sh_vals(nst, 2, "ip netns exec %s nstat -asz IpInReceives IpOutRequests | "
			     "awk '$1 == \"IpInReceives\" { a = $2 } $1 == \"IpOutRequests\" { b = $2 } END { print a + 0, b + 0 }'", n));
	ASSERT_EQ(0, netstats_reg__read(ip, ipk, &in));
	ASSERT_EQ(0, netstats_reg__read(ip, ipo, &out));
	EXPECT_EQ(nst[0], in);
	EXPECT_EQ(nst[1], out);
	/* the named netns's MIBs: 10 echo replies in, 10 requests out */
	EXPECT_EQ(10ULL, in);
	EXPECT_EQ(10ULL, out);

	/* The qdisc goes: its death comes to the handle of that netns. */
	ASSERT_EQ(0, sh("tc -n %s qdisc del dev " NETNS_VETH " root", n));
	ASSERT_EQ(0, wait_ntf(self->h, &s));
	EXPECT_EQ(netstats_reg__id(q), s.id);
	EXPECT_STREQ("qdisc", s.group);
}

TEST_HARNESS_MAIN
