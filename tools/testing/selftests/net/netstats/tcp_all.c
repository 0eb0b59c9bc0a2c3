// SPDX-License-Identifier: GPL-2.0
/*
 * The "tcp-all" directory group: every TCP socket of the netns owned by
 * user space, read from the mapping.
 *
 * In a network namespace of its own, 2,500 loopback connections are
 * opened before tcp-all is registered and 2,500 after: the directory
 * lists exactly the 10,000 cookies of our sockets (SO_COOKIE), each once,
 * with their addresses and ports, and no listener. On a sample of 50
 * connections, distinct amounts of data are sent (and some left unread),
 * and at quiescence every counter equals TCP_INFO, and the sequence
 * numbers agree with SIOCINQ / SIOCOUTQ and with the peer. An
 * unprivileged monitor sees the same sockets and counters, without the
 * restricted counters (their page reads as zeroes). 100 sockets are
 * closed: each is announced by cookie on the monitor group, its block is
 * DEAD with its final values, and after dead-linger-ms it is gone. Wrong
 * input (an object or a socket with tcp-all, dead-linger-ms out of
 * range) fails with an extack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "tcp_util.h"

#ifndef SO_COOKIE
#define SO_COOKIE	57
#endif

#define N_BEFORE	2500	/* connections opened before REGISTER */
#define N_AFTER		2500	/* ... and after */
#define N_CONNS		(N_BEFORE + N_AFTER)
#define N_SOCKS		(2 * N_CONNS)
#define N_SAMPLE	50	/* connections with known traffic */
#define LINGER_MS	2000	/* dead-linger-ms of the registration */

/* Counters that TCP_INFO also reports, in the order of tcp_info_val(). */
static const char *const info_ctrs[] = {
	"bytes_received", "segs_in", "data_segs_in", "segs_out",
	"data_segs_out", "bytes_sent", "bytes_acked", "dsack_dups",
};

#define N_INFO	8
enum { Q_RCV_NXT, Q_COPIED_SEQ, Q_RCV_WUP, Q_SND_NXT, Q_SND_UNA, N_SEQ };

static const char *const seq_ctrs[N_SEQ] = {
	"rcv_nxt", "copied_seq", "rcv_wup", "snd_nxt", "snd_una",
};

/* One of our sockets, sorted by cookie. */
struct mysock {
	__u64 cookie;
	int fd;
	int family;
	__u16 sport, dport;
	unsigned int seen;	/* times the scan listed it */
	bool dead;
	bool closed;
	struct nsm_sock ns;	/* as the last scan found it */
};

struct state {
	struct conn conns[N_CONNS];
	struct mysock socks[N_SOCKS];
	int lfd[2];
	__u64 lcookie[2];
	unsigned int nfam;	/* 1: IPv4 only, 2: also IPv6 */
};

static struct state *st;

static __u64 cookie_of(int fd)
{
	socklen_t len = sizeof(__u64);
	__u64 c = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len))
		return 0;
	return c;
}

