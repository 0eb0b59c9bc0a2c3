// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of directory registrations ("tcp-all") without a netstats
 * kernel: a fake directory range laid out by hand as the kernel lays it
 * out (header page, units of a block page, a sequence page and an entry
 * page), scanned and read through the library: valid LIVE and DEAD
 * entries, entries being rewritten (odd or moving seq), generation
 * mismatches, freed blocks, the units high-water mark, bad layouts; the
 * inline scan against the callback scan and its snapshots; and
 * object-dead notifications carrying a socket cookie. Includes
 * netstats.c for its statics.
 */
#include <arpa/inet.h>
#include <sys/mman.h>

static void dir_hook(const void *p, int try);
#define NS_DIR_TEST_HOOK(p, try)	dir_hook(p, try)
static void scan_hook(const void *p);
#define NETSTATS_SCAN_TEST_HOOK(p)	scan_hook(p)

#include "lib_sources.h"
#include "stats.c"
#include "check.h"
#include "fake.h"

#define FAKE_FD		1000	/* never used as an fd */
#define PAGE		4096
#define UNIT_PAGES	3
#define BPU		64
#define BSZ		64
#define MAX_UNITS	4
#define MAP_SIZE	((1 + MAX_UNITS * UNIT_PAGES) * PAGE)

static char buf[8192];
static char *mem;

/* Counters as the kernel gives them for tcp-all: offsets in a block. */
enum { C_BYTES, C_SEGS, C_SEQ, C_CNT };

/* The "tcp" group's 13 counters, in its layout (test_sock_scan_tcp()). */
#define T_CNT	13
static const __u32 tcp_off[T_CNT] = { 8, 16, 24, 32, 36, 40, 44, 48,
	PAGE + 0, PAGE + 4, PAGE + 8, PAGE + 12, PAGE + 16 };
static bool reply_tcp;	/* dir_reply() of those */
/* dir_reply() of a compact directory's 2 selected counters (test_compact()) */
static bool reply_compact;

static struct nlmsghdr *dir_reply(__u32 flags, __u32 block_offset)
{
	static const struct {
		const char *name;
		__u32 type, offset, flags;
	} c[C_CNT] = {
		{ "bytes_received", NETSTATS_COUNTER_TYPE_U64, 8, 0 },
		{ "segs_in", NETSTATS_COUNTER_TYPE_U32, 16, 0 },
		{ "rcv_nxt", NETSTATS_COUNTER_TYPE_U32, PAGE + 4,
		  NETSTATS_COUNTER_FLAGS_RESTRICTED |
		  NETSTATS_COUNTER_FLAGS_GAUGE },
	};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	__s32 fd = FAKE_FD;
	size_t i;

	memset(buf, 0, sizeof(buf));
	nlh = ns_msg_start(buf, FAMILY_ID, 0, NETSTATS_CMD_REGISTER,
			   NETSTATS_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, 9);
	mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_MAP_FD, sizeof(fd), &fd);
	mnl_attr_put_u64(nlh, NETSTATS_A_REGISTRATION_MAP_OFFSET, 0);
	ns_put_uint(nlh, NETSTATS_A_REGISTRATION_MAP_SIZE, MAP_SIZE);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PAGE_SIZE, PAGE);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_NCPUS, 1);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_BLOCK_OFFSET,
			 block_offset);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_FLAGS, flags);
	for (i = 0; reply_tcp && i < T_CNT; i++) {
		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, "c");
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE,
				 i < 3 ? NETSTATS_COUNTER_TYPE_U64 :
					 NETSTATS_COUNTER_TYPE_U32);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, tcp_off[i]);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_FLAGS, 0);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; reply_compact && i < 2; i++) {
		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME,
				  i ? "bytes_sent" : "bytes_received");
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE,
				 NETSTATS_COUNTER_TYPE_U64);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, 8 + 8 * i);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_FLAGS, 0);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; !reply_tcp && !reply_compact && i < C_CNT; i++) {
		nest = mnl_attr_nest_start(nlh,
					   NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, c[i].name);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_TYPE, c[i].type);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, c[i].offset);
		mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_FLAGS, c[i].flags);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

static struct netstats_reg *fake_reg(struct netstats_handle *h, __u32 flags)
{
	struct ns_reg_reply r = { .family_id = FAMILY_ID, .map_fd = -1 };

	if (ns_reg_cb(dir_reply(flags, 0), &r) || !r.reg)
		return NULL;
	mem = fake_map(h, r.reg, MAP_SIZE);
	return mem ? r.reg : NULL;
}

/* A directory registration of a fake handle (*@h), or NULL (checked). */
static struct netstats_reg *dir_reg(struct netstats_handle **h)
{
	struct netstats_reg *reg;

	*h = fake_handle();
	reg = *h ? fake_reg(*h, NETSTATS_GROUP_FLAGS_DIRECTORY) : NULL;
	CHECK(reg, "directory registration");
	if (!reg) {
		free(*h);
		*h = NULL;
	}
	return reg;
}

static struct netstats_dir_hdr *dir(void)
{
	return (void *)mem;
}

static char *unit(__u32 u)
{
	return mem + PAGE * (1 + u * UNIT_PAGES);
}

static struct netstats_block_hdr *block(__u32 u, __u32 b)
{
	return (void *)(unit(u) + b * BSZ);
}

static struct netstats_sock_entry *entry(__u32 u, __u32 b)
{
	return (void *)(unit(u) + 2 * PAGE + b * BSZ);
}

#define U64_AT(p, off)	(*(__u64 *)((char *)(p) + (off)))
#define U32_AT(p, off)	(*(__u32 *)((char *)(p) + (off)))

/* A socket in block @b of unit @u: entry and block, both generation @gen. */
static void put_sock(__u32 u, __u32 b, __u32 gen, __u32 state, __u64 cookie,
		     bool v6)
{
	struct netstats_sock_entry *e = entry(u, b);
	struct netstats_block_hdr *h = block(u, b);

	h->generation = gen;
	h->state = state;
	U64_AT(h, 8) = cookie * 1000;			/* bytes_received */
	U32_AT(h, 16) = cookie + 1;			/* segs_in */
	U32_AT(h, PAGE + 4) = (__u32)cookie + 7;	/* rcv_nxt */
	memset(e, 0, sizeof(*e));
	e->seq = 2 * gen;
	e->generation = gen;
	e->family = v6 ? AF_INET6 : AF_INET;
	e->sport = htons(40000 + b);
	e->dport = htons(80);
	e->cookie = cookie;
	if (v6) {
		inet_pton(AF_INET6, "2001:db8::1", e->src);
		inet_pton(AF_INET6, "2001:db8::2", e->dst);
	} else {
		inet_pton(AF_INET, "192.0.2.1", e->src);
		inet_pton(AF_INET, "192.0.2.2", e->dst);
	}
}

