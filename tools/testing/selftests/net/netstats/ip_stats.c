// SPDX-License-Identifier: GPL-2.0
/*
 * The "ip" and "ip6" groups: the IPv4 and IPv6 MIBs of the netns, mapped
 * per CPU and read from the mapping, against what nstat(8) reads from
 * /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6, exactly, at
 * quiescence after real traffic in a fresh netns: ping, TCP, UDP,
 * fragments, an ICMP error, over IPv4 and over IPv6.  The same for
 * "icmpmsg" and "icmp6msg", the per-type ICMP counters (IcmpMsgInType3,
 * Icmp6OutType128 ...), which /proc lists only once they are not zero.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netstats.h>

#include "nsmap.h"
#include "nstest.h"

#define MAX_CTRS	512

struct kv {
	char name[64];
	unsigned long long val;
};

/* nstat -asz: absolute, every counter, history left alone. */
static int nstat_read(struct kv *kv, int max)
{
	char line[256];
	FILE *f;
	int n = 0;

	f = popen("nstat -asz 2>/dev/null", "r");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", kv[n].name, &kv[n].val) == 2)
			n++;
	}
	return pclose(f) == 0 ? n : -EIO;
}

/*
 * nstat leaves out what it calls useless numbers (TcpRtoAlgorithm,
 * TcpRtoMin, TcpRtoMax, TcpMaxConn, TcpCurrEstab: constants and a
 * level): read those from /proc/net/snmp's "Tcp:" lines themselves.
 * MaxConn is printed signed (-1); the mapped u64 is its two's complement.
 */
static int proc_snmp_tcp(struct kv *kv, int n, int max)
{
	char names[1024], vals[1024], *np, *vp, *sn, *sv;
	FILE *f = fopen("/proc/net/snmp", "r");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, "Tcp: ", 5))
			continue;
		np = strtok_r(names + 5, "\t\n ", &sn);
		vp = strtok_r(vals + 5, "\t\n ", &sv);
		while (np && vp && n < max) {
			snprintf(kv[n].name, sizeof(kv[n].name), "Tcp%s", np);
			kv[n++].val = strtoull(vp, NULL, 10);
			np = strtok_r(NULL, "\t\n ", &sn);
			vp = strtok_r(NULL, "\t\n ", &sv);
			found++;
		}
	}
	fclose(f);
	return found ? n : -ENOENT;
}

static const struct kv *kv_find(const struct kv *kv, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return &kv[i];
	return NULL;
}

static int sh(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

union addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static socklen_t loopback(int family, union addr *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = family;
	if (family == AF_INET) {
		a->v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->v4.sin_port = htons(port);
		return sizeof(a->v4);
	}
	a->v6.sin6_addr = in6addr_loopback;
	a->v6.sin6_port = htons(port);
	return sizeof(a->v6);
}

/*
 * Every kind of traffic, on lo of this netns, over @family: pings (some
 * fragmented: lo's MTU is lowered), TCP both ways, UDP (one datagram
 * fragmented), and a datagram to a closed port for an ICMP error.
 */
static int traffic(int family)
{
	const char *lo = family == AF_INET ? "-4 127.0.0.1" : "-6 ::1";
	static char buf[8000];
	socklen_t len, alen;
	int l, c, s, u, u2;
	char cmd[160];
	union addr a;

	snprintf(cmd, sizeof(cmd),
		 "ip link set lo mtu 1500 && ping -q -c 3 -i 0.2 %s >/dev/null && ping -q -c 2 -s 4000 %s >/dev/null",
		 lo, lo);
	if (sh(cmd))
		return -1;
	alen = loopback(family, &a, 0);
	len = alen;
	l = socket(family, SOCK_STREAM, 0);
	if (l < 0 || bind(l, &a.sa, alen) || listen(l, 1) ||
	    getsockname(l, &a.sa, &len))
		return -1;
	c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, &a.sa, alen))
		return -1;
	s = accept(l, NULL, NULL);
	if (s < 0 || send(c, buf, sizeof(buf), 0) != sizeof(buf) ||
	    recv(s, buf, sizeof(buf), MSG_WAITALL) != sizeof(buf) ||
	    send(s, buf, 100, 0) != 100 || recv(c, buf, 100, MSG_WAITALL) != 100)
		return -1;
	close(c);
	close(s);
	close(l);

	alen = loopback(family, &a, 0);
	len = alen;
	u = socket(family, SOCK_DGRAM, 0);
	u2 = socket(family, SOCK_DGRAM, 0);
	if (u < 0 || u2 < 0 || bind(u, &a.sa, alen) ||
	    getsockname(u, &a.sa, &len) ||
	    sendto(u2, buf, 100, 0, &a.sa, alen) != 100 ||
	    sendto(u2, buf, 5000, 0, &a.sa, alen) != 5000 ||
	    recv(u, buf, sizeof(buf), 0) != 100 ||
	    recv(u, buf, sizeof(buf), 0) != 5000)
		return -1;
	close(u);
	alen = loopback(family, &a, 9);	/* nobody listens */
	if (sendto(u2, buf, 10, 0, &a.sa, alen) != 10)
		return -1;
	close(u2);
	usleep(300000);		/* TCP's last segments, the ICMP error */
	return 0;
}

