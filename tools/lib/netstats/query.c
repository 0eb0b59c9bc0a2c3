// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: QUERY, the groups the kernel offers and their counters,
 * options and instances.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netstats.h>

#include "libnetstats_internal.h"

struct ns_query {
	__u16 family_id;
	int fd;			/* the handle's socket: SIOCGIFNAME */
	netstats_group_cb cb;
	void *ctx;
};

#define NS_CNT_NAME	0x1U
#define NS_CNT_TYPE	0x2U
#define NS_CNT_OFFSET	0x4U
#define NS_CNT_REQUIRED	(NS_CNT_NAME | NS_CNT_TYPE | NS_CNT_OFFSET)

int ns_parse_counter(const struct nlattr *nest,
		     struct netstats_counter_info *c)
{
	const struct nlattr *attr;
	unsigned int seen = 0;
	int err = 0;

	c->doc = "";
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_COUNTER_NAME:
			err = ns_str(attr, &c->name);
			seen |= NS_CNT_NAME;
			break;
		case NETSTATS_A_COUNTER_DOC:
			err = ns_str(attr, &c->doc);
			break;
		case NETSTATS_A_COUNTER_TYPE:
			err = ns_u32(attr, &c->type);
			seen |= NS_CNT_TYPE;
			break;
		case NETSTATS_A_COUNTER_OFFSET:
			err = ns_u32(attr, &c->offset);
			seen |= NS_CNT_OFFSET;
			break;
		case NETSTATS_A_COUNTER_FLAGS:
			err = ns_u32(attr, &c->flags);
			break;
		}
		if (err)
			return err;
	}
	return seen == NS_CNT_REQUIRED ? 0 : -EPROTO;
}

static int ns_parse_option(const struct nlattr *nest,
			   struct netstats_option_info *o)
{
	const struct nlattr *attr;
	bool have_def = false;
	int err = 0;

	o->doc = "";
	o->max = ~0ULL;
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_OPTION_NAME:
			err = ns_str(attr, &o->name);
			break;
		case NETSTATS_A_OPTION_DOC:
			err = ns_str(attr, &o->doc);
			break;
		case NETSTATS_A_OPTION_MIN_VALUE:
			err = ns_uint(attr, &o->min);
			break;
		case NETSTATS_A_OPTION_MAX_VALUE:
			err = ns_uint(attr, &o->max);
			break;
		case NETSTATS_A_OPTION_DEFAULT:
			err = ns_uint(attr, &o->def);
			have_def = true;
			break;
		}
		if (err)
			return err;
	}
	if (!have_def)
		o->def = o->min;
	return o->name ? 0 : -EPROTO;
}

/* Room for an instance's name: "<dev>/<u32>". */
#define NS_INSTANCE_LEN	(IFNAMSIZ + 11)

/* A page pool QUERY lists, named by its id as REGISTER names it: "7". */
static int ns_pool_name(const struct nlattr *nest, char *name)
{
	const struct nlattr *attr;
	__u64 id = 0;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == NETSTATS_A_PAGE_POOL_ID &&
		    ns_uint(attr, &id))
			return -EPROTO;
	}
	if (!id)
		return -EPROTO;
	snprintf(name, NS_INSTANCE_LEN, "%llu", (unsigned long long)id);
	return 0;
}

/*
 * An object QUERY lists as the nest REGISTER takes (dev, queue,
 * page-pool), named in @name as netstats__parse_name() names the object:
 * "eth0", "eth0/3", "7". The ifindex is the kernel's in the netns of the
 * handle's socket, which names it. Returns 0, -ENODEV if the device went
 * meanwhile, -EPROTO.
 */
static int ns_instance_name(const struct ns_query *q,
			    const struct nlattr *nest, char *name)
{
	bool queue = mnl_attr_get_type(nest) == NETSTATS_A_GROUP_QUEUE;
	__u32 ifindex = 0, id = 0;
	const struct nlattr *attr;
	bool has_id = false;
	struct ifreq ifr;

	if (mnl_attr_get_type(nest) == NETSTATS_A_GROUP_PAGE_POOL)
		return ns_pool_name(nest, name);
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EPROTO;
		/* NETSTATS_A_DEV_IFINDEX == NETSTATS_A_QUEUE_IFINDEX */
		if (mnl_attr_get_type(attr) == NETSTATS_A_QUEUE_IFINDEX) {
			ifindex = mnl_attr_get_u32(attr);
		} else if (queue &&
			   mnl_attr_get_type(attr) == NETSTATS_A_QUEUE_ID) {
			id = mnl_attr_get_u32(attr);
			has_id = true;
		}
	}
	if (!ifindex || (queue && !has_id))
		return -EPROTO;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = ifindex;
	if (ioctl(q->fd, SIOCGIFNAME, &ifr) < 0)
		return -ENODEV;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	if (queue)
		snprintf(name, NS_INSTANCE_LEN, "%s/%u", ifr.ifr_name, id);
	else
		snprintf(name, NS_INSTANCE_LEN, "%s", ifr.ifr_name);
	return 0;
}

