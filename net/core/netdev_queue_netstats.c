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
 * sequence count: one work and one RTNL section for all the queues of a
 * netns with that period, one block for all the registrations of a queue
 * with that period.  A counter the driver does not keep reads as all
 * ones (qstats-get leaves it out).  A device that is down is not asked
 * (its queues may not exist): the block keeps its values and its
 * timestamp.
 *
 * A driver that keeps its per-queue counters in blocks netstats allocated
 * for it (netstats_queue_blocks_alloc(), netdev_stat_ops's
 * netstats_queue_block) has them mapped as they are instead: no copy, no period, a value is
 * visible once stored.  netstats maps a page of such an array only, so
 * a driver cannot expose memory that holds anything else.  Option
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

#include "netdev_queue_netstats_priv.h"

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
 * struct netstats_queue - a registration of a driver's own counters of a
 *	queue, or the producer's data of a queue's derived block
 * @node: entry in netstats_queue_regs
 * @reg: the registration (native)
 * @dev: the device; NULL once unregistered or the registration goes
 * @idx: the queue's index
 * @rx: an rx queue (else tx)
 * @native: the driver's own counters are mapped (else derived)
 * @counters: the driver's counter names, copied (native)
 */
struct netstats_queue {
	struct list_head node;
	struct netstats_reg *reg;
	struct net_device *dev;
	unsigned int idx;
	bool rx;
	bool native;
	struct netstats_counter_desc *counters;
};

/* Under RTNL. */
static LIST_HEAD(netstats_queue_regs);

/**
 * struct netstats_queue_area - an array of queue blocks for a driver
 * @node: entry in netstats_queue_areas
 * @base: its start, page aligned (vmalloc)
 * @size: its length, whole pages: the tail of the last is zeroes
 */
struct netstats_queue_area {
	struct list_head node;
	void *base;
	size_t size;
};

static DEFINE_MUTEX(netstats_queue_areas_lock);
static LIST_HEAD(netstats_queue_areas);

/**
 * netstats_queue_blocks_alloc() - memory for a driver's queue blocks
 * @n: number of blocks
 * @size: size of each, a struct starting with struct netstats_block_hdr
 *
 * The only memory netdev_stat_ops::netstats_queue_block may point into: pages
 * of their own, holding the blocks (initialised, counters zero) and
 * nothing else.
 *
 * Return: the array, or NULL.
 */
void *netstats_queue_blocks_alloc(unsigned int n, size_t size)
{
	struct netstats_queue_area *a;
	unsigned int i;

	if (WARN_ON_ONCE(size < sizeof(struct netstats_block_hdr)))
		return NULL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return NULL;
	a->size = PAGE_ALIGN(array_size(n, size));
	a->base = vzalloc(a->size);
	if (!a->base) {
		kfree(a);
		return NULL;
	}
	for (i = 0; i < n; i++)
		netstats_block_init(a->base + i * size);
	mutex_lock(&netstats_queue_areas_lock);
	list_add(&a->node, &netstats_queue_areas);
	mutex_unlock(&netstats_queue_areas_lock);
	return a->base;
}
EXPORT_SYMBOL_GPL(netstats_queue_blocks_alloc);

/**
 * netstats_queue_blocks_free() - free what netstats_queue_blocks_alloc()
 *	returned, once the device is unregistered
 * @blocks: the array, or NULL
 */
void netstats_queue_blocks_free(void *blocks)
{
	struct netstats_queue_area *a;

	if (!blocks)
		return;
	mutex_lock(&netstats_queue_areas_lock);
	list_for_each_entry(a, &netstats_queue_areas, node) {
		if (a->base == blocks) {
			list_del(&a->node);
			mutex_unlock(&netstats_queue_areas_lock);
			vfree(a->base);
			kfree(a);
			return;
		}
	}
	mutex_unlock(&netstats_queue_areas_lock);
	WARN_ONCE(1, "netstats: freeing queue blocks it did not allocate\n");
}
EXPORT_SYMBOL_GPL(netstats_queue_blocks_free);

