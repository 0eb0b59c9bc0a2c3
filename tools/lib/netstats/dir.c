// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: directory groups (tcp-all): the sockets of the
 * directory, their counters, and the inline scan's setup.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include <linux/netstats.h>

#include "libnetstats_internal.h"

/* Lets the unit tests change an entry between the reads. */
#ifndef NS_DIR_TEST_HOOK
#define NS_DIR_TEST_HOOK(entry, try)	((void)(entry), (void)(try))
#endif

/*
 * Copy a directory entry of @size bytes (a struct netstats_sock_entry, or
 * a struct netstats_sock_cookie_entry, which is copied as one naming no
 * address) between two loads of its seq, until they agree and it is even,
 * up to NS_SNAPSHOT_TRIES times. Return: true if @copy is consistent and
 * names a socket (a family, or a cookie entry's cookie).
 */
static bool ns_entry_copy(const void *entry, size_t size,
			  struct netstats_sock_entry *copy)
{
	const struct netstats_sock_entry *e = entry;
	struct netstats_sock_cookie_entry ce;
	__u32 seq;
	int try;

	for (try = 0; try < NS_SNAPSHOT_TRIES; try++) {
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		if (size < sizeof(*copy))
			memcpy(&ce, entry, sizeof(ce));
		else
			memcpy(copy, entry, sizeof(*copy));
		NS_DIR_TEST_HOOK(e, try);
		/* The copy's loads before the second load of seq. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != seq)
			continue;
		if (size >= sizeof(*copy))
			return copy->family;
		memset(copy, 0, sizeof(*copy));
		copy->seq = ce.seq;
		copy->generation = ce.generation;
		copy->cookie = ce.cookie;
		return ce.cookie;
	}
	return false;
}

/* The directory's layout, checked against the range. */
struct ns_dir {
	const char *units;	/* page 1 of the range */
	__u32 nunits;		/* units to scan */
	__u32 blocks;		/* per unit */
	size_t unit_bytes;
	size_t block_size;
	size_t entry_size;
	size_t entry_off;	/* of the entry page in a unit */
};

static int ns_dir_layout(const struct netstats_reg *reg, struct ns_dir *d)
{
	const struct netstats_dir_hdr *dh = reg->base;
	__u32 unit_pages, bpu, bsz, esz, epage, max_units, units;
	const struct netstats_counter_info *c;
	__u64 unit_bytes;
	size_t i;

	unit_pages = __atomic_load_n(&dh->unit_pages, __ATOMIC_RELAXED);
	bpu = __atomic_load_n(&dh->blocks_per_unit, __ATOMIC_RELAXED);
	bsz = __atomic_load_n(&dh->block_size, __ATOMIC_RELAXED);
	epage = __atomic_load_n(&dh->entry_page, __ATOMIC_RELAXED);
	/* 0 from kernels before it: entries as large as blocks */
	esz = __atomic_load_n(&dh->entry_size, __ATOMIC_RELAXED) ?: bsz;
	max_units = __atomic_load_n(&dh->max_units, __ATOMIC_RELAXED);
	/* Units in use: blocks, then their entries, are set up before. */
	units = __atomic_load_n(&dh->units, __ATOMIC_ACQUIRE);

	unit_bytes = (__u64)unit_pages * reg->page_size;
	/* Blocks in the pages before the entry page, entries in it. */
	if (!unit_pages || epage >= unit_pages || bsz % sizeof(__u64) ||
	    bsz < sizeof(struct netstats_block_hdr) ||
	    (esz != sizeof(struct netstats_sock_cookie_entry) &&
	     esz < sizeof(struct netstats_sock_entry)) ||
	    esz % sizeof(__u64) ||
	    (__u64)bpu * bsz > (__u64)epage * reg->page_size ||
	    (__u64)bpu * esz > reg->page_size ||
	    reg->page_size + (__u64)max_units * unit_bytes > reg->map_size)
		return -EPROTO;
	for (i = 0; i < reg->counter_cnt; i++) {
		c = &reg->counters[i];
		if (ns_width(c->type) &&
		    (__u64)c->offset + ns_width(c->type) +
		    (bpu ? (__u64)(bpu - 1) * bsz : 0) > unit_bytes)
			return -EPROTO;
	}
	d->units = (const char *)reg->base + reg->page_size;
	d->nunits = units < max_units ? units : max_units;
	d->blocks = bpu;
	d->unit_bytes = unit_bytes;
	d->block_size = bsz;
	d->entry_size = esz;
	d->entry_off = (size_t)epage * reg->page_size;
	return 0;
}

/* The layout of a directory registration; -EOPNOTSUPP for other ones. */
static int ns_dir_get(const struct netstats_reg *reg, struct ns_dir *d)
{
	if (!ns_is_dir(reg))
		return -EOPNOTSUPP;
	return ns_dir_layout(reg, d);
}

/* The block's state if it is valid for @gen, else 0. */
static __u32 ns_block_valid(const struct netstats_block_hdr *hdr, __u32 gen)
{
	__u32 state;

	if (__atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE) != gen)
		return 0;
	state = __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE);
	return state == NETSTATS_BLOCK_LIVE || state == NETSTATS_BLOCK_DEAD ?
	       state : 0;
}

