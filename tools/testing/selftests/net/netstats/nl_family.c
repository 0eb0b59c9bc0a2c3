// SPDX-License-Identifier: GPL-2.0
/*
 * The netstats generic netlink family: it registers, QUERY answers in
 * every netns, and malformed requests are refused with extack errors.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "nstest.h"

struct query_count {
	int groups;
	int bad;	/* group messages missing a mandatory attribute */
	char names[64][64];
};

static int query_count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct query_count *qc = data;
	const struct nlattr *a;
	bool name = false, doc = false, flags = false;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case NETSTATS_A_GROUP_NAME:
			name = true;
			if (qc->groups < 64)
				snprintf(qc->names[qc->groups], 64, "%s",
					 mnl_attr_get_str(a));
			break;
		case NETSTATS_A_GROUP_DOC:
			doc = true;
			break;
		case NETSTATS_A_GROUP_FLAGS:
			flags = true;
			break;
		}
	}
	if (!name || !doc || !flags)
		qc->bad++;
	qc->groups++;
	return MNL_CB_OK;
}

FIXTURE(family)
{
	struct nsnl s;
};

FIXTURE_SETUP(family)
{
	nstest_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(family)
{
	nsnl_close(&self->s);
}

TEST_F(family, resolves_with_monitor_group)
{
	EXPECT_NE(0, self->s.family);
	EXPECT_NE(0, self->s.monitor_grp)
		TH_LOG("no \"%s\" multicast group", NETSTATS_MCGRP_MONITOR);
}

TEST_F(family, query_dump_is_consistent_with_query_do)
{
	struct query_count qc = {}, one;
	struct nlmsghdr *nlh;
	int i;

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_QUERY, NLM_F_DUMP);
	ASSERT_EQ(0, nsnl_talk(&self->s, nlh, query_count_cb, &qc));
	EXPECT_EQ(0, qc.bad);
	TH_LOG("%d counter groups", qc.groups);

	/* Every dumped group answers a QUERY do by its name. */
	for (i = 0; i < qc.groups && i < 64; i++) {
		memset(&one, 0, sizeof(one));
		nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_QUERY, 0);
		mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, qc.names[i]);
		EXPECT_EQ(0, nsnl_talk(&self->s, nlh, query_count_cb, &one));
		EXPECT_EQ(1, one.groups);
		EXPECT_STREQ(qc.names[i], one.names[0]);
	}
}

/* @cmd naming a group that does not exist in its attribute @attr. */
static void unknown_group(struct __test_metadata *_metadata, struct nsnl *s,
			  uint8_t cmd, uint16_t attr)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, cmd, 0);
	mnl_attr_put_strz(nlh, attr, "no-such-group");
	EXPECT_EQ(-ENOENT, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_STREQ("unknown counter group", s->extack);
}

TEST_F(family, query_unknown_group)
{
	unknown_group(_metadata, &self->s, NETSTATS_CMD_QUERY,
		      NETSTATS_A_GROUP_NAME);
}

TEST_F(family, query_do_without_name)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_QUERY, 0);
	EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_GROUP_NAME, self->s.miss_type);
}

TEST_F(family, register_unknown_group)
{
	unknown_group(_metadata, &self->s, NETSTATS_CMD_REGISTER,
		      NETSTATS_A_REGISTRATION_GROUP);
}

/* A group of one instance per netns names no object. */
TEST_F(family, register_object_of_a_group_without_objects)
{
	static const int types[] = {
		NETSTATS_A_REGISTRATION_DEV,
		NETSTATS_A_REGISTRATION_QUEUE,
		NETSTATS_A_REGISTRATION_PAGE_POOL,
		NETSTATS_A_REGISTRATION_QDISC,
		NETSTATS_A_REGISTRATION_SOCK,
	};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;
	int off;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "netstats");
		nest = mnl_attr_nest_start(nlh, types[i]);
		off = (char *)nest - (char *)nlh;
		mnl_attr_nest_end(nlh, nest);
		EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
		EXPECT_STREQ("counter group has no objects to name",
			     self->s.extack);
		EXPECT_EQ(off, self->s.bad_off);
	}
}

