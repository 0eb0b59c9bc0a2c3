// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "queue/rx" and "queue/tx" groups: the statistics of one queue
 * of a device, for every driver that implements netdev_stat_ops (the
 * netdev family's qstats-get), with no driver change.
 *
 * Drivers keep these counters in their own per-queue structures, in
 * whatever layout and under whatever synchronisation they chose, and
 * produce them through a callback under RTNL: the groups are derived.
 * Every period-ms a work item takes RTNL, calls the driver's callback
 * as qstats-get does and publishes the result under the block's
 * sequence count.  A counter the driver does not keep reads as all ones
 * (qstats-get leaves it out).  A device that is down is not asked (its
 * queues may not exist): the block keeps its values and its timestamp.
 *
 * A driver that keeps its per-queue counters in memory of their own
 * pages (netstats_dev_ops::queue_block) has them mapped as they are
 * instead: no copy, no period, a value is visible once stored.  Option
 * derived=1 asks for the qstats form anyway.
 *
 * No reference is held on the device: when it is unregistered (deleted,
 * or moved to another netns) the blocks of its queues turn DEAD with the
 * values of their last update; a queue that no longer exists (ethtool
 * -L) turns DEAD at its next update, or when its driver reports the
 * change (netstats_dev_queues_changed()).
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/genetlink.h>
#include <net/netdev_queues.h>
#include <net/netstats.h>

/**
 * struct netstats_queue_rx_block - the derived block of an rx queue
 * @hdr: derived block header
 * @s: the queue's statistics, as the driver reports them
 */
struct netstats_queue_rx_block {
	struct netstats_derived_hdr hdr;
	struct netdev_queue_stats_rx s;
};

/**
 * struct netstats_queue_tx_block - the derived block of a tx queue
 * @hdr: derived block header
 * @s: the queue's statistics, as the driver reports them
 */
struct netstats_queue_tx_block {
	struct netstats_derived_hdr hdr;
	struct netdev_queue_stats_tx s;
};

/**
 * struct netstats_queue - a queue registration
 * @node: entry in netstats_queue_regs
 * @reg: the registration
 * @dev: the device; NULL once unregistered or the registration goes
 * @idx: the queue's index
 * @rx: an rx queue (else tx)
 * @native: the driver's own counters are mapped (else derived)
 * @counters: the driver's counter names, copied (native)
 * @name: the object's name, as REGISTER gave it
 */
struct netstats_queue {
	struct list_head node;
	struct netstats_reg *reg;
	struct net_device *dev;
	unsigned int idx;
	bool rx;
	bool native;
	struct netstats_counter_desc *counters;
	char name[IFNAMSIZ + 12];
};

/* Under RTNL. */
static LIST_HEAD(netstats_queue_regs);

static void netstats_queue_copy(u64 *dst, const u64 *src, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++)
		WRITE_ONCE(dst[i], src[i]);
}

static int netstats_queue_fill(struct netstats_reg *reg, void *block)
{
	struct netstats_queue *nq = netstats_derived_data(reg);
	struct net_device *dev = nq->dev;

	ASSERT_RTNL();

	/* Being unregistered (the block died first) */
	if (!dev)
		return -EAGAIN;
	if (nq->idx >= (nq->rx ? dev->real_num_rx_queues :
				 dev->real_num_tx_queues))
		return -ENOENT;
	/* As qstats-get: the queues of a device that is down may not exist. */
	if (!(dev->flags & IFF_UP))
		return -EAGAIN;

	if (nq->rx) {
		struct netstats_queue_rx_block *b = block;
		struct netdev_queue_stats_rx rx;

		memset(&rx, 0xff, sizeof(rx));
		dev->stat_ops->get_queue_stats_rx(dev, nq->idx, &rx);
		netstats_queue_copy((u64 *)&b->s, (u64 *)&rx, sizeof(rx));
	} else {
		struct netstats_queue_tx_block *b = block;
		struct netdev_queue_stats_tx tx;

		memset(&tx, 0xff, sizeof(tx));
		dev->stat_ops->get_queue_stats_tx(dev, nq->idx, &tx);
		netstats_queue_copy((u64 *)&b->s, (u64 *)&tx, sizeof(tx));
	}
	return 0;
}

/* The driver keeps the queue's counters in a block of its own: map it. */
static int netstats_queue_map(struct netstats_reg *reg,
			      struct netstats_queue *nq,
			      struct netlink_ext_ack *extack)
{
	const struct netstats_dev_ops *ops = nq->dev->netstats_ops;
	const struct netstats_counter_desc *c;
	unsigned int i, n, end;
	struct page *page;
	void *block;
	int err;

