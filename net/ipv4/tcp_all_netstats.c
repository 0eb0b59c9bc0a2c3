// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "tcp-all": every TCP socket of a netns (a directory group).
 *
 * The slots of the "tcp" group live in page pairs, each with a unit
 * number in its netns.  While the netns has tcp-all registrations
 * (monitors), each unit also has a third page of entries naming the
 * socket of each slot (struct netstats_sock_entry).  A monitor maps a
 * sparse range: a header page, then per unit the counters page, the
 * sequence numbers page (CAP_NET_ADMIN only) and the entries page.  In
 * a monitored netns every socket gets a slot when it connects or is
 * accepted, and those that exist when the first monitor comes are
 * walked from the established hash.  A destroyed socket's slot then
 * turns DEAD in place, is announced, and lingers for the monitors'
 * dead-linger-ms before it is freed.
 *
 * A monitor that selects counters follows the same sockets with compact
 * blocks instead: [struct netstats_block_hdr][one u64 cell per selected
 * counter], 16, 32 or 64 bytes, in units of their own (order-0 counter
 * pages, then a page of 16-byte entries naming each block's socket by
 * cookie), reached through tp->netstats_cells.  The first selecting
 * monitor of a netns fixes its layout (the counters that have a cell);
 * later ones select among them and share the blocks.
 */

#include <linux/bitmap.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netstats.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcp_netstats_priv.h"

/*
 * Slots tcp-all gives the sockets of one user but root in a netns: a
 * quarter of the units; past it a socket is not followed and the
 * directory's @missed counts it.
 */
#define NETSTATS_TCP_UID_SLOTS	(NETSTATS_TCP_UNITS / 4 * NETSTATS_TCP_SLOTS)
#define NETSTATS_TCP_UNIT_PAGES	3
#define NETSTATS_TCP_ENTRY_PAGE	2

static_assert(sizeof(struct netstats_sock_entry) == NETSTATS_TCP_SLOT);

/*
 * Compact blocks: a unit has block_size / 16 counter pages and a page of
 * 16-byte entries, so PAGE_SIZE / 16 blocks whatever their size; a
 * block holds at most 7 cells (64 bytes with its header).
 */
#define NETSTATS_TCP_CENTRY	sizeof(struct netstats_sock_cookie_entry)
#define NETSTATS_TCP_CBLOCKS	(PAGE_SIZE / NETSTATS_TCP_CENTRY)
#define NETSTATS_TCP_CCELLS_MAX	7
#define NETSTATS_TCP_CPAGES_MAX	4
#define NETSTATS_TCP_UID_BLOCKS	(NETSTATS_TCP_UNITS / 4 * NETSTATS_TCP_CBLOCKS)

static_assert(NETSTATS_TCP_CENTRY == 16);
static_assert(sizeof(struct netstats_block_hdr) +
	      NETSTATS_TCP_CCELLS_MAX * sizeof(u64) <= 64);

struct netstats_tcp_cdir;

/**
 * struct netstats_tcp_cunit - a unit of compact blocks
 * @node: entry in netstats_tcp_cdir::units
 * @cd: its directory
 * @unit: its number in @cd
 * @used: blocks in use
 * @pages: the counter pages (page_private: this unit), then the page of
 *	entries (struct netstats_sock_cookie_entry) at netstats_tcp_cdir::cpages
 * @linger_until: when the @lingering blocks may be freed (jiffies)
 * @linger_next_until: when the @lingering_next blocks may be freed
 * @busy: blocks in use
 * @dying: blocks whose socket was destroyed or moved to another block,
 *	set in any context (netstats_tcp_cells_dying())
 * @moved: dying blocks whose socket lives on in another block
 * @reaping: dying blocks the reaper took, waiting for a grace period
 * @lingering: DEAD blocks kept for the monitors, freed first
 * @lingering_next: DEAD blocks kept for the monitors, freed next
 * @counted: blocks counted in their socket's user's share
 * @uid: per counted block, that user
 */
