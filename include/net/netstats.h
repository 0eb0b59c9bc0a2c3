/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netstats: networking counters in read-only mapped pages.
 *
 * Interface between the netstats core and the code that produces
 * counters (TCP, IP, page_pool, qdiscs, drivers).
 */
#ifndef _NET_NETSTATS_H
#define _NET_NETSTATS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <uapi/linux/netstats.h>

struct genl_info;
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
 * struct netstats_group_ops - how a group's instances are mapped
 * @attach: find the object REGISTER names (@info), make its block
 *	mappable, add its pages to @reg->map (netstats_map_add()) and fill
 *	@reg's @pgoff, @npages, @block_offset and @priv (and @ncpus,
 *	@percpu_stride, @hidden where they apply); from then on the
 *	producer snapshots the range when the object dies
 * @detach: the registration goes away (UNREGISTER, netlink socket
 *	closed): remove its range from the map, forget @reg
 */
struct netstats_group_ops {
	int (*attach)(struct netstats_reg *reg, struct genl_info *info);
	void (*detach)(struct netstats_reg *reg);
};

/**
 * struct netstats_group - a counter group known to QUERY and REGISTER
 * @list: entry in the list of all groups (netstats core)
 * @name: group name, e.g. "tcp" or "ip"
 * @doc: one-line description
 * @flags: NETSTATS_GROUP_FLAGS_* bits
 * @counters: the group's counters
 * @n_counters: number of entries in @counters
 * @options: collection options the group accepts
 * @n_options: number of entries in @options
 * @ops: how instances are mapped; NULL: listed, not mappable yet
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
	bool netns_fd;
	bool dev_counters;
};

/**
 * struct netstats_reg - one registration of a netlink socket
 * @id: registration id, unique within the netlink socket
 * @grp: the group
 * @map: the socket's map file
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
 * @charge: pages charged against RLIMIT_MEMLOCK: @npages unless the
 *	producer sets it (a sparse range of shared pages)
 * @user: the user charged for the range (RLIMIT_MEMLOCK), or NULL
 * @dead: the object died; the range holds its final values
 * @priv: the producer's
 * @node: the producer's
 */
struct netstats_reg {
	u32 id;
	const struct netstats_group *grp;
	struct netstats_map *map;
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
	unsigned int charge;
	struct user_struct *user;
	bool dead;
	void *priv;
	struct hlist_node node;
};

/**
 * struct netstats_hw_ops - a driver publishes a device's hardware counters
 * @counters: the counters, offsets from the start of the block, which
 *	starts with struct netstats_derived_hdr
 * @n_counters: number of entries in @counters
 * @start: the device's first registration comes: return the page of the
 *	block, which the driver fills at the end of each of its updates of
 *	the counters, under its stats lock, as a derived block; RTNL held
 * @stop: the last registration went (its mappings are gone): stop
 *	publishing, free the page; RTNL held
 * @set_timer: also update the counters every @ms ms (0: only the
 *	driver's own updates); RTNL held
 */
struct netstats_hw_ops {
	const struct netstats_counter_desc *counters;
	unsigned int n_counters;
	struct page *(*start)(struct net_device *dev);
	void (*stop)(struct net_device *dev);
	void (*set_timer)(struct net_device *dev, unsigned int ms);
};

/**
 * struct netstats_nl_sock - per netlink socket state (genl sock_priv)
 * @lock: serialises REGISTER and UNREGISTER on this socket
 * @regs: the socket's registrations, by registration id
 * @next_id: where the search for a free registration id starts
 * @map: the socket's map file, created by the first REGISTER
 */
struct netstats_nl_sock {
	/* serialises REGISTER and UNREGISTER on this socket */
	struct mutex lock;
	struct xarray regs;
	u32 next_id;
	struct netstats_map *map;
};

/**
 * struct netstats_derived - a derived block of one registration
 * @work: the periodic update
 * @lock: serialises updates (the work, netstats_derived_kill())
 * @page: the block: struct netstats_derived_hdr, then the counters
 * @reg: the registration
 * @period: update period, in jiffies
 * @fill: computes the counters into the block (process context);
 *	returns 0, -EAGAIN if the object cannot be read now, or -ENOENT if
 *	it is gone (the block then keeps its last values and dies)
 * @data: the producer's, from netstats_derived_attach()
 * @flags: NETSTATS_DERIVED_*
 * @dead: the object died: the block holds its final values
 */
struct netstats_derived {
	struct delayed_work work;
	/* serialises updates */
	struct mutex lock;
	struct page *page;
	struct netstats_reg *reg;
	unsigned long period;
	int (*fill)(struct netstats_reg *reg, void *block);
	void *data;
	unsigned int flags;
	bool dead;
};

/* The updates run under RTNL, taken before netstats_derived::lock. */
#define NETSTATS_DERIVED_RTNL	BIT(0)

/* The producer's data of a derived registration. */
static inline void *netstats_derived_data(struct netstats_reg *reg)
{
	return ((struct netstats_derived *)reg->priv)->data;
}

#if IS_ENABLED(CONFIG_NETSTATS)
int netstats_group_add(struct netstats_group *grp);
int netstats_reg_option(struct netstats_reg *reg, struct genl_info *info,
			const char *name, u64 *val);
int netstats_derived_attach(struct netstats_reg *reg, struct genl_info *info,
			    int (*fill)(struct netstats_reg *reg, void *block),
			    void *data, unsigned int flags);
void netstats_derived_kill(struct netstats_reg *reg, const char *object,
			   bool update);
void netstats_derived_detach(struct netstats_reg *reg);
void netstats_block_get(void);
void netstats_block_put(void);
void netstats_group_del(struct netstats_group *grp);
int netstats_map_add(struct netstats_map *map, struct page **pages,
		     unsigned int npages, unsigned long *pgoff);
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
void netstats_notify_dead(struct netstats_reg *reg, const char *object);
void netstats_notify_sock_dead(struct netstats_reg *reg, u64 cookie);
int netstats_percpu_attach(struct netstats_reg *reg, void __percpu *block);
void netstats_percpu_detach(struct netstats_reg *reg);
#else
static inline int netstats_group_add(struct netstats_group *grp)
{
	return 0;
}

static inline void netstats_group_del(struct netstats_group *grp)
{
}

static inline void netstats_block_get(void)
{
}

static inline void netstats_block_put(void)
{
}
#endif

#endif /* _NET_NETSTATS_H */
