// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: the netlink socket, family resolution, QUERY, registrations
 * and their mapped counters, object-dead notifications.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strchrnul() */
#endif
#include <arpa/inet.h>
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/netstats.h>

#ifdef NS_SNAPSHOT_TEST_HOOK	/* the unit tests' hook, in the plan too */
#define NETSTATS_PLAN_TEST_HOOK(try)	NS_SNAPSHOT_TEST_HOOK(try)
#endif
#include "libnetstats.h"
#include "libnetstats_internal.h"

#define NS_RX_BUF_MIN	32768
#define NS_ERRMSG_LEN	256
/* Notifications kept for netstats__monitor_read(); beyond: -ENOBUFS. */
#define NS_NTF_MAX	4096

/*
 * An object-dead notification of the handle that a request read while it
 * waited for its reply, kept for netstats__monitor_read().
 */
struct ns_ntf {
	struct ns_ntf *next;
	char msg[];		/* one netlink message */
};

struct netstats {
	struct mnl_socket *nl;
	__u32 portid;
	__u32 seq;
	__u16 family_id;
	bool have_monitor;
	__u32 monitor_grp;
	char *rx_buf;
	size_t rx_len;
	char errmsg[NS_ERRMSG_LEN];
	/* registrations not unregistered yet, freed by netstats__close() */
	struct netstats_reg *regs;
	/*
	 * Object-dead notifications come to the handle's own socket (the
	 * kernel sends those of its registrations there). After
	 * netstats__monitor_fd(): an epoll descriptor that polls the socket
	 * and an eventfd, the latter readable while notifications a request
	 * read are kept in ntf_head.
	 */
	bool mon_on;
	int mon_fd;
	int mon_ev;
	struct ns_ntf *ntf_head;
	struct ns_ntf **ntf_tail;
	unsigned int ntf_cnt;
	char *mon_buf;
	size_t mon_len;
	bool mon_lost;		/* ENOBUFS not reported yet */
};

/*
 * One registration: the REGISTER reply and the mapping. One allocation:
 * the structure, counters[], then the counter names.
 */
struct netstats_reg {
	struct netstats *ns;
	struct netstats_reg *next;	/* in ns->regs */
	struct netstats_reg **pprev;	/* NULL if not linked */
	const void *base;		/* the mapping, or NULL */
	__u64 map_offset;
	__u64 map_size;
	__u32 id;
	__u32 page_size;
	__u32 stride;			/* between two CPUs' copies */
	__u32 ncpus;			/* copies of each counter, >= 1 */
	__u32 block_offset;
	__u32 flags;			/* NETSTATS_GROUP_FLAGS_* */
	/* the object as the name gave it, for object-dead ("" if none) */
	char object[NETSTATS_NAME_OBJECT_LEN];
	size_t counter_cnt;
	struct netstats_counter_info *counters;
	/* netstats_reg__reset(): raw values and generation, or NULL */
	__u64 *baseline;
	__u32 baseline_gen;
	struct netstats_plan plan;	/* netstats_reg__plan() */
	struct netstats_plan_ctr *plan_ctr;
	struct netstats_plan_ref *plan_ref;
	struct netstats_plan_span *plan_span;	/* NETSTATS_PLAN_RUNS * 2 */
};

/* Handles one reply message; returns 0 or -errno. */
typedef int (*ns_msg_cb)(const struct nlmsghdr *nlh, void *data);

struct ns_req {
	ns_msg_cb cb;
	void *data;
	int cb_err;		/* first error of cb, which is then skipped */
	int kernel_err;		/* from NLMSG_ERROR or NLMSG_DONE */
	bool intr;		/* NLM_F_DUMP_INTR seen */
	char msg[NS_ERRMSG_LEN];
};

static struct nlmsghdr *ns_msg_start(void *buf, __u16 type, __u16 flags,
				     __u8 cmd, __u8 version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/*
 * Receive one datagram of the handle's socket into *@bufp, growing it to
 * fit. @flags: 0 or MSG_DONTWAIT. Returns its length or -errno (-EAGAIN:
 * none pending; -ENOBUFS: the socket dropped messages since the last
 * read); *@kernel tells whether the kernel sent it (user space sockets
 * can send to ours too).
 */
static int ns_recv_buf(struct netstats *ns, char **bufp, size_t *lenp,
		       int flags, bool *kernel)
{
	int fd = mnl_socket_get_fd(ns->nl);
	struct sockaddr_nl addr;
	socklen_t alen;
	ssize_t len;
	char *buf;

	do {
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | flags);
	} while (len < 0 && errno == EINTR);
	if (len < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)len > *lenp || !*bufp) {
		buf = realloc(*bufp, len > NS_RX_BUF_MIN ? len : NS_RX_BUF_MIN);
		if (!buf)
			return -ENOMEM;
		*bufp = buf;
		*lenp = len > NS_RX_BUF_MIN ? len : NS_RX_BUF_MIN;
	}
	do {
		alen = sizeof(addr);
		len = recvfrom(fd, *bufp, *lenp, MSG_TRUNC | flags,
			       (struct sockaddr *)&addr, &alen);
	} while (len < 0 && errno == EINTR);
	if (len < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)len > *lenp)
		return -ENOSPC;
	*kernel = alen == sizeof(addr) && addr.nl_family == AF_NETLINK &&
		  !addr.nl_pid;
	return len;
}

static int ns_recv(struct netstats *ns, int flags, bool *kernel)
{
	return ns_recv_buf(ns, &ns->rx_buf, &ns->rx_len, flags, kernel);
}

static bool ns_is_dead_msg(const struct netstats *ns,
			   const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type == ns->family_id && ns->family_id &&
	       nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + GENL_HDRLEN &&
	       ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd ==
	       NETSTATS_CMD_OBJECT_DEAD;
}

/* Make the monitor descriptor poll readable while notifications are kept. */
static void ns_ntf_signal(struct netstats *ns)
{
	eventfd_t v;

	if (!ns->mon_on)
		return;
	if (ns->ntf_head)
		eventfd_write(ns->mon_ev, 1);
	else
		eventfd_read(ns->mon_ev, &v);	/* EAGAIN if not signalled */
}

/*
 * A message the kernel sent on the handle's socket that is not a reply:
 * an object-dead notification is kept for netstats__monitor_read() once
 * the monitor descriptor exists, anything else is dropped.
 */
static void ns_ntf_keep(struct netstats *ns, const struct nlmsghdr *nlh)
{
	struct ns_ntf *n;

	if (!ns->mon_on || nlh->nlmsg_pid || nlh->nlmsg_seq ||
	    !ns_is_dead_msg(ns, nlh))
		return;
	if (ns->ntf_cnt >= NS_NTF_MAX) {
		ns->mon_lost = true;
		return;
	}
	n = malloc(sizeof(*n) + nlh->nlmsg_len);
	if (!n) {
		ns->mon_lost = true;
		return;
	}
	n->next = NULL;
	memcpy(n->msg, nlh, nlh->nlmsg_len);
	if (!ns->ntf_head)
		ns->ntf_tail = &ns->ntf_head;
	*ns->ntf_tail = n;
	ns->ntf_tail = &n->next;
	ns->ntf_cnt++;
	if (ns->ntf_cnt == 1)
		ns_ntf_signal(ns);
}

static struct ns_ntf *ns_ntf_pop(struct netstats *ns)
{
	struct ns_ntf *n = ns->ntf_head;

	if (n) {
		ns->ntf_head = n->next;
		ns->ntf_cnt--;
	}
	return n;
}

/*
 * Before a request: read what the socket holds (notifications of the
 * handle's registrations), so that the reply finds its receive buffer
 * empty.
 */
static void ns_drain(struct netstats *ns)
{
	const struct nlmsghdr *msg;
	bool kernel;
	int len;

	for (;;) {
		len = ns_recv(ns, MSG_DONTWAIT, &kernel);
		if (len == -ENOBUFS) {
			ns->mon_lost |= ns->mon_on;
			continue;
		}
		if (len < 0)
			return;
		if (!kernel)
			continue;
		msg = (const struct nlmsghdr *)ns->rx_buf;
		for (; mnl_nlmsg_ok(msg, len); msg = mnl_nlmsg_next(msg, &len))
			ns_ntf_keep(ns, msg);
	}
}

