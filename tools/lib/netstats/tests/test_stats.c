// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of ABI 0.3.0 without a netstats kernel: per-CPU reads,
 * reset baselines, timestamped snapshots, deltas (u32 wrap-around, gauges,
 * generation changes) and rates, on a fake registration whose "mapping"
 * is an ordinary buffer the test writes. Includes netstats.c for its
 * statics.
 */
/*
 * read_hook_reset: the kernel resets the block in place once, between
 * the generation load and the value load of a netstats_reg__read().
 */
struct netstats_reg;
static void read_hook(const struct netstats_reg *reg);
#define NS_READ_TEST_HOOK(reg)	read_hook(reg)
#include "lib_sources.h"
#include "stats.c"
#include "check.h"
#include "fake.h"

#define BLOCK	64	/* block header offset in the fake range */
#define STRIDE	128	/* between two CPUs' copies */
#define NCPUS	3

enum { C_BYTES, C_PKTS32, C_QLEN, C_FUTURE, C_CNT };

static const struct netstats_counter_info fake_ctrs[C_CNT] = {
	[C_BYTES] = { "bytes", "", NETSTATS_COUNTER_TYPE_U64, BLOCK + 24, 0 },
	[C_PKTS32] = { "pkts", "", NETSTATS_COUNTER_TYPE_U32, BLOCK + 32, 0 },
	[C_QLEN] = { "qlen", "", NETSTATS_COUNTER_TYPE_U64, BLOCK + 40,
		     NETSTATS_COUNTER_FLAGS_GAUGE },
	[C_FUTURE] = { "future", "", 99, BLOCK + 48, 0 },
};

static __u64 mem_u64[512];
#define mem ((char *)mem_u64)

#define HDR		((struct netstats_derived_hdr *)(mem + BLOCK))
#define U64(cpu, c)	(*(__u64 *)(mem + fake_ctrs[c].offset + (cpu) * STRIDE))
#define U32(cpu, c)	(*(__u32 *)(mem + fake_ctrs[c].offset + (cpu) * STRIDE))

/* A registration of @ncpus copies of fake_ctrs[] in mem[]. */
static struct netstats_reg *fake_reg(struct netstats_handle *h, __u32 ncpus,
				     __u32 flags)
{
	struct netstats_reg *reg;

	reg = calloc(1, sizeof(*reg) + sizeof(fake_ctrs));
	if (!reg)
		return NULL;
	reg->counters = (void *)(reg + 1);
	memcpy(reg->counters, fake_ctrs, sizeof(fake_ctrs));
	reg->counter_cnt = C_CNT;
	reg->id = 1;
	reg->page_size = sizeof(mem_u64);
	reg->map_size = sizeof(mem_u64);
	reg->block_offset = BLOCK;
	reg->ncpus = ncpus;
	reg->stride = ncpus > 1 ? STRIDE : 0;
	reg->flags = flags;
	memset(mem_u64, 0, sizeof(mem_u64));
	HDR->hdr.generation = 2;
	HDR->hdr.state = NETSTATS_BLOCK_LIVE;
	/* Linked without a mapping: netstats__close() frees but never unmaps. */
	ns_reg_link(h, reg, NULL);
	reg->base = mem;
	ns_plan_build(reg);	/* the snapshots follow the read plan */
	return reg;
}

static int read_hook_reset;
static unsigned int read_hook_calls;

static void read_hook(const struct netstats_reg *reg)
{
	(void)reg;
	read_hook_calls++;
	if (!read_hook_reset)
		return;
	read_hook_reset = 0;
	/* as the kernel: odd while zeroing, then the next even one */
	HDR->hdr.generation++;
	memset(mem + BLOCK + 24, 0, STRIDE * NCPUS - 24);
	U64(0, C_BYTES) = 5;		/* counted since the kernel's reset */
	HDR->hdr.generation++;
}

static void unlink_fake(struct netstats_reg *reg)
{
	reg->base = NULL;
	ns_reg_free(reg);
}

#define SNAP(arr) {						\
	.sz = sizeof(struct netstats_snapshot),				\
	.vals = (arr),							\
	.vals_cnt = C_CNT,						\
}

