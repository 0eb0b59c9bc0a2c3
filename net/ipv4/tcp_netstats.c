// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "tcp" group: the counters of one TCP socket.
 *
 * A registered socket's counters live in a 56-byte slot of a pair of
 * pages shared by the registered sockets of one netns and one owner
 * (uid): the first page holds the counters (struct tcp_stats), which
 * every process of the netns may see, as inet_diag shows them; the same
 * slot of the second page holds the sequence numbers (struct
 * tcp_stats_seq), which only the owner and CAP_NET_ADMIN may see.  An
 * owner's registration maps both pages, a monitor's the first.
 *
 * tcp_sock reaches its slot through tp->netstats and the central TCP
 * helpers mirror each store into it.  The slot stays until the socket is
 * destroyed; then every registration of it is switched to a snapshot
 * holding the final values (state DEAD) and the slot is freed.
 */

#include <linux/bitmap.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sock_diag.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/netstats.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_netstats.h>

#define NETSTATS_TCP_SLOT	56
#define NETSTATS_TCP_SLOTS	(PAGE_SIZE / NETSTATS_TCP_SLOT)

static_assert(sizeof(struct tcp_stats) <= NETSTATS_TCP_SLOT);
static_assert(sizeof(struct tcp_stats_seq) <= NETSTATS_TCP_SLOT);
static_assert(NETSTATS_TCP_SLOT % sizeof(u64) == 0);

/**
 * struct netstats_tcp_page - a page pair of TCP slots of one visibility class
 * @node: entry in netstats_tcp_pages
 * @page: the mapped pages (order 1): counters, then sequence numbers
 * @net: netns of the sockets (no reference: a socket with a slot holds one)
 * @uid: owner of the sockets
 * @used: slots in use
 * @busy: slots in use
 * @dying: slots whose socket was destroyed, waiting for the reaper
 * @regs: per slot, the registrations mapping it
 */
struct netstats_tcp_page {
	struct list_head node;
	struct page *page;
	possible_net_t net;
	kuid_t uid;
	unsigned int used;
	DECLARE_BITMAP(busy, NETSTATS_TCP_SLOTS);
	DECLARE_BITMAP(dying, NETSTATS_TCP_SLOTS);
	struct hlist_head regs[NETSTATS_TCP_SLOTS];
};

/* Protects netstats_tcp_pages, the pages' @busy, @used and @regs. */
static DEFINE_MUTEX(netstats_tcp_lock);
static LIST_HEAD(netstats_tcp_pages);

static struct netstats_tcp_page *netstats_tcp_page_of(struct tcp_stats *st)
{
	return (struct netstats_tcp_page *)page_private(virt_to_page(st));
}

static unsigned int netstats_tcp_slot_of(struct tcp_stats *st)
{
	return offset_in_page(st) / NETSTATS_TCP_SLOT;
}

static struct tcp_stats *netstats_tcp_slot(struct netstats_tcp_page *p,
					   unsigned int slot)
{
	return page_address(p->page) + slot * NETSTATS_TCP_SLOT;
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
}

static struct tcp_stats *netstats_tcp_slot_alloc(struct net *net, kuid_t uid)
{
	struct netstats_tcp_page *p;
	struct tcp_stats *st;
	unsigned int slot;
	u32 gen;

	lockdep_assert_held(&netstats_tcp_lock);

	/* A page whose sockets are all destroyed may belong to a netns
	 * that is gone, whose address a new netns can have: never share it.
	 */
	list_for_each_entry(p, &netstats_tcp_pages, node)
		if (net_eq(read_pnet(&p->net), net) && uid_eq(p->uid, uid) &&
		    p->used < NETSTATS_TCP_SLOTS &&
		    !bitmap_subset(p->busy, p->dying, NETSTATS_TCP_SLOTS))
			goto found;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	p->page = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 1);
	if (!p->page) {
		kfree(p);
		return NULL;
	}
	set_page_private(p->page, (unsigned long)p);
	write_pnet(&p->net, net);
	p->uid = uid;
	list_add(&p->node, &netstats_tcp_pages);

