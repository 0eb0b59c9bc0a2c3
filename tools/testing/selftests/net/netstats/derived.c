// SPDX-License-Identifier: GPL-2.0
/*
 * Derived blocks, on the "netstats" group (the core's own objects): the
 * period-ms option as QUERY describes it and REGISTER enforces it, the
 * timestamp advancing at the period under a sequence counter, and the
 * core's live objects going back to what they were once registrations
 * are gone.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "nstest.h"

/* The self group's counters the tests read, as nsnl_reply::want. */
static const char *const want[] = {
	"registrations", "map_files", "snapshot_pages", "live_blocks",
};

struct dreg {
	struct nsnl_reply r;	/* want_off[]: the counters of want[] */
	int n_opts;		/* options in the reply */
	uint64_t period;	/* period-ms in force, as the reply says */
	const void *base;
};

/* Single loads, as READ_ONCE(). */
static uint64_t ld64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

static uint32_t ld32(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

static int dreg_register(struct nsnl *s, uint64_t period, struct dreg *r)
{
	struct nlmsghdr *nlh;
	void *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->r.map_fd = -1;
	memcpy(r->r.want, want, sizeof(want));
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "netstats");
	if (period)
		nsnl_put_option(nlh, "period-ms", period);
	err = nsnl_talk(s, nlh, nsnl_reply_cb, &r->r);
	if (err)
		return err;
	r->n_opts = r->r.n_opts;
	r->period = r->r.period;
	p = mmap(NULL, r->r.size, PROT_READ, MAP_SHARED, r->r.map_fd, r->r.off);
	close(r->r.map_fd);
	if (p == MAP_FAILED)
		return -errno;
	r->base = p;
	return 0;
}

static const struct netstats_derived_hdr *hdr(const struct dreg *r)
{
	return r->base;
}

/* One consistent read of the four counters; returns the timestamp. */
static uint64_t dreg_read(const struct dreg *r, uint64_t v[4])
{
	const struct netstats_derived_hdr *h = hdr(r);
	const char *b = r->base;
	uint32_t seq;
	uint64_t ts;

	for (;;) {
		seq = ld32(&h->seq);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v[0] = ld64(b + r->r.want_off[0]);
		v[1] = ld64(b + r->r.want_off[1]);
		v[2] = ld64(b + r->r.want_off[2]);
		v[3] = ld64(b + r->r.want_off[3]);
		ts = ld64(&h->timestamp_ns);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == ld32(&h->seq))
			return ts;
	}
}

/* Wait for the next update after @ts; returns the new timestamp or 0. */
static uint64_t dreg_next(const struct dreg *r, uint64_t ts, uint64_t v[4])
{
	uint64_t now;
	int i;

	for (i = 0; i < 500; i++) {
		now = dreg_read(r, v);
		if (now != ts)
			return now;
		usleep(10000);
	}
	return 0;
}

FIXTURE(derived)
{
	struct nsnl s;
};

FIXTURE_SETUP(derived)
{
	nstest_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(derived)
{
	nsnl_close(&self->s);
}

TEST_F(derived, timestamp_follows_the_period)
{
	uint64_t v[4], t0, t1, t2;
	struct dreg r;

	ASSERT_EQ(0, dreg_register(&self->s, 50, &r)) TH_LOG("%s", self->s.extack);
	/* The reply says which options are in force; so does the block. */
	EXPECT_EQ(1, r.n_opts);
	EXPECT_EQ(50, r.period);
	EXPECT_EQ(50, ld32(&hdr(&r)->period_ms));
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, ld32(&hdr(&r)->hdr.state));
	t0 = dreg_read(&r, v);
	EXPECT_LE(1, v[0]);	/* this registration */
	EXPECT_LE(1, v[1]);	/* this socket's map file */
	t1 = dreg_next(&r, t0, v);
	t2 = dreg_next(&r, t1, v);
	ASSERT_NE(0, t1);
	ASSERT_NE(0, t2);
	/* Never faster than the period (timer slack only delays). */
	EXPECT_LE(50000000ULL, t2 - t1) TH_LOG("update after %llu ns",
					       (unsigned long long)(t2 - t1));
	EXPECT_EQ(0, ld32(&hdr(&r)->seq) & 1);
}

