// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of netstats-exporter that need no netstats kernel: metric
 * names, the exposition format's escaping, listen addresses, the web
 * configuration file, basic authentication and routes. One line per
 * failed check, then "N passed, N failed"; the exit status is non-zero if
 * a check failed.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prom.h"
#include "web.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "../../../../lib/netstats/tests/check.h"

/* The buffer's content as a string, for comparisons. */
static const char *buf_str(struct exp_buf *b)
{
	exp_buf_putc(b, '\0');
	b->len--;
	return b->data;
}

struct name_case {
	const char *parts[3];
	size_t cnt;
	bool counter;
	const char *want;	/* NULL: no valid name */
};

static const struct name_case name_cases[] = {
	{ { "netstats", "tcp", "bytes_received" }, 3, true,
	  "netstats_tcp_bytes_received_total" },
	{ { "netstats", "netstats", "registrations" }, 3, false,
	  "netstats_netstats_registrations" },
	{ { "netstats", "core/page_pool", "alloc_fast" }, 3, true,
	  "netstats_core_page_pool_alloc_fast_total" },
	{ { "netstats", "eth0/queue/rx", "packets" }, 3, true,
	  "netstats_eth0_queue_rx_packets_total" },
	{ { "netstats", "qdisc/veth-a.1", "drops" }, 3, true,
	  "netstats_qdisc_veth_a_1_drops_total" },
	/* ':' is valid but reserved for recording rules. */
	{ { "netstats", "a:b", "c" }, 3, false, "netstats_a_b_c" },
	{ { "netstats", "x--/..y", "__z__" }, 3, false, "netstats_x_y_z" },
	{ { "netstats", "", "z" }, 3, false, "netstats_z" },
	{ { "netstats", "//", "z" }, 3, false, "netstats_z" },
	{ { "netstats", "caf\xc3\xa9", "n" }, 3, false, "netstats_caf_n" },
	{ { "netstats", "tcp", "errors_total" }, 3, true,
	  "netstats_tcp_errors_total" },
	{ { "netstats", "tcp", "total" }, 3, true, "netstats_tcp_total" },
	{ { "netstats", "tcp", "x_total" }, 3, false, "netstats_tcp_x_total" },
	{ { "a" }, 1, true, "a_total" },
	{ { "netstats", "ip", "InReceives" }, 3, true,
	  "netstats_ip_in_receives_total" },
	{ { "netstats", "ip6", "Ip6InReceives" }, 3, true,
	  "netstats_ip6_ip6_in_receives_total" },
	{ { "netstats", "ip", "ReasmOKs" }, 3, true,
	  "netstats_ip_reasm_oks_total" },
	{ { "netstats", "tcp", "OutRSTs" }, 3, true,
	  "netstats_tcp_out_rsts_total" },
	{ { "netstats", "ip", "Forwarding" }, 3, false,
	  "netstats_ip_forwarding" },
	{ { "TCPExt", "eth0/Queue" }, 2, false, "tcpext_eth0_queue" },
	{ { "aB", "Cd" }, 2, false, "a_b_cd" },
	{ { "0abc" }, 1, false, NULL },
	{ { "-/-" }, 1, false, NULL },
	{ { "" }, 1, true, NULL },
	{ { "" }, 0, true, NULL },
};

static void test_metric_names(void)
{
	const struct name_case *c;
	size_t i;
	char *n;

	for (i = 0; i < ARRAY_SIZE(name_cases); i++) {
		c = &name_cases[i];
		n = prom_metric_name(c->parts, c->cnt, c->counter);
		if (!c->want)
			CHECK(!n, "case %zu: want no name, got '%s'", i, n);
		else
			CHECK(n && !strcmp(n, c->want),
			      "case %zu: want '%s', got '%s'", i, c->want,
			      n ? n : "(null)");
		free(n);
	}
}

struct esc_case {
	const char *in;
	const char *help;	/* as a HELP text */
	const char *label;	/* as a label value, with its quotes */
};

static const struct esc_case esc_cases[] = {
	{ "plain", "plain", "\"plain\"" },
	{ "", "", "\"\"" },
	{ "a\\b", "a\\\\b", "\"a\\\\b\"" },
	{ "l1\nl2", "l1\\nl2", "\"l1\\nl2\"" },
	{ "say \"hi\"", "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "\\\"\n", "\\\\\"\\n", "\"\\\\\\\"\\n\"" },
	/* Tabs and carriage returns are valid UTF-8: passed through. */
	{ "a\tb\rc", "a\tb\rc", "\"a\tb\rc\"" },
	/* Valid UTF-8 is kept, invalid bytes become U+FFFD. */
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "a\xff!", "a\xef\xbf\xbd!", "\"a\xef\xbf\xbd!\"" },
	/* Overlong '/', a lone surrogate, a truncated sequence. */
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd",
	  "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd",
	  "\"x\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
};

