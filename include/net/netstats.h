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
#include <linux/xarray.h>

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
 * struct netstats_group - a counter group known to QUERY and REGISTER
 * @list: entry in the list of all groups (netstats core)
 * @name: group name, e.g. "tcp" or "ip"
 * @doc: one-line description
 * @flags: NETSTATS_GROUP_FLAGS_* bits
 * @counters: the group's counters
 * @n_counters: number of entries in @counters
 * @options: collection options the group accepts
 * @n_options: number of entries in @options
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
};

/**
 * struct netstats_nl_sock - per netlink socket state (genl sock_priv)
 * @lock: serialises REGISTER and UNREGISTER on this socket
 * @regs: the socket's registrations, by registration id
 */
struct netstats_nl_sock {
	/* serialises REGISTER and UNREGISTER on this socket */
	struct mutex lock;
	struct xarray regs;
};

#if IS_ENABLED(CONFIG_NETSTATS)
int netstats_group_add(struct netstats_group *grp);
void netstats_group_del(struct netstats_group *grp);
#else
static inline int netstats_group_add(struct netstats_group *grp)
{
	return 0;
}

static inline void netstats_group_del(struct netstats_group *grp)
{
}
#endif

#endif /* _NET_NETSTATS_H */
