// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "tcp" group: the counters of one TCP socket.
 *
 * A registered socket's counters live in a 64-byte slot (one cache line)
 * of a pair of pages: the first page holds the counters (struct tcp_stats), which
 * every process of the netns may see, as inet_diag shows them; the same
 * slot of the second page holds the sequence numbers (struct
 * tcp_stats_seq), which only the socket's owner and CAP_NET_ADMIN may
 * see.  A pair holds the sockets of one netns that one netlink socket
 * registered with their sequence numbers (by fd, or by cookie with
 * CAP_NET_ADMIN), so that the second page, which such a registration
 * maps, holds no sequence numbers it did not ask for; or the sockets
 * that only registrations of the counters (or a directory group) gave a
 * slot, whose second page only CAP_NET_ADMIN maps.  A socket whose slot is
 * in such a pair moves to a pair of the netlink socket that registers it
 * with its sequence numbers if no registration maps the slot yet, else
 * to a pair of its own, at the same offset, where the registrations that
 * mapped it follow it.
 *
 * tcp_sock reaches its slot through tp->netstats and the central TCP
 * helpers mirror each store into it.  The slot stays until the socket is
 * destroyed; then every registration of it is switched to a snapshot
 * holding the final values (state DEAD) and the slot is freed.
 *
 * Each pair has a unit number in its netns, which bounds the pairs of a
 * netns.  A directory group may follow the pairs of every netns
 * (struct netstats_tcp_dir_ops): it learns of pairs and slots as they
 * come and go, and may keep a destroyed socket's slot DEAD in place for
 * a while before it is freed.
 */

#include <linux/bitmap.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/net.h>
#include <linux/sock_diag.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netstats.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_netstats.h>

#include "tcp_netstats_priv.h"

/* netstats_tcp_page::owner of a pair that holds one socket only */
#define NETSTATS_TCP_SOLO	U64_MAX

/*
 * Units of the pairs registrations give their sockets (owner not 0), by
 * callers without CAP_NET_ADMIN over the netns: at most this many per
 * user, and all together half the netns's, so that the other half is
 * left for CAP_NET_ADMIN and the sockets of pairs of owner 0.
 */
#define NETSTATS_TCP_USER_UNITS		64
#define NETSTATS_TCP_QUOTA_UNITS	(NETSTATS_TCP_UNITS / 2)

static_assert(sizeof(struct tcp_stats) <= NETSTATS_TCP_SLOT);
static_assert(sizeof(struct tcp_stats_seq) <= NETSTATS_TCP_SLOT);
static_assert(NETSTATS_TCP_SLOT % sizeof(u64) == 0);

static unsigned int netstats_tcp_net_id __read_mostly;

#if IS_ENABLED(CONFIG_NETSTATS_DEBUG)
/*
 * debugfs netstats/tcp_store_delay_us: a registered socket's softirq
 * writer waits this long between its load of tp->netstats and its
 * stores; netstats/tcp_detached_stores counts the stores whose slot was
 * detached from the socket meanwhile (each one a bug).
 */
static u32 netstats_tcp_store_delay_us;
static u32 netstats_tcp_destroy_delay_us;
static u64 netstats_tcp_detached_stores;

static void netstats_tcp_udelay(u32 us)
{
	us = min(us, 50000U);
	mdelay(us / 1000);
	udelay(us % 1000);
}

void netstats_tcp_debug_delay(const struct tcp_sock *tp,
			      const struct tcp_stats *st)
{
	u32 us = READ_ONCE(netstats_tcp_store_delay_us);

	if (!us)
		return;
	netstats_tcp_udelay(us);
	if (READ_ONCE(tp->netstats) != st) {
		WRITE_ONCE(netstats_tcp_detached_stores,
			   netstats_tcp_detached_stores + 1);
		WARN_ONCE(1, "netstats: store into a detached TCP slot\n");
	}
}
EXPORT_SYMBOL_GPL(netstats_tcp_debug_delay);

/* debugfs netstats/tcp_destroy_delay_us: netstats_tcp_destroy() waits
 * this long before it detaches the slot.
 */
static void netstats_tcp_debug_destroy_delay(void)
{
	u32 us = READ_ONCE(netstats_tcp_destroy_delay_us);

	if (us)
		netstats_tcp_udelay(us);
}

/* debugfs netstats/tcp_reset_delay_us: tcp_disconnect() waits this long
 * within its reset of a registered socket's counters.
 */
static u32 netstats_tcp_reset_delay_us;

static void netstats_tcp_debug_reset_delay(void)
{
	u32 us = READ_ONCE(netstats_tcp_reset_delay_us);

	if (us)
		netstats_tcp_udelay(us);
}

struct dentry *netstats_tcp_debugfs;

static void netstats_tcp_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("netstats", NULL);

	netstats_tcp_debugfs = dir;
	debugfs_create_u32("tcp_reset_delay_us", 0600, dir,
			   &netstats_tcp_reset_delay_us);
	debugfs_create_u32("tcp_store_delay_us", 0600, dir,
			   &netstats_tcp_store_delay_us);
	debugfs_create_u32("tcp_destroy_delay_us", 0600, dir,
			   &netstats_tcp_destroy_delay_us);
	debugfs_create_u64("tcp_detached_stores", 0400, dir,
			   &netstats_tcp_detached_stores);
}
#else
static void netstats_tcp_debug_destroy_delay(void)
{
}

static void netstats_tcp_debug_reset_delay(void)
{
}

static void netstats_tcp_debugfs_init(void)
{
}
#endif

struct netstats_tcp_net *netstats_tcp_net(const struct net *net)
{
	return net_generic(net, netstats_tcp_net_id);
}

/* Every netns's netstats_tcp_net, for the reaper, which takes this
 * before their locks.
 */
static DEFINE_MUTEX(netstats_tcp_nets_lock);
static LIST_HEAD(netstats_tcp_nets);

static struct netstats_tcp_net *netstats_tcp_page_net(struct netstats_tcp_page *p)
{
	return netstats_tcp_net(read_pnet(&p->net));
}

/* Copy every field; caller excludes the socket's writers. */
static void netstats_tcp_sync(const struct tcp_sock *tp, struct tcp_stats *st)
{
	WRITE_ONCE(st->bytes_received, tp->bytes_received);
	WRITE_ONCE(st->bytes_sent, tp->bytes_sent);
	WRITE_ONCE(st->bytes_acked, tp->bytes_acked);
	WRITE_ONCE(st->segs_in, tp->segs_in);
	WRITE_ONCE(st->data_segs_in, tp->data_segs_in);
	WRITE_ONCE(st->segs_out, tp->segs_out);
	WRITE_ONCE(st->data_segs_out, tp->data_segs_out);
	WRITE_ONCE(st->dsack_dups, tp->dsack_dups);
	WRITE_ONCE(tcp_stats_seq(st)->rcv_nxt, tp->rcv_nxt);
	WRITE_ONCE(tcp_stats_seq(st)->copied_seq, tp->copied_seq);
	WRITE_ONCE(tcp_stats_seq(st)->rcv_wup, tp->rcv_wup);
	WRITE_ONCE(tcp_stats_seq(st)->snd_nxt, tp->snd_nxt);
	WRITE_ONCE(tcp_stats_seq(st)->snd_una, tp->snd_una);
}

static void netstats_tcp_sel_sync(const struct tcp_sock *tp,
				  struct tcp_netstats_sel *sel);