FIXTURE(ip)
{
	struct nsnl s;
	struct nsm_reg *reg;
};

FIXTURE_VARIANT(ip)
{
	const char *group;
	int family;
	bool percpu;
	unsigned int min_counters;
	const char *section;		/* of in_receives in /proc/net/snmp */
	const char *in_receives;	/* a counter every ping moves... */
	unsigned int ping_in;		/* ... by this much, reply included */
	bool sparse;			/* /proc lists only what is not 0 */
	const char *must[12];		/* the traffic moves each of these */
};

FIXTURE_VARIANT_ADD(ip, ipv4)
{
	.group = "ip",
	.family = AF_INET,
	.percpu = true,
	.min_counters = 200,
	.section = "Ip",
	.in_receives = "IpInReceives",
	.ping_in = 2,
	.must = { "IpInReceives", "IpFragCreates", "IpReasmOKs",
		  "IpExtInOctets", "IcmpInMsgs", "IcmpOutMsgs",
		  "TcpActiveOpens", "TcpPassiveOpens", "TcpOutSegs",
		  "UdpInDatagrams", "UdpNoPorts", "TcpExtTCPHPAcks" },
};

FIXTURE_VARIANT_ADD(ip, ipv6)
{
	.group = "ip6",
	.family = AF_INET6,
	.percpu = true,
	.min_counters = 50,
	.in_receives = "Ip6InReceives",
	.ping_in = 2,
	.must = { "Ip6InReceives", "Ip6FragCreates", "Ip6ReasmOKs",
		  "Ip6InOctets", "Ip6OutRequests", "Icmp6InMsgs",
		  "Icmp6OutMsgs", "Udp6InDatagrams", "Udp6NoPorts",
		  "Udp6OutDatagrams" },
};

/* Echo request (8) and reply (0), port unreachable (3) */
FIXTURE_VARIANT_ADD(ip, icmpmsg)
{
	.group = "icmpmsg",
	.family = AF_INET,
	.min_counters = 512,
	.section = "IcmpMsg",
	.in_receives = "IcmpMsgInType8",
	.ping_in = 1,
	.sparse = true,
	.must = { "IcmpMsgInType0", "IcmpMsgInType3", "IcmpMsgInType8",
		  "IcmpMsgOutType0", "IcmpMsgOutType3", "IcmpMsgOutType8" },
};

/* Echo request (128) and reply (129), port unreachable (1) */
FIXTURE_VARIANT_ADD(ip, icmp6msg)
{
	.group = "icmp6msg",
	.family = AF_INET6,
	.min_counters = 512,
	.in_receives = "Icmp6InType128",
	.ping_in = 1,
	.sparse = true,
	.must = { "Icmp6InType1", "Icmp6InType128", "Icmp6InType129",
		  "Icmp6OutType1", "Icmp6OutType128", "Icmp6OutType129" },
};

FIXTURE_SETUP(ip)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, sh("ip link set lo up"));
	if (!nstest_open(_metadata, &self->s))
		return;
	self->reg = nsm_register(&self->s, variant->group);
	if (!self->reg && errno == ENOENT)
		SKIP(return, "kernel without the IP groups");
	ASSERT_NE(NULL, self->reg) TH_LOG("%s", self->s.extack);
}

FIXTURE_TEARDOWN(ip)
{
	nsm_unregister(self->reg);
	nsnl_close(&self->s);
}

/*
 * The layout: per-CPU, one copy per possible CPU (the per-type ICMP
 * counters: one copy, every type's), nstat's names.
 */
