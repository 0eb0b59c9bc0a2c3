// SPDX-License-Identifier: GPL-2.0
/*
 * Periodic work of derived blocks is bounded by objects, not readers:
 *
 * - registrations of one object with one period share one block and one
 *   update; one work per (netns, period) updates them all, and those
 *   that need RTNL (queues) take it once per period for the netns: the
 *   netstats self group's derived_blocks and refreshers counters show
 *   it, and two mappings of one object show the same update;
 * - a user without CAP_NET_ADMIN has a quota of registrations with
 *   periodic work across all network namespaces (also as root of a user
 *   namespace of its own), and a network namespace a quota for users
 *   without CAP_NET_ADMIN over it: past either, REGISTER fails with
 *   ENOSPC and an extack naming the limit; other users, and CAP_NET_ADMIN,
 *   still register;
 * - the TCP page pairs that registrations of own sockets take from a
 *   netns's tcp-all directory are bounded per user (and in all to half
 *   the directory) for users without CAP_NET_ADMIN: one user running out
 *   fails its own registration, not its socket creation, and another
 *   user's registration and tcp-all monitor still work;
 * - connect/accept in a monitored netns take that netns's lock only:
 *   with a debug kernel holding one netns's lock for a second, another
 *   monitored netns connects at once.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "nstest.h"

#define USER_MAX	128	/* NETSTATS_PERIODIC_USER_MAX */
#define NET_MAX		512	/* NETSTATS_PERIODIC_NET_MAX */
#define DEV		"npl0"
#define PEER		"npl1"
#define QDISC		DEV "/1:"

#define MSG_USER "at most 128 registrations with periodic work per user without CAP_NET_ADMIN"
#define MSG_NET	 "at most 512 periodic registrations per netns by users without CAP_NET_ADMIN"
#define TCP_USER_UNITS	64	/* NETSTATS_TCP_USER_UNITS */
#define MSG_TCP	 "at most 64 TCP page pairs per user without CAP_NET_ADMIN in this netns"

/* The self group's counters the tests follow: nsnl_reply::want. */
#define W_BLOCKS	0
#define W_REFRESHERS	1

/* REGISTER @group/@obj with period-ms @period (and derived=1 for queues);
 * maps the block at *@map if @map, else closes the fd.
 */
static int reg(struct nsnl *s, const char *group, const char *obj,
	       uint64_t period, struct nsnl_reply *r, const void **map)
{
	struct nsnl_reply tmp;
	struct nlmsghdr *nlh;
	void *p;
	int err;

	if (!r)
		r = &tmp;
	memset(r, 0, sizeof(*r));
	r->map_fd = -1;
	r->want[W_BLOCKS] = "derived_blocks";
	r->want[W_REFRESHERS] = "refreshers";
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, group);
	if (obj) {
		err = nsnl_put_object(nlh, group, obj);
		if (err)
			return err;
	}
	if (period)
		nsnl_put_option(nlh, "period-ms", period);
	if (!strncmp(group, "queue/", 6))
		nsnl_put_option(nlh, "derived", 1);
	err = nsnl_talk(s, nlh, nsnl_reply_cb, r);
	if (err)
		return err;
	if (map) {
		p = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->map_fd, r->off);
		*map = p == MAP_FAILED ? NULL : p;
	}
	close(r->map_fd);
	return 0;
}

static uint64_t ld64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

static uint32_t ld32(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

/* One consistent read of a derived block's timestamp and two counters. */
static uint64_t block_read(const void *b, uint32_t o1, uint32_t o2,
			   uint64_t *v1, uint64_t *v2)
{
	const struct netstats_derived_hdr *h = b;
	uint32_t seq;
	uint64_t ts;

	for (;;) {
		seq = ld32(&h->seq);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		*v1 = ld64((const char *)b + o1);
		*v2 = ld64((const char *)b + o2);
		ts = ld64(&h->timestamp_ns);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == ld32(&h->seq))
			return ts;
	}
}

struct self {
	struct nsnl s;
	struct nsnl_reply r;
	const void *map;
};

