/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */

/*
 * libnetstats: userspace side of the netstats generic netlink family.
 *
 * Conventions (as in libbpf):
 * - functions returning int return 0 (or a count) on success and -errno on
 *   failure, and also set errno;
 * - functions returning a pointer return NULL and set errno on failure;
 * - structures the caller allocates start with a size_t sz member that the
 *   caller sets to sizeof() of the structure it was compiled with, so that
 *   fields can be appended in later versions;
 * - a struct netstats handle is not thread-safe: use one per thread or
 *   serialise the calls.
 */
#ifndef __LIBNETSTATS_H
#define __LIBNETSTATS_H

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBNETSTATS_API
#define LIBNETSTATS_API __attribute__((visibility("default")))
#endif

/* Opaque handle: one netlink socket bound to the netstats family. */
struct netstats;

/**
 * @brief **netstats__open()** opens a generic netlink socket with extended
 * acks enabled and resolves the "netstats" family and its "monitor"
 * multicast group.
 *
 * @return A new handle on success; NULL and errno set on failure. errno is
 * ENOENT when the running kernel has no netstats family.
 */
LIBNETSTATS_API struct netstats *netstats__open(void);

/**
 * @brief **netstats__close()** closes the socket and frees the handle.
 * The kernel drops every registration made through it.
 *
 * @param ns Handle from **netstats__open()**, or NULL.
 */
LIBNETSTATS_API void netstats__close(struct netstats *ns);

/**
 * @brief **netstats__last_error()** returns the extended ack message of the
 * last request that failed on this handle.
 *
 * @param ns Handle from **netstats__open()**.
 * @return The message, or "" if the last failed request carried none (or no
 * request failed yet). Valid until the next failing call on *ns*.
 */
LIBNETSTATS_API const char *netstats__last_error(const struct netstats *ns);

/*
 * Description of one counter group, as returned by QUERY. Counter types and
 * flags are the NETSTATS_COUNTER_TYPE_*, NETSTATS_COUNTER_FLAGS_* and
 * NETSTATS_GROUP_FLAGS_* values of <linux/netstats.h>.
 *
 * The library allocates these; new members are only ever appended, which is
 * why counters and options are arrays of pointers.
 */
struct netstats_counter_info {
	const char *name;
	const char *doc;	/* "" if the kernel sent none */
	__u32 type;
	__u32 offset;		/* from the start of the block, in bytes */
	__u32 flags;
};

struct netstats_option_info {
	const char *name;
	const char *doc;	/* "" if the kernel sent none */
	__u64 min;		/* 0 if the kernel sent none */
	__u64 max;		/* ~0ULL if the kernel sent none */
	__u64 def;		/* min if the kernel sent none */
};

struct netstats_group_info {
	size_t sz;		/* sizeof(struct netstats_group_info) */
	const char *name;
	const char *doc;	/* "" if the kernel sent none */
	__u32 flags;
	size_t counter_cnt;
	const struct netstats_counter_info *const *counters;
	size_t option_cnt;
	const struct netstats_option_info *const *options;
	/* Existing objects of a per-object group, e.g. queue ids. */
	size_t instance_cnt;
	const char *const *instances;
};

/**
 * @brief Callback of **netstats__query()**, called once per group.
 *
 * @param info The group; it and everything it points to are only valid
 * during the call.
 * @param ctx The *ctx* given to **netstats__query()**.
 * @return 0 to continue; a negative error code stops the callbacks and
 * becomes the return value of **netstats__query()**.
 */
typedef int (*netstats_group_cb)(const struct netstats_group_info *info,
				 void *ctx);

/**
 * @brief **netstats__query()** lists the counter groups the kernel, its
 * drivers and hardware support (netlink QUERY).
 *
 * @param ns Handle from **netstats__open()**.
 * @param group Name (e.g. "tcp", "eth0/queue/rx") of the one group to get,
 * or NULL to dump all groups.
 * @param cb Called once per group.
 * @param ctx Passed to *cb*.
 * @return 0 on success; negative error code on failure, e.g. -ENOENT if
 * *group* does not exist, -EINTR if the group list changed during a dump
 * (retry), -EPROTO if the reply is malformed, or the value returned by *cb*.
 */
LIBNETSTATS_API int netstats__query(struct netstats *ns, const char *group,
				    netstats_group_cb cb, void *ctx);

/*
 * Descriptive registration names.
 *
 *   name    := target [ "@" option { "," option } ]
 *   option  := optname "=" value       (at most NETSTATS_NAME_MAX_OPTS)
 *   optname := [a-z0-9-]+, starting with a letter, distinct within a name
 *   value   := decimal u64
 *   target  := "ip"
 *            | "ip6"
 *            | "core/page_pool/" id
 *            | "tcp/fd:" fd                  (fd: decimal, 0..INT_MAX)
 *            | "tcp/cookie:" cookie          (cookie: decimal u64)
 *            | netdev "/queue/" dir "/" id
 *            | netdev "/hw"
 *            | netdev "/hwqueue/" dir "/" id
 *            | "qdisc/" netdev "/" handle
 *   dir     := "rx" | "tx"
 *   id      := decimal u32
 *   handle  := major ":" minor                (1 to 4 hex digits each)
 *   netdev  := 1 to IFNAMSIZ - 1 characters, none of "/", ":", "@",
 *              white space; not "." or ".."
 *
 * The group is the target without its object part: "ip", "tcp",
 * "core/page_pool", "eth0/queue/rx", "eth0/hw", "eth0/hwqueue/tx",
 * "qdisc/eth0". The object is the id in canonical form (decimal for ids,
 * "%x:%x" for qdisc handles); TCP sockets are named by sock_fd or
 * sock_cookie instead. Examples: "eth0/hw@period-ms=100",
 * "tcp/cookie:4097", "qdisc/eth0/8001:0".
 */
#define NETSTATS_NAME_GROUP_LEN		64
#define NETSTATS_NAME_OBJECT_LEN	64
#define NETSTATS_NAME_OPT_LEN		32
#define NETSTATS_NAME_MAX_OPTS		8

/* struct netstats_name flags: which socket field is set */
#define NETSTATS_NAME_F_SOCK_FD		0x1U
#define NETSTATS_NAME_F_SOCK_COOKIE	0x2U

struct netstats_name_opt {
	char name[NETSTATS_NAME_OPT_LEN];
	__u64 value;
};

struct netstats_name {
	size_t sz;		/* caller sets sizeof(struct netstats_name) */
	char group[NETSTATS_NAME_GROUP_LEN];
	char object[NETSTATS_NAME_OBJECT_LEN];	/* "" if none */
	__u32 flags;		/* NETSTATS_NAME_F_* */
	__s32 sock_fd;
	__u64 sock_cookie;
	__u32 opt_cnt;
	struct netstats_name_opt opts[NETSTATS_NAME_MAX_OPTS];
};

/**
 * @brief **netstats__parse_name()** splits a descriptive registration name
 * into the group, object and options that REGISTER takes. Pure function: it
 * does not talk to the kernel, so it does not know whether the group exists.
 *
 * @param name The name, see the grammar above.
 * @param out Result; the caller sets *out->sz*. Filled only on success.
 * @return 0 on success; -EINVAL if *name* is malformed or *out* is NULL or
 * too small.
 */
LIBNETSTATS_API int netstats__parse_name(const char *name,
					 struct netstats_name *out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* __LIBNETSTATS_H */
