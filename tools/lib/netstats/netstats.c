// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: a handle, its netlink socket and the family it talks to.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/netstats.h>

#include "libnetstats_internal.h"

static int ns_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp, *a;
	struct netstats_handle *h = data;

	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EPROTO;
			h->family_id = mnl_attr_get_u16(attr);
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
					h->monitor_grp = id;
					h->have_monitor = true;
				}
			}
			break;
		}
	}
	return 0;
}

/* Lets the unit tests fail the return to the caller's netns. */
#ifndef NS_SETNS
#define NS_SETNS(fd, type)	setns(fd, type)
#endif

/*
 * The calling thread into the netns of @netns_fd; *@saved is then a
 * descriptor of the netns it was in, for ns_netns_leave(). setns() moves
 * the calling thread only: the process's other threads stay where they are.
 */
static int ns_netns_enter(int netns_fd, int *saved)
{
	int err;

	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (NS_SETNS(netns_fd, CLONE_NEWNET) < 0) {
		err = -errno;
		close(*saved);
		*saved = -1;
		return err;
	}
	return 0;
}

/* Back into the netns ns_netns_enter() saved; 0 or -errno. */
static int ns_netns_leave(int saved)
{
	int err = 0;

	if (NS_SETNS(saved, CLONE_NEWNET) < 0)
		err = -errno;
	close(saved);
	return err;
}

/*
 * The handle's netlink socket, in the netns of @netns_fd if it is not 0.
 * The socket stays in the netns it was created in: every request, device
 * name and notification of the handle is of that netns.
 */
static int ns_socket_open(struct netstats_handle *h, int netns_fd)
{
	int saved = -1, err = 0, err2;

	if (netns_fd) {
		err = ns_netns_enter(netns_fd, &saved);
		if (err)
			return err;
	}
	h->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	if (netns_fd) {
		err2 = ns_netns_leave(saved);
		/*
		 * The thread could not go back: fail, so that the caller
		 * knows, rather than leave it in @netns_fd's netns silently.
		 */
		if (err2 && !err)
			err = err2;
	}
	return err;
}

#define NS_OPEN_OPTS_SZ_MIN \
	(offsetof(struct netstats_open_opts, netns_fd) + sizeof(int))

struct netstats_handle *
netstats__open_opts(const struct netstats_open_opts *opts)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct netstats_handle *h;
	int netns_fd = 0;
	int one = 1;
	int err;

	if (opts) {
		if (opts->sz < NS_OPEN_OPTS_SZ_MIN)
			return ns_err_ptr(-EINVAL);
		/* Fields past what this library knows must be zero. */
		if (opts->sz > sizeof(*opts)) {
			const char *p = (const char *)opts + sizeof(*opts);
			const char *end = (const char *)opts + opts->sz;

			for (; p < end; p++)
				if (*p)
					return ns_err_ptr(-E2BIG);
		}
		netns_fd = opts->netns_fd;
		if (netns_fd < 0)
			return ns_err_ptr(-EBADF);
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return ns_err_ptr(-ENOMEM);
	h->rx_len = NS_RX_BUF_MIN;
	h->rx_buf = malloc(h->rx_len);
	if (!h->rx_buf) {
		err = -ENOMEM;
		goto err_close;
	}
	err = ns_socket_open(h, netns_fd);
	if (err)
		goto err_close;
	h->portid = mnl_socket_get_portid(h->nl);
	if (mnl_socket_setsockopt(h->nl, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0) {
		err = -errno;
		goto err_close;
	}

	nlh = ns_msg_start(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETSTATS_FAMILY_NAME);
	err = ns_request(h, nlh, ns_family_cb, h);
	if (!err && (!h->family_id || !h->have_monitor))
		err = -EPROTO;
	if (err)
		goto err_close;
	return h;

err_close:
	netstats__close(h);
	return ns_err_ptr(err);
}

struct netstats_handle *netstats__open(void)
{
	return netstats__open_opts(NULL);
}

void netstats__close(struct netstats_handle *h)
{
	if (!h)
		return;
	while (h->regs)
		ns_reg_free(h->regs);
	while (h->ntf_head)
		free(ns_ntf_pop(h));
	if (h->mon_on) {
		close(h->mon_fd);
		close(h->mon_ev);
	}
	free(h->mon_buf);
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h->rx_buf);
	free(h);
}

const char *netstats__last_error(const struct netstats_handle *h)
{
	return h ? h->errmsg : "";
}
