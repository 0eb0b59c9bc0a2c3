/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP helpers shared by the netstats selftests (tcp_stats, tcp_all, ...)
 * and by the tests of the tools against the kernel (lib_tcp): a
 * network namespace with loopback up, connected pairs over loopback,
 * traffic that a single thread both sends and receives, and TCP_INFO
 * quiescence.
 */
#ifndef _SELFTESTS_NETSTATS_TCP_UTIL_H
#define _SELFTESTS_NETSTATS_TCP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/tcp.h>

#include "../../kselftest_harness.h"

/* --- sockets --------------------------------------------------------- */

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

static socklen_t make_addr(int family, const char *addr,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr);
		return sizeof(struct sockaddr_in);
	}
	inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr);
	return sizeof(struct sockaddr_in6);
}

static int listener(int family, const char *addr, int rcvbuf,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	int fd;

	*len = make_addr(family, addr, ss);
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)))
		goto err;
	if (bind(fd, (struct sockaddr *)ss, *len) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)ss, len))
		goto err;
	return fd;
err:
	close(fd);
	return -1;
}

struct conn {
	int cli;
	int srv;
};

/*
 * A connected pair over loopback.  @srv_rcvbuf is set on the listener,
 * so the accepted socket has it from its SYN on; @cli_sndbuf on the
 * client before connect().  0 leaves the defaults (autotuning).
 */
static int make_conn(int family, const char *addr, int srv_rcvbuf,
		     int cli_sndbuf, struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd;

	c->cli = -1;
	c->srv = -1;
	lfd = listener(family, addr, srv_rcvbuf, &ss, &len);
	if (lfd < 0)
		return -1;
	c->cli = socket(family, SOCK_STREAM, 0);
	if (c->cli < 0)
		goto err;
	if (cli_sndbuf && setsockopt(c->cli, SOL_SOCKET, SO_SNDBUF,
				     &cli_sndbuf, sizeof(cli_sndbuf)))
		goto err;
	if (connect(c->cli, (struct sockaddr *)&ss, len))
		goto err;
	c->srv = accept(lfd, NULL, NULL);
	if (c->srv < 0)
		goto err;
	close(lfd);
	return 0;
err:
	if (c->cli >= 0)
		close(c->cli);
	c->cli = -1;
	close(lfd);
	return -1;
}

static void close_conn(struct conn *c)
{
	if (c->cli >= 0)
		close(c->cli);
	if (c->srv >= 0)
		close(c->srv);
	c->cli = -1;
	c->srv = -1;
}

static char txbuf[65536];
static char rxbuf[65536];

/* Send @len bytes from @src and receive exactly them on @dst, without
 * blocking on either (a single thread does both).
 */
static int pump(int src, int dst, size_t len)
{
	size_t sent = 0, rcvd = 0;
	ssize_t n;

	while (rcvd < len) {
		struct pollfd p[2] = {
			{ .fd = src, .events = sent < len ? POLLOUT : 0 },
			{ .fd = dst, .events = POLLIN },
		};

		if (poll(p, 2, 5000) <= 0)
			return -1;
		if (sent < len && (p[0].revents & POLLOUT)) {
			n = send(src, txbuf, len - sent < sizeof(txbuf) ?
				 len - sent : sizeof(txbuf), MSG_DONTWAIT);
			if (n > 0)
				sent += n;
			else if (n < 0 && errno != EAGAIN)
				return -1;
		}
		if (p[1].revents & POLLIN) {
			n = recv(dst, rxbuf, len - rcvd < sizeof(rxbuf) ?
				 len - rcvd : sizeof(rxbuf), MSG_DONTWAIT);
			if (n > 0)
				rcvd += n;
			else if (!n || errno != EAGAIN)
				return -1;
		}
	}
	return 0;
}

/* --- TCP_INFO -------------------------------------------------------- */

static int tcp_info_get(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len))
		return -1;
	if (len < offsetof(struct tcp_info, tcpi_dsack_dups) +
		  sizeof(ti->tcpi_dsack_dups))
		return -1;
	return 0;
}

/* The TCP_INFO values the group mirrors. */
/* The tcp_info field of the i-th counter that the "tcp" group shares with
 * TCP_INFO, in the group's order: bytes_received, segs_in, data_segs_in,
 * segs_out, data_segs_out, bytes_sent, bytes_acked, dsack_dups.
 */
