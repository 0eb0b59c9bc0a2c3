// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netstats(8): list the counter groups of the netstats generic netlink
 * family, show the values of registrations, watch them move.
 *
 * Exit status: 0 success, 1 error, 2 usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/netstats.h>

#include "libnetstats.h"
#include "output.h"
#include "sockdiag.h"

#ifndef NETSTATS_CLI_VERSION
#define NETSTATS_CLI_VERSION	"unknown"
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define EXIT_USAGE	2

#define INTERVAL_DEF_MS	1000
#define INTERVAL_MAX_MS	3600000
/*
 * Until 0.7.0 -i took milliseconds. For one release a bare integer from
 * this on is still taken as milliseconds, with a deprecation warning.
 */
#define INTERVAL_OLD_MS_MIN	100

#define MATCH_MAX	64

struct opts {
	bool json;
	bool pretty;
	bool percpu;
	bool reset;
	bool nonzero;		/* -s */
	unsigned int interval_ms;
	unsigned long count;	/* watch: samples to print, 0: no limit */
	const char *netns;	/* -n: a name of /run/netns, or a path */
	int netns_fd;		/* open -n, or 0 */
	const char *match[MATCH_MAX];	/* -m and glob words */
	size_t match_cnt;
	const char *select[MATCH_MAX];	/* -S: the counters registered */
	size_t select_cnt;
};

static const char *prog = "netstats";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] list [GROUP-PATTERN]\n"
		"       %s [OPTIONS] show NAME... [COUNTER-PATTERN...]\n"
		"       %s [OPTIONS] watch NAME... [COUNTER-PATTERN...]\n"
		"       %s help\n"
		"NAME := registration name, e.g. netstats@period-ms=100, tcp/fd:3,\n"
		"        eth0/queue/rx/0, tcp-all (see netstats(8))\n"
		"COUNTER-PATTERN := a glob with *, ? or [, as nstat(8) takes: the\n"
		"        counters to print (also -m PATTERN)\n"
		"OPTIONS := { -j[son] | -p[retty] | -n[etns] NETNS | -c | -percpu |\n"
		"             -s | -nonzero | -m[atch] PATTERN | -i[nterval] SECONDS |\n"
		"             -S | -select COUNTER[,COUNTER...] |\n"
		"             -count COUNT | -r[eset] | -V[ersion] | -h[elp] }\n",
		prog, prog, prog, prog);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry \"%s help\".\n", prog);
	return EXIT_USAGE;
}

static struct netstats_handle *open_family(const struct opts *opts)
{
	struct netstats_open_opts oo = {
		.sz = sizeof(oo),
		.netns_fd = opts->netns_fd,
	};
	struct netstats_handle *h = netstats__open_opts(&oo);

	if (h)
		return h;
	if (opts->netns_fd && errno != ENOENT) {
		fprintf(stderr, "%s: netns %s: cannot open the netstats family there: %s\n",
			prog, opts->netns, strerror(errno));
		return NULL;
	}
	if (errno == ENOENT)
		fprintf(stderr,
			"%s: the kernel has no netstats family (CONFIG_NETSTATS)\n",
			prog);
	else
		fprintf(stderr, "%s: cannot open the netstats family: %s\n",
			prog, strerror(errno));
	return NULL;
}

/* "netstats: WHAT: extack message (strerror)" */
static void kernel_error(struct netstats_handle *h, const char *what, int err)
{
	const char *msg = netstats__last_error(h);

	if (err == EPERM || err == EACCES)
		fprintf(stderr, "%s: %s: permission denied%s%s\n", prog, what,
			*msg ? ": " : "", msg);
	else if (*msg)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, msg,
			strerror(err));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
}

/* --- list ---------------------------------------------------------------- */

struct list_ctx {
	struct out *o;
	const char *pattern;	/* glob, or NULL */
	unsigned int matched;
};