struct netstats_tcp_cunit {
	struct list_head node;
	struct netstats_tcp_cdir *cd;
	unsigned int unit;
	unsigned int used;
	struct page *pages[NETSTATS_TCP_CPAGES_MAX + 1];
	unsigned long linger_until;
	unsigned long linger_next_until;
	DECLARE_BITMAP(busy, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(dying, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(moved, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(reaping, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(lingering, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(lingering_next, NETSTATS_TCP_CBLOCKS);
	DECLARE_BITMAP(counted, NETSTATS_TCP_CBLOCKS);
	kuid_t uid[NETSTATS_TCP_CBLOCKS];
};

/**
 * struct netstats_tcp_cdir - the compact blocks of one layout in a netns
 * @node: entry in netstats_tcp_all_net::cdirs
 * @units: its units (struct netstats_tcp_cunit)
 * @monitors: the selecting monitors that map it (struct
 *	netstats_tcp_monitor); only the netns's current directory has any
 * @nr_monitors: length of @monitors
 * @ida: unit numbers
 * @dir: the directory header page its monitors map
 * @layout: the counters its blocks have (bit i: TCP_NETSTATS_SEL_* i)
 * @block_size: bytes per block: 16, 32 or 64
 * @cpages: counter pages per unit (@block_size / 16); the page of entries
 *	follows them
 *
 * Made by the first selecting monitor of a layout, freed once it has
 * neither monitors nor units.
 */
struct netstats_tcp_cdir {
	struct list_head node;
	struct list_head units;
	struct list_head monitors;
	unsigned int nr_monitors;
	struct ida ida;
	struct page *dir;
	u8 layout;
	unsigned int block_size;
	unsigned int cpages;
};

/**
 * struct netstats_tcp_unit - what tcp-all keeps for a page pair
 * @entries: the page of entries naming each slot's socket
 * @linger_until: when the @lingering slots may be freed (jiffies)
 * @linger_next_until: when the @lingering_next slots may be freed
 * @lingering: DEAD slots kept for the monitors, freed first
 * @lingering_next: DEAD slots kept for the monitors, freed next
 * @counted: slots counted in their socket's user's share
 * @slot_uid: per counted slot, that user
 *
 * Made when the netns is first monitored (or with the pair if it is),
 * kept with the pair.
 */
struct netstats_tcp_unit {
	struct page *entries;
	unsigned long linger_until;
	unsigned long linger_next_until;
	DECLARE_BITMAP(lingering, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(lingering_next, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(counted, NETSTATS_TCP_SLOTS);
	kuid_t slot_uid[NETSTATS_TCP_SLOTS];
};

/**
 * struct netstats_tcp_all_net - the tcp-all state of a netns
 * @monitors: its tcp-all registrations (struct netstats_tcp_monitor)
 * @nr_monitors: length of @monitors, read locklessly on connect/accept
 * @dir: the directory header page (struct netstats_dir_hdr), allocated
 *	with the first monitor and kept until the netns goes
 * @uid_slots: kuid -> slots tcp-all gave that user's sockets
 * @nr_all: monitors of both kinds, read locklessly on connect/accept
 * @cdirs: the compact directories (struct netstats_tcp_cdir)
 * @cur: the one the selecting monitors map, NULL while there is none
 * @uid_blocks: kuid -> compact blocks tcp-all gave that user's sockets
 * @ready: set up, and not yet torn down: the reaper, which passes every
 *	netns of the tcp group (netstats_tcp_dir_ops::cells_take), may
 *	come before this netns's init of tcp-all or after its exit
 *
 * Under the netns's netstats_tcp_net::lock, which connect/accept take
 * only while the netns is monitored, and no other netns's.  @monitors
 * and @nr_monitors are the monitors of every counter (full slots).
 */
struct netstats_tcp_all_net {
	struct list_head monitors;
	unsigned int nr_monitors;
	struct page *dir;
	struct xarray uid_slots;
	unsigned int nr_all;
	struct list_head cdirs;
	struct netstats_tcp_cdir *cur;
	struct xarray uid_blocks;
	bool ready;
};

/**
 * struct netstats_tcp_monitor - a tcp-all registration
 * @node: entry in netstats_tcp_all_net::monitors
 * @reg: the registration
 * @linger: how long a dead socket's slot stays DEAD in place (jiffies)
 * @cd: the compact directory of a selecting monitor, else NULL
 */
struct netstats_tcp_monitor {
	struct list_head node;
	struct netstats_reg *reg;
	unsigned long linger;
	struct netstats_tcp_cdir *cd;
};

static unsigned int netstats_tcp_all_net_id __read_mostly;

#if IS_ENABLED(CONFIG_NETSTATS_DEBUG)
/* debugfs netstats/tcp_monitor_delay_ms: connect/accept in the netns of
 * cookie netstats/tcp_monitor_delay_netns (SO_NETNS_COOKIE) sleeps this
 * long while it holds the netns's lock.
 */
static u32 netstats_tcp_monitor_delay_ms;
static u64 netstats_tcp_monitor_delay_netns;

static void netstats_tcp_debug_monitor_delay(const struct net *net)
{
	u32 ms = READ_ONCE(netstats_tcp_monitor_delay_ms);

	if (ms && net->net_cookie == READ_ONCE(netstats_tcp_monitor_delay_netns))
		msleep(min(ms, 5000U));
}

/* debugfs netstats/tcp_uid_slots: a user's share of tcp-all slots, if
 * not 0.
 */
static u32 netstats_tcp_uid_slots_dbg;

static unsigned long netstats_tcp_uid_slots(void)
{
	return READ_ONCE(netstats_tcp_uid_slots_dbg) ?: NETSTATS_TCP_UID_SLOTS;
}

/* ... and of compact blocks */
static unsigned long netstats_tcp_uid_blocks(void)
{
	return READ_ONCE(netstats_tcp_uid_slots_dbg) ?: NETSTATS_TCP_UID_BLOCKS;
}

static void netstats_tcp_all_debugfs_init(void)
{
	struct dentry *dir = netstats_tcp_debugfs;

	debugfs_create_u32("tcp_uid_slots", 0600, dir,
			   &netstats_tcp_uid_slots_dbg);
	debugfs_create_u32("tcp_monitor_delay_ms", 0600, dir,
			   &netstats_tcp_monitor_delay_ms);
	debugfs_create_u64("tcp_monitor_delay_netns", 0600, dir,
			   &netstats_tcp_monitor_delay_netns);
}
#else
static unsigned long netstats_tcp_uid_slots(void)
{
	return NETSTATS_TCP_UID_SLOTS;
}

static unsigned long netstats_tcp_uid_blocks(void)
{
	return NETSTATS_TCP_UID_BLOCKS;
}

static void netstats_tcp_debug_monitor_delay(const struct net *net)
{
}

static void netstats_tcp_all_debugfs_init(void)
{
}
#endif

static struct netstats_tcp_all_net *netstats_tcp_all_net(const struct net *net)
{
	return net_generic(net, netstats_tcp_all_net_id);
}

static struct netstats_tcp_all_net *
netstats_tcp_page_all_net(struct netstats_tcp_page *p)
{
	return netstats_tcp_all_net(read_pnet(&p->net));
}

static struct netstats_sock_entry *
netstats_tcp_entry(struct netstats_tcp_page *p, struct tcp_stats *st)
{
	struct netstats_tcp_unit *u = p->priv;

	return page_address(u->entries) + offset_in_page(st);
}

/* Name @sk in the entry of its slot @st; @p is monitored. */
static void netstats_tcp_entry_fill(struct netstats_tcp_page *p,
				    struct tcp_stats *st, struct sock *sk)
{
	struct netstats_sock_entry *e = netstats_tcp_entry(p, st);
	const struct inet_sock *inet = inet_sk(sk);
	u32 seq = e->seq;

	lockdep_assert_held(&netstats_tcp_net(read_pnet(&p->net))->lock);

	WRITE_ONCE(e->seq, seq + 1);
	smp_wmb();	/* seq odd before the fields change */
	e->generation = READ_ONCE(st->hdr.generation);
	e->family = sk->sk_family;
	e->sport = inet->inet_sport;
	e->dport = inet->inet_dport;
	e->cookie = sock_gen_cookie(sk);
	memset(e->src, 0, sizeof(e->src));
	memset(e->dst, 0, sizeof(e->dst));
	if (sk->sk_family == AF_INET) {
		memcpy(e->src, &inet->inet_rcv_saddr, sizeof(__be32));
		memcpy(e->dst, &inet->inet_daddr, sizeof(__be32));
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		memcpy(e->src, &sk->sk_v6_rcv_saddr, sizeof(struct in6_addr));
		memcpy(e->dst, &sk->sk_v6_daddr, sizeof(struct in6_addr));
#endif
	}
	smp_wmb();	/* the fields before seq turns even */
	WRITE_ONCE(e->seq, seq + 2);
}

/* Show (or hide) unit @p to monitor @m. */
static int netstats_tcp_monitor_unit(struct netstats_tcp_monitor *m,
				     struct netstats_tcp_page *p, bool show)
{
	struct netstats_tcp_unit *u = p->priv;
	struct netstats_reg *reg = m->reg;
	unsigned long pgoff;
	int err;

	pgoff = reg->pgoff + 1 + p->unit * NETSTATS_TCP_UNIT_PAGES;
	err = netstats_map_set(reg->map, pgoff, show ? p->page : NULL);
	if (!err && reg->net_admin)
		err = netstats_map_set(reg->map, pgoff + 1,
				       show ? p->page + 1 : NULL);
	if (!err)
		err = netstats_map_set(reg->map, pgoff + NETSTATS_TCP_ENTRY_PAGE,
				       show ? u->entries : NULL);
	return err;
}

/* Give unit @p its page of entries and show it to every monitor. */
static int netstats_tcp_page_monitor(struct netstats_tcp_all_net *an,
				     struct netstats_tcp_page *p)
{
	struct netstats_dir_hdr *dh = page_address(an->dir);
	struct netstats_tcp_monitor *m;
	struct netstats_tcp_unit *u;
	int err;

	if (!p->priv) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u)
			return -ENOMEM;
		u->entries = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!u->entries) {
			kfree(u);
			return -ENOMEM;
		}
		p->priv = u;
	}
	list_for_each_entry(m, &an->monitors, node) {
		err = netstats_tcp_monitor_unit(m, p, true);
		if (err)
			return err;
	}
	if (p->unit >= dh->units)
		WRITE_ONCE(dh->units, p->unit + 1);
	return 0;
}

static int netstats_tcp_all_pair_add(struct netstats_tcp_page *p)
{
	struct netstats_tcp_all_net *an = netstats_tcp_page_all_net(p);

	return an->nr_monitors ? netstats_tcp_page_monitor(an, p) : 0;
}

static void netstats_tcp_all_pair_free(struct netstats_tcp_page *p)
{
	struct netstats_tcp_all_net *an = netstats_tcp_page_all_net(p);
	struct netstats_tcp_unit *u = p->priv;
	struct netstats_tcp_monitor *m;

	if (!u)
		return;
	list_for_each_entry(m, &an->monitors, node)
		netstats_tcp_monitor_unit(m, p, false);
	__free_page(u->entries);
	kfree(u);
	p->priv = NULL;
}

/* Slots tcp-all gave the sockets of @uid in @an. */
static unsigned long netstats_tcp_uid_used(struct netstats_tcp_all_net *an,
					   kuid_t uid)
{
	void *v = xa_load(&an->uid_slots, __kuid_val(uid));

	return v ? xa_to_value(v) : 0;
}

static void netstats_tcp_all_slot_free(struct netstats_tcp_page *p,
				       unsigned int slot)
{
	struct netstats_tcp_all_net *an = netstats_tcp_page_all_net(p);
	struct netstats_tcp_unit *u = p->priv;
	unsigned long n;
	kuid_t uid;

	if (!u || !__test_and_clear_bit(slot, u->counted))
		return;
	uid = u->slot_uid[slot];
	n = netstats_tcp_uid_used(an, uid);
	if (n > 1)
		xa_store(&an->uid_slots, __kuid_val(uid), xa_mk_value(n - 1),
			 GFP_KERNEL);
	else
		xa_erase(&an->uid_slots, __kuid_val(uid));
}

/* The longest dead-linger-ms of the netns's monitors. */
static unsigned long netstats_tcp_linger(struct netstats_tcp_all_net *an)
{
	struct netstats_tcp_monitor *m;
	unsigned long linger = 0;

	list_for_each_entry(m, &an->monitors, node)
		linger = max(linger, m->linger);
	return linger;
}

/*
 * A monitored socket died: its slot turns DEAD in place and lingers for
 * the monitors.  Lingering slots of a page form two cohorts: the first
 * is freed at @linger_until, the second (still growing) then becomes
 * the first, so a slot lingers at least, and at most about twice, the
 * longest dead-linger-ms.
 */
static bool netstats_tcp_all_slot_dead(struct netstats_tcp_page *p,
				       unsigned int slot)
{
	struct netstats_tcp_all_net *an = netstats_tcp_page_all_net(p);
	struct tcp_stats *st = netstats_tcp_slot(p, slot);
	struct netstats_tcp_unit *u = p->priv;
	struct netstats_tcp_monitor *m;
	struct netstats_sock_entry *e;
	unsigned long until;

	if (!an->nr_monitors || !u)
		return false;
	e = netstats_tcp_entry(p, st);
	until = jiffies + netstats_tcp_linger(an);
	WRITE_ONCE(st->hdr.state, NETSTATS_BLOCK_DEAD);
	/* A slot no entry names (e.g. a listener registered by fd) is
	 * nothing the monitors follow.
	 */
	if (e->family && e->generation == st->hdr.generation)
		list_for_each_entry(m, &an->monitors, node)
			netstats_notify_sock_dead(m->reg, e->cookie);
	__set_bit(slot, p->held);
	if (bitmap_empty(u->lingering, NETSTATS_TCP_SLOTS)) {
		__set_bit(slot, u->lingering);
		u->linger_until = until;
	} else {
		__set_bit(slot, u->lingering_next);
		u->linger_next_until = until;
	}
	return true;
}

/*
 * Free the lingering slots of @p whose time has come (all of them once
 * the netns has no monitor); @next: the earliest time still waited for.
 * Return: true if the page went with its last slot.
 */
static bool netstats_tcp_all_reap(struct netstats_tcp_page *p,
				  unsigned long now, unsigned long *next)
{
	struct netstats_tcp_all_net *an = netstats_tcp_page_all_net(p);
	struct netstats_tcp_unit *u = p->priv;
	unsigned int slot;

	if (!u)
		return false;
	while (!bitmap_empty(u->lingering, NETSTATS_TCP_SLOTS)) {
		if (an->nr_monitors && time_before(now, u->linger_until)) {
			if (!*next || time_before(u->linger_until, *next))
				*next = u->linger_until;
			return false;
		}
		for_each_set_bit(slot, u->lingering, NETSTATS_TCP_SLOTS) {
			__clear_bit(slot, u->lingering);
			__clear_bit(slot, p->held);
			/* Only with the last slot, so the cohorts are empty
			 * (and @u is gone with the page).
			 */
			if (netstats_tcp_slot_free(p, slot))
				return true;
		}
		bitmap_copy(u->lingering, u->lingering_next, NETSTATS_TCP_SLOTS);
		bitmap_zero(u->lingering_next, NETSTATS_TCP_SLOTS);
		u->linger_until = u->linger_next_until;
	}
	return false;
}

/* The monitors follow a moved socket to its new slot if they followed
 * it in the old one.
 */
static void netstats_tcp_all_slot_moved(struct netstats_tcp_page *op,
					struct tcp_stats *old,
					struct netstats_tcp_page *p,
					struct tcp_stats *st, struct sock *sk)
{
	struct netstats_sock_entry *e;

	if (!p->priv || !op->priv)
		return;
	e = netstats_tcp_entry(op, old);
	if (e->family && e->generation == old->hdr.generation)
		netstats_tcp_entry_fill(p, st, sk);
}

/* --- compact blocks of selecting monitors ------------------------------ */

static struct netstats_tcp_cunit *netstats_tcp_cunit_of(const u64 *cells)
{
	return (struct netstats_tcp_cunit *)page_private(virt_to_page(cells));
}

/* Block @b of @cu: its header, the cells follow. */
static struct netstats_block_hdr *
netstats_tcp_cblock(struct netstats_tcp_cunit *cu, unsigned int b)
{
	unsigned int bs = cu->cd->block_size, per_page = PAGE_SIZE / bs;

	return page_address(cu->pages[b / per_page]) + (b % per_page) * bs;
}

/* The number in its unit @cu of the block whose first cell is @cells. */
static unsigned int netstats_tcp_cblock_of(struct netstats_tcp_cunit *cu,
					   const u64 *cells)
{
	unsigned int bs = cu->cd->block_size, j = 0;
	struct page *page = virt_to_page(cells);

	while (j < NETSTATS_TCP_CPAGES_MAX && cu->pages[j] != page)
		j++;
	return j * (PAGE_SIZE / bs) + offset_in_page(cells) / bs;
}

static struct netstats_sock_cookie_entry *
netstats_tcp_centry(struct netstats_tcp_cunit *cu, unsigned int b)
{
	return page_address(cu->pages[cu->cd->cpages]) + b * NETSTATS_TCP_CENTRY;
}

/* Name @sk (or nobody: @sk NULL) in the entry of block @b of @cu. */
static void netstats_tcp_centry_fill(struct netstats_tcp_cunit *cu,
				     unsigned int b, struct sock *sk)
{
	struct netstats_sock_cookie_entry *e = netstats_tcp_centry(cu, b);
	struct netstats_block_hdr *hdr = netstats_tcp_cblock(cu, b);
	u32 seq = e->seq;

	WRITE_ONCE(e->seq, seq + 1);
	smp_wmb();	/* seq odd before the fields change */
	WRITE_ONCE(e->generation, READ_ONCE(hdr->generation));
	WRITE_ONCE(e->cookie, sk ? sock_gen_cookie(sk) : 0);
	smp_wmb();	/* the fields before seq turns even */
	WRITE_ONCE(e->seq, seq + 2);
}

static struct netstats_dir_hdr *netstats_tcp_cdir_hdr(struct netstats_tcp_cdir *cd)
{
	return page_address(cd->dir);
}

/* Show (or hide) unit @cu to selecting monitor @m. */
static int netstats_tcp_cmonitor_unit(struct netstats_tcp_monitor *m,
				      struct netstats_tcp_cunit *cu, bool show)
{
	struct netstats_reg *reg = m->reg;
	unsigned int j, n = cu->cd->cpages + 1;
	unsigned long pgoff;
	int err = 0;

	pgoff = reg->pgoff + 1 + (unsigned long)cu->unit * n;
	for (j = 0; j < n && !err; j++)
		err = netstats_map_set(reg->map, pgoff + j,
				       show ? cu->pages[j] : NULL);
	return err;
}

static void netstats_tcp_cunit_free(struct netstats_tcp_cunit *cu)
{
	struct netstats_tcp_cdir *cd = cu->cd;
	struct netstats_tcp_monitor *m;
	unsigned int j;

	list_for_each_entry(m, &cd->monitors, node)
		netstats_tcp_cmonitor_unit(m, cu, false);
	list_del(&cu->node);
	ida_free(&cd->ida, cu->unit);
	for (j = 0; j <= cd->cpages; j++) {
		set_page_private(cu->pages[j], 0);
		__free_page(cu->pages[j]);
	}
	netstats_dir_add(-(long)((cd->cpages + 1) * PAGE_SIZE), 0);
	kfree(cu);
	static_branch_dec(&netstats_tcp_cells_mirror);
	static_branch_dec(&netstats_tcp_any_mirror);
}

/* A new unit of @cd, shown to its monitors. */
static struct netstats_tcp_cunit *
netstats_tcp_cunit_alloc(struct netstats_tcp_cdir *cd)
{
	struct netstats_dir_hdr *dh = netstats_tcp_cdir_hdr(cd);
	struct netstats_tcp_monitor *m;
	struct netstats_tcp_cunit *cu;
	unsigned int j;
	int unit;

	cu = kzalloc(sizeof(*cu), GFP_KERNEL_ACCOUNT);
	if (!cu)
		return NULL;
	unit = ida_alloc_max(&cd->ida, NETSTATS_TCP_UNITS - 1,
			     GFP_KERNEL_ACCOUNT);
	if (unit < 0)
		goto err_free;
	for (j = 0; j <= cd->cpages; j++) {
		cu->pages[j] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!cu->pages[j])
			goto err_pages;
		set_page_private(cu->pages[j], (unsigned long)cu);
	}
	/* Before any socket can point to a block of the unit. */
	static_branch_inc(&netstats_tcp_any_mirror);
	static_branch_inc(&netstats_tcp_cells_mirror);
	netstats_dir_add((cd->cpages + 1) * PAGE_SIZE, 0);
	cu->cd = cd;
	cu->unit = unit;
	list_add_tail(&cu->node, &cd->units);
	list_for_each_entry(m, &cd->monitors, node) {
		if (netstats_tcp_cmonitor_unit(m, cu, true)) {
			netstats_tcp_cunit_free(cu);
			return NULL;
		}
	}
	if (unit >= dh->units)
		WRITE_ONCE(dh->units, unit + 1);
	return cu;

err_pages:
	while (j--)
		__free_page(cu->pages[j]);
	ida_free(&cd->ida, unit);
err_free:
	kfree(cu);
	return NULL;
}

/* Compact blocks tcp-all gave the sockets of @uid in @an. */
static unsigned long netstats_tcp_uid_cused(struct netstats_tcp_all_net *an,
					    kuid_t uid)
{
	void *v = xa_load(&an->uid_blocks, __kuid_val(uid));

	return v ? xa_to_value(v) : 0;
}

/*
 * Free block @b of @cu, which no writer reaches: its entry names nobody
 * first.  Return: true if the unit went with its last block.
 */
static bool netstats_tcp_cblock_free(struct netstats_tcp_all_net *an,
				     struct netstats_tcp_cunit *cu,
				     unsigned int b)
{
	struct netstats_block_hdr *hdr = netstats_tcp_cblock(cu, b);
	unsigned long n;
	kuid_t uid;

	netstats_tcp_centry_fill(cu, b, NULL);
	WRITE_ONCE(hdr->state, 0);
	netstats_block_next(hdr);
	if (__test_and_clear_bit(b, cu->counted)) {
		uid = cu->uid[b];
		n = netstats_tcp_uid_cused(an, uid);
		if (n > 1)
			xa_store(&an->uid_blocks, __kuid_val(uid),
				 xa_mk_value(n - 1), GFP_KERNEL);
		else
			xa_erase(&an->uid_blocks, __kuid_val(uid));
	}
	__clear_bit(b, cu->busy);
	netstats_dir_add(0, -1);
	if (--cu->used)
		return false;
	netstats_tcp_cunit_free(cu);
	return true;
}

/* A unit of @cd with a free block, made if need be. */
static struct netstats_tcp_cunit *
netstats_tcp_cunit_get(struct netstats_tcp_cdir *cd)
{
	struct netstats_tcp_cunit *cu;

	list_for_each_entry(cu, &cd->units, node)
		if (cu->used < NETSTATS_TCP_CBLOCKS)
			return cu;
	return netstats_tcp_cunit_alloc(cd);
}

/*
 * Give @sk, a socket of a netns with selecting monitors, a block of
 * their directory @cd and name it there; a block of an older layout is
 * freed after a grace period.  @sk is locked (owned).
 */
static void netstats_tcp_cdir_sk(struct netstats_tcp_all_net *an,
				 struct netstats_tcp_cdir *cd, struct sock *sk)
{
	struct netstats_dir_hdr *dh = netstats_tcp_cdir_hdr(cd);
	struct tcp_sock *tp = tcp_sk(sk);
	struct netstats_tcp_cunit *cu, *ocu = NULL;
	struct netstats_block_hdr *hdr;
	u64 *cells, *old = tp->netstats_cells;
	unsigned int b, ob = 0;
	unsigned long n;
	kuid_t uid;

	if (old) {
		ocu = netstats_tcp_cunit_of(old);
		ob = netstats_tcp_cblock_of(ocu, old);
		if (ocu->cd == cd) {
			/* Named again: a new generation after a disconnect. */
			netstats_tcp_centry_fill(ocu, ob, sk);
			return;
		}
	}
	/* Orphaned and closed: destroyed already or about to be. */
	if (sock_flag(sk, SOCK_DEAD) && sk->sk_state == TCP_CLOSE)
		return;
	uid = sock_i_uid(sk);
	n = netstats_tcp_uid_cused(an, uid);
	if (!uid_eq(uid, GLOBAL_ROOT_UID) && n >= netstats_tcp_uid_blocks()) {
		WRITE_ONCE(dh->missed, dh->missed + 1);
		return;
	}
	cu = netstats_tcp_cunit_get(cd);
	if (!cu)
		return;
	b = find_first_zero_bit(cu->busy, NETSTATS_TCP_CBLOCKS);
	__set_bit(b, cu->busy);
	cu->used++;
	netstats_dir_add(0, 1);
	hdr = netstats_tcp_cblock(cu, b);
	cells = (u64 *)(hdr + 1);
	/* A stale reader of an earlier block here sees a new generation. */
	netstats_block_write_begin(hdr);
	memset(cells, 0, cd->block_size - sizeof(*hdr));
	WRITE_ONCE(hdr->state, NETSTATS_BLOCK_LIVE);
	netstats_block_write_end(hdr);
	if (!uid_eq(uid, GLOBAL_ROOT_UID) &&
	    !xa_err(xa_store(&an->uid_blocks, __kuid_val(uid),
			     xa_mk_value(n + 1), GFP_KERNEL))) {
		__set_bit(b, cu->counted);
		cu->uid[b] = uid;
	}

	/* Published as netstats_tcp_publish() does a slot: the values,
	 * the layout, then the pointer, under the socket spinlock.
	 */
	spin_lock_bh(&sk->sk_lock.slock);
	netstats_tcp_cells_sync(tp, cells, cd->layout);
	WRITE_ONCE(tp->netstats_cells, NULL);
	smp_wmb();	/* no old pointer with the new layout */
	WRITE_ONCE(tp->netstats_layout, cd->layout);
	smp_wmb();	/* the layout before the pointer */
	WRITE_ONCE(tp->netstats_cells, cells);
	spin_unlock_bh(&sk->sk_lock.slock);

	if (old) {
		/* Its socket lives on here: freed, not DEAD, after a grace
		 * period.
		 */
		__set_bit(ob, ocu->moved);
		set_bit(ob, ocu->dying);
		netstats_tcp_reap_soon();
	}
	netstats_tcp_centry_fill(cu, b, sk);
}

/* The socket of the block whose first cell is @cells was destroyed. */
static void netstats_tcp_cells_dying(u64 *cells)
{
	struct netstats_tcp_cunit *cu = netstats_tcp_cunit_of(cells);

	set_bit(netstats_tcp_cblock_of(cu, cells), cu->dying);
}

static bool netstats_tcp_cells_take(struct netstats_tcp_net *tn)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(read_pnet(&tn->net));
	struct netstats_tcp_cunit *cu;
	struct netstats_tcp_cdir *cd;
	bool any = false;
	unsigned int i;

	/* net_generic() is NULL before the netns's init of tcp-all. */
	if (!an || !an->ready)
		return false;

	list_for_each_entry(cd, &an->cdirs, node) {
		list_for_each_entry(cu, &cd->units, node) {
			for (i = 0; i < BITS_TO_LONGS(NETSTATS_TCP_CBLOCKS); i++) {
				/* Set without our lock, by any context. */
				unsigned long bits = xchg(&cu->dying[i], 0);

				cu->reaping[i] |= bits;
				any |= !!bits;
			}
		}
	}
	return any;
}

/* The longest dead-linger-ms of the monitors of @cd. */
static unsigned long netstats_tcp_clinger(struct netstats_tcp_cdir *cd)
{
	struct netstats_tcp_monitor *m;
	unsigned long linger = 0;

	list_for_each_entry(m, &cd->monitors, node)
		linger = max(linger, m->linger);
	return linger;
}

/*
 * The blocks of @cu whose socket was destroyed, after a grace period:
 * DEAD in place with their final values, announced, lingering as slots
 * do (netstats_tcp_all_slot_dead()); freed at once without monitors.
 * Return: true if the unit went with its last block.
 */
static bool netstats_tcp_cunit_dead(struct netstats_tcp_all_net *an,
				    struct netstats_tcp_cunit *cu)
{
	struct netstats_tcp_cdir *cd = cu->cd;
	struct netstats_sock_cookie_entry *e;
	struct netstats_block_hdr *hdr;
	struct netstats_tcp_monitor *m;
	unsigned long until;
	unsigned int b;

	until = jiffies + netstats_tcp_clinger(cd);
	for_each_set_bit(b, cu->reaping, NETSTATS_TCP_CBLOCKS) {
		__clear_bit(b, cu->reaping);
		if (__test_and_clear_bit(b, cu->moved) || !cd->nr_monitors) {
			if (netstats_tcp_cblock_free(an, cu, b))
				return true;
			continue;
		}
		hdr = netstats_tcp_cblock(cu, b);
		e = netstats_tcp_centry(cu, b);
		WRITE_ONCE(hdr->state, NETSTATS_BLOCK_DEAD);
		if (e->cookie && e->generation == hdr->generation)
			list_for_each_entry(m, &cd->monitors, node)
				netstats_notify_sock_dead(m->reg, e->cookie);
		if (bitmap_empty(cu->lingering, NETSTATS_TCP_CBLOCKS)) {
			__set_bit(b, cu->lingering);
			cu->linger_until = until;
		} else {
			__set_bit(b, cu->lingering_next);
			cu->linger_next_until = until;
		}
	}
	return false;
}

/* Free the lingering blocks of @cu whose time has come, as
 * netstats_tcp_all_reap() does slots.
 */
static void netstats_tcp_cunit_reap(struct netstats_tcp_all_net *an,
				    struct netstats_tcp_cunit *cu,
				    unsigned long now, unsigned long *next)
{
	unsigned int b;

	while (!bitmap_empty(cu->lingering, NETSTATS_TCP_CBLOCKS)) {
		if (cu->cd->nr_monitors && time_before(now, cu->linger_until)) {
			if (!*next || time_before(cu->linger_until, *next))
				*next = cu->linger_until;
			return;
		}
		for_each_set_bit(b, cu->lingering, NETSTATS_TCP_CBLOCKS) {
			__clear_bit(b, cu->lingering);
			/* Only with the last block: the cohorts are empty. */
			if (netstats_tcp_cblock_free(an, cu, b))
				return;
		}
		bitmap_copy(cu->lingering, cu->lingering_next,
			    NETSTATS_TCP_CBLOCKS);
		bitmap_zero(cu->lingering_next, NETSTATS_TCP_CBLOCKS);
		cu->linger_until = cu->linger_next_until;
	}
}

/* Free the compact directories that have neither monitors nor units. */
static void netstats_tcp_cdir_gc(struct netstats_tcp_all_net *an)
{
	struct netstats_tcp_cdir *cd, *tmp;

	list_for_each_entry_safe(cd, tmp, &an->cdirs, node) {
		if (cd == an->cur || cd->nr_monitors ||
		    !list_empty(&cd->units))
			continue;
		list_del(&cd->node);
		ida_destroy(&cd->ida);
		__free_page(cd->dir);
		kfree(cd);
	}
}

static void netstats_tcp_cells_reap(struct netstats_tcp_net *tn,
				    unsigned long now, unsigned long *next)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(read_pnet(&tn->net));
	struct netstats_tcp_cunit *cu, *tmp;
	struct netstats_tcp_cdir *cd;

	if (!an || !an->ready)
		return;
	list_for_each_entry(cd, &an->cdirs, node) {
		list_for_each_entry_safe(cu, tmp, &cd->units, node) {
			if (!netstats_tcp_cunit_dead(an, cu))
				netstats_tcp_cunit_reap(an, cu, now, next);
		}
	}
	netstats_tcp_cdir_gc(an);
}

static const struct netstats_tcp_dir_ops netstats_tcp_all_dir_ops = {
	.pair_add	= netstats_tcp_all_pair_add,
	.pair_free	= netstats_tcp_all_pair_free,
	.slot_free	= netstats_tcp_all_slot_free,
	.slot_dead	= netstats_tcp_all_slot_dead,
	.slot_moved	= netstats_tcp_all_slot_moved,
	.reap		= netstats_tcp_all_reap,
	.cells_dying	= netstats_tcp_cells_dying,
	.cells_take	= netstats_tcp_cells_take,
	.cells_reap	= netstats_tcp_cells_reap,
};

/* Give a socket of a monitored netns a slot and name it in its entry. */
static void netstats_tcp_full_sk(struct sock *sk)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(sock_net(sk));
	kuid_t uid = GLOBAL_ROOT_UID;
	struct netstats_tcp_page *p;
	struct netstats_tcp_unit *u;
	unsigned long n = 0;
	struct tcp_stats *st;

