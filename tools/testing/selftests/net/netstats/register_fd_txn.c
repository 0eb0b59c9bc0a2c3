// SPDX-License-Identifier: GPL-2.0
/*
 * REGISTER hands out a map file descriptor and a registration only with a
 * reply that reaches the caller.  64 REGISTERs are sent on a netlink
 * socket with the smallest receive buffer the kernel allows, without
 * reading; the receive buffer overflows after the first reply.  Then:
 * every descriptor that appeared in the process is named by a reply that
 * was received (and is a netstats map file), every reply's descriptor
 * appeared, and every registration id the socket has is named by a reply
 * (UNREGISTER of each id the 64 REGISTERs could have taken: 0 for those
 * named, ENOENT for the others).
 */
#include <dirent.h>
#include <fcntl.h>

#include "nstest.h"

#define PROBES		64
#define MAX_FDS		4096

struct fdset {
	bool open[MAX_FDS];
	int n;
};

/* The descriptors open in this process, but the directory stream's own. */
static int fds_snap(struct fdset *fs)
{
	struct dirent *de;
	DIR *d;
	int fd;

	memset(fs, 0, sizeof(*fs));
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		if (fd < 0 || fd >= MAX_FDS) {
			closedir(d);
			return -EMFILE;
		}
		fs->open[fd] = true;
		fs->n++;
	}
	closedir(d);
	return 0;
}

struct probe {
	int replies;		/* REGISTER replies received */
	int errors;		/* NLMSG_ERROR received (acks of failures) */
	int enobufs;		/* recv() failed with ENOBUFS */
	bool named[PROBES + 1];	/* id -> named by a reply */
	int fd_of[PROBES + 1];	/* id -> its reply's map-fd */
	int bad;		/* replies without id or map-fd, bad ids */
};

static void probe_msg(struct probe *p, const struct nlmsghdr *nlh,
		      uint16_t family)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t id = 0;
	int fd = -1;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		p->errors++;
		return;
	}
	if (nlh->nlmsg_type != family || g->cmd != NETSTATS_CMD_REGISTER)
		return;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		if (mnl_attr_get_type(a) == NETSTATS_A_REGISTRATION_ID)
			id = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == NETSTATS_A_REGISTRATION_MAP_FD)
			fd = (int)mnl_attr_get_u32(a);
	}
	p->replies++;
	if (!id || id > PROBES || fd < 0 || p->named[id]) {
		p->bad++;
		return;
	}
	p->named[id] = true;
	p->fd_of[id] = fd;
}

/* Everything the socket holds, without waiting (the kernel answered
 * each REGISTER before its send returned).
 */
static int probe_read(struct nsnl *s, struct probe *p)
{
	int fd = mnl_socket_get_fd(s->nl);
	const struct nlmsghdr *m;
	ssize_t len;
	int left;

	for (;;) {
		len = recv(fd, s->buf, NSNL_BUF_SIZE, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				p->enobufs++;
				continue;
			}
			return errno == EAGAIN ? 0 : -errno;
		}
		left = len;
		for (m = (void *)s->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left))
			probe_msg(p, m, s->family);
	}
}

static int unreg(struct nsnl *s, uint32_t id)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_UNREGISTER, 0);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, id);
	return nsnl_talk(s, nlh, NULL, NULL);
}

FIXTURE(txn)
{
	struct nsnl s;
};

FIXTURE_VARIANT(txn)
{
	const char *group;
};

/* The netns-wide groups, which name no object: a small and a large reply. */
FIXTURE_VARIANT_ADD(txn, netstats)
{
	.group = "netstats",
};

FIXTURE_VARIANT_ADD(txn, ip)
{
	.group = "ip",
};

