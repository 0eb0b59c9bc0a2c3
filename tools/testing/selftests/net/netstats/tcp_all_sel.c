// SPDX-License-Identifier: GPL-2.0
/*
 * "tcp-all" monitors that select counters: every TCP socket of the netns
 * in a compact block holding only the selected counters, named by a
 * 16-byte entry (its cookie).
 *
 * In a network namespace of its own, 64 loopback connections are opened
 * before a monitor selecting bytes_received and bytes_sent registers and
 * 64 after: the directory header says 32-byte blocks, 16-byte entries,
 * 3 pages a unit; the reply lists exactly the two counters; each of the
 * 256 sockets is named once by its cookie (SO_COOKIE); on a sample with
 * distinct traffic the cells equal TCP_INFO exactly; the "netstats"
 * group's dir_bytes and dir_blocks give the bytes per followed socket
 * (48: one unit of 3 pages for 256 sockets).  A second monitor that
 * selects bytes_sent shares the blocks (same values at the same places
 * of both maps, dir_bytes and dir_blocks unchanged); one that selects
 * another counter gets EBUSY with an extack naming the netns's
 * selection; sequence numbers and 8 counters are refused.  A full
 * monitor alongside sees the same values; an unprivileged selecting
 * monitor sees the sockets.  A disconnect (AF_UNSPEC) restarts the
 * block with a new generation, a connect names it again.  Closed sockets
 * are announced, DEAD with the TCP_INFO read just before close, and gone
 * after dead-linger-ms.  Block sizes grow with the selection (1: 16,
 * 3: 32, 4 and 7: 64), a new selection giving the sockets blocks of its
 * own.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "tcp_util.h"

#ifndef SO_COOKIE
#define SO_COOKIE	57
#endif

#define N_BEFORE	64	/* connections opened before REGISTER */
#define N_CONNS		128
#define N_SOCKS		(2 * N_CONNS)
#define N_SAMPLE	8	/* connections with traffic, closed at the end */
#define LINGER_MS	1000

static struct conn conns[N_CONNS];
static uint64_t cookies[N_SOCKS];	/* conns[i].cli: 2i, .srv: 2i + 1 */
static unsigned int seen[N_SOCKS];
static int lfd = -1;

static uint64_t cookie_of(int fd)
{
	socklen_t len = sizeof(uint64_t);
	uint64_t c = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len))
		return 0;
	return c;
}

static int fd_of(unsigned int k)
{
	return k & 1 ? conns[k / 2].srv : conns[k / 2].cli;
}

static int open_conn(unsigned int i)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c = &conns[i];

	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		return -1;
	c->cli = socket(ss.ss_family, SOCK_STREAM, 0);
	if (c->cli < 0 || connect(c->cli, (struct sockaddr *)&ss, len))
		return -1;
	c->srv = accept(lfd, NULL, NULL);
	if (c->srv < 0)
		return -1;
	cookies[2 * i] = cookie_of(c->cli);
	cookies[2 * i + 1] = cookie_of(c->srv);
	return 0;
}

static int open_listener(void)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(AF_INET, "127.0.0.1", &ss);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, 256))
		return -1;
	return 0;
}

static int sock_index(uint64_t cookie)
{
	int k;

	for (k = 0; k < N_SOCKS; k++)
		if (cookies[k] == cookie)
			return k;
	return -1;
}

/* What a scan found: per socket of ours, its entry. */
static struct nsm_sock found[N_SOCKS];

struct scan {
	unsigned int total, unknown, dead, named;
};

static int scan_cb(const struct nsm_reg *reg, const struct nsm_sock *s,
		   void *ctx)
{
	struct scan *sc = ctx;
	int k = sock_index(s->cookie);

	(void)reg;
	sc->total++;
	sc->dead += s->dead;
	if (k < 0) {
		sc->unknown++;
		return 0;
	}
	if (s->family)
		sc->named++;	/* a full entry: addresses too */
	seen[k]++;
	found[k] = *s;
	return 0;
}

static int do_scan(const struct nsm_reg *reg, struct scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	memset(seen, 0, sizeof(seen));
	memset(found, 0, sizeof(found));
	return nsm_foreach_sock(reg, scan_cb, sc);
}

