// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netstats(8) output: JSON writer, text tables. JSON follows iproute2:
 * compact on one line, or indented by four spaces with -p.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <linux/netstats.h>

#include "output.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void json_indent(struct json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("    ", j->f);
}

static void json_quote(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Separator, indentation and key of the next member. */
static void json_member(struct json *j, const char *key)
{
	unsigned long long bit = 1ULL << (j->depth % JSON_MAX_DEPTH);

	if (j->depth) {
		if (j->nonempty & bit)
			fputc(',', j->f);
		j->nonempty |= bit;
		json_indent(j);
	}
	if (key) {
		json_quote(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	j->depth++;
	j->nonempty &= ~(1ULL << (j->depth % JSON_MAX_DEPTH));
}

static void json_close(struct json *j, char c)
{
	bool nonempty = j->nonempty & (1ULL << (j->depth % JSON_MAX_DEPTH));

	j->depth--;
	if (nonempty)
		json_indent(j);
	fputc(c, j->f);
}

void json_obj_open(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_obj_close(struct json *j)
{
	json_close(j, '}');
}

void json_arr_open(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_arr_close(struct json *j)
{
	json_close(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_member(j, key);
	json_quote(j->f, val);
}

void json_u64(struct json *j, const char *key, __u64 val)
{
	json_member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

/* JSON has no NaN or infinity: those are null. */
void json_double(struct json *j, const char *key, double val)
{
	json_member(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.3f", val);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

void out_init(struct out *o, FILE *f, bool json, bool pretty, bool percpu)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json || pretty;
	o->pretty = pretty;
	o->percpu = percpu;
	json_init(&o->j, f, pretty);
}

typedef const char *(*flag_str_fn)(__u32 flag);

/* "a,b,0x10" into @buf; "-" if no flag is set. */
static const char *flags_text(char *buf, size_t len, __u32 flags,
			      flag_str_fn str)
{
	size_t n = 0;
	__u32 bit;

	buf[0] = '\0';
	for (bit = 1; bit && flags; bit <<= 1) {
		if (!(flags & bit))
			continue;
		flags &= ~bit;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			      n ? "," : "", str(bit) ?: "");
		if (!str(bit))
			n += snprintf(buf + n, n < len ? len - n : 0, "0x%x",
				      bit);
	}
	return n ? buf : "-";
}

static void json_flags(struct json *j, const char *key, __u32 flags,
		       flag_str_fn str)
{
	char hex[16];
	__u32 bit;

	json_arr_open(j, key);
	for (bit = 1; bit; bit <<= 1) {
		if (!(flags & bit))
			continue;
		if (str(bit)) {
			json_str(j, NULL, str(bit));
		} else {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			json_str(j, NULL, hex);
		}
	}
	json_arr_close(j);
}

static const char *type_text(__u32 type, char *buf, size_t len)
{
	const char *s = netstats__counter_type_str(type);

	if (s)
		return s;
	snprintf(buf, len, "type%u", type);
	return buf;
}

static void render_group_json(struct out *o,
			      const struct netstats_group_info *gi)
{
	struct json *j = &o->j;
	char buf[32];
	size_t i;

	json_obj_open(j, NULL);
	json_str(j, "group", gi->name);
	json_str(j, "doc", gi->doc);
	json_flags(j, "flags", gi->flags, netstats__group_flag_str);
	json_arr_open(j, "options");
	for (i = 0; i < gi->option_cnt; i++) {
		const struct netstats_option_info *op = gi->options[i];

		json_obj_open(j, NULL);
		json_str(j, "name", op->name);
		json_u64(j, "min", op->min);
		json_u64(j, "max", op->max);
		json_u64(j, "default", op->def);
		json_str(j, "doc", op->doc);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_arr_open(j, "counters");
	for (i = 0; i < gi->counter_cnt; i++) {
		const struct netstats_counter_info *c = gi->counters[i];

		json_obj_open(j, NULL);
		json_str(j, "name", c->name);
		json_str(j, "type", type_text(c->type, buf, sizeof(buf)));
		json_flags(j, "flags", c->flags, netstats__counter_flag_str);
		json_str(j, "doc", c->doc);
		json_obj_close(j);
	}
	json_arr_close(j);
	if (gi->instance_cnt) {
		json_arr_open(j, "instances");
		for (i = 0; i < gi->instance_cnt; i++)
			json_str(j, NULL, gi->instances[i]);
		json_arr_close(j);
	}
	json_obj_close(j);
}

void render_group(struct out *o, const struct netstats_group_info *gi)
{
	int nw = 0, fw = 0, len;
	char buf[128], tbuf[32];
	size_t i;

	if (o->json) {
		render_group_json(o, gi);
		return;
	}
	fprintf(o->f, "%s: %s\n", gi->name, gi->doc[0] ? gi->doc : "-");
	fprintf(o->f, "  flags: %s\n",
		flags_text(buf, sizeof(buf), gi->flags,
			   netstats__group_flag_str));
	for (i = 0; i < gi->option_cnt; i++) {
		len = strlen(gi->options[i]->name);
		nw = len > nw ? len : nw;
	}
	for (i = 0; i < gi->counter_cnt; i++) {
		len = strlen(gi->counters[i]->name);
		nw = len > nw ? len : nw;
		len = strlen(flags_text(buf, sizeof(buf),
					gi->counters[i]->flags,
					netstats__counter_flag_str));
		fw = len > fw ? len : fw;
	}
	if (gi->option_cnt)
		fprintf(o->f, "  options:\n");
	for (i = 0; i < gi->option_cnt; i++) {
		const struct netstats_option_info *op = gi->options[i];

		fprintf(o->f, "    %-*s  min %llu max %llu default %llu  %s\n",
			nw, op->name, (unsigned long long)op->min,
			(unsigned long long)op->max,
			(unsigned long long)op->def, op->doc);
	}
	fprintf(o->f, "  counters:\n");
	for (i = 0; i < gi->counter_cnt; i++) {
		const struct netstats_counter_info *c = gi->counters[i];

		fprintf(o->f, "    %-*s  %-5s %-*s  %s\n", nw, c->name,
			type_text(c->type, tbuf, sizeof(tbuf)), fw,
			flags_text(buf, sizeof(buf), c->flags,
				   netstats__counter_flag_str), c->doc);
	}
	if (gi->instance_cnt) {
		fprintf(o->f, "  instances:");
		for (i = 0; i < gi->instance_cnt; i++)
			fprintf(o->f, " %s", gi->instances[i]);
		fputc('\n', o->f);
	}
}

static bool ctr_readable(const struct ctr_view *c)
{
	return netstats__counter_type_str(c->type);
}

static bool ctr_gauge(const struct ctr_view *c)
{
	return c->flags & NETSTATS_COUNTER_FLAGS_GAUGE;
}

bool ctr_name_shown(const struct out *o, const char *name)
{
	size_t i;

	if (!o->match_cnt)
		return true;
	for (i = 0; i < o->match_cnt; i++)
		if (!fnmatch(o->match[i], name, 0))
			return true;
	return false;
}

bool ctr_shown(const struct out *o, const struct ctr_view *c)
{
	if (!ctr_name_shown(o, c->name))
		return false;
	if (!o->nonzero)
		return true;
	/* A counter of an unknown type has no value to show. */
	if (!ctr_readable(c))
		return false;
	return c->value || (c->has_delta && !ctr_gauge(c) && c->delta);
}

static bool show_percpu(const struct out *o, const struct reg_view *v)
{
	return o->percpu && v->ncpus > 1;
}

/* Open a registration's JSON object with the members it starts with. */
static void json_reg_open(struct json *j, const struct reg_view *v)
{
	json_obj_open(j, NULL);
	json_str(j, "name", v->name);
	json_u64(j, "id", v->id);
	json_flags(j, "flags", v->flags, netstats__group_flag_str);
	json_str(j, "state", v->dead ? "dead" : "live");
	json_u64(j, "generation", v->generation);
}

static void render_reg_json(struct out *o, const struct reg_view *v,
			    bool watch)
{
	struct json *j = &o->j;
	const struct ctr_view *c;
	size_t i, k;

	json_reg_open(j, v);
	json_u64(j, "ncpus", v->ncpus);
	if (watch)
		json_bool(j, "restarted", v->restarted);
	json_obj_open(j, "counters");
	for (i = 0; i < v->cnt; i++) {
		c = &v->ctrs[i];
		if (!ctr_shown(o, c))
			continue;
		if (!watch) {
			if (ctr_readable(c))
				json_u64(j, c->name, c->value);
			else
				json_null(j, c->name);
			continue;
		}
		json_obj_open(j, c->name);
		if (ctr_readable(c))
			json_u64(j, "value", c->value);
		else
			json_null(j, "value");
		if (c->has_delta && !ctr_gauge(c) && ctr_readable(c)) {
			json_u64(j, "delta", c->delta);
			json_double(j, "rate", c->rate);
		}
		json_obj_close(j);
	}
	json_obj_close(j);
	if (show_percpu(o, v)) {
		json_obj_open(j, "percpu");
		for (i = 0; i < v->cnt; i++) {
			c = &v->ctrs[i];
			if (!c->percpu || !ctr_shown(o, c))
				continue;
			json_arr_open(j, c->name);
			for (k = 0; k < v->ncpus; k++)
				json_u64(j, NULL, c->percpu[k]);
			json_arr_close(j);
		}
		json_obj_close(j);
	}
	json_obj_close(j);
}

static void print_u64_col(FILE *f, int w, bool ok, __u64 val)
{
	if (ok)
		fprintf(f, " %*llu", w, (unsigned long long)val);
	else
		fprintf(f, " %*s", w, "-");
}

void render_reg(struct out *o, const struct reg_view *v, bool watch)
{
	const int vw = 20, dw = 14, rw = 14, cw = 12;
	const struct ctr_view *c;
	char buf[128];
	int nw = 7, len;
	size_t i, k;

	if (o->json) {
		render_reg_json(o, v, watch);
		return;
	}
	fprintf(o->f, "%s: id %u, %s, generation %u%s\n", v->name, v->id,
		flags_text(buf, sizeof(buf), v->flags,
			   netstats__group_flag_str),
		v->generation, v->restarted ? ", restarted" : "");
	if (v->dead)
		fprintf(o->f, "  DEAD: the object is gone; final values\n");
	for (i = 0; i < v->cnt; i++) {
		if (!ctr_shown(o, &v->ctrs[i]))
			continue;
		len = strlen(v->ctrs[i].name);
		nw = len > nw ? len : nw;
	}
	fprintf(o->f, "  %-*s %*s", nw, "COUNTER", vw, "VALUE");
	if (watch)
		fprintf(o->f, " %*s %*s", dw, "DELTA", rw, "RATE/s");
	if (show_percpu(o, v))
		for (k = 0; k < v->ncpus; k++) {
			snprintf(buf, sizeof(buf), "CPU%zu", k);
			fprintf(o->f, " %*s", cw, buf);
		}
	fputc('\n', o->f);
	for (i = 0; i < v->cnt; i++) {
		c = &v->ctrs[i];
		if (!ctr_shown(o, c))
			continue;
		fprintf(o->f, "  %-*s", nw, c->name);
		print_u64_col(o->f, vw, ctr_readable(c), c->value);
		if (watch) {
			bool ok = c->has_delta && !ctr_gauge(c) &&
				  ctr_readable(c);

			print_u64_col(o->f, dw, ok, c->delta);
			if (ok)
				fprintf(o->f, " %*.1f", rw, c->rate);
			else
				fprintf(o->f, " %*s", rw, "-");
		}
		if (show_percpu(o, v))
			for (k = 0; k < v->ncpus; k++)
				print_u64_col(o->f, cw, c->percpu,
					      c->percpu ? c->percpu[k] : 0);
		fputc('\n', o->f);
	}
}

/* --- directory registrations: one line per socket ---------------------- */

#define ENDPOINT_LEN	(INET6_ADDRSTRLEN + 8)
#define ENDPOINT_W	22	/* "255.255.255.255:65535" */

/*
 * "a.b.c.d:port" or "[v6]:port", as registration names write them; "-"
 * for family 0: a compact directory names its sockets by cookie only.
 */
static const char *endpoint_text(char *buf, size_t len, __u16 family,
				 const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	if (!family) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (!inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 port);
	return buf;
}

static int ctr_width(const struct ctr_view *c)
{
	int len = strlen(c->name);

	return len > 10 ? len : 10;
}

void render_dir_open(struct out *o, const struct reg_view *v)
{
	struct json *j = &o->j;
	char buf[128];
	size_t i;

	if (o->json) {
		json_reg_open(j, v);
		json_arr_open(j, "sockets");
		return;
	}
	fprintf(o->f, "%s: id %u, %s, generation %u\n", v->name, v->id,
		flags_text(buf, sizeof(buf), v->flags,
			   netstats__group_flag_str),
		v->generation);
	fprintf(o->f, "  %-*s %-*s %20s %-5s", ENDPOINT_W, "LOCAL",
		ENDPOINT_W, "REMOTE", "COOKIE", "STATE");
	for (i = 0; i < v->cnt; i++)
		if (ctr_name_shown(o, v->ctrs[i].name))
			fprintf(o->f, " %*s", ctr_width(&v->ctrs[i]),
				v->ctrs[i].name);
	fputc('\n', o->f);
}

void render_sock(struct out *o, const struct reg_view *v,
		 const struct sock_view *s)
{
	char src[ENDPOINT_LEN], dst[ENDPOINT_LEN];
	const struct ctr_view *c;
	struct json *j = &o->j;
	size_t i;

	endpoint_text(src, sizeof(src), s->family, s->src, s->sport);
	endpoint_text(dst, sizeof(dst), s->family, s->dst, s->dport);
	if (o->json) {
		json_obj_open(j, NULL);
		if (s->family) {
			json_str(j, "family", s->family == AF_INET6 ?
					      "inet6" : "inet");
			json_str(j, "local", src);
			json_str(j, "remote", dst);
		} else {	/* named by cookie only */
			json_null(j, "family");
			json_null(j, "local");
			json_null(j, "remote");
		}
		json_u64(j, "cookie", s->cookie);
		json_str(j, "state", s->dead ? "dead" : "live");
		json_u64(j, "generation", s->generation);
		json_obj_open(j, "counters");
		for (i = 0; i < v->cnt; i++) {
			c = &v->ctrs[i];
			if (!ctr_name_shown(o, c->name))
				continue;
			if (ctr_readable(c))
				json_u64(j, c->name, c->value);
			else
				json_null(j, c->name);
		}
		json_obj_close(j);
		json_obj_close(j);
		return;
	}
	fprintf(o->f, "  %-*s %-*s %20llu %-5s", ENDPOINT_W, src, ENDPOINT_W,
		dst, (unsigned long long)s->cookie, s->dead ? "DEAD" : "LIVE");
	for (i = 0; i < v->cnt; i++)
		if (ctr_name_shown(o, v->ctrs[i].name))
			print_u64_col(o->f, ctr_width(&v->ctrs[i]),
				      ctr_readable(&v->ctrs[i]),
				      v->ctrs[i].value);
	fputc('\n', o->f);
}

void render_dir_close(struct out *o, const struct reg_view *v, size_t n)
{
	(void)v;
	if (o->json) {
		json_arr_close(&o->j);
		json_u64(&o->j, "socket_count", n);
		json_obj_close(&o->j);
		return;
	}
	fprintf(o->f, "  %zu socket%s\n", n, n == 1 ? "" : "s");
}
