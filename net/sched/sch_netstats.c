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

/* "<dev>/<handle>": handle as tc prints it ("8001:", "1:0"), or "root". */
static struct Qdisc *netstats_qdisc_lookup(struct net *net, char *name,
					   struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	char *slash, *colon;
	u32 maj, min = 0;
	struct Qdisc *q;

	ASSERT_RTNL();

	slash = strrchr(name, '/');
	if (!slash || slash == name) {
		NL_SET_ERR_MSG(extack, "object is not <device>/<handle>");
		return ERR_PTR(-EINVAL);
	}
	*slash = '\0';
	dev = __dev_get_by_name(net, name);
	*slash = '/';
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device in this network namespace");
		return ERR_PTR(-ENODEV);
	}

	if (!strcmp(slash + 1, "root")) {
		q = rtnl_dereference(dev->qdisc);
	} else {
		colon = strchr(slash + 1, ':');
		if (!colon || colon == slash + 1) {
			NL_SET_ERR_MSG(extack,
				       "handle is not <major>:[<minor>] in hex, or root");
			return ERR_PTR(-EINVAL);
		}
		*colon = '\0';
		if (kstrtou32(slash + 1, 16, &maj) || maj > 0xffff ||
		    (colon[1] && (kstrtou32(colon + 1, 16, &min) ||
				  min > 0xffff))) {
			*colon = ':';
			NL_SET_ERR_MSG(extack,
				       "handle is not <major>:[<minor>] in hex, or root");
			return ERR_PTR(-EINVAL);
		}
		*colon = ':';
		q = qdisc_lookup(dev, TC_H_MAKE(maj << 16, min));
	}
	if (!q || (q->flags & TCQ_F_BUILTIN)) {
		NL_SET_ERR_MSG(extack, "no qdisc with statistics at this handle");
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
	struct nlattr *obj = info->attrs[NETSTATS_A_REGISTRATION_OBJECT];
	struct netstats_qdisc tmpl = {}, *nq;
	char name[IFNAMSIZ + 16];
	struct Qdisc *q;
	bool created;
	int err = 0;

	if (!obj) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     NETSTATS_A_REGISTRATION_OBJECT);
		NL_SET_ERR_MSG(info->extack,
			       "qdisc needs <device>/<handle> as object");
		return -EINVAL;
	}
	if (nla_strscpy(name, obj, sizeof(name)) < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, obj, "object name too long");
		return -EINVAL;
	}
	gnet_stats_basic_sync_init(&tmpl.gone_b);

	rtnl_lock();
	q = netstats_qdisc_lookup(genl_info_net(info), name, info->extack);
	if (IS_ERR(q)) {
		err = PTR_ERR(q);
		goto unlock;
	}
	RCU_INIT_POINTER(tmpl.q, q);
	nq = netstats_derived_attach(reg, info, &netstats_qdisc_derived, q, 0,
				     &tmpl, name, &created);
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
	{
		.name	= "period-ms",
		.doc	= "Update period of the derived block, in milliseconds",
		.min	= 10,
		.max	= 3600000,
		.def	= 1000,
	},
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
};

static int __init netstats_qdisc_init(void)
{
	return netstats_group_add(&netstats_qdisc_group);
}
device_initcall(netstats_qdisc_init);