TEST_F(ip, layout)
{
	struct nsm_reg *reg = self->reg;
	uint64_t v, sum, c;
	uint32_t cpu;
	size_t i, n;

	if (variant->percpu) {
		EXPECT_NE(0U, reg->r.flags & NETSTATS_GROUP_FLAGS_PERCPU);
		EXPECT_EQ((__u32)sysconf(_SC_NPROCESSORS_CONF), reg->r.ncpus);
	} else {
		EXPECT_EQ(0U, reg->r.flags & NETSTATS_GROUP_FLAGS_PERCPU);
		EXPECT_EQ(1U, reg->r.ncpus);
	}
	n = reg->n;
	EXPECT_LE((size_t)variant->min_counters, n);
	EXPECT_LE(0, nsm_find(reg, variant->in_receives));
	EXPECT_FALSE(nsm_dead(reg));
	ASSERT_EQ(0, traffic(variant->family));
	/* Folded = the sum of the copies, each within the range. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, nsm_read(reg, i, &v)) TH_LOG("%s", reg->ctr[i].name);
		for (cpu = 0, sum = 0; cpu < reg->r.ncpus; cpu++) {
			ASSERT_EQ(0, nsm_read_cpu(reg, i, cpu, &c));
			sum += c;
		}
		EXPECT_EQ(v, sum) TH_LOG("%s", reg->ctr[i].name);
	}
}

/* Exactly what nstat reads from /proc, for every counter of the group. */
TEST_F(ip, equals_nstat_after_traffic)
{
	static uint64_t before[MAX_CTRS], after[MAX_CTRS];
	struct nsm_reg *reg = self->reg;
	const struct nsm_ctr *ci;
	static struct kv kv[1024];
	const struct kv *k;
	int n, i, cnt, moved = 0;

	ASSERT_EQ(0, traffic(variant->family));
	cnt = reg->n;
	ASSERT_GE(MAX_CTRS, cnt);
	ASSERT_EQ(cnt, nsm_snapshot(reg, before, cnt, NULL));
	n = nstat_read(kv, 1024);
	ASSERT_LT(0, n) TH_LOG("nstat failed: %d", n);
	if (variant->family == AF_INET) {
		n = proc_snmp_tcp(kv, n, 1024);
		ASSERT_LT(0, n);
	}
	ASSERT_EQ(cnt, nsm_snapshot(reg, after, cnt, NULL));
	for (i = 0; i < cnt; i++) {
		ci = &reg->ctr[i];
		/* Quiescent: nothing moved while nstat read /proc. */
		EXPECT_EQ(before[i], after[i]) TH_LOG("%s moved", ci->name);
		k = kv_find(kv, n, ci->name);
		if (!k && variant->sparse) {
			EXPECT_EQ(0ULL, (unsigned long long)after[i])
				TH_LOG("%s: not in /proc, mapped %llu", ci->name,
				       (unsigned long long)after[i]);
			continue;
		}
		EXPECT_NE(NULL, k) TH_LOG("%s: not in /proc", ci->name);
		if (!k)
			continue;
		EXPECT_EQ(k->val, (unsigned long long)after[i])
			TH_LOG("%s: mapped %llu, nstat %llu", ci->name,
			       (unsigned long long)after[i], k->val);
		moved += !!after[i];
	}
	/* The traffic reached every section. */
	for (i = 0; i < (int)ARRAY_SIZE(variant->must) && variant->must[i]; i++) {
		int idx = nsm_find(reg, variant->must[i]);

		EXPECT_LE(0, idx) TH_LOG("%s: not in the group", variant->must[i]);
		if (idx >= 0)
			EXPECT_NE(0ULL, after[idx])
				TH_LOG("%s is 0", variant->must[i]);
	}
	TH_LOG("%d counters equal nstat's, %d of them non-zero", cnt, moved);
}

/*
 * A selection: REGISTER names three of the group's counters, not in the
 * group's order.  The reply lists exactly those, each reads what nstat
 * reads and what the registration of the whole group reads, at
 * quiescence.  A name the group lacks, a name given twice and a group
 * that does not select are refused, each with its extack.
 */
TEST_F(ip, selected)
{
	const char *names[3] = { variant->must[2], variant->must[0],
				 variant->must[1] };
	uint64_t sel0[3], sel1[3], all[MAX_CTRS];
	struct nsm_reg *reg = self->reg, *sel;
	static struct kv kv[1024];
	struct nlmsghdr *nlh;
	const struct kv *k;
	int i, j, n;

	EXPECT_NE(0U, reg->r.flags & NETSTATS_GROUP_FLAGS_SELECT);
	nlh = nsm_reg_msg(&self->s, variant->group);
	for (i = 0; i < 3; i++)
		nsm_put_counter(nlh, names[i]);
	sel = nsm_register_msg(&self->s, nlh);
	ASSERT_NE(NULL, sel) TH_LOG("%s", self->s.extack);
	ASSERT_EQ(3, (int)sel->n);
	for (i = 0; i < 3; i++)
		EXPECT_LE(0, nsm_find(sel, names[i])) TH_LOG("%s", names[i]);

	ASSERT_EQ(0, traffic(variant->family));
	ASSERT_EQ(3, nsm_snapshot(sel, sel0, 3, NULL));
	n = nstat_read(kv, 1024);
	ASSERT_LT(0, n) TH_LOG("nstat failed: %d", n);
	ASSERT_EQ((int)reg->n, nsm_snapshot(reg, all, reg->n, NULL));
	ASSERT_EQ(3, nsm_snapshot(sel, sel1, 3, NULL));
	for (i = 0; i < 3; i++) {
		const char *name = sel->ctr[i].name;

		EXPECT_EQ(sel0[i], sel1[i]) TH_LOG("%s moved", name);
		EXPECT_NE(0ULL, sel1[i]) TH_LOG("%s is 0", name);
		k = kv_find(kv, n, name);
		ASSERT_NE(NULL, k) TH_LOG("%s: not in /proc", name);
		EXPECT_EQ(k->val, (unsigned long long)sel1[i])
			TH_LOG("%s: mapped %llu, nstat %llu", name,
			       (unsigned long long)sel1[i], k->val);
		j = nsm_find(reg, name);
		ASSERT_LE(0, j);
		EXPECT_EQ(all[j], sel1[i]) TH_LOG("%s", name);
	}
	nsm_unregister(sel);

	nlh = nsm_reg_msg(&self->s, variant->group);
	nsm_put_counter(nlh, names[0]);
	nsm_put_counter(nlh, "NoSuchCounter");
	EXPECT_EQ(NULL, nsm_register_msg(&self->s, nlh));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_NE(NULL, strstr(self->s.extack, "no counter NoSuchCounter"))
		TH_LOG("%s", self->s.extack);

	nlh = nsm_reg_msg(&self->s, variant->group);
	nsm_put_counter(nlh, names[1]);
	nsm_put_counter(nlh, names[1]);
	EXPECT_EQ(NULL, nsm_register_msg(&self->s, nlh));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(self->s.extack, "selected twice"))
		TH_LOG("%s", self->s.extack);

	/* The netstats group maps the core's own counters: no selection. */
	nlh = nsm_reg_msg(&self->s, "netstats");
	nsm_put_counter(nlh, "registrations");
	EXPECT_EQ(NULL, nsm_register_msg(&self->s, nlh));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_NE(NULL, strstr(self->s.extack, "does not select"))
		TH_LOG("%s", self->s.extack);
}