static unsigned int seen_once(void)
{
	unsigned int k, n = 0;

	for (k = 0; k < N_SOCKS; k++)
		n += seen[k] == 1;
	return n;
}

static const struct netstats_dir_hdr *dir_of(const struct nsm_reg *reg)
{
	return reg->base;
}

/* REGISTER tcp-all selecting @names (NULL-terminated). */
static struct nsm_reg *reg_sel(struct nsnl *s, const char *const *names,
			       long long linger)
{
	struct nlmsghdr *nlh = nsm_reg_msg(s, NETSTATS_GROUP_TCP_ALL);

	for (; names && *names; names++)
		nsm_put_counter(nlh, *names);
	if (linger >= 0)
		nsnl_put_option(nlh, "dead-linger-ms", linger);
	return nsm_register_msg(s, nlh);
}

/* The "netstats" group, updated every 10 ms. */
struct self {
	struct nsm_reg *reg;
	int bytes, blocks;
};

static int self_open(struct nsnl *s, struct self *sf)
{
	struct nlmsghdr *nlh = nsm_reg_msg(s, "netstats");

	nsnl_put_option(nlh, "period-ms", 10);
	sf->reg = nsm_register_msg(s, nlh);
	if (!sf->reg)
		return -1;
	sf->bytes = nsm_find(sf->reg, "dir_bytes");
	sf->blocks = nsm_find(sf->reg, "dir_blocks");
	return sf->bytes < 0 || sf->blocks < 0 ? -1 : 0;
}

/* dir_bytes and dir_blocks of an update begun after this call. */
static void self_read(const struct self *sf, uint64_t *bytes,
		      uint64_t *blocks)
{
	const struct netstats_derived_hdr *h = (const void *)nsm_hdr(sf->reg);
	uint32_t seq0 = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE), seq;
	int i;

	for (i = 0; i < 300; i++) {
		if ((uint32_t)(__atomic_load_n(&h->seq, __ATOMIC_ACQUIRE) -
			       seq0) >= 4)
			break;
		usleep(5000);
	}
	for (;;) {
		seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		nsm_read(sf->reg, sf->bytes, bytes);
		nsm_read(sf->reg, sf->blocks, blocks);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&h->seq,
							 __ATOMIC_RELAXED))
			return;
	}
}

/* Cell @idx (a reply counter) of a socket's block, and validity. */
static int cells_of(const struct nsm_reg *reg, const struct nsm_sock *s,
		    uint64_t *v, bool *dead)
{
	return nsm_sock_snapshot(reg, s, v, 8, dead);
}

struct snap_ctx {
	const struct nsm_reg *reg;
	const struct nsm_sock *s;
	uint64_t *v;
};

static int snap_cb(void *ctx)
{
	struct snap_ctx *c = ctx;

	return cells_of(c->reg, c->s, c->v, NULL) < 0 ? -1 : 0;
}

/* Sample connection @k: distinct amounts each way. */
static size_t fwd(unsigned int k)
{
	return 1000 + k * 997;
}

static size_t back(unsigned int k)
{
	return 300 + k * 131;
}

static unsigned int sample(unsigned int k)
{
	return k < N_SAMPLE / 2 ? k * 7 : N_BEFORE + k * 5;
}

FIXTURE(tcp_all_sel) {
	struct nsnl s;
};

FIXTURE_SETUP(tcp_all_sel)
{
	int ret;

	(void)tcp_conn_setup;	/* tcp_util.h's, unused here */
	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	ret = nsnl_open(&self->s);
	if (ret)
		SKIP(return, "no netstats family: %s", strerror(-ret));
	memset(txbuf, 0x5a, sizeof(txbuf));
	ASSERT_EQ(0, open_listener());
}

FIXTURE_TEARDOWN(tcp_all_sel)
{
	unsigned int i;

	for (i = 0; i < N_CONNS; i++)
		close_conn(&conns[i]);
	if (lfd >= 0)
		close(lfd);
	nsnl_close(&self->s);
}

static const char *const two[] = { "bytes_received", "bytes_sent", NULL };

/*
 * The unprivileged selecting monitor, in a child as uid 65534: every
 * socket of ours, each once.  Returns the exit code.
 */
