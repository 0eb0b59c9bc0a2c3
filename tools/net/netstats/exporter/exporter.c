// SPDX-License-Identifier: GPL-2.0
/*
 * netstats-exporter: serve netstats registrations to Prometheus.
 *
 * The registrations named on the command line are made at start-up, then
 * every capability is dropped and the HTTP(S) server (web.c,
 * libmicrohttpd) starts. A scrape reads the mapped counters with plain
 * loads: the only system calls it makes are those of its own HTTP
 * connection. One thread, one poll loop.
 *
 * Targets come and go: a name that does not resolve at start-up, or
 * whose object dies (a device deleted, a qdisc replaced, a driver
 * reloaded), is reported down (netstats_object_up 0) and registered again
 * by its name, which is its identity, with a backoff of 1 s doubling to
 * 60 s, early when rtnetlink announces a link or a qdisc. Those retries
 * run without capabilities: see PRIVILEGES in netstats-exporter.8.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strchrnul() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/netstats.h>
#include <linux/rtnetlink.h>

#include "libnetstats.h"
#include "privs.h"
#include "prom.h"
#include "web.h"

#ifndef NETSTATS_VERSION
#define NETSTATS_VERSION	"unknown"
#endif

#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif

#define EXP_NAME		"netstats-exporter"
/*
 * 9100-9999, the range of the Prometheus default port allocations, is
 * all taken (9411 is Zipkin's); the wiki suggests a port outside it.
 */
#define EXP_DEFAULT_LISTEN	"127.0.0.1:18411"
#define EXP_DEFAULT_TIMEOUT	10	/* seconds */
#define EXP_MAX_TIMEOUT		3600

enum exp_reg_state {
	EXP_REG_LIVE,
	EXP_REG_FINAL,	/* dead; its final values go in the next GET */
	EXP_REG_DOWN,	/* not registered: retried at next_try */
};

/* Retries of a target that is down: 1 s, doubling, up to 60 s. */
#define EXP_RETRY_MIN_S		1
#define EXP_RETRY_MAX_S		60
#define EXP_NS			1000000000ULL

/* Default of --collector.tcp-all.max-sockets. */
#define EXP_TCP_ALL_MAX_SOCKETS	1000
#define EXP_SOCK_LABELS		192	/* {cookie,local,remote}, IPv6 fits */

/* One counter of a directory registration (tcp-all). */
struct exp_dctr {
	char *sum_name;		/* netstats_tcp_all_<c>: gauge, NULL: not summed */
	char *sum_help;
	char *sock_name;	/* per socket, NULL: not exported */
	char *sock_help;
	bool counter;
};

/* A directory registration's scan: sums, and the sockets kept. */
struct exp_dir {
	struct exp_dctr *ctrs;
	__u64 *sums;
	__u64 socks;		/* sockets found by the last scan */
	size_t max;		/* sockets kept per scan, 0 unless per socket */
	size_t kept;
	__u64 *vals;		/* max x counters, then one row for the rest */
	char *labels;		/* max x EXP_SOCK_LABELS */
};

struct exp_reg {
	const char *name;		/* as given on the command line */
	struct netstats_name parsed;
	struct netstats_reg *reg;	/* NULL while down */
	char *labels;			/* the object: {device="eth0",...} or "" */
	char *up_labels;		/* {group="...",<the object's>} */
	size_t cnt;
	__u64 *vals;
	enum exp_reg_state state;
	bool final_served;		/* FINAL: a GET served the values */
	struct exp_dir *dir;		/* tcp-all */
	__u64 next_try;			/* CLOCK_MONOTONIC ns; 0: never */
	__u64 last_try;
	unsigned int backoff;		/* seconds, the next wait */
	__u64 errors;			/* REGISTERs that failed */
};

struct exp_member {
	struct exp_reg *reg;
	size_t idx;
};

/* One metric: a counter of a group, the members are its registrations. */
struct exp_family {
	char *name;
	char *help;
	bool counter;
	size_t cnt;
	struct exp_member *members;
};

enum exp_self_id {
	EXP_SELF_SCRAPES,
	EXP_SELF_SCRAPE_ERRORS,
	EXP_SELF_DEAD,
	EXP_SELF_REGS,
	EXP_SELF_HTTP_ERRORS,
	EXP_SELF_SOCKS_DROPPED,
	EXP_SELF_CNT,
};

static const struct {
	const char *name;
	const char *help;
	bool counter;
} exp_self[EXP_SELF_CNT] = {
	[EXP_SELF_SCRAPES] = {
		"netstats_exporter_scrapes_total",
		"GET requests of the metrics answered", true,
	},
	[EXP_SELF_SCRAPE_ERRORS] = {
		"netstats_exporter_scrape_errors_total",
		"Scrapes that could not read a registration or ran out of memory",
		true,
	},
	[EXP_SELF_DEAD] = {
		"netstats_exporter_dead_total",
		"Registrations found dead (their object died); each is registered again once it is back",
		true,
	},
	[EXP_SELF_REGS] = {
		"netstats_exporter_registrations",
		"Registrations exported", false,
	},
	[EXP_SELF_HTTP_ERRORS] = {
		"netstats_exporter_http_errors_total",
		"HTTP requests answered with an error status or failed", true,
	},
	[EXP_SELF_SOCKS_DROPPED] = {
		"netstats_exporter_tcp_all_sockets_dropped_total",
		"tcp-all sockets left out of the per-socket series by --collector.tcp-all.max-sockets, per scrape (still in the sums)",
		true,
	},
};

#define EXP_BUILD_INFO		"netstats_exporter_build_info"
#define EXP_SCRAPE_DURATION	"netstats_exporter_scrape_duration_seconds"
#define EXP_OBJECT_UP		"netstats_object_up"
#define EXP_REG_ERRORS		"netstats_exporter_register_errors_total"
#define EXP_TCP_ALL_SOCKETS	"netstats_tcp_all_sockets"

