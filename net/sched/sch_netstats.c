// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "qdisc" group: the statistics of one qdisc, as tc -s shows
 * them, in a derived block.
 *
 * A qdisc keeps its statistics in struct Qdisc, next to its lock, and
 * every qdisc updates them in place (sch->qstats.backlog, ...): mapping
 * them directly would put a pointer load on every enqueue and dequeue of
 * every qdisc.  The group is derived instead: every period-ms a work item
 * folds them as tc_fill_qdisc() does (per-CPU copies of lockless qdiscs
 * summed, the children of mq and mqprio roots summed as their dump does)
 * and publishes one consistent set under the block's sequence counter.
 *
 * The registrations of one qdisc with one period share a block.  They
 * hold no reference: __qdisc_destroy() calls netstats_qdisc_destroy(),
 * which publishes the final values, marks the block DEAD and announces
 * it.  qdiscs are freed after an RCU grace period, so the update reads
 * the qdisc under rcu_read_lock().
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/gen_stats.h>
#include <net/genetlink.h>
#include <net/netstats.h>
#include <net/pkt_sched.h>
#include <net/sch_generic.h>

/**
 * struct netstats_qdisc_block - the derived block of a qdisc
 * @hdr: derived block header
 * @bytes: bytes sent
 * @packets: packets sent
 * @drops: packets dropped
 * @requeues: packets requeued
 * @overlimits: enqueues over a limit (shaping, policing)
 * @qlen: packets queued now
 * @backlog: bytes queued now
 */
struct netstats_qdisc_block {
	struct netstats_derived_hdr hdr;
	u64 bytes;
	u64 packets;
	u32 drops;
	u32 requeues;
	u32 overlimits;
	u32 qlen;
	u32 backlog;
};

/**
 * struct netstats_qdisc - the producer's data of a qdisc's derived block
 * @node: entry in netstats_qdisc_blocks
 * @q: the qdisc; NULL once destroyed
 * @gone_b: of an mq or mqprio root, what its children destroyed so far
 *	sent
 * @gone_q: ... and dropped, requeued, overlimited (not their queues)
 */
struct netstats_qdisc {
	struct list_head node;
	struct Qdisc __rcu *q;
	struct gnet_stats_basic_sync gone_b;
	struct gnet_stats_queue gone_q;
};

/* Under RTNL, like qdiscs die. */
static LIST_HEAD(netstats_qdisc_blocks);

/* One child of an mq or mqprio root, as their dump folds it. */
static void netstats_qdisc_child(struct Qdisc *qdisc,
				 struct gnet_stats_basic_sync *b,
				 struct gnet_stats_queue *qs, u32 *qlen)
{
	spin_lock_bh(qdisc_lock(qdisc));
	gnet_stats_add_basic(b, qdisc->cpu_bstats, &qdisc->bstats, false);
	gnet_stats_add_queue(qs, qdisc->cpu_qstats, &qdisc->qstats);
	*qlen += qdisc_qlen(qdisc);
	spin_unlock_bh(qdisc_lock(qdisc));
}

/*
 * What mq_dump() and mqprio_dump() fold into their root: the qdiscs of
 * the device's tx queues.  Plus what children destroyed meanwhile sent,
 * so that the counters never go back (tc's sum forgets a replaced
 * child), and a deleted root, whose children go first, keeps its total.
 */
static void netstats_qdisc_mqroot(struct netstats_qdisc *nq, struct Qdisc *sch,
				  struct gnet_stats_basic_sync *b,
				  struct gnet_stats_queue *qs, u32 *qlen)
{
	struct net_device *dev = qdisc_dev(sch);
	struct Qdisc *qdisc;
	unsigned int ntx;

	for (ntx = 0; ntx < dev->num_tx_queues; ntx++) {
		qdisc = rcu_dereference(netdev_get_tx_queue(dev, ntx)->qdisc_sleeping);
		if (qdisc)
			netstats_qdisc_child(qdisc, b, qs, qlen);
	}
	gnet_stats_add_basic(b, NULL, &nq->gone_b, false);
	gnet_stats_add_queue(qs, NULL, &nq->gone_q);
}