static int list_cb(const struct netstats_group_info *gi, void *data)
{
	struct list_ctx *ctx = data;

	if (ctx->pattern && fnmatch(ctx->pattern, gi->name, 0))
		return 0;
	if (ctx->matched++ && !ctx->o->json)
		fputc('\n', ctx->o->f);
	render_group(ctx->o, gi);
	return 0;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[");
}

static int cmd_list(const struct opts *opts, int argc, char **argv)
{
	struct list_ctx ctx = {};
	struct netstats_handle *h;
	const char *group;
	struct out o;
	int err;

	if (argc > 1)
		return usage_error("list: one GROUP-PATTERN at most, not '%s'",
				   argv[1]);
	group = argc ? argv[0] : NULL;
	h = open_family(opts);
	if (!h)
		return EXIT_FAILURE;
	out_init(&o, stdout, opts->json, opts->pretty, false);
	ctx.o = &o;
	if (group && is_glob(group)) {
		ctx.pattern = group;
		group = NULL;
	}
	if (o.json)
		json_arr_open(&o.j, NULL);
	do {
		err = netstats__query(h, group, list_cb, &ctx);
		/* The group list changed during the dump: start again. */
	} while (err == -EINTR && !ctx.matched);
	if (o.json) {
		json_arr_close(&o.j);
		json_end(&o.j);
	}
	if (err) {
		kernel_error(h, group ?: "QUERY", -err);
	} else if (ctx.pattern && !ctx.matched) {
		fprintf(stderr, "%s: no counter group matches '%s'\n", prog,
			ctx.pattern);
		err = -ENOENT;
	}
	netstats__close(h);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* --- registrations: show and watch ----------------------------------------- */

/* One registration and the last two snapshots of it. */
struct watched {
	const char *name;
	struct netstats_reg *reg;
	size_t cnt;
	struct netstats_snapshot snap[2];
	unsigned int cur;	/* index of the newest snapshot */
	bool have_prev;		/* snap[!cur] is a sample */
	__u64 *delta;
	double *rate;
	bool has_rate;		/* delta and rate valid */
	bool restarted;
	bool dead;		/* seen dead (state or notification) */
	bool reported;		/* the final values were printed */
	__u64 *percpu;		/* cnt * ncpus */
	struct ctr_view *view;
};

static void watched_free(struct watched *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].snap[0].vals);
		free(w[i].snap[1].vals);
		free(w[i].delta);
		free(w[i].rate);
		free(w[i].percpu);
		free(w[i].view);
	}
	free(w);
}

static int watched_alloc(struct watched *w)
{
	__u32 ncpus = netstats_reg__ncpus(w->reg);
	size_t n = w->cnt ?: 1;
	int i;

	for (i = 0; i < 2; i++) {
		w->snap[i].sz = sizeof(w->snap[i]);
		w->snap[i].vals = calloc(n, sizeof(__u64));
		w->snap[i].vals_cnt = w->cnt;
	}
	w->delta = calloc(n, sizeof(*w->delta));
	w->rate = calloc(n, sizeof(*w->rate));
	w->percpu = calloc(n * ncpus, sizeof(*w->percpu));
	w->view = calloc(n, sizeof(*w->view));
	if (!w->snap[0].vals || !w->snap[1].vals || !w->delta || !w->rate ||
	    !w->percpu || !w->view)
		return -ENOMEM;
	return 0;
}

/* Register every name; on failure print why and return NULL. */
static struct watched *register_all(struct netstats_handle *h, int argc,
				    char **argv, const struct opts *opts)
{
	/* -S: the kernel maps only those counters (groups that select). */
	struct netstats_reg_opts ro = {
		.sz = sizeof(ro),
		.counters = opts->select,
		.counter_cnt = opts->select_cnt,
	};
	struct watched *w;
	int i, err;

	w = calloc(argc, sizeof(*w));
	if (!w) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	for (i = 0; i < argc; i++) {
		w[i].name = argv[i];
		w[i].reg = netstats__register_opts(h, argv[i],
						   opts->select_cnt ? &ro : NULL);
		if (!w[i].reg) {
			kernel_error(h, argv[i], errno);
			goto err_free;
		}
		w[i].cnt = netstats_reg__counter_cnt(w[i].reg);
		if (watched_alloc(&w[i])) {
			fprintf(stderr, "%s: out of memory\n", prog);
			i++;
			goto err_free;
		}
		/* Directories are for show only: cmd_watch() says so. */
		if (opts->reset && !(netstats_reg__flags(w[i].reg) &
				     NETSTATS_GROUP_FLAGS_DIRECTORY)) {
			err = netstats_reg__reset(w[i].reg);
			if (err) {
				fprintf(stderr, "%s: %s: reset: %s\n", prog,
					argv[i], strerror(-err));
				i++;
				goto err_free;
			}
		}
	}
	return w;

err_free:
	watched_free(w, i);
	return NULL;
}