	c = nq->rx ? ops->rx_counters : ops->tx_counters;
	n = nq->rx ? ops->n_rx_counters : ops->n_tx_counters;
	block = ops->queue_block(nq->dev, nq->rx, nq->idx);
	if (!block) {
		NL_SET_ERR_MSG(extack, "the driver has no block for the queue");
		return -ENOENT;
	}
	end = sizeof(struct netstats_block_hdr);
	for (i = 0; i < n; i++)
		end = max(end, c[i].offset +
			  (c[i].type == NETSTATS_COUNTER_TYPE_U32 ? 4 : 8));
	page = is_vmalloc_addr(block) ? vmalloc_to_page(block) :
					virt_to_page(block);
	if (WARN_ON_ONCE(offset_in_page(block) + end > PAGE_SIZE ||
			 PageSlab(page)))
		return -EINVAL;

	nq->counters = netstats_counters_dup(c, n);
	if (!nq->counters)
		return -ENOMEM;
	err = netstats_map_add(reg->map, &page, 1, &reg->pgoff);
	if (err) {
		kfree(nq->counters);
		return err;
	}
	reg->npages = 1;
	reg->block_offset = offset_in_page(block);
	reg->counters = nq->counters;
	reg->n_counters = n;
	reg->clear_flags = NETSTATS_GROUP_FLAGS_DERIVED;
	reg->priv = nq;
	nq->native = true;
	return 0;
}

static int netstats_queue_attach(struct netstats_reg *reg,
				 struct genl_info *info, bool rx)
{
	struct nlattr *obj = info->attrs[NETSTATS_A_REGISTRATION_OBJECT];
	const struct netdev_stat_ops *ops;
	struct netstats_queue *nq;
	struct net_device *dev;
	unsigned int nqueues;
	bool native;
	u64 derived;
	char *slash;
	int err;

	if (!obj) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     NETSTATS_A_REGISTRATION_OBJECT);
		NL_SET_ERR_MSG(info->extack,
			       "a queue group needs <device>/<queue> as object");
		return -EINVAL;
	}
	nq = kzalloc(sizeof(*nq), GFP_KERNEL_ACCOUNT);
	if (!nq)
		return -ENOMEM;
	INIT_LIST_HEAD(&nq->node);
	nq->reg = reg;
	nq->rx = rx;
	err = -EINVAL;
	if (nla_strscpy(nq->name, obj, sizeof(nq->name)) < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj, "object name too long");
		goto err_free;
	}
	slash = strrchr(nq->name, '/');
	if (!slash || slash == nq->name ||
	    kstrtouint(slash + 1, 10, &nq->idx)) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "object is not <device>/<queue>");
		goto err_free;
	}
	if (netstats_reg_option(reg, info, "derived", &derived))
		goto err_free;

	rtnl_lock();
	*slash = '\0';
	dev = __dev_get_by_name(genl_info_net(info), nq->name);
	*slash = '/';
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "no such device in this network namespace");
		err = -ENODEV;
		goto err_unlock;
	}
	native = !derived && dev->netstats_ops &&
		 dev->netstats_ops->queue_block &&
		 (rx ? dev->netstats_ops->n_rx_counters :
		       dev->netstats_ops->n_tx_counters);
	ops = dev->stat_ops;
	if (!native && (!ops || !(rx ? !!ops->get_queue_stats_rx :
					!!ops->get_queue_stats_tx))) {
		if (derived)
			NL_SET_ERR_MSG_ATTR(info->extack, obj,
					    "the device's driver has no qstats to derive from");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, obj,
					    "the device's driver keeps no per-queue statistics");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	nqueues = rx ? dev->real_num_rx_queues : dev->real_num_tx_queues;
	if (nq->idx >= nqueues) {
		NL_SET_ERR_MSG_FMT(info->extack, "the device has %u %s queues",
				   nqueues, rx ? "rx" : "tx");
		NL_SET_BAD_ATTR(info->extack, obj);
		err = -ENOENT;
		goto err_unlock;
	}
	nq->dev = dev;
	if (native)
		err = netstats_queue_map(reg, nq, info->extack);
	else
		err = netstats_derived_attach(reg, info, netstats_queue_fill,
					      nq, NETSTATS_DERIVED_RTNL);
	if (err)
		goto err_unlock;
	list_add(&nq->node, &netstats_queue_regs);
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
err_free:
	kfree(nq);
	return err;
}

