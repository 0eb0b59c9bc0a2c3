// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstats "tcp" group: the counters of one TCP socket.
 *
 * A registered socket's counters live in an 80-byte slot of a page
 * shared by the registered sockets of one netns and one owner (uid): the
 * sockets whose sequence numbers the same readers may see.  tcp_sock
 * reaches its slot through tp->netstats and the central TCP helpers
 * mirror each store into it.  The slot stays until the socket is
 * destroyed; then every registration of it is switched to a snapshot
 * holding the final values (state DEAD) and the slot is freed.
 */

#include <linux/bitmap.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/netstats.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_netstats.h>

#define NETSTATS_TCP_SLOT	80
#define NETSTATS_TCP_SLOTS	(PAGE_SIZE / NETSTATS_TCP_SLOT)

static_assert(sizeof(struct tcp_stats) <= NETSTATS_TCP_SLOT);
static_assert(NETSTATS_TCP_SLOT % sizeof(u64) == 0);

/**
 * struct netstats_tcp_page - a page of TCP slots of one visibility class
 * @node: entry in netstats_tcp_pages
 * @page: the mapped page
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
	WRITE_ONCE(st->rcv_nxt, tp->rcv_nxt);
	WRITE_ONCE(st->copied_seq, tp->copied_seq);
	WRITE_ONCE(st->rcv_wup, tp->rcv_wup);
	WRITE_ONCE(st->snd_nxt, tp->snd_nxt);
	WRITE_ONCE(st->snd_una, tp->snd_una);
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
	p->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
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
	__free_page(p->page);
	kfree(p);
	return true;
}

struct netstats_tcp_dead_arg {
	unsigned int offset;
};

static void netstats_tcp_mark_dead(void *page_addr, void *arg)
{
	struct netstats_tcp_dead_arg *d = arg;
	struct tcp_stats *st = page_addr + d->offset;

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

static int netstats_tcp_attach(struct netstats_reg *reg, struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[NETSTATS_A_REGISTRATION_SOCK_FD];
	struct net *net = genl_info_net(info);
	struct netstats_tcp_page *p;
	struct tcp_stats *st;
	struct socket *sock;
	struct sock *sk;
	int err;

	if (info->attrs[NETSTATS_A_REGISTRATION_SOCK_COOKIE]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETSTATS_A_REGISTRATION_SOCK_COOKIE],
				    "registration by socket cookie is not supported yet");
		return -EOPNOTSUPP;
	}
	if (!fd_attr) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     NETSTATS_A_REGISTRATION_SOCK_FD);
		NL_SET_ERR_MSG(info->extack, "tcp needs the socket's fd");
		return -EINVAL;
	}

	sock = sockfd_lookup(nla_get_s32(fd_attr), &err);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr, "fd is not a socket");
		return err;
	}
	sk = sock->sk;
	err = -EPROTOTYPE;
	if (!sk_is_tcp(sk) ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr, "not a TCP socket");
		goto out_put;
	}
	err = -EINVAL;
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr,
				    "socket is in another network namespace");
		goto out_put;
	}
	/* The slot page is shared with the owner's other sockets, sequence
	 * numbers included.
	 */
	err = -EPERM;
	if (!uid_eq(sock_i_uid(sk), current_euid()) &&
	    !ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr,
				    "socket belongs to another user");
		goto out_put;
	}

	lock_sock(sk);
	mutex_lock(&netstats_tcp_lock);
	st = tcp_sk(sk)->netstats;
	if (!st) {
		err = -ENOMEM;
		st = netstats_tcp_slot_alloc(net, sock_i_uid(sk));
		if (!st)
			goto out_unlock;
		/* Softirq writers run under the socket spinlock even while
		 * we own the socket: copy and publish under it.
		 */
		spin_lock_bh(&sk->sk_lock.slock);
		netstats_tcp_sync(tcp_sk(sk), st);
		WRITE_ONCE(tcp_sk(sk)->netstats, st);
		spin_unlock_bh(&sk->sk_lock.slock);
	}
	p = netstats_tcp_page_of(st);
	err = netstats_map_add(reg->map, &p->page, 1, &reg->pgoff);
	if (err)
		goto out_unlock;
	reg->npages = 1;
	reg->block_offset = offset_in_page(st);
	hlist_add_head(&reg->node, &p->regs[netstats_tcp_slot_of(st)]);
	err = 0;
	/* A slot allocated for nothing stays until the socket dies. */
out_unlock:
	mutex_unlock(&netstats_tcp_lock);
	release_sock(sk);
out_put:
	sockfd_put(sock);
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

#define TCP_COUNTER(_name, _type, _flags, _doc) {			\
	.name = #_name,							\
	.doc = _doc,							\
	.offset = offsetof(struct tcp_stats, _name),			\
	.type = NETSTATS_COUNTER_TYPE_ ## _type,			\
	.flags = _flags,						\
}

#define SEQ	NETSTATS_COUNTER_FLAGS_RESTRICTED

static const struct netstats_counter_desc netstats_tcp_counters[] = {
	TCP_COUNTER(bytes_received, U64, 0, "Payload bytes received in sequence"),
	TCP_COUNTER(segs_in, U32, 0, "Segments received"),
	TCP_COUNTER(data_segs_in, U32, 0, "Segments received with payload"),
	TCP_COUNTER(rcv_nxt, U32, SEQ, "Next sequence number expected"),
	TCP_COUNTER(copied_seq, U32, SEQ, "Sequence number of the first unread byte"),
	TCP_COUNTER(rcv_wup, U32, SEQ, "rcv_nxt when the receive window was last sent"),
	TCP_COUNTER(snd_nxt, U32, SEQ, "Next sequence number to send"),
	TCP_COUNTER(segs_out, U32, 0, "Segments sent, retransmissions included"),
	TCP_COUNTER(data_segs_out, U32, 0, "Segments sent with payload"),
	TCP_COUNTER(bytes_sent, U64, 0, "Payload bytes sent, retransmissions included"),
	TCP_COUNTER(bytes_acked, U64, 0, "Payload bytes acknowledged by the peer"),
	TCP_COUNTER(dsack_dups, U32, 0, "Duplicate segments reported by D-SACK"),
	TCP_COUNTER(snd_una, U32, SEQ, "First sequence number not yet acknowledged"),
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
