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
 * - a struct netstats_handle is not thread-safe: use one per thread or
 *   serialise the calls.
 */
#ifndef __LIBNETSTATS_H
#define __LIBNETSTATS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "libnetstats_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBNETSTATS_API
#define LIBNETSTATS_API __attribute__((visibility("default")))
#endif

/* Opaque handle: one netlink socket bound to the netstats family. */
struct netstats_handle;

/**
 * @brief **netstats__open()** opens a generic netlink socket with extended
 * acks enabled and resolves the "netstats" family and its "monitor"
 * multicast group.
 *
 * @return A new handle on success; NULL and errno set on failure. errno is
 * ENOENT when the running kernel has no netstats family.
 */
LIBNETSTATS_API struct netstats_handle *netstats__open(void);

/*
 * Options of netstats__open_opts(). Zero-initialise it, set sz to
 * sizeof(struct netstats_open_opts), then the fields wanted; a zero field
 * is the default.
 */
struct netstats_open_opts {
	size_t sz;
	/*
	 * A descriptor of the network namespace to open the handle in
	 * (open("/run/netns/NAME", O_RDONLY) as ip-netns(8) names them, or
	 * /proc/PID/ns/net); 0: the calling thread's.
	 */
	int netns_fd;
};

/**
 * @brief **netstats__open_opts()** is **netstats__open()** with options:
 * with *netns_fd*, the handle's netlink socket is created in that network
 * namespace. The calling thread enters it with setns(2) around the
 * creation of the socket only, and is back in its own when the call
 * returns, also on failure (other threads are never moved). The socket
 * stays in that netns: the groups, registrations, device names (resolved
 * to the ifindex in that netns), QUERY instances and the object-dead
 * notifications of **netstats__monitor_fd()**, which come to that same
 * socket, are all of it. Needs CAP_SYS_ADMIN for the setns(2).
 *
 * @param opts Options, or NULL for the defaults (= **netstats__open()**).
 * @return A new handle on success; NULL and errno set on failure: EINVAL
 * if *opts->sz* is too small, E2BIG if *opts* has non-zero fields this
 * library does not know, EBADF for a negative *netns_fd*, setns(2)'s errors
 * (EINVAL: not a network namespace, EPERM), the errors of
 * **netstats__open()**. If the thread could not return to its own netns
 * the call fails with setns(2)'s error and the thread is left in
 * *netns_fd*'s.
 */
LIBNETSTATS_API struct netstats_handle *
netstats__open_opts(const struct netstats_open_opts *opts);

/**
 * @brief **netstats__close()** closes the handle's sockets and frees it.
 * The kernel drops every registration made through it; the registrations
 * not unregistered yet are unmapped and freed as well, so every struct
 * netstats_reg of the handle is invalid afterwards.
 *
 * @param h Handle from **netstats__open()**, or NULL.
 */
LIBNETSTATS_API void netstats__close(struct netstats_handle *h);

/**
 * @brief **netstats__last_error()** returns the extended ack message of the
 * last request that failed on this handle, or the library's description of
 * why the last failed **netstats__register()** failed if the kernel did not
 * fail it.
 *
 * @param h Handle from **netstats__open()**.
 * @return The message, or "" if the last failed request carried none (or no
 * request failed yet). Valid until the next failing call on *h*.
 */
LIBNETSTATS_API const char *netstats__last_error(const struct netstats_handle *h);

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
	/*
	 * Existing objects of a per-object group, named as in registration
	 * names ("eth0", "eth0/3", page pools by id: "7"): the kernel
	 * lists them as
	 * typed attributes, devices by ifindex, which the library names in
	 * the netns of the handle's socket.
	 */
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
 * @param h Handle from **netstats__open()**.
 * @param group Name (e.g. "tcp", "eth0/queue/rx") of the one group to get,
 * or NULL to dump all groups.
 * @param cb Called once per group.
 * @param ctx Passed to *cb*.
 * @return 0 on success; negative error code on failure, e.g. -ENOENT if
 * *group* does not exist, -EINTR if the group list changed during a dump
 * (retry), -EPROTO if the reply is malformed, or the value returned by *cb*.
 */
LIBNETSTATS_API int netstats__query(struct netstats_handle *h, const char *group,
				    netstats_group_cb cb, void *ctx);

/*
 * Descriptive registration names.
 *
 *   name    := target [ "@" option { "," option } ]
 *   option  := optname "=" value       (at most NETSTATS_NAME_MAX_OPTS)
 *   optname := [a-z0-9-]+, starting with a letter, distinct within a name
 *   value   := decimal u64
 *            | "pull" | "push" | "direct"   (optname "collect" only: 0, 1, 2)
 *   target  := "ip"
 *            | "ip6"
 *            | "netstats"
 *            | "tcp-all"
 *            | "core/page_pool/" id
 *            | "tcp/fd:" fd                  (fd: decimal, 0..INT_MAX)
 *            | "tcp/cookie:" cookie          (cookie: decimal u64)
 *            | "tcp/" local "/" remote "/cookie:" cookie
 *                                           (cookie: also "0x" hex, as
 *                                            ss -e prints it after "sk:")
 *            | netdev "/queue/" dir "/" id
 *            | netdev "/hw"
 *            | netdev "/hwqueue/" dir "/" id
 *            | "qdisc/" netdev "/" handle
 *   dir     := "rx" | "tx"
 *   id      := decimal u32
 *   handle  := major ":" minor                (1 to 4 hex digits each)
 *            | "root"          (the device's root qdisc)
 *   local, remote := ipv4 ":" port | "[" ipv6 "]" ":" port
 *                                           (port: decimal, 0..65535)
 *   netdev  := 1 to IFNAMSIZ - 1 characters, none of "/", ":", "@",
 *              white space; not "." or ".."
 *
 * The group is the target without its object part: "ip", "tcp",
 * "core/page_pool", "queue/rx", "hw", "hwqueue/tx", "qdisc". The object
 * is the id in canonical form (decimal for ids, "%x:%x" for qdisc
 * handles), after the device and a "/" for the groups of a device:
 * "eth0/3", "eth0", "eth0/8001:0". TCP sockets are named by sock_fd or
 * sock_cookie instead; a cookie is looked up with the socket's addresses
 * and ports (sock_family, sock_src, sock_sport, sock_dst, sock_dport), as
 * inet_diag looks sockets up. Examples: "eth0/hw@period-ms=100",
 * "eth0/hwqueue/rx/0@collect=push,period-ms=200",
 * "tcp/192.0.2.1:40000/192.0.2.2:80/cookie:4097",
 * "tcp/[2001:db8::1]:22/[2001:db8::2]:51000/cookie:0x1001",
 * "qdisc/eth0/8001:0".
 */
#define NETSTATS_NAME_GROUP_LEN		64
#define NETSTATS_NAME_OBJECT_LEN	64
#define NETSTATS_NAME_OPT_LEN		32
#define NETSTATS_NAME_MAX_OPTS		8

/* struct netstats_name flags: which socket field is set */
#define NETSTATS_NAME_F_SOCK_FD		0x1U
#define NETSTATS_NAME_F_SOCK_COOKIE	0x2U
#define NETSTATS_NAME_F_SOCK_ADDR	0x4U

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
	/* the addresses and ports that go with sock_cookie */
	__u16 sock_family;	/* AF_INET or AF_INET6 */
	__u16 sock_sport;	/* local port, host byte order */
	__u16 sock_dport;	/* remote port */
	__u8 sock_src[16];	/* local address, 4 or 16 bytes used */
	__u8 sock_dst[16];	/* remote address */
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

/*
 * Registrations.
 *
 * netstats__register() asks the kernel to map one group instance and maps
 * it read-only into the process; counters are then read with plain loads,
 * without system calls. A registration belongs to the handle it was made
 * with: unregister it with netstats_reg__unregister(), or let
 * netstats__close() free it.
 *
 * The readers (netstats_reg__id() to netstats_reg__snapshot()) only load
 * from the mapping: any number of threads may call them at the same time,
 * also while another thread uses the handle, but not while the
 * registration is unregistered or the handle closed.
 */
struct netstats_reg;

/**
 * @brief **netstats__register()** registers the group instance *name*
 * names (netlink REGISTER) and maps its counters.
 *
 * @param h Handle from **netstats__open()**.
 * @param name Registration name as for **netstats__parse_name()**, e.g.
 * "tcp/fd:5" or "eth0/hw@period-ms=100".
 * @return The registration on success; NULL and errno set on failure:
 * EINVAL if *name* is malformed, the kernel's error (e.g. ENOENT for an
 * unknown group, EOPNOTSUPP for a group or object that cannot be mapped),
 * EPROTO if the reply is malformed, or mmap()'s error. Then
 * **netstats__last_error()** gives the kernel's extended ack message, or a
 * message of the library if the kernel did not fail the request.
 */
LIBNETSTATS_API struct netstats_reg *netstats__register(struct netstats_handle *h,
							const char *name);

/*
 * Options of netstats__register_opts(). Zero-initialise it, set sz to
 * sizeof(struct netstats_reg_opts), then the fields wanted; a zero field
 * is the default.
 */
struct netstats_reg_opts {
	size_t sz;
	/*
	 * The names of the counters wanted (counter_cnt of them), as QUERY
	 * lists them: the registration has just those. The groups that
	 * select have the "select" flag (NETSTATS_GROUP_FLAGS_SELECT) in
	 * QUERY: "tcp", "ip", "ip6", "icmpmsg" and "icmp6msg"; one that
	 * does not refuses with EOPNOTSUPP. NULL or 0: every counter.
	 */
	const char *const *counters;
	size_t counter_cnt;
};