found:
	slot = find_first_zero_bit(p->busy, NETSTATS_TCP_SLOTS);
	__set_bit(slot, p->busy);
	p->used++;
	netstats_block_get();
	st = netstats_tcp_slot(p, slot);
	/* Whoever mapped an earlier user of this slot moved to a snapshot;
	 * a new generation still tells any stale reader.
	 */
	gen = READ_ONCE(st->hdr.generation);
	memset(st, 0, NETSTATS_TCP_SLOT);
	memset(tcp_stats_seq(st), 0, NETSTATS_TCP_SLOT);
	WRITE_ONCE(st->hdr.generation, gen + 1);
	WRITE_ONCE(st->hdr.state, NETSTATS_BLOCK_LIVE);
	return st;
}

/* Return: true if the page was freed with its last slot. */
static bool netstats_tcp_slot_free(struct netstats_tcp_page *p,
				   unsigned int slot)
{
	lockdep_assert_held(&netstats_tcp_lock);

	__clear_bit(slot, p->busy);
	netstats_block_put();
	if (--p->used)
		return false;
	list_del(&p->node);
	set_page_private(p->page, 0);
	__free_pages(p->page, 1);
	kfree(p);
	return true;
}

struct netstats_tcp_dead_arg {
	unsigned int offset;
};

static void netstats_tcp_mark_dead(void *page_addr, unsigned int idx,
				   void *arg)
{
	struct netstats_tcp_dead_arg *d = arg;
	struct tcp_stats *st = page_addr + d->offset;

	if (idx)	/* the sequence numbers */
		return;

	st->hdr.generation++;
	st->hdr.state = NETSTATS_BLOCK_DEAD;
}

/* Snapshot every registration of the slots of destroyed sockets, then
 * free the slots.
 */
static void netstats_tcp_reap(struct work_struct *work)
{
	struct netstats_tcp_page *p, *tmp;
	struct netstats_reg *reg;
	struct hlist_node *n;
	unsigned int slot;

	mutex_lock(&netstats_tcp_lock);
	list_for_each_entry_safe(p, tmp, &netstats_tcp_pages, node) {
		for_each_set_bit(slot, p->dying, NETSTATS_TCP_SLOTS) {
			struct netstats_tcp_dead_arg d = {
				.offset = slot * NETSTATS_TCP_SLOT,
			};

			hlist_for_each_entry_safe(reg, n, &p->regs[slot], node) {
				hlist_del_init(&reg->node);
				netstats_map_snapshot(reg->map, reg->pgoff,
						      reg->npages,
						      netstats_tcp_mark_dead, &d);
				reg->dead = true;
				netstats_notify_dead(reg, NULL);
			}
			clear_bit(slot, p->dying);
			if (netstats_tcp_slot_free(p, slot))
				break;	/* the page went with its last slot */
		}
	}
	mutex_unlock(&netstats_tcp_lock);
}

static DECLARE_WORK(netstats_tcp_reap_work, netstats_tcp_reap);

/**
 * netstats_tcp_destroy() - a TCP socket is destroyed
 * @sk: the socket, from tcp_v4_destroy_sock(), in any context, or from
 *	__tcp_close() before an abortive disconnect zeroes the counters
 *
 * Its counters are final: detach the slot and let the reaper move the
 * readers to snapshots.
 */
void netstats_tcp_destroy(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_stats *st = tp->netstats;

	if (!st)
		return;
	WRITE_ONCE(tp->netstats, NULL);
	set_bit(netstats_tcp_slot_of(st), netstats_tcp_page_of(st)->dying);
	schedule_work(&netstats_tcp_reap_work);
}

/**
 * netstats_tcp_disconnect() - tcp_disconnect() zeroed the counters
 * @sk: the socket, locked
 */
void netstats_tcp_disconnect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_stats *st = tp->netstats;

	if (!st)
		return;
	WRITE_ONCE(st->hdr.generation, st->hdr.generation + 1);
	netstats_tcp_sync(tp, st);
}

/* The socket named by fd: the caller holds it, so does the returned @sk. */
static struct sock *netstats_tcp_sk_by_fd(struct genl_info *info, bool *owner)
{
	struct nlattr *fd_attr = info->attrs[NETSTATS_A_REGISTRATION_SOCK_FD];
	struct socket *sock;
	struct sock *sk;
	int err;