/* derived_blocks and refreshers, from an update after the call. */
static int self_read(struct self *me, uint64_t *blocks, uint64_t *refreshers)
{
	uint64_t ts, t;
	int i, n = 0;

	ts = block_read(me->map, me->r.want_off[W_BLOCKS], me->r.want_off[W_REFRESHERS], blocks,
			refreshers);
	/* Two updates later, whatever changed before the call is in. */
	for (i = 0; i < 500 && n < 2; i++) {
		usleep(10000);
		t = block_read(me->map, me->r.want_off[W_BLOCKS], me->r.want_off[W_REFRESHERS],
			       blocks, refreshers);
		if (t != ts) {
			ts = t;
			n++;
		}
	}
	return n == 2 ? 0 : -ETIMEDOUT;
}

static int sh(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

/* The netdevsim device of @id, with 2 queues; its name in @ifname. */
static int nsim_new(unsigned int id, char *ifname, size_t len)
{
	char path[128];
	glob_t g;
	int fd, ret;

	fd = open("/sys/bus/netdevsim/new_device", O_WRONLY);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%u 1 2", id);
	ret = write(fd, path, strlen(path));
	close(fd);
	if (ret < 0)
		return -errno;
	snprintf(path, sizeof(path), "/sys/bus/netdevsim/devices/netdevsim%u/net/*",
		 id);
	for (ret = 0; ret < 100; ret++) {
		if (!glob(path, 0, NULL, &g)) {
			snprintf(ifname, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			return 0;
		}
		usleep(20000);
	}
	return -ENOENT;
}

static void nsim_del(unsigned int id)
{
	char buf[32];
	int fd;

	fd = open("/sys/bus/netdevsim/del_device", O_WRONLY);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%u", id);
	if (write(fd, buf, strlen(buf)) < 0)
		perror("del_device");
	close(fd);
}

/* Become @uid, with no capability and room in RLIMIT_MEMLOCK. */
static int become(uid_t uid)
{
	struct rlimit rl = { .rlim_cur = 64 << 20, .rlim_max = 64 << 20 };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(uid) || setuid(uid))
		return -1;
	return 0;
}

/*
 * A child as @uid registers the qdisc @n times (period @period) and
 * expects @last for the next one: 0 for none, else -errno and @msg.
 * It then reports on @ready and holds its registrations until killed.
 */
static pid_t holder(uid_t uid, int n, uint64_t period, int last,
		    const char *msg, int ready)
{
	struct nsnl s;
	pid_t pid;
	char c = 0;
	int i, err;

	pid = fork();
	if (pid)
		return pid;
	if (become(uid) || nsnl_open(&s))
		c = 1;
	/* Dies with the test, also when an assertion ends it before it
	 * reaps the holders (they would keep the output pipe open); set
	 * after become(), as a change of uid clears it.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		c = 4;
	if (getppid() == 1)	/* the test is gone already */
		_exit(1);
	for (i = 0; !c && i < n; i++) {
		err = reg(&s, "qdisc", QDISC, period, NULL, NULL);
		if (err) {
			fprintf(stderr, "uid %u: registration %d: %d (%s)\n",
				uid, i, err, s.extack);
			c = 2;
		}
	}
	if (!c && last) {
		err = reg(&s, "qdisc", QDISC, period, NULL, NULL);
		if (err != last || strcmp(s.extack, msg)) {
			fprintf(stderr, "uid %u: past the quota: %d (%s)\n",
				uid, err, s.extack);
			c = 3;
		}
	}
	if (write(ready, &c, 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

static int holder_wait(int ready)
{
	char c = 9;

	if (read(ready, &c, 1) != 1)
		return 9;
	return c;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

FIXTURE(periodic)
{
	struct self me;
	uint64_t blocks, refreshers;
};

FIXTURE_SETUP(periodic)
{
	if (!nstest_open(_metadata, &self->me.s))
		return;
	if (geteuid())
		SKIP(return, "needs root to switch users");
	sh("ip link del " DEV " 2>/dev/null");
	ASSERT_EQ(0, sh("ip link add " DEV " type veth peer name " PEER
			" && tc qdisc add dev " DEV " root handle 1: fq"));
	ASSERT_EQ(0, reg(&self->me.s, "netstats", NULL, 10, &self->me.r,
			 &self->me.map)) TH_LOG("%s", self->me.s.extack);
	ASSERT_NE(NULL, self->me.map);
	ASSERT_NE(0, self->me.r.want_off[W_BLOCKS]);
	ASSERT_NE(0, self->me.r.want_off[W_REFRESHERS]);
	ASSERT_EQ(0, self_read(&self->me, &self->blocks, &self->refreshers));
}

FIXTURE_TEARDOWN(periodic)
{
	sh("ip link del " DEV " 2>/dev/null");
	nsnl_close(&self->me.s);
}

/* Readers share the object's block and its refresh. */
TEST_F(periodic, one_refresh_per_object_and_period)
{
	const void *m1, *m2;
	uint64_t b, r, v1, v2, t1, t2;
	struct nsnl s1, s2;
	char nsim[IFNAMSIZ], obj[IFNAMSIZ + 8];
	int i, same = 0;

	ASSERT_EQ(0, nsnl_open(&s1));
	ASSERT_EQ(0, nsnl_open(&s2));

	/* Two netlink sockets, one qdisc, one period: one block. */
	ASSERT_EQ(0, reg(&s1, "qdisc", QDISC, 50, NULL, &m1)) TH_LOG("%s", s1.extack);
	ASSERT_EQ(0, reg(&s2, "qdisc", DEV "/1:0", 50, NULL, &m2)) TH_LOG("%s", s2.extack);
	ASSERT_NE(NULL, m1);
	ASSERT_NE(NULL, m2);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, reg(&s2, "qdisc", QDISC, 50, NULL, NULL));
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks + 1, b);
	EXPECT_EQ(self->refreshers + 1, r);
	/* ... the same page: every read of both sees one update. */
	for (i = 0; i < 20; i++) {
		t1 = block_read(m1, 16, 24, &v1, &v2);
		t2 = block_read(m2, 16, 24, &v1, &v2);
		same += t1 == t2;
	}
	EXPECT_LE(15, same);

	/* Another period: another block and another work. */
	ASSERT_EQ(0, reg(&s2, "qdisc", QDISC, 60, NULL, NULL));
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks + 2, b);
	EXPECT_EQ(self->refreshers + 2, r);

	/* Two queues of a netns under RTNL, at one period: two blocks, one
	 * work (one RTNL section per period), not shared with the qdisc's.
	 */
	if (!nsim_new(7771, nsim, sizeof(nsim))) {
		snprintf(obj, sizeof(obj), "%s/0", nsim);
		ASSERT_EQ(0, reg(&s2, "queue/rx", obj, 100, NULL, NULL))
			TH_LOG("%s", s2.extack);
		ASSERT_EQ(0, reg(&s2, "queue/rx", obj, 100, NULL, NULL));
		snprintf(obj, sizeof(obj), "%s/1", nsim);
		ASSERT_EQ(0, reg(&s2, "queue/tx", obj, 100, NULL, NULL))
			TH_LOG("%s", s2.extack);
		ASSERT_EQ(0, reg(&s1, "qdisc", QDISC, 100, NULL, NULL));
		ASSERT_EQ(0, self_read(&self->me, &b, &r));
		EXPECT_EQ(self->blocks + 5, b);
		EXPECT_EQ(self->refreshers + 4, r);
		nsim_del(7771);
		/* Dead blocks stay mapped; they leave their work. */
		ASSERT_EQ(0, self_read(&self->me, &b, &r));
		EXPECT_EQ(self->blocks + 5, b);
		EXPECT_EQ(self->refreshers + 3, r);
	} else {
		TH_LOG("no netdevsim: the queue part is skipped");
		ASSERT_EQ(0, reg(&s1, "qdisc", QDISC, 100, NULL, NULL));
	}

	/* s2 goes: its period-60 block with it, the shared one stays. */
	nsnl_close(&s2);
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks + 2, b);
	EXPECT_EQ(self->refreshers + 2, r);
	t1 = block_read(m1, 16, 24, &v1, &v2);
	usleep(200000);
	EXPECT_NE(t1, block_read(m1, 16, 24, &v1, &v2));

	nsnl_close(&s1);
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks, b);
	EXPECT_EQ(self->refreshers, r);
}