static inline __u64 tcp_info_val(const struct tcp_info *ti, unsigned int i)
{
	switch (i) {
	case 0:
		return ti->tcpi_bytes_received;
	case 1:
		return ti->tcpi_segs_in;
	case 2:
		return ti->tcpi_data_segs_in;
	case 3:
		return ti->tcpi_segs_out;
	case 4:
		return ti->tcpi_data_segs_out;
	case 5:
		return ti->tcpi_bytes_sent;
	case 6:
		return ti->tcpi_bytes_acked;
	default:
		return ti->tcpi_dsack_dups;
	}
}

static bool info_same(const struct tcp_info *a, const struct tcp_info *b)
{
	return a->tcpi_bytes_received == b->tcpi_bytes_received &&
	       a->tcpi_segs_in == b->tcpi_segs_in &&
	       a->tcpi_data_segs_in == b->tcpi_data_segs_in &&
	       a->tcpi_segs_out == b->tcpi_segs_out &&
	       a->tcpi_data_segs_out == b->tcpi_data_segs_out &&
	       a->tcpi_bytes_sent == b->tcpi_bytes_sent &&
	       a->tcpi_bytes_acked == b->tcpi_bytes_acked &&
	       a->tcpi_dsack_dups == b->tcpi_dsack_dups &&
	       a->tcpi_unacked == b->tcpi_unacked;
}

/*
 * Wait until the connection is quiescent: nothing unacknowledged on
 * either side and no counter moved for 5 polls in a row.  At most ~5 s.
 * @b may be -1.
 */
static int wait_quiet(int a, int b)
{
	struct tcp_info pa = {}, pb = {}, ta, tb = {};
	int i, stable = 0;

	for (i = 0; i < 500; i++) {
		if (tcp_info_get(a, &ta) || (b >= 0 && tcp_info_get(b, &tb)))
			return -1;
		if (i && !ta.tcpi_unacked && !tb.tcpi_unacked &&
		    info_same(&ta, &pa) && info_same(&tb, &pb)) {
			if (++stable >= 5)
				return 0;
		} else {
			stable = 0;
		}
		pa = ta;
		pb = tb;
		usleep(10000);
	}
	return -1;
}

/*
 * TCP_INFO of @fd, then @snap(@ctx), then TCP_INFO again, until both
 * TCP_INFO agree: the counters only grow, so what @snap read is of that
 * same moment.  @snap returns 0, or -1 to give up.
 */
static int info_consistent(int fd, struct tcp_info *ti,
			   int (*snap)(void *ctx), void *ctx)
{
	struct tcp_info t2;
	int i;

	for (i = 0; i < 100; i++) {
		if (tcp_info_get(fd, ti))
			return -1;
		if (snap(ctx))
			return -1;
		if (tcp_info_get(fd, &t2))
			return -1;
		if (info_same(ti, &t2))
			return 0;
		usleep(10000);
	}
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* --- small files (debugfs, cgroup) ----------------------------------- */

/* The number a small file holds (decimal, or 0x hex); -1 on error. */
static inline int file_read_ull(const char *path, unsigned long long *val)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*val = strtoull(buf, NULL, 0);
	return 0;
}

static inline int file_write_str(const char *path, const char *s)
{
	int fd, len = strlen(s), ret;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, s, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* --- fixture setup --------------------------------------------------- */

/*
 * Enter a network namespace of our own, bring loopback up there and
 * check that @family has TCP.  False if the test was skipped: the
 * fixture setup then returns at once.
 */
static bool tcp_netns_setup(struct __test_metadata *_metadata, int family)
{
	int fd;

	if (unshare(CLONE_NEWNET))
		SKIP(return false, "unshare(CLONE_NEWNET): %s",
		     strerror(errno));
	ASSERT_EQ(0, lo_up());
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		SKIP(return false, "no TCP for family %d", family);
	close(fd);
	return true;
}

/* Fill txbuf and connect @c over loopback, with default buffers. */
static void tcp_conn_setup(struct __test_metadata *_metadata, int family,
			   const char *addr, struct conn *c)
{
	int i;

	memset(txbuf, 0x5a, sizeof(txbuf));
	/* ::1 is usable at once on loopback (no DAD), but be patient. */
	for (i = 0; i < 100; i++) {
		if (!make_conn(family, addr, 0, 0, c))
			break;
		usleep(20000);
	}
	ASSERT_LE(0, c->cli) TH_LOG("cannot connect over %s", addr);
}

#endif /* _SELFTESTS_NETSTATS_TCP_UTIL_H */
