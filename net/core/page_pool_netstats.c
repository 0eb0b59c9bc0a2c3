// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "core/page_pool" group: the statistics of one page pool.
 *
 * A page pool keeps its statistics in a struct page_pool_stats_block per
 * CPU: the recycle stats of each CPU, and the allocation stats, which
 * have one writer (the pool's consumer), in the first CPU's copy only.
 * The blocks are 96-byte slots of page-aligned, page-sized per-CPU
 * chunks shared by the pools of one netns (that of the pool's device when
 * the pool is created; pools without a device share chunks nobody may
 * map).  A registration maps the chunk one page per possible CPU, like
 * the IP MIBs; readers sum the copies.  The stores are those page_pool
 * always made: this_cpu_inc() into recycle_stats, a plain increment
 * through alloc_stats.
 *
 * When the pool is freed (its last page returned) its registrations move
 * to snapshots holding the final values (state DEAD) and the slot goes.
 */

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netstats.h>
#include <net/page_pool/types.h>

#include "page_pool_priv.h"

#define PP_NETSTATS_SLOT	sizeof(struct page_pool_stats_block)
#define PP_NETSTATS_SLOTS	(PAGE_SIZE / PP_NETSTATS_SLOT)

static_assert(sizeof(struct page_pool_stats_block) % sizeof(u64) == 0);

/**
 * struct pp_netstats_chunk - a per-CPU page of page pool stats slots
 * @node: entry in pp_netstats_chunks
 * @block: from __alloc_percpu(PAGE_SIZE, PAGE_SIZE)
 * @net_cookie: netns of the pools' devices at creation; 0 for pools
 *	without a device, which no registration can name
 * @used: slots in use
 * @busy: slots in use
 * @regs: per slot, the registrations mapping it
 */
struct pp_netstats_chunk {
	struct list_head node;
	void __percpu *block;
	u64 net_cookie;
	unsigned int used;
	DECLARE_BITMAP(busy, PP_NETSTATS_SLOTS);
	struct hlist_head regs[PP_NETSTATS_SLOTS];
};

/* Protects pp_netstats_chunks, the chunks' @used, @busy and @regs. */
static DEFINE_MUTEX(pp_netstats_lock);
static LIST_HEAD(pp_netstats_chunks);

static struct page_pool_stats_block __percpu *
pp_netstats_slot(struct pp_netstats_chunk *c, unsigned int slot)
{
	return (struct page_pool_stats_block __percpu *)
		((char __percpu *)c->block + slot * PP_NETSTATS_SLOT);
}

/* The chunk holding @pool's stats, and the slot in it. */
static struct pp_netstats_chunk *pp_netstats_chunk_of(struct page_pool *pool,
						      unsigned int *slot)
{
	struct pp_netstats_chunk *c;
	unsigned long off;

	lockdep_assert_held(&pp_netstats_lock);

	list_for_each_entry(c, &pp_netstats_chunks, node) {
		off = (unsigned long)pool->stats - (unsigned long)c->block;
		if (off < PAGE_SIZE) {
			*slot = off / PP_NETSTATS_SLOT;
			return c;
		}
	}
	return NULL;
}

/**
 * page_pool_netstats_init() - give a new page pool its statistics
 * @pool: the pool, from page_pool_init()
 *
 * Return: 0 or -ENOMEM.
 */
int page_pool_netstats_init(struct page_pool *pool)
{
	struct net_device *dev = pool->slow.netdev;
	u64 cookie = dev ? dev_net(dev)->net_cookie : 0;
	struct page_pool_stats_block *b;
	struct pp_netstats_chunk *c;
	unsigned int slot, cpu;

	mutex_lock(&pp_netstats_lock);
	list_for_each_entry(c, &pp_netstats_chunks, node)
		if (c->net_cookie == cookie && c->used < PP_NETSTATS_SLOTS)
			goto found;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto err_unlock;
	/* Page-aligned and page-sized: each CPU's copy is a page that
	 * nothing else shares, which can be mapped as it is.
	 */
	c->block = __alloc_percpu(PAGE_SIZE, PAGE_SIZE);
	if (!c->block) {
		kfree(c);
		goto err_unlock;
	}
	c->net_cookie = cookie;
	list_add(&c->node, &pp_netstats_chunks);

found:
	slot = find_first_zero_bit(c->busy, PP_NETSTATS_SLOTS);
	__set_bit(slot, c->busy);
	c->used++;
	pool->stats = pp_netstats_slot(c, slot);
	/* Nobody maps a free slot (its registrations moved to snapshots);
	 * a new generation still tells a stale reader.
	 */
	for_each_possible_cpu(cpu) {
		b = per_cpu_ptr(pool->stats, cpu);
		netstats_block_write_begin(&b->hdr);
		memset((void *)b + sizeof(b->hdr), 0,
		       sizeof(*b) - sizeof(b->hdr));
		WRITE_ONCE(b->hdr.state, NETSTATS_BLOCK_LIVE);
		netstats_block_write_end(&b->hdr);
	}
	mutex_unlock(&pp_netstats_lock);

	pool->recycle_stats = &pool->stats->recycle;
	pool->alloc_stats = &per_cpu_ptr(pool->stats, 0)->alloc;
	return 0;

err_unlock:
	mutex_unlock(&pp_netstats_lock);
	return -ENOMEM;
}

struct pp_netstats_dead_arg {
	unsigned int offset;
};

static void pp_netstats_mark_dead(void *page_addr, unsigned int idx, void *arg)
{
	struct pp_netstats_dead_arg *d = arg;
	struct page_pool_stats_block *b = page_addr + d->offset;

	netstats_block_next(&b->hdr);
	b->hdr.state = NETSTATS_BLOCK_DEAD;
}

/**
 * page_pool_netstats_uninit() - a page pool is freed: its stats are final
 * @pool: the pool, from page_pool_uninit(), in process context
 *
 * Every registration of the pool moves to a snapshot of the final
 * values, marked DEAD, and is announced; then the slot is freed.
 */
void page_pool_netstats_uninit(struct page_pool *pool)
{
	struct page_pool_stats_block *b;
	struct pp_netstats_chunk *c;
	struct netstats_reg *reg;
	struct pp_netstats_dead_arg d;
	struct hlist_node *n;
	unsigned int slot, cpu;

	mutex_lock(&pp_netstats_lock);
	c = pp_netstats_chunk_of(pool, &slot);
	if (WARN_ON_ONCE(!c))
		goto out;
	d.offset = slot * PP_NETSTATS_SLOT;
	hlist_for_each_entry_safe(reg, n, &c->regs[slot], node) {
		hlist_del_init(&reg->node);
		netstats_map_snapshot(reg->map, reg->pgoff, reg->npages,
				      pp_netstats_mark_dead, &d);
		reg->dead = true;
		netstats_notify_dead(reg);
	}
	for_each_possible_cpu(cpu) {
		b = per_cpu_ptr(pool->stats, cpu);
		WRITE_ONCE(b->hdr.state, 0);
		netstats_block_next(&b->hdr);
	}
	__clear_bit(slot, c->busy);
	if (!--c->used) {
		list_del(&c->node);
		free_percpu(c->block);
		kfree(c);
	}
out:
	mutex_unlock(&pp_netstats_lock);
	pool->stats = NULL;
	pool->recycle_stats = NULL;
	pool->alloc_stats = NULL;
}

/* Under page_pools_lock: @pool is visible in the caller's netns. */
static int pp_netstats_attach_pool(struct page_pool *pool, void *arg)
{
	struct netstats_reg *reg = arg;
	struct pp_netstats_chunk *c;
	unsigned int slot;
	int err = -ENOENT;

	mutex_lock(&pp_netstats_lock);
	c = pp_netstats_chunk_of(pool, &slot);
	if (c) {
		err = netstats_percpu_attach(reg, c->block);
		if (!err) {
			reg->block_offset = slot * PP_NETSTATS_SLOT;
			hlist_add_head(&reg->node, &c->regs[slot]);
		}
	}
	mutex_unlock(&pp_netstats_lock);
	return err;
}

static int pp_netstats_attach(struct netstats_reg *reg, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[NETSTATS_A_REGISTRATION_PAGE_POOL];
	struct nlattr *tb[NETSTATS_A_PAGE_POOL_MAX + 1];
	int err;

	/* The core checked the nest is there, the policy its contents. */
	err = nla_parse_nested(tb, NETSTATS_A_PAGE_POOL_MAX, nest, NULL,
			       info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, NETSTATS_A_PAGE_POOL_ID)) {
		NL_SET_ERR_MSG(info->extack, "core/page_pool needs the pool's id");
		return -EINVAL;
	}
	/* What QUERY adds to describe a pool does not name one. */
	if (tb[NETSTATS_A_PAGE_POOL_IFINDEX] || tb[NETSTATS_A_PAGE_POOL_NAPI_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[NETSTATS_A_PAGE_POOL_IFINDEX] ?:
				    tb[NETSTATS_A_PAGE_POOL_NAPI_ID],
				    "a page pool is named by its id alone");
		return -EINVAL;
	}
	err = page_pool_netstats_find(nla_get_uint(tb[NETSTATS_A_PAGE_POOL_ID]),
				      genl_info_net(info),
				      pp_netstats_attach_pool, reg);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NETSTATS_A_PAGE_POOL_ID],
				    "no page pool with this id in this network namespace");
	return err;
}

