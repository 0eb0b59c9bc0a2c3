// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: the netlink socket, family resolution and QUERY.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/netstats.h>

#include "libnetstats.h"
#include "libnetstats_internal.h"

#define NS_RX_BUF_MIN	32768
#define NS_ERRMSG_LEN	256

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

/* Receive one datagram, growing the buffer to fit it. */
static int ns_recv(struct netstats *ns)
{
	ssize_t len;
	char *buf;

	do {
		len = recv(mnl_socket_get_fd(ns->nl), NULL, 0,
			   MSG_PEEK | MSG_TRUNC);
	} while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	if ((size_t)len > ns->rx_len) {
		buf = realloc(ns->rx_buf, len);
		if (!buf)
			return -ENOMEM;
		ns->rx_buf = buf;
		ns->rx_len = len;
	}
	do {
		len = mnl_socket_recvfrom(ns->nl, ns->rx_buf, ns->rx_len);
	} while (len < 0 && errno == EINTR);
	return len < 0 ? -errno : len;
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
 * number. Returns 0 or -errno; on failure, records the extack message.
 */
static int ns_request(struct netstats *ns, struct nlmsghdr *nlh,
		      ns_msg_cb cb, void *data)
{
	struct ns_req req = { .cb = cb, .data = data };
	const struct nlmsghdr *msg;
	bool done = false;
	int len, err;
	__u32 seq;

	seq = ++ns->seq;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		len = ns_recv(ns);
		if (len < 0) {
			err = len;
			goto out;
		}
		msg = (const struct nlmsghdr *)ns->rx_buf;
		for (; !done && mnl_nlmsg_ok(msg, len);
		     msg = mnl_nlmsg_next(msg, &len)) {
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

void netstats__close(struct netstats *ns)
{
	if (!ns)
		return;
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

/*
 * One QUERY reply message -> struct netstats_group_info. Strings point into
 * the receive buffer; the arrays live in one allocation:
 * options[], counters[], option pointers, counter pointers, instances.
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
			ni++;
			break;
		}
	}
	mem = calloc(1, no * sizeof(*oinfo) + nc * sizeof(*cinfo) +
		     (no + nc + ni) * sizeof(void *) + 1);
	if (!mem)
		return -ENOMEM;
	oinfo = mem;
	cinfo = (void *)(oinfo + no);
	optr = (void *)(cinfo + nc);
	cptr = (void *)(optr + no);
	iptr = (void *)(cptr + nc);

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
		case NETSTATS_A_GROUP_INSTANCE:
			err = ns_str(attr, &iptr[ii++]);
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
	gi.instance_cnt = ni;
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
	nlh = ns_msg_start(buf, ns->family_id, group ? NLM_F_ACK : NLM_F_DUMP,
			   NETSTATS_CMD_QUERY, NETSTATS_FAMILY_VERSION);
	if (group && !mnl_attr_put_strz_check(nlh, sizeof(buf),
					      NETSTATS_A_GROUP_NAME, group))
		return ns_err(-EINVAL);
	return ns_err(ns_request(ns, nlh, ns_group_cb, &q));
}