static void test_accessors(void)
{
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg = fake_reg(h, NCPUS,
					    NETSTATS_GROUP_FLAGS_PERCPU);
	__u64 v;

	CHECK(netstats_reg__flags(reg) == NETSTATS_GROUP_FLAGS_PERCPU,
	      "flags %u", netstats_reg__flags(reg));
	CHECK(netstats_reg__ncpus(reg) == NCPUS, "ncpus");
	CHECK(!netstats_reg__flags(NULL) && !netstats_reg__ncpus(NULL),
	      "NULL accessors");
	U64(0, C_BYTES) = 10;
	U64(1, C_BYTES) = 20;
	U64(2, C_BYTES) = 30;
	CHECK(!netstats_reg__read_cpu(reg, C_BYTES, 1, &v) && v == 20,
	      "cpu 1: %llu", (unsigned long long)v);
	CHECK(!netstats_reg__read(reg, C_BYTES, &v) && v == 60,
	      "folded: %llu", (unsigned long long)v);
	U32(2, C_PKTS32) = 7;
	CHECK(!netstats_reg__read_cpu(reg, C_PKTS32, 2, &v) && v == 7,
	      "u32 cpu 2: %llu", (unsigned long long)v);
	CHECK(netstats_reg__read_cpu(reg, C_BYTES, NCPUS, &v) == -EINVAL &&
	      errno == EINVAL, "cpu out of range");
	CHECK(netstats_reg__read_cpu(reg, C_CNT, 0, &v) == -EINVAL,
	      "idx out of range");
	CHECK(netstats_reg__read_cpu(reg, C_FUTURE, 0, &v) == -EOPNOTSUPP,
	      "unknown type");
	CHECK(netstats_reg__read_cpu(NULL, 0, 0, &v) == -EINVAL, "NULL reg");

	CHECK(!strcmp(netstats__counter_type_str(NETSTATS_COUNTER_TYPE_U64),
		      "u64") &&
	      !strcmp(netstats__counter_type_str(NETSTATS_COUNTER_TYPE_U32),
		      "u32") && !netstats__counter_type_str(99), "type names");
	CHECK(!strcmp(netstats__counter_flag_str(NETSTATS_COUNTER_FLAGS_GAUGE),
		      "gauge") &&
	      !strcmp(netstats__counter_flag_str(NETSTATS_COUNTER_FLAGS_RESTRICTED),
		      "restricted") && !netstats__counter_flag_str(0x100),
	      "counter flag names");
	CHECK(!strcmp(netstats__group_flag_str(NETSTATS_GROUP_FLAGS_PERCPU),
		      "percpu") &&
	      !strcmp(netstats__group_flag_str(NETSTATS_GROUP_FLAGS_DERIVED),
		      "derived") &&
	      !strcmp(netstats__group_flag_str(NETSTATS_GROUP_FLAGS_PER_OBJECT),
		      "per-object") &&
	      !strcmp(netstats__group_flag_str(NETSTATS_GROUP_FLAGS_SELECT),
		      "select") && !netstats__group_flag_str(3),
	      "group flag names");
	unlink_fake(reg);
	netstats__close(h);
}