/* A new sample into w->snap[w->cur ^ 1], then deltas and rates. */
static int sample(struct watched *w)
{
	unsigned int next = w->cur ^ 1;
	struct netstats_snapshot *prev = &w->snap[w->cur];
	struct netstats_snapshot *cur = &w->snap[next];
	int ret;

	ret = netstats_reg__take_snapshot(w->reg, cur);
	if (ret < 0)
		return ret;
	if (cur->dead)
		w->dead = true;
	w->restarted = false;
	if (w->have_prev && !w->dead) {
		ret = netstats_reg__rate(w->reg, prev, cur, w->rate, w->cnt);
		if (ret == -EAGAIN)
			return 0;	/* a derived block not updated yet */
		if (ret == -ESTALE) {
			w->restarted = true;
			w->has_rate = false;
		} else if (ret >= 0) {
			netstats_reg__delta(w->reg, prev, cur, w->delta,
					    w->cnt);
			w->has_rate = true;
		}
	} else {
		w->has_rate = false;
	}
	w->cur = next;
	w->have_prev = true;
	return 0;
}

static void fill_view(struct watched *w, struct reg_view *v, bool percpu)
{
	const struct netstats_snapshot *s = &w->snap[w->cur];
	__u32 ncpus = netstats_reg__ncpus(w->reg);
	const struct netstats_counter_info *c;
	struct ctr_view *cv;
	size_t i, k;

	for (i = 0; i < w->cnt; i++) {
		c = netstats_reg__counter(w->reg, i);
		cv = &w->view[i];
		cv->name = c->name;
		cv->type = c->type;
		cv->flags = c->flags;
		cv->value = i < s->cnt ? s->vals[i] : 0;
		cv->has_delta = w->has_rate;
		cv->delta = w->delta[i];
		cv->rate = w->rate[i];
		cv->percpu = NULL;
		if (!percpu || ncpus < 2)
			continue;
		for (k = 0; k < ncpus; k++)
			if (netstats_reg__read_cpu(w->reg, i, k,
						   &w->percpu[i * ncpus + k]))
				break;
		if (k == ncpus)
			cv->percpu = &w->percpu[i * ncpus];
	}
	*v = (struct reg_view){
		.name = w->name,
		.id = netstats_reg__id(w->reg),
		.flags = netstats_reg__flags(w->reg),
		.generation = s->generation,
		.ncpus = ncpus,
		.dead = w->dead,
		.restarted = w->restarted,
		.cnt = w->cnt,
		.ctrs = w->view,
	};
}

/* show of a directory registration: every socket's values. */
struct dir_show {
	struct out *o;
	struct watched *w;
	struct reg_view v;
	size_t n;
	int err;
	/* the addresses of sockets named by cookie only, dumped once */
	struct diag_socks diag;
};

static int dir_sock_cb(const struct netstats_reg *reg,
		       const struct netstats_sock *sock, void *ctx)
{
	struct dir_show *d = ctx;
	__u64 *vals = d->w->snap[0].vals;
	struct sock_view sv;
	bool dead = false;
	size_t i;
	int ret;

	ret = netstats_sock__snapshot(reg, sock, vals, d->w->cnt, &dead);
	if (ret == -ESTALE)
		return 0;	/* freed since the entry was read */
	if (ret < 0)
		return ret;
	for (i = 0; i < d->w->cnt; i++)
		d->w->view[i].value = vals[i];
	sv = (struct sock_view){
		.cookie = sock->cookie,
		.family = sock->family,
		.sport = sock->sport,
		.dport = sock->dport,
		.src = sock->src,
		.dst = sock->dst,
		.dead = sock->dead || dead,
		.generation = sock->generation,
	};
	/* A compact directory names sockets by cookie: inet_diag has the
	 * addresses of those still there (none: "-").
	 */
	if (!sock->family) {
		const struct diag_sock *ds;

		if (!d->diag.loaded)
			diag_socks_load(&d->diag);
		ds = diag_socks_find(&d->diag, sock->cookie);
		if (ds) {
			sv.family = ds->family;
			sv.sport = ds->sport;
			sv.dport = ds->dport;
			sv.src = ds->src;
			sv.dst = ds->dst;
		}
	}
	render_sock(d->o, &d->v, &sv);
	d->n++;
	return 0;
}

