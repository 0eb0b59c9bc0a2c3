// SPDX-License-Identifier: GPL-2.0-only
/*
 * Derived counter blocks: counters a callback computes from state that
 * cannot be mapped as it is (per-CPU sums taken under a lock, values a
 * driver reports under RTNL), published every period-ms under a sequence
 * counter with the time of the update.
 *
 * The cost of the updates does not grow with the readers:
 *
 * - A block is shared by every registration of one object with one
 *   period (struct netstats_derived): registering it again maps the same
 *   page, and adds no update.
 * - One delayed work updates every block of a (netns, period) pair
 *   (struct netstats_refresher); those whose updates need RTNL have a
 *   refresher of their own, which takes RTNL once per period for all of
 *   them.
 * - Callers without CAP_NET_ADMIN have a quota of registrations with
 *   periodic work: per user across all network namespaces, and per
 *   network namespace where they lack CAP_NET_ADMIN over it.
 *
 * netstats_derived_mutex serialises the updates, the list of refreshers
 * and of their blocks, the registrations of each block and the quotas.
 * RTNL, when held, is taken before it.
 */

#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netstats.h>

#include "netstats.h"

/* Registrations with periodic work of a caller without CAP_NET_ADMIN. */
#define NETSTATS_PERIODIC_USER_MAX	128
#define NETSTATS_PERIODIC_NET_MAX	512

/**
 * struct netstats_refresher - the periodic work of a (netns, period) pair
 * @node: entry in netstats_refreshers, until its last block goes
 * @blocks: the live blocks it updates (netstats_derived::node)
 * @work: the update of all @blocks
 * @free_work: cancels @work and frees the refresher, once @blocks emptied
 * @net_cookie: the netns of the objects
 * @period: update period, in jiffies
 * @rtnl: the updates run under RTNL
 */
struct netstats_refresher {
	struct list_head node;
	struct list_head blocks;
	struct delayed_work work;
	struct work_struct free_work;
	u64 net_cookie;
	unsigned long period;
	bool rtnl;
};

/**
 * struct netstats_quota - registrations with periodic work of one user,
 *	or in one netns
 * @node: entry in netstats_quota_users or netstats_quota_nets
 * @key: the kuid, or the netns cookie
 * @used: registrations charged
 */
struct netstats_quota {
	struct list_head node;
	u64 key;
	unsigned int used;
};

/**
 * struct netstats_derived_ref - a registration of a derived block
 *	(netstats_reg::priv)
 * @node: entry in netstats_derived::regs
 * @d: the block
 * @reg: the registration
 * @user: the user's quota charged, or NULL
 * @net: the netns's quota charged, or NULL
 */
struct netstats_derived_ref {
	struct hlist_node node;
	struct netstats_derived *d;
	struct netstats_reg *reg;
	struct netstats_quota *user;
	struct netstats_quota *net;
};

static DEFINE_MUTEX(netstats_derived_mutex);
static LIST_HEAD(netstats_refreshers);
static LIST_HEAD(netstats_quota_users);
static LIST_HEAD(netstats_quota_nets);

atomic_long_t netstats_nr_derived;
atomic_long_t netstats_nr_refreshers;

/**
 * netstats_derived_lock() - exclude the updates of derived blocks
 *
 * For a producer that changes what its fill callback reads.
 */
void netstats_derived_lock(void)
{
	mutex_lock(&netstats_derived_mutex);
}

void netstats_derived_unlock(void)
{
	mutex_unlock(&netstats_derived_mutex);
}

/* Return: what fill returned: 0, -ENOENT if the object is gone, -EAGAIN
 * if it cannot be read now (nothing changed, not even the timestamp).
 */
static int netstats_derived_update(struct netstats_derived *d)
{
	struct netstats_derived_hdr *h = page_address(d->page);
	int err;

	lockdep_assert_held(&netstats_derived_mutex);

	WRITE_ONCE(h->seq, h->seq + 1);
	/* odd seq before the counters; pairs with the reader's acquire */
	smp_wmb();
	err = d->ops->fill(d->data, h);
	if (!err)
		WRITE_ONCE(h->timestamp_ns, ktime_get_ns());
	/* counters before even seq; pairs with the reader's acquire */
	smp_wmb();
	WRITE_ONCE(h->seq, h->seq + 1);
	return err;
}

