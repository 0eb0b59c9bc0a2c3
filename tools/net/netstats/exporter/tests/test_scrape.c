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
	{ "queue/rx", 1, {
		{ "packets", "Packets received", U64, 0, 0 },
	} },
	{ "tcp-all", 3, {
		{ "bytes_acked", "Payload bytes acknowledged", U64, 0, 0 },
		{ "snd_una", "First unacknowledged", U64, 8, RESTRICTED | GAUGE },
		{ "segs_in", "", U64, 16, 0 },
	} },
};

/* The sockets of the fake tcp-all directory. */
#define FAKE_SOCKS	3
static const struct {
	__u64 cookie;
	__u16 family, sport, dport;
	__u8 src[16], dst[16];
	__u64 vals[3];
} fake_socks[FAKE_SOCKS] = {
	{ 4097, AF_INET, 40000, 80, { 192, 0, 2, 1 }, { 192, 0, 2, 2 },
	  { 100, 7, 1 } },
	{ 4098, AF_INET6, 22, 51000,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, { 20, 8, 2 } },
	{ 4099, AF_INET, 1, 2, { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, { 3, 9, 4 } },
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
	bool absent;	/* REGISTER fails: no such device */
	bool perm;	/* REGISTER fails: EPERM */
	__u32 id;
};

static struct netstats_handle fake_handle;
static struct netstats_reg fake_regs[] = {
	{ "ip" },
	{ "tcp/fd:3" },
	{ "tcp/fd:4" },
	{ "eth1/hw" },
	{ "nsim0/queue/rx/0" },
	{ "tcp-all" },
};

static unsigned int unregistered, queries, registers, next_id = 1;

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
	registers++;
	for (i = 0; i < ARRAY_SIZE(fake_regs); i++) {
		if (strcmp(fake_regs[i].name, name))
			continue;
		if (fake_regs[i].absent) {
			snprintf(h->err, sizeof(h->err),
				 "no such device in the handle's network namespace");
			errno = ENODEV;
			return NULL;
		}
		if (fake_regs[i].perm) {
			snprintf(h->err, sizeof(h->err), "needs CAP_NET_ADMIN");
			errno = EPERM;
			return NULL;
		}
		if (fake_regs[i].registered)
			abort();	/* the exporter keeps one */
		fake_regs[i].g = fake_group(n.group);
		fake_regs[i].registered = true;
		fake_regs[i].dead = false;
		fake_regs[i].id = next_id++;
		return &fake_regs[i];
	}
	snprintf(h->err, sizeof(h->err), "unknown counter group");
	errno = ENOENT;
	return NULL;
}

