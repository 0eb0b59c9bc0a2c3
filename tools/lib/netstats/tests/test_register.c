// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of registrations without a netstats kernel: the REGISTER
 * request built from a name, the reply parser and its layout checks, the
 * counter readers on a fake mapping laid out by hand (values, per-CPU
 * sums, generation, state, snapshot retries), netstats__close() freeing
 * registrations, the object-dead notification filter, and the
 * notifications kept for the monitor descriptor, netstats__open_opts()
 * (its checks, the netns entered and left around the socket). Includes
 * netstats.c for its statics.
 */
#include <poll.h>
#include <sys/mman.h>

static void snapshot_hook(int try);
#define NS_SNAPSHOT_TEST_HOOK(try)	snapshot_hook(try)
static int fake_setns(int fd, int type);
#define NS_SETNS(fd, type)	fake_setns(fd, type)

#include "lib_sources.h"
#include "check.h"
#include "dead_seen.h"
#include "fake.h"

#define FAKE_FD		1000	/* never used as an fd */
#define PAGE		4096
#define BLOCK		160	/* block header offset in the fake range */

static char buf[8192];

/* --- the request --------------------------------------------------------- */

struct req_attrs {
	const char *group;
	__u16 obj_type;		/* the object's nest, 0 if none */
	unsigned int obj_cnt;
	bool have_fd, have_cookie, notify;
	__s32 fd;
	__u64 cookie;
	unsigned int src_len, dst_len, port_cnt;
	__u8 src[16], dst[16];
	__u16 sport, dport;	/* network byte order */
	__u32 ifindex, id, qtype, handle, parent;
	bool have_qtype, have_handle, have_parent;
	__u32 period_ms, timer_ms;
	bool have_period, have_timer, derived;
	bool ok;
};

static __u32 req_u32(const struct nlattr *a, struct req_attrs *ra)
{
	ra->ok &= !mnl_attr_validate(a, MNL_TYPE_U32);
	return mnl_attr_get_u32(a);
}

static void parse_sock(const struct nlattr *nest, struct req_attrs *ra)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NETSTATS_A_SOCK_FD:
			ra->ok &= mnl_attr_get_payload_len(a) == 4;
			ra->fd = (__s32)mnl_attr_get_u32(a);
			ra->have_fd = true;
			break;
		case NETSTATS_A_SOCK_COOKIE:
			ra->ok &= !mnl_attr_validate(a, MNL_TYPE_U64);
			ra->cookie = mnl_attr_get_u64(a);
			ra->have_cookie = true;
			break;
		case NETSTATS_A_SOCK_SRC:
			ra->src_len = mnl_attr_get_payload_len(a);
			ra->ok &= ra->src_len == 16;
			if (ra->ok)
				memcpy(ra->src, mnl_attr_get_payload(a), 16);
			break;
		case NETSTATS_A_SOCK_DST:
			ra->dst_len = mnl_attr_get_payload_len(a);
			ra->ok &= ra->dst_len == 16;
			if (ra->ok)
				memcpy(ra->dst, mnl_attr_get_payload(a), 16);
			break;
		case NETSTATS_A_SOCK_SPORT:
			ra->ok &= !mnl_attr_validate(a, MNL_TYPE_U16);
			ra->sport = mnl_attr_get_u16(a);
			ra->port_cnt++;
			break;
		case NETSTATS_A_SOCK_DPORT:
			ra->ok &= !mnl_attr_validate(a, MNL_TYPE_U16);
			ra->dport = mnl_attr_get_u16(a);
			ra->port_cnt++;
			break;
		default:
			ra->ok = false;
		}
	}
}

/* The nests of devices, queues, pools and qdiscs: every member a u32. */
static void parse_obj(const struct nlattr *nest, struct req_attrs *ra)
{
	const struct nlattr *a;
	__u16 t = mnl_attr_get_type(nest);

	mnl_attr_for_each_nested(a, nest) {
		__u16 at = mnl_attr_get_type(a);
		__u32 v = req_u32(a, ra);

		if ((t == NETSTATS_A_REGISTRATION_DEV &&
		     at == NETSTATS_A_DEV_IFINDEX) ||
		    (t == NETSTATS_A_REGISTRATION_QUEUE &&
		     at == NETSTATS_A_QUEUE_IFINDEX) ||
		    (t == NETSTATS_A_REGISTRATION_QDISC &&
		     at == NETSTATS_A_QDISC_IFINDEX))
			ra->ifindex = v;
		else if ((t == NETSTATS_A_REGISTRATION_QUEUE &&
			  at == NETSTATS_A_QUEUE_ID) ||
			 (t == NETSTATS_A_REGISTRATION_PAGE_POOL &&
			  at == NETSTATS_A_PAGE_POOL_ID))
			ra->id = v;
		else if (t == NETSTATS_A_REGISTRATION_QUEUE &&
			 at == NETSTATS_A_QUEUE_TYPE)
			ra->qtype = v, ra->have_qtype = true;
		else if (t == NETSTATS_A_REGISTRATION_QDISC &&
			 at == NETSTATS_A_QDISC_HANDLE)
			ra->handle = v, ra->have_handle = true;
		else if (t == NETSTATS_A_REGISTRATION_QDISC &&
			 at == NETSTATS_A_QDISC_PARENT)
			ra->parent = v, ra->have_parent = true;
		else
			ra->ok = false;
	}
}

static void parse_request(const struct nlmsghdr *nlh, struct req_attrs *ra)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	memset(ra, 0, sizeof(*ra));
	ra->ok = nlh->nlmsg_type == FAMILY_ID &&
		 nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK) &&
		 g->cmd == NETSTATS_CMD_REGISTER &&
		 g->version == NETSTATS_FAMILY_VERSION;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_REGISTRATION_GROUP:
			ra->ok &= !ns_str(attr, &ra->group);
			break;
		case NETSTATS_A_REGISTRATION_SOCK:
			ra->obj_type = mnl_attr_get_type(attr);
			ra->obj_cnt++;
			parse_sock(attr, ra);
			break;
		case NETSTATS_A_REGISTRATION_DEV:
		case NETSTATS_A_REGISTRATION_QUEUE:
		case NETSTATS_A_REGISTRATION_PAGE_POOL:
		case NETSTATS_A_REGISTRATION_QDISC:
			ra->obj_type = mnl_attr_get_type(attr);
			ra->obj_cnt++;
			parse_obj(attr, ra);
			break;
		case NETSTATS_A_REGISTRATION_PERIOD_MS:
			ra->period_ms = req_u32(attr, ra);
			ra->have_period = true;
			break;
		case NETSTATS_A_REGISTRATION_TIMER_MS:
			ra->timer_ms = req_u32(attr, ra);
			ra->have_timer = true;
			break;
		case NETSTATS_A_REGISTRATION_DERIVED:
			ra->ok &= !mnl_attr_get_payload_len(attr);
			ra->derived = true;
			break;
		case NETSTATS_A_REGISTRATION_NOTIFY:
			/* Every request asks for its deaths: a flag. */
			ra->ok &= !mnl_attr_get_payload_len(attr);
			ra->notify = true;
			break;
		default:
			/* object, option, sock-*: not sent any more */
			ra->ok = false;
		}
	}
}

static struct netstats_handle req_h;

/* The request of @name; NULL with *@err set if the library refuses. */
static const struct nlmsghdr *request_err(const char *name, int *err)
{
	struct netstats_name n = { .sz = sizeof(n) };
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	*err = netstats__parse_name(name, &n);
	if (*err)
		return NULL;
	req_h.family_id = FAMILY_ID;
	if (!req_h.nl)
		req_h.nl = mnl_socket_open(NETLINK_GENERIC);
	*err = ns_reg_msg(&req_h, buf, &n, NULL, &nlh);
	return *err ? NULL : nlh;
}

static const struct nlmsghdr *request(const char *name)
{
	static struct nlmsghdr empty;
	const struct nlmsghdr *nlh;
	int err;

	nlh = request_err(name, &err);
	return nlh ?: &empty;
}

