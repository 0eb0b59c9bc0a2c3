// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: REGISTER and UNREGISTER, the request built from a
 * registration name, the reply checked and mapped, the registration's
 * counters and layout.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netstats.h>

#include "libnetstats_internal.h"

static int ns_ignore_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return 0;
}

/*
 * Objects are named to the kernel by typed attributes, devices by ifindex:
 * the library translates the descriptive names. A device name is looked up
 * in the network namespace of the handle's netlink socket (the netns the
 * kernel resolves the ifindex in), with the socket itself.
 */
static int ns_ifindex(struct netstats_handle *h, const char *dev, size_t len,
		      __u32 *ifindex)
{
	struct ifreq ifr = {};

	if (!len || len >= sizeof(ifr.ifr_name)) {
		ns_set_errmsg(h, "malformed device name");
		return -EINVAL;
	}
	memcpy(ifr.ifr_name, dev, len);
	if (ioctl(mnl_socket_get_fd(h->nl), SIOCGIFINDEX, &ifr) < 0) {
		ns_set_errmsg(h, "no such device in the handle's network namespace");
		return -ENODEV;
	}
	*ifindex = ifr.ifr_ifindex;
	return 0;
}

/* "<dev>/<rest>": the device's ifindex, and <rest> (NULL if no "/"). */
static int ns_obj_dev(struct netstats_handle *h, const char *object, __u32 *ifindex,
		      const char **rest)
{
	const char *slash = strrchr(object, '/');
	size_t len = slash ? (size_t)(slash - object) : strlen(object);

	if (rest)
		*rest = slash ? slash + 1 : NULL;
	return ns_ifindex(h, object, len, ifindex);
}

static int ns_obj_u32(struct netstats_handle *h, const char *s, int base, __u32 *val)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = s && *s ? strtoul(s, &end, base) : 0;
	if (!s || !*s || *end || errno || v > UINT32_MAX) {
		ns_set_errmsg(h, "malformed object");
		return -EINVAL;
	}
	*val = v;
	return 0;
}

static int ns_put_queue(struct netstats_handle *h, struct nlmsghdr *nlh,
			const char *object, __u32 type)
{
	const char *rest;
	__u32 ifindex, id;
	struct nlattr *nest;
	int err;

	err = ns_obj_dev(h, object, &ifindex, &rest);
	if (!err)
		err = ns_obj_u32(h, rest, 10, &id);
	if (err)
		return err;
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QUEUE);
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_TYPE, type);
	mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_ID, id);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* "<dev>/<major>:<minor>" (hex, as netstats__parse_name() makes it) or
 * "<dev>/root".
 */
static int ns_put_qdisc(struct netstats_handle *h, struct nlmsghdr *nlh,
			const char *object)
{
	__u32 ifindex, maj, min;
	struct nlattr *nest;
	const char *rest;
	char *end;
	int err;

	err = ns_obj_dev(h, object, &ifindex, &rest);
	if (err)
		return err;
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QDISC);
	mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_IFINDEX, ifindex);
	if (rest && !strcmp(rest, "root")) {
		mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_PARENT, 0xffffffffU);
	} else {
		errno = 0;
		maj = rest ? strtoul(rest, &end, 16) : 0;
		if (!rest || *end != ':' || errno || maj > 0xffff) {
			ns_set_errmsg(h, "malformed qdisc handle");
			return -EINVAL;
		}
		min = strtoul(end + 1, &end, 16);
		if (*end || min > 0xffff) {
			ns_set_errmsg(h, "malformed qdisc handle");
			return -EINVAL;
		}
		mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_HANDLE,
				 maj << 16 | min);
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* An address as the kernel takes it: IPv6, IPv4 v4-mapped. */
static void ns_addr16(__u8 *out, const __u8 *in, __u16 family)
{
	if (family == AF_INET6) {
		memcpy(out, in, 16);
		return;
	}
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, in, 4);
}