static void netstats_refresher_free(struct work_struct *work)
{
	struct netstats_refresher *r = container_of(work,
						    struct netstats_refresher,
						    free_work);

	cancel_delayed_work_sync(&r->work);
	kfree(r);
	atomic_long_dec(&netstats_nr_refreshers);
}

/* @d leaves its refresher: no more updates, and no new registration. */
static void netstats_derived_unlink(struct netstats_derived *d)
{
	struct netstats_refresher *r = d->refresher;

	lockdep_assert_held(&netstats_derived_mutex);

	if (!r)
		return;
	list_del(&d->node);
	d->refresher = NULL;
	if (!list_empty(&r->blocks))
		return;
	/* Its work may be waiting for the mutex, and under RTNL we cannot
	 * wait for it: a work of its own cancels it.
	 */
	list_del(&r->node);
	queue_work(system_wq, &r->free_work);
}

/* The object died: the block keeps the last values, its readers hear. */
static void netstats_derived_die(struct netstats_derived *d)
{
	struct netstats_derived_hdr *h = page_address(d->page);
	struct netstats_derived_ref *ref;

	lockdep_assert_held(&netstats_derived_mutex);

	netstats_block_next(&h->hdr);
	WRITE_ONCE(h->hdr.state, NETSTATS_BLOCK_DEAD);
	d->dead = true;
	netstats_derived_unlink(d);
	hlist_for_each_entry(ref, &d->regs, node) {
		ref->reg->dead = true;
		netstats_notify_dead(ref->reg);
	}
}

static void netstats_refresher_work(struct work_struct *work)
{
	struct netstats_refresher *r = container_of(to_delayed_work(work),
						    struct netstats_refresher,
						    work);
	struct netstats_derived *d, *tmp;

	if (r->rtnl)
		rtnl_lock();
	mutex_lock(&netstats_derived_mutex);
	/* Once empty, it is no longer in netstats_refreshers: nothing
	 * reschedules it.
	 */
	if (!list_empty(&r->blocks))
		schedule_delayed_work(&r->work, r->period);
	list_for_each_entry_safe(d, tmp, &r->blocks, node)
		if (netstats_derived_update(d) == -ENOENT)
			netstats_derived_die(d);
	mutex_unlock(&netstats_derived_mutex);
	if (r->rtnl)
		rtnl_unlock();
}

static struct netstats_quota *netstats_quota_get(struct list_head *head,
						 u64 key)
{
	struct netstats_quota *q;

	list_for_each_entry(q, head, node)
		if (q->key == key)
			return q;
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return NULL;
	q->key = key;
	list_add(&q->node, head);
	return q;
}

static void netstats_quota_put(struct netstats_quota *q)
{
	if (q && !--q->used) {
		list_del(&q->node);
		kfree(q);
	}
}

/* Charge @ref's registration to the quotas its caller is subject to. */
static int netstats_quota_charge(struct netstats_derived_ref *ref,
				 struct net *net,
				 struct netlink_ext_ack *extack)
{
	struct netstats_reg *reg = ref->reg;
	struct netstats_quota *q;

	lockdep_assert_held(&netstats_derived_mutex);

	if (!reg->net_admin_init) {
		q = netstats_quota_get(&netstats_quota_users,
				       __kuid_val(current_uid()));
		if (!q)
			return -ENOMEM;
		if (q->used >= NETSTATS_PERIODIC_USER_MAX) {
			NL_SET_ERR_MSG_FMT(extack,
					   "at most %u registrations with periodic work per user without CAP_NET_ADMIN",
					   NETSTATS_PERIODIC_USER_MAX);
			return -ENOSPC;
		}
		q->used++;
		ref->user = q;
	}
	if (!reg->net_admin) {
		q = netstats_quota_get(&netstats_quota_nets,
				       net->net_cookie);
		if (!q)
			goto err_user;
		if (q->used >= NETSTATS_PERIODIC_NET_MAX) {
			NL_SET_ERR_MSG_FMT(extack,
					   "at most %u periodic registrations per netns by users without CAP_NET_ADMIN",
					   NETSTATS_PERIODIC_NET_MAX);
			if (!q->used) {
				list_del(&q->node);
				kfree(q);
			}
			netstats_quota_put(ref->user);
			ref->user = NULL;
			return -ENOSPC;
		}
		q->used++;
		ref->net = q;
	}
	return 0;

err_user:
	netstats_quota_put(ref->user);
	ref->user = NULL;
	return -ENOMEM;
}