static int show_dir(struct out *o, struct watched *w)
{
	struct dir_show d = { .o = o, .w = w };
	const struct netstats_counter_info *c;
	size_t i;
	int ret;

	for (i = 0; i < w->cnt; i++) {
		c = netstats_reg__counter(w->reg, i);
		w->view[i] = (struct ctr_view){
			.name = c->name,
			.type = c->type,
			.flags = c->flags,
		};
	}
	d.v = (struct reg_view){
		.name = w->name,
		.id = netstats_reg__id(w->reg),
		.flags = netstats_reg__flags(w->reg),
		.generation = netstats_reg__generation(w->reg),
		.ncpus = netstats_reg__ncpus(w->reg),
		.dead = netstats_reg__dead(w->reg),
		.cnt = w->cnt,
		.ctrs = w->view,
	};
	render_dir_open(o, &d.v);
	ret = netstats_reg__foreach_sock(w->reg, dir_sock_cb, &d);
	diag_socks_free(&d.diag);
	render_dir_close(o, &d.v, d.n);
	return ret < 0 ? ret : 0;
}

static bool is_dir(const struct watched *w)
{
	return netstats_reg__flags(w->reg) & NETSTATS_GROUP_FLAGS_DIRECTORY;
}

static int cmd_show(const struct opts *opts, int argc, char **argv)
{
	struct netstats_handle *h;
	struct watched *w;
	struct reg_view v;
	int i, ret = 0;
	struct out o;

	if (!argc)
		return usage_error("show: %s", "needs at least one NAME");
	h = open_family(opts);
	if (!h)
		return EXIT_FAILURE;
	w = register_all(h, argc, argv, opts);
	if (!w) {
		netstats__close(h);
		return EXIT_FAILURE;
	}
	out_init(&o, stdout, opts->json, opts->pretty, opts->percpu);
	o.match = opts->match;
	o.match_cnt = opts->match_cnt;
	o.nonzero = opts->nonzero;
	if (o.json)
		json_arr_open(&o.j, NULL);
	for (i = 0; i < argc; i++) {
		if (i && !o.json)
			fputc('\n', o.f);
		if (is_dir(&w[i])) {
			ret = show_dir(&o, &w[i]);
			if (ret < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog,
					argv[i], strerror(-ret));
				break;
			}
			continue;
		}
		ret = sample(&w[i]);
		if (ret < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
				strerror(-ret));
			break;
		}
		fill_view(&w[i], &v, opts->percpu);
		render_reg(&o, &v, false);
	}
	if (o.json) {
		json_arr_close(&o.j);
		json_end(&o.j);
	}
	watched_free(w, argc);
	netstats__close(h);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct dead_ctx {
	struct watched *w;
	int n;
};

static int dead_cb(__u32 id, __u32 portid, const char *group,
		   const char *object, void *data)
{
	struct dead_ctx *ctx = data;
	int i;

	(void)portid;
	(void)group;
	(void)object;
	for (i = 0; i < ctx->n; i++)
		if (netstats_reg__id(ctx->w[i].reg) == id)
			ctx->w[i].dead = true;
	return 0;
}

/*
 * Sleep until @deadline (ms) or a notification comes. Returns true if
 * SIGINT or SIGTERM came: they are blocked and read from @sig_fd.
 */
static bool wait_until(struct netstats_handle *h, int mon_fd, int sig_fd,
		       __u64 deadline, struct dead_ctx *ctx)
{
	struct pollfd pfd[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = mon_fd, .events = POLLIN },
	};
	__u64 now;
	int ret;

	while ((now = now_ms()) < deadline) {
		ret = poll(pfd, mon_fd >= 0 ? 2 : 1, deadline - now);
		if (ret <= 0)
			continue;
		if (pfd[0].revents)
			return true;
		/*
		 * A death of ours: print it now. The group also carries other
		 * sockets' notifications: keep waiting for those. Lost ones
		 * (-ENOBUFS): sample now, the block states are authoritative.
		 */
		if (netstats__monitor_read(h, dead_cb, ctx))
			return false;
	}
	return false;
}