static void ns_put_sock(struct nlmsghdr *nlh, const struct netstats_name *n)
{
	struct nlattr *nest;
	__u8 addr[16];

	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	if (n->flags & NETSTATS_NAME_F_SOCK_FD)
		mnl_attr_put(nlh, NETSTATS_A_SOCK_FD, sizeof(n->sock_fd),
			     &n->sock_fd);
	if (n->flags & NETSTATS_NAME_F_SOCK_COOKIE)
		mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, n->sock_cookie);
	if (n->flags & NETSTATS_NAME_F_SOCK_ADDR) {
		ns_addr16(addr, n->sock_src, n->sock_family);
		mnl_attr_put(nlh, NETSTATS_A_SOCK_SRC, sizeof(addr), addr);
		ns_addr16(addr, n->sock_dst, n->sock_family);
		mnl_attr_put(nlh, NETSTATS_A_SOCK_DST, sizeof(addr), addr);
		mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_SPORT,
				 htons(n->sock_sport));
		mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_DPORT,
				 htons(n->sock_dport));
	}
	mnl_attr_nest_end(nlh, nest);
}

/* The object of @n as the typed nest of its group. */
static int ns_put_object(struct netstats_handle *h, struct nlmsghdr *nlh,
			 const struct netstats_name *n)
{
	const char *g = n->group, *o = n->object;
	struct nlattr *nest;
	__u32 val;
	int err;

	if (n->flags & (NETSTATS_NAME_F_SOCK_FD | NETSTATS_NAME_F_SOCK_COOKIE |
			NETSTATS_NAME_F_SOCK_ADDR)) {
		ns_put_sock(nlh, n);
		return 0;
	}
	if (!o[0])
		return 0;
	if (!strcmp(g, "core/page_pool")) {
		err = ns_obj_u32(h, o, 10, &val);
		if (err)
			return err;
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_PAGE_POOL);
		mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_ID, val);
		mnl_attr_nest_end(nlh, nest);
		return 0;
	}
	if (!strcmp(g, "queue/rx") || !strcmp(g, "hwqueue/rx"))
		return ns_put_queue(h, nlh, o, NETSTATS_QUEUE_TYPE_RX);
	if (!strcmp(g, "queue/tx") || !strcmp(g, "hwqueue/tx"))
		return ns_put_queue(h, nlh, o, NETSTATS_QUEUE_TYPE_TX);
	if (!strcmp(g, "qdisc"))
		return ns_put_qdisc(h, nlh, o);
	if (!strcmp(g, "hw")) {
		err = ns_ifindex(h, o, strlen(o), &val);
		if (err)
			return err;
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_DEV);
		mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, val);
		mnl_attr_nest_end(nlh, nest);
		return 0;
	}
	ns_set_errmsg(h, "the library cannot name objects of this group");
	return -EINVAL;
}

/* Collection options: one typed attribute each. */
static const struct {
	const char *name;
	__u16 type;
	bool flag;
} ns_opt_attrs[] = {
	{ "period-ms", NETSTATS_A_REGISTRATION_PERIOD_MS, false },
	{ "timer-ms", NETSTATS_A_REGISTRATION_TIMER_MS, false },
	{ "dead-linger-ms", NETSTATS_A_REGISTRATION_DEAD_LINGER_MS, false },
	{ "derived", NETSTATS_A_REGISTRATION_DERIVED, true },
	{ "collect", NETSTATS_A_REGISTRATION_COLLECT, false },
};

static int ns_put_opt(struct netstats_handle *h, struct nlmsghdr *nlh,
		      const struct netstats_name_opt *o)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ns_opt_attrs); i++) {
		if (strcmp(ns_opt_attrs[i].name, o->name))
			continue;
		if (ns_opt_attrs[i].flag ? o->value > 1 :
					   o->value > UINT32_MAX) {
			ns_set_errmsg(h, "collection option value out of range");
			return -ERANGE;
		}
		if (!ns_opt_attrs[i].flag)
			mnl_attr_put_u32(nlh, ns_opt_attrs[i].type, o->value);
		else if (o->value)
			mnl_attr_put(nlh, ns_opt_attrs[i].type, 0, NULL);
		return 0;
	}
	ns_set_errmsg(h, "unknown collection option");
	return -EINVAL;
}