static void test_snapshot_delta_rate(void)
{
	__u64 a[C_CNT], b[C_CNT], d[C_CNT];
	struct netstats_snapshot s1 = SNAP(a);
	struct netstats_snapshot s2 = SNAP(b);
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg = fake_reg(h, 1, 0);
	double r[C_CNT];
	int ret;

	U64(0, C_BYTES) = 1000;
	U32(0, C_PKTS32) = 0xfffffff0U;	/* about to wrap */
	U64(0, C_QLEN) = 5;
	ret = netstats_reg__take_snapshot(reg, &s1);
	CHECK(ret == C_CNT && s1.cnt == C_CNT && s1.generation == 2 &&
	      !s1.dead && s1.time_ns && a[C_BYTES] == 1000 &&
	      a[C_PKTS32] == 0xfffffff0U && a[C_QLEN] == 5 && !a[C_FUTURE],
	      "snapshot 1: %d", ret);

	U64(0, C_BYTES) = 3000;
	U32(0, C_PKTS32) = 0x10;		/* wrapped: +0x20 */
	U64(0, C_QLEN) = 2;			/* gauge went down */
	ret = netstats_reg__take_snapshot(reg, &s2);
	CHECK(ret == C_CNT && s2.time_ns >= s1.time_ns, "snapshot 2: %d", ret);
	ret = netstats_reg__delta(reg, &s1, &s2, d, C_CNT);
	CHECK(ret == C_CNT && d[C_BYTES] == 2000 && d[C_PKTS32] == 0x20 &&
	      d[C_QLEN] == 2 && d[C_FUTURE] == 0,
	      "delta: %d %llu %llu %llu", ret, (unsigned long long)d[0],
	      (unsigned long long)d[1], (unsigned long long)d[2]);

	/* u64 wrap-around is modulo 2^64 */
	a[C_BYTES] = ~0ULL - 9;
	b[C_BYTES] = 5;
	ret = netstats_reg__delta(reg, &s1, &s2, d, 1);
	CHECK(ret == 1 && d[C_BYTES] == 15, "u64 wrap: %llu",
	      (unsigned long long)d[C_BYTES]);

	/* rates over exactly 2 s */
	a[C_BYTES] = 1000;
	b[C_BYTES] = 3000;
	s1.time_ns = 10000000000ULL;
	s2.time_ns = 12000000000ULL;
	ret = netstats_reg__rate(reg, &s1, &s2, r, C_CNT);
	CHECK(ret == C_CNT && r[C_BYTES] == 1000.0 && r[C_PKTS32] == 16.0 &&
	      r[C_QLEN] == 2.0, "rate: %d %f %f %f", ret, r[0], r[1], r[2]);

	/* no time between the two: no rate */
	s2.time_ns = s1.time_ns;
	CHECK(netstats_reg__rate(reg, &s1, &s2, r, C_CNT) == -EAGAIN &&
	      errno == EAGAIN, "rate without elapsed time");

	/* fewer values in one snapshot: the common part */
	s2.time_ns = 12000000000ULL;
	s2.cnt = 2;
	CHECK(netstats_reg__delta(reg, &s1, &s2, d, C_CNT) == 2, "short");
	s2.cnt = C_CNT;

	/* generations differ: not comparable */
	s2.generation++;
	CHECK(netstats_reg__delta(reg, &s1, &s2, d, C_CNT) == -ESTALE &&
	      errno == ESTALE, "delta across generations");
	CHECK(netstats_reg__rate(reg, &s1, &s2, r, C_CNT) == -ESTALE,
	      "rate across generations");

	CHECK(netstats_reg__delta(NULL, &s1, &s2, d, C_CNT) == -EINVAL &&
	      netstats_reg__delta(reg, NULL, &s2, d, C_CNT) == -EINVAL &&
	      netstats_reg__delta(reg, &s1, &s2, NULL, C_CNT) == -EINVAL,
	      "delta NULL arguments");

	/* snapshot arguments */
	s1.sz = offsetof(struct netstats_snapshot, time_ns);
	CHECK(netstats_reg__take_snapshot(reg, &s1) == -EINVAL,
	      "snapshot sz too small");
	s1.sz = sizeof(s1);
	s1.vals = NULL;
	CHECK(netstats_reg__take_snapshot(reg, &s1) == -EINVAL,
	      "snapshot without vals");
	s1.vals_cnt = 0;
	CHECK(netstats_reg__take_snapshot(reg, &s1) == 0 && s1.cnt == 0,
	      "snapshot of nothing");

	/* a dead block: final values, flagged */
	s2.vals_cnt = 2;
	HDR->hdr.state = NETSTATS_BLOCK_DEAD;
	HDR->hdr.generation = 4;
	ret = netstats_reg__take_snapshot(reg, &s2);
	CHECK(ret == 2 && s2.dead && s2.generation == 4 && b[C_BYTES] == 3000,
	      "dead snapshot: %d", ret);
	unlink_fake(reg);
	netstats__close(h);
}