/**
 * @brief **netstats__register_opts()** is **netstats__register()** with
 * options: with *counters*, only the counters named are registered and
 * mapped (REGISTER's counter nests), each once; the registration then
 * lists exactly those (**netstats_reg__counter_cnt()**). For a TCP socket
 * the kernel keeps them in a row of 8-byte cells (24 mapped bytes for
 * 2 counters, plus the kernel's bookkeeping of the socket), which only
 * the counters selected are stored into.
 *
 * @param h Handle from **netstats__open()**.
 * @param name Registration name as for **netstats__register()**.
 * @param opts Options, or NULL for the defaults (= **netstats__register()**).
 * @return The registration on success; NULL and errno set on failure: the
 * errors of **netstats__register()**, EINVAL if *opts->sz* is too small or
 * a name is NULL, empty or longer than a counter name may be, E2BIG if
 * *opts* has non-zero fields this library does not know; the kernel's:
 * ENOENT for a counter the group does not have, EINVAL for one named
 * twice, EOPNOTSUPP for a group that does not select or a counter that
 * cannot be selected (TCP's sequence numbers).
 */
LIBNETSTATS_API struct netstats_reg *
netstats__register_opts(struct netstats_handle *h, const char *name,
			const struct netstats_reg_opts *opts);

/**
 * @brief **netstats_reg__unregister()** drops the registration (netlink
 * UNREGISTER), unmaps its counters and frees it.
 *
 * @param reg Registration from **netstats__register()**, or NULL. It is
 * freed in every case.
 * @return 0 on success; the negative error code of UNREGISTER on failure.
 */
LIBNETSTATS_API int netstats_reg__unregister(struct netstats_reg *reg);

/**
 * @brief **netstats_reg__id()** returns the registration id, unique within
 * the handle, as object-dead notifications name it.
 *
 * @param reg Registration.
 * @return The id, never 0; 0 if *reg* is NULL.
 */