/* An empty request the kernel acks: see ns_request(). */
static int ns_send_barrier(struct netstats *ns)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = sizeof(nlh),
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = ++ns->seq,
	};

	return mnl_socket_sendto(ns->nl, &nlh, nlh.nlmsg_len) < 0 ? -errno : 0;
}

/* Extended ack TLVs of an NLMSG_ERROR or NLMSG_DONE, at @offset. */
static void ns_parse_extack(struct ns_req *req, const struct nlmsghdr *nlh,
			    size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + offset)
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				break;
			snprintf(req->msg, sizeof(req->msg), "%s",
				 mnl_attr_get_str(attr));
			return;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				break;
			snprintf(req->msg, sizeof(req->msg),
				 "missing attribute %u",
				 mnl_attr_get_u32(attr));
			break;
		}
	}
}

static void ns_set_errmsg(struct netstats *ns, const char *msg)
{
	snprintf(ns->errmsg, sizeof(ns->errmsg), "%s", msg);
}

static void ns_parse_error(struct ns_req *req, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		req->kernel_err = -EPROTO;
		return;
	}
	if (!e->error)
		return;
	req->kernel_err = e->error < 0 ? e->error : -e->error;
	offset = sizeof(e->error) + (nlh->nlmsg_flags & NLM_F_CAPPED ?
				     sizeof(e->msg) : e->msg.nlmsg_len);
	ns_parse_extack(req, nlh, MNL_ALIGN(offset));
}

static void ns_parse_done(struct ns_req *req, const struct nlmsghdr *nlh)
{
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(err)))
		return;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return;
	req->kernel_err = err;
	ns_parse_extack(req, nlh, sizeof(err));
}

/*
 * Send @nlh and process replies until the ack, the error or the end of the
 * dump. Messages of earlier, abandoned requests are skipped by sequence
 * number; object-dead notifications that arrive meanwhile are kept for
 * netstats__monitor_read(). Returns 0 or -errno; on failure, records the
 * extack message.
 *
 * A flood of notifications can overflow the socket's receive buffer
 * (ENOBUFS) and take the reply or the ack with it. The request is then
 * followed by a barrier, an empty message the kernel acks: once a
 * barrier's ack arrives, what the request had not received by then was
 * lost. For a REGISTER whose reply arrived that is only the ack, and it
 * succeeded; otherwise the request fails with -ENOBUFS (the kernel drops
 * a REGISTER whose reply it could not queue). A dump resumes by itself
 * as its messages are read, and is waited for.
 */
static int ns_request(struct netstats *ns, struct nlmsghdr *nlh,
		      ns_msg_cb cb, void *data)
{
	struct ns_req req = { .cb = cb, .data = data };
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	const struct nlmsghdr *msg;
	bool done = false, kernel, replies = false;
	__u32 seq, barrier = 0;
	int len, err;

	ns_drain(ns);
	seq = ++ns->seq;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		len = ns_recv(ns, 0, &kernel);
		if (len == -ENOBUFS) {
			ns->mon_lost |= ns->mon_on;
			if (dump)
				continue;
			err = ns_send_barrier(ns);
			if (err)
				goto out;
			if (!barrier)
				barrier = ns->seq;
			continue;
		}
		if (len < 0) {
			err = len;
			goto out;
		}
		if (!kernel)
			continue;
		msg = (const struct nlmsghdr *)ns->rx_buf;
		for (; !done && mnl_nlmsg_ok(msg, len);
		     msg = mnl_nlmsg_next(msg, &len)) {
			if (!msg->nlmsg_pid && !msg->nlmsg_seq) {
				ns_ntf_keep(ns, msg);
				continue;
			}
			if (barrier && msg->nlmsg_pid == ns->portid &&
			    msg->nlmsg_type == NLMSG_ERROR &&
			    msg->nlmsg_seq - barrier <= ns->seq - barrier) {
				/* The rest of the request was lost. */
				if (!replies)
					req.kernel_err = -ENOBUFS;
				done = true;
				break;
			}
			if (msg->nlmsg_seq != seq ||
			    msg->nlmsg_pid != ns->portid)
				continue;
			if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
				req.intr = true;
			switch (msg->nlmsg_type) {
			case NLMSG_ERROR:
				ns_parse_error(&req, msg);
				done = true;
				break;
			case NLMSG_DONE:
				ns_parse_done(&req, msg);
				done = true;
				break;
			default:
				if (msg->nlmsg_type < NLMSG_MIN_TYPE ||
				    req.cb_err)
					break;
				replies = true;
				req.cb_err = req.cb(msg, req.data);
				break;
			}
		}
	}
	err = req.kernel_err ?: req.cb_err ?: (req.intr ? -EINTR : 0);
out:
	if (err)
		memcpy(ns->errmsg, req.msg, sizeof(ns->errmsg));
	return err;
}

static int ns_str(const struct nlattr *attr, const char **val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return -EPROTO;
	*val = mnl_attr_get_str(attr);
	return 0;
}

static int ns_u32(const struct nlattr *attr, __u32 *val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -EPROTO;
	*val = mnl_attr_get_u32(attr);
	return 0;
}

/* YNL "uint": 4 or 8 bytes. */
static int ns_uint(const struct nlattr *attr, __u64 *val)
{
	switch (mnl_attr_get_payload_len(attr)) {
	case sizeof(__u32):
		*val = mnl_attr_get_u32(attr);
		return 0;
	case sizeof(__u64):
		*val = mnl_attr_get_u64(attr);
		return 0;
	}
	return -EPROTO;
}

static int ns_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp, *a;
	struct netstats *ns = data;

	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EPROTO;
			ns->family_id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr) {
				const char *name = NULL;
				__u32 id = 0;

				mnl_attr_for_each_nested(a, grp) {
					int type = mnl_attr_get_type(a);

					if (type == CTRL_ATTR_MCAST_GRP_NAME &&
					    ns_str(a, &name))
						return -EPROTO;
					if (type == CTRL_ATTR_MCAST_GRP_ID &&
					    ns_u32(a, &id))
						return -EPROTO;
				}
				if (name && id &&
				    !strcmp(name, NETSTATS_MCGRP_MONITOR)) {
					ns->monitor_grp = id;
					ns->have_monitor = true;
				}
			}
			break;
		}
	}
	return 0;
}