/* Is [@block, @block + @len) inside one page of a queue block array? */
static bool netstats_queue_area_has(const void *block, size_t len)
{
	struct netstats_queue_area *a;
	bool ok = false;

	if (offset_in_page(block) + len > PAGE_SIZE)
		return false;
	mutex_lock(&netstats_queue_areas_lock);
	list_for_each_entry(a, &netstats_queue_areas, node) {
		if (block >= a->base && block + len <= a->base + a->size) {
			ok = true;
			break;
		}
	}
	mutex_unlock(&netstats_queue_areas_lock);
	return ok;
}

static void netstats_queue_copy(u64 *dst, const u64 *src, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++)
		WRITE_ONCE(dst[i], src[i]);
}

static int netstats_queue_fill(void *data, void *block)
{
	struct netstats_queue *nq = data;
	struct net_device *dev = nq->dev;

	ASSERT_RTNL();

	/* Unregistered (the block died first) */
	if (!dev)
		return -EAGAIN;
	if (nq->idx >= netstats_queue_count(dev, nq->rx))
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

/* The driver keeps the counters of its @rx queues where netstats maps them. */
static bool netstats_queue_native(const struct net_device *dev, bool rx)
{
	const struct netdev_stat_ops *ops = dev->stat_ops;

	return ops && ops->netstats_queue_block &&
	       (rx ? ops->netstats_n_rx_counters : ops->netstats_n_tx_counters);
}

/* The driver hands out the counters of its @rx queues to qstats-get. */
static bool netstats_queue_qstats(const struct net_device *dev, bool rx)
{
	const struct netdev_stat_ops *ops = dev->stat_ops;

	return ops && (rx ? !!ops->get_queue_stats_rx :
			    !!ops->get_queue_stats_tx);
}

/* The driver keeps the queue's counters in a block of its own: map it. */
static int netstats_queue_map(struct netstats_reg *reg,
			      struct netstats_queue *nq,
			      struct netlink_ext_ack *extack)
{
	const struct netdev_stat_ops *ops = nq->dev->stat_ops;
	const struct netstats_counter_desc *c;
	unsigned int i, n, end;
	struct page *page;
	void *block;
	int err;

	c = nq->rx ? ops->netstats_rx_counters : ops->netstats_tx_counters;
	n = nq->rx ? ops->netstats_n_rx_counters : ops->netstats_n_tx_counters;
	block = ops->netstats_queue_block(nq->dev, nq->rx, nq->idx);
	if (!block) {
		NL_SET_ERR_MSG(extack, "the driver has no block for the queue");
		return -ENOENT;
	}
	end = sizeof(struct netstats_block_hdr);
	for (i = 0; i < n; i++)
		end = max(end, c[i].offset +
			  (c[i].type == NETSTATS_COUNTER_TYPE_U32 ? 4 : 8));
	if (!netstats_queue_area_has(block, end)) {
		netdev_warn_once(nq->dev,
				 "netstats: queue block not from netstats_queue_blocks_alloc()\n");
		NL_SET_ERR_MSG(extack,
			       "the driver's queue block is not mappable");
		return -EINVAL;
	}
	page = vmalloc_to_page(block);

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

static const struct netstats_derived_ops netstats_queue_derived = {
	.fill		= netstats_queue_fill,
	.data_size	= sizeof(struct netstats_queue),
	.flags		= NETSTATS_DERIVED_RTNL,
};

/* A queue's derived block: shared with the queue's other registrations
 * of the same period.
 */
static int netstats_queue_derive(struct netstats_reg *reg,
				 struct genl_info *info,
				 struct netstats_queue *tmpl)
{
	struct netstats_queue *nq;
	bool created;

	nq = netstats_derived_attach(reg, info, &netstats_queue_derived,
				     tmpl->dev, tmpl->idx * 2 + tmpl->rx,
				     tmpl, &created);
	if (IS_ERR(nq))
		return PTR_ERR(nq);
	if (created)
		list_add(&nq->node, &netstats_queue_regs);
	return 0;
}

/**
 * netstats_queue_nest_parse() - the queue nest of a REGISTER of a queue group
 * @info: the request; the core checked the nest is there, the policy its
 *	contents
 * @rx: the group's direction
 * @tb: the nest's attributes, @maxtype + 1 entries
 * @maxtype: the last attribute the group parses; those past it are refused
 *	as unknown
 * @refuse: the group's own refusals among them, checked first, or NULL;
 *	returns 0 or an errno with an extack
 *
 * The device's ifindex and the queue's id are required, a type must be the
 * group's direction.
 *
 * Return: 0, or an errno with an extack.
 */
int netstats_queue_nest_parse(struct genl_info *info, bool rx,
			      struct nlattr **tb, unsigned int maxtype,
			      int (*refuse)(struct nlattr **tb,
					    struct netlink_ext_ack *extack))
{
	struct nlattr *nest = info->attrs[NETSTATS_A_REGISTRATION_QUEUE];
	int err;

	err = nla_parse_nested(tb, maxtype, nest, NULL, info->extack);
	if (err)
		return err;
	if (refuse) {
		err = refuse(tb, info->extack);
		if (err)
			return err;
	}
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, NETSTATS_A_QUEUE_IFINDEX) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, NETSTATS_A_QUEUE_ID)) {
		NL_SET_ERR_MSG(info->extack,
			       "a queue group needs the device's ifindex and the queue's id");
		return -EINVAL;
	}
	if (tb[NETSTATS_A_QUEUE_TYPE] &&
	    nla_get_u32(tb[NETSTATS_A_QUEUE_TYPE]) !=
	    (rx ? NETSTATS_QUEUE_TYPE_RX : NETSTATS_QUEUE_TYPE_TX)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NETSTATS_A_QUEUE_TYPE],
				    "queue type is not the counter group's");
		return -EINVAL;
	}
	return 0;
}

