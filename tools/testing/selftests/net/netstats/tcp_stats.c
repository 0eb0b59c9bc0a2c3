// SPDX-License-Identifier: GPL-2.0
/*
 * The netstats "tcp" group: the mapped counters of a TCP socket equal
 * what TCP_INFO, SIOCINQ and SIOCOUTQ - SIOCOUTQNSD say, move without
 * any syscall, are shared by any number of readers, survive the
 * socket's death as a DEAD snapshot with the final values, restart on
 * tcp_disconnect(), and cannot be written, inherited or pinned.
 *
 * Every test runs in a network namespace of its own, over loopback, so
 * the counters only move with the test's own traffic.
 *
 * A range stops being backed after UNREGISTER or once its netlink
 * socket is closed: touching it then raises SIGBUS (the reader asked
 * for it).  The death of the socket never does: the range then holds a
 * DEAD snapshot with the final values until it is unmapped.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "nsnl.h"
#include "../../kselftest_harness.h"
#include "tcp_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* The counters of the group, by name, as the REGISTER reply gives them. */
enum ctr {
	C_BYTES_RECEIVED,
	C_SEGS_IN,
	C_DATA_SEGS_IN,
	C_RCV_NXT,
	C_COPIED_SEQ,
	C_RCV_WUP,
	C_SND_NXT,
	C_SEGS_OUT,
	C_DATA_SEGS_OUT,
	C_BYTES_SENT,
	C_BYTES_ACKED,
	C_DSACK_DUPS,
	C_SND_UNA,
	C_MAX
};

static const struct {
	const char *name;
	unsigned int type;
	bool seq;	/* absolute sequence number: restricted */
} ctr_desc[C_MAX] = {
	[C_BYTES_RECEIVED] = { "bytes_received", NETSTATS_COUNTER_TYPE_U64 },
	[C_SEGS_IN]	   = { "segs_in", NETSTATS_COUNTER_TYPE_U32 },
	[C_DATA_SEGS_IN]   = { "data_segs_in", NETSTATS_COUNTER_TYPE_U32 },
	[C_RCV_NXT]	   = { "rcv_nxt", NETSTATS_COUNTER_TYPE_U32, true },
	[C_COPIED_SEQ]	   = { "copied_seq", NETSTATS_COUNTER_TYPE_U32, true },
	[C_RCV_WUP]	   = { "rcv_wup", NETSTATS_COUNTER_TYPE_U32, true },
	[C_SND_NXT]	   = { "snd_nxt", NETSTATS_COUNTER_TYPE_U32, true },
	[C_SEGS_OUT]	   = { "segs_out", NETSTATS_COUNTER_TYPE_U32 },
	[C_DATA_SEGS_OUT]  = { "data_segs_out", NETSTATS_COUNTER_TYPE_U32 },
	[C_BYTES_SENT]	   = { "bytes_sent", NETSTATS_COUNTER_TYPE_U64 },
	[C_BYTES_ACKED]	   = { "bytes_acked", NETSTATS_COUNTER_TYPE_U64 },
	[C_DSACK_DUPS]	   = { "dsack_dups", NETSTATS_COUNTER_TYPE_U32 },
	[C_SND_UNA]	   = { "snd_una", NETSTATS_COUNTER_TYPE_U32, true },
};

static const char *cname(int c)
{
	return c >= 0 && c < C_MAX ? ctr_desc[c].name : "?";
}

/* One registration and its mapping. */
struct reg {
	uint32_t id;
	int map_fd;
	uint64_t map_offset;
	uint64_t map_size;
	uint32_t page_size;
	uint32_t stride;
	uint32_t ncpus;
	uint32_t block_offset;
	int n_counters;
	int unknown_counters;
	int64_t off[C_MAX];	/* -1: not in the reply */
	uint32_t type[C_MAX];
	uint32_t flags[C_MAX];
	const uint8_t *base;	/* the mapped range, or NULL */
};

struct vals {
	uint64_t v[C_MAX];
};

/* A counter of the REGISTER reply (nsnl_reply::counter), by its name. */
static void reg_counter(struct nsnl_reply *rep, const char *name,
			uint32_t type, uint32_t off, uint32_t flags)
{
	struct reg *r = rep->priv;
	int i;

	r->n_counters++;
	for (i = 0; i < C_MAX; i++) {
		if (strcmp(name, ctr_desc[i].name))
			continue;
		r->off[i] = off;
		r->type[i] = type;
		r->flags[i] = flags;
		return;
	}
	r->unknown_counters++;
}

/* Send the REGISTER request @nlh; the reply fills @r (see reg_init()). */
static int reg_talk(struct nsnl *s, struct nlmsghdr *nlh, struct reg *r)
{
	struct nsnl_reply rep = {
		.map_fd = -1,
		.counter = reg_counter,
		.priv = r,
	};
	int err;

	err = nsnl_talk(s, nlh, nsnl_reply_cb, &rep);
	r->id = rep.id;
	r->map_fd = rep.map_fd;
	r->map_offset = rep.off;
	r->map_size = rep.size;
	r->page_size = rep.page_size;
	r->stride = rep.stride;
	r->ncpus = rep.ncpus;
	r->block_offset = rep.block_offset;
	return err;
}

static void reg_init(struct reg *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->map_fd = -1;
	for (i = 0; i < C_MAX; i++)
		r->off[i] = -1;
}

static unsigned int ctr_width(const struct reg *r, int c)
{
	return r->type[c] == NETSTATS_COUNTER_TYPE_U64 ? 8 : 4;
}

/* Every counter of the group the caller may see is in the reply, inside
 * the range and naturally aligned: then reading any of them is safe.
 * Sequence numbers are in the reply only if @full.
 */
static bool reg_layout_ok(const struct reg *r, bool full)
{
	int i;

	if (!r->map_size || r->block_offset % 8 ||
	    r->block_offset + sizeof(struct netstats_block_hdr) > r->map_size)
		return false;
	for (i = 0; i < C_MAX; i++) {
		if (ctr_desc[i].seq && !full) {
			if (r->off[i] >= 0)
				return false;
			continue;
		}
		if (r->off[i] < 0 || r->type[i] != ctr_desc[i].type ||
		    r->off[i] % ctr_width(r, i) ||
		    (uint64_t)r->off[i] + ctr_width(r, i) > r->map_size)
			return false;
	}
	return true;
}

static void reg_unmap(struct reg *r)
{
	if (r->base)
		munmap((void *)r->base, r->map_size);
	r->base = NULL;
	if (r->map_fd >= 0)
		close(r->map_fd);
	r->map_fd = -1;
}

/*
 * Send the REGISTER request @nlh and map the range read-only; @full: the
 * reply must carry the sequence numbers, else it must not.  The map fd is
 * closed unless @keep_fd.  Returns 0 or -errno (the kernel's, or -EPROTO
 * for a malformed reply, or mmap()'s).
 */
static int reg_map(struct nsnl *s, struct nlmsghdr *nlh, struct reg *r,
		   bool keep_fd, bool full)
{
	void *p;
	int err;

	err = reg_talk(s, nlh, r);
	if (err)
		goto err_close;
	err = -EPROTO;
	if (!r->id || r->map_fd < 0 || !reg_layout_ok(r, full))
		goto err_close;
	p = mmap(NULL, r->map_size, PROT_READ, MAP_SHARED, r->map_fd,
		 r->map_offset);
	if (p == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	r->base = p;
	if (!keep_fd) {
		close(r->map_fd);
		r->map_fd = -1;
	}
	return 0;

err_close:
	if (r->map_fd >= 0)
		close(r->map_fd);
	r->map_fd = -1;
	return err;
}

static struct nlmsghdr *reg_msg(struct nsnl *s, struct reg *r)
{
	struct nlmsghdr *nlh;

	reg_init(r);
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	return nlh;
}

/* REGISTER @sock_fd (ours: with sequence numbers) and map it. */
static int reg_tcp(struct nsnl *s, int sock_fd, struct reg *r, bool keep_fd)
{
	struct nlmsghdr *nlh = reg_msg(s, r);
	int32_t fd = sock_fd;

	nsnl_put_sock_fd(nlh, fd);
	return reg_map(s, nlh, r, keep_fd, true);
}

/* How a monitor names a socket: cookie, addresses and ports. */
struct sock_id {
	uint64_t cookie;
	struct sockaddr_storage local, remote;
};

static int sock_id_get(int fd, struct sock_id *id)
{
	socklen_t len = sizeof(id->cookie);

	memset(id, 0, sizeof(*id));
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &id->cookie, &len))
		return -errno;
	len = sizeof(id->local);
	if (getsockname(fd, (struct sockaddr *)&id->local, &len))
		return -errno;
	len = sizeof(id->remote);
	if (getpeername(fd, (struct sockaddr *)&id->remote, &len))
		return -errno;
	return 0;
}

static void put_endpoint(struct nlmsghdr *nlh, int addr_type, int port_type,
			 const struct sockaddr_storage *ss, bool v4mapped)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	struct in6_addr m = { .s6_addr = { [10] = 0xff, [11] = 0xff } };

	/* Addresses are 16 bytes, IPv4 v4-mapped; ports in network order. */
	(void)v4mapped;
	if (ss->ss_family == AF_INET6) {
		mnl_attr_put(nlh, addr_type, 16, &sin6->sin6_addr);
		mnl_attr_put_u16(nlh, port_type, sin6->sin6_port);
	} else {
		memcpy(&m.s6_addr[12], &sin->sin_addr, 4);
		mnl_attr_put(nlh, addr_type, 16, &m);
		mnl_attr_put_u16(nlh, port_type, sin->sin_port);
	}
}

static void put_sock_id(struct nlmsghdr *nlh, const struct sock_id *id,
			bool v4mapped)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);

	mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, id->cookie);
	put_endpoint(nlh, NETSTATS_A_SOCK_SRC, NETSTATS_A_SOCK_SPORT,
		     &id->local, v4mapped);
	put_endpoint(nlh, NETSTATS_A_SOCK_DST, NETSTATS_A_SOCK_DPORT,
		     &id->remote, v4mapped);
	mnl_attr_nest_end(nlh, nest);
}

