// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of netstats-exporter that need no netstats kernel: metric
 * names, the exposition format's escaping, HTTP request parsing and
 * listen addresses. One line per failed check, then "N passed, N failed";
 * the exit status is non-zero if a check failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "prom.h"

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

struct req_case {
	const char *in;
	int want;		/* http_parse_request() */
	int route;		/* http_route() if want is 0 */
	enum http_method method;
	const char *path;
	int minor;
};

static const struct req_case req_cases[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", 0, 200,
	  HTTP_GET, "/metrics", 1 },
	{ "GET /metrics HTTP/1.0\r\n\r\n", 0, 200, HTTP_GET, "/metrics", 0 },
	{ "HEAD /metrics HTTP/1.1\r\n\r\n", 0, 200, HTTP_HEAD, "/metrics", 1 },
	{ "GET /metrics HTTP/1.1\nHost: x\n\n", 0, 200, HTTP_GET, "/metrics",
	  1 },
	{ "\r\n\nGET /metrics HTTP/1.1\r\n\r\n", 0, 200, HTTP_GET,
	  "/metrics", 1 },
	{ "GET /metrics?name[]=x HTTP/1.1\r\n\r\n", 0, 200, HTTP_GET,
	  "/metrics", 1 },
	{ "GET http://127.0.0.1:9411/metrics HTTP/1.1\r\n\r\n", 0, 200,
	  HTTP_GET, "/metrics", 1 },
	{ "GET HTTP://[::1]:9411/metrics?a HTTP/1.1\r\n\r\n", 0, 200,
	  HTTP_GET, "/metrics", 1 },
	{ "GET http://host HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "", 1 },
	{ "GET /metrics HTTP/1.9\r\nX-Empty:\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
	  0, 200, HTTP_GET, "/metrics", 9 },
	{ "GET / HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "/", 1 },
	{ "GET /metrics/ HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "/metrics/", 1 },
	{ "GET /metric HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "/metric", 1 },
	{ "GET /metricsx HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "/metricsx", 1 },
	{ "GET /%6detrics HTTP/1.1\r\n\r\n", 0, 404, HTTP_GET, "/%6detrics",
	  1 },
	{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, 405,
	  HTTP_OTHER, "/metrics", 1 },
	{ "get /metrics HTTP/1.1\r\n\r\n", 0, 405, HTTP_OTHER, "/metrics", 1 },
	{ "DELETE /x HTTP/1.1\r\n\r\n", 0, 404, HTTP_OTHER, "/x", 1 },
	{ "OPTIONS * HTTP/1.1\r\n\r\n", 0, 404, HTTP_OTHER, "*", 1 },
	/* Incomplete heads. */
	{ "", -EAGAIN },
	{ "\r", -EAGAIN },
	{ "\r\n", -EAGAIN },
	{ "GET /met", -EAGAIN },
	{ "GET /metrics HTTP/1.1\r\n", -EAGAIN },
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", -EAGAIN },
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r", -EAGAIN },
	/* Malformed heads. */
	{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
	{ " GET /metrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET /metrics\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1 \r\n\r\n", 400 },
	{ "GET /metrics  HTTP/1.1\r\n\r\n", 400 },
	{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET ftp://h/metrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.10\r\n\r\n", 400 },
	{ "GET /metrics http/1.1\r\n\r\n", 400 },
	{ "GET\t/metrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET /me\rtrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n", 400 },
	{ "G(T /metrics HTTP/1.1\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\n Host: x\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\n: x\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\nA: b\x01\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\nA: b\rc\r\n\r\n", 400 },
	{ "GET /metrics HTTP/1.1\r\nA: b\x7f\r\n\r\n", 400 },
	/* Errors are answered as soon as the request line is complete. */
	{ "GET  /metrics HTTP/1.1\r\n", 400 },
	{ "GET /metrics HTTP/2.0\r\n\r\n", 505 },
	{ "GET /metrics HTTP/0.9\r\n", 505 },
};

static void test_requests(void)
{
	const struct req_case *c;
	struct http_request req;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(req_cases); i++) {
		c = &req_cases[i];
		memset(&req, 0, sizeof(req));
		ret = http_parse_request(c->in, strlen(c->in), 8192, &req);
		CHECK(ret == c->want, "case %zu: parse: want %d, got %d", i,
		      c->want, ret);
		if (ret || c->want)
			continue;
		CHECK(http_route(&req) == c->route,
		      "case %zu: route: want %d, got %d", i, c->route,
		      http_route(&req));
		CHECK(req.method == c->method, "case %zu: method %d", i,
		      req.method);
		CHECK(req.path_len == strlen(c->path) &&
		      !memcmp(req.path, c->path, req.path_len),
		      "case %zu: path '%.*s'", i, (int)req.path_len, req.path);
		CHECK(req.minor == c->minor, "case %zu: minor %d", i,
		      req.minor);
		CHECK(req.head_len == strlen(c->in), "case %zu: head_len %zu",
		      i, req.head_len);
	}
}

/* Sizes: the cap, NUL bytes, what follows the head. */
static void test_request_limits(void)
{
	static const char nul[] = "GET /metrics HTTP/1.1\r\nA: \0\r\n\r\n";
	static const char line[] = "GET /metrics HTTP/1.1\r\n";
	struct http_request req;
	char buf[256];
	size_t n;
	int ret;

	CHECK(http_parse_request(nul, sizeof(nul) - 1, 256, &req) == 400,
	      "NUL in a field value");

	/* No line end within the cap: the request line is too long. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET /", 5);
	ret = http_parse_request(buf, sizeof(buf), sizeof(buf), &req);
	CHECK(ret == 414, "long request line: %d", ret);
	ret = http_parse_request(buf, sizeof(buf) - 1, sizeof(buf), &req);
	CHECK(ret == -EAGAIN, "long request line below the cap: %d", ret);

	/* A request line, then fields that never end. */
	n = strlen(line);
	memcpy(buf, line, n);
	memset(buf + n, 'x', sizeof(buf) - n);
	buf[n + 1] = ':';
	ret = http_parse_request(buf, sizeof(buf), sizeof(buf), &req);
	CHECK(ret == 431, "head too large: %d", ret);

	/* A head of exactly the cap is complete. */
	memcpy(buf, line, n);
	memset(buf + n, 'x', sizeof(buf) - n);
	memcpy(buf + n, "X:", 2);
	memcpy(buf + sizeof(buf) - 4, "\r\n\r\n", 4);
	ret = http_parse_request(buf, sizeof(buf), sizeof(buf), &req);
	CHECK(ret == 0 && req.head_len == sizeof(buf),
	      "head of exactly the cap: %d", ret);

	/* Bytes after the head (a body, a pipelined request) are left. */
	n = snprintf(buf, sizeof(buf), "%s\r\nBODY", line);
	ret = http_parse_request(buf, n, sizeof(buf), &req);
	CHECK(ret == 0 && req.head_len == n - 4, "head_len %zu of %zu",
	      req.head_len, n);
}

static void test_response_head(void)
{
	char buf[256];
	int n;

	n = http_format_head(buf, sizeof(buf), 200, HTTP_METRICS_TYPE, 42);
	CHECK(n > 0 && (size_t)n == strlen(buf), "length %d", n);
	CHECK(!strcmp(buf, "HTTP/1.1 200 OK\r\n"
			   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			   "Content-Length: 42\r\n"
			   "Connection: close\r\n\r\n"),
	      "200 head:\n%s", buf);
	n = http_format_head(buf, sizeof(buf), 405, "text/plain", 0);
	CHECK(n > 0 && strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n") == buf &&
	      strstr(buf, "\r\nAllow: GET, HEAD\r\n"), "405 head:\n%s", buf);
	n = http_format_head(buf, sizeof(buf), 404, "text/plain", 0);
	CHECK(n > 0 && !strstr(buf, "Allow:"), "404 head:\n%s", buf);
	n = http_format_head(buf, 40, 200, HTTP_METRICS_TYPE, 0);
	CHECK(n == -1, "head in a too small buffer: %d", n);
	CHECK(!strcmp(http_reason(431), "Request Header Fields Too Large") &&
	      !strcmp(http_reason(505), "HTTP Version Not Supported"),
	      "reasons");
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
	{ "localhost:9411" },
	{ ":9411" },
	{ "" },
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
		ret = http_parse_addr(c->in, &ss, &len);
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

int main(void)
{
	test_metric_names();
	test_escaping();
	test_samples();
	test_buffer();
	test_requests();
	test_request_limits();
	test_response_head();
	test_addresses();
	return check_report();
}
