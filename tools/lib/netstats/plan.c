// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libnetstats: read plans, the layout of a registration's counters as
 * the inline readers of libnetstats.h follow it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netstats.h>

#include "libnetstats_internal.h"

/*
 * The read plan (libnetstats.h): runs of counters next to each other and
 * of one width, computed once the mapping is known.  It is "fast" only
 * where following it gives what netstats_reg__snapshot() gives: not for
 * a directory (no block of its own), a derived block (its sequence
 * counter), a reset baseline or a layout of too many runs.  Also called
 * again when the baseline changes.
 */
static unsigned int ns_plan_width(const struct netstats_plan_run *r)
{
	if (r->op == NETSTATS_PLAN_OP_ZERO)
		return 0;
	if (r->op == NETSTATS_PLAN_OP_U64_LONG || r->op <= NETSTATS_PLAN_OP_U64 + 8)
		return 8;
	return 4;
}

/*
 * Whether the runs are NETSTATS_PLAN_SHAPE_TCP's, the block at
 * @block_off (its generation first); sets p->shape_off.
 */
static bool ns_plan_tcp(struct netstats_plan *p, __u32 block_off)
{
	const struct netstats_plan_run *r = p->run;

	if (p->nruns != 3 || p->nvals != 13 || p->ncpus != 1 ||
	    r[0].op != NETSTATS_PLAN_OP_U64 + 3 || r[0].index != 0 ||
	    r[0].offset != block_off + 8 ||
	    r[1].op != NETSTATS_PLAN_OP_U32 + 5 || r[1].index != 3 ||
	    r[1].offset != block_off + 32 ||
	    r[2].op != NETSTATS_PLAN_OP_U32 + 5 || r[2].index != 8 ||
	    r[2].offset < block_off)
		return false;
	p->shape_off = r[2].offset - block_off;
	return true;
}

/*
 * NETSTATS_PLAN_SHAPE_SPANS (libnetstats.h): the runs, all of __u64
 * counters, as spans of 16-byte loads. A run of an even count is copied
 * exactly. One of an odd count is copied with the slot after it
 * ("forward": the next run's span must come later, to store its own
 * first value again) or the slot before it ("back": the previous run's
 * span must come later); never forward then back on two neighbours,
 * which would need each before the other. The spans are put in an order
 * that honours that, then checked value by value against the counter
 * table and every load against the mapping; else the plan stays one of
 * runs.
 */
#define NS_SPAN_UNROLL	16
#define NS_SPANS_MAX	NETSTATS_PLAN_RUNS

enum { NS_ALIGN_EXACT, NS_ALIGN_FWD, NS_ALIGN_BACK };

static bool ns_span_add(struct netstats_reg *reg, struct netstats_plan *p,
			const struct netstats_plan_run *r, int align)
{
	struct netstats_plan_span *sp = &reg->plan_span[p->nspans];
	__s64 src = r->offset, dst = r->index * 8;
	__u32 units = (r->count + 1) / 2;

	if (align == NS_ALIGN_BACK) {
		src -= 8;
		dst -= 8;
	}
	/* Every CPU's copy in the mapping, every value in vals[]. */
	if (src < 0 || dst < 0 ||
	    src + 16 * units + (__u64)(reg->ncpus - 1) * reg->stride >
	    reg->map_size || dst + 16 * units > 8 * (__s64)p->nvals)
		return false;
	sp->src = p->base + src;
	sp->end = sp->src + 16 * units;
	sp->head = units % NS_SPAN_UNROLL;
	/* Before the mapping maybe, but never loaded from there. */
	sp->entry = (const char *)((unsigned long)sp->src -
				   16 * ((NS_SPAN_UNROLL - sp->head) %
					 NS_SPAN_UNROLL));
	sp->delta = dst - (__s64)(unsigned long)sp->src;
	sp->units = units;
	p->nspans++;
	return true;
}

static void ns_plan_spans(struct netstats_reg *reg, struct netstats_plan *p)
{
	const struct netstats_plan_run *r = p->run;
	int align[NETSTATS_PLAN_RUNS], prev = NS_ALIGN_EXACT;
	__u32 nr = p->nruns, i, k, *from, order[NETSTATS_PLAN_RUNS];
	bool done[NETSTATS_PLAN_RUNS] = {}, ok = true;
	const struct netstats_plan_span *sp;
	unsigned int left;

	if (!nr || reg->map_size > INT32_MAX)
		return;
	for (i = 0; i < nr; i++) {
		if (ns_plan_width(&r[i]) != 8 ||
		    r[i].op == NETSTATS_PLAN_OP_ZERO)
			return;
		if (!(r[i].count & 1))
			align[i] = NS_ALIGN_EXACT;
		else if (!i || prev == NS_ALIGN_FWD)
			align[i] = NS_ALIGN_FWD;
		else
			align[i] = NS_ALIGN_BACK;
		prev = align[i];
	}
	if (align[nr - 1] == NS_ALIGN_FWD)	/* nothing after it */
		return;
	/* Kahn's order: i waits for the neighbour whose slot it shares. */
	for (left = nr; left; ) {
		for (i = 0; i < nr; i++) {
			if (done[i] ||
			    (i > 0 && !done[i - 1] &&
			     align[i - 1] == NS_ALIGN_FWD) ||
			    (i + 1 < nr && !done[i + 1] &&
			     align[i + 1] == NS_ALIGN_BACK))
				continue;
			done[i] = true;
			order[nr - left--] = i;
			break;
		}
		if (i == nr)	/* a cycle: not built that way */
			return;
	}
	if (!reg->plan_span) {
		reg->plan_span = calloc(NS_SPANS_MAX, sizeof(*reg->plan_span));
		if (!reg->plan_span)
			return;
	}
	for (i = 0; i < nr && ok; i++)
		ok = ns_span_add(reg, p, &r[order[i]], align[order[i]]);
	if (!ok)
		goto none;
	/* What each value is loaded from last, following the spans. */
	from = calloc(p->nvals, sizeof(*from));
	if (!from)
		goto none;
	for (sp = reg->plan_span; sp < reg->plan_span + p->nspans; sp++)
		for (k = 0; k < 2 * sp->units; k++)
			from[((unsigned long)sp->src + sp->delta) / 8 + k] =
				sp->src - p->base + 8 * k;
	for (i = 0; i < p->nvals && ok; i++)
		ok = from[i] == reg->counters[i].offset;
	free(from);
	if (ok) {
		p->span = reg->plan_span;
		p->shape = NETSTATS_PLAN_SHAPE_SPANS;
		return;
	}
none:
	p->nspans = 0;
}