/*
 * One QUERY reply message -> struct netstats_group_info. Strings point into
 * the receive buffer; the arrays live in one allocation:
 * options[], counters[], option pointers, counter pointers, instance
 * pointers, instance names.
 */
static int ns_group_cb(const struct nlmsghdr *nlh, void *data)
{
	size_t nc = 0, no = 0, ni = 0, ic = 0, io = 0, ii = 0;
	const struct netstats_counter_info **cptr;
	const struct netstats_option_info **optr;
	struct netstats_group_info gi = {};
	struct netstats_counter_info *cinfo;
	struct netstats_option_info *oinfo;
	struct ns_query *q = data;
	const struct nlattr *attr;
	const char **iptr;
	char *iname;
	void *mem;
	int err = 0;

	if (!ns_genl_msg_is(nlh, q->family_id, NETSTATS_CMD_QUERY))
		return 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_GROUP_COUNTER:
			nc++;
			break;
		case NETSTATS_A_GROUP_OPTION:
			no++;
			break;
		case NETSTATS_A_GROUP_INSTANCE:
		case NETSTATS_A_GROUP_DEV:
		case NETSTATS_A_GROUP_QUEUE:
		case NETSTATS_A_GROUP_PAGE_POOL:
			ni++;
			break;
		}
	}
	mem = calloc(1, no * sizeof(*oinfo) + nc * sizeof(*cinfo) +
		     (no + nc + ni) * sizeof(void *) +
		     ni * NS_INSTANCE_LEN + 1);
	if (!mem)
		return -ENOMEM;
	oinfo = mem;
	cinfo = (void *)(oinfo + no);
	optr = (void *)(cinfo + nc);
	cptr = (void *)(optr + no);
	iptr = (void *)(cptr + nc);
	iname = (char *)(iptr + ni);

	gi.sz = sizeof(gi);
	gi.doc = "";
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_GROUP_NAME:
			err = ns_str(attr, &gi.name);
			break;
		case NETSTATS_A_GROUP_DOC:
			err = ns_str(attr, &gi.doc);
			break;
		case NETSTATS_A_GROUP_FLAGS:
			err = ns_u32(attr, &gi.flags);
			break;
		case NETSTATS_A_GROUP_COUNTER:
			cptr[ic] = &cinfo[ic];
			err = ns_parse_counter(attr, &cinfo[ic++]);
			break;
		case NETSTATS_A_GROUP_OPTION:
			optr[io] = &oinfo[io];
			err = ns_parse_option(attr, &oinfo[io++]);
			break;
		case NETSTATS_A_GROUP_INSTANCE:	/* an older kernel's names */
			err = ns_str(attr, &iptr[ii++]);
			break;
		case NETSTATS_A_GROUP_DEV:
		case NETSTATS_A_GROUP_QUEUE:
		case NETSTATS_A_GROUP_PAGE_POOL:
			err = ns_instance_name(q, attr, iname);
			if (!err) {
				iptr[ii++] = iname;
				iname += NS_INSTANCE_LEN;
			} else if (err == -ENODEV) {	/* gone: not listed */
				err = 0;
			}
			break;
		}
		if (err)
			goto out;
	}
	if (!gi.name) {
		err = -EPROTO;
		goto out;
	}
	gi.counter_cnt = nc;
	gi.counters = cptr;
	gi.option_cnt = no;
	gi.options = optr;
	gi.instance_cnt = ii;
	gi.instances = iptr;
	err = q->cb(&gi, q->ctx);
out:
	free(mem);
	return err < 0 ? err : 0;
}

int netstats__query(struct netstats_handle *h, const char *group,
		    netstats_group_cb cb, void *ctx)
{
	struct ns_query q = { .cb = cb, .ctx = ctx };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!h || !cb)
		return ns_err(-EINVAL);
	q.family_id = h->family_id;
	q.fd = mnl_socket_get_fd(h->nl);
	nlh = ns_msg_start(buf, h->family_id, group ? NLM_F_ACK : NLM_F_DUMP,
			   NETSTATS_CMD_QUERY, NETSTATS_FAMILY_VERSION);
	if (group && !mnl_attr_put_strz_check(nlh, sizeof(buf),
					      NETSTATS_A_GROUP_NAME, group))
		return ns_err(-EINVAL);
	return ns_err(ns_request(h, nlh, ns_group_cb, &q));
}
