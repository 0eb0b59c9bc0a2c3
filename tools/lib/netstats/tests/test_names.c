// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the exported ABI that need no netstats kernel:
 * netstats__parse_name() and netstats__open() failing with ENOENT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

#include "libnetstats.h"
#include "check.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct valid_case {
	const char *name;
	const char *group;
	const char *object;
	__u32 flags;
	__s32 fd;
	__u64 cookie;
	const char *opts;	/* expected options as "a=1,b=2" */
};

static const struct valid_case valid[] = {
	{ "ip", "ip", "" },
	{ "ip6", "ip6", "" },
	{ "icmpmsg", "icmpmsg", "" },
	{ "icmp6msg", "icmp6msg", "" },
	{ "netstats", "netstats", "" },
	{ "netstats@period-ms=500", "netstats", "", 0, 0, 0, "period-ms=500" },
	{ "core/page_pool/7", "core/page_pool", "7" },
	{ "core/page_pool/007", "core/page_pool", "7" },
	{ "core/page_pool/4294967295", "core/page_pool", "4294967295" },
	{ "tcp/fd:0", "tcp", "", NETSTATS_NAME_F_SOCK_FD, 0 },
	{ "tcp/fd:3", "tcp", "", NETSTATS_NAME_F_SOCK_FD, 3 },
	{ "tcp/fd:2147483647", "tcp", "", NETSTATS_NAME_F_SOCK_FD, 2147483647 },
	{ "tcp/cookie:4097", "tcp", "", NETSTATS_NAME_F_SOCK_COOKIE, 0, 4097 },
	{ "tcp/cookie:18446744073709551615", "tcp", "",
	  NETSTATS_NAME_F_SOCK_COOKIE, 0, 18446744073709551615ULL },
	{ "tcp/cookie:0x1001", "tcp", "", NETSTATS_NAME_F_SOCK_COOKIE, 0, 4097 },
	{ "tcp/cookie:0XffffFFFFffffFFFF", "tcp", "",
	  NETSTATS_NAME_F_SOCK_COOKIE, 0, 18446744073709551615ULL },
	{ "eth0/queue/rx/0", "queue/rx", "eth0/0" },
	{ "eth0/queue/tx/15", "queue/tx", "eth0/15" },
	{ "veth-a.1/queue/rx/2", "queue/rx", "veth-a.1/2" },
	{ "eth0/hw", "hw", "eth0" },
	{ "123456789012345/hw", "hw", "123456789012345" },
	{ "tcp/hw", "hw", "tcp" },	/* a netdev called "tcp" */
	{ "qdisc/hw", "hw", "qdisc" },	/* a netdev called "qdisc" */
	{ "enp0s31f6/hwqueue/rx/3", "hwqueue/rx", "enp0s31f6/3" },
	{ "eth0/hwqueue/tx/0", "hwqueue/tx", "eth0/0" },
	{ "qdisc/eth0/8001:0", "qdisc", "eth0/8001:0" },
	{ "qdisc/eth0/0001:000A", "qdisc", "eth0/1:a" },
	{ "qdisc/lo/ffff:FFFF", "qdisc", "lo/ffff:ffff" },
	{ "eth0/hw@period-ms=100", "hw", "eth0", 0, 0, 0, "period-ms=100" },
	{ "eth0/hwqueue/tx/1@period-ms=10,push=1", "hwqueue/tx", "eth0/1",
	  0, 0, 0, "period-ms=10,push=1" },
	{ "eth0/hwqueue/rx/0@collect=push", "hwqueue/rx", "eth0/0",
	  0, 0, 0, "collect=1" },
	{ "eth0/hwqueue/tx/3@period-ms=200,collect=direct", "hwqueue/tx",
	  "eth0/3", 0, 0, 0, "period-ms=200,collect=2" },
	{ "eth0/hwqueue/tx/3@collect=pull", "hwqueue/tx", "eth0/3",
	  0, 0, 0, "collect=0" },
	{ "eth0/hwqueue/tx/3@collect=2", "hwqueue/tx", "eth0/3",
	  0, 0, 0, "collect=2" },
	{ "tcp/fd:5@x2-y=0", "tcp", "", NETSTATS_NAME_F_SOCK_FD, 5, 0,
	  "x2-y=0" },
	{ "ip@a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=18446744073709551615", "ip", "",
	  0, 0, 0, "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=18446744073709551615" },
	{ "ip6@abcdefghijklmnopqrstuvwxyz-1234=1", "ip6", "", 0, 0, 0,
	  "abcdefghijklmnopqrstuvwxyz-1234=1" },
};