static void put_dir(__u32 units)
{
	struct netstats_dir_hdr *d = dir();

	d->hdr.generation = 1;
	d->hdr.state = NETSTATS_BLOCK_LIVE;
	d->units = units;
	d->max_units = MAX_UNITS;
	d->unit_pages = UNIT_PAGES;
	d->blocks_per_unit = BPU;
	d->block_size = BSZ;
	d->entry_page = 2;
}

/*
 * The entries of unit 0 the scans are tested with: a LIVE v4 socket
 * (cookie 101, block 0), a DEAD v6 one (102, block 1), the last block
 * of the unit (109), and entries to skip (103 to 108) in blocks 2 to 7,
 * but the one with an odd seq (103), in block @odd.
 */
static void put_cases(__u32 odd)
{
	put_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101, false);
	put_sock(0, 1, 5, NETSTATS_BLOCK_DEAD, 102, true);
	/* being rewritten: odd seq during every try */
	put_sock(0, odd, 6, NETSTATS_BLOCK_LIVE, 103, false);
	entry(0, odd)->seq |= 1;
	/* the entry names an older generation of the block */
	put_sock(0, 3, 7, NETSTATS_BLOCK_LIVE, 104, false);
	block(0, 3)->generation = 8;
	/* no peer yet */
	put_sock(0, 4, 9, NETSTATS_BLOCK_LIVE, 105, false);
	entry(0, 4)->family = 0;
	/* freed after dead-linger-ms: state 0, generation bumped */
	put_sock(0, 5, 11, NETSTATS_BLOCK_DEAD, 106, false);
	block(0, 5)->state = 0;
	block(0, 5)->generation++;
	/* state 0 with the entry's generation: not a socket */
	put_sock(0, 6, 13, 0, 107, false);
	/* an unknown state */
	put_sock(0, 7, 15, 3, 108, false);
	/* the last block of the unit */
	put_sock(0, BPU - 1, 17, NETSTATS_BLOCK_LIVE, 109, false);
}

/* --- the hook: the kernel rewriting an entry or freeing a block -------- */

enum hook_action {
	HOOK_NONE,
	HOOK_BUMP_SEQ_ONCE,	/* entry rewritten once during the copy */
	HOOK_BUMP_SEQ_ALWAYS,	/* ... during every copy */
	HOOK_FREE_BLOCK,	/* block freed while its counters are read */
	HOOK_KILL_BLOCK,	/* socket destroyed while ... */
};

static enum hook_action hook_action;
static const void *hook_target;	/* entry (scan) or struct netstats_sock */
static int hook_hits;

static void dir_hook(const void *p, int try)
{
	struct netstats_sock_entry *e = (void *)p;
	const struct netstats_sock *s = p;
	struct netstats_block_hdr *h;

	if (p != hook_target)
		return;
	hook_hits++;
	switch (hook_action) {
	case HOOK_BUMP_SEQ_ONCE:
		if (try)
			break;
		/* rewritten to another socket in between */
		e->seq += 2;
		e->cookie = 4242;
		break;
	case HOOK_BUMP_SEQ_ALWAYS:
		e->seq += 2;
		break;
	case HOOK_FREE_BLOCK:
		h = (void *)s->block_base;
		h->state = 0;
		h->generation++;
		break;
	case HOOK_KILL_BLOCK:
		h = (void *)s->block_base;
		h->state = NETSTATS_BLOCK_DEAD;
		break;
	default:
		break;
	}
}

/* --- the scan ----------------------------------------------------------- */

#define SEEN_MAX	16

struct seen {
	unsigned int cnt;
	struct netstats_sock s[SEEN_MAX];
	int stop_at;		/* return -E2BIG at this call, if > 0 */
};

static int seen_cb(const struct netstats_reg *reg,
		   const struct netstats_sock *sock, void *ctx)
{
	struct seen *v = ctx;

	(void)reg;
	if (v->cnt < SEEN_MAX)
		v->s[v->cnt] = *sock;
	v->cnt++;
	if (v->stop_at && (int)v->cnt == v->stop_at)
		return -E2BIG;
	return 0;
}

static const struct netstats_sock *seen_cookie(const struct seen *v,
					       __u64 cookie)
{
	unsigned int i;

	for (i = 0; i < v->cnt && i < SEEN_MAX; i++)
		if (v->s[i].cookie == cookie)
			return &v->s[i];
	return NULL;
}

