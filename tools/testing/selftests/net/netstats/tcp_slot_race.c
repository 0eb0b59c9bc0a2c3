// SPDX-License-Identifier: GPL-2.0
/*
 * A registered TCP socket is destroyed while its peer floods it: no
 * store of the dying socket may reach its slot once the slot is detached,
 * nor a slot that a new registration took, nor a freed page.
 *
 * tcp_v4_rcv() mirrors segs_in under the socket spinlock before it checks
 * whether a process owns the socket, so a writer in softirq runs while
 * the owner closes.  Each close path that destroys the counters is tried
 * while a flood runs: SO_LINGER {1, 0}, close in TCP_REPAIR, close with
 * unread data (RST, destroyed under the spinlock) and an orphan killed by
 * the peer's RST (destroyed in softirq or from the backlog).  Every
 * iteration registers a new socket as soon as the victim is DEAD, so a
 * freed slot is reused at once, and checks that the new socket's mapped
 * counters and those of registered neighbours equal TCP_INFO.
 *
 * On a kernel with CONFIG_NETSTATS_DEBUG the writer waits
 * netstats/tcp_store_delay_us (debugfs) between its load of the slot
 * pointer and its stores, and counts stores whose slot was detached
 * meanwhile (netstats/tcp_detached_stores): that count must stay 0.
 * netstats_tcp_destroy() waits netstats/tcp_destroy_delay_us before it
 * detaches the slot, so segments arrive while an owner is destroying the
 * socket.  Without these knobs the windows are narrow and the test mostly
 * shows that the paths work; KASAN would see a store into a freed page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "../../kselftest_harness.h"
#include "tcp_util.h"

#define DEBUGFS		"/sys/kernel/debug/netstats/"
#define DELAY_US	3000	/* the writer's window, debug kernels only */
#define DESTROY_US	10000	/* destroy's window, debug kernels only */
#define N_NEIGHBOURS	4
#define N_ITER		12	/* per path */
#define BUDGET_MS	25000	/* per path, whatever the kernel's speed */

/* The counters of the group that TCP_INFO also reports, its order. */
static const char info_ctrs[][16] = {
	"bytes_received", "segs_in", "data_segs_in", "segs_out",
	"data_segs_out", "bytes_sent", "bytes_acked", "dsack_dups",
};

#define N_INFO	ARRAY_SIZE(info_ctrs)

enum close_path {
	LINGER0,	/* abortive close: destroyed under lock_sock */
	REPAIR,		/* close in repair mode: likewise, no RST */
	UNREAD,		/* unread data: RST, destroyed under the spinlock */
	PEER_RST,	/* orphan reset by its peer: softirq or backlog */
};

static int debugfs_read(const char *name, unsigned long long *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	return file_read_ull(path, val);
}

static int debugfs_write(const char *name, unsigned long long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	snprintf(buf, sizeof(buf), "%llu", val);
	return file_write_str(path, buf);
}

/*
 * The mapped counters of @reg that TCP_INFO also has equal TCP_INFO of
 * @fd; both ends are quiescent.  Return the index of the first counter
 * that differs, -1 if none, -2 on error.
 */
static int mapped_vs_info(const struct nsm_reg *reg, int fd,
			  uint64_t *mapped, uint64_t *info)
{
	struct tcp_info ti;
	unsigned int i;
	int idx;

	if (tcp_info_get(fd, &ti))
		return -2;
	for (i = 0; i < N_INFO; i++) {
		idx = nsm_find(reg, info_ctrs[i]);
		if (idx < 0 || nsm_read(reg, idx, mapped))
			return -2;
		*info = tcp_info_val(&ti, i);
		if (*mapped != *info)
			return i;
	}
	return -1;
}

/* Read what is queued on @fd without blocking. */
static void drain(int fd)
{
	while (recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT) > 0)
		;
}

/*
 * Segments for the victim: data sent to it, or, when the victim itself
 * sends, the peer's ACKs (segs_in counts both).  The victim's fd may be
 * closed under us: any error but EAGAIN ends the flood.
 */
struct flood {
	int tx, rx;
	bool stop;	/* __atomic: set by the main thread */
	pthread_t thread;
};

static void *flood_fn(void *arg)
{
	struct flood *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		if (send(f->tx, txbuf, 1024, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			break;
		if (f->rx >= 0)
			drain(f->rx);
	}
	return NULL;
}

static int wait_dead(const struct nsm_reg *reg)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (nsm_dead(reg))
			return 0;
		usleep(2000);
	}
	return -1;
}

FIXTURE(slot_race) {
	struct nsnl s;
	struct conn nb[N_NEIGHBOURS];
	struct nsm_reg *nb_reg[N_NEIGHBOURS];
	unsigned long long late0;
	bool delay;
};

FIXTURE_VARIANT(slot_race) {
	enum close_path path;
};

FIXTURE_VARIANT_ADD(slot_race, linger0) { .path = LINGER0 };
FIXTURE_VARIANT_ADD(slot_race, repair) { .path = REPAIR };
FIXTURE_VARIANT_ADD(slot_race, unread) { .path = UNREAD };
FIXTURE_VARIANT_ADD(slot_race, peer_rst) { .path = PEER_RST };

