// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "hwqueue/rx" and "hwqueue/tx" groups: the hardware counters
 * of one queue of a device, in one of three ways the driver may offer
 * (the netstats_hwq_* members of its netdev_stat_ops), chosen per
 * registration by option "collect":
 *
 *   pull    netstats asks the driver for the queue's values every
 *           period-ms (under RTNL, as the derived queue blocks) and
 *           publishes them under the block's sequence count
 *   push    the device writes the values, the sequence count and the
 *           timestamp into the block itself, every period-ms (the
 *           shortest any registration of the queue asked for); the
 *           driver only arms and stops it
 *   direct  the device's own page of free-running counters is mapped
 *           read-only after a page holding the block header: no copy,
 *           no period, a value is visible once the device counted it
 *
 * The counters are named as the driver's ethtool -S strings without the
 * queue prefix, u64 each.  No reference is held on the device: when it
 * is unregistered, or its driver reports that the queue is gone
 * (netstats_dev_hwqueues_changed()), each block turns DEAD with the last
 * values.
 */

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netdev_queues.h>
#include <net/netstats.h>

#include "netdev_queue_netstats_priv.h"

/* Counters of a queue at most (a pull reads them on the stack). */
#define NETSTATS_HWQ_MAX_COUNTERS	32

/**
 * struct netstats_hwq_pull - the producer's data of a pulled derived block
 * @node: entry in netstats_hwq_pulls
 * @dev: the device; NULL once the block died
 * @idx: the queue's index
 * @rx: an rx queue (else tx)
 * @n: number of counters
 */
struct netstats_hwq_pull {
	struct list_head node;
	struct net_device *dev;
	unsigned int idx;
	bool rx;
	unsigned int n;
};

/**
 * struct netstats_hwq_push - a queue whose device pushes its counters
 * @node: entry in netstats_hwq_pushes
 * @dev: the device
 * @idx: the queue's index
 * @rx: an rx queue (else tx)
 * @page: the block, shared by @regs; the device writes it until stopped
 * @ms: the period the device was armed with
 * @regs: the registrations (struct netstats_hwq::node)
 */
struct netstats_hwq_push {
	struct list_head node;
	struct net_device *dev;
	unsigned int idx;
	bool rx;
	struct page *page;
	unsigned int ms;
	struct list_head regs;
};

/**
 * struct netstats_hwq - a push or direct registration
 * @all: entry in netstats_hwq_regs, until the registration goes
 * @node: entry in the push's @regs, or in netstats_hwq_directs, while live
 * @reg: the registration
 * @dev: the device; NULL once the block died
 * @idx: the queue's index
 * @rx: an rx queue (else tx)
 * @push: the pushed block (push); NULL for direct or once dead
 * @hdr_page: the page of the block header (direct)
 * @src: the device's page, if it has a struct page (direct)
 * @io: else the device's page, ioremap()ed for its snapshot (direct)
 * @ms: the period-ms option (push)
 * @counters: the driver's counter names, copied, offsets in the range
 */
struct netstats_hwq {
	struct list_head all;
	struct list_head node;
	struct netstats_reg *reg;
	struct net_device *dev;
	unsigned int idx;
	bool rx;
	struct netstats_hwq_push *push;
	struct page *hdr_page;
	struct page *src;
	void __iomem *io;
	unsigned int ms;
	struct netstats_counter_desc *counters;
};

/* Under RTNL. */
static LIST_HEAD(netstats_hwq_pulls);
static LIST_HEAD(netstats_hwq_pushes);
static LIST_HEAD(netstats_hwq_directs);
static LIST_HEAD(netstats_hwq_regs);

static const struct netdev_stat_ops *netstats_hwq_ops(struct net_device *dev)
{
	const struct netdev_stat_ops *ops = dev->stat_ops;

	return ops && ops->netstats_hwq_modes && ops->netstats_hwq_modes(dev) ?
	       ops : NULL;
}

/* The driver's counters of a queue in @rx's direction, offsets shifted by
 * @shift (where the values start in the range).
 */