static void test_request(void)
{
	unsigned int lo = if_nametoindex("lo");
	const struct nlmsghdr *nlh;
	struct req_attrs ra;
	int err;

	nlh = request("tcp/fd:5");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "tcp") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_SOCK && ra.obj_cnt == 1 &&
	      ra.have_fd && ra.fd == 5 && !ra.have_cookie,
	      "tcp/fd:5: ok %d fd %d", ra.ok, ra.fd);
	CHECK(ra.notify, "tcp/fd:5: asks for its object-dead (notify)");

	nlh = request("tcp/cookie:18446744073709551615");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "tcp") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_SOCK &&
	      !ra.have_fd && ra.have_cookie && ra.cookie == ~0ULL,
	      "tcp/cookie: ok %d cookie %llu", ra.ok,
	      (unsigned long long)ra.cookie);

	/* No addresses without a 4-tuple in the name. */
	CHECK(!ra.src_len && !ra.dst_len && !ra.port_cnt,
	      "tcp/cookie: addresses sent: %u %u %u", ra.src_len, ra.dst_len,
	      ra.port_cnt);

	/* IPv4 v4-mapped in 16 bytes, ports in network byte order */
	nlh = request("tcp/192.0.2.1:40000/192.0.2.2:80/cookie:0x1001");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "tcp") &&
	      !ra.have_fd && ra.have_cookie && ra.cookie == 4097 &&
	      ra.src_len == 16 &&
	      !memcmp(ra.src, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01",
		      16) &&
	      ra.dst_len == 16 && !memcmp(ra.dst + 10, "\xff\xff\xc0\x00\x02\x02", 6) &&
	      ra.port_cnt == 2 && ra.sport == htons(40000) &&
	      ra.dport == htons(80),
	      "tcp 4-tuple v4: ok %d cookie %llu lens %u %u ports %u %u",
	      ra.ok, (unsigned long long)ra.cookie, ra.src_len, ra.dst_len,
	      ntohs(ra.sport), ntohs(ra.dport));

	nlh = request("tcp/[2001:db8::1]:22/[::1]:65535/cookie:3");
	parse_request(nlh, &ra);
	CHECK(ra.ok && ra.have_cookie && ra.cookie == 3 &&
	      ra.src_len == 16 && ra.src[0] == 0x20 && ra.src[15] == 1 &&
	      ra.dst_len == 16 && ra.dst[14] == 0 && ra.dst[15] == 1 &&
	      ra.port_cnt == 2 && ra.sport == htons(22) &&
	      ra.dport == htons(65535),
	      "tcp 4-tuple v6: ok %d lens %u %u ports %u %u", ra.ok,
	      ra.src_len, ra.dst_len, ntohs(ra.sport), ntohs(ra.dport));

	nlh = request("core/page_pool/7");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "core/page_pool") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_PAGE_POOL &&
	      ra.id == 7 && !ra.have_fd && !ra.have_cookie,
	      "page_pool: ok %d id %u", ra.ok, ra.id);

	/* Devices by ifindex, in the handle's netns; options typed. */
	nlh = request("lo/hw@timer-ms=100");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "hw") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_DEV && lo &&
	      ra.ifindex == lo && ra.have_timer && ra.timer_ms == 100 &&
	      !ra.have_period,
	      "hw: ok %d ifindex %u timer %u", ra.ok, ra.ifindex, ra.timer_ms);

	nlh = request("lo/queue/tx/3@period-ms=250,derived=1");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "queue/tx") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_QUEUE &&
	      ra.ifindex == lo && ra.have_qtype &&
	      ra.qtype == NETSTATS_QUEUE_TYPE_TX && ra.id == 3 &&
	      ra.have_period && ra.period_ms == 250 && ra.derived,
	      "queue: ok %d ifindex %u type %u id %u", ra.ok, ra.ifindex,
	      ra.qtype, ra.id);
	nlh = request("lo/queue/rx/0@derived=0");
	parse_request(nlh, &ra);
	CHECK(ra.ok && ra.qtype == NETSTATS_QUEUE_TYPE_RX && !ra.id &&
	      !ra.derived, "queue rx, derived=0: ok %d", ra.ok);

	nlh = request("qdisc/lo/8001:1f");
	parse_request(nlh, &ra);
	CHECK(ra.ok && !strcmp(ra.group, "qdisc") &&
	      ra.obj_type == NETSTATS_A_REGISTRATION_QDISC &&
	      ra.ifindex == lo && ra.have_handle &&
	      ra.handle == 0x8001001f && !ra.have_parent,
	      "qdisc: ok %d handle %#x", ra.ok, ra.handle);
	nlh = request("qdisc/lo/root");
	parse_request(nlh, &ra);
	CHECK(ra.ok && ra.have_parent && ra.parent == 0xffffffffU &&
	      !ra.have_handle, "qdisc root: ok %d parent %#x", ra.ok,
	      ra.parent);

	CHECK(!request_err("nosuchdev0/hw", &err) && err == -ENODEV,
	      "unknown device: %d", err);
	CHECK(!request_err("lo/hw@big=1", &err) && err == -EINVAL,
	      "unknown option: %d", err);
	CHECK(!request_err("lo/hw@timer-ms=4294967296", &err) &&
	      err == -ERANGE, "option too large: %d", err);
	CHECK(!request_err("lo/queue/rx/0@derived=2", &err) &&
	      err == -ERANGE, "flag option not 0 or 1: %d", err);
	if (req_h.nl) {
		mnl_socket_close(req_h.nl);
		req_h.nl = NULL;
	}
}

/* --- the reply ----------------------------------------------------------- */

#define OMIT_ID		0x01U
#define OMIT_MAP_FD	0x02U
#define OMIT_MAP_OFFSET	0x04U
#define OMIT_MAP_SIZE	0x08U
#define OMIT_PAGE_SIZE	0x10U
#define OMIT_BLOCK	0x20U

struct layout {
	unsigned int omit;	/* OMIT_* */
	__u32 id;
	__s32 map_fd;
	__u64 map_offset;
	__u64 map_size;
	__u32 page_size;
	__u32 block_offset;
	__u32 ncpus;		/* 0: neither ncpus nor percpu-stride sent */
	__u32 stride;
	__u32 flags;		/* group flags; 0: not sent */
};

struct ctr {
	const char *name;
	__u32 type;
	__u32 offset;
	__u32 flags;
};

static const struct layout base_layout = {
	.id = 3,
	.map_fd = FAKE_FD,
	.map_offset = 3 * PAGE,
	.map_size = 2 * PAGE,
	.page_size = PAGE,
	.block_offset = BLOCK,
};

#define TYPE_FUTURE	99	/* a counter type this library does not know */

static const struct ctr base_ctrs[] = {
	{ "bytes", NETSTATS_COUNTER_TYPE_U64, BLOCK + 8, 0 },
	{ "qlen", NETSTATS_COUNTER_TYPE_U32, BLOCK + 16,
	  NETSTATS_COUNTER_FLAGS_GAUGE },
	/* unaligned and out of range: not checked, never read */
	{ "future", TYPE_FUTURE, 3 * PAGE + 1, 0 },
	{ "seq", NETSTATS_COUNTER_TYPE_U32, BLOCK + 20,
	  NETSTATS_COUNTER_FLAGS_RESTRICTED },
};

static struct nlmsghdr *reply(const struct layout *l, const struct ctr *c,
			      size_t n)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t i;

	memset(buf, 0, sizeof(buf));
	nlh = ns_msg_start(buf, FAMILY_ID, 0, NETSTATS_CMD_REGISTER,
			   NETSTATS_FAMILY_VERSION);
	if (!(l->omit & OMIT_ID))
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, l->id);
	if (!(l->omit & OMIT_MAP_FD))
		mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_MAP_FD,
			     sizeof(l->map_fd), &l->map_fd);
	/* uint: 8 bytes here, 4 bytes for map-size */
	if (!(l->omit & OMIT_MAP_OFFSET))
		mnl_attr_put_u64(nlh, NETSTATS_A_REGISTRATION_MAP_OFFSET,
				 l->map_offset);
	if (!(l->omit & OMIT_MAP_SIZE))
		ns_put_uint(nlh, NETSTATS_A_REGISTRATION_MAP_SIZE, l->map_size);
	if (!(l->omit & OMIT_PAGE_SIZE))
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PAGE_SIZE,
				 l->page_size);
	if (l->ncpus) {
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PERCPU_STRIDE,
				 l->stride);
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_NCPUS, l->ncpus);
	}
	if (!(l->omit & OMIT_BLOCK))
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_BLOCK_OFFSET,
				 l->block_offset);
	for (i = 0; i < n; i++) {
		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, c[i].name);
		if (i == 1)	/* not sent today; must not be kept */
			mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_DOC, "doc");
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE, c[i].type);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, c[i].offset);
		if (c[i].flags)
			mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_FLAGS,
					 c[i].flags);
		mnl_attr_nest_end(nlh, nest);
	}
	if (l->flags)
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_FLAGS, l->flags);
	mnl_attr_put_u32(nlh, 200, 1);	/* unknown: ignored */
	return nlh;
}