	lockdep_assert_held(&netstats_tcp_net(sock_net(sk))->lock);

	if (!READ_ONCE(an->nr_monitors))
		return;
	/* A new slot counts in its user's share: one user's sockets cannot
	 * take the units every monitor of the netns follows.
	 */
	if (!tcp_sk(sk)->netstats) {
		uid = sock_i_uid(sk);
		n = netstats_tcp_uid_used(an, uid);
		if (!uid_eq(uid, GLOBAL_ROOT_UID) &&
		    n >= netstats_tcp_uid_slots()) {
			struct netstats_dir_hdr *dh = page_address(an->dir);

			WRITE_ONCE(dh->missed, dh->missed + 1);
			return;
		}
	}
	st = netstats_tcp_sk_slot(sk, 0, NULL, NULL);
	if (IS_ERR(st))
		return;
	p = netstats_tcp_page_of(st);
	u = p->priv;
	if (!uid_eq(uid, GLOBAL_ROOT_UID) &&
	    !xa_err(xa_store(&an->uid_slots, __kuid_val(uid), xa_mk_value(n + 1),
			     GFP_KERNEL))) {
		__set_bit(netstats_tcp_slot_of(st), u->counted);
		u->slot_uid[netstats_tcp_slot_of(st)] = uid;
	}
	netstats_tcp_entry_fill(p, st, sk);
}