/* REGISTER request for a parsed name; @buf holds MNL_SOCKET_BUFFER_SIZE. */
/* Longest counter name a selection may give (the kernel's are shorter). */
#define NS_SEL_NAME_MAX	128
/* Room for the counter nests of a selection in a REGISTER request: what
 * MNL_SOCKET_BUFFER_SIZE leaves after the rest of it (< 512 bytes).
 */
#define NS_SEL_ROOM	((size_t)MNL_SOCKET_BUFFER_SIZE - 1024)

static int ns_reg_msg(struct netstats_handle *h, void *buf,
		      const struct netstats_name *n,
		      const struct netstats_reg_opts *opts,
		      struct nlmsghdr **out)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	size_t k;
	__u32 i;
	int err;

	nlh = ns_msg_start(buf, h->family_id, NLM_F_ACK,
			   NETSTATS_CMD_REGISTER, NETSTATS_FAMILY_VERSION);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, n->group);
	/* Deaths of our registrations come to this socket (and are kept by
	 * the handle for netstats__monitor_read()).
	 */
	mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_NOTIFY, 0, NULL);
	err = ns_put_object(h, nlh, n);
	for (i = 0; !err && i < n->opt_cnt; i++)
		err = ns_put_opt(h, nlh, &n->opts[i]);
	/* netstats__register_opts() checked they fit. */
	for (k = 0; !err && opts && k < opts->counter_cnt; k++) {
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, opts->counters[k]);
		mnl_attr_nest_end(nlh, nest);
	}
	*out = nlh;
	return err;
}

/*
 * Every counter of a known type, with all its per-CPU copies, and the block
 * header are naturally aligned and inside the range: then reading any of
 * them is safe. The range can be mapped.
 */
static int ns_reg_check(const struct netstats_reg *reg)
{
	const struct netstats_counter_info *c;
	unsigned int width;
	__u64 span;
	size_t i;

	if (!reg->id || !reg->page_size || !reg->map_size ||
	    reg->map_size > SIZE_MAX || reg->map_offset % reg->page_size ||
	    reg->map_size % reg->page_size || !reg->ncpus ||
	    (reg->ncpus > 1 && (!reg->stride || reg->stride % 8)) ||
	    reg->block_offset % sizeof(__u64) ||
	    (__u64)reg->block_offset + ((reg->flags & NETSTATS_GROUP_FLAGS_DERIVED) ?
					sizeof(struct netstats_derived_hdr) :
					sizeof(struct netstats_block_hdr)) >
	    reg->map_size)
		return -EPROTO;
	/* A directory: its header page and one block per object. */
	if ((reg->flags & NETSTATS_GROUP_FLAGS_DIRECTORY) &&
	    (reg->ncpus != 1 || reg->block_offset ||
	     reg->flags & (NETSTATS_GROUP_FLAGS_PERCPU |
			   NETSTATS_GROUP_FLAGS_DERIVED) ||
	     reg->map_size < sizeof(struct netstats_dir_hdr)))
		return -EPROTO;
	span = (__u64)(reg->ncpus - 1) * reg->stride;
	for (i = 0; i < reg->counter_cnt; i++) {
		c = &reg->counters[i];
		width = ns_width(c->type);
		if (width && (c->offset % width ||
			      c->offset + span + width > reg->map_size))
			return -EPROTO;
	}
	return 0;
}

/* Parser state of a REGISTER reply. */
struct ns_reg_reply {
	__u16 family_id;
	int map_fd;		/* -1 until a reply gives one; to close */
	__u32 id;		/* 0 until a reply gives one; to unregister */
	struct netstats_reg *reg;	/* the parsed reply, not mapped */
	const char *errmsg;	/* why the reply was refused */
};