/* REGISTER by identity, as a monitor does, and map it. */
static int reg_cookie(struct nsnl *s, const struct sock_id *id,
		      struct reg *r, bool full)
{
	struct nlmsghdr *nlh = reg_msg(s, r);

	put_sock_id(nlh, id, false);
	return reg_map(s, nlh, r, false, full);
}

static int unreg(struct nsnl *s, uint32_t id)
{
	struct nlmsghdr *nlh;

	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_UNREGISTER, 0);
	mnl_attr_put_u32(nlh, NETSTATS_A_REGISTRATION_ID, id);
	return nsnl_talk(s, nlh, NULL, NULL);
}

/* One plain load each, as READ_ONCE(): never torn, never cached. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Counters not in the reply (not the caller's to see) read as 0. */
static uint64_t rd(const struct reg *r, enum ctr c)
{
	const uint8_t *p;

	if (r->off[c] < 0)
		return 0;
	p = r->base + r->off[c];
	if (r->type[c] == NETSTATS_COUNTER_TYPE_U64)
		return LOAD(*(const uint64_t *)p);
	return LOAD(*(const uint32_t *)p);
}

static const struct netstats_block_hdr *rd_hdr(const struct reg *r)
{
	return (const void *)(r->base + r->block_offset);
}

static uint32_t rd_gen(const struct reg *r)
{
	return LOAD(rd_hdr(r)->generation);
}

static int rd_state(const struct reg *r)
{
	return LOAD(rd_hdr(r)->state);
}

static void rd_all(const struct reg *r, struct vals *m)
{
	int i;

	for (i = 0; i < C_MAX; i++)
		m->v[i] = rd(r, i);
}

/* --- sockets (more in tcp_util.h) ------------------------------------ */

/* Send @len bytes that the peer does not read (they must fit). */
static int send_unread(int fd, size_t len)
{
	return send(fd, txbuf, len, MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

static int recv_exact(int fd, size_t len)
{
	size_t rcvd = 0;
	ssize_t n;

	while (rcvd < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			return -1;
		n = recv(fd, rxbuf, len - rcvd, MSG_DONTWAIT);
		if (n > 0)
			rcvd += n;
		else if (!n || errno != EAGAIN)
			return -1;
	}
	return 0;
}

static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	if (ioctl(fd, req, &v))
		return -1;
	return v;
}

struct rd_args {
	const struct reg *r;
	struct vals *m;
};

/* The whole mapping, for info_consistent(). */
static int rd_all_cb(void *ctx)
{
	struct rd_args *a = ctx;

	rd_all(a->r, a->m);
	return 0;
}

/*
 * TCP_INFO, the mapping, TCP_INFO again, until both TCP_INFO agree: the
 * counters only grow, so the mapped values are of that same moment.
 */
static int read_consistent(int fd, const struct reg *r, struct tcp_info *ti,
			   struct vals *m)
{
	struct rd_args a = { .r = r, .m = m };

	return info_consistent(fd, ti, rd_all_cb, &a);
}

static void expect_ctr(struct __test_metadata *_metadata, const char *who,
		       const struct vals *m, enum ctr c, uint64_t expected)
{
	EXPECT_EQ(expected, m->v[c])
		TH_LOG("%s %s: mapped %llu, expected %llu", who, cname(c),
		       (unsigned long long)m->v[c],
		       (unsigned long long)expected);
}

#define EXPECT_CTR(_who, _m, _c, _expected) \
	expect_ctr(_metadata, _who, _m, _c, _expected)

/* Every mirrored counter equals TCP_INFO's; @skip_segs_out leaves
 * segs_out to the caller.
 */
static void expect_info(struct __test_metadata *_metadata, const char *who,
			const struct vals *m, const struct tcp_info *ti,
			bool skip_segs_out)
{
	EXPECT_CTR(who, m, C_BYTES_RECEIVED, ti->tcpi_bytes_received);
	EXPECT_CTR(who, m, C_SEGS_IN, ti->tcpi_segs_in);
	EXPECT_CTR(who, m, C_DATA_SEGS_IN, ti->tcpi_data_segs_in);
	if (!skip_segs_out)
		EXPECT_CTR(who, m, C_SEGS_OUT, ti->tcpi_segs_out);
	EXPECT_CTR(who, m, C_DATA_SEGS_OUT, ti->tcpi_data_segs_out);
	EXPECT_CTR(who, m, C_BYTES_SENT, ti->tcpi_bytes_sent);
	EXPECT_CTR(who, m, C_BYTES_ACKED, ti->tcpi_bytes_acked);
	EXPECT_CTR(who, m, C_DSACK_DUPS, ti->tcpi_dsack_dups);
}

/* Compare a registered socket with TCP_INFO at this moment. */
static void check_vs_info(struct __test_metadata *_metadata, const char *who,
			  int fd, const struct reg *r, struct vals *m)
{
	struct tcp_info ti;

	ASSERT_EQ(0, read_consistent(fd, r, &ti, m))
		TH_LOG("%s: TCP_INFO never stable", who);
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(r));
	expect_info(_metadata, who, m, &ti, false);
}

/* waitpid() with a deadline; the child is killed if it is late. */
static int wait_child(pid_t pid, int *status, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, WNOHANG);
		if (ret)
			return ret == pid ? 0 : -1;
		if (now_ms() > end)
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static void expect_killed_by(struct __test_metadata *_metadata, pid_t pid,
			     int sig, const char *what)
{
	int status = 0;

	ASSERT_EQ(0, wait_child(pid, &status, 10000))
		TH_LOG("%s: child hung", what);
	if (WIFEXITED(status))
		TH_LOG("%s: child exited with %d", what, WEXITSTATUS(status));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(sig, WTERMSIG(status))
		TH_LOG("%s: killed by signal %d (%s), expected %s", what,
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       strsignal(sig));
}

static void expect_exit0(struct __test_metadata *_metadata, pid_t pid,
			 int timeout_ms, const char *what)
{
	int status = 0;

	ASSERT_EQ(0, wait_child(pid, &status, timeout_ms))
		TH_LOG("%s: child hung", what);
	if (WIFSIGNALED(status))
		TH_LOG("%s: child killed by signal %d (%s)", what,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s: child exit code %d", what, WEXITSTATUS(status));
}

static int wait_dead(const struct reg *r)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (rd_state(r) == NETSTATS_BLOCK_DEAD)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* --- fixture --------------------------------------------------------- */

FIXTURE(tcp)
{
	struct nsnl s;
	struct conn c;
};

FIXTURE_VARIANT(tcp)
{
	int family;
	const char *addr;
};

FIXTURE_VARIANT_ADD(tcp, ipv4)
{
	.family = AF_INET,
	.addr = "127.0.0.1",
};

FIXTURE_VARIANT_ADD(tcp, ipv6)
{
	.family = AF_INET6,
	.addr = "::1",
};

FIXTURE_SETUP(tcp)
{
	int err;

	self->c.cli = -1;
	self->c.srv = -1;
	if (!tcp_netns_setup(_metadata, variant->family))
		return;
	err = nsnl_open(&self->s);
	if (err == -ENOENT)
		SKIP(return, "kernel without the netstats family");
	ASSERT_EQ(0, err);
	tcp_conn_setup(_metadata, variant->family, variant->addr, &self->c);
}

FIXTURE_TEARDOWN(tcp)
{
	close_conn(&self->c);
	nsnl_close(&self->s);
}

/* --- tests ----------------------------------------------------------- */

TEST_F(tcp, register_reply_layout)
{
	struct reg r, r2;
	int i;

	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r, true));
	EXPECT_EQ(C_MAX, r.n_counters);
	EXPECT_EQ(0, r.unknown_counters);
	for (i = 0; i < C_MAX; i++) {
		uint32_t restricted = r.flags[i] &
				      NETSTATS_COUNTER_FLAGS_RESTRICTED;

		EXPECT_EQ(ctr_desc[i].seq, !!restricted)
			TH_LOG("%s: flags %#x", ctr_desc[i].name, r.flags[i]);
	}
	EXPECT_EQ((uint32_t)sysconf(_SC_PAGESIZE), r.page_size);
	EXPECT_EQ(0ULL, r.map_offset % r.page_size);
	EXPECT_EQ(0ULL, r.map_size % r.page_size);
	EXPECT_EQ(0U, r.stride);
	EXPECT_EQ(1U, r.ncpus);
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&r));
	/* The map fd does not leak into exec()ed programs. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(r.map_fd, F_GETFD) & FD_CLOEXEC);

	/* A second registration of the same socket: another id, another
	 * range and another fd, the same counters.
	 */
	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r2, true));
	EXPECT_NE(r.id, r2.id);
	EXPECT_NE(r.map_offset, r2.map_offset);
	EXPECT_NE(r.map_fd, r2.map_fd);
	EXPECT_EQ(r.block_offset, r2.block_offset);
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	for (i = 0; i < C_MAX; i++)
		EXPECT_EQ(rd(&r, i), rd(&r2, i)) TH_LOG("%s", cname(i));
	EXPECT_EQ(rd_gen(&r), rd_gen(&r2));
	reg_unmap(&r);
	reg_unmap(&r2);
}

/* Known transfers both ways: both sockets' counters equal TCP_INFO,
 * and the sequence numbers of the two ends agree with each other and
 * with SIOCINQ / SIOCOUTQ.
 */