/* A slot for the monitors of every counter, a compact block for the
 * selecting ones.
 */
static void __netstats_tcp_monitor_sk(struct sock *sk)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(sock_net(sk));

	lockdep_assert_held(&netstats_tcp_net(sock_net(sk))->lock);

	netstats_tcp_full_sk(sk);
	if (an->cur)
		netstats_tcp_cdir_sk(an, an->cur, sk);
}

/**
 * netstats_tcp_monitor_sk() - a TCP socket connects or is accepted
 * @sk: the socket, locked (owned), from tcp_connect() and __inet_accept()
 *
 * In a netns followed by tcp-all registrations the socket gets a slot
 * and an entry naming it; elsewhere this costs a load and a branch.
 * Kernel sockets are not followed.
 */
void netstats_tcp_monitor_sk(struct sock *sk)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(sock_net(sk));
	struct netstats_tcp_net *tn;

	if (likely(!READ_ONCE(an->nr_all)) || !sk->sk_net_refcnt)
		return;
	tn = netstats_tcp_net(sock_net(sk));
	mutex_lock(&tn->lock);
	netstats_tcp_debug_monitor_delay(sock_net(sk));
	__netstats_tcp_monitor_sk(sk);
	mutex_unlock(&tn->lock);
}

/* A socket found in the established hash when a monitor came. */
static void netstats_tcp_monitor_found(struct sock *sk)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(sock_net(sk));

	/* A child still in its listener's accept queue is not ours to
	 * lock: __inet_accept() names it when accepted.
	 */
	if (!READ_ONCE(sk->sk_socket) && !sock_flag(sk, SOCK_DEAD))
		return;
	lock_sock(sk);
	mutex_lock(&tn->lock);
	__netstats_tcp_monitor_sk(sk);
	mutex_unlock(&tn->lock);
	release_sock(sk);
}

