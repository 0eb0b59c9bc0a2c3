/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-socket TCP counters in netstats mapped pages.
 */
#ifndef _NET_TCP_NETSTATS_H
#define _NET_TCP_NETSTATS_H

#include <linux/jump_label.h>
#include <linux/llist.h>
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

/*
 * The counters a registration may select (the public ones), in the
 * order of the group's counters: index into tcp_netstats_sel::cell.
 */
enum {
	TCP_NETSTATS_SEL_BYTES_RECEIVED,
	TCP_NETSTATS_SEL_BYTES_SENT,
	TCP_NETSTATS_SEL_BYTES_ACKED,
	TCP_NETSTATS_SEL_SEGS_IN,
	TCP_NETSTATS_SEL_DATA_SEGS_IN,
	TCP_NETSTATS_SEL_SEGS_OUT,
	TCP_NETSTATS_SEL_DATA_SEGS_OUT,
	TCP_NETSTATS_SEL_DSACK_DUPS,
	TCP_NETSTATS_SEL_MAX
};

/**
 * struct tcp_netstats_sel - where the selected counters of a socket are
 * @cell: per selectable counter (TCP_NETSTATS_SEL_*), its u64 cell in a
 *	row of a shared page, or NULL: no registration selected it, and the
 *	mirrors store nothing for it
 * @row_of: the row holding each cell (private to tcp_netstats.c)
 * @rows: the rows (private to tcp_netstats.c)
 * @regs: the registrations mapping them
 * @dying: entry in the reaper's list once the socket is destroyed
 * @net: netns of the socket (no reference: the reaper runs before its
 *	exit)
 * @dead: the socket was destroyed: the rows hold its final values
 *
 * A registration that selects counters of a socket that has no slot gets
 * rows ([struct netstats_block_hdr][one u64 cell per counter], never
 * across a 64-byte line) instead: tp->netstats_sel points here.  A
 * counter has one cell however many registrations select it.
 */
struct tcp_netstats_sel {
	u64 *cell[TCP_NETSTATS_SEL_MAX];
	void *row_of[TCP_NETSTATS_SEL_MAX];
	struct list_head rows;
	struct hlist_head regs;
	struct llist_node dying;
	possible_net_t net;
	bool dead;
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
DECLARE_STATIC_KEY_FALSE(netstats_tcp_any_mirror);
DECLARE_STATIC_KEY_FALSE(netstats_tcp_mirror);
DECLARE_STATIC_KEY_FALSE(netstats_tcp_sel_mirror);
DECLARE_STATIC_KEY_FALSE(netstats_tcp_cells_mirror);
/* [layout][i]: the cell of selectable counter i in a compact block */
extern u8 netstats_tcp_cell_rank[256][TCP_NETSTATS_SEL_MAX];

void netstats_tcp_destroy(struct sock *sk);
void netstats_tcp_disconnect(struct sock *sk);
void netstats_tcp_resync(struct tcp_sock *tp);
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
#endif

#if IS_ENABLED(CONFIG_NETSTATS)
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
	if (!static_branch_unlikely(&netstats_tcp_mirror))
		return NULL;
	return READ_ONCE(tp->netstats);
}

/*
 * The cells of a socket's selected counters, NULL unless a registration
 * selected some: as tcp_netstats(), behind netstats_tcp_sel_mirror
 * (enabled while a page of rows exists).
 */
static __always_inline struct tcp_netstats_sel *
tcp_netstats_sel(const struct tcp_sock *tp)
{
	if (!static_branch_unlikely(&netstats_tcp_sel_mirror))
		return NULL;
	return READ_ONCE(tp->netstats_sel);
}

/*
 * The first cell of a socket's tcp-all compact block, NULL if it has
 * none: as tcp_netstats(), behind netstats_tcp_cells_mirror (enabled
 * while a unit of compact blocks exists).  tp->netstats_layout says
 * which counters have a cell; it is stored before the pointer.
 */
static __always_inline u64 *tcp_netstats_cells(const struct tcp_sock *tp)
{
	if (!static_branch_unlikely(&netstats_tcp_cells_mirror))
		return NULL;
	return READ_ONCE(tp->netstats_cells);
}

/*
 * Counter @x of a compact block of layout @m: a test of the layout, and
 * the load of the field and a store to its cell (a table lookup, no
 * popcount) if the block has it.
 */