static void test_reset(void)
{
	struct netstats_handle *h = fake_handle();
	struct netstats_snapshot s;
	struct netstats_reg *reg;
	__u64 v, a[C_CNT];
	__u32 gen;
	int ret;

	s = (struct netstats_snapshot)SNAP(a);
	reg = fake_reg(h, 2, NETSTATS_GROUP_FLAGS_PERCPU);

	U64(0, C_BYTES) = 100;
	U64(1, C_BYTES) = 50;
	U32(0, C_PKTS32) = 0xffffffffU;
	U32(1, C_PKTS32) = 0xfffffff0U;	/* folded: above 2^32 */
	U64(0, C_QLEN) = 9;
	CHECK(!netstats_reg__reset(reg), "reset");
	CHECK(!netstats_reg__read(reg, C_BYTES, &v) && v == 0,
	      "bytes after reset: %llu", (unsigned long long)v);
	CHECK(!netstats_reg__read(reg, C_QLEN, &v) && v == 9,
	      "gauge not rebased: %llu", (unsigned long long)v);

	U64(1, C_BYTES) = 80;
	U32(0, C_PKTS32) = 3;		/* wrapped: +4 */
	CHECK(!netstats_reg__read(reg, C_BYTES, &v) && v == 30,
	      "bytes since reset: %llu", (unsigned long long)v);
	CHECK(!netstats_reg__read(reg, C_PKTS32, &v) && v == 4,
	      "u32 since reset across a wrap: %llu", (unsigned long long)v);
	CHECK(!netstats_reg__read_cpu(reg, C_BYTES, 1, &v) && v == 80,
	      "per-CPU reads are raw: %llu", (unsigned long long)v);
	ret = netstats_reg__snapshot(reg, a, C_CNT, &gen);
	CHECK(ret == C_CNT && a[C_BYTES] == 30 && a[C_PKTS32] == 4 &&
	      a[C_QLEN] == 9 && gen == 2, "snapshot since reset");
	ret = netstats_reg__take_snapshot(reg, &s);
	CHECK(ret == C_CNT && a[C_BYTES] == 30, "take_snapshot since reset");

	/* a second reset moves the baseline */
	CHECK(!netstats_reg__reset(reg) &&
	      !netstats_reg__read(reg, C_BYTES, &v) && v == 0, "reset again");

	/* a new generation: the counters restarted, the baseline is void */
	HDR->hdr.generation = 4;
	U64(0, C_BYTES) = 7;
	U64(1, C_BYTES) = 0;
	CHECK(!netstats_reg__read(reg, C_BYTES, &v) && v == 7,
	      "new generation: raw %llu", (unsigned long long)v);
	ret = netstats_reg__snapshot(reg, a, C_CNT, &gen);
	CHECK(ret == C_CNT && a[C_BYTES] == 7 && gen == 4,
	      "new generation snapshot: raw");
	CHECK(netstats_reg__reset(NULL) == -EINVAL, "reset NULL");

	/*
	 * The read-after-reset race: the kernel resets the block after the
	 * read loaded the generation (the baseline's) and before it loads
	 * the value. The read must not subtract the old baseline (150) from
	 * the restarted value (5): it retries and gives the raw 5.
	 */
	U64(0, C_BYTES) = 100;
	U64(1, C_BYTES) = 50;
	CHECK(!netstats_reg__reset(reg) && reg->baseline_gen == 4,
	      "reset before the race");
	read_hook_calls = 0;
	read_hook_reset = 1;
	ret = netstats_reg__read(reg, C_BYTES, &v);
	CHECK(!ret && v == 5 && HDR->hdr.generation == 6,
	      "reset during a read: %d, %llu (raw 5, not 5 - 150)", ret,
	      (unsigned long long)v);
	CHECK(read_hook_calls == 2, "the read retried once: %u loads",
	      read_hook_calls);
	/* a block being reset all along: no value, -EAGAIN */
	HDR->hdr.generation = 7;
	CHECK(netstats_reg__read(reg, C_BYTES, &v) == -EAGAIN,
	      "read while the block stays odd");
	HDR->hdr.generation = 6;

	/* the derived sequence count also guards the baseline */
	unlink_fake(reg);
	reg = fake_reg(h, 1, NETSTATS_GROUP_FLAGS_DERIVED);
	HDR->seq = 3;
	CHECK(netstats_reg__reset(reg) == -EAGAIN && !reg->baseline,
	      "reset during a derived update");
	HDR->seq = 4;
	HDR->timestamp_ns = 123456789;
	U64(0, C_BYTES) = 11;
	CHECK(!netstats_reg__reset(reg), "derived reset");
	U64(0, C_BYTES) = 15;
	HDR->timestamp_ns = 223456789;
	ret = netstats_reg__take_snapshot(reg, &s);
	CHECK(ret == C_CNT && a[C_BYTES] == 4 && s.time_ns == 223456789,
	      "derived snapshot: kernel time %llu",
	      (unsigned long long)s.time_ns);
	unlink_fake(reg);
	netstats__close(h);
}

