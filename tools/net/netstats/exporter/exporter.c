// SPDX-License-Identifier: GPL-2.0
/*
 * netstats-exporter: serve netstats registrations to Prometheus.
 *
 * The registrations named on the command line are made once, at start-up.
 * A scrape reads their mapped counters with plain loads: the only system
 * calls it makes are those of its own HTTP connection. One thread, one
 * poll loop, non-blocking sockets, and a deadline on every connection, so
 * that no client can hold up the others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4(), strchrnul() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netstats.h>

#include "libnetstats.h"
#include "http.h"
#include "prom.h"

#define EXP_NAME		"netstats-exporter"
#define EXP_DEFAULT_LISTEN	"127.0.0.1:9411"
#define EXP_DEFAULT_TIMEOUT	10	/* seconds */
#define EXP_MAX_TIMEOUT		3600
#define EXP_MAX_CONNS		32
#define EXP_REQ_MAX		8192	/* bytes of a request head */
#define EXP_HEAD_ROOM		256	/* bytes reserved for a response head */
#define EXP_LINGER_MS		1000
#define EXP_ACCEPT_PAUSE_MS	100
#define EXP_LINGER_READS	16

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

enum exp_conn_state {
	EXP_CONN_FREE,
	EXP_CONN_READ,
	EXP_CONN_WRITE,
	EXP_CONN_LINGER,	/* response sent: wait for the client's FIN */
};

struct exp_conn {
	enum exp_conn_state state;
	int fd;
	__u64 deadline;		/* CLOCK_MONOTONIC, ms */
	size_t req_len;
	char req[EXP_REQ_MAX];
	struct exp_buf out;	/* kept for the next connection of the slot */
	size_t out_off;
};

enum exp_self_id {
	EXP_SELF_SCRAPES,
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
		"GET requests of /metrics answered", true,
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
		"HTTP requests failed or timed out", true,
	},
};

struct exporter {
	struct netstats *ns;
	size_t reg_cnt;
	struct exp_reg *regs;
	size_t fam_cnt;
	struct exp_family *fams;
	int lfd;
	int sfd;		/* signalfd of SIGINT and SIGTERM */
	__u64 timeout_ms;
	__u64 accept_pause;	/* no accept() before this time */
	bool restricted;	/* export restricted counters too */
	size_t restricted_cnt;	/* restricted counters not exported */
	bool drop_pending;
	__u64 self[EXP_SELF_CNT];
	struct exp_conn conns[EXP_MAX_CONNS];
};

static __u64 exp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
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
	return false;
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

	r->reg = netstats__register(e->ns, r->name);
	if (!r->reg) {
		err = errno;
		msg = netstats__last_error(e->ns);
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

	err = netstats__query(e->ns, r->parsed.group, exp_query_cb, &q);
	if (err && !q.done) {
		/* Still exportable, with generated help texts. */
		msg = netstats__last_error(e->ns);
		fprintf(stderr, "%s: warning: cannot query group '%s': %s\n",
			EXP_NAME, r->parsed.group,
			msg[0] ? msg : strerror(-err));
		err = 0;
	}
	for (i = 0; !q.done && !err && i < r->cnt; i++)
		err = exp_add_member(e, r, i, NULL);
	return err;
}

static void exp_read_reg(struct exp_reg *r)
{
	size_t i;

	/* A block that moves all the time: each value is still exact. */
	if (netstats_reg__snapshot(r->reg, r->vals, r->cnt, NULL) < 0)
		for (i = 0; i < r->cnt; i++)
			if (netstats_reg__read(r->reg, i, &r->vals[i]))
				r->vals[i] = 0;
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
				r->name, netstats__last_error(e->ns));
		r->reg = NULL;
		r->state = EXP_REG_GONE;
	}
	e->drop_pending = false;
}

/**
 * exp_scrape() - write the exposition
 * @e: exporter
 * @b: output
 * @count: a GET, not a HEAD: count the scrape, and let it be the one that
 *	serves the final values of objects found dead
 *
 * Loads from the mappings only: no system call.
 */