struct exporter {
	struct netstats_handle *h;
	size_t reg_cnt;
	struct exp_reg *regs;
	size_t fam_cnt;
	struct exp_family *fams;
	int sfd;		/* signalfd of SIGINT and SIGTERM */
	int epfd;		/* the monitor's fd and rtfd, -1 if none */
	int mfd;		/* netstats__monitor_fd(), the handle's */
	int rtfd;		/* rtnetlink, links and qdiscs, -1 if none */
	bool restricted;	/* export restricted counters too */
	bool per_socket;	/* --collector.tcp-all.per-socket */
	size_t max_sockets;	/* --collector.tcp-all.max-sockets */
	size_t restricted_cnt;	/* restricted counters not exported */
	bool drop_pending;
	char *build_labels;	/* {version="...",kernel="..."} */
	__u64 self[EXP_SELF_CNT];
};

#define EXP_INIT { .sfd = -1, .epfd = -1, .mfd = -1, .rtfd = -1 }

static __u64 exp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * EXP_NS + ts.tv_nsec;
}

/* --- labels: the object's identity --------------------------------------- */

/* "192.0.2.1:80" or "[2001:db8::1]:80". */
static void exp_addr_port(char *out, size_t size, __u16 family,
			  const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* "8001:0" (netstats__parse_name()'s form) -> "8001:", as tc shows it. */
static void exp_tc_handle(char *out, size_t size, const char *h)
{
	const char *colon = strchr(h, ':');

	if (colon && !strcmp(colon, ":0"))
		snprintf(out, size, "%.*s:", (int)(colon - h), h);
	else
		snprintf(out, size, "%s", h);
}

/**
 * exp_object_labels() - the labels of a target's object
 * @n: the parsed name
 * @group: also a label "group" first (netstats_object_up), or NULL
 * @b: where the label set goes, "" if it has no label
 *
 * The labels node_exporter gives the same things, so that PromQL joins
 * them: device (as node_network_*), queue and direction, handle (of a
 * qdisc, as tc shows it; "root" if named so), pool; a TCP socket's fd,
 * cookie, local and remote. The collection options (@period-ms=...) are
 * not part of the identity and are in no label.
 */
static void exp_object_labels(const struct netstats_name *n, const char *group,
			      struct exp_buf *b)
{
	char dev[NETSTATS_NAME_OBJECT_LEN], id[NETSTATS_NAME_OBJECT_LEN];
	char local[64], remote[64], num[24], handle[NETSTATS_NAME_OBJECT_LEN];
	const char *g = n->group, *slash;
	struct prom_label l[5];
	size_t cnt = 0;

	if (group)
		l[cnt++] = (struct prom_label){ "group", group };
	slash = strrchr(n->object, '/');
	snprintf(dev, sizeof(dev), "%.*s",
		 (int)(slash ? slash - n->object : (int)strlen(n->object)),
		 n->object);
	snprintf(id, sizeof(id), "%s", slash ? slash + 1 : "");

	if (!strncmp(g, "queue/", 6) || !strncmp(g, "hwqueue/", 8)) {
		l[cnt++] = (struct prom_label){ "device", dev };
		l[cnt++] = (struct prom_label){ "queue", id };
		l[cnt++] = (struct prom_label){ "direction", strchr(g, '/') + 1 };
	} else if (!strcmp(g, NETSTATS_GROUP_HW)) {
		l[cnt++] = (struct prom_label){ "device", n->object };
	} else if (!strcmp(g, NETSTATS_GROUP_QDISC)) {
		exp_tc_handle(handle, sizeof(handle), id);
		l[cnt++] = (struct prom_label){ "device", dev };
		l[cnt++] = (struct prom_label){ "handle", handle };
	} else if (!strcmp(g, NETSTATS_GROUP_PAGE_POOL)) {
		l[cnt++] = (struct prom_label){ "pool", n->object };
	} else if (n->flags & NETSTATS_NAME_F_SOCK_FD) {
		snprintf(num, sizeof(num), "%d", n->sock_fd);
		l[cnt++] = (struct prom_label){ "fd", num };
	} else if (n->flags & NETSTATS_NAME_F_SOCK_COOKIE) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)n->sock_cookie);
		l[cnt++] = (struct prom_label){ "cookie", num };
		if (n->flags & NETSTATS_NAME_F_SOCK_ADDR) {
			exp_addr_port(local, sizeof(local), n->sock_family,
				      n->sock_src, n->sock_sport);
			exp_addr_port(remote, sizeof(remote), n->sock_family,
				      n->sock_dst, n->sock_dport);
			l[cnt++] = (struct prom_label){ "local", local };
			l[cnt++] = (struct prom_label){ "remote", remote };
		}
	}
	if (cnt)
		prom_put_labels(b, l, cnt);
	exp_buf_putc(b, '\0');
}

static int exp_reg_labels(struct exp_reg *r)
{
	struct exp_buf b = {}, u = {};

	exp_object_labels(&r->parsed, NULL, &b);
	exp_object_labels(&r->parsed, r->parsed.group, &u);
	if (b.oom || u.oom) {
		exp_buf_free(&b);
		exp_buf_free(&u);
		return -ENOMEM;
	}
	r->labels = b.data;
	r->up_labels = u.data;
	return 0;
}

/*
 * {cookie="...",local="...",remote="..."} of a tcp-all socket: digits,
 * addresses and ports, nothing to escape.
 */
static void exp_sock_labels(char *out, const struct netstats_sock *sk)
{
	char local[64], remote[64];

	exp_addr_port(local, sizeof(local), sk->family, sk->src, sk->sport);
	exp_addr_port(remote, sizeof(remote), sk->family, sk->dst, sk->dport);
	snprintf(out, EXP_SOCK_LABELS, "{cookie=\"%llu\",local=\"%s\",remote=\"%s\"}",
		 (unsigned long long)sk->cookie, local, remote);
}

/* --- registrations and metric families ---------------------------------- */

static struct exp_family *exp_family_find(struct exporter *e,
					  const char *name)
{
	size_t i;

	for (i = 0; i < e->fam_cnt; i++)
		if (!strcmp(e->fams[i].name, name))
			return &e->fams[i];
	return NULL;
}

static bool exp_self_name(const char *name)
{
	size_t i;

	for (i = 0; i < EXP_SELF_CNT; i++)
		if (!strcmp(exp_self[i].name, name))
			return true;
	return !strcmp(name, EXP_BUILD_INFO) ||
	       !strcmp(name, EXP_SCRAPE_DURATION) ||
	       !strcmp(name, EXP_OBJECT_UP) ||
	       !strcmp(name, EXP_REG_ERRORS) ||
	       !strcmp(name, EXP_TCP_ALL_SOCKETS);
}

