/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netstats queue groups: what "queue/rx|tx" and the groups of other
 * per-queue counters ("hwqueue/rx|tx") share, the queue nest REGISTER
 * takes and QUERY lists.
 */
#ifndef _NETDEV_QUEUE_NETSTATS_PRIV_H
#define _NETDEV_QUEUE_NETSTATS_PRIV_H

#include <linux/netdevice.h>
#include <linux/types.h>

struct genl_info;
struct net;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

/* The number of @dev's @rx queues (else tx) that exist now. */
static inline unsigned int netstats_queue_count(const struct net_device *dev,
						bool rx)
{
	return rx ? dev->real_num_rx_queues : dev->real_num_tx_queues;
}

int netstats_queue_nest_parse(struct genl_info *info, bool rx,
			      struct nlattr **tb, unsigned int maxtype,
			      int (*refuse)(struct nlattr **tb,
					    struct netlink_ext_ack *extack));
int netstats_queue_list(struct sk_buff *rsp, struct net *net, bool rx,
			bool (*has)(struct net_device *dev, bool rx),
			int (*put_extra)(struct sk_buff *rsp,
					 struct net_device *dev));

#endif /* _NETDEV_QUEUE_NETSTATS_PRIV_H */