/*
 * Name every socket of @net that already exists, as inet_diag finds
 * them: full sockets of the established hash (not listeners, request or
 * timewait sockets).  Sockets that connect or are accepted from now on
 * name themselves (netstats_tcp_monitor_sk()).
 */
static void netstats_tcp_monitor_walk(struct net *net)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct sock *batch[32];
	unsigned int i, j, n, pos, skip;
	bool more;

	for (i = 0; i <= hinfo->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &hinfo->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(hinfo, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		skip = 0;
		do {
			if (hlist_nulls_empty(&head->chain))
				break;
			n = 0;
			pos = 0;
			more = false;
			spin_lock_bh(lock);
			sk_nulls_for_each(sk, node, &head->chain) {
				if (!net_eq(sock_net(sk), net) ||
				    !sk_fullsock(sk) || !sk->sk_net_refcnt)
					continue;
				if (pos < skip) {
					pos++;
					continue;
				}
				if (n == ARRAY_SIZE(batch)) {
					more = true;
					break;
				}
				pos++;
				if (refcount_inc_not_zero(&sk->sk_refcnt))
					batch[n++] = sk;
			}
			spin_unlock_bh(lock);
			for (j = 0; j < n; j++) {
				netstats_tcp_monitor_found(batch[j]);
				sock_put(batch[j]);
			}
			skip = pos;
		} while (more);
		cond_resched();
	}
}

