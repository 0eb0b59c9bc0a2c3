// SPDX-License-Identifier: GPL-2.0
/*
 * copied_seq moves on paths other than recvmsg(): splice()
 * (tcp_read_sock()), urgent data consumed out of band (tcp_check_urg()
 * steps over the urgent byte) and a TCP_REPAIR restore of the receive
 * queue's sequence number (TCP_QUEUE_SEQ).  After each, the mapped
 * rcv_nxt - copied_seq must equal SIOCINQ, and a repair restore must show
 * the restored sequence numbers.
 *
 * A disconnect resets the counters in place while readers read: with a
 * debug kernel stretching the reset, a reader following the documented
 * protocol (retry while the generation is odd or moves) never sees a
 * counter go back within one generation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "nsmap.h"
#include "../../kselftest_harness.h"
#include "tcp_util.h"

FIXTURE(paths) {
	struct nsnl s;
	struct nsm_reg *reg;
	struct conn c;
};

FIXTURE_SETUP(paths)
{
	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	tcp_conn_setup(_metadata, AF_INET, "127.0.0.1", &self->c);
	ASSERT_EQ(0, nsnl_open(&self->s));
	self->reg = nsm_register_fd(&self->s, self->c.srv);
	ASSERT_NE(NULL, self->reg) TH_LOG("%s", self->s.extack);
}

FIXTURE_TEARDOWN(paths)
{
	nsm_unregister(self->reg);
	nsnl_close(&self->s);
	close_conn(&self->c);
}

static __u32 mapped(struct __test_metadata *_metadata,
		    const struct nsm_reg *reg, const char *name)
{
	int idx = nsm_find(reg, name);
	uint64_t v = 0;

	EXPECT_LE(0, idx);
	if (idx >= 0)
		EXPECT_EQ(0, nsm_read(reg, idx, &v));
	return v;
}

/* The mapped bytes in the receive queue equal SIOCINQ's. */
static void check_inq(struct __test_metadata *_metadata,
		      const struct nsm_reg *reg, int fd, int want)
{
	__u32 rcv_nxt = mapped(_metadata, reg, "rcv_nxt");
	__u32 copied = mapped(_metadata, reg, "copied_seq");
	int inq;

	ASSERT_EQ(0, ioctl(fd, SIOCINQ, &inq));
	EXPECT_EQ(want, inq);
	EXPECT_EQ((__u32)inq, rcv_nxt - copied)
		TH_LOG("mapped rcv_nxt %u - copied_seq %u != SIOCINQ %d",
		       rcv_nxt, copied, inq);
}

TEST_F(paths, splice)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(5000, send(self->c.cli, txbuf, 5000, 0));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(3000, splice(self->c.srv, NULL, p[1], NULL, 3000, 0));
	check_inq(_metadata, self->reg, self->c.srv, 2000);
	close(p[0]);
	close(p[1]);
}

/*
 * A reader that took an urgent byte out of band still sits before it in
 * the stream; when the next urgent pointer comes, tcp_check_urg() steps
 * copied_seq over the old byte in softirq, with no read.  SIOCINQ counts
 * up to the new urgent byte (tcp_inq()), the mapping must show the step.
 */
TEST_F(paths, urgent_out_of_band)
{
	__u32 copied, rcv_nxt;
	char b[8];
	int inq;

	ASSERT_EQ(3, send(self->c.cli, "abc", 3, 0));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(3, recv(self->c.srv, b, sizeof(b), 0));
	ASSERT_EQ(1, send(self->c.cli, "d", 1, MSG_OOB));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(1, recv(self->c.srv, b, 1, MSG_OOB));
	EXPECT_EQ('d', b[0]);
	copied = mapped(_metadata, self->reg, "copied_seq");

	ASSERT_EQ(1, send(self->c.cli, "e", 1, MSG_OOB));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);
	rcv_nxt = mapped(_metadata, self->reg, "rcv_nxt");
	EXPECT_EQ(copied + 1, mapped(_metadata, self->reg, "copied_seq"))
		TH_LOG("copied_seq did not step over the old urgent byte");
	EXPECT_EQ(1, rcv_nxt - mapped(_metadata, self->reg, "copied_seq"));
}