static __u16 port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int cmp_cookie(const void *a, const void *b)
{
	const struct mysock *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

static struct mysock *find_mysock(__u64 cookie)
{
	struct mysock key = { .cookie = cookie };

	return bsearch(&key, st->socks, N_SOCKS, sizeof(key), cmp_cookie);
}

static int raise_nofile(void)
{
	struct rlimit rl = { .rlim_cur = N_SOCKS + 1024,
			     .rlim_max = N_SOCKS + 1024 };

	return setrlimit(RLIMIT_NOFILE, &rl);
}

static int open_listeners(void)
{
	static const char *const addr[2] = { "127.0.0.1", "::1" };
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned int i;

	st->nfam = 0;
	for (i = 0; i < 2; i++) {
		len = make_addr(fam[i], addr[i], &ss);
		st->lfd[i] = socket(fam[i], SOCK_STREAM, 0);
		if (st->lfd[i] < 0)
			break;
		if (bind(st->lfd[i], (struct sockaddr *)&ss, len) ||
		    listen(st->lfd[i], 128)) {
			close(st->lfd[i]);
			break;
		}
		st->lcookie[i] = cookie_of(st->lfd[i]);
		st->nfam++;
	}
	return st->nfam ? 0 : -1;
}

/* Connection @i: IPv4 and IPv6 alternately, if we have both. */
static int open_conn(unsigned int i)
{
	int lfd = st->lfd[i % st->nfam];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c = &st->conns[i];

	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		return -1;
	c->cli = socket(ss.ss_family, SOCK_STREAM, 0);
	if (c->cli < 0 || connect(c->cli, (struct sockaddr *)&ss, len))
		return -1;
	c->srv = accept(lfd, NULL, NULL);
	return c->srv < 0 ? -1 : 0;
}

/* The identity of every socket, sorted by cookie. */
static int collect_socks(void)
{
	struct sockaddr_storage a, b;
	socklen_t la, lb;
	unsigned int i, j;

	for (i = 0; i < N_CONNS; i++) {
		for (j = 0; j < 2; j++) {
			struct mysock *m = &st->socks[2 * i + j];
			int fd = j ? st->conns[i].srv : st->conns[i].cli;

			la = sizeof(a);
			lb = sizeof(b);
			if (getsockname(fd, (struct sockaddr *)&a, &la) ||
			    getpeername(fd, (struct sockaddr *)&b, &lb))
				return -1;
			memset(m, 0, sizeof(*m));
			m->fd = fd;
			m->cookie = cookie_of(fd);
			m->family = a.ss_family;
			m->sport = port_of(&a);
			m->dport = port_of(&b);
			if (!m->cookie)
				return -1;
		}
	}
	qsort(st->socks, N_SOCKS, sizeof(st->socks[0]), cmp_cookie);
	for (i = 1; i < N_SOCKS; i++)
		if (st->socks[i].cookie == st->socks[i - 1].cookie)
			return -1;
	return 0;
}

struct scan {
	unsigned int total;	/* entries listed */
	unsigned int unknown;	/* not one of our sockets */
	unsigned int listeners;
	unsigned int mismatch;	/* wrong family, ports */
	unsigned int dead;
	__u64 first_unknown;
};

static int scan_cb(const struct nsm_reg *reg, const struct nsm_sock *s,
		   void *ctx)
{
	struct scan *sc = ctx;
	struct mysock *m;

	(void)reg;
	sc->total++;
	sc->dead += s->dead;
	if (s->cookie == st->lcookie[0] || s->cookie == st->lcookie[1])
		sc->listeners++;
	m = find_mysock(s->cookie);
	if (!m) {
		if (!sc->unknown++)
			sc->first_unknown = s->cookie;
		return 0;
	}
	m->seen++;
	m->dead = s->dead;
	m->ns = *s;
	if (s->family != m->family || s->sport != m->sport ||
	    s->dport != m->dport)
		sc->mismatch++;
	return 0;
}

static int do_scan(const struct nsm_reg *reg, struct scan *sc)
{
	unsigned int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < N_SOCKS; i++) {
		st->socks[i].seen = 0;
		st->socks[i].dead = false;
	}
	return nsm_foreach_sock(reg, scan_cb, sc);
}

/* Index of each counter of the registration; -1 if it has none. */
struct idx {
	int info[N_INFO];
	int seq[N_SEQ];
};

static void find_idx(const struct nsm_reg *reg, struct idx *ix)
{
	unsigned int i;

	for (i = 0; i < N_INFO; i++)
		ix->info[i] = nsm_find(reg, info_ctrs[i]);
	for (i = 0; i < N_SEQ; i++)
		ix->seq[i] = nsm_find(reg, seq_ctrs[i]);
}

/* Values of one socket, by counter index. */
struct vals {
	uint64_t v[32];
	bool dead;
};

static int sock_vals(const struct nsm_reg *reg, const struct mysock *m,
		     struct vals *out)
{
	return nsm_sock_snapshot(reg, &m->ns, out->v, 32, &out->dead);
}

struct snap_ctx {
	const struct nsm_reg *reg;
	const struct mysock *m;
	struct vals *out;
};