/* A user's quota, in the initial netns, and the netns's quota. */
TEST_F(periodic, quotas_of_users_and_netns)
{
	int ready[2], i, status;
	pid_t pid[5], other;
	struct nsnl s;
	uint64_t b, r;

	ASSERT_EQ(0, pipe(ready));

	/* uid 1001 up to its quota; then ENOSPC naming it. */
	pid[0] = holder(1001, USER_MAX, 50, -ENOSPC, MSG_USER, ready[1]);
	ASSERT_LT(0, pid[0]);
	ASSERT_EQ(0, holder_wait(ready[0]));
	/* One object, one period: 128 registrations, one block. */
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks + 1, b);

	/* Others are not held by it: three more users fill the netns. */
	for (i = 1; i < 4; i++) {
		pid[i] = holder(1001 + i, USER_MAX, 50 + i, 0, NULL, ready[1]);
		ASSERT_LT(0, pid[i]);
		ASSERT_EQ(0, holder_wait(ready[0])) TH_LOG("uid %d", 1001 + i);
	}
	/* The netns is full for users without CAP_NET_ADMIN over it. */
	pid[4] = holder(1005, 0, 50, -ENOSPC, MSG_NET, ready[1]);
	ASSERT_LT(0, pid[4]);
	EXPECT_EQ(0, holder_wait(ready[0]));

	/* CAP_NET_ADMIN is not counted. */
	ASSERT_EQ(0, nsnl_open(&s));
	EXPECT_EQ(0, reg(&s, "qdisc", QDISC, 50, NULL, NULL)) TH_LOG("%s", s.extack);
	nsnl_close(&s);

	/* The quotas come back with the registrations. */
	reap(pid[1]);
	reap(pid[4]);
	pid[4] = holder(1005, 1, 50, 0, NULL, ready[1]);
	EXPECT_EQ(0, holder_wait(ready[0]));
	for (i = 0; i < 5; i++)
		reap(pid[i]);
	other = holder(1001, USER_MAX, 50, 0, NULL, ready[1]);
	EXPECT_EQ(0, holder_wait(ready[0]));
	reap(other);
	(void)status;
	close(ready[0]);
	close(ready[1]);
	ASSERT_EQ(0, self_read(&self->me, &b, &r));
	EXPECT_EQ(self->blocks, b);
	EXPECT_EQ(self->refreshers, r);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * An unprivileged user in a user+net namespace of its own has
 * CAP_NET_ADMIN there, not over the host: the user quota holds, counted
 * together with what it registered in the initial netns.
 */