static int parse(const struct nlmsghdr *nlh, struct ns_reg_reply *r)
{
	*r = (struct ns_reg_reply){ .family_id = FAMILY_ID, .map_fd = -1 };
	return ns_reg_cb(nlh, r);
}

static bool ctr_is(const struct netstats_counter_info *c, const char *name,
		   __u32 type, __u32 offset, __u32 flags)
{
	return c && !strcmp(c->name, name) && !strcmp(c->doc, "") &&
	       c->type == type && c->offset == offset && c->flags == flags;
}

static void test_reply(void)
{
	struct ns_reg_reply r;
	struct netstats_reg *reg;
	struct nlmsghdr *nlh;
	struct layout l;
	struct ctr c[2];
	size_t i;
	int ret;

	ret = parse(reply(&base_layout, base_ctrs, 4), &r);
	reg = r.reg;
	CHECK(!ret && reg && r.map_fd == FAKE_FD && r.id == 3,
	      "good reply: ret %d reg %p fd %d id %u", ret, (void *)reg,
	      r.map_fd, r.id);
	if (!reg)
		return;
	memset(buf, 0xff, sizeof(buf));	/* nothing may point into it */
	CHECK(reg->id == 3 && reg->map_offset == 3 * PAGE &&
	      reg->map_size == 2 * PAGE && reg->page_size == PAGE &&
	      reg->block_offset == BLOCK && reg->ncpus == 1 && !reg->base &&
	      reg->counter_cnt == 4,
	      "good reply fields");
	for (i = 0; i < 4; i++)
		CHECK(ctr_is(&reg->counters[i], base_ctrs[i].name,
			     base_ctrs[i].type, base_ctrs[i].offset,
			     base_ctrs[i].flags),
		      "counter %zu", i);
	free(reg);

	/* A reply that is not ours is skipped. */
	nlh = reply(&base_layout, base_ctrs, 4);
	nlh->nlmsg_type = FAMILY_ID + 1;
	ret = parse(nlh, &r);
	CHECK(!ret && !r.reg && r.map_fd < 0 && !r.id, "other family: %d",
	      ret);
	nlh = reply(&base_layout, base_ctrs, 4);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd =
		NETSTATS_CMD_QUERY;
	ret = parse(nlh, &r);
	CHECK(!ret && !r.reg && r.map_fd < 0 && !r.id, "other cmd: %d", ret);

	/* No counters at all is fine. */
	ret = parse(reply(&base_layout, NULL, 0), &r);
	CHECK(!ret && r.reg && !r.reg->counter_cnt, "no counters: %d", ret);
	free(r.reg);

	/* A second reply to the same request. */
	ret = parse(reply(&base_layout, NULL, 0), &r);
	free(r.reg);
	ret = ns_reg_cb(reply(&base_layout, NULL, 0), &r);
	CHECK(ret == -EPROTO && r.errmsg, "second reply: %d", ret);

	/* Every required attribute. */
	for (i = 0; i < 6; i++) {
		l = base_layout;
		l.omit = 1U << i;
		ret = parse(reply(&l, base_ctrs, 4), &r);
		CHECK(ret == -EPROTO && !r.reg && r.errmsg,
		      "omit %#x: %d", l.omit, ret);
		/* what is there is known, to be closed / unregistered */
		CHECK(r.map_fd == (l.omit == OMIT_MAP_FD ? -1 : FAKE_FD) &&
		      r.id == (l.omit == OMIT_ID ? 0U : 3U),
		      "omit %#x: fd %d id %u", l.omit, r.map_fd, r.id);
	}

#define BAD_LAYOUT(_field, _val, _what)					\
do {									\
	l = base_layout;						\
	l._field = _val;						\
	ret = parse(reply(&l, base_ctrs, 4), &r);			\
	CHECK(ret == -EPROTO && !r.reg, "%s: %d", _what, ret);		\
} while (0)

	BAD_LAYOUT(id, 0, "id 0");
	BAD_LAYOUT(map_fd, -1, "negative map fd");
	BAD_LAYOUT(map_size, 0, "map size 0");
	BAD_LAYOUT(map_size, PAGE + 8, "map size not in pages");
	BAD_LAYOUT(map_offset, PAGE / 2, "map offset not in pages");
	BAD_LAYOUT(page_size, 0, "page size 0");
	BAD_LAYOUT(block_offset, 2 * PAGE - 4, "header beyond the range");
	BAD_LAYOUT(block_offset, 2, "misaligned header");
	BAD_LAYOUT(ncpus, 2, "2 cpus, stride 0");
	l = base_layout;
	l.ncpus = 2;
	l.stride = 12;
	ret = parse(reply(&l, base_ctrs, 4), &r);
	CHECK(ret == -EPROTO && !r.reg, "stride 12: %d", ret);

	/* Counters: aligned, inside the range with every CPU's copy. */
	c[0] = (struct ctr){ "a", NETSTATS_COUNTER_TYPE_U64, BLOCK + 8 };
	c[1] = (struct ctr){ "b", NETSTATS_COUNTER_TYPE_U64, BLOCK + 12 };
	ret = parse(reply(&base_layout, c, 2), &r);
	CHECK(ret == -EPROTO && !r.reg, "misaligned u64: %d", ret);
	c[1] = (struct ctr){ "b", NETSTATS_COUNTER_TYPE_U32, BLOCK + 10 };
	ret = parse(reply(&base_layout, c, 2), &r);
	CHECK(ret == -EPROTO && !r.reg, "misaligned u32: %d", ret);
	c[1] = (struct ctr){ "b", NETSTATS_COUNTER_TYPE_U64, 2 * PAGE - 4 };
	ret = parse(reply(&base_layout, c, 2), &r);
	CHECK(ret == -EPROTO && !r.reg, "u64 across the end: %d", ret);
	c[1] = (struct ctr){ "b", NETSTATS_COUNTER_TYPE_U32, 2 * PAGE - 4 };
	ret = parse(reply(&base_layout, c, 2), &r);
	CHECK(!ret && r.reg, "u32 at the end: %d", ret);
	free(r.reg);
	l = base_layout;
	l.ncpus = 4;
	l.stride = 256;
	c[1] = (struct ctr){ "b", NETSTATS_COUNTER_TYPE_U64,
			     2 * PAGE - 3 * 256 - 8 };
	ret = parse(reply(&l, c, 2), &r);
	CHECK(!ret && r.reg, "last cpu's copy at the end: %d", ret);
	free(r.reg);
	c[1].offset += 8;
	ret = parse(reply(&l, c, 2), &r);
	CHECK(ret == -EPROTO && !r.reg, "last cpu's copy beyond: %d", ret);

	/* Malformed attributes. */
	nlh = reply(&base_layout, NULL, 0);
	mnl_attr_put_u16(nlh, NETSTATS_A_REGISTRATION_NCPUS, 1);
	ret = parse(nlh, &r);
	CHECK(ret == -EPROTO && !r.reg, "u16 ncpus: %d", ret);
	nlh = reply(&base_layout, NULL, 0);
	mnl_attr_put_u16(nlh, NETSTATS_A_REGISTRATION_MAP_SIZE, 1);
	ret = parse(nlh, &r);
	CHECK(ret == -EPROTO && !r.reg, "u16 uint: %d", ret);
	nlh = reply(&base_layout, NULL, 0);
	{
		struct nlattr *nest;

		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put(nlh, NETSTATS_A_COUNTER_NAME, 3, "abc");
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE,
				 NETSTATS_COUNTER_TYPE_U32);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, BLOCK + 8);
		mnl_attr_nest_end(nlh, nest);
	}
	ret = parse(nlh, &r);
	CHECK(ret == -EPROTO && !r.reg, "unterminated name: %d", ret);
	nlh = reply(&base_layout, NULL, 0);
	{
		struct nlattr *nest;

		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, "x");
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE,
				 NETSTATS_COUNTER_TYPE_U32);
		mnl_attr_nest_end(nlh, nest);
	}
	ret = parse(nlh, &r);
	CHECK(ret == -EPROTO && !r.reg, "counter without offset: %d", ret);
}

/* --- the readers ----------------------------------------------------------- */

static struct netstats_block_hdr *hook_hdr;
static int hook_bumps;		/* generation changes still to make */
static int hook_calls;