static int netstats_qdisc_fill(void *data, void *block)
{
	struct netstats_qdisc_block *blk = block;
	struct netstats_qdisc *nq = data;
	struct gnet_stats_basic_sync b;
	struct gnet_stats_queue qs = {};
	struct Qdisc *q;
	u32 qlen = 0;

	gnet_stats_basic_sync_init(&b);
	rcu_read_lock();
	/* NULL: destroyed (a dead block is not updated) */
	q = rcu_dereference(nq->q);
	if (!q) {
		rcu_read_unlock();
		return -EAGAIN;
	}
	/* As tc_fill_qdisc() reads them. */
	if (q->flags & TCQ_F_MQROOT) {
		netstats_qdisc_mqroot(nq, q, &b, &qs, &qlen);
	} else {
		bool percpu = qdisc_is_percpu_stats(q);

		gnet_stats_add_basic(&b, percpu ? q->cpu_bstats : NULL,
				     &q->bstats, true);
		gnet_stats_add_queue(&qs, percpu ? q->cpu_qstats : NULL,
				     &q->qstats);
		qlen = qdisc_qlen_sum(q);
	}
	rcu_read_unlock();

	WRITE_ONCE(blk->bytes, u64_stats_read(&b.bytes));
	WRITE_ONCE(blk->packets, u64_stats_read(&b.packets));
	WRITE_ONCE(blk->drops, qs.drops);
	WRITE_ONCE(blk->requeues, qs.requeues);
	WRITE_ONCE(blk->overlimits, qs.overlimits);
	WRITE_ONCE(blk->qlen, qlen);
	WRITE_ONCE(blk->backlog, qs.backlog);
	return 0;
}

/**
 * netstats_qdisc_destroy() - a qdisc is destroyed
 * @qdisc: the qdisc, from __qdisc_destroy() under RTNL, still intact
 */
void netstats_qdisc_destroy(struct Qdisc *qdisc)
{
	struct netstats_qdisc *nq, *tmp;

	ASSERT_RTNL();

	list_for_each_entry_safe(nq, tmp, &netstats_qdisc_blocks, node) {
		struct Qdisc *q = rtnl_dereference(nq->q);

		if (q != qdisc && (q->flags & TCQ_F_MQROOT) &&
		    qdisc_dev(q) == qdisc_dev(qdisc) &&
		    TC_H_MAJ(qdisc->parent) == TC_H_MAJ(q->handle)) {
			struct gnet_stats_queue qs = {};
			u32 qlen = 0;

			/* A child of a registered mq root: keep its counts
			 * (the update reads gone_* under the derived lock).
			 */
			netstats_derived_lock();
			netstats_qdisc_child(qdisc, &nq->gone_b, &qs, &qlen);
			nq->gone_q.drops += qs.drops;
			nq->gone_q.requeues += qs.requeues;
			nq->gone_q.overlimits += qs.overlimits;
			netstats_derived_unlock();
			continue;
		}
		if (q != qdisc)
			continue;
		netstats_derived_kill(nq, true);
		RCU_INIT_POINTER(nq->q, NULL);
		list_del_init(&nq->node);
	}
}

/* The qdisc of a class, as tc qdisc show ... parent finds it. */
static struct Qdisc *netstats_qdisc_leaf(struct net_device *dev, u32 parent)
{
	const struct Qdisc_class_ops *cops;
	struct Qdisc *p;
	unsigned long cl;

	if (parent == TC_H_ROOT)
		return rtnl_dereference(dev->qdisc);
	p = qdisc_lookup(dev, TC_H_MAJ(parent));
	cops = p ? p->ops->cl_ops : NULL;
	if (!cops)
		return NULL;
	cl = cops->find(p, parent);
	return cl ? cops->leaf(p, cl) : NULL;
}

/* The qdisc the qdisc nest names: by handle, or by parent. */
static struct Qdisc *netstats_qdisc_lookup(struct net *net,
					   struct nlattr *nest,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETSTATS_A_QDISC_PARENT + 1], *by;
	struct net_device *dev;
	struct Qdisc *q;
	int err;

	ASSERT_RTNL();

	/* The core checked the nest is there, the policy its contents. */
	err = nla_parse_nested(tb, NETSTATS_A_QDISC_PARENT, nest, NULL, extack);
	if (err)
		return ERR_PTR(err);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NETSTATS_A_QDISC_IFINDEX)) {
		NL_SET_ERR_MSG(extack, "qdisc needs the device's ifindex");
		return ERR_PTR(-EINVAL);
	}
	if (tb[NETSTATS_A_QDISC_HANDLE] && tb[NETSTATS_A_QDISC_PARENT]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETSTATS_A_QDISC_PARENT],
				    "qdisc is named by its handle or its parent, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!tb[NETSTATS_A_QDISC_HANDLE] && !tb[NETSTATS_A_QDISC_PARENT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "qdisc needs its handle or its parent");
		return ERR_PTR(-EINVAL);
	}
	dev = __dev_get_by_index(net, nla_get_u32(tb[NETSTATS_A_QDISC_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETSTATS_A_QDISC_IFINDEX],
				    "no such device in this network namespace");
		return ERR_PTR(-ENODEV);
	}
	by = tb[NETSTATS_A_QDISC_HANDLE];
	if (by) {
		q = qdisc_lookup(dev, nla_get_u32(by));
	} else {
		by = tb[NETSTATS_A_QDISC_PARENT];
		q = netstats_qdisc_leaf(dev, nla_get_u32(by));
	}
	if (!q || (q->flags & TCQ_F_BUILTIN)) {
		NL_SET_ERR_MSG_ATTR(extack, by,
				    "no qdisc with statistics there");
		return ERR_PTR(-ENOENT);
	}
	return q;
}