static struct netstats_counter_desc *
netstats_hwq_counters(const struct netdev_stat_ops *ops, bool rx,
		      unsigned int shift, unsigned int *n)
{
	struct netstats_counter_desc *c;
	unsigned int i;

	*n = rx ? ops->netstats_n_hwq_rx_counters :
		  ops->netstats_n_hwq_tx_counters;
	c = netstats_counters_dup(rx ? ops->netstats_hwq_rx_counters :
				       ops->netstats_hwq_tx_counters, *n);
	if (!c)
		return NULL;
	for (i = 0; i < *n; i++)
		c[i].offset += shift;
	return c;
}

static int netstats_hwq_fill(void *data, void *block)
{
	struct netstats_hwq_pull *p = data;
	struct net_device *dev = p->dev;
	u64 vals[NETSTATS_HWQ_MAX_COUNTERS];
	u64 *dst = block + sizeof(struct netstats_derived_hdr);
	unsigned int i;

	ASSERT_RTNL();

	if (!dev)
		return -EAGAIN;
	if (p->idx >= netstats_queue_count(dev, p->rx))
		return -ENOENT;
	dev->stat_ops->netstats_hwq_read(dev, p->rx, p->idx, vals);
	for (i = 0; i < p->n; i++)
		WRITE_ONCE(dst[i], vals[i]);
	return 0;
}

static const struct netstats_derived_ops netstats_hwq_derived = {
	.fill		= netstats_hwq_fill,
	.data_size	= sizeof(struct netstats_hwq_pull),
	.flags		= NETSTATS_DERIVED_RTNL,
};

static int netstats_hwq_pull_attach(struct netstats_reg *reg,
				    struct genl_info *info,
				    struct net_device *dev, bool rx,
				    unsigned int idx)
{
	const struct netdev_stat_ops *ops = dev->stat_ops;
	struct netstats_hwq_pull tmpl = {}, *p;
	struct netstats_counter_desc *c;
	bool created;

	c = netstats_hwq_counters(ops, rx, sizeof(struct netstats_derived_hdr),
				  &tmpl.n);
	if (!c)
		return -ENOMEM;
	tmpl.dev = dev;
	tmpl.idx = idx;
	tmpl.rx = rx;
	INIT_LIST_HEAD(&tmpl.node);
	p = netstats_derived_attach(reg, info, &netstats_hwq_derived, dev,
				    idx * 2 + rx, &tmpl, &created);
	if (IS_ERR(p)) {
		kfree(c);
		return PTR_ERR(p);
	}
	if (created)
		list_add(&p->node, &netstats_hwq_pulls);
	reg->counters = c;
	reg->n_counters = tmpl.n;
	return 0;
}

static struct netstats_hwq_push *
netstats_hwq_push_find(struct net_device *dev, bool rx, unsigned int idx)
{
	struct netstats_hwq_push *p;

	list_for_each_entry(p, &netstats_hwq_pushes, node)
		if (p->dev == dev && p->rx == rx && p->idx == idx)
			return p;
	return NULL;
}

/* The device writes every @ms: the shortest period of the registrations. */
static int netstats_hwq_push_arm(struct netstats_hwq_push *p, unsigned int ms)
{
	const struct netdev_stat_ops *ops = p->dev->stat_ops;
	int err;

	if (p->ms == ms)
		return 0;
	if (p->ms)
		ops->netstats_hwq_push_stop(p->dev, p->rx, p->idx);
	err = ops->netstats_hwq_push_start(p->dev, p->rx, p->idx,
					   page_address(p->page), ms);
	p->ms = err ? 0 : ms;
	return err;
}

static unsigned int netstats_hwq_push_period(struct netstats_hwq_push *p)
{
	struct netstats_hwq *h;
	unsigned int ms = 0;

	list_for_each_entry(h, &p->regs, node)
		if (!ms || h->ms < ms)
			ms = h->ms;
	return ms;
}

/* No registration left, or the queue goes: the device stops writing. */
static void netstats_hwq_push_free(struct netstats_hwq_push *p)
{
	if (p->ms)
		p->dev->stat_ops->netstats_hwq_push_stop(p->dev, p->rx, p->idx);
	list_del(&p->node);
	__free_page(p->page);
	kfree(p);
}

