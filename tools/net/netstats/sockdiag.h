/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netstats(8): the addresses of TCP sockets by cookie (inet_diag).
 */
#ifndef __NETSTATS_SOCKDIAG_H
#define __NETSTATS_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct diag_sock {
	__u64 cookie;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport, dport;	/* host byte order */
	__u8 src[16], dst[16];
};

/* The TCP sockets of the netns, sorted by cookie. */
struct diag_socks {
	struct diag_sock *v;
	size_t n, cap;
	bool loaded;
};

/* One inet_diag dump of AF_INET and AF_INET6; 0 or -errno. */
int diag_socks_load(struct diag_socks *d);
/* The socket of @cookie, or NULL (gone, or not a TCP socket). */
const struct diag_sock *diag_socks_find(const struct diag_socks *d,
					__u64 cookie);
void diag_socks_free(struct diag_socks *d);

#endif /* __NETSTATS_SOCKDIAG_H */