/*
 * Entry @b of unit @u into @s: 1 if it names a socket whose block is valid,
 * 0 if not (free, stale, or rewritten during every try).
 */
static int ns_dir_entry(const struct ns_dir *d, __u32 u, __u32 b,
			struct netstats_sock *s)
{
	const char *unit = d->units + (size_t)u * d->unit_bytes;
	const struct netstats_sock_entry *e;
	const struct netstats_block_hdr *hdr;
	struct netstats_sock_entry copy;
	__u32 state;

	e = (const void *)(unit + d->entry_off + (size_t)b * d->entry_size);
	hdr = (const void *)(unit + (size_t)b * d->block_size);
	if (!ns_entry_copy(e, d->entry_size, &copy))
		return 0;
	state = ns_block_valid(hdr, copy.generation);
	if (!state)
		return 0;
	s->cookie = copy.cookie;
	s->family = copy.family;
	s->sport = ntohs(copy.sport);
	s->dport = ntohs(copy.dport);
	memcpy(s->src, copy.src, sizeof(s->src));
	memcpy(s->dst, copy.dst, sizeof(s->dst));
	s->dead = state == NETSTATS_BLOCK_DEAD;
	s->generation = copy.generation;
	s->unit = u;
	s->block = b;
	s->block_base = hdr;
	return 1;
}

int netstats_reg__foreach_sock(const struct netstats_reg *reg,
			       netstats_sock_cb cb, void *ctx)
{
	struct netstats_sock s = { .sz = sizeof(s) };
	struct ns_dir d;
	int err, cnt = 0;
	__u32 u, b;

	if (!reg || !cb)
		return ns_err(-EINVAL);
	err = ns_dir_get(reg, &d);
	if (err)
		return ns_err(err);
	for (u = 0; u < d.nunits; u++) {
		for (b = 0; b < d.blocks; b++) {
			if (!ns_dir_entry(&d, u, b, &s))
				continue;
			err = cb(reg, &s, ctx);
			if (err < 0)
				return ns_err(err);
			cnt++;
		}
	}
	return cnt;
}

#define NS_SOCK_SZ_MIN \
	(offsetof(struct netstats_sock, block_base) + sizeof(void *))

struct ns_find_sock {
	__u64 cookie;
	struct netstats_sock *out;
};

static int ns_find_sock_cb(const struct netstats_reg *reg,
			   const struct netstats_sock *sock, void *ctx)
{
	struct ns_find_sock *f = ctx;
	size_t sz = f->out->sz;

	(void)reg;
	if (sock->cookie != f->cookie)
		return 0;
	memcpy(f->out, sock, sz < sizeof(*sock) ? sz : sizeof(*sock));
	f->out->sz = sz;
	return -EEXIST;		/* found: stop */
}

int netstats_reg__find_sock(const struct netstats_reg *reg, __u64 cookie,
			    struct netstats_sock *sock)
{
	struct ns_find_sock f = { .cookie = cookie, .out = sock };
	int ret;

	if (!sock || sock->sz < NS_SOCK_SZ_MIN)
		return ns_err(-EINVAL);
	ret = netstats_reg__foreach_sock(reg, ns_find_sock_cb, &f);
	if (ret == -EEXIST)
		return 0;
	return ns_err(ret < 0 ? ret : -ENOENT);
}

/* The first @n counters of one socket's @block; 0 for unknown types. */
static void ns_block_vals(const struct netstats_reg *reg, const char *block,
			  __u64 *vals, size_t n)
{
	const struct netstats_counter_info *c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = &reg->counters[i];
		vals[i] = ns_width(c->type) ?
			  ns_load_one(block + c->offset, c->type) : 0;
	}
}