static struct netstats_refresher *netstats_refresher_get(u64 net_cookie,
							 unsigned long period,
							 bool rtnl)
{
	struct netstats_refresher *r;

	list_for_each_entry(r, &netstats_refreshers, node)
		if (r->net_cookie == net_cookie && r->period == period &&
		    r->rtnl == rtnl)
			return r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	INIT_LIST_HEAD(&r->blocks);
	INIT_DELAYED_WORK(&r->work, netstats_refresher_work);
	INIT_WORK(&r->free_work, netstats_refresher_free);
	r->net_cookie = net_cookie;
	r->period = period;
	r->rtnl = rtnl;
	atomic_long_inc(&netstats_nr_refreshers);
	return r;
}

static struct netstats_derived *
netstats_derived_new(struct netstats_refresher *r,
		     const struct netstats_derived_ops *ops, const void *key,
		     unsigned long idx, const void *data, u64 period_ms)
{
	struct netstats_derived_hdr *h;
	struct netstats_derived *d;

	d = kzalloc(size_add(sizeof(*d), ops->data_size), GFP_KERNEL_ACCOUNT);
	if (!d)
		return NULL;
	d->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!d->page) {
		kfree(d);
		return NULL;
	}
	d->ops = ops;
	d->key = key;
	d->idx = idx;
	INIT_HLIST_HEAD(&d->regs);
	if (ops->data_size)
		memcpy(d->data, data, ops->data_size);
	h = page_address(d->page);
	netstats_block_init(h);
	h->period_ms = period_ms;
	atomic_long_inc(&netstats_nr_derived);
	return d;
}

static void netstats_derived_free_block(struct netstats_derived *d)
{
	__free_page(d->page);
	kfree(d);
	atomic_long_dec(&netstats_nr_derived);
}

/**
 * netstats_derived_attach() - map the derived block of an object
 * @reg: the registration (its group has a period-ms option)
 * @info: the REGISTER request, for the option and the extack
 * @ops: how the producer fills its blocks
 * @key: the object (with @idx): registrations of one object with one
 *	period share its block
 * @idx: see @key
 * @data: the producer's data for a new block, @ops->data_size bytes,
 *	copied into it (netstats_derived_of() finds the block again)
 * @created: set if the block is new: its data is not known to the
 *	producer yet
 *
 * A new block is filled once before this returns.  With
 * NETSTATS_DERIVED_RTNL in @ops->flags the caller holds RTNL.  The
 * producer keeps its data alive, and the object it names readable, until
 * netstats_derived_kill() or the last netstats_derived_put().
 *
 * Return: the block's data, or an ERR_PTR().
 */