DEFINE_STATIC_KEY_FALSE(netstats_tcp_cells_mirror);	/* while a compact unit exists */
EXPORT_SYMBOL_GPL(netstats_tcp_cells_mirror);

u8 netstats_tcp_cell_rank[256][TCP_NETSTATS_SEL_MAX] __ro_after_init;
EXPORT_SYMBOL_GPL(netstats_tcp_cell_rank);

static void __init netstats_tcp_cell_rank_init(void)
{
	unsigned int m, i;

	for (m = 0; m < 256; m++)
		for (i = 0; i < TCP_NETSTATS_SEL_MAX; i++)
			netstats_tcp_cell_rank[m][i] = hweight8(m & (BIT(i) - 1));
}

/**
 * netstats_tcp_cells_sync() - copy the counters of a compact block
 * @tp: the socket, with its writers excluded
 * @cells: the block's first cell
 * @layout: which counters it has (bit i: TCP_NETSTATS_SEL_* i), one cell
 *	each in ascending order
 */
void netstats_tcp_cells_sync(const struct tcp_sock *tp, u64 *cells,
			     unsigned int layout)
{
	const u64 val[TCP_NETSTATS_SEL_MAX] = {
		[TCP_NETSTATS_SEL_BYTES_RECEIVED]	= tp->bytes_received,
		[TCP_NETSTATS_SEL_BYTES_SENT]		= tp->bytes_sent,
		[TCP_NETSTATS_SEL_BYTES_ACKED]		= tp->bytes_acked,
		[TCP_NETSTATS_SEL_SEGS_IN]		= tp->segs_in,
		[TCP_NETSTATS_SEL_DATA_SEGS_IN]		= tp->data_segs_in,
		[TCP_NETSTATS_SEL_SEGS_OUT]		= tp->segs_out,
		[TCP_NETSTATS_SEL_DATA_SEGS_OUT]	= tp->data_segs_out,
		[TCP_NETSTATS_SEL_DSACK_DUPS]		= tp->dsack_dups,
	};
	unsigned int i, n = 0;

	for (i = 0; i < TCP_NETSTATS_SEL_MAX; i++)
		if (layout & BIT(i))
			WRITE_ONCE(cells[n++], val[i]);
}

/**
 * netstats_tcp_resync() - copy all of a registered socket's counters
 * @tp: the socket, with its writers excluded (socket lock held)
 *
 * For the stores that bypass the central helpers: connection set-up
 * (called from tcp_set_state()).
 */
void netstats_tcp_resync(struct tcp_sock *tp)
{
	if (tp->netstats)
		netstats_tcp_sync(tp, tp->netstats);
	if (tp->netstats_sel)
		netstats_tcp_sel_sync(tp, tp->netstats_sel);
	if (tp->netstats_cells)
		netstats_tcp_cells_sync(tp, tp->netstats_cells,
					tp->netstats_layout);
}

DEFINE_STATIC_KEY_FALSE(netstats_tcp_any_mirror);	/* while any below is */
EXPORT_SYMBOL_GPL(netstats_tcp_any_mirror);

DEFINE_STATIC_KEY_FALSE(netstats_tcp_mirror);	/* while a page pair exists */
EXPORT_SYMBOL_GPL(netstats_tcp_mirror);

/*
 * Rows of selected counters: [struct netstats_block_hdr][one u64 cell per
 * counter] in 8-byte granules of pages shared by the rows of a netns, a
 * row never across a 64-byte line, so at most 7 cells a row (a larger
 * selection takes several rows).  Rows live until their socket is
 * destroyed and no registration maps them.
 */
#define NETSTATS_TCP_GRAN	sizeof(u64)
#define NETSTATS_TCP_GRANS	(PAGE_SIZE / NETSTATS_TCP_GRAN)
#define NETSTATS_TCP_LINE_GRANS	(64 / NETSTATS_TCP_GRAN)
#define NETSTATS_TCP_ROW_CELLS	(NETSTATS_TCP_LINE_GRANS - 1)

static_assert(sizeof(struct netstats_block_hdr) == NETSTATS_TCP_GRAN);

DEFINE_STATIC_KEY_FALSE(netstats_tcp_sel_mirror);	/* while a row page exists */
EXPORT_SYMBOL_GPL(netstats_tcp_sel_mirror);

/**
 * struct netstats_tcp_rowpage - a page of rows of one netns
 * @node: entry in netstats_tcp_net::rowpages
 * @page: the page
 * @used: granules in use
 * @busy: granules in use
 */
struct netstats_tcp_rowpage {
	struct list_head node;
	struct page *page;
	unsigned int used;
	DECLARE_BITMAP(busy, NETSTATS_TCP_GRANS);
};

/**
 * struct netstats_tcp_row - one row of a socket's selected counters
 * @node: entry in tcp_netstats_sel::rows
 * @rp: its page
 * @hdr: its header, in @rp's page; the cells follow
 * @ngran: its granules, header included
 */
struct netstats_tcp_row {
	struct list_head node;
	struct netstats_tcp_rowpage *rp;
	struct netstats_block_hdr *hdr;
	unsigned int ngran;
};

/* Every dying selection, for the reaper. */
static LLIST_HEAD(netstats_tcp_sel_dying);

/* A row of @ncells cells in a page of @tn's, or NULL. */
static struct netstats_tcp_row *
netstats_tcp_row_alloc(struct netstats_tcp_net *tn, unsigned int ncells)
{
	unsigned int ngran = ncells + 1;
	struct netstats_tcp_rowpage *rp;
	struct netstats_tcp_row *row;
	unsigned long start, l;

	lockdep_assert_held(&tn->lock);

	row = kzalloc(sizeof(*row), GFP_KERNEL_ACCOUNT);
	if (!row)
		return NULL;
	list_for_each_entry(rp, &tn->rowpages, node) {
		if (rp->used + ngran > NETSTATS_TCP_GRANS)
			continue;
		for (l = 0; l < NETSTATS_TCP_GRANS; l += NETSTATS_TCP_LINE_GRANS) {
			start = bitmap_find_next_zero_area(rp->busy,
							   l + NETSTATS_TCP_LINE_GRANS,
							   l, ngran, 0);
			if (start + ngran <= l + NETSTATS_TCP_LINE_GRANS)
				goto found;
		}
	}
	rp = kzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rp)
		goto err_row;
	rp->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!rp->page) {
		kfree(rp);
		goto err_row;
	}
	/* Before any socket can point to a cell of the page. */
	static_branch_inc(&netstats_tcp_any_mirror);
	static_branch_inc(&netstats_tcp_sel_mirror);
	list_add(&rp->node, &tn->rowpages);
	start = 0;
found:
	bitmap_set(rp->busy, start, ngran);
	rp->used += ngran;
	row->rp = rp;
	row->ngran = ngran;
	row->hdr = page_address(rp->page) + start * NETSTATS_TCP_GRAN;
	memset(row->hdr, 0, ngran * NETSTATS_TCP_GRAN);
	netstats_block_init(row->hdr);
	netstats_row_bytes_add(ngran * NETSTATS_TCP_GRAN);
	return row;

err_row:
	kfree(row);
	return NULL;
}

static void netstats_tcp_row_free(struct netstats_tcp_net *tn,
				  struct netstats_tcp_row *row)
{
	struct netstats_tcp_rowpage *rp = row->rp;
	unsigned long start;