TEST_F(tcp, counters_match_tcp_info)
{
	int cli = self->c.cli, srv = self->c.srv, inq;
	struct reg rc, rs;
	struct vals mc, ms;

	ASSERT_EQ(0, reg_tcp(&self->s, cli, &rc, false));
	ASSERT_EQ(0, reg_tcp(&self->s, srv, &rs, false));

	/* Right after the handshake. */
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	check_vs_info(_metadata, "server", srv, &rs, &ms);

	ASSERT_EQ(0, pump(cli, srv, 1 << 20));
	ASSERT_EQ(0, pump(srv, cli, 100 << 10));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	check_vs_info(_metadata, "server", srv, &rs, &ms);
	EXPECT_CTR("server", &ms, C_BYTES_RECEIVED, 1 << 20);
	EXPECT_CTR("client", &mc, C_BYTES_RECEIVED, 100 << 10);

	/* Both ends agree; everything is acknowledged and read. */
	EXPECT_CTR("client", &mc, C_SND_NXT, ms.v[C_RCV_NXT]);
	EXPECT_CTR("server", &ms, C_SND_NXT, mc.v[C_RCV_NXT]);
	EXPECT_CTR("client", &mc, C_SND_UNA, mc.v[C_SND_NXT]);
	EXPECT_CTR("server", &ms, C_SND_UNA, ms.v[C_SND_NXT]);
	EXPECT_CTR("client", &mc, C_COPIED_SEQ, mc.v[C_RCV_NXT]);
	EXPECT_CTR("server", &ms, C_COPIED_SEQ, ms.v[C_RCV_NXT]);
	EXPECT_LE(0, (int32_t)(mc.v[C_RCV_NXT] - mc.v[C_RCV_WUP]));
	EXPECT_LE(0, (int32_t)(ms.v[C_RCV_NXT] - ms.v[C_RCV_WUP]));
	EXPECT_EQ(0, ioctl_int(cli, SIOCINQ));
	EXPECT_EQ(0, ioctl_int(cli, SIOCOUTQ));

	/* Unread data (no FIN): rcv_nxt - copied_seq == SIOCINQ. */
	ASSERT_EQ(0, send_unread(srv, 3000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	inq = ioctl_int(cli, SIOCINQ);
	EXPECT_EQ(3000, inq);
	EXPECT_EQ((uint32_t)inq, (uint32_t)(mc.v[C_RCV_NXT] - mc.v[C_COPIED_SEQ]));
	EXPECT_CTR("client", &mc, C_RCV_NXT,
		   (uint32_t)(ms.v[C_SND_NXT] + 3000));

	/* A partial read moves copied_seq only. */
	ASSERT_EQ(0, recv_exact(cli, 1000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	inq = ioctl_int(cli, SIOCINQ);
	EXPECT_EQ(2000, inq);
	EXPECT_EQ((uint32_t)inq, (uint32_t)(mc.v[C_RCV_NXT] - mc.v[C_COPIED_SEQ]));
	reg_unmap(&rc);
	reg_unmap(&rs);
}

/*
 * A receiver that does not read, with a small receive buffer: its
 * window closes, the sender keeps unsent data queued.  At quiescence
 * rcv_nxt - copied_seq == SIOCINQ on the receiver and snd_nxt - snd_una
 * == SIOCOUTQ - SIOCOUTQNSD on the sender, exactly.
 */
TEST_F(tcp, queues_match_ioctls_with_closed_window)
{
	int inq, inq2, outq, outq2, nsd, nsd2, i;
	struct vals mc, ms;
	struct reg rc, rs;
	struct conn c;
	size_t total = 0;

	ASSERT_EQ(0, make_conn(variant->family, variant->addr, 65536, 65536,
			       &c));
	ASSERT_EQ(0, reg_tcp(&self->s, c.cli, &rc, false));
	ASSERT_EQ(0, reg_tcp(&self->s, c.srv, &rs, false));

	/* Fill the path until the sender's buffer stays full. */
	while (total < (64u << 20)) {
		struct pollfd p = { .fd = c.cli, .events = POLLOUT };
		ssize_t n = send(c.cli, txbuf, sizeof(txbuf), MSG_DONTWAIT);

		if (n > 0) {
			total += n;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		if (poll(&p, 1, 300) == 0)
			break;
	}
	TH_LOG("%zu bytes queued", total);
	ASSERT_EQ(0, wait_quiet(c.cli, c.srv));

	for (i = 0; i < 100; i++) {
		inq = ioctl_int(c.srv, SIOCINQ);
		outq = ioctl_int(c.cli, SIOCOUTQ);
		nsd = ioctl_int(c.cli, SIOCOUTQNSD);
		rd_all(&rc, &mc);
		rd_all(&rs, &ms);
		inq2 = ioctl_int(c.srv, SIOCINQ);
		outq2 = ioctl_int(c.cli, SIOCOUTQ);
		nsd2 = ioctl_int(c.cli, SIOCOUTQNSD);
		if (inq == inq2 && outq == outq2 && nsd == nsd2)
			break;
		usleep(10000);
	}
	ASSERT_LT(i, 100);
	EXPECT_LT(0, inq);
	EXPECT_LT(0, nsd) TH_LOG("the sender's queue drained: window not full");
	EXPECT_LE(nsd, outq);
	EXPECT_EQ((uint32_t)inq, (uint32_t)(ms.v[C_RCV_NXT] - ms.v[C_COPIED_SEQ]))
		TH_LOG("receiver: rcv_nxt %llu copied_seq %llu SIOCINQ %d",
		       (unsigned long long)ms.v[C_RCV_NXT],
		       (unsigned long long)ms.v[C_COPIED_SEQ], inq);
	EXPECT_EQ((uint32_t)(outq - nsd),
		  (uint32_t)(mc.v[C_SND_NXT] - mc.v[C_SND_UNA]))
		TH_LOG("sender: snd_nxt %llu snd_una %llu SIOCOUTQ %d SIOCOUTQNSD %d",
		       (unsigned long long)mc.v[C_SND_NXT],
		       (unsigned long long)mc.v[C_SND_UNA], outq, nsd);
	/* What was sent arrived. */
	EXPECT_CTR("receiver", &ms, C_RCV_NXT, mc.v[C_SND_NXT]);

	check_vs_info(_metadata, "sender", c.cli, &rc, &mc);
	check_vs_info(_metadata, "receiver", c.srv, &rs, &ms);
	reg_unmap(&rc);
	reg_unmap(&rs);
	close_conn(&c);
}

/*
 * Data sent and not yet acknowledged, deterministically: in repair mode
 * (CAP_NET_ADMIN) data written to the send queue counts as sent without
 * being transmitted.  Then the retransmission delivers it and both ends
 * agree with TCP_INFO again.
 */
TEST_F(tcp, in_flight_matches_siocoutq)
{
	int cli = self->c.cli, srv = self->c.srv, one = 1, q = TCP_SEND_QUEUE;
	int outq, nsd, outq2, nsd2, off = TCP_REPAIR_OFF;
	struct vals mc, ms;
	struct reg rc, rs;

	ASSERT_EQ(0, reg_tcp(&self->s, cli, &rc, false));
	ASSERT_EQ(0, reg_tcp(&self->s, srv, &rs, false));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	if (setsockopt(cli, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)))
		SKIP(return, "TCP_REPAIR: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(cli, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q,
				sizeof(q)));
	ASSERT_EQ(1000, send(cli, txbuf, 1000, MSG_DONTWAIT));

	/* The retransmission timer (>= 200 ms) has not fired yet. */
	outq = ioctl_int(cli, SIOCOUTQ);
	nsd = ioctl_int(cli, SIOCOUTQNSD);
	rd_all(&rc, &mc);
	outq2 = ioctl_int(cli, SIOCOUTQ);
	nsd2 = ioctl_int(cli, SIOCOUTQNSD);
	ASSERT_EQ(outq, outq2);
	ASSERT_EQ(nsd, nsd2);
	EXPECT_EQ(1000, outq - nsd);
	EXPECT_EQ((uint32_t)(outq - nsd),
		  (uint32_t)(mc.v[C_SND_NXT] - mc.v[C_SND_UNA]))
		TH_LOG("snd_nxt %llu snd_una %llu SIOCOUTQ %d SIOCOUTQNSD %d",
		       (unsigned long long)mc.v[C_SND_NXT],
		       (unsigned long long)mc.v[C_SND_UNA], outq, nsd);

	ASSERT_EQ(0, setsockopt(cli, IPPROTO_TCP, TCP_REPAIR, &off,
				sizeof(off)));
	ASSERT_EQ(0, recv_exact(srv, 1000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	check_vs_info(_metadata, "server", srv, &rs, &ms);
	EXPECT_CTR("client", &mc, C_SND_UNA, mc.v[C_SND_NXT]);
	EXPECT_CTR("server", &ms, C_RCV_NXT, mc.v[C_SND_NXT]);
	reg_unmap(&rc);
	reg_unmap(&rs);
}

#if defined(__x86_64__)
#define NS_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NS_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NS_AUDIT_ARCH	AUDIT_ARCH_I386
#elif defined(__s390x__)
#define NS_AUDIT_ARCH	AUDIT_ARCH_S390X
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NS_AUDIT_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__riscv) && __riscv_xlen == 64
#define NS_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#endif

/* Shared by the test and its spinning reader; accessed with LOAD/STORE. */
struct spin_shm {
	int ready;	/* child: the filter is in place */
	int stop;	/* parent: give up */
	uint64_t initial;
	uint64_t seen;
};

/*
 * A reader under a seccomp filter that kills it on any syscall but
 * exit: it sees bytes_received grow while the parent sends.
 */
TEST_F(tcp, counters_move_without_syscalls)
{
#ifdef NS_AUDIT_ARCH
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NS_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter),
		.filter = filter,
	};
	struct spin_shm *shm;
	struct tcp_info ti;
	uint64_t end;
	pid_t pid;

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shm);
	memset(shm, 0, sizeof(*shm));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned long long n;
		uint64_t init, v;
		struct nsnl s;
		struct reg r;

		/* The mapping is not inherited: map it in the child. */
		if (nsnl_open(&s))
			_exit(10);
		if (reg_tcp(&s, self->c.srv, &r, false))
			_exit(11);
		init = rd(&r, C_BYTES_RECEIVED);
		STORE(shm->initial, init);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(12);
		if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			_exit(13);
		/* From here on, any syscall but exit kills us. */
		STORE(shm->ready, 1);
		for (n = 0; n < (1ULL << 36); n++) {
			v = rd(&r, C_BYTES_RECEIVED);
			if (v > init) {
				STORE(shm->seen, v);
				_exit(0);
			}
			if (LOAD(shm->stop))
				_exit(20);
		}
		_exit(21);
	}

	end = now_ms() + 10000;
	while (!LOAD(shm->ready) && now_ms() < end) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			TH_LOG("reader died before spinning: %s %d",
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
						   WTERMSIG(status));
			ASSERT_TRUE(false);
		}
		usleep(10000);
	}
	ASSERT_TRUE(LOAD(shm->ready)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	ASSERT_EQ(0, send_unread(self->c.cli, 5000));

	/* Give the spinner 10 s, then tell it to stop. */
	end = now_ms() + 10000;
	while (now_ms() < end) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFSIGNALED(status))
				TH_LOG("reader killed by signal %d (%s)%s",
				       WTERMSIG(status),
				       strsignal(WTERMSIG(status)),
				       WTERMSIG(status) == SIGSYS ?
				       ": it made a syscall" : "");
			ASSERT_TRUE(WIFEXITED(status));
			EXPECT_EQ(0, WEXITSTATUS(status))
				TH_LOG("reader exit code %d",
				       WEXITSTATUS(status));
			goto done;
		}
		usleep(10000);
	}
	STORE(shm->stop, 1);
	expect_exit0(_metadata, pid, 5000, "reader");
	ASSERT_TRUE(false) TH_LOG("the reader never saw the counter move");