static const struct netstats_counter_info *
exp_query_counter(const struct netstats_group_info *info, const char *name)
{
	size_t i;

	for (i = 0; info && i < info->counter_cnt; i++)
		if (!strcmp(info->counters[i]->name, name))
			return info->counters[i];
	return NULL;
}

/*
 * Counter @idx of @r: its description, flags (REGISTER's and QUERY's),
 * and whether it is exported (false: type unknown, or restricted).
 */
static bool exp_counter_flags(struct exporter *e, struct exp_reg *r,
			      size_t idx,
			      const struct netstats_group_info *info,
			      const struct netstats_counter_info **ci,
			      const struct netstats_counter_info **qi,
			      __u32 *flags)
{
	__u64 v;

	*ci = netstats_reg__counter(r->reg, idx);
	if (!netstats__counter_type_str((*ci)->type) ||
	    (!r->dir && netstats_reg__read(r->reg, idx, &v) == -EOPNOTSUPP)) {
		fprintf(stderr, "%s: %s: counter %s: unknown type %u, not exported\n",
			EXP_NAME, r->name, (*ci)->name, (*ci)->type);
		return false;
	}
	*qi = exp_query_counter(info, (*ci)->name);
	*flags = (*ci)->flags | (*qi ? (*qi)->flags : 0);
	/* E.g. TCP sequence numbers: not for whoever reaches the port. */
	if ((*flags & NETSTATS_COUNTER_FLAGS_RESTRICTED) && !e->restricted) {
		e->restricted_cnt++;
		return false;
	}
	return true;
}

static char *exp_help(const struct netstats_counter_info *qi,
		      const char *ctr, const char *group)
{
	char *help;

	if (qi && qi->doc[0])
		return strdup(qi->doc);
	if (asprintf(&help, "Counter %s of the netstats group %s", ctr,
		     group) < 0)
		return NULL;
	return help;
}

/* Adds counter @idx of @r to the family of its metric name. */
static int exp_add_member(struct exporter *e, struct exp_reg *r, size_t idx,
			  const struct netstats_group_info *info)
{
	const struct netstats_counter_info *ci, *qi;
	const char *parts[3] = { "netstats", r->parsed.group };
	struct exp_member *m;
	struct exp_family *f;
	bool counter;
	__u32 flags;
	char *name;

	if (!exp_counter_flags(e, r, idx, info, &ci, &qi, &flags))
		return 0;
	counter = !(flags & NETSTATS_COUNTER_FLAGS_GAUGE);
	parts[2] = ci->name;
	name = prom_metric_name(parts, 3, counter);
	if (!name) {
		fprintf(stderr, "%s: %s: counter '%s' gives no valid metric name\n",
			EXP_NAME, r->name, ci->name);
		return -EINVAL;
	}

	f = exp_family_find(e, name);
	if (f && f->counter != counter) {
		fprintf(stderr, "%s: %s: metric %s is both a counter and a gauge\n",
			EXP_NAME, r->name, name);
		goto err_name;
	}
	if (!f && exp_self_name(name)) {
		fprintf(stderr, "%s: %s: metric %s is the exporter's own\n",
			EXP_NAME, r->name, name);
		goto err_name;
	}
	if (!f) {
		f = realloc(e->fams, (e->fam_cnt + 1) * sizeof(*f));
		if (!f)
			goto err_nomem;
		e->fams = f;
		f = &e->fams[e->fam_cnt];
		memset(f, 0, sizeof(*f));
		f->help = exp_help(qi, ci->name, r->parsed.group);
		if (!f->help)
			goto err_nomem;
		f->name = name;
		f->counter = counter;
		e->fam_cnt++;
	} else {
		free(name);
	}

	m = realloc(f->members, (f->cnt + 1) * sizeof(*m));
	if (!m) {
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
		return -ENOMEM;
	}
	f->members = m;
	m[f->cnt].reg = r;
	m[f->cnt].idx = idx;
	f->cnt++;
	return 0;

err_nomem:
	fprintf(stderr, "%s: out of memory\n", EXP_NAME);
	free(name);
	return -ENOMEM;
err_name:
	free(name);
	return -EINVAL;
}

/* Takes @r out of every family: it is down, or registered again. */
static void exp_forget_members(struct exporter *e, const struct exp_reg *r)
{
	struct exp_family *f;
	size_t i, j, k;

	for (i = 0; i < e->fam_cnt; i++) {
		f = &e->fams[i];
		for (j = k = 0; j < f->cnt; j++)
			if (f->members[j].reg != r)
				f->members[k++] = f->members[j];
		f->cnt = k;
	}
}

static void exp_dir_free(struct exp_reg *r)
{
	struct exp_dir *d = r->dir;
	size_t i;

	if (!d)
		return;
	for (i = 0; d->ctrs && i < r->cnt; i++) {
		free(d->ctrs[i].sum_name);
		free(d->ctrs[i].sum_help);
		free(d->ctrs[i].sock_name);
		free(d->ctrs[i].sock_help);
	}
	free(d->ctrs);
	free(d->sums);
	free(d->vals);
	free(d->labels);
	free(d);
	r->dir = NULL;
}

/*
 * A directory registration (tcp-all): per counter, the sum over the
 * netns' sockets (a gauge: sockets come and go, a sum of counters goes
 * down when one closes), and, with --collector.tcp-all.per-socket, the
 * counter of each socket, up to --collector.tcp-all.max-sockets.
 * Restricted counters are never summed.
 */