static void test_scan(void)
{
	struct netstats_handle *h;
	const struct netstats_sock *s;
	struct netstats_reg *reg;
	struct seen v = {};
	__u8 a4[4], a6[16];
	int ret;

	reg = dir_reg(&h);
	if (!reg)
		return;
	CHECK(netstats_reg__flags(reg) == NETSTATS_GROUP_FLAGS_DIRECTORY,
	      "flags %#x", netstats_reg__flags(reg));

	/* Nothing in use yet; every page reads as zeroes. */
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "header all zeroes: %d", ret);
	put_dir(0);
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 0 && v.cnt == 0, "no units: %d calls %u", ret, v.cnt);

	put_dir(1);
	put_cases(2);
	/* unit 1: beyond the high-water mark for now */
	put_sock(1, 0, 19, NETSTATS_BLOCK_LIVE, 110, true);

	v = (struct seen){};
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 3 && v.cnt == 3, "unit 0: %d calls %u", ret, v.cnt);
	s = seen_cookie(&v, 101);
	inet_pton(AF_INET, "192.0.2.1", a4);
	CHECK(s && s->sz == sizeof(*s) && s->family == AF_INET &&
	      s->sport == 40000 && s->dport == 80 &&
	      !memcmp(s->src, a4, 4) && s->dst[3] == 2 && !s->dead &&
	      s->generation == 3 && s->unit == 0 && s->block == 0 &&
	      s->block_base == block(0, 0),
	      "LIVE v4 entry");
	s = seen_cookie(&v, 102);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	CHECK(s && s->family == AF_INET6 && !memcmp(s->src, a6, 16) &&
	      s->dst[15] == 2 && s->sport == 40001 && s->dead &&
	      s->generation == 5 && s->block == 1, "DEAD v6 entry");
	s = seen_cookie(&v, 109);
	CHECK(s && s->block == BPU - 1 && !s->dead, "last block of a unit");
	CHECK(!seen_cookie(&v, 103) && !seen_cookie(&v, 104) &&
	      !seen_cookie(&v, 105) && !seen_cookie(&v, 106) &&
	      !seen_cookie(&v, 107) && !seen_cookie(&v, 108) &&
	      !seen_cookie(&v, 110), "invalid entries skipped");

	/* The high-water mark moves: unit 1 is scanned. */
	dir()->units = 2;
	v = (struct seen){};
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	s = seen_cookie(&v, 110);
	CHECK(ret == 4 && s && s->unit == 1 && s->block == 0 &&
	      s->block_base == block(1, 0), "unit 1: %d", ret);
	/* A mark beyond max_units is clamped to it. */
	dir()->units = 1000;
	put_sock(MAX_UNITS - 1, 5, 21, NETSTATS_BLOCK_LIVE, 111, false);
	v = (struct seen){};
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 5 && seen_cookie(&v, 111), "units clamped: %d", ret);
	dir()->units = 1;

	/* Rewritten once during the copy: read again, the new contents. */
	hook_action = HOOK_BUMP_SEQ_ONCE;
	hook_target = entry(0, 0);
	hook_hits = 0;
	v = (struct seen){};
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 3 && hook_hits == 2 && seen_cookie(&v, 4242) &&
	      !seen_cookie(&v, 101), "seq moved once: %d hits %d", ret,
	      hook_hits);
	entry(0, 0)->cookie = 101;
	/* Rewritten during every try: skipped after 8. */
	hook_action = HOOK_BUMP_SEQ_ALWAYS;
	hook_hits = 0;
	v = (struct seen){};
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 2 && hook_hits == NS_SNAPSHOT_TRIES &&
	      !seen_cookie(&v, 101), "seq always moving: %d hits %d", ret,
	      hook_hits);
	hook_action = HOOK_NONE;
	put_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101, false);

	/* The callback's error stops the scan. */
	v = (struct seen){ .stop_at = 2 };
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -E2BIG && errno == E2BIG && v.cnt == 2,
	      "callback error: %d calls %u", ret, v.cnt);

	/* Bad arguments. */
	CHECK(netstats_reg__foreach_sock(NULL, seen_cb, &v) == -EINVAL,
	      "NULL reg");
	CHECK(netstats_reg__foreach_sock(reg, NULL, &v) == -EINVAL,
	      "NULL cb");

	/* Layouts that do not fit the range. */
	dir()->block_size = 8;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "block smaller than an entry: %d", ret);
	dir()->block_size = 68;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "unaligned blocks: %d", ret);
	dir()->block_size = 72;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "blocks beyond the page: %d", ret);
	dir()->block_size = BSZ;
	dir()->max_units = MAX_UNITS + 1;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "units beyond the range: %d", ret);
	dir()->max_units = MAX_UNITS;
	dir()->entry_page = UNIT_PAGES;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "entry page beyond the unit: %d", ret);
	dir()->entry_page = 2;
	dir()->unit_pages = 1;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == -EPROTO, "counters beyond the unit: %d", ret);
	dir()->unit_pages = UNIT_PAGES;
	ret = netstats_reg__foreach_sock(reg, seen_cb, &v);
	CHECK(ret == 3, "layout restored: %d", ret);

	netstats__close(h);
}

/* --- counters of one socket --------------------------------------------- */

static void test_sock_counters(void)
{
	struct netstats_sock s = { .sz = sizeof(s) };
	struct netstats_handle *h;
	struct netstats_reg *reg;
	__u64 vals[C_CNT + 1], v;
	bool dead = true;
	int ret;

	reg = dir_reg(&h);
	if (!reg)
		return;
	put_dir(1);
	put_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101, false);
	put_sock(0, 9, 5, NETSTATS_BLOCK_LIVE, 102, true);
	put_sock(0, 10, 7, NETSTATS_BLOCK_DEAD, 103, true);

	ret = netstats_reg__find_sock(reg, 102, &s);
	CHECK(!ret && s.cookie == 102 && s.block == 9 && s.sz == sizeof(s),
	      "find 102: %d", ret);
	ret = netstats_sock__read(reg, &s, C_BYTES, &v);
	CHECK(!ret && v == 102000, "bytes_received: %d %llu", ret,
	      (unsigned long long)v);
	ret = netstats_sock__read(reg, &s, C_SEGS, &v);
	CHECK(!ret && v == 103, "segs_in (u32): %llu", (unsigned long long)v);
	/* in the unit's second page, at the block's offset */
	ret = netstats_sock__read(reg, &s, C_SEQ, &v);
	CHECK(!ret && v == 109, "rcv_nxt (page 1): %llu",
	      (unsigned long long)v);
	CHECK(netstats_sock__read(reg, &s, C_CNT, &v) == -EINVAL,
	      "index out of range");
	CHECK(netstats_sock__read(reg, NULL, 0, &v) == -EINVAL, "NULL sock");

	memset(vals, 0xff, sizeof(vals));
	ret = netstats_sock__snapshot(reg, &s, vals, C_CNT + 1, &dead);
	CHECK(ret == C_CNT && vals[0] == 102000 && vals[1] == 103 &&
	      vals[2] == 109 && !dead && vals[C_CNT] == ~0ULL,
	      "snapshot: %d", ret);

	/* The socket dies during the loads: final values, dead. */
	hook_action = HOOK_KILL_BLOCK;
	hook_target = &s;
	ret = netstats_sock__snapshot(reg, &s, vals, C_CNT, &dead);
	CHECK(ret == C_CNT && dead, "died during the loads: %d dead %d", ret,
	      dead);
	/* The block is freed during the loads: not the socket's values. */
	hook_action = HOOK_FREE_BLOCK;
	ret = netstats_sock__snapshot(reg, &s, vals, C_CNT, &dead);
	CHECK(ret == -ESTALE && errno == ESTALE, "freed during the loads: %d",
	      ret);
	hook_action = HOOK_NONE;
	ret = netstats_reg__find_sock(reg, 102, &s);
	CHECK(ret == -ENOENT && errno == ENOENT, "freed: not found: %d", ret);

	ret = netstats_reg__find_sock(reg, 103, &s);
	CHECK(!ret && s.dead, "find DEAD 103: %d", ret);
	ret = netstats_sock__snapshot(reg, &s, vals, C_CNT, &dead);
	CHECK(ret == C_CNT && dead && vals[0] == 103000,
	      "DEAD snapshot: %d", ret);
	ret = netstats_reg__find_sock(reg, 999, &s);
	CHECK(ret == -ENOENT, "unknown cookie: %d", ret);
	s.sz = 8;
	CHECK(netstats_reg__find_sock(reg, 101, &s) == -EINVAL, "sz too small");

	/* The per-registration readers do not apply to a directory. */
	CHECK(netstats_reg__read(reg, 0, &v) == -EOPNOTSUPP, "reg__read");
	CHECK(netstats_reg__read_cpu(reg, 0, 0, &v) == -EOPNOTSUPP,
	      "reg__read_cpu");
	CHECK(netstats_reg__snapshot(reg, vals, C_CNT, NULL) == -EOPNOTSUPP,
	      "reg__snapshot");
	CHECK(netstats_reg__reset(reg) == -EOPNOTSUPP, "reg__reset");
	CHECK(netstats_reg__generation(reg) == 1 && !netstats_reg__dead(reg),
	      "the directory's own header");
	netstats__close(h);

	/* ... and the directory ones not to another group. */
	h = fake_handle();
	reg = h ? fake_reg(h, 0) : NULL;
	CHECK(reg, "non-directory registration");
	if (reg) {
		s.sz = sizeof(s);
		s.block_base = mem;
		CHECK(netstats_reg__foreach_sock(reg, seen_cb, NULL) ==
		      -EOPNOTSUPP, "for_each_sock on tcp");
		CHECK(netstats_sock__read(reg, &s, 0, &v) == -EOPNOTSUPP,
		      "sock__read on tcp");
	}
	netstats__close(h);
}