done:
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(0, tcp_info_get(self->c.srv, &ti));
	EXPECT_LT(shm->initial, shm->seen);
	EXPECT_GE(ti.tcpi_bytes_received, shm->seen);
	EXPECT_EQ(ti.tcpi_bytes_received, shm->initial + 5000);
	munmap(shm, sizeof(*shm));
#else
	SKIP(return, "no seccomp audit arch for this architecture");
#endif
}

#define NREADERS 10

struct reader_res {
	int idx;
	int err;
	uint64_t bytes_received;
	int state;
};

static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Ten processes, each with its own netlink socket and mapping of one
 * socket: they all read what TCP_INFO says.
 */
TEST_F(tcp, ten_readers_agree)
{
	int ready[2], go[2], res[2], i, n;
	pid_t pids[NREADERS];
	struct tcp_info ti, ti2;
	struct vals m;
	struct reg r;
	char b;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));

	for (i = 0; i < NREADERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			struct reader_res rr = { .idx = i };
			struct nsnl s;
			struct reg cr;

			close(ready[0]);
			close(go[1]);
			close(res[0]);
			if (nsnl_open(&s))
				rr.err = 1;
			else if (reg_tcp(&s, self->c.srv, &cr, false))
				rr.err = 2;
			b = rr.err ? 'E' : 'R';
			if (write(ready[1], &b, 1) != 1)
				_exit(3);
			/* Wait for the parent's go (or its death). */
			if (!rr.err && read_full(go[0], &b, 1, 20000))
				_exit(4);
			if (!rr.err) {
				rr.bytes_received = rd(&cr, C_BYTES_RECEIVED);
				rr.state = rd_state(&cr);
			}
			if (write(res[1], &rr, sizeof(rr)) != sizeof(rr))
				_exit(5);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);

	for (i = 0; i < NREADERS; i++) {
		ASSERT_EQ(0, read_full(ready[0], &b, 1, 10000));
		EXPECT_EQ('R', b);
	}
	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r, false));

	ASSERT_EQ(0, pump(self->c.cli, self->c.srv, 300 << 10));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(0, tcp_info_get(self->c.srv, &ti));
	for (i = 0; i < NREADERS; i++)
		ASSERT_EQ(1, write(go[1], "g", 1));
	for (n = 0; n < NREADERS; n++) {
		struct reader_res rr;

		ASSERT_EQ(0, read_full(res[0], &rr, sizeof(rr), 10000));
		EXPECT_EQ(0, rr.err) TH_LOG("reader %d: error %d", rr.idx,
					    rr.err);
		EXPECT_EQ(NETSTATS_BLOCK_LIVE, rr.state);
		EXPECT_EQ(ti.tcpi_bytes_received, rr.bytes_received)
			TH_LOG("reader %d: bytes_received %llu, TCP_INFO %llu",
			       rr.idx, (unsigned long long)rr.bytes_received,
			       (unsigned long long)ti.tcpi_bytes_received);
	}
	/* Nothing moved meanwhile, and the test's own mapping agrees. */
	ASSERT_EQ(0, read_consistent(self->c.srv, &r, &ti2, &m));
	EXPECT_TRUE(info_same(&ti, &ti2));
	expect_info(_metadata, "server", &m, &ti2, false);
	EXPECT_CTR("server", &m, C_BYTES_RECEIVED, 300 << 10);
	for (i = 0; i < NREADERS; i++)
		expect_exit0(_metadata, pids[i], 10000, "reader");
	close(ready[0]);
	close(go[1]);
	close(res[0]);
	reg_unmap(&r);
}

/* Wait up to 5 s for OBJECT_DEAD of registration @id on @mon. */

/*
 * Destroy the server socket with close() and check the snapshot.
 * @unread: leave 1000 received bytes unread, so close() aborts with a
 * RST and destroys the socket at once (counted in segs_out); else an
 * SO_LINGER {1, 0} close() with nothing unread, which goes through
 * tcp_disconnect().
 */
static void check_destroy(struct __test_metadata *_metadata, struct nsnl *s,
			  struct conn *c, bool unread)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cli = c->cli, srv = c->srv, inq;
	struct vals last, fin, again;
	struct tcp_info ti;
	struct nsnl mon;
	uint32_t gen;
	struct reg r;
	int i;

	ASSERT_EQ(0, reg_tcp(s, srv, &r, false));
	ASSERT_EQ(0, pump(cli, srv, 50000));
	ASSERT_EQ(0, pump(srv, cli, 20000));
	if (unread)
		ASSERT_EQ(0, send_unread(cli, 1000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, read_consistent(srv, &r, &ti, &last));
	expect_info(_metadata, "server", &last, &ti, false);
	inq = ioctl_int(srv, SIOCINQ);
	EXPECT_EQ(unread ? 1000 : 0, inq);
	gen = rd_gen(&r);
	ASSERT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&r));

	ASSERT_EQ(0, nsnl_open(&mon));
	ASSERT_NE(0U, mon.monitor_grp);
	ASSERT_EQ(0, setsockopt(mnl_socket_get_fd(mon.nl), SOL_NETLINK,
				NETLINK_ADD_MEMBERSHIP, &mon.monitor_grp,
				sizeof(mon.monitor_grp)));

	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, close(srv));
	c->srv = -1;

	ASSERT_EQ(0, wait_dead(&r)) TH_LOG("still LIVE 5 s after close()");
	EXPECT_NE(gen, rd_gen(&r));
	rd_all(&r, &fin);
	/* The final values: nothing lost, nothing zeroed.  close() sent one
	 * RST after the last TCP_INFO; in the SO_LINGER case it depends on
	 * where the values are frozen whether it counts.
	 */
	expect_info(_metadata, "dead server", &fin, &ti, true);
	if (unread) {
		EXPECT_CTR("dead server", &fin, C_SEGS_OUT,
			   ti.tcpi_segs_out + 1);
	} else {
		EXPECT_TRUE(fin.v[C_SEGS_OUT] == ti.tcpi_segs_out ||
			    fin.v[C_SEGS_OUT] == ti.tcpi_segs_out + 1)
			TH_LOG("dead server segs_out: mapped %llu, TCP_INFO %u",
			       (unsigned long long)fin.v[C_SEGS_OUT],
			       ti.tcpi_segs_out);
	}
	EXPECT_CTR("dead server", &fin, C_RCV_NXT, last.v[C_RCV_NXT]);
	EXPECT_CTR("dead server", &fin, C_COPIED_SEQ, last.v[C_COPIED_SEQ]);
	EXPECT_CTR("dead server", &fin, C_SND_NXT, last.v[C_SND_NXT]);
	EXPECT_CTR("dead server", &fin, C_SND_UNA, last.v[C_SND_UNA]);
	EXPECT_EQ((uint32_t)inq,
		  (uint32_t)(fin.v[C_RCV_NXT] - fin.v[C_COPIED_SEQ]));

	EXPECT_EQ(0, nsnl_wait_dead(&mon, r.id, "tcp"))
		TH_LOG("no OBJECT_DEAD for registration %u", r.id);
	nsnl_close(&mon);

	/* Frozen: the peer's traffic cannot reach a destroyed socket. */
	send(cli, txbuf, 100, MSG_DONTWAIT | MSG_NOSIGNAL);
	usleep(100000);
	rd_all(&r, &again);
	for (i = 0; i < C_MAX; i++)
		EXPECT_EQ(fin.v[i], again.v[i]) TH_LOG("%s", cname(i));
	EXPECT_EQ(NETSTATS_BLOCK_DEAD, rd_state(&r));

	/* A dead registration is still unregistered normally. */
	EXPECT_EQ(0, unreg(s, r.id));
	reg_unmap(&r);
}

TEST_F(tcp, destroy_with_unread_data_keeps_final_values)
{
	check_destroy(_metadata, &self->s, &self->c, true);
}

TEST_F(tcp, destroy_linger0_keeps_final_values)
{
	check_destroy(_metadata, &self->s, &self->c, false);
}

/* connect(AF_UNSPEC) zeroes the counters: a new generation, values as
 * TCP_INFO; the socket then reconnects and the same mapping follows it.
 */