struct netstats *netstats__open(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct netstats *ns;
	int one = 1;
	int err;

	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return ns_err_ptr(-ENOMEM);
	ns->rx_len = NS_RX_BUF_MIN;
	ns->rx_buf = malloc(ns->rx_len);
	if (!ns->rx_buf) {
		err = -ENOMEM;
		goto err_close;
	}
	ns->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!ns->nl || mnl_socket_bind(ns->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close;
	}
	ns->portid = mnl_socket_get_portid(ns->nl);
	if (mnl_socket_setsockopt(ns->nl, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(ns->nl, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0) {
		err = -errno;
		goto err_close;
	}

	nlh = ns_msg_start(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETSTATS_FAMILY_NAME);
	err = ns_request(ns, nlh, ns_family_cb, ns);
	if (!err && (!ns->family_id || !ns->have_monitor))
		err = -EPROTO;
	if (err)
		goto err_close;
	return ns;

err_close:
	netstats__close(ns);
	return ns_err_ptr(err);
}

static void ns_reg_free(struct netstats_reg *reg);

void netstats__close(struct netstats *ns)
{
	if (!ns)
		return;
	while (ns->regs)
		ns_reg_free(ns->regs);
	while (ns->ntf_head)
		free(ns_ntf_pop(ns));
	if (ns->mon_on) {
		close(ns->mon_fd);
		close(ns->mon_ev);
	}
	free(ns->mon_buf);
	if (ns->nl)
		mnl_socket_close(ns->nl);
	free(ns->rx_buf);
	free(ns);
}

const char *netstats__last_error(const struct netstats *ns)
{
	return ns ? ns->errmsg : "";
}

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

static int ns_parse_counter(const struct nlattr *nest,
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

/*
 * An object QUERY lists as the nest REGISTER takes (dev, queue), named
 * in @name as netstats__parse_name() names the object: "eth0", "eth0/3".
 * The ifindex is the kernel's in the netns of the handle's socket, which
 * names it. Returns 0, -ENODEV if the device went meanwhile, -EPROTO.
 */
static int ns_instance_name(const struct ns_query *q,
			    const struct nlattr *nest, char *name)
{
	bool queue = mnl_attr_get_type(nest) == NETSTATS_A_GROUP_QUEUE;
	__u32 ifindex = 0, id = 0;
	const struct nlattr *attr;
	bool has_id = false;
	struct ifreq ifr;

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

	if (nlh->nlmsg_type != q->family_id ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN ||
	    ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd !=
	    NETSTATS_CMD_QUERY)
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

int netstats__query(struct netstats *ns, const char *group,
		    netstats_group_cb cb, void *ctx)
{
	struct ns_query q = { .cb = cb, .ctx = ctx };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!ns || !cb)
		return ns_err(-EINVAL);
	q.family_id = ns->family_id;
	q.fd = mnl_socket_get_fd(ns->nl);
	nlh = ns_msg_start(buf, ns->family_id, group ? NLM_F_ACK : NLM_F_DUMP,
			   NETSTATS_CMD_QUERY, NETSTATS_FAMILY_VERSION);
	if (group && !mnl_attr_put_strz_check(nlh, sizeof(buf),
					      NETSTATS_A_GROUP_NAME, group))
		return ns_err(-EINVAL);
	return ns_err(ns_request(ns, nlh, ns_group_cb, &q));
}

/* --- registrations ---------------------------------------------------- */

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
static int ns_ifindex(struct netstats *ns, const char *dev, size_t len,
		      __u32 *ifindex)
{
	struct ifreq ifr = {};

	if (!len || len >= sizeof(ifr.ifr_name)) {
		ns_set_errmsg(ns, "malformed device name");
		return -EINVAL;
	}
	memcpy(ifr.ifr_name, dev, len);
	if (ioctl(mnl_socket_get_fd(ns->nl), SIOCGIFINDEX, &ifr) < 0) {
		ns_set_errmsg(ns, "no such device in the handle's network namespace");
		return -ENODEV;
	}
	*ifindex = ifr.ifr_ifindex;
	return 0;
}

/* "<dev>/<rest>": the device's ifindex, and <rest> (NULL if no "/"). */
static int ns_obj_dev(struct netstats *ns, const char *object, __u32 *ifindex,
		      const char **rest)
{
	const char *slash = strrchr(object, '/');
	size_t len = slash ? (size_t)(slash - object) : strlen(object);

	if (rest)
		*rest = slash ? slash + 1 : NULL;
	return ns_ifindex(ns, object, len, ifindex);
}

static int ns_obj_u32(struct netstats *ns, const char *s, int base, __u32 *val)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = s && *s ? strtoul(s, &end, base) : 0;
	if (!s || !*s || *end || errno || v > UINT32_MAX) {
		ns_set_errmsg(ns, "malformed object");
		return -EINVAL;
	}
	*val = v;
	return 0;
}

static int ns_put_queue(struct netstats *ns, struct nlmsghdr *nlh,
			const char *object, __u32 type)
{
	const char *rest;
	__u32 ifindex, id;
	struct nlattr *nest;
	int err;

	err = ns_obj_dev(ns, object, &ifindex, &rest);
	if (!err)
		err = ns_obj_u32(ns, rest, 10, &id);
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
static int ns_put_qdisc(struct netstats *ns, struct nlmsghdr *nlh,
			const char *object)
{
	__u32 ifindex, maj, min;
	struct nlattr *nest;
	const char *rest;
	char *end;
	int err;

	err = ns_obj_dev(ns, object, &ifindex, &rest);
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
			ns_set_errmsg(ns, "malformed qdisc handle");
			return -EINVAL;
		}
		min = strtoul(end + 1, &end, 16);
		if (*end || min > 0xffff) {
			ns_set_errmsg(ns, "malformed qdisc handle");
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
static int ns_put_object(struct netstats *ns, struct nlmsghdr *nlh,
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
		err = ns_obj_u32(ns, o, 10, &val);
		if (err)
			return err;
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_PAGE_POOL);
		mnl_attr_put_u32(nlh, NETSTATS_A_PAGE_POOL_ID, val);
		mnl_attr_nest_end(nlh, nest);
		return 0;
	}
	if (!strcmp(g, "queue/rx") || !strcmp(g, "hwqueue/rx"))
		return ns_put_queue(ns, nlh, o, NETSTATS_QUEUE_TYPE_RX);
	if (!strcmp(g, "queue/tx") || !strcmp(g, "hwqueue/tx"))
		return ns_put_queue(ns, nlh, o, NETSTATS_QUEUE_TYPE_TX);
	if (!strcmp(g, "qdisc"))
		return ns_put_qdisc(ns, nlh, o);
	if (!strcmp(g, "hw")) {
		err = ns_ifindex(ns, o, strlen(o), &val);
		if (err)
			return err;
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_DEV);
		mnl_attr_put_u32(nlh, NETSTATS_A_DEV_IFINDEX, val);
		mnl_attr_nest_end(nlh, nest);
		return 0;
	}
	ns_set_errmsg(ns, "the library cannot name objects of this group");
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
};

static int ns_put_opt(struct netstats *ns, struct nlmsghdr *nlh,
		      const struct netstats_name_opt *o)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ns_opt_attrs); i++) {
		if (strcmp(ns_opt_attrs[i].name, o->name))
			continue;
		if (ns_opt_attrs[i].flag ? o->value > 1 :
					   o->value > UINT32_MAX) {
			ns_set_errmsg(ns, "collection option value out of range");
			return -ERANGE;
		}
		if (!ns_opt_attrs[i].flag)
			mnl_attr_put_u32(nlh, ns_opt_attrs[i].type, o->value);
		else if (o->value)
			mnl_attr_put(nlh, ns_opt_attrs[i].type, 0, NULL);
		return 0;
	}
	ns_set_errmsg(ns, "unknown collection option");
	return -EINVAL;
}

/* REGISTER request for a parsed name; @buf holds MNL_SOCKET_BUFFER_SIZE. */
static int ns_reg_msg(struct netstats *ns, void *buf,
		      const struct netstats_name *n, struct nlmsghdr **out)
{
	struct nlmsghdr *nlh;
	__u32 i;
	int err;

	nlh = ns_msg_start(buf, ns->family_id, NLM_F_ACK,
			   NETSTATS_CMD_REGISTER, NETSTATS_FAMILY_VERSION);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, n->group);
	/* Deaths of our registrations come to this socket (and are kept by
	 * the handle for netstats__monitor_read()).
	 */
	mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_NOTIFY, 0, NULL);
	err = ns_put_object(ns, nlh, n);
	for (i = 0; !err && i < n->opt_cnt; i++)
		err = ns_put_opt(ns, nlh, &n->opts[i]);
	*out = nlh;
	return err;
}

