// SPDX-License-Identifier: GPL-2.0
/*
 * REGISTER names objects with typed attributes that the family's policy
 * checks: for each kind of object (and each collection option), a value
 * out of its range and a value of the wrong type are refused, with the
 * extack pointing at the attribute (its offset in the request).
 */
#include "nstest.h"

FIXTURE(attrs)
{
	struct nsnl s;
};

FIXTURE_SETUP(attrs)
{
	nstest_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(attrs)
{
	nsnl_close(&self->s);
}

/* How a case puts its bad attribute. */
enum put {
	PUT_U8,		/* one byte: wrong type for u16/u32/u64/uint */
	PUT_U16,
	PUT_U32,
	PUT_U64,
	PUT_STR,
	PUT_BIN4,	/* 4 bytes for a 16-byte address */
};

/* One bad attribute of a REGISTER, and what the kernel must answer. */
struct bad_attr {
	const char *name;
	const char *group;
	int nest;	/* 0: the attribute is top-level */
	int type;
	enum put put;
	uint64_t val;
	int err;	/* the policy's: -ERANGE out of range, -EINVAL length */
};

static const struct bad_attr bad_attrs[] = {
	/* dev */
	{ "dev_ifindex_zero", "hw", NETSTATS_A_REGISTRATION_DEV,
	  NETSTATS_A_DEV_IFINDEX, PUT_U32, 0, -ERANGE },
	{ "dev_ifindex_negative", "hw", NETSTATS_A_REGISTRATION_DEV,
	  NETSTATS_A_DEV_IFINDEX, PUT_U32, 0x80000000, -ERANGE },
	{ "dev_ifindex_u8", "hw", NETSTATS_A_REGISTRATION_DEV,
	  NETSTATS_A_DEV_IFINDEX, PUT_U8, 1, -EINVAL },
	/* queue */
	{ "queue_ifindex_zero", "queue/rx", NETSTATS_A_REGISTRATION_QUEUE,
	  NETSTATS_A_QUEUE_IFINDEX, PUT_U32, 0, -ERANGE },
	{ "queue_type_not_rx_tx", "queue/rx", NETSTATS_A_REGISTRATION_QUEUE,
	  NETSTATS_A_QUEUE_TYPE, PUT_U32, 2, -ERANGE },
	{ "queue_id_u64", "queue/rx", NETSTATS_A_REGISTRATION_QUEUE,
	  NETSTATS_A_QUEUE_ID, PUT_U64, 1, -EINVAL },
	{ "queue_collect_modes_reserved", "hwqueue/rx",
	  NETSTATS_A_REGISTRATION_QUEUE, NETSTATS_A_QUEUE_COLLECT_MODES,
	  PUT_U32, 8, -EINVAL },
	{ "queue_id_string", "queue/tx", NETSTATS_A_REGISTRATION_QUEUE,
	  NETSTATS_A_QUEUE_ID, PUT_STR, 0, -EINVAL },
	/* page-pool */
	{ "page_pool_id_zero", "core/page_pool", NETSTATS_A_REGISTRATION_PAGE_POOL,
	  NETSTATS_A_PAGE_POOL_ID, PUT_U32, 0, -ERANGE },
	{ "page_pool_id_above_u32", "core/page_pool", NETSTATS_A_REGISTRATION_PAGE_POOL,
	  NETSTATS_A_PAGE_POOL_ID, PUT_U64, 1ULL << 32, -ERANGE },
	{ "page_pool_id_u16", "core/page_pool", NETSTATS_A_REGISTRATION_PAGE_POOL,
	  NETSTATS_A_PAGE_POOL_ID, PUT_U16, 1, -EINVAL },
	/* qdisc */
	{ "qdisc_ifindex_zero", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_IFINDEX, PUT_U32, 0, -ERANGE },
	{ "qdisc_handle_no_major", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_HANDLE, PUT_U32, 0x1, -ERANGE },
	{ "qdisc_parent_no_major", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_PARENT, PUT_U32, 0xffff, -ERANGE },
	{ "qdisc_handle_u16", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_HANDLE, PUT_U16, 1, -EINVAL },
	/* sock */
	{ "sock_fd_negative", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_FD, PUT_U32, 0xffffffff, -ERANGE },
	{ "sock_fd_u64", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_FD, PUT_U64, 1, -EINVAL },
	{ "sock_cookie_zero", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_COOKIE, PUT_U64, 0, -ERANGE },
	{ "sock_cookie_u32", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_COOKIE, PUT_U32, 1, -EINVAL },
	{ "sock_src_4_bytes", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_SRC, PUT_BIN4, 0, -ERANGE },
	{ "sock_dst_4_bytes", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_DST, PUT_BIN4, 0, -ERANGE },
	{ "sock_sport_u32", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_SPORT, PUT_U32, 80, -EINVAL },
	{ "sock_dport_u8", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_DPORT, PUT_U8, 80, -EINVAL },
	{ "sock_ifindex_zero", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_IFINDEX, PUT_U32, 0, -ERANGE },
	/* collection options and the netns */
	{ "period_ms_below", "qdisc", 0,
	  NETSTATS_A_REGISTRATION_PERIOD_MS, PUT_U32, 9, -ERANGE },
	{ "period_ms_above", "qdisc", 0,
	  NETSTATS_A_REGISTRATION_PERIOD_MS, PUT_U32, 3600001, -ERANGE },
	{ "period_ms_u64", "qdisc", 0,
	  NETSTATS_A_REGISTRATION_PERIOD_MS, PUT_U64, 100, -EINVAL },
	{ "timer_ms_above", "hw", 0,
	  NETSTATS_A_REGISTRATION_TIMER_MS, PUT_U32, 60001, -ERANGE },
	{ "dead_linger_ms_above", "tcp-all", 0,
	  NETSTATS_A_REGISTRATION_DEAD_LINGER_MS, PUT_U32, 60001, -ERANGE },
	{ "dead_linger_ms_u16", "tcp-all", 0,
	  NETSTATS_A_REGISTRATION_DEAD_LINGER_MS, PUT_U16, 1, -EINVAL },
	{ "derived_with_payload", "queue/rx", 0,
	  NETSTATS_A_REGISTRATION_DERIVED, PUT_U32, 1, -ERANGE },
	{ "collect_above", "hwqueue/rx", 0,
	  NETSTATS_A_REGISTRATION_COLLECT, PUT_U32, 3, -ERANGE },
	{ "collect_u64", "hwqueue/tx", 0,
	  NETSTATS_A_REGISTRATION_COLLECT, PUT_U64, 1, -EINVAL },
	{ "netns_fd_negative", "ip", 0,
	  NETSTATS_A_REGISTRATION_NETNS_FD, PUT_U32, 0xffffffff, -ERANGE },
};

/* Builds the REGISTER of @c in @s's buffer; returns the offset of the bad
 * attribute from the message's start.
 */
static int bad_attr_msg(struct nsnl *s, const struct bad_attr *c,
			struct nlmsghdr **msg)
{
	static const char zeros[16];
	struct nlattr *nest = NULL;
	struct nlmsghdr *nlh;
	uint8_t u8 = c->val;
	int off;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, c->group);
	if (c->nest)
		nest = mnl_attr_nest_start(nlh, c->nest);
	off = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nlh;
	switch (c->put) {
	case PUT_U8:
		mnl_attr_put_u8(nlh, c->type, u8);
		break;
	case PUT_U16:
		mnl_attr_put_u16(nlh, c->type, c->val);
		break;
	case PUT_U32:
		mnl_attr_put_u32(nlh, c->type, c->val);
		break;
	case PUT_U64:
		mnl_attr_put_u64(nlh, c->type, c->val);
		break;
	case PUT_STR:
		mnl_attr_put_strz(nlh, c->type, "1");
		break;
	case PUT_BIN4:
		mnl_attr_put(nlh, c->type, 4, zeros);
		break;
	}
	if (nest)
		mnl_attr_nest_end(nlh, nest);
	*msg = nlh;
	return off;
}

