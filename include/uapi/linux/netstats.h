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
 * @generation: changes whenever the counters restart from zero (e.g. a
 *	TCP socket reused after a disconnect) or the block dies; a reader
 *	that sees it change discards the values it read since
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

#endif /* _UAPI_LINUX_NETSTATS_H */