static void exp_scrape(struct exporter *e, struct exp_buf *b, bool count)
{
	const struct exp_family *f;
	const struct exp_member *m;
	struct exp_reg *r;
	bool any;
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
		exp_read_reg(r);
		e->self[EXP_SELF_REGS]++;
	}
	if (count)
		e->self[EXP_SELF_SCRAPES]++;

	for (i = 0; i < EXP_SELF_CNT; i++) {
		prom_put_help(b, exp_self[i].name, exp_self[i].help);
		prom_put_type(b, exp_self[i].name, exp_self[i].counter);
		prom_put_sample(b, exp_self[i].name, "", e->self[i]);
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
}

/* --- HTTP connections ---------------------------------------------------- */

static void exp_conn_close(struct exp_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = EXP_CONN_FREE;
	c->req_len = 0;
	exp_buf_reset(&c->out);
}

/* Queues the response: the body, then its head written just before it. */
static int exp_conn_respond(struct exporter *e, struct exp_conn *c,
			    int status, const struct http_request *req)
{
	bool head_only = req && req->method == HTTP_HEAD;
	struct exp_buf *b = &c->out;
	char head[EXP_HEAD_ROOM];
	const char *type;
	int n;

	exp_buf_reset(b);
	if (exp_buf_reserve(b, EXP_HEAD_ROOM))
		return -ENOMEM;
	b->len = EXP_HEAD_ROOM;
	if (status == 200) {
		exp_scrape(e, b, !head_only);
		if (b->oom) {
			exp_buf_reset(b);
			b->len = EXP_HEAD_ROOM;
			status = 500;
		}
	}
	if (status != 200) {
		e->self[EXP_SELF_HTTP_ERRORS]++;
		exp_buf_puts(b, http_reason(status));
		exp_buf_putc(b, '\n');
		if (b->oom)
			return -ENOMEM;
	}

	type = status == 200 ? HTTP_METRICS_TYPE : "text/plain; charset=utf-8";
	n = http_format_head(head, sizeof(head), status, type,
			     b->len - EXP_HEAD_ROOM);
	if (n < 0)
		return -EINVAL;
	memcpy(b->data + EXP_HEAD_ROOM - n, head, n);
	c->out_off = EXP_HEAD_ROOM - n;
	if (head_only)
		b->len = EXP_HEAD_ROOM;
	c->state = EXP_CONN_WRITE;
	return 0;
}

static void exp_conn_write(struct exp_conn *c, __u64 now)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.data + c->out_off,
			 c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			exp_conn_close(c);
			return;
		}
		c->out_off += n;
	}
	/*
	 * Closing with unread input would reset the connection, and the
	 * client could lose the end of the response: send our FIN and read
	 * until the client's, for a moment.
	 */
	shutdown(c->fd, SHUT_WR);
	c->state = EXP_CONN_LINGER;
	if (c->deadline > now + EXP_LINGER_MS)
		c->deadline = now + EXP_LINGER_MS;
}