static int userns_child(void)
{
	struct nsnl host, s;
	char map[32];
	int i, err;

	/* Dumpable again after setuid(), or /proc/self is not ours to write. */
	if (become(1001) || prctl(PR_SET_DUMPABLE, 1) || nsnl_open(&host))
		return 1;
	for (i = 0; i < 28; i++)
		if (reg(&host, "qdisc", QDISC, 50, NULL, NULL))
			return 2;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 3;
	snprintf(map, sizeof(map), "0 1001 1");
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/gid_map", map))
		return 4;
	if (sh("ip link set lo up && tc qdisc add dev lo root handle 1: fq"))
		return 5;
	if (nsnl_open(&s))
		return 6;
	for (i = 0; i < USER_MAX - 28; i++) {
		err = reg(&s, "qdisc", "lo/1:", 50, NULL, NULL);
		if (err) {
			fprintf(stderr, "in the userns, registration %d: %d (%s)\n",
				i, err, s.extack);
			return 7;
		}
	}
	err = reg(&s, "qdisc", "lo/1:", 50, NULL, NULL);
	if (err != -ENOSPC || strcmp(s.extack, MSG_USER)) {
		fprintf(stderr, "past the quota: %d (%s)\n", err, s.extack);
		return 8;
	}
	/* The namespace's own quota does not apply to its admin. */
	nsnl_close(&host);
	for (i = 0; i < 28; i++)
		if (reg(&s, "qdisc", "lo/1:", 50 + i, NULL, NULL))
			return 9;
	return 0;
}

TEST_F(periodic, user_namespace_counts_for_the_user)
{
	nstest_run_child(_metadata, userns_child, "child");
}

/* A connected pair on loopback: *@cli and *@srv; 0 or -1. */
static int tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || *cli < 0 || bind(l, (void *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (void *)&a, &len) ||
	    connect(*cli, (void *)&a, sizeof(a)))
		return -1;
	*srv = accept(l, NULL, NULL);
	close(l);
	return *srv < 0 ? -1 : 0;
}