static void test_escaping(void)
{
	struct exp_buf b = {};
	char want[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(esc_cases); i++) {
		exp_buf_reset(&b);
		prom_put_help(&b, "m", esc_cases[i].in);
		snprintf(want, sizeof(want), "# HELP m %s\n",
			 esc_cases[i].help);
		CHECK(!strcmp(buf_str(&b), want), "case %zu: HELP '%s'", i,
		      b.data);

		exp_buf_reset(&b);
		prom_put_label_value(&b, esc_cases[i].in);
		CHECK(!strcmp(buf_str(&b), esc_cases[i].label),
		      "case %zu: label value '%s'", i, b.data);
	}
	exp_buf_free(&b);
}

static void test_samples(void)
{
	const struct prom_label l[] = {
		{ "registration", "tcp/fd:5" },
		{ "object", "a\"b" },
	};
	struct exp_buf b = {};
	char labels[128];

	prom_put_labels(&b, l, 2);
	snprintf(labels, sizeof(labels), "%s", buf_str(&b));
	CHECK(!strcmp(labels, "{registration=\"tcp/fd:5\",object=\"a\\\"b\"}"),
	      "labels '%s'", labels);

	exp_buf_reset(&b);
	prom_put_labels(&b, l, 0);
	CHECK(b.len == 0, "no labels: '%s'", buf_str(&b));

	exp_buf_reset(&b);
	prom_put_type(&b, "a_total", true);
	prom_put_type(&b, "b", false);
	prom_put_sample(&b, "a_total", labels, 18446744073709551615ULL);
	prom_put_sample(&b, "b", "", 0);
	prom_put_sample(&b, "b", "", 1234567890);
	CHECK(!strcmp(buf_str(&b),
		      "# TYPE a_total counter\n"
		      "# TYPE b gauge\n"
		      "a_total{registration=\"tcp/fd:5\",object=\"a\\\"b\"} 18446744073709551615\n"
		      "b 0\n"
		      "b 1234567890\n"),
	      "samples:\n%s", b.data);
	exp_buf_free(&b);
}

/* The buffer grows past its first allocation and keeps its memory. */
static void test_buffer(void)
{
	struct exp_buf b = {};
	size_t i, cap;
	bool ok = true;

	for (i = 0; i < 100000; i++)
		exp_buf_put_u64(&b, i % 10);
	CHECK(!b.oom && b.len == 100000 && b.cap >= b.len,
	      "len %zu cap %zu oom %d", b.len, b.cap, b.oom);
	for (i = 0; i < b.len && ok; i++)
		ok = b.data[i] == (char)('0' + i % 10);
	CHECK(ok, "content differs at %zu", i - 1);
	cap = b.cap;
	exp_buf_reset(&b);
	CHECK(b.len == 0 && b.cap == cap && b.data, "reset keeps the memory");
	exp_buf_free(&b);
	CHECK(!b.data && !b.cap, "free");
}

struct addr_case {
	const char *in;
	int family;		/* 0: invalid */
	const char *ip;
	unsigned int port;
};

static const struct addr_case addr_cases[] = {
	{ "127.0.0.1:9411", AF_INET, "127.0.0.1", 9411 },
	{ "0.0.0.0:0", AF_INET, "0.0.0.0", 0 },
	{ "10.1.2.3:65535", AF_INET, "10.1.2.3", 65535 },
	{ "[::1]:9411", AF_INET6, "::1", 9411 },
	{ "[::]:80", AF_INET6, "::", 80 },
	{ "[fe80::1:2]:1", AF_INET6, "fe80::1:2", 1 },
	{ "127.0.0.1" },
	{ "127.0.0.1:" },
	{ "127.0.0.1:65536" },
	{ "127.0.0.1:-1" },
	{ "127.0.0.1:+80" },
	{ "127.0.0.1: 80" },
	{ "127.0.0.1:80x" },
	{ "127.0.0.1:99999999999999999999999" },
	{ "::1:9411" },
	{ "[::1]9411" },
	{ "[::1]:" },
	{ "[::1" },
	{ "[]:80" },
	{ "[127.0.0.1]:80" },
	{ ":9411", AF_INET6, "::", 9411 },
	{ ":" },
	{ "" },
	{ "1.2.3:80" },
	{ "256.0.0.1:80" },
};