	lockdep_assert_held(&tn->lock);

	start = offset_in_page(row->hdr) / NETSTATS_TCP_GRAN;
	memset(row->hdr, 0, row->ngran * NETSTATS_TCP_GRAN);
	bitmap_clear(rp->busy, start, row->ngran);
	netstats_row_bytes_add(-(long)(row->ngran * NETSTATS_TCP_GRAN));
	rp->used -= row->ngran;
	list_del(&row->node);
	kfree(row);
	if (rp->used)
		return;
	list_del(&rp->node);
	__free_page(rp->page);
	kfree(rp);
	static_branch_dec(&netstats_tcp_sel_mirror);
	static_branch_dec(&netstats_tcp_any_mirror);
}

/* Free a selection no socket reaches and no registration maps. */
static void netstats_tcp_sel_free(struct netstats_tcp_net *tn,
				  struct tcp_netstats_sel *sel)
{
	struct netstats_tcp_row *row, *tmp;

	lockdep_assert_held(&tn->lock);

	list_for_each_entry_safe(row, tmp, &sel->rows, node)
		netstats_tcp_row_free(tn, row);
	kfree(sel);
}

/* Copy every selected counter; caller excludes the socket's writers. */
static void netstats_tcp_sel_sync(const struct tcp_sock *tp,
				  struct tcp_netstats_sel *sel)
{
	const u64 val[TCP_NETSTATS_SEL_MAX] = {
		[TCP_NETSTATS_SEL_BYTES_RECEIVED]	= tp->bytes_received,
		[TCP_NETSTATS_SEL_BYTES_SENT]		= tp->bytes_sent,
		[TCP_NETSTATS_SEL_BYTES_ACKED]		= tp->bytes_acked,
		[TCP_NETSTATS_SEL_SEGS_IN]		= tp->segs_in,
		[TCP_NETSTATS_SEL_DATA_SEGS_IN]		= tp->data_segs_in,
		[TCP_NETSTATS_SEL_SEGS_OUT]		= tp->segs_out,
		[TCP_NETSTATS_SEL_DATA_SEGS_OUT]	= tp->data_segs_out,
		[TCP_NETSTATS_SEL_DSACK_DUPS]		= tp->dsack_dups,
	};
	unsigned int i;

	for (i = 0; i < TCP_NETSTATS_SEL_MAX; i++)
		if (sel->cell[i])
			WRITE_ONCE(*sel->cell[i], val[i]);
}

/* The directory group that follows the pairs, if any: set once at boot. */
static const struct netstats_tcp_dir_ops *netstats_tcp_dir __read_mostly;

/**
 * netstats_tcp_dir_register() - let a directory group follow the pairs
 * @ops: its callbacks
 *
 * At boot, before any pair exists.
 */
void netstats_tcp_dir_register(const struct netstats_tcp_dir_ops *ops)
{
	WARN_ON_ONCE(netstats_tcp_dir);
	WRITE_ONCE(netstats_tcp_dir, ops);
}

static void netstats_tcp_page_free(struct netstats_tcp_page *p)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(read_pnet(&p->net));

	if (netstats_tcp_dir)
		netstats_tcp_dir->pair_free(p);
	ida_free(&tn->units, p->unit);
	if (p->quota)
		tn->quota_units--;
	list_del(&p->node);
	set_page_private(p->page, 0);
	__free_pages(p->page, 1);
	kfree(p);
	static_branch_dec(&netstats_tcp_mirror);
	static_branch_dec(&netstats_tcp_any_mirror);
}

/* May the caller, without CAP_NET_ADMIN over @net, have one more pair? */
static int netstats_tcp_quota(struct net *net, struct netlink_ext_ack *extack)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	kuid_t uid = current_uid();
	struct netstats_tcp_page *p;
	unsigned int n = 0;

	if (tn->quota_units >= NETSTATS_TCP_QUOTA_UNITS) {
		NL_SET_ERR_MSG_FMT(extack,
				   "at most %u TCP page pairs in this netns for users without CAP_NET_ADMIN",
				   NETSTATS_TCP_QUOTA_UNITS);
		return -ENOSPC;
	}
	list_for_each_entry(p, &tn->pages, node)
		if (p->quota && uid_eq(p->uid, uid))
			n++;
	if (n >= NETSTATS_TCP_USER_UNITS) {
		NL_SET_ERR_MSG_FMT(extack,
				   "at most %u TCP page pairs per user without CAP_NET_ADMIN in this netns",
				   NETSTATS_TCP_USER_UNITS);
		return -ENOSPC;
	}
	return 0;
}

/*
 * A new pair for @owner; @reg is the registration it is made for (owner
 * not 0), subject to the quotas unless it has CAP_NET_ADMIN over @net.
 * Return: the pair, or an ERR_PTR().
 */
static struct netstats_tcp_page *
netstats_tcp_page_alloc(struct net *net, u64 owner,
			const struct netstats_reg *reg,
			struct netlink_ext_ack *extack)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	bool quota = owner && reg && !reg->net_admin;
	struct netstats_tcp_page *p;
	int unit, err;

	if (quota) {
		err = netstats_tcp_quota(net, extack);
		if (err)
			return ERR_PTR(err);
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	unit = ida_alloc_max(&tn->units, NETSTATS_TCP_UNITS - 1,
			     GFP_KERNEL_ACCOUNT);
	if (unit < 0) {
		kfree(p);
		NL_SET_ERR_MSG(extack,
			       "no TCP page pair left in this network namespace");
		return ERR_PTR(unit == -ENOSPC ? -ENOSPC : -ENOMEM);
	}
	p->page = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 1);
	if (!p->page) {
		ida_free(&tn->units, unit);
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	/* Before any socket can point to a slot of the pair. */
	static_branch_inc(&netstats_tcp_any_mirror);
	static_branch_inc(&netstats_tcp_mirror);
	set_page_private(p->page, (unsigned long)p);
	write_pnet(&p->net, net);
	p->owner = owner;
	p->unit = unit;
	p->uid = current_uid();
	p->quota = quota;
	if (quota)
		tn->quota_units++;
	list_add(&p->node, &tn->pages);
	if (netstats_tcp_dir) {
		err = netstats_tcp_dir->pair_add(p);
		if (err) {
			netstats_tcp_page_free(p);
			return ERR_PTR(err);
		}
	}
	return p;
}

/* Every socket of @p was destroyed. */
static bool netstats_tcp_page_gone(struct netstats_tcp_page *p)
{
	DECLARE_BITMAP(gone, NETSTATS_TCP_SLOTS);

	bitmap_or(gone, p->dying, p->reaping, NETSTATS_TCP_SLOTS);
	bitmap_or(gone, gone, p->held, NETSTATS_TCP_SLOTS);
	return bitmap_subset(p->busy, gone, NETSTATS_TCP_SLOTS);
}

/* Take free slot @slot of @p for a socket. */
static struct tcp_stats *netstats_tcp_slot_take(struct netstats_tcp_page *p,
						unsigned int slot)
{
	struct tcp_stats *st = netstats_tcp_slot(p, slot);

	__set_bit(slot, p->busy);
	p->used++;
	netstats_nr_blocks_inc();
	/* Whoever mapped an earlier user of this slot moved to a snapshot;
	 * a new generation still tells any stale reader.
	 */
	netstats_block_write_begin(&st->hdr);
	memset((void *)st + sizeof(st->hdr), 0,
	       NETSTATS_TCP_SLOT - sizeof(st->hdr));
	memset(tcp_stats_seq(st), 0, NETSTATS_TCP_SLOT);
	WRITE_ONCE(st->hdr.state, NETSTATS_BLOCK_LIVE);
	netstats_block_write_end(&st->hdr);
	return st;
}

