// SPDX-License-Identifier: GPL-2.0
/*
 * netstats-exporter: serve netstats registrations to Prometheus.
 *
 * The registrations named on the command line are made once, at start-up,
 * then every capability is dropped and the HTTP(S) server (web.c,
 * libmicrohttpd) starts. A scrape reads the mapped counters with plain
 * loads: the only system calls it makes are those of its own HTTP
 * connection. One thread, one poll loop.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strchrnul() */
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/netstats.h>

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
	EXP_REG_FINAL,	/* dead; its final values are in the current scrape */
	EXP_REG_GONE,	/* final values served, unregistered */
};

struct exp_reg {
	const char *name;		/* as given on the command line */
	struct netstats_name parsed;
	struct netstats_reg *reg;
	char *labels;			/* {registration="...",object="..."} */
	size_t cnt;
	__u64 *vals;
	enum exp_reg_state state;
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
		"Registrations dropped after their object died", true,
	},
	[EXP_SELF_REGS] = {
		"netstats_exporter_registrations",
		"Registrations exported", false,
	},
	[EXP_SELF_HTTP_ERRORS] = {
		"netstats_exporter_http_errors_total",
		"HTTP requests answered with an error status or failed", true,
	},
};

#define EXP_BUILD_INFO		"netstats_exporter_build_info"
#define EXP_SCRAPE_DURATION	"netstats_exporter_scrape_duration_seconds"
#define EXP_OBJECT_UP		"netstats_object_up"

struct exporter {
	struct netstats_handle *h;
	size_t reg_cnt;
	struct exp_reg *regs;
	size_t fam_cnt;
	struct exp_family *fams;
	int sfd;		/* signalfd of SIGINT and SIGTERM */
	bool restricted;	/* export restricted counters too */
	size_t restricted_cnt;	/* restricted counters not exported */
	bool drop_pending;
	char *build_labels;	/* {version="...",kernel="..."} */
	__u64 self[EXP_SELF_CNT];
};