static void pp_netstats_detach(struct netstats_reg *reg)
{
	mutex_lock(&pp_netstats_lock);
	if (!hlist_unhashed(&reg->node))
		hlist_del_init(&reg->node);
	netstats_percpu_detach(reg);
	mutex_unlock(&pp_netstats_lock);
}

#define PP_ALLOC(_name, _doc) {						\
	.name = "alloc_" #_name,					\
	.doc = _doc,							\
	.offset = offsetof(struct page_pool_stats_block, alloc._name),	\
	.type = NETSTATS_COUNTER_TYPE_U64,				\
}

#define PP_RECYCLE(_name, _doc) {					\
	.name = "recycle_" #_name,					\
	.doc = _doc,							\
	.offset = offsetof(struct page_pool_stats_block, recycle._name), \
	.type = NETSTATS_COUNTER_TYPE_U64,				\
}

/* The names of page-pool-stats-get's attributes (netdev family). */
static const struct netstats_counter_desc pp_netstats_counters[] = {
	PP_ALLOC(fast, "Allocations served from the pool's cache"),
	PP_ALLOC(slow, "Order-0 allocations from the page allocator"),
	PP_ALLOC(slow_high_order, "Higher-order allocations from the page allocator"),
	PP_ALLOC(empty, "Allocations that found the ring empty"),
	PP_ALLOC(refill, "Allocations that refilled the cache from the ring"),
	PP_ALLOC(waive, "Pages from the ring dropped for a NUMA mismatch"),
	PP_RECYCLE(cached, "Pages recycled into the cache"),
	PP_RECYCLE(cache_full, "Recycles that found the cache full"),
	PP_RECYCLE(ring, "Pages recycled into the ring"),
	PP_RECYCLE(ring_full, "Pages released because the ring was full"),
	PP_RECYCLE(released_refcnt, "Pages released because they were still referenced"),
};

