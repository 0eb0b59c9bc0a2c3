// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the netstats(8) renderers on hand-made data: the exact
 * text of list, show and watch, and JSON documents, which are also
 * written to DIR (the argument) for tests/test_cli.sh to parse with
 * python3 -m json.tool and check value by value.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netstats.h>

#include "output.h"
#include "../../../lib/netstats/tests/check.h"

static const char *outdir;

/* Output of @fn into a string the caller frees. */
#define RENDER(o, json, pretty, percpu, stmt) ({			\
	char *__buf = NULL;						\
	size_t __len = 0;						\
	FILE *__f = open_memstream(&__buf, &__len);			\
	out_init((o), __f, (json), (pretty), (percpu));			\
	stmt;								\
	fclose(__f);							\
	__buf;								\
})

/* The JSON document @doc as DIR/@name.json. */
static void save(const char *name, const char *doc)
{
	char file[256];

	snprintf(file, sizeof(file), "%s.json", name);
	check_write_file(outdir, file, doc);
}

static void expect(const char *what, const char *got, const char *want)
{
	CHECK(got && !strcmp(got, want), "%s:\n--- got\n%s--- want\n%s",
	      what, got ?: "(null)", want);
}

/* expect() of the JSON document @doc, saved as @name; frees @doc. */
static void expect_saved(const char *what, char *doc, const char *want,
			 const char *name)
{
	expect(what, doc, want);
	save(name, doc);
	free(doc);
}

static const struct netstats_counter_info c_regs = {
	"registrations", "Live \"registrations\"", NETSTATS_COUNTER_TYPE_U64,
	24, NETSTATS_COUNTER_FLAGS_GAUGE,
};

static const struct netstats_counter_info c_seq = {
	"snd_una", "Sequence\tnumber", NETSTATS_COUNTER_TYPE_U32, 32,
	NETSTATS_COUNTER_FLAGS_RESTRICTED | 0x80,
};

static const struct netstats_counter_info *const ctrs[] = { &c_regs, &c_seq };
static const struct netstats_option_info o_period = {
	"period-ms", "Update period", 10, 60000, 1000,
};

static const struct netstats_option_info *const opts[] = { &o_period };
static const char *const insts[] = { "0", "1" };

static const struct netstats_group_info group = {
	.sz = sizeof(group),
	.name = "netstats",
	.doc = "The core's own objects",
	.flags = NETSTATS_GROUP_FLAGS_DERIVED | NETSTATS_GROUP_FLAGS_PERCPU,
	.counter_cnt = 2,
	.counters = ctrs,
	.option_cnt = 1,
	.options = opts,
	.instance_cnt = 2,
	.instances = insts,
};

#define PRETTY_HEAD	"[\n    {\n        \"group\": \"netstats\",\n"

static void test_list(void)
{
	struct out o;
	char *s;

	s = RENDER(&o, false, false, false, render_group(&o, &group));
	expect("list text", s,
	       "netstats: The core's own objects\n"
	       "  flags: percpu,derived\n"
	       "  options:\n"
	       "    period-ms      min 10 max 60000 default 1000  Update period\n"
	       "  counters:\n"
	       "    registrations  u64   gauge            Live \"registrations\"\n"
	       "    snd_una        u32   restricted,0x80  Sequence\tnumber\n"
	       "  instances: 0 1\n");
	free(s);

	s = RENDER(&o, true, false, false,
		   json_arr_open(&o.j, NULL); render_group(&o, &group);
		   json_arr_close(&o.j); json_end(&o.j));
	expect_saved("list json", s,
		     "[{\"group\":\"netstats\",\"doc\":\"The core's own objects\",\"flags\":[\"percpu\",\"derived\"],\"options\":[{\"name\":\"period-ms\",\"min\":10,\"max\":60000,\"default\":1000,\"doc\":\"Update period\"}],\"counters\":[{\"name\":\"registrations\",\"type\":\"u64\",\"flags\":[\"gauge\"],\"doc\":\"Live \\\"registrations\\\"\"},{\"name\":\"snd_una\",\"type\":\"u32\",\"flags\":[\"restricted\",\"0x80\"],\"doc\":\"Sequence\\tnumber\"}],\"instances\":[\"0\",\"1\"]}]\n",
		     "list");

	/* -p: indented, and implies JSON */
	s = RENDER(&o, false, true, false,
		   json_arr_open(&o.j, NULL); render_group(&o, &group);
		   json_arr_close(&o.j); json_end(&o.j));
	CHECK(s && !strncmp(s, PRETTY_HEAD, strlen(PRETTY_HEAD)),
	      "list pretty: %s", s);
	save("list-pretty", s);
	free(s);

	/* an empty list is valid JSON too */
	s = RENDER(&o, true, false, false,
		   json_arr_open(&o.j, NULL); json_arr_close(&o.j);
		   json_end(&o.j));
	expect_saved("empty list", s, "[]\n", "list-empty");
}