/* The object string and the flat sock-* attributes are gone: REGISTER
 * rejects them, pointing at them and naming what replaced them.
 */
TEST_F(family, register_obsolete_attributes)
{
	static const struct {
		int type;
		const char *msg;
	} old[] = {
		{ NETSTATS_A_REGISTRATION_OBJECT,
		  "object is obsolete: use the dev, queue, page-pool, qdisc or sock nest" },
		{ NETSTATS_A_REGISTRATION_SOCK_FD, "use the sock nest (fd)" },
		{ NETSTATS_A_REGISTRATION_SOCK_COOKIE,
		  "use the sock nest (cookie, src, dst, sport, dport)" },
		{ NETSTATS_A_REGISTRATION_IFINDEX, "use the sock nest (ifindex)" },
		{ NETSTATS_A_REGISTRATION_OPTION,
		  "use the typed options period-ms, timer-ms, dead-linger-ms, derived or collect" },
	};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(old); i++) {
		nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
		switch (old[i].type) {
		case NETSTATS_A_REGISTRATION_OBJECT:
			mnl_attr_put_strz(nlh, old[i].type, "fd:0");
			break;
		case NETSTATS_A_REGISTRATION_SOCK_COOKIE:
			mnl_attr_put_u64(nlh, old[i].type, 1);
			break;
		case NETSTATS_A_REGISTRATION_OPTION:
			nest = mnl_attr_nest_start(nlh, old[i].type);
			mnl_attr_put_strz(nlh, NETSTATS_A_OPTION_NAME, "period-ms");
			mnl_attr_put_u32(nlh, NETSTATS_A_OPTION_VALUE, 100);
			mnl_attr_nest_end(nlh, nest);
			break;
		default:
			mnl_attr_put_u32(nlh, old[i].type, 1);
		}
		EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
		EXPECT_STREQ(old[i].msg, self->s.extack);
		EXPECT_EQ(old[i].type, self->s.bad_type);
	}
}

TEST_F(family, register_without_group)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
	nsnl_put_sock_fd(nlh, 0);
	EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_REGISTRATION_GROUP, self->s.miss_type);
}

TEST_F(family, register_oversized_group_name)
{
	struct nlmsghdr *nlh;
	char name[1024];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, name);
	EXPECT_EQ(-ENOENT, nsnl_talk(&self->s, nlh, NULL, NULL));
}

TEST_F(family, unregister_bad_ids)
{
	struct nlmsghdr *nlh;

	/* The spec's "min: 1" rejects id 0 in the policy. */
	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_UNREGISTER, 0);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, 0);
	EXPECT_EQ(-ERANGE, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_NE(0, self->s.extack[0]);

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_UNREGISTER, 0);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, 424242);
	EXPECT_EQ(-ENOENT, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_STREQ("no registration with this id on this socket",
		     self->s.extack);

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_UNREGISTER, 0);
	EXPECT_EQ(-EINVAL, nsnl_talk(&self->s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_REGISTRATION_ID, self->s.miss_type);
}

TEST_F(family, unknown_command)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, nsnl_talk(&self->s, nlh, NULL, NULL));
}

/* netnsok: the family answers in a fresh network namespace too. */
TEST(query_in_new_netns)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct query_count qc = {};
		struct nlmsghdr *nlh;
		struct nsnl s;

		if (unshare(CLONE_NEWNET))
			_exit(2);
		if (nsnl_open(&s))
			_exit(3);
		nlh = nsnl_msg(&s, s.family, NETSTATS_CMD_QUERY, NLM_F_DUMP);
		_exit(nsnl_talk(&s, nlh, query_count_cb, &qc) ? 4 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
