// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the exporter's scrape path on fake registrations: the
 * libnetstats API is stubbed here, with counters in plain memory, so that
 * the exposition can be compared byte for byte and objects can die on
 * demand. Builds exporter.c itself, with its main() renamed.
 */
#define main exporter_main
int exporter_main(int argc, char **argv);
#include "../exporter.c"
#undef main

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include <sys/wait.h>

#include "../../../../lib/netstats/tests/check.h"

#define MAX_CTRS	4
#define RESTRICTED	NETSTATS_COUNTER_FLAGS_RESTRICTED
#define GAUGE		NETSTATS_COUNTER_FLAGS_GAUGE
#define U64		NETSTATS_COUNTER_TYPE_U64

struct fake_group {
	const char *name;
	size_t cnt;
	struct netstats_counter_info ci[MAX_CTRS];
};

static const struct fake_group fake_groups[] = {
	{ "ip", 3, {
		{ "InReceives", "Datagrams \"received\"", U64, 0, 0 },
		{ "Forwarding", "Line 1\nC:\\path", U64, 8, GAUGE },
		{ "odd-type", "", 99, 16, 0 },
	} },
	{ "tcp", 3, {
		{ "bytes_acked", "Payload bytes acknowledged", U64, 0, 0 },
		{ "snd_una", "First unacknowledged", U64, 8, RESTRICTED },
		{ "segs_in", "", U64, 16, 0 },
	} },
	{ "hw", 2, {
		{ "x", "", U64, 0, 0 },
		{ "x_total", "", U64, 8, GAUGE },
	} },
};

struct netstats_handle {
	char err[64];
};

struct netstats_reg {
	const char *name;
	const struct fake_group *g;
	__u64 vals[MAX_CTRS];
	bool dead;
	bool registered;
};

static struct netstats_handle fake_handle;
static struct netstats_reg fake_regs[] = {
	{ "ip" },
	{ "tcp/fd:3" },
	{ "tcp/fd:4" },
	{ "eth1/hw" },
};

static unsigned int unregistered, queries;

struct netstats_handle *netstats__open(void)
{
	return &fake_handle;
}

void netstats__close(struct netstats_handle *h)
{
	(void)h;
}

const char *netstats__last_error(const struct netstats_handle *h)
{
	return h->err;
}

static const struct fake_group *fake_group(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fake_groups); i++)
		if (!strcmp(fake_groups[i].name, name))
			return &fake_groups[i];
	return NULL;
}

int netstats__query(struct netstats_handle *h, const char *group,
		    netstats_group_cb cb, void *ctx)
{
	const struct netstats_counter_info *ptrs[MAX_CTRS];
	struct netstats_group_info info = { .sz = sizeof(info) };
	const struct fake_group *g = fake_group(group);
	size_t i;

	(void)h;
	queries++;
	if (!g)
		return -ENOENT;
	for (i = 0; i < g->cnt; i++)
		ptrs[i] = &g->ci[i];
	info.name = g->name;
	info.doc = "";
	info.counter_cnt = g->cnt;
	info.counters = ptrs;
	return cb(&info, ctx);
}

struct netstats_reg *netstats__register(struct netstats_handle *h,
					const char *name)
{
	struct netstats_name n = { .sz = sizeof(n) };
	size_t i;

	netstats__parse_name(name, &n);
	for (i = 0; i < ARRAY_SIZE(fake_regs); i++) {
		if (strcmp(fake_regs[i].name, name))
			continue;
		fake_regs[i].g = fake_group(n.group);
		fake_regs[i].registered = true;
		return &fake_regs[i];
	}
	snprintf(h->err, sizeof(h->err), "unknown counter group");
	errno = ENOENT;
	return NULL;
}

int netstats_reg__unregister(struct netstats_reg *reg)
{
	reg->registered = false;
	unregistered++;
	return 0;
}

size_t netstats_reg__counter_cnt(const struct netstats_reg *reg)
{
	return reg->g->cnt;
}

/* As the library: no doc, and flags as REGISTER sends them. */
const struct netstats_counter_info *
netstats_reg__counter(const struct netstats_reg *reg, size_t idx)
{
	static struct netstats_counter_info ci;

	ci = reg->g->ci[idx];
	ci.doc = "";
	return &ci;
}