int netstats_sock__read(const struct netstats_reg *reg,
			const struct netstats_sock *sock, size_t idx,
			__u64 *val)
{
	if (!reg || !sock || !sock->block_base || !val ||
	    idx >= reg->counter_cnt)
		return ns_err(-EINVAL);
	if (!ns_width(reg->counters[idx].type) || !ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	*val = ns_load_one((const char *)sock->block_base +
			   reg->counters[idx].offset, reg->counters[idx].type);
	return 0;
}

int netstats_sock__snapshot(const struct netstats_reg *reg,
			    const struct netstats_sock *sock, __u64 *vals,
			    size_t cnt, bool *dead)
{
	__u32 state;
	size_t n;

	if (!reg || !sock || !sock->block_base || (!vals && cnt))
		return ns_err(-EINVAL);
	if (!ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	n = cnt < reg->counter_cnt ? cnt : reg->counter_cnt;
	if (reg->plan.ctr && n == reg->counter_cnt) {	/* runs were built */
		const struct netstats_plan_run *r = reg->plan.run;

		for (; r < reg->plan.run + reg->plan.nruns; r++)
			netstats_plan__copy(r, (const char *)sock->block_base +
					    r->offset, vals + r->index);
	} else {
		ns_block_vals(reg, sock->block_base, vals, n);
	}
	NS_DIR_TEST_HOOK(sock, -1);
	/* The counter loads before the header's. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	state = ns_block_valid(sock->block_base, sock->generation);
	if (!state)
		return ns_err(-ESTALE);
	if (dead)
		*dead = state == NETSTATS_BLOCK_DEAD;
	return n;
}

/* The inline scan reads the entry's head and the states by these. */
static_assert(offsetof(struct netstats__sock_entry_head, generation) ==
	      offsetof(struct netstats_sock_entry, generation) &&
	      offsetof(struct netstats__sock_entry_head, family) ==
	      offsetof(struct netstats_sock_entry, family) &&
	      offsetof(struct netstats__sock_entry_head, cookie) ==
	      offsetof(struct netstats_sock_entry, cookie),
	      "struct netstats__sock_entry_head");
static_assert(NETSTATS_BLOCK_LIVE == 1 && NETSTATS_BLOCK_DEAD == 2,
	      "block states");

#define NS_SCAN_SZ_MIN \
	(offsetof(struct netstats_sock_scan, units_left) + sizeof(__u32))
/* Where the scan has room for the shape (0.5.0 too, appended). */
#define NS_SCAN_SZ_SHAPE \
	(offsetof(struct netstats_sock_scan, shape_off) + sizeof(__u32))
/* ... and for entries smaller than blocks (0.9.0) */
#define NS_SCAN_SZ_ENTRY \
	(offsetof(struct netstats_sock_scan, cookie_back) + sizeof(__u32))

/* The bits of the __u64 at byte 8 of a full entry that are not its family. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NS_ENTRY_NOT_FAMILY	(~0ULL >> 16)
#else
#define NS_ENTRY_NOT_FAMILY	(~0ULL << 16)
#endif
static_assert(offsetof(struct netstats_sock_entry, family) == 8 &&
	      offsetof(struct netstats_sock_entry, cookie) == 16 &&
	      offsetof(struct netstats_sock_cookie_entry, cookie) == 8 &&
	      offsetof(struct netstats_sock_cookie_entry, generation) ==
	      offsetof(struct netstats_sock_entry, generation),
	      "what the inline scan loads of an entry");

int netstats_reg__sock_scan(const struct netstats_reg *reg,
			    struct netstats_sock_scan *scan)
{
	size_t sz;
	struct ns_dir d;
	int err;

	if (!reg || !scan || scan->sz < NS_SCAN_SZ_MIN)
		return ns_err(-EINVAL);
	err = ns_dir_get(reg, &d);
	if (err)
		return ns_err(err);
	sz = scan->sz;
	/* A scan of an older library's size walks entries as large as
	 * blocks only.
	 */
	if (d.entry_size != d.block_size && sz < NS_SCAN_SZ_ENTRY)
		return ns_err(-EOPNOTSUPP);
	memset(scan, 0, sz < sizeof(*scan) ? sz : sizeof(*scan));
	scan->sz = sz;
	scan->reg = reg;
	/* The runs, where they were built: the inline path follows them. */
	scan->plan = reg->plan.ctr && d.blocks ? &reg->plan : NULL;
	scan->units = d.units;
	scan->block = d.units;
	scan->unit_end = d.units + (d.nunits ? d.blocks * d.block_size : 0);
	scan->unit_bytes = d.unit_bytes;
	scan->unit_skip = d.unit_bytes - d.blocks * d.block_size;
	scan->entry_off = d.entry_off;
	scan->block_size = d.block_size;
	scan->units_left = d.nunits ? d.nunits - 1 : 0;
	if (sz >= NS_SCAN_SZ_ENTRY) {
		scan->entry_step = (ptrdiff_t)d.entry_size -
				   (ptrdiff_t)d.block_size;
		scan->entry_reset = -scan->entry_step * (ptrdiff_t)d.blocks;
		if (d.entry_size < sizeof(struct netstats_sock_entry)) {
			scan->cookie_back =
				offsetof(struct netstats_sock_entry, cookie) -
				offsetof(struct netstats_sock_cookie_entry, cookie);
		} else {
			scan->entry_ignore = NS_ENTRY_NOT_FAMILY;
		}
	}
	/* The counters' offsets were checked against the units above; the
	 * shape's scan reads entries as large as blocks only.
	 */
	if (scan->plan && sz >= NS_SCAN_SZ_SHAPE &&
	    d.entry_size == d.block_size &&
	    scan->plan->shape == NETSTATS_PLAN_SHAPE_TCP_BLOCKS) {
		scan->shape = scan->plan->shape;
		scan->shape_off = scan->plan->shape_off;
	}
	return 0;
}

int netstats_sock_scan__step(struct netstats_sock_scan *scan, __u64 *vals)
{
	ptrdiff_t step = 0, reset = 0;
	const struct netstats_reg *reg;
	struct netstats_sock_entry copy;
	size_t eo;
	const char *b;
	__u32 state;

	if (!scan || !scan->reg || (!vals && scan->reg->counter_cnt))
		return ns_err(-EINVAL);
	reg = scan->reg;
	if (scan->sz >= NS_SCAN_SZ_ENTRY) {
		step = scan->entry_step;
		reset = scan->entry_reset;
	}
	eo = scan->entry_off;
	for (b = scan->block;; b += scan->block_size, eo += step) {
		if (b == scan->unit_end) {
			if (!scan->units_left)
				break;
			scan->units_left--;
			b += scan->unit_skip;
			eo += reset;
			scan->unit_end += scan->unit_bytes;
			if (b == scan->unit_end) {	/* no blocks */
				b -= scan->block_size;
				eo -= step;
				continue;
			}
		}
		if (!ns_entry_copy(b + eo, scan->block_size + step, &copy))
			continue;
		ns_block_vals(reg, b, vals, reg->counter_cnt);
		NETSTATS_SCAN_TEST_HOOK(b);
		/* The counter loads before the header's. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		state = ns_block_valid((const void *)b, copy.generation);
		if (!state)
			continue;
		scan->block = b + scan->block_size;
		scan->entry_off = eo + step;
		scan->cookie = copy.cookie;
		scan->generation = copy.generation;
		scan->dead = state == NETSTATS_BLOCK_DEAD;
		scan->block_base = b;
		return 1;
	}
	scan->block = b;
	scan->entry_off = eo;
	return 0;
}

int netstats_sock_scan__sock(const struct netstats_sock_scan *scan,
			     struct netstats_sock *sock)
{
	struct netstats_sock s = { .sz = sizeof(s) };
	const char *b;
	struct ns_dir d;
	size_t sz;
	__u32 u;

	if (!scan || !scan->reg || !scan->block_base || !sock ||
	    sock->sz < NS_SOCK_SZ_MIN)
		return ns_err(-EINVAL);
	/* The geometry is the directory's for as long as it is mapped. */
	if (ns_dir_get(scan->reg, &d))
		return ns_err(-ESTALE);
	b = scan->block_base;
	u = (b - scan->units) / scan->unit_bytes;
	if (!ns_dir_entry(&d, u, (b - scan->units - u * scan->unit_bytes) /
			  scan->block_size, &s) ||
	    s.generation != scan->generation || s.cookie != scan->cookie)
		return ns_err(-ESTALE);
	sz = sock->sz;
	memcpy(sock, &s, sz < sizeof(s) ? sz : sizeof(s));
	sock->sz = sz;
	return 0;
}