/* --- the inline scan ------------------------------------------------------ */

enum scan_action {
	SCAN_NONE,
	SCAN_ENTRY_MOVED,	/* entry rewritten once between its loads */
	SCAN_BLOCK_FREED,	/* block freed while its counters are read */
	SCAN_BLOCK_KILLED,	/* socket destroyed while ... */
};

static enum scan_action scan_action;
static const void *scan_target;	/* the entry or the block */
static int scan_hits;

static void scan_hook(const void *p)
{
	struct netstats_sock_entry *e = (void *)p;
	struct netstats_block_hdr *h = (void *)p;

	if (p != scan_target)
		return;
	scan_hits++;
	switch (scan_action) {
	case SCAN_ENTRY_MOVED:
		if (scan_hits > 1)
			break;
		e->seq += 2;
		e->cookie = 4343;
		break;
	case SCAN_BLOCK_FREED:
		h->state = 0;
		h->generation++;
		break;
	case SCAN_BLOCK_KILLED:
		h->state = NETSTATS_BLOCK_DEAD;
		break;
	default:
		break;
	}
}

#define SCAN_MAX	32

/*
 * What a scan found: cookies, states, blocks and the first @width values
 * (C_CNT of the layout of test_sock_scan(), T_CNT of the tcp one), in
 * order.
 */
struct found {
	unsigned int cnt, width;
	__u64 cookie[SCAN_MAX];
	__u32 gen[SCAN_MAX];
	bool dead[SCAN_MAX];
	const void *block[SCAN_MAX];
	__u64 vals[SCAN_MAX][T_CNT];
};

/* The reference: netstats_reg__foreach_sock() + netstats_sock__snapshot(). */
static int found_cb(const struct netstats_reg *reg,
		    const struct netstats_sock *sock, void *ctx)
{
	struct found *f = ctx;
	bool dead;

	if (f->cnt == SCAN_MAX ||
	    netstats_sock__snapshot(reg, sock, f->vals[f->cnt], f->width,
				    &dead) != (int)f->width)
		return 0;
	f->cookie[f->cnt] = sock->cookie;
	f->gen[f->cnt] = sock->generation;
	f->dead[f->cnt] = dead;
	f->block[f->cnt] = sock->block_base;
	f->cnt++;
	return 0;
}

/* How scan() runs the inline scan: as set up, or without some of it. */
#define WITHOUT_SHAPE	0x1	/* no shape: the runs of the plan */
#define WITHOUT_PLAN	0x2	/* no plan: the function */

/* The inline scan of @width counters; *@shape: the shape it was set up with. */
static int scan(const struct netstats_reg *reg, struct found *f,
		unsigned int width, unsigned int without, __u32 *shape)
{
	struct netstats_sock_scan sc = { .sz = sizeof(sc) };
	__u64 vals[T_CNT + 1];
	int ret;

	memset(f, 0, sizeof(*f));
	f->width = width;
	ret = netstats_reg__sock_scan(reg, &sc);
	if (ret)
		return ret;
	if (shape)
		*shape = sc.shape;
	if (without & WITHOUT_SHAPE)
		sc.shape = 0;
	if (without & WITHOUT_PLAN)
		sc.plan = NULL;
	for (;;) {
		vals[width] = 0x5555;
		ret = netstats_sock_scan__next(&sc, vals);
		if (ret <= 0)
			break;
		if (f->cnt == SCAN_MAX || vals[width] != 0x5555)
			return -E2BIG;
		f->cookie[f->cnt] = sc.cookie;
		f->gen[f->cnt] = sc.generation;
		f->dead[f->cnt] = sc.dead;
		f->block[f->cnt] = sc.block_base;
		memcpy(f->vals[f->cnt], vals, width * sizeof(vals[0]));
		f->cnt++;
	}
	/* At the end it stays there. */
	if (!ret && netstats_sock_scan__next(&sc, vals))
		return -EEXIST;
	return ret;
}

/* scan() of @width counters with the scan hook doing @action to @target. */
static int scan_hooked(const struct netstats_reg *reg, struct found *f,
		       unsigned int width, enum scan_action action,
		       const void *target)
{
	int ret;

	scan_action = action;
	scan_target = target;
	scan_hits = 0;
	ret = scan(reg, f, width, 0, NULL);
	scan_action = SCAN_NONE;
	return ret;
}