static int netstats_hwq_push_attach(struct netstats_reg *reg,
				    struct netstats_hwq *h)
{
	struct netstats_hwq_push *p;
	bool created = false;
	int err;

	p = netstats_hwq_push_find(h->dev, h->rx, h->idx);
	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
		if (!p)
			return -ENOMEM;
		p->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!p->page) {
			kfree(p);
			return -ENOMEM;
		}
		netstats_block_init(page_address(p->page));
		p->dev = h->dev;
		p->rx = h->rx;
		p->idx = h->idx;
		INIT_LIST_HEAD(&p->regs);
		list_add(&p->node, &netstats_hwq_pushes);
		created = true;
	}
	err = netstats_map_add(reg->map, &p->page, 1, &reg->pgoff);
	if (err)
		goto err_free;
	list_add(&h->node, &p->regs);
	err = netstats_hwq_push_arm(p, netstats_hwq_push_period(p));
	if (err) {
		list_del(&h->node);
		netstats_map_remove(reg->map, reg->pgoff, 1);
		if (!created)
			netstats_hwq_push_arm(p, netstats_hwq_push_period(p));
		goto err_free;
	}
	h->push = p;
	reg->npages = 1;
	return 0;

err_free:
	if (created)
		netstats_hwq_push_free(p);
	return err;
}

static int netstats_hwq_direct_attach(struct netstats_reg *reg,
				      struct netstats_hwq *h,
				      struct netlink_ext_ack *extack)
{
	const struct netdev_stat_ops *ops = h->dev->stat_ops;
	unsigned int offset, i, end = 0;
	unsigned long pfn;
	bool uncached;
	int err;

	err = ops->netstats_hwq_direct(h->dev, h->rx, h->idx, &pfn, &offset,
				       &uncached);
	if (err) {
		NL_SET_ERR_MSG(extack, "the driver has no counter page for the queue");
		return err;
	}
	for (i = 0; i < reg->n_counters; i++)
		end = max(end, h->counters[i].offset + 8);
	if (offset % sizeof(u64) || offset + end > 2 * PAGE_SIZE) {
		netdev_warn_once(h->dev,
				 "netstats: hwqueue counters outside their page\n");
		return -EINVAL;
	}
	/* Its last values are copied at death: from MMIO, by a mapping. */
	if (pfn_valid(pfn)) {
		h->src = pfn_to_page(pfn);
	} else {
		h->io = ioremap(PFN_PHYS(pfn), PAGE_SIZE);
		if (!h->io)
			return -ENOMEM;
	}
	h->hdr_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!h->hdr_page) {
		err = -ENOMEM;
		goto err_unmap;
	}
	netstats_block_init(page_address(h->hdr_page));
	err = netstats_map_add_pfn(reg->map, h->hdr_page, pfn, uncached,
				   &reg->pgoff);
	if (err) {
		__free_page(h->hdr_page);
		h->hdr_page = NULL;
		goto err_unmap;
	}
	for (i = 0; i < reg->n_counters; i++)
		h->counters[i].offset += offset;
	reg->npages = 2;
	reg->clear_flags = NETSTATS_GROUP_FLAGS_DERIVED;
	list_add(&h->node, &netstats_hwq_directs);
	return 0;

err_unmap:
	if (h->io)
		iounmap(h->io);
	h->io = NULL;
	return err;
}

/* collect-modes is QUERY's (netstats_hwq_put_modes()), not REGISTER's. */
static int netstats_hwq_refuse(struct nlattr **tb,
			       struct netlink_ext_ack *extack)
{
	if (tb[NETSTATS_A_QUEUE_COLLECT_MODES]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETSTATS_A_QUEUE_COLLECT_MODES],
				    "collect-modes is in QUERY replies only: use the collect option");
		return -EINVAL;
	}
	return 0;
}