TEST_F(derived, options_are_checked)
{
	struct nlmsghdr *nlh;
	struct dreg r;

	/* Below the attribute's widest range: the policy refuses it. */
	EXPECT_EQ(-ERANGE, dreg_register(&self->s, 1, &r));
	EXPECT_EQ(NETSTATS_A_REGISTRATION_PERIOD_MS, self->s.bad_type);
	EXPECT_NE(0, self->s.extack[0]);
	/* Within it, above the group's: the core refuses it. */
	EXPECT_EQ(-ERANGE, dreg_register(&self->s, 60001, &r));
	EXPECT_STREQ("period-ms must be within [10, 60000] for this counter group",
		     self->s.extack);
	EXPECT_EQ(NETSTATS_A_REGISTRATION_PERIOD_MS, self->s.bad_type);

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "netstats");
	nsnl_put_option(nlh, "timer-ms", 500);
	EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_STREQ("collection option not taken by this counter group",
		     self->s.extack);
	EXPECT_EQ(NETSTATS_A_REGISTRATION_TIMER_MS, self->s.bad_type);

	/* The default applies without the option, and the reply says so. */
	ASSERT_EQ(0, dreg_register(&self->s, 0, &r));
	EXPECT_EQ(1, r.n_opts);
	EXPECT_EQ(1000, r.period);
	EXPECT_EQ(1000, ld32(&hdr(&r)->period_ms));
}

/* Live objects come back to where they were: nothing is leaked by
 * registrations of sockets that die, by snapshots, or by closing.
 */
TEST_F(derived, live_objects_return_to_baseline)
{
	uint64_t base[4], v[4], ts;
	struct dreg r;
	struct nsnl s2;
	int fd[3], i;

	ASSERT_EQ(0, dreg_register(&self->s, 10, &r));
	ts = dreg_next(&r, dreg_read(&r, base), base);
	ASSERT_NE(0, ts);

	/* Another netlink socket registers three TCP sockets. */
	ASSERT_EQ(0, nsnl_open(&s2));
	for (i = 0; i < 3; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, nsnl_reg_tcp(&s2, fd[i], false, NULL));
	}
	ts = dreg_next(&r, ts, v);
	ts = dreg_next(&r, ts, v);
	EXPECT_EQ(base[0] + 3, v[0]);	/* registrations */
	EXPECT_EQ(base[1] + 1, v[1]);	/* s2's map file */
	EXPECT_EQ(base[3] + 3, v[3]);	/* three TCP slots */

	/* The sockets die: slots freed, snapshots take their place, two
	 * pages each (counters, sequence numbers).
	 */
	for (i = 0; i < 3; i++)
		close(fd[i]);
	for (i = 0; i < 100; i++) {
		ts = dreg_next(&r, ts, v);
		if (v[3] == base[3] && v[2] == base[2] + 6)
			break;
	}
	EXPECT_EQ(base[3], v[3]);
	EXPECT_EQ(base[2] + 6, v[2]);

	/* Closing the netlink socket frees the rest. */
	nsnl_close(&s2);
	for (i = 0; i < 100; i++) {
		ts = dreg_next(&r, ts, v);
		if (v[0] == base[0] && v[1] == base[1] && v[2] == base[2])
			break;
	}
	EXPECT_EQ(base[0], v[0]);
	EXPECT_EQ(base[1], v[1]);
	EXPECT_EQ(base[2], v[2]);
	EXPECT_EQ(base[3], v[3]);
}

/* A socket released with more registrations than the release frees in
 * place (256) gives the rest to a work item: all go, the map file too.
 */
TEST_F(derived, release_of_many_registrations)
{
	uint64_t base[4], v[4], ts;
	struct nsnl_reply tmp;
	struct dreg r;
	struct nsnl s2;
	int i;

	ASSERT_EQ(0, dreg_register(&self->s, 10, &r));
	ts = dreg_next(&r, dreg_read(&r, base), base);
	ASSERT_NE(0, ts);

	ASSERT_EQ(0, nsnl_open(&s2));
	for (i = 0; i < 1000; i++) {
		struct nlmsghdr *nlh;

		nlh = nsnl_msg(&s2, s2.family, NETSTATS_CMD_REGISTER, 0);
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "netstats");
		nsnl_put_option(nlh, "period-ms", 10);
		memset(&tmp, 0, sizeof(tmp));
		tmp.map_fd = -1;
		ASSERT_EQ(0, nsnl_talk(&s2, nlh, nsnl_reply_cb, &tmp))
			TH_LOG("registration %d: %s", i, s2.extack);
		close(tmp.map_fd);
	}
	ts = dreg_next(&r, ts, v);
	ts = dreg_next(&r, ts, v);
	EXPECT_EQ(base[0] + 1000, v[0]);
	EXPECT_EQ(base[1] + 1, v[1]);

	nsnl_close(&s2);
	for (i = 0; i < 300; i++) {
		ts = dreg_next(&r, ts, v);
		if (v[0] == base[0] && v[1] == base[1])
			break;
	}
	EXPECT_EQ(base[0], v[0]);
	EXPECT_EQ(base[1], v[1]);
}

TEST_HARNESS_MAIN