/* uid 1001 takes its quota of pairs, one netlink socket each. */
static pid_t tcp_hog(int ready)
{
	struct nsnl s[TCP_USER_UNITS + 1];
	int i, fd, cli, srv, err;
	char c = 0;
	pid_t pid;

	pid = fork();
	if (pid)
		return pid;
	if (become(1001))
		c = 1;
	for (i = 0; !c && i <= TCP_USER_UNITS; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || nsnl_open(&s[i])) {
			c = 2;
			break;
		}
		err = nsnl_reg_tcp(&s[i], fd, false, NULL);
		if (i < TCP_USER_UNITS && err) {
			fprintf(stderr, "pair %d: %d (%s)\n", i, err,
				s[i].extack);
			c = 3;
		} else if (i == TCP_USER_UNITS &&
			   (err != -ENOSPC || strcmp(s[i].extack, MSG_TCP))) {
			fprintf(stderr, "past the quota: %d (%s)\n", err,
				s[i].extack);
			c = 4;
		}
	}
	/* Its sockets are still created, connected and accepted. */
	if (!c && tcp_pair(&cli, &srv))
		c = 5;
	if (write(ready, &c, 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/* Is the socket of @cookie named in the tcp-all range at @base? */
static bool dir_names(const void *base, uint64_t cookie)
{
	const struct netstats_dir_hdr *dh = base;
	long psz = getpagesize();
	uint32_t u, b;

	for (u = 0; u < ld32(&dh->units); u++) {
		const char *ents = (const char *)base +
			(1 + u * dh->unit_pages + dh->entry_page) * psz;

		for (b = 0; b < dh->blocks_per_unit; b++) {
			const struct netstats_sock_entry *e =
				(const void *)(ents + b * dh->block_size);

			if (ld64(&e->cookie) == cookie && e->family)
				return true;
		}
	}
	return false;
}

/* uid 1002, meanwhile: its own registration and its tcp-all monitor. */
static int tcp_other(void)
{
	socklen_t len = sizeof(uint64_t);
	const void *dir;
	uint64_t cookie;
	int fd, cli, srv, i;
	struct nsnl s;

	if (become(1002) || nsnl_open(&s))
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (nsnl_reg_tcp(&s, fd, false, NULL)) {
		fprintf(stderr, "own socket: %s\n", s.extack);
		return 2;
	}
	if (reg(&s, "tcp-all", NULL, 0, NULL, &dir) || !dir) {
		fprintf(stderr, "tcp-all: %s\n", s.extack);
		return 3;
	}
	if (tcp_pair(&cli, &srv) ||
	    getsockopt(cli, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return 4;
	for (i = 0; i < 100; i++) {
		if (dir_names(dir, cookie))
			return 0;
		usleep(20000);
	}
	return 5;
}

TEST_F(periodic, tcp_pairs_of_one_user)
{
	int ready[2];
	pid_t hog;

	ASSERT_EQ(0, pipe(ready));
	hog = tcp_hog(ready[1]);
	ASSERT_LT(0, hog);
	EXPECT_EQ(0, holder_wait(ready[0]));

	nstest_run_child(_metadata, tcp_other, "second user");
	reap(hog);
	close(ready[0]);
	close(ready[1]);
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define DBG "/sys/kernel/debug/netstats/"

/*
 * In a netns of its own, monitored by tcp-all: a listener; reports the
 * netns cookie on @out, then on each byte read from @in connects once
 * and reports how long connect() took, in ms, until killed.
 */
static pid_t monitored_netns(int in, int out)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a), clen = sizeof(uint64_t);
	struct timespec t0, t1;
	uint64_t cookie;
	struct nsnl s;
	int l, c, ms;
	pid_t pid;
	char go;

	pid = fork();
	if (pid)
		return pid;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (unshare(CLONE_NEWNET) || sh("ip link set lo up") || nsnl_open(&s) ||
	    reg(&s, "tcp-all", NULL, 0, NULL, NULL))
		_exit(1);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 64) ||
	    getsockname(l, (void *)&a, &len) ||
	    getsockopt(l, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen) ||
	    write(out, &cookie, sizeof(cookie)) != sizeof(cookie))
		_exit(2);
	while (read(in, &go, 1) == 1) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (connect(c, (void *)&a, sizeof(a)))
			_exit(3);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (write(out, &ms, sizeof(ms)) != sizeof(ms))
			_exit(4);
	}
	_exit(0);
}

static int dbg_write(const char *file, unsigned long long v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), DBG "%s", file);
	snprintf(buf, sizeof(buf), "%llu", v);
	return write_file(path, buf);
}

FIXTURE(tcp_all_lock) {};
FIXTURE_SETUP(tcp_all_lock) {}
FIXTURE_TEARDOWN(tcp_all_lock) {}