static const __u64 pcpu[2][3] = { { 1, 2, 3 }, { 40, 0, 2 } };

static struct ctr_view views[] = {
	{ .name = "bytes", .type = NETSTATS_COUNTER_TYPE_U64, .value = 6,
	  .has_delta = true, .delta = 4, .rate = 2.5, .percpu = pcpu[0] },
	{ .name = "qlen", .type = NETSTATS_COUNTER_TYPE_U64,
	  .flags = NETSTATS_COUNTER_FLAGS_GAUGE, .value = 42,
	  .has_delta = true, .delta = 42, .rate = 42, .percpu = pcpu[1] },
	{ .name = "future", .type = 99, .value = 0, .has_delta = true },
};

static const struct reg_view reg = {
	.name = "eth0/queue/rx/0",
	.id = 7,
	.flags = NETSTATS_GROUP_FLAGS_PERCPU,
	.generation = 3,
	.ncpus = 3,
	.cnt = 3,
	.ctrs = views,
};

static void test_show(void)
{
	struct reg_view v = reg;
	struct out o;
	char *s;

	s = RENDER(&o, false, false, false, render_reg(&o, &v, false));
	expect("show text", s,
	       "eth0/queue/rx/0: id 7, percpu, generation 3\n"
	       "  COUNTER                VALUE\n"
	       "  bytes                      6\n"
	       "  qlen                      42\n"
	       "  future                     -\n");
	free(s);

	s = RENDER(&o, false, false, true, render_reg(&o, &v, false));
	expect("show -c text", s,
	       "eth0/queue/rx/0: id 7, percpu, generation 3\n"
	       "  COUNTER                VALUE         CPU0         CPU1         CPU2\n"
	       "  bytes                      6            1            2            3\n"
	       "  qlen                      42           40            0            2\n"
	       "  future                     -            -            -            -\n");
	free(s);

	/* one copy: no per-CPU columns even with -c */
	v.ncpus = 1;
	v.flags = NETSTATS_GROUP_FLAGS_DERIVED;
	v.dead = true;
	s = RENDER(&o, false, false, true, render_reg(&o, &v, false));
	expect("show dead", s,
	       "eth0/queue/rx/0: id 7, derived, generation 3\n"
	       "  DEAD: the object is gone; final values\n"
	       "  COUNTER                VALUE\n"
	       "  bytes                      6\n"
	       "  qlen                      42\n"
	       "  future                     -\n");
	free(s);

	v = reg;
	s = RENDER(&o, true, false, true,
		   json_arr_open(&o.j, NULL); render_reg(&o, &v, false);
		   json_arr_close(&o.j); json_end(&o.j));
	expect_saved("show json", s,
		     "[{\"name\":\"eth0/queue/rx/0\",\"id\":7,\"flags\":[\"percpu\"],\"state\":\"live\",\"generation\":3,\"ncpus\":3,\"counters\":{\"bytes\":6,\"qlen\":42,\"future\":null},\"percpu\":{\"bytes\":[1,2,3],\"qlen\":[40,0,2]}}]\n",
		     "show");
}

