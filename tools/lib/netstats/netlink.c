// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: the netlink transport of a handle. Requests and their
 * replies, extended acks, object-dead notifications that arrive
 * meanwhile (kept for the monitor), attribute helpers.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/netstats.h>

#include "libnetstats_internal.h"

/* Notifications kept for netstats__monitor_read(); beyond: -ENOBUFS. */
#define NS_NTF_MAX	4096

struct ns_req {
	ns_msg_cb cb;
	void *data;
	int cb_err;		/* first error of cb, which is then skipped */
	int kernel_err;		/* from NLMSG_ERROR or NLMSG_DONE */
	bool intr;		/* NLM_F_DUMP_INTR seen */
	char msg[NS_ERRMSG_LEN];
};

struct nlmsghdr *ns_msg_start(void *buf, __u16 type, __u16 flags,
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
int ns_recv_buf(struct netstats_handle *h, char **bufp, size_t *lenp,
		int flags, bool *kernel)
{
	int fd = mnl_socket_get_fd(h->nl);
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

static int ns_recv(struct netstats_handle *h, int flags, bool *kernel)
{
	return ns_recv_buf(h, &h->rx_buf, &h->rx_len, flags, kernel);
}

/* Whether @nlh is a generic netlink message @cmd of family @family_id. */
bool ns_genl_msg_is(const struct nlmsghdr *nlh, __u16 family_id, __u8 cmd)
{
	return nlh->nlmsg_type == family_id &&
	       nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + GENL_HDRLEN &&
	       ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd == cmd;
}

static bool ns_is_dead_msg(const struct netstats_handle *h,
			   const struct nlmsghdr *nlh)
{
	return h->family_id &&
	       ns_genl_msg_is(nlh, h->family_id, NETSTATS_CMD_OBJECT_DEAD);
}

/* Make the monitor descriptor poll readable while notifications are kept. */
void ns_ntf_signal(struct netstats_handle *h)
{
	eventfd_t v;

	if (!h->mon_on)
		return;
	if (h->ntf_head)
		eventfd_write(h->mon_ev, 1);
	else
		eventfd_read(h->mon_ev, &v);	/* EAGAIN if not signalled */
}

/*
 * A message the kernel sent on the handle's socket that is not a reply:
 * an object-dead notification is kept for netstats__monitor_read() once
 * the monitor descriptor exists, anything else is dropped.
 */
static void ns_ntf_keep(struct netstats_handle *h, const struct nlmsghdr *nlh)
{
	struct ns_ntf *n;

	if (!h->mon_on || nlh->nlmsg_pid || nlh->nlmsg_seq ||
	    !ns_is_dead_msg(h, nlh))
		return;
	if (h->ntf_cnt >= NS_NTF_MAX) {
		h->mon_lost = true;
		return;
	}
	n = malloc(sizeof(*n) + nlh->nlmsg_len);
	if (!n) {
		h->mon_lost = true;
		return;
	}
	n->next = NULL;
	memcpy(n->msg, nlh, nlh->nlmsg_len);
	if (!h->ntf_head)
		h->ntf_tail = &h->ntf_head;
	*h->ntf_tail = n;
	h->ntf_tail = &n->next;
	h->ntf_cnt++;
	if (h->ntf_cnt == 1)
		ns_ntf_signal(h);
}

struct ns_ntf *ns_ntf_pop(struct netstats_handle *h)
{
	struct ns_ntf *n = h->ntf_head;

	if (n) {
		h->ntf_head = n->next;
		h->ntf_cnt--;
	}
	return n;
}

/*
 * Before a request: read what the socket holds (notifications of the
 * handle's registrations), so that the reply finds its receive buffer
 * empty.
 */
static void ns_drain(struct netstats_handle *h)
{
	const struct nlmsghdr *msg;
	bool kernel;
	int len;

	for (;;) {
		len = ns_recv(h, MSG_DONTWAIT, &kernel);
		if (len == -ENOBUFS) {
			h->mon_lost |= h->mon_on;
			continue;
		}
		if (len < 0)
			return;
		if (!kernel)
			continue;
		msg = (const struct nlmsghdr *)h->rx_buf;
		for (; mnl_nlmsg_ok(msg, len); msg = mnl_nlmsg_next(msg, &len))
			ns_ntf_keep(h, msg);
	}
}

/* An empty request the kernel acks: see ns_request(). */
static int ns_send_barrier(struct netstats_handle *h)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = sizeof(nlh),
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = ++h->seq,
	};

	return mnl_socket_sendto(h->nl, &nlh, nlh.nlmsg_len) < 0 ? -errno : 0;
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

void ns_set_errmsg(struct netstats_handle *h, const char *msg)
{
	snprintf(h->errmsg, sizeof(h->errmsg), "%s", msg);
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
int ns_request(struct netstats_handle *h, struct nlmsghdr *nlh,
	       ns_msg_cb cb, void *data)
{
	struct ns_req req = { .cb = cb, .data = data };
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	const struct nlmsghdr *msg;
	bool done = false, kernel, replies = false;
	__u32 seq, barrier = 0;
	int len, err;

	ns_drain(h);
	seq = ++h->seq;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		len = ns_recv(h, 0, &kernel);
		if (len == -ENOBUFS) {
			h->mon_lost |= h->mon_on;
			if (dump)
				continue;
			err = ns_send_barrier(h);
			if (err)
				goto out;
			if (!barrier)
				barrier = h->seq;
			continue;
		}
		if (len < 0) {
			err = len;
			goto out;
		}
		if (!kernel)
			continue;
		msg = (const struct nlmsghdr *)h->rx_buf;
		for (; !done && mnl_nlmsg_ok(msg, len);
		     msg = mnl_nlmsg_next(msg, &len)) {
			if (!msg->nlmsg_pid && !msg->nlmsg_seq) {
				ns_ntf_keep(h, msg);
				continue;
			}
			if (barrier && msg->nlmsg_pid == h->portid &&
			    msg->nlmsg_type == NLMSG_ERROR &&
			    msg->nlmsg_seq - barrier <= h->seq - barrier) {
				/* The rest of the request was lost. */
				if (!replies)
					req.kernel_err = -ENOBUFS;
				done = true;
				break;
			}
			if (msg->nlmsg_seq != seq ||
			    msg->nlmsg_pid != h->portid)
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
		memcpy(h->errmsg, req.msg, sizeof(h->errmsg));
	return err;
}

int ns_str(const struct nlattr *attr, const char **val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return -EPROTO;
	*val = mnl_attr_get_str(attr);
	return 0;
}

int ns_u32(const struct nlattr *attr, __u32 *val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -EPROTO;
	*val = mnl_attr_get_u32(attr);
	return 0;
}

/* YNL "uint": 4 or 8 bytes. */
int ns_uint(const struct nlattr *attr, __u64 *val)
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
