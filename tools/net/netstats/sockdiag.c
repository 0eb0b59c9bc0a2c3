// SPDX-License-Identifier: GPL-2.0
/*
 * netstats(8): the addresses of TCP sockets by cookie, from one inet_diag
 * dump, for the sockets a compact directory names by cookie only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "sockdiag.h"

static int diag_cmp(const void *a, const void *b)
{
	const struct diag_sock *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

static int diag_add(struct diag_socks *d, const struct inet_diag_msg *m)
{
	struct diag_sock *s;
	size_t alen = m->idiag_family == AF_INET ? 4 : 16;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;

		s = realloc(d->v, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		d->v = s;
		d->cap = cap;
	}
	s = &d->v[d->n++];
	memset(s, 0, sizeof(*s));
	s->cookie = (__u64)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	s->family = m->idiag_family;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	memcpy(s->src, m->id.idiag_src, alen);
	memcpy(s->dst, m->id.idiag_dst, alen);
	return 0;
}

/* The TCP sockets of @family in the caller's netns, every state. */
static int diag_dump(int fd, struct diag_socks *d, __u8 family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh.nlmsg_len = sizeof(req),
		.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.r.sdiag_family = family,
		.r.sdiag_protocol = IPPROTO_TCP,
		.r.idiag_states = ~0U,
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static char buf[32768];
	struct nlmsghdr *h;
	ssize_t n;
	int err;

	if (sendto(fd, &req, sizeof(req), 0, (void *)&nl, sizeof(nl)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			err = diag_add(d, NLMSG_DATA(h));
			if (err)
				return err;
		}
	}
}

int diag_socks_load(struct diag_socks *d)
{
	int fd, err;

	memset(d, 0, sizeof(*d));
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	err = diag_dump(fd, d, AF_INET);
	if (!err)
		err = diag_dump(fd, d, AF_INET6);
	close(fd);
	if (err) {
		diag_socks_free(d);
		return err;
	}
	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
	d->loaded = true;
	return 0;
}

const struct diag_sock *diag_socks_find(const struct diag_socks *d,
					__u64 cookie)
{
	struct diag_sock key = { .cookie = cookie };

	if (!d->n)
		return NULL;
	return bsearch(&key, d->v, d->n, sizeof(*d->v), diag_cmp);
}

void diag_socks_free(struct diag_socks *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}