	sock = sockfd_lookup(nla_get_s32(fd_attr), &err);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr, "fd is not a socket");
		return ERR_PTR(err);
	}
	sk = sock->sk;
	if (!sk_is_tcp(sk) ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr, "not a TCP socket");
		sockfd_put(sock);
		return ERR_PTR(-EPROTOTYPE);
	}
	sock_hold(sk);
	sockfd_put(sock);
	*owner = uid_eq(sock_i_uid(sk), current_euid());
	return sk;
}

static bool netstats_tcp_addr_ok(struct genl_info *info, int type)
{
	struct nlattr *a = info->attrs[type];

	if (!a) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
		NL_SET_ERR_MSG(info->extack,
			       "a socket cookie needs the socket's addresses and ports");
		return false;
	}
	if (nla_len(a) != sizeof(struct in_addr) &&
	    nla_len(a) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "address is neither IPv4 nor IPv6");
		return false;
	}
	return true;
}

/*
 * The socket named by cookie, looked up by its addresses and ports as
 * inet_diag does; with a reference, and possibly a request or timewait
 * socket.
 */
static struct sock *netstats_tcp_sk_by_cookie(struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct net *net = genl_info_net(info);
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct nlattr *src = tb[NETSTATS_A_REGISTRATION_SOCK_SRC];
	struct nlattr *dst = tb[NETSTATS_A_REGISTRATION_SOCK_DST];
	__be16 sport, dport;
	struct sock *sk;
	int dif = 0;

	if (!netstats_tcp_addr_ok(info, NETSTATS_A_REGISTRATION_SOCK_SRC) ||
	    !netstats_tcp_addr_ok(info, NETSTATS_A_REGISTRATION_SOCK_DST) ||
	    GENL_REQ_ATTR_CHECK(info, NETSTATS_A_REGISTRATION_SOCK_SPORT) ||
	    GENL_REQ_ATTR_CHECK(info, NETSTATS_A_REGISTRATION_SOCK_DPORT))
		return ERR_PTR(-EINVAL);
	if (nla_len(src) != nla_len(dst)) {
		NL_SET_ERR_MSG_ATTR(info->extack, dst,
				    "addresses of different families");
		return ERR_PTR(-EINVAL);
	}
	sport = nla_get_be16(tb[NETSTATS_A_REGISTRATION_SOCK_SPORT]);
	dport = nla_get_be16(tb[NETSTATS_A_REGISTRATION_SOCK_DPORT]);
	if (tb[NETSTATS_A_REGISTRATION_IFINDEX])
		dif = nla_get_u32(tb[NETSTATS_A_REGISTRATION_IFINDEX]);

	rcu_read_lock();
	if (nla_len(src) == sizeof(struct in_addr)) {
		sk = inet_lookup(net, hinfo, NULL, 0, nla_get_in_addr(dst),
				 dport, nla_get_in_addr(src), sport, dif);
	} else {
		struct in6_addr s6 = nla_get_in6_addr(src);
		struct in6_addr d6 = nla_get_in6_addr(dst);

		if (ipv6_addr_v4mapped(&s6) && ipv6_addr_v4mapped(&d6))
			sk = inet_lookup(net, hinfo, NULL, 0, d6.s6_addr32[3],
					 dport, s6.s6_addr32[3], sport, dif);
#if IS_ENABLED(CONFIG_IPV6)
		else
			sk = inet6_lookup(net, hinfo, NULL, 0, &d6, dport,
					  &s6, sport, dif);
#else
		else
			sk = NULL;
#endif
	}
	rcu_read_unlock();

	if (!sk || sock_gen_cookie(sk) !=
		   nla_get_u64(tb[NETSTATS_A_REGISTRATION_SOCK_COOKIE])) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[NETSTATS_A_REGISTRATION_SOCK_COOKIE],
				    "no TCP socket with this cookie and addresses");
		if (sk)
			sock_gen_put(sk);
		return ERR_PTR(-ENOENT);
	}
	return sk;
}