/* Two netns set up and monitored under TCG and a debug kernel: minutes. */
TEST_F_TIMEOUT(tcp_all_lock, per_netns, 240)
{
	int a_in[2], a_out[2], b_in[2], b_out[2], ms_a, ms_b;
	uint64_t cookie_a, cookie_b;
	struct timespec t0, t1;
	pid_t a, b;

	if (access(DBG "tcp_monitor_delay_ms", W_OK))
		SKIP(return, "needs CONFIG_NETSTATS_DEBUG (make check DEBUG=1)");
	ASSERT_EQ(0, pipe(a_in));
	ASSERT_EQ(0, pipe(a_out));
	ASSERT_EQ(0, pipe(b_in));
	ASSERT_EQ(0, pipe(b_out));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	a = monitored_netns(a_in[0], a_out[1]);
	b = monitored_netns(b_in[0], b_out[1]);
	ASSERT_EQ(sizeof(cookie_a), read(a_out[0], &cookie_a, sizeof(cookie_a)));
	ASSERT_EQ(sizeof(cookie_b), read(b_out[0], &cookie_b, sizeof(cookie_b)));
	ASSERT_NE(cookie_a, cookie_b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("two monitored netns set up in %ld ms",
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000));

	/* A's connect holds A's lock for a second. */
	ASSERT_EQ(0, dbg_write("tcp_monitor_delay_netns", cookie_a));
	ASSERT_EQ(0, dbg_write("tcp_monitor_delay_ms", 1000));
	ASSERT_EQ(1, write(a_in[1], "g", 1));
	usleep(200000);
	/* B's does not wait for it. */
	ASSERT_EQ(1, write(b_in[1], "g", 1));
	ASSERT_EQ(sizeof(ms_b), read(b_out[0], &ms_b, sizeof(ms_b)));
	ASSERT_EQ(sizeof(ms_a), read(a_out[0], &ms_a, sizeof(ms_a)));
	dbg_write("tcp_monitor_delay_ms", 0);
	EXPECT_LE(1000, ms_a);
	EXPECT_GT(500, ms_b) TH_LOG("netns B's connect took %d ms", ms_b);

	/* Each child holds the other's pipe ends too: no EOF, kill them. */
	reap(a);
	reap(b);
}

/* In netns @netns_fd as uid 1001: @n connected pairs (2n sockets). */
static int uid_pairs(int n)
{
	int i, cli, srv;

	if (become(1001))
		return 1;
	for (i = 0; i < n; i++)
		if (tcp_pair(&cli, &srv))
			return 2;
	pause();
	return 0;
}

/*
 * One user's sockets take at most its share of the slots tcp-all gives
 * (debug kernels lower the share to 4 slots): the rest are counted as
 * missed in the directory, not created any less, and root's sockets are
 * still followed.
 */
TEST_F_TIMEOUT(tcp_all_lock, uid_share, 240)
{
	socklen_t len = sizeof(uint64_t);
	const struct netstats_dir_hdr *dh;
	const void *dir;
	uint64_t cookie;
	int cli, srv, i;
	struct nsnl s;
	pid_t pid;

	if (access(DBG "tcp_uid_slots", W_OK))
		SKIP(return, "needs CONFIG_NETSTATS_DEBUG (make check DEBUG=1)");
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, sh("ip link set lo up"));
	ASSERT_EQ(0, nsnl_open(&s));
	ASSERT_EQ(0, reg(&s, "tcp-all", NULL, 0, NULL, &dir)) TH_LOG("%s", s.extack);
	ASSERT_NE(NULL, dir);
	dh = dir;
	ASSERT_EQ(0, dbg_write("tcp_uid_slots", 4));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(uid_pairs(5));
	for (i = 0; i < 200 && ld32(&dh->missed) < 6; i++)
		usleep(20000);
	/* Root's sockets are not held by it. */
	ASSERT_EQ(0, tcp_pair(&cli, &srv));
	ASSERT_EQ(0, getsockopt(cli, SOL_SOCKET, SO_COOKIE, &cookie, &len));
	for (i = 0; i < 100 && !dir_names(dir, cookie); i++)
		usleep(20000);
	dbg_write("tcp_uid_slots", 0);
	EXPECT_TRUE(dir_names(dir, cookie));
	/* 10 sockets of uid 1001 (5 connects, 5 accepts): 4 followed. */
	EXPECT_EQ(6, ld32(&dh->missed));
	reap(pid);
	nsnl_close(&s);
}

TEST_HARNESS_MAIN