static void snapshot_hook(int try)
{
	(void)try;
	hook_calls++;
	if (hook_bumps > 0) {
		hook_bumps--;
		/* a reset done between the two loads: a new even one */
		hook_hdr->generation += 2;
	}
}

/* A registration of the fake range @l, with its mapping at *@mem. */
static struct netstats_reg *fake_reg(struct netstats_handle *h,
				     const struct layout *l,
				     const struct ctr *c, size_t n,
				     char **mem)
{
	struct ns_reg_reply r;

	if (parse(reply(l, c, n), &r) || !r.reg)
		return NULL;
	*mem = fake_map(h, r.reg, l->map_size);
	return *mem ? r.reg : NULL;
}

#define U64_AT(m, off)	(*(__u64 *)((m) + (off)))
#define U32_AT(m, off)	(*(__u32 *)((m) + (off)))

static bool unmapped(const void *p, size_t len)
{
	unsigned char vec[4];

	return mincore((void *)p, len, vec) && errno == ENOMEM;
}

static void test_readers(void)
{
	struct netstats_block_hdr *hdr;
	const struct netstats_counter_info *ci;
	struct netstats_reg *reg, *reg2;
	struct netstats_handle *h = fake_handle();
	char *mem, *mem2;
	__u64 vals[5], v;
	__u32 gen;
	int ret;

	reg = h ? fake_reg(h, &base_layout, base_ctrs, 4, &mem) : NULL;
	CHECK(reg, "fake registration");
	if (!reg)
		return;
	hdr = (void *)(mem + BLOCK);
	hdr->generation = 6;
	hdr->state = NETSTATS_BLOCK_LIVE;
	U64_AT(mem, BLOCK + 8) = 0x1122334455667788ULL;
	U32_AT(mem, BLOCK + 16) = 42;
	U32_AT(mem, BLOCK + 20) = 0xfffffffeU;

	CHECK(netstats_reg__id(reg) == 3 && netstats_reg__base(reg) == mem &&
	      netstats_reg__counter_cnt(reg) == 4, "accessors");
	CHECK(!netstats_reg__id(NULL) && !netstats_reg__base(NULL) &&
	      !netstats_reg__counter_cnt(NULL), "accessors of NULL");
	ci = netstats_reg__counter(reg, 1);
	CHECK(ctr_is(ci, "qlen", NETSTATS_COUNTER_TYPE_U32, BLOCK + 16,
		     NETSTATS_COUNTER_FLAGS_GAUGE), "counter 1");
	errno = 0;
	CHECK(!netstats_reg__counter(reg, 4) && errno == EINVAL,
	      "counter 4: errno %d", errno);
	CHECK(!netstats_reg__counter(NULL, 0), "counter of NULL");

	CHECK(netstats_reg__find(reg, "bytes") == 0 &&
	      netstats_reg__find(reg, "seq") == 3, "find");
	errno = 0;
	ret = netstats_reg__find(reg, "byte");
	CHECK(ret == -ENOENT && errno == ENOENT, "find unknown: %d", ret);
	CHECK(netstats_reg__find(reg, NULL) == -EINVAL &&
	      netstats_reg__find(NULL, "bytes") == -EINVAL, "find NULL");

	ret = netstats_reg__read(reg, 0, &v);
	CHECK(!ret && v == 0x1122334455667788ULL, "read u64: %d %llx", ret,
	      (unsigned long long)v);
	ret = netstats_reg__read(reg, 1, &v);
	CHECK(!ret && v == 42, "read u32: %d %llu", ret,
	      (unsigned long long)v);
	ret = netstats_reg__read(reg, 3, &v);
	CHECK(!ret && v == 0xfffffffeU, "read u32 top: %d %llx", ret,
	      (unsigned long long)v);
	errno = 0;
	ret = netstats_reg__read(reg, 2, &v);
	CHECK(ret == -EOPNOTSUPP && errno == EOPNOTSUPP,
	      "read unknown type: %d", ret);
	CHECK(netstats_reg__read(reg, 4, &v) == -EINVAL &&
	      netstats_reg__read(reg, 0, NULL) == -EINVAL &&
	      netstats_reg__read(NULL, 0, &v) == -EINVAL, "read EINVAL");
	/* Each read loads: nothing is cached. */
	U32_AT(mem, BLOCK + 16) = 43;
	ret = netstats_reg__read(reg, 1, &v);
	CHECK(!ret && v == 43, "read moves: %llu", (unsigned long long)v);

	CHECK(netstats_reg__generation(reg) == 6, "generation");
	CHECK(!netstats_reg__generation(NULL), "generation of NULL");
	CHECK(!netstats_reg__dead(reg) && !netstats_reg__dead(NULL), "live");

	/* Snapshots. */
	memset(vals, 0xaa, sizeof(vals));
	hook_hdr = hdr;
	hook_calls = 0;
	gen = 0;
	ret = netstats_reg__snapshot(reg, vals, 5, &gen);
	CHECK(ret == 4 && gen == 6 && hook_calls == 1 &&
	      vals[0] == 0x1122334455667788ULL && vals[1] == 43 &&
	      vals[2] == 0 && vals[3] == 0xfffffffeU &&
	      vals[4] == 0xaaaaaaaaaaaaaaaaULL,
	      "snapshot: %d gen %u calls %d", ret, gen, hook_calls);
	memset(vals, 0xaa, sizeof(vals));
	ret = netstats_reg__snapshot(reg, vals, 2, NULL);
	CHECK(ret == 2 && vals[1] == 43 && vals[2] == 0xaaaaaaaaaaaaaaaaULL,
	      "short snapshot: %d", ret);
	CHECK(netstats_reg__snapshot(reg, NULL, 0, NULL) == 0,
	      "empty snapshot");
	CHECK(netstats_reg__snapshot(reg, NULL, 1, NULL) == -EINVAL &&
	      netstats_reg__snapshot(NULL, vals, 1, NULL) == -EINVAL,
	      "snapshot EINVAL");

	/* The generation changes during the first 3 attempts. */
	hook_calls = 0;
	hook_bumps = 3;
	ret = netstats_reg__snapshot(reg, vals, 5, &gen);
	CHECK(ret == 4 && gen == 12 && hook_calls == 4,
	      "snapshot retried: %d gen %u calls %d", ret, gen, hook_calls);
	/* A reset in progress (odd generation): nothing read, given up. */
	hdr->generation = 13;
	hook_calls = 0;
	ret = netstats_reg__snapshot(reg, vals, 5, &gen);
	CHECK(ret == -EAGAIN && hook_calls == 0,
	      "snapshot during a reset: %d calls %d", ret, hook_calls);
	hdr->generation = 14;
	/* ... during every attempt. */
	hook_calls = 0;
	hook_bumps = 1000;
	errno = 0;
	gen = 0;
	ret = netstats_reg__snapshot(reg, vals, 5, &gen);
	CHECK(ret == -EAGAIN && errno == EAGAIN && gen == 0 &&
	      hook_calls == NS_SNAPSHOT_TRIES,
	      "snapshot gave up: %d calls %d", ret, hook_calls);
	hook_bumps = 0;

	hdr->generation = 16;
	hdr->state = NETSTATS_BLOCK_DEAD;
	CHECK(netstats_reg__dead(reg) && netstats_reg__generation(reg) == 16,
	      "dead");

	/* netstats__close() unmaps and frees what is left: two of three. */
	reg2 = fake_reg(h, &base_layout, base_ctrs, 4, &mem2);
	CHECK(reg2 && h->regs == reg2 && reg2->next == reg,
	      "second registration");
	if (!reg2) {
		netstats__close(h);
		return;
	}
	reg2 = fake_reg(h, &base_layout, base_ctrs, 4, &mem2);
	CHECK(reg2, "third registration");
	if (!reg2) {
		netstats__close(h);
		return;
	}
	/* unlink from the middle of the list */
	ns_reg_free(h->regs->next);
	CHECK(h->regs == reg2 && reg2->next == reg &&
	      reg->pprev == &reg2->next, "unlinked from the middle");
	CHECK(!netstats_reg__unregister(NULL), "unregister NULL");
	netstats__close(h);
	CHECK(unmapped(mem, 2 * PAGE) && unmapped(mem2, 2 * PAGE),
	      "netstats__close() unmapped the registrations");
}