/* The inline scan of test_sock_scan()'s layout, or with @step its function. */
static int scan_all(const struct netstats_reg *reg, struct found *f,
		    bool step)
{
	return scan(reg, f, C_CNT, step ? WITHOUT_PLAN : 0, NULL);
}

static bool found_same(const struct found *a, const struct found *b)
{
	return a->cnt == b->cnt &&
	       !memcmp(a->cookie, b->cookie, a->cnt * sizeof(a->cookie[0])) &&
	       !memcmp(a->gen, b->gen, a->cnt * sizeof(a->gen[0])) &&
	       !memcmp(a->dead, b->dead, a->cnt * sizeof(a->dead[0])) &&
	       !memcmp(a->block, b->block, a->cnt * sizeof(a->block[0])) &&
	       !memcmp(a->vals, b->vals, a->cnt * sizeof(a->vals[0]));
}

static bool found_has(const struct found *f, __u64 cookie)
{
	unsigned int i;

	for (i = 0; i < f->cnt; i++)
		if (f->cookie[i] == cookie)
			return true;
	return false;
}

/* The inline scan finds what the callback scan and its snapshots find. */
static void test_sock_scan(void)
{
	struct netstats_sock_scan sc = { .sz = sizeof(sc) };
	struct netstats_sock s = { .sz = sizeof(s) };
	struct netstats_handle *h;
	struct found ref, in, fn;
	struct netstats_reg *reg;
	__u64 vals[C_CNT];
	int ret, ri, rf;

	reg = dir_reg(&h);
	if (!reg)
		return;
	CHECK(reg->plan.ctr && reg->plan.nruns == 3,
	      "runs for the inline scan: %u", reg->plan.nruns);
	ret = netstats_reg__sock_scan(reg, &sc);
	CHECK(ret == -EPROTO, "header all zeroes: %d", ret);
	put_dir(0);
	ret = scan_all(reg, &in, false);
	CHECK(ret == 0 && in.cnt == 0, "no units: %d %u", ret, in.cnt);

	/* The cases of test_scan(), over 3 units, one of them empty. */
	put_dir(3);
	/* (odd after the cases: the inline scan must skip it by itself) */
	put_cases(8);
	put_sock(2, 0, 19, NETSTATS_BLOCK_LIVE, 110, true);
	put_sock(2, 1, 21, NETSTATS_BLOCK_LIVE, 111, false);
	put_sock(2, BPU - 1, 23, NETSTATS_BLOCK_DEAD, 112, false);
	put_sock(3, 0, 25, NETSTATS_BLOCK_LIVE, 113, false);	/* beyond */

	memset(&ref, 0, sizeof(ref));
	ref.width = C_CNT;
	ret = netstats_reg__foreach_sock(reg, found_cb, &ref);
	ri = scan_all(reg, &in, false);
	rf = scan_all(reg, &fn, true);
	CHECK(ret == 6 && ref.cnt == 6 && !ri && !rf &&
	      found_same(&ref, &in) && found_same(&ref, &fn),
	      "inline scan: %d %d %d found %u %u %u", ret, ri, rf, ref.cnt,
	      in.cnt, fn.cnt);
	CHECK(in.cnt == 6 && in.cookie[0] == 101 && in.cookie[1] == 102 &&
	      in.dead[1] && in.cookie[2] == 109 && in.cookie[3] == 110 &&
	      in.cookie[5] == 112 && in.dead[5] &&
	      in.vals[0][C_BYTES] == 101000 && in.vals[0][C_SEGS] == 102 &&
	      in.vals[0][C_SEQ] == 108 && in.block[3] == block(2, 0),
	      "inline scan: the sockets and their values");

	/* Rewritten once between its loads: the function reads it again. */
	hook_hits = 0;
	hook_target = entry(0, 0);
	ret = scan_hooked(reg, &in, C_CNT, SCAN_ENTRY_MOVED, entry(0, 0));
	CHECK(!ret && in.cnt == 6 && in.cookie[0] == 4343 &&
	      scan_hits == 1 && hook_hits == 1,
	      "entry moved: %d first %llu hits %d/%d", ret,
	      (unsigned long long)in.cookie[0], scan_hits, hook_hits);
	put_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101, false);
	/* Odd during every try: skipped after 8 by the function. */
	entry(0, 0)->seq |= 1;
	hook_hits = 0;
	ret = scan_all(reg, &in, false);
	CHECK(!ret && in.cnt == 5 && !found_has(&in, 101) &&
	      hook_hits == 0 && found_has(&in, 109),
	      "entry odd: %d %u", ret, in.cnt);
	put_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101, false);

	/* Freed during the loads: not the socket's values, skipped. */
	ret = scan_hooked(reg, &in, C_CNT, SCAN_BLOCK_FREED, block(2, 1));
	CHECK(!ret && in.cnt == 5 && !found_has(&in, 111) && scan_hits == 1,
	      "freed during the loads: %d %u hits %d", ret, in.cnt,
	      scan_hits);
	put_sock(2, 1, 21, NETSTATS_BLOCK_LIVE, 111, false);
	/* Destroyed during the loads: final values, dead. */
	ret = scan_hooked(reg, &in, C_CNT, SCAN_BLOCK_KILLED, block(2, 1));
	CHECK(!ret && in.cnt == 6 && in.cookie[4] == 111 && in.dead[4],
	      "died during the loads: %d dead %d", ret, in.dead[4]);
	put_sock(2, 1, 21, NETSTATS_BLOCK_LIVE, 111, false);

	/* The socket found last, described. */
	ret = netstats_reg__sock_scan(reg, &sc);
	CHECK(!ret && netstats_sock_scan__sock(&sc, &s) == -EINVAL,
	      "no socket yet");
	while (netstats_sock_scan__next(&sc, vals) == 1 && sc.cookie != 110)
		;
	ret = netstats_sock_scan__sock(&sc, &s);
	CHECK(!ret && s.cookie == 110 && s.family == AF_INET6 &&
	      s.sport == 40000 && s.unit == 2 && s.block == 0 &&
	      s.generation == 19 && s.block_base == block(2, 0) &&
	      s.sz == sizeof(s), "sock of the scan: %d", ret);
	entry(2, 0)->cookie = 999;	/* rewritten since */
	CHECK(netstats_sock_scan__sock(&sc, &s) == -ESTALE, "sock stale");
	s.sz = 8;
	CHECK(netstats_sock_scan__sock(&sc, &s) == -EINVAL, "sock sz");
	entry(2, 0)->cookie = 110;

	/* Bad arguments. */
	CHECK(netstats_reg__sock_scan(NULL, &sc) == -EINVAL &&
	      netstats_reg__sock_scan(reg, NULL) == -EINVAL, "NULL");
	sc.sz = 16;
	CHECK(netstats_reg__sock_scan(reg, &sc) == -EINVAL, "sz too small");
	CHECK(netstats_sock_scan__step(NULL, vals) == -EINVAL, "step NULL");
	netstats__close(h);

	h = fake_handle();
	reg = h ? fake_reg(h, 0) : NULL;
	sc.sz = sizeof(sc);
	CHECK(reg && netstats_reg__sock_scan(reg, &sc) == -EOPNOTSUPP,
	      "scan of a non-directory registration");
	netstats__close(h);
}

