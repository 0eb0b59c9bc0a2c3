/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/netstats.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_NETSTATS_GENERATED_H
#define _UAPI_LINUX_NETSTATS_GENERATED_H

#define NETSTATS_FAMILY_NAME	"netstats"
#define NETSTATS_FAMILY_VERSION	1

/**
 * enum netstats_counter_type - Width and representation of a counter in a
 *   mapped block.
 * @NETSTATS_COUNTER_TYPE_U64: Naturally aligned 64-bit unsigned counter.
 * @NETSTATS_COUNTER_TYPE_U32: Naturally aligned 32-bit unsigned value (e.g. a
 *   queue length).
 */
enum netstats_counter_type {
	NETSTATS_COUNTER_TYPE_U64 = 1,
	NETSTATS_COUNTER_TYPE_U32,
};

/**
 * enum netstats_group_flags - Properties of a counter group.
 * @NETSTATS_GROUP_FLAGS_PERCPU: The block holds one copy of the counters per
 *   possible CPU, one copy every percpu-stride bytes; a value is the sum of
 *   all copies.
 * @NETSTATS_GROUP_FLAGS_DERIVED: Counters are computed by the kernel and
 *   published periodically (see the period-ms option) under the block's
 *   sequence counter.
 * @NETSTATS_GROUP_FLAGS_PER_OBJECT: The group has one instance per object
 *   (socket, queue, pool...); REGISTER names the object.
 * @NETSTATS_GROUP_FLAGS_DIRECTORY: The group maps every object of a kind in
 *   the netns: the range starts with a directory header and names each
 *   object's block (struct netstats_dir_hdr in include/uapi/linux/netstats.h).
 *   Objects appear as they are created; a destroyed object's block turns DEAD
 *   in place, is announced (object-dead with its sock-cookie) and is reused
 *   once the dead-linger-ms option has passed.
 * @NETSTATS_GROUP_FLAGS_SELECT: REGISTER may name the counters it wants
 *   (counter nests, by name): the reply lists just those, and a producer that
 *   keeps rows of selected counters (tcp) stores only those.
 */
enum netstats_group_flags {
	NETSTATS_GROUP_FLAGS_PERCPU = 1,
	NETSTATS_GROUP_FLAGS_DERIVED = 2,
	NETSTATS_GROUP_FLAGS_PER_OBJECT = 4,
	NETSTATS_GROUP_FLAGS_DIRECTORY = 8,
	NETSTATS_GROUP_FLAGS_SELECT = 16,
};

/**
 * enum netstats_counter_flags - Properties of a single counter.
 * @NETSTATS_COUNTER_FLAGS_RESTRICTED: Not for everyone (e.g. TCP absolute
 *   sequence numbers): only the object's owner or CAP_NET_ADMIN may register
 *   the group.
 * @NETSTATS_COUNTER_FLAGS_GAUGE: The value is a level (goes up and down), not
 *   an event count.
 */
enum netstats_counter_flags {
	NETSTATS_COUNTER_FLAGS_RESTRICTED = 1,
	NETSTATS_COUNTER_FLAGS_GAUGE = 2,
};

/**
 * enum netstats_queue_type - Direction of a device queue, as in the netdev
 *   family.
 * @NETSTATS_QUEUE_TYPE_RX: A receive queue.
 * @NETSTATS_QUEUE_TYPE_TX: A transmit queue.
 */
enum netstats_queue_type {
	NETSTATS_QUEUE_TYPE_RX,
	NETSTATS_QUEUE_TYPE_TX,
};

/**
 * enum netstats_collect - How the hardware counters of a queue ("hwqueue/rx",
 *   "hwqueue/tx") reach the mapped block.
 * @NETSTATS_COLLECT_PULL: netstats asks the driver for the values every
 *   period-ms and publishes them in a derived block (sequence count,
 *   timestamp).
 * @NETSTATS_COLLECT_PUSH: The device (its firmware or DMA engine) writes the
 *   values, the sequence count and the timestamp into the block itself, every
 *   period-ms; the driver only arms it.
 * @NETSTATS_COLLECT_DIRECT: A read-only mapping of the device's own page of
 *   free-running counters, after a page holding the block header: no copy, no
 *   period, no sequence count.
 */
enum netstats_collect {
	NETSTATS_COLLECT_PULL,
	NETSTATS_COLLECT_PUSH,
	NETSTATS_COLLECT_DIRECT,
};

enum {
	NETSTATS_A_COUNTER_NAME = 1,
	NETSTATS_A_COUNTER_DOC,
	NETSTATS_A_COUNTER_TYPE,
	NETSTATS_A_COUNTER_OFFSET,
	NETSTATS_A_COUNTER_FLAGS,

	__NETSTATS_A_COUNTER_MAX,
	NETSTATS_A_COUNTER_MAX = (__NETSTATS_A_COUNTER_MAX - 1)
};

enum {
	NETSTATS_A_OPTION_NAME = 1,
	NETSTATS_A_OPTION_DOC,
	NETSTATS_A_OPTION_MIN_VALUE,
	NETSTATS_A_OPTION_MAX_VALUE,
	NETSTATS_A_OPTION_DEFAULT,
	NETSTATS_A_OPTION_VALUE,

	__NETSTATS_A_OPTION_MAX,
	NETSTATS_A_OPTION_MAX = (__NETSTATS_A_OPTION_MAX - 1)
};