static void test_percpu(void)
{
	static const struct ctr c[] = {
		{ "pkts", NETSTATS_COUNTER_TYPE_U64, BLOCK + 8 },
		{ "drops", NETSTATS_COUNTER_TYPE_U32, BLOCK + 16 },
	};
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg;
	struct layout l;
	__u64 vals[2], v;
	unsigned int cpu;
	char *mem;
	int ret;

	l = base_layout;
	l.ncpus = 4;
	l.stride = 64;
	reg = h ? fake_reg(h, &l, c, 2, &mem) : NULL;
	CHECK(reg, "per-CPU registration");
	if (!reg) {
		free(h);
		return;
	}
	for (cpu = 0; cpu < 4; cpu++) {
		U64_AT(mem, BLOCK + 8 + cpu * 64) = (cpu + 1) << 20;
		/* the sum does not wrap at 32 bits */
		U32_AT(mem, BLOCK + 16 + cpu * 64) = 0xffffffffU;
	}
	/* the stride is 64: nothing between the copies counts */
	U64_AT(mem, BLOCK + 8 + 32) = 1000;
	U64_AT(mem, BLOCK + 8 + 4 * 64) = 1000;
	ret = netstats_reg__read(reg, 0, &v);
	CHECK(!ret && v == 10 << 20, "per-CPU u64 sum: %d %llu", ret,
	      (unsigned long long)v);
	ret = netstats_reg__read(reg, 1, &v);
	CHECK(!ret && v == 4ULL * 0xffffffffU, "per-CPU u32 sum: %d %llx",
	      ret, (unsigned long long)v);
	ret = netstats_reg__snapshot(reg, vals, 2, NULL);
	CHECK(ret == 2 && vals[0] == 10 << 20 &&
	      vals[1] == 4ULL * 0xffffffffU, "per-CPU snapshot: %d", ret);
	netstats__close(h);

	/* One CPU: the stride does not matter. */
	h = fake_handle();
	l.ncpus = 1;
	reg = h ? fake_reg(h, &l, c, 2, &mem) : NULL;
	CHECK(reg, "1-CPU registration");
	if (!reg) {
		free(h);
		return;
	}
	U64_AT(mem, BLOCK + 8) = 7;
	U64_AT(mem, BLOCK + 8 + 64) = 1000;
	ret = netstats_reg__read(reg, 0, &v);
	CHECK(!ret && v == 7, "1-CPU read: %d %llu", ret,
	      (unsigned long long)v);
	netstats__close(h);
}

/* --- notifications ----------------------------------------------------- */

/* The message through the callback of netstats__monitor_read(). */
static int old_dead_msg(const struct netstats_handle *h, const struct nlmsghdr *nlh,
			netstats_dead_cb cb, void *ctx)
{
	struct ns_dead_cbs cbs = { .cb = cb, .ctx = ctx };

	return ns_dead_msg(h, nlh, &cbs);
}

#define NTF_ID		0x1U
#define NTF_PORTID	0x2U
#define NTF_GROUP	0x4U

static struct nlmsghdr *dead_msg(unsigned int with, __u32 portid,
				 const char *object)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = ns_msg_start(buf, FAMILY_ID, 0, NETSTATS_CMD_OBJECT_DEAD,
			   NETSTATS_FAMILY_VERSION);
	nlh->nlmsg_flags = 0;
	if (with & NTF_ID)
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, 7);
	if (with & NTF_PORTID)
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PORTID, portid);
	if (with & NTF_GROUP)
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	/* The object is the typed nest REGISTER sent. */
	if (object) {
		struct nlattr *nest;

		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_DEV);
		mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, 2);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_REASON, 1);
	return nlh;
}

#define ALL	(NTF_ID | NTF_PORTID | NTF_GROUP)

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_notifications(void)
{
	struct netstats_handle *h = fake_handle();
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct dead_seen s = {};
	struct mnl_socket *peer;
	struct nlmsghdr *nlh;
	int ret, fd, i;

	if (!h)
		return;
	ret = old_dead_msg(h, dead_msg(ALL, PORTID, NULL), dead_cb, &s);
	CHECK(ret == 1 && s.calls == 1 && s.id == 7 && s.portid == PORTID &&
	      !strcmp(s.group, "tcp") && !s.have_object,
	      "ours: %d calls %u", ret, s.calls);
	/* The object's name is the one the registration was made with. */
	s = (struct dead_seen){};
	{
		struct netstats_reg r7 = { .id = 7, .object = "eth0" };

		h->regs = &r7;
		ret = old_dead_msg(h, dead_msg(ALL, PORTID, "eth0"), dead_cb,
				   &s);
		h->regs = NULL;
	}
	CHECK(ret == 1 && s.calls == 1 && s.have_object &&
	      !strcmp(s.object, "eth0"), "ours with object: %d", ret);
	s = (struct dead_seen){};
	ret = old_dead_msg(h, dead_msg(NTF_ID | NTF_PORTID, PORTID, NULL),
			   dead_cb, &s);
	CHECK(ret == 1 && s.calls == 1 && !strcmp(s.group, ""),
	      "ours without group: %d", ret);

	s = (struct dead_seen){};
	ret = old_dead_msg(h, dead_msg(ALL, PORTID + 1, NULL), dead_cb, &s);
	CHECK(!ret && !s.calls, "another socket's: %d", ret);
	ret = old_dead_msg(h, dead_msg(NTF_ID | NTF_GROUP, 0, NULL), dead_cb,
			   &s);
	CHECK(!ret && !s.calls, "without portid: %d", ret);
	ret = old_dead_msg(h, dead_msg(NTF_PORTID | NTF_GROUP, PORTID, NULL),
			   dead_cb, &s);
	CHECK(!ret && !s.calls, "without id: %d", ret);
	nlh = dead_msg(ALL, PORTID, NULL);
	nlh->nlmsg_type = FAMILY_ID + 1;
	ret = old_dead_msg(h, nlh, dead_cb, &s);
	CHECK(!ret && !s.calls, "other family: %d", ret);
	nlh = dead_msg(ALL, PORTID, NULL);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd =
		NETSTATS_CMD_REGISTER;
	ret = old_dead_msg(h, nlh, dead_cb, &s);
	CHECK(!ret && !s.calls, "other cmd: %d", ret);
	nlh = dead_msg(NTF_ID | NTF_PORTID, PORTID, NULL);
	mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_GROUP, 2, "ab");
	ret = old_dead_msg(h, nlh, dead_cb, &s);
	CHECK(!ret && !s.calls, "unterminated group: %d", ret);

	s = (struct dead_seen){ .ret = -E2BIG };
	ret = old_dead_msg(h, dead_msg(ALL, PORTID, NULL), dead_cb, &s);
	CHECK(ret == -E2BIG && s.calls == 1, "cb error: %d", ret);
	s = (struct dead_seen){ .ret = 5 };
	ret = old_dead_msg(h, dead_msg(ALL, PORTID, NULL), dead_cb, &s);
	CHECK(ret == 1 && s.calls == 1, "cb positive return: %d", ret);

	/* Not without netstats__monitor_fd(). */
	errno = 0;
	ret = netstats__monitor_read(h, dead_cb, &s);
	CHECK(ret == -EINVAL && errno == EINVAL, "no monitor: %d", ret);
	CHECK(netstats__monitor_fd(NULL) == -EINVAL, "monitor_fd(NULL)");
	CHECK(netstats__monitor_fd(h) == -EINVAL, "monitor_fd without socket");
	/* Until then, nothing is kept. */
	ns_ntf_keep(h, dead_msg(ALL, PORTID, NULL));
	CHECK(!h->ntf_head, "kept without monitor");

	/*
	 * The handle's own socket, where the kernel sends the notifications
	 * of its registrations: nothing pending; notifications a request
	 * read and kept; a datagram from a user space socket, which is not
	 * the kernel's and is skipped.
	 */
	h->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		printf("SKIP netlink socket: %s\n", strerror(errno));
		netstats__close(h);
		return;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	fd = netstats__monitor_fd(h);
	CHECK(fd >= 0, "monitor fd: %s", strerror(-fd));
	if (fd < 0) {
		netstats__close(h);
		return;
	}
	CHECK(netstats__monitor_fd(h) == fd, "monitor fd opened once");
	CHECK(!readable(fd), "monitor fd idle");
	s = (struct dead_seen){};
	ret = netstats__monitor_read(h, dead_cb, &s);
	CHECK(ret == 0 && !s.calls, "nothing pending: %d", ret);

	ns_ntf_keep(h, dead_msg(ALL, h->portid, "eth0"));
	ns_ntf_keep(h, dead_msg(ALL, h->portid, "eth1"));
	nlh = dead_msg(ALL, h->portid, NULL);
	nlh->nlmsg_seq = 5;		/* a reply, not a notification */
	ns_ntf_keep(h, nlh);
	nlh = dead_msg(ALL, h->portid, NULL);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd =
		NETSTATS_CMD_REGISTER;
	ns_ntf_keep(h, nlh);
	CHECK(h->ntf_cnt == 2, "kept: %u", h->ntf_cnt);
	CHECK(readable(fd), "kept notifications poll readable");
	s = (struct dead_seen){};
	ret = netstats__monitor_read(h, dead_cb, &s);
	CHECK(ret == 2 && s.calls == 2,
	      "kept notifications: %d calls %u", ret, s.calls);
	CHECK(!h->ntf_head && !readable(fd), "kept notifications consumed");

	/* Past NS_NTF_MAX kept: delivered, then -ENOBUFS once. */
	for (i = 0; i <= NS_NTF_MAX; i++)
		ns_ntf_keep(h, dead_msg(ALL, h->portid, NULL));
	s = (struct dead_seen){};
	ret = netstats__monitor_read(h, dead_cb, &s);
	CHECK(ret == -ENOBUFS && s.calls == NS_NTF_MAX,
	      "too many kept: %d calls %u", ret, s.calls);
	ret = netstats__monitor_read(h, dead_cb, &s);
	CHECK(ret == 0, "ENOBUFS reported once: %d", ret);

	peer = mnl_socket_open(NETLINK_GENERIC);
	if (peer && !mnl_socket_bind(peer, 0, MNL_SOCKET_AUTOPID)) {
		nlh = dead_msg(ALL, h->portid, NULL);
		to.nl_pid = h->portid;
		ret = sendto(mnl_socket_get_fd(peer), nlh, nlh->nlmsg_len, 0,
			     (struct sockaddr *)&to, sizeof(to));
		CHECK(ret == (int)nlh->nlmsg_len, "send to the socket: %s",
		      strerror(errno));
		CHECK(readable(fd), "datagram polls readable");
		s = (struct dead_seen){};
		ret = netstats__monitor_read(h, dead_cb, &s);
		CHECK(ret == 0 && !s.calls, "forged notification: %d calls %u",
		      ret, s.calls);
		ret = recv(mnl_socket_get_fd(h->nl), buf, sizeof(buf),
			   MSG_DONTWAIT);
		CHECK(ret < 0 && errno == EAGAIN, "socket drained: %d", ret);

		/* Before a request: read, and nothing forged is kept. */
		ret = sendto(mnl_socket_get_fd(peer), nlh, nlh->nlmsg_len, 0,
			     (struct sockaddr *)&to, sizeof(to));
		CHECK(ret == (int)nlh->nlmsg_len, "send again: %s",
		      strerror(errno));
		ns_drain(h);
		CHECK(!h->ntf_head && !readable(fd), "drained, nothing kept");
	} else {
		printf("SKIP peer netlink socket: %s\n", strerror(errno));
	}
	if (peer)
		mnl_socket_close(peer);
	netstats__close(h);
}