#define NS_REG_ID		0x01U
#define NS_REG_MAP_FD		0x02U
#define NS_REG_MAP_OFFSET	0x04U
#define NS_REG_MAP_SIZE		0x08U
#define NS_REG_PAGE_SIZE	0x10U
#define NS_REG_BLOCK_OFFSET	0x20U
#define NS_REG_REQUIRED		0x3fU

/* The attributes of a REGISTER reply into @reg and its counters[]. */
static int ns_reg_fill(const struct nlmsghdr *nlh, struct netstats_reg *reg,
		       char *names)
{
	struct netstats_counter_info *c;
	const struct nlattr *attr;
	unsigned int seen = 0;
	size_t len, ic = 0;
	__u32 map_fd = 0;
	int err = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_REGISTRATION_ID:
			err = ns_u32(attr, &reg->id);
			seen |= NS_REG_ID;
			break;
		case NETSTATS_A_REGISTRATION_MAP_FD:
			err = ns_u32(attr, &map_fd);
			seen |= NS_REG_MAP_FD;
			break;
		case NETSTATS_A_REGISTRATION_MAP_OFFSET:
			err = ns_uint(attr, &reg->map_offset);
			seen |= NS_REG_MAP_OFFSET;
			break;
		case NETSTATS_A_REGISTRATION_MAP_SIZE:
			err = ns_uint(attr, &reg->map_size);
			seen |= NS_REG_MAP_SIZE;
			break;
		case NETSTATS_A_REGISTRATION_PAGE_SIZE:
			err = ns_u32(attr, &reg->page_size);
			seen |= NS_REG_PAGE_SIZE;
			break;
		case NETSTATS_A_REGISTRATION_PERCPU_STRIDE:
			err = ns_u32(attr, &reg->stride);
			break;
		case NETSTATS_A_REGISTRATION_NCPUS:
			err = ns_u32(attr, &reg->ncpus);
			break;
		case NETSTATS_A_REGISTRATION_BLOCK_OFFSET:
			err = ns_u32(attr, &reg->block_offset);
			seen |= NS_REG_BLOCK_OFFSET;
			break;
		case NETSTATS_A_REGISTRATION_FLAGS:
			err = ns_u32(attr, &reg->flags);
			break;
		case NETSTATS_A_REGISTRATION_COUNTER:
			c = &reg->counters[ic++];
			err = ns_parse_counter(attr, c);
			if (err)
				break;
			/* Nothing may point into the receive buffer. */
			c->doc = "";
			len = strlen(c->name) + 1;
			memcpy(names, c->name, len);
			c->name = names;
			names += len;
			break;
		}
		if (err)
			return err;
	}
	if (seen != NS_REG_REQUIRED || (int)map_fd < 0)
		return -EPROTO;
	return 0;
}

/* Room for the name of a counter: the payloads of its name attributes. */
static size_t ns_name_space(const struct nlattr *nest)
{
	const struct nlattr *attr;
	size_t len = 0;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) == NETSTATS_A_COUNTER_NAME)
			len += mnl_attr_get_payload_len(attr);
	return len;
}

/*
 * One REGISTER reply message -> r->reg, not mapped. The map fd and the id
 * are taken first, so the caller can close and unregister them whatever
 * else is wrong with the reply.
 */
