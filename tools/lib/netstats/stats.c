// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: deltas and rates between two snapshots of a registration,
 * names of the uapi enums. Only the public API of the library is used.
 */
#include <errno.h>

#include <linux/netstats.h>

#include "libnetstats.h"
#include "libnetstats_internal.h"

/* How far one counter moved; a gauge is not differenced. */
static __u64 ns_delta(const struct netstats_counter_info *c, __u64 prev,
		      __u64 cur)
{
	if (c->flags & NETSTATS_COUNTER_FLAGS_GAUGE)
		return cur;
	if (c->type == NETSTATS_COUNTER_TYPE_U32)
		return (__u32)(cur - prev);
	return cur - prev;
}

/* The number of comparable values of @prev and @cur, or -errno. */
static int ns_pair(const struct netstats_reg *reg,
		   const struct netstats_snapshot *prev,
		   const struct netstats_snapshot *cur, const void *out,
		   size_t cnt)
{
	size_t n = cnt;

	if (!reg || !prev || !cur || (!out && cnt) ||
	    (!prev->vals && prev->cnt) || (!cur->vals && cur->cnt))
		return -EINVAL;
	if (prev->generation != cur->generation)
		return -ESTALE;
	if (n > prev->cnt)
		n = prev->cnt;
	if (n > cur->cnt)
		n = cur->cnt;
	if (n > netstats_reg__counter_cnt(reg))
		n = netstats_reg__counter_cnt(reg);
	return n;
}

int netstats_reg__delta(const struct netstats_reg *reg,
			const struct netstats_snapshot *prev,
			const struct netstats_snapshot *cur,
			__u64 *delta, size_t cnt)
{
	int i, n;

	n = ns_pair(reg, prev, cur, delta, cnt);
	if (n < 0)
		return ns_err(n);
	for (i = 0; i < n; i++)
		delta[i] = ns_delta(netstats_reg__counter(reg, i),
				    prev->vals[i], cur->vals[i]);
	return n;
}

int netstats_reg__rate(const struct netstats_reg *reg,
		       const struct netstats_snapshot *prev,
		       const struct netstats_snapshot *cur,
		       double *rate, size_t cnt)
{
	const struct netstats_counter_info *c;
	double secs;
	int i, n;

	n = ns_pair(reg, prev, cur, rate, cnt);
	if (n < 0)
		return ns_err(n);
	if (cur->time_ns <= prev->time_ns)
		return ns_err(-EAGAIN);
	secs = (cur->time_ns - prev->time_ns) / 1e9;
	for (i = 0; i < n; i++) {
		c = netstats_reg__counter(reg, i);
		if (c->flags & NETSTATS_COUNTER_FLAGS_GAUGE)
			rate[i] = cur->vals[i];
		else
			rate[i] = ns_delta(c, prev->vals[i], cur->vals[i]) /
				  secs;
	}
	return n;
}

const char *netstats__counter_type_str(__u32 type)
{
	switch (type) {
	case NETSTATS_COUNTER_TYPE_U64:
		return "u64";
	case NETSTATS_COUNTER_TYPE_U32:
		return "u32";
	}
	return NULL;
}

const char *netstats__counter_flag_str(__u32 flag)
{
	switch (flag) {
	case NETSTATS_COUNTER_FLAGS_RESTRICTED:
		return "restricted";
	case NETSTATS_COUNTER_FLAGS_GAUGE:
		return "gauge";
	}
	return NULL;
}

const char *netstats__group_flag_str(__u32 flag)
{
	switch (flag) {
	case NETSTATS_GROUP_FLAGS_PERCPU:
		return "percpu";
	case NETSTATS_GROUP_FLAGS_DERIVED:
		return "derived";
	case NETSTATS_GROUP_FLAGS_PER_OBJECT:
		return "per-object";
	case NETSTATS_GROUP_FLAGS_DIRECTORY:
		return "directory";
	case NETSTATS_GROUP_FLAGS_SELECT:
		return "select";
	}
	return NULL;
}