static void test_watch(void)
{
	struct reg_view v = reg;
	struct out o;
	char *s;

	v.restarted = true;
	s = RENDER(&o, false, false, false, render_reg(&o, &v, true));
	expect("watch text", s,
	       "eth0/queue/rx/0: id 7, percpu, generation 3, restarted\n"
	       "  COUNTER                VALUE          DELTA         RATE/s\n"
	       "  bytes                      6              4            2.5\n"
	       "  qlen                      42              -              -\n"
	       "  future                     -              -              -\n");
	free(s);

	/* the first sample: no delta yet */
	views[0].has_delta = false;
	s = RENDER(&o, false, false, false, render_reg(&o, &v, true));
	CHECK(s && strstr(s, "  bytes                      6              -              -\n"),
	      "watch first sample: %s", s);
	free(s);
	views[0].has_delta = true;

	s = RENDER(&o, true, true, false, render_reg(&o, &v, true);
		   json_end(&o.j));
	save("watch-pretty", s);
	free(s);
	s = RENDER(&o, true, false, false, render_reg(&o, &v, true);
		   json_end(&o.j));
	expect_saved("watch json", s,
		     "{\"name\":\"eth0/queue/rx/0\",\"id\":7,\"flags\":[\"percpu\"],\"state\":\"live\",\"generation\":3,\"ncpus\":3,\"restarted\":true,\"counters\":{\"bytes\":{\"value\":6,\"delta\":4,\"rate\":2.500},\"qlen\":{\"value\":42},\"future\":{\"value\":null}}}\n",
		     "watch");
}

static void test_json_writer(void)
{
	struct out o;
	char *s;

	s = RENDER(&o, true, false, false,
		   json_obj_open(&o.j, NULL);
		   json_str(&o.j, "ctl", "a\x01\\b\n");
		   json_double(&o.j, "nan", 0.0 / 0.0);
		   json_bool(&o.j, "t", true);
		   json_obj_open(&o.j, "empty"); json_obj_close(&o.j);
		   json_arr_open(&o.j, "nested");
		   json_arr_open(&o.j, NULL); json_u64(&o.j, NULL, ~0ULL);
		   json_arr_close(&o.j); json_arr_close(&o.j);
		   json_obj_close(&o.j); json_end(&o.j));
	expect_saved("json writer", s,
		     "{\"ctl\":\"a\\u0001\\\\b\\n\",\"nan\":null,\"t\":true,\"empty\":{},\"nested\":[[18446744073709551615]]}\n",
		     "writer");

	s = RENDER(&o, true, true, false,
		   json_obj_open(&o.j, NULL);
		   json_obj_open(&o.j, "empty"); json_obj_close(&o.j);
		   json_arr_open(&o.j, "a"); json_u64(&o.j, NULL, 1);
		   json_arr_close(&o.j);
		   json_obj_close(&o.j); json_end(&o.j));
	expect_saved("json writer pretty", s,
		     "{\n    \"empty\": {},\n    \"a\": [\n        1\n    ]\n}\n",
		     "writer-pretty");
}

/* Two sockets of a directory, as show prints them. */
static void dir_render(struct out *o, struct reg_view *v,
		       struct ctr_view *cv, const struct sock_view *s4,
		       const struct sock_view *s6)
{
	render_dir_open(o, v);
	cv[0].value = 1000;
	cv[1].value = 12;
	cv[2].value = 7;
	render_sock(o, v, s4);
	cv[0].value = 0;
	cv[1].value = 3;
	cv[2].value = 0;
	render_sock(o, v, s6);
	render_dir_close(o, v, 2);
	if (o->json)
		json_end(&o->j);
}

