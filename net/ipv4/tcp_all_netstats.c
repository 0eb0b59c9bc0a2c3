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
 */

#include <linux/bitmap.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
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
 *
 * Under the netns's netstats_tcp_net::lock, which connect/accept take
 * only while the netns is monitored, and no other netns's.
 */
struct netstats_tcp_all_net {
	struct list_head monitors;
	unsigned int nr_monitors;
	struct page *dir;
	struct xarray uid_slots;
};

/**
 * struct netstats_tcp_monitor - a tcp-all registration
 * @node: entry in netstats_tcp_all_net::monitors
 * @reg: the registration
 * @linger: how long a dead socket's slot stays DEAD in place (jiffies)
 */
struct netstats_tcp_monitor {
	struct list_head node;
	struct netstats_reg *reg;
	unsigned long linger;
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

static const struct netstats_tcp_dir_ops netstats_tcp_all_dir_ops = {
	.pair_add	= netstats_tcp_all_pair_add,
	.pair_free	= netstats_tcp_all_pair_free,
	.slot_free	= netstats_tcp_all_slot_free,
	.slot_dead	= netstats_tcp_all_slot_dead,
	.slot_moved	= netstats_tcp_all_slot_moved,
	.reap		= netstats_tcp_all_reap,
};

/* Give a socket of a monitored netns a slot and name it in its entry. */
static void __netstats_tcp_monitor_sk(struct sock *sk)
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

	if (likely(!READ_ONCE(an->nr_monitors)) || !sk->sk_net_refcnt)
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
	list_for_each_entry(p, &tn->pages, node) {
		if (p->priv)
			err = netstats_tcp_monitor_unit(m, p, true);
		else
			err = netstats_tcp_page_monitor(an, p);
		if (err) {
			list_del(&m->node);
			WRITE_ONCE(an->nr_monitors, an->nr_monitors - 1);
			return err;
		}
	}
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
	list_del(&m->node);
	WRITE_ONCE(an->nr_monitors, an->nr_monitors - 1);
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	mutex_unlock(&tn->lock);
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
	.flags		= NETSTATS_GROUP_FLAGS_DIRECTORY,
	.counters	= netstats_tcp_counters,
	.n_counters	= NETSTATS_TCP_N_COUNTERS,
	.options	= netstats_tcp_all_options,
	.n_options	= ARRAY_SIZE(netstats_tcp_all_options),
	.ops		= &netstats_tcp_all_ops,
};

static int __net_init netstats_tcp_all_net_init(struct net *net)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);

	INIT_LIST_HEAD(&an->monitors);
	xa_init(&an->uid_slots);
	return 0;
}

static void __net_exit netstats_tcp_all_net_exit(struct net *net)
{
	struct netstats_tcp_all_net *an = netstats_tcp_all_net(net);

	/* The netns's sockets, which held it, are destroyed and its
	 * monitors gone: a reap frees what still lingers.
	 */
	netstats_tcp_reap_flush();
	WARN_ON_ONCE(!xa_empty(&an->uid_slots));
	xa_destroy(&an->uid_slots);
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
