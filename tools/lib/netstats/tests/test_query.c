// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the reply parsers on crafted messages (no kernel): QUERY
 * replies -> struct netstats_group_info, NLMSG_ERROR / NLMSG_DONE ->
 * error code and extack message. Includes netstats.c for its statics.
 */
#include "lib_sources.h"
#include "check.h"

#define FAMILY_ID	0x42

static char buf[8192];

static struct nlmsghdr *group_msg(__u8 cmd)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = ns_msg_start(buf, FAMILY_ID, 0, cmd, NETSTATS_FAMILY_VERSION);
	nlh->nlmsg_flags = NLM_F_MULTI;
	return nlh;
}

static void put_counter(struct nlmsghdr *nlh, const char *name, __u32 type,
			__u32 offset, __u32 flags, bool with_offset)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_COUNTER);
	mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, name);
	if (!flags)	/* the second counter has no doc */
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_DOC,
				  "doc of counter");
	mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE, type);
	if (with_offset)
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, offset);
	if (flags)
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_FLAGS, flags);
	mnl_attr_put_u32(nlh, 200, 0xdead);	/* unknown: ignored */
	mnl_attr_nest_end(nlh, nest);
}

struct seen {
	unsigned int calls;
	int ret;
	bool ok;
};

static int check_group(const struct netstats_group_info *gi, void *ctx)
{
	const struct netstats_option_info *o0, *o1;
	const struct netstats_counter_info *c0, *c1;
	struct seen *s = ctx;

	s->calls++;
	if (gi->sz != sizeof(*gi) || strcmp(gi->name, "eth0/queue/rx") ||
	    strcmp(gi->doc, "per queue") ||
	    gi->flags != NETSTATS_GROUP_FLAGS_PER_OBJECT ||
	    gi->counter_cnt != 2 || gi->option_cnt != 2 ||
	    gi->instance_cnt != 2)
		return s->ret;
	c0 = gi->counters[0];
	c1 = gi->counters[1];
	o0 = gi->options[0];
	o1 = gi->options[1];
	s->ok = !strcmp(c0->name, "packets") &&
		!strcmp(c0->doc, "doc of counter") &&
		c0->type == NETSTATS_COUNTER_TYPE_U64 && c0->offset == 64 &&
		c0->flags == 0 &&
		!strcmp(c1->name, "qlen") &&
		c1->type == NETSTATS_COUNTER_TYPE_U32 && c1->offset == 72 &&
		c1->flags == NETSTATS_COUNTER_FLAGS_GAUGE &&
		!strcmp(c1->doc, "") &&
		!strcmp(o0->name, "period-ms") && !strcmp(o0->doc, "") &&
		o0->min == 10 && o0->max == 1ULL << 40 && o0->def == 100 &&
		!strcmp(o1->name, "push") && o1->min == 5 &&
		o1->max == ~0ULL && o1->def == 5 &&
		!strcmp(gi->instances[0], "0") &&
		!strcmp(gi->instances[1], "1");
	return s->ret;
}

static struct nlmsghdr *good_group(void)
{
	struct nlmsghdr *nlh = group_msg(NETSTATS_CMD_QUERY);
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "eth0/queue/rx");
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_DOC, "per queue");
	mnl_attr_put_u32(nlh, NETSTATS_A_GROUP_FLAGS,
			 NETSTATS_GROUP_FLAGS_PER_OBJECT);
	put_counter(nlh, "packets", NETSTATS_COUNTER_TYPE_U64, 64, 0, true);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_INSTANCE, "0");
	put_counter(nlh, "qlen", NETSTATS_COUNTER_TYPE_U32, 72,
		    NETSTATS_COUNTER_FLAGS_GAUGE, true);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_OPTION);
	mnl_attr_put_strz(nlh, NETSTATS_A_OPTION_NAME, "period-ms");
	/* uint: 4 or 8 bytes */
	mnl_attr_put_u32(nlh, NETSTATS_A_OPTION_MIN_VALUE, 10);
	mnl_attr_put_u64(nlh, NETSTATS_A_OPTION_MAX_VALUE, 1ULL << 40);
	mnl_attr_put_u32(nlh, NETSTATS_A_OPTION_DEFAULT, 100);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_OPTION);
	mnl_attr_put_strz(nlh, NETSTATS_A_OPTION_NAME, "push");
	mnl_attr_put_u64(nlh, NETSTATS_A_OPTION_MIN_VALUE, 5);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_INSTANCE, "1");
	mnl_attr_put_u32(nlh, 100, 1);	/* unknown: ignored */
	return nlh;
}