static int exp_dir_setup(struct exporter *e, struct exp_reg *r,
			 const struct netstats_group_info *info)
{
	const struct netstats_counter_info *ci, *qi;
	const char *parts[4] = { "netstats", r->parsed.group };
	struct exp_dir *d = r->dir;
	struct exp_dctr *c;
	__u32 flags;
	size_t i;

	d->max = e->per_socket ? e->max_sockets : 0;
	d->ctrs = calloc(r->cnt ? r->cnt : 1, sizeof(*d->ctrs));
	d->sums = calloc(r->cnt ? r->cnt : 1, sizeof(*d->sums));
	d->vals = calloc((d->max + 1) * (r->cnt ? r->cnt : 1),
			 sizeof(*d->vals));
	d->labels = calloc(d->max ? d->max : 1, EXP_SOCK_LABELS);
	if (!d->ctrs || !d->sums || !d->vals || !d->labels)
		return -ENOMEM;
	for (i = 0; i < r->cnt; i++) {
		c = &d->ctrs[i];
		/* Counted once, as restricted counters of a socket. */
		if (!exp_counter_flags(e, r, i, info, &ci, &qi, &flags))
			continue;
		c->counter = !(flags & NETSTATS_COUNTER_FLAGS_GAUGE);
		c->sock_help = exp_help(qi, ci->name, r->parsed.group);
		if (!c->sock_help)
			return -ENOMEM;
		if (!(flags & NETSTATS_COUNTER_FLAGS_RESTRICTED)) {
			parts[2] = ci->name;
			c->sum_name = prom_metric_name(parts, 3, false);
			if (!c->sum_name ||
			    asprintf(&c->sum_help, "Sum over the TCP sockets of the netns now (a gauge: sockets come and go): %s",
				     c->sock_help) < 0) {
				c->sum_help = NULL;
				return -ENOMEM;
			}
		}
		if (d->max) {
			parts[2] = "socket";
			parts[3] = ci->name;
			c->sock_name = prom_metric_name(parts, 4, c->counter);
			if (!c->sock_name)
				return -ENOMEM;
		}
	}
	return 0;
}

struct exp_query_ctx {
	struct exporter *e;
	struct exp_reg *r;
	bool done;
};

static int exp_query_cb(const struct netstats_group_info *info, void *data)
{
	struct exp_query_ctx *q = data;
	size_t i;
	int err;

	if (q->done || strcmp(info->name, q->r->parsed.group))
		return 0;
	q->done = true;
	if (q->r->dir)
		return exp_dir_setup(q->e, q->r, info);
	for (i = 0; i < q->r->cnt; i++) {
		err = exp_add_member(q->e, q->r, i, info);
		if (err)
			return err;
	}
	return 0;
}

/*
 * @reg is @r's new registration: describe its counters by QUERY of its
 * group. On failure @r is left without it (unregistered).
 */
static int exp_attach(struct exporter *e, struct exp_reg *r,
		      struct netstats_reg *reg)
{
	struct exp_query_ctx q = { .e = e, .r = r };
	const char *msg;
	size_t i;
	int err;

	r->reg = reg;
	r->cnt = netstats_reg__counter_cnt(reg);
	free(r->vals);
	r->vals = calloc(r->cnt ? r->cnt : 1, sizeof(*r->vals));
	if (!r->vals) {
		err = -ENOMEM;
		goto err;
	}
	if (netstats_reg__flags(reg) & NETSTATS_GROUP_FLAGS_DIRECTORY) {
		/* Filled by exp_dir_setup(). */
		r->dir = calloc(1, sizeof(*r->dir));
		if (!r->dir) {
			err = -ENOMEM;
			goto err;
		}
	}

	err = netstats__query(e->h, r->parsed.group, exp_query_cb, &q);
	if (err && !q.done) {
		/* Still exportable, with generated help texts. */
		msg = netstats__last_error(e->h);
		fprintf(stderr, "%s: warning: cannot query group '%s': %s\n",
			EXP_NAME, r->parsed.group,
			msg[0] ? msg : strerror(-err));
		err = 0;
	}
	if (!q.done && !err && r->dir)
		err = exp_dir_setup(e, r, NULL);
	for (i = 0; !q.done && !err && !r->dir && i < r->cnt; i++)
		err = exp_add_member(e, r, i, NULL);
	if (!err) {
		r->state = EXP_REG_LIVE;
		r->final_served = false;
		return 0;
	}
err:
	if (err == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
	exp_forget_members(e, r);
	exp_dir_free(r);
	netstats_reg__unregister(reg);
	r->reg = NULL;
	return err;
}

/* REGISTER @r: NULL if refused (printed, with the kernel's message). */
static struct netstats_reg *exp_reg_new(struct exporter *e, struct exp_reg *r,
					int *err)
{
	struct netstats_reg *reg;
	const char *msg;

	r->last_try = exp_now_ns();
	errno = 0;
	reg = netstats__register(e->h, r->name);
	if (reg)
		return reg;
	*err = errno ? errno : EIO;
	msg = netstats__last_error(e->h);
	fprintf(stderr, "%s: cannot register '%s': %s\n", EXP_NAME, r->name,
		msg[0] ? msg : strerror(*err));
	*err = -*err;
	r->errors++;
	return NULL;
}

/* @r is down (or still FINAL): try again in @r->backoff seconds. */
static void exp_retry_later(struct exp_reg *r, int err)
{
	/* Capabilities only go: refused for one, refused for good. */
	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "%s: '%s' needs a capability: not retried (restart with it)\n",
			EXP_NAME, r->name);
		r->next_try = 0;
		return;
	}
	if (!r->backoff)
		r->backoff = EXP_RETRY_MIN_S;
	r->next_try = exp_now_ns() + r->backoff * EXP_NS;
	if (!r->next_try)
		r->next_try = 1;
	r->backoff = r->backoff * 2 > EXP_RETRY_MAX_S ? EXP_RETRY_MAX_S :
							 r->backoff * 2;
}

/* The object of @r died (found by a scrape, or announced). */
static void exp_mark_dead(struct exporter *e, struct exp_reg *r)
{
	if (r->state != EXP_REG_LIVE)
		return;
	r->state = EXP_REG_FINAL;
	r->final_served = false;
	r->backoff = EXP_RETRY_MIN_S;
	e->self[EXP_SELF_DEAD]++;
	exp_retry_later(r, 0);
}

static void exp_unregister(struct exporter *e, struct exp_reg *r)
{
	if (!r->reg)
		return;
	exp_forget_members(e, r);
	exp_dir_free(r);
	if (netstats_reg__unregister(r->reg))
		fprintf(stderr, "%s: unregister '%s': %s\n", EXP_NAME,
			r->name, netstats__last_error(e->h));
	r->reg = NULL;
}

