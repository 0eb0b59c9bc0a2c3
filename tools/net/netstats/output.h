/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * netstats(8) output: a small JSON writer and the text and JSON renderers
 * of groups and registration values. No netlink here: the unit tests feed
 * the renderers hand-made data.
 */
#ifndef __NETSTATS_OUTPUT_H
#define __NETSTATS_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "libnetstats.h"

#define JSON_MAX_DEPTH	32

struct json {
	FILE *f;
	bool pretty;
	unsigned int depth;
	/* bit n: the container at depth n has a member already */
	unsigned long long nonempty;
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, __u64 val);
void json_double(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Ends a top-level value: a newline. */
void json_end(struct json *j);

/* How to print. */
struct out {
	FILE *f;
	bool json;
	bool pretty;
	bool percpu;		/* per-CPU columns (-c) */
	/*
	 * Which counters show and watch print: those whose names match one
	 * of the fnmatch(3) patterns (all if none), and with nonzero (-s)
	 * only those whose value (or, in watch, delta) is not 0.
	 */
	const char *const *match;
	size_t match_cnt;
	bool nonzero;
	struct json j;
};

void out_init(struct out *o, FILE *f, bool json, bool pretty, bool percpu);

/* list: one group of QUERY. */
void render_group(struct out *o, const struct netstats_group_info *gi);

/* One counter of a registration, as show and watch print it. */
struct ctr_view {
	const char *name;
	__u32 type;
	__u32 flags;		/* NETSTATS_COUNTER_FLAGS_* */
	__u64 value;
	bool has_delta;		/* delta and rate are valid */
	__u64 delta;
	double rate;
	const __u64 *percpu;	/* ncpus raw values, or NULL */
};

/*
 * Whether show and watch print the counter, as o->match and o->nonzero
 * say. The columns of a directory follow o->match only: -s is per value.
 */
bool ctr_name_shown(const struct out *o, const char *name);
bool ctr_shown(const struct out *o, const struct ctr_view *c);

struct reg_view {
	const char *name;	/* as the user gave it */
	__u32 id;
	__u32 flags;		/* NETSTATS_GROUP_FLAGS_* */
	__u32 generation;
	__u32 ncpus;
	bool dead;
	bool restarted;		/* generation moved since the last sample */
	size_t cnt;
	const struct ctr_view *ctrs;
};

/* show: current values; watch: also deltas and rates. */
void render_reg(struct out *o, const struct reg_view *v, bool watch);

/* One socket of a directory registration ("tcp-all"). */
struct sock_view {
	__u64 cookie;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport, dport;	/* host byte order */
	const __u8 *src, *dst;	/* 4 or 16 bytes */
	bool dead;
	__u32 generation;
};

/*
 * show of a directory registration: render_dir_open(), then
 * render_sock() per socket with its values in v->ctrs[].value, then
 * render_dir_close() with the number of sockets.
 */
void render_dir_open(struct out *o, const struct reg_view *v);
void render_sock(struct out *o, const struct reg_view *v,
		 const struct sock_view *s);
void render_dir_close(struct out *o, const struct reg_view *v, size_t n);

#endif /* __NETSTATS_OUTPUT_H */
