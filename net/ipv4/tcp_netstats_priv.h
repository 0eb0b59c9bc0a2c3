/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netstats "tcp": the page pairs of TCP slots, for a directory group that
 * follows them (struct netstats_tcp_dir_ops).
 */
#ifndef _TCP_NETSTATS_PRIV_H
#define _TCP_NETSTATS_PRIV_H

#include <linux/bitmap.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>
#include <net/netstats.h>
#include <net/tcp_netstats.h>

#define NETSTATS_TCP_SLOT	64	/* a cache line: no slot straddles two */
#define NETSTATS_TCP_SLOTS	(PAGE_SIZE / NETSTATS_TCP_SLOT)
/* Page pairs (units) per netns */
#define NETSTATS_TCP_UNITS	4096
/* Counters of the "tcp" group (netstats_tcp_counters) */
#define NETSTATS_TCP_N_COUNTERS	13

/**
 * struct netstats_tcp_page - a page pair of TCP slots of one visibility class
 * @node: entry in its netns's netstats_tcp_net::pages
 * @page: the mapped pages (order 1): counters, then sequence numbers
 * @net: netns of the sockets (no reference: a socket with a slot holds
 *	one; held slots are freed before the netns goes)
 * @owner: the netlink socket (netstats_reg::owner_id) whose registrations
 *	by fd, or with CAP_NET_ADMIN by cookie, put the sockets here; 0 for
 *	the sockets that registrations of the counters only, or a directory
 *	group, gave a slot; NETSTATS_TCP_SOLO for a pair of one socket, which
 *	several netlink sockets registered with its sequence numbers
 * @unit: number of the pair in its netns, below NETSTATS_TCP_UNITS
 * @priv: what the directory group keeps for the pair, or NULL
 * @used: slots in use
 * @busy: slots in use
 * @dying: slots whose socket was destroyed, or moved to a page of its
 *	registrant (@moved too), waiting for the reaper
 * @moved: dying slots whose socket lives on in another slot
 * @reaping: dying slots the reaper took, waiting for an RCU grace period
 * @held: DEAD slots the directory group keeps in place
 *	(netstats_tcp_dir_ops::slot_dead)
 * @regs: per slot, the registrations mapping it
 * @uid: the user that registered the socket the pair was made for
 * @quota: it counts against @uid's and the netns's quota (the registrant
 *	had no CAP_NET_ADMIN over the netns)
 */
struct netstats_tcp_page {
	struct list_head node;
	struct page *page;
	possible_net_t net;
	u64 owner;
	kuid_t uid;
	bool quota;
	unsigned int unit;
	void *priv;
	unsigned int used;
	DECLARE_BITMAP(busy, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(dying, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(reaping, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(moved, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(held, NETSTATS_TCP_SLOTS);
	struct hlist_head regs[NETSTATS_TCP_SLOTS];
};

/**
 * struct netstats_tcp_net - the TCP slots of a netns
 * @lock: protects @pages, the pages' @busy, @used, @regs, @held and
 *	@priv, and what the directory group keeps
 * @pages: the netns's page pairs (struct netstats_tcp_page)
 * @node: entry in netstats_tcp_nets, for the reaper
 * @units: unit numbers of the netns's page pairs
 * @quota_units: units of pairs with netstats_tcp_page::quota
 * @rowpages: the netns's pages of rows of selected counters
 *	(struct netstats_tcp_rowpage)
 * @net: the netns
 */
struct netstats_tcp_net {
	/* see above */
	struct mutex lock;
	possible_net_t net;
	struct list_head pages;
	struct list_head node;
	struct ida units;
	unsigned int quota_units;
	struct list_head rowpages;
};

/**
 * struct netstats_tcp_dir_ops - a directory group following the page pairs
 * @pair_add: pair @p was made; an error frees it and fails its allocation
 * @pair_free: pair @p is about to be freed
 * @slot_free: slot @slot of @p is about to be freed
 * @slot_dead: the socket of slot @slot of @p was destroyed and its
 *	registrations moved to snapshots: return true to keep the slot
 *	(DEAD, set in @p's @held), false to let it be freed
 * @slot_moved: the socket in slot @old of @op moved to slot @st of @p
 * @reap: the reaper passes @p at @now: free the held slots whose time
 *	has come (netstats_tcp_slot_free()) and lower @next (jiffies, 0 for
 *	none) to the earliest time it must come back.  Return: true if @p
 *	went with its last slot.
 * @cells_dying: the socket of the compact block whose first cell is
 *	@cells was destroyed (its final values copied, tp->netstats_cells
 *	cleared): mark it for the reaper.  Any context, without the lock
 * @cells_take: the reaper takes the blocks marked dying in @tn since its
 *	last pass.  Return: true if there were any
 * @cells_reap: after an RCU grace period (no writer stores into the
 *	blocks taken any more), the reaper passes @tn at @now: turn the
 *	blocks taken DEAD, free those whose time has come, and lower @next
 *	as @reap does
 *
 * Each is called with the netns's netstats_tcp_net::lock held, but
 * @cells_dying.
 */
struct netstats_tcp_dir_ops {
	int (*pair_add)(struct netstats_tcp_page *p);
	void (*pair_free)(struct netstats_tcp_page *p);
	void (*slot_free)(struct netstats_tcp_page *p, unsigned int slot);
	bool (*slot_dead)(struct netstats_tcp_page *p, unsigned int slot);
	void (*slot_moved)(struct netstats_tcp_page *op, struct tcp_stats *old,
			   struct netstats_tcp_page *p, struct tcp_stats *st,
			   struct sock *sk);
	bool (*reap)(struct netstats_tcp_page *p, unsigned long now,
		     unsigned long *next);
	void (*cells_dying)(u64 *cells);
	bool (*cells_take)(struct netstats_tcp_net *tn);
	void (*cells_reap)(struct netstats_tcp_net *tn, unsigned long now,
			   unsigned long *next);
};

static inline struct netstats_tcp_page *netstats_tcp_page_of(struct tcp_stats *st)
{
	return (struct netstats_tcp_page *)page_private(virt_to_page(st));
}

static inline unsigned int netstats_tcp_slot_of(struct tcp_stats *st)
{
	return offset_in_page(st) / NETSTATS_TCP_SLOT;
}

static inline struct tcp_stats *netstats_tcp_slot(struct netstats_tcp_page *p,
						  unsigned int slot)
{
	return page_address(p->page) + slot * NETSTATS_TCP_SLOT;
}

extern const struct netstats_counter_desc
	netstats_tcp_counters[NETSTATS_TCP_N_COUNTERS];

struct netstats_tcp_net *netstats_tcp_net(const struct net *net);
struct tcp_stats *netstats_tcp_sk_slot(struct sock *sk, u64 owner,
				       const struct netstats_reg *reg,
				       struct netlink_ext_ack *extack);
bool netstats_tcp_slot_free(struct netstats_tcp_page *p, unsigned int slot);
void netstats_tcp_cells_sync(const struct tcp_sock *tp, u64 *cells,
			     unsigned int layout);
void netstats_tcp_reap_soon(void);
void netstats_tcp_reap_flush(void);
void netstats_tcp_dir_register(const struct netstats_tcp_dir_ops *ops);

#if IS_ENABLED(CONFIG_NETSTATS_DEBUG)
/* The debugfs directory netstats/ */
extern struct dentry *netstats_tcp_debugfs;
#endif

#endif /* _TCP_NETSTATS_PRIV_H */
