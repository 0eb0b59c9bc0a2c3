/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-socket TCP counters in netstats mapped pages.
 */
#ifndef _NET_TCP_NETSTATS_H
#define _NET_TCP_NETSTATS_H

#include <linux/jump_label.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <net/netstats.h>
#include <net/sock.h>

struct sock;

/**
 * struct tcp_stats - the mapped counters of one TCP socket
 * @hdr: block header (generation, state)
 * @bytes_received: as tcp_info's tcpi_bytes_received
 * @bytes_sent: as tcpi_bytes_sent
 * @bytes_acked: as tcpi_bytes_acked
 * @segs_in: as tcpi_segs_in
 * @data_segs_in: as tcpi_data_segs_in
 * @segs_out: as tcpi_segs_out
 * @data_segs_out: as tcpi_data_segs_out
 * @dsack_dups: as tcpi_dsack_dups
 *
 * One slot of a page shared by the registered sockets of one netns and
 * owner; the socket reaches it through tcp_sock::netstats while
 * registered.  Every field mirrors the tcp_sock field of the same name
 * with one store.  The socket's sequence numbers, which only the owner
 * and CAP_NET_ADMIN may see, are in a &struct tcp_stats_seq at the same
 * offset of the next page (tcp_stats_seq()): a monitor maps the first
 * page only.
 */
struct tcp_stats {
	struct netstats_block_hdr hdr;
	u64 bytes_received;
	u64 bytes_sent;
	u64 bytes_acked;
	u32 segs_in;
	u32 data_segs_in;
	u32 segs_out;
	u32 data_segs_out;
	u32 dsack_dups;
};

/**
 * struct tcp_stats_seq - the mapped sequence numbers of one TCP socket
 * @rcv_nxt: next sequence number expected
 * @copied_seq: head of yet unread data
 * @rcv_wup: rcv_nxt at the last window update sent
 * @snd_nxt: next sequence number to send
 * @snd_una: first byte not yet acknowledged
 */
struct tcp_stats_seq {
	u32 rcv_nxt;
	u32 copied_seq;
	u32 rcv_wup;
	u32 snd_nxt;
	u32 snd_una;
};

/* The sequence numbers of the socket whose counters are at @st. */
static __always_inline struct tcp_stats_seq *
tcp_stats_seq(struct tcp_stats *st)
{
	return (void *)st + PAGE_SIZE;
}

#if IS_ENABLED(CONFIG_NETSTATS_DEBUG)
void netstats_tcp_debug_delay(const struct tcp_sock *tp,
			      const struct tcp_stats *st);
#else
static inline void netstats_tcp_debug_delay(const struct tcp_sock *tp,
					    const struct tcp_stats *st)
{
}
#endif

#if IS_ENABLED(CONFIG_NETSTATS)
DECLARE_STATIC_KEY_FALSE(netstats_tcp_mirror);

void netstats_tcp_destroy(struct sock *sk);
void netstats_tcp_disconnect(struct sock *sk);
void netstats_tcp_resync(struct tcp_sock *tp);
void netstats_tcp_monitor_sk(struct sock *sk);
#else
static inline void netstats_tcp_destroy(struct sock *sk)
{
}

static inline void netstats_tcp_disconnect(struct sock *sk)
{
}

static inline void netstats_tcp_resync(struct tcp_sock *tp)
{
}

static inline void netstats_tcp_monitor_sk(struct sock *sk)
{
}
#endif

/*
 * The mapped counters of a registered socket, NULL otherwise.
 *
 * Every writer excludes the others and netstats_tcp_destroy() as TCP
 * does: it is the socket's owner (lock_sock()), or runs in softirq under
 * the socket spinlock while no process owns the socket.  The slot is
 * reused or freed only after an RCU grace period besides.
 *
 * netstats_tcp_mirror is enabled while a page pair of slots exists (in
 * any netns): no socket points to a slot while it is off, so until the
 * first registration the mirrors below are a no-op each.
 */
static __always_inline struct tcp_stats *
tcp_netstats(const struct tcp_sock *tp)
{
#if IS_ENABLED(CONFIG_NETSTATS)
	if (!static_branch_unlikely(&netstats_tcp_mirror))
		return NULL;
	return READ_ONCE(tp->netstats);
#else
	return NULL;
#endif
}

/*
 * Mirrors, one per central helper of tcp_sock's counters: each copies
 * what its helper just stored.  While no socket is registered they cost
 * a no-op; an unregistered socket then pays the load of tp->netstats and
 * a predicted branch; with CONFIG_NETSTATS=n, nothing.
 */
static __always_inline void
__tcp_netstats_segs_in(const struct tcp_sock *tp, struct tcp_stats *st)
{
	WRITE_ONCE(st->segs_in, tp->segs_in);
	WRITE_ONCE(st->data_segs_in, tp->data_segs_in);
}

/*
 * tcp_v4_rcv() and tcp_v6_rcv() count segs_in before they look for an
 * owner; the segment is mirrored where it is processed, in
 * tcp_v4_do_rcv() or tcp_v6_do_rcv(), by softirq or by the owner from
 * the backlog.  One dropped at a full backlog waits for the next one.
 */
static __always_inline void tcp_netstats_segs_in(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st)) {
		netstats_tcp_debug_delay(tp, st);
		__tcp_netstats_segs_in(tp, st);
	}
}

static __always_inline void tcp_netstats_rcv_nxt(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st)) {
		WRITE_ONCE(st->bytes_received, tp->bytes_received);
		WRITE_ONCE(tcp_stats_seq(st)->rcv_nxt, tp->rcv_nxt);
	}
}

static __always_inline void tcp_netstats_snd_una(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st)) {
		WRITE_ONCE(st->bytes_acked, tp->bytes_acked);
		WRITE_ONCE(tcp_stats_seq(st)->snd_una, tp->snd_una);
	}
}

static __always_inline void tcp_netstats_dsack(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st))
		WRITE_ONCE(st->dsack_dups, tp->dsack_dups);
}

/* After __tcp_transmit_skb(), whose tcp_select_window() moves rcv_wup. */
static __always_inline void tcp_netstats_sent(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st)) {
		WRITE_ONCE(st->segs_out, tp->segs_out);
		WRITE_ONCE(st->data_segs_out, tp->data_segs_out);
		WRITE_ONCE(st->bytes_sent, tp->bytes_sent);
		WRITE_ONCE(tcp_stats_seq(st)->rcv_wup, tp->rcv_wup);
	}
}

static __always_inline void tcp_netstats_snd_nxt(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st))
		WRITE_ONCE(tcp_stats_seq(st)->snd_nxt, tp->snd_nxt);
}

static __always_inline void tcp_netstats_copied(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st))
		WRITE_ONCE(tcp_stats_seq(st)->copied_seq, tp->copied_seq);
}

#endif /* _NET_TCP_NETSTATS_H */