int netstats_reg__read(const struct netstats_reg *reg, size_t idx,
		       __u64 *val)
{
	if (!reg->registered)
		abort();
	if (reg->g->ci[idx].type != U64)
		return -EOPNOTSUPP;
	*val = reg->vals[idx];
	return 0;
}

int netstats_reg__snapshot(const struct netstats_reg *reg, __u64 *vals,
			   size_t cnt, __u32 *generation)
{
	size_t i;

	(void)generation;
	for (i = 0; i < cnt; i++)
		if (netstats_reg__read(reg, i, &vals[i]))
			vals[i] = 0;
	return cnt;
}

bool netstats_reg__dead(const struct netstats_reg *reg)
{
	return reg->dead;
}

/*
 * The exposition, with the scrape's duration (a time) made "D"; @b keeps
 * it as served.
 */
static const char *scrape(struct exporter *e, struct exp_buf *b, bool count)
{
	static const char dur[] = "\n" EXP_SCRAPE_DURATION " ";
	static char *text;
	char *p, *end;

	exp_buf_reset(b);
	CHECK(!exp_render(e, b, count), "render");
	exp_buf_putc(b, '\0');
	b->len--;
	free(text);
	text = strdup(b->data);
	if (!text)
		abort();
	p = strstr(text, dur);
	CHECK(p, "duration served");
	if (!p)
		return text;
	p += strlen(dur);
	end = strchr(p, '\n');
	CHECK(end && strspn(p, "0123456789.") == (size_t)(end - p) &&
	      end - p == 11 && p[1] == '.', "duration '%.*s'",
	      end ? (int)(end - p) : 0, p);
	if (end) {
		*p = 'D';
		memmove(p + 1, end, strlen(end) + 1);
	}
	return text;
}

#define BUILD							\
	"# HELP netstats_exporter_build_info The version of "		\
	"netstats-exporter and the kernel it runs on\n"			\
	"# TYPE netstats_exporter_build_info gauge\n"			\
	"netstats_exporter_build_info{version=\"" NETSTATS_VERSION	\
	"\",kernel=\"6.12.0-test\"} 1\n"

#define UP(ip, fd3, fd4)						\
	"# HELP netstats_object_up 1 if the registration's object is alive, 0 once it died\n" \
	"# TYPE netstats_object_up gauge\n"				\
	"netstats_object_up{registration=\"ip\"} " #ip "\n"		\
	"netstats_object_up{registration=\"tcp/fd:3\",object=\"fd:3\"} " #fd3 "\n" \
	"netstats_object_up{registration=\"tcp/fd:4\",object=\"fd:4\"} " #fd4 "\n"

#define SELF(scrapes, dead, regs)					\
	"# HELP netstats_exporter_scrapes_total GET requests of the metrics answered\n" \
	"# TYPE netstats_exporter_scrapes_total counter\n"		\
	"netstats_exporter_scrapes_total " #scrapes "\n"		\
	"# HELP netstats_exporter_scrape_errors_total Scrapes that "	\
	"could not read a registration or ran out of memory\n"		\
	"# TYPE netstats_exporter_scrape_errors_total counter\n"	\
	"netstats_exporter_scrape_errors_total 0\n"			\
	"# HELP netstats_exporter_dead_total Registrations dropped after their object died\n" \
	"# TYPE netstats_exporter_dead_total counter\n"			\
	"netstats_exporter_dead_total " #dead "\n"			\
	"# HELP netstats_exporter_registrations Registrations exported\n" \
	"# TYPE netstats_exporter_registrations gauge\n"		\
	"netstats_exporter_registrations " #regs "\n"			\
	"# HELP netstats_exporter_http_errors_total HTTP requests "	\
	"answered with an error status or failed\n"			\
	"# TYPE netstats_exporter_http_errors_total counter\n"		\
	"netstats_exporter_http_errors_total 0\n"			\
	"# HELP netstats_exporter_scrape_duration_seconds Seconds this "	\
	"scrape took to read and format the counters\n"			\
	"# TYPE netstats_exporter_scrape_duration_seconds gauge\n"	\
	"netstats_exporter_scrape_duration_seconds D\n"

#define IP							\
	"# HELP netstats_ip_in_receives_total Datagrams \"received\"\n"	\
	"# TYPE netstats_ip_in_receives_total counter\n"			\
	"netstats_ip_in_receives_total{registration=\"ip\"} 18446744073709551615\n" \
	"# HELP netstats_ip_forwarding Line 1\\nC:\\\\path\n"		\
	"# TYPE netstats_ip_forwarding gauge\n"				\
	"netstats_ip_forwarding{registration=\"ip\"} 1\n"