static struct tcp_stats *
netstats_tcp_slot_alloc(struct net *net, u64 owner,
			const struct netstats_reg *reg,
			struct netlink_ext_ack *extack)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(net);
	struct netstats_tcp_page *p;

	lockdep_assert_held(&tn->lock);

	/* A page whose sockets are all destroyed may be about to go: never
	 * share it.
	 */
	list_for_each_entry(p, &tn->pages, node)
		if (p->owner == owner && p->used < NETSTATS_TCP_SLOTS &&
		    !netstats_tcp_page_gone(p))
			goto found;

	p = netstats_tcp_page_alloc(net, owner, reg, extack);
	if (IS_ERR(p))
		return ERR_CAST(p);

found:
	return netstats_tcp_slot_take(p, find_first_zero_bit(p->busy,
							     NETSTATS_TCP_SLOTS));
}

/**
 * netstats_tcp_slot_free() - free a slot no socket and no registration uses
 * @p: its pair
 * @slot: the slot
 *
 * Return: true if the pair was freed with its last slot.
 */
bool netstats_tcp_slot_free(struct netstats_tcp_page *p, unsigned int slot)
{
	struct netstats_tcp_net *tn = netstats_tcp_page_net(p);
	struct tcp_stats *st = netstats_tcp_slot(p, slot);

	lockdep_assert_held(&tn->lock);

	if (netstats_tcp_dir)
		netstats_tcp_dir->slot_free(p, slot);

	/* Whoever follows the slot sees it go (no state, new generation). */
	WRITE_ONCE(st->hdr.state, 0);
	netstats_block_next(&st->hdr);
	__clear_bit(slot, p->busy);
	netstats_nr_blocks_dec();
	if (--p->used)
		return false;
	netstats_tcp_page_free(p);
	return true;
}

struct netstats_tcp_dead_arg {
	unsigned int offset;
};

/*
 * The snapshot holds the dead socket's slot only: the other slots of the
 * copy (counters and sequence numbers of other sockets, frozen at this
 * moment) read as zeroes.
 */
static void netstats_tcp_mark_dead(void *page_addr, unsigned int idx,
				   void *arg)
{
	struct netstats_tcp_dead_arg *d = arg;
	struct tcp_stats *st = page_addr + d->offset;

	memset(page_addr, 0, d->offset);
	memset(page_addr + d->offset + NETSTATS_TCP_SLOT, 0,
	       PAGE_SIZE - d->offset - NETSTATS_TCP_SLOT);
	if (idx)	/* the sequence numbers */
		return;

	netstats_block_next(&st->hdr);
	st->hdr.state = NETSTATS_BLOCK_DEAD;
}

/*
 * The rows of destroyed sockets, after a grace period: no writer stores
 * into them any more.  Turn them DEAD with the final values, in place,
 * tell their registrations, and free the rows no registration maps.
 */
static void netstats_tcp_sel_reap(struct llist_node *sels)
{
	struct tcp_netstats_sel *sel, *tmp;
	struct netstats_tcp_row *row;
	struct netstats_tcp_net *tn;
	struct netstats_reg *reg;

	llist_for_each_entry_safe(sel, tmp, sels, dying) {
		tn = netstats_tcp_net(read_pnet(&sel->net));
		mutex_lock(&tn->lock);
		list_for_each_entry(row, &sel->rows, node) {
			netstats_block_next(row->hdr);
			WRITE_ONCE(row->hdr->state, NETSTATS_BLOCK_DEAD);
		}
		sel->dead = true;
		hlist_for_each_entry(reg, &sel->regs, node) {
			reg->dead = true;
			netstats_notify_dead(reg);
		}
		if (hlist_empty(&sel->regs))
			netstats_tcp_sel_free(tn, sel);
		mutex_unlock(&tn->lock);
	}
}

static void netstats_tcp_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(netstats_tcp_reap_work, netstats_tcp_reap);
static void netstats_tcp_reap_net(struct netstats_tcp_net *tn,
				  unsigned long now, unsigned long *next);

/*
 * Take the slots that netstats_tcp_destroy() marked since the last reap.
 * Return: true if there were any.
 */
static bool netstats_tcp_take_dying(struct netstats_tcp_net *tn)
{
	struct netstats_tcp_page *p;
	bool any = false;
	unsigned int i;

	lockdep_assert_held(&tn->lock);

	list_for_each_entry(p, &tn->pages, node) {
		for (i = 0; i < BITS_TO_LONGS(NETSTATS_TCP_SLOTS); i++) {
			/* Set without our lock, by any context. */
			unsigned long bits = xchg(&p->dying[i], 0);

			p->reaping[i] |= bits;
			any |= !!bits;
		}
	}
	return any;
}

/*
 * Snapshot every registration of the slots of destroyed sockets, then
 * free the slots, or leave them to the directory group.  A softirq
 * writer that loaded tp->netstats just before netstats_tcp_destroy()
 * cleared it may still store into the slot until it leaves its BH
 * section: the slots are taken first, and snapshotted and freed only
 * after an RCU grace period, so the snapshot holds the last store and
 * no store reaches a freed or reused slot.
 */
static void netstats_tcp_reap(struct work_struct *work)
{
	unsigned long next = 0, now;
	struct netstats_tcp_net *tn;
	struct llist_node *sels;
	bool taken = false;

	/* A netns's exit flushes this work before its state goes. */
	mutex_lock(&netstats_tcp_nets_lock);
	list_for_each_entry(tn, &netstats_tcp_nets, node) {
		mutex_lock(&tn->lock);
		taken |= netstats_tcp_take_dying(tn);
		if (netstats_tcp_dir)
			taken |= netstats_tcp_dir->cells_take(tn);
		mutex_unlock(&tn->lock);
	}
	mutex_unlock(&netstats_tcp_nets_lock);
	/* netstats_tcp_destroy() detached them before it added them. */
	sels = llist_del_all(&netstats_tcp_sel_dying);
	if (taken || sels)
		synchronize_rcu();
	netstats_tcp_sel_reap(sels);

	now = jiffies;
	mutex_lock(&netstats_tcp_nets_lock);
	list_for_each_entry(tn, &netstats_tcp_nets, node) {
		mutex_lock(&tn->lock);
		netstats_tcp_reap_net(tn, now, &next);
		mutex_unlock(&tn->lock);
	}
	/* Not mod_: a socket destroyed meanwhile wants its reap at once. */
	if (next)
		schedule_delayed_work(&netstats_tcp_reap_work,
				      max_t(long, next - now, 1));
	mutex_unlock(&netstats_tcp_nets_lock);
}