/*
 * One ping, then one read: the value is there, no timer in between.  A
 * raw ICMP socket gets the echo request and its reply: two packets in.
 */
static uint16_t csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	sum = (sum & 0xffff) + (sum >> 16);
	return ~(sum + (sum >> 16));
}

TEST_F(ip, visible_at_once)
{
	struct nsm_reg *reg = self->reg;
	int v6 = variant->family == AF_INET6;
	struct icmphdr h = { .type = v6 ? 128 : ICMP_ECHO };
	uint64_t in0, in1;
	char buf[256];
	union addr a;
	socklen_t alen;
	int idx, fd;

	idx = nsm_find(reg, variant->in_receives);
	ASSERT_LE(0, idx);
	alen = loopback(variant->family, &a, 0);
	fd = socket(variant->family, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	ASSERT_LE(0, fd);
	if (!v6)	/* the kernel sums ICMPv6 only */
		h.checksum = csum(&h, sizeof(h));
	ASSERT_EQ(0, nsm_read(reg, idx, &in0));
	ASSERT_EQ(sizeof(h), sendto(fd, &h, sizeof(h), 0, &a.sa, alen));
	ASSERT_LT(0, recv(fd, buf, sizeof(buf), 0));
	ASSERT_LT(0, recv(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, nsm_read(reg, idx, &in1));
	EXPECT_EQ(in0 + variant->ping_in, in1);
	close(fd);
}

/* Anyone in the netns may map what /proc/net/snmp shows anyone. */
TEST_F(ip, unprivileged)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct nsm_reg *reg;
		struct nsnl s;
		uint64_t v;
		int step;

		step = nsnl_open_as(&s, 65534);
		if (step)
			_exit(1 + step);
		reg = nsm_register(&s, variant->group);
		if (!reg)
			_exit(4);
		_exit(nsm_read(reg, 0, &v) ? 5 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
}

/*
 * @counter of the netns of @pid, as /proc/PID/net/snmp(6) says; in
 * snmp, @counter is @section + a name of its line.
 */
static long long proc_counter(pid_t pid, int family, const char *section,
			      const char *counter)
{
	size_t plen = strlen(section ?: "");
	char path[64], names[2048], vals[2048], *np, *vp, *sn, *sv;
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid,
		 family == AF_INET ? "snmp" : "snmp6");
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (family == AF_INET6) {	/* "Name value" lines */
		while (fscanf(f, "%255s %lld", names, &v) == 2)
			if (!strcmp(names, counter))
				break;
		fclose(f);
		return strcmp(names, counter) ? -1 : v;
	}
	/* "Ip: names" and "Ip: values" */
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, section, plen) || strncmp(names + plen, ": ", 2))
			continue;
		np = strtok_r(names + plen + 2, "\t\n ", &sn);
		vp = strtok_r(vals + plen + 2, "\t\n ", &sv);
		while (np && vp) {
			if (!strcmp(np, counter + plen))
				v = strtoll(vp, NULL, 10);
			np = strtok_r(NULL, "\t\n ", &sn);
			vp = strtok_r(NULL, "\t\n ", &sv);
		}
	}
	fclose(f);
	return v;
}

