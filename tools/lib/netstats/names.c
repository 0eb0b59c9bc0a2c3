// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Descriptive registration names -> group, object and options.
 * The grammar is documented in libnetstats.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strchrnul() */
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "libnetstats.h"
#include "libnetstats_internal.h"

#define NAME_MAX_PARTS	4

/* Smallest struct netstats_name the library accepts (ABI 0.1.0). */
#define NETSTATS_NAME_SZ_MIN \
	(offsetof(struct netstats_name, opts) + \
	 sizeof(((struct netstats_name *)0)->opts))	/* 0.1.0 */

/*
 * One row per target. "<...>" entries are classes, anything else must match
 * literally. The object classes (<id>, <sock>, <handle>, <odev>) are left
 * out of the group name; their values, joined by '/', make the object
 * (<odev>: a device named in the object, as "qdisc", "queue/rx" and "hw"
 * want it: "eth0/8001:0", "eth0/3", "eth0").
 */
static const char *const name_pats[][NAME_MAX_PARTS] = {
	{ "ip" },
	{ "ip6" },
	{ "icmpmsg" },
	{ "icmp6msg" },
	{ "netstats" },
	{ "tcp-all" },
	{ "core", "page_pool", "<id>" },
	{ "tcp", "<sock>" },
	{ "tcp", "<local>", "<remote>", "<cookie>" },
	{ "<odev>", "queue", "<dir>", "<id>" },
	{ "<odev>", "hw" },
	{ "<odev>", "hwqueue", "<dir>", "<id>" },
	{ "qdisc", "<odev>", "<handle>" },
};

struct part {
	const char *s;
	size_t len;
};

static bool part_is(const struct part *p, const char *lit)
{
	return strlen(lit) == p->len && !memcmp(p->s, lit, p->len);
}

static bool part_has_prefix(struct part *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (p->len < n || memcmp(p->s, prefix, n))
		return false;
	p->s += n;
	p->len -= n;
	return true;
}

/* Decimal, no sign, no white space, at most max. */
static int parse_dec(const char *s, size_t len, __u64 max, __u64 *val)
{
	__u64 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*val = v;
	return 0;
}