static __u64 exp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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
	       !strcmp(name, EXP_OBJECT_UP);
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
	__u64 v;

	ci = netstats_reg__counter(r->reg, idx);
	if (netstats_reg__read(r->reg, idx, &v) == -EOPNOTSUPP) {
		fprintf(stderr, "%s: %s: counter %s: unknown type %u, not exported\n",
			EXP_NAME, r->name, ci->name, ci->type);
		return 0;
	}
	qi = exp_query_counter(info, ci->name);
	flags = ci->flags | (qi ? qi->flags : 0);
	/* E.g. TCP sequence numbers: not for whoever reaches the port. */
	if ((flags & NETSTATS_COUNTER_FLAGS_RESTRICTED) && !e->restricted) {
		e->restricted_cnt++;
		return 0;
	}
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
		if (qi && qi->doc[0])
			f->help = strdup(qi->doc);
		else if (asprintf(&f->help, "Counter %s of the netstats group %s",
				  ci->name, r->parsed.group) < 0)
			f->help = NULL;
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
	for (i = 0; i < q->r->cnt; i++) {
		err = exp_add_member(q->e, q->r, i, info);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The object label: the canonical object of the name, else what follows
 * the group in the target ("fd:5" of "tcp/fd:5"), else none.
 */
static char *exp_object_label(const struct exp_reg *r)
{
	const char *t = r->name, *end = strchrnul(r->name, '@');
	size_t glen = strlen(r->parsed.group);

	if (r->parsed.object[0])
		return strdup(r->parsed.object);
	if ((size_t)(end - t) > glen + 1 && !strncmp(t, r->parsed.group, glen) &&
	    t[glen] == '/')
		return strndup(t + glen + 1, end - t - glen - 1);
	return strdup("");
}

static int exp_reg_labels(struct exp_reg *r)
{
	struct prom_label l[2] = {
		{ "registration", r->name },
		{ "object", NULL },
	};
	struct exp_buf b = {};
	char *obj;

	obj = exp_object_label(r);
	if (!obj)
		return -ENOMEM;
	l[1].value = obj;
	prom_put_labels(&b, l, obj[0] ? 2 : 1);
	exp_buf_putc(&b, '\0');
	free(obj);
	if (b.oom) {
		exp_buf_free(&b);
		return -ENOMEM;
	}
	r->labels = b.data;
	return 0;
}

/* REGISTER @r, and describe its counters by QUERY of its group. */
static int exp_register(struct exporter *e, struct exp_reg *r)
{
	struct exp_query_ctx q = { .e = e, .r = r };
	const char *msg;
	size_t i;
	int err;

	r->reg = netstats__register(e->h, r->name);
	if (!r->reg) {
		err = errno;
		msg = netstats__last_error(e->h);
		fprintf(stderr, "%s: cannot register '%s': %s\n", EXP_NAME,
			r->name, msg[0] ? msg : strerror(err));
		return -err;
	}
	r->cnt = netstats_reg__counter_cnt(r->reg);
	r->vals = calloc(r->cnt ? r->cnt : 1, sizeof(*r->vals));
	if (!r->vals || exp_reg_labels(r)) {
		fprintf(stderr, "%s: out of memory\n", EXP_NAME);
		return -ENOMEM;
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
	for (i = 0; !q.done && !err && i < r->cnt; i++)
		err = exp_add_member(e, r, i, NULL);
	return err;
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

/* Unregisters the registrations whose final values were served. */
static void exp_drop_dead(struct exporter *e)
{
	struct exp_reg *r;
	size_t i;

	for (i = 0; i < e->reg_cnt; i++) {
		r = &e->regs[i];
		if (r->state != EXP_REG_FINAL)
			continue;
		if (netstats_reg__unregister(r->reg))
			fprintf(stderr, "%s: unregister '%s': %s\n", EXP_NAME,
				r->name, netstats__last_error(e->h));
		r->reg = NULL;
		r->state = EXP_REG_GONE;
	}
	e->drop_pending = false;
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
		      "1 if the registration's object is alive, 0 once it died");
	prom_put_type(b, EXP_OBJECT_UP, false);
	for (i = 0; i < e->reg_cnt; i++)
		prom_put_sample(b, EXP_OBJECT_UP, e->regs[i].labels,
				e->regs[i].state == EXP_REG_LIVE);

	for (i = 0; i < EXP_SELF_CNT; i++) {
		prom_put_help(b, exp_self[i].name, exp_self[i].help);
		prom_put_type(b, exp_self[i].name, exp_self[i].counter);
		prom_put_sample(b, exp_self[i].name, "", e->self[i]);
	}

	/* Last: the time of everything before. */
	t0 = exp_now_ns() - t0;
	snprintf(secs, sizeof(secs), "%llu.%09llu",
		 (unsigned long long)t0 / 1000000000,
		 (unsigned long long)t0 % 1000000000);
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
		if (r->state == EXP_REG_GONE)
			continue;
		if (count && r->state == EXP_REG_LIVE &&
		    netstats_reg__dead(r->reg)) {
			r->state = EXP_REG_FINAL;
			e->self[EXP_SELF_DEAD]++;
			e->drop_pending = true;
		}
		ok &= exp_read_reg(r);
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
			if (m->reg->state == EXP_REG_GONE)
				continue;
			if (!any) {
				prom_put_help(b, f->name, f->help);
				prom_put_type(b, f->name, f->counter);
				any = true;
			}
			prom_put_sample(b, f->name, m->reg->labels,
					m->reg->vals[m->idx]);
		}
	}
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
	struct exporter *e = ctx;

	if (e->drop_pending)
		exp_drop_dead(e);
}

/* --- start-up ------------------------------------------------------------ */

static void exp_free(struct exporter *e)
{
	size_t i;

	if (e->sfd >= 0)
		close(e->sfd);
	/* Drops and unmaps every registration still made. */
	netstats__close(e->h);
	for (i = 0; i < e->reg_cnt; i++) {
		free(e->regs[i].labels);
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
		"  -V, --version               print the version and exit\n"
		"  -h, --help                  print this text and exit\n",
		EXP_NAME, EXP_DEFAULT_LISTEN, WEB_METRICS_PATH,
		EXP_DEFAULT_TIMEOUT);
}

/* Checks the names, fills e->regs; 0 or the exit status. */
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
			return 2;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(names[i], names[j])) {
				fprintf(stderr, "%s: registration '%s' given twice\n",
					EXP_NAME, names[i]);
				return 2;
			}
		}
	}
	e->reg_cnt = cnt;
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
	enum { OPT_CONFIG = 256, OPT_PATH, OPT_LISTEN_OLD, OPT_TIMEOUT_OLD };
	static const struct option opts[] = {
		{ "web.listen-address", required_argument, NULL, 'l' },
		{ "web.config.file", required_argument, NULL, OPT_CONFIG },
		{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
		{ "web.timeout", required_argument, NULL, 't' },
		{ "restricted", no_argument, NULL, 'r' },
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
	struct exporter e = { .sfd = -1 };
	struct web_server *srv = NULL;
	struct web_config cfg = {};
	struct exp_args a = {};
	bool bounding;
	struct utsname u;
	char err[512];
	sigset_t sigs;
	int ret;
	size_t i;

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
	for (i = 0; i < e.reg_cnt; i++)
		if (exp_register(&e, &e.regs[i]))
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
	fprintf(stderr, "%s: %zu registrations; capabilities dropped%s\n",
		EXP_NAME, e.reg_cnt,
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