/* The reaper's work in one netns, which it took the dying slots of. */
static void netstats_tcp_reap_net(struct netstats_tcp_net *tn,
				  unsigned long now, unsigned long *next)
{
	struct netstats_tcp_page *p, *tmp;
	struct netstats_reg *reg;
	struct hlist_node *n;
	unsigned int slot;
	bool freed;

	lockdep_assert_held(&tn->lock);

	list_for_each_entry_safe(p, tmp, &tn->pages, node) {
		freed = false;
		for_each_set_bit(slot, p->reaping, NETSTATS_TCP_SLOTS) {
			struct netstats_tcp_dead_arg d = {
				.offset = slot * NETSTATS_TCP_SLOT,
			};

			if (__test_and_clear_bit(slot, p->moved)) {
				/* Its socket lives on elsewhere. */
				__clear_bit(slot, p->reaping);
				if (netstats_tcp_slot_free(p, slot)) {
					freed = true;
					break;
				}
				continue;
			}

			hlist_for_each_entry_safe(reg, n, &p->regs[slot], node) {
				hlist_del_init(&reg->node);
				netstats_map_snapshot(reg->map, reg->pgoff,
						      reg->npages,
						      netstats_tcp_mark_dead, &d);
				reg->dead = true;
				netstats_notify_dead(reg);
			}
			__clear_bit(slot, p->reaping);
			if (netstats_tcp_dir &&
			    netstats_tcp_dir->slot_dead(p, slot))
				continue;
			if (netstats_tcp_slot_free(p, slot)) {
				freed = true;	/* with its last slot */
				break;
			}
		}
		if (!freed && netstats_tcp_dir)
			netstats_tcp_dir->reap(p, now, next);
	}
	if (netstats_tcp_dir)
		netstats_tcp_dir->cells_reap(tn, now, next);
}

/* Run the reaper now: held slots may be freed. */
void netstats_tcp_reap_soon(void)
{
	mod_delayed_work(system_wq, &netstats_tcp_reap_work, 0);
}

/* Run the reaper now and wait for it. */
void netstats_tcp_reap_flush(void)
{
	netstats_tcp_reap_soon();
	flush_delayed_work(&netstats_tcp_reap_work);
}

/*
 * Hand slot @st, which no writer reaches any more, to the reaper: it is
 * snapshotted (or, if @moved is set for it, just freed) after a grace
 * period.
 */
static void netstats_tcp_retire(struct tcp_stats *st)
{
	/* The reaper's xchg() of the bit sees the pointer cleared. */
	smp_mb__before_atomic();
	set_bit(netstats_tcp_slot_of(st), netstats_tcp_page_of(st)->dying);
	mod_delayed_work(system_wq, &netstats_tcp_reap_work, 0);
}

/**
 * netstats_tcp_destroy() - a TCP socket is destroyed
 * @sk: the socket, from tcp_v4_destroy_sock(), in any context, or from
 *	__tcp_close() before an abortive disconnect zeroes the counters;
 *	its writers are excluded (owned, or its spinlock held unowned)
 *
 * Its counters are final: copy them (segs_in lags behind by a segment
 * dropped at a full backlog), detach the slot and let the reaper move the
 * readers to snapshots after a grace period.
 */
void netstats_tcp_destroy(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_netstats_sel *sel = tp->netstats_sel;
	struct tcp_stats *st = tp->netstats;
	u64 *cells = tp->netstats_cells;

	if (cells) {
		/* The final values; the directory turns the block DEAD
		 * after a grace period.
		 */
		netstats_tcp_cells_sync(tp, cells, tp->netstats_layout);
		WRITE_ONCE(tp->netstats_cells, NULL);
		/* Its bit is set after the pointer is cleared. */
		smp_mb__before_atomic();
		netstats_tcp_dir->cells_dying(cells);
		mod_delayed_work(system_wq, &netstats_tcp_reap_work, 0);
	}

	if (sel) {
		netstats_tcp_sel_sync(tp, sel);
		WRITE_ONCE(tp->netstats_sel, NULL);
		llist_add(&sel->dying, &netstats_tcp_sel_dying);
		mod_delayed_work(system_wq, &netstats_tcp_reap_work, 0);
	}
	if (!st)
		return;
	netstats_tcp_debug_destroy_delay();
	netstats_tcp_sync(tp, st);
	WRITE_ONCE(tp->netstats, NULL);
	netstats_tcp_retire(st);
}

/**
 * netstats_tcp_disconnect() - tcp_disconnect() zeroed the counters
 * @sk: the socket, locked
 */
void netstats_tcp_disconnect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_netstats_sel *sel = tp->netstats_sel;
	struct tcp_stats *st = tp->netstats;
	u64 *cells = tp->netstats_cells;
	struct netstats_tcp_row *row;

	if (cells) {
		/* The block's header is just before its first cell. */
		struct netstats_block_hdr *hdr = (void *)cells - sizeof(*hdr);

		netstats_block_write_begin(hdr);
		netstats_tcp_cells_sync(tp, cells, tp->netstats_layout);
		netstats_block_write_end(hdr);
	}
	if (sel) {
		/* Every row odd before any cell moves: a reader checks the
		 * generation of one.
		 */
		list_for_each_entry(row, &sel->rows, node)
			netstats_block_write_begin(row->hdr);
		netstats_tcp_sel_sync(tp, sel);
		list_for_each_entry(row, &sel->rows, node)
			netstats_block_write_end(row->hdr);
	}
	if (!st)
		return;
	netstats_block_write_begin(&st->hdr);
	netstats_tcp_debug_reset_delay();
	netstats_tcp_sync(tp, st);
	netstats_block_write_end(&st->hdr);
}

/*
 * Make @st the slot of @sk, which we own: no mirror runs meanwhile
 * (softirq skips an owned socket); the copy and the pointer are
 * published under the socket spinlock all the same, which the mirrors in
 * softirq hold.
 */
static void netstats_tcp_publish(struct sock *sk, struct tcp_stats *st)
{
	spin_lock_bh(&sk->sk_lock.slock);
	netstats_tcp_sync(tcp_sk(sk), st);
	WRITE_ONCE(tcp_sk(sk)->netstats, st);
	spin_unlock_bh(&sk->sk_lock.slock);
}

/*
 * The slot of @sk, given one if it has none, in a pair of @owner
 * (netstats_tcp_page_alloc()); @sk is locked (owned).
 * Return: the slot, ERR_PTR(-ENOMEM or -ENOSPC), or ERR_PTR(-ENOENT) if
 * @sk was destroyed (its counters are final and nobody mapped them).
 */
struct tcp_stats *netstats_tcp_sk_slot(struct sock *sk, u64 owner,
				       const struct netstats_reg *reg,
				       struct netlink_ext_ack *extack)
{
	struct tcp_stats *st = tcp_sk(sk)->netstats;

	lockdep_assert_held(&netstats_tcp_net(sock_net(sk))->lock);

	if (st)
		return st;
	st = netstats_tcp_slot_alloc(sock_net(sk), owner, reg, extack);
	if (IS_ERR(st))
		return st;
	/* Orphaned and closed: destroyed already or about to be; nothing
	 * changes that while we own the socket.
	 */
	if (sock_flag(sk, SOCK_DEAD) && sk->sk_state == TCP_CLOSE) {
		netstats_tcp_slot_free(netstats_tcp_page_of(st),
				       netstats_tcp_slot_of(st));
		return ERR_PTR(-ENOENT);
	}
	netstats_tcp_publish(sk, st);
	return st;
}