TEST_F(tcp, disconnect_restarts_counters)
{
	struct sockaddr_storage ss, unspec = { .ss_family = AF_UNSPEC };
	int cli = self->c.cli, lfd, srv2;
	struct reg rc, rs2;
	struct vals mc, ms;
	uint32_t gen, gen1;
	struct tcp_info ti;
	socklen_t len;

	ASSERT_EQ(0, reg_tcp(&self->s, cli, &rc, false));
	ASSERT_EQ(0, pump(cli, self->c.srv, 40000));
	ASSERT_EQ(0, pump(self->c.srv, cli, 10000));
	ASSERT_EQ(0, wait_quiet(cli, self->c.srv));
	check_vs_info(_metadata, "client", cli, &rc, &mc);
	EXPECT_CTR("client", &mc, C_BYTES_RECEIVED, 10000);
	gen = rd_gen(&rc);

	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&unspec, sizeof(unspec)));
	gen1 = rd_gen(&rc);
	EXPECT_NE(gen, gen1);
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&rc));
	ASSERT_EQ(0, read_consistent(cli, &rc, &ti, &mc));
	expect_info(_metadata, "disconnected client", &mc, &ti, false);
	EXPECT_EQ(0ULL, ti.tcpi_bytes_received);
	EXPECT_EQ(0ULL, ti.tcpi_bytes_acked);
	EXPECT_EQ(0U, ti.tcpi_segs_out);
	EXPECT_CTR("disconnected client", &mc, C_COPIED_SEQ, mc.v[C_RCV_NXT]);

	/* Reuse the socket. */
	lfd = listener(variant->family, variant->addr, 0, &ss, &len);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&ss, len));
	srv2 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv2);
	close(lfd);
	ASSERT_EQ(0, reg_tcp(&self->s, srv2, &rs2, false));
	ASSERT_EQ(0, pump(cli, srv2, 30000));
	ASSERT_EQ(0, pump(srv2, cli, 7000));
	ASSERT_EQ(0, wait_quiet(cli, srv2));
	check_vs_info(_metadata, "reconnected client", cli, &rc, &mc);
	check_vs_info(_metadata, "new server", srv2, &rs2, &ms);
	EXPECT_EQ(gen1, rd_gen(&rc));
	EXPECT_CTR("reconnected client", &mc, C_BYTES_RECEIVED, 7000);
	EXPECT_CTR("reconnected client", &mc, C_SND_NXT, ms.v[C_RCV_NXT]);
	EXPECT_CTR("reconnected client", &mc, C_RCV_NXT, ms.v[C_SND_NXT]);
	EXPECT_CTR("reconnected client", &mc, C_SND_UNA, mc.v[C_SND_NXT]);
	EXPECT_CTR("reconnected client", &mc, C_COPIED_SEQ, mc.v[C_RCV_NXT]);
	close(srv2);
	reg_unmap(&rc);
	reg_unmap(&rs2);
}

#define VM_READV_CONTROL	0x6e65747374617473ULL

/* process_vm_readv() of another process's mapping fails (no GUP on
 * VM_IO | VM_PFNMAP) while its ordinary memory reads fine.
 */
static void check_vm_readv(struct __test_metadata *_metadata, pid_t pid,
			   uint64_t mapped, uint64_t control)
{
	struct iovec local, remote;
	uint64_t v = 0;

	local.iov_base = &v;
	local.iov_len = sizeof(v);
	remote.iov_base = (void *)(uintptr_t)control;
	remote.iov_len = sizeof(v);
	EXPECT_EQ((ssize_t)sizeof(v),
		  process_vm_readv(pid, &local, 1, &remote, 1, 0))
		TH_LOG("control read: %s", strerror(errno));
	EXPECT_EQ(VM_READV_CONTROL, v);
	remote.iov_base = (void *)(uintptr_t)mapped;
	EXPECT_EQ(-1, process_vm_readv(pid, &local, 1, &remote, 1, 0));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s", strerror(errno));
}

/* The mapping is read-only for good, not inherited, not pinnable. */
TEST_F(tcp, mapping_is_locked_down)
{
	int p2c[2], c2p[2];
	uint64_t addrs[2];
	struct reg r;
	void *p;
	pid_t pid;

	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r, true));

	p = mmap(NULL, r.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 r.map_fd, r.map_offset);
	EXPECT_EQ(MAP_FAILED, p);
	/* The map file is O_RDONLY: mmap() itself refuses (EACCES). */
	EXPECT_TRUE(errno == EACCES || errno == EPERM) TH_LOG("%s",
							      strerror(errno));
	p = mmap(NULL, r.map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 r.map_fd, r.map_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno) TH_LOG("%s", strerror(errno));
	p = mmap(NULL, r.map_size, PROT_READ | PROT_EXEC, MAP_SHARED,
		 r.map_fd, r.map_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno) TH_LOG("%s", strerror(errno));

	EXPECT_EQ(-1, mprotect((void *)r.base, r.map_size,
			       PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect((void *)r.base, r.map_size,
			       PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* VM_IO: fork() inheritance cannot be turned back on. */
	EXPECT_EQ(-1, madvise((void *)r.base, r.map_size, MADV_DOFORK));
	p = mremap((void *)r.base, r.map_size, 2 * r.map_size, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		r.base = p;
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&r));

	/* Not inherited (VM_DONTCOPY): the child faults on the address. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		rd_state(&r);
		_exit(0);
	}
	expect_killed_by(_metadata, pid, SIGSEGV, "forked child");

	/* No GUP (VM_IO | VM_PFNMAP): process_vm_readv() of another
	 * process's mapping fails while a normal variable reads fine.
	 */
	ASSERT_EQ(0, pipe(p2c));
	ASSERT_EQ(0, pipe(c2p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static uint64_t control = VM_READV_CONTROL;
		uint64_t a[2];
		struct nsnl s;
		struct reg cr;
		char b;

		close(p2c[1]);
		close(c2p[0]);
		if (nsnl_open(&s) || reg_tcp(&s, self->c.srv, &cr, false))
			_exit(2);
		if (rd_state(&cr) != NETSTATS_BLOCK_LIVE)
			_exit(3);
		a[0] = (uintptr_t)(cr.base + cr.block_offset);
		a[1] = (uintptr_t)&control;
		if (write(c2p[1], a, sizeof(a)) != sizeof(a))
			_exit(4);
		/* Stay alive until the parent is done. */
		if (read_full(p2c[0], &b, 1, 20000))
			_exit(5);
		_exit(0);
	}
	close(p2c[0]);
	close(c2p[1]);
	ASSERT_EQ(0, read_full(c2p[0], addrs, sizeof(addrs), 10000));
	check_vm_readv(_metadata, pid, addrs[0], addrs[1]);
	ASSERT_EQ(1, write(p2c[1], "x", 1));
	expect_exit0(_metadata, pid, 10000, "mapped child");
	close(p2c[1]);
	close(c2p[0]);
	reg_unmap(&r);
}

static int put_sock_fd(struct nlmsghdr *nlh, int32_t fd)
{
	nsnl_put_sock_fd(nlh, fd);
	return 0;
}

static struct nlmsghdr *put_fd_msg(struct nsnl *s, int fd, struct reg *r)
{
	struct nlmsghdr *nlh = reg_msg(s, r);

	put_sock_fd(nlh, fd);
	return nlh;
}

static int register_fd(struct nsnl *s, int fd)
{
	struct nlmsghdr *nlh;
	struct reg r;
	int err;

	reg_init(&r);
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	put_sock_fd(nlh, fd);
	err = reg_talk(s, nlh, &r);
	if (r.map_fd >= 0)
		close(r.map_fd);
	return err;
}

TEST_F(tcp, register_errors)
{
	struct nsnl *s = &self->s;
	struct sockaddr_storage ss;
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	uint64_t cookie = 1;
	int fd, lfd;
	socklen_t len;
	struct vals m;
	struct reg r;

	/* No socket named. */
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_REGISTRATION_SOCK, s->miss_type);
	EXPECT_NE(0, s->extack[0]);

	/* A sock nest naming nothing. */
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_SOCK_FD, s->miss_type);
	EXPECT_EQ((char *)nest - (char *)nlh, s->miss_nest);

	/* A cookie without the addresses and ports to look it up by. */
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "tcp");
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, cookie);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_SOCK_SRC, s->miss_type);
	EXPECT_NE(0, s->extack[0]);

	/* Not a socket. */
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTSOCK, register_fd(s, fd));
	EXPECT_NE(0, s->extack[0]);
	close(fd);

	/* Not an fd at all; a negative one is out of the attribute's
	 * range: the policy refuses it, pointing at it.
	 */
	EXPECT_EQ(-EBADF, register_fd(s, 100000));
	EXPECT_NE(0, s->extack[0]);
	EXPECT_EQ(-ERANGE, register_fd(s, -1));
	EXPECT_EQ(NETSTATS_A_SOCK_FD, s->bad_type);
	EXPECT_NE(0, s->extack[0]);

	/* Sockets that are not TCP. */
	fd = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPROTOTYPE, register_fd(s, fd));
	EXPECT_STREQ("not a TCP socket", s->extack);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPROTOTYPE, register_fd(s, fd));
	EXPECT_NE(0, s->extack[0]);
	close(fd);
	EXPECT_EQ(-EPROTOTYPE, register_fd(s, mnl_socket_get_fd(s->nl)));
	EXPECT_NE(0, s->extack[0]);

	/* Nothing of the above left anything behind: TCP sockets in any
	 * state register, the unconnected and the listening one too.
	 */
	fd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, reg_tcp(s, fd, &r, false));
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&r));
	EXPECT_EQ(0ULL, rd(&r, C_BYTES_RECEIVED));
	reg_unmap(&r);
	close(fd);
	lfd = listener(variant->family, variant->addr, 0, &ss, &len);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, reg_tcp(s, lfd, &r, false));
	reg_unmap(&r);
	close(lfd);
	ASSERT_EQ(0, reg_tcp(s, self->c.srv, &r, false));
	check_vs_info(_metadata, "server", self->c.srv, &r, &m);
	reg_unmap(&r);
}

/* A TCP socket of another netns cannot be registered. */
TEST_F(tcp, register_other_netns)
{
	struct sock_id id;
	struct nsnl s2;
	struct reg r;

	ASSERT_EQ(0, sock_id_get(self->c.srv, &id));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, nsnl_open(&s2));
	EXPECT_EQ(-EINVAL, register_fd(&s2, self->c.srv));
	EXPECT_STREQ("socket is in another network namespace", s2.extack);
	/* By identity, it is not even found. */
	EXPECT_EQ(-ENOENT, reg_cookie(&s2, &id, &r, true));
	nsnl_close(&s2);
}

/*
 * Another user without CAP_NET_ADMIN, given our socket's fd or naming it
 * by cookie as a monitor does, gets the counters and not the sequence
 * numbers: they are not in the reply and not in the one page it maps.
 */
