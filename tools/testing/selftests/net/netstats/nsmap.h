/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a netstats mapping, for the C selftests, on nsnl.h: REGISTER
 * and map the range, keeping the reply's counters (names, types,
 * offsets); read a counter, folded over the CPUs of a per-CPU block or
 * of one CPU; a snapshot consistent with the block's generation; the
 * entries of a directory (tcp-all) and the counters of their blocks;
 * object-dead notifications.  The reader's side of the protocol
 * described in Documentation/networking/netstats.rst, and only what the
 * tests need (libnetstats is the one for applications).
 */
#ifndef _SELFTESTS_NETSTATS_NSMAP_H
#define _SELFTESTS_NETSTATS_NSMAP_H

#include <arpa/inet.h>
#include <stddef.h>
#include <sys/mman.h>

#include "nsnl.h"

#define NSM_TRIES	8	/* reads of a block changing under us */

struct nsm_ctr {
	char name[64];
	uint32_t type;
	uint32_t offset;	/* from the start of the range, in bytes */
	uint32_t flags;
};

/* A registration of group r.id, mapped at @base. */
struct nsm_reg {
	struct nsnl *s;		/* the netlink socket it belongs to */
	struct nsnl_reply r;	/* the REGISTER reply: range and layout */
	const void *base;
	size_t n;		/* counters */
	struct nsm_ctr *ctr;
	bool enomem;
};

static inline void nsm_counter_cb(struct nsnl_reply *r, const char *name,
				  uint32_t type, uint32_t off, uint32_t flags)
{
	struct nsm_reg *reg = r->priv;
	struct nsm_ctr *c;

	c = realloc(reg->ctr, (reg->n + 1) * sizeof(*c));
	if (!c) {
		reg->enomem = true;
		return;
	}
	reg->ctr = c;
	c += reg->n++;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = type;
	c->offset = off;
	c->flags = flags;
}

static inline int nsm_unregister_id(struct nsnl *s, uint32_t id)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_UNREGISTER, 0);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, id);
	return nsnl_talk(s, nlh, NULL, NULL);
}

/* A REGISTER request for @group, to add attributes to. */
static inline struct nlmsghdr *nsm_reg_msg(struct nsnl *s,
					   const char *group)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, group);
	return nlh;
}

/* Select counter @name in REGISTER request @nlh (a counter nest). */
static inline void nsm_put_counter(struct nlmsghdr *nlh, const char *name)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
	mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, name);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Send the REGISTER request @nlh on @s and map the range of its reply.
 * Returns the registration, or NULL with errno set (the kernel's error;
 * its extack text is in s->extack).
 */
static inline struct nsm_reg *nsm_register_msg(struct nsnl *s,
					       struct nlmsghdr *nlh)
{
	struct nsm_reg *reg = calloc(1, sizeof(*reg));
	void *base;
	int ret;

	if (!reg)
		return NULL;
	reg->s = s;
	reg->r.map_fd = -1;
	reg->r.ncpus = 1;
	reg->r.counter = nsm_counter_cb;
	reg->r.priv = reg;
	ret = nsnl_talk(s, nlh, nsnl_reply_cb, &reg->r);
	if (!ret && (reg->r.map_fd < 0 || !reg->r.size || !reg->r.page_size))
		ret = -EPROTO;
	if (!ret && reg->enomem)
		ret = -ENOMEM;
	if (!ret) {
		base = mmap(NULL, reg->r.size, PROT_READ, MAP_SHARED,
			    reg->r.map_fd, reg->r.off);
		if (base == MAP_FAILED)
			ret = -errno;
		else
			reg->base = base;
	}
	if (reg->r.map_fd >= 0)
		close(reg->r.map_fd);
	if (ret) {
		if (reg->r.id)
			nsm_unregister_id(s, reg->r.id);
		free(reg->ctr);
		free(reg);
		errno = -ret;
		return NULL;
	}
	return reg;
}

/* @group without an object (ip, ip6, tcp-all), or one TCP socket by fd. */
static inline struct nsm_reg *nsm_register(struct nsnl *s,
					   const char *group)
{
	return nsm_register_msg(s, nsm_reg_msg(s, group));
}

static inline struct nsm_reg *nsm_register_fd(struct nsnl *s, int fd)
{
	struct nlmsghdr *nlh = nsm_reg_msg(s, NETSTATS_GROUP_TCP);

	nsnl_put_sock_fd(nlh, fd);
	return nsm_register_msg(s, nlh);
}