/*
 * Move @sk from slot @old to a slot of the pairs of @owner, or, if
 * registrations map @old, to the same slot of a pair of its own
 * (NETSTATS_TCP_SOLO), where those registrations follow it; @sk is
 * locked (owned).  The old slot is emptied at once and is
 * freed after a grace period, without turning DEAD: the socket lives on.
 * @by and @extack: as @reg and @extack of netstats_tcp_page_alloc().
 * Return: the new slot, or an ERR_PTR() (@sk stays in @old).
 */
static struct tcp_stats *netstats_tcp_move(struct sock *sk,
					   struct tcp_stats *old, u64 owner,
					   const struct netstats_reg *by,
					   struct netlink_ext_ack *extack)
{
	struct netstats_tcp_page *op = netstats_tcp_page_of(old);
	unsigned int slot = netstats_tcp_slot_of(old);
	struct netstats_tcp_page *p;
	struct netstats_reg *reg;
	struct hlist_node *n;
	struct tcp_stats *st;

	lockdep_assert_held(&netstats_tcp_net(sock_net(sk))->lock);

	if (owner == NETSTATS_TCP_SOLO) {
		p = netstats_tcp_page_alloc(sock_net(sk), owner, by, extack);
		if (IS_ERR(p))
			return ERR_CAST(p);
		st = netstats_tcp_slot_take(p, slot);
		/* A fresh page: its readers, who follow the socket, see the
		 * counters go on, not restart.
		 */
		WRITE_ONCE(st->hdr.generation, old->hdr.generation);
	} else {
		st = netstats_tcp_slot_alloc(sock_net(sk), owner, by, extack);
		if (IS_ERR(st))
			return st;
		p = netstats_tcp_page_of(st);
	}
	netstats_tcp_publish(sk, st);

	/* Same slot, same offsets: the registrations' readers refault onto
	 * the new pair, which holds the values of the old slot and more.
	 */
	hlist_for_each_entry_safe(reg, n, &op->regs[slot], node) {
		netstats_map_set(reg->map, reg->pgoff, p->page);
		if (reg->npages > 1)
			netstats_map_set(reg->map, reg->pgoff + 1, p->page + 1);
		hlist_del(&reg->node);
		hlist_add_head(&reg->node, &p->regs[slot]);
	}
	if (netstats_tcp_dir)
		netstats_tcp_dir->slot_moved(op, old, p, st, sk);
	/* No writer reaches the old slot any more: nothing of the socket
	 * stays there, and whoever followed it there sees it go (not LIVE,
	 * new generation).
	 */
	netstats_block_write_begin(&old->hdr);
	memset((void *)old + sizeof(old->hdr), 0,
	       NETSTATS_TCP_SLOT - sizeof(old->hdr));
	memset(tcp_stats_seq(old), 0, NETSTATS_TCP_SLOT);
	WRITE_ONCE(old->hdr.state, 0);
	netstats_block_write_end(&old->hdr);
	__set_bit(slot, op->moved);
	netstats_tcp_retire(old);
	return st;
}

/* The socket named by fd: the caller holds it, so does the returned @sk. */
static struct sock *netstats_tcp_sk_by_fd(struct nlattr *fd_attr,
					  struct netlink_ext_ack *extack,
					  bool *owner)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	sock = sockfd_lookup(nla_get_s32(fd_attr), &err);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(extack, fd_attr, "fd is not a socket");
		return ERR_PTR(err);
	}
	sk = sock->sk;
	if (!sk_is_tcp(sk) ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(extack, fd_attr, "not a TCP socket");
		sockfd_put(sock);
		return ERR_PTR(-EPROTOTYPE);
	}
	sock_hold(sk);
	sockfd_put(sock);
	*owner = uid_eq(sock_i_uid(sk), current_euid());
	return sk;
}

/*
 * The socket named by cookie, looked up by its addresses and ports as
 * inet_diag does; with a reference, and possibly a request or timewait
 * socket.  The policy checked the addresses are 16 bytes.
 */
static struct sock *netstats_tcp_sk_by_cookie(struct net *net,
					      const struct nlattr *nest,
					      struct nlattr **tb,
					      struct netlink_ext_ack *extack)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct in6_addr s6, d6;
	__be16 sport, dport;
	struct sock *sk;
	int dif = 0;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NETSTATS_A_SOCK_SRC) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NETSTATS_A_SOCK_DST) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NETSTATS_A_SOCK_SPORT) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NETSTATS_A_SOCK_DPORT)) {
		NL_SET_ERR_MSG(extack,
			       "a socket cookie needs the socket's addresses and ports");
		return ERR_PTR(-EINVAL);
	}
	s6 = nla_get_in6_addr(tb[NETSTATS_A_SOCK_SRC]);
	d6 = nla_get_in6_addr(tb[NETSTATS_A_SOCK_DST]);
	if (ipv6_addr_v4mapped(&s6) != ipv6_addr_v4mapped(&d6)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETSTATS_A_SOCK_DST],
				    "addresses of different families");
		return ERR_PTR(-EINVAL);
	}
	sport = nla_get_be16(tb[NETSTATS_A_SOCK_SPORT]);
	dport = nla_get_be16(tb[NETSTATS_A_SOCK_DPORT]);
	if (tb[NETSTATS_A_SOCK_IFINDEX])
		dif = nla_get_u32(tb[NETSTATS_A_SOCK_IFINDEX]);

	rcu_read_lock();
	if (ipv6_addr_v4mapped(&s6))
		sk = inet_lookup(net, hinfo, NULL, 0, d6.s6_addr32[3], dport,
				 s6.s6_addr32[3], sport, dif);
#if IS_ENABLED(CONFIG_IPV6)
	else
		sk = inet6_lookup(net, hinfo, NULL, 0, &d6, dport, &s6, sport,
				  dif);
#else
	else
		sk = NULL;
#endif
	rcu_read_unlock();

	if (!sk || sock_gen_cookie(sk) !=
		   nla_get_u64(tb[NETSTATS_A_SOCK_COOKIE])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETSTATS_A_SOCK_COOKIE],
				    "no TCP socket with this cookie and addresses");
		if (sk)
			sock_gen_put(sk);
		return ERR_PTR(-ENOENT);
	}
	return sk;
}

/* The socket the sock nest names: by fd, or by cookie (not both). */
static struct sock *netstats_tcp_sk(struct genl_info *info, bool *owner)
{
	struct nlattr *nest = info->attrs[NETSTATS_A_REGISTRATION_SOCK];
	struct nlattr *tb[NETSTATS_A_SOCK_IFINDEX + 1];
	int err;

	/* The core checked the nest is there, the policy its contents. */
	err = nla_parse_nested(tb, NETSTATS_A_SOCK_IFINDEX, nest, NULL,
			       info->extack);
	if (err)
		return ERR_PTR(err);
	if (tb[NETSTATS_A_SOCK_FD] && tb[NETSTATS_A_SOCK_COOKIE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NETSTATS_A_SOCK_COOKIE],
				    "a socket is named by fd or by cookie, not both");
		return ERR_PTR(-EINVAL);
	}
	if (tb[NETSTATS_A_SOCK_FD])
		return netstats_tcp_sk_by_fd(tb[NETSTATS_A_SOCK_FD],
					     info->extack, owner);
	if (tb[NETSTATS_A_SOCK_COOKIE])
		return netstats_tcp_sk_by_cookie(genl_info_net(info), nest, tb,
						 info->extack);
	NL_SET_ERR_ATTR_MISS(info->extack, nest, NETSTATS_A_SOCK_FD);
	NL_SET_ERR_MSG(info->extack, "tcp needs the socket's fd or cookie");
	return ERR_PTR(-EINVAL);
}