enum {
	NETSTATS_A_GROUP_NAME = 1,
	NETSTATS_A_GROUP_DOC,
	NETSTATS_A_GROUP_FLAGS,
	NETSTATS_A_GROUP_COUNTER,
	NETSTATS_A_GROUP_OPTION,
	NETSTATS_A_GROUP_INSTANCE,
	NETSTATS_A_GROUP_DEV,
	NETSTATS_A_GROUP_QUEUE,
	NETSTATS_A_GROUP_PAGE_POOL,

	__NETSTATS_A_GROUP_MAX,
	NETSTATS_A_GROUP_MAX = (__NETSTATS_A_GROUP_MAX - 1)
};

enum {
	NETSTATS_A_DEV_IFINDEX = 1,

	__NETSTATS_A_DEV_MAX,
	NETSTATS_A_DEV_MAX = (__NETSTATS_A_DEV_MAX - 1)
};

enum {
	NETSTATS_A_QUEUE_IFINDEX = 1,
	NETSTATS_A_QUEUE_TYPE,
	NETSTATS_A_QUEUE_ID,
	NETSTATS_A_QUEUE_COLLECT_MODES,

	__NETSTATS_A_QUEUE_MAX,
	NETSTATS_A_QUEUE_MAX = (__NETSTATS_A_QUEUE_MAX - 1)
};

enum {
	NETSTATS_A_PAGE_POOL_ID = 1,
	NETSTATS_A_PAGE_POOL_IFINDEX,
	NETSTATS_A_PAGE_POOL_NAPI_ID,

	__NETSTATS_A_PAGE_POOL_MAX,
	NETSTATS_A_PAGE_POOL_MAX = (__NETSTATS_A_PAGE_POOL_MAX - 1)
};

enum {
	NETSTATS_A_QDISC_IFINDEX = 1,
	NETSTATS_A_QDISC_HANDLE,
	NETSTATS_A_QDISC_PARENT,

	__NETSTATS_A_QDISC_MAX,
	NETSTATS_A_QDISC_MAX = (__NETSTATS_A_QDISC_MAX - 1)
};

enum {
	NETSTATS_A_SOCK_FD = 1,
	NETSTATS_A_SOCK_COOKIE,
	NETSTATS_A_SOCK_SRC,
	NETSTATS_A_SOCK_DST,
	NETSTATS_A_SOCK_SPORT,
	NETSTATS_A_SOCK_DPORT,
	NETSTATS_A_SOCK_IFINDEX,

	__NETSTATS_A_SOCK_MAX,
	NETSTATS_A_SOCK_MAX = (__NETSTATS_A_SOCK_MAX - 1)
};

enum {
	NETSTATS_A_REGISTRATION_ID = 1,
	NETSTATS_A_REGISTRATION_GROUP,
	NETSTATS_A_REGISTRATION_OBJECT,
	NETSTATS_A_REGISTRATION_SOCK_FD,
	NETSTATS_A_REGISTRATION_SOCK_COOKIE,
	NETSTATS_A_REGISTRATION_OPTION,
	NETSTATS_A_REGISTRATION_MAP_FD,
	NETSTATS_A_REGISTRATION_MAP_OFFSET,
	NETSTATS_A_REGISTRATION_MAP_SIZE,
	NETSTATS_A_REGISTRATION_PAGE_SIZE,
	NETSTATS_A_REGISTRATION_PERCPU_STRIDE,
	NETSTATS_A_REGISTRATION_NCPUS,
	NETSTATS_A_REGISTRATION_BLOCK_OFFSET,
	NETSTATS_A_REGISTRATION_COUNTER,
	NETSTATS_A_REGISTRATION_REASON,
	NETSTATS_A_REGISTRATION_PORTID,
	NETSTATS_A_REGISTRATION_FLAGS,
	NETSTATS_A_REGISTRATION_SOCK_SRC,
	NETSTATS_A_REGISTRATION_SOCK_DST,
	NETSTATS_A_REGISTRATION_SOCK_SPORT,
	NETSTATS_A_REGISTRATION_SOCK_DPORT,
	NETSTATS_A_REGISTRATION_IFINDEX,
	NETSTATS_A_REGISTRATION_NETNS_FD,
	NETSTATS_A_REGISTRATION_PAD,
	NETSTATS_A_REGISTRATION_NOTIFY,
	NETSTATS_A_REGISTRATION_DEV,
	NETSTATS_A_REGISTRATION_QUEUE,
	NETSTATS_A_REGISTRATION_PAGE_POOL,
	NETSTATS_A_REGISTRATION_QDISC,
	NETSTATS_A_REGISTRATION_SOCK,
	NETSTATS_A_REGISTRATION_PERIOD_MS,
	NETSTATS_A_REGISTRATION_TIMER_MS,
	NETSTATS_A_REGISTRATION_DEAD_LINGER_MS,
	NETSTATS_A_REGISTRATION_DERIVED,
	NETSTATS_A_REGISTRATION_COLLECT,

	__NETSTATS_A_REGISTRATION_MAX,
	NETSTATS_A_REGISTRATION_MAX = (__NETSTATS_A_REGISTRATION_MAX - 1)
};

enum {
	NETSTATS_CMD_QUERY = 1,
	NETSTATS_CMD_REGISTER,
	NETSTATS_CMD_UNREGISTER,
	NETSTATS_CMD_OBJECT_DEAD,

	__NETSTATS_CMD_MAX,
	NETSTATS_CMD_MAX = (__NETSTATS_CMD_MAX - 1)
};

#define NETSTATS_MCGRP_MONITOR	"monitor"

#endif /* _UAPI_LINUX_NETSTATS_GENERATED_H */