static int netstats_tcp_attach(struct netstats_reg *reg, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct netstats_tcp_page *p;
	bool owner = false, full;
	struct page *pages[2];
	struct tcp_stats *st;
	struct sock *sk;
	int err;

	if (info->attrs[NETSTATS_A_REGISTRATION_SOCK_FD]) {
		sk = netstats_tcp_sk_by_fd(info, &owner);
	} else if (info->attrs[NETSTATS_A_REGISTRATION_SOCK_COOKIE]) {
		sk = netstats_tcp_sk_by_cookie(info);
	} else {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     NETSTATS_A_REGISTRATION_SOCK_FD);
		NL_SET_ERR_MSG(info->extack,
			       "tcp needs the socket's fd or cookie");
		return -EINVAL;
	}
	if (IS_ERR(sk))
		return PTR_ERR(sk);

	err = -EINVAL;
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG(info->extack,
			       "socket is in another network namespace");
		goto out_put;
	}
	err = -ENOENT;
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
	 */
	full = owner || reg->net_admin;

	lock_sock(sk);
	mutex_lock(&netstats_tcp_lock);
	st = tcp_sk(sk)->netstats;
	if (!st) {
		err = -ENOMEM;
		st = netstats_tcp_slot_alloc(net, sock_i_uid(sk));
		if (!st)
			goto out_unlock;
		/* Softirq writers run under the socket spinlock even while
		 * we own the socket: copy and publish under it, unless it was
		 * destroyed (its counters are final and nobody mapped them).
		 */
		spin_lock_bh(&sk->sk_lock.slock);
		if (sock_flag(sk, SOCK_DEAD) && sk->sk_state == TCP_CLOSE) {
			spin_unlock_bh(&sk->sk_lock.slock);
			netstats_tcp_slot_free(netstats_tcp_page_of(st),
					       netstats_tcp_slot_of(st));
			NL_SET_ERR_MSG(info->extack, "socket is being destroyed");
			err = -ENOENT;
			goto out_unlock;
		}
		netstats_tcp_sync(tcp_sk(sk), st);
		WRITE_ONCE(tcp_sk(sk)->netstats, st);
		spin_unlock_bh(&sk->sk_lock.slock);
	}
	p = netstats_tcp_page_of(st);
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
	mutex_unlock(&netstats_tcp_lock);
	release_sock(sk);
out_put:
	sock_gen_put(sk);
	return err;
}

static void netstats_tcp_detach(struct netstats_reg *reg)
{
	mutex_lock(&netstats_tcp_lock);
	if (!hlist_unhashed(&reg->node))
		hlist_del_init(&reg->node);
	netstats_map_remove(reg->map, reg->pgoff, reg->npages);
	mutex_unlock(&netstats_tcp_lock);
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

static const struct netstats_counter_desc netstats_tcp_counters[] = {
	TCP_COUNTER(bytes_received, U64, "Payload bytes received in sequence"),
	TCP_COUNTER(segs_in, U32, "Segments received"),
	TCP_COUNTER(data_segs_in, U32, "Segments received with payload"),
	TCP_SEQ(rcv_nxt, "Next sequence number expected"),
	TCP_SEQ(copied_seq, "Sequence number of the first unread byte"),
	TCP_SEQ(rcv_wup, "rcv_nxt when the receive window was last sent"),
	TCP_SEQ(snd_nxt, "Next sequence number to send"),
	TCP_COUNTER(segs_out, U32, "Segments sent, retransmissions included"),
	TCP_COUNTER(data_segs_out, U32, "Segments sent with payload"),
	TCP_COUNTER(bytes_sent, U64, "Payload bytes sent, retransmissions included"),
	TCP_COUNTER(bytes_acked, U64, "Payload bytes acknowledged by the peer"),
	TCP_COUNTER(dsack_dups, U32, "Duplicate segments reported by D-SACK"),
	TCP_SEQ(snd_una, "First sequence number not yet acknowledged"),
};

static const struct netstats_group_ops netstats_tcp_ops = {
	.attach	= netstats_tcp_attach,
	.detach	= netstats_tcp_detach,
};

static struct netstats_group netstats_tcp_group = {
	.name		= "tcp",
	.doc		= "Counters of one TCP socket (IPv4 or IPv6), as tcp_info",
	.flags		= NETSTATS_GROUP_FLAGS_PER_OBJECT,
	.counters	= netstats_tcp_counters,
	.n_counters	= ARRAY_SIZE(netstats_tcp_counters),
	.ops		= &netstats_tcp_ops,
};

static int __init netstats_tcp_init(void)
{
	return netstats_group_add(&netstats_tcp_group);
}
device_initcall(netstats_tcp_init);