/* The read plan and its inline readers give what the functions give. */
static void test_plan(void)
{
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg = fake_reg(h, NCPUS,
					    NETSTATS_GROUP_FLAGS_PERCPU);
	const struct netstats_plan *p = netstats_reg__plan(reg);
	__u64 a[C_CNT], b[C_CNT], v, w;
	__u32 ga = 0, gb = 0;
	int cpu, i, ra, rb;

	CHECK(p && p->fast == NETSTATS_PLAN_ABI && p->nvals == C_CNT &&
	      p->ncpus == NCPUS && p->stride == STRIDE,
	      "plan: fast %u nvals %u ncpus %u", p->fast, p->nvals, p->ncpus);
	/* bytes, pkts (other width), qlen (not next to bytes), future. */
	CHECK(p->nruns == 4 && p->run[0].op == NETSTATS_PLAN_OP_U64 + 1 &&
	      p->run[1].op == NETSTATS_PLAN_OP_U32 + 1 &&
	      p->run[2].index == C_QLEN &&
	      p->run[3].op == NETSTATS_PLAN_OP_ZERO,
	      "plan: %u runs", p->nruns);
	CHECK(!netstats_reg__plan(NULL), "plan of NULL");
	for (cpu = 0; cpu < NCPUS; cpu++) {
		U64(cpu, C_BYTES) = 1000 * (cpu + 1);
		U32(cpu, C_PKTS32) = 0xfffffff0U + cpu;
		U64(cpu, C_QLEN) = cpu;
	}
	U64(0, C_FUTURE) = 77;
	ra = netstats_plan__snapshot(p, a, &ga);
	reg->plan.fast = 0;	/* the same registration, the long way */
	rb = netstats_reg__snapshot(reg, b, C_CNT, &gb);
	reg->plan.fast = NETSTATS_PLAN_ABI;
	CHECK(ra == C_CNT && rb == C_CNT && ga == 2 && gb == 2 &&
	      !memcmp(a, b, sizeof(a)) && a[C_BYTES] == 6000 &&
	      a[C_PKTS32] == 3ULL * 0xfffffff0U + 3 && a[C_FUTURE] == 0,
	      "plan snapshot: %d %d bytes %llu pkts %llu", ra, rb,
	      (unsigned long long)a[C_BYTES], (unsigned long long)a[C_PKTS32]);
	for (i = 0; i < C_FUTURE; i++) {
		ra = netstats_plan__read(p, i, &v);
		rb = netstats_reg__read(reg, i, &w);
		CHECK(!ra && !rb && v == w && v == a[i],
		      "plan read %d: %llu", i, (unsigned long long)v);
	}
	CHECK(netstats_plan__read(p, C_FUTURE, &v) == -EOPNOTSUPP &&
	      netstats_plan__read(p, C_CNT, &v) == -EINVAL,
	      "plan read: unknown type, out of range");
	HDR->hdr.generation = 3;	/* being reset */
	CHECK(netstats_plan__snapshot(p, a, NULL) == -EAGAIN,
	      "plan snapshot of an odd generation");
	HDR->hdr.generation = 4;
	CHECK(!netstats_reg__reset(reg) && !p->fast,
	      "after a reset the plan is not fast");
	U64(1, C_BYTES) += 5;
	CHECK(netstats_plan__snapshot(p, a, &ga) == C_CNT && ga == 4 &&
	      a[C_BYTES] == 5 && a[C_PKTS32] == 0,
	      "plan snapshot after a reset: relative %llu",
	      (unsigned long long)a[C_BYTES]);
	unlink_fake(reg);
	netstats__close(h);

	/* A derived block (a sequence counter) is read the long way. */
	h = fake_handle();
	reg = fake_reg(h, 1, NETSTATS_GROUP_FLAGS_DERIVED);
	CHECK(!netstats_reg__plan(reg)->fast, "derived: not fast");
	unlink_fake(reg);
	netstats__close(h);
}