/*
 * Registers @r again, by its name: once the new registration is made,
 * the dead one goes (with its final values, if no GET served them yet).
 */
static void exp_retry(struct exporter *e, struct exp_reg *r)
{
	struct netstats_reg *reg;
	int err;

	reg = exp_reg_new(e, r, &err);
	if (reg) {
		exp_unregister(e, r);
		err = exp_attach(e, r, reg);
		if (err)
			r->errors++;
	}
	if (err) {
		if (!r->reg)
			r->state = EXP_REG_DOWN;
		exp_retry_later(r, err);
		return;
	}
	r->next_try = 0;
	r->backoff = EXP_RETRY_MIN_S;
	fprintf(stderr, "%s: '%s' registered\n", EXP_NAME, r->name);
}

/*
 * Registers every target at start-up: a name that does not resolve (yet)
 * is reported down and retried. 0, or -1 if a group's counters make no
 * metrics (printed).
 */
static int exp_register_all(struct exporter *e, size_t *up)
{
	struct netstats_reg *reg;
	struct exp_reg *r;
	size_t i;
	int err;

	*up = 0;
	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		reg = exp_reg_new(e, r, &err);
		if (!reg) {
			r->state = EXP_REG_DOWN;
			exp_retry_later(r, err);
			continue;
		}
		if (exp_attach(e, r, reg))
			return -1;
		(*up)++;
	}
	return 0;
}

/* Drops the dead registrations a GET served; retries those due. */
static void exp_housekeeping(struct exporter *e)
{
	__u64 now = exp_now_ns();
	struct exp_reg *r;
	size_t i;

	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		if (r->state == EXP_REG_FINAL && r->final_served) {
			exp_unregister(e, r);
			r->state = EXP_REG_DOWN;
		}
		if (r->state != EXP_REG_LIVE && r->next_try &&
		    now >= r->next_try)
			exp_retry(e, r);
	}
	e->drop_pending = false;
}

/* Milliseconds to the next retry, -1 if none is due. */
static int exp_timeout_ms(void *ctx)
{
	struct exporter *e = ctx;
	__u64 now = exp_now_ns(), next = 0;
	size_t i;

	for (i = 0; i < e->reg_cnt; i++)
		if (e->regs[i].state != EXP_REG_LIVE && e->regs[i].next_try &&
		    (!next || e->regs[i].next_try < next))
			next = e->regs[i].next_try;
	if (!next)
		return -1;
	if (next <= now)
		return 0;
	next = (next - now + 999999) / 1000000;
	return next > INT32_MAX ? INT32_MAX : (int)next;
}

static int exp_dead_cb(__u32 id, __u32 portid, const char *group,
		       const char *object, void *ctx)
{
	struct exporter *e = ctx;
	struct exp_reg *r;
	size_t i;

	(void)portid;
	(void)group;
	(void)object;
	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		if (!r->reg || netstats_reg__id(r->reg) != id)
			continue;
		/* tcp-all: a socket of the directory died, not the directory. */
		if (r->dir && !netstats_reg__dead(r->reg))
			continue;
		exp_mark_dead(e, r);
	}
	return 0;
}

/*
 * The monitor's notifications (a death: retry from 1 s), and rtnetlink's
 * (a link or a qdisc appeared or changed: retry what is down now, or 1 s
 * after its last try, whichever is later).
 */