TEST_F(tcp, register_other_user)
{
	struct sock_id id;
	pid_t pid;

	ASSERT_EQ(0, pump(self->c.cli, self->c.srv, 100000));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(0, sock_id_get(self->c.srv, &id));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct reg by_fd, by_cookie;
		struct tcp_info ti;
		struct nsnl s;
		struct vals m;
		int i, step;

		step = nsnl_open_as(&s, 65534);
		if (step)
			_exit(1 + step);
		if (reg_tcp(&s, self->c.srv, &by_fd, false) != -EPROTO ||
		    by_fd.n_counters != C_MAX - 5)
			_exit(4);	/* "full" layout expected, refused */
		if (reg_map(&s, put_fd_msg(&s, self->c.srv, &by_fd), &by_fd,
			    false, false))
			_exit(5);
		if (reg_cookie(&s, &id, &by_cookie, false))
			_exit(6);
		if (by_fd.map_size != by_fd.page_size ||
		    by_cookie.map_size != by_cookie.page_size ||
		    by_fd.block_offset != by_cookie.block_offset)
			_exit(7);
		if (read_consistent(self->c.srv, &by_cookie, &ti, &m) ||
		    m.v[C_BYTES_RECEIVED] != ti.tcpi_bytes_received ||
		    m.v[C_BYTES_RECEIVED] != 100000 ||
		    m.v[C_SEGS_IN] != ti.tcpi_segs_in ||
		    m.v[C_SEGS_OUT] != ti.tcpi_segs_out ||
		    m.v[C_BYTES_ACKED] != ti.tcpi_bytes_acked)
			_exit(8);
		for (i = 0; i < C_MAX; i++)
			if (rd(&by_fd, i) != rd(&by_cookie, i))
				_exit(9);
		_exit(0);
	}
	expect_exit0(_metadata, pid, 10000, "uid 65534");
}

/*
 * A monitor names a socket by cookie, addresses and ports, as inet_diag
 * looks sockets up: the same slot as the owner's registration, with the
 * sequence numbers for CAP_NET_ADMIN (we are root).
 */
TEST_F(tcp, register_by_cookie)
{
	struct reg by_fd, by_cookie, mapped;
	struct sock_id id;
	struct nlmsghdr *nlh;
	struct vals m;
	int i;

	ASSERT_EQ(0, pump(self->c.cli, self->c.srv, 200000));
	ASSERT_EQ(0, pump(self->c.srv, self->c.cli, 3000));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	ASSERT_EQ(0, sock_id_get(self->c.cli, &id));
	ASSERT_EQ(0, reg_cookie(&self->s, &id, &by_cookie, true))
		TH_LOG("%s", self->s.extack);
	EXPECT_EQ(2 * by_cookie.page_size, by_cookie.map_size);
	check_vs_info(_metadata, "client by cookie", self->c.cli, &by_cookie,
		      &m);
	EXPECT_CTR("client by cookie", &m, C_BYTES_RECEIVED, 3000);
	/* What the peer acknowledged: the data and the SYN. */
	EXPECT_CTR("client by cookie", &m, C_BYTES_ACKED, 200000 + 1);
	ASSERT_EQ(0, reg_tcp(&self->s, self->c.cli, &by_fd, false));
	EXPECT_EQ(by_fd.block_offset, by_cookie.block_offset);
	for (i = 0; i < C_MAX; i++)
		EXPECT_EQ(rd(&by_fd, i), rd(&by_cookie, i)) TH_LOG("%s", cname(i));

	/* An IPv4 socket named by v4-mapped addresses is the same socket. */
	if (variant->family == AF_INET) {
		nlh = reg_msg(&self->s, &mapped);
		put_sock_id(nlh, &id, true);
		ASSERT_EQ(0, reg_map(&self->s, nlh, &mapped, false, true))
			TH_LOG("%s", self->s.extack);
		EXPECT_EQ(by_cookie.block_offset, mapped.block_offset);
		EXPECT_EQ(rd(&by_cookie, C_SND_NXT), rd(&mapped, C_SND_NXT));
		reg_unmap(&mapped);
	}

	/* Its counters move in both mappings. */
	ASSERT_EQ(0, pump(self->c.cli, self->c.srv, 5000));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	check_vs_info(_metadata, "client by cookie", self->c.cli, &by_cookie,
		      &m);
	EXPECT_CTR("client by cookie", &m, C_BYTES_ACKED, 205000 + 1);
	EXPECT_EQ(rd(&by_fd, C_SND_UNA), rd(&by_cookie, C_SND_UNA));

	/* Closed: DEAD in both, with the same final values. */
	close(self->c.cli);
	self->c.cli = -1;
	ASSERT_EQ(0, wait_dead(&by_cookie));
	ASSERT_EQ(0, wait_dead(&by_fd));
	for (i = 0; i < C_MAX; i++)
		EXPECT_EQ(rd(&by_fd, i), rd(&by_cookie, i)) TH_LOG("%s", cname(i));
	reg_unmap(&by_fd);
	reg_unmap(&by_cookie);
}

/* Wrong cookies, wrong addresses, odd lengths, a TIME_WAIT socket. */
TEST_F(tcp, register_by_cookie_errors)
{
	struct nsnl *s = &self->s;
	struct sockaddr_in6 *sin6;
	struct sockaddr_in *sin;
	struct sock_id id, bad;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct reg r;

	ASSERT_EQ(0, sock_id_get(self->c.cli, &id));

	bad = id;
	bad.cookie++;
	EXPECT_EQ(-ENOENT, reg_cookie(s, &bad, &r, true));
	EXPECT_STREQ("no TCP socket with this cookie and addresses", s->extack);

	bad = id;
	sin = (void *)&bad.remote;
	sin6 = (void *)&bad.remote;
	if (variant->family == AF_INET)
		sin->sin_port = htons(ntohs(sin->sin_port) + 1);
	else
		sin6->sin6_port = htons(ntohs(sin6->sin6_port) + 1);
	EXPECT_EQ(-ENOENT, reg_cookie(s, &bad, &r, true));
	EXPECT_NE(0, s->extack[0]);

	/* A 4-byte address (the policy wants 16); addresses of two
	 * families; no ports.
	 */
	nlh = reg_msg(s, &r);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, id.cookie);
	mnl_attr_put(nlh, NETSTATS_A_SOCK_SRC, 4, "\x7f\0\0\1");
	mnl_attr_put(nlh, NETSTATS_A_SOCK_DST, 16, &in6addr_loopback);
	mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_SPORT, 1);
	mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_DPORT, 1);
	mnl_attr_nest_end(nlh, nest);
	/* The policy's exact length: a binary length out of range. */
	EXPECT_EQ(-ERANGE, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_SOCK_SRC, s->bad_type);
	nlh = reg_msg(s, &r);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, id.cookie);
	mnl_attr_put(nlh, NETSTATS_A_SOCK_SRC, 16, &in6addr_loopback);
	mnl_attr_put(nlh, NETSTATS_A_SOCK_DST, 16,
		     "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\1");
	mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_SPORT, 1);
	mnl_attr_put_u16(nlh, NETSTATS_A_SOCK_DPORT, 1);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_STREQ("addresses of different families", s->extack);
	EXPECT_EQ(NETSTATS_A_SOCK_DST, s->bad_type);
	nlh = reg_msg(s, &r);
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_SOCK);
	mnl_attr_put_u64(nlh, NETSTATS_A_SOCK_COOKIE, id.cookie);
	mnl_attr_put(nlh, NETSTATS_A_SOCK_SRC, 16, &in6addr_loopback);
	mnl_attr_put(nlh, NETSTATS_A_SOCK_DST, 16, &in6addr_loopback);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, nsnl_talk(s, nlh, NULL, NULL));
	EXPECT_EQ(NETSTATS_A_SOCK_SPORT, s->miss_type);

	/* The client closes first and leaves a TIME_WAIT socket with the
	 * same cookie and addresses: it has nothing to map.
	 */
	close(self->c.cli);
	self->c.cli = -1;
	ASSERT_EQ(0, recv(self->c.srv, rxbuf, 1, 0));
	close(self->c.srv);
	self->c.srv = -1;
	usleep(100000);
	EXPECT_EQ(-ENOENT, reg_cookie(s, &id, &r, true));
	EXPECT_STREQ("request and timewait sockets have no counters to map",
		     s->extack);
}

/* A child that maps a registration, then makes it go away with @how,
 * then touches it: SIGBUS.
 */
static pid_t touch_after(int sock_fd, int how)
{
	pid_t pid = fork();
	struct nsnl s;
	struct reg r;

	if (pid)
		return pid;
	if (nsnl_open(&s) || reg_tcp(&s, sock_fd, &r, false))
		_exit(2);
	if (rd_state(&r) != NETSTATS_BLOCK_LIVE)
		_exit(3);
	if (how == 0 && unreg(&s, r.id))
		_exit(4);
	if (how == 1)
		nsnl_close(&s);
	rd_state(&r);
	_exit(0);
}

TEST_F(tcp, unregister)
{
	struct reg r, r2, r3;
	struct nsnl s2;
	struct vals m;

	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r, false));
	ASSERT_EQ(0, unreg(&self->s, r.id));
	/* r's range is gone: touching it would SIGBUS. */
	EXPECT_EQ(-ENOENT, unreg(&self->s, r.id));
	EXPECT_NE(0, self->s.extack[0]);
	reg_unmap(&r);

	/* Ids belong to their netlink socket: UNREGISTER of another
	 * socket's id does not touch it.
	 */
	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &r, false));
	ASSERT_EQ(0, nsnl_open(&s2));
	ASSERT_EQ(0, reg_tcp(&s2, self->c.srv, &r2, false));
	ASSERT_EQ(0, reg_tcp(&s2, self->c.cli, &r3, false));
	if (r3.id != r.id) {
		EXPECT_EQ(-ENOENT, unreg(&self->s, r3.id));
		EXPECT_NE(0, self->s.extack[0]);
	}
	if (r2.id != r.id)
		EXPECT_EQ(-ENOENT, unreg(&self->s, r2.id));
	EXPECT_EQ(-ENOENT, unreg(&s2, r2.id + r3.id + r.id + 1));
	EXPECT_EQ(0, unreg(&s2, r2.id));
	EXPECT_EQ(0, unreg(&s2, r3.id));
	reg_unmap(&r2);
	reg_unmap(&r3);
	nsnl_close(&s2);
	check_vs_info(_metadata, "server", self->c.srv, &r, &m);

	expect_killed_by(_metadata, touch_after(self->c.srv, 0), SIGBUS,
			 "touch after UNREGISTER");
	expect_killed_by(_metadata, touch_after(self->c.srv, 1), SIGBUS,
			 "touch after closing the netlink socket");
	check_vs_info(_metadata, "server", self->c.srv, &r, &m);
	reg_unmap(&r);
}