static const char want_first[] = IP
	"# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged\n"
	"# TYPE netstats_tcp_bytes_acked_total counter\n"
	"netstats_tcp_bytes_acked_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 1000\n"
	"netstats_tcp_bytes_acked_total{registration=\"tcp/fd:4\",object=\"fd:4\"} 4000\n"
	"# HELP netstats_tcp_segs_in_total Counter segs_in of the netstats group tcp\n"
	"# TYPE netstats_tcp_segs_in_total counter\n"
	"netstats_tcp_segs_in_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 3\n"
	"netstats_tcp_segs_in_total{registration=\"tcp/fd:4\",object=\"fd:4\"} 4\n"
	BUILD UP(1, 1, 1) SELF(1, 0, 3);

static const char want_final[] = IP
	"# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged\n"
	"# TYPE netstats_tcp_bytes_acked_total counter\n"
	"netstats_tcp_bytes_acked_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 1000\n"
	"netstats_tcp_bytes_acked_total{registration=\"tcp/fd:4\",object=\"fd:4\"} 4500\n"
	"# HELP netstats_tcp_segs_in_total Counter segs_in of the netstats group tcp\n"
	"# TYPE netstats_tcp_segs_in_total counter\n"
	"netstats_tcp_segs_in_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 3\n"
	"netstats_tcp_segs_in_total{registration=\"tcp/fd:4\",object=\"fd:4\"} 5\n"
	BUILD UP(1, 1, 0) SELF(2, 1, 3);

static const char want_dropped[] = IP
	"# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged\n"
	"# TYPE netstats_tcp_bytes_acked_total counter\n"
	"netstats_tcp_bytes_acked_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 1000\n"
	"# HELP netstats_tcp_segs_in_total Counter segs_in of the netstats group tcp\n"
	"# TYPE netstats_tcp_segs_in_total counter\n"
	"netstats_tcp_segs_in_total{registration=\"tcp/fd:3\",object=\"fd:3\"} 3\n"
	BUILD UP(1, 1, 0) SELF(3, 1, 2);

/* Where the first difference is, to make a failure readable. */
static void show_diff(const char *got, const char *want)
{
	size_t i = 0;

	while (got[i] && got[i] == want[i])
		i++;
	printf("  differs at byte %zu:\n  got:  %.80s\n  want: %.80s\n", i,
	       got + i, want + i);
}

static void check_text(const char *got, const char *want, int line)
{
	bool same = !strcmp(got, want);

	CHECK(same, "exposition differs (line %d)", line);
	if (!same)
		show_diff(got, want);
}

#define CHECK_TEXT(got, want) check_text(got, want, __LINE__)

/* promtool, when installed, must accept the exposition. */
static void check_promtool(const char *text)
{
	FILE *p;
	int st;

	if (system("command -v promtool >/dev/null 2>&1")) {
		printf("promtool not installed: not run\n");
		return;
	}
	p = popen("promtool check metrics", "w");
	CHECK(p, "popen promtool");
	if (!p)
		return;
	fputs(text, p);
	st = pclose(p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "promtool check metrics: status %d", st);
}

static void test_lifecycle(void)
{
	static const char *const names[] = { "ip", "tcp/fd:3", "tcp/fd:4" };
	struct exporter e = { .sfd = -1 };
	struct exp_buf b = {};
	size_t i;

	CHECK(!exp_parse_names(&e, names, 3), "parse names");
	CHECK(!exp_build_labels(&e, "6.12.0-test"), "build labels");
	e.h = netstats__open();
	fake_regs[0].vals[0] = ~0ULL;
	fake_regs[0].vals[1] = 1;
	fake_regs[1].vals[0] = 1000;
	fake_regs[1].vals[1] = 0x1234;
	fake_regs[1].vals[2] = 3;
	fake_regs[2].vals[0] = 4000;
	fake_regs[2].vals[2] = 4;
	for (i = 0; i < e.reg_cnt; i++)
		CHECK(!exp_register(&e, &e.regs[i]), "register %s",
		      e.regs[i].name);
	CHECK(queries == 3, "one QUERY per registration: %u", queries);
	CHECK(e.restricted_cnt == 2, "restricted left out: %zu",
	      e.restricted_cnt);

	CHECK_TEXT(scrape(&e, &b, true), want_first);
	check_promtool(b.data);

	/* fd:4 dies: its final values are served once... */
	fake_regs[2].dead = true;
	fake_regs[2].vals[0] = 4500;
	fake_regs[2].vals[2] = 5;
	/* ...not by a HEAD, which changes nothing... */
	scrape(&e, &b, false);
	CHECK(!e.drop_pending && e.regs[2].state == EXP_REG_LIVE,
	      "HEAD consumed a death");
	/* ...but by the next GET, then it is unregistered. */
	CHECK_TEXT(scrape(&e, &b, true), want_final);
	CHECK(e.drop_pending, "drop pending");
	exp_after(&e);
	CHECK(unregistered == 1 && !fake_regs[2].registered,
	      "unregistered %u", unregistered);
	CHECK_TEXT(scrape(&e, &b, true), want_dropped);
	check_promtool(b.data);

	/* An HTTP error is counted. */
	exp_http_error(&e);
	CHECK(e.self[EXP_SELF_HTTP_ERRORS] == 1, "HTTP error counted");

	exp_buf_free(&b);
	exp_free(&e);
}