static void test_addresses(void)
{
	const struct addr_case *c;
	struct sockaddr_storage ss;
	char ip[INET6_ADDRSTRLEN];
	unsigned int port;
	socklen_t len;
	const void *a;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(addr_cases); i++) {
		c = &addr_cases[i];
		ret = web_parse_listen(c->in, &ss, &len);
		if (!c->family) {
			CHECK(ret == -EINVAL, "'%s': accepted", c->in);
			continue;
		}
		CHECK(ret == 0 && ss.ss_family == c->family,
		      "'%s': %d, family %d", c->in, ret, ss.ss_family);
		if (ret)
			continue;
		if (c->family == AF_INET6) {
			a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			CHECK(len == sizeof(struct sockaddr_in6), "'%s' len",
			      c->in);
		} else {
			a = &((struct sockaddr_in *)&ss)->sin_addr;
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			CHECK(len == sizeof(struct sockaddr_in), "'%s' len",
			      c->in);
		}
		inet_ntop(c->family, a, ip, sizeof(ip));
		CHECK(!strcmp(ip, c->ip) && port == c->port,
		      "'%s': got %s port %u", c->in, ip, port);
	}
}

/* A name is resolved to its first address. */
static void test_listen_name(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;

	ret = web_parse_listen("localhost:18411", &ss, &len);
	CHECK(!ret && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
	      ntohs(((struct sockaddr_in *)&ss)->sin_port) == 18411,
	      "localhost:18411: %d", ret);
}

#define TMPDIR_TEMPLATE	"/tmp/test_exporter.XXXXXX"
static char tmpdir[sizeof(TMPDIR_TEMPLATE)];

static void write_file(const char *name, const char *text)
{
	check_write_file(tmpdir, name, text);
}

/* Loads @yaml as a web configuration: 0 or the error, @err the message. */
static int load(struct web_config *cfg, const char *yaml, char *err,
		size_t size)
{
	char path[256];

	write_file("web.yml", yaml);
	snprintf(path, sizeof(path), "%s/web.yml", tmpdir);
	memset(cfg, 0, sizeof(*cfg));
	return web_config_load(cfg, path, err, size);
}

struct bad_config {
	const char *yaml;
	const char *msg;	/* in the error message */
};

static const struct bad_config bad_configs[] = {
	{ "tls_server_config:\n  cert_file: cert.pem\n", "go together" },
	{ "tls_server_config:\n  cert_file: none.pem\n  key_file: key.pem\n",
	  "none.pem: No such file" },
	{ "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
	  "  client_ca_file: ca.pem\n", "client_ca_file: not supported" },
	{ "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
	  "  min_version: TLS14\n", "min_version: TLS14" },
	{ "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
	  "  min_version: TLS13\n  max_version: TLS12\n", "above max_version" },
	{ "basic_auth_users:\n  alice: secret\n", "not a bcrypt hash" },
	{ "basic_auth_users: [ alice ]\n", "not a mapping" },
	{ "tls_config:\n  cert_file: x\n", "tls_config: not a field" },
	{ "http_server_config:\n  headers:\n    Content-Type: x\n",
	  "not settable" },
	{ "basic_auth_users:\n  alice: 'x\n", "line" },
};