static void print_sample(struct out *o, struct watched *w, int n,
			 unsigned long nr, __u64 elapsed_ms, bool tty,
			 const struct opts *opts)
{
	struct reg_view v;
	int i;

	if (o->json) {
		json_obj_open(&o->j, NULL);
		json_u64(&o->j, "sample", nr);
		json_u64(&o->j, "elapsed_ms", elapsed_ms);
		json_arr_open(&o->j, "registrations");
	} else if (tty) {
		/* home, clear the screen */
		fputs("\033[H\033[2J", o->f);
		fprintf(o->f, "%s watch: every %u ms, sample %lu (Ctrl-C quits)\n\n",
			prog, opts->interval_ms, nr);
	} else {
		fprintf(o->f, "%ssample %lu at %llu.%03llu s\n", nr > 1 ? "\n" : "",
			nr, (unsigned long long)elapsed_ms / 1000,
			(unsigned long long)elapsed_ms % 1000);
	}
	for (i = 0; i < n; i++) {
		fill_view(&w[i], &v, opts->percpu);
		if (i && !o->json)
			fputc('\n', o->f);
		render_reg(o, &v, true);
	}
	if (o->json) {
		json_arr_close(&o->j);
		json_obj_close(&o->j);
		json_end(&o->j);
	}
	fflush(o->f);
}

static int cmd_watch(const struct opts *opts, int argc, char **argv)
{
	int i, mon_fd, sig_fd, ret = EXIT_SUCCESS;
	struct dead_ctx ctx = { .n = argc };
	bool tty, stop = false;
	__u64 start, next;
	unsigned long nr;
	struct netstats_handle *h;
	struct watched *w;
	int alive = argc;
	sigset_t sigs;
	struct out o;

	if (!argc)
		return usage_error("watch: %s", "needs at least one NAME");
	/* SIGINT and SIGTERM end the watch: read from a signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sig_fd = -1;
	if (!sigprocmask(SIG_BLOCK, &sigs, NULL))
		sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(errno));
		return EXIT_FAILURE;
	}
	h = open_family(opts);
	if (!h) {
		close(sig_fd);
		return EXIT_FAILURE;
	}
	/* Before registering, so that no death goes unnoticed. */
	mon_fd = netstats__monitor_fd(h);
	w = register_all(h, argc, argv, opts);
	if (!w) {
		netstats__close(h);
		close(sig_fd);
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		if (!is_dir(&w[i]))
			continue;
		fprintf(stderr, "%s: %s: a directory of objects: use show\n",
			prog, argv[i]);
		watched_free(w, argc);
		netstats__close(h);
		close(sig_fd);
		return EXIT_FAILURE;
	}
	ctx.w = w;
	out_init(&o, stdout, opts->json, opts->pretty, opts->percpu);
	o.match = opts->match;
	o.match_cnt = opts->match_cnt;
	o.nonzero = opts->nonzero;
	tty = !o.json && isatty(STDOUT_FILENO);
	start = now_ms();
	next = start;
	for (nr = 1; !stop && alive; nr++) {
		for (i = 0; i < argc; i++) {
			if (w[i].reported)
				continue;
			if (sample(&w[i]) < 0 && !w[i].have_prev) {
				fprintf(stderr, "%s: %s: no consistent snapshot\n",
					prog, argv[i]);
				ret = EXIT_FAILURE;
				goto out;
			}
		}
		print_sample(&o, w, argc, nr, now_ms() - start, tty, opts);
		for (i = 0; i < argc; i++) {
			if (!w[i].dead || w[i].reported)
				continue;
			w[i].reported = true;
			alive--;
			fprintf(o.json ? stderr : o.f,
				"%s: %s is dead; final values shown\n", prog,
				argv[i]);
		}
		fflush(o.f);
		if (opts->count && nr >= opts->count)
			break;
		next += opts->interval_ms;
		stop = wait_until(h, mon_fd, sig_fd, next, &ctx);
		/* A death woke us early: sample now, keep the cadence. */
		if (now_ms() < next)
			next = now_ms();
	}
out:
	watched_free(w, argc);
	netstats__close(h);
	close(sig_fd);
	return ret;
}