static int netstats_hwq_attach(struct netstats_reg *reg,
			       struct genl_info *info, bool rx)
{
	struct nlattr *tb[NETSTATS_A_QUEUE_COLLECT_MODES + 1], *obj;
	const struct netdev_stat_ops *ops;
	struct netstats_hwq *h = NULL;
	unsigned int idx, nqueues, n;
	u64 collect, period_ms;
	struct net_device *dev;
	int err;

	err = netstats_queue_nest_parse(info, rx, tb,
					NETSTATS_A_QUEUE_COLLECT_MODES,
					netstats_hwq_refuse);
	if (err)
		return err;
	if (netstats_reg_option(reg, info, "collect", &collect) ||
	    netstats_reg_option(reg, info, "period-ms", &period_ms))
		return -EINVAL;
	idx = nla_get_u32(tb[NETSTATS_A_QUEUE_ID]);
	obj = tb[NETSTATS_A_QUEUE_IFINDEX];

	rtnl_lock();
	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(obj));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "no such device in this network namespace");
		err = -ENODEV;
		goto out_unlock;
	}
	ops = netstats_hwq_ops(dev);
	if (!ops) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "the device's driver publishes no per-queue hardware counters");
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (!(ops->netstats_hwq_modes(dev) & BIT(collect))) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack,
					info->attrs[NETSTATS_A_REGISTRATION_COLLECT],
					"the device's driver does not support collect=%s (QUERY's collect-modes)",
					collect == NETSTATS_COLLECT_PULL ? "pull" :
					collect == NETSTATS_COLLECT_PUSH ? "push" :
					"direct");
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	nqueues = netstats_queue_count(dev, rx);
	if (idx >= nqueues) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, tb[NETSTATS_A_QUEUE_ID],
					"the device has %u %s queues",
					nqueues, rx ? "rx" : "tx");
		err = -ENOENT;
		goto out_unlock;
	}
	n = rx ? ops->netstats_n_hwq_rx_counters :
		 ops->netstats_n_hwq_tx_counters;
	if (WARN_ON_ONCE(!n || n > NETSTATS_HWQ_MAX_COUNTERS)) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (collect == NETSTATS_COLLECT_PULL) {
		err = netstats_hwq_pull_attach(reg, info, dev, rx, idx);
		goto out_unlock;
	}

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		err = -ENOMEM;
		goto out_unlock;
	}
	INIT_LIST_HEAD(&h->node);
	h->reg = reg;
	h->dev = dev;
	h->rx = rx;
	h->idx = idx;
	h->ms = period_ms;
	h->counters = netstats_hwq_counters(ops, rx,
					    collect == NETSTATS_COLLECT_PUSH ?
					    sizeof(struct netstats_derived_hdr) :
					    PAGE_SIZE, &n);
	if (!h->counters) {
		err = -ENOMEM;
		goto out_unlock;
	}
	reg->counters = h->counters;
	reg->n_counters = n;
	reg->block_offset = 0;
	if (collect == NETSTATS_COLLECT_PUSH)
		err = netstats_hwq_push_attach(reg, h);
	else
		err = netstats_hwq_direct_attach(reg, h, info->extack);
	if (!err) {
		list_add(&h->all, &netstats_hwq_regs);
		reg->priv = h;
		h = NULL;
	} else {
		reg->counters = NULL;
	}

out_unlock:
	rtnl_unlock();
	if (h) {
		kfree(h->counters);
		kfree(h);
	}
	return err;
}

static int netstats_hwq_rx_attach(struct netstats_reg *reg,
				  struct genl_info *info)
{
	return netstats_hwq_attach(reg, info, true);
}

static int netstats_hwq_tx_attach(struct netstats_reg *reg,
				  struct genl_info *info)
{
	return netstats_hwq_attach(reg, info, false);
}

/* A push or direct registration of @reg, if it is one (else a pull). */
static struct netstats_hwq *netstats_hwq_find(struct netstats_reg *reg)
{
	struct netstats_hwq *h;

	list_for_each_entry(h, &netstats_hwq_regs, all)
		if (h->reg == reg)
			return h;
	return NULL;
}