/* Unmap (the range is no longer backed after UNREGISTER), unregister. */
static inline int nsm_unregister(struct nsm_reg *reg)
{
	int ret;

	if (!reg)
		return 0;
	munmap((void *)reg->base, reg->r.size);
	ret = nsm_unregister_id(reg->s, reg->r.id);
	free(reg->ctr);
	free(reg);
	return ret;
}

/* The index of counter @name, or -1. */
static inline int nsm_find(const struct nsm_reg *reg, const char *name)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		if (!strcmp(reg->ctr[i].name, name))
			return i;
	return -1;
}

static inline bool nsm_is_dir(const struct nsm_reg *reg)
{
	return reg->r.flags & NETSTATS_GROUP_FLAGS_DIRECTORY;
}

/* One load of a counter of @type at @p, never torn, as READ_ONCE(). */
static inline uint64_t nsm_load(const void *p, uint32_t type)
{
	if (type == NETSTATS_COUNTER_TYPE_U64)
		return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

/* Where counter @idx of @cpu is, if it lies within the mapped range. */
static inline const void *nsm_ptr(const struct nsm_reg *reg, size_t idx,
				  uint32_t cpu)
{
	const struct nsm_ctr *c = &reg->ctr[idx];
	uint64_t off;

	if (idx >= reg->n || cpu >= reg->r.ncpus || nsm_is_dir(reg) ||
	    (c->type != NETSTATS_COUNTER_TYPE_U64 &&
	     c->type != NETSTATS_COUNTER_TYPE_U32))
		return NULL;
	off = c->offset + (uint64_t)cpu * reg->r.stride;
	if (off + (c->type == NETSTATS_COUNTER_TYPE_U64 ? 8 : 4) > reg->r.size)
		return NULL;
	return (const char *)reg->base + off;
}

/* Counter @idx of the copy of @cpu of a per-CPU block; 0 or -EINVAL. */
static inline int nsm_read_cpu(const struct nsm_reg *reg, size_t idx,
			       uint32_t cpu, uint64_t *val)
{
	const void *p = nsm_ptr(reg, idx, cpu);

	if (!p)
		return -EINVAL;
	*val = nsm_load(p, reg->ctr[idx].type);
	return 0;
}

/* Counter @idx, summed over the CPUs of a per-CPU block; 0 or -EINVAL. */
static inline int nsm_read(const struct nsm_reg *reg, size_t idx,
			   uint64_t *val)
{
	const char *p = nsm_ptr(reg, idx, 0);
	uint32_t cpu;

	if (!p || !nsm_ptr(reg, idx, reg->r.ncpus - 1))
		return -EINVAL;
	for (*val = 0, cpu = 0; cpu < reg->r.ncpus; cpu++, p += reg->r.stride)
		*val += nsm_load(p, reg->ctr[idx].type);
	return 0;
}

static inline const struct netstats_block_hdr *
nsm_hdr(const struct nsm_reg *reg)
{
	return (const void *)((const char *)reg->base + reg->r.block_offset);
}

static inline bool nsm_dead(const struct nsm_reg *reg)
{
	return __atomic_load_n(&nsm_hdr(reg)->state, __ATOMIC_ACQUIRE) ==
	       NETSTATS_BLOCK_DEAD;
}

/*
 * The first @n counters, all of one generation of the block: retried
 * while the generation is odd (the block is reset in place) or moves.
 * Returns the number read, or -EAGAIN.
 */
static inline int nsm_snapshot(const struct nsm_reg *reg, uint64_t *vals,
			       size_t n, uint32_t *generation)
{
	const struct netstats_block_hdr *hdr = nsm_hdr(reg);
	uint32_t gen;
	size_t i;
	int try;

	if (n > reg->n)
		n = reg->n;
	for (try = 0; try < NSM_TRIES; try++) {
		gen = __atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE);
		if (gen & 1)
			continue;
		for (i = 0; i < n; i++)
			if (nsm_read(reg, i, &vals[i]))
				vals[i] = 0;
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&hdr->generation, __ATOMIC_RELAXED) == gen) {
			if (generation)
				*generation = gen;
			return n;
		}
	}
	return -EAGAIN;
}

/* --- directories (tcp-all) -------------------------------------------- */