/* ABI 2: netstats_plan__read() by the refs, one CPU and three. */
static void test_plan_ref(void)
{
	struct netstats_handle *h = fake_handle();
	struct netstats_reg *reg = fake_reg(h, 1, 0);
	const struct netstats_plan *p = netstats_reg__plan(reg);
	__u64 v, w;
	int i, ra, rb;

	CHECK(p->fast == NETSTATS_PLAN_ABI && p->ref &&
	      p->ref[C_BYTES].kind == 8 && p->ref[C_PKTS32].kind == 4 &&
	      p->ref[C_FUTURE].kind == 0 &&
	      p->ref[C_QLEN].p == mem + fake_ctrs[C_QLEN].offset,
	      "refs of one CPU");
	U64(0, C_BYTES) = 0x1122334455667788ULL;
	U32(0, C_PKTS32) = 0xfffffffeU;
	U64(0, C_QLEN) = 9;
	for (i = 0; i < C_FUTURE; i++) {
		ra = netstats_plan__read(p, i, &v);
		rb = netstats_reg__read(reg, i, &w);
		CHECK(!ra && !rb && v == w, "one CPU, read %d: %llx %llx", i,
		      (unsigned long long)v, (unsigned long long)w);
	}
	CHECK(!netstats_plan__read(p, C_PKTS32, &v) && v == 0xfffffffeU,
	      "u32 read: %llx", (unsigned long long)v);
	CHECK(netstats_plan__read(p, C_FUTURE, &v) == -EOPNOTSUPP,
	      "unknown type");
	CHECK(netstats_plan__ref(p, C_FUTURE).kind == 0 &&
	      netstats_ref__read(netstats_plan__ref(p, C_FUTURE), &v) ==
	      -EOPNOTSUPP && netstats_plan__ref(p, C_PKTS32).kind == 4 &&
	      !netstats_ref__read(netstats_plan__ref(p, C_PKTS32), &v) &&
	      v == 0xfffffffeU, "refs of one CPU: u32, unknown type");
	/* A plan of another layout: the functions, the same values. */
	reg->plan.fast = 1;
	CHECK(!netstats_plan__read(p, C_BYTES, &v) &&
	      v == 0x1122334455667788ULL, "ABI 1 plan: read by the function");
	reg->plan.fast = NETSTATS_PLAN_ABI;
	unlink_fake(reg);
	netstats__close(h);

	h = fake_handle();
	reg = fake_reg(h, NCPUS, NETSTATS_GROUP_FLAGS_PERCPU);
	p = netstats_reg__plan(reg);
	CHECK(p->ref[C_BYTES].kind == (8 | NETSTATS_PLAN_REF_FOLD) &&
	      p->ref[C_PKTS32].kind == (4 | NETSTATS_PLAN_REF_FOLD),
	      "refs of %d CPUs", NCPUS);
	U64(0, C_BYTES) = 1;
	U64(1, C_BYTES) = 2;
	U64(2, C_BYTES) = ~0ULL;	/* wraps at 64 bits */
	U32(0, C_PKTS32) = 0xffffffffU;	/* the sum does not wrap at 32 */
	U32(1, C_PKTS32) = 0xffffffffU;
	U32(2, C_PKTS32) = 5;
	for (i = 0; i < C_FUTURE; i++) {
		ra = netstats_plan__read(p, i, &v);
		rb = netstats_reg__read(reg, i, &w);
		CHECK(!ra && !rb && v == w, "%d CPUs, read %d: %llx %llx",
		      NCPUS, i, (unsigned long long)v, (unsigned long long)w);
	}
	CHECK(!netstats_plan__read(p, C_BYTES, &v) && v == 2 &&
	      !netstats_plan__read(p, C_PKTS32, &w) &&
	      w == 2ULL * 0xffffffffU + 5, "folded reads");
	/* Refs of a per-CPU group: by the function, the same sums. */
	for (i = 0; i < C_CNT; i++) {
		struct netstats_ref r = netstats_plan__ref(p, i);

		ra = netstats_ref__read(r, &v);
		rb = netstats_reg__read(reg, i, &w);
		CHECK(r.kind == 0 && r.p == reg && ra == rb && (ra || v == w),
		      "%d CPUs, ref %d: %d %llx", NCPUS, i, ra,
		      (unsigned long long)v);
	}
	CHECK(netstats_plan__read(p, C_FUTURE, &v) == -EOPNOTSUPP &&
	      netstats_plan__read(p, C_CNT, &v) == -EINVAL,
	      "%d CPUs: unknown type, out of range", NCPUS);
	unlink_fake(reg);
	netstats__close(h);
}