/* Bytes of a counter type; 0 if this library does not know the type. */
static unsigned int ns_width(__u32 type)
{
	switch (type) {
	case NETSTATS_COUNTER_TYPE_U64:
		return sizeof(__u64);
	case NETSTATS_COUNTER_TYPE_U32:
		return sizeof(__u32);
	}
	return 0;
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

	if (nlh->nlmsg_type != r->family_id ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN ||
	    ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd !=
	    NETSTATS_CMD_REGISTER)
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

static void ns_plan_build(struct netstats_reg *reg);

static void ns_reg_link(struct netstats *ns, struct netstats_reg *reg,
			const void *base)
{
	reg->ns = ns;
	reg->base = base;
	ns_plan_build(reg);
	reg->next = ns->regs;
	if (reg->next)
		reg->next->pprev = &reg->next;
	reg->pprev = &ns->regs;
	ns->regs = reg;
}

/* Unlink, unmap and free; the kernel side is the caller's business. */
static void ns_reg_free(struct netstats_reg *reg)
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

static int ns_unregister_id(struct netstats *ns, __u32 id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = ns_msg_start(buf, ns->family_id, NLM_F_ACK,
			   NETSTATS_CMD_UNREGISTER, NETSTATS_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, id);
	return ns_request(ns, nlh, ns_ignore_cb, NULL);
}

struct netstats_reg *netstats__register(struct netstats *ns, const char *name)
{
	struct ns_reg_reply r = { .map_fd = -1 };
	struct netstats_name n = { .sz = sizeof(n) };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char errmsg[NS_ERRMSG_LEN];
	struct nlmsghdr *nlh;
	void *base;
	int err;

	if (!ns || !name)
		return ns_err_ptr(-EINVAL);
	if (netstats__parse_name(name, &n)) {
		ns_set_errmsg(ns, "malformed registration name");
		return ns_err_ptr(-EINVAL);
	}
	r.family_id = ns->family_id;
	err = ns_reg_msg(ns, buf, &n, &nlh);
	if (err)
		return ns_err_ptr(err);
	err = ns_request(ns, nlh, ns_reg_cb, &r);
	if (err) {
		if (r.errmsg)
			ns_set_errmsg(ns, r.errmsg);
		goto err_free;
	}
	if (!r.reg || r.map_fd < 0) {
		ns_set_errmsg(ns, "no REGISTER reply");
		err = -EPROTO;
		goto err_free;
	}
	if ((off_t)r.reg->map_offset < 0 ||
	    (__u64)(off_t)r.reg->map_offset != r.reg->map_offset) {
		ns_set_errmsg(ns, "map-offset too large for mmap()");
		err = -EOVERFLOW;
		goto err_free;
	}
	base = mmap(NULL, r.reg->map_size, PROT_READ, MAP_SHARED, r.map_fd,
		    r.reg->map_offset);
	if (base == MAP_FAILED) {
		err = -errno;
		ns_set_errmsg(ns, "mmap() of the counters failed");
		goto err_free;
	}
	close(r.map_fd);
	memcpy(r.reg->object, n.object, sizeof(r.reg->object));
	ns_reg_link(ns, r.reg, base);
	return r.reg;

err_free:
	free(r.reg);
	if (r.map_fd >= 0)
		close(r.map_fd);
	/* The kernel registered: undo it, keeping the first error. */
	if (r.id) {
		memcpy(errmsg, ns->errmsg, sizeof(errmsg));
		ns_unregister_id(ns, r.id);
		memcpy(ns->errmsg, errmsg, sizeof(errmsg));
	}
	return ns_err_ptr(err);
}

int netstats_reg__unregister(struct netstats_reg *reg)
{
	struct netstats *ns;
	__u32 id;

	if (!reg)
		return 0;
	ns = reg->ns;
	id = reg->id;
	/* Unmap first: the range is no longer backed after UNREGISTER. */
	ns_reg_free(reg);
	return ns_err(ns_unregister_id(ns, id));
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

/* A directory's counters are per object, not at fixed offsets. */
static bool ns_is_dir(const struct netstats_reg *reg)
{
	return reg->flags & NETSTATS_GROUP_FLAGS_DIRECTORY;
}

/*
 * A counter of a known type: one load of each per-CPU copy, never torn,
 * never cached, as READ_ONCE().
 */
static __u64 ns_load(const struct netstats_reg *reg,
		     const struct netstats_counter_info *c)
{
	const char *p = (const char *)reg->base + c->offset;
	__u64 sum = 0;
	__u32 cpu;

	for (cpu = 0; cpu < reg->ncpus; cpu++, p += reg->stride) {
		if (c->type == NETSTATS_COUNTER_TYPE_U64)
			sum += __atomic_load_n((const __u64 *)p,
					       __ATOMIC_RELAXED);
		else
			sum += __atomic_load_n((const __u32 *)p,
					       __ATOMIC_RELAXED);
	}
	return sum;
}

/*
 * A counter value relative to the netstats_reg__reset() baseline, while
 * the block is still in the baseline's generation. Gauges are levels:
 * never rebased. u32 counters wrap at 32 bits, also when folded.
 */
static __u64 ns_rebase(const struct netstats_reg *reg, size_t idx, __u64 val,
		       __u32 gen)
{
	const struct netstats_counter_info *c = &reg->counters[idx];
	__u64 d;

	if (!reg->baseline || gen != reg->baseline_gen ||
	    (c->flags & NETSTATS_COUNTER_FLAGS_GAUGE))
		return val;
	d = val - reg->baseline[idx];
	return c->type == NETSTATS_COUNTER_TYPE_U32 ? (__u32)d : d;
}

int netstats_reg__read(const struct netstats_reg *reg, size_t idx,
		       __u64 *val)
{
	__u32 gen;

	if (!reg || !val || idx >= reg->counter_cnt)
		return ns_err(-EINVAL);
	if (!ns_width(reg->counters[idx].type) || ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	gen = reg->baseline ? netstats_reg__generation(reg) : 0;
	*val = ns_rebase(reg, idx, ns_load(reg, &reg->counters[idx]), gen);
	return 0;
}

static const struct netstats_block_hdr *
ns_reg_hdr(const struct netstats_reg *reg)
{
	return (const void *)((const char *)reg->base + reg->block_offset);
}

__u32 netstats_reg__generation(const struct netstats_reg *reg)
{
	if (!reg)
		return 0;
	return __atomic_load_n(&ns_reg_hdr(reg)->generation, __ATOMIC_ACQUIRE);
}

bool netstats_reg__dead(const struct netstats_reg *reg)
{
	if (!reg)
		return false;
	return __atomic_load_n(&ns_reg_hdr(reg)->state, __ATOMIC_ACQUIRE) ==
	       NETSTATS_BLOCK_DEAD;
}

#define NS_SNAPSHOT_TRIES	8

/* Lets the unit tests change the block between the reads. */
#ifndef NS_SNAPSHOT_TEST_HOOK
#define NS_SNAPSHOT_TEST_HOOK(try)	((void)(try))
#endif

/* The sequence counter of a derived block, NULL for other blocks. */
static const __u32 *ns_reg_seq(const struct netstats_reg *reg)
{
	const struct netstats_derived_hdr *dh;

	if (!(reg->flags & NETSTATS_GROUP_FLAGS_DERIVED))
		return NULL;
	dh = (const void *)((const char *)reg->base + reg->block_offset);
	return &dh->seq;
}

/*
 * The read plan (libnetstats.h): runs of counters next to each other and
 * of one width, computed once the mapping is known.  It is "fast" only
 * where following it gives what netstats_reg__snapshot() gives: not for
 * a directory (no block of its own), a derived block (its sequence
 * counter), a reset baseline or a layout of too many runs.  Also called
 * again when the baseline changes.
 */
static unsigned int ns_plan_width(const struct netstats_plan_run *r)
{
	if (r->op == NETSTATS_PLAN_OP_ZERO)
		return 0;
	if (r->op == NETSTATS_PLAN_OP_U64_LONG || r->op <= NETSTATS_PLAN_OP_U64 + 8)
		return 8;
	return 4;
}

/*
 * Whether the runs are NETSTATS_PLAN_SHAPE_TCP's, the block at
 * @block_off (its generation first); sets p->shape_off.
 */
static bool ns_plan_tcp(struct netstats_plan *p, __u32 block_off)
{
	const struct netstats_plan_run *r = p->run;

	if (p->nruns != 3 || p->nvals != 13 || p->ncpus != 1 ||
	    r[0].op != NETSTATS_PLAN_OP_U64 + 3 || r[0].index != 0 ||
	    r[0].offset != block_off + 8 ||
	    r[1].op != NETSTATS_PLAN_OP_U32 + 5 || r[1].index != 3 ||
	    r[1].offset != block_off + 32 ||
	    r[2].op != NETSTATS_PLAN_OP_U32 + 5 || r[2].index != 8 ||
	    r[2].offset < block_off)
		return false;
	p->shape_off = r[2].offset - block_off;
	return true;
}

/*
 * NETSTATS_PLAN_SHAPE_SPANS (libnetstats.h): the runs, all of __u64
 * counters, as spans of 16-byte loads. A run of an even count is copied
 * exactly. One of an odd count is copied with the slot after it
 * ("forward": the next run's span must come later, to store its own
 * first value again) or the slot before it ("back": the previous run's
 * span must come later); never forward then back on two neighbours,
 * which would need each before the other. The spans are put in an order
 * that honours that, then checked value by value against the counter
 * table and every load against the mapping; else the plan stays one of
 * runs.
 */
#define NS_SPAN_UNROLL	16
#define NS_SPANS_MAX	NETSTATS_PLAN_RUNS

enum { NS_ALIGN_EXACT, NS_ALIGN_FWD, NS_ALIGN_BACK };

static bool ns_span_add(struct netstats_reg *reg, struct netstats_plan *p,
			const struct netstats_plan_run *r, int align)
{
	struct netstats_plan_span *sp = &reg->plan_span[p->nspans];
	__s64 src = r->offset, dst = r->index * 8;
	__u32 units = (r->count + 1) / 2;

	if (align == NS_ALIGN_BACK) {
		src -= 8;
		dst -= 8;
	}
	/* Every CPU's copy in the mapping, every value in vals[]. */
	if (src < 0 || dst < 0 ||
	    src + 16 * units + (__u64)(reg->ncpus - 1) * reg->stride >
	    reg->map_size || dst + 16 * units > 8 * (__s64)p->nvals)
		return false;
	sp->src = p->base + src;
	sp->end = sp->src + 16 * units;
	sp->head = units % NS_SPAN_UNROLL;
	/* Before the mapping maybe, but never loaded from there. */
	sp->entry = (const char *)((unsigned long)sp->src -
				   16 * ((NS_SPAN_UNROLL - sp->head) %
					 NS_SPAN_UNROLL));
	sp->delta = dst - (__s64)(unsigned long)sp->src;
	sp->units = units;
	p->nspans++;
	return true;
}

static void ns_plan_spans(struct netstats_reg *reg, struct netstats_plan *p)
{
	const struct netstats_plan_run *r = p->run;
	int align[NETSTATS_PLAN_RUNS], prev = NS_ALIGN_EXACT;
	__u32 nr = p->nruns, i, k, *from, order[NETSTATS_PLAN_RUNS];
	bool done[NETSTATS_PLAN_RUNS] = {}, ok = true;
	const struct netstats_plan_span *sp;
	unsigned int left;

	if (!nr || reg->map_size > INT32_MAX)
		return;
	for (i = 0; i < nr; i++) {
		if (ns_plan_width(&r[i]) != 8 ||
		    r[i].op == NETSTATS_PLAN_OP_ZERO)
			return;
		if (!(r[i].count & 1))
			align[i] = NS_ALIGN_EXACT;
		else if (!i || prev == NS_ALIGN_FWD)
			align[i] = NS_ALIGN_FWD;
		else
			align[i] = NS_ALIGN_BACK;
		prev = align[i];
	}
	if (align[nr - 1] == NS_ALIGN_FWD)	/* nothing after it */
		return;
	/* Kahn's order: i waits for the neighbour whose slot it shares. */
	for (left = nr; left; ) {
		for (i = 0; i < nr; i++) {
			if (done[i] ||
			    (i > 0 && !done[i - 1] &&
			     align[i - 1] == NS_ALIGN_FWD) ||
			    (i + 1 < nr && !done[i + 1] &&
			     align[i + 1] == NS_ALIGN_BACK))
				continue;
			done[i] = true;
			order[nr - left--] = i;
			break;
		}
		if (i == nr)	/* a cycle: not built that way */
			return;
	}
	if (!reg->plan_span) {
		reg->plan_span = calloc(NS_SPANS_MAX, sizeof(*reg->plan_span));
		if (!reg->plan_span)
			return;
	}
	for (i = 0; i < nr && ok; i++)
		ok = ns_span_add(reg, p, &r[order[i]], align[order[i]]);
	if (!ok)
		goto none;
	/* What each value is loaded from last, following the spans. */
	from = calloc(p->nvals, sizeof(*from));
	if (!from)
		goto none;
	for (sp = reg->plan_span; sp < reg->plan_span + p->nspans; sp++)
		for (k = 0; k < 2 * sp->units; k++)
			from[((unsigned long)sp->src + sp->delta) / 8 + k] =
				sp->src - p->base + 8 * k;
	for (i = 0; i < p->nvals && ok; i++)
		ok = from[i] == reg->counters[i].offset;
	free(from);
	if (ok) {
		p->span = reg->plan_span;
		p->shape = NETSTATS_PLAN_SHAPE_SPANS;
		return;
	}
none:
	p->nspans = 0;
}

static void ns_plan_build(struct netstats_reg *reg)
{
	struct netstats_plan *p = &reg->plan;
	struct netstats_plan_run *r = NULL;
	const struct netstats_counter_info *c;
	unsigned int w;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->reg = reg;
	p->base = reg->base;
	p->generation = &ns_reg_hdr(reg)->generation;
	p->nvals = reg->counter_cnt;
	p->ncpus = reg->ncpus;
	p->stride = reg->stride;
	if (!reg->base || reg->counter_cnt > 0xffff || ns_reg_seq(reg) ||
	    reg->baseline || (ns_is_dir(reg) && reg->ncpus != 1))
		return;
	if (!reg->plan_ctr) {
		reg->plan_ctr = calloc(reg->counter_cnt ?: 1,
				       sizeof(*reg->plan_ctr));
		reg->plan_ref = calloc(reg->counter_cnt ?: 1,
				       sizeof(*reg->plan_ref));
		if (!reg->plan_ctr || !reg->plan_ref) {
			free(reg->plan_ctr);
			free(reg->plan_ref);
			reg->plan_ctr = NULL;
			reg->plan_ref = NULL;
			return;
		}
	}
	for (i = 0; i < reg->counter_cnt; i++) {
		c = &reg->counters[i];
		w = ns_width(c->type);
		reg->plan_ctr[i].offset = c->offset;
		reg->plan_ctr[i].width = w;
		/* One load, or the sum of the CPUs' copies. */
		reg->plan_ref[i].p = (const char *)reg->base + c->offset;
		reg->plan_ref[i].kind = !w ? 0 : reg->ncpus > 1 ?
					w | NETSTATS_PLAN_REF_FOLD : w;
		if (r && r->count < 0xff && w == ns_plan_width(r) &&
		    (!w || c->offset == r->offset + r->count * w)) {
			r->count++;
			if (r->count == 9)
				r->op = w == 8 ? NETSTATS_PLAN_OP_U64_LONG :
					NETSTATS_PLAN_OP_U32_LONG;
			else if (w && r->count < 9)
				r->op++;
			continue;
		}
		if (p->nruns == NETSTATS_PLAN_RUNS)
			return;
		r = &p->run[p->nruns++];
		r->offset = c->offset;
		r->index = i;
		r->count = 1;
		r->op = w == 8 ? NETSTATS_PLAN_OP_U64 + 1 :
			w == 4 ? NETSTATS_PLAN_OP_U32 + 1 : NETSTATS_PLAN_OP_ZERO;
	}
	p->ctr = reg->plan_ctr;
	p->ref = reg->plan_ref;
	/* A directory's offsets are from each socket's block: its runs are
	 * followed by netstats_sock__snapshot() only (p->ctr set).
	 */
	if (ns_is_dir(reg)) {
		if (ns_plan_tcp(p, 0))
			p->shape = NETSTATS_PLAN_SHAPE_TCP_BLOCKS;
		return;
	}
	p->fast = NETSTATS_PLAN_ABI;
	if (ns_plan_tcp(p, reg->block_offset)) {
		p->shape = NETSTATS_PLAN_SHAPE_TCP;
		p->shape_run = p->base + p->run[2].offset;
		return;
	}
	ns_plan_spans(reg, p);
}

const struct netstats_plan *netstats_reg__plan(const struct netstats_reg *reg)
{
	return reg ? &reg->plan : NULL;
}

struct netstats_ref netstats_plan__ref(const struct netstats_plan *plan,
				       size_t idx)
{
	struct netstats_ref ref = { .p = plan ? plan->reg : NULL };
	const struct netstats_plan_ref *c;

	if (!plan || idx >= plan->nvals) {
		ref.idx = plan ? plan->nvals : 0;	/* out of range */
		return ref;
	}
	ref.idx = idx;
	c = plan->fast == NETSTATS_PLAN_ABI ? &plan->ref[idx] : NULL;
	if (c && (c->kind == 8 || c->kind == 4)) {	/* one load */
		ref.p = c->p;
		ref.kind = c->kind;
	}
	return ref;
}

/*
 * The raw values of the first @n counters and their generation, as
 * documented for netstats_reg__snapshot(); for a derived block also the
 * time of the update they belong to into *@ts, if not NULL.
 */
static int ns_snapshot(const struct netstats_reg *reg, __u64 *vals, size_t n,
		       __u32 *generation, __u64 *ts)
{
	const struct netstats_derived_hdr *dh = NULL;
	const struct netstats_block_hdr *hdr;
	const struct netstats_counter_info *c;
	__u32 gen, gen2, seq = 0, seq2 = 0;
	const __u32 *seqp;
	__u64 t = 0;
	size_t i;
	int try;

	hdr = ns_reg_hdr(reg);
	seqp = ns_reg_seq(reg);
	if (seqp)
		dh = (const void *)hdr;
	for (try = 0; try < NS_SNAPSHOT_TRIES; try++) {
		gen = __atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE);
		/* The kernel resets the block while its generation is odd. */
		if (gen & 1)
			continue;
		/* A derived block is being updated while its seq is odd. */
		if (seqp) {
			seq = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
			if (seq & 1)
				continue;
			t = __atomic_load_n(&dh->timestamp_ns,
					    __ATOMIC_RELAXED);
		}
		for (i = 0; i < n; i++) {
			c = &reg->counters[i];
			vals[i] = ns_width(c->type) ? ns_load(reg, c) : 0;
		}
		NS_SNAPSHOT_TEST_HOOK(try);
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		gen2 = __atomic_load_n(&hdr->generation, __ATOMIC_RELAXED);
		if (seqp)
			seq2 = __atomic_load_n(seqp, __ATOMIC_RELAXED);
		if (gen == gen2 && seq == seq2) {
			if (generation)
				*generation = gen;
			if (ts)
				*ts = t;
			return n;
		}
	}
	return -EAGAIN;
}

int netstats_reg__snapshot(const struct netstats_reg *reg, __u64 *vals,
			   size_t cnt, __u32 *generation)
{
	size_t i, n;
	__u32 gen;
	int ret;

	if (!reg || (!vals && cnt))
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	if (cnt >= reg->counter_cnt && reg->plan.fast) {
		ret = netstats_plan__snapshot(&reg->plan, vals, generation);
		return ret < 0 ? ns_err(ret) : ret;
	}
	n = cnt < reg->counter_cnt ? cnt : reg->counter_cnt;
	ret = ns_snapshot(reg, vals, n, &gen, NULL);
	if (ret < 0)
		return ns_err(ret);
	for (i = 0; i < n; i++)
		vals[i] = ns_rebase(reg, i, vals[i], gen);
	if (generation)
		*generation = gen;
	return ret;
}

/* --- object-dead notifications ----------------------------------------- */

int netstats__monitor_fd(struct netstats *ns)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, efd, err;

	if (!ns || !ns->nl)
		return ns_err(-EINVAL);
	if (ns->mon_on)
		return ns->mon_fd;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return ns_err(-errno);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, mnl_socket_get_fd(ns->nl), &ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0) {
		err = -errno;
		if (ep >= 0)
			close(ep);
		close(efd);
		return ns_err(err);
	}
	ns->mon_fd = ep;
	ns->mon_ev = efd;
	ns->mon_on = true;
	return ep;
}