FIXTURE_SETUP(txn)
{
	nstest_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(txn)
{
	nsnl_close(&self->s);
}

TEST_F(txn, no_orphan_fd_or_registration)
{
	static struct fdset before, after;
	struct probe p = {};
	struct nlmsghdr *nlh;
	int zero = 0, rcvbuf = 0, new_fds = 0;
	int nlfd = mnl_socket_get_fd(self->s.nl);
	socklen_t len = sizeof(rcvbuf);
	uint32_t id;
	int i, fd, err;

	/* As small as it gets: SO_RCVBUFFORCE is not needed for that. */
	ASSERT_EQ(0, setsockopt(nlfd, SOL_SOCKET, SO_RCVBUF, &zero,
				sizeof(zero)));
	ASSERT_EQ(0, getsockopt(nlfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	TH_LOG("receive buffer: %d bytes", rcvbuf);

	ASSERT_EQ(0, fds_snap(&before));
	for (i = 0; i < PROBES; i++) {
		nlh = nsnl_msg(&self->s, self->s.family,
			       NETSTATS_CMD_REGISTER, 0);
		nlh->nlmsg_flags &= ~NLM_F_ACK;
		mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP,
				  variant->group);
		ASSERT_EQ((ssize_t)nlh->nlmsg_len,
			  mnl_socket_sendto(self->s.nl, nlh, nlh->nlmsg_len))
			TH_LOG("send REGISTER %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, probe_read(&self->s, &p));
	ASSERT_EQ(0, fds_snap(&after));
	TH_LOG("%d replies, %d errors, %d ENOBUFS, %d fds before, %d after",
	       p.replies, p.errors, p.enobufs, before.n, after.n);

	EXPECT_EQ(0, p.bad);
	ASSERT_LE(1, p.replies) TH_LOG("not even the first reply arrived");
	/* Else the receive buffer did not overflow, and nothing was probed. */
	ASSERT_GT(PROBES, p.replies);
	EXPECT_LE(1, p.enobufs) TH_LOG("the overflow was not reported");

	/* Each reply's descriptor is new and a map file. */
	for (id = 1; id <= PROBES; id++) {
		if (!p.named[id])
			continue;
		fd = p.fd_of[id];
		EXPECT_TRUE(fd < MAX_FDS && !before.open[fd] && after.open[fd])
			TH_LOG("registration %u: map-fd %d did not appear",
			       id, fd);
		EXPECT_TRUE(nsnl_is_map_fd(fd))
			TH_LOG("map-fd %d is not a netstats map file", fd);
	}
	/* Each new descriptor is a reply's. */
	for (fd = 0; fd < MAX_FDS; fd++) {
		bool named = false;

		if (before.open[fd] || !after.open[fd])
			continue;
		new_fds++;
		for (id = 1; id <= PROBES; id++)
			named |= p.named[id] && p.fd_of[id] == fd;
		EXPECT_TRUE(named)
			TH_LOG("fd %d (%s map file) appeared, no reply names it",
			       fd, nsnl_is_map_fd(fd) ? "a" : "not a");
	}
	EXPECT_EQ(p.replies, new_fds);

	/* The registrations are those the replies named, no other. */
	for (id = 1; id <= PROBES; id++) {
		err = unreg(&self->s, id);
		if (p.named[id]) {
			EXPECT_EQ(0, err) TH_LOG("UNREGISTER %u: %s (%s)", id,
						 strerror(-err),
						 self->s.extack);
		} else {
			EXPECT_EQ(-ENOENT, err)
				TH_LOG("registration %u exists, no reply named it",
				       id);
		}
	}
	for (id = 1; id <= PROBES; id++)
		if (p.named[id])
			close(p.fd_of[id]);

	/* The socket works again once read, with room for a reply. */
	rcvbuf = 1 << 20;
	ASSERT_EQ(0, setsockopt(mnl_socket_get_fd(self->s.nl), SOL_SOCKET,
				SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	memset(&p, 0, sizeof(p));
	nlh = nsnl_msg(&self->s, self->s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, variant->group);
	ASSERT_EQ(0, fds_snap(&before));
	EXPECT_EQ(0, nsnl_talk(&self->s, nlh, NULL, NULL))
		TH_LOG("%s", self->s.extack);
	ASSERT_EQ(0, fds_snap(&after));
	for (fd = 0; fd < MAX_FDS; fd++) {
		if (before.open[fd] || !after.open[fd])
			continue;
		EXPECT_TRUE(nsnl_is_map_fd(fd));
		close(fd);
	}
}

TEST_HARNESS_MAIN