/* show of a directory ("tcp-all"): one line per socket. */
static void test_dir(void)
{
	static const __u8 v4a[4] = { 127, 0, 0, 1 }, v4b[4] = { 192, 0, 2, 7 };
	struct ctr_view cv[3] = {
		{ .name = "bytes_received", .type = NETSTATS_COUNTER_TYPE_U64 },
		{ .name = "segs_in", .type = NETSTATS_COUNTER_TYPE_U64 },
		{ .name = "rcv_nxt", .type = NETSTATS_COUNTER_TYPE_U32,
		  .flags = NETSTATS_COUNTER_FLAGS_RESTRICTED },
	};
	struct reg_view v = {
		.name = "tcp-all",
		.id = 4,
		.flags = NETSTATS_GROUP_FLAGS_DIRECTORY,
		.generation = 1,
		.ncpus = 1,
		.cnt = 3,
		.ctrs = cv,
	};
	struct sock_view s4 = {
		.cookie = 4097, .family = AF_INET, .sport = 40000,
		.dport = 80, .src = v4a, .dst = v4b, .generation = 3,
	};
	__u8 v6a[16], v6b[16];
	struct sock_view s6 = {
		.cookie = 18446744073709551615ULL, .family = AF_INET6,
		.sport = 22, .dport = 65535, .src = v6a, .dst = v6b,
		.dead = true, .generation = 5,
	};
	struct out o;
	char *s;

	inet_pton(AF_INET6, "2001:db8::1", v6a);
	inet_pton(AF_INET6, "2001:db8::2", v6b);

	s = RENDER(&o, false, false, false, dir_render(&o, &v, cv, &s4, &s6));
	expect("show tcp-all text", s,
	       "tcp-all: id 4, directory, generation 1\n"
	       "  LOCAL                  REMOTE                               COOKIE STATE bytes_received    segs_in    rcv_nxt\n"
	       "  127.0.0.1:40000        192.0.2.7:80                           4097 LIVE            1000         12          7\n"
	       "  [2001:db8::1]:22       [2001:db8::2]:65535    18446744073709551615 DEAD               0          3          0\n"
	       "  2 sockets\n");
	free(s);

	s = RENDER(&o, true, false, false, dir_render(&o, &v, cv, &s4, &s6));
	expect_saved("show tcp-all json", s,
		     "{\"name\":\"tcp-all\",\"id\":4,\"flags\":[\"directory\"],\"state\":\"live\",\"generation\":1,\"sockets\":[{\"family\":\"inet\",\"local\":\"127.0.0.1:40000\",\"remote\":\"192.0.2.7:80\",\"cookie\":4097,\"state\":\"live\",\"generation\":3,\"counters\":{\"bytes_received\":1000,\"segs_in\":12,\"rcv_nxt\":7}},{\"family\":\"inet6\",\"local\":\"[2001:db8::1]:22\",\"remote\":\"[2001:db8::2]:65535\",\"cookie\":18446744073709551615,\"state\":\"dead\",\"generation\":5,\"counters\":{\"bytes_received\":0,\"segs_in\":3,\"rcv_nxt\":0}}],\"socket_count\":2}\n",
		     "dir");

	s = RENDER(&o, true, true, false, dir_render(&o, &v, cv, &s4, &s6));
	save("dir-pretty", s);
	free(s);

	/* A compact directory names its sockets by cookie only. */
	s4.family = 0;
	s6.family = 0;
	s = RENDER(&o, false, false, false, dir_render(&o, &v, cv, &s4, &s6));
	expect("show tcp-all text, sockets by cookie", s,
	       "tcp-all: id 4, directory, generation 1\n"
	       "  LOCAL                  REMOTE                               COOKIE STATE bytes_received    segs_in    rcv_nxt\n"
	       "  -                      -                                      4097 LIVE            1000         12          7\n"
	       "  -                      -                      18446744073709551615 DEAD               0          3          0\n"
	       "  2 sockets\n");
	free(s);
	s = RENDER(&o, true, false, false, dir_render(&o, &v, cv, &s4, &s6));
	CHECK(s && strstr(s, "{\"family\":null,\"local\":null,\"remote\":null,\"cookie\":4097,"),
	      "json of a socket by cookie: %s", s);
	free(s);

	/* Nothing yet: the header and the count. */
	s = RENDER(&o, false, false, false,
		   render_dir_open(&o, &v); render_dir_close(&o, &v, 0));
	CHECK(s && strstr(s, "  0 sockets\n"), "empty directory: %s", s);
	free(s);
}