/* Derived blocks are read under the sequence counter of their header. */
static void test_derived(void)
{
	static const struct ctr c[] = {
		{ "pkts", NETSTATS_COUNTER_TYPE_U64,
		  sizeof(struct netstats_derived_hdr) },
	};
	struct netstats_derived_hdr *dh;
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg;
	struct layout l;
	__u64 vals[1];
	__u32 gen;
	char *mem;
	int ret;

	l = base_layout;
	l.block_offset = 0;
	l.flags = NETSTATS_GROUP_FLAGS_DERIVED;
	reg = h ? fake_reg(h, &l, c, 1, &mem) : NULL;
	CHECK(reg, "derived registration");
	if (!reg) {
		free(h);
		return;
	}
	dh = (void *)mem;
	dh->hdr.generation = 8;
	dh->seq = 4;
	U64_AT(mem, sizeof(*dh)) = 1234;
	hook_calls = 0;
	ret = netstats_reg__snapshot(reg, vals, 1, &gen);
	CHECK(ret == 1 && vals[0] == 1234 && gen == 8 && hook_calls == 1,
	      "derived snapshot, even seq: %d", ret);

	/* An update in progress: never read, given up after the tries. */
	dh->seq = 5;
	hook_calls = 0;
	ret = netstats_reg__snapshot(reg, vals, 1, NULL);
	CHECK(ret == -EAGAIN && errno == EAGAIN && hook_calls == 0,
	      "derived snapshot, odd seq: %d calls %d", ret, hook_calls);
	netstats__close(h);

	/* The derived header must fit in the range. */
	h = fake_handle();
	l.block_offset = l.map_size - sizeof(struct netstats_block_hdr);
	reg = h ? fake_reg(h, &l, c, 0, &mem) : NULL;
	CHECK(!reg, "derived header beyond the range");
	netstats__close(h);
}

/* The "tcp" group's layout: 3 u64, 5 u32, and 5 u32 a page further. */
static const struct ctr tcp_ctrs[13] = {
	{ "c0", NETSTATS_COUNTER_TYPE_U64, BLOCK + 8, 0 },
	{ "c1", NETSTATS_COUNTER_TYPE_U64, BLOCK + 16, 0 },
	{ "c2", NETSTATS_COUNTER_TYPE_U64, BLOCK + 24, 0 },
	{ "c3", NETSTATS_COUNTER_TYPE_U32, BLOCK + 32, 0 },
	{ "c4", NETSTATS_COUNTER_TYPE_U32, BLOCK + 36, 0 },
	{ "c5", NETSTATS_COUNTER_TYPE_U32, BLOCK + 40, 0 },
	{ "c6", NETSTATS_COUNTER_TYPE_U32, BLOCK + 44, 0 },
	{ "c7", NETSTATS_COUNTER_TYPE_U32, BLOCK + 48, 0 },
	{ "c8", NETSTATS_COUNTER_TYPE_U32, PAGE + BLOCK + 0, 0 },
	{ "c9", NETSTATS_COUNTER_TYPE_U32, PAGE + BLOCK + 4, 0 },
	{ "c10", NETSTATS_COUNTER_TYPE_U32, PAGE + BLOCK + 8, 0 },
	{ "c11", NETSTATS_COUNTER_TYPE_U32, PAGE + BLOCK + 12, 0 },
	{ "c12", NETSTATS_COUNTER_TYPE_U32, PAGE + BLOCK + 16, 0 },
};

/* The snapshot of the plan, and of the function with the plan off. */
static bool tcp_same(struct netstats_reg *reg, __u64 *a, int *ra, __u32 *ga)
{
	struct netstats_plan saved = reg->plan;
	__u64 b[13];
	__u32 gb = 0;
	int rb;

	memset(a, 0xaa, 13 * sizeof(*a));
	*ra = netstats_plan__snapshot(&reg->plan, a, ga);
	reg->plan.fast = 0;
	reg->plan.shape = 0;
	rb = netstats_reg__snapshot(reg, b, 13, &gb);
	reg->plan = saved;
	return *ra == rb && (rb < 0 || (*ga == gb && !memcmp(a, b, sizeof(b))));
}

/*
 * ABI 2 shape NETSTATS_PLAN_SHAPE_TCP: the "tcp" layout is copied by
 * straight-line code; near layouts are not; odd and moving generations;
 * refs (netstats_ref__read()).
 */
