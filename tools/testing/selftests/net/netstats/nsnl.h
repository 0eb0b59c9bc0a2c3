/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal netstats generic netlink client for the selftests, on libmnl.
 * It records the errno and the extack message of every request, so tests
 * can check both.
 */
#ifndef _SELFTESTS_NETSTATS_NSNL_H
#define _SELFTESTS_NETSTATS_NSNL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/netstats.h>

/* Replies of groups with hundreds of counters exceed 8 KiB. */
#define NSNL_BUF_SIZE	65536

struct nsnl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t monitor_grp;
	char extack[256];	/* extack message of the last request */
	int miss_type;		/* missing attribute reported by extack */
	int miss_nest;		/* ... in the nest at this offset, or 0 */
	int bad_off;		/* offset of the attribute extack points at,
				 * from the request's nlmsghdr; 0 if none
				 */
	int bad_type;		/* that attribute's type, 0 if none */
	char *buf;
	char *req;		/* copy of the last request */
};

/* Called for each reply message; return MNL_CB_OK to go on. */
typedef int (*nsnl_cb)(const struct nlmsghdr *nlh, void *data);

static int nsnl_ext_ack(const struct nlmsghdr *nlh, struct nsnl *s)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned int off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return err->error;

	mnl_attr_for_each(attr, nlh, off)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(s->extack, sizeof(s->extack), "%s",
				 mnl_attr_get_str(attr));
		else if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MISS_TYPE)
			s->miss_type = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MISS_NEST)
			s->miss_nest = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS)
			s->bad_off = mnl_attr_get_u32(attr);
	if (s->bad_off > 0 && s->req &&
	    s->bad_off + sizeof(struct nlattr) <= NSNL_BUF_SIZE)
		s->bad_type = ((struct nlattr *)(s->req + s->bad_off))->nla_type &
			      NLA_TYPE_MASK;
	return err->error;
}

/* Send @nlh and run @cb on each reply.  Returns 0 or -errno from the
 * kernel (the extack text is in s->extack).
 */
static int nsnl_talk(struct nsnl *s, struct nlmsghdr *nlh, nsnl_cb cb,
		     void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	int ret;

	s->extack[0] = '\0';
	s->miss_type = 0;
	s->miss_nest = 0;
	s->bad_off = 0;
	s->bad_type = 0;
	if (!s->req)
		s->req = malloc(NSNL_BUF_SIZE);
	if (s->req)
		memcpy(s->req, nlh, nlh->nlmsg_len);
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *m;

		ret = mnl_socket_recvfrom(s->nl, s->buf, NSNL_BUF_SIZE);
		if (ret < 0)
			return -errno;
		for (m = (void *)s->buf; mnl_nlmsg_ok(m, ret);
		     m = mnl_nlmsg_next(m, &ret)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR)
				return nsnl_ext_ack(m, s);
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(m, data) != MNL_CB_OK)
				return -EPROTO;
		}
	}
}

static struct nlmsghdr *nsnl_msg(struct nsnl *s, uint16_t type, uint8_t cmd,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static int nsnl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsnl *s = data;
	const struct nlattr *a, *grp, *ga;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			s->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a) {
				const char *name = NULL;
				uint32_t id = 0;

				mnl_attr_for_each_nested(ga, grp) {
					if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_NAME)
						name = mnl_attr_get_str(ga);
					else if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
						id = mnl_attr_get_u32(ga);
				}
				if (name && !strcmp(name, NETSTATS_MCGRP_MONITOR))
					s->monitor_grp = id;
			}
			break;
		}
	}
	return MNL_CB_OK;
}

/* Returns 0, or -errno (-ENOENT: kernel without netstats). */
static int nsnl_open(struct nsnl *s)
{
	struct nlmsghdr *nlh;
	int ret;

	memset(s, 0, sizeof(*s));
	s->seq = time(NULL);
	s->buf = malloc(NSNL_BUF_SIZE);
	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->buf || !s->nl)
		return -errno;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	s->portid = mnl_socket_get_portid(s->nl);
	ret = 1;
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &ret, sizeof(ret));

	nlh = nsnl_msg(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETSTATS_FAMILY_NAME);
	return nsnl_talk(s, nlh, nsnl_family_cb, s);
}