/* --- main ------------------------------------------------------------------ */

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *val)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/*
 * -i: seconds, fractions allowed ("0.5", "2"), or with a unit, "500ms",
 * "1.5s"; 1 ms to 3600 s. Until 0.7.0 it was milliseconds: a bare integer
 * of INTERVAL_OLD_MS_MIN or more is still taken so, with a warning.
 */
static int parse_interval(const char *s, unsigned int *ms)
{
	double v, scale = 1000;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	if (all_digits(s)) {
		unsigned long n;

		if (parse_uint(s, 0, ULONG_MAX, &n))
			return -EINVAL;
		if (n >= INTERVAL_OLD_MS_MIN) {
			if (n > INTERVAL_MAX_MS)
				return -EINVAL;
			fprintf(stderr,
				"%s: warning: -i %s is taken as %lu ms, as before 0.7.0; -i is in seconds now (-i %g, or -i %sms); a bare number will mean seconds in the next release\n",
				prog, s, n, n / 1000.0, s);
			*ms = n;
			return 0;
		}
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		scale = 1;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	v *= scale;
	if (!isfinite(v) || v < 1 || v > INTERVAL_MAX_MS ||
	    v != floor(v))	/* no fraction of a millisecond */
		return -EINVAL;
	*ms = (unsigned int)v;
	return 0;
}

typedef int (*cmd_fn)(const struct opts *opts, int argc, char **argv);

static int cmd_help(const struct opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_SUCCESS;
}

static const struct {
	const char *name;
	cmd_fn fn;
} cmds[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "watch", cmd_watch },
	{ "help", cmd_help },
};

/* Commands may be abbreviated, as in ip(8): "l", "sh", "w". */
static cmd_fn find_cmd(const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (len && !strncmp(cmds[i].name, name, len))
			return cmds[i].fn;
	return NULL;
}

/*
 * The options, as ip(8) takes them: one dash or two, a long name
 * abbreviated down to its first .min letters (the first one in this
 * order wins, as in ip: "-n" is -netns, "-no" -nonzero), or the short
 * letter; "--name=value" too. As getopt took them before 0.7.0: short
 * flags together ("-jp") and a value glued to its letter ("-i100").
 */
enum opt_id {
	OPT_JSON, OPT_PRETTY, OPT_NETNS, OPT_NONZERO, OPT_PERCPU, OPT_MATCH,
	OPT_INTERVAL, OPT_INTERVAL_MS, OPT_COUNT, OPT_RESET, OPT_VERSION,
	OPT_HELP, OPT_SELECT,
};

static const struct optdef {
	const char *name;
	size_t min;		/* shortest abbreviation */
	char letter;		/* -X, or 0 */
	bool arg;
	enum opt_id id;
} optdefs[] = {
	{ "json",	 1, 'j', false, OPT_JSON },
	{ "pretty",	 2, 'p', false, OPT_PRETTY },
	{ "netns",	 1, 'n', true,  OPT_NETNS },
	{ "nonzero",	 2, 's', false, OPT_NONZERO },
	{ "percpu",	 2, 'c', false, OPT_PERCPU },
	{ "match",	 1, 'm', true,  OPT_MATCH },
	{ "interval",	 1, 'i', true,  OPT_INTERVAL },
	{ "interval-ms", 10, 0,  true,  OPT_INTERVAL_MS },
	{ "count",	 2, 0,   true,  OPT_COUNT },
	{ "reset",	 1, 'r', false, OPT_RESET },
	{ "version",	 1, 'V', false, OPT_VERSION },
	{ "help",	 1, 'h', false, OPT_HELP },
	{ "select",	 2, 'S', true,  OPT_SELECT },
};

static const struct optdef *find_letter(char c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (optdefs[i].letter == c)
			return &optdefs[i];
	return NULL;
}