void ns_plan_build(struct netstats_reg *reg)
{
	struct netstats_plan *p = &reg->plan;
	struct netstats_plan_run *r = NULL;
	const struct netstats_counter_info *c;
	unsigned int w;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->reg = reg;
	p->base = reg->base;
	p->generation = &ns_reg_hdr(reg)->generation;
	p->nvals = reg->counter_cnt;
	p->ncpus = reg->ncpus;
	p->stride = reg->stride;
	if (!reg->base || reg->counter_cnt > 0xffff || ns_reg_seq(reg) ||
	    reg->baseline || (ns_is_dir(reg) && reg->ncpus != 1))
		return;
	if (!reg->plan_ctr) {
		reg->plan_ctr = calloc(reg->counter_cnt ?: 1,
				       sizeof(*reg->plan_ctr));
		reg->plan_ref = calloc(reg->counter_cnt ?: 1,
				       sizeof(*reg->plan_ref));
		if (!reg->plan_ctr || !reg->plan_ref) {
			free(reg->plan_ctr);
			free(reg->plan_ref);
			reg->plan_ctr = NULL;
			reg->plan_ref = NULL;
			return;
		}
	}
	for (i = 0; i < reg->counter_cnt; i++) {
		c = &reg->counters[i];
		w = ns_width(c->type);
		reg->plan_ctr[i].offset = c->offset;
		reg->plan_ctr[i].width = w;
		/* One load, or the sum of the CPUs' copies. */
		reg->plan_ref[i].p = (const char *)reg->base + c->offset;
		reg->plan_ref[i].kind = !w ? 0 : reg->ncpus > 1 ?
					w | NETSTATS_PLAN_REF_FOLD : w;
		if (r && r->count < 0xff && w == ns_plan_width(r) &&
		    (!w || c->offset == r->offset + r->count * w)) {
			r->count++;
			if (r->count == 9)
				r->op = w == 8 ? NETSTATS_PLAN_OP_U64_LONG :
					NETSTATS_PLAN_OP_U32_LONG;
			else if (w && r->count < 9)
				r->op++;
			continue;
		}
		if (p->nruns == NETSTATS_PLAN_RUNS)
			return;
		r = &p->run[p->nruns++];
		r->offset = c->offset;
		r->index = i;
		r->count = 1;
		r->op = w == 8 ? NETSTATS_PLAN_OP_U64 + 1 :
			w == 4 ? NETSTATS_PLAN_OP_U32 + 1 : NETSTATS_PLAN_OP_ZERO;
	}
	p->ctr = reg->plan_ctr;
	p->ref = reg->plan_ref;
	/* A directory's offsets are from each socket's block: its runs are
	 * followed by netstats_sock__snapshot() only (p->ctr set).
	 */
	if (ns_is_dir(reg)) {
		if (ns_plan_tcp(p, 0))
			p->shape = NETSTATS_PLAN_SHAPE_TCP_BLOCKS;
		return;
	}
	p->fast = NETSTATS_PLAN_ABI;
	if (ns_plan_tcp(p, reg->block_offset)) {
		p->shape = NETSTATS_PLAN_SHAPE_TCP;
		p->shape_run = p->base + p->run[2].offset;
		return;
	}
	ns_plan_spans(reg, p);
}

const struct netstats_plan *netstats_reg__plan(const struct netstats_reg *reg)
{
	return reg ? &reg->plan : NULL;
}

struct netstats_ref netstats_plan__ref(const struct netstats_plan *plan,
				       size_t idx)
{
	struct netstats_ref ref = { .p = plan ? plan->reg : NULL };
	const struct netstats_plan_ref *c;

	if (!plan || idx >= plan->nvals) {
		ref.idx = plan ? plan->nvals : 0;	/* out of range */
		return ref;
	}
	ref.idx = idx;
	c = plan->fast == NETSTATS_PLAN_ABI ? &plan->ref[idx] : NULL;
	if (c && (c->kind == 8 || c->kind == 4)) {	/* one load */
		ref.p = c->p;
		ref.kind = c->kind;
	}
	return ref;
}
