// SPDX-License-Identifier: GPL-2.0
/*
 * A mapping holds the sequence numbers of exactly the sockets its netlink
 * socket registered with them (by fd, or by cookie with CAP_NET_ADMIN),
 * and no other socket's, in any byte it can map.
 *
 * two_processes_one_uid: two processes of one unprivileged uid each
 *	register a socket of their own by fd; neither finds the other's
 *	sequence numbers anywhere in its range.
 * orphan: an orphaned socket (closed, still sending) is given a slot by
 *	a tcp-all monitor; root registers a socket of its own by fd through
 *	another netlink socket and finds none of the orphan's sequence
 *	numbers in its range, while its own are right (SIOCINQ).
 *
 * Sequence numbers start at random 32-bit values: finding two of another
 * socket's in a range is no accident.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "../../kselftest_harness.h"
#include "tcp_util.h"

#ifndef SO_COOKIE
#define SO_COOKIE	57
#endif

static const char seq_ctrs[][12] = {
	"rcv_nxt", "copied_seq", "rcv_wup", "snd_nxt", "snd_una",
};

#define N_SEQ	ARRAY_SIZE(seq_ctrs)

/* The sequence numbers of a registration by fd, from its mapping. */
static int own_seq(const struct nsm_reg *reg, __u32 *seq)
{
	unsigned int i;
	uint64_t v;
	int idx;

	for (i = 0; i < N_SEQ; i++) {
		idx = nsm_find(reg, seq_ctrs[i]);
		if (idx < 0 || nsm_read(reg, idx, &v))
			return -1;
		seq[i] = v;
	}
	return 0;
}

/*
 * How many of the distinct values of @seq appear as an aligned __u32
 * anywhere in the range of @reg (every page of it).
 */
