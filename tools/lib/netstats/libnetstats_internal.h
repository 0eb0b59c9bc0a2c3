/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LIBNETSTATS_INTERNAL_H
#define __LIBNETSTATS_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/netstats.h>
#include <linux/types.h>

#ifdef NS_SNAPSHOT_TEST_HOOK	/* the unit tests' hook, in the plan too */
#define NETSTATS_PLAN_TEST_HOOK(try)	NS_SNAPSHOT_TEST_HOOK(try)
#endif
#include "libnetstats.h"

struct mnl_socket;
struct nlattr;
struct nlmsghdr;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* As libbpf_err(): return a -errno value and also set errno. */
static inline int ns_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline void *ns_err_ptr(int err)
{
	errno = -err;
	return NULL;
}

#define NS_RX_BUF_MIN	32768
#define NS_ERRMSG_LEN	256

/*
 * An object-dead notification of the handle that a request read while it
 * waited for its reply, kept for netstats__monitor_read().
 */
struct ns_ntf {
	struct ns_ntf *next;
	char msg[];		/* one netlink message */
};

struct netstats_handle {
	struct mnl_socket *nl;
	__u32 portid;
	__u32 seq;
	__u16 family_id;
	bool have_monitor;
	__u32 monitor_grp;
	char *rx_buf;
	size_t rx_len;
	char errmsg[NS_ERRMSG_LEN];
	/* registrations not unregistered yet, freed by netstats__close() */
	struct netstats_reg *regs;
	/*
	 * Object-dead notifications come to the handle's own socket (the
	 * kernel sends those of its registrations there). After
	 * netstats__monitor_fd(): an epoll descriptor that polls the socket
	 * and an eventfd, the latter readable while notifications a request
	 * read are kept in ntf_head.
	 */
	bool mon_on;
	int mon_fd;
	int mon_ev;
	struct ns_ntf *ntf_head;
	struct ns_ntf **ntf_tail;
	unsigned int ntf_cnt;
	char *mon_buf;
	size_t mon_len;
	bool mon_lost;		/* ENOBUFS not reported yet */
};

/*
 * One registration: the REGISTER reply and the mapping. One allocation:
 * the structure, counters[], then the counter names.
 */
struct netstats_reg {
	struct netstats_handle *h;
	struct netstats_reg *next;	/* in h->regs */
	struct netstats_reg **pprev;	/* NULL if not linked */
	const void *base;		/* the mapping, or NULL */
	__u64 map_offset;
	__u64 map_size;
	__u32 id;
	__u32 page_size;
	__u32 stride;			/* between two CPUs' copies */
	__u32 ncpus;			/* copies of each counter, >= 1 */
	__u32 block_offset;
	__u32 flags;			/* NETSTATS_GROUP_FLAGS_* */
	/* the object as the name gave it, for object-dead ("" if none) */
	char object[NETSTATS_NAME_OBJECT_LEN];
	size_t counter_cnt;
	struct netstats_counter_info *counters;
	/* netstats_reg__reset(): raw values and generation, or NULL */
	__u64 *baseline;
	__u32 baseline_gen;
	struct netstats_plan plan;	/* netstats_reg__plan() */
	struct netstats_plan_ctr *plan_ctr;
	struct netstats_plan_ref *plan_ref;
	struct netstats_plan_span *plan_span;	/* NETSTATS_PLAN_RUNS * 2 */
};

/* Handles one reply message; returns 0 or -errno. */
typedef int (*ns_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Bytes of a counter type; 0 if this library does not know the type. */
static inline unsigned int ns_width(__u32 type)
{
	switch (type) {
	case NETSTATS_COUNTER_TYPE_U64:
		return sizeof(__u64);
	case NETSTATS_COUNTER_TYPE_U32:
		return sizeof(__u32);
	}
	return 0;
}

/* A directory's counters are per object, not at fixed offsets. */
static inline bool ns_is_dir(const struct netstats_reg *reg)
{
	return reg->flags & NETSTATS_GROUP_FLAGS_DIRECTORY;
}

#define NS_SNAPSHOT_TRIES	8

/* One copy of a counter of a known type: one load, never torn, never
 * cached, as READ_ONCE().
 */
static inline __u64 ns_load_one(const void *p, __u32 type)
{
	if (type == NETSTATS_COUNTER_TYPE_U64)
		return __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const __u32 *)p, __ATOMIC_RELAXED);
}

/* netlink.c: the transport */
struct nlmsghdr *ns_msg_start(void *buf, __u16 type, __u16 flags, __u8 cmd,
			      __u8 version);
int ns_request(struct netstats_handle *h, struct nlmsghdr *nlh, ns_msg_cb cb,
	       void *data);
bool ns_genl_msg_is(const struct nlmsghdr *nlh, __u16 family_id, __u8 cmd);
int ns_recv_buf(struct netstats_handle *h, char **bufp, size_t *lenp, int flags,
		bool *kernel);
void ns_ntf_signal(struct netstats_handle *h);
struct ns_ntf *ns_ntf_pop(struct netstats_handle *h);
void ns_set_errmsg(struct netstats_handle *h, const char *msg);
int ns_str(const struct nlattr *attr, const char **val);
int ns_u32(const struct nlattr *attr, __u32 *val);
int ns_uint(const struct nlattr *attr, __u64 *val);

/* query.c */
int ns_parse_counter(const struct nlattr *nest,
		     struct netstats_counter_info *c);

/* register.c */
void ns_reg_free(struct netstats_reg *reg);

/* read.c */
const struct netstats_block_hdr *ns_reg_hdr(const struct netstats_reg *reg);
const __u32 *ns_reg_seq(const struct netstats_reg *reg);

/* plan.c */
void ns_plan_build(struct netstats_reg *reg);

#endif /* __LIBNETSTATS_INTERNAL_H */
