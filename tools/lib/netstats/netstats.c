// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: a handle, its netlink socket and the family it talks to.
 */
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