/* Every case: refused with the policy's errno, the extack pointing at the
 * bad attribute, with a message.
 */
TEST_F(attrs, policy_points_at_the_attribute)
{
	const struct bad_attr *c;
	struct nsnl *s = &self->s;
	struct nlmsghdr *nlh;
	unsigned int i;
	int off, err;

	for (i = 0; i < ARRAY_SIZE(bad_attrs); i++) {
		c = &bad_attrs[i];
		off = bad_attr_msg(s, c, &nlh);
		err = nsnl_talk(s, nlh, NULL, NULL);
		EXPECT_EQ(c->err, err)
			TH_LOG("%s: \"%s\"", c->name, s->extack);
		EXPECT_EQ(off, s->bad_off)
			TH_LOG("%s: \"%s\"", c->name, s->extack);
		EXPECT_EQ(c->type, s->bad_type) TH_LOG("%s", c->name);
		EXPECT_NE(0, s->extack[0]) TH_LOG("%s", c->name);
	}
}

/*
 * The other side of each range: values at the edges the policy allows
 * pass it and reach the group's handler, which says the object is not
 * there (or, for an option, that the group's range is narrower).
 */
static const struct good_attr {
	const char *name;
	const char *group;
	int nest;
	int type;
	uint32_t val;
	int err;
	const char *msg;	/* the handler's, not the policy's */
} good_attrs[] = {
	{ "dev_ifindex_max", "hw", NETSTATS_A_REGISTRATION_DEV,
	  NETSTATS_A_DEV_IFINDEX, 0x7fffffff, -ENODEV,
	  "no such device in this network namespace" },
	{ "page_pool_id_max", "core/page_pool",
	  NETSTATS_A_REGISTRATION_PAGE_POOL, NETSTATS_A_PAGE_POOL_ID,
	  0xffffffff, -ENOENT,
	  "no page pool with this id in this network namespace" },
	{ "qdisc_handle_max", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_HANDLE, 0xffff0000, -ENOENT,
	  "no qdisc with statistics there" },
	{ "qdisc_handle_min", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_HANDLE, 0x10000, -ENOENT,
	  "no qdisc with statistics there" },
	{ "qdisc_parent_class", "qdisc", NETSTATS_A_REGISTRATION_QDISC,
	  NETSTATS_A_QDISC_PARENT, 0xfffe0001, -ENOENT,
	  "no qdisc with statistics there" },
	{ "sock_fd_max", "tcp", NETSTATS_A_REGISTRATION_SOCK,
	  NETSTATS_A_SOCK_FD, 0x7fffffff, -EBADF, NULL },
	{ "queue_collect_modes", "hwqueue/rx", NETSTATS_A_REGISTRATION_QUEUE,
	  NETSTATS_A_QUEUE_COLLECT_MODES, 7, -EINVAL,
	  "collect-modes is in QUERY replies only: use the collect option" },
	{ "period_ms_max", "netstats", 0, NETSTATS_A_REGISTRATION_PERIOD_MS,
	  3600000, -ERANGE,
	  "period-ms must be within [10, 60000] for this counter group" },
};