/* -m PATTERN (fnmatch, any of them) and -s (non-zero only). */
static void test_filter(void)
{
	static const char *const pat[] = { "q*", "f?ture" };
	static const char *const rx[] = { "*_received" };
	struct reg_view v = reg;
	struct out o;
	char *s;

	s = RENDER(&o, false, false, false,
		   o.match = pat; o.match_cnt = 2; render_reg(&o, &v, false));
	expect("show -m 'q*' -m 'f?ture'", s,
	       "eth0/queue/rx/0: id 7, percpu, generation 3\n"
	       "  COUNTER                VALUE\n"
	       "  qlen                      42\n"
	       "  future                     -\n");
	free(s);

	/* -s: bytes is 0 and did not move; future has no value */
	views[0].value = 0;
	views[0].delta = 0;
	s = RENDER(&o, false, false, false,
		   o.nonzero = true; render_reg(&o, &v, true));
	expect("watch -s", s,
	       "eth0/queue/rx/0: id 7, percpu, generation 3\n"
	       "  COUNTER                VALUE          DELTA         RATE/s\n"
	       "  qlen                      42              -              -\n");
	free(s);
	/* a zero value that moved (a u32 wrapped to 0, a reset): shown */
	views[0].delta = 3;
	s = RENDER(&o, true, false, false,
		   o.nonzero = true; render_reg(&o, &v, true); json_end(&o.j));
	expect_saved("watch -s json", s,
		     "{\"name\":\"eth0/queue/rx/0\",\"id\":7,\"flags\":[\"percpu\"],\"state\":\"live\",\"generation\":3,\"ncpus\":3,\"restarted\":false,\"counters\":{\"bytes\":{\"value\":0,\"delta\":3,\"rate\":2.500},\"qlen\":{\"value\":42}}}\n",
		     "watch-nonzero");
	s = RENDER(&o, true, false, true,
		   o.nonzero = true; o.match = pat; o.match_cnt = 1;
		   render_reg(&o, &v, false); json_end(&o.j));
	expect_saved("show -s -m 'q*' -c json", s,
		     "{\"name\":\"eth0/queue/rx/0\",\"id\":7,\"flags\":[\"percpu\"],\"state\":\"live\",\"generation\":3,\"ncpus\":3,\"counters\":{\"qlen\":42},\"percpu\":{\"qlen\":[40,0,2]}}\n",
		     "show-filter");
	views[0].value = 6;
	views[0].delta = 4;

	/* a directory: the columns follow -m */
	{
		struct ctr_view cv[2] = {
			{ .name = "bytes_received",
			  .type = NETSTATS_COUNTER_TYPE_U64, .value = 9 },
			{ .name = "segs_in", .type = NETSTATS_COUNTER_TYPE_U64,
			  .value = 2 },
		};
		static const __u8 a[4] = { 127, 0, 0, 1 };
		struct reg_view d = {
			.name = "tcp-all", .id = 4,
			.flags = NETSTATS_GROUP_FLAGS_DIRECTORY,
			.generation = 1, .ncpus = 1, .cnt = 2, .ctrs = cv,
		};
		struct sock_view sk = {
			.cookie = 1, .family = AF_INET, .sport = 1,
			.dport = 2, .src = a, .dst = a,
		};

		s = RENDER(&o, false, false, false,
			   o.match = rx; o.match_cnt = 1;
			   render_dir_open(&o, &d); render_sock(&o, &d, &sk);
			   render_dir_close(&o, &d, 1));
		expect("show -m '*_received' tcp-all", s,
		       "tcp-all: id 4, directory, generation 1\n"
		       "  LOCAL                  REMOTE                               COOKIE STATE bytes_received\n"
		       "  127.0.0.1:1            127.0.0.1:2                               1 LIVE               9\n"
		       "  1 socket\n");
		free(s);
	}
}

int main(int argc, char **argv)
{
	outdir = argc > 1 ? argv[1] : "/tmp";
	test_json_writer();
	test_list();
	test_show();
	test_watch();
	test_dir();
	test_filter();
	return check_report();
}