static void exp_watch(void *ctx)
{
	struct exporter *e = ctx;
	struct exp_reg *r;
	char buf[8192];
	bool news = false;
	__u64 now, next;
	size_t i;
	int ret;

	if (e->mfd >= 0) {
		ret = netstats__monitor_read(e->h, exp_dead_cb, e);
		if (ret == -ENOBUFS)	/* lost some: ask every block */
			for (i = 0; i < e->reg_cnt; i++)
				if (e->regs[i].reg &&
				    netstats_reg__dead(e->regs[i].reg))
					exp_mark_dead(e, &e->regs[i]);
	}
	while (e->rtfd >= 0 &&
	       (ret = recv(e->rtfd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (ret < 0 && errno != ENOBUFS)
			break;
		news = true;
	}
	if (!news)
		return;
	now = exp_now_ns();
	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		if (r->state == EXP_REG_LIVE || !r->next_try)
			continue;
		next = r->last_try + EXP_NS;
		if (next < now)
			next = now;
		if (next < r->next_try)
			r->next_try = next;
	}
}

/* Reads the values of @r: false if a counter could not be read. */
static bool exp_read_reg(struct exp_reg *r)
{
	bool ok = true;
	size_t i;

	/* A block that moves all the time: each value is still exact. */
	if (netstats_reg__snapshot(r->reg, r->vals, r->cnt, NULL) >= 0)
		return true;
	for (i = 0; i < r->cnt; i++) {
		if (netstats_reg__read(r->reg, i, &r->vals[i])) {
			r->vals[i] = 0;
			ok = false;
		}
	}
	return ok;
}

/*
 * Scans the sockets of a directory registration: the sums, and the
 * first max sockets' values and labels. Loads only.
 */
static bool exp_scan_dir(struct exporter *e, struct exp_reg *r, bool count)
{
	struct netstats_sock_scan s = { .sz = sizeof(s) };
	struct netstats_sock sk = { .sz = sizeof(sk) };
	struct exp_dir *d = r->dir;
	__u64 *v, *spare = d->vals + d->max * r->cnt;
	size_t i;

	memset(d->sums, 0, r->cnt * sizeof(*d->sums));
	d->socks = 0;
	d->kept = 0;
	if (netstats_reg__sock_scan(r->reg, &s))
		return false;
	for (;;) {
		v = d->kept < d->max ? d->vals + d->kept * r->cnt : spare;
		if (netstats_sock_scan__next(&s, v) <= 0)
			break;
		d->socks++;
		for (i = 0; i < r->cnt; i++)
			d->sums[i] += v[i];
		if (v == spare) {
			if (d->max && count)
				e->self[EXP_SELF_SOCKS_DROPPED]++;
			continue;
		}
		/* Rewritten since: its values are in the sums only. */
		if (netstats_sock_scan__sock(&s, &sk))
			continue;
		exp_sock_labels(d->labels + d->kept * EXP_SOCK_LABELS, &sk);
		d->kept++;
	}
	return true;
}

static void exp_put_dir(struct exp_buf *b, const struct exp_reg *r)
{
	const struct exp_dir *d = r->dir;
	const struct exp_dctr *c;
	size_t i, k;

	prom_put_help(b, EXP_TCP_ALL_SOCKETS,
		      "TCP sockets of the netns the tcp-all registration follows");
	prom_put_type(b, EXP_TCP_ALL_SOCKETS, false);
	prom_put_sample(b, EXP_TCP_ALL_SOCKETS, r->labels, d->socks);
	for (i = 0; i < r->cnt; i++) {
		c = &d->ctrs[i];
		if (!c->sum_name)
			continue;
		prom_put_help(b, c->sum_name, c->sum_help);
		prom_put_type(b, c->sum_name, false);
		prom_put_sample(b, c->sum_name, r->labels, d->sums[i]);
	}
	for (i = 0; d->kept && i < r->cnt; i++) {
		c = &d->ctrs[i];
		if (!c->sock_name)
			continue;
		prom_put_help(b, c->sock_name, c->sock_help);
		prom_put_type(b, c->sock_name, c->counter);
		for (k = 0; k < d->kept; k++)
			prom_put_sample(b, c->sock_name,
					d->labels + k * EXP_SOCK_LABELS,
					d->vals[k * r->cnt + i]);
	}
}

/* The exporter's own metrics, and whether each target is up. */
static void exp_scrape_self(struct exporter *e, struct exp_buf *b,
			    __u64 t0)
{
	char secs[32];
	size_t i;

	prom_put_help(b, EXP_BUILD_INFO,
		      "The version of netstats-exporter and the kernel it runs on");
	prom_put_type(b, EXP_BUILD_INFO, false);
	prom_put_sample(b, EXP_BUILD_INFO, e->build_labels, 1);

	prom_put_help(b, EXP_OBJECT_UP,
		      "1 if the target's object is registered and alive, 0 if it died or is not (yet) there");
	prom_put_type(b, EXP_OBJECT_UP, false);
	for (i = 0; i < e->reg_cnt; i++)
		prom_put_sample(b, EXP_OBJECT_UP, e->regs[i].up_labels,
				e->regs[i].state == EXP_REG_LIVE);
	prom_put_help(b, EXP_REG_ERRORS,
		      "REGISTER requests of the target that failed (a name that does not resolve, an object not back yet)");
	prom_put_type(b, EXP_REG_ERRORS, true);
	for (i = 0; i < e->reg_cnt; i++)
		prom_put_sample(b, EXP_REG_ERRORS, e->regs[i].up_labels,
				e->regs[i].errors);

	for (i = 0; i < EXP_SELF_CNT; i++) {
		prom_put_help(b, exp_self[i].name, exp_self[i].help);
		prom_put_type(b, exp_self[i].name, exp_self[i].counter);
		prom_put_sample(b, exp_self[i].name, "", e->self[i]);
	}

	/* Last: the time of everything before. */
	t0 = exp_now_ns() - t0;
	snprintf(secs, sizeof(secs), "%llu.%09llu",
		 (unsigned long long)t0 / EXP_NS,
		 (unsigned long long)t0 % EXP_NS);
	prom_put_help(b, EXP_SCRAPE_DURATION,
		      "Seconds this scrape took to read and format the counters");
	prom_put_type(b, EXP_SCRAPE_DURATION, false);
	prom_put_sample_str(b, EXP_SCRAPE_DURATION, "", secs);
}

/**
 * exp_scrape() - write the exposition
 * @e: exporter
 * @b: output
 * @count: a GET, not a HEAD: count the scrape, and let it be the one that
 *	serves the final values of objects found dead
 *
 * Loads from the mappings only: no system call but clock_gettime(), from
 * the vDSO.
 */
static void exp_scrape(struct exporter *e, struct exp_buf *b, bool count)
{
	const struct exp_family *f;
	const struct exp_member *m;
	__u64 t0 = exp_now_ns();
	struct exp_reg *r;
	bool any, ok = true;
	size_t i, j;

	e->self[EXP_SELF_REGS] = 0;
	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		if (!r->reg)
			continue;
		if (count && r->state == EXP_REG_LIVE &&
		    netstats_reg__dead(r->reg))
			exp_mark_dead(e, r);
		if (count && r->state == EXP_REG_FINAL) {
			r->final_served = true;
			e->drop_pending = true;
		}
		ok &= r->dir ? exp_scan_dir(e, r, count) : exp_read_reg(r);
		e->self[EXP_SELF_REGS]++;
	}
	if (count) {
		e->self[EXP_SELF_SCRAPES]++;
		if (!ok)
			e->self[EXP_SELF_SCRAPE_ERRORS]++;
	}

	for (i = 0; i < e->fam_cnt; i++) {
		f = &e->fams[i];
		any = false;
		for (j = 0; j < f->cnt; j++) {
			m = &f->members[j];
			if (!any) {
				prom_put_help(b, f->name, f->help);
				prom_put_type(b, f->name, f->counter);
				any = true;
			}
			prom_put_sample(b, f->name, m->reg->labels,
					m->reg->vals[m->idx]);
		}
	}
	for (i = 0; i < e->reg_cnt; i++)
		if (e->regs[i].reg && e->regs[i].dir)
			exp_put_dir(b, &e->regs[i]);
	exp_scrape_self(e, b, t0);
}

/* --- the web server's callbacks -------------------------------------------- */

static int exp_render(void *ctx, struct exp_buf *b, bool count)
{
	struct exporter *e = ctx;

	exp_scrape(e, b, count);
	if (!b->oom)
		return 0;
	if (count)
		e->self[EXP_SELF_SCRAPE_ERRORS]++;
	return -ENOMEM;
}

static void exp_http_error(void *ctx)
{
	struct exporter *e = ctx;

	e->self[EXP_SELF_HTTP_ERRORS]++;
}

static void exp_after(void *ctx)
{
	exp_housekeeping(ctx);
}

/* --- start-up ------------------------------------------------------------ */