/* "-name" or "--name" (without "=value"), abbreviated, or NULL. */
static const struct optdef *find_long(const char *word, size_t len)
{
	size_t i;

	if (len == 1) {	/* -X: the letter first ("-c" is -percpu) */
		const struct optdef *d = find_letter(*word);

		if (d)
			return d;
	}
	for (i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (len >= optdefs[i].min && len <= strlen(optdefs[i].name) &&
		    !strncmp(optdefs[i].name, word, len))
			return &optdefs[i];
	return NULL;
}

static bool is_glob(const char *s);

/*
 * -n NETNS, or, as before 0.7.0, -n COUNT: a number that names no netns
 * is the count, with a warning.
 */
static int opt_netns(struct opts *opts, const char *arg, bool *count)
{
	char path[PATH_MAX];
	struct stat st;

	*count = false;
	if (strchr(arg, '/'))
		snprintf(path, sizeof(path), "%s", arg);
	else if (snprintf(path, sizeof(path), "/run/netns/%s", arg) >=
		 (int)sizeof(path))
		return usage_error("invalid netns name '%s'", arg);
	if (all_digits(arg) && stat(path, &st)) {
		fprintf(stderr,
			"%s: warning: -n %s is taken as the sample count, as before 0.7.0 (no netns %s); write -count %s: -n is -netns now\n",
			prog, arg, arg, arg);
		*count = true;
		return 0;
	}
	if (!*arg || !strcmp(arg, ".") || !strcmp(arg, ".."))
		return usage_error("invalid netns name '%s'", arg);
	if (opts->netns_fd)
		close(opts->netns_fd);
	opts->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (opts->netns_fd < 0) {
		fprintf(stderr, "%s: cannot open netns \"%s\": %s\n", prog,
			arg, strerror(errno));
		opts->netns_fd = 0;
		return EXIT_FAILURE;
	}
	opts->netns = arg;
	return 0;
}

/* -S NAME[,NAME...]: counter names, exact (no globs), kept in order. */
static int opt_select(struct opts *opts, const char *arg)
{
	char *list, *name, *save = NULL;

	list = strdup(arg);
	if (!list) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAILURE;
	}
	/* The names point into it until exit. */
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (is_glob(name))
			return usage_error("-S takes counter names, not patterns: '%s'",
					   name);
		if (opts->select_cnt == MATCH_MAX)
			return usage_error("at most 64 selected counters, not '%s'",
					   name);
		opts->select[opts->select_cnt++] = name;
	}
	if (!opts->select_cnt)
		return usage_error("-S needs counter names, not '%s'", arg);
	return 0;
}

/* One option with its value (NULL if it takes none); 0 or an exit code. */
static int apply_opt(struct opts *opts, const struct optdef *d,
		     const char *arg, bool *have_interval)
{
	unsigned long v;
	bool count;
	int ret;

	switch (d->id) {
	case OPT_JSON:
		opts->json = true;
		break;
	case OPT_PRETTY:
		opts->pretty = true;
		break;
	case OPT_PERCPU:
		opts->percpu = true;
		break;
	case OPT_NONZERO:
		opts->nonzero = true;
		break;
	case OPT_MATCH:
		if (opts->match_cnt == MATCH_MAX)
			return usage_error("at most 64 counter patterns, not '%s'",
					   arg);
		opts->match[opts->match_cnt++] = arg;
		break;
	case OPT_INTERVAL:
		if (parse_interval(arg, &opts->interval_ms))
			return usage_error("invalid interval '%s' (0.001 to 3600 seconds)",
					   arg);
		*have_interval = true;
		break;
	case OPT_INTERVAL_MS:
		if (parse_uint(arg, 1, INTERVAL_MAX_MS, &v))
			return usage_error("invalid interval '%s' (1 to 3600000 ms)",
					   arg);
		opts->interval_ms = v;
		*have_interval = true;
		break;
	case OPT_NETNS:
		ret = opt_netns(opts, arg, &count);
		if (ret || !count)
			return ret;
		/* the old -n COUNT */
		__attribute__((fallthrough));
	case OPT_COUNT:
		if (parse_uint(arg, 1, ULONG_MAX, &v))
			return usage_error("invalid count '%s'", arg);
		opts->count = v;
		break;
	case OPT_RESET:
		opts->reset = true;
		break;
	case OPT_SELECT:
		return opt_select(opts, arg);
	case OPT_VERSION:
		printf("%s utility, version %s\n", prog, NETSTATS_CLI_VERSION);
		exit(EXIT_SUCCESS);
	case OPT_HELP:
		usage(stdout);
		exit(EXIT_SUCCESS);
	}
	return 0;
}