/* A socket of the tcp layout: put_sock() and its 13 counters. */
static void put_tcp_sock(__u32 u, __u32 b, __u32 gen, __u32 state,
			 __u64 cookie)
{
	char *h;
	int i;

	put_sock(u, b, gen, state, cookie, false);
	h = (char *)block(u, b);
	for (i = 0; i < T_CNT; i++)
		if (i < 3)
			U64_AT(h, tcp_off[i]) = (cookie << 40) + i;
		else
			U32_AT(h, tcp_off[i]) = 0xffff0000U + cookie * 16 + i;
}

/*
 * ABI 2 shape NETSTATS_PLAN_SHAPE_TCP_BLOCKS: the "tcp" layout is scanned
 * by straight-line code, which finds what the runs, the function and the
 * callback scan find, also while entries and blocks change.
 */
static void test_sock_scan_tcp(void)
{
	struct netstats_handle *h = fake_handle();
	struct found ref, in, runs, fn;
	struct netstats_reg *reg;
	__u32 shape = 0, sh1, sh2;
	int ret, ri, rr, rf;

	reply_tcp = true;
	reg = h ? fake_reg(h, NETSTATS_GROUP_FLAGS_DIRECTORY) : NULL;
	reply_tcp = false;
	CHECK(reg && reg->plan.shape == NETSTATS_PLAN_SHAPE_TCP_BLOCKS &&
	      reg->plan.shape_off == PAGE && !reg->plan.fast,
	      "tcp-all plan: shape %x", reg ? reg->plan.shape : 0);
	if (!reg) {
		free(h);
		return;
	}
	put_dir(3);
	put_tcp_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101);
	put_tcp_sock(0, 1, 5, NETSTATS_BLOCK_DEAD, 102);
	put_tcp_sock(0, 2, 7, NETSTATS_BLOCK_LIVE, 103);
	entry(0, 2)->seq |= 1;			/* being rewritten: skipped */
	put_tcp_sock(0, 3, 7, NETSTATS_BLOCK_LIVE, 104);
	block(0, 3)->generation = 8;		/* reused: skipped */
	put_tcp_sock(0, 4, 9, 0, 105);		/* no state: skipped */
	put_tcp_sock(0, 5, 11, 3, 106);		/* unknown state: skipped */
	put_tcp_sock(0, BPU - 1, 13, NETSTATS_BLOCK_LIVE, 107);
	put_tcp_sock(2, 0, 15, NETSTATS_BLOCK_DEAD, 108);
	put_tcp_sock(2, 1, 17, NETSTATS_BLOCK_LIVE, 109);
	memset(&ref, 0, sizeof(ref));
	ref.width = T_CNT;
	ret = netstats_reg__foreach_sock(reg, found_cb, &ref);
	ri = scan(reg, &in, T_CNT, 0, &shape);
	rr = scan(reg, &runs, T_CNT, WITHOUT_SHAPE, &sh1);
	rf = scan(reg, &fn, T_CNT, WITHOUT_SHAPE | WITHOUT_PLAN, &sh2);
	CHECK(ret == 5 && !ri && !rr && !rf &&
	      shape == NETSTATS_PLAN_SHAPE_TCP_BLOCKS &&
	      found_same(&ref, &in) && found_same(&ref, &runs) &&
	      found_same(&ref, &fn),
	      "tcp shape scan: %d %d %d %d found %u %u %u %u", ret, ri, rr,
	      rf, ref.cnt, in.cnt, runs.cnt, fn.cnt);
	CHECK(in.cnt == 5 && in.cookie[0] == 101 && !in.dead[0] &&
	      in.dead[1] && in.cookie[2] == 107 && in.dead[3] &&
	      in.vals[0][0] == (101ULL << 40) &&
	      in.vals[4][2] == (109ULL << 40) + 2 &&
	      in.vals[4][7] == 0xffff0000U + 109 * 16 + 7 &&
	      in.vals[4][12] == 0xffff0000U + 109 * 16 + 12 &&
	      in.block[4] == block(2, 1),
	      "tcp shape scan: the sockets and their values");

	/* Changes between the loads, as test_sock_scan(). */
	ret = scan_hooked(reg, &in, T_CNT, SCAN_ENTRY_MOVED, entry(0, 0));
	CHECK(!ret && in.cnt == 5 && in.cookie[0] == 4343 && scan_hits == 1,
	      "tcp shape, entry moved: %d %u", ret, in.cnt);
	put_tcp_sock(0, 0, 3, NETSTATS_BLOCK_LIVE, 101);
	ret = scan_hooked(reg, &in, T_CNT, SCAN_BLOCK_FREED, block(2, 1));
	CHECK(!ret && in.cnt == 4 && in.cookie[3] == 108 && scan_hits == 1,
	      "tcp shape, freed during the loads: %d %u", ret, in.cnt);
	put_tcp_sock(2, 1, 17, NETSTATS_BLOCK_LIVE, 109);
	ret = scan_hooked(reg, &in, T_CNT, SCAN_BLOCK_KILLED, block(2, 1));
	CHECK(!ret && in.cnt == 5 && in.cookie[4] == 109 && in.dead[4] &&
	      in.vals[4][12] == 0xffff0000U + 109 * 16 + 12,
	      "tcp shape, died during the loads: %d %u", ret, in.cnt);
	netstats__close(h);
}

/* --- a compact directory: 32-byte blocks, 16-byte cookie entries ------ */