static int netstats_queue_attach(struct netstats_reg *reg,
				 struct genl_info *info, bool rx)
{
	struct nlattr *tb[NETSTATS_A_QUEUE_ID + 1], *obj;
	struct netstats_queue *nq;
	struct net_device *dev;
	unsigned int nqueues;
	bool native;
	u64 derived;
	int err;

	err = netstats_queue_nest_parse(info, rx, tb, NETSTATS_A_QUEUE_ID, NULL);
	if (err)
		return err;
	if (netstats_reg_option(reg, info, "derived", &derived))
		return -EINVAL;
	nq = kzalloc(sizeof(*nq), GFP_KERNEL_ACCOUNT);
	if (!nq)
		return -ENOMEM;
	INIT_LIST_HEAD(&nq->node);
	nq->reg = reg;
	nq->rx = rx;
	nq->idx = nla_get_u32(tb[NETSTATS_A_QUEUE_ID]);
	obj = tb[NETSTATS_A_QUEUE_IFINDEX];

	rtnl_lock();
	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(obj));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "no such device in this network namespace");
		err = -ENODEV;
		goto err_unlock;
	}
	native = !derived && netstats_queue_native(dev, rx);
	if (!native && !netstats_queue_qstats(dev, rx)) {
		if (derived)
			NL_SET_ERR_MSG_ATTR(info->extack, obj,
					    "the device's driver has no qstats to derive from");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, obj,
					    "the device's driver keeps no per-queue statistics");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	nqueues = netstats_queue_count(dev, rx);
	if (nq->idx >= nqueues) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[NETSTATS_A_QUEUE_ID],
					"the device has %u %s queues",
					nqueues, rx ? "rx" : "tx");
		err = -ENOENT;
		goto err_unlock;
	}
	nq->dev = dev;
	if (!native) {
		nq->reg = NULL;
		err = netstats_queue_derive(reg, info, nq);
		rtnl_unlock();
		kfree(nq);
		return err;
	}
	err = netstats_queue_map(reg, nq, info->extack);
	if (err)
		goto err_unlock;
	list_add(&nq->node, &netstats_queue_regs);
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
	kfree(nq);
	return err;
}

/**
 * netstats_queue_list() - QUERY of a queue group: the queues of a netns
 * @rsp: the reply
 * @net: the netns
 * @rx: the group's direction
 * @has: does the driver of a device offer its @rx queues to the group
 * @put_extra: the group's reply-only attributes of a device's queues, or
 *	NULL; returns 0 or -EMSGSIZE
 *
 * Every @rx queue that exists now of the devices @has accepts, as the queue
 * nests REGISTER takes (plus @put_extra's).
 *
 * Return: 0, or -EMSGSIZE.
 */