/*
 * Give @sk cells for the counters @reg selected that it has none for
 * (new rows, so that each counter has one cell however many
 * registrations select it), and map the rows of the selected ones for
 * @reg: the reply lists them at their cells (reg->counters).  @sk is
 * locked (owned) and has no slot.
 */
static int netstats_tcp_sel_attach(struct netstats_reg *reg, struct sock *sk,
				   struct netlink_ext_ack *extack)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(sock_net(sk));
	struct tcp_netstats_sel *sel = tcp_sk(sk)->netstats_sel;
	struct netstats_tcp_row *rows[TCP_NETSTATS_SEL_MAX] = {};
	u64 *cells[TCP_NETSTATS_SEL_MAX] = {};
	struct page *pages[TCP_NETSTATS_SEL_MAX];
	struct netstats_counter_desc *c;
	unsigned int i, k, n = 0, npages = 0, nrows = 0, ncells = 0;
	struct netstats_tcp_row *row = NULL;
	bool fresh = !sel;
	int err;

	lockdep_assert_held(&tn->lock);

	if (sock_flag(sk, SOCK_DEAD) && sk->sk_state == TCP_CLOSE)
		return -ENOENT;
	if (fresh) {
		sel = kzalloc(sizeof(*sel), GFP_KERNEL_ACCOUNT);
		if (!sel)
			return -ENOMEM;
		INIT_LIST_HEAD(&sel->rows);
		INIT_HLIST_HEAD(&sel->regs);
		write_pnet(&sel->net, sock_net(sk));
	}
	/* The counters nobody selected yet: new rows of at most
	 * NETSTATS_TCP_ROW_CELLS cells.
	 */
	for_each_set_bit(i, reg->sel, TCP_NETSTATS_SEL_MAX) {
		if (sel->cell[i])
			continue;
		if (!row || ncells == row->ngran - 1) {
			unsigned int left = 0;

			for (k = i; k < TCP_NETSTATS_SEL_MAX; k++)
				left += test_bit(k, reg->sel) && !sel->cell[k];
			row = netstats_tcp_row_alloc(tn, min_t(unsigned int, left,
							       NETSTATS_TCP_ROW_CELLS));
			err = -ENOMEM;
			if (!row)
				goto err_rows;
			rows[nrows++] = row;
			ncells = 0;
		}
		cells[i] = (u64 *)(row->hdr + 1) + ncells++;
		sel->row_of[i] = row;
	}
	c = kcalloc(reg->n_sel, sizeof(*c), GFP_KERNEL_ACCOUNT);
	err = -ENOMEM;
	if (!c)
		goto err_rows;

	/* Publish the new cells with their values, as netstats_tcp_publish()
	 * does a slot.
	 */
	spin_lock_bh(&sk->sk_lock.slock);
	for (i = 0; i < TCP_NETSTATS_SEL_MAX; i++)
		if (cells[i])
			WRITE_ONCE(sel->cell[i], cells[i]);
	netstats_tcp_sel_sync(tcp_sk(sk), sel);
	WRITE_ONCE(tcp_sk(sk)->netstats_sel, sel);
	spin_unlock_bh(&sk->sk_lock.slock);
	for (k = 0; k < nrows; k++)
		list_add_tail(&rows[k]->node, &sel->rows);

	/* The pages of the selected counters' rows, the first one's first:
	 * its row's header is the registration's block header.
	 */
	for_each_set_bit(i, reg->sel, TCP_NETSTATS_SEL_MAX) {
		struct netstats_tcp_row *r = sel->row_of[i];

		for (k = 0; k < npages; k++)
			if (pages[k] == r->rp->page)
				break;
		if (k == npages)
			pages[npages++] = r->rp->page;
		if (!n)
			reg->block_offset = offset_in_page(r->hdr);
		c[n] = netstats_tcp_counters[i];
		c[n].type = NETSTATS_COUNTER_TYPE_U64;
		/* From the block header; the reply adds block_offset back. */
		c[n].offset = (u32)(k * PAGE_SIZE + offset_in_page(sel->cell[i]) -
				    reg->block_offset);
		n++;
	}
	err = netstats_map_add(reg->map, pages, npages, &reg->pgoff);
	if (err) {
		kfree(c);
		/* The new rows stay with the socket. */
		return err;
	}
	reg->npages = npages;
	reg->counters = c;
	reg->n_counters = n;
	reg->hidden = NETSTATS_COUNTER_FLAGS_RESTRICTED;
	reg->priv = sel;
	hlist_add_head(&reg->node, &sel->regs);
	return 0;

err_rows:
	for (i = 0; i < TCP_NETSTATS_SEL_MAX; i++)
		if (cells[i])
			sel->row_of[i] = NULL;
	for (k = 0; k < nrows; k++) {
		list_add(&rows[k]->node, &sel->rows);
		netstats_tcp_row_free(tn, rows[k]);
	}
	if (fresh)
		kfree(sel);
	return err;
}

static int netstats_tcp_attach(struct netstats_reg *reg, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct netstats_tcp_net *tn;
	struct netstats_tcp_page *p;
	bool owner = false, full;
	struct page *pages[2];
	struct tcp_stats *st;
	struct sock *sk;
	int err;

	sk = netstats_tcp_sk(info, &owner);
	if (IS_ERR(sk))
		return PTR_ERR(sk);

	err = -EOPNOTSUPP;
	if (reg->sel) {
		unsigned int i;

		for_each_set_bit(i, reg->sel, NETSTATS_TCP_N_COUNTERS) {
			if (i < TCP_NETSTATS_SEL_MAX)
				continue;
			NL_SET_ERR_MSG_FMT(info->extack,
					   "%s cannot be selected: sequence numbers are not selectable",
					   netstats_tcp_counters[i].name);
			goto out_put;
		}
	}
	err = -EINVAL;
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG(info->extack,
			       "socket is in another network namespace");
		goto out_put;
	}
	err = -ENOENT;
	/* A slot must not outlive its netns: only sockets that hold it. */
	if (sk_fullsock(sk) && !sk->sk_net_refcnt) {
		NL_SET_ERR_MSG(info->extack, "kernel sockets are not mapped");
		goto out_put;
	}
	if (!sk_fullsock(sk)) {
		NL_SET_ERR_MSG(info->extack,
			       "request and timewait sockets have no counters to map");
		goto out_put;
	}
	/* A child still in its listener's accept queue is the listener's
	 * to destroy, under the socket spinlock only: not ours to own.
	 */
	err = -EAGAIN;
	if (!sk->sk_socket && !sock_flag(sk, SOCK_DEAD)) {
		NL_SET_ERR_MSG(info->extack,
			       "socket not accepted yet: register it once accepted");
		goto out_put;
	}
	/* Counters as inet_diag shows them to anyone in the netns; sequence
	 * numbers only to the owner, through its fd, and to CAP_NET_ADMIN.
	 * A selection holds public counters only.
	 */
	full = (owner || reg->net_admin) && !reg->sel;

	tn = netstats_tcp_net(net);
	lock_sock(sk);
	mutex_lock(&tn->lock);
	/* A selection maps the socket's slot if it has one (each counter
	 * has one copy), else rows of the selected counters.
	 */
	if (reg->sel && !tcp_sk(sk)->netstats) {
		err = netstats_tcp_sel_attach(reg, sk, info->extack);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "socket is being destroyed");
		goto out_unlock;
	}
	st = netstats_tcp_sk_slot(sk, full ? reg->owner_id : 0, reg,
				  info->extack);
	if (IS_ERR(st)) {
		err = PTR_ERR(st);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "socket is being destroyed");
		goto out_unlock;
	}
	p = netstats_tcp_page_of(st);
	/* The second page shows the sequence numbers of every socket of the
	 * pair: only those of our own pairs.
	 */
	if (full && p->owner != reg->owner_id &&
	    p->owner != NETSTATS_TCP_SOLO) {
		bool mapped = !hlist_empty(&p->regs[netstats_tcp_slot_of(st)]);

		st = netstats_tcp_move(sk, st, mapped ? NETSTATS_TCP_SOLO :
						     reg->owner_id,
				       reg, info->extack);
		if (IS_ERR(st)) {
			err = PTR_ERR(st);
			goto out_unlock;
		}
		p = netstats_tcp_page_of(st);
	}
	pages[0] = p->page;
	pages[1] = p->page + 1;
	reg->npages = full ? 2 : 1;
	reg->hidden = full ? 0 : NETSTATS_COUNTER_FLAGS_RESTRICTED;
	err = netstats_map_add(reg->map, pages, reg->npages, &reg->pgoff);
	if (err)
		goto out_unlock;
	reg->block_offset = offset_in_page(st);
	hlist_add_head(&reg->node, &p->regs[netstats_tcp_slot_of(st)]);
	err = 0;
	/* A slot allocated for nothing stays until the socket dies. */