#define CBSZ	32
#define CBPU	256	/* in the 2 pages before the entry page */
#define CESZ	16

static struct netstats_block_hdr *cblock(__u32 u, __u32 b)
{
	return (void *)(unit(u) + b * CBSZ);
}

static struct netstats_sock_cookie_entry *centry(__u32 u, __u32 b)
{
	return (void *)(unit(u) + 2 * PAGE + b * CESZ);
}

static void put_cdir(__u32 units, __u32 bpu, __u32 esz)
{
	struct netstats_dir_hdr *d = dir();

	memset(d, 0, sizeof(*d));
	d->hdr.generation = 1;
	d->hdr.state = NETSTATS_BLOCK_LIVE;
	d->units = units;
	d->max_units = MAX_UNITS;
	d->unit_pages = UNIT_PAGES;
	d->blocks_per_unit = bpu;
	d->block_size = CBSZ;
	d->entry_page = 2;
	d->entry_size = esz;
}

/* A socket of cookie @cookie in compact block @b of unit @u. */
static void put_csock(__u32 u, __u32 b, __u32 gen, __u32 state, __u64 cookie)
{
	struct netstats_sock_cookie_entry *e = centry(u, b);
	struct netstats_block_hdr *h = cblock(u, b);

	h->generation = gen;
	h->state = state;
	U64_AT(h, 8) = cookie * 1000;	/* bytes_received */
	U64_AT(h, 16) = cookie * 7;	/* bytes_sent */
	U64_AT(h, 24) = 0xbad;		/* not a counter of the selection */
	e->seq = 2 * gen;
	e->generation = gen;
	e->cookie = cookie;
}

/*
 * A selecting tcp-all monitor's directory: its blocks over two pages
 * before the entry page, entries smaller than blocks, entries naming a
 * socket by cookie only. The callback scan, the inline scan and its
 * function find the same sockets at the same blocks with the same values.
 */
static void test_compact(void)
{
	static const __u64 want[] = { 201, 202, 203, 204, 205, 206 };
	struct netstats_sock_scan sc = { .sz = sizeof(sc) };
	struct netstats_sock s = { .sz = sizeof(s) };
	struct netstats_handle *h;
	struct found ref, in, fn;
	struct netstats_reg *reg;
	__u64 vals[2];
	unsigned int i;
	int ret;

	reply_compact = true;
	reg = dir_reg(&h);
	reply_compact = false;
	if (!reg)
		return;
	memset(unit(0), 0, 2 * UNIT_PAGES * PAGE);
	put_cdir(2, CBPU, CESZ);
	put_csock(0, 0, 3, NETSTATS_BLOCK_LIVE, 201);
	put_csock(0, 1, 5, NETSTATS_BLOCK_DEAD, 202);
	put_csock(0, 127, 7, NETSTATS_BLOCK_LIVE, 203);	/* end of page 0 */
	put_csock(0, 128, 9, NETSTATS_BLOCK_LIVE, 204);	/* start of page 1 */
	put_csock(0, CBPU - 1, 11, NETSTATS_BLOCK_LIVE, 205);
	put_csock(1, 0, 13, NETSTATS_BLOCK_LIVE, 206);
	/* a block with no socket named: cookie 0 */
	put_csock(0, 2, 15, NETSTATS_BLOCK_LIVE, 0);
	/* the entry names an older generation of the block */
	put_csock(0, 3, 17, NETSTATS_BLOCK_LIVE, 207);
	cblock(0, 3)->generation = 18;
	/* being rewritten during every try */
	put_csock(0, 4, 19, NETSTATS_BLOCK_LIVE, 208);
	centry(0, 4)->seq |= 1;

	memset(&ref, 0, sizeof(ref));
	ref.width = 2;
	ret = netstats_reg__foreach_sock(reg, found_cb, &ref);
	CHECK(ret == 6 && ref.cnt == 6, "compact: foreach %d, %u", ret,
	      ref.cnt);
	for (i = 0; i < ref.cnt && i < 6; i++)
		CHECK(ref.cookie[i] == want[i] &&
		      ref.vals[i][0] == want[i] * 1000 &&
		      ref.vals[i][1] == want[i] * 7 && ref.dead[i] == (i == 1),
		      "compact: socket %u: cookie %llu values %llu %llu", i,
		      (unsigned long long)ref.cookie[i],
		      (unsigned long long)ref.vals[i][0],
		      (unsigned long long)ref.vals[i][1]);
	CHECK(ref.block[3] == cblock(0, 128) && ref.block[5] == cblock(1, 0),
	      "compact: blocks in the unit's second page and the next unit");
	ret = netstats_reg__find_sock(reg, 204, &s);
	CHECK(!ret && s.cookie == 204 && !s.family && !s.sport && !s.dport &&
	      s.unit == 0 && s.block == 128 && s.block_base == cblock(0, 128),
	      "compact: find_sock %d family %u block %u", ret, s.family,
	      s.block);

	ret = scan(reg, &in, 2, 0, NULL);
	CHECK(!ret && found_same(&ref, &in), "compact: inline scan %d, %u",
	      ret, in.cnt);
	ret = scan(reg, &fn, 2, WITHOUT_PLAN, NULL);
	CHECK(!ret && found_same(&ref, &fn), "compact: its function %d, %u",
	      ret, fn.cnt);

	/* The entry of the socket a scan found, by its block. */
	ret = netstats_reg__sock_scan(reg, &sc);
	for (i = 0; !ret && i < 4; i++)
		ret = netstats_sock_scan__next(&sc, vals) == 1 ? 0 : -1;
	memset(&s, 0, sizeof(s));
	s.sz = sizeof(s);
	CHECK(!ret && sc.cookie == 204 &&
	      !netstats_sock_scan__sock(&sc, &s) && s.cookie == 204 &&
	      s.block == 128 && vals[0] == 204000,
	      "compact: scan's socket %llu, block %u",
	      (unsigned long long)s.cookie, s.block);
	centry(0, 128)->generation++;
	CHECK(netstats_sock_scan__sock(&sc, &s) == -ESTALE,
	      "compact: rewritten entry is stale");
	centry(0, 128)->generation--;

	/* A scan of an older library's size cannot walk it. */
	sc.sz = offsetof(struct netstats_sock_scan, entry_step);
	ret = netstats_reg__sock_scan(reg, &sc);
	CHECK(ret == -EOPNOTSUPP, "compact: a 0.8.0-sized scan: %d", ret);

	/* Geometries that do not fit. */
	put_cdir(2, CBPU, 24);
	CHECK(netstats_reg__foreach_sock(reg, found_cb, &ref) == -EPROTO,
	      "compact: 24-byte entries refused");
	put_cdir(2, CBPU + 1, CESZ);
	CHECK(netstats_reg__foreach_sock(reg, found_cb, &ref) == -EPROTO,
	      "compact: more blocks than the pages before the entry page");
	netstats__close(h);

	/* A full directory that says its entry size finds what it did. */
	reg = dir_reg(&h);
	if (!reg)
		return;
	put_dir(1);
	put_cases(2);
	ret = scan_all(reg, &ref, false);
	dir()->entry_size = sizeof(struct netstats_sock_entry);
	ret |= scan_all(reg, &in, false);
	ret |= scan_all(reg, &fn, true);
	CHECK(!ret && ref.cnt == 3 && found_same(&ref, &in) &&
	      found_same(&ref, &fn),
	      "entry_size 64 as 0: %d, %u %u %u", ret, ref.cnt, in.cnt,
	      fn.cnt);
	netstats__close(h);
}