static int ns_reg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ns_reg_reply *r = data;
	size_t nc = 0, names_len = 0;
	const struct nlattr *attr;
	struct netstats_reg *reg;
	__u32 v;
	int err;

	if (!ns_genl_msg_is(nlh, r->family_id, NETSTATS_CMD_REGISTER))
		return 0;
	if (r->reg || r->map_fd >= 0 || r->id) {
		r->errmsg = "more than one REGISTER reply";
		return -EPROTO;
	}

	/* Space for the names: at most the payloads of their attributes. */
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_REGISTRATION_ID:
			if (!ns_u32(attr, &v))
				r->id = v;
			break;
		case NETSTATS_A_REGISTRATION_MAP_FD:
			if (!ns_u32(attr, &v) && (int)v >= 0)
				r->map_fd = (int)v;
			break;
		case NETSTATS_A_REGISTRATION_COUNTER:
			nc++;
			names_len += ns_name_space(attr);
			break;
		}
	}

	reg = calloc(1, sizeof(*reg) + nc * sizeof(*reg->counters) +
		     names_len);
	if (!reg) {
		r->errmsg = "out of memory";
		return -ENOMEM;
	}
	reg->counters = (void *)(reg + 1);
	reg->counter_cnt = nc;
	reg->ncpus = 1;
	err = ns_reg_fill(nlh, reg, (char *)(reg->counters + nc));
	if (!err)
		err = ns_reg_check(reg);
	if (err) {
		r->errmsg = "malformed REGISTER reply";
		free(reg);
		return err;
	}
	r->reg = reg;
	return 0;
}

static void ns_reg_link(struct netstats_handle *h, struct netstats_reg *reg,
			const void *base)
{
	reg->h = h;
	reg->base = base;
	ns_plan_build(reg);
	reg->next = h->regs;
	if (reg->next)
		reg->next->pprev = &reg->next;
	reg->pprev = &h->regs;
	h->regs = reg;
}

/* Unlink, unmap and free; the kernel side is the caller's business. */
void ns_reg_free(struct netstats_reg *reg)
{
	if (reg->pprev) {
		*reg->pprev = reg->next;
		if (reg->next)
			reg->next->pprev = reg->pprev;
	}
	if (reg->base)
		munmap((void *)reg->base, reg->map_size);
	free(reg->baseline);
	free(reg->plan_ctr);
	free(reg->plan_ref);
	free(reg->plan_span);
	free(reg);
}

static int ns_unregister_id(struct netstats_handle *h, __u32 id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = ns_msg_start(buf, h->family_id, NLM_F_ACK,
			   NETSTATS_CMD_UNREGISTER, NETSTATS_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, id);
	return ns_request(h, nlh, ns_ignore_cb, NULL);
}

/* The first member after the one netstats_reg_opts had at first. */
#define NS_REG_OPTS_SZ_MIN						\
	(offsetof(struct netstats_reg_opts, counter_cnt) + sizeof(size_t))

/* @opts is usable: sized, no unknown fields, names that fit a request. */
static int ns_reg_opts_check(struct netstats_handle *h,
			     const struct netstats_reg_opts *opts)
{
	size_t k, len, room = 0;

	if (opts->sz < NS_REG_OPTS_SZ_MIN)
		return -EINVAL;
	if (opts->sz > sizeof(*opts)) {
		const char *p = (const char *)opts + sizeof(*opts);
		const char *end = (const char *)opts + opts->sz;

		for (; p < end; p++)
			if (*p)
				return -E2BIG;
	}
	if (opts->counter_cnt && !opts->counters)
		return -EINVAL;
	for (k = 0; k < opts->counter_cnt; k++) {
		if (!opts->counters[k])
			return -EINVAL;
		len = strnlen(opts->counters[k], NS_SEL_NAME_MAX + 1);
		if (!len || len > NS_SEL_NAME_MAX) {
			ns_set_errmsg(h, "empty or too long counter name");
			return -EINVAL;
		}
		room += 2 * MNL_ATTR_HDRLEN + MNL_ALIGN(len + 1);
		if (room > NS_SEL_ROOM) {
			ns_set_errmsg(h, "more counters selected than one request holds");
			return -E2BIG;
		}
	}
	return 0;
}

struct netstats_reg *netstats__register(struct netstats_handle *h, const char *name)
{
	return netstats__register_opts(h, name, NULL);
}