static void test_config(void)
{
	/* "secret" as $2y$ (htpasswd -B's prefix), bob's as $2b$ below. */
	static const char alice[] =
		"$2y$04$Z5W.w8jrVCtnFMyA4tPg1.uD6w4iOFMj2EkPiA3lkHwGJKffxoc/S";
	const struct bad_config *c;
	struct web_config cfg;
	char err[256], yaml[1024], *bob;
	size_t i;

	memcpy(tmpdir, TMPDIR_TEMPLATE, sizeof(tmpdir));
	CHECK(mkdtemp(tmpdir), "mkdtemp");
	write_file("cert.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("key.pem", "-----BEGIN PRIVATE KEY-----\n");

	CHECK(!load(&cfg, "", err, sizeof(err)) && !cfg.cert_pem &&
	      !cfg.user_cnt, "empty file: %s", err);
	web_config_free(&cfg);

	bob = crypt_gensalt_ra("$2b$", 4, NULL, 0);
	CHECK(bob, "bcrypt salt");
	bob = bob ? crypt(" pass:word ", bob) : NULL;
	CHECK(bob && !strncmp(bob, "$2b$04$", 7), "bcrypt of bob");
	snprintf(yaml, sizeof(yaml),
		 "# the exporter-toolkit's format\n"
		 "tls_server_config:\n"
		 "  cert_file: cert.pem\n"
		 "  key_file: %s/key.pem\n"
		 "  min_version: TLS13\n"
		 "http_server_config:\n"
		 "  http2: false\n"
		 "  headers:\n"
		 "    X-Frame-Options: deny\n"
		 "basic_auth_users:\n"
		 "  alice: %s\n"
		 "  bob: '%s'\n", tmpdir, alice, bob ? bob : "");
	CHECK(!load(&cfg, yaml, err, sizeof(err)), "load: %s", err);
	CHECK(cfg.cert_pem && !strcmp(cfg.cert_pem,
				      "-----BEGIN CERTIFICATE-----\n") &&
	      cfg.key_pem && !strcmp(cfg.key_pem,
				     "-----BEGIN PRIVATE KEY-----\n"),
	      "cert (relative to the file) and key (absolute) read");
	CHECK(cfg.priorities &&
	      !strcmp(cfg.priorities,
		      "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.2"),
	      "min_version TLS13: '%s'", cfg.priorities);
	CHECK(cfg.header_cnt == 1 &&
	      !strcmp(cfg.headers[0].name, "X-Frame-Options") &&
	      !strcmp(cfg.headers[0].value, "deny"), "headers");
	CHECK(cfg.user_cnt == 2, "2 users: %zu", cfg.user_cnt);

	/* Basic authentication. */
	CHECK(web_auth_check(&cfg, "alice", "secret"), "alice, $2y$");
	CHECK(web_auth_check(&cfg, "bob", " pass:word "), "bob, $2b$");
	CHECK(!web_auth_check(&cfg, "alice", "Secret"), "wrong password");
	CHECK(!web_auth_check(&cfg, "alice", ""), "empty password");
	CHECK(!web_auth_check(&cfg, "alice", NULL), "no password");
	CHECK(!web_auth_check(&cfg, "bob", "secret"), "alice's password");
	CHECK(!web_auth_check(&cfg, "carol", "secret"), "unknown user");
	CHECK(!web_auth_check(&cfg, NULL, NULL), "no credentials");
	web_config_free(&cfg);

	CHECK(!load(&cfg, "tls_server_config:\n  cert_file: cert.pem\n"
		    "  key_file: key.pem\n", err, sizeof(err)) &&
	      cfg.priorities && !strcmp(cfg.priorities,
					"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"),
	      "TLS 1.2 at least by default: '%s'", cfg.priorities);
	web_config_free(&cfg);

	for (i = 0; i < ARRAY_SIZE(bad_configs); i++) {
		c = &bad_configs[i];
		CHECK(load(&cfg, c->yaml, err, sizeof(err)) == -EINVAL &&
		      strstr(err, c->msg), "'%s': '%s', want '%s'", c->yaml,
		      err, c->msg);
		web_config_free(&cfg);
	}
	memset(&cfg, 0, sizeof(cfg));
	CHECK(web_config_load(&cfg, "/nonexistent/web.yml", err,
			      sizeof(err)) == -ENOENT, "missing file");

	snprintf(yaml, sizeof(yaml), "rm -rf %s", tmpdir);
	CHECK(!system(yaml), "rm");
}

static void test_routes(void)
{
	CHECK(web_route("GET", "/metrics", "/metrics") == WEB_ROUTE_METRICS,
	      "GET /metrics");
	CHECK(web_route("HEAD", "/metrics", "/metrics") == WEB_ROUTE_METRICS,
	      "HEAD /metrics");
	CHECK(web_route("GET", "/m", "/m") == WEB_ROUTE_METRICS,
	      "--web.telemetry-path");
	CHECK(web_route("GET", "/", "/metrics") == WEB_ROUTE_LANDING,
	      "GET /");
	CHECK(web_route("GET", "/metrics/", "/metrics") == WEB_ROUTE_NOT_FOUND,
	      "GET /metrics/");
	CHECK(web_route("POST", "/metrics", "/metrics") ==
	      WEB_ROUTE_BAD_METHOD, "POST");
	CHECK(web_route("get", "/metrics", "/metrics") ==
	      WEB_ROUTE_BAD_METHOD, "get");
}

int main(void)
{
	test_metric_names();
	test_escaping();
	test_samples();
	test_buffer();
	test_addresses();
	test_listen_name();
	test_config();
	test_routes();
	return check_report();
}