/* Runs longer than 8 (copied 8 at a time), folded over @ncpus CPUs. */
static void test_plan_long(unsigned int ncpus)
{
	enum { N64 = 20, N32 = 11, N = N64 + N32 };
	static struct netstats_counter_info ctrs[N];
	struct netstats_handle *h = fake_handle();
	const struct netstats_plan *p;
	struct netstats_reg *reg;
	__u64 a[N], b[N];
	int i, ra, rb;
	unsigned int cpu;

	reg = calloc(1, sizeof(*reg));
	if (!h || !reg)
		return;
	for (i = 0; i < N; i++)
		ctrs[i] = (struct netstats_counter_info){
			"c", "", i < N64 ? NETSTATS_COUNTER_TYPE_U64 :
					   NETSTATS_COUNTER_TYPE_U32,
			i < N64 ? BLOCK + 8 + 8 * i : BLOCK + 8 + 8 * N64 +
						    4 * (i - N64), 0 };
	reg->counters = ctrs;
	reg->counter_cnt = N;
	reg->ncpus = ncpus;
	reg->stride = 512;
	reg->block_offset = BLOCK;
	reg->flags = NETSTATS_GROUP_FLAGS_PERCPU;
	memset(mem_u64, 0, sizeof(mem_u64));
	HDR->hdr.generation = 2;
	ns_reg_link(h, reg, NULL);
	reg->base = mem;
	ns_plan_build(reg);
	p = netstats_reg__plan(reg);
	CHECK(p->fast && p->nruns == 2 &&
	      p->run[0].op == NETSTATS_PLAN_OP_U64_LONG && p->run[0].count == N64 &&
	      p->run[1].op == NETSTATS_PLAN_OP_U32_LONG && p->run[1].count == N32,
	      "long runs: %u runs", p->nruns);
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < N; i++) {
			char *c = mem + ctrs[i].offset + cpu * 512;

			if (i < N64)
				*(__u64 *)c = (cpu + 1) * 1000 + i;
			else
				*(__u32 *)c = (cpu + 1) * 100 + i;
		}
	ra = netstats_plan__snapshot(p, a, NULL);
	reg->plan.fast = 0;
	rb = netstats_reg__snapshot(reg, b, N, NULL);
	CHECK(ra == N && rb == N && !memcmp(a, b, sizeof(a)) &&
	      a[0] == 500 * ncpus * (ncpus + 1) &&
	      a[N64 - 1] == 500 * ncpus * (ncpus + 1) + ncpus * (N64 - 1) &&
	      a[N - 1] == 50 * ncpus * (ncpus + 1) + ncpus * (N - 1),
	      "long runs: %d %d first %llu last %llu", ra, rb,
	      (unsigned long long)a[0], (unsigned long long)a[N - 1]);
	unlink_fake(reg);
	netstats__close(h);
}

int main(void)
{
	test_accessors();
	test_snapshot_delta_rate();
	test_reset();
	test_plan();
	test_plan_ref();
	test_plan_long(1);
	test_plan_long(2);
	test_plan_long(3);
	return check_report();
}