void *netstats_derived_attach(struct netstats_reg *reg, struct genl_info *info,
			      const struct netstats_derived_ops *ops,
			      const void *key, unsigned long idx,
			      const void *data, bool *created)
{
	struct net *net = read_pnet(&reg->target);
	struct netstats_derived_ref *ref;
	struct netstats_refresher *r;
	struct netstats_derived *d;
	bool new_r = false;
	u64 period_ms;
	int err;

	if (ops->flags & NETSTATS_DERIVED_RTNL)
		ASSERT_RTNL();
	*created = false;

	err = netstats_reg_option(reg, info, "period-ms", &period_ms);
	if (err)
		return ERR_PTR(err);
	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	if (!ref)
		return ERR_PTR(-ENOMEM);
	ref->reg = reg;

	mutex_lock(&netstats_derived_mutex);
	err = netstats_quota_charge(ref, net, info->extack);
	if (err)
		goto err_free_ref;

	err = -ENOMEM;
	r = netstats_refresher_get(net->net_cookie,
				   msecs_to_jiffies(period_ms),
				   ops->flags & NETSTATS_DERIVED_RTNL);
	if (!r)
		goto err_uncharge;
	new_r = list_empty(&r->blocks);
	list_for_each_entry(d, &r->blocks, node)
		if (d->ops == ops && d->key == key && d->idx == idx)
			goto found;

	d = netstats_derived_new(r, ops, key, idx, data, period_ms);
	if (!d)
		goto err_free_r;
	netstats_derived_update(d);
	*created = true;

found:
	err = netstats_map_add_live(reg->map, d->page, &reg->pgoff);
	if (err) {
		if (*created) {
			*created = false;
			netstats_derived_free_block(d);
		}
		goto err_free_r;
	}
	if (*created) {
		d->refresher = r;
		list_add_tail(&d->node, &r->blocks);
	}
	if (new_r) {
		list_add(&r->node, &netstats_refreshers);
		schedule_delayed_work(&r->work, r->period);
	}
	ref->d = d;
	hlist_add_head(&ref->node, &d->regs);
	reg->priv = ref;
	reg->npages = 1;
	reg->block_offset = 0;
	mutex_unlock(&netstats_derived_mutex);
	return d->data;

err_free_r:
	if (new_r) {
		kfree(r);
		atomic_long_dec(&netstats_nr_refreshers);
	}
err_uncharge:
	netstats_quota_put(ref->user);
	netstats_quota_put(ref->net);
err_free_ref:
	mutex_unlock(&netstats_derived_mutex);
	kfree(ref);
	return ERR_PTR(err);
}

/**
 * netstats_derived_kill() - the object of a derived block died
 * @data: the block's data
 * @update: a last update first (the object must still be readable);
 *	else the block keeps the values of the last one
 *
 * The block is marked DEAD in place, where it keeps the final values,
 * the updates stop, and the owner of each registration and the monitor
 * group hear of it.  A new registration of the object gets a new block.
 * With NETSTATS_DERIVED_RTNL the caller holds RTNL.
 */
void netstats_derived_kill(void *data, bool update)
{
	struct netstats_derived *d = netstats_derived_of(data);

	mutex_lock(&netstats_derived_mutex);
	if (!d->dead) {
		if (update)
			netstats_derived_update(d);
		netstats_derived_die(d);
	}
	mutex_unlock(&netstats_derived_mutex);
}

/**
 * netstats_derived_put() - a registration of a derived block goes
 * @reg: the registration
 *
 * Its range is unmapped.  When it was the block's last registration the
 * block is updated no more: the producer forgets its data, under the lock
 * that orders it against netstats_derived_attach(), then frees the block
 * with netstats_derived_free().
 *
 * Return: the block's data if it was the last registration, else NULL.
 */
void *netstats_derived_put(struct netstats_reg *reg)
{
	struct netstats_derived_ref *ref = reg->priv;
	struct netstats_derived *d = ref->d;
	bool last;

	netstats_map_remove(reg->map, reg->pgoff, reg->npages);

	mutex_lock(&netstats_derived_mutex);
	hlist_del(&ref->node);
	netstats_quota_put(ref->user);
	netstats_quota_put(ref->net);
	last = hlist_empty(&d->regs);
	if (last)
		netstats_derived_unlink(d);
	mutex_unlock(&netstats_derived_mutex);
	kfree(ref);

	return last ? d->data : NULL;
}

/**
 * netstats_derived_free() - free a block netstats_derived_put() released
 * @data: its data
 */
void netstats_derived_free(void *data)
{
	netstats_derived_free_block(netstats_derived_of(data));
}

/**
 * netstats_derived_detach() - netstats_group_ops::detach of a derived
 *	group whose producer keeps no list of its blocks
 * @reg: the registration
 */
void netstats_derived_detach(struct netstats_reg *reg)
{
	void *data = netstats_derived_put(reg);

	if (data)
		netstats_derived_free(data);
}

/**
 * struct netstats_self - the "netstats" group: the core's own objects
 * @hdr: derived block header
 * @registrations: live registrations, all netlink sockets
 * @map_files: map files not yet released
 * @snapshot_pages: pages holding the final values of dead objects
 * @live_blocks: blocks producers keep live for registrations
 * @derived_blocks: derived blocks, one per object and period however
 *	many registrations share it
 * @refreshers: periodic works updating them, one per netns and period
 * @row_bytes: bytes of the rows of selected counters in shared pages
 * @dir_bytes: bytes of the pages of compact directory units (counter
 *	and entry pages)
 * @dir_blocks: compact directory blocks in use
 */