/* 1 to 4 hex digits. */
static int parse_hex16(const char *s, size_t len, unsigned int *val)
{
	unsigned int v = 0;
	size_t i;

	if (!len || len > 4)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = tolower((unsigned char)s[i]);

		if (!isxdigit(c))
			return -EINVAL;
		v = v * 16 + (isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*val = v;
	return 0;
}

/* As dev_valid_name() in the kernel; '/' and '@' never get here. */
static bool dev_valid(const struct part *p)
{
	size_t i;

	if (!p->len || p->len >= IFNAMSIZ || part_is(p, ".") ||
	    part_is(p, ".."))
		return false;
	for (i = 0; i < p->len; i++)
		if (p->s[i] == ':' || isspace((unsigned char)p->s[i]))
			return false;
	return true;
}

/* Decimal, or 0x-prefixed hex as ss -e prints cookies ("sk:" hex). */
static int parse_cookie(const char *s, size_t len, __u64 *val)
{
	char buf[17];

	if (!(len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return parse_dec(s, len, ~0ULL, val);
	/* strtoull() would take a sign or white space */
	s += 2;
	len -= 2;
	if (len >= sizeof(buf) ||
	    strspn(s, "0123456789abcdefABCDEF") < len)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*val = strtoull(buf, NULL, 16);
	return 0;
}

static bool part_is_cookie(const struct part *p)
{
	return p->len > 7 && !memcmp(p->s, "cookie:", 7);
}

static int match_sock(struct part p, struct netstats_name *n)
{
	__u64 v;

	if (part_has_prefix(&p, "fd:")) {
		if (parse_dec(p.s, p.len, INT_MAX, &v))
			return -EINVAL;
		n->flags |= NETSTATS_NAME_F_SOCK_FD;
		n->sock_fd = v;
		return 0;
	}
	if (part_has_prefix(&p, "cookie:")) {
		if (parse_cookie(p.s, p.len, &v))
			return -EINVAL;
		n->flags |= NETSTATS_NAME_F_SOCK_COOKIE;
		n->sock_cookie = v;
		return 0;
	}
	return -EINVAL;
}

/* "a.b.c.d:port" or "[v6addr]:port" */
static int match_endpoint(const struct part *p, struct netstats_name *n,
			  bool local)
{
	const char *colon, *host = p->s;
	size_t hlen;
	char buf[INET6_ADDRSTRLEN];
	int family = AF_INET;
	__u64 port;

	colon = memrchr(p->s, ':', p->len);
	if (!colon)
		return -EINVAL;
	hlen = colon - p->s;
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		family = AF_INET6;
		host++;
		hlen -= 2;
	}
	if (!hlen || hlen >= sizeof(buf) ||
	    parse_dec(colon + 1, p->s + p->len - colon - 1, 65535, &port))
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if ((n->sock_family && n->sock_family != family) ||
	    inet_pton(family, buf, local ? n->sock_src : n->sock_dst) != 1)
		return -EINVAL;
	n->sock_family = family;
	if (local)
		n->sock_sport = port;
	else
		n->sock_dport = port;
	n->flags |= NETSTATS_NAME_F_SOCK_ADDR;
	return 0;
}

/* Appends "/" (unless first) and the formatted value to the object. */
static void obj_append(struct netstats_name *n, const char *fmt, ...)
{
	size_t len = strlen(n->object);
	va_list ap;

	if (len)
		n->object[len++] = '/';
	va_start(ap, fmt);
	vsnprintf(n->object + len, sizeof(n->object) - len, fmt, ap);
	va_end(ap);
}

static int match_handle(const struct part *p, struct netstats_name *n)
{
	const char *colon = memchr(p->s, ':', p->len);
	unsigned int maj, min;

	/* the device's root qdisc, by where it is attached (since 0.6.0) */
	if (part_is(p, "root")) {
		obj_append(n, "root");
		return 0;
	}
	if (!colon || parse_hex16(p->s, colon - p->s, &maj) ||
	    parse_hex16(colon + 1, p->s + p->len - colon - 1, &min))
		return -EINVAL;
	obj_append(n, "%x:%x", maj, min);
	return 0;
}

/* Returns 1 if @p is an object (not part of the group), 0, or -EINVAL. */
static int match_part(const char *pat, const struct part *p,
		      struct netstats_name *n)
{
	__u64 v;

	if (pat[0] != '<')
		return part_is(p, pat) ? 0 : -EINVAL;
	if (!strcmp(pat, "<dev>"))
		return dev_valid(p) ? 0 : -EINVAL;
	if (!strcmp(pat, "<odev>")) {
		if (!dev_valid(p))
			return -EINVAL;
		obj_append(n, "%.*s", (int)p->len, p->s);
		return 1;
	}
	if (!strcmp(pat, "<dir>"))
		return part_is(p, "rx") || part_is(p, "tx") ? 0 : -EINVAL;
	if (!strcmp(pat, "<sock>"))
		return match_sock(*p, n) ?: 1;
	if (!strcmp(pat, "<cookie>"))
		return !part_is_cookie(p) ? -EINVAL : match_sock(*p, n) ?: 1;
	if (!strcmp(pat, "<local>") || !strcmp(pat, "<remote>"))
		return match_endpoint(p, n, pat[1] == 'l') ?: 1;
	if (!strcmp(pat, "<handle>"))
		return match_handle(p, n) ?: 1;
	/* <id> */
	if (parse_dec(p->s, p->len, UINT_MAX, &v))
		return -EINVAL;
	obj_append(n, "%llu", (unsigned long long)v);
	return 1;
}

static int match_target(const struct part *parts, unsigned int cnt,
			struct netstats_name *n)
{
	unsigned int i, j;
	size_t len;
	int ret = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(name_pats); i++) {
		const char *const *pat = name_pats[i];

		if ((cnt < NAME_MAX_PARTS && pat[cnt]) || !pat[cnt - 1])
			continue;
		memset(n, 0, sizeof(*n));
		for (j = 0, len = 0; j < cnt; j++) {
			ret = match_part(pat[j], &parts[j], n);
			if (ret < 0)
				break;
			if (ret)
				continue;
			if (len + !!len + parts[j].len >= sizeof(n->group)) {
				ret = -EINVAL;
				break;
			}
			len += sprintf(n->group + len, "%s%.*s", len ? "/" : "",
				       (int)parts[j].len, parts[j].s);
		}
		if (ret >= 0)
			return 0;
	}
	return -EINVAL;
}

static bool opt_name_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= NETSTATS_NAME_OPT_LEN ||
	    !islower((unsigned char)s[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* The values of option "collect" by name (enum netstats_collect). */
static const char *const collect_names[] = { "pull", "push", "direct" };

static int parse_opt_value(const char *name, size_t name_len,
			   const char *s, size_t len, __u64 *value)
{
	__u64 i;

	if (name_len == strlen("collect") && !memcmp(name, "collect", name_len))
		for (i = 0; i < sizeof(collect_names) / sizeof(collect_names[0]);
		     i++)
			if (strlen(collect_names[i]) == len &&
			    !memcmp(collect_names[i], s, len)) {
				*value = i;
				return 0;
			}
	return parse_dec(s, len, ~0ULL, value);
}

/* "opt=value[,opt=value...]"; collect's value also by name */
static int parse_opts(const char *s, struct netstats_name *n)
{
	const char *end, *eq;
	unsigned int i;

	for (;;) {
		struct netstats_name_opt *o = &n->opts[n->opt_cnt];

		end = strchrnul(s, ',');
		eq = memchr(s, '=', end - s);
		if (n->opt_cnt == NETSTATS_NAME_MAX_OPTS || !eq ||
		    !opt_name_valid(s, eq - s) ||
		    parse_opt_value(s, eq - s, eq + 1, end - eq - 1, &o->value))
			return -EINVAL;
		memcpy(o->name, s, eq - s);
		for (i = 0; i < n->opt_cnt; i++)
			if (!strcmp(n->opts[i].name, o->name))
				return -EINVAL;
		n->opt_cnt++;
		if (!*end)
			return 0;
		s = end + 1;
	}
}

int netstats__parse_name(const char *name, struct netstats_name *out)
{
	struct part parts[NAME_MAX_PARTS];
	struct netstats_name n;
	const char *s, *end;
	unsigned int cnt;
	size_t sz;

	if (!name || !out || out->sz < NETSTATS_NAME_SZ_MIN)
		return ns_err(-EINVAL);

	end = strchrnul(name, '@');
	for (cnt = 0, s = name; ; s++) {
		const char *slash = memchr(s, '/', end - s) ?: end;

		if (cnt == NAME_MAX_PARTS || slash == s)
			return ns_err(-EINVAL);
		parts[cnt].s = s;
		parts[cnt++].len = slash - s;
		s = slash;
		if (s == end)
			break;
	}
	if (match_target(parts, cnt, &n))
		return ns_err(-EINVAL);
	if (*end && parse_opts(end + 1, &n))
		return ns_err(-EINVAL);

	/* Copy what the caller knows about, zero what it has and we don't. */
	sz = out->sz;
	n.sz = sz;
	memcpy(out, &n, sz < sizeof(n) ? sz : sizeof(n));
	if (sz > sizeof(n))
		memset((char *)out + sizeof(n), 0, sz - sizeof(n));
	return 0;
}