static __always_inline void tcp_netstats_cell64(u64 *cells, unsigned int m,
						unsigned int x,
						const u64 *field)
{
	if (m & BIT(x))
		WRITE_ONCE(cells[netstats_tcp_cell_rank[m][x]],
			   READ_ONCE(*field));
}

static __always_inline void tcp_netstats_cell32(u64 *cells, unsigned int m,
						unsigned int x,
						const u32 *field)
{
	if (m & BIT(x))
		WRITE_ONCE(cells[netstats_tcp_cell_rank[m][x]],
			   READ_ONCE(*field));
}

/*
 * One selected counter: a load of its cell pointer, and the load of the
 * field and a store if it is set.
 */
static __always_inline void tcp_netstats_sel64(u64 *cell, const u64 *field)
{
	if (cell)
		WRITE_ONCE(*cell, READ_ONCE(*field));
}

static __always_inline void tcp_netstats_sel32(u64 *cell, const u32 *field)
{
	if (cell)
		WRITE_ONCE(*cell, READ_ONCE(*field));
}

/*
 * Mirrors, each at a point every store of its fields passes: they copy
 * what TCP just stored.  While no socket is registered they cost a
 * no-op; an unregistered socket then pays the load of tp->netstats and
 * a predicted branch; with CONFIG_NETSTATS=n, nothing.  They load the
 * tcp_sock fields again (READ_ONCE()) rather than reuse what TCP just
 * computed: the compiler then keeps no value alive for them, and TCP's
 * own code is built as without them.
 */

/*
 * After tcp_v4_do_rcv() or tcp_v6_do_rcv() processed a segment, run by
 * softirq or by the owner from the backlog: every field that receiving
 * changes, in one go.  segs_in was counted by tcp_v4_rcv() or
 * tcp_v6_rcv() before they looked for an owner; a segment dropped at a
 * full backlog waits for the next one.  Connection set-up is copied by
 * tcp_set_state() (netstats_tcp_resync()).
 */
static __always_inline void __tcp_netstats_rcv(const struct tcp_sock *tp)
{
	struct tcp_netstats_sel *sel = tcp_netstats_sel(tp);
	struct tcp_stats *st = tcp_netstats(tp);
	u64 *cells = tcp_netstats_cells(tp);

	if (unlikely(cells)) {
		unsigned int m = READ_ONCE(tp->netstats_layout);

		tcp_netstats_cell64(cells, m, TCP_NETSTATS_SEL_BYTES_RECEIVED,
				    &tp->bytes_received);
		tcp_netstats_cell64(cells, m, TCP_NETSTATS_SEL_BYTES_ACKED,
				    &tp->bytes_acked);
		tcp_netstats_cell32(cells, m, TCP_NETSTATS_SEL_SEGS_IN,
				    &tp->segs_in);
		tcp_netstats_cell32(cells, m, TCP_NETSTATS_SEL_DATA_SEGS_IN,
				    &tp->data_segs_in);
		tcp_netstats_cell32(cells, m, TCP_NETSTATS_SEL_DSACK_DUPS,
				    &tp->dsack_dups);
	}

	if (unlikely(sel)) {
		tcp_netstats_sel64(sel->cell[TCP_NETSTATS_SEL_BYTES_RECEIVED],
				   &tp->bytes_received);
		tcp_netstats_sel64(sel->cell[TCP_NETSTATS_SEL_BYTES_ACKED],
				   &tp->bytes_acked);
		tcp_netstats_sel32(sel->cell[TCP_NETSTATS_SEL_SEGS_IN],
				   &tp->segs_in);
		tcp_netstats_sel32(sel->cell[TCP_NETSTATS_SEL_DATA_SEGS_IN],
				   &tp->data_segs_in);
		tcp_netstats_sel32(sel->cell[TCP_NETSTATS_SEL_DSACK_DUPS],
				   &tp->dsack_dups);
	}

	if (unlikely(st)) {
		struct tcp_stats_seq *seq = tcp_stats_seq(st);

		netstats_tcp_debug_delay(tp, st);
		WRITE_ONCE(st->bytes_received, READ_ONCE(tp->bytes_received));
		WRITE_ONCE(st->bytes_acked, READ_ONCE(tp->bytes_acked));
		WRITE_ONCE(st->segs_in, READ_ONCE(tp->segs_in));
		WRITE_ONCE(st->data_segs_in, READ_ONCE(tp->data_segs_in));
		WRITE_ONCE(st->dsack_dups, READ_ONCE(tp->dsack_dups));
		WRITE_ONCE(seq->rcv_nxt, READ_ONCE(tp->rcv_nxt));
		WRITE_ONCE(seq->copied_seq, READ_ONCE(tp->copied_seq));
		WRITE_ONCE(seq->snd_una, READ_ONCE(tp->snd_una));
	}
}