/* QUERY: every queue of the netns that REGISTER may name now. */
static int netstats_queue_instances(struct sk_buff *rsp, struct net *net,
				    bool rx)
{
	const struct netdev_stat_ops *ops;
	char name[IFNAMSIZ + 12];
	struct net_device *dev;
	unsigned int i, n;
	int err = 0;

	rtnl_lock();
	for_each_netdev(net, dev) {
		ops = dev->stat_ops;
		if (!(dev->netstats_ops && dev->netstats_ops->queue_block) &&
		    !(ops && (rx ? !!ops->get_queue_stats_rx :
				   !!ops->get_queue_stats_tx)))
			continue;
		n = rx ? dev->real_num_rx_queues : dev->real_num_tx_queues;
		for (i = 0; i < n && !err; i++) {
			snprintf(name, sizeof(name), "%s/%u", dev->name, i);
			err = nla_put_string(rsp, NETSTATS_A_GROUP_INSTANCE,
					     name);
		}
		if (err)
			break;
	}
	rtnl_unlock();
	return err;
}

static int netstats_queue_rx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_instances(rsp, net, true);
}

static int netstats_queue_tx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_instances(rsp, net, false);
}

static int netstats_queue_rx_attach(struct netstats_reg *reg,
				    struct genl_info *info)
{
	return netstats_queue_attach(reg, info, true);
}

static int netstats_queue_tx_attach(struct netstats_reg *reg,
				    struct genl_info *info)
{
	return netstats_queue_attach(reg, info, false);
}

static struct netstats_queue *netstats_queue_of(struct netstats_reg *reg)
{
	if (reg->clear_flags & NETSTATS_GROUP_FLAGS_DERIVED)
		return reg->priv;
	return netstats_derived_data(reg);
}

static void netstats_queue_detach(struct netstats_reg *reg)
{
	struct netstats_queue *nq = netstats_queue_of(reg);

	rtnl_lock();
	/* No mapping of the driver's page left once it may free it. */
	if (nq->native)
		netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	nq->dev = NULL;
	list_del(&nq->node);
	rtnl_unlock();
	/* Not under RTNL: the update it waits for takes it. */
	if (!nq->native)
		netstats_derived_detach(reg);
	kfree(nq->counters);
	kfree(nq);
}

static void netstats_queue_mark_dead(void *page_addr, unsigned int idx,
				     void *arg)
{
	struct netstats_block_hdr *hdr = page_addr + (unsigned long)arg;

	hdr->generation++;
	hdr->state = NETSTATS_BLOCK_DEAD;
}

/* The queue or its device went: its registrations keep the final values. */
static void netstats_queue_kill(struct netstats_queue *nq)
{
	struct netstats_reg *reg = nq->reg;

	if (nq->native) {
		netstats_map_snapshot(reg->map, reg->pgoff, reg->npages,
				      netstats_queue_mark_dead,
				      (void *)(unsigned long)reg->block_offset);
		reg->dead = true;
		netstats_notify_dead(reg, nq->name);
	} else {
		/* Its queues may be gone already: the last update stands. */
		netstats_derived_kill(reg, nq->name, false);
	}
	nq->dev = NULL;
	list_del_init(&nq->node);
}

/**
 * netstats_dev_queues_changed() - a driver changed its number of queues
 * @dev: the device
 *
 * The registrations of the driver's own counters of queues that no longer
 * exist turn DEAD now; those of derived blocks at their next update.
 * Context: RTNL held.
 */
void netstats_dev_queues_changed(struct net_device *dev)
{
	struct netstats_queue *nq, *tmp;

	ASSERT_RTNL();

	list_for_each_entry_safe(nq, tmp, &netstats_queue_regs, node)
		if (nq->dev == dev && nq->native &&
		    nq->idx >= (nq->rx ? dev->real_num_rx_queues :
					 dev->real_num_tx_queues))
			netstats_queue_kill(nq);
}
EXPORT_SYMBOL_GPL(netstats_dev_queues_changed);

static int netstats_queue_netdev_event(struct notifier_block *nb,
				       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netstats_queue *nq, *tmp;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	list_for_each_entry_safe(nq, tmp, &netstats_queue_regs, node)
		if (nq->dev == dev)
			netstats_queue_kill(nq);
	return NOTIFY_DONE;
}

static struct notifier_block netstats_queue_nb = {
	.notifier_call	= netstats_queue_netdev_event,
};

#define QUEUE_COUNTER(_dir, _name, _doc) {				\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = offsetof(struct netstats_queue_ ## _dir ## _block, s._name), \
	.type = NETSTATS_COUNTER_TYPE_U64,				\
}