LIBNETSTATS_API __u32 netstats_reg__id(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__base()** returns where the registration's range of
 * the map file is mapped: counter offsets are from there.
 *
 * @param reg Registration.
 * @return The start of the read-only mapping; NULL if *reg* is NULL.
 */
LIBNETSTATS_API const void *netstats_reg__base(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__counter_cnt()** returns the number of counters of
 * the registration.
 *
 * @param reg Registration.
 * @return The number of counters; 0 if *reg* is NULL.
 */
LIBNETSTATS_API size_t
netstats_reg__counter_cnt(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__counter()** describes one counter of the
 * registration. Its *offset* is from **netstats_reg__base()** (not from
 * the block as in QUERY), or, for a directory registration, from the
 * start of each object's block; its *doc* is "". A counter of a *type*
 * this library does not know is listed but not read.
 *
 * @param reg Registration.
 * @param idx Index of the counter, below **netstats_reg__counter_cnt()**.
 * @return The description, valid as long as *reg*; NULL and errno set to
 * EINVAL if *reg* is NULL or *idx* out of range.
 */
LIBNETSTATS_API const struct netstats_counter_info *
netstats_reg__counter(const struct netstats_reg *reg, size_t idx);

/**
 * @brief **netstats_reg__find()** looks a counter up by name.
 *
 * @param reg Registration.
 * @param name Counter name, e.g. "bytes_received".
 * @return The index of the counter; -ENOENT if the registration has no
 * counter of that name, -EINVAL if an argument is NULL.
 */
LIBNETSTATS_API int netstats_reg__find(const struct netstats_reg *reg,
				       const char *name);

/**
 * @brief **netstats_reg__read()** reads one counter: a single load of the
 * mapped value (as READ_ONCE() in the kernel), or, for a per-CPU group,
 * the sum of the loads of every CPU's copy. After
 * **netstats_reg__reset()** the load is made between two loads of the
 * generation, retried while they differ (or it is odd), and rebased only
 * if they equal the baseline's: a kernel reset of the block between the
 * loads never subtracts the old baseline from restarted values.
 *
 * @param reg Registration.
 * @param idx Index of the counter.
 * @param val Where the value is stored.
 * @return 0 on success; -EINVAL if an argument is NULL or *idx* out of
 * range, -EOPNOTSUPP if the counter's type is not known to the library,
 * -EAGAIN (only with a reset baseline) if the generation moved during
 * every one of 8 tries.
 */
LIBNETSTATS_API int netstats_reg__read(const struct netstats_reg *reg,
				       size_t idx, __u64 *val);

/**
 * @brief **netstats_reg__generation()** returns the generation of the
 * registration's block. It changes whenever the counters restart from zero
 * (e.g. a TCP socket reused after connect(AF_UNSPEC)) and when the object
 * dies: values read under different generations are not comparable.
 *
 * @param reg Registration.
 * @return The generation; 0 if *reg* is NULL.
 */
LIBNETSTATS_API __u32 netstats_reg__generation(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__dead()** tells whether the object behind the
 * registration died. The counters then hold its final values until the
 * registration is unregistered.
 *
 * @param reg Registration.
 * @return true if the block's state is NETSTATS_BLOCK_DEAD; false if it is
 * alive or *reg* is NULL.
 */
LIBNETSTATS_API bool netstats_reg__dead(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__snapshot()** reads the counters of one generation:
 * reads them all (as **netstats_reg__read()**) between two reads of the
 * generation, and again, up to 8 times in all, until both agree. Each
 * value is exact at the time of its load; the counters of a block are not
 * one atomic snapshot, except for a derived group's block, which is also
 * read under its header's sequence counter and so is one consistent
 * update.
 *
 * @param reg Registration.
 * @param vals Where the values of the first *cnt* counters are stored, in
 * the order of **netstats_reg__counter()**; a counter of an unknown type
 * reads as 0.
 * @param cnt Number of elements of *vals*.
 * @param generation If not NULL, where the generation the values belong to
 * is stored.
 * @return The number of values stored, the smaller of *cnt* and
 * **netstats_reg__counter_cnt()**; -EAGAIN if the generation (or a derived
 * block's sequence counter) changed during every attempt, -EINVAL if *reg*
 * is NULL or *vals* is NULL and *cnt* is not 0.
 */
LIBNETSTATS_API int netstats_reg__snapshot(const struct netstats_reg *reg,
					   __u64 *vals, size_t cnt,
					   __u32 *generation);

/**
 * @brief Callback of **netstats__monitor_read()**, called once per
 * object-dead notification of a registration of the handle.
 *
 * @param id Registration id (see **netstats_reg__id()**). A notification
 * can arrive after its registration was unregistered: ids that are not
 * (or no longer) the application's must be ignored.
 * @param portid Netlink port id of the handle's socket.
 * @param group The group's name, e.g. "tcp".
 * @param object The object's name, or NULL for objects named otherwise
 * (sockets).
 * @param ctx The *ctx* given to **netstats__monitor_read()**.
 * @return 0 to continue; a negative error code stops the callbacks and
 * becomes the return value of **netstats__monitor_read()**.
 */
typedef int (*netstats_dead_cb)(__u32 id, __u32 portid, const char *group,
				const char *object, void *ctx);

/**
 * @brief **netstats__monitor_fd()** returns a file descriptor that polls
 * readable when object-dead notifications are pending. The kernel sends
 * the notifications of a registration to the netlink socket that made
 * it, the handle's own: no privilege is needed and no multicast group is
 * joined. The descriptor (an epoll descriptor) also polls readable for
 * the notifications that a request of the handle read while it waited
 * for its reply. The first call creates it; later calls return the same
 * descriptor. Call it before registering: until then notifications are
 * dropped, and objects that die before are only seen by
 * **netstats_reg__dead()**.
 *
 * @param h Handle from **netstats__open()**.
 * @return The descriptor, owned by the handle (closed by
 * **netstats__close()**); negative error code on failure.
 */
LIBNETSTATS_API int netstats__monitor_fd(struct netstats_handle *h);

/**
 * @brief **netstats__monitor_read()** reads the pending notifications,
 * without blocking, and calls *cb* for each object-dead notification of a
 * registration of this handle. *cb* may unregister registrations, but not
 * close the handle.
 *
 * @param h Handle whose **netstats__monitor_fd()** was called.
 * @param cb Called once per notification of the handle.
 * @param ctx Passed to *cb*.
 * @return The number of calls of *cb*; -EINVAL if **netstats__monitor_fd()**
 * was not called, the value returned by *cb*, or another negative error
 * code on failure. -ENOBUFS means notifications were lost because the
 * socket's receive buffer overflowed (the ones still queued were handled):
 * call **netstats_reg__dead()** on every registration to resynchronise.
 * Read them often enough: the notifications share the receive buffer
 * with the replies to the handle's requests (a request that loses its
 * reply fails with -ENOBUFS, and a REGISTER whose reply was lost left no
 * registration).
 */
LIBNETSTATS_API int netstats__monitor_read(struct netstats_handle *h,
					   netstats_dead_cb cb, void *ctx);

/*
 * What tools built on the library need, such as the netstats
 * CLI and exporters: the layout of a registration, per-CPU values,
 * timestamped snapshots, deltas and rates between two of them, a reset
 * kept in the library, and names for the uapi enums.
 */

/**
 * @brief **netstats_reg__flags()** returns the flags of the registration's
 * group (NETSTATS_GROUP_FLAGS_*), as the REGISTER reply gave them.
 *
 * @param reg Registration.
 * @return The flags; 0 if *reg* is NULL.
 */
LIBNETSTATS_API __u32 netstats_reg__flags(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__ncpus()** returns the number of copies of each
 * counter: the number of possible CPUs for a per-CPU group, else 1.
 *
 * @param reg Registration.
 * @return The number of copies; 0 if *reg* is NULL.
 */
LIBNETSTATS_API __u32 netstats_reg__ncpus(const struct netstats_reg *reg);

/**
 * @brief **netstats_reg__read_cpu()** reads one CPU's copy of a counter
 * of a per-CPU group (copy 0 of any other group), with a single load. The
 * value is raw: the baseline of **netstats_reg__reset()** is not
 * subtracted.
 *
 * @param reg Registration.
 * @param idx Index of the counter.
 * @param cpu Copy, below **netstats_reg__ncpus()**.
 * @param val Where the value is stored.
 * @return 0 on success; -EINVAL if an argument is NULL or out of range,
 * -EOPNOTSUPP if the counter's type is not known to the library.
 */
LIBNETSTATS_API int netstats_reg__read_cpu(const struct netstats_reg *reg,
					   size_t idx, __u32 cpu, __u64 *val);

/**
 * @brief **netstats_reg__reset()** zeroes the registration's counters as
 * the application sees them, without writing anything to the kernel: it
 * takes a snapshot and keeps it as a baseline that **netstats_reg__read()**,
 * **netstats_reg__snapshot()** and **netstats_reg__take_snapshot()** then
 * subtract (modulo 2^32 for u32 counters). Gauges are levels and are never
 * rebased. The baseline belongs to the generation it was taken in: once
 * the generation changes (the counters restarted, or the object died),
 * reads return the kernel's values again. Every read checks that the
 * values it rebases were loaded under the baseline's generation (a
 * generation load before and after them): a reset of the block by the
 * kernel at any point of a read gives either values of the baseline's
 * generation minus the baseline, or the restarted raw values, never a
 * mix. Calling it again takes a new baseline. Not to be called while
 * another thread reads *reg* (the baseline is replaced and freed).
 *
 * @param reg Registration.
 * @return 0 on success; -EINVAL if *reg* is NULL, -ENOMEM, or -EAGAIN as
 * for **netstats_reg__snapshot()**; the previous baseline, if any, is kept
 * on failure.
 */
LIBNETSTATS_API int netstats_reg__reset(struct netstats_reg *reg);

/*
 * All counters of a registration at one time. The caller provides the
 * array of values and sets sz, vals and vals_cnt;
 * netstats_reg__take_snapshot() fills in the rest.
 */
struct netstats_snapshot {
	size_t sz;		/* sizeof(struct netstats_snapshot) */
	__u64 *vals;		/* caller's array, in counter order */
	size_t vals_cnt;	/* its number of elements */
	size_t cnt;		/* values stored */
	__u32 generation;	/* the values' generation */
	bool dead;		/* the block was DEAD: final values */
	__u64 time_ns;		/* CLOCK_MONOTONIC time of the values */
};

/**
 * @brief **netstats_reg__take_snapshot()** takes a snapshot of all counters
 * (as **netstats_reg__snapshot()**, so relative to the baseline of
 * **netstats_reg__reset()**) with the state of the block and the time of
 * the values: the kernel's update time for a derived block, else the time
 * of the loads.
 *
 * @param reg Registration.
 * @param snap The snapshot; the caller sets *sz*, *vals* and *vals_cnt*.
 * @return The number of values stored, as for **netstats_reg__snapshot()**;
 * -EINVAL if an argument is NULL or *snap->sz* too small, -EAGAIN as for
 * **netstats_reg__snapshot()**.
 */
LIBNETSTATS_API int
netstats_reg__take_snapshot(const struct netstats_reg *reg,
			    struct netstats_snapshot *snap);

/**
 * @brief **netstats_reg__delta()** computes how much each counter moved
 * from snapshot *prev* to snapshot *cur* of the registration: *cur* minus
 * *prev* modulo 2^64 for u64 counters and modulo 2^32 for u32 counters (a
 * u32 counter that wrapped once gives the right delta). Gauges are not
 * differenced: a gauge's delta is its value in *cur*.
 *
 * @param reg Registration both snapshots were taken of.
 * @param prev The earlier snapshot.
 * @param cur The later snapshot.
 * @param delta Where the deltas are stored, in counter order.
 * @param cnt Number of elements of *delta*.
 * @return The number of deltas stored: the smallest of *cnt*,
 * *prev->cnt* and *cur->cnt*; -ESTALE if the generations of the
 * snapshots differ (the values are not comparable), -EINVAL if an
 * argument is NULL.
 */
LIBNETSTATS_API int netstats_reg__delta(const struct netstats_reg *reg,
					const struct netstats_snapshot *prev,
					const struct netstats_snapshot *cur,
					__u64 *delta, size_t cnt);

/**
 * @brief **netstats_reg__rate()** computes each counter's rate of change
 * per second from snapshot *prev* to snapshot *cur*: its delta (see
 * **netstats_reg__delta()**) divided by the time between them. A gauge's
 * rate is its value in *cur*.
 *
 * @param reg Registration both snapshots were taken of.
 * @param prev The earlier snapshot.
 * @param cur The later snapshot.
 * @param rate Where the rates are stored, in counter order.
 * @param cnt Number of elements of *rate*.
 * @return The number of rates stored, as for **netstats_reg__delta()**;
 * -ESTALE if the generations differ, -EAGAIN if *cur* is not later than
 * *prev* (a derived block not updated in between), -EINVAL if an argument
 * is NULL.
 */
LIBNETSTATS_API int netstats_reg__rate(const struct netstats_reg *reg,
				       const struct netstats_snapshot *prev,
				       const struct netstats_snapshot *cur,
				       double *rate, size_t cnt);

/**
 * @brief **netstats__counter_type_str()** names a counter type.
 *
 * @param type NETSTATS_COUNTER_TYPE_* value.
 * @return "u64", "u32"; NULL if the library does not know *type*.
 */
LIBNETSTATS_API const char *netstats__counter_type_str(__u32 type);

/**
 * @brief **netstats__counter_flag_str()** names one counter flag bit.
 *
 * @param flag One NETSTATS_COUNTER_FLAGS_* bit.
 * @return "restricted", "gauge"; NULL if the library does not know *flag*.
 */
LIBNETSTATS_API const char *netstats__counter_flag_str(__u32 flag);

/**
 * @brief **netstats__group_flag_str()** names one group flag bit.
 *
 * @param flag One NETSTATS_GROUP_FLAGS_* bit.
 * @return "percpu", "derived", "per-object", "directory";
 * NULL if the library does not know *flag*.
 */
LIBNETSTATS_API const char *netstats__group_flag_str(__u32 flag);

/*
 * Directory groups (NETSTATS_GROUP_FLAGS_DIRECTORY), which map
 * every object of a kind in the caller's network namespace, e.g. every
 * TCP socket ("tcp-all"). A directory registration is registered, listed
 * and unregistered as any other, but has one block per object: its
 * counters' offsets (netstats_reg__counter()) are from the start of an
 * object's block, and netstats_reg__read(), netstats_reg__read_cpu(),
 * netstats_reg__snapshot(), netstats_reg__take_snapshot() and
 * netstats_reg__reset() fail with -EOPNOTSUPP on it;
 * netstats_reg__generation() and netstats_reg__dead() are those of the
 * directory itself. Its objects are visited with
 * netstats_reg__foreach_sock() and read with netstats_sock__read() and
 * netstats_sock__snapshot().
 */

/*
 * One socket of a directory registration, as netstats_reg__foreach_sock()
 * found its entry: valid (its block had the entry's generation and was
 * LIVE or DEAD) when it was read. The library fills it; new members are
 * only ever appended.
 */
struct netstats_sock {
	size_t sz;		/* sizeof(struct netstats_sock) */
	__u64 cookie;		/* SO_COOKIE, inet_diag's id */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport;		/* local port, host byte order */
	__u16 dport;		/* remote port, host byte order */
	__u8 src[16];		/* local address: 4 (AF_INET) or 16 bytes */
	__u8 dst[16];		/* remote address */
	bool dead;		/* destroyed: the counters are final */
	__u32 generation;	/* of the block when the entry was read */
	__u32 unit;		/* where the block is: unit ... */
	__u32 block;		/* ... and block within the unit */
	const void *block_base;	/* the block: counter offsets are from here */
};

/**
 * @brief Callback of **netstats_reg__foreach_sock()**, called once per
 * valid entry.
 *
 * @param reg The directory registration.
 * @param sock The socket, only valid during the call; a copy of it stays
 * usable for as long as the registration: **netstats_sock__snapshot()**
 * fails with -ESTALE once its block was freed or reused. Its counters
 * are read with **netstats_sock__read()** or **netstats_sock__snapshot()**.
 * @param ctx The *ctx* given to **netstats_reg__foreach_sock()**.
 * @return 0 to continue; a negative error code stops the scan and becomes
 * the return value of **netstats_reg__foreach_sock()**.
 */
typedef int (*netstats_sock_cb)(const struct netstats_reg *reg,
				const struct netstats_sock *sock, void *ctx);

/**
 * @brief **netstats_reg__foreach_sock()** scans the entries of a
 * directory registration's units in use (the directory's high-water mark,
 * loaded once per call) and calls *cb* for each valid one. Each entry is
 * read lock-free under its sequence counter; an entry the kernel is
 * rewriting during every one of 8 attempts is skipped (a socket being
 * created or freed at that time). Only loads from the mapping: no system
 * call.
 *
 * @param reg Registration of a directory group.
 * @param cb Called once per socket.
 * @param ctx Passed to *cb*.
 * @return The number of calls of *cb*; -EINVAL if an argument is NULL,
 * -EOPNOTSUPP if *reg* is not a directory registration, -EPROTO if the
 * directory's header describes a layout that does not fit the range, or
 * the value returned by *cb*.
 */
LIBNETSTATS_API int netstats_reg__foreach_sock(const struct netstats_reg *reg,
					       netstats_sock_cb cb, void *ctx);

/**
 * @brief **netstats_reg__find_sock()** looks a socket up by cookie in a
 * directory registration, as **netstats_reg__foreach_sock()** would
 * find it.
 *
 * @param reg Registration of a directory group.
 * @param cookie The socket's cookie.
 * @param sock Where the socket is stored; the caller sets *sock->sz*.
 * @return 0 on success; -ENOENT if no valid entry has that cookie, or an
 * error of **netstats_reg__foreach_sock()**; -EINVAL if *sock* is NULL or
 * *sock->sz* too small.
 */
LIBNETSTATS_API int netstats_reg__find_sock(const struct netstats_reg *reg,
					    __u64 cookie,
					    struct netstats_sock *sock);

/**
 * @brief **netstats_sock__read()** reads one counter of a socket with a
 * single load. It does not check that the block still belongs to the
 * socket: use **netstats_sock__snapshot()** for values known to be the
 * socket's.
 *
 * @param reg The directory registration *sock* was found in.
 * @param sock The socket.
 * @param idx Index of the counter (**netstats_reg__counter()**).
 * @param val Where the value is stored.
 * @return 0 on success; -EINVAL if an argument is NULL or *idx* out of
 * range, -EOPNOTSUPP if the counter's type is not known to the library.
 */
LIBNETSTATS_API int netstats_sock__read(const struct netstats_reg *reg,
					const struct netstats_sock *sock,
					size_t idx, __u64 *val);

/**
 * @brief **netstats_sock__snapshot()** reads the first *cnt* counters of a
 * socket (as **netstats_sock__read()**), then loads the block's header
 * again: the values are the socket's if it still has the generation and a
 * state the entry was read with.
 *
 * @param reg The directory registration *sock* was found in.
 * @param sock The socket.
 * @param vals Where the values are stored, in counter order; a counter of
 * an unknown type reads as 0.
 * @param cnt Number of elements of *vals*.
 * @param dead If not NULL, whether the block was DEAD after the loads (the
 * values are then the final ones).
 * @return The number of values stored, the smaller of *cnt* and
 * **netstats_reg__counter_cnt()**; -ESTALE if the block was freed or
 * reused since the entry was read (the values are not the socket's),
 * -EINVAL if an argument is NULL.
 */
LIBNETSTATS_API int netstats_sock__snapshot(const struct netstats_reg *reg,
					    const struct netstats_sock *sock,
					    __u64 *vals, size_t cnt,
					    bool *dead);

/*
 * One object-dead notification, for netstats__monitor_read_info(). The
 * library fills it; new members are only ever appended.
 */
struct netstats_dead_info {
	size_t sz;		/* sizeof(struct netstats_dead_info) */
	__u32 id;		/* registration id */
	__u32 portid;		/* netlink port id of the handle's socket */
	const char *group;	/* the group's name, "" if none was sent */
	const char *object;	/* the object's name, or NULL */
	bool has_sock_cookie;	/* sock_cookie was sent */
	__u64 sock_cookie;	/* the dead socket of a directory group */
};

/**
 * @brief Callback of **netstats__monitor_read_info()**, called once per
 * object-dead notification of a registration of the handle.
 *
 * @param info The notification; it and its strings are only valid during
 * the call. See **netstats_dead_cb** for *id*.
 * @param ctx The *ctx* given to **netstats__monitor_read_info()**.
 * @return 0 to continue; a negative error code stops the callbacks and
 * becomes the return value of **netstats__monitor_read_info()**.
 */
typedef int (*netstats_dead_info_cb)(const struct netstats_dead_info *info,
				     void *ctx);

/**
 * @brief **netstats__monitor_read_info()** is **netstats__monitor_read()**
 * with a callback that also gets the cookie of a socket of a directory
 * group ("tcp-all") that was destroyed: the socket's block is then DEAD,
 * with its final values, until the kernel frees it (option
 * "dead-linger-ms"). On -ENOBUFS, rescan the directory for DEAD sockets.
 *
 * @param h Handle whose **netstats__monitor_fd()** was called.
 * @param cb Called once per notification of the handle.
 * @param ctx Passed to *cb*.
 * @return As for **netstats__monitor_read()**.
 */
LIBNETSTATS_API int netstats__monitor_read_info(struct netstats_handle *h,
						netstats_dead_info_cb cb,
						void *ctx);

/*
 * The read plan, for readers that want a registration's values
 * at the cost of the loads themselves. netstats_reg__plan() returns what
 * the library computed once when the registration was mapped: where each
 * run of consecutive counters of one width lies and where its values go,
 * and where each counter is. The inline readers below follow it with no
 * function call, argument check or per-counter type switch; when a
 * registration needs more (a derived block's sequence counter, a
 * netstats_reg__reset() baseline, a directory, a layout of more than
 * NETSTATS_PLAN_RUNS runs) its plan is not "fast" and they call
 * netstats_reg__snapshot() and netstats_reg__read(), which give the same
 * values.
 *
 * The plan's layout is part of the ABI: members are only ever appended,
 * and "fast" holds the NETSTATS_PLAN_ABI of the layout the library built
 * (0 if the plan must not be followed): a plan of a layout the inline
 * readers do not know is used through the functions only. ABI 2 appended
 * ref, where each counter is.
 */

#define NETSTATS_PLAN_ABI	2
#define NETSTATS_PLAN_RUNS	64

/* Lets the library's unit tests change a block between the loads. */
#ifndef NETSTATS_PLAN_TEST_HOOK
#define NETSTATS_PLAN_TEST_HOOK(try)	((void)(try))
#endif

#define NETSTATS_PLAN_OP_ZERO	0	/* counters of unknown type: 0 */
#define NETSTATS_PLAN_OP_U64	0	/* + count (1 to 8): __u64 counters */
#define NETSTATS_PLAN_OP_U32	8	/* + count (1 to 8): __u32 counters */
#define NETSTATS_PLAN_OP_U64_LONG 17	/* more than 8 __u64 counters */
#define NETSTATS_PLAN_OP_U32_LONG 18	/* more than 8 __u32 counters */

/*
 * Counters next to each other, of one width, and their place in vals[]:
 * runs of up to 8 are copied by straight-line code, longer ones 8 at a
 * time.
 */
struct netstats_plan_run {
	__u32 offset;		/* of the first one (first CPU), from base */
	__u16 index;		/* of its value in vals[] */
	__u8 count;		/* how many, 1 to 255 */
	__u8 op;		/* NETSTATS_PLAN_OP_U64/U32 + count, ..._LONG, ZERO */
};

/* Where one counter is (ABI 1; netstats_plan__read() follows ref). */
struct netstats_plan_ctr {
	__u32 offset;		/* first CPU's copy, from base */
	__u32 width;		/* 8 (__u64), 4 (__u32), 0 (unknown type) */
};

/*
 * ABI 2: how netstats_plan__read() reads one counter: kind 8 or 4 is one
 * load of that width at p; with NETSTATS_PLAN_REF_FOLD, the sum of the
 * plan's ncpus copies, stride apart; 0 (a type the library does not
 * know) is netstats_reg__read().
 */
#define NETSTATS_PLAN_REF_FOLD	0x10

struct netstats_plan_ref {
	const void *p;		/* the first CPU's copy, in the mapping */
	__u32 kind;		/* 8, 4, 8 or 4 | NETSTATS_PLAN_REF_FOLD, 0 */
	__u32 reserved;
};

struct netstats_plan_span;

struct netstats_plan {
	__u32 fast;		/* NETSTATS_PLAN_ABI: may be followed, or 0 */
	__u32 nruns;
	const struct netstats_reg *reg;
	const char *base;	/* the mapping */
	const __u32 *generation;	/* the block's generation */
	__u32 nvals;		/* counters: vals[] has room for as many */
	__u32 ncpus;		/* copies of each counter, >= 1 */
	__u64 stride;		/* between two CPUs' copies */
	const struct netstats_plan_ctr *ctr;	/* nvals of them */
	struct netstats_plan_run run[NETSTATS_PLAN_RUNS];
	/* ABI 2 */
	const struct netstats_plan_ref *ref;	/* nvals of them */
	__u32 shape;		/* NETSTATS_PLAN_SHAPE_*, or 0 */
	__u32 shape_off;	/* SHAPE_TCP*: the third run's, from the block */
	const char *shape_run;	/* SHAPE_TCP: the third run, in the mapping */
	/* with NETSTATS_PLAN_SHAPE_SPANS only */
	const struct netstats_plan_span *span;	/* nspans of them */
	__u32 nspans;
};

/*
 * ABI 2: layouts the inline readers copy by straight-line code made for
 * them, with no run dispatch. The library recognises them from the
 * registration's counter table when it builds the plan (never from a
 * group's name), and only in a plan it may follow: shape is 0 whenever
 * fast is. NETSTATS_PLAN_SHAPE_TCP is the "tcp" group's layout: one
 * CPU, 13 counters, the block's generation (*generation) followed by 3
 * __u64 at block + 8 and 5 __u32 at block + 32 (values 0 to 7), and 5
 * __u32 at block + shape_off (values 8 to 12). NETSTATS_PLAN_SHAPE_TCP_BLOCKS
 * is the same layout in each socket's block of a directory ("tcp-all"),
 * for netstats_sock_scan__next(). A shape holds the plan's ABI: one of
 * another layout never matches.
 */
#define NETSTATS_PLAN_SHAPE_TCP		(NETSTATS_PLAN_ABI << 8 | 1)
#define NETSTATS_PLAN_SHAPE_TCP_BLOCKS	(NETSTATS_PLAN_ABI << 8 | 2)

/*
 * NETSTATS_PLAN_SHAPE_SPANS: a plan of __u64 counters
 * (the ip and ip6 groups: the MIBs' entries, in memory order), copied
 * by the spans appended to the plan (span, nspans) instead of the runs:
 * a span is one run's values copied by 16-byte loads and stores, two
 * counters each, from an unrolled loop of 16 entered in its middle (the
 * span's head, as Duff's device does); the CPUs' copies are summed in
 * registers. A run of an odd count is one 16-byte load longer, reaching
 * one counter past its end or before its start (a slot of the mapping
 * between two runs): the library orders the spans so that the value
 * stored there is stored again by its own counter's span later, and
 * checks that no load leaves the mapping and no store leaves vals[0 ..
 * nvals). The runs and refs stay valid: code that does not know this
 * shape follows the runs, and the members after shape_run are read only
 * with it.
 */
#define NETSTATS_PLAN_SHAPE_SPANS	(NETSTATS_PLAN_ABI << 8 | 3)

struct netstats_plan_span {
	const char *src;	/* its first CPU's copy, in the mapping */
	const char *end;	/* src + 16 * units */
	const char *entry;	/* end - 16 * 16 * passes: where the loop starts */
	__s64 delta;		/* (char *)vals + delta + p: the value loaded at p */
	__u32 units;		/* 16-byte loads: two counters each */
	__u32 head;		/* units % 16: the first pass's */
};

/**
 * @brief **netstats_reg__plan()** returns the read plan of a registration,
 * valid for as long as the registration.
 *
 * @param reg Registration.
 * @return The plan; NULL if *reg* is NULL.
 */
LIBNETSTATS_API const struct netstats_plan *
netstats_reg__plan(const struct netstats_reg *reg);

static inline __u64 netstats_plan__ld(const char *p, unsigned int width)
{
	if (width == 8)
		return __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	if (width == 4)
		return __atomic_load_n((const __u32 *)p, __ATOMIC_RELAXED);
	return 0;
}

/* The attribute that lets a case continue into the next (GCC, clang). */
#if defined(__has_attribute)
#if __has_attribute(__fallthrough__)
#define NETSTATS__FALLTHROUGH	__attribute__((__fallthrough__))
#endif
#endif
#ifndef NETSTATS__FALLTHROUGH
#define NETSTATS__FALLTHROUGH	do { } while (0)
#endif

/*
 * netstats_plan__u64(), netstats_plan__u32(): the first @k (1 to 8)
 * values at @s into @d, straight-line loads and stores entered by one
 * jump; netstats_plan__add64(), netstats_plan__add32(): the same, added
 * to @d.
 */
#define NETSTATS__PLAN_LOADS(name, type, op)				\
static inline void name(const char *s, __u64 *d, unsigned int k)	\
{									\
	const type *q = (const type *)s;				\
									\
	switch (k) {							\
	case 8:								\
		d[7] op __atomic_load_n(q + 7, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 7:								\
		d[6] op __atomic_load_n(q + 6, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 6:								\
		d[5] op __atomic_load_n(q + 5, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 5:								\
		d[4] op __atomic_load_n(q + 4, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 4:								\
		d[3] op __atomic_load_n(q + 3, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 3:								\
		d[2] op __atomic_load_n(q + 2, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 2:								\
		d[1] op __atomic_load_n(q + 1, __ATOMIC_RELAXED);	\
		NETSTATS__FALLTHROUGH;					\
	case 1:								\
		d[0] op __atomic_load_n(q + 0, __ATOMIC_RELAXED);	\
	}								\
}

NETSTATS__PLAN_LOADS(netstats_plan__u64, __u64, =)
NETSTATS__PLAN_LOADS(netstats_plan__u32, __u32, =)
NETSTATS__PLAN_LOADS(netstats_plan__add64, __u64, +=)
NETSTATS__PLAN_LOADS(netstats_plan__add32, __u32, +=)

/*
 * Inlined into a caller whose vals[] has a known size, the cases that
 * the plan never takes would draw -Warray-bounds: the plan's runs fit
 * nvals by construction.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

/* A run of more than 8: 8 at a time, then the rest. */
static inline void netstats_plan__copy_long(const struct netstats_plan_run *r,
					    const char *s, __u64 *d)
{
	unsigned int w = r->op == NETSTATS_PLAN_OP_U64_LONG ? 8 : 4;
	unsigned int n;

	for (n = r->count; n; n -= n < 8 ? n : 8, s += 8 * w, d += 8) {
		if (w == 8)
			netstats_plan__u64(s, d, n < 8 ? n : 8);
		else
			netstats_plan__u32(s, d, n < 8 ? n : 8);
	}
}

/*
 * The values of one run, first CPU's copies: a run of up to 8 is entered
 * by one jump into straight-line loads and stores.
 */
static inline void netstats_plan__copy(const struct netstats_plan_run *r,
				       const char *s, __u64 *d)
{
	switch (r->op) {
	case NETSTATS_PLAN_OP_U64 + 8:
		d[7] = __atomic_load_n((const __u64 *)s + 7, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 7:
		d[6] = __atomic_load_n((const __u64 *)s + 6, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 6:
		d[5] = __atomic_load_n((const __u64 *)s + 5, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 5:
		d[4] = __atomic_load_n((const __u64 *)s + 4, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 4:
		d[3] = __atomic_load_n((const __u64 *)s + 3, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 3:
		d[2] = __atomic_load_n((const __u64 *)s + 2, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 2:
		d[1] = __atomic_load_n((const __u64 *)s + 1, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U64 + 1:
		d[0] = __atomic_load_n((const __u64 *)s + 0, __ATOMIC_RELAXED);
		break;
	case NETSTATS_PLAN_OP_U32 + 8:
		d[7] = __atomic_load_n((const __u32 *)s + 7, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 7:
		d[6] = __atomic_load_n((const __u32 *)s + 6, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 6:
		d[5] = __atomic_load_n((const __u32 *)s + 5, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 5:
		d[4] = __atomic_load_n((const __u32 *)s + 4, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 4:
		d[3] = __atomic_load_n((const __u32 *)s + 3, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 3:
		d[2] = __atomic_load_n((const __u32 *)s + 2, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 2:
		d[1] = __atomic_load_n((const __u32 *)s + 1, __ATOMIC_RELAXED);
		NETSTATS__FALLTHROUGH;
	case NETSTATS_PLAN_OP_U32 + 1:
		d[0] = __atomic_load_n((const __u32 *)s + 0, __ATOMIC_RELAXED);
		break;
	case NETSTATS_PLAN_OP_U64_LONG:
	case NETSTATS_PLAN_OP_U32_LONG:
		netstats_plan__copy_long(r, s, d);
		break;
	case NETSTATS_PLAN_OP_ZERO:	/* a type the library does not know */
		__builtin_memset(d, 0, r->count * sizeof(*d));
		break;
	default:	/* the library builds no other */
		__builtin_unreachable();
	}
}

/*
 * Adds the other CPUs' copies of every run: per run, per CPU, one jump
 * into straight-line loads and adds (8 at a time for a long run); no
 * per-counter width switch.
 */
static inline void netstats_plan__fold(const struct netstats_plan *plan,
				       __u64 *vals)
{
	const struct netstats_plan_run *r, *end = plan->run + plan->nruns;
	const char *s, *last;
	unsigned int n, k;
	__u64 *d;

	for (r = plan->run; r < end; r++) {
		if (r->op == NETSTATS_PLAN_OP_ZERO)
			continue;
		last = plan->base + r->offset +
		       (plan->ncpus - 1) * plan->stride;
		if (r->op <= NETSTATS_PLAN_OP_U64 + 8 ||
		    r->op == NETSTATS_PLAN_OP_U64_LONG) {
			for (n = 0; n < r->count; n += k) {
				k = r->count - n < 8 ? r->count - n : 8;
				d = vals + r->index + n;
				for (s = plan->base + r->offset + 8 * n;
				     s != last + 8 * n;)
					netstats_plan__add64(s += plan->stride,
							     d, k);
			}
		} else {
			for (n = 0; n < r->count; n += k) {
				k = r->count - n < 8 ? r->count - n : 8;
				d = vals + r->index + n;
				for (s = plan->base + r->offset + 4 * n;
				     s != last + 4 * n;)
					netstats_plan__add32(s += plan->stride,
							     d, k);
			}
		}
	}
}

/*
 * Up to 8 tries of @copy between two loads of the generation, until both
 * agree and it is even: the values of one generation, or -EAGAIN.
 */
static inline __attribute__((__always_inline__)) int
netstats_plan__retry(const struct netstats_plan *plan, __u64 *vals,
		     __u32 *generation,
		     void (*copy)(const struct netstats_plan *, __u64 *))
{
	const __u32 *g = plan->generation;
	__u32 gen;
	int try;

	for (try = 0; try < 8; try++) {
		gen = __atomic_load_n(g, __ATOMIC_ACQUIRE);
		if (gen & 1)	/* being reset */
			continue;
		copy(plan, vals);
		NETSTATS_PLAN_TEST_HOOK(try);
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(g, __ATOMIC_RELAXED) == gen) {
			if (generation)
				*generation = gen;
			return plan->nvals;
		}
	}
	return -EAGAIN;
}

/* Every run's values, the CPUs' copies folded. */
static inline __attribute__((__always_inline__)) void
netstats_plan__copy_runs(const struct netstats_plan *plan, __u64 *vals)
{
	/* Nothing the loads below can change: kept in registers. */
	const struct netstats_plan_run *r, *end = plan->run + plan->nruns;
	const char *base = plan->base;

	for (r = plan->run; r < end; r++)
		netstats_plan__copy(r, base + r->offset, vals + r->index);
	if (__builtin_expect(plan->ncpus > 1, 0))
		netstats_plan__fold(plan, vals);
}

/* netstats_plan__snapshot() of any plan, by its runs. */
static inline __attribute__((flatten)) int
netstats_plan__snapshot_runs(const struct netstats_plan *plan, __u64 *vals,
			     __u32 *generation)
{
	if (__builtin_expect(plan->fast != NETSTATS_PLAN_ABI, 0))
		return netstats_reg__snapshot(plan->reg, vals, plan->nvals,
					      generation);
	return netstats_plan__retry(plan, vals, generation,
				    netstats_plan__copy_runs);
}

/*
 * Two __u64 counters by one 16-byte load. On x86-64 and arm64 a 16-byte
 * load at an 8-byte aligned address reads each 8-byte half by one
 * single-copy atomic access (the SDM's aligned quadword; the Arm ARM's
 * "pair of single-copy atomic 64-bit reads"): no value is torn, as with
 * the 8-byte loads of the other paths. Elsewhere, two 8-byte loads.
 */
#if defined(__x86_64__) || defined(__aarch64__)
typedef __u64 netstats__u64x2
	__attribute__((__vector_size__(16), __aligned__(8), __may_alias__));

#define NETSTATS__LD2(p)	(*(const volatile netstats__u64x2 *)(p))
#define NETSTATS__ST2(p, v)	(*(netstats__u64x2 *)(p) = (v))
#else
typedef struct {
	__u64 v[2];
} netstats__u64x2;

static inline netstats__u64x2 netstats__ld2(const void *p)
{
	netstats__u64x2 x;

	x.v[0] = __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	x.v[1] = __atomic_load_n((const __u64 *)p + 1, __ATOMIC_RELAXED);
	return x;
}

static inline netstats__u64x2 netstats__add2(netstats__u64x2 a,
					     netstats__u64x2 b)
{
	a.v[0] += b.v[0];
	a.v[1] += b.v[1];
	return a;
}

static inline void netstats__st2(void *p, netstats__u64x2 x)
{
	__builtin_memcpy(p, &x, sizeof(x));
}

#define NETSTATS__LD2(p)	netstats__ld2(p)
#define NETSTATS__ST2(p, x)	netstats__st2((p), (x))
#endif

/* The 16 bytes at @p + 16 * @k to their place in the values. */
static inline void netstats__span_cp(const char *p, long dl, int k)
{
	NETSTATS__ST2((char *)((unsigned long)p + dl) + 16 * k,
		      NETSTATS__LD2(p + 16 * k));
}

/*
 * The spans, first CPU's copies: per span, a loop of 16 copies of 16
 * bytes entered at the copy that leaves head (units % 16) of them for
 * its first pass: no branch per value, no remainder loop.
 */
static inline __attribute__((__always_inline__)) void
netstats_plan__spans(const struct netstats_plan *plan, __u64 *vals)
{
	const struct netstats_plan_span *sp = plan->span;
	const struct netstats_plan_span *end = sp + plan->nspans;
	const char *p, *e;
	long dl;

	for (; sp < end; sp++) {
		p = sp->entry;
		e = sp->end;
		dl = (long)vals + sp->delta;
		switch (sp->head) {
		default:	/* the library builds no other */
			__builtin_unreachable();
		case 0:
			do {
				netstats__span_cp(p, dl, 0);
				NETSTATS__FALLTHROUGH;
		case 15:
				netstats__span_cp(p, dl, 1);
				NETSTATS__FALLTHROUGH;
		case 14:
				netstats__span_cp(p, dl, 2);
				NETSTATS__FALLTHROUGH;
		case 13:
				netstats__span_cp(p, dl, 3);
				NETSTATS__FALLTHROUGH;
		case 12:
				netstats__span_cp(p, dl, 4);
				NETSTATS__FALLTHROUGH;
		case 11:
				netstats__span_cp(p, dl, 5);
				NETSTATS__FALLTHROUGH;
		case 10:
				netstats__span_cp(p, dl, 6);
				NETSTATS__FALLTHROUGH;
		case 9:
				netstats__span_cp(p, dl, 7);
				NETSTATS__FALLTHROUGH;
		case 8:
				netstats__span_cp(p, dl, 8);
				NETSTATS__FALLTHROUGH;
		case 7:
				netstats__span_cp(p, dl, 9);
				NETSTATS__FALLTHROUGH;
		case 6:
				netstats__span_cp(p, dl, 10);
				NETSTATS__FALLTHROUGH;
		case 5:
				netstats__span_cp(p, dl, 11);
				NETSTATS__FALLTHROUGH;
		case 4:
				netstats__span_cp(p, dl, 12);
				NETSTATS__FALLTHROUGH;
		case 3:
				netstats__span_cp(p, dl, 13);
				NETSTATS__FALLTHROUGH;
		case 2:
				netstats__span_cp(p, dl, 14);
				NETSTATS__FALLTHROUGH;
		case 1:
				netstats__span_cp(p, dl, 15);
			} while ((p += 256) != e);
		}
	}
}

#if defined(__x86_64__) || defined(__aarch64__)
static inline netstats__u64x2 netstats__add2(netstats__u64x2 a,
					     netstats__u64x2 b)
{
	return a + b;
}
#endif

/*
 * The spans, each CPU's copies summed: four 16-byte loads at a time
 * summed over the CPUs in registers and stored once, then one at a time.
 */
static inline void netstats_plan__spans_fold(const struct netstats_plan *plan,
					     __u64 *vals)
{
	const struct netstats_plan_span *sp = plan->span;
	const struct netstats_plan_span *end = sp + plan->nspans;
	netstats__u64x2 a, b, c, d;
	const char *p, *q;
	__u32 cpu, n;
	long dl;

	for (; sp < end; sp++) {
		p = sp->src;
		dl = (long)vals + sp->delta;
		for (n = sp->units; n >= 4; n -= 4, p += 64) {
			a = NETSTATS__LD2(p);
			b = NETSTATS__LD2(p + 16);
			c = NETSTATS__LD2(p + 32);
			d = NETSTATS__LD2(p + 48);
			for (cpu = 1, q = p; cpu < plan->ncpus; cpu++) {
				q += plan->stride;
				a = netstats__add2(a, NETSTATS__LD2(q));
				b = netstats__add2(b, NETSTATS__LD2(q + 16));
				c = netstats__add2(c, NETSTATS__LD2(q + 32));
				d = netstats__add2(d, NETSTATS__LD2(q + 48));
			}
			NETSTATS__ST2((char *)((unsigned long)p + dl), a);
			NETSTATS__ST2((char *)((unsigned long)p + dl) + 16, b);
			NETSTATS__ST2((char *)((unsigned long)p + dl) + 32, c);
			NETSTATS__ST2((char *)((unsigned long)p + dl) + 48, d);
		}
		for (; n; n--, p += 16) {
			a = NETSTATS__LD2(p);
			for (cpu = 1, q = p; cpu < plan->ncpus; cpu++) {
				q += plan->stride;
				a = netstats__add2(a, NETSTATS__LD2(q));
			}
			NETSTATS__ST2((char *)((unsigned long)p + dl), a);
		}
	}
}

/*
 * netstats_plan__snapshot() of NETSTATS_PLAN_SHAPE_SPANS: the first try
 * of one CPU's copies; the next ones, and the sums of several CPUs, as
 * netstats_plan__snapshot_spans_fold().
 */
static __attribute__((__noinline__, __unused__)) int
netstats_plan__snapshot_spans_fold(const struct netstats_plan *plan,
				   __u64 *vals, __u32 *generation)
{
	return netstats_plan__retry(plan, vals, generation,
				    netstats_plan__spans_fold);
}

static inline int
netstats_plan__snapshot_spans(const struct netstats_plan *plan, __u64 *vals,
			      __u32 *generation)
{
	const __u32 *g = plan->generation;
	__u32 gen;

	gen = __atomic_load_n(g, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!(gen & 1) && plan->ncpus == 1, 1)) {
		netstats_plan__spans(plan, vals);
		NETSTATS_PLAN_TEST_HOOK(0);
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__builtin_expect(__atomic_load_n(g, __ATOMIC_RELAXED) == gen,
				     1)) {
			if (generation)
				*generation = gen;
			return plan->nvals;
		}
	}
	return netstats_plan__snapshot_spans_fold(plan, vals, generation);
}

/*
 * The 13 values of NETSTATS_PLAN_SHAPE_TCP*: @b is the block, @q the
 * third run. Straight-line loads (16-byte ones on x86-64), each
 * counter read by one access.
 */
static inline __attribute__((__always_inline__)) void
netstats_plan__copy_tcp(const char *b, const char *q, __u64 *v)
{
	const __u64 *a = (const __u64 *)(b + 8);
	const __u32 *c = (const __u32 *)(b + 32);
	const __u32 *d = (const __u32 *)q;
#if defined(__x86_64__) && defined(__SSE2__)
	/* By 16-byte loads (see NETSTATS__LD2): 4 __u32 widened by two
	 * unpacks with zeroes, each element read by one access.
	 */
	typedef int netstats__i32x4
		__attribute__((__vector_size__(16), __aligned__(4),
			       __may_alias__));
	const netstats__i32x4 z = { 0, 0, 0, 0 };
	netstats__i32x4 x, y;

	NETSTATS__ST2(v, NETSTATS__LD2(a));
	v[2] = __atomic_load_n(a + 2, __ATOMIC_RELAXED);
	x = *(const volatile netstats__i32x4 *)c;
	y = *(const volatile netstats__i32x4 *)d;
	*(netstats__i32x4 *)(v + 3) =
		__builtin_ia32_punpckldq128(x, z);
	*(netstats__i32x4 *)(v + 5) =
		__builtin_ia32_punpckhdq128(x, z);
	v[7] = __atomic_load_n(c + 4, __ATOMIC_RELAXED);
	*(netstats__i32x4 *)(v + 8) =
		__builtin_ia32_punpckldq128(y, z);
	*(netstats__i32x4 *)(v + 10) =
		__builtin_ia32_punpckhdq128(y, z);
	v[12] = __atomic_load_n(d + 4, __ATOMIC_RELAXED);
#else
	v[0] = __atomic_load_n(a + 0, __ATOMIC_RELAXED);
	v[1] = __atomic_load_n(a + 1, __ATOMIC_RELAXED);
	v[2] = __atomic_load_n(a + 2, __ATOMIC_RELAXED);
	v[3] = __atomic_load_n(c + 0, __ATOMIC_RELAXED);
	v[4] = __atomic_load_n(c + 1, __ATOMIC_RELAXED);
	v[5] = __atomic_load_n(c + 2, __ATOMIC_RELAXED);
	v[6] = __atomic_load_n(c + 3, __ATOMIC_RELAXED);
	v[7] = __atomic_load_n(c + 4, __ATOMIC_RELAXED);
	v[8] = __atomic_load_n(d + 0, __ATOMIC_RELAXED);
	v[9] = __atomic_load_n(d + 1, __ATOMIC_RELAXED);
	v[10] = __atomic_load_n(d + 2, __ATOMIC_RELAXED);
	v[11] = __atomic_load_n(d + 3, __ATOMIC_RELAXED);
	v[12] = __atomic_load_n(d + 4, __ATOMIC_RELAXED);
#endif
}

/*
 * netstats_plan__snapshot() of NETSTATS_PLAN_SHAPE_TCP: the first try;
 * the next ones by the runs.
 */
static inline int netstats_plan__snapshot_tcp(const struct netstats_plan *plan,
					      __u64 *vals, __u32 *generation)
{
	const __u32 *g = plan->generation;
	__u32 gen;

	gen = __atomic_load_n(g, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!(gen & 1), 1)) {	/* odd: being reset */
		netstats_plan__copy_tcp((const char *)g, plan->shape_run, vals);
		NETSTATS_PLAN_TEST_HOOK(0);
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__builtin_expect(__atomic_load_n(g, __ATOMIC_RELAXED) == gen,
				     1)) {
			if (generation)
				*generation = gen;
			return 13;
		}
	}
	return netstats_plan__snapshot_runs(plan, vals, generation);
}

/**
 * @brief **netstats_plan__snapshot()** is **netstats_reg__snapshot()** of
 * every counter, inline: the counters are copied (per-CPU copies folded)
 * between two loads of the generation, until both agree and it is even,
 * up to 8 times; by straight-line code for a layout of a known shape,
 * by 16-byte loads and stores for a plan of spans, else by the plan's
 * runs.
 *
 * @param plan From **netstats_reg__plan()**.
 * @param vals Room for *plan->nvals* values, in counter order.
 * @param generation If not NULL, where the generation is stored.
 * @return As **netstats_reg__snapshot()** with *cnt* = *plan->nvals*.
 */
static inline int netstats_plan__snapshot(const struct netstats_plan *plan,
					  __u64 *vals, __u32 *generation)
{
	if (plan->shape == NETSTATS_PLAN_SHAPE_TCP)
		return netstats_plan__snapshot_tcp(plan, vals, generation);
	if (plan->shape == NETSTATS_PLAN_SHAPE_SPANS)
		return netstats_plan__snapshot_spans(plan, vals, generation);
	return netstats_plan__snapshot_runs(plan, vals, generation);
}

/* A counter of a per-CPU group: the sum of its copies. */
static inline int netstats_plan__read_fold(const struct netstats_plan *plan,
					   const struct netstats_plan_ref *c,
					   size_t idx, __u64 *val)
{
	const char *s = (const char *)c->p;
	__u64 v = 0;
	__u32 cpu;

	if (c->kind == (8 | NETSTATS_PLAN_REF_FOLD)) {
		for (cpu = 0; cpu < plan->ncpus; cpu++, s += plan->stride)
			v += __atomic_load_n((const __u64 *)s,
					     __ATOMIC_RELAXED);
	} else if (c->kind == (4 | NETSTATS_PLAN_REF_FOLD)) {
		for (cpu = 0; cpu < plan->ncpus; cpu++, s += plan->stride)
			v += __atomic_load_n((const __u32 *)s,
					     __ATOMIC_RELAXED);
	} else {	/* type unknown: its error */
		return netstats_reg__read(plan->reg, idx, val);
	}
	*val = v;
	return 0;
}

/**
 * @brief **netstats_plan__read()** is **netstats_reg__read()**, inline: one
 * load where the plan's ref says the counter is (the sum of the CPUs'
 * copies for a per-CPU group).
 *
 * @param plan From **netstats_reg__plan()**.
 * @param idx Index of the counter.
 * @param val Where the value is stored.
 * @return As **netstats_reg__read()**.
 */
static inline int netstats_plan__read(const struct netstats_plan *plan,
				      size_t idx, __u64 *val)
{
	const struct netstats_plan_ref *c;

	if (__builtin_expect(plan->fast != NETSTATS_PLAN_ABI ||
			     idx >= plan->nvals, 0))
		return netstats_reg__read(plan->reg, idx, val);
	c = &plan->ref[idx];
	if (__builtin_expect(c->kind == 8, 1)) {
		*val = __atomic_load_n((const __u64 *)c->p, __ATOMIC_RELAXED);
		return 0;
	}
	if (c->kind == 4) {
		*val = __atomic_load_n((const __u32 *)c->p, __ATOMIC_RELAXED);
		return 0;
	}
	return netstats_plan__read_fold(plan, c, idx, val);
}

/*
 * One counter as a value the caller keeps, for a reader that
 * reads the same counters again and again: netstats_plan__ref() looks the
 * counter up once, netstats_ref__read() is then one load (the plan, the
 * registration and the argument checks are not touched again). Returned
 * and passed by value so that a loop keeps it in registers: its layout is
 * fixed (a larger one would be another structure and another function).
 * A ref reads what netstats_reg__read() reads: one load of the mapped
 * value, no generation check (netstats_plan__snapshot() is the consistent
 * read of several counters). Counters of a per-CPU group, of a type the
 * library does not know, of a registration with a netstats_reg__reset()
 * baseline, and an index out of range are read by netstats_reg__read()
 * (kind 0, p is then the registration). netstats_reg__reset() does not
 * reach the refs taken before it: they keep reading the kernel's values.
 */
struct netstats_ref {
	const void *p;		/* the counter in the mapping, or the reg */
	__u32 kind;		/* 8 or 4: one load of that width; 0 */
	__u32 idx;		/* the counter's index */
};

/**
 * @brief **netstats_plan__ref()** looks a counter up once for
 * **netstats_ref__read()**.
 *
 * @param plan From **netstats_reg__plan()**.
 * @param idx Index of the counter.
 * @return The ref, valid for as long as the registration; a ref of kind
 * 0 (read by **netstats_reg__read()**, which reports what is wrong) if
 * *plan* is NULL or *idx* out of range.
 */
LIBNETSTATS_API struct netstats_ref
netstats_plan__ref(const struct netstats_plan *plan, size_t idx);

/**
 * @brief **netstats_ref__read()** is **netstats_reg__read()** of the ref's
 * counter, inline: one load.
 *
 * @param ref From **netstats_plan__ref()**.
 * @param val Where the value is stored.
 * @return As **netstats_reg__read()**.
 */
static inline int netstats_ref__read(const struct netstats_ref ref,
				     __u64 *val)
{
	if (__builtin_expect(ref.kind == 8, 1)) {
		*val = __atomic_load_n((const __u64 *)ref.p, __ATOMIC_RELAXED);
		return 0;
	}
	if (ref.kind == 4) {
		*val = __atomic_load_n((const __u32 *)ref.p, __ATOMIC_RELAXED);
		return 0;
	}
	return netstats_reg__read((const struct netstats_reg *)ref.p,
				  ref.idx, val);
}

/*
 * The sockets of a directory registration ("tcp-all") and
 * their values, inline. netstats_reg__sock_scan() starts a scan (the
 * layout checked once, the directory's high-water mark loaded once);
 * each netstats_sock_scan__next() finds the next valid entry and copies
 * the socket's counters by the read plan's runs, then checks the block
 * still has the entry's generation and a state: as
 * netstats_reg__foreach_sock() and netstats_sock__snapshot() of every
 * counter, without a call per socket. An entry being rewritten (its
 * sequence counter odd or moving) is left to netstats_sock_scan__step(),
 * the same step as a function, which retries it.
 */

/* The head of struct netstats_sock_entry (uapi), as the scan reads it. */
struct netstats__sock_entry_head {
	__u32 seq;
	__u32 generation;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 reserved;
	__u64 cookie;
};

/*
 * A scan, filled by netstats_reg__sock_scan(); the members after
 * block_base are the library's cursor. New members are only ever
 * appended.
 */
struct netstats_sock_scan {
	size_t sz;		/* sizeof(struct netstats_sock_scan) */
	/* the socket netstats_sock_scan__next() found last */
	__u64 cookie;
	__u32 generation;	/* of its block */
	bool dead;		/* destroyed: the values are final */
	const void *block_base;	/* its block */
	/* the cursor */
	const struct netstats_reg *reg;
	const struct netstats_plan *plan;	/* runs; NULL: the function */
	const char *units;	/* the first unit */
	const char *block;	/* the next block to look at */
	const char *unit_end;	/* the end of its unit's blocks */
	size_t unit_bytes;	/* between two units */
	size_t unit_skip;	/* from unit_end to the next unit's first block */
	size_t entry_off;	/* of the next block's entry, from it */
	size_t block_size;
	__u32 units_left;	/* units after the block's */
	/* NETSTATS_PLAN_SHAPE_TCP_BLOCKS and its shape_off, or 0 */
	__u32 shape;
	__u32 shape_off;
	/*
	 * 0.9.0: directories whose entries are smaller than their blocks
	 * (struct netstats_sock_cookie_entry). entry_off moves by entry_step
	 * per block and by entry_reset per unit; an entry names a socket if
	 * the __u64 at its byte 8 has a bit outside entry_ignore (the family
	 * of a struct netstats_sock_entry, a cookie entry's cookie); the
	 * cookie is cookie_back bytes before byte 16. All 0 (an older
	 * library): entries as large as blocks.
	 */
	ptrdiff_t entry_step;
	ptrdiff_t entry_reset;
	__u64 entry_ignore;
	__u32 cookie_back;
};

/**
 * @brief **netstats_reg__sock_scan()** starts a scan of a directory
 * registration's sockets for **netstats_sock_scan__next()**: the layout
 * is checked and the directory's high-water mark loaded once.
 *
 * @param reg Registration of a directory group.
 * @param scan The scan; the caller sets *scan->sz*.
 * @return 0; -EINVAL if an argument is NULL or *scan->sz* too small,
 * -EOPNOTSUPP if *reg* is not a directory registration, -EPROTO as
 * **netstats_reg__foreach_sock()**.
 */
LIBNETSTATS_API int netstats_reg__sock_scan(const struct netstats_reg *reg,
					    struct netstats_sock_scan *scan);

/**
 * @brief **netstats_sock_scan__step()** is **netstats_sock_scan__next()**
 * as a function: an entry being rewritten is retried up to 8 times, then
 * skipped.
 *
 * @param scan From **netstats_reg__sock_scan()**.
 * @param vals Room for **netstats_reg__counter_cnt()** values.
 * @return As **netstats_sock_scan__next()**; -EINVAL if an argument is
 * NULL.
 */
LIBNETSTATS_API int netstats_sock_scan__step(struct netstats_sock_scan *scan,
					     __u64 *vals);

/**
 * @brief **netstats_sock_scan__sock()** describes the socket the scan
 * found last (family, addresses, ports), as **netstats_reg__foreach_sock()**
 * would.
 *
 * @param scan The scan.
 * @param sock Where it is stored; the caller sets *sock->sz*.
 * @return 0; -ESTALE if its entry was rewritten since, -EINVAL if an
 * argument is NULL, *sock->sz* too small or the scan found no socket yet.
 */
LIBNETSTATS_API int
netstats_sock_scan__sock(const struct netstats_sock_scan *scan,
			 struct netstats_sock *sock);

/*
 * Lets the library's unit tests change an entry between its loads (p is
 * the entry) or a block between the counter and header loads (p is the
 * block).
 */
#ifndef NETSTATS_SCAN_TEST_HOOK
#define NETSTATS_SCAN_TEST_HOOK(p)	((void)(p))
#endif

/* netstats_sock_scan__next() of any plan, by its runs. */
static inline __attribute__((flatten)) int
netstats_sock_scan__next_runs(struct netstats_sock_scan *scan, __u64 *vals)
{
	const struct netstats__sock_entry_head *e;
	const struct netstats_plan_run *r, *end;
	const char *b = scan->block;
	__u32 seq, gen, state;
	__u64 cookie, named;
	size_t eo = scan->entry_off;

	if (__builtin_expect(!scan->plan, 0))
		return netstats_sock_scan__step(scan, vals);
	end = scan->plan->run + scan->plan->nruns;
	for (;; b += scan->block_size, eo += scan->entry_step) {
		if (__builtin_expect(b == scan->unit_end, 0)) {
			if (!scan->units_left) {
				scan->block = b;
				scan->entry_off = eo;
				return 0;
			}
			scan->units_left--;
			b += scan->unit_skip;
			eo += scan->entry_reset;
			scan->unit_end += scan->unit_bytes;
		}
		e = (const void *)(b + eo);
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		gen = __atomic_load_n(&e->generation, __ATOMIC_RELAXED);
		named = __atomic_load_n((const __u64 *)((const char *)e + 8),
					__ATOMIC_RELAXED);
		cookie = __atomic_load_n((const __u64 *)((const char *)e + 16 -
							 scan->cookie_back),
					 __ATOMIC_RELAXED);
		NETSTATS_SCAN_TEST_HOOK(e);
		/* The entry's loads before the second load of seq. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__builtin_expect((seq & 1) ||
				     __atomic_load_n(&e->seq,
						     __ATOMIC_RELAXED) != seq,
				     0)) {
			scan->block = b;
			scan->entry_off = eo;
			return netstats_sock_scan__step(scan, vals);
		}
		if (!(named & ~scan->entry_ignore))	/* free */
			continue;
		for (r = scan->plan->run; r < end; r++)
			netstats_plan__copy(r, b + r->offset, vals + r->index);
		NETSTATS_SCAN_TEST_HOOK(b);
		/* The counter loads before the header's. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n((const __u32 *)b, __ATOMIC_ACQUIRE) != gen)
			continue;	/* freed or reused meanwhile */
		state = __atomic_load_n((const __u32 *)b + 1, __ATOMIC_ACQUIRE);
		if (state - 1 > 1)	/* neither LIVE (1) nor DEAD (2) */
			continue;
		scan->block = b + scan->block_size;
		scan->entry_off = eo + scan->entry_step;
		scan->cookie = cookie;
		scan->generation = gen;
		scan->dead = state == 2;
		scan->block_base = b;
		return 1;
	}
}

/*
 * A block header (generation, then state) loaded as one __u64: its state
 * if the generation is @gen, else a value above NETSTATS_BLOCK_DEAD.
 */
static inline __u64 netstats__hdr_state(__u64 hdr, __u32 gen)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return hdr ^ (__u64)gen << 32;
#else
	hdr ^= gen;
	return hdr >> 32 | hdr << 32;
#endif
}

/*
 * netstats_sock_scan__next() of NETSTATS_PLAN_SHAPE_TCP_BLOCKS: the
 * counters by straight-line code, the block's generation and state by
 * one load. The shape is only set up for entries as large as blocks
 * (struct netstats_sock_entry), each at entry_off from its block.
 */
static inline __attribute__((__always_inline__)) int
netstats_sock_scan__next_tcp(struct netstats_sock_scan *scan, __u64 *vals)
{
	const struct netstats__sock_entry_head *e;
	const char *b = scan->block;
	__u32 seq, gen;
	__u64 cookie, hdr;
	__u16 family;

	for (;; b += scan->block_size) {
		if (__builtin_expect(b == scan->unit_end, 0)) {
			if (!scan->units_left) {
				scan->block = b;
				return 0;
			}
			scan->units_left--;
			b += scan->unit_skip;
			scan->unit_end += scan->unit_bytes;
		}
		e = (const void *)(b + scan->entry_off);
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		gen = __atomic_load_n(&e->generation, __ATOMIC_RELAXED);
		family = __atomic_load_n(&e->family, __ATOMIC_RELAXED);
		cookie = __atomic_load_n(&e->cookie, __ATOMIC_RELAXED);
		NETSTATS_SCAN_TEST_HOOK(e);
		/* The entry's loads before the second load of seq. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__builtin_expect((seq & 1) ||
				     __atomic_load_n(&e->seq,
						     __ATOMIC_RELAXED) != seq,
				     0)) {
			scan->block = b;
			return netstats_sock_scan__step(scan, vals);
		}
		if (!family)		/* free */
			continue;
		netstats_plan__copy_tcp(b, b + scan->shape_off, vals);
		NETSTATS_SCAN_TEST_HOOK(b);
		/* The counter loads before the header's. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* Still gen, LIVE (1) or DEAD (2): 0 or 1 */
		hdr = netstats__hdr_state(__atomic_load_n((const __u64 *)b,
							  __ATOMIC_ACQUIRE),
					  gen) - 1;
		if (hdr > 1)	/* freed or reused meanwhile */
			continue;
		scan->block = b + scan->block_size;
		scan->cookie = cookie;
		scan->generation = gen;
		scan->dead = hdr;
		scan->block_base = b;
		return 1;
	}
}

/**
 * @brief **netstats_sock_scan__next()** finds the scan's next socket and
 * copies its counters, inline: the entry is loaded under its sequence
 * counter, the counters by the read plan's runs, then the block must
 * still have the entry's generation and be LIVE or DEAD (as
 * **netstats_reg__foreach_sock()** and **netstats_sock__snapshot()** of
 * every counter). An entry being rewritten is left to
 * **netstats_sock_scan__step()**.
 *
 * @param scan From **netstats_reg__sock_scan()**.
 * @param vals Room for **netstats_reg__counter_cnt()** values.
 * @return 1 if a socket was found: its values are in *vals*, its cookie,
 * generation, state and block in *scan*; 0 at the end of the scan.
 */
static inline __attribute__((__always_inline__)) int
netstats_sock_scan__next(struct netstats_sock_scan *scan, __u64 *vals)
{
	if (scan->shape == NETSTATS_PLAN_SHAPE_TCP_BLOCKS)
		return netstats_sock_scan__next_tcp(scan, vals);
	return netstats_sock_scan__next_runs(scan, vals);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* __LIBNETSTATS_H */