struct netstats_reg *
netstats__register_opts(struct netstats_handle *h, const char *name,
			const struct netstats_reg_opts *opts)
{
	struct ns_reg_reply r = { .map_fd = -1 };
	struct netstats_name n = { .sz = sizeof(n) };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char errmsg[NS_ERRMSG_LEN];
	struct nlmsghdr *nlh;
	void *base;
	int err;

	if (!h || !name)
		return ns_err_ptr(-EINVAL);
	if (opts) {
		err = ns_reg_opts_check(h, opts);
		if (err)
			return ns_err_ptr(err);
	}
	if (netstats__parse_name(name, &n)) {
		ns_set_errmsg(h, "malformed registration name");
		return ns_err_ptr(-EINVAL);
	}
	r.family_id = h->family_id;
	err = ns_reg_msg(h, buf, &n, opts, &nlh);
	if (err)
		return ns_err_ptr(err);
	err = ns_request(h, nlh, ns_reg_cb, &r);
	if (err) {
		if (r.errmsg)
			ns_set_errmsg(h, r.errmsg);
		goto err_free;
	}
	if (!r.reg || r.map_fd < 0) {
		ns_set_errmsg(h, "no REGISTER reply");
		err = -EPROTO;
		goto err_free;
	}
	if ((off_t)r.reg->map_offset < 0 ||
	    (__u64)(off_t)r.reg->map_offset != r.reg->map_offset) {
		ns_set_errmsg(h, "map-offset too large for mmap()");
		err = -EOVERFLOW;
		goto err_free;
	}
	base = mmap(NULL, r.reg->map_size, PROT_READ, MAP_SHARED, r.map_fd,
		    r.reg->map_offset);
	if (base == MAP_FAILED) {
		err = -errno;
		ns_set_errmsg(h, "mmap() of the counters failed");
		goto err_free;
	}
	close(r.map_fd);
	memcpy(r.reg->object, n.object, sizeof(r.reg->object));
	ns_reg_link(h, r.reg, base);
	return r.reg;

err_free:
	free(r.reg);
	if (r.map_fd >= 0)
		close(r.map_fd);
	/* The kernel registered: undo it, keeping the first error. */
	if (r.id) {
		memcpy(errmsg, h->errmsg, sizeof(errmsg));
		ns_unregister_id(h, r.id);
		memcpy(h->errmsg, errmsg, sizeof(errmsg));
	}
	return ns_err_ptr(err);
}

int netstats_reg__unregister(struct netstats_reg *reg)
{
	struct netstats_handle *h;
	__u32 id;

	if (!reg)
		return 0;
	h = reg->h;
	id = reg->id;
	/* Unmap first: the range is no longer backed after UNREGISTER. */
	ns_reg_free(reg);
	return ns_err(ns_unregister_id(h, id));
}

__u32 netstats_reg__id(const struct netstats_reg *reg)
{
	return reg ? reg->id : 0;
}

const void *netstats_reg__base(const struct netstats_reg *reg)
{
	return reg ? reg->base : NULL;
}

size_t netstats_reg__counter_cnt(const struct netstats_reg *reg)
{
	return reg ? reg->counter_cnt : 0;
}

const struct netstats_counter_info *
netstats_reg__counter(const struct netstats_reg *reg, size_t idx)
{
	if (!reg || idx >= reg->counter_cnt)
		return ns_err_ptr(-EINVAL);
	return &reg->counters[idx];
}

int netstats_reg__find(const struct netstats_reg *reg, const char *name)
{
	size_t i;

	if (!reg || !name)
		return ns_err(-EINVAL);
	for (i = 0; i < reg->counter_cnt; i++)
		if (!strcmp(reg->counters[i].name, name))
			return i;
	return ns_err(-ENOENT);
}

__u32 netstats_reg__flags(const struct netstats_reg *reg)
{
	return reg ? reg->flags : 0;
}

__u32 netstats_reg__ncpus(const struct netstats_reg *reg)
{
	return reg ? reg->ncpus : 0;
}