static int unprivileged_child(void)
{
	static const char *const one[] = { "bytes_sent", NULL };
	struct nsm_reg *reg;
	struct scan sc;
	struct nsnl s;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 2;
	if (nsnl_open(&s))
		return 3;
	reg = reg_sel(&s, one, -1);
	if (!reg) {
		fprintf(stderr, "uid 65534: %s (%s)\n", strerror(errno),
			s.extack);
		return 4;
	}
	if (reg->n != 1 || do_scan(reg, &sc) != N_SOCKS || sc.unknown ||
	    seen_once() != N_SOCKS)
		return 5;
	nsm_unregister(reg);
	nsnl_close(&s);
	return 0;
}

struct dead_ntf {
	uint32_t id;
	unsigned int ours, other;
	bool got[N_SOCKS];
};

static int dead_cb(const struct nsnl_dead *d, void *ctx)
{
	struct dead_ntf *dn = ctx;
	int k = d->has_cookie ? sock_index(d->cookie) : -1;

	if (d->id == dn->id && k >= 0 && !dn->got[k]) {
		dn->got[k] = true;
		dn->ours++;
	} else if (d->id == dn->id) {
		dn->other++;
	}
	return 0;
}

TEST_F_TIMEOUT(tcp_all_sel, two_counters, 180)
{
	static const char *const seqs[] = { "bytes_sent", "snd_nxt", NULL };
	static const char *const other[] = { "bytes_sent", "segs_in", NULL };
	static const char *const eight[] = {
		"bytes_received", "bytes_sent", "bytes_acked", "segs_in",
		"data_segs_in", "segs_out", "data_segs_out", "dsack_dups",
		NULL,
	};
	static const char *const sent[] = { "bytes_sent", NULL };
	uint64_t b0, n0, b1, n1, b2, n2, v[8], w[8];
	struct nsm_reg *reg, *reg2, *full, *bad;
	struct tcp_info ti[N_SAMPLE][2];
	struct dead_ntf dn = {};
	struct nsm_sock fs[N_SOCKS];
	const struct netstats_dir_hdr *dh;
	unsigned int i, j, k;
	struct scan sc;
	struct self sf;
	struct nsnl mon;
	int ret, ir, is;
	uint64_t t0;
	bool dead;
	pid_t pid;

	ASSERT_EQ(0, self_open(&self->s, &sf))
		TH_LOG("netstats group: %s", self->s.extack);
	ASSERT_EQ(0, nsm_monitor_open(&mon));
	self_read(&sf, &b0, &n0);
	for (i = 0; i < N_BEFORE; i++)
		ASSERT_EQ(0, open_conn(i));

	reg = reg_sel(&self->s, two, LINGER_MS);
	ASSERT_NE(NULL, reg) TH_LOG("register tcp-all bytes_received,bytes_sent: %s (%s)",
				    strerror(errno), self->s.extack);
	EXPECT_EQ((uint32_t)(NETSTATS_GROUP_FLAGS_DIRECTORY |
			     NETSTATS_GROUP_FLAGS_SELECT), reg->r.flags);
	dh = dir_of(reg);
	EXPECT_EQ(16U, dh->entry_size);
	EXPECT_EQ(32U, dh->block_size);
	EXPECT_EQ(3U, dh->unit_pages);
	EXPECT_EQ(2U, dh->entry_page);
	EXPECT_EQ(4096U / 16, dh->blocks_per_unit);
	/* Exactly the two counters, u64 cells after the header. */
	ASSERT_EQ(2U, reg->n);
	ir = nsm_find(reg, "bytes_received");
	is = nsm_find(reg, "bytes_sent");
	ASSERT_LE(0, ir);
	ASSERT_LE(0, is);
	EXPECT_EQ((uint32_t)NETSTATS_COUNTER_TYPE_U64, reg->ctr[ir].type);
	EXPECT_EQ((uint32_t)NETSTATS_COUNTER_TYPE_U64, reg->ctr[is].type);
	EXPECT_EQ(8U, reg->ctr[ir].offset);
	EXPECT_EQ(16U, reg->ctr[is].offset);

	for (i = N_BEFORE; i < N_CONNS; i++)
		ASSERT_EQ(0, open_conn(i));
	/* Every socket of ours once, by cookie only; no listener. */
	ret = do_scan(reg, &sc);
	EXPECT_EQ(N_SOCKS, ret);
	EXPECT_EQ(0U, sc.unknown);
	EXPECT_EQ(0U, sc.named);
	EXPECT_EQ(0U, sc.dead);
	EXPECT_EQ((unsigned int)N_SOCKS, seen_once());
	EXPECT_EQ(1U, dh->units);

	/* Bytes per followed socket: one unit of 3 pages for 256. */
	self_read(&sf, &b1, &n1);
	TH_LOG("dir_bytes %llu, dir_blocks %llu for %u sockets: %llu bytes per socket",
	       (unsigned long long)(b1 - b0), (unsigned long long)(n1 - n0),
	       N_SOCKS, (unsigned long long)((b1 - b0) / N_SOCKS));
	EXPECT_EQ((uint64_t)N_SOCKS, n1 - n0);
	EXPECT_EQ(3ULL * 4096 * dh->units, b1 - b0);
	EXPECT_GE(64ULL * N_SOCKS, b1 - b0);

	/* Distinct traffic; at quiescence the cells == TCP_INFO. */
	for (k = 0; k < N_SAMPLE; k++) {
		struct conn *c = &conns[sample(k)];

		ASSERT_EQ(0, pump(c->cli, c->srv, fwd(k)));
		ASSERT_EQ(0, pump(c->srv, c->cli, back(k)));
		ASSERT_EQ(0, wait_quiet(c->cli, c->srv));
	}
	ASSERT_EQ(N_SOCKS, do_scan(reg, &sc));
	for (k = 0; k < N_SAMPLE; k++) {
		for (j = 0; j < 2; j++) {
			unsigned int x = 2 * sample(k) + j;
			struct snap_ctx sx = { reg, &found[x], v };

			ASSERT_EQ(1U, seen[x]);
			ASSERT_EQ(0, info_consistent(fd_of(x), &ti[k][j],
						     snap_cb, &sx));
			EXPECT_EQ(ti[k][j].tcpi_bytes_received, v[ir])
				TH_LOG("conn %u %s bytes_received", k,
				       j ? "server" : "client");
			EXPECT_EQ(ti[k][j].tcpi_bytes_sent, v[is])
				TH_LOG("conn %u %s bytes_sent", k,
				       j ? "server" : "client");
		}
		EXPECT_EQ(fwd(k), ti[k][1].tcpi_bytes_received);
		EXPECT_EQ(back(k), ti[k][0].tcpi_bytes_received);
	}

	/* A second monitor of a subset shares the blocks. */
	reg2 = reg_sel(&self->s, sent, LINGER_MS);
	ASSERT_NE(NULL, reg2) TH_LOG("register tcp-all bytes_sent: %s (%s)",
				     strerror(errno), self->s.extack);
	ASSERT_EQ(1U, reg2->n);
	EXPECT_EQ(16U, reg2->ctr[0].offset);
	EXPECT_EQ(32U, dir_of(reg2)->block_size);
	self_read(&sf, &b2, &n2);
	EXPECT_EQ(b1, b2);
	EXPECT_EQ(n1, n2);
	for (k = 0; k < N_SAMPLE; k++) {
		for (j = 0; j < 2; j++) {
			unsigned int x = 2 * sample(k) + j;
			size_t off = (const char *)found[x].block -
				     (const char *)reg->base;
			uint64_t a, b;

			a = nsm_load((const char *)reg->base + off + 16,
				     NETSTATS_COUNTER_TYPE_U64);
			b = nsm_load((const char *)reg2->base + off + 16,
				     NETSTATS_COUNTER_TYPE_U64);
			EXPECT_EQ(a, b);
			EXPECT_EQ(ti[k][j].tcpi_bytes_sent, b);
		}
	}
	ASSERT_EQ(N_SOCKS, do_scan(reg2, &sc));
	EXPECT_EQ((unsigned int)N_SOCKS, seen_once());

	/* Outside the netns's selection: EBUSY, naming it. */
	bad = reg_sel(&self->s, other, -1);
	EXPECT_EQ(NULL, bad);
	EXPECT_EQ(EBUSY, errno);
	EXPECT_NE(NULL, strstr(self->s.extack, "bytes_received,bytes_sent"))
		TH_LOG("extack \"%s\"", self->s.extack);
	TH_LOG("bytes_sent,segs_in: \"%s\"", self->s.extack);
	bad = reg_sel(&self->s, seqs, -1);
	EXPECT_EQ(NULL, bad);
	EXPECT_EQ(EOPNOTSUPP, errno);
	TH_LOG("bytes_sent,snd_nxt: \"%s\"", self->s.extack);
	bad = reg_sel(&self->s, eight, -1);
	EXPECT_EQ(NULL, bad);
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_NE(NULL, strstr(self->s.extack, "at most 7"));
	TH_LOG("all 8: \"%s\"", self->s.extack);

	/* A full monitor alongside: its slots hold the same values. */
	full = reg_sel(&self->s, NULL, LINGER_MS);
	ASSERT_NE(NULL, full) TH_LOG("register tcp-all: %s", self->s.extack);
	EXPECT_EQ(64U, dir_of(full)->entry_size);
	EXPECT_EQ(64U, dir_of(full)->block_size);
	memcpy(fs, found, sizeof(fs));
	ASSERT_EQ(N_SOCKS, do_scan(full, &sc));
	EXPECT_EQ((unsigned int)N_SOCKS, seen_once());
	EXPECT_EQ((unsigned int)N_SOCKS, sc.named);
	for (k = 0; k < N_SAMPLE; k++) {
		for (j = 0; j < 2; j++) {
			unsigned int x = 2 * sample(k) + j;
			int fr = nsm_find(full, "bytes_received");
			int fsn = nsm_find(full, "bytes_sent");

			ASSERT_LE(0, cells_of(full, &found[x], w, &dead));
			EXPECT_EQ(ti[k][j].tcpi_bytes_received, w[fr]);
			EXPECT_EQ(ti[k][j].tcpi_bytes_sent, w[fsn]);
			ASSERT_LE(0, cells_of(reg, &fs[x], v, &dead));
			EXPECT_EQ(w[fr], v[ir]);
			EXPECT_EQ(w[fsn], v[is]);
		}
	}
	nsm_unregister(full);
	memcpy(found, fs, sizeof(fs));

	/* Unprivileged: the counters are public. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child());
	ASSERT_EQ(pid, waitpid(pid, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && !WEXITSTATUS(ret))
		TH_LOG("uid 65534 selecting monitor: status %#x", ret);

	/*
	 * Disconnect: the block restarts with a new generation (the old
	 * entry no longer names it); a new connect names it again.
	 */
	{
		struct sockaddr sa = { .sa_family = AF_UNSPEC };
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		unsigned int x = 2 * sample(0);
		const struct netstats_block_hdr *h = found[x].block;
		uint32_t g0 = found[x].generation;
		struct tcp_info t;

		ASSERT_EQ(0, connect(conns[sample(0)].cli, &sa, sizeof(sa)));
		EXPECT_NE(g0, __atomic_load_n(&h->generation,
					      __ATOMIC_ACQUIRE));
		EXPECT_EQ(0U, __atomic_load_n(&h->generation,
					      __ATOMIC_ACQUIRE) & 1);
		EXPECT_EQ(0ULL, nsm_load((const char *)h + 16,
					 NETSTATS_COUNTER_TYPE_U64));
		ASSERT_EQ(N_SOCKS - 1, do_scan(reg, &sc));
		EXPECT_EQ(0U, seen[x]);
		ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&ss, &len));
		ASSERT_EQ(0, connect(conns[sample(0)].cli,
				     (struct sockaddr *)&ss, len));
		close(conns[sample(0)].srv);
		conns[sample(0)].srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, conns[sample(0)].srv);
		cookies[x + 1] = cookie_of(conns[sample(0)].srv);
		ASSERT_EQ(0, pump(conns[sample(0)].cli, conns[sample(0)].srv,
				  777));
		ASSERT_EQ(0, wait_quiet(conns[sample(0)].cli,
					conns[sample(0)].srv));
		ASSERT_LE(N_SOCKS - 1, do_scan(reg, &sc));
		ASSERT_EQ(1U, seen[x]);
		EXPECT_NE(g0, found[x].generation);
		ASSERT_LE(0, cells_of(reg, &found[x], v, &dead));
		ASSERT_EQ(0, tcp_info_get(conns[sample(0)].cli, &t));
		EXPECT_EQ(777ULL, v[is]);
		EXPECT_EQ(t.tcpi_bytes_sent, v[is]);
		/* The old server socket, closed: DEAD or gone later. */
	}

	/*
	 * Destroy: the sample's other connections exchange their FINs
	 * (bytes_received counts a FIN), then are closed after a last
	 * TCP_INFO; their blocks turn DEAD with those values, are announced
	 * and gone after dead-linger-ms.
	 */
	ASSERT_LE(0, nsm_read_dead(&mon, self->s.portid, dead_cb, &dn));
	dn.id = reg->r.id;
	dn.ours = 0;
	dn.other = 0;
	memset(dn.got, 0, sizeof(dn.got));
	self_read(&sf, &b1, &n1);
	for (k = 1; k < N_SAMPLE; k++) {
		struct conn *c = &conns[sample(k)];

		ASSERT_EQ(0, shutdown(c->cli, SHUT_WR));
		ASSERT_EQ(0, shutdown(c->srv, SHUT_WR));
		ASSERT_EQ(0, wait_quiet(c->cli, c->srv));
		for (j = 0; j < 2; j++)
			ASSERT_EQ(0, tcp_info_get(fd_of(2 * sample(k) + j),
						  &ti[k][j]));
		EXPECT_EQ(fwd(k) + 1, ti[k][1].tcpi_bytes_received);
		close(c->srv);
		close(c->cli);
		c->srv = -1;
		c->cli = -1;
	}
	t0 = now_ms();
	do {
		do_scan(reg, &sc);
		for (i = 0, k = 1; k < N_SAMPLE; k++)
			for (j = 0; j < 2; j++)
				i += found[2 * sample(k) + j].dead;
		if (i == 2 * (N_SAMPLE - 1))
			break;
		usleep(5000);
	} while (now_ms() - t0 < LINGER_MS / 2);
	TH_LOG("%u closes seen DEAD in %llu ms", 2 * (N_SAMPLE - 1),
	       (unsigned long long)(now_ms() - t0));
	EXPECT_EQ(2U * (N_SAMPLE - 1), i);
	for (k = 1; k < N_SAMPLE; k++) {
		for (j = 0; j < 2; j++) {
			unsigned int x = 2 * sample(k) + j;

			ASSERT_EQ(1U, seen[x]);
			ASSERT_LE(0, cells_of(reg, &found[x], v, &dead));
			EXPECT_TRUE(dead);
			EXPECT_EQ(ti[k][j].tcpi_bytes_received, v[ir]);
			EXPECT_EQ(ti[k][j].tcpi_bytes_sent, v[is]);
		}
	}
	for (t0 = now_ms(); dn.ours < 2 * (N_SAMPLE - 1) &&
	     now_ms() - t0 < 3000;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(mon.nl),
				    .events = POLLIN };

		poll(&p, 1, 100);
		ASSERT_LE(0, nsm_read_dead(&mon, self->s.portid, dead_cb,
					   &dn));
	}
	/* Both monitors are told; dn counts the first one's. */
	EXPECT_LE(2U * (N_SAMPLE - 1), dn.ours);
	usleep((LINGER_MS + 500) * 1000);
	ret = do_scan(reg, &sc);
	EXPECT_EQ(0U, sc.dead);
	for (k = 1; k < N_SAMPLE; k++)
		for (j = 0; j < 2; j++)
			EXPECT_EQ(0U, seen[2 * sample(k) + j]);
	self_read(&sf, &b2, &n2);
	/* A block per live socket of ours: 14 closed (and the server
	 * socket replaced after the disconnect).
	 */
	EXPECT_EQ((uint64_t)(N_SOCKS - 2 * (N_SAMPLE - 1)), n2 - n0);
	TH_LOG("after the closes: %d sockets, dir_blocks %llu -> %llu",
	       ret, (unsigned long long)n1, (unsigned long long)n2);

	nsm_unregister(reg2);
	nsm_unregister(reg);
	nsm_unregister(sf.reg);
	nsnl_close(&mon);
}