static void netstats_tcp_dir_init(struct netstats_dir_hdr *dh)
{
	dh->hdr.generation = 2;
	dh->hdr.state = NETSTATS_BLOCK_LIVE;
	dh->max_units = NETSTATS_TCP_UNITS;
	dh->unit_pages = NETSTATS_TCP_UNIT_PAGES;
	dh->blocks_per_unit = NETSTATS_TCP_SLOTS;
	dh->block_size = NETSTATS_TCP_SLOT;
	dh->entry_page = NETSTATS_TCP_ENTRY_PAGE;
	dh->entry_size = sizeof(struct netstats_sock_entry);
}

/* Show the netns's directory and units to a new monitor. */
static int netstats_tcp_monitor_add(struct netstats_tcp_net *tn,
				    struct netstats_tcp_all_net *an,
				    struct netstats_tcp_monitor *m)
{
	struct netstats_reg *reg = m->reg;
	struct netstats_tcp_page *p;
	int err;

	lockdep_assert_held(&tn->lock);

	if (!an->dir) {
		an->dir = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!an->dir)
			return -ENOMEM;
		netstats_tcp_dir_init(page_address(an->dir));
	}
	err = netstats_map_set(reg->map, reg->pgoff, an->dir);
	if (err)
		return err;
	list_add(&m->node, &an->monitors);
	WRITE_ONCE(an->nr_monitors, an->nr_monitors + 1);
	WRITE_ONCE(an->nr_all, an->nr_all + 1);
	list_for_each_entry(p, &tn->pages, node) {
		if (p->priv)
			err = netstats_tcp_monitor_unit(m, p, true);
		else
			err = netstats_tcp_page_monitor(an, p);
		if (err) {
			list_del(&m->node);
			WRITE_ONCE(an->nr_monitors, an->nr_monitors - 1);
			WRITE_ONCE(an->nr_all, an->nr_all - 1);
			return err;
		}
	}
	return 0;
}