int netstats_reg__unregister(struct netstats_reg *reg)
{
	if (!reg->registered)
		abort();
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

__u32 netstats_reg__id(const struct netstats_reg *reg)
{
	return reg->id;
}

__u32 netstats_reg__flags(const struct netstats_reg *reg)
{
	return !strcmp(reg->g->name, "tcp-all") ?
	       NETSTATS_GROUP_FLAGS_DIRECTORY : 0;
}

const char *netstats__counter_type_str(__u32 type)
{
	return type == U64 ? "u64" : NULL;
}

int netstats__monitor_fd(struct netstats_handle *h)
{
	(void)h;
	return -EOPNOTSUPP;
}

/* The notifications netstats__monitor_read() delivers next. */
static __u32 fake_dead_ids[4];
static size_t fake_dead_cnt;

int netstats__monitor_read(struct netstats_handle *h, netstats_dead_cb cb,
			   void *ctx)
{
	size_t i, n = fake_dead_cnt;

	for (i = 0; i < n; i++)
		cb(fake_dead_ids[i], 1, "", NULL, ctx);
	fake_dead_cnt = 0;
	(void)h;
	return n;
}

/* The scan's cursor: the next fake socket, in unit_skip. */
int netstats_reg__sock_scan(const struct netstats_reg *reg,
			    struct netstats_sock_scan *scan)
{
	if (!reg->registered)
		abort();
	memset(scan, 0, sizeof(*scan));
	scan->sz = sizeof(*scan);
	scan->reg = reg;
	return 0;
}

int netstats_sock_scan__step(struct netstats_sock_scan *scan, __u64 *vals)
{
	size_t i = scan->unit_skip;

	if (i >= FAKE_SOCKS)
		return 0;
	memcpy(vals, fake_socks[i].vals, sizeof(fake_socks[i].vals));
	scan->cookie = fake_socks[i].cookie;
	scan->unit_skip++;
	return 1;
}

int netstats_sock_scan__sock(const struct netstats_sock_scan *scan,
			     struct netstats_sock *sock)
{
	size_t i = scan->unit_skip - 1;

	sock->cookie = fake_socks[i].cookie;
	sock->family = fake_socks[i].family;
	sock->sport = fake_socks[i].sport;
	sock->dport = fake_socks[i].dport;
	memcpy(sock->src, fake_socks[i].src, 16);
	memcpy(sock->dst, fake_socks[i].dst, 16);
	return 0;
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

#define UP(ip, fd3, fd4, e3, e4)					\
	"# HELP netstats_object_up 1 if the target's object is registered and alive, 0 if it died or is not (yet) there\n" \
	"# TYPE netstats_object_up gauge\n"				\
	"netstats_object_up{group=\"ip\"} " #ip "\n"			\
	"netstats_object_up{group=\"tcp\",fd=\"3\"} " #fd3 "\n"	\
	"netstats_object_up{group=\"tcp\",fd=\"4\"} " #fd4 "\n"	\
	"# HELP netstats_exporter_register_errors_total REGISTER requests of the target that failed (a name that does not resolve, an object not back yet)\n" \
	"# TYPE netstats_exporter_register_errors_total counter\n"	\
	"netstats_exporter_register_errors_total{group=\"ip\"} 0\n"	\
	"netstats_exporter_register_errors_total{group=\"tcp\",fd=\"3\"} " #e3 "\n" \
	"netstats_exporter_register_errors_total{group=\"tcp\",fd=\"4\"} " #e4 "\n"

#define SELF(scrapes, dead, regs)					\
	"# HELP netstats_exporter_scrapes_total GET requests of the metrics answered\n" \
	"# TYPE netstats_exporter_scrapes_total counter\n"		\
	"netstats_exporter_scrapes_total " #scrapes "\n"		\
	"# HELP netstats_exporter_scrape_errors_total Scrapes that "	\
	"could not read a registration or ran out of memory\n"		\
	"# TYPE netstats_exporter_scrape_errors_total counter\n"	\
	"netstats_exporter_scrape_errors_total 0\n"			\
	"# HELP netstats_exporter_dead_total Registrations found dead (their object died); each is registered again once it is back\n" \
	"# TYPE netstats_exporter_dead_total counter\n"			\
	"netstats_exporter_dead_total " #dead "\n"			\
	"# HELP netstats_exporter_registrations Registrations exported\n" \
	"# TYPE netstats_exporter_registrations gauge\n"		\
	"netstats_exporter_registrations " #regs "\n"			\
	"# HELP netstats_exporter_http_errors_total HTTP requests "	\
	"answered with an error status or failed\n"			\
	"# TYPE netstats_exporter_http_errors_total counter\n"		\
	"netstats_exporter_http_errors_total 0\n"			\
	"# HELP netstats_exporter_tcp_all_sockets_dropped_total tcp-all sockets left out of the per-socket series by --collector.tcp-all.max-sockets, per scrape (still in the sums)\n" \
	"# TYPE netstats_exporter_tcp_all_sockets_dropped_total counter\n" \
	"netstats_exporter_tcp_all_sockets_dropped_total 0\n"		\
	"# HELP netstats_exporter_scrape_duration_seconds Seconds this "	\
	"scrape took to read and format the counters\n"			\
	"# TYPE netstats_exporter_scrape_duration_seconds gauge\n"	\
	"netstats_exporter_scrape_duration_seconds D\n"

#define IP							\
	"# HELP netstats_ip_in_receives_total Datagrams \"received\"\n"	\
	"# TYPE netstats_ip_in_receives_total counter\n"			\
	"netstats_ip_in_receives_total 18446744073709551615\n"		\
	"# HELP netstats_ip_forwarding Line 1\\nC:\\\\path\n"		\
	"# TYPE netstats_ip_forwarding gauge\n"				\
	"netstats_ip_forwarding 1\n"

#define TCP(acked3, acked4, segs3, segs4)				\
	"# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged\n" \
	"# TYPE netstats_tcp_bytes_acked_total counter\n"		\
	"netstats_tcp_bytes_acked_total{fd=\"3\"} " #acked3 "\n"	\
	"netstats_tcp_bytes_acked_total{fd=\"4\"} " #acked4 "\n"	\
	"# HELP netstats_tcp_segs_in_total Counter segs_in of the netstats group tcp\n" \
	"# TYPE netstats_tcp_segs_in_total counter\n"			\
	"netstats_tcp_segs_in_total{fd=\"3\"} " #segs3 "\n"		\
	"netstats_tcp_segs_in_total{fd=\"4\"} " #segs4 "\n"

static const char want_first[] = IP TCP(1000, 4000, 3, 4)
	BUILD UP(1, 1, 1, 0, 0) SELF(1, 0, 3);

static const char want_final[] = IP TCP(1000, 4500, 3, 5)
	BUILD UP(1, 1, 0, 0, 0) SELF(2, 1, 3);

static const char want_dropped[] = IP
	"# HELP netstats_tcp_bytes_acked_total Payload bytes acknowledged\n"
	"# TYPE netstats_tcp_bytes_acked_total counter\n"
	"netstats_tcp_bytes_acked_total{fd=\"3\"} 1000\n"
	"# HELP netstats_tcp_segs_in_total Counter segs_in of the netstats group tcp\n"
	"# TYPE netstats_tcp_segs_in_total counter\n"
	"netstats_tcp_segs_in_total{fd=\"3\"} 3\n"
	BUILD UP(1, 1, 0, 0, 0) SELF(3, 1, 2);

/* Registered again, after 6 failed tries: the new object's values. */
static const char want_back[] = IP TCP(1000, 10, 3, 1)
	BUILD UP(1, 1, 1, 0, 6) SELF(4, 1, 3);

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

/* The retry of @r is due: the loop's after() makes it. */
static void retry_now(struct exporter *e, struct exp_reg *r)
{
	r->next_try = 1;
	exp_after(e);
}

static void test_lifecycle(void)
{
	static const char *const names[] = { "ip", "tcp/fd:3", "tcp/fd:4" };
	struct exporter e = EXP_INIT;
	struct exp_buf b = {};
	unsigned int i, want;
	size_t up;
	__u64 now;

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
	CHECK(!exp_register_all(&e, &up) && up == 3, "register all: %zu", up);
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
	/* ...but by the next GET, then it is unregistered... */
	CHECK_TEXT(scrape(&e, &b, true), want_final);
	CHECK(e.drop_pending, "drop pending");
	now = exp_now_ns();
	exp_after(&e);
	CHECK(unregistered == 1 && !fake_regs[2].registered &&
	      e.regs[2].state == EXP_REG_DOWN, "unregistered %u", unregistered);
	/* ...and retried in 1 s, then 2 s. */
	CHECK(e.regs[2].next_try > now + EXP_NS / 2 &&
	      e.regs[2].next_try <= exp_now_ns() + EXP_NS &&
	      e.regs[2].backoff == 2, "retry in 1 s, then 2 s");
	CHECK(exp_timeout_ms(&e) > 500 && exp_timeout_ms(&e) <= 1000,
	      "the loop wakes up for it: %d ms", exp_timeout_ms(&e));
	CHECK_TEXT(scrape(&e, &b, true), want_dropped);
	check_promtool(b.data);

	/* Not back yet: each failure doubles the wait, up to 60 s. */
	fake_regs[2].absent = true;
	for (i = 0, want = 4; i < 6; i++, want = want * 2 > 60 ? 60 : want * 2) {
		retry_now(&e, &e.regs[2]);
		CHECK(e.regs[2].state == EXP_REG_DOWN &&
		      e.regs[2].backoff == want && e.regs[2].errors == i + 1,
		      "try %u failed: next wait %u s (want %u)", i + 1,
		      e.regs[2].backoff, want);
	}
	now = exp_now_ns();
	CHECK(e.regs[2].next_try > now + 59 * EXP_NS &&
	      e.regs[2].next_try <= now + 60 * EXP_NS, "at most 60 s");
	/* Not due: nothing is tried. */
	i = registers;
	exp_after(&e);
	CHECK(registers == i, "no REGISTER before it is due");

	/* Back, by its name: the new object's values. */
	fake_regs[2].absent = false;
	fake_regs[2].vals[0] = 10;
	fake_regs[2].vals[2] = 1;
	retry_now(&e, &e.regs[2]);
	CHECK(e.regs[2].state == EXP_REG_LIVE && !e.regs[2].next_try &&
	      e.regs[2].backoff == 1, "registered again");
	CHECK_TEXT(scrape(&e, &b, true), want_back);
	check_promtool(b.data);

	/* A death announced by the monitor: down at once, retried. */
	e.mfd = 1000;	/* not polled here; the handle's, never closed */
	fake_dead_ids[0] = 999;		/* not ours */
	fake_dead_ids[1] = fake_regs[1].id;
	fake_dead_cnt = 2;
	exp_watch(&e);
	CHECK(e.regs[1].state == EXP_REG_FINAL && e.regs[1].next_try &&
	      e.regs[0].state == EXP_REG_LIVE && e.regs[2].state == EXP_REG_LIVE &&
	      e.self[EXP_SELF_DEAD] == 2, "announced death");
	/* Retried before a GET served it: the dead one goes, the new stays. */
	fake_regs[1].dead = true;
	i = unregistered;
	fake_regs[1].registered = false;	/* the kernel's view: a new one */
	fake_regs[1].vals[0] = 1;
	e.regs[1].reg = NULL;	/* (the fake has one registration per name) */
	exp_forget_members(&e, &e.regs[1]);
	retry_now(&e, &e.regs[1]);
	CHECK(e.regs[1].state == EXP_REG_LIVE, "fd:3 registered again");
	CHECK(strstr(scrape(&e, &b, true),
		     "\nnetstats_tcp_bytes_acked_total{fd=\"3\"} 1\n"),
	      "fd:3's new values");

	/* An HTTP error is counted. */
	exp_http_error(&e);
	CHECK(e.self[EXP_SELF_HTTP_ERRORS] == 1, "HTTP error counted");

	exp_buf_free(&b);
	exp_free(&e);
	for (i = 0; i < ARRAY_SIZE(fake_regs); i++)
		fake_regs[i].registered = false;
}

/* A configured name absent at start-up: served as down, then up. */
static void test_absent(void)
{
	static const char *const names[] = { "ip", "nsim0/queue/rx/0" };
	static const char *const perm[] = { "tcp/fd:3" };
	static const char up_q[] =
		"{group=\"queue/rx\",device=\"nsim0\",queue=\"0\",direction=\"rx\"}";
	struct exporter e = EXP_INIT;
	struct exp_buf b = {};
	char want[512];
	const char *t;
	size_t up;

	fake_regs[4].absent = true;
	fake_regs[4].vals[0] = 5;
	CHECK(!exp_parse_names(&e, names, 2) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	CHECK(!exp_register_all(&e, &up) && up == 1, "not fatal: %zu up", up);
	t = scrape(&e, &b, true);
	snprintf(want, sizeof(want), "\nnetstats_object_up%s 0\n", up_q);
	CHECK(strstr(t, want), "absent: object_up 0");
	snprintf(want, sizeof(want),
		 "\nnetstats_exporter_register_errors_total%s 1\n", up_q);
	CHECK(strstr(t, want), "absent: one error counted");
	CHECK(!strstr(t, "netstats_queue_rx"), "absent: no series");
	CHECK(strstr(t, "\nnetstats_ip_in_receives_total "),
	      "the others are served");
	check_promtool(b.data);

	fake_regs[4].absent = false;
	retry_now(&e, &e.regs[1]);
	t = scrape(&e, &b, true);
	snprintf(want, sizeof(want), "\nnetstats_object_up%s 1\n", up_q);
	CHECK(strstr(t, want), "created: object_up 1");
	CHECK(strstr(t, "\nnetstats_queue_rx_packets_total{device=\"nsim0\","
		      "queue=\"0\",direction=\"rx\"} 5\n"),
	      "created: its series, labelled as node_exporter does");
	check_promtool(b.data);
	exp_buf_free(&b);
	exp_free(&e);
	fake_regs[0].registered = fake_regs[4].registered = false;

	/* Refused for a capability: never tried again. */
	e = (struct exporter)EXP_INIT;
	fake_regs[1].perm = true;
	CHECK(!exp_parse_names(&e, perm, 1) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	CHECK(!exp_register_all(&e, &up) && !up && !e.regs[0].next_try &&
	      exp_timeout_ms(&e) == -1, "EPERM: down, not retried");
	exp_free(&e);
	fake_regs[1].perm = false;
}

/* The labels of each kind of object; options in none. */
static void test_labels(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "ip", "" },
		{ "ip6@period-ms=500", "" },
		{ "eth0/queue/rx/3", "{device=\"eth0\",queue=\"3\",direction=\"rx\"}" },
		{ "eth0/hwqueue/tx/0@timer-ms=500",
		  "{device=\"eth0\",queue=\"0\",direction=\"tx\"}" },
		{ "eth0/hw@period-ms=100", "{device=\"eth0\"}" },
		{ "qdisc/eth0/8001:0", "{device=\"eth0\",handle=\"8001:\"}" },
		{ "qdisc/eth0/1:a", "{device=\"eth0\",handle=\"1:a\"}" },
		{ "qdisc/eth0/root", "{device=\"eth0\",handle=\"root\"}" },
		{ "core/page_pool/7", "{pool=\"7\"}" },
		{ "tcp/fd:5", "{fd=\"5\"}" },
		{ "tcp/cookie:4097", "{cookie=\"4097\"}" },
		{ "tcp/192.0.2.1:40000/192.0.2.2:80/cookie:4097",
		  "{cookie=\"4097\",local=\"192.0.2.1:40000\",remote=\"192.0.2.2:80\"}" },
		{ "tcp/[2001:db8::1]:22/[2001:db8::2]:51000/cookie:0x1001",
		  "{cookie=\"4097\",local=\"[2001:db8::1]:22\",remote=\"[2001:db8::2]:51000\"}" },
	};
	static const char *const same[] = { "ip", "ip@period-ms=500" };
	static const char *const same_q[] = {
		"eth0/queue/rx/0", "eth0/queue/rx/0@derived=1",
	};
	static const char *const other[] = {
		"eth0/queue/rx/0", "eth0/queue/tx/0", "eth0/hwqueue/rx/0",
	};
	struct netstats_name n;
	struct exporter e;
	struct exp_buf b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&n, 0, sizeof(n));
		n.sz = sizeof(n);
		memset(&b, 0, sizeof(b));
		CHECK(!netstats__parse_name(cases[i].name, &n), "parse %s",
		      cases[i].name);
		exp_object_labels(&n, NULL, &b);
		CHECK(b.data && !strcmp(b.data, cases[i].want),
		      "%s: labels %s, want %s", cases[i].name,
		      b.data ? b.data : "(none)", cases[i].want);
		exp_buf_free(&b);
	}
	e = (struct exporter)EXP_INIT;
	CHECK(exp_parse_names(&e, same, 2) == 2, "ip and ip@... refused");
	exp_free(&e);
	e = (struct exporter)EXP_INIT;
	CHECK(exp_parse_names(&e, same_q, 2) == 2, "a queue twice refused");
	exp_free(&e);
	e = (struct exporter)EXP_INIT;
	CHECK(!exp_parse_names(&e, other, 3), "other queues, other objects");
	exp_free(&e);
}