static const char *const invalid[] = {
	/* structure */
	"", "/", "//", "ip/", "/ip", "ip//", "a/b/c/d/e", "eth0/queue/rx/0/",
	"@", "@a=1",
	/* unknown targets */
	"IP", "ip7", "ip ", "netstat", "netstats/1", "core", "core/page_pool", "core/pagepool/1",
	"eth0", "eth0/", "eth0/queue", "eth0/queue/rx", "eth0/hw/0",
	"eth0/hwqueue/rx", "eth0/sw",
	/* ids */
	"core/page_pool/", "core/page_pool/x", "core/page_pool/-1",
	"core/page_pool/+1", "core/page_pool/ 1", "core/page_pool/0x1",
	"core/page_pool/4294967296", "core/page_pool/1/2",
	"eth0/queue/rx/a", "eth0/queue/rx/1a", "eth0/queue/xx/0",
	"eth0/queue/RX/0", "eth0/hwqueue/up/1", "eth0/hwqueue/rx/-3",
	/* collect's values by name, and only collect's */
	"eth0/hwqueue/rx/0@collect=sideways", "eth0/hwqueue/rx/0@collect=Push",
	"eth0/hwqueue/rx/0@collect=", "eth0/hwqueue/rx/0@period-ms=push",
	"eth0/hwqueue/rx/0@collect=pushy",
	/* tcp selectors */
	"tcp", "tcp/", "tcp/3", "tcp/fd", "tcp/fd:", "tcp/fd:x", "tcp/fd:-1",
	"tcp/fd:2147483648", "tcp/fd: 1", "tcp/pid:3", "tcp/FD:3",
	"tcp/cookie:", "tcp/cookie:0x", "tcp/cookie:0x-1", "tcp/cookie:0x 1",
	"tcp/cookie:0x10000000000000000", "tcp/cookie:18446744073709551616",
	"tcp/fd:3/x",
	/* tcp 4-tuples */
	"tcp/192.0.2.1:1/192.0.2.2:2", "tcp/192.0.2.1:1/192.0.2.2:2/fd:3",
	"tcp/192.0.2.1:1/192.0.2.2:2/cookie:",
	"tcp/192.0.2.1/192.0.2.2:2/cookie:1",
	"tcp/192.0.2.1:/192.0.2.2:2/cookie:1",
	"tcp/192.0.2.1:65536/192.0.2.2:2/cookie:1",
	"tcp/192.0.2.1:-1/192.0.2.2:2/cookie:1",
	"tcp/192.0.2.256:1/192.0.2.2:2/cookie:1",
	"tcp/2001:db8::1:1/192.0.2.2:2/cookie:1",
	"tcp/[2001:db8::1]:1/192.0.2.2:2/cookie:1",
	"tcp/[192.0.2.1]:1/[192.0.2.2]:2/cookie:1",
	"tcp/[2001:db8::1:1/[2001:db8::2]:2/cookie:1",
	"tcp/:1/192.0.2.2:2/cookie:1", "tcp/[]:1/[::1]:2/cookie:1",
	"tcp/192.0.2.1:1/192.0.2.2:2/cookie:1/x",
	/* netdev names */
	"1234567890123456/hw", "./hw", "../hw", "eth:0/hw", "eth 0/hw",
	"eth\t0/queue/rx/0", "qdisc/1234567890123456/1:0",
	/* qdisc handles */
	"qdisc", "qdisc/eth0", "qdisc/eth0/", "qdisc/eth0/1", "qdisc/eth0/1:",
	"qdisc/eth0/:1", "qdisc/eth0/12345:0", "qdisc/eth0/0:12345",
	"qdisc/eth0/g:0", "qdisc/eth0/1:0:0", "qdisc/eth0/-1:0",
	/* options */
	"eth0/hw@", "eth0/hw@period-ms", "eth0/hw@period-ms=",
	"eth0/hw@=1", "eth0/hw@period-ms=x", "eth0/hw@period-ms=-1",
	"eth0/hw@period-ms=1x", "eth0/hw@period-ms= 1", "eth0/hw@Period=1",
	"eth0/hw@1a=1", "eth0/hw@-a=1", "eth0/hw@a_b=1", "eth0/hw@a=1,",
	"eth0/hw@,a=1", "eth0/hw@a=1,,b=2", "eth0/hw@a=1,a=2",
	"eth0/hw@a=1@b=2", "eth0/hw@a==1", "ip@a=18446744073709551616",
	"ip@a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9",
	"ip@abcdefghijklmnopqrstuvwxyz-12345=1",
	"ip/@a=1", "eth0/hw@a=1/x",
};