static void netstats_hwq_detach(struct netstats_reg *reg)
{
	const struct netstats_counter_desc *counters = reg->counters;
	struct netstats_hwq_pull *pull;
	struct netstats_hwq_push *p;
	struct netstats_hwq *h;

	rtnl_lock();
	h = netstats_hwq_find(reg);
	if (h) {
		/* No mapping of the pages left before they may be freed. */
		netstats_map_remove(reg->map, reg->pgoff, reg->npages);
		list_del(&h->all);
		p = h->push;
		list_del(&h->node);
		if (p && list_empty(&p->regs))
			netstats_hwq_push_free(p);
		else if (p)
			netstats_hwq_push_arm(p, netstats_hwq_push_period(p));
		rtnl_unlock();
		if (h->hdr_page)
			__free_page(h->hdr_page);
		if (h->io)
			iounmap(h->io);
		kfree(h);
		kfree(counters);
		return;
	}
	/* pull: the block's last registration forgets it */
	pull = netstats_derived_put(reg);
	if (pull)
		list_del(&pull->node);
	rtnl_unlock();
	if (pull)
		netstats_derived_free(pull);
	kfree(counters);
}

/* The copies of a dead registration's pages: the header marked DEAD; the
 * device's page (direct) copied here, one load per counter.
 */
static void netstats_hwq_mark_dead(void *page_addr, unsigned int idx,
				   void *arg)
{
	struct netstats_block_hdr *hdr = page_addr;
	struct netstats_hwq *h = arg;
	u64 *dst = page_addr;
	const u64 *src;
	unsigned int i;

	if (!idx) {
		netstats_block_next(hdr);
		hdr->state = NETSTATS_BLOCK_DEAD;
		return;
	}
	if (h->io) {
		memcpy_fromio(page_addr, h->io, PAGE_SIZE);
		return;
	}
	src = kmap_local_page(h->src);
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
		dst[i] = READ_ONCE(src[i]);
	kunmap_local(src);
}

/* A push or direct registration's queue went: keep the final values. */
static void netstats_hwq_reg_kill(struct netstats_hwq *h)
{
	struct netstats_reg *reg = h->reg;

	netstats_map_snapshot(reg->map, reg->pgoff, reg->npages,
			      netstats_hwq_mark_dead, h);
	reg->dead = true;
	netstats_notify_dead(reg);
	h->dev = NULL;
	h->push = NULL;
	list_del_init(&h->node);
}

/* Kill the blocks of @dev's queues from @rx_from (rx), @tx_from (tx) on. */
static void netstats_hwq_kill(struct net_device *dev, unsigned int rx_from,
			      unsigned int tx_from)
{
	struct netstats_hwq_pull *pull, *ptmp;
	struct netstats_hwq_push *p, *tmp;
	struct netstats_hwq *h, *htmp;

	ASSERT_RTNL();

	list_for_each_entry_safe(p, tmp, &netstats_hwq_pushes, node) {
		if (p->dev != dev || p->idx < (p->rx ? rx_from : tx_from))
			continue;
		/* The device's last write is complete and none follows. */
		if (p->ms)
			dev->stat_ops->netstats_hwq_push_stop(dev, p->rx, p->idx);
		p->ms = 0;
		list_for_each_entry_safe(h, htmp, &p->regs, node)
			netstats_hwq_reg_kill(h);
		netstats_hwq_push_free(p);
	}
	list_for_each_entry_safe(h, htmp, &netstats_hwq_directs, node)
		if (h->dev == dev && h->idx >= (h->rx ? rx_from : tx_from))
			netstats_hwq_reg_kill(h);
	list_for_each_entry_safe(pull, ptmp, &netstats_hwq_pulls, node) {
		if (pull->dev != dev ||
		    pull->idx < (pull->rx ? rx_from : tx_from))
			continue;
		/* Its queue may be gone already: the last update stands. */
		netstats_derived_kill(pull, false);
		pull->dev = NULL;
		list_del_init(&pull->node);
	}
}