static void exp_conn_read(struct exporter *e, struct exp_conn *c, __u64 now)
{
	struct http_request req;
	ssize_t n;
	int ret;

	do {
		n = recv(c->fd, c->req + c->req_len,
			 sizeof(c->req) - c->req_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		/* Gone before it asked for anything. */
		exp_conn_close(c);
		return;
	}
	c->req_len += n;

	ret = http_parse_request(c->req, c->req_len, sizeof(c->req), &req);
	if (ret == -EAGAIN)
		return;
	if (exp_conn_respond(e, c, ret ? ret : http_route(&req),
			     ret ? NULL : &req)) {
		exp_conn_close(c);
		return;
	}
	exp_conn_write(c, now);
}

static void exp_conn_linger(struct exp_conn *c)
{
	char buf[512];
	ssize_t n;
	int i;

	for (i = 0; i < EXP_LINGER_READS; i++) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	exp_conn_close(c);
}

static void exp_conn_event(struct exporter *e, struct exp_conn *c,
			   __u64 now)
{
	switch (c->state) {
	case EXP_CONN_READ:
		exp_conn_read(e, c, now);
		break;
	case EXP_CONN_WRITE:
		exp_conn_write(c, now);
		break;
	case EXP_CONN_LINGER:
		exp_conn_linger(c);
		break;
	case EXP_CONN_FREE:
		break;
	}
}

static struct exp_conn *exp_conn_free_slot(struct exporter *e)
{
	size_t i;

	for (i = 0; i < EXP_MAX_CONNS; i++)
		if (e->conns[i].state == EXP_CONN_FREE)
			return &e->conns[i];
	return NULL;
}

static void exp_accept(struct exporter *e, __u64 now)
{
	struct exp_conn *c;
	int fd;

	while ((c = exp_conn_free_slot(e))) {
		fd = accept4(e->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of descriptors or memory: do not spin. */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				e->accept_pause = now + EXP_ACCEPT_PAUSE_MS;
			return;
		}
		c->fd = fd;
		c->state = EXP_CONN_READ;
		c->deadline = now + e->timeout_ms;
		c->req_len = 0;
		exp_conn_read(e, c, now);
	}
}

/* Serves until SIGINT or SIGTERM: 0, or -1 if poll() fails. */
static int exp_serve(struct exporter *e)
{
	struct exp_conn *conn[EXP_MAX_CONNS + 2];
	struct pollfd pfd[EXP_MAX_CONNS + 2];
	int i, n, timeout;
	__u64 now, wake;
	struct exp_conn *c;
	bool room;

	for (;;) {
		now = exp_now_ms();
		wake = ~0ULL;
		room = false;
		pfd[0].fd = e->sfd;
		pfd[0].events = POLLIN;
		conn[0] = NULL;
		n = 1;
		for (i = 0; i < EXP_MAX_CONNS; i++) {
			c = &e->conns[i];
			if (c->state != EXP_CONN_FREE && c->deadline <= now) {
				if (c->state != EXP_CONN_LINGER)
					e->self[EXP_SELF_HTTP_ERRORS]++;
				exp_conn_close(c);
			}
			if (c->state == EXP_CONN_FREE) {
				room = true;
				continue;
			}
			pfd[n].fd = c->fd;
			pfd[n].events = c->state == EXP_CONN_WRITE ? POLLOUT :
								     POLLIN;
			conn[n++] = c;
			if (c->deadline < wake)
				wake = c->deadline;
		}
		if (room && e->accept_pause <= now) {
			pfd[n].fd = e->lfd;
			pfd[n].events = POLLIN;
			conn[n++] = NULL;
		} else if (room && e->accept_pause < wake) {
			wake = e->accept_pause;
		}

		timeout = wake == ~0ULL ? -1 : (int)(wake - now);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", EXP_NAME,
				strerror(errno));
			return -1;
		}
		if (pfd[0].revents)
			return 0;

		now = exp_now_ms();
		for (i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (conn[i])
				exp_conn_event(e, conn[i], now);
			else
				exp_accept(e, now);
		}
		if (e->drop_pending)
			exp_drop_dead(e);
	}
	return 0;
}

/* --- start-up ------------------------------------------------------------ */

static int exp_listen(struct exporter *e, const char *addr,
		      struct sockaddr_storage *ss, socklen_t len)
{
	char host[INET6_ADDRSTRLEN];
	const void *ip;
	int one = 1;