/* Closing a netlink socket drops its registrations; nothing else is
 * disturbed, and the socket's death later finds only the survivors.
 */
TEST_F(tcp, cleanup_on_netlink_close)
{
	struct reg r[4], keep;
	struct vals m, fin;
	struct nsnl s2;
	int i, n;

	for (n = 0; n < 20; n++) {
		ASSERT_EQ(0, nsnl_open(&s2));
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, reg_tcp(&s2, i & 1 ? self->c.srv :
					     self->c.cli, &r[i], false));
		/* Half unmapped before the close, half after. */
		reg_unmap(&r[0]);
		reg_unmap(&r[1]);
		nsnl_close(&s2);
		reg_unmap(&r[2]);
		reg_unmap(&r[3]);
	}

	ASSERT_EQ(0, reg_tcp(&self->s, self->c.srv, &keep, false));
	ASSERT_EQ(0, pump(self->c.cli, self->c.srv, 20000));
	/* Left unread: close() then aborts and destroys the socket at once. */
	ASSERT_EQ(0, send_unread(self->c.cli, 10));
	ASSERT_EQ(0, wait_quiet(self->c.cli, self->c.srv));
	check_vs_info(_metadata, "server", self->c.srv, &keep, &m);

	/* A closed netlink socket's registration, still mapped, of a socket
	 * that then dies: the reaper only sees our own.
	 */
	ASSERT_EQ(0, nsnl_open(&s2));
	ASSERT_EQ(0, reg_tcp(&s2, self->c.srv, &r[0], false));
	nsnl_close(&s2);
	ASSERT_EQ(0, close(self->c.srv));
	self->c.srv = -1;
	ASSERT_EQ(0, wait_dead(&keep)) TH_LOG("still LIVE 5 s after close()");
	rd_all(&keep, &fin);
	EXPECT_CTR("dead server", &fin, C_BYTES_RECEIVED,
		   m.v[C_BYTES_RECEIVED]);
	EXPECT_CTR("dead server", &fin, C_RCV_NXT, m.v[C_RCV_NXT]);
	reg_unmap(&r[0]);
	reg_unmap(&keep);

	/* And the family still works. */
	ASSERT_EQ(0, reg_tcp(&self->s, self->c.cli, &keep, false));
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&keep));
	reg_unmap(&keep);
}

/* --- selected counters ------------------------------------------------ */

/* REGISTER @fd with the counters @names (NULL-terminated) and map it. */
static int reg_sel(struct nsnl *s, int fd, const char *const *names,
		   struct reg *r)
{
	struct nlmsghdr *nlh = reg_msg(s, r);
	struct nlattr *nest;
	void *p;
	int err;

	nsnl_put_sock_fd(nlh, fd);
	for (; *names; names++) {
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, *names);
		mnl_attr_nest_end(nlh, nest);
	}
	err = reg_talk(s, nlh, r);
	if (err)
		return err;
	p = mmap(NULL, r->map_size, PROT_READ, MAP_SHARED, r->map_fd,
		 r->map_offset);
	close(r->map_fd);
	r->map_fd = -1;
	if (p == MAP_FAILED)
		return -errno;
	r->base = p;
	return 0;
}

static int ctr_by_name(const char *name)
{
	int i;

	for (i = 0; i < C_MAX; i++)
		if (!strcmp(name, ctr_desc[i].name))
			return i;
	return -1;
}

/*
 * The reply lists exactly @names, each a u64 cell of a row: a block
 * header then cells, 8-byte aligned, within one 64-byte line of the
 * row's header.  Returns the bytes from @r's block header to the end of
 * its last cell in the header's line, for the size of a one-row
 * selection.
 */
static unsigned int expect_rows(struct __test_metadata *_metadata,
				const struct reg *r, const char *const *names)
{
	unsigned int n = 0, end = 0;
	int c;

	EXPECT_EQ(0U, r->block_offset % 8);
	for (; *names; names++, n++) {
		c = ctr_by_name(*names);
		ASSERT_LE(0, c);
		ASSERT_LE(0, r->off[c]) TH_LOG("%s not in the reply", *names);
		EXPECT_EQ((uint32_t)NETSTATS_COUNTER_TYPE_U64, r->type[c]);
		EXPECT_EQ(0, r->off[c] % 8);
		EXPECT_GE((uint64_t)r->map_size, (uint64_t)r->off[c] + 8);
		if (r->off[c] / 64 == r->block_offset / 64 &&
		    r->off[c] > r->block_offset)
			end = end > r->off[c] + 8 - r->block_offset ?
			      end : r->off[c] + 8 - r->block_offset;
	}
	EXPECT_EQ((int)n, r->n_counters);
	EXPECT_EQ(0, r->unknown_counters);
	return end;
}

/* The "netstats" group's row_bytes (all rows of all netns), every 10 ms. */
struct self_rows {
	struct nsnl s;
	struct nsnl_reply r;
	const uint8_t *base;
};

static int self_rows_open(struct self_rows *sr)
{
	struct nlmsghdr *nlh;
	void *p;
	int err;

	memset(sr, 0, sizeof(*sr));
	err = nsnl_open(&sr->s);
	if (err)
		return err;
	sr->r.map_fd = -1;
	sr->r.want[0] = "row_bytes";
	nlh = nsnl_msg(&sr->s, sr->s.family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, "netstats");
	nsnl_put_option(nlh, "period-ms", 10);
	err = nsnl_talk(&sr->s, nlh, nsnl_reply_cb, &sr->r);
	if (err)
		return err;
	if (!sr->r.want_off[0])
		return -ENOENT;
	p = mmap(NULL, sr->r.size, PROT_READ, MAP_SHARED, sr->r.map_fd,
		 sr->r.off);
	close(sr->r.map_fd);
	if (p == MAP_FAILED)
		return -errno;
	sr->base = p;
	return 0;
}

/* row_bytes of an update begun after this call (two updates later). */
static uint64_t self_rows_read(const struct self_rows *sr)
{
	const struct netstats_derived_hdr *h = (const void *)sr->base;
	uint32_t seq0 = LOAD(h->seq), seq;
	uint64_t v;
	int i;

	for (i = 0; i < 300 && (uint32_t)(LOAD(h->seq) - seq0) < 4; i++)
		usleep(5000);
	for (;;) {
		seq = LOAD(h->seq);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v = LOAD(*(const uint64_t *)(sr->base + sr->r.want_off[0]));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == LOAD(h->seq))
			return v;
	}
}

/* row_bytes once the rows of earlier tests' sockets are reaped. */
static uint64_t self_rows_settled(const struct self_rows *sr)
{
	uint64_t v = self_rows_read(sr), w;
	int i;

	for (i = 0; i < 40; i++) {
		usleep(20000);
		w = self_rows_read(sr);
		if (w == v)
			return v;
		v = w;
	}
	return v;
}

static void self_rows_close(struct self_rows *sr)
{
	if (sr->base)
		munmap((void *)sr->base, sr->r.size);
	nsnl_close(&sr->s);
}

/*
 * Two counters selected: the reply lists those two, in a 24-byte row
 * (header + 2 cells) of one 64-byte line; their values equal TCP_INFO
 * at quiescence, and the other counters are nowhere in the reply.
 */