static void format_opts(const struct netstats_name *n, char *buf, size_t len)
{
	size_t off = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < n->opt_cnt && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s=%llu",
				i ? "," : "", n->opts[i].name,
				(unsigned long long)n->opts[i].value);
}

static void test_valid(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		const struct valid_case *c = &valid[i];
		struct netstats_name n = { .sz = sizeof(n) };
		char opts[512];
		int ret;

		ret = netstats__parse_name(c->name, &n);
		CHECK(!ret, "\"%s\": returned %d", c->name, ret);
		if (ret)
			continue;
		format_opts(&n, opts, sizeof(opts));
		CHECK(!strcmp(n.group, c->group) &&
		      !strcmp(n.object, c->object) && n.flags == c->flags &&
		      n.sock_fd == c->fd && n.sock_cookie == c->cookie &&
		      !strcmp(opts, c->opts ?: "") && n.sz == sizeof(n),
		      "\"%s\": got group \"%s\" object \"%s\" flags %u fd %d cookie %llu opts \"%s\"",
		      c->name, n.group, n.object, n.flags, n.sock_fd,
		      (unsigned long long)n.sock_cookie, opts);
	}
}

struct tuple_case {
	const char *name;
	__u16 family;
	const char *src, *dst;	/* as inet_ntop() prints them */
	__u16 sport, dport;
	__u64 cookie;
};

static const struct tuple_case tuples[] = {
	{ "tcp/192.0.2.1:40000/192.0.2.2:80/cookie:4097", AF_INET,
	  "192.0.2.1", "192.0.2.2", 40000, 80, 4097 },
	{ "tcp/0.0.0.0:0/0.0.0.0:65535/cookie:0x0", AF_INET,
	  "0.0.0.0", "0.0.0.0", 0, 65535, 0 },
	{ "tcp/[2001:db8::1]:22/[2001:DB8::2]:51000/cookie:0x1001", AF_INET6,
	  "2001:db8::1", "2001:db8::2", 22, 51000, 4097 },
	{ "tcp/[::ffff:192.0.2.1]:1/[::ffff:192.0.2.2]:2/cookie:3", AF_INET6,
	  "::ffff:192.0.2.1", "::ffff:192.0.2.2", 1, 2, 3 },
	{ "tcp/192.0.2.1:1/192.0.2.2:2/cookie:5@period-ms=1", AF_INET,
	  "192.0.2.1", "192.0.2.2", 1, 2, 5 },
};