static const struct netstats_derived_ops netstats_qdisc_derived = {
	.fill		= netstats_qdisc_fill,
	.data_size	= sizeof(struct netstats_qdisc),
};

static int netstats_qdisc_attach(struct netstats_reg *reg,
				 struct genl_info *info)
{
	struct netstats_qdisc tmpl = {}, *nq;
	struct Qdisc *q;
	bool created;
	int err = 0;

	gnet_stats_basic_sync_init(&tmpl.gone_b);

	rtnl_lock();
	q = netstats_qdisc_lookup(genl_info_net(info),
				  info->attrs[NETSTATS_A_REGISTRATION_QDISC],
				  info->extack);
	if (IS_ERR(q)) {
		err = PTR_ERR(q);
		goto unlock;
	}
	RCU_INIT_POINTER(tmpl.q, q);
	nq = netstats_derived_attach(reg, info, &netstats_qdisc_derived, q, 0,
				     &tmpl, &created);
	if (IS_ERR(nq))
		err = PTR_ERR(nq);
	else if (created)
		list_add(&nq->node, &netstats_qdisc_blocks);
unlock:
	rtnl_unlock();
	return err;
}

static void netstats_qdisc_detach(struct netstats_reg *reg)
{
	struct netstats_qdisc *nq;

	rtnl_lock();
	nq = netstats_derived_put(reg);
	/* The last registration: out of the list the qdisc may die unseen. */
	if (nq)
		list_del(&nq->node);
	rtnl_unlock();
	if (nq)
		netstats_derived_free(nq);
}

#define QDISC_COUNTER(_name, _type, _flags, _doc) {			\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = offsetof(struct netstats_qdisc_block, _name),	\
	.type = NETSTATS_COUNTER_TYPE_ ## _type,			\
	.flags = _flags,						\
}

static const struct netstats_counter_desc netstats_qdisc_counters[] = {
	QDISC_COUNTER(bytes, U64, 0, "Bytes sent"),
	QDISC_COUNTER(packets, U64, 0, "Packets sent"),
	QDISC_COUNTER(drops, U32, 0, "Packets dropped"),
	QDISC_COUNTER(requeues, U32, 0, "Packets requeued"),
	QDISC_COUNTER(overlimits, U32, 0, "Enqueues over a limit"),
	QDISC_COUNTER(qlen, U32, NETSTATS_COUNTER_FLAGS_GAUGE, "Packets queued"),
	QDISC_COUNTER(backlog, U32, NETSTATS_COUNTER_FLAGS_GAUGE, "Bytes queued"),
};

static const struct netstats_option_desc netstats_qdisc_options[] = {
	NETSTATS_OPTION("period-ms", 10, 3600000, 1000,
			"Update period of the derived block, in milliseconds"),
};

static const struct netstats_group_ops netstats_qdisc_ops = {
	.attach	= netstats_qdisc_attach,
	.detach	= netstats_qdisc_detach,
};

static struct netstats_group netstats_qdisc_group = {
	.name		= "qdisc",
	.doc		= "Statistics of one qdisc, as tc -s qdisc shows them (derived)",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.counters	= netstats_qdisc_counters,
	.n_counters	= ARRAY_SIZE(netstats_qdisc_counters),
	.options	= netstats_qdisc_options,
	.n_options	= ARRAY_SIZE(netstats_qdisc_options),
	.ops		= &netstats_qdisc_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_QDISC,
};

static int __init netstats_qdisc_init(void)
{
	return netstats_group_add(&netstats_qdisc_group);
}
device_initcall(netstats_qdisc_init);
