// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "hw" group: the device-level hardware counters of a device
 * whose driver publishes them (the netstats_hw_* members of its
 * netdev_stat_ops).
 *
 * Hardware counters are registers the driver reads, often clear-on-read,
 * and accumulates into memory of its own from a periodic update (and
 * whenever someone asks for statistics).  Reading them a second time
 * would steal counts from the driver, so the driver publishes: while a
 * device has registrations, the driver copies its accumulated counters
 * into one page at the end of each of its updates, under its stats lock,
 * in a derived block (sequence count, timestamp).  The page, allocated
 * here, is shared by every registration of the device: the driver's cost
 * does not depend on the number of readers.  Option timer-ms asks the
 * driver for updates of its own every so often, on top of its periodic
 * one.
 *
 * Counters depend on the driver: the REGISTER reply lists them.  No
 * reference is held on the device: when it is unregistered (deleted, or
 * moved to another netns) the driver stops publishing, then each
 * registration moves to a snapshot of the last published values, marked
 * DEAD, and is announced.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netdev_queues.h>
#include <net/netstats.h>

/* Shortest timer-ms: a register read per period, by anyone in the netns. */
#define NETSTATS_HW_TIMER_MIN_MS	100

/**
 * struct netstats_hw_dev - a device whose hardware counters are registered
 * @node: entry in netstats_hw_devs
 * @dev: the device
 * @page: the block, shared by @regs; the driver writes it until its stop
 * @regs: the registrations (struct netstats_hw::node)
 */
struct netstats_hw_dev {
	struct list_head node;
	struct net_device *dev;
	struct page *page;
	struct list_head regs;
};

/**
 * struct netstats_hw - a registration of a device's hardware counters
 * @node: entry in the device's netstats_hw_dev::regs
 * @reg: the registration
 * @hd: the device; NULL once it was unregistered
 * @counters: the counters as the driver named them when registering (the
 *	REGISTER reply must not read the driver's memory once RTNL is gone)
 * @timer_ms: the timer-ms option of the registration
 */
struct netstats_hw {
	struct list_head node;
	struct netstats_reg *reg;
	struct netstats_hw_dev *hd;
	struct netstats_counter_desc *counters;
	unsigned int timer_ms;
};

/* Under RTNL. */
static LIST_HEAD(netstats_hw_devs);

/* The driver publishes the device's hardware counters. */
static const struct netdev_stat_ops *netstats_hw_ops(struct net_device *dev)
{
	const struct netdev_stat_ops *ops = dev->stat_ops;

	return ops && ops->netstats_hw_start ? ops : NULL;
}

static struct netstats_hw_dev *netstats_hw_dev_find(struct net_device *dev)
{
	struct netstats_hw_dev *hd;

	list_for_each_entry(hd, &netstats_hw_devs, node)
		if (hd->dev == dev)
			return hd;
	return NULL;
}

/* The device's first registration: the driver starts publishing. */
static struct netstats_hw_dev *netstats_hw_dev_get(struct net_device *dev)
{
	struct netstats_derived_hdr *hdr;
	struct netstats_hw_dev *hd;
	int err;

	ASSERT_RTNL();

	hd = netstats_hw_dev_find(dev);
	if (hd)
		return hd;
	hd = kzalloc(sizeof(*hd), GFP_KERNEL_ACCOUNT);
	if (!hd)
		return ERR_PTR(-ENOMEM);
	hd->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!hd->page) {
		kfree(hd);
		return ERR_PTR(-ENOMEM);
	}
	hdr = page_address(hd->page);
	hdr->hdr.generation = 2;
	hdr->hdr.state = NETSTATS_BLOCK_LIVE;
	err = dev->stat_ops->netstats_hw_start(dev, hdr);
	if (err) {
		__free_page(hd->page);
		kfree(hd);
		return ERR_PTR(err);
	}
	hd->dev = dev;
	INIT_LIST_HEAD(&hd->regs);
	list_add(&hd->node, &netstats_hw_devs);
	return hd;
}

/* No registration left, or the device goes: the driver stops writing. */
static void netstats_hw_dev_stop(struct netstats_hw_dev *hd)
{
	ASSERT_RTNL();

	hd->dev->stat_ops->netstats_hw_stop(hd->dev);
	list_del(&hd->node);
}

static void netstats_hw_dev_free(struct netstats_hw_dev *hd)
{
	__free_page(hd->page);
	kfree(hd);
}

/* The device's registrations changed: the shortest timer-ms asked for. */
static void netstats_hw_retime(struct netstats_hw_dev *hd)
{
	unsigned int ms = 0;
	struct netstats_hw *h;

	ASSERT_RTNL();

	list_for_each_entry(h, &hd->regs, node)
		if (h->timer_ms && (!ms || h->timer_ms < ms))
			ms = h->timer_ms;
	hd->dev->stat_ops->netstats_hw_set_timer(hd->dev, ms);
}