int netstats_queue_list(struct sk_buff *rsp, struct net *net, bool rx,
			bool (*has)(struct net_device *dev, bool rx),
			int (*put_extra)(struct sk_buff *rsp,
					 struct net_device *dev))
{
	struct net_device *dev;
	struct nlattr *nest;
	unsigned int i, n;
	int err = 0;

	rtnl_lock();
	for_each_netdev(net, dev) {
		if (!has(dev, rx))
			continue;
		n = netstats_queue_count(dev, rx);
		for (i = 0; i < n && !err; i++) {
			nest = nla_nest_start(rsp, NETSTATS_A_GROUP_QUEUE);
			if (!nest ||
			    nla_put_u32(rsp, NETSTATS_A_QUEUE_IFINDEX,
					dev->ifindex) ||
			    nla_put_u32(rsp, NETSTATS_A_QUEUE_TYPE,
					rx ? NETSTATS_QUEUE_TYPE_RX :
					     NETSTATS_QUEUE_TYPE_TX) ||
			    nla_put_u32(rsp, NETSTATS_A_QUEUE_ID, i) ||
			    (put_extra && put_extra(rsp, dev))) {
				err = -EMSGSIZE;
				break;
			}
			nla_nest_end(rsp, nest);
		}
		if (err)
			break;
	}
	rtnl_unlock();
	return err;
}

/* QUERY lists the queues REGISTER may name now: mapped or derived. */
static bool netstats_queue_has(struct net_device *dev, bool rx)
{
	return netstats_queue_native(dev, rx) || netstats_queue_qstats(dev, rx);
}

static int netstats_queue_rx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_list(rsp, net, true, netstats_queue_has, NULL);
}

static int netstats_queue_tx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_list(rsp, net, false, netstats_queue_has, NULL);
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

static void netstats_queue_detach(struct netstats_reg *reg)
{
	struct netstats_queue *nq;

	rtnl_lock();
	if (reg->clear_flags & NETSTATS_GROUP_FLAGS_DERIVED) {
		/* No mapping of the driver's page left once it may free it. */
		nq = reg->priv;
		netstats_map_remove(reg->map, reg->pgoff, reg->npages);
		list_del(&nq->node);
		rtnl_unlock();
		kfree(nq->counters);
		kfree(nq);
		return;
	}
	/* The block's last registration: forget it. */
	nq = netstats_derived_put(reg);
	if (nq)
		list_del(&nq->node);
	rtnl_unlock();
	if (nq)
		netstats_derived_free(nq);
}

static void netstats_queue_mark_dead(void *page_addr, unsigned int idx,
				     void *arg)
{
	struct netstats_block_hdr *hdr = page_addr + (unsigned long)arg;

	netstats_block_next(hdr);
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
		netstats_notify_dead(reg);
	} else {
		/* Its queues may be gone already: the last update stands. */
		netstats_derived_kill(nq, false);
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
		    nq->idx >= netstats_queue_count(dev, nq->rx))
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
	NETSTATS_OPTION("period-ms", 100, 3600000, 1000,
			"Update period of a derived block, in ms; each update takes RTNL"),
	NETSTATS_OPTION("derived", 0, 1, 0,
			"1: from qstats even where the driver's counters are mapped"),
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
	.object_attr	= NETSTATS_A_REGISTRATION_QUEUE,
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
	.object_attr	= NETSTATS_A_REGISTRATION_QUEUE,
	.dev_counters	= true,
};

static int __init netstats_queue_init(void)
{
	int err;

	err = register_netdevice_notifier(&netstats_queue_nb);
	if (err)
		return err;
	err = netstats_group_add(&netstats_queue_rx_group);
	if (err)
		goto err_nb;
	err = netstats_group_add(&netstats_queue_tx_group);
	if (err)
		goto err_rx;
	return 0;

err_rx:
	netstats_group_del(&netstats_queue_rx_group);
err_nb:
	unregister_netdevice_notifier(&netstats_queue_nb);
	return err;
}
device_initcall(netstats_queue_init);