/* Selections of 1, 3, 4 and 7 counters: 16, 32, 64, 64-byte blocks. */
TEST_F_TIMEOUT(tcp_all_sel, block_sizes, 120)
{
	static const char *const sel[4][8] = {
		{ "bytes_sent", NULL },
		{ "bytes_received", "bytes_sent", "segs_out", NULL },
		{ "bytes_received", "bytes_sent", "segs_in", "segs_out", NULL },
		{ "bytes_received", "bytes_sent", "bytes_acked", "segs_in",
		  "data_segs_in", "segs_out", "data_segs_out", NULL },
	};
	static const unsigned int bsize[4] = { 16, 32, 64, 64 };
	uint64_t v[8], ba, na, bb, nb;
	struct self sf;
	struct nsm_reg *reg;
	unsigned int i, j, k;
	struct tcp_info t;
	struct scan sc;
	bool dead;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, open_conn(i));
	for (k = 0; k < 4; k++)
		ASSERT_EQ(0, pump(conns[k].cli, conns[k].srv, 100 + k));
	for (k = 0; k < 4; k++)
		ASSERT_EQ(0, wait_quiet(conns[k].cli, conns[k].srv));
	/*
	 * Each selection after the previous monitor went: the sockets,
	 * whose blocks of the older layout outlive it, get blocks of the
	 * new one.
	 */
	for (i = 0; i < 4; i++) {
		const struct netstats_dir_hdr *dh;
		int is;

		reg = reg_sel(&self->s, sel[i], 0);
		ASSERT_NE(NULL, reg) TH_LOG("selection %u: %s (%s)", i,
					    strerror(errno), self->s.extack);
		dh = dir_of(reg);
		EXPECT_EQ(bsize[i], dh->block_size);
		EXPECT_EQ(bsize[i] / 16 + 1, dh->unit_pages);
		EXPECT_EQ(bsize[i] / 16, dh->entry_page);
		EXPECT_EQ(16U, dh->entry_size);
		for (j = 0; sel[i][j]; j++)
			;
		EXPECT_EQ(j, reg->n);
		is = nsm_find(reg, "bytes_sent");
		ASSERT_LE(0, is);
		ASSERT_EQ(8, do_scan(reg, &sc));
		EXPECT_EQ(8U, seen_once());
		for (k = 0; k < 8; k++) {
			ASSERT_LE(0, cells_of(reg, &found[k], v, &dead));
			EXPECT_FALSE(dead);
			ASSERT_EQ(0, tcp_info_get(fd_of(k), &t));
			EXPECT_EQ(t.tcpi_bytes_sent, v[is])
				TH_LOG("selection %u socket %u", i, k);
			for (j = 0; j < reg->n; j++)
				EXPECT_GT(bsize[i], reg->ctr[j].offset);
		}
		nsm_unregister(reg);
	}

	/*
	 * The last selection again, while its blocks outlive its monitor:
	 * its units serve again, no page or block is added.  (The blocks of
	 * the older selections are freed by then: a grace period.)
	 */
	ASSERT_EQ(0, self_open(&self->s, &sf))
		TH_LOG("netstats group: %s", self->s.extack);
	usleep(300000);
	self_read(&sf, &ba, &na);
	reg = reg_sel(&self->s, sel[3], 0);
	ASSERT_NE(NULL, reg) TH_LOG("%s", self->s.extack);
	ASSERT_EQ(8, do_scan(reg, &sc));
	EXPECT_EQ(8U, seen_once());
	self_read(&sf, &bb, &nb);
	EXPECT_EQ(ba, bb);
	EXPECT_EQ(na, nb);
	TH_LOG("same selection again: dir_bytes %llu -> %llu, dir_blocks %llu -> %llu",
	       (unsigned long long)ba, (unsigned long long)bb,
	       (unsigned long long)na, (unsigned long long)nb);
	nsm_unregister(reg);
	nsm_unregister(sf.reg);
}

TEST_HARNESS_MAIN