/* Calls the callback of netstats__monitor_read() or of _read_info(). */
struct ns_dead_cbs {
	netstats_dead_cb cb;
	netstats_dead_info_cb info_cb;
	void *ctx;
};

/*
 * One message of the monitor socket: 1 if it is an object-dead
 * notification of a registration of @ns and the callback was called, 0 if
 * it is something else, or the error the callback returned.
 */
static int ns_dead_msg(const struct netstats *ns, const struct nlmsghdr *nlh,
		       const struct ns_dead_cbs *cbs)
{
	struct netstats_dead_info info = { .sz = sizeof(info), .group = "" };
	const struct netstats_reg *reg;
	const struct nlattr *attr;
	bool have_portid = false;
	int err = 0;

	if (nlh->nlmsg_type != ns->family_id ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN ||
	    ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd !=
	    NETSTATS_CMD_OBJECT_DEAD)
		return 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case NETSTATS_A_REGISTRATION_ID:
			err = ns_u32(attr, &info.id);
			break;
		case NETSTATS_A_REGISTRATION_PORTID:
			err = ns_u32(attr, &info.portid);
			have_portid = true;
			break;
		case NETSTATS_A_REGISTRATION_GROUP:
			err = ns_str(attr, &info.group);
			break;
		case NETSTATS_A_REGISTRATION_SOCK_COOKIE:
			if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
				err = -EPROTO;
				break;
			}
			info.sock_cookie = mnl_attr_get_u64(attr);
			info.has_sock_cookie = true;
			break;
		}
		if (err)
			return 0;
	}
	if (!info.id || !have_portid || info.portid != ns->portid)
		return 0;
	/* The kernel names the object with typed attributes: give the name
	 * the registration was made with.
	 */
	for (reg = ns->regs; reg; reg = reg->next)
		if (reg->id == info.id && reg->object[0] &&
		    !info.has_sock_cookie)
			info.object = reg->object;
	if (cbs->info_cb)
		err = cbs->info_cb(&info, cbs->ctx);
	else
		err = cbs->cb(info.id, info.portid, info.group, info.object,
			      cbs->ctx);
	return err < 0 ? err : 1;
}