/*
 * Another netns, named by netns-fd: mapped while it lives, not kept
 * alive by the registration; when it goes, DEAD with the final values,
 * announced, and the reader never faults.
 */
TEST_F(ip, other_netns_outlived)
{
	int p2c[2], c2p[2], nsfd, status, i, idx;
	struct nlmsghdr *nlh;
	uint64_t v, final;
	struct nsnl s, mon;
	struct nsm_reg *reg;
	char path[64], c;
	long long want;
	pid_t pid;

	ASSERT_EQ(0, pipe(p2c));
	ASSERT_EQ(0, pipe(c2p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "ping -%c -q -c 2 -i 0.2 %s >/dev/null",
			 variant->family == AF_INET ? '4' : '6',
			 variant->family == AF_INET ? "127.0.0.1" : "::1");
		if (unshare(CLONE_NEWNET) || sh("ip link set lo up") || sh(cmd))
			_exit(1);
		if (write(c2p[1], "r", 1) != 1 || read(p2c[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(c2p[0], &c, 1));
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	nsfd = open(path, O_RDONLY);
	ASSERT_LE(0, nsfd);

	ASSERT_EQ(0, nsnl_open(&s));
	ASSERT_EQ(0, nsm_monitor_open(&mon));
	/* Not for a group without an instance per netns (its object
	 * named, so that the netns-fd is what is wrong).
	 */
	nlh = nsnl_msg(&s, s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	nsnl_put_sock_fd(nlh, nsfd);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_NETNS_FD, nsfd);
	EXPECT_EQ(-EINVAL, nsnl_talk(&s, nlh, NULL, NULL));
	EXPECT_STREQ("counter group has no instance per network namespace",
		     s.extack);
	/* Not a netns. */
	nlh = nsnl_msg(&s, s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, variant->group);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_NETNS_FD, p2c[0]);
	EXPECT_EQ(-EINVAL, nsnl_talk(&s, nlh, NULL, NULL));
	EXPECT_STREQ("netns-fd is not a network namespace", s.extack);

	nlh = nsm_reg_msg(&s, variant->group);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_NETNS_FD, nsfd);
	reg = nsm_register_msg(&s, nlh);
	ASSERT_NE(NULL, reg) TH_LOG("%s", s.extack);
	idx = nsm_find(reg, variant->in_receives);
	ASSERT_LE(0, idx);
	ASSERT_NE(0U, reg->ctr[idx].offset);

	/* The other netns's counter, not ours. */
	want = proc_counter(pid, variant->family, variant->section,
			    variant->in_receives);
	ASSERT_LE(0, want);
	ASSERT_EQ(0, nsm_read(reg, idx, &v));
	EXPECT_EQ((uint64_t)want, v);
	EXPECT_LE(2ULL * variant->ping_in, v);	/* two pings */
	EXPECT_EQ(NETSTATS_BLOCK_LIVE,
		  __atomic_load_n(&nsm_hdr(reg)->state, __ATOMIC_RELAXED));

	/* The netns goes: its last process exits, its last fd closes. */
	close(nsfd);
	ASSERT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, nsnl_wait_dead(&mon, reg->r.id, variant->group));
	for (i = 0; i < 500 && !nsm_dead(reg); i++)
		usleep(10000);
	EXPECT_TRUE(nsm_dead(reg));
	ASSERT_EQ(0, nsm_read(reg, idx, &final));
	EXPECT_EQ(v, final);
	nsm_unregister(reg);
	nsnl_close(&mon);
	nsnl_close(&s);
}

TEST_HARNESS_MAIN
