// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: reads of a registration's mapped counters: one counter,
 * one CPU's copy, snapshots checked against the generation (and a
 * derived block's sequence counter), the reset baseline.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netstats.h>

#include "libnetstats_internal.h"

/*
 * A counter of a known type: one load of each per-CPU copy, never torn,
 * never cached, as READ_ONCE().
 */
static __u64 ns_load(const struct netstats_reg *reg,
		     const struct netstats_counter_info *c)
{
	const char *p = (const char *)reg->base + c->offset;
	__u64 sum = 0;
	__u32 cpu;

	for (cpu = 0; cpu < reg->ncpus; cpu++, p += reg->stride)
		sum += ns_load_one(p, c->type);
	return sum;
}

/*
 * A counter value relative to the netstats_reg__reset() baseline, while
 * the block is still in the baseline's generation. Gauges are levels:
 * never rebased. u32 counters wrap at 32 bits, also when folded.
 */
static __u64 ns_rebase(const struct netstats_reg *reg, size_t idx, __u64 val,
		       __u32 gen)
{
	const struct netstats_counter_info *c = &reg->counters[idx];
	__u64 d;

	if (!reg->baseline || gen != reg->baseline_gen ||
	    (c->flags & NETSTATS_COUNTER_FLAGS_GAUGE))
		return val;
	d = val - reg->baseline[idx];
	return c->type == NETSTATS_COUNTER_TYPE_U32 ? (__u32)d : d;
}

const struct netstats_block_hdr *
ns_reg_hdr(const struct netstats_reg *reg)
{
	return (const void *)((const char *)reg->base + reg->block_offset);
}

/* Lets the unit tests reset the block between the loads of a read. */
#ifndef NS_READ_TEST_HOOK
#define NS_READ_TEST_HOOK(reg)	((void)(reg))
#endif

int netstats_reg__read(const struct netstats_reg *reg, size_t idx,
		       __u64 *val)
{
	const struct netstats_block_hdr *hdr;
	__u32 gen, gen2;
	__u64 v;
	int try;

	if (!reg || !val || idx >= reg->counter_cnt)
		return ns_err(-EINVAL);
	if (!ns_width(reg->counters[idx].type) || ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	if (!reg->baseline) {	/* raw: one load, nothing to match */
		*val = ns_load(reg, &reg->counters[idx]);
		return 0;
	}
	/*
	 * The baseline only applies to values of its generation: the value
	 * and the generation it is rebased by must be of the same block
	 * contents. A kernel reset between the loads (generation odd, then
	 * bumped, values restarting from zero) would otherwise have a
	 * restarted value minus the old baseline: a wrapped, huge number.
	 */
	hdr = ns_reg_hdr(reg);
	for (try = 0; try < NS_SNAPSHOT_TRIES; try++) {
		gen = __atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE);
		if (gen & 1)
			continue;
		NS_READ_TEST_HOOK(reg);
		v = ns_load(reg, &reg->counters[idx]);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		gen2 = __atomic_load_n(&hdr->generation, __ATOMIC_RELAXED);
		if (gen == gen2) {
			*val = ns_rebase(reg, idx, v, gen);
			return 0;
		}
	}
	return ns_err(-EAGAIN);
}

__u32 netstats_reg__generation(const struct netstats_reg *reg)
{
	if (!reg)
		return 0;
	return __atomic_load_n(&ns_reg_hdr(reg)->generation, __ATOMIC_ACQUIRE);
}

bool netstats_reg__dead(const struct netstats_reg *reg)
{
	if (!reg)
		return false;
	return __atomic_load_n(&ns_reg_hdr(reg)->state, __ATOMIC_ACQUIRE) ==
	       NETSTATS_BLOCK_DEAD;
}

/* Lets the unit tests change the block between the reads. */
#ifndef NS_SNAPSHOT_TEST_HOOK
#define NS_SNAPSHOT_TEST_HOOK(try)	((void)(try))
#endif

/* The sequence counter of a derived block, NULL for other blocks. */
const __u32 *ns_reg_seq(const struct netstats_reg *reg)
{
	const struct netstats_derived_hdr *dh;

	if (!(reg->flags & NETSTATS_GROUP_FLAGS_DERIVED))
		return NULL;
	dh = (const void *)((const char *)reg->base + reg->block_offset);
	return &dh->seq;
}

/*
 * The raw values of the first @n counters and their generation, as
 * documented for netstats_reg__snapshot(); for a derived block also the
 * time of the update they belong to into *@ts, if not NULL.
 */