static int snap_cb(void *ctx)
{
	struct snap_ctx *c = ctx;

	return sock_vals(c->reg, c->m, c->out) < 0 ? -1 : 0;
}

static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	if (ioctl(fd, req, &v))
		return -1;
	return v;
}

/* Sample connection @k: amounts that differ from every other's. */
static size_t sample_fwd(unsigned int k)
{
	return 1000 + k * 997;
}

static size_t sample_back(unsigned int k)
{
	return 300 + k * 131;
}

static size_t sample_unread(unsigned int k)
{
	return 1 + k * 7;
}

/* The sample: 25 of the connections opened before REGISTER, 25 after. */
static unsigned int sample_conn(unsigned int k)
{
	return k < N_SAMPLE / 2 ? k * 97 : N_BEFORE + (k - N_SAMPLE / 2) * 89;
}

static int send_all(int fd, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, txbuf, len < sizeof(txbuf) ? len : sizeof(txbuf),
			 0);
		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

/* TCP_INFO of the sample's sockets, recorded at quiescence. */
struct sample_info {
	struct tcp_info cli, srv;
	int cli_outq, srv_inq;
};

static struct sample_info *sinfo;

/*
 * The unprivileged monitor, in a child as uid 65534: the same sockets,
 * the same TCP_INFO counters, no restricted counter, and the sequence
 * page of every block reads as zeroes. Returns the exit code.
 */
static int unprivileged_child(const struct nsm_reg *root_reg)
{
	const struct nsm_ctr *ci;
	struct nsm_reg *reg;
	unsigned int i, j, k;
	struct nsnl s;
	struct vals v;
	struct scan sc;
	struct idx ix;
	size_t cnt;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 2;
	if (nsnl_open(&s))
		return 3;
	reg = nsm_register(&s, NETSTATS_GROUP_TCP_ALL);
	if (!reg) {
		fprintf(stderr, "register as uid 65534: %s (%s)\n",
			strerror(errno), s.extack);
		return 4;
	}
	cnt = reg->n;
	for (i = 0; i < cnt; i++)
		if (reg->ctr[i].flags & NETSTATS_COUNTER_FLAGS_RESTRICTED)
			return 5;
	find_idx(reg, &ix);
	for (i = 0; i < N_INFO; i++)
		if (ix.info[i] < 0)
			return 6;
	for (i = 0; i < N_SEQ; i++)
		if (ix.seq[i] >= 0)
			return 7;
	if (cnt != N_INFO)
		return 8;
	if (do_scan(reg, &sc) != N_SOCKS || sc.unknown || sc.listeners ||
	    sc.mismatch || sc.dead)
		return 9;
	for (i = 0; i < N_SOCKS; i++)
		if (st->socks[i].seen != 1)
			return 10;
	for (k = 0; k < N_SAMPLE; k++) {
		const struct conn *c = &st->conns[sample_conn(k)];
		const struct tcp_info *ti[2] = { &sinfo[k].cli,
						 &sinfo[k].srv };
		int fd[2] = { c->cli, c->srv };

		for (j = 0; j < 2; j++) {
			struct mysock *m = NULL;

			for (i = 0; i < N_SOCKS && !m; i++)
				if (st->socks[i].fd == fd[j])
					m = &st->socks[i];
			if (!m || sock_vals(reg, m, &v) != (int)cnt || v.dead)
				return 11;
			for (i = 0; i < N_INFO; i++)
				if (v.v[ix.info[i]] != tcp_info_val(ti[j], i)) {
					fprintf(stderr,
						"uid 65534: %s %llu != %llu\n",
						info_ctrs[i],
						(unsigned long long)
						v.v[ix.info[i]],
						(unsigned long long)
						tcp_info_val(ti[j], i));
					return 12;
				}
			/* The root's offsets of the sequence numbers. */
			for (i = 0; i < root_reg->n; i++) {
				ci = &root_reg->ctr[i];
				if (!(ci->flags &
				      NETSTATS_COUNTER_FLAGS_RESTRICTED))
					continue;
				if (__atomic_load_n((const __u32 *)
						    ((const char *)m->ns.block +
						     ci->offset),
						    __ATOMIC_RELAXED))
					return 13;
			}
		}
	}
	nsm_unregister(reg);
	nsnl_close(&s);
	return 0;
}