TEST_F(tcp, select_two_counters_row)
{
	static const char *const sel[] = { "bytes_sent", "bytes_received", NULL };
	int cli = self->c.cli, srv = self->c.srv, i;
	struct tcp_info ti;
	struct vals m;
	struct reg r;

	ASSERT_EQ(0, reg_sel(&self->s, srv, sel, &r))
		TH_LOG("REGISTER with a selection: %s", self->s.extack);
	EXPECT_EQ(24U, expect_rows(_metadata, &r, sel));
	EXPECT_EQ(NETSTATS_BLOCK_LIVE, rd_state(&r));
	for (i = 0; i < C_MAX; i++)
		if (i != C_BYTES_SENT && i != C_BYTES_RECEIVED)
			EXPECT_EQ(-1, r.off[i]) TH_LOG("%s listed", cname(i));

	ASSERT_EQ(0, pump(cli, srv, 300000));
	ASSERT_EQ(0, pump(srv, cli, 70000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, read_consistent(srv, &r, &ti, &m));
	EXPECT_CTR("server", &m, C_BYTES_RECEIVED, ti.tcpi_bytes_received);
	EXPECT_CTR("server", &m, C_BYTES_SENT, ti.tcpi_bytes_sent);
	EXPECT_CTR("server", &m, C_BYTES_RECEIVED, 300000);
	EXPECT_CTR("server", &m, C_BYTES_SENT, 70000);
	reg_unmap(&r);
}

/*
 * Every public counter selected: more than a 64-byte line holds, so two
 * rows; each cell still in its row's line, values == TCP_INFO.
 */
TEST_F(tcp, select_all_public_counters)
{
	static const char *const sel[] = {
		"bytes_received", "bytes_sent", "bytes_acked", "segs_in",
		"data_segs_in", "segs_out", "data_segs_out", "dsack_dups", NULL
	};
	int cli = self->c.cli, srv = self->c.srv;
	struct tcp_info ti;
	struct vals m;
	struct reg r;

	ASSERT_EQ(0, reg_sel(&self->s, srv, sel, &r))
		TH_LOG("REGISTER with a selection: %s", self->s.extack);
	expect_rows(_metadata, &r, sel);
	ASSERT_EQ(0, pump(cli, srv, 200000));
	ASSERT_EQ(0, pump(srv, cli, 50000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, read_consistent(srv, &r, &ti, &m));
	expect_info(_metadata, "server", &m, &ti, false);
	reg_unmap(&r);
}

/*
 * Two registrations selecting overlapping counters share one cell for
 * the counter both name: the second one costs the kernel one more cell
 * and a header (16 bytes, the netstats group's row_bytes says), not a
 * row of two (24), and its shared counter is at the same offset of the
 * page.  A registration of the full group afterwards does not disturb
 * them, and a selection of a socket with a slot maps the slot.
 */
TEST_F(tcp, select_overlap_shares_cells)
{
	static const char *const sel_a[] = { "bytes_received", "bytes_sent", NULL };
	static const char *const sel_b[] = { "bytes_received", "segs_out", NULL };
	static const char *const sel_c[] = { "segs_out", NULL };
	int cli = self->c.cli, srv = self->c.srv;
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t rows0, rows1, rows2, rows3;
	struct reg a, b, full, c;
	struct self_rows sr;
	struct tcp_info ti;
	struct vals ma, mb;

	ASSERT_EQ(0, self_rows_open(&sr))
		TH_LOG("netstats group's row_bytes: %s", sr.s.extack);
	rows0 = self_rows_settled(&sr);
	ASSERT_EQ(0, reg_sel(&self->s, srv, sel_a, &a));
	rows1 = self_rows_read(&sr);
	ASSERT_EQ(0, reg_sel(&self->s, srv, sel_b, &b));
	rows2 = self_rows_read(&sr);
	expect_rows(_metadata, &b, sel_b);
	EXPECT_EQ(24ULL, rows1 - rows0) TH_LOG("row of 2 counters");
	EXPECT_EQ(16ULL, rows2 - rows1) TH_LOG("row of the 1 counter a lacks");
	/* The shared counter: a's row, first of b's selection, so b's
	 * block header is a's.
	 */
	EXPECT_EQ(a.off[C_BYTES_RECEIVED] % psz, b.off[C_BYTES_RECEIVED] % psz);
	EXPECT_EQ(a.block_offset, b.block_offset);
	/* segs_out is not in a's row: a cell of its own. */
	EXPECT_TRUE(b.off[C_SEGS_OUT] >= psz ||
		    b.off[C_SEGS_OUT] < a.block_offset ||
		    b.off[C_SEGS_OUT] >= a.block_offset + 24);

	ASSERT_EQ(0, pump(cli, srv, 100000));
	ASSERT_EQ(0, pump(srv, cli, 30000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, read_consistent(srv, &a, &ti, &ma));
	EXPECT_CTR("a", &ma, C_BYTES_RECEIVED, ti.tcpi_bytes_received);
	EXPECT_CTR("a", &ma, C_BYTES_SENT, ti.tcpi_bytes_sent);
	ASSERT_EQ(0, read_consistent(srv, &b, &ti, &mb));
	EXPECT_CTR("b", &mb, C_BYTES_RECEIVED, ti.tcpi_bytes_received);
	EXPECT_CTR("b", &mb, C_SEGS_OUT, ti.tcpi_segs_out);

	/* The full group next to them: a slot, the rows go on. */
	ASSERT_EQ(0, reg_tcp(&self->s, srv, &full, false));
	ASSERT_EQ(0, pump(cli, srv, 10000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	check_vs_info(_metadata, "full", srv, &full, &ma);
	ASSERT_EQ(0, read_consistent(srv, &b, &ti, &mb));
	EXPECT_CTR("b", &mb, C_BYTES_RECEIVED, ti.tcpi_bytes_received);
	EXPECT_CTR("b", &mb, C_SEGS_OUT, ti.tcpi_segs_out);

	/* A selection of a socket with a slot: the slot's cells, no row. */
	ASSERT_EQ(0, reg_sel(&self->s, srv, sel_c, &c));
	rows3 = self_rows_read(&sr);
	EXPECT_EQ(rows2, rows3);
	EXPECT_EQ(1, c.n_counters);
	EXPECT_EQ(full.off[C_SEGS_OUT], c.off[C_SEGS_OUT]);
	EXPECT_EQ(full.block_offset, c.block_offset);
	EXPECT_EQ(rd(&full, C_SEGS_OUT), rd(&c, C_SEGS_OUT));
	reg_unmap(&a);
	reg_unmap(&b);
	reg_unmap(&full);
	reg_unmap(&c);

	/* The rows go with the socket and their registrations. */
	ASSERT_EQ(0, unreg(&self->s, a.id));
	ASSERT_EQ(0, unreg(&self->s, b.id));
	close(self->c.srv);
	self->c.srv = -1;
	EXPECT_EQ(rows0, self_rows_settled(&sr));
	self_rows_close(&sr);
}

/* The socket dies: its rows turn DEAD with the final values. */
TEST_F(tcp, select_destroy_keeps_final_values)
{
	static const char *const sel[] = {
		"bytes_received", "bytes_sent", "data_segs_out", NULL
	};
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cli = self->c.cli, srv = self->c.srv;
	struct vals last, fin;
	struct tcp_info ti;
	struct reg r, r2;
	uint32_t gen;

	ASSERT_EQ(0, reg_sel(&self->s, srv, sel, &r));
	ASSERT_EQ(0, reg_sel(&self->s, srv, sel + 1, &r2));
	ASSERT_EQ(0, pump(cli, srv, 50000));
	ASSERT_EQ(0, pump(srv, cli, 20000));
	ASSERT_EQ(0, wait_quiet(cli, srv));
	ASSERT_EQ(0, read_consistent(srv, &r, &ti, &last));
	EXPECT_CTR("server", &last, C_BYTES_SENT, ti.tcpi_bytes_sent);
	gen = rd_gen(&r);

	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, close(srv));
	self->c.srv = -1;
	ASSERT_EQ(0, wait_dead(&r)) TH_LOG("still LIVE 5 s after close()");
	ASSERT_EQ(0, wait_dead(&r2));
	EXPECT_NE(gen, rd_gen(&r));
	rd_all(&r, &fin);
	EXPECT_CTR("dead server", &fin, C_BYTES_RECEIVED, ti.tcpi_bytes_received);
	EXPECT_CTR("dead server", &fin, C_BYTES_SENT, ti.tcpi_bytes_sent);
	EXPECT_CTR("dead server", &fin, C_DATA_SEGS_OUT, ti.tcpi_data_segs_out);
	EXPECT_EQ(ti.tcpi_bytes_sent, rd(&r2, C_BYTES_SENT));
	/* A dead registration is unregistered normally; the other one keeps
	 * the rows.
	 */
	EXPECT_EQ(0, unreg(&self->s, r.id));
	EXPECT_EQ(NETSTATS_BLOCK_DEAD, rd_state(&r2));
	EXPECT_EQ(ti.tcpi_data_segs_out, rd(&r2, C_DATA_SEGS_OUT));
	EXPECT_EQ(0, unreg(&self->s, r2.id));
	reg_unmap(&r);
	reg_unmap(&r2);
}

/* A REGISTER of @group for @fd with the counter nest built by @put. */
static int reg_bad_sel(struct nsnl *s, const char *group, int fd,
		       void (*put)(struct nlmsghdr *nlh, const void *arg),
		       const void *arg)
{
	struct nlmsghdr *nlh;
	struct reg r;
	int err;

	reg_init(&r);
	nlh = nsnl_msg(s, s->family, NETSTATS_CMD_REGISTER, 0);
	mnl_attr_put_strz(nlh, NETSTATS_A_REGISTRATION_GROUP, group);
	if (fd >= 0)
		nsnl_put_sock_fd(nlh, fd);
	put(nlh, arg);
	err = reg_talk(s, nlh, &r);
	if (r.map_fd >= 0)
		close(r.map_fd);
	return err;
}

/* Names separated by commas, each a counter nest. */
static void put_names(struct nlmsghdr *nlh, const void *arg)
{
	char buf[256], *save = NULL, *name;
	struct nlattr *nest;

	snprintf(buf, sizeof(buf), "%s", (const char *)arg);
	for (name = strtok_r(buf, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
		mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, name);
		mnl_attr_nest_end(nlh, nest);
	}
}

static void put_name_and_offset(struct nlmsghdr *nlh, const void *arg)
{
	struct nlattr *nest;

	(void)arg;
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
	mnl_attr_put_strz(nlh, NETSTATS_A_COUNTER_NAME, "bytes_sent");
	mnl_attr_put_u32(nlh, NETSTATS_A_COUNTER_OFFSET, 8);
	mnl_attr_nest_end(nlh, nest);
}

static void put_no_name(struct nlmsghdr *nlh, const void *arg)
{
	struct nlattr *nest;

	(void)arg;
	nest = mnl_attr_nest_start(nlh, NETSTATS_A_REGISTRATION_COUNTER);
	mnl_attr_nest_end(nlh, nest);
}

TEST_F(tcp, select_errors)
{
	struct nsnl *s = &self->s;
	int srv = self->c.srv;
	struct reg r;

	EXPECT_EQ(-ENOENT, reg_bad_sel(s, "tcp", srv, put_names,
				       "bytes_sent,no_such_counter"));
	EXPECT_NE(NULL, strstr(s->extack, "no_such_counter")) TH_LOG("%s", s->extack);
	EXPECT_EQ(NETSTATS_A_COUNTER_NAME, s->bad_type);

	EXPECT_EQ(-EINVAL, reg_bad_sel(s, "tcp", srv, put_names,
				       "bytes_sent,segs_in,bytes_sent"));
	EXPECT_NE(NULL, strstr(s->extack, "bytes_sent")) TH_LOG("%s", s->extack);
	EXPECT_NE(NULL, strstr(s->extack, "twice")) TH_LOG("%s", s->extack);

	EXPECT_EQ(-EOPNOTSUPP, reg_bad_sel(s, "tcp", srv, put_names,
					   "bytes_sent,rcv_nxt"));
	EXPECT_NE(NULL, strstr(s->extack, "rcv_nxt")) TH_LOG("%s", s->extack);

	EXPECT_EQ(-EINVAL, reg_bad_sel(s, "tcp", srv, put_name_and_offset, NULL));
	EXPECT_EQ(NETSTATS_A_COUNTER_OFFSET, s->bad_type);
	EXPECT_NE(0, s->extack[0]);

	EXPECT_EQ(-EINVAL, reg_bad_sel(s, "tcp", srv, put_no_name, NULL));
	EXPECT_EQ(NETSTATS_A_COUNTER_NAME, s->miss_type);

	/* A group that does not select. */
	EXPECT_EQ(-EOPNOTSUPP, reg_bad_sel(s, "netstats", -1, put_names,
					   "registrations"));
	EXPECT_NE(NULL, strstr(s->extack, "netstats")) TH_LOG("%s", s->extack);

	/* None of it left anything behind. */
	ASSERT_EQ(0, reg_tcp(s, srv, &r, false));
	reg_unmap(&r);
}

TEST_HARNESS_MAIN