static void test_group(void)
{
	struct seen s = {};
	struct ns_query q = { .family_id = FAMILY_ID, .cb = check_group,
			      .ctx = &s };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	ret = ns_group_cb(good_group(), &q);
	CHECK(!ret && s.calls == 1 && s.ok,
	      "good group: ret %d calls %u fields ok %d", ret, s.calls, s.ok);

	s = (struct seen){ .ret = -E2BIG };
	ret = ns_group_cb(good_group(), &q);
	CHECK(ret == -E2BIG && s.calls == 1, "cb error: ret %d", ret);

	s = (struct seen){ .ret = 1 };
	ret = ns_group_cb(good_group(), &q);
	CHECK(ret == 0 && s.calls == 1, "cb positive return: ret %d", ret);

	s = (struct seen){};
	nlh = good_group();
	nlh->nlmsg_type = FAMILY_ID + 1;
	ret = ns_group_cb(nlh, &q);
	CHECK(!ret && !s.calls, "other family: ret %d calls %u", ret, s.calls);

	nlh = group_msg(NETSTATS_CMD_REGISTER);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "ip");
	ret = ns_group_cb(nlh, &q);
	CHECK(!ret && !s.calls, "other cmd: ret %d calls %u", ret, s.calls);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_DOC, "no name");
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !s.calls, "group without name: ret %d", ret);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "ip");
	put_counter(nlh, "x", NETSTATS_COUNTER_TYPE_U64, 0, 0, false);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !s.calls, "counter without offset: ret %d",
	      ret);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put(nlh, NETSTATS_A_GROUP_NAME, 2, "ip");	/* no NUL */
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !s.calls, "unterminated name: ret %d", ret);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "ip");
	mnl_attr_put_u16(nlh, NETSTATS_A_GROUP_FLAGS, 1);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !s.calls, "u16 flags: ret %d", ret);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "ip");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_OPTION);
	mnl_attr_put_strz(nlh, NETSTATS_A_OPTION_NAME, "period-ms");
	mnl_attr_put_u16(nlh, NETSTATS_A_OPTION_MIN_VALUE, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !s.calls, "2-byte uint: ret %d", ret);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "ip");
	ret = ns_group_cb(nlh, &q);
	CHECK(!ret && s.calls == 1, "group without counters: ret %d", ret);
}

/* Collects the instances of one group. */
struct instances {
	unsigned int calls;
	size_t cnt;
	char names[4][NS_INSTANCE_LEN];
};

static int collect_instances(const struct netstats_group_info *gi,
			     void *ctx)
{
	struct instances *in = ctx;
	size_t i;

	in->calls++;
	in->cnt = gi->instance_cnt;
	for (i = 0; i < gi->instance_cnt && i < 4; i++)
		snprintf(in->names[i], sizeof(in->names[i]), "%s",
			 gi->instances[i]);
	return 0;
}

static void put_queue(struct nlmsghdr *nlh, __u32 ifindex, bool with_id,
		      __u32 id)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_QUEUE);

	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_TYPE, NETSTATS_QUEUE_TYPE_TX);
	if (with_id)
		mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_ID, id);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * QUERY lists the objects as the nests REGISTER takes: the library names
 * them as registration names do, the device by its name in the netns of
 * the handle's socket; a device that went meanwhile is left out.
 */