static void test_plan_tcp(void)
{
	struct netstats_handle *h = fake_handle();
	struct netstats_block_hdr *hdr;
	struct ctr near[13];
	struct netstats_ref r;
	struct netstats_reg *reg;
	__u64 a[13], v, w;
	__u32 ga = 0;
	char *mem;
	int i, ra;

	reg = h ? fake_reg(h, &base_layout, tcp_ctrs, 13, &mem) : NULL;
	CHECK(reg, "tcp registration");
	if (!reg)
		return;
	CHECK(reg->plan.fast == NETSTATS_PLAN_ABI &&
	      reg->plan.shape == NETSTATS_PLAN_SHAPE_TCP &&
	      reg->plan.shape_off == PAGE &&
	      reg->plan.shape_run == mem + PAGE + BLOCK,
	      "tcp plan: shape %x off %u", reg->plan.shape,
	      reg->plan.shape_off);
	hdr = (void *)(mem + BLOCK);
	hdr->generation = 4;
	hdr->state = NETSTATS_BLOCK_LIVE;
	for (i = 0; i < 13; i++)
		if (i < 3)
			U64_AT(mem, tcp_ctrs[i].offset) = ~0ULL - i;
		else
			U32_AT(mem, tcp_ctrs[i].offset) = 0xfffffff0U + i;
	CHECK(tcp_same(reg, a, &ra, &ga) && ra == 13 && ga == 4 &&
	      a[0] == ~0ULL && a[2] == ~0ULL - 2 && a[3] == 0xfffffff3U &&
	      a[7] == 0xfffffff7U && a[8] == 0xfffffff8U &&
	      a[12] == 0xfffffffcU,
	      "tcp shape snapshot: %d gen %u", ra, ga);
	/* Moved during the first try: the runs try again. */
	hook_hdr = hdr;
	hook_calls = 0;
	hook_bumps = 1;
	ra = netstats_plan__snapshot(&reg->plan, a, &ga);
	CHECK(ra == 13 && ga == 6 && hook_calls == 2 && a[12] == 0xfffffffcU,
	      "tcp shape, moved once: %d gen %u calls %d", ra, ga,
	      hook_calls);
	hook_calls = 0;
	hook_bumps = 1000;
	ra = netstats_plan__snapshot(&reg->plan, a, &ga);
	CHECK(ra == -EAGAIN && hook_calls == 1 + NS_SNAPSHOT_TRIES,
	      "tcp shape, always moving: %d calls %d", ra, hook_calls);
	hook_bumps = 0;
	hdr->generation |= 1;	/* being reset */
	hook_calls = 0;
	CHECK(tcp_same(reg, a, &ra, &ga) && ra == -EAGAIN && !hook_calls,
	      "tcp shape, odd generation: %d", ra);
	hdr->generation++;

	/* Refs: one load each, as netstats_reg__read(). */
	for (i = 0; i < 13; i++) {
		r = netstats_plan__ref(netstats_reg__plan(reg), i);
		CHECK(r.kind == (i < 3 ? 8 : 4) &&
		      r.p == mem + tcp_ctrs[i].offset && r.idx == (__u32)i &&
		      !netstats_ref__read(r, &v) &&
		      !netstats_reg__read(reg, i, &w) && v == w,
		      "ref %d: kind %u %llx", i, r.kind,
		      (unsigned long long)v);
	}
	U32_AT(mem, tcp_ctrs[12].offset) = 5;	/* each read loads */
	CHECK(!netstats_ref__read(r, &v) && v == 5, "ref moves");
	r = netstats_plan__ref(netstats_reg__plan(reg), 13);
	CHECK(r.kind == 0 && netstats_ref__read(r, &v) == -EINVAL,
	      "ref out of range");
	r = netstats_plan__ref(NULL, 0);
	CHECK(r.kind == 0 && netstats_ref__read(r, &v) == -EINVAL,
	      "ref of NULL");
	/* A baseline: neither shape nor one-load refs; old refs raw. */
	w = 0;
	r = netstats_plan__ref(netstats_reg__plan(reg), 0);
	CHECK(!netstats_reg__reset(reg) && !reg->plan.shape &&
	      !reg->plan.fast, "after a reset: no shape");
	U64_AT(mem, tcp_ctrs[0].offset) += 7;
	CHECK(!netstats_ref__read(r, &w) && w == ~0ULL + 7,
	      "ref taken before the reset: raw %llx", (unsigned long long)w);
	r = netstats_plan__ref(netstats_reg__plan(reg), 0);
	CHECK(r.kind == 0 && r.p == reg && !netstats_ref__read(r, &v) &&
	      v == 7, "ref after the reset: relative %llu",
	      (unsigned long long)v);
	CHECK(tcp_same(reg, a, &ra, &ga) && ra == 13 && a[0] == 7 &&
	      a[3] == 0, "after a reset: snapshot relative");
	netstats__close(h);

	/* Near layouts: not the shape, the same values by the runs. */
	for (i = 0; i < 3; i++) {
		memcpy(near, tcp_ctrs, sizeof(near));
		if (i == 0)	/* 4 u32 in the last run */
			near[12].offset += 4;
		else if (i == 1)	/* a u64 not right after the header */
			near[0].type = NETSTATS_COUNTER_TYPE_U32;
		else		/* the first run not at block + 8 */
			near[0].offset = BLOCK + 0, near[1].offset = BLOCK + 8,
			near[2].offset = BLOCK + 16;
		h = fake_handle();
		reg = h ? fake_reg(h, &base_layout, near, 13, &mem) : NULL;
		if (!reg)
			continue;
		hdr = (void *)(mem + BLOCK);
		hdr->generation = 2;
		U32_AT(mem, near[12].offset) = 12;
		CHECK(reg->plan.fast == NETSTATS_PLAN_ABI && !reg->plan.shape &&
		      tcp_same(reg, a, &ra, &ga) && ra == 13,
		      "near layout %d: shape %x", i, reg->plan.shape);
		netstats__close(h);
	}
}

/*
 * NETSTATS_PLAN_SHAPE_SPANS: __u64 counters in runs with gaps, as the ip
 * group's MIBs (odd and even runs, gaps of one slot and of several, a
 * long run), on 1 and 3 CPUs: the spans give what the runs give, which
 * is what each counter's own loads give; a layout whose odd runs cannot
 * be ordered stays a plan of runs.
 */
#define SP_BASE	64	/* the block's header; counters after it */
#define SP_MAX	128

static int sp_layout(struct ctr *c, const unsigned int *runs, size_t nruns)
{
	static char names[SP_MAX][8];
	unsigned int slot = SP_BASE / 8 + 1, n = 0, i, k;

	for (i = 0; i < nruns; i++, slot += 1 + (i % 3 == 2 ? 9 : 0))
		for (k = 0; k < runs[i]; k++, n++, slot++) {
			snprintf(names[n], sizeof(names[n]), "c%u", n);
			c[n] = (struct ctr){ names[n], NETSTATS_COUNTER_TYPE_U64,
					     slot * 8, 0 };
		}
	return n;
}

static __u64 sp_want(const struct ctr *c, unsigned int cpus)
{
	__u64 v = 0;
	unsigned int cpu;

	for (cpu = 0; cpu < cpus; cpu++)
		v += ((__u64)c->offset << 32) + cpu * 0x10001ULL + 1;
	return v;
}