/* tcp-all: sums and the count by default; per socket up to the cap. */
static void test_tcp_all(void)
{
	static const char *const names[] = { "tcp-all" };
	static const char s1[] = "{cookie=\"4097\",local=\"192.0.2.1:40000\",remote=\"192.0.2.2:80\"}";
	static const char s2[] = "{cookie=\"4098\",local=\"[2001:db8::1]:22\",remote=\"[2001:db8::2]:51000\"}";
	struct exporter e = EXP_INIT;
	struct exp_buf b = {};
	char want[512];
	const char *t;
	size_t up;

	CHECK(!exp_parse_names(&e, names, 1) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	CHECK(!exp_register_all(&e, &up) && up == 1, "tcp-all registered");
	t = scrape(&e, &b, true);
	CHECK(strstr(t, "# TYPE netstats_tcp_all_sockets gauge\n"
		      "netstats_tcp_all_sockets 3\n"), "socket count");
	CHECK(strstr(t, "# TYPE netstats_tcp_all_bytes_acked gauge\n"
		      "netstats_tcp_all_bytes_acked 123\n"), "sum of bytes_acked");
	CHECK(strstr(t, "\nnetstats_tcp_all_segs_in 7\n"), "sum of segs_in");
	CHECK(!strstr(t, "snd_una") && !strstr(t, "cookie="),
	      "no restricted sum, no socket series by default");
	/* A socket's death is announced to the directory's registration. */
	e.mfd = 1000;
	fake_dead_ids[0] = fake_regs[5].id;
	fake_dead_cnt = 1;
	exp_watch(&e);
	CHECK(e.regs[0].state == EXP_REG_LIVE, "a socket died, not tcp-all");
	fake_regs[5].dead = true;
	fake_dead_cnt = 1;
	exp_watch(&e);
	CHECK(e.regs[0].state == EXP_REG_FINAL, "the directory died");
	check_promtool(b.data);
	exp_buf_free(&b);
	exp_free(&e);
	fake_regs[5].registered = false;

	/* Per socket, 2 at most, restricted counters too: 1 dropped. */
	e = (struct exporter)EXP_INIT;
	e.per_socket = true;
	e.max_sockets = 2;
	e.restricted = true;
	CHECK(!exp_parse_names(&e, names, 1) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	CHECK(!exp_register_all(&e, &up) && up == 1, "tcp-all registered");
	memset(&b, 0, sizeof(b));
	t = scrape(&e, &b, true);
	snprintf(want, sizeof(want),
		 "# TYPE netstats_tcp_all_socket_bytes_acked_total counter\n"
		 "netstats_tcp_all_socket_bytes_acked_total%s 100\n"
		 "netstats_tcp_all_socket_bytes_acked_total%s 20\n"
		 "# HELP", s1, s2);
	CHECK(strstr(t, want), "two sockets' series");
	snprintf(want, sizeof(want),
		 "\nnetstats_tcp_all_socket_snd_una%s 7\n", s1);
	CHECK(strstr(t, want), "-r: restricted per socket, a gauge");
	CHECK(!strstr(t, "\nnetstats_tcp_all_snd_una"), "never summed");
	CHECK(!strstr(t, "4099") && strstr(t, "\nnetstats_tcp_all_bytes_acked 123\n") &&
	      strstr(t, "\nnetstats_tcp_all_sockets 3\n"),
	      "the third: in the sums, not in the series");
	CHECK(strstr(t, "\nnetstats_exporter_tcp_all_sockets_dropped_total 1\n"),
	      "one dropped by the cap");
	scrape(&e, &b, false);
	t = scrape(&e, &b, true);
	CHECK(strstr(t, "\nnetstats_exporter_tcp_all_sockets_dropped_total 2\n"),
	      "counted per GET");
	check_promtool(b.data);
	exp_buf_free(&b);
	exp_free(&e);
	fake_regs[5].registered = false;
}

static void test_errors(void)
{
	static const char *const dup[] = { "ip", "ip" };
	static const char *const bad[] = { "ip", "no such" };
	static const char *const unknown[] = { "nosuch0/hw" };
	static const char *const clash[] = { "eth1/hw" };
	struct exporter e = EXP_INIT;
	struct netstats_reg *reg;
	int err = 0;

	CHECK(exp_parse_names(&e, dup, 2) == 2, "duplicate name");
	exp_free(&e);
	e = (struct exporter)EXP_INIT;
	CHECK(exp_parse_names(&e, bad, 2) == 2, "malformed name");
	exp_free(&e);

	e = (struct exporter)EXP_INIT;
	e.h = netstats__open();
	CHECK(!exp_parse_names(&e, unknown, 1), "parse unknown");
	CHECK(!exp_reg_new(&e, &e.regs[0], &err) && err == -ENOENT,
	      "unknown group");
	exp_free(&e);

	/* "x" (counter) and "x_total" (gauge) both make ..._x_total. */
	e = (struct exporter)EXP_INIT;
	e.h = netstats__open();
	CHECK(!exp_parse_names(&e, clash, 1), "parse clash");
	reg = exp_reg_new(&e, &e.regs[0], &err);
	CHECK(reg && exp_attach(&e, &e.regs[0], reg) == -EINVAL &&
	      !fake_regs[3].registered,
	      "counter and gauge of one name refused, unregistered");
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

#define TCP3	"fd=\"3\""

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
	struct exporter e = EXP_INIT;
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
	fake_regs[1].vals[0] = 1000;
	CHECK(!exp_parse_names(&e, names, 2) &&
	      !exp_build_labels(&e, "6.12.0-test"), "names");
	e.h = netstats__open();
	CHECK(!exp_register_all(&e, &i) && i == 2, "register");
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
	      strstr(out, "\nnetstats_object_up{group=\"ip\"} 1\n"),
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
	test_absent();
	test_labels();
	test_tcp_all();
	test_errors();
	test_serve();
	return check_report();
}