/* A compact directory of @layout in @an, or NULL. */
static struct netstats_tcp_cdir *
netstats_tcp_cdir_alloc(struct netstats_tcp_all_net *an, unsigned int layout)
{
	unsigned int ncells = hweight8(layout);
	struct netstats_tcp_cdir *cd;
	struct netstats_dir_hdr *dh;

	cd = kzalloc(sizeof(*cd), GFP_KERNEL_ACCOUNT);
	if (!cd)
		return NULL;
	cd->dir = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!cd->dir) {
		kfree(cd);
		return NULL;
	}
	INIT_LIST_HEAD(&cd->units);
	INIT_LIST_HEAD(&cd->monitors);
	ida_init(&cd->ida);
	cd->layout = layout;
	/* 16, 32 or 64: a block never crosses a 64-byte line. */
	cd->block_size = roundup_pow_of_two(sizeof(u64) * (1 + ncells));
	cd->cpages = cd->block_size / NETSTATS_TCP_CENTRY;
	dh = netstats_tcp_cdir_hdr(cd);
	dh->hdr.generation = 2;
	dh->hdr.state = NETSTATS_BLOCK_LIVE;
	dh->max_units = NETSTATS_TCP_UNITS;
	dh->unit_pages = cd->cpages + 1;
	dh->blocks_per_unit = NETSTATS_TCP_CBLOCKS;
	dh->block_size = cd->block_size;
	dh->entry_page = cd->cpages;
	dh->entry_size = NETSTATS_TCP_CENTRY;
	list_add(&cd->node, &an->cdirs);
	return cd;
}

/* "tcp-all follows bytes_received,bytes_sent here": within an extack. */
static void netstats_tcp_cdir_busy(struct netlink_ext_ack *extack,
				   unsigned long layout)
{
	char names[32] = "";
	size_t len = 0, n;
	unsigned int i;

	for_each_set_bit(i, &layout, TCP_NETSTATS_SEL_MAX) {
		n = strlen(netstats_tcp_counters[i].name) + !!len;
		if (len + n > sizeof(names) - 1 - 4) {
			strscpy(names + len, ",...", sizeof(names) - len);
			break;
		}
		len += scnprintf(names + len, sizeof(names) - len, "%s%s",
				 len ? "," : "", netstats_tcp_counters[i].name);
	}
	NL_SET_ERR_MSG_FMT(extack,
			   "tcp-all follows %s here: select among them, or none",
			   names);
}

static void netstats_tcp_cmonitor_del(struct netstats_tcp_all_net *an,
				      struct netstats_tcp_monitor *m)
{
	struct netstats_tcp_cdir *cd = m->cd;

	list_del(&m->node);
	cd->nr_monitors--;
	WRITE_ONCE(an->nr_all, an->nr_all - 1);
	/* Its blocks stay until their sockets die; new sockets get none. */
	if (!cd->nr_monitors)
		an->cur = NULL;
}

/*
 * Map the compact directory of the netns's selection for a monitor that
 * selected @layout: the first selecting monitor fixes it, later ones
 * select among it and share the blocks.
 */
static int netstats_tcp_cmonitor_add(struct netstats_tcp_all_net *an,
				     struct netstats_tcp_monitor *m,
				     unsigned int layout,
				     struct netlink_ext_ack *extack)
{
	struct netstats_tcp_cdir *cd = an->cur;
	struct netstats_reg *reg = m->reg;
	struct netstats_tcp_cunit *cu;
	int err;

	if (cd) {
		if (layout & ~cd->layout) {
			netstats_tcp_cdir_busy(extack, cd->layout);
			return -EBUSY;
		}
	} else {
		/* The blocks of an earlier selection of the same counters
		 * serve again.
		 */
		list_for_each_entry(cd, &an->cdirs, node)
			if (cd->layout == layout)
				goto found;
		cd = netstats_tcp_cdir_alloc(an, layout);
		if (!cd)
			return -ENOMEM;
	}
found:
	reg->npages = 1 + NETSTATS_TCP_UNITS * (cd->cpages + 1);
	err = netstats_map_reserve(reg->map, reg->npages, &reg->pgoff);
	if (err)
		goto err_gc;
	err = netstats_map_set(reg->map, reg->pgoff, cd->dir);
	if (err)
		goto err_remove;
	m->cd = cd;
	list_add(&m->node, &cd->monitors);
	cd->nr_monitors++;
	an->cur = cd;
	WRITE_ONCE(an->nr_all, an->nr_all + 1);
	list_for_each_entry(cu, &cd->units, node) {
		err = netstats_tcp_cmonitor_unit(m, cu, true);
		if (err) {
			netstats_tcp_cmonitor_del(an, m);
			goto err_remove;
		}
	}
	return 0;

err_remove:
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
err_gc:
	netstats_tcp_cdir_gc(an);
	return err;
}

/*
 * A selecting monitor: the selected counters in @layout, their
 * descriptions (@c, reg->n_sel entries) filled once its directory is
 * known.
 */
static int netstats_tcp_all_attach_sel(struct netstats_reg *reg,
				       struct netstats_tcp_monitor *m,
				       struct genl_info *info)
{
	struct net *net = read_pnet(&reg->target);
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	struct netstats_counter_desc *c;
	unsigned int i, n = 0, layout = 0;
	int err;

