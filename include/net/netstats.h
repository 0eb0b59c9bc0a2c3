/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netstats: networking counters in read-only mapped pages.
 *
 * Interface between the netstats core and the code that produces
 * counters (TCP, IP, page_pool, qdiscs, drivers).
 */
#ifndef _NET_NETSTATS_H
#define _NET_NETSTATS_H

#include <asm/barrier.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <uapi/linux/netstats.h>

struct genl_info;
struct sk_buff;
struct net_device;
struct netstats_map;
struct user_struct;
struct netstats_reg;
struct sock;

/**
 * struct netstats_counter_desc - one counter of a group, as QUERY shows it
 * @name: name, unique within the group
 * @doc: one-line description
 * @offset: byte offset of the counter in the group's block
 * @type: enum netstats_counter_type
 * @flags: NETSTATS_COUNTER_FLAGS_* bits
 */
struct netstats_counter_desc {
	const char *name;
	const char *doc;
	u32 offset;
	u8 type;
	u8 flags;
};

/**
 * struct netstats_option_desc - a collection option a group accepts
 * @name: option name, e.g. "period-ms"
 * @doc: one-line description
 * @min: smallest accepted value
 * @max: largest accepted value
 * @def: value used when REGISTER does not give one
 */
struct netstats_option_desc {
	const char *name;
	const char *doc;
	u64 min;
	u64 max;
	u64 def;
};

/**
 * NETSTATS_OPTION() - an entry of a group's options
 * @_name: option name
 * @_min: smallest accepted value
 * @_max: largest accepted value
 * @_def: value used when REGISTER does not give one
 * @_doc: one-line description
 */
#define NETSTATS_OPTION(_name, _min, _max, _def, _doc) {		\
	.name = _name,							\
	.doc = _doc,							\
	.min = _min,							\
	.max = _max,							\
	.def = _def,							\
}

/**
 * struct netstats_group_ops - how a group's instances are mapped
 * @attach: find the object REGISTER names (@info), make its block
 *	mappable, add its pages to @reg->map (netstats_map_add()) and fill
 *	@reg's @pgoff, @npages, @block_offset and @priv (and @ncpus,
 *	@percpu_stride, @hidden where they apply); from then on the
 *	producer snapshots the range when the object dies
 * @detach: the registration goes away (UNREGISTER, netlink socket
 *	closed): remove its range from the map, forget @reg
 * @instances: optional: put the objects of @net that REGISTER may name
 *	now into @rsp, for QUERY of the group, each as the nest REGISTER
 *	names it with (NETSTATS_A_GROUP_DEV, NETSTATS_A_GROUP_QUEUE);
 *	-EMSGSIZE: QUERY retries with a larger message
 */
struct netstats_group_ops {
	int (*attach)(struct netstats_reg *reg, struct genl_info *info);
	void (*detach)(struct netstats_reg *reg);
	int (*instances)(struct sk_buff *rsp, struct net *net);
};

/**
 * struct netstats_group - a counter group known to QUERY and REGISTER
 * @list: entry in the list of all groups (netstats core)
 * @name: group name, e.g. "tcp" or "ip"
 * @doc: one-line description
 * @flags: NETSTATS_GROUP_FLAGS_* bits; with NETSTATS_GROUP_FLAGS_SELECT
 *	REGISTER may name the counters it wants (counter nests): the core
 *	checks the names and hands attach a selection (netstats_reg::sel)
 * @counters: the group's counters
 * @n_counters: number of entries in @counters
 * @options: collection options the group accepts
 * @n_options: number of entries in @options
 * @ops: how instances are mapped; NULL: listed, not mappable yet
 * @object_attr: the REGISTER nest that names the group's objects
 *	(NETSTATS_A_REGISTRATION_DEV, _QUEUE, _PAGE_POOL, _QDISC, _SOCK),
 *	checked by the core; 0: the group has no objects to name
 * @netns_fd: one instance per netns, and REGISTER may name another netns
 *	than the caller's (netns-fd)
 * @dev_counters: the counters depend on the object (a driver's hardware
 *	counters): attach names them (netstats_reg::counters), QUERY lists
 *	none
 */
struct netstats_group {
	struct list_head list;
	const char *name;
	const char *doc;
	u32 flags;
	const struct netstats_counter_desc *counters;
	unsigned int n_counters;
	const struct netstats_option_desc *options;
	unsigned int n_options;
	const struct netstats_group_ops *ops;
	int object_attr;
	bool netns_fd;
	bool dev_counters;
};