/* Named as qstats-get's attributes, without the direction. */
static const struct netstats_counter_desc netstats_queue_rx_counters[] = {
	QUEUE_COUNTER(rx, packets, "Packets received"),
	QUEUE_COUNTER(rx, bytes, "Bytes received"),
	QUEUE_COUNTER(rx, alloc_fail, "Buffer allocation failures"),
	QUEUE_COUNTER(rx, hw_drops, "Packets dropped by the device"),
	QUEUE_COUNTER(rx, hw_drop_overruns, "Packets dropped for lack of buffers"),
	QUEUE_COUNTER(rx, csum_unnecessary, "Packets with CHECKSUM_UNNECESSARY"),
	QUEUE_COUNTER(rx, csum_none, "Packets with CHECKSUM_NONE"),
	QUEUE_COUNTER(rx, csum_bad, "Packets with a bad checksum"),
	QUEUE_COUNTER(rx, hw_gro_packets, "Packets coalesced by the device (GRO)"),
	QUEUE_COUNTER(rx, hw_gro_bytes, "Bytes of hw_gro_packets"),
	QUEUE_COUNTER(rx, hw_gro_wire_packets, "Wire packets coalesced by the device"),
	QUEUE_COUNTER(rx, hw_gro_wire_bytes, "Bytes of hw_gro_wire_packets"),
	QUEUE_COUNTER(rx, hw_drop_ratelimits, "Packets dropped by rate limits"),
};

static const struct netstats_counter_desc netstats_queue_tx_counters[] = {
	QUEUE_COUNTER(tx, bytes, "Bytes sent"),
	QUEUE_COUNTER(tx, packets, "Packets sent"),
	QUEUE_COUNTER(tx, hw_drops, "Packets dropped by the device"),
	QUEUE_COUNTER(tx, hw_drop_errors, "Packets dropped as malformed"),
	QUEUE_COUNTER(tx, csum_none, "Packets sent without a checksum offload"),
	QUEUE_COUNTER(tx, needs_csum, "Packets the device checksummed"),
	QUEUE_COUNTER(tx, hw_gso_packets, "Packets segmented by the device (GSO)"),
	QUEUE_COUNTER(tx, hw_gso_bytes, "Bytes of hw_gso_packets"),
	QUEUE_COUNTER(tx, hw_gso_wire_packets, "Wire packets the device's GSO made"),
	QUEUE_COUNTER(tx, hw_gso_wire_bytes, "Bytes of hw_gso_wire_packets"),
	QUEUE_COUNTER(tx, hw_drop_ratelimits, "Packets dropped by rate limits"),
	QUEUE_COUNTER(tx, stop, "Times the queue was stopped"),
	QUEUE_COUNTER(tx, wake, "Times the queue was woken"),
};

static const struct netstats_option_desc netstats_queue_options[] = {
	{
		.name	= "period-ms",
		.doc	= "Update period of a derived block, in ms; each update takes RTNL",
		.min	= 100,
		.max	= 3600000,
		.def	= 1000,
	},
	{
		.name	= "derived",
		.doc	= "1: from qstats even where the driver's counters are mapped",
		.min	= 0,
		.max	= 1,
		.def	= 0,
	},
};

static const struct netstats_group_ops netstats_queue_rx_ops = {
	.attach		= netstats_queue_rx_attach,
	.detach		= netstats_queue_detach,
	.instances	= netstats_queue_rx_instances,
};

static const struct netstats_group_ops netstats_queue_tx_ops = {
	.attach		= netstats_queue_tx_attach,
	.detach		= netstats_queue_detach,
	.instances	= netstats_queue_tx_instances,
};

static struct netstats_group netstats_queue_rx_group = {
	.name		= "queue/rx",
	.doc		= "Statistics of one rx queue: the driver's, or derived from qstats",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.counters	= netstats_queue_rx_counters,
	.n_counters	= ARRAY_SIZE(netstats_queue_rx_counters),
	.options	= netstats_queue_options,
	.n_options	= ARRAY_SIZE(netstats_queue_options),
	.ops		= &netstats_queue_rx_ops,
	.dev_counters	= true,
};

static struct netstats_group netstats_queue_tx_group = {
	.name		= "queue/tx",
	.doc		= "Statistics of one tx queue: the driver's, or derived from qstats",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.counters	= netstats_queue_tx_counters,
	.n_counters	= ARRAY_SIZE(netstats_queue_tx_counters),
	.options	= netstats_queue_options,
	.n_options	= ARRAY_SIZE(netstats_queue_options),
	.ops		= &netstats_queue_tx_ops,
	.dev_counters	= true,
};

static int __init netstats_queue_init(void)
{
	int err;

	err = register_netdevice_notifier(&netstats_queue_nb);
	if (err)
		return err;
	err = netstats_group_add(&netstats_queue_rx_group);
	if (!err)
		err = netstats_group_add(&netstats_queue_tx_group);
	return err;
}
device_initcall(netstats_queue_init);