	for_each_set_bit(i, reg->sel, NETSTATS_TCP_N_COUNTERS) {
		if (i < TCP_NETSTATS_SEL_MAX) {
			layout |= BIT(i);
			continue;
		}
		NL_SET_ERR_MSG_FMT(info->extack,
				   "%s cannot be selected: sequence numbers are not selectable",
				   netstats_tcp_counters[i].name);
		return -EOPNOTSUPP;
	}
	if (reg->n_sel > NETSTATS_TCP_CCELLS_MAX) {
		NL_SET_ERR_MSG(info->extack,
			       "tcp-all selects at most 7 counters: register without a selection for all of them");
		return -EOPNOTSUPP;
	}
	c = kcalloc(reg->n_sel, sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;

	mutex_lock(&tn->lock);
	err = netstats_tcp_cmonitor_add(an, m, layout, info->extack);
	if (!err) {
		/* At the cells of the netns's layout, from the block start. */
		for_each_set_bit(i, reg->sel, TCP_NETSTATS_SEL_MAX) {
			c[n] = netstats_tcp_counters[i];
			c[n].type = NETSTATS_COUNTER_TYPE_U64;
			c[n].offset = sizeof(struct netstats_block_hdr) +
				      sizeof(u64) *
				      netstats_tcp_cell_rank[m->cd->layout][i];
			n++;
		}
	}
	mutex_unlock(&tn->lock);
	if (err) {
		kfree(c);
		return err;
	}
	reg->counters = c;
	reg->n_counters = n;
	reg->hidden = NETSTATS_COUNTER_FLAGS_RESTRICTED;
	reg->charge = 1;
	reg->block_offset = 0;
	reg->priv = m;
	netstats_tcp_monitor_walk(net);
	return 0;
}

static int netstats_tcp_all_attach(struct netstats_reg *reg,
				   struct genl_info *info)
{
	struct net *net = read_pnet(&reg->target);
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	struct netstats_tcp_monitor *m;
	u64 linger;
	int err;

	if (netstats_reg_option(reg, info, "dead-linger-ms", &linger))
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->reg = reg;
	m->linger = msecs_to_jiffies(linger);

	if (reg->sel) {
		err = netstats_tcp_all_attach_sel(reg, m, info);
		if (err)
			kfree(m);
		return err;
	}

	/* Sparse: pages of units not in use read as zeroes, and so do the
	 * sequence numbers for all but CAP_NET_ADMIN.  What is mapped is
	 * shared, but for the directory page.
	 */
	reg->npages = 1 + NETSTATS_TCP_UNITS * NETSTATS_TCP_UNIT_PAGES;
	reg->charge = 1;
	reg->hidden = reg->net_admin ? 0 : NETSTATS_COUNTER_FLAGS_RESTRICTED;
	err = netstats_map_reserve(reg->map, reg->npages, &reg->pgoff);
	if (err)
		goto err_free;

	mutex_lock(&tn->lock);
	err = netstats_tcp_monitor_add(tn, netstats_tcp_all_net(net), m);
	mutex_unlock(&tn->lock);
	if (err)
		goto err_remove;
	reg->priv = m;

	netstats_tcp_monitor_walk(net);
	return 0;

err_remove:
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
err_free:
	kfree(m);
	return err;
}

static void netstats_tcp_all_detach(struct netstats_reg *reg)
{
	struct net *net = read_pnet(&reg->target);
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	struct netstats_tcp_monitor *m = reg->priv;

	mutex_lock(&tn->lock);
	if (m->cd) {
		netstats_tcp_cmonitor_del(an, m);
	} else {
		list_del(&m->node);
		WRITE_ONCE(an->nr_monitors, an->nr_monitors - 1);
		WRITE_ONCE(an->nr_all, an->nr_all - 1);
	}
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	netstats_tcp_cdir_gc(an);
	mutex_unlock(&tn->lock);
	kfree(reg->counters);
	kfree(m);
	/* Slots lingering for this monitor may go now. */
	netstats_tcp_reap_soon();
}

static const struct netstats_option_desc netstats_tcp_all_options[] = {
	NETSTATS_OPTION("dead-linger-ms", 0, 60000, 2000,
			"How long a destroyed socket's block stays DEAD before reuse"),
};

static const struct netstats_group_ops netstats_tcp_all_ops = {
	.attach	= netstats_tcp_all_attach,
	.detach	= netstats_tcp_all_detach,
};

static struct netstats_group netstats_tcp_all_group = {
	.name		= "tcp-all",
	.doc		= "Every TCP socket of the netns: a directory and their counters",
	.flags		= NETSTATS_GROUP_FLAGS_DIRECTORY |
			  NETSTATS_GROUP_FLAGS_SELECT,
	.counters	= netstats_tcp_counters,
	.n_counters	= NETSTATS_TCP_N_COUNTERS,
	.options	= netstats_tcp_all_options,
	.n_options	= ARRAY_SIZE(netstats_tcp_all_options),
	.ops		= &netstats_tcp_all_ops,
};

static int __net_init netstats_tcp_all_net_init(struct net *net)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);
	struct netstats_tcp_net *tn = netstats_tcp_net(net);

	INIT_LIST_HEAD(&an->monitors);
	INIT_LIST_HEAD(&an->cdirs);
	xa_init(&an->uid_slots);
	xa_init(&an->uid_blocks);
	/* The reaper may pass the netns already (tcp's init came first). */
	mutex_lock(&tn->lock);
	an->ready = true;
	mutex_unlock(&tn->lock);
	return 0;
}

static void __net_exit netstats_tcp_all_net_exit(struct net *net)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);

	/* The netns's sockets, which held it, are destroyed and its
	 * monitors gone: a reap frees what still lingers.
	 */
	netstats_tcp_reap_flush();
	/* Until tcp's exit, the reaper may pass the netns again. */
	mutex_lock(&netstats_tcp_net(net)->lock);
	an->ready = false;
	mutex_unlock(&netstats_tcp_net(net)->lock);
	WARN_ON_ONCE(!xa_empty(&an->uid_slots));
	xa_destroy(&an->uid_slots);
	WARN_ON_ONCE(!list_empty(&an->cdirs));
	WARN_ON_ONCE(!xa_empty(&an->uid_blocks));
	xa_destroy(&an->uid_blocks);
	if (an->dir)
		__free_page(an->dir);
}

static struct pernet_operations netstats_tcp_all_net_ops = {
	.init	= netstats_tcp_all_net_init,
	.exit	= netstats_tcp_all_net_exit,
	.id	= &netstats_tcp_all_net_id,
	.size	= sizeof(struct netstats_tcp_all_net),
};

/* After netstats_tcp_init(), whose pairs and debugfs directory it uses. */
static int __init netstats_tcp_all_init(void)
{
	int err;

	err = register_pernet_subsys(&netstats_tcp_all_net_ops);
	if (err)
		return err;
	netstats_tcp_all_debugfs_init();
	netstats_tcp_dir_register(&netstats_tcp_all_dir_ops);
	return netstats_group_add(&netstats_tcp_all_group);
}
late_initcall(netstats_tcp_all_init);
