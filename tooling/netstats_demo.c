// SPDX-License-Identifier: GPL-2.0
/*
 * "make run" demo (not a test): a TCP connection over loopback in a
 * private netns, its netstats counters read from the mapping with plain
 * loads while data flows, next to what TCP_INFO says, then the socket's
 * death as the reader sees it.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/socket.h>

#include "libnetstats.h"
#include "tcp_util.h"

static const char * const shown[] = {
	"bytes_sent", "bytes_acked", "segs_out", "segs_in", "snd_nxt", "snd_una",
};

int main(void)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	int idx[ARRAY_SIZE(shown)];
	struct netstats_reg *reg;
	struct netstats_handle *h;
	struct tcp_info ti;
	struct conn c;
	char name[32];
	__u64 v;
	int i, r;

	if (unshare(CLONE_NEWNET) || lo_up() ||
	    make_conn(AF_INET, "127.0.0.1", 0, 0, &c)) {
		perror("demo: loopback connection");
		return 1;
	}
	h = netstats__open();
	if (!h) {
		perror("demo: netstats family");
		return 1;
	}
	snprintf(name, sizeof(name), "tcp/fd:%d", c.cli);
	reg = netstats__register(h, name);
	if (!reg) {
		fprintf(stderr, "demo: register %s: %s\n", name,
			netstats__last_error(h));
		return 1;
	}
	printf("registered %s: id %u, %zu counters mapped at %p\n", name,
	       netstats_reg__id(reg), netstats_reg__counter_cnt(reg),
	       netstats_reg__base(reg));
	for (i = 0; i < (int)ARRAY_SIZE(shown); i++)
		idx[i] = netstats_reg__find(reg, shown[i]);

	printf("\n%-6s", "round");
	for (i = 0; i < (int)ARRAY_SIZE(shown); i++)
		printf(" %12s", shown[i]);
	printf(" | %12s\n", "tcpi_acked");
	for (r = 1; r <= 6; r++) {
		if (pump(c.cli, c.srv, 256 * 1024) || wait_quiet(c.cli, c.srv))
			break;
		tcp_info_get(c.cli, &ti);
		printf("%-6d", r);
		for (i = 0; i < (int)ARRAY_SIZE(shown); i++) {
			netstats_reg__read(reg, idx[i], &v);
			printf(" %12llu", (unsigned long long)v);
		}
		printf(" | %12llu\n", (unsigned long long)ti.tcpi_bytes_acked);
	}

	printf("\nclosing the socket (SO_LINGER 0): the reader keeps the final values\n");
	setsockopt(c.cli, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(c.cli);
	for (i = 0; i < 500 && !netstats_reg__dead(reg); i++)
		usleep(10000);
	netstats_reg__read(reg, idx[1], &v);
	printf("state %s, generation %u, bytes_acked %llu\n",
	       netstats_reg__dead(reg) ? "DEAD" : "LIVE",
	       netstats_reg__generation(reg), (unsigned long long)v);
	netstats_reg__unregister(reg);
	netstats__close(h);
	close(c.srv);
	return 0;
}