static int scan_range(const struct nsm_reg *reg, const __u32 *seq)
{
	long page = sysconf(_SC_PAGESIZE);
	const __u32 *p;
	size_t i, n, len = 0;
	unsigned int j, k;
	bool seen[N_SEQ] = {};
	int hits = 0;

	for (i = 0; i < reg->n; i++)
		if (reg->ctr[i].offset + 8 > len)
			len = reg->ctr[i].offset + 8;
	len = (len + page - 1) / page * page;
	p = (const __u32 *)((uintptr_t)reg->base / page * page);
	n = len / sizeof(*p);
	for (i = 0; i < n; i++)
		for (j = 0; j < N_SEQ; j++)
			if (!seen[j] && __atomic_load_n(&p[i], __ATOMIC_RELAXED) ==
					seq[j])
				seen[j] = true;
	for (j = 0; j < N_SEQ; j++) {
		for (k = 0; k < j; k++)
			if (seq[k] == seq[j])
				break;
		hits += seen[j] && k == j;
	}
	return hits;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/*
 * One of two processes of uid nobody: a connection of its own, its
 * server end registered by fd; tells the parent its sequence numbers on
 * @to, gets the other process's on @from, scans its own range for them.
 * Exit status: 0 none found, 1 found, 2+ set-up failed.
 */
static int seq_child(int to, int from)
{
	__u32 mine[N_SEQ], other[N_SEQ];
	struct nsm_reg *reg;
	struct conn c;
	struct nsnl s;
	int hits, done;

	if (drop_to_nobody())
		return 2;
	if (make_conn(AF_INET, "127.0.0.1", 0, 0, &c))
		return 3;
	memset(txbuf, 0x5a, sizeof(txbuf));
	if (pump(c.cli, c.srv, 3000) || pump(c.srv, c.cli, 2000))
		return 4;
	if (nsnl_open(&s))
		return 5;
	reg = nsm_register_fd(&s, c.srv);
	if (!reg) {
		fprintf(stderr, "# register: %s\n", s.extack);
		return 6;
	}
	if (own_seq(reg, mine) || !mine[0] || !mine[3])
		return 7;
	if (write(to, mine, sizeof(mine)) != sizeof(mine) ||
	    read(from, other, sizeof(other)) != sizeof(other))
		return 8;
	hits = scan_range(reg, other);
	if (hits >= 2)
		fprintf(stderr,
			"# uid %d found %d of the other process's sequence numbers in its range\n",
			getuid(), hits);
	/* Both stay registered until both scanned. */
	if (write(to, &hits, sizeof(hits)) != sizeof(hits) ||
	    read(from, &done, sizeof(done)) != sizeof(done))
		return 8;
	nsm_unregister(reg);
	nsnl_close(&s);
	close_conn(&c);
	return hits >= 2;
}

TEST(two_processes_one_uid)
{
	int a_to[2], a_from[2], b_to[2], b_from[2], st_a, st_b, i;
	__u32 seq[2][N_SEQ];
	pid_t a, b;
	int hits;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	ASSERT_EQ(0, pipe(a_to));
	ASSERT_EQ(0, pipe(a_from));
	ASSERT_EQ(0, pipe(b_to));
	ASSERT_EQ(0, pipe(b_from));
	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		_exit(seq_child(a_to[1], a_from[0]));
	b = fork();
	ASSERT_LE(0, b);
	if (!b)
		_exit(seq_child(b_to[1], b_from[0]));

	/* Exchange the sequence numbers, then the scan results. */
	if (read(a_to[0], seq[0], sizeof(seq[0])) == sizeof(seq[0]) &&
	    read(b_to[0], seq[1], sizeof(seq[1])) == sizeof(seq[1])) {
		ASSERT_EQ(sizeof(seq[1]), write(a_from[1], seq[1],
						sizeof(seq[1])));
		ASSERT_EQ(sizeof(seq[0]), write(b_from[1], seq[0],
						sizeof(seq[0])));
		for (i = 0; i < 2; i++) {
			if (read(i ? b_to[0] : a_to[0], &hits,
				 sizeof(hits)) != sizeof(hits))
				break;
		}
		hits = 0;
		ASSERT_EQ(sizeof(hits), write(a_from[1], &hits, sizeof(hits)));
		ASSERT_EQ(sizeof(hits), write(b_from[1], &hits, sizeof(hits)));
	}
	close(a_from[1]);
	close(b_from[1]);
	ASSERT_EQ(a, waitpid(a, &st_a, 0));
	ASSERT_EQ(b, waitpid(b, &st_b, 0));
	ASSERT_TRUE(WIFEXITED(st_a));
	ASSERT_TRUE(WIFEXITED(st_b));
	EXPECT_EQ(0, WEXITSTATUS(st_a));
	EXPECT_EQ(0, WEXITSTATUS(st_b));
}

struct find_ctx {
	__u64 cookie;
	bool found;
};

TEST(orphan)
{
	struct nsm_reg *mon, *reg;
	struct nsnl ns1, ns2;
	struct nsm_sock sock;
	__u32 oseq[N_SEQ], mine[N_SEQ];
	uint64_t vals[32];
	__u64 cookie = 0;
	int sync_to[2], sync_from[2], status, inq, i, idx;
	socklen_t len = sizeof(cookie);
	unsigned int j;
	struct conn r;
	char c = 0;
	pid_t pid;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	/* The orphan's sequence numbers are learnt through tcp-all. */
	ASSERT_EQ(0, nsnl_open(&ns1));
	mon = nsm_register(&ns1, NETSTATS_GROUP_TCP_ALL);
	if (!mon && !strcmp(ns1.extack, "unknown counter group")) {
		nsnl_close(&ns1);
		SKIP(return, "no tcp-all group");
	}
	ASSERT_NE(NULL, mon) TH_LOG("%s", ns1.extack);
	nsm_unregister(mon);
	ASSERT_EQ(0, pipe(sync_to));
	ASSERT_EQ(0, pipe(sync_from));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct conn o;
		int flags;

		/* An orphan of nobody's, still sending: its peer reads
		 * nothing and keeps its window closed.
		 */
		if (drop_to_nobody() ||
		    make_conn(AF_INET, "127.0.0.1", 4096, 0, &o))
			_exit(2);
		flags = fcntl(o.cli, F_GETFL);
		fcntl(o.cli, F_SETFL, flags | O_NONBLOCK);
		memset(txbuf, 0x33, sizeof(txbuf));
		for (i = 0; i < 1000; i++)
			if (send(o.cli, txbuf, sizeof(txbuf), 0) < 0)
				break;
		if (getsockopt(o.cli, SOL_SOCKET, SO_COOKIE, &cookie, &len))
			_exit(3);
		close(o.cli);
		if (write(sync_to[1], &cookie, sizeof(cookie)) !=
		    sizeof(cookie))
			_exit(4);
		/* Keep the peer (and so the orphan) until told. */
		if (read(sync_from[0], &c, 1) < 0)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(sizeof(cookie), read(sync_to[0], &cookie, sizeof(cookie)));

	/* A tcp-all monitor gives the orphan a slot: CAP_NET_ADMIN sees
	 * its sequence numbers there, which is where we learn them.
	 */
	mon = nsm_register(&ns1, NETSTATS_GROUP_TCP_ALL);
	ASSERT_NE(NULL, mon) TH_LOG("%s", ns1.extack);
	ASSERT_EQ(0, nsm_find_sock(mon, cookie, &sock))
		TH_LOG("the orphan is not in the directory");
	ASSERT_LT(0, nsm_sock_snapshot(mon, &sock, vals, 32, NULL));
	for (j = 0; j < N_SEQ; j++) {
		idx = nsm_find(mon, seq_ctrs[j]);
		ASSERT_LE(0, idx);
		oseq[j] = vals[idx];
	}
	ASSERT_NE(0, oseq[3]);

	/* Root's own socket, by fd, through another netlink socket. */
	tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &r);
	ASSERT_EQ(1000, send(r.cli, txbuf, 1000, 0));
	ASSERT_EQ(0, wait_quiet(r.cli, r.srv));
	ASSERT_EQ(0, nsnl_open(&ns2));
	reg = nsm_register_fd(&ns2, r.srv);
	ASSERT_NE(NULL, reg) TH_LOG("%s", ns2.extack);
	ASSERT_EQ(0, own_seq(reg, mine));
	ASSERT_EQ(0, ioctl(r.srv, SIOCINQ, &inq));
	EXPECT_EQ(1000, inq);
	EXPECT_EQ((__u32)inq, mine[0] - mine[1])
		TH_LOG("own mapping: rcv_nxt - copied_seq != SIOCINQ");
	EXPECT_GT(2, scan_range(reg, oseq))
		TH_LOG("the orphan's sequence numbers are in root's range");

	ASSERT_EQ(1, write(sync_from[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	nsm_unregister(reg);
	nsm_unregister(mon);
	nsnl_close(&ns2);
	nsnl_close(&ns1);
	close_conn(&r);
}

TEST_HARNESS_MAIN