/*
 * One descriptor for the loop to poll: the monitor's (deaths of our
 * registrations) and an rtnetlink socket in the link and tc groups
 * (devices and qdiscs that appear; no privilege needed). Without
 * rtnetlink, the backoff alone brings targets back.
 */
static int exp_watch_open(struct exporter *e)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_TC,
	};

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		fprintf(stderr, "%s: epoll_create1: %s\n", EXP_NAME,
			strerror(errno));
		return -1;
	}
	e->mfd = netstats__monitor_fd(e->h);
	if (e->mfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->mfd, &ev)) {
		fprintf(stderr, "%s: the monitor: %s\n", EXP_NAME,
			strerror(e->mfd < 0 ? -e->mfd : errno));
		return -1;
	}
	e->rtfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 NETLINK_ROUTE);
	if (e->rtfd >= 0 &&
	    (bind(e->rtfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	     epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->rtfd, &ev))) {
		close(e->rtfd);
		e->rtfd = -1;
	}
	if (e->rtfd < 0)
		fprintf(stderr, "%s: warning: no rtnetlink: targets come back by the backoff only\n",
			EXP_NAME);
	return 0;
}

static void exp_free(struct exporter *e)
{
	size_t i;

	if (e->sfd >= 0)
		close(e->sfd);
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->rtfd >= 0)
		close(e->rtfd);
	/* Drops and unmaps every registration still made. */
	netstats__close(e->h);
	for (i = 0; i < e->reg_cnt; i++) {
		exp_dir_free(&e->regs[i]);
		free(e->regs[i].labels);
		free(e->regs[i].up_labels);
		free(e->regs[i].vals);
	}
	free(e->regs);
	for (i = 0; i < e->fam_cnt; i++) {
		free(e->fams[i].name);
		free(e->fams[i].help);
		free(e->fams[i].members);
	}
	free(e->fams);
	free(e->build_labels);
}

static void exp_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTION]... NAME...\n"
		"Serve netstats registrations to Prometheus.\n"
		"\n"
		"  NAME                        registration name, e.g. ip or netstats@period-ms=500\n"
		"  -l, --web.listen-address=ADDR\n"
		"                              HOST:PORT, [IPV6]:PORT or :PORT to listen on;\n"
		"                              repeatable (default %s)\n"
		"      --web.config.file=FILE  TLS and basic authentication, in the format of\n"
		"                              the Prometheus exporter-toolkit\n"
		"      --web.telemetry-path=PATH\n"
		"                              where the metrics are (default %s)\n"
		"  -t, --web.timeout=SECONDS   idle time a connection is kept (default %d)\n"
		"  -r, --restricted            also export restricted counters (e.g. TCP\n"
		"                              sequence numbers)\n"
		"      --collector.tcp-all.per-socket\n"
		"                              tcp-all: a series per socket too, labelled\n"
		"                              cookie, local, remote (default: the netns'\n"
		"                              sums and socket count only)\n"
		"      --collector.tcp-all.max-sockets=N\n"
		"                              at most N sockets per scrape in those series\n"
		"                              (default %d; the others are counted in\n"
		"                              netstats_exporter_tcp_all_sockets_dropped_total)\n"
		"  -V, --version               print the version and exit\n"
		"  -h, --help                  print this text and exit\n",
		EXP_NAME, EXP_DEFAULT_LISTEN, WEB_METRICS_PATH,
		EXP_DEFAULT_TIMEOUT, EXP_TCP_ALL_MAX_SOCKETS);
}

/*
 * Checks the names, fills e->regs; 0 or the exit status. Two names of
 * one object (e.g. "ip" and "ip@period-ms=500") would make the same
 * series: refused.
 */
static int exp_parse_names(struct exporter *e, const char *const *names,
			   int cnt)
{
	struct exp_reg *r;
	int i, j;

	e->regs = calloc(cnt, sizeof(*e->regs));
	if (!e->regs) {
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
		return 1;
	}
	for (i = 0; i < cnt; i++) {
		r = &e->regs[i];
		r->name = names[i];
		r->parsed.sz = sizeof(r->parsed);
		if (netstats__parse_name(names[i], &r->parsed)) {
			fprintf(stderr, "%s: invalid registration name '%s'\n",
				EXP_NAME, names[i]);
			e->reg_cnt = i;
			return 2;
		}
		if (exp_reg_labels(r)) {
			fprintf(stderr, "%s: out of memory\n", EXP_NAME);
			e->reg_cnt = i + 1;
			return 1;
		}
		e->reg_cnt = i + 1;
		for (j = 0; j < i; j++) {
			if (!strcmp(names[i], names[j])) {
				fprintf(stderr, "%s: registration '%s' given twice\n",
					EXP_NAME, names[i]);
				return 2;
			}
			if (!strcmp(r->up_labels, e->regs[j].up_labels)) {
				fprintf(stderr, "%s: '%s' and '%s' name the same object\n",
					EXP_NAME, names[j], names[i]);
				return 2;
			}
		}
	}
	return 0;
}

/* The labels of netstats_exporter_build_info: 0 or -ENOMEM. */
static int exp_build_labels(struct exporter *e, const char *kernel)
{
	struct prom_label l[2] = {
		{ "version", NETSTATS_VERSION },
		{ "kernel", kernel },
	};
	struct exp_buf b = {};

	prom_put_labels(&b, l, 2);
	exp_buf_putc(&b, '\0');
	if (b.oom) {
		exp_buf_free(&b);
		return -ENOMEM;
	}
	e->build_labels = b.data;
	return 0;
}

struct exp_args {
	const char *listen[WEB_MAX_LISTEN];
	size_t listen_cnt;
	const char *config;
	const char *path;
	unsigned long timeout;
};