struct netstats_self {
	struct netstats_derived_hdr hdr;
	u64 registrations;
	u64 map_files;
	u64 snapshot_pages;
	u64 live_blocks;
	u64 derived_blocks;
	u64 refreshers;
	u64 row_bytes;
	u64 dir_bytes;
	u64 dir_blocks;
};

static int netstats_self_fill(void *data, void *block)
{
	struct netstats_self *s = block;

	WRITE_ONCE(s->registrations, atomic_long_read(&netstats_nr_regs));
	WRITE_ONCE(s->map_files, atomic_long_read(&netstats_nr_maps));
	WRITE_ONCE(s->snapshot_pages, atomic_long_read(&netstats_nr_snapshots));
	WRITE_ONCE(s->live_blocks, atomic_long_read(&netstats_nr_blocks));
	WRITE_ONCE(s->derived_blocks, atomic_long_read(&netstats_nr_derived));
	WRITE_ONCE(s->refreshers, atomic_long_read(&netstats_nr_refreshers));
	WRITE_ONCE(s->row_bytes, atomic_long_read(&netstats_row_bytes));
	WRITE_ONCE(s->dir_bytes, atomic_long_read(&netstats_dir_bytes));
	WRITE_ONCE(s->dir_blocks, atomic_long_read(&netstats_dir_blocks));
	return 0;
}

static const struct netstats_derived_ops netstats_self_derived = {
	.fill	= netstats_self_fill,
};

static int netstats_self_attach(struct netstats_reg *reg,
				struct genl_info *info)
{
	bool created;
	void *data;

	/* System-wide figures. */
	if (!reg->net_admin_init) {
		NL_SET_ERR_MSG(info->extack,
			       "the netstats group needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	data = netstats_derived_attach(reg, info, &netstats_self_derived, NULL,
				       0, NULL, &created);
	return PTR_ERR_OR_ZERO(data);
}

#define SELF_COUNTER(_name, _doc) {					\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = offsetof(struct netstats_self, _name),		\
	.type = NETSTATS_COUNTER_TYPE_U64,				\
	.flags = NETSTATS_COUNTER_FLAGS_GAUGE,				\
}

static const struct netstats_counter_desc netstats_self_counters[] = {
	SELF_COUNTER(registrations, "Live registrations of all netlink sockets"),
	SELF_COUNTER(map_files, "Map files not yet released"),
	SELF_COUNTER(snapshot_pages, "Pages holding final values of dead objects"),
	SELF_COUNTER(live_blocks, "Blocks producers keep live for registrations"),
	SELF_COUNTER(derived_blocks, "Derived blocks, one per object and period"),
	SELF_COUNTER(refreshers, "Works updating them, one per netns and period"),
	SELF_COUNTER(row_bytes, "Bytes of rows of selected counters, headers included"),
	SELF_COUNTER(dir_bytes, "Bytes of compact directory pages, counters and entries"),
	SELF_COUNTER(dir_blocks, "Compact directory blocks in use"),
};

static const struct netstats_option_desc netstats_period_option[] = {
	NETSTATS_OPTION("period-ms", 10, 60000, 1000,
			"Update period of the derived block, in milliseconds"),
};

static const struct netstats_group_ops netstats_self_ops = {
	.attach	= netstats_self_attach,
	.detach	= netstats_derived_detach,
};

static struct netstats_group netstats_self_group = {
	.name		= "netstats",
	.doc		= "The netstats core's own objects (derived)",
	.flags		= NETSTATS_GROUP_FLAGS_DERIVED,
	.counters	= netstats_self_counters,
	.n_counters	= ARRAY_SIZE(netstats_self_counters),
	.options	= netstats_period_option,
	.n_options	= ARRAY_SIZE(netstats_period_option),
	.ops		= &netstats_self_ops,
};

static int __init netstats_derived_init(void)
{
	return netstats_group_add(&netstats_self_group);
}
subsys_initcall(netstats_derived_init);