static void test_errors(void)
{
	static const char *const dup[] = { "ip", "ip" };
	static const char *const bad[] = { "ip", "no such" };
	static const char *const unknown[] = { "nosuch0/hw" };
	static const char *const clash[] = { "eth1/hw" };
	struct exporter e = { .sfd = -1 };

	CHECK(exp_parse_names(&e, dup, 2) == 2, "duplicate name");
	exp_free(&e);
	memset(&e, 0, sizeof(e));
	e.sfd = -1;
	CHECK(exp_parse_names(&e, bad, 2) == 2, "malformed name");
	exp_free(&e);

	memset(&e, 0, sizeof(e));
	e.sfd = -1;
	e.h = netstats__open();
	CHECK(!exp_parse_names(&e, unknown, 1), "parse unknown");
	CHECK(exp_register(&e, &e.regs[0]) == -ENOENT, "unknown group");
	exp_free(&e);

	/* "x" (counter) and "x_total" (gauge) both make ..._x_total. */
	memset(&e, 0, sizeof(e));
	e.sfd = -1;
	e.h = netstats__open();
	CHECK(!exp_parse_names(&e, clash, 1), "parse clash");
	CHECK(exp_register(&e, &e.regs[0]) == -EINVAL,
	      "counter and gauge of one name refused");
	exp_free(&e);
}

/* Runs @cmd with %d of the command replaced by @port: its output. */
static const char *run(const char *fmt, int port)
{
	static char out[1 << 16];
	char cmd[1024];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), fmt, port, port, port);
	p = popen(cmd, "r");
	if (!p)
		return "popen failed";
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

#define TCP3	"registration=\"tcp/fd:3\",object=\"fd:3\""

/*
 * The whole exporter serving the fake registrations over libmicrohttpd,
 * with basic authentication, scraped by curl: routes, methods, status
 * codes, and 50 clients at once.
 */