/*
 * The notifications kept by requests, then those the socket holds,
 * without blocking. A callback may unregister: its request reads into
 * ns->rx_buf, and keeps what it reads meanwhile in ns->ntf_head.
 */
static int ns_monitor_read(struct netstats *ns, const struct ns_dead_cbs *cbs)
{
	const struct nlmsghdr *nlh;
	int len, ret = 0, cnt = 0;
	struct ns_ntf *n;
	bool kernel;

	if (!ns || !ns->mon_on)
		return ns_err(-EINVAL);
	for (;;) {
		n = ns_ntf_pop(ns);
		if (n) {
			ret = ns_dead_msg(ns, (const struct nlmsghdr *)n->msg,
					  cbs);
			free(n);
			if (ret < 0)
				break;
			cnt += ret;
			continue;
		}
		len = ns_recv_buf(ns, &ns->mon_buf, &ns->mon_len,
				  MSG_DONTWAIT, &kernel);
		if (len == -EAGAIN)
			break;
		if (len == -ENOBUFS) {
			ns->mon_lost = true;
			continue;
		}
		if (len < 0) {
			ret = len;
			break;
		}
		if (!kernel)
			continue;
		for (nlh = (const struct nlmsghdr *)ns->mon_buf;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid || nlh->nlmsg_seq)
				continue;	/* a late reply */
			ret = ns_dead_msg(ns, nlh, cbs);
			if (ret < 0)
				break;
			cnt += ret;
		}
		if (ret < 0)
			break;
	}
	ns_ntf_signal(ns);
	if (ret < 0)
		return ns_err(ret);
	if (ns->mon_lost) {
		ns->mon_lost = false;
		return ns_err(-ENOBUFS);
	}
	return cnt;
}

int netstats__monitor_read(struct netstats *ns, netstats_dead_cb cb,
			   void *ctx)
{
	struct ns_dead_cbs cbs = { .cb = cb, .ctx = ctx };

	if (!cb)
		return ns_err(-EINVAL);
	return ns_monitor_read(ns, &cbs);
}

int netstats__monitor_read_info(struct netstats *ns,
				netstats_dead_info_cb cb, void *ctx)
{
	struct ns_dead_cbs cbs = { .info_cb = cb, .ctx = ctx };

	if (!cb)
		return ns_err(-EINVAL);
	return ns_monitor_read(ns, &cbs);
}

/* --- ABI 0.3.0: layout, per-CPU values, reset, snapshots ---------------- */

__u32 netstats_reg__flags(const struct netstats_reg *reg)
{
	return reg ? reg->flags : 0;
}

__u32 netstats_reg__ncpus(const struct netstats_reg *reg)
{
	return reg ? reg->ncpus : 0;
}