/* One pool in a QUERY reply, as page-pool-get describes it. */
static int pp_netstats_instance(struct page_pool *pool, void *arg)
{
	struct sk_buff *rsp = arg;
	struct nlattr *nest;

	nest = nla_nest_start(rsp, NETSTATS_A_GROUP_PAGE_POOL);
	if (!nest)
		return -EMSGSIZE;
	/* A pool whose device went is listed on lo, without an ifindex. */
	if (nla_put_uint(rsp, NETSTATS_A_PAGE_POOL_ID, pool->user.id) ||
	    (pool->slow.netdev->ifindex != LOOPBACK_IFINDEX &&
	     nla_put_u32(rsp, NETSTATS_A_PAGE_POOL_IFINDEX,
			 pool->slow.netdev->ifindex)) ||
	    (pool->user.napi_id &&
	     nla_put_uint(rsp, NETSTATS_A_PAGE_POOL_NAPI_ID,
			  pool->user.napi_id))) {
		nla_nest_cancel(rsp, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(rsp, nest);
	return 0;
}

/* QUERY: the pools of the netns, as page-pool-get's dump lists them. */
static int pp_netstats_instances(struct sk_buff *rsp, struct net *net)
{
	return page_pool_netstats_for_each(net, pp_netstats_instance, rsp);
}

static const struct netstats_group_ops pp_netstats_ops = {
	.attach		= pp_netstats_attach,
	.detach		= pp_netstats_detach,
	.instances	= pp_netstats_instances,
};

static struct netstats_group pp_netstats_group = {
	.name		= "core/page_pool",
	.doc		= "Statistics of one page pool, as the netdev family's page-pool-stats-get",
	.flags		= NETSTATS_GROUP_FLAGS_PERCPU |
			  NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.counters	= pp_netstats_counters,
	.n_counters	= ARRAY_SIZE(pp_netstats_counters),
	.ops		= &pp_netstats_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_PAGE_POOL,
};

static int __init pp_netstats_init(void)
{
	return netstats_group_add(&pp_netstats_group);
}
device_initcall(pp_netstats_init);