static void test_serve(void)
{
	/* bob: "secret" */
	static const char yaml[] =
		"basic_auth_users:\n"
		"  bob: $2y$04$Z5W.w8jrVCtnFMyA4tPg1.uD6w4iOFMj2EkPiA3lkHwGJKffxoc/S\n";
	static const char *const names[] = { "ip", "tcp/fd:3" };
	char path[] = "/tmp/test_scrape.XXXXXX";
	struct exporter e = { .sfd = -1 };
	struct web_ops ops = {
		.render = exp_render,
		.http_error = exp_http_error,
		.after = exp_after,
		.ctx = &e,
	};
	struct web_config cfg = {};
	struct web_server *srv;
	int fds[2], stop[2], port = -1, st, fd;
	const char *out;
	char err[256];
	pid_t pid;
	size_t i;

	if (system("command -v curl >/dev/null 2>&1")) {
		printf("curl not installed: the server is not tested\n");
		return;
	}
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, yaml, strlen(yaml)) == (ssize_t)strlen(yaml),
	      "web config");
	close(fd);
	CHECK(!web_config_load(&cfg, path, err, sizeof(err)), "load: %s", err);
	unlink(path);
	for (i = 0; i < ARRAY_SIZE(fake_regs); i++)
		fake_regs[i].dead = false;
	CHECK(!exp_parse_names(&e, names, 2) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	for (i = 0; i < e.reg_cnt; i++)
		CHECK(!exp_register(&e, &e.regs[i]), "register");
	srv = web_server_new(&cfg, &ops, "/metrics", 5);
	CHECK(srv && !web_server_listen(srv, "127.0.0.1:0"), "listen");
	if (!srv || pipe(fds) || pipe(stop))
		return;

	pid = fork();
	if (!pid) {
		close(fds[0]);
		close(stop[1]);
		if (web_server_start(srv))
			_exit(1);
		port = web_server_port(srv, 0);
		if (write(fds[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		_exit(web_server_serve(srv, stop[0]) ? 1 : 0);
	}
	close(fds[1]);
	close(stop[0]);
	CHECK(read(fds[0], &port, sizeof(port)) == sizeof(port) && port > 0,
	      "the server started");
	close(fds[0]);
	if (port <= 0)
		goto out;

	out = run("curl -sS --max-time 10 -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/metrics", port);
	CHECK(!strcmp(out, "401"), "no credentials: %s", out);
	out = run("curl -sS --max-time 10 -o /dev/null -D - -u bob:Secret http://127.0.0.1:%d/metrics | tr -d '\\r' | grep -i '^www-authenticate'", port);
	CHECK(!strcmp(out, "WWW-Authenticate: Basic realm=\"netstats-exporter\"\n"),
	      "wrong password: 401 and the realm: %s", out);
	out = run("curl -sS --max-time 10 -u bob:secret http://127.0.0.1:%d/metrics", port);
	CHECK(strstr(out, "\nnetstats_tcp_bytes_acked_total{" TCP3 "} 1000\n") &&
	      strstr(out, "\nnetstats_object_up{registration=\"ip\"} 1\n"),
	      "GET /metrics: %.200s", out);
	if (!system("command -v promtool >/dev/null 2>&1")) {
		out = run("curl -sS --max-time 10 -u bob:secret http://127.0.0.1:%d/metrics | promtool check metrics && echo OK", port);
		CHECK(!strcmp(out, "OK\n"), "promtool: %s", out);
	}
	out = run("curl -sS --max-time 10 -o /dev/null -w '%%{http_code}' -u bob:secret http://127.0.0.1:%d/", port);
	CHECK(!strcmp(out, "200"), "GET /: %s", out);
	out = run("curl -sS --max-time 10 -o /dev/null -w '%%{http_code}' -u bob:secret http://127.0.0.1:%d/x", port);
	CHECK(!strcmp(out, "404"), "GET /x: %s", out);
	out = run("curl -sS --max-time 10 -o /dev/null -D - -X POST -u bob:secret http://127.0.0.1:%d/metrics | tr -d '\\r' | grep -Ei '^(HTTP|allow)'", port);
	CHECK(!strcmp(out, "HTTP/1.1 405 Method Not Allowed\nAllow: GET, HEAD\n"),
	      "POST: %s", out);
	out = run("curl -sS --max-time 10 -I -u bob:secret http://127.0.0.1:%d/metrics | tr -d '\\r' | grep -Ei '^(HTTP|content-type)'", port);
	CHECK(!strcmp(out, "HTTP/1.1 200 OK\nContent-Type: " WEB_METRICS_TYPE "\n"),
	      "HEAD: %s", out);
	/* 401 twice, 404, 405 so far. 50 clients at once, 20 requests each: every one answered. */
	out = run("for c in $(seq 50); do (for r in $(seq 20); do curl -sS -o /dev/null -w '%%{http_code}\\n' --max-time 20 -u bob:secret http://127.0.0.1:%d/metrics; done) & done | sort | uniq -c | tr -s ' '", port);
	CHECK(!strcmp(out, " 1000 200\n"), "50 x 20 requests: %s", out);
	out = run("curl -sS --max-time 10 -u bob:secret http://127.0.0.1:%d/metrics | grep -E '^netstats_exporter_(scrapes|http_errors)_total'", port);
	CHECK(!strcmp(out, "netstats_exporter_scrapes_total 1003\n"
		      "netstats_exporter_http_errors_total 4\n"),
	      "counted: %s", out);
out:
	close(stop[1]);	/* the server returns */
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      !WEXITSTATUS(st), "the server stopped: %d", st);
	web_server_free(srv);
	web_config_free(&cfg);
	exp_free(&e);
}

int main(void)
{
	test_lifecycle();
	test_errors();
	test_serve();
	return check_report();
}