out_unlock:
	mutex_unlock(&tn->lock);
	release_sock(sk);
out_put:
	sock_gen_put(sk);
	return err;
}

static void netstats_tcp_detach(struct netstats_reg *reg)
{
	/* The socket's netns: attach refuses another. */
	struct netstats_tcp_net *tn = netstats_tcp_net(read_pnet(&reg->target));

	struct tcp_netstats_sel *sel = reg->priv;

	mutex_lock(&tn->lock);
	if (!hlist_unhashed(&reg->node))
		hlist_del_init(&reg->node);
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	/* The rows of a destroyed socket go with their last registration. */
	if (sel && sel->dead && hlist_empty(&sel->regs))
		netstats_tcp_sel_free(tn, sel);
	mutex_unlock(&tn->lock);
	kfree(reg->counters);
}

#define TCP_COUNTER(_name, _type, _doc) {				\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = offsetof(struct tcp_stats, _name),			\
	.type = NETSTATS_COUNTER_TYPE_ ## _type,			\
}

/* In the next page, at the same offset as the slot.  Sequence numbers
 * are positions, not counts: gauges.
 */
#define TCP_SEQ(_name, _doc) {						\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = PAGE_SIZE + offsetof(struct tcp_stats_seq, _name),	\
	.type = NETSTATS_COUNTER_TYPE_U32,				\
	.flags = NETSTATS_COUNTER_FLAGS_RESTRICTED |			\
		 NETSTATS_COUNTER_FLAGS_GAUGE,				\
}

/* In the order of their memory: a reader copies runs of them. */
const struct netstats_counter_desc netstats_tcp_counters[] = {
	TCP_COUNTER(bytes_received, U64, "Payload bytes received in sequence"),
	TCP_COUNTER(bytes_sent, U64, "Payload bytes sent, retransmissions included"),
	TCP_COUNTER(bytes_acked, U64, "Payload bytes acknowledged by the peer"),
	TCP_COUNTER(segs_in, U32, "Segments received"),
	TCP_COUNTER(data_segs_in, U32, "Segments received with payload"),
	TCP_COUNTER(segs_out, U32, "Segments sent, retransmissions included"),
	TCP_COUNTER(data_segs_out, U32, "Segments sent with payload"),
	TCP_COUNTER(dsack_dups, U32, "Duplicate segments reported by D-SACK"),
	TCP_SEQ(rcv_nxt, "Next sequence number expected"),
	TCP_SEQ(copied_seq, "Sequence number of the first unread byte"),
	TCP_SEQ(rcv_wup, "rcv_nxt when the receive window was last sent"),
	TCP_SEQ(snd_nxt, "Next sequence number to send"),
	TCP_SEQ(snd_una, "First sequence number not yet acknowledged"),
};

static const struct netstats_group_ops netstats_tcp_ops = {
	.attach	= netstats_tcp_attach,
	.detach	= netstats_tcp_detach,
};

static struct netstats_group netstats_tcp_group = {
	.name		= "tcp",
	.doc		= "Counters of one TCP socket (IPv4 or IPv6), as tcp_info",
	.flags		= NETSTATS_GROUP_FLAGS_PER_OBJECT |
			  NETSTATS_GROUP_FLAGS_SELECT,
	.counters	= netstats_tcp_counters,
	.n_counters	= NETSTATS_TCP_N_COUNTERS,
	.ops		= &netstats_tcp_ops,
	.object_attr	= NETSTATS_A_REGISTRATION_SOCK,
};

static int __net_init netstats_tcp_net_init(struct net *net)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(net);

	mutex_init(&tn->lock);
	write_pnet(&tn->net, net);
	INIT_LIST_HEAD(&tn->pages);
	INIT_LIST_HEAD(&tn->rowpages);
	ida_init(&tn->units);
	mutex_lock(&netstats_tcp_nets_lock);
	list_add(&tn->node, &netstats_tcp_nets);
	mutex_unlock(&netstats_tcp_nets_lock);
	return 0;
}

static void __net_exit netstats_tcp_net_exit(struct net *net)
{
	struct netstats_tcp_net *tn = netstats_tcp_net(net);

	/* The netns's sockets, which held it, are destroyed and its
	 * registrations gone: a reap frees what is left.
	 */
	netstats_tcp_reap_flush();
	mutex_lock(&netstats_tcp_nets_lock);
	list_del(&tn->node);
	mutex_unlock(&netstats_tcp_nets_lock);
	WARN_ON_ONCE(!list_empty(&tn->pages));
	WARN_ON_ONCE(!list_empty(&tn->rowpages));
	WARN_ON_ONCE(!ida_is_empty(&tn->units));
	ida_destroy(&tn->units);
}

static struct pernet_operations netstats_tcp_net_ops = {
	.init	= netstats_tcp_net_init,
	.exit	= netstats_tcp_net_exit,
	.id	= &netstats_tcp_net_id,
	.size	= sizeof(struct netstats_tcp_net),
};

static int __init netstats_tcp_init(void)
{
	unsigned int i;
	int err;

	/* The selectable counters are the public ones, first, in
	 * TCP_NETSTATS_SEL_* order.
	 */
	for (i = 0; i < NETSTATS_TCP_N_COUNTERS; i++) {
		bool sel = !(netstats_tcp_counters[i].flags &
			     NETSTATS_COUNTER_FLAGS_RESTRICTED);
		bool first = i < TCP_NETSTATS_SEL_MAX;

		if (WARN_ON(sel != first))
			return -EINVAL;
	}
	netstats_tcp_cell_rank_init();

	err = register_pernet_subsys(&netstats_tcp_net_ops);
	if (err)
		return err;
	netstats_tcp_debugfs_init();
	return netstats_group_add(&netstats_tcp_group);
}
device_initcall(netstats_tcp_init);