struct dead_ntf {
	__u32 id;
	unsigned int calls;
	unsigned int ours;	/* with a cookie of a socket we closed */
	unsigned int other;	/* anything else */
};

static int dead_cb(const struct nsnl_dead *info, void *ctx)
{
	struct dead_ntf *d = ctx;
	struct mysock *m;

	d->calls++;
	m = info->has_cookie ? find_mysock(info->cookie) : NULL;
	if (info->id == d->id && !strcmp(info->group, "tcp-all") && m &&
	    m->closed && !m->dead) {
		m->dead = true;	/* announced, once */
		d->ours++;
	} else {
		d->other++;
	}
	return 0;
}

FIXTURE(tcp_all) {
};

FIXTURE_SETUP(tcp_all)
{
}

FIXTURE_TEARDOWN(tcp_all)
{
}

/* 5,000 connections take a while under emulation (TCG). */
TEST_F_TIMEOUT(tcp_all, sockets, 240)
{
	struct dead_ntf dn = {};
	uint64_t t0, t_close;
	struct nlmsghdr *nlh;
	unsigned int i, j, k;
	struct nsm_reg *reg;
	struct nsnl s, mon;
	struct scan sc;
	struct idx ix;
	struct vals v;
	pid_t pid;
	int ret;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	ASSERT_EQ(0, raise_nofile()) TH_LOG("RLIMIT_NOFILE: %s",
					    strerror(errno));
	st = calloc(1, sizeof(*st));
	sinfo = calloc(N_SAMPLE, sizeof(*sinfo));
	ASSERT_TRUE(st && sinfo);
	memset(txbuf, 0x5a, sizeof(txbuf));
	ASSERT_EQ(0, open_listeners());
	if (st->nfam < 2)
		TH_LOG("no IPv6: IPv4 connections only");

	ret = nsnl_open(&s);
	if (ret)
		SKIP(return, "no netstats family: %s", strerror(-ret));
	ASSERT_EQ(0, nsm_monitor_open(&mon));
	ret = 4 << 20;
	setsockopt(mnl_socket_get_fd(mon.nl), SOL_SOCKET, SO_RCVBUFFORCE, &ret,
		   sizeof(ret));

	t0 = now_ms();
	for (i = 0; i < N_BEFORE; i++)
		ASSERT_EQ(0, open_conn(i)) TH_LOG("connection %u: %s", i,
						  strerror(errno));
	nlh = nsm_reg_msg(&s, NETSTATS_GROUP_TCP_ALL);
	nsnl_put_option(nlh, "dead-linger-ms", LINGER_MS);
	reg = nsm_register_msg(&s, nlh);
	if (!reg && errno == ENOENT)
		SKIP(return, "no tcp-all group: %s", s.extack);
	ASSERT_NE(NULL, reg) TH_LOG("register tcp-all: %s (%s)",
				    strerror(errno), s.extack);
	EXPECT_EQ((__u32)(NETSTATS_GROUP_FLAGS_DIRECTORY |
			 NETSTATS_GROUP_FLAGS_SELECT), reg->r.flags);
	EXPECT_EQ(1U, reg->r.ncpus);
	for (i = N_BEFORE; i < N_CONNS; i++)
		ASSERT_EQ(0, open_conn(i)) TH_LOG("connection %u: %s", i,
						  strerror(errno));
	TH_LOG("%u connections in %llu ms", N_CONNS,
	       (unsigned long long)(now_ms() - t0));
	ASSERT_EQ(0, collect_socks());

	/* As root: every counter, the sequence numbers too. */
	find_idx(reg, &ix);
	EXPECT_EQ((size_t)(N_INFO + N_SEQ), reg->n);
	for (i = 0; i < N_INFO; i++)
		ASSERT_LE(0, ix.info[i]) TH_LOG("no %s", info_ctrs[i]);
	for (i = 0; i < N_SEQ; i++) {
		ASSERT_LE(0, ix.seq[i]) TH_LOG("no %s", seq_ctrs[i]);
		/* in the unit's second page */
		EXPECT_LE(4096U, reg->ctr[ix.seq[i]].offset);
	}

	/* Exactly our 10,000 sockets, each once; no listener. */
	t0 = now_ms();
	ret = do_scan(reg, &sc);
	TH_LOG("scan of %d sockets: %llu ms", ret,
	       (unsigned long long)(now_ms() - t0));
	EXPECT_EQ(N_SOCKS, ret);
	EXPECT_EQ(0U, sc.unknown)
		TH_LOG("unknown cookie %llu",
		       (unsigned long long)sc.first_unknown);
	EXPECT_EQ(0U, sc.listeners);
	EXPECT_EQ(0U, sc.mismatch);
	EXPECT_EQ(0U, sc.dead);
	for (i = 0, j = 0; i < N_SOCKS; i++)
		j += st->socks[i].seen != 1;
	EXPECT_EQ(0U, j) TH_LOG("%u sockets not listed exactly once", j);

	/* Distinct traffic on the sample; some data left unread. */
	for (k = 0; k < N_SAMPLE; k++) {
		struct conn *c = &st->conns[sample_conn(k)];

		ASSERT_EQ(0, pump(c->cli, c->srv, sample_fwd(k)));
		ASSERT_EQ(0, pump(c->srv, c->cli, sample_back(k)));
		ASSERT_EQ(0, send_all(c->cli, sample_unread(k)));
	}
	/* Rescan: the blocks found before still hold. */
	ASSERT_EQ(N_SOCKS, do_scan(reg, &sc));
	for (k = 0; k < N_SAMPLE; k++) {
		struct conn *c = &st->conns[sample_conn(k)];
		int fd[2] = { c->cli, c->srv };
		struct tcp_info *ti[2] = { &sinfo[k].cli, &sinfo[k].srv };
		struct vals vv[2];

		ASSERT_EQ(0, wait_quiet(c->cli, c->srv));
		for (j = 0; j < 2; j++) {
			struct snap_ctx sx = { reg, NULL, &vv[j] };

			for (i = 0; i < N_SOCKS; i++)
				if (st->socks[i].fd == fd[j])
					sx.m = &st->socks[i];
			ASSERT_NE(NULL, sx.m);
			ASSERT_EQ(0, info_consistent(fd[j], ti[j], snap_cb,
						     &sx));
			EXPECT_FALSE(vv[j].dead);
			for (i = 0; i < N_INFO; i++)
				EXPECT_EQ(tcp_info_val(ti[j], i),
					  vv[j].v[ix.info[i]])
					TH_LOG("conn %u %s: %s", k,
					       j ? "server" : "client",
					       info_ctrs[i]);
		}
		EXPECT_EQ(sample_fwd(k) + sample_unread(k),
			  vv[1].v[ix.info[0]]);
		EXPECT_EQ(sample_back(k), vv[0].v[ix.info[0]]);
		EXPECT_EQ(sample_back(k), vv[1].v[ix.info[5]]);
		EXPECT_EQ(sample_fwd(k) + sample_unread(k),
			  vv[0].v[ix.info[5]]);

		/* The sequence numbers, as tcp_stats checks them. */
		sinfo[k].srv_inq = ioctl_int(c->srv, SIOCINQ);
		sinfo[k].cli_outq = ioctl_int(c->cli, SIOCOUTQ);
		EXPECT_EQ(sample_unread(k), (size_t)sinfo[k].srv_inq);
		EXPECT_EQ(0, sinfo[k].cli_outq);
		EXPECT_EQ((__u32)sinfo[k].srv_inq,
			  (__u32)(vv[1].v[ix.seq[Q_RCV_NXT]] -
				  vv[1].v[ix.seq[Q_COPIED_SEQ]]))
			TH_LOG("conn %u: server rcv_nxt - copied_seq", k);
		EXPECT_EQ((__u32)sinfo[k].cli_outq,
			  (__u32)(vv[0].v[ix.seq[Q_SND_NXT]] -
				  vv[0].v[ix.seq[Q_SND_UNA]]))
			TH_LOG("conn %u: client snd_nxt - snd_una", k);
		EXPECT_EQ(vv[0].v[ix.seq[Q_SND_NXT]],
			  vv[1].v[ix.seq[Q_RCV_NXT]]);
		EXPECT_EQ(vv[1].v[ix.seq[Q_SND_NXT]],
			  vv[0].v[ix.seq[Q_RCV_NXT]]);
		EXPECT_EQ(vv[1].v[ix.seq[Q_SND_UNA]],
			  vv[1].v[ix.seq[Q_SND_NXT]]);
		EXPECT_EQ(vv[0].v[ix.seq[Q_COPIED_SEQ]],
			  vv[0].v[ix.seq[Q_RCV_NXT]]);
		EXPECT_LE(0, (int32_t)(vv[0].v[ix.seq[Q_RCV_NXT]] -
				       vv[0].v[ix.seq[Q_RCV_WUP]]));
	}

	/* An unprivileged monitor of the netns sees the same. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child(reg));
	ret = 0;
	ASSERT_EQ(pid, waitpid(pid, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && !WEXITSTATUS(ret))
		TH_LOG("uid 65534 monitor: status %#x", ret);

	/*
	 * Close the sample's sockets, the server first (unread data: a
	 * reset): 100 sockets destroyed. Their blocks turn DEAD with the
	 * final values as soon as the reaper ran (a work item), well within
	 * dead-linger-ms, and are announced by cookie.
	 */
	dn.id = reg->r.id;
	ASSERT_EQ(0, nsm_read_dead(&mon, s.portid, dead_cb, &dn));
	dn.calls = 0;
	dn.other = 0;
	for (i = 0; i < N_SOCKS; i++)
		st->socks[i].closed = false;
	t_close = now_ms();
	for (k = 0; k < N_SAMPLE; k++) {
		struct conn *c = &st->conns[sample_conn(k)];

		for (i = 0; i < N_SOCKS; i++)
			if (st->socks[i].fd == c->cli ||
			    st->socks[i].fd == c->srv)
				st->socks[i].closed = true;
		close(c->srv);
		close(c->cli);
	}
	do {
		ret = do_scan(reg, &sc);
		t0 = now_ms();
		if (sc.dead >= 2U * N_SAMPLE)
			break;
		usleep(2000);
	} while (t0 - t_close < LINGER_MS / 2);
	TH_LOG("100 closes until all seen DEAD: %llu ms",
	       (unsigned long long)(t0 - t_close));
	ASSERT_GT((uint64_t)LINGER_MS, t0 - t_close) TH_LOG("too slow to see DEAD");
	EXPECT_EQ(N_SOCKS, ret);
	EXPECT_EQ(2U * N_SAMPLE, sc.dead);
	for (i = 0, j = 0; i < N_SOCKS; i++)
		j += st->socks[i].closed != st->socks[i].dead ||
		     st->socks[i].seen != 1;
	EXPECT_EQ(0U, j) TH_LOG("%u sockets DEAD or not listed wrongly", j);
	for (k = 0; k < N_SAMPLE; k++) {
		const struct conn *c = &st->conns[sample_conn(k)];
		int fd[2] = { c->cli, c->srv };
		struct tcp_info *ti[2] = { &sinfo[k].cli, &sinfo[k].srv };

		for (j = 0; j < 2; j++) {
			struct mysock *m = NULL;

			for (i = 0; i < N_SOCKS; i++)
				if (st->socks[i].fd == fd[j] &&
				    st->socks[i].closed)
					m = &st->socks[i];
			ASSERT_NE(NULL, m);
			ASSERT_LE(0, sock_vals(reg, m, &v));
			EXPECT_TRUE(v.dead);
			EXPECT_EQ(ti[j]->tcpi_bytes_received,
				  v.v[ix.info[0]]);
			EXPECT_EQ(ti[j]->tcpi_bytes_sent, v.v[ix.info[5]]);
			EXPECT_EQ(ti[j]->tcpi_data_segs_in, v.v[ix.info[2]]);
			EXPECT_EQ(ti[j]->tcpi_data_segs_out,
				  v.v[ix.info[4]]);
		}
	}

	/* One notification per closed socket, with its cookie. */
	for (i = 0; i < N_SOCKS; i++)
		st->socks[i].dead = false;
	for (t0 = now_ms(); dn.ours < 2 * N_SAMPLE && now_ms() - t0 < 5000;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(mon.nl),
				    .events = POLLIN };

		poll(&p, 1, 100);
		ret = nsm_read_dead(&mon, s.portid, dead_cb, &dn);
		ASSERT_LE(0, ret) TH_LOG("monitor: %s", strerror(-ret));
	}
	EXPECT_EQ(2U * N_SAMPLE, dn.ours);
	EXPECT_EQ(0U, dn.other);

	/* After dead-linger-ms: freed, no longer listed; the others stay. */
	usleep((LINGER_MS + 500) * 1000);
	ret = do_scan(reg, &sc);
	EXPECT_EQ(N_SOCKS - 2 * N_SAMPLE, ret);
	EXPECT_EQ(0U, sc.dead);
	EXPECT_EQ(0U, sc.unknown);
	for (i = 0, j = 0; i < N_SOCKS; i++)
		j += st->socks[i].seen != !st->socks[i].closed;
	EXPECT_EQ(0U, j) TH_LOG("%u sockets listed wrongly after linger", j);

	nsm_unregister(reg);
	nsnl_close(&mon);
	nsnl_close(&s);
}