FIXTURE_SETUP(slot_race)
{
	unsigned long long v;
	int i;

	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	ASSERT_EQ(0, nsnl_open(&self->s));
	/* Registered, idle neighbours share the victims' page. */
	for (i = 0; i < N_NEIGHBOURS; i++) {
		tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &self->nb[i]);
		ASSERT_EQ(0, pump(self->nb[i].cli, self->nb[i].srv, 1000 + i));
		self->nb_reg[i] = nsm_register_fd(&self->s, self->nb[i].srv);
		ASSERT_NE(NULL, self->nb_reg[i]) TH_LOG("%s", self->s.extack);
	}
	self->delay = !debugfs_read("tcp_store_delay_us", &v) &&
		      !debugfs_write("tcp_store_delay_us", DELAY_US) &&
		      !debugfs_write("tcp_destroy_delay_us", DESTROY_US);
	if (self->delay)
		ASSERT_EQ(0, debugfs_read("tcp_detached_stores", &self->late0));
	TH_LOG("writer delay %s", self->delay ? "on (debug kernel)" :
	       "not available: narrow windows only");
}

FIXTURE_TEARDOWN(slot_race)
{
	int i;

	if (self->delay) {
		debugfs_write("tcp_store_delay_us", 0);
		debugfs_write("tcp_destroy_delay_us", 0);
	}
	for (i = 0; i < N_NEIGHBOURS; i++) {
		nsm_unregister(self->nb_reg[i]);
		close_conn(&self->nb[i]);
	}
	nsnl_close(&self->s);
}

/* Destroy the server end of @v by @path while @f floods it. */
static void victim_close(struct __test_metadata *_metadata,
			 enum close_path path, struct conn *v)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1;

	switch (path) {
	case LINGER0:
		ASSERT_EQ(0, setsockopt(v->srv, SOL_SOCKET, SO_LINGER, &lg,
					sizeof(lg)));
		/* Nothing unread, or this is the unread path. */
		drain(v->srv);
		break;
	case REPAIR:
		ASSERT_EQ(0, setsockopt(v->srv, IPPROTO_TCP, TCP_REPAIR, &one,
					sizeof(one)));
		break;
	case UNREAD:
		break;
	case PEER_RST:
		/* Everything read: close() sends a FIN and orphans it. */
		drain(v->srv);
		break;
	}
	close(v->srv);
	v->srv = -1;
	if (path == PEER_RST) {
		/* The peer aborts: its RST kills the orphan. */
		ASSERT_EQ(0, setsockopt(v->cli, SOL_SOCKET, SO_LINGER, &lg,
					sizeof(lg)));
		close(v->cli);
		v->cli = -1;
	}
}

TEST_F(slot_race, close_while_flooded)
{
	uint64_t start = now_ms();
	unsigned long long late = 0;
	uint64_t mapped, info;
	int it, i, bad;

	memset(txbuf, 0x5a, sizeof(txbuf));
	for (it = 0; it < N_ITER && now_ms() - start < BUDGET_MS; it++) {
		struct nsm_reg *vreg, *rreg;
		struct flood f = {};
		struct conn v, r;

		tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &v);
		vreg = nsm_register_fd(&self->s, v.srv);
		ASSERT_NE(NULL, vreg) TH_LOG("%s", self->s.extack);
		/* The next registration is ready before the victim dies. */
		tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &r);
		ASSERT_EQ(0, pump(r.cli, r.srv, 100 + it));
		ASSERT_EQ(0, wait_quiet(r.cli, r.srv));

		/* An abortive close of a socket with unread data is the
		 * unread path: the victim reads what the flood sends it,
		 * and is closed right after a read.
		 */
		f.tx = v.cli;
		f.rx = variant->path == LINGER0 ? v.srv : -1;
		ASSERT_EQ(0, pthread_create(&f.thread, NULL, flood_fn, &f));
		usleep(5000 + 1000 * (it % 4));
		if (variant->path == PEER_RST) {
			/* Destroyed in softirq: the RST is the last segment. */
			__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
			pthread_join(f.thread, NULL);
		}
		victim_close(_metadata, variant->path, &v);

		/* Churn: the victim's slot is reused as soon as it is free. */
		ASSERT_EQ(0, wait_dead(vreg));
		rreg = nsm_register_fd(&self->s, r.srv);
		ASSERT_NE(NULL, rreg) TH_LOG("%s", self->s.extack);
		__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
		if (variant->path != PEER_RST)
			pthread_join(f.thread, NULL);
		/* Longer than any store the victim still had in flight. */
		usleep(4 * DELAY_US);

		bad = mapped_vs_info(rreg, r.srv, &mapped, &info);
		ASSERT_EQ(-1, bad)
			TH_LOG("iteration %d: new registration's %s: mapped %llu, TCP_INFO %llu",
			       it, bad >= 0 ? info_ctrs[bad] : "?",
			       (unsigned long long)mapped,
			       (unsigned long long)info);
		nsm_unregister(rreg);
		nsm_unregister(vreg);
		close_conn(&r);
		close_conn(&v);
	}
	TH_LOG("%d iterations in %llu ms", it,
	       (unsigned long long)(now_ms() - start));

	for (i = 0; i < N_NEIGHBOURS; i++) {
		bad = mapped_vs_info(self->nb_reg[i], self->nb[i].srv,
				     &mapped, &info);
		EXPECT_EQ(-1, bad)
			TH_LOG("neighbour %d: %s: mapped %llu, TCP_INFO %llu",
			       i, bad >= 0 ? info_ctrs[bad] : "?",
			       (unsigned long long)mapped,
			       (unsigned long long)info);
	}
	if (self->delay) {
		ASSERT_EQ(0, debugfs_read("tcp_detached_stores", &late));
		EXPECT_EQ(0, late - self->late0)
			TH_LOG("%llu stores reached a detached slot",
			       late - self->late0);
	}
}

TEST_HARNESS_MAIN