/* Parses the options into @a and @e: -1 to go on, else the exit status. */
static int exp_parse_args(struct exporter *e, struct exp_args *a, int argc,
			  char **argv)
{
	enum {
		OPT_CONFIG = 256, OPT_PATH, OPT_LISTEN_OLD, OPT_TIMEOUT_OLD,
		OPT_PER_SOCKET, OPT_MAX_SOCKETS,
	};
	static const struct option opts[] = {
		{ "web.listen-address", required_argument, NULL, 'l' },
		{ "web.config.file", required_argument, NULL, OPT_CONFIG },
		{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
		{ "web.timeout", required_argument, NULL, 't' },
		{ "restricted", no_argument, NULL, 'r' },
		{ "collector.tcp-all.per-socket", no_argument, NULL,
		  OPT_PER_SOCKET },
		{ "collector.tcp-all.max-sockets", required_argument, NULL,
		  OPT_MAX_SOCKETS },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		/* 0.4 spellings */
		{ "listen", required_argument, NULL, OPT_LISTEN_OLD },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT_OLD },
		{}
	};
	char *end;
	int opt;

	a->timeout = EXP_DEFAULT_TIMEOUT;
	e->max_sockets = EXP_TCP_ALL_MAX_SOCKETS;
	a->path = WEB_METRICS_PATH;
	while ((opt = getopt_long(argc, argv, "l:t:rVh", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN_OLD:
			fprintf(stderr, "%s: --listen is deprecated: use --web.listen-address\n",
				EXP_NAME);
			fallthrough;
		case 'l':
			if (a->listen_cnt == WEB_MAX_LISTEN) {
				fprintf(stderr, "%s: more than %d listen addresses\n",
					EXP_NAME, WEB_MAX_LISTEN);
				return 2;
			}
			a->listen[a->listen_cnt++] = optarg;
			break;
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_PATH:
			if (optarg[0] != '/' || !strcmp(optarg, "/")) {
				fprintf(stderr, "%s: bad telemetry path '%s': expected /PATH\n",
					EXP_NAME, optarg);
				return 2;
			}
			a->path = optarg;
			break;
		case OPT_TIMEOUT_OLD:
			fprintf(stderr, "%s: --timeout is deprecated: use --web.timeout\n",
				EXP_NAME);
			fallthrough;
		case 't':
			errno = 0;
			a->timeout = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' ||
			    optarg[0] > '9' || !a->timeout ||
			    a->timeout > EXP_MAX_TIMEOUT) {
				fprintf(stderr, "%s: bad timeout '%s': expected 1 to %d seconds\n",
					EXP_NAME, optarg, EXP_MAX_TIMEOUT);
				return 2;
			}
			break;
		case 'r':
			e->restricted = true;
			break;
		case OPT_PER_SOCKET:
			e->per_socket = true;
			break;
		case OPT_MAX_SOCKETS:
			errno = 0;
			e->max_sockets = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' ||
			    optarg[0] > '9' || e->max_sockets > 1000000) {
				fprintf(stderr, "%s: bad socket count '%s': expected 0 to 1000000\n",
					EXP_NAME, optarg);
				return 2;
			}
			break;
		case 'V':
			printf("%s version %s\n", EXP_NAME, NETSTATS_VERSION);
			return 0;
		case 'h':
			exp_usage(stdout);
			return 0;
		default:
			exp_usage(stderr);
			return 2;
		}
	}
	if (!a->listen_cnt)
		a->listen[a->listen_cnt++] = EXP_DEFAULT_LISTEN;
	if (optind == argc) {
		fprintf(stderr, "%s: no registration name given\n", EXP_NAME);
		exp_usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct web_ops ops = {
		.render = exp_render,
		.http_error = exp_http_error,
		.after = exp_after,
	};
	struct exporter e = EXP_INIT;
	struct web_server *srv = NULL;
	struct web_config cfg = {};
	struct exp_args a = {};
	size_t i, up = 0;
	bool bounding;
	struct utsname u;
	char err[512];
	sigset_t sigs;
	int ret;

	ret = exp_parse_args(&e, &a, argc, argv);
	if (ret >= 0)
		return ret;
	ops.ctx = &e;

	ret = exp_parse_names(&e, (const char *const *)argv + optind,
			      argc - optind);
	if (ret)
		goto out;
	ret = 2;
	for (i = 0; i < a.listen_cnt; i++) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (web_parse_listen(a.listen[i], &ss, &len)) {
			fprintf(stderr, "%s: bad listen address '%s' (%s)\n",
				EXP_NAME, a.listen[i], WEB_LISTEN_FORMS);
			goto out;
		}
	}
	/* Read while the files can be: before the capabilities go. */
	if (a.config && web_config_load(&cfg, a.config, err, sizeof(err))) {
		fprintf(stderr, "%s: %s: %s\n", EXP_NAME, a.config, err);
		goto out;
	}
	ret = 1;
	if (uname(&u) || exp_build_labels(&e, u.release)) {
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
		goto out;
	}

	e.h = netstats__open();
	if (!e.h) {
		fprintf(stderr, "%s: cannot open the netstats family: %s\n",
			EXP_NAME, errno == ENOENT ?
			"the running kernel has none" : strerror(errno));
		goto out;
	}
	if (exp_watch_open(&e))
		goto out;
	ops.watch = exp_watch;
	ops.watch_fd = e.epfd;
	ops.timeout_ms = exp_timeout_ms;

	if (exp_register_all(&e, &up))
		goto out;
	if (e.restricted_cnt)
		fprintf(stderr, "%s: %zu restricted counters not exported (see -r)\n",
			EXP_NAME, e.restricted_cnt);

	/* SIGINT and SIGTERM end the poll loop; SIGPIPE is not wanted. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	e.sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (e.sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", EXP_NAME, strerror(errno));
		goto out;
	}

	srv = web_server_new(&cfg, &ops, a.path, a.timeout);
	if (!srv) {
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
		goto out;
	}
	/* A port below 1024 takes CAP_NET_BIND_SERVICE: bind now too. */
	for (i = 0; i < a.listen_cnt; i++)
		if (web_server_listen(srv, a.listen[i]))
			goto out;
	ret = privs_drop(&bounding);
	if (ret) {
		fprintf(stderr, "%s: cannot drop capabilities: %s\n", EXP_NAME,
			strerror(-ret));
		ret = 1;
		goto out;
	}
	fprintf(stderr, "%s: %zu of %zu registrations made, the others retried; capabilities dropped%s\n",
		EXP_NAME, up, e.reg_cnt,
		bounding ? ", bounding set too" : "");
	ret = 1;
	if (!web_server_start(srv) && !web_server_serve(srv, e.sfd))
		ret = 0;
out:
	web_server_free(srv);
	web_config_free(&cfg);
	exp_free(&e);
	return ret;
}