/**
 * struct netstats_reg - one registration of a netlink socket
 * @id: registration id, unique within the netlink socket
 * @grp: the group
 * @object: a copy of the nest REGISTER named the object with (the
 *	group's object_attr), for the object-dead notification; or NULL
 * @map: the socket's map file
 * @owner_id: the map's id: one per netlink socket, never reused
 * @net: netns of the netlink socket (notifications go there)
 * @target: netns whose instance is mapped: @net, or netns-fd's; no
 *	reference (the producer turns the block DEAD when it goes)
 * @portid: netlink port id of the socket that registered
 * @pgoff: first page of the registration's range in @map
 * @npages: length of the range in pages
 * @block_offset: offset of the block header in the range
 * @ncpus: per-CPU copies of the block in the range (1: not per-CPU)
 * @percpu_stride: bytes from one CPU's copy to the next
 * @hidden: counters with any of these NETSTATS_COUNTER_FLAGS_* are not
 *	the caller's to see: left out of the reply, not in the range
 * @net_admin: the netlink socket's opener has CAP_NET_ADMIN in @target's
 *	user namespace (netlink_ns_capable(), not the writer's credentials)
 * @net_admin_init: ... in the initial user namespace
 * @counters: the counters of this registration, for groups whose
 *	counters depend on the object; NULL: the group's
 * @n_counters: entries in @counters
 * @sel: the counters REGISTER selected, a bitmap over the group's
 *	@counters (bit i: counters[i]); NULL: every counter.  Without
 *	@counters of its own the reply lists the selected ones only.
 * @n_sel: bits set in @sel
 * @clear_flags: group flags that do not hold for this registration (a
 *	driver's own queue counters are mapped, not derived)
 * @charge: pages charged against RLIMIT_MEMLOCK: @npages unless the
 *	producer sets it (a sparse range of shared pages)
 * @user: the user charged for the range (RLIMIT_MEMLOCK), or NULL
 * @dead: the object died; the range holds its final values
 * @notify: the registering socket asked for its object-dead notifications
 * @priv: the producer's
 * @node: the producer's
 * @free_node: entry in the list of a released socket's registrations
 *	freed by a work item
 */
struct netstats_reg {
	u32 id;
	const struct netstats_group *grp;
	struct nlattr *object;
	struct netstats_map *map;
	u64 owner_id;
	possible_net_t net;
	possible_net_t target;
	u32 portid;
	unsigned long pgoff;
	unsigned int npages;
	unsigned int block_offset;
	unsigned int ncpus;
	unsigned int percpu_stride;
	u32 hidden;
	bool net_admin;
	bool net_admin_init;
	const struct netstats_counter_desc *counters;
	unsigned int n_counters;
	unsigned long *sel;
	unsigned int n_sel;
	u32 clear_flags;
	unsigned int charge;
	struct user_struct *user;
	bool dead;
	bool notify;
	void *priv;
	struct hlist_node node;
	struct llist_node free_node;
};

/**
 * netstats_block_init() - a block a producer keeps starts its life
 * @block: the block, starting with struct netstats_block_hdr
 */
static inline void netstats_block_init(void *block)
{
	struct netstats_block_hdr *hdr = block;

	hdr->generation = 2;
	hdr->state = NETSTATS_BLOCK_LIVE;
}

/**
 * netstats_block_write_begin() - a producer starts resetting a block that
 *	readers may be reading (its counters restart)
 * @hdr: the block's header; the caller is its only writer
 *
 * The generation is odd until netstats_block_write_end(), which makes it
 * even again and new: readers retry meanwhile, as with a seqcount.
 */
static inline void netstats_block_write_begin(struct netstats_block_hdr *hdr)
{
	WRITE_ONCE(hdr->generation, hdr->generation + 1);
	/* odd generation before the counters; pairs with the reader's acquire */
	smp_wmb();
}

/**
 * netstats_block_write_end() - the block is consistent again
 * @hdr: the block's header
 */
static inline void netstats_block_write_end(struct netstats_block_hdr *hdr)
{
	/* counters before the even generation; pairs with the reader's fence */
	smp_wmb();
	WRITE_ONCE(hdr->generation, hdr->generation + 1);
}

/**
 * netstats_block_next() - a new generation for a block nobody reads as
 *	changing: a private copy marked DEAD, a slot being freed
 * @hdr: the block's header
 */
static inline void netstats_block_next(struct netstats_block_hdr *hdr)
{
	WRITE_ONCE(hdr->generation, hdr->generation + 2);
}

/**
 * netstats_publish_begin() - a producer starts rewriting a derived block
 * @hdr: the block's header; the caller is its only writer (under a lock)
 *
 * Readers retry until netstats_publish_end().
 */
static inline void netstats_publish_begin(struct netstats_derived_hdr *hdr)
{
	WRITE_ONCE(hdr->seq, hdr->seq + 1);
	/* odd seq before the counters; pairs with the reader's acquire */
	smp_wmb();
}

/**
 * netstats_publish_end() - the block is consistent again
 * @hdr: the block's header
 * @ns: CLOCK_MONOTONIC time of the values (ktime_get_ns() of the update)
 */
static inline void netstats_publish_end(struct netstats_derived_hdr *hdr,
					u64 ns)
{
	WRITE_ONCE(hdr->timestamp_ns, ns);
	/* counters before even seq; pairs with the reader's acquire */
	smp_wmb();
	WRITE_ONCE(hdr->seq, hdr->seq + 1);
}