static void test_plan_spans(void)
{
	/* odd first and second (forward), 2-runs, odd last (back) */
	static const unsigned int ip_like[] = { 7, 29, 15, 2, 2, 3, 41 };
	/* odd, odd, odd: each forward, the last cannot be */
	static const unsigned int no_order[] = { 9, 9, 9 };
	static const unsigned int cpus[] = { 1, 3 };
	struct ctr c[SP_MAX];
	__u64 a[SP_MAX + 1], b[SP_MAX + 1], w;
	struct netstats_plan runs;
	struct netstats_reg *reg;
	struct netstats_block_hdr *hdr;
	struct layout l = base_layout;
	struct netstats_handle *h;
	unsigned int ci, i, n, cpu, off;
	__u32 g = 0;
	char *mem;
	int ret, t, tc;

	for (tc = 0; tc < 4; tc++) {
		t = tc / 2;
		ci = tc % 2;
		n = t ? sp_layout(c, no_order, 3) :
			sp_layout(c, ip_like, sizeof(ip_like) / sizeof(*ip_like));
		l.block_offset = 0;
		l.ncpus = cpus[ci];
		l.stride = PAGE;
		l.map_size = cpus[ci] * PAGE;
		h = fake_handle();
		reg = h ? fake_reg(h, &l, c, n, &mem) : NULL;
		CHECK(reg, "spans registration %d/%u", t, cpus[ci]);
		if (!reg) {
			free(h);
			continue;
		}
		hdr = (void *)mem;
		hdr->generation = 2;
		hdr->state = NETSTATS_BLOCK_LIVE;
		/* every slot, gaps too: a value naming its slot and CPU */
		for (cpu = 0; cpu < cpus[ci]; cpu++)
			for (off = SP_BASE; off < PAGE; off += 8)
				U64_AT(mem, cpu * PAGE + off) =
					((__u64)off << 32) + cpu * 0x10001ULL + 1;
		CHECK(reg->plan.fast == NETSTATS_PLAN_ABI &&
		      reg->plan.shape == (t ? 0 : NETSTATS_PLAN_SHAPE_SPANS) &&
		      reg->plan.nspans == (t ? 0 : reg->plan.nruns),
		      "spans %d/%u: shape %x, %u spans of %u runs", t,
		      cpus[ci], reg->plan.shape, reg->plan.nspans,
		      reg->plan.nruns);
		memset(a, 0xaa, sizeof(a));
		ret = netstats_plan__snapshot(&reg->plan, a, &g);
		for (i = 0; i < n && a[i] == sp_want(&c[i], cpus[ci]); i++)
			;
		CHECK(ret == (int)n && g == 2 && i == n &&
		      a[n] == 0xaaaaaaaaaaaaaaaaULL,
		      "spans %d/%u: snapshot %d, value %u of %u wrong", t,
		      cpus[ci], ret, i, n);
		/* The runs (what older readers follow) agree. */
		runs = reg->plan;
		runs.shape = 0;
		memset(b, 0xaa, sizeof(b));
		ret = netstats_plan__snapshot(&runs, b, NULL);
		CHECK(ret == (int)n && !memcmp(a, b, sizeof(a)),
		      "spans %d/%u: the runs agree", t, cpus[ci]);
		ret = netstats_reg__snapshot(reg, b, n, NULL);
		CHECK(ret == (int)n && !memcmp(a, b, n * sizeof(*a)),
		      "spans %d/%u: netstats_reg__snapshot() agrees", t,
		      cpus[ci]);
		CHECK(!netstats_reg__read(reg, n - 1, &w) && w == a[n - 1],
		      "spans %d/%u: read", t, cpus[ci]);
		/* Moved during the first try, then always. */
		hook_hdr = hdr;
		hook_calls = 0;
		hook_bumps = 1;
		ret = netstats_plan__snapshot(&reg->plan, a, &g);
		CHECK(ret == (int)n && g == 4 && hook_calls == 2 &&
		      a[0] == sp_want(&c[0], cpus[ci]),
		      "spans %d/%u, moved once: %d gen %u calls %d", t,
		      cpus[ci], ret, g, hook_calls);
		hook_calls = 0;
		hook_bumps = 1000;
		ret = netstats_plan__snapshot(&reg->plan, a, &g);
		CHECK(ret == -EAGAIN && hook_calls <= 1 + NS_SNAPSHOT_TRIES,
		      "spans %d/%u, always moving: %d calls %d", t, cpus[ci],
		      ret, hook_calls);
		hook_bumps = 0;
		/* A reset baseline: no shape, relative values. */
		CHECK(!netstats_reg__reset(reg) && !reg->plan.shape &&
		      netstats_reg__snapshot(reg, a, n, NULL) == (int)n &&
		      a[0] == 0 && a[n - 1] == 0,
		      "spans %d/%u: after a reset", t, cpus[ci]);
		netstats__close(h);
	}
}

/* --- netstats__open_opts(): the netns ------------------------------------ */

#include <sys/stat.h>

static int setns_fds[4];	/* the fds setns() was called with */
static unsigned int setns_calls;
static int setns_fail_from;	/* fail the calls from this one (1-based) */

static int fake_setns(int fd, int type)
{
	unsigned int n = setns_calls++;

	if (n < ARRAY_SIZE(setns_fds))
		setns_fds[n] = fd;
	if (setns_fail_from && (int)setns_calls >= setns_fail_from) {
		errno = EPERM;
		return -1;
	}
	return setns(fd, type);
}

/* The inode of the calling thread's netns, or 0. */
static ino_t thread_netns(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

static ino_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static void test_open_opts(void)
{
	struct {
		struct netstats_open_opts o;
		int future;
	} big = { { sizeof(big) }, 1 };
	struct netstats_open_opts o = { .sz = sizeof(o) };
	struct netstats_handle *h;
	ino_t self = thread_netns();
	int own, other, devnull, err;

	CHECK(self, "own netns inode");
	o.sz = 4;
	errno = 0;
	CHECK(!netstats__open_opts(&o) && errno == EINVAL, "sz too small: %d",
	      errno);
	errno = 0;
	CHECK(!netstats__open_opts(&big.o) && errno == E2BIG,
	      "unknown non-zero field: %d", errno);
	big.future = 0;	/* zero: accepted, as the defaults */
	o.sz = sizeof(o);
	o.netns_fd = -1;
	errno = 0;
	CHECK(!netstats__open_opts(&o) && errno == EBADF,
	      "negative netns_fd: %d", errno);

	/* not a netns: setns() says EINVAL, the thread stays where it was */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.netns_fd = devnull;
	setns_calls = 0;
	errno = 0;
	h = netstats__open_opts(&o);
	CHECK(!h && errno == EINVAL && setns_calls == 1 &&
	      thread_netns() == self, "not a netns fd: %d, %u setns()", errno,
	      setns_calls);
	close(devnull);

	/* another netns: needs CAP_SYS_ADMIN (unshare) */
	own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNET)) {
		printf("SKIP netstats__open_opts() in another netns: unshare: %s\n",
		       strerror(errno));
		close(own);
		return;
	}
	other = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(other >= 0 && !setns(own, CLONE_NEWNET) &&
	      thread_netns() == self, "made another netns");
	o.netns_fd = other;
	setns_calls = 0;
	h = netstats__open_opts(&o);
	err = errno;
	/* in it for the socket, then back; the family decides the result */
	CHECK(setns_calls == 2 && setns_fds[0] == other &&
	      fd_ino(setns_fds[1]) == 0 && thread_netns() == self,
	      "entered %d, back (%u setns()), saved fd closed", setns_fds[0],
	      setns_calls);
	if (h)
		netstats__close(h);
	else
		CHECK(err == ENOENT, "no family there either: %d", err);

	/* the way back fails: the call fails and says so */
	setns_calls = 0;
	setns_fail_from = 2;
	errno = 0;
	h = netstats__open_opts(&o);
	setns_fail_from = 0;
	CHECK(!h && errno == EPERM && thread_netns() == fd_ino(other),
	      "failed return: %d, left in the other netns", errno);
	CHECK(!setns(own, CLONE_NEWNET) && thread_netns() == self,
	      "back by hand");
	close(other);
	close(own);
}

/* A selection: one counter nest per name, in order, each the name only. */
static void test_select(void)
{
	static const char *const sel[] = { "bytes_sent", "bytes_received" };
	struct netstats_reg_opts o = { .sz = sizeof(o), .counters = sel,
				       .counter_cnt = 2 };
	struct netstats_name n = { .sz = sizeof(n) };
	const char *names[4] = {};
	const struct nlattr *attr, *a;
	struct nlmsghdr *nlh;
	unsigned int cnt = 0, members = 0;
	char *many[600];
	char big[200];
	size_t i;

	memset(buf, 0, sizeof(buf));
	CHECK(!netstats__parse_name("tcp/fd:5", &n), "parse tcp/fd:5");
	req_h.family_id = FAMILY_ID;
	CHECK(!ns_reg_opts_check(&req_h, &o), "two names accepted");
	CHECK(!ns_reg_msg(&req_h, buf, &n, &o, &nlh), "request with a selection");
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NETSTATS_A_REGISTRATION_COUNTER)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			members++;
			if (mnl_attr_get_type(a) == NETSTATS_A_COUNTER_NAME &&
			    cnt < 4)
				names[cnt] = mnl_attr_get_str(a);
		}
		cnt++;
	}
	CHECK(cnt == 2 && members == 2 && names[0] && names[1] &&
	      !strcmp(names[0], "bytes_sent") &&
	      !strcmp(names[1], "bytes_received"),
	      "counter nests: %u, %u members", cnt, members);

	/* What the library refuses before asking the kernel. */
	o.sz = sizeof(size_t);
	CHECK(ns_reg_opts_check(&req_h, &o) == -EINVAL, "sz too small");
	o.sz = sizeof(o);
	o.counters = NULL;
	CHECK(ns_reg_opts_check(&req_h, &o) == -EINVAL, "no names but a count");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	many[0] = big;
	o.counters = (const char *const *)many;
	o.counter_cnt = 1;
	CHECK(ns_reg_opts_check(&req_h, &o) == -EINVAL, "name too long");
	many[0] = "";
	CHECK(ns_reg_opts_check(&req_h, &o) == -EINVAL, "empty name");
	for (i = 0; i < 600; i++)
		many[i] = "data_segs_out";
	o.counter_cnt = 600;
	CHECK(ns_reg_opts_check(&req_h, &o) == -E2BIG,
	      "more than a request holds");
	o.counter_cnt = 0;
	CHECK(!ns_reg_opts_check(&req_h, &o), "none: every counter");
}

int main(void)
{
	test_request();
	test_reply();
	test_readers();
	test_percpu();
	test_plan_tcp();
	test_plan_spans();
	test_derived();
	test_notifications();
	test_open_opts();
	test_select();
	return check_report();
}
