/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal netstats generic netlink client for the selftests, on libmnl.
 * It records the errno and the extack message of every request, so tests
 * can check both.
 */
#ifndef _SELFTESTS_NETSTATS_NSNL_H
#define _SELFTESTS_NETSTATS_NSNL_H

#include <errno.h>
#include <grp.h>
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

/*
 * The members of the nest @nest by type, in @tb[0..@max] (NULL: absent;
 * the last of a type wins); members of a type above @max are ignored.
 */
static inline void nsnl_parse_nest(const struct nlattr *nest,
				   const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
}

/* A u32 member parsed by nsnl_parse_nest(), 0 if absent. */
static inline uint32_t nsnl_nest_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static int nsnl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *a, *grp, *name;
	struct nsnl *s = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			s->family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(grp, a) {
			nsnl_parse_nest(grp, tb, CTRL_ATTR_MCAST_GRP_MAX);
			name = tb[CTRL_ATTR_MCAST_GRP_NAME];
			if (name && !strcmp(mnl_attr_get_str(name),
					    NETSTATS_MCGRP_MONITOR))
				s->monitor_grp =
					nsnl_nest_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
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

/*
 * In a child process: become user and group @uid, without supplementary
 * groups, and open @s as that user.  0, or the step that failed: 1 (the
 * ids), 2 (the socket).
 */
static inline int nsnl_open_as(struct nsnl *s, uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return 1;
	return nsnl_open(s) ? 2 : 0;
}

/* Whether @fd is a netstats map file (REGISTER's map-fd). */
static inline bool nsnl_is_map_fd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[netstats]");
}

/* An unsigned attribute that may be 32 or 64 bits wide (NLA_UINT). */
static inline uint64_t nsnl_get_uint(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == 8 ? mnl_attr_get_u64(a) :
						  mnl_attr_get_u32(a);
}

#define NSNL_WANT	8

/* Room for the members of either nest of a REGISTER reply. */
#define NSNL_NEST_MAX							\
	((int)NETSTATS_A_COUNTER_MAX > (int)NETSTATS_A_OPTION_MAX ?	\
	 (int)NETSTATS_A_COUNTER_MAX : (int)NETSTATS_A_OPTION_MAX)

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
	const struct nlattr *tb[NSNL_NEST_MAX + 1];
	struct nsnl_reply *r = data;
	const struct nlattr *a;
	const char *name;
	uint32_t off;
	int i;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
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
			nsnl_parse_nest(a, tb, NETSTATS_A_OPTION_MAX);
			r->n_opts++;
			name = tb[NETSTATS_A_OPTION_NAME] ?
			       mnl_attr_get_str(tb[NETSTATS_A_OPTION_NAME]) : "";
			if (!strcmp(name, "period-ms"))
				r->period = tb[NETSTATS_A_OPTION_VALUE] ?
					    nsnl_get_uint(tb[NETSTATS_A_OPTION_VALUE]) : 0;
			break;
		case NETSTATS_A_REGISTRATION_COUNTER:
			nsnl_parse_nest(a, tb, NETSTATS_A_COUNTER_MAX);
			if (!tb[NETSTATS_A_COUNTER_NAME])
				break;
			name = mnl_attr_get_str(tb[NETSTATS_A_COUNTER_NAME]);
			off = nsnl_nest_u32(tb[NETSTATS_A_COUNTER_OFFSET]);
			for (i = 0; i < NSNL_WANT; i++)
				if (r->want[i] && !strcmp(r->want[i], name))
					r->want_off[i] = off;
			if (r->counter)
				r->counter(r, name,
					   nsnl_nest_u32(tb[NETSTATS_A_COUNTER_TYPE]),
					   off,
					   nsnl_nest_u32(tb[NETSTATS_A_COUNTER_FLAGS]));
			break;
		}
	}
	return MNL_CB_OK;
}

/*
 * Collection options are typed attributes of REGISTER, one each: the
 * attribute of the option @name, or 0 for an unknown name.
 */
static inline uint16_t nsnl_option_attr(const char *name)
{
	static const char * const names[NETSTATS_A_REGISTRATION_MAX + 1] = {
		[NETSTATS_A_REGISTRATION_PERIOD_MS] = "period-ms",
		[NETSTATS_A_REGISTRATION_TIMER_MS] = "timer-ms",
		[NETSTATS_A_REGISTRATION_DEAD_LINGER_MS] = "dead-linger-ms",
		[NETSTATS_A_REGISTRATION_DERIVED] = "derived",
		[NETSTATS_A_REGISTRATION_COLLECT] = "collect",
	};
	uint16_t type;

	for (type = 0; type <= NETSTATS_A_REGISTRATION_MAX; type++)
		if (names[type] && !strcmp(names[type], name))
			return type;
	return 0;
}

/* A REGISTER request's collection option (an unknown name: period-ms). */
static inline void nsnl_put_option(struct nlmsghdr *nlh, const char *name,
				   uint64_t v)
{
	uint16_t type = nsnl_option_attr(name);

	if (type == NETSTATS_A_REGISTRATION_DERIVED) {
		if (v)
			mnl_attr_put(nlh, type, 0, NULL);
		return;
	}
	mnl_attr_put_u32(nlh, type ? type : NETSTATS_A_REGISTRATION_PERIOD_MS,
			 v);
}

/* A TCP socket of the caller, by fd. */
static inline void nsnl_put_sock_fd(struct nlmsghdr *nlh, int fd)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);

	mnl_attr_put(nlh, NETSTATS_A_SOCK_FD, sizeof(fd), &fd);
	mnl_attr_nest_end(nlh, n);
}

/*
 * REGISTER the caller's TCP socket @fd, with @notify (its own object-dead
 * notification); the reply in @r if set, without its map fd (closed).
 * Returns 0, -errno, or -EPROTO for a reply without a registration id.
 */
static inline int nsnl_reg_tcp(struct nsnl *s, int fd, bool notify,
			       struct nsnl_reply *r)
{
	struct nsnl_reply reply = { .map_fd = -1 };
	struct nlmsghdr *nlh;
	int err;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	if (notify)
		mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_NOTIFY, 0, NULL);
	nsnl_put_sock_fd(nlh, fd);
	err = nsnl_talk(s, nlh, nsnl_reply_cb, &reply);
	if (reply.map_fd >= 0)
		close(reply.map_fd);
	reply.map_fd = -1;
	if (!err && !reply.id)
		err = -EPROTO;
	if (r)
		*r = reply;
	return err;
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