/**
 * struct netstats_nl_sock - per netlink socket state (genl sock_priv)
 * @lock: serialises REGISTER and UNREGISTER on this socket
 * @regs: the socket's registrations, by registration id
 * @next_id: where the search for a free registration id starts
 * @map: the socket's map file, created by the first REGISTER
 * @net: the socket's netns, set with @map (the socket holds it)
 */
struct netstats_nl_sock {
	/* serialises REGISTER and UNREGISTER on this socket */
	struct mutex lock;
	struct xarray regs;
	u32 next_id;
	struct netstats_map *map;
	struct net *net;
};

/**
 * struct netstats_derived_ops - how a producer fills its derived blocks
 * @fill: computes the counters into the block (process context, under
 *	netstats_derived_lock()); returns 0, -EAGAIN if the object cannot be
 *	read now, or -ENOENT if it is gone (the block then keeps its last
 *	values and dies)
 * @data_size: size of the producer's data in each block
 * @flags: NETSTATS_DERIVED_*
 */
struct netstats_derived_ops {
	int (*fill)(void *data, void *block);
	size_t data_size;
	unsigned int flags;
};

/* The updates run under RTNL, taken before netstats_derived_lock(). */
#define NETSTATS_DERIVED_RTNL	BIT(0)

struct netstats_refresher;

/**
 * struct netstats_derived - a derived block, shared by the registrations
 *	of one object with one period
 * @node: entry in the refresher's list, while live
 * @refresher: the periodic work that updates it; NULL once dead or
 *	released
 * @ops: the producer's
 * @key: the object, with @idx
 * @idx: see @key
 * @page: the block: struct netstats_derived_hdr, then the counters
 * @regs: its registrations (struct netstats_derived_ref)
 * @dead: the object died: the block holds its final values
 * @data: the producer's
 */
struct netstats_derived {
	struct list_head node;
	struct netstats_refresher *refresher;
	const struct netstats_derived_ops *ops;
	const void *key;
	unsigned long idx;
	struct page *page;
	struct hlist_head regs;
	bool dead;
	u64 data[];
};

/* The block of a producer's data (netstats_derived_attach()). */
static inline struct netstats_derived *netstats_derived_of(void *data)
{
	return container_of(data, struct netstats_derived, data);
}

#if IS_ENABLED(CONFIG_NETSTATS)
int netstats_group_add(struct netstats_group *grp);
void netstats_group_del(struct netstats_group *grp);
int netstats_reg_option(struct netstats_reg *reg, struct genl_info *info,
			const char *name, u64 *val);
void *netstats_derived_attach(struct netstats_reg *reg, struct genl_info *info,
			      const struct netstats_derived_ops *ops,
			      const void *key, unsigned long idx,
			      const void *data, bool *created);
void netstats_derived_kill(void *data, bool update);
void *netstats_derived_put(struct netstats_reg *reg);
void netstats_derived_free(void *data);
void netstats_derived_detach(struct netstats_reg *reg);
void netstats_derived_lock(void);
void netstats_derived_unlock(void);
void netstats_nr_blocks_inc(void);
void netstats_nr_blocks_dec(void);
void netstats_row_bytes_add(long bytes);
void netstats_dir_add(long bytes, long blocks);
int netstats_map_add(struct netstats_map *map, struct page **pages,
		     unsigned int npages, unsigned long *pgoff);
int netstats_map_add_pfn(struct netstats_map *map, struct page *first,
			 unsigned long pfn, bool uncached,
			 unsigned long *pgoff);
void netstats_map_snapshot(struct netstats_map *map, unsigned long pgoff,
			   unsigned int npages,
			   void (*fixup)(void *page_addr, unsigned int idx,
					 void *arg),
			   void *arg);
void netstats_map_remove(struct netstats_map *map, unsigned long pgoff,
			 unsigned int npages);
int netstats_map_reserve(struct netstats_map *map, unsigned long npages,
			 unsigned long *pgoff);
int netstats_map_set(struct netstats_map *map, unsigned long pgoff,
		     struct page *page);
void netstats_notify_dead(struct netstats_reg *reg);
void netstats_notify_sock_dead(struct netstats_reg *reg, u64 cookie);
int netstats_percpu_attach(struct netstats_reg *reg, void __percpu *block);
void netstats_percpu_detach(struct netstats_reg *reg);
struct netstats_counter_desc *
netstats_counters_dup(const struct netstats_counter_desc *counters,
		      unsigned int n);
#else
static inline int netstats_group_add(struct netstats_group *grp)
{
	return 0;
}

static inline void netstats_group_del(struct netstats_group *grp)
{
}

static inline void netstats_nr_blocks_inc(void)
{
}

static inline void netstats_nr_blocks_dec(void)
{
}

static inline void netstats_row_bytes_add(long bytes)
{
}

static inline void netstats_dir_add(long bytes, long blocks)
{
}
#endif

#endif /* _NET_NETSTATS_H */