/* A directory reply with a per-CPU or block-offset layout is refused. */
static void test_reply(void)
{
	struct ns_reg_reply r = { .family_id = FAMILY_ID, .map_fd = -1 };
	int ret;

	ret = ns_reg_cb(dir_reply(NETSTATS_GROUP_FLAGS_DIRECTORY |
				  NETSTATS_GROUP_FLAGS_PERCPU, 0), &r);
	CHECK(ret == -EPROTO && !r.reg, "directory + percpu: %d", ret);
	r = (struct ns_reg_reply){ .family_id = FAMILY_ID, .map_fd = -1 };
	ret = ns_reg_cb(dir_reply(NETSTATS_GROUP_FLAGS_DIRECTORY, 64), &r);
	CHECK(ret == -EPROTO && !r.reg, "directory + block-offset: %d", ret);
}

/* --- names and notifications ---------------------------------------------- */

struct dead_seen {
	unsigned int calls;
	struct netstats_dead_info info;
	char group[32];
};

static int info_cb(const struct netstats_dead_info *info, void *ctx)
{
	struct dead_seen *s = ctx;

	s->calls++;
	s->info = *info;
	snprintf(s->group, sizeof(s->group), "%s", info->group);
	return 0;
}

static int old_cb(__u32 id, __u32 portid, const char *group,
		  const char *object, void *ctx)
{
	struct dead_seen *s = ctx;

	(void)portid;
	(void)object;
	s->calls++;
	s->info.id = id;
	snprintf(s->group, sizeof(s->group), "%s", group);
	return 0;
}

static struct nlmsghdr *dead_msg(bool cookie, unsigned int cookie_len)
{
	struct nlmsghdr *nlh;
	__u64 c = 0x1122334455667788ULL;

	memset(buf, 0, sizeof(buf));
	nlh = ns_msg_start(buf, FAMILY_ID, 0, NETSTATS_CMD_OBJECT_DEAD,
			   NETSTATS_FAMILY_VERSION);
	nlh->nlmsg_flags = 0;
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, 9);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_PORTID, PORTID);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp-all");
	if (cookie)
		mnl_attr_put(nlh, NETSTATS_A_REGISTRATION_SOCK_COOKIE,
			     cookie_len, &c);
	return nlh;
}

static void test_names_notifications(void)
{
	struct netstats_name n = { .sz = sizeof(n) };
	struct netstats_handle *h = fake_handle();
	struct ns_dead_cbs cbs = {};
	struct dead_seen s = {};
	int ret;

	ret = netstats__parse_name("tcp-all@dead-linger-ms=200", &n);
	CHECK(!ret && !strcmp(n.group, "tcp-all") && !n.object[0] &&
	      !n.flags && n.opt_cnt == 1 &&
	      !strcmp(n.opts[0].name, "dead-linger-ms") &&
	      n.opts[0].value == 200, "tcp-all name: %d", ret);
	CHECK(netstats__parse_name("tcp-all/fd:3", &n) == -EINVAL,
	      "tcp-all takes no object");
	CHECK(!strcmp(netstats__group_flag_str(NETSTATS_GROUP_FLAGS_DIRECTORY),
		      "directory"), "directory flag name");
	if (!h)
		return;

	cbs.info_cb = info_cb;
	cbs.ctx = &s;
	ret = ns_dead_msg(h, dead_msg(true, 8), &cbs);
	CHECK(ret == 1 && s.calls == 1 && s.info.sz == sizeof(s.info) &&
	      s.info.id == 9 && s.info.portid == PORTID &&
	      !strcmp(s.group, "tcp-all") && !s.info.object &&
	      s.info.has_sock_cookie &&
	      s.info.sock_cookie == 0x1122334455667788ULL,
	      "cookie delivered: %d", ret);
	s = (struct dead_seen){};
	ret = ns_dead_msg(h, dead_msg(false, 0), &cbs);
	CHECK(ret == 1 && s.calls == 1 && !s.info.has_sock_cookie &&
	      !s.info.sock_cookie, "no cookie: %d", ret);
	s = (struct dead_seen){};
	ret = ns_dead_msg(h, dead_msg(true, 4), &cbs);
	CHECK(ret == 0 && !s.calls, "malformed cookie: %d", ret);

	/* The callback of 0.2.0 still gets the notification. */
	cbs = (struct ns_dead_cbs){ .cb = old_cb, .ctx = &s };
	s = (struct dead_seen){};
	ret = ns_dead_msg(h, dead_msg(true, 8), &cbs);
	CHECK(ret == 1 && s.calls == 1 && s.info.id == 9 &&
	      !strcmp(s.group, "tcp-all"), "0.2.0 callback: %d", ret);

	CHECK(netstats__monitor_read_info(h, info_cb, &s) == -EINVAL,
	      "read_info without monitor");
	CHECK(netstats__monitor_read_info(h, NULL, &s) == -EINVAL,
	      "read_info NULL cb");
	netstats__close(h);
}

int main(void)
{
	test_reply();
	test_scan();
	test_sock_counters();
	test_sock_scan();
	test_sock_scan_tcp();
	test_compact();
	test_names_notifications();
	return check_report();
}