/**
 * netstats_dev_hwqueues_changed() - a driver that publishes per-queue
 *	hardware counters changed its number of queues
 * @dev: the device
 *
 * The "hwqueue" blocks of queues that no longer exist turn DEAD now, with
 * their last values; a pushing device is stopped first.
 * Context: RTNL held.
 */
void netstats_dev_hwqueues_changed(struct net_device *dev)
{
	netstats_hwq_kill(dev, dev->real_num_rx_queues,
			  dev->real_num_tx_queues);
}
EXPORT_SYMBOL_GPL(netstats_dev_hwqueues_changed);

static int netstats_hwq_netdev_event(struct notifier_block *nb,
				     unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER)
		netstats_hwq_kill(dev, 0, 0);
	return NOTIFY_DONE;
}

static struct notifier_block netstats_hwq_nb = {
	.notifier_call	= netstats_hwq_netdev_event,
};

/* QUERY: every queue of the netns whose driver publishes hardware
 * counters, with the collect modes it supports.
 */
static bool netstats_hwq_has(struct net_device *dev, bool rx)
{
	return !!netstats_hwq_ops(dev);
}

static int netstats_hwq_put_modes(struct sk_buff *rsp, struct net_device *dev)
{
	return nla_put_u32(rsp, NETSTATS_A_QUEUE_COLLECT_MODES,
			   dev->stat_ops->netstats_hwq_modes(dev));
}

static int netstats_hwq_rx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_list(rsp, net, true, netstats_hwq_has,
				   netstats_hwq_put_modes);
}

static int netstats_hwq_tx_instances(struct sk_buff *rsp, struct net *net)
{
	return netstats_queue_list(rsp, net, false, netstats_hwq_has,
				   netstats_hwq_put_modes);
}

static const struct netstats_option_desc netstats_hwq_options[] = {
	NETSTATS_OPTION("period-ms", 100, 3600000, 1000,
			"Period in ms of pull and push (push: a queue's shortest)"),
	NETSTATS_OPTION("collect", NETSTATS_COLLECT_PULL,
			NETSTATS_COLLECT_DIRECT, NETSTATS_COLLECT_PULL,
			"0 pull: by a timer, 1 push: by the device, 2 direct: its page"),
};

static const struct netstats_group_ops netstats_hwq_rx_ops = {
	.attach		= netstats_hwq_rx_attach,
	.detach		= netstats_hwq_detach,
	.instances	= netstats_hwq_rx_instances,
};

static const struct netstats_group_ops netstats_hwq_tx_ops = {
	.attach		= netstats_hwq_tx_attach,
	.detach		= netstats_hwq_detach,
	.instances	= netstats_hwq_tx_instances,
};

static struct netstats_group netstats_hwq_rx_group = {
	.name		= NETSTATS_GROUP_HWQUEUE_RX,
	.doc		= "Hardware counters of one rx queue: pulled, pushed or mapped",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.options	= netstats_hwq_options,
	.n_options	= ARRAY_SIZE(netstats_hwq_options),
	.ops		= &netstats_hwq_rx_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_QUEUE,
	.dev_counters	= true,
};

static struct netstats_group netstats_hwq_tx_group = {
	.name		= NETSTATS_GROUP_HWQUEUE_TX,
	.doc		= "Hardware counters of one tx queue: pulled, pushed or mapped",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.options	= netstats_hwq_options,
	.n_options	= ARRAY_SIZE(netstats_hwq_options),
	.ops		= &netstats_hwq_tx_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_QUEUE,
	.dev_counters	= true,
};

static int __init netstats_hwq_init(void)
{
	int err;

	err = register_netdevice_notifier(&netstats_hwq_nb);
	if (err)
		return err;
	err = netstats_group_add(&netstats_hwq_rx_group);
	if (err)
		goto err_nb;
	err = netstats_group_add(&netstats_hwq_tx_group);
	if (err)
		goto err_rx;
	return 0;

err_rx:
	netstats_group_del(&netstats_hwq_rx_group);
err_nb:
	unregister_netdevice_notifier(&netstats_hwq_nb);
	return err;
}
device_initcall(netstats_hwq_init);