static int ns_snapshot(const struct netstats_reg *reg, __u64 *vals, size_t n,
		       __u32 *generation, __u64 *ts)
{
	const struct netstats_derived_hdr *dh = NULL;
	const struct netstats_block_hdr *hdr;
	const struct netstats_counter_info *c;
	__u32 gen, gen2, seq = 0, seq2 = 0;
	const __u32 *seqp;
	__u64 t = 0;
	size_t i;
	int try;

	hdr = ns_reg_hdr(reg);
	seqp = ns_reg_seq(reg);
	if (seqp)
		dh = (const void *)hdr;
	for (try = 0; try < NS_SNAPSHOT_TRIES; try++) {
		gen = __atomic_load_n(&hdr->generation, __ATOMIC_ACQUIRE);
		/* The kernel resets the block while its generation is odd. */
		if (gen & 1)
			continue;
		/* A derived block is being updated while its seq is odd. */
		if (seqp) {
			seq = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
			if (seq & 1)
				continue;
			t = __atomic_load_n(&dh->timestamp_ns,
					    __ATOMIC_RELAXED);
		}
		for (i = 0; i < n; i++) {
			c = &reg->counters[i];
			vals[i] = ns_width(c->type) ? ns_load(reg, c) : 0;
		}
		NS_SNAPSHOT_TEST_HOOK(try);
		/* The counter loads before the second generation load. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		gen2 = __atomic_load_n(&hdr->generation, __ATOMIC_RELAXED);
		if (seqp)
			seq2 = __atomic_load_n(seqp, __ATOMIC_RELAXED);
		if (gen == gen2 && seq == seq2) {
			if (generation)
				*generation = gen;
			if (ts)
				*ts = t;
			return n;
		}
	}
	return -EAGAIN;
}

int netstats_reg__snapshot(const struct netstats_reg *reg, __u64 *vals,
			   size_t cnt, __u32 *generation)
{
	size_t i, n;
	__u32 gen;
	int ret;

	if (!reg || (!vals && cnt))
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	if (cnt >= reg->counter_cnt && reg->plan.fast) {
		ret = netstats_plan__snapshot(&reg->plan, vals, generation);
		return ret < 0 ? ns_err(ret) : ret;
	}
	n = cnt < reg->counter_cnt ? cnt : reg->counter_cnt;
	ret = ns_snapshot(reg, vals, n, &gen, NULL);
	if (ret < 0)
		return ns_err(ret);
	for (i = 0; i < n; i++)
		vals[i] = ns_rebase(reg, i, vals[i], gen);
	if (generation)
		*generation = gen;
	return ret;
}

int netstats_reg__read_cpu(const struct netstats_reg *reg, size_t idx,
			   __u32 cpu, __u64 *val)
{
	const struct netstats_counter_info *c;
	const char *p;

	if (!reg || !val || idx >= reg->counter_cnt || cpu >= reg->ncpus)
		return ns_err(-EINVAL);
	c = &reg->counters[idx];
	if (!ns_width(c->type) || ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	p = (const char *)reg->base + c->offset + (size_t)cpu * reg->stride;
	*val = ns_load_one(p, c->type);
	return 0;
}

int netstats_reg__reset(struct netstats_reg *reg)
{
	__u64 *vals;
	__u32 gen;
	int ret;

	if (!reg)
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	vals = calloc(reg->counter_cnt ?: 1, sizeof(*vals));
	if (!vals)
		return ns_err(-ENOMEM);
	ret = ns_snapshot(reg, vals, reg->counter_cnt, &gen, NULL);
	if (ret < 0) {
		free(vals);
		return ns_err(ret);
	}
	free(reg->baseline);
	reg->baseline = vals;
	reg->baseline_gen = gen;
	ns_plan_build(reg);	/* values now relative: the plan is not fast */
	return 0;
}

#define NS_SNAPSHOT_SZ_MIN \
	(offsetof(struct netstats_snapshot, time_ns) + sizeof(__u64))

int netstats_reg__take_snapshot(const struct netstats_reg *reg,
				struct netstats_snapshot *snap)
{
	struct timespec now;
	__u64 ts = 0;
	size_t i, n;
	__u32 gen;
	bool dead;
	int ret;

	if (!reg || !snap || snap->sz < NS_SNAPSHOT_SZ_MIN ||
	    (!snap->vals && snap->vals_cnt))
		return ns_err(-EINVAL);
	if (ns_is_dir(reg))
		return ns_err(-EOPNOTSUPP);
	n = snap->vals_cnt < reg->counter_cnt ? snap->vals_cnt :
						reg->counter_cnt;
	dead = netstats_reg__dead(reg);
	ret = ns_snapshot(reg, snap->vals, n, &gen, &ts);
	/* Died during the loads: take the final values instead. */
	if (ret >= 0 && !dead && netstats_reg__dead(reg)) {
		dead = true;
		ret = ns_snapshot(reg, snap->vals, n, &gen, &ts);
	}
	if (ret < 0)
		return ns_err(ret);
	for (i = 0; i < n; i++)
		snap->vals[i] = ns_rebase(reg, i, snap->vals[i], gen);
	snap->cnt = n;
	snap->generation = gen;
	snap->dead = dead;
	/* A derived block: the kernel's update time, read with the values. */
	if (!(reg->flags & NETSTATS_GROUP_FLAGS_DERIVED)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ts = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	}
	snap->time_ns = ts;
	return n;
}
