// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: the monitor descriptor and the object-dead notifications
 * of the handle's registrations.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netstats.h>

#include "libnetstats_internal.h"

int netstats__monitor_fd(struct netstats_handle *h)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, efd, err;

	if (!h || !h->nl)
		return ns_err(-EINVAL);
	if (h->mon_on)
		return h->mon_fd;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return ns_err(-errno);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, mnl_socket_get_fd(h->nl), &ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0) {
		err = -errno;
		if (ep >= 0)
			close(ep);
		close(efd);
		return ns_err(err);
	}
	h->mon_fd = ep;
	h->mon_ev = efd;
	h->mon_on = true;
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
 * notification of a registration of @h and the callback was called, 0 if
 * it is something else, or the error the callback returned.
 */
static int ns_dead_msg(const struct netstats_handle *h, const struct nlmsghdr *nlh,
		       const struct ns_dead_cbs *cbs)
{
	struct netstats_dead_info info = { .sz = sizeof(info), .group = "" };
	const struct netstats_reg *reg;
	const struct nlattr *attr;
	bool have_portid = false;
	int err = 0;

	if (!ns_genl_msg_is(nlh, h->family_id, NETSTATS_CMD_OBJECT_DEAD))
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
	if (!info.id || !have_portid || info.portid != h->portid)
		return 0;
	/* The kernel names the object with typed attributes: give the name
	 * the registration was made with.
	 */
	for (reg = h->regs; reg; reg = reg->next)
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
 * h->rx_buf, and keeps what it reads meanwhile in h->ntf_head.
 */
static int ns_monitor_read(struct netstats_handle *h, const struct ns_dead_cbs *cbs)
{
	const struct nlmsghdr *nlh;
	int len, ret = 0, cnt = 0;
	struct ns_ntf *n;
	bool kernel;

	if (!h || !h->mon_on)
		return ns_err(-EINVAL);
	for (;;) {
		n = ns_ntf_pop(h);
		if (n) {
			ret = ns_dead_msg(h, (const struct nlmsghdr *)n->msg,
					  cbs);
			free(n);
			if (ret < 0)
				break;
			cnt += ret;
			continue;
		}
		len = ns_recv_buf(h, &h->mon_buf, &h->mon_len,
				  MSG_DONTWAIT, &kernel);
		if (len == -EAGAIN)
			break;
		if (len == -ENOBUFS) {
			h->mon_lost = true;
			continue;
		}
		if (len < 0) {
			ret = len;
			break;
		}
		if (!kernel)
			continue;
		for (nlh = (const struct nlmsghdr *)h->mon_buf;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid || nlh->nlmsg_seq)
				continue;	/* a late reply */
			ret = ns_dead_msg(h, nlh, cbs);
			if (ret < 0)
				break;
			cnt += ret;
		}
		if (ret < 0)
			break;
	}
	ns_ntf_signal(h);
	if (ret < 0)
		return ns_err(ret);
	if (h->mon_lost) {
		h->mon_lost = false;
		return ns_err(-ENOBUFS);
	}
	return cnt;
}

int netstats__monitor_read(struct netstats_handle *h, netstats_dead_cb cb,
			   void *ctx)
{
	struct ns_dead_cbs cbs = { .cb = cb, .ctx = ctx };

	if (!cb)
		return ns_err(-EINVAL);
	return ns_monitor_read(h, &cbs);
}

int netstats__monitor_read_info(struct netstats_handle *h,
				netstats_dead_info_cb cb, void *ctx)
{
	struct ns_dead_cbs cbs = { .info_cb = cb, .ctx = ctx };

	if (!cb)
		return ns_err(-EINVAL);
	return ns_monitor_read(h, &cbs);
}