/* "-jp", "-i100": letters as getopt took them. */
static int short_cluster(struct opts *opts, const char *word, int *i,
			 int argc, char **argv, bool *have_interval)
{
	const struct optdef *d;
	const char *p;
	int ret;

	for (p = word + 1; *p; p++) {
		d = find_letter(*p);
		if (!d) {
			char opt[3] = { '-', *p, '\0' };

			return usage_error("unknown option '%s'", opt);
		}
		if (!d->arg) {
			ret = apply_opt(opts, d, NULL, have_interval);
			if (ret)
				return ret;
			continue;
		}
		if (p[1])
			return apply_opt(opts, d, p + 1, have_interval);
		if (*i + 1 >= argc) {
			char opt[3] = { '-', *p, '\0' };

			return usage_error("option '%s' needs an argument",
					   opt);
		}
		return apply_opt(opts, d, argv[++*i], have_interval);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts opts = { .interval_ms = INTERVAL_DEF_MS };
	bool have_interval = false, only_args = false;
	char **args;
	int i, nargs = 0, ret;
	cmd_fn fn;

	args = calloc(argc + 1, sizeof(*args));
	if (!args) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAILURE;
	}
	/* Options anywhere, as before; "--" ends them. */
	for (i = 1; i < argc; i++) {
		const char *word = argv[i], *name, *eq, *arg = NULL;
		const struct optdef *d;
		size_t len;

		if (only_args || word[0] != '-' || !word[1]) {
			args[nargs++] = argv[i];
			continue;
		}
		if (!strcmp(word, "--")) {
			only_args = true;
			continue;
		}
		name = word + 1 + (word[1] == '-');
		eq = word[1] == '-' ? strchr(name, '=') : NULL;
		len = eq ? (size_t)(eq - name) : strlen(name);
		d = len ? find_long(name, len) : NULL;
		if (!d && word[1] != '-' && find_letter(word[1])) {
			ret = short_cluster(&opts, word, &i, argc, argv,
					    &have_interval);
			if (ret)
				return ret;
			continue;
		}
		if (!d)
			return usage_error("unknown option '%s'", word);
		if (d->arg) {
			if (eq)
				arg = eq + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else
				return usage_error("option '%s' needs an argument",
						   word);
		} else if (eq) {
			return usage_error("option '%s' takes no argument",
					   word);
		}
		ret = apply_opt(&opts, d, arg, &have_interval);
		if (ret)
			return ret;
	}
	if (!nargs) {
		usage(stderr);
		return EXIT_USAGE;
	}
	fn = find_cmd(args[0]);
	if (!fn)
		return usage_error("unknown command '%s'", args[0]);
	if (fn != cmd_watch && (have_interval || opts.count || opts.reset))
		return usage_error("%s", "-i, -count and -r only apply to watch");
	if (fn == cmd_list && (opts.percpu || opts.nonzero || opts.match_cnt))
		return usage_error("%s", "-c, -s and -m only apply to show and watch");
	if (fn == cmd_list && opts.select_cnt)
		return usage_error("%s", "-S only applies to show and watch");
	/*
	 * show and watch: a glob word is a counter pattern, as nstat's. Not
	 * one with a "/": counter names have none, and registration names
	 * of IPv6 sockets have brackets ("tcp/[::1]:80/...").
	 */
	if (fn == cmd_show || fn == cmd_watch) {
		int n = 1;

		for (i = 1; i < nargs; i++) {
			if (!is_glob(args[i]) || strchr(args[i], '/')) {
				args[n++] = args[i];
				continue;
			}
			if (opts.match_cnt == MATCH_MAX)
				return usage_error("at most 64 counter patterns, not '%s'",
						   args[i]);
			opts.match[opts.match_cnt++] = args[i];
		}
		nargs = n;
	}
	ret = fn(&opts, nargs - 1, args + 1);
	if (opts.netns_fd)
		close(opts.netns_fd);
	free(args);
	return ret;
}