	e->lfd = socket(ss->ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->lfd < 0 ||
	    setsockopt(e->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(e->lfd, (struct sockaddr *)ss, len) ||
	    listen(e->lfd, EXP_MAX_CONNS) ||
	    getsockname(e->lfd, (struct sockaddr *)ss, &len)) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", EXP_NAME, addr,
			strerror(errno));
		return -1;
	}

	/* The port chosen for port 0; both families have it in one place. */
	if (ss->ss_family == AF_INET6)
		ip = &((struct sockaddr_in6 *)ss)->sin6_addr;
	else
		ip = &((struct sockaddr_in *)ss)->sin_addr;
	inet_ntop(ss->ss_family, ip, host, sizeof(host));
	fprintf(stderr, "%s: serving %zu registrations at http://%s%s%s:%u%s\n",
		EXP_NAME, e->reg_cnt, ss->ss_family == AF_INET6 ? "[" : "",
		host, ss->ss_family == AF_INET6 ? "]" : "",
		ntohs(((struct sockaddr_in *)ss)->sin_port), HTTP_METRICS_PATH);
	return 0;
}

static void exp_free(struct exporter *e)
{
	size_t i;

	for (i = 0; i < EXP_MAX_CONNS; i++) {
		if (e->conns[i].state != EXP_CONN_FREE)
			close(e->conns[i].fd);
		exp_buf_free(&e->conns[i].out);
	}
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->sfd >= 0)
		close(e->sfd);
	/* Drops and unmaps every registration still made. */
	netstats__close(e->ns);
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
}

static void exp_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-r] [-l ADDR:PORT] [-t SECONDS] NAME...\n"
		"Serve netstats registrations to Prometheus at http://ADDR:PORT/metrics.\n"
		"\n"
		"  NAME             registration name, e.g. netstats@period-ms=500\n"
		"  -l, --listen     A.B.C.D:PORT or [IPV6]:PORT (default %s)\n"
		"  -t, --timeout    seconds a client has for one request (default %d)\n"
		"  -r, --restricted also export restricted counters (e.g. TCP sequence numbers)\n"
		"  -h, --help       this text\n",
		EXP_NAME, EXP_DEFAULT_LISTEN, EXP_DEFAULT_TIMEOUT);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "restricted", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct exporter e = { .lfd = -1, .sfd = -1 };
	const char *addr = EXP_DEFAULT_LISTEN;
	struct sockaddr_storage ss;
	unsigned long timeout = EXP_DEFAULT_TIMEOUT;
	socklen_t sslen;
	sigset_t sigs;
	int opt, ret;
	size_t i;
	char *end;

	while ((opt = getopt_long(argc, argv, "l:t:rh", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			addr = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' ||
			    optarg[0] > '9' || !timeout ||
			    timeout > EXP_MAX_TIMEOUT) {
				fprintf(stderr, "%s: bad timeout '%s': expected 1 to %d seconds\n",
					EXP_NAME, optarg, EXP_MAX_TIMEOUT);
				return 2;
			}
			break;
		case 'r':
			e.restricted = true;
			break;
		case 'h':
			exp_usage(stdout);
			return 0;
		default:
			exp_usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "%s: no registration name given\n", EXP_NAME);
		exp_usage(stderr);
		return 2;
	}
	e.timeout_ms = timeout * 1000;
	for (i = 0; i < EXP_MAX_CONNS; i++)
		e.conns[i].fd = -1;

	ret = exp_parse_names(&e, (const char *const *)argv + optind,
			      argc - optind);
	if (ret)
		goto out;
	if (http_parse_addr(addr, &ss, &sslen)) {
		fprintf(stderr, "%s: bad listen address '%s' (A.B.C.D:PORT or [IPV6]:PORT)\n",
			EXP_NAME, addr);
		ret = 2;
		goto out;
	}

	e.ns = netstats__open();
	if (!e.ns) {
		fprintf(stderr, "%s: cannot open the netstats family: %s\n",
			EXP_NAME, errno == ENOENT ?
			"the running kernel has none" : strerror(errno));
		ret = 1;
		goto out;
	}
	for (i = 0; i < e.reg_cnt; i++) {
		if (exp_register(&e, &e.regs[i])) {
			ret = 1;
			goto out;
		}
	}

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
		ret = 1;
		goto out;
	}

	ret = 1;
	if (!exp_listen(&e, addr, &ss, sslen) && !exp_serve(&e))
		ret = 0;
out:
	exp_free(&e);
	return ret;
}