static int netstats_hw_attach(struct netstats_reg *reg, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[NETSTATS_A_REGISTRATION_DEV];
	struct nlattr *tb[NETSTATS_A_DEV_IFINDEX + 1], *obj;
	const struct netdev_stat_ops *ops;
	struct netstats_hw_dev *hd;
	struct net_device *dev;
	struct netstats_hw *h;
	u64 timer_ms;
	int err;

	/* The core checked the nest is there, the policy its contents. */
	err = nla_parse_nested(tb, NETSTATS_A_DEV_IFINDEX, nest, NULL,
			       info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, NETSTATS_A_DEV_IFINDEX)) {
		NL_SET_ERR_MSG(info->extack, "hw needs the device's ifindex");
		return -EINVAL;
	}
	obj = tb[NETSTATS_A_DEV_IFINDEX];
	if (netstats_reg_option(reg, info, "timer-ms", &timer_ms))
		return -EINVAL;
	if (timer_ms && timer_ms < NETSTATS_HW_TIMER_MIN_MS) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack,
					info->attrs[NETSTATS_A_REGISTRATION_TIMER_MS],
					"timer-ms is 0 (off) or at least %u",
					NETSTATS_HW_TIMER_MIN_MS);
		return -EINVAL;
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	h->reg = reg;
	h->timer_ms = timer_ms;
	INIT_LIST_HEAD(&h->node);

	rtnl_lock();
	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(obj));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "no such device in this network namespace");
		err = -ENODEV;
		goto err_unlock;
	}
	ops = netstats_hw_ops(dev);
	if (!ops) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj,
				    "the device's driver publishes no hardware counters");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	h->counters = netstats_counters_dup(ops->netstats_hw_counters,
					    ops->netstats_n_hw_counters);
	if (!h->counters) {
		err = -ENOMEM;
		goto err_unlock;
	}
	hd = netstats_hw_dev_get(dev);
	if (IS_ERR(hd)) {
		err = PTR_ERR(hd);
		goto err_unlock;
	}
	err = netstats_map_add(reg->map, &hd->page, 1, &reg->pgoff);
	if (err) {
		if (list_empty(&hd->regs)) {
			netstats_hw_dev_stop(hd);
			netstats_hw_dev_free(hd);
		}
		goto err_unlock;
	}
	reg->npages = 1;
	reg->block_offset = 0;
	reg->counters = h->counters;
	reg->n_counters = ops->netstats_n_hw_counters;
	h->hd = hd;
	list_add(&h->node, &hd->regs);
	netstats_hw_retime(hd);
	reg->priv = h;
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
	kfree(h->counters);
	kfree(h);
	return err;
}

static void netstats_hw_detach(struct netstats_reg *reg)
{
	struct netstats_hw *h = reg->priv;
	struct netstats_hw_dev *hd;

	rtnl_lock();
	/* No mapping of the page left before it may be freed. */
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	hd = h->hd;
	if (hd) {
		list_del(&h->node);
		if (list_empty(&hd->regs)) {
			netstats_hw_dev_stop(hd);
			netstats_hw_dev_free(hd);
		} else {
			netstats_hw_retime(hd);
		}
	}
	rtnl_unlock();
	kfree(h->counters);
	kfree(h);
}

static void netstats_hw_mark_dead(void *page_addr, unsigned int idx, void *arg)
{
	struct netstats_derived_hdr *hdr = page_addr;

	netstats_block_next(&hdr->hdr);
	hdr->hdr.state = NETSTATS_BLOCK_DEAD;
}

static int netstats_hw_netdev_event(struct notifier_block *nb,
				    unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netstats_hw_dev *hd;
	struct netstats_hw *h, *tmp;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	hd = netstats_hw_dev_find(dev);
	if (!hd)
		return NOTIFY_DONE;

	/* The driver's last update is complete and there is none after. */
	netstats_hw_dev_stop(hd);
	list_for_each_entry_safe(h, tmp, &hd->regs, node) {
		netstats_map_snapshot(h->reg->map, h->reg->pgoff,
				      h->reg->npages, netstats_hw_mark_dead,
				      NULL);
		h->reg->dead = true;
		netstats_notify_dead(h->reg);
		h->hd = NULL;
		list_del_init(&h->node);
	}
	netstats_hw_dev_free(hd);
	return NOTIFY_DONE;
}

static struct notifier_block netstats_hw_nb = {
	.notifier_call	= netstats_hw_netdev_event,
};

static const struct netstats_option_desc netstats_hw_options[] = {
	NETSTATS_OPTION("timer-ms", 0, 60000, 0,
			"0: the driver's own updates; N >= 100: also one every N ms"),
};

/* QUERY: the devices of the netns whose driver publishes counters, as
 * the dev nests REGISTER takes.
 */
static int netstats_hw_instances(struct sk_buff *rsp, struct net *net)
{
	struct net_device *dev;
	struct nlattr *nest;
	int err = 0;

	rtnl_lock();
	for_each_netdev(net, dev) {
		if (!netstats_hw_ops(dev))
			continue;
		nest = nla_nest_start(rsp, NETSTATS_A_GROUP_DEV);
		if (!nest ||
		    nla_put_u32(rsp, NETSTATS_A_DEV_IFINDEX, dev->ifindex)) {
			err = -EMSGSIZE;
			break;
		}
		nla_nest_end(rsp, nest);
	}
	rtnl_unlock();
	return err;
}

static const struct netstats_group_ops netstats_hw_group_ops = {
	.attach		= netstats_hw_attach,
	.detach		= netstats_hw_detach,
	.instances	= netstats_hw_instances,
};

static struct netstats_group netstats_hw_group = {
	.name		= NETSTATS_GROUP_HW,
	.doc		= "Hardware counters of a device, published by its driver",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.options	= netstats_hw_options,
	.n_options	= ARRAY_SIZE(netstats_hw_options),
	.ops		= &netstats_hw_group_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_DEV,
	.dev_counters	= true,
};

static int __init netstats_hw_init(void)
{
	int err;

	err = register_netdevice_notifier(&netstats_hw_nb);
	if (err)
		return err;
	err = netstats_group_add(&netstats_hw_group);
	if (err)
		unregister_netdevice_notifier(&netstats_hw_nb);
	return err;
}
device_initcall(netstats_hw_init);