int netstats_reg__read_cpu(const struct netstats_reg *reg, size_t idx,
			   __u32 cpu, __u64 *val)
{
	const struct netstats_counter_info *c;
	const char *p;

	if (!reg || !val || idx >= reg->counter_cnt || cpu >= reg->ncpus)
		return ns_err(-EINVAL);
	c = &reg->counters[idx];
	if (!ns_width(c->type) || ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	p = (const char *)reg->base + c->offset + (size_t)cpu * reg->stride;
	if (c->type == NETSTATS_COUNTER_TYPE_U64)
		*val = __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	else
		*val = __atomic_load_n((const __u32 *)p, __ATOMIC_RELAXED);
	return 0;
}

int netstats_reg__reset(struct netstats_reg *reg)
{
	__u64 *vals;
	__u32 gen;
	int ret;

	if (!reg)
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	vals = calloc(reg->counter_cnt ?: 1, sizeof(*vals));
	if (!vals)
		return ns_err(-ENOMEM);
	ret = ns_snapshot(reg, vals, reg->counter_cnt, &gen, NULL);
	if (ret < 0) {
		free(vals);
		return ns_err(ret);
	}
	free(reg->baseline);
	reg->baseline = vals;
	reg->baseline_gen = gen;
	ns_plan_build(reg);	/* values now relative: the plan is not fast */
	return 0;
}

#define NS_SNAPSHOT_SZ_MIN \
	(offsetof(struct netstats_snapshot, time_ns) + sizeof(__u64))

int netstats_reg__take_snapshot(const struct netstats_reg *reg,
				struct netstats_snapshot *snap)
{
	struct timespec now;
	__u64 ts = 0;
	size_t i, n;
	__u32 gen;
	bool dead;
	int ret;

	if (!reg || !snap || snap->sz < NS_SNAPSHOT_SZ_MIN ||
	    (!snap->vals && snap->vals_cnt))
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	n = snap->vals_cnt < reg->counter_cnt ? snap->vals_cnt :
						reg->counter_cnt;
	dead = netstats_reg__dead(reg);
	ret = ns_snapshot(reg, snap->vals, n, &gen, &ts);
	/* Died during the loads: take the final values instead. */
	if (ret >= 0 && !dead && netstats_reg__dead(reg)) {
		dead = true;
		ret = ns_snapshot(reg, snap->vals, n, &gen, &ts);
	}
	if (ret < 0)
		return ns_err(ret);
	for (i = 0; i < n; i++)
		snap->vals[i] = ns_rebase(reg, i, snap->vals[i], gen);
	snap->cnt = n;
	snap->generation = gen;
	snap->dead = dead;
	/* A derived block: the kernel's update time, read with the values. */
	if (!(reg->flags & NETSTATS_GROUP_FLAGS_DERIVED)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ts = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	}
	snap->time_ns = ts;
	return n;
}

/* --- ABI 0.4.0: directory groups ---------------------------------------- */

/* Lets the unit tests change an entry between the reads. */
#ifndef NS_DIR_TEST_HOOK
#define NS_DIR_TEST_HOOK(entry, try)	((void)(entry), (void)(try))
#endif

/*
 * Copy a directory entry between two loads of its seq, until they agree
 * and it is even, up to NS_SNAPSHOT_TRIES times. Return: true if @copy
 * is consistent.
 */
static bool ns_entry_copy(const struct netstats_sock_entry *e,
			  struct netstats_sock_entry *copy)
{
	__u32 seq;
	int try;

	for (try = 0; try < NS_SNAPSHOT_TRIES; try++) {
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(copy, e, sizeof(*copy));
		NS_DIR_TEST_HOOK(e, try);
		/* The copy's loads before the second load of seq. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq)
			return true;
	}
	return false;
}

/* The directory's layout, checked against the range. */
struct ns_dir {
	const char *units;	/* page 1 of the range */
	__u32 nunits;		/* units to scan */
	__u32 blocks;		/* per unit */
	size_t unit_bytes;
	size_t block_size;
	size_t entry_off;	/* of the entry page in a unit */
};

static int ns_dir_layout(const struct netstats_reg *reg, struct ns_dir *d)
{
	const struct netstats_dir_hdr *dh = reg->base;
	__u32 unit_pages, bpu, bsz, epage, max_units, units;
	const struct netstats_counter_info *c;
	__u64 unit_bytes;
	size_t i;

	unit_pages = __atomic_load_n(&dh->unit_pages, __ATOMIC_RELAXED);
	bpu = __atomic_load_n(&dh->blocks_per_unit, __ATOMIC_RELAXED);
	bsz = __atomic_load_n(&dh->block_size, __ATOMIC_RELAXED);
	epage = __atomic_load_n(&dh->entry_page, __ATOMIC_RELAXED);
	max_units = __atomic_load_n(&dh->max_units, __ATOMIC_RELAXED);
	/* Units in use: blocks, then their entries, are set up before. */
	units = __atomic_load_n(&dh->units, __ATOMIC_ACQUIRE);

	unit_bytes = (__u64)unit_pages * reg->page_size;
	if (!unit_pages || epage >= unit_pages || bsz % sizeof(__u64) ||
	    bsz < sizeof(struct netstats_block_hdr) ||
	    bsz < sizeof(struct netstats_sock_entry) ||
	    (__u64)bpu * bsz > reg->page_size ||
	    reg->page_size + (__u64)max_units * unit_bytes > reg->map_size)
		return -EPROTO;
	for (i = 0; i < reg->counter_cnt; i++) {
		c = &reg->counters[i];
		if (ns_width(c->type) &&
		    (__u64)c->offset + ns_width(c->type) +
		    (bpu ? (__u64)(bpu - 1) * bsz : 0) > unit_bytes)
			return -EPROTO;
	}
	d->units = (const char *)reg->base + reg->page_size;
	d->nunits = units < max_units ? units : max_units;
	d->blocks = bpu;
	d->unit_bytes = unit_bytes;
	d->block_size = bsz;
	d->entry_off = (size_t)epage * reg->page_size;
	return 0;
}

/* The block's state if it is valid for @gen, else 0. */
static __u32 ns_block_valid(const struct netstats_block_hdr *hdr, __u32 gen)
{
	__u32 state;

	if (__atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE) != gen)
		return 0;
	state = __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE);
	return state == NETSTATS_BLOCK_LIVE || state == NETSTATS_BLOCK_DEAD ?
	       state : 0;
}

/*
 * Entry @b of unit @u into @s: 1 if it names a socket whose block is valid,
 * 0 if not (free, stale, or rewritten during every try).
 */
static int ns_dir_entry(const struct ns_dir *d, __u32 u, __u32 b,
			struct netstats_sock *s)
{
	const char *unit = d->units + (size_t)u * d->unit_bytes;
	const struct netstats_sock_entry *e;
	const struct netstats_block_hdr *hdr;
	struct netstats_sock_entry copy;
	__u32 state;

	e = (const void *)(unit + d->entry_off + (size_t)b * d->block_size);
	hdr = (const void *)(unit + (size_t)b * d->block_size);
	if (!ns_entry_copy(e, &copy) || !copy.family)
		return 0;
	state = ns_block_valid(hdr, copy.generation);
	if (!state)
		return 0;
	s->cookie = copy.cookie;
	s->family = copy.family;
	s->sport = ntohs(copy.sport);
	s->dport = ntohs(copy.dport);
	memcpy(s->src, copy.src, sizeof(s->src));
	memcpy(s->dst, copy.dst, sizeof(s->dst));
	s->dead = state == NETSTATS_BLOCK_DEAD;
	s->generation = copy.generation;
	s->unit = u;
	s->block = b;
	s->block_base = hdr;
	return 1;
}

int netstats_reg__foreach_sock(const struct netstats_reg *reg,
			       netstats_sock_cb cb, void *ctx)
{
	struct netstats_sock s = { .sz = sizeof(s) };
	struct ns_dir d;
	int err, cnt = 0;
	__u32 u, b;

	if (!reg || !cb)
		return ns_err(-EINVAL);
	if (!ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	err = ns_dir_layout(reg, &d);
	if (err)
		return ns_err(err);
	for (u = 0; u < d.nunits; u++) {
		for (b = 0; b < d.blocks; b++) {
			if (!ns_dir_entry(&d, u, b, &s))
				continue;
			err = cb(reg, &s, ctx);
			if (err < 0)
				return ns_err(err);
			cnt++;
		}
	}
	return cnt;
}

#define NS_SOCK_SZ_MIN \
	(offsetof(struct netstats_sock, block_base) + sizeof(void *))

struct ns_find_sock {
	__u64 cookie;
	struct netstats_sock *out;
};

static int ns_find_sock_cb(const struct netstats_reg *reg,
			   const struct netstats_sock *sock, void *ctx)
{
	struct ns_find_sock *f = ctx;
	size_t sz = f->out->sz;

	(void)reg;
	if (sock->cookie != f->cookie)
		return 0;
	memcpy(f->out, sock, sz < sizeof(*sock) ? sz : sizeof(*sock));
	f->out->sz = sz;
	return -EEXIST;		/* found: stop */
}

int netstats_reg__find_sock(const struct netstats_reg *reg, __u64 cookie,
			    struct netstats_sock *sock)
{
	struct ns_find_sock f = { .cookie = cookie, .out = sock };
	int ret;

	if (!sock || sock->sz < NS_SOCK_SZ_MIN)
		return ns_err(-EINVAL);
	ret = netstats_reg__foreach_sock(reg, ns_find_sock_cb, &f);
	if (ret == -EEXIST)
		return 0;
	return ns_err(ret < 0 ? ret : -ENOENT);
}

static __u64 ns_sock_load(const struct netstats_sock *sock,
			  const struct netstats_counter_info *c)
{
	const char *p = (const char *)sock->block_base + c->offset;

	if (c->type == NETSTATS_COUNTER_TYPE_U64)
		return __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const __u32 *)p, __ATOMIC_RELAXED);
}