/* As a checkpoint restore does: on a closed socket in repair mode. */
TEST_F(paths, repair_queue_seq)
{
	int on = 1, q = TCP_RECV_QUEUE, fd;
	__u32 seq = 0x12345678;
	struct nsm_reg *reg;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	reg = nsm_register_fd(&self->s, fd);
	ASSERT_NE(NULL, reg) TH_LOG("%s", self->s.extack);
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q,
				sizeof(q)));
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, &seq,
				sizeof(seq)));
	EXPECT_EQ(seq, mapped(_metadata, reg, "rcv_nxt"));
	EXPECT_EQ(seq, mapped(_metadata, reg, "copied_seq"));
	nsm_unregister(reg);
	close(fd);
}

#define RESET_DELAY "/sys/kernel/debug/netstats/tcp_reset_delay_us"

struct resetter {
	int fd;
	struct sockaddr_in peer;
	int lfd;
	bool done;		/* written by the thread, atomically */
	int rounds;
};

/* Sends, disconnects (the reset), reconnects; the peers are dropped. */
static void *reset_loop(void *arg)
{
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC };
	struct resetter *r = arg;
	int i, a;

	for (i = 0; i < 20; i++) {
		if (send(r->fd, txbuf, 3000, 0) != 3000)
			break;
		usleep(20000);
		if (connect(r->fd, (void *)&unspec, sizeof(unspec)))
			break;
		if (connect(r->fd, (void *)&r->peer, sizeof(r->peer)))
			break;
		a = accept(r->lfd, NULL, NULL);
		if (a >= 0)
			close(a);
		r->rounds++;
	}
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

TEST(reset_seen_whole)
{
	struct resetter r = { .peer = { .sin_family = AF_INET } };
	socklen_t len = sizeof(r.peer);
	uint64_t vals[16], last = 0;
	uint32_t gen, last_gen = 0;
	unsigned int gens = 0;
	int idx, back = 0, a;
	struct nsm_reg *reg;
	struct nsnl s;
	pthread_t t;

	if (access(RESET_DELAY, W_OK))
		SKIP(return, "needs CONFIG_NETSTATS_DEBUG (make check DEBUG=1)");
	if (!tcp_netns_setup(_metadata, AF_INET))
		return;
	memset(txbuf, 0x5a, sizeof(txbuf));
	r.peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r.lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(r.lfd, (void *)&r.peer, sizeof(r.peer)));
	ASSERT_EQ(0, listen(r.lfd, 64));
	ASSERT_EQ(0, getsockname(r.lfd, (void *)&r.peer, &len));
	r.fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(r.fd, (void *)&r.peer, sizeof(r.peer)));
	a = accept(r.lfd, NULL, NULL);
	close(a);

	ASSERT_EQ(0, nsnl_open(&s));
	reg = nsm_register_fd(&s, r.fd);
	ASSERT_NE(NULL, reg) TH_LOG("%s", s.extack);
	idx = nsm_find(reg, "bytes_sent");
	ASSERT_LE(0, idx);
	ASSERT_GT(16, idx);

	/* Each reset of the counters takes 20 ms. */
	ASSERT_EQ(0, file_write_str(RESET_DELAY, "20000"));
	ASSERT_EQ(0, pthread_create(&t, NULL, reset_loop, &r));
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		if (nsm_snapshot(reg, vals, idx + 1, &gen) < 0)
			continue;
		if (gen != last_gen) {
			gens++;
		} else if (vals[idx] < last) {
			back++;
			TH_LOG("generation %u: bytes_sent %llu after %llu", gen,
			       (unsigned long long)vals[idx],
			       (unsigned long long)last);
		}
		last_gen = gen;
		last = vals[idx];
	}
	pthread_join(t, NULL);
	file_write_str(RESET_DELAY, "0");
	EXPECT_EQ(20, r.rounds);
	EXPECT_LE(5, gens);
	EXPECT_EQ(0, back);
	nsm_unregister(reg);
	nsnl_close(&s);
	close(r.fd);
	close(r.lfd);
}

TEST_HARNESS_MAIN