static void test_tuples(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tuples); i++) {
		const struct tuple_case *c = &tuples[i];
		struct netstats_name n = { .sz = sizeof(n) };
		char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
		int ret;

		ret = netstats__parse_name(c->name, &n);
		CHECK(!ret, "\"%s\": returned %d", c->name, ret);
		if (ret)
			continue;
		inet_ntop(n.sock_family, n.sock_src, src, sizeof(src));
		inet_ntop(n.sock_family, n.sock_dst, dst, sizeof(dst));
		CHECK(!strcmp(n.group, "tcp") && !n.object[0] &&
		      n.flags == (NETSTATS_NAME_F_SOCK_COOKIE |
				  NETSTATS_NAME_F_SOCK_ADDR) &&
		      n.sock_family == c->family && !strcmp(src, c->src) &&
		      !strcmp(dst, c->dst) && n.sock_sport == c->sport &&
		      n.sock_dport == c->dport && n.sock_cookie == c->cookie,
		      "\"%s\": got group \"%s\" flags %#x family %u %s:%u -> %s:%u cookie %llu",
		      c->name, n.group, n.flags, n.sock_family, src,
		      n.sock_sport, dst, n.sock_dport,
		      (unsigned long long)n.sock_cookie);
	}
}

static void test_invalid(void)
{
	struct netstats_name n, before;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(invalid); i++) {
		memset(&n, 0xa5, sizeof(n));
		n.sz = sizeof(n);
		before = n;
		errno = 0;
		ret = netstats__parse_name(invalid[i], &n);
		CHECK(ret == -EINVAL && errno == EINVAL &&
		      !memcmp(&n, &before, sizeof(n)),
		      "\"%s\": returned %d errno %d (want -EINVAL, output untouched)",
		      invalid[i], ret, errno);
	}
}

static void test_sz(void)
{
	struct {
		struct netstats_name n;
		char tail[16];
	} big;
	struct netstats_name n = { .sz = sizeof(n) };
	int ret;
	size_t i;
	bool zero;

	ret = netstats__parse_name(NULL, &n);
	CHECK(ret == -EINVAL && errno == EINVAL, "NULL name: %d", ret);
	ret = netstats__parse_name("ip", NULL);
	CHECK(ret == -EINVAL && errno == EINVAL, "NULL out: %d", ret);
	n.sz = 0;
	ret = netstats__parse_name("ip", &n);
	CHECK(ret == -EINVAL, "sz 0: %d", ret);
	n.sz = offsetof(struct netstats_name, opts) + sizeof(n.opts) - 1;
	ret = netstats__parse_name("ip", &n);
	CHECK(ret == -EINVAL, "sz too small: %d", ret);

	/* A 0.1.0 caller's smaller struct: nothing written past it. */
	memset(&n, 0xa5, sizeof(n));
	n.sz = offsetof(struct netstats_name, opts) + sizeof(n.opts);
	ret = netstats__parse_name("tcp/[::1]:1/[::1]:2/cookie:7", &n);
	CHECK(!ret && n.sock_cookie == 7 && n.sock_family == 0xa5a5,
	      "0.1.0 sz: ret %d cookie %llu family %#x", ret,
	      (unsigned long long)n.sock_cookie, n.sock_family);

	/* A newer caller's larger struct: the unknown tail is zeroed. */
	memset(&big, 0xa5, sizeof(big));
	big.n.sz = sizeof(big);
	ret = netstats__parse_name("eth0/hw@period-ms=5", &big.n);
	for (i = 0, zero = true; i < sizeof(big.tail); i++)
		zero &= !big.tail[i];
	CHECK(!ret && big.n.sz == sizeof(big) && zero &&
	      !strcmp(big.n.group, "hw") && big.n.opt_cnt == 1 &&
	      big.n.opts[0].value == 5,
	      "larger sz: ret %d sz %zu group \"%s\" tail zeroed %d", ret,
	      big.n.sz, big.n.group, zero);
}

static void test_open(void)
{
	struct netstats_handle *h;

	errno = 0;
	h = netstats__open();
	if (h) {
		fprintf(stderr,
			"SKIP netstats__open() ENOENT check: this kernel has the netstats family\n");
		CHECK(!strcmp(netstats__last_error(h), ""),
		      "last_error after open: \"%s\"",
		      netstats__last_error(h));
		netstats__close(h);
		return;
	}
	CHECK(errno == ENOENT,
	      "netstats__open() without the family: errno %d (%s), want ENOENT",
	      errno, strerror(errno));
	netstats__close(NULL);
}

int main(void)
{
	test_valid();
	test_tuples();
	test_invalid();
	test_sz();
	test_open();
	return check_report();
}
