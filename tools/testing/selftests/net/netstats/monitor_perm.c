// SPDX-License-Identifier: GPL-2.0
/*
 * The "monitor" multicast group carries the object-dead notifications of
 * every registration of the netns, with the port ids of their netlink
 * sockets and the cookies of their sockets: joining it needs
 * CAP_NET_ADMIN.  A user without it cannot join (EPERM, by setsockopt()
 * or bind()), and still gets the object-dead notification of its own
 * registration, from the kernel, on the netlink socket that made it.
 * Root joins, and sees the notifications of others; a socket that owns a
 * registration and monitors gets its notification once.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/wait.h>

#include "nstest.h"

#define NOBODY	65534

/* REGISTER @sock_fd with notify; its id in *@id. */
static int reg_tcp(struct nsnl *s, int sock_fd, uint32_t *id)
{
	struct nsnl_reply r;
	int err = nsnl_reg_tcp(s, sock_fd, true, &r);

	*id = r.id;
	return err;
}

/*
 * Read @s for up to @ms ms and count the object-dead notifications of
 * registration @id of port @portid that the kernel sent; with @first,
 * return as soon as there is one.  Returns the count or -errno.
 */
static int count_dead(struct nsnl *s, uint32_t portid, uint32_t id, int ms,
		      bool first)
{
	int fd = mnl_socket_get_fd(s->nl);
	struct timespec t0, t;
	struct sockaddr_nl sa;
	socklen_t alen;
	int n = 0, left;
	ssize_t len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const struct nlmsghdr *m;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return n;
		if (poll(&p, 1, left) <= 0)
			continue;
		alen = sizeof(sa);
		len = recvfrom(fd, s->buf, NSNL_BUF_SIZE, MSG_DONTWAIT,
			       (struct sockaddr *)&sa, &alen);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (alen != sizeof(sa) || sa.nl_pid)
			continue;	/* not from the kernel */
		left = len;
		for (m = (void *)s->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			struct nsnl_dead d;

			if (nsnl_dead_parse(s, m, &d) && d.id == id &&
			    d.portid == portid && !strcmp(d.group, "tcp"))
				n++;
		}
		if (n && first)
			return n;
	}
}

static int join(struct nsnl *s)
{
	return setsockopt(mnl_socket_get_fd(s->nl), SOL_NETLINK,
			  NETLINK_ADD_MEMBERSHIP, &s->monitor_grp,
			  sizeof(s->monitor_grp)) ? -errno : 0;
}

struct owner {
	uint32_t portid;
	uint32_t id;
};

/*
 * As nobody, without capabilities: the group is refused, the socket's own
 * notification comes.  Exit codes: one per failed step.
 */
static int unprivileged(int out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int tcp, fd, step;
	struct owner o;
	struct nsnl s;

	step = nsnl_open_as(&s, NOBODY);
	if (step)
		return 1 + step;
	if (!s.monitor_grp)
		return 3;
	if (join(&s) != -EPERM) {
		fprintf(stderr, "nobody joined the monitor group\n");
		return 4;
	}
	/* bind() with the group in its mask, if the group id fits it. */
	if (s.monitor_grp <= 32) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			    NETLINK_GENERIC);
		if (fd < 0)
			return 5;
		sa.nl_groups = 1U << (s.monitor_grp - 1);
		if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    errno != EPERM) {
			fprintf(stderr, "bind() to the monitor group: %s\n",
				strerror(errno));
			return 6;
		}
		close(fd);
	}

	tcp = socket(AF_INET, SOCK_STREAM, 0);
	if (tcp < 0)
		return 7;
	if (reg_tcp(&s, tcp, &o.id)) {
		fprintf(stderr, "REGISTER as nobody: %s\n", s.extack);
		return 8;
	}
	o.portid = s.portid;
	if (write(out, &o, sizeof(o)) != sizeof(o))
		return 9;
	/* Destroyed at once: it never connected. */
	close(tcp);
	if (count_dead(&s, o.portid, o.id, 10000, true) != 1) {
		fprintf(stderr, "no object-dead for registration %u\n", o.id);
		return 10;
	}
	nsnl_close(&s);
	return 0;
}

FIXTURE(perm)
{
	struct nsnl mon;
};

FIXTURE_SETUP(perm)
{
	if (!nstest_open(_metadata, &self->mon))
		return;
	ASSERT_NE(0U, self->mon.monitor_grp);
	if (geteuid())
		SKIP(return, "needs root");
}

FIXTURE_TEARDOWN(perm)
{
	nsnl_close(&self->mon);
}

TEST_F(perm, unprivileged_gets_own_dead_not_the_group)
{
	struct owner o;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	/* Root may join, before the other user's socket dies. */
	ASSERT_EQ(0, join(&self->mon));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		_exit(unprivileged(p[1]));
	}
	close(p[1]);
	n = read(p[0], &o, sizeof(o));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("unprivileged child failed at step %d",
		       WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(o), n);

	/* The monitor sees the other user's registration die. */
	EXPECT_EQ(1, count_dead(&self->mon, o.portid, o.id, 10000, true))
		TH_LOG("root's monitor: no object-dead of %u:%u", o.portid,
		       o.id);
}

TEST_F(perm, owner_that_monitors_hears_once)
{
	uint32_t id;
	int tcp;

	ASSERT_EQ(0, join(&self->mon));
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, tcp);
	ASSERT_EQ(0, reg_tcp(&self->mon, tcp, &id)) TH_LOG("%s",
							   self->mon.extack);
	close(tcp);
	EXPECT_EQ(1, count_dead(&self->mon, self->mon.portid, id, 10000,
				true));
	/* No second copy through the group. */
	EXPECT_EQ(0, count_dead(&self->mon, self->mon.portid, id, 500, false));
}

TEST_HARNESS_MAIN