TEST_F(attrs, edges_of_the_ranges_pass_the_policy)
{
	const struct good_attr *c;
	struct nsnl *s = &self->s;
	struct nlattr *nest = NULL;
	struct nlmsghdr *nlh;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good_attrs); i++) {
		c = &good_attrs[i];
		nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, c->group);
		if (c->nest)
			nest = mnl_attr_nest_start(nlh, c->nest);
		/* the device of the qdisc: lo */
		if (c->nest == NETSTATS_A_REGISTRATION_QDISC)
			mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_IFINDEX, 1);
		mnl_attr_put_u32(nlh, c->type, c->val);
		if (c->nest)
			mnl_attr_nest_end(nlh, nest);
		EXPECT_EQ(c->err, nsnl_talk(s, nlh, NULL, NULL))
			TH_LOG("%s: \"%s\"", c->name, s->extack);
		if (c->msg)
			EXPECT_STREQ(c->msg, s->extack) TH_LOG("%s", c->name);
	}
}

/* A nest of another kind of object than the group's: refused, pointing
 * at the nest.
 */
TEST_F(attrs, nest_of_another_kind)
{
	struct nsnl *s = &self->s;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int off;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QUEUE);
	off = (char *)nest - (char *)nlh;
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_IFINDEX, 1);
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_ID, 0);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_STREQ("counter group names its objects otherwise", s->extack);
	EXPECT_EQ(off, s->bad_off);
}

/* A group's object nest missing, or a member of it: the extack names
 * the missing attribute (and the nest it is missing from).
 */
TEST_F(attrs, missing_object)
{
	struct nsnl *s = &self->s;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "qdisc");
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_REGISTRATION_QDISC, s->miss_type);

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "qdisc");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QDISC);
	mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_HANDLE, 0x10000);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_QDISC_IFINDEX, s->miss_type);
	EXPECT_EQ((char *)nest - (char *)nlh, s->miss_nest);
}

TEST_HARNESS_MAIN
