/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * netstats: networking counters in read-only mapped pages.
 *
 * The netlink attributes, commands and enums are generated from
 * Documentation/netlink/specs/netstats.yaml into
 * <linux/netstats_generated.h>; this header adds the one hand-written
 * part of the uapi: the layout of the mapped counter blocks.
 */
#ifndef _UAPI_LINUX_NETSTATS_H
#define _UAPI_LINUX_NETSTATS_H

#include <linux/types.h>
#include <linux/netstats_generated.h>

/**
 * enum netstats_block_state - life of the object behind a mapped block
 * @NETSTATS_BLOCK_LIVE: the object exists; its counters move
 * @NETSTATS_BLOCK_DEAD: the object is gone; the block holds its final
 *	values for as long as it stays mapped
 */
enum netstats_block_state {
	NETSTATS_BLOCK_LIVE = 1,
	NETSTATS_BLOCK_DEAD = 2,
};

/**
 * struct netstats_block_hdr - header of every mapped counter block
 * @generation: even, and new, whenever the counters restart from zero
 *	(e.g. a TCP socket reused after a disconnect) or the block dies;
 *	odd while the kernel resets the block in place.  A reader loads it
 *	(acquire), retries while it is odd, loads the counters, then loads
 *	it again after a read fence: values read while it moved are
 *	discarded, as with a seqcount
 * @state: enum netstats_block_state
 *
 * A block is the memory of one group instance: a slot of a shared page
 * for small objects (a TCP socket), whole pages for larger groups.  The
 * REGISTER reply gives the header's offset (block-offset) and every
 * counter's offset, all relative to the start of the registration's
 * range of the map file.  Counters are naturally aligned __u64 or __u32
 * written with single stores: read each with one load (READ_ONCE()).
 */
struct netstats_block_hdr {
	__u32 generation;
	__u32 state;
};

/**
 * struct netstats_derived_hdr - header of a derived block
 * @hdr: generation and state
 * @seq: odd while the kernel updates the block; a reader loads @seq,
 *	the counters, then @seq again, and retries if it was odd or moved
 * @period_ms: the update period in force (the period-ms option)
 * @timestamp_ns: CLOCK_MONOTONIC time of the last update
 *
 * Derived groups (NETSTATS_GROUP_FLAGS_DERIVED) are computed by the
 * kernel from state that cannot be mapped as it is, and published every
 * @period_ms as one consistent set.
 */
struct netstats_derived_hdr {
	struct netstats_block_hdr hdr;
	__u32 seq;
	__u32 period_ms;
	__u64 timestamp_ns;
};

/**
 * struct netstats_dir_hdr - first page of a directory group's range
 * @hdr: generation and state of the directory
 * @units: units used so far, a high-water mark: scan units [0, @units)
 * @max_units: units the range has room for
 * @unit_pages: pages per unit
 * @blocks_per_unit: object blocks per unit
 * @block_size: bytes per block
 * @entry_page: index in a unit of its page of entries
 * @missed: objects not followed since the directory was made, because
 *	their user's share of the namespace's units was full
 * @entry_size: bytes per entry; 0 (kernels before it): @block_size
 *
 * Directory groups (NETSTATS_GROUP_FLAGS_DIRECTORY) map every object of
 * a kind in the caller's netns, e.g. every TCP socket ("tcp-all").  The
 * range is this page, then @max_units units of @unit_pages pages; unit
 * u starts at page 1 + u * @unit_pages.  Block b of a unit is at byte
 * b * @block_size of the unit's first page; the counters of the
 * registration reply are offsets from the start of a block (some in
 * later pages of the unit).  The entry naming block b is at byte
 * b * @block_size of page @entry_page of the unit.  Pages of units not
 * in use, and pages the caller may not see, read as zeroes.
 */
struct netstats_dir_hdr {
	struct netstats_block_hdr hdr;
	__u32 units;
	__u32 max_units;
	__u32 unit_pages;
	__u32 blocks_per_unit;
	__u32 block_size;
	__u32 entry_page;
	__u32 missed;
	__u32 entry_size;
};

/**
 * struct netstats_sock_entry - directory entry of one socket
 * @seq: odd while the kernel rewrites the entry; a reader loads @seq,
 *	the entry, then @seq again, and retries if it was odd or moved
 * @generation: the generation of the block this entry describes: the
 *	entry is valid while the block's header has this generation and a
 *	state (LIVE, or DEAD: destroyed, final values, announced)
 * @family: AF_INET or AF_INET6; 0 while the socket has no peer
 * @sport: local port, network byte order
 * @dport: remote port, network byte order
 * @reserved: zero
 * @cookie: socket cookie (SO_COOKIE, inet_diag's id)
 * @src: local address: 4 bytes (AF_INET) or 16
 * @dst: remote address, as @src
 * @reserved2: zero (an entry is as large as a block: 64 bytes)
 */
struct netstats_sock_entry {
	__u32 seq;
	__u32 generation;
	__u16 family;
	__be16 sport;
	__be16 dport;
	__u16 reserved;
	__u64 cookie;
	__u8 src[16];
	__u8 dst[16];
	__u64 reserved2;
};

/**
 * struct netstats_sock_cookie_entry - compact directory entry of one socket
 * @seq: as struct netstats_sock_entry
 * @generation: as struct netstats_sock_entry
 * @cookie: socket cookie; 0: the entry names no socket
 */
struct netstats_sock_cookie_entry {
	__u32 seq;
	__u32 generation;
	__u64 cookie;
};

/*
 * Group names (QUERY's group-name, REGISTER's group) and, where the group
 * is per object, the REGISTER nest that names the object
 * (NETSTATS_A_REGISTRATION_*): devices by ifindex in the caller's netns.
 */
#define NETSTATS_GROUP_NETSTATS		"netstats"
#define NETSTATS_GROUP_TCP		"tcp"		/* sock */
#define NETSTATS_GROUP_TCP_ALL		"tcp-all"
#define NETSTATS_GROUP_IP		"ip"
#define NETSTATS_GROUP_IP6		"ip6"
#define NETSTATS_GROUP_PAGE_POOL	"core/page_pool"	/* page-pool */
#define NETSTATS_GROUP_QDISC		"qdisc"		/* qdisc */
#define NETSTATS_GROUP_QUEUE_RX		"queue/rx"	/* queue */
#define NETSTATS_GROUP_QUEUE_TX		"queue/tx"	/* queue */
#define NETSTATS_GROUP_HW		"hw"		/* dev */
/*
 * Hardware counters of one queue, published by the driver as "hw" is
 * (Documentation/networking/netstats/hw.rst); no driver fills them yet.
 */
#define NETSTATS_GROUP_HWQUEUE_RX	"hwqueue/rx"	/* queue */
#define NETSTATS_GROUP_HWQUEUE_TX	"hwqueue/tx"	/* queue */

#endif /* _UAPI_LINUX_NETSTATS_H */