/* One no-op while nothing is mirrored, whatever the kinds. */
static __always_inline void tcp_netstats_rcv(const struct tcp_sock *tp)
{
	if (static_branch_unlikely(&netstats_tcp_any_mirror))
		__tcp_netstats_rcv(tp);
}

/* After __tcp_transmit_skb(), whose tcp_select_window() moves rcv_wup. */
static __always_inline void __tcp_netstats_sent(const struct tcp_sock *tp)
{
	struct tcp_netstats_sel *sel = tcp_netstats_sel(tp);
	struct tcp_stats *st = tcp_netstats(tp);
	u64 *cells = tcp_netstats_cells(tp);

	if (unlikely(cells)) {
		unsigned int m = READ_ONCE(tp->netstats_layout);

		tcp_netstats_cell32(cells, m, TCP_NETSTATS_SEL_SEGS_OUT,
				    &tp->segs_out);
		tcp_netstats_cell32(cells, m, TCP_NETSTATS_SEL_DATA_SEGS_OUT,
				    &tp->data_segs_out);
		tcp_netstats_cell64(cells, m, TCP_NETSTATS_SEL_BYTES_SENT,
				    &tp->bytes_sent);
	}

	if (unlikely(sel)) {
		tcp_netstats_sel32(sel->cell[TCP_NETSTATS_SEL_SEGS_OUT],
				   &tp->segs_out);
		tcp_netstats_sel32(sel->cell[TCP_NETSTATS_SEL_DATA_SEGS_OUT],
				   &tp->data_segs_out);
		tcp_netstats_sel64(sel->cell[TCP_NETSTATS_SEL_BYTES_SENT],
				   &tp->bytes_sent);
	}

	if (unlikely(st)) {
		struct tcp_stats_seq *seq = tcp_stats_seq(st);

		WRITE_ONCE(st->segs_out, READ_ONCE(tp->segs_out));
		WRITE_ONCE(st->data_segs_out, READ_ONCE(tp->data_segs_out));
		WRITE_ONCE(st->bytes_sent, READ_ONCE(tp->bytes_sent));
		WRITE_ONCE(seq->rcv_wup, READ_ONCE(tp->rcv_wup));
	}
}

/* One no-op while nothing is mirrored, whatever the kinds. */
static __always_inline void tcp_netstats_sent(const struct tcp_sock *tp)
{
	if (static_branch_unlikely(&netstats_tcp_any_mirror))
		__tcp_netstats_sent(tp);
}

/* After tcp_event_new_data_sent() or tcp_send_fin() moved snd_nxt. */
static __always_inline void tcp_netstats_snd_nxt(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st))
		WRITE_ONCE(tcp_stats_seq(st)->snd_nxt,
			   READ_ONCE(tp->snd_nxt));
}

/*
 * After a reader of the receive queue moved copied_seq: they all end in
 * __tcp_cleanup_rbuf() (recvmsg, splice, zerocopy, sockmap, MPTCP).
 */
static __always_inline void tcp_netstats_copied(const struct tcp_sock *tp)
{
	struct tcp_stats *st = tcp_netstats(tp);

	if (unlikely(st))
		WRITE_ONCE(tcp_stats_seq(st)->copied_seq,
			   READ_ONCE(tp->copied_seq));
}
#else
/*
 * Macros rather than empty inline functions: even an empty call moves
 * GCC's block layout (tcp_v4_do_rcv() compiles differently), and with
 * CONFIG_NETSTATS=n TCP must compile exactly as without the series.
 */
#define tcp_netstats_rcv(tp)		((void)(tp))
#define tcp_netstats_sent(tp)		((void)(tp))
#define tcp_netstats_snd_nxt(tp)	((void)(tp))
#define tcp_netstats_copied(tp)		((void)(tp))
#endif

#endif /* _NET_TCP_NETSTATS_H */