static void nsnl_close(struct nsnl *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	free(s->req);
	s->nl = NULL;
	s->buf = NULL;
	s->req = NULL;
}

/* An unsigned attribute that may be 32 or 64 bits wide (NLA_UINT). */
static inline uint64_t nsnl_get_uint(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == 8 ? mnl_attr_get_u64(a) :
						  mnl_attr_get_u32(a);
}

#define NSNL_WANT	8

/*
 * A REGISTER reply: the registration id, the map fd (the caller closes
 * it), the range and its layout, the period-ms option in force and the
 * number of options, and the offsets of the counters named in @want (0
 * if absent); @counter, if set, is called with each counter.  Zero it,
 * set @want and @map_fd = -1, then pass it to nsnl_talk() with
 * nsnl_reply_cb().
 */
struct nsnl_reply {
	uint32_t id;
	int map_fd;
	uint64_t off, size;
	uint32_t page_size, stride, ncpus, block_offset, flags;
	int n_opts;
	uint64_t period;
	const char *want[NSNL_WANT];
	uint32_t want_off[NSNL_WANT];
	void (*counter)(struct nsnl_reply *r, const char *name, uint32_t type,
			uint32_t off, uint32_t flags);
	void *priv;		/* for @counter */
};

static inline int nsnl_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsnl_reply *r = data;
	const struct nlattr *a, *c;
	int i;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint32_t off = 0, type = 0, flags = 0;
		const char *name = NULL;
		uint64_t val = 0;

		switch (mnl_attr_get_type(a)) {
		case NETSTATS_A_REGISTRATION_ID:
			r->id = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_MAP_FD:
			r->map_fd = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_MAP_OFFSET:
			r->off = nsnl_get_uint(a);
			break;
		case NETSTATS_A_REGISTRATION_MAP_SIZE:
			r->size = nsnl_get_uint(a);
			break;
		case NETSTATS_A_REGISTRATION_PAGE_SIZE:
			r->page_size = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_PERCPU_STRIDE:
			r->stride = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_NCPUS:
			r->ncpus = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_BLOCK_OFFSET:
			r->block_offset = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_FLAGS:
			r->flags = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_OPTION:
			mnl_attr_for_each_nested(c, a) {
				if (mnl_attr_get_type(c) == NETSTATS_A_OPTION_NAME)
					name = mnl_attr_get_str(c);
				if (mnl_attr_get_type(c) == NETSTATS_A_OPTION_VALUE)
					val = nsnl_get_uint(c);
			}
			r->n_opts++;
			if (name && !strcmp(name, "period-ms"))
				r->period = val;
			break;
		case NETSTATS_A_REGISTRATION_COUNTER:
			mnl_attr_for_each_nested(c, a) {
				if (mnl_attr_get_type(c) == NETSTATS_A_COUNTER_NAME)
					name = mnl_attr_get_str(c);
				if (mnl_attr_get_type(c) == NETSTATS_A_COUNTER_OFFSET)
					off = mnl_attr_get_u32(c);
				if (mnl_attr_get_type(c) == NETSTATS_A_COUNTER_TYPE)
					type = mnl_attr_get_u32(c);
				if (mnl_attr_get_type(c) == NETSTATS_A_COUNTER_FLAGS)
					flags = mnl_attr_get_u32(c);
			}
			for (i = 0; name && i < NSNL_WANT; i++)
				if (r->want[i] && !strcmp(r->want[i], name))
					r->want_off[i] = off;
			if (name && r->counter)
				r->counter(r, name, type, off, flags);
			break;
		}
	}
	return MNL_CB_OK;
}

/* A REGISTER request's collection option: one typed attribute each. */
static inline void nsnl_put_option(struct nlmsghdr *nlh, const char *name,
				   uint64_t v)
{
	if (!strcmp(name, "derived")) {
		if (v)
			mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_DERIVED, 0, NULL);
	} else if (!strcmp(name, "timer-ms")) {
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_TIMER_MS, v);
	} else if (!strcmp(name, "dead-linger-ms")) {
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_DEAD_LINGER_MS, v);
	} else {
		mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PERIOD_MS, v);
	}
}

/* A TCP socket of the caller, by fd. */
static inline void nsnl_put_sock_fd(struct nlmsghdr *nlh, int fd)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);

	mnl_attr_put(nlh, NETSTATS_A_SOCK_FD, sizeof(fd), &fd);
	mnl_attr_nest_end(nlh, n);
}