int netstats_sock__read(const struct netstats_reg *reg,
			const struct netstats_sock *sock, size_t idx,
			__u64 *val)
{
	if (!reg || !sock || !sock->block_base || !val ||
	    idx >= reg->counter_cnt)
		return ns_err(-EINVAL);
	if (!ns_width(reg->counters[idx].type) || !ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	*val = ns_sock_load(sock, &reg->counters[idx]);
	return 0;
}

int netstats_sock__snapshot(const struct netstats_reg *reg,
			    const struct netstats_sock *sock, __u64 *vals,
			    size_t cnt, bool *dead)
{
	const struct netstats_counter_info *c;
	__u32 state;
	size_t i, n;

	if (!reg || !sock || !sock->block_base || (!vals && cnt))
		return ns_err(-EINVAL);
	if (!ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	n = cnt < reg->counter_cnt ? cnt : reg->counter_cnt;
	if (reg->plan.ctr && n == reg->counter_cnt) {	/* runs were built */
		const struct netstats_plan_run *r = reg->plan.run;

		for (; r < reg->plan.run + reg->plan.nruns; r++)
			netstats_plan__copy(r, (const char *)sock->block_base +
					    r->offset, vals + r->index);
	} else {
		for (i = 0; i < n; i++) {
			c = &reg->counters[i];
			vals[i] = ns_width(c->type) ? ns_sock_load(sock, c) : 0;
		}
	}
	NS_DIR_TEST_HOOK(sock, -1);
	/* The counter loads before the header's. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	state = ns_block_valid(sock->block_base, sock->generation);
	if (!state)
		return ns_err(-ESTALE);
	if (dead)
		*dead = state == NETSTATS_BLOCK_DEAD;
	return n;
}

/* --- ABI 0.5.0: inline directory scans ---------------------------------- */

/* The inline scan reads the entry's head and the states by these. */
static_assert(offsetof(struct netstats__sock_entry_head, generation) ==
	      offsetof(struct netstats_sock_entry, generation) &&
	      offsetof(struct netstats__sock_entry_head, family) ==
	      offsetof(struct netstats_sock_entry, family) &&
	      offsetof(struct netstats__sock_entry_head, cookie) ==
	      offsetof(struct netstats_sock_entry, cookie),
	      "struct netstats__sock_entry_head");
static_assert(NETSTATS_BLOCK_LIVE == 1 && NETSTATS_BLOCK_DEAD == 2,
	      "block states");

#define NS_SCAN_SZ_MIN \
	(offsetof(struct netstats_sock_scan, units_left) + sizeof(__u32))
/* Where the scan has room for the shape (0.5.0 too, appended). */
#define NS_SCAN_SZ_SHAPE \
	(offsetof(struct netstats_sock_scan, shape_off) + sizeof(__u32))

int netstats_reg__sock_scan(const struct netstats_reg *reg,
			    struct netstats_sock_scan *scan)
{
	size_t sz;
	struct ns_dir d;
	int err;

	if (!reg || !scan || scan->sz < NS_SCAN_SZ_MIN)
		return ns_err(-EINVAL);
	if (!ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	err = ns_dir_layout(reg, &d);
	if (err)
		return ns_err(err);
	sz = scan->sz;
	memset(scan, 0, sz < sizeof(*scan) ? sz : sizeof(*scan));
	scan->sz = sz;
	scan->reg = reg;
	/* The runs, where they were built: the inline path follows them. */
	scan->plan = reg->plan.ctr && d.blocks ? &reg->plan : NULL;
	scan->units = d.units;
	scan->block = d.units;
	scan->unit_end = d.units + (d.nunits ? d.blocks * d.block_size : 0);
	scan->unit_bytes = d.unit_bytes;
	scan->unit_skip = d.unit_bytes - d.blocks * d.block_size;
	scan->entry_off = d.entry_off;
	scan->block_size = d.block_size;
	scan->units_left = d.nunits ? d.nunits - 1 : 0;
	/* The counters' offsets were checked against the units above. */
	if (scan->plan && sz >= NS_SCAN_SZ_SHAPE &&
	    scan->plan->shape == NETSTATS_PLAN_SHAPE_TCP_BLOCKS) {
		scan->shape = scan->plan->shape;
		scan->shape_off = scan->plan->shape_off;
	}
	return 0;
}

int netstats_sock_scan__step(struct netstats_sock_scan *scan, __u64 *vals)
{
	const struct netstats_reg *reg;
	const struct netstats_sock_entry *e;
	struct netstats_sock_entry copy;
	const char *b;
	__u32 state;
	size_t i;

	if (!scan || !scan->reg || (!vals && scan->reg->counter_cnt))
		return ns_err(-EINVAL);
	reg = scan->reg;
	for (b = scan->block;; b += scan->block_size) {
		if (b == scan->unit_end) {
			if (!scan->units_left)
				break;
			scan->units_left--;
			b += scan->unit_skip;
			scan->unit_end += scan->unit_bytes;
			if (b == scan->unit_end) {	/* no blocks */
				b -= scan->block_size;
				continue;
			}
		}
		e = (const void *)(b + scan->entry_off);
		if (!ns_entry_copy(e, &copy) || !copy.family)
			continue;
		for (i = 0; i < reg->counter_cnt; i++) {
			const struct netstats_counter_info *c = &reg->counters[i];

			vals[i] = ns_width(c->type) ?
				  ns_sock_load(&(struct netstats_sock){
						.block_base = b }, c) : 0;
		}
		NETSTATS_SCAN_TEST_HOOK(b);
		/* The counter loads before the header's. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		state = ns_block_valid((const void *)b, copy.generation);
		if (!state)
			continue;
		scan->block = b + scan->block_size;
		scan->cookie = copy.cookie;
		scan->generation = copy.generation;
		scan->dead = state == NETSTATS_BLOCK_DEAD;
		scan->block_base = b;
		return 1;
	}
	scan->block = b;
	return 0;
}

int netstats_sock_scan__sock(const struct netstats_sock_scan *scan,
			     struct netstats_sock *sock)
{
	struct netstats_sock s = { .sz = sizeof(s) };
	const char *b;
	struct ns_dir d;
	size_t sz;
	__u32 u;

	if (!scan || !scan->reg || !scan->block_base || !sock ||
	    sock->sz < NS_SOCK_SZ_MIN)
		return ns_err(-EINVAL);
	b = scan->block_base;
	u = (b - scan->units) / scan->unit_bytes;
	d.units = scan->units;
	d.unit_bytes = scan->unit_bytes;
	d.block_size = scan->block_size;
	d.entry_off = scan->entry_off;
	if (!ns_dir_entry(&d, u, (b - scan->units - u * scan->unit_bytes) /
			  scan->block_size, &s) ||
	    s.generation != scan->generation || s.cookie != scan->cookie)
		return ns_err(-ESTALE);
	sz = sock->sz;
	memcpy(sock, &s, sz < sizeof(s) ? sz : sizeof(s));
	sock->sz = sz;
	return 0;
}