/*
 * REGISTER of tcp-all with @fd (>= 0), an object (the device @ifindex, if
 * not 0) and the linger option.
 */
static int reg_raw(struct nsnl *s, int fd, unsigned int ifindex,
		   long long linger)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nsm_reg_msg(s, NETSTATS_GROUP_TCP_ALL);
	if (fd >= 0)
		nsnl_put_sock_fd(nlh, fd);
	if (ifindex) {
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_DEV);
		mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, ifindex);
		mnl_attr_nest_end(nlh, nest);
	}
	if (linger >= 0)
		nsnl_put_option(nlh, "dead-linger-ms", linger);
	return nsnl_talk(s, nlh, NULL, NULL);
}

TEST_F(tcp_all, register_errors)
{
	struct conn c;
	struct nsnl s;
	int ret;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	if (nsnl_open(&s))
		SKIP(return, "no netstats family");
	ret = reg_raw(&s, -1, 0, -1);
	if (ret == -ENOENT)
		SKIP(return, "no tcp-all group: %s", s.extack);
	ASSERT_EQ(0, ret) TH_LOG("tcp-all: %s", s.extack);
	tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &c);

	ret = reg_raw(&s, c.cli, 0, -1);
	EXPECT_GT(0, ret);
	EXPECT_NE(0, s.extack[0]) TH_LOG("sock-fd: %d, no extack", ret);
	TH_LOG("tcp-all + sock-fd: %d \"%s\"", ret, s.extack);
	ret = reg_raw(&s, -1, if_nametoindex("lo"), -1);
	EXPECT_GT(0, ret);
	EXPECT_NE(0, s.extack[0]) TH_LOG("object: %d, no extack", ret);
	TH_LOG("tcp-all + object: %d \"%s\"", ret, s.extack);
	ret = reg_raw(&s, -1, 0, 60001);
	EXPECT_GT(0, ret);
	EXPECT_NE(0, s.extack[0]) TH_LOG("linger 60001: %d, no extack", ret);
	TH_LOG("dead-linger-ms=60001: %d \"%s\"", ret, s.extack);
	EXPECT_EQ(0, reg_raw(&s, -1, 0, 60000)) TH_LOG("%s", s.extack);
	EXPECT_EQ(0, reg_raw(&s, -1, 0, 0)) TH_LOG("%s", s.extack);
	close_conn(&c);
	nsnl_close(&s);
}

TEST_HARNESS_MAIN