/* A socket of the directory, as an entry named it. */
struct nsm_sock {
	uint64_t cookie;
	uint16_t family;
	uint16_t sport, dport;	/* host byte order */
	bool dead;
	uint32_t generation;	/* of the block when the entry was read */
	const void *block;	/* counter offsets are from here */
};

typedef int (*nsm_sock_cb)(const struct nsm_reg *reg,
			   const struct nsm_sock *sock, void *ctx);

/* The block's state if it is valid for @gen, else 0. */
static inline uint32_t nsm_block_valid(const struct netstats_block_hdr *hdr,
				       uint32_t gen)
{
	uint32_t g, state;

	/* The generation first: the state is the one of that block. */
	g = __atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE);
	state = __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE);
	if (g != gen ||
	    (state != NETSTATS_BLOCK_LIVE && state != NETSTATS_BLOCK_DEAD))
		return 0;
	return state;
}

/*
 * Entry @e of block @block into @s, copied between two equal, even
 * loads of its seq: whether it names a socket whose block is valid.
 */
static inline bool nsm_entry(const struct netstats_sock_entry *e,
			     const void *block, struct nsm_sock *s)
{
	struct netstats_sock_entry copy;
	uint32_t seq, state;
	int try;

	for (try = 0; try < NSM_TRIES; try++) {
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(&copy, e, sizeof(copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	if (try == NSM_TRIES || !copy.family)
		return false;
	state = nsm_block_valid(block, copy.generation);
	if (!state)
		return false;
	s->cookie = copy.cookie;
	s->family = copy.family;
	s->sport = ntohs(copy.sport);
	s->dport = ntohs(copy.dport);
	s->dead = state == NETSTATS_BLOCK_DEAD;
	s->generation = copy.generation;
	s->block = block;
	return true;
}

/*
 * Compact entry @e (a socket named by cookie only) of block @block into
 * @s, as nsm_entry().
 */
static inline bool nsm_centry(const struct netstats_sock_cookie_entry *e,
			      const void *block, struct nsm_sock *s)
{
	struct netstats_sock_cookie_entry copy;
	uint32_t seq, state;
	int try;

	for (try = 0; try < NSM_TRIES; try++) {
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(&copy, e, sizeof(copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	if (try == NSM_TRIES || !copy.cookie)
		return false;
	state = nsm_block_valid(block, copy.generation);
	if (!state)
		return false;
	memset(s, 0, sizeof(*s));
	s->cookie = copy.cookie;
	s->dead = state == NETSTATS_BLOCK_DEAD;
	s->generation = copy.generation;
	s->block = block;
	return true;
}

/*
 * @cb for each valid entry of the directory: its units (page 1 on) of
 * blocks, and the entries on the unit's entry page (entry_size bytes
 * each: 16 for compact blocks, whose entries name a cookie only).  Returns the number
 * of entries, or the first error (-EPROTO: a layout that does not fit
 * the range) or negative value of @cb.
 */
static inline int nsm_foreach_sock(const struct nsm_reg *reg, nsm_sock_cb cb,
				   void *ctx)
{
	const struct netstats_dir_hdr *dir = reg->base;
	uint64_t ps = reg->r.page_size, unit_bytes, epage, esize;
	struct netstats_dir_hdr dh;
	struct nsm_sock s;
	int cnt = 0, ret;
	uint32_t u, b;

	if (!nsm_is_dir(reg))
		return -EOPNOTSUPP;
	/* Units in use: their blocks, then their entries, are set up. */
	dh.units = __atomic_load_n(&dir->units, __ATOMIC_ACQUIRE);
	memcpy(&dh.max_units, &dir->max_units,
	       sizeof(dh) - offsetof(struct netstats_dir_hdr, max_units));
	unit_bytes = dh.unit_pages * ps;
	epage = dh.entry_page * ps;
	esize = dh.entry_size ? dh.entry_size : dh.block_size;
	if (!dh.unit_pages || dh.entry_page >= dh.unit_pages ||
	    (esize != sizeof(struct netstats_sock_entry) &&
	     esize != sizeof(struct netstats_sock_cookie_entry)) ||
	    (uint64_t)dh.blocks_per_unit * esize > ps ||
	    (uint64_t)dh.blocks_per_unit * dh.block_size > epage ||
	    ps + dh.max_units * unit_bytes > reg->r.size)
		return -EPROTO;
	if (dh.units > dh.max_units)
		dh.units = dh.max_units;
	for (u = 0; u < dh.units; u++) {
		const char *unit = (const char *)reg->base + ps + u * unit_bytes;

		for (b = 0; b < dh.blocks_per_unit; b++) {
			const void *e = unit + epage + b * esize;
			const void *blk = unit + b * dh.block_size;

			if (esize == sizeof(struct netstats_sock_entry) ?
			    !nsm_entry(e, blk, &s) : !nsm_centry(e, blk, &s))
				continue;
			ret = cb(reg, &s, ctx);
			if (ret < 0)
				return ret;
			cnt++;
		}
	}
	return cnt;
}

struct nsm_find_sock {
	uint64_t cookie;
	struct nsm_sock *out;
};

static inline int nsm_find_sock_cb(const struct nsm_reg *reg,
				   const struct nsm_sock *sock, void *ctx)
{
	struct nsm_find_sock *f = ctx;

	(void)reg;
	if (sock->cookie != f->cookie)
		return 0;
	*f->out = *sock;
	return -EEXIST;		/* found: stop */
}

/* The socket of @cookie: 0, or -ENOENT. */
static inline int nsm_find_sock(const struct nsm_reg *reg, uint64_t cookie,
				struct nsm_sock *sock)
{
	struct nsm_find_sock f = { .cookie = cookie, .out = sock };
	int ret = nsm_foreach_sock(reg, nsm_find_sock_cb, &f);

	if (ret == -EEXIST)
		return 0;
	return ret < 0 ? ret : -ENOENT;
}

/*
 * The first @n counters of @sock's block, then whether the block is
 * still the one its entry named (-ESTALE if not) and is dead.
 */
static inline int nsm_sock_snapshot(const struct nsm_reg *reg,
				    const struct nsm_sock *sock,
				    uint64_t *vals, size_t n, bool *dead)
{
	const struct nsm_ctr *c;
	uint32_t state;
	size_t i;

	if (n > reg->n)
		n = reg->n;
	for (i = 0; i < n; i++) {
		c = &reg->ctr[i];
		vals[i] = c->type == NETSTATS_COUNTER_TYPE_U64 ||
			  c->type == NETSTATS_COUNTER_TYPE_U32 ?
			  nsm_load((const char *)sock->block + c->offset,
				   c->type) : 0;
	}
	/* The counter loads before the header's. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	state = nsm_block_valid(sock->block, sock->generation);
	if (!state)
		return -ESTALE;
	if (dead)
		*dead = state == NETSTATS_BLOCK_DEAD;
	return n;
}

/* --- object-dead notifications ---------------------------------------- */

typedef int (*nsm_dead_cb)(const struct nsnl_dead *d, void *ctx);

/*
 * The object-dead notifications that @mon, a member of the monitor
 * group, holds, without waiting: @cb for each one of a registration of
 * the netlink socket @portid.  Returns how many, or -errno.
 */
static inline int nsm_read_dead(struct nsnl *mon, uint32_t portid,
				nsm_dead_cb cb, void *ctx)
{
	int fd = mnl_socket_get_fd(mon->nl);
	const struct nlmsghdr *m;
	struct nsnl_dead d;
	int len, ret, cnt = 0;

	for (;;) {
		len = recv(fd, mon->buf, NSNL_BUF_SIZE, MSG_DONTWAIT);
		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return cnt;
		/* Lost notifications show as missing ones. */
		if (len < 0 && errno != EINTR && errno != ENOBUFS)
			return -errno;
		for (m = (void *)mon->buf; len > 0 && mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (!nsnl_dead_parse(mon, m, &d) || d.portid != portid)
				continue;
			ret = cb(&d, ctx);
			if (ret < 0)
				return ret;
			cnt++;
		}
	}
}

/* A netlink socket that gets the monitor group's notifications. */
static inline int nsm_monitor_open(struct nsnl *mon)
{
	int ret = nsnl_open(mon);

	if (ret)
		return ret;
	if (mnl_socket_setsockopt(mon->nl, NETLINK_ADD_MEMBERSHIP,
				  &mon->monitor_grp, sizeof(mon->monitor_grp)))
		return -errno;
	return 0;
}

#endif /* _SELFTESTS_NETSTATS_NSMAP_H */