static void test_typed_instances(void)
{
	struct instances in = {};
	struct ns_query q = { .family_id = FAMILY_ID,
			      .cb = collect_instances, .ctx = &in };
	char lo[IF_NAMESIZE], want[2][NS_INSTANCE_LEN];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	/* The host's loopback device, ifindex 1 in every netns. */
	q.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(q.fd >= 0 && if_indextoname(1, lo), "socket, ifindex 1: %s",
	      strerror(errno));
	if (q.fd < 0 || !if_indextoname(1, lo))
		return;
	snprintf(want[0], sizeof(want[0]), "%s/3", lo);
	snprintf(want[1], sizeof(want[1]), "%s", lo);

	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "queue/tx");
	put_queue(nlh, 1, true, 3);
	put_queue(nlh, 0x7ffffff0, true, 0);	/* no such device */
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_DEV);
	mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = ns_group_cb(nlh, &q);
	CHECK(!ret && in.calls == 1 && in.cnt == 2 &&
	      !strcmp(in.names[0], want[0]) && !strcmp(in.names[1], want[1]),
	      "typed instances: ret %d calls %u cnt %zu \"%s\" \"%s\"", ret,
	      in.calls, in.cnt, in.names[0], in.names[1]);

	in = (struct instances){};
	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "queue/tx");
	put_queue(nlh, 1, false, 0);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !in.calls, "queue without id: ret %d", ret);

	in = (struct instances){};
	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "hw");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_DEV);
	mnl_attr_put_u16(nlh, NETSTATS_A_DEV_IFINDEX, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !in.calls, "u16 ifindex: ret %d", ret);

	/* Page pools: by id (a YNL uint, 4 or 8 bytes), as REGISTER names
	 * them; the ifindex and napi-id that describe them are not names.
	 */
	in = (struct instances){};
	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "core/page_pool");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_PAGE_POOL);
	mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_ID, 7);
	mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_IFINDEX, 1);
	mnl_attr_put_u64(nlh, NETSTATS_A_PAGE_POOL_NAPI_ID, 8193);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_PAGE_POOL);
	mnl_attr_put_u64(nlh, NETSTATS_A_PAGE_POOL_ID, 4294967295ULL);
	mnl_attr_nest_end(nlh, nest);
	ret = ns_group_cb(nlh, &q);
	CHECK(!ret && in.calls == 1 && in.cnt == 2 &&
	      !strcmp(in.names[0], "7") && !strcmp(in.names[1], "4294967295"),
	      "page pools: ret %d calls %u cnt %zu \"%s\" \"%s\"", ret,
	      in.calls, in.cnt, in.names[0], in.names[1]);

	in = (struct instances){};
	nlh = group_msg(NETSTATS_CMD_QUERY);
	mnl_attr_put_strz(nlh, NETSTATS_A_GROUP_NAME, "core/page_pool");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_GROUP_PAGE_POOL);
	mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_IFINDEX, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = ns_group_cb(nlh, &q);
	CHECK(ret == -EPROTO && !in.calls, "page pool without id: ret %d", ret);
	close(q.fd);
}

/*
 * NLMSG_ERROR for a 64-byte request, echoed in full or capped, with an
 * offset and a message in its extack if @msg.
 */
static struct nlmsghdr *error_msg(int error, bool capped, const char *msg)
{
	struct nlmsgerr *e;
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = 64;	/* original request: header + 48 B */
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	else
		mnl_nlmsg_put_extra_header(nlh, 48);
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh;
}

static void test_errors(void)
{
	struct nlmsghdr *nlh;
	struct ns_req req;
	int err;

	req = (struct ns_req){};
	ns_parse_error(&req, error_msg(-EINVAL, true, "bad group name"));
	CHECK(req.kernel_err == -EINVAL && !strcmp(req.msg, "bad group name"),
	      "capped error: %d \"%s\"", req.kernel_err, req.msg);

	req = (struct ns_req){};
	ns_parse_error(&req, error_msg(-ENOENT, false, "no such group"));
	CHECK(req.kernel_err == -ENOENT && !strcmp(req.msg, "no such group"),
	      "uncapped error: %d \"%s\"", req.kernel_err, req.msg);

	req = (struct ns_req){};
	ns_parse_error(&req, error_msg(-EPERM, true, NULL));
	CHECK(req.kernel_err == -EPERM && !strcmp(req.msg, ""),
	      "error without extack: %d \"%s\"", req.kernel_err, req.msg);

	req = (struct ns_req){};
	ns_parse_error(&req, error_msg(0, true, "warning only"));
	CHECK(req.kernel_err == 0, "ack: %d", req.kernel_err);

	req = (struct ns_req){};
	nlh = error_msg(-EINVAL, true, NULL);
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, NETSTATS_A_GROUP_NAME);
	ns_parse_error(&req, nlh);
	CHECK(req.kernel_err == -EINVAL &&
	      !strcmp(req.msg, "missing attribute 1"),
	      "missing attribute: %d \"%s\"", req.kernel_err, req.msg);

	req = (struct ns_req){};
	nlh = error_msg(-EINVAL, true, NULL);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ns_parse_error(&req, nlh);
	CHECK(req.kernel_err == -EPROTO, "short error: %d", req.kernel_err);

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	err = -ENODEV;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(err)), &err,
	       sizeof(err));
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "device went away");
	req = (struct ns_req){};
	ns_parse_done(&req, nlh);
	CHECK(req.kernel_err == -ENODEV &&
	      !strcmp(req.msg, "device went away"),
	      "dump error: %d \"%s\"", req.kernel_err, req.msg);

	err = 0;
	memcpy(mnl_nlmsg_get_payload(nlh), &err, sizeof(err));
	req = (struct ns_req){};
	ns_parse_done(&req, nlh);
	CHECK(req.kernel_err == 0 && !strcmp(req.msg, ""),
	      "dump done: %d \"%s\"", req.kernel_err, req.msg);
}

int main(void)
{
	test_group();
	test_typed_instances();
	test_errors();
	return check_report();
}