/*
 * The object of @group named as the library names it ("<dev>/<queue>",
 * "<dev>/<maj>:[<min>]" or "<dev>/root", "<dev>", "<pool id>"), as the
 * typed nest REGISTER takes.  Returns -ENODEV for an unknown device.
 */
static inline int nsnl_put_object(struct nlmsghdr *nlh, const char *group,
				  const char *obj)
{
	char dev[IF_NAMESIZE] = "";
	const char *slash = strrchr(obj, '/');
	unsigned int ifindex, maj, min = 0;
	struct nlattr *n;

	if (!strcmp(group, "core/page_pool")) {
		n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_PAGE_POOL);
		mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_ID, strtoul(obj, NULL, 10));
		mnl_attr_nest_end(nlh, n);
		return 0;
	}
	snprintf(dev, sizeof(dev), "%.*s",
		 (int)(slash ? slash - obj : (long)strlen(obj)), obj);
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return -ENODEV;
	if (!strncmp(group, "queue/", 6)) {
		n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QUEUE);
		mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_IFINDEX, ifindex);
		mnl_attr_put_u32(nlh, NETSTATS_A_QUEUE_ID,
				 strtoul(slash ? slash + 1 : "", NULL, 10));
	} else if (!strcmp(group, "qdisc")) {
		n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_QDISC);
		mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_IFINDEX, ifindex);
		if (slash && !strcmp(slash + 1, "root")) {
			mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_PARENT, 0xffffffffU);
		} else {
			if (!slash || sscanf(slash + 1, "%x:%x", &maj, &min) < 1)
				return -EINVAL;
			mnl_attr_put_u32(nlh, NETSTATS_A_QDISC_HANDLE,
					 maj << 16 | min);
		}
	} else {
		n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_DEV);
		mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, ifindex);
	}
	mnl_attr_nest_end(nlh, n);
	return 0;
}

/* An object-dead notification, as nsnl_dead_parse() reads it. */
struct nsnl_dead {
	uint32_t id;
	uint32_t portid;	/* of the registration's netlink socket */
	const char *group;	/* "" if none was sent */
	bool has_cookie;
	uint64_t cookie;	/* of a dead socket of a directory group */
};

/* Whether @m, received on @mon, is an object-dead notification. */
static inline bool nsnl_dead_parse(const struct nsnl *mon,
				   const struct nlmsghdr *m,
				   struct nsnl_dead *d)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(m);
	const struct nlattr *a;

	memset(d, 0, sizeof(*d));
	d->group = "";
	if (m->nlmsg_type != mon->family || g->cmd != NETSTATS_CMD_OBJECT_DEAD)
		return false;
	mnl_attr_for_each(a, m, sizeof(*g)) {
		switch (mnl_attr_get_type(a)) {
		case NETSTATS_A_REGISTRATION_ID:
			d->id = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_PORTID:
			d->portid = mnl_attr_get_u32(a);
			break;
		case NETSTATS_A_REGISTRATION_GROUP:
			d->group = mnl_attr_get_str(a);
			break;
		case NETSTATS_A_REGISTRATION_SOCK_COOKIE:
			d->cookie = mnl_attr_get_u64(a);
			d->has_cookie = true;
			break;
		}
	}
	return true;
}

/*
 * Wait up to 10 s on @mon, a member of the monitor group, for the
 * object-dead notification of registration @id of group @group.
 */
static inline int nsnl_wait_dead(struct nsnl *mon, uint32_t id,
				 const char *group)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd = mnl_socket_get_fd(mon->nl);
	struct timespec t0, t;
	int ret;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		const struct nlmsghdr *m;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			break;
		ret = mnl_socket_recvfrom(mon->nl, mon->buf, NSNL_BUF_SIZE);
		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		for (m = (void *)mon->buf; mnl_nlmsg_ok(m, ret);
		     m = mnl_nlmsg_next(m, &ret)) {
			struct nsnl_dead d;

			if (nsnl_dead_parse(mon, m, &d) && d.id == id &&
			    !strcmp(d.group, group))
				return 0;
		}
	}
	return -ETIMEDOUT;
}

#endif /* _SELFTESTS_NETSTATS_NSNL_H */
