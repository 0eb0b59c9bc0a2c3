// SPDX-License-Identifier: GPL-2.0
/*
 * Reference reader for exporter.sh: what libnetstats reads for the same
 * registrations that netstats-exporter serves.
 *
 *   exporter_ref [-w MS] [-k] NAME...
 *
 * Registers every NAME, waits MS milliseconds (derived blocks are
 * published every period-ms), prints one "NAME COUNTER VALUE" line per
 * counter and, with -k, keeps the registrations until stdin is closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libnetstats.h"

int main(int argc, char **argv)
{
	struct netstats_reg **regs;
	struct netstats_handle *h;
	bool keep = false;
	int opt, i, wait_ms = 0;
	char c;
	size_t j;
	__u64 v;

	while ((opt = getopt(argc, argv, "w:k")) != -1) {
		switch (opt) {
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'k':
			keep = true;
			break;
		default:
			return 2;
		}
	}
	regs = calloc(argc, sizeof(*regs));
	h = netstats__open();
	if (!regs || !h) {
		perror("exporter_ref: netstats__open");
		return 1;
	}
	for (i = optind; i < argc; i++) {
		regs[i] = netstats__register(h, argv[i]);
		if (!regs[i]) {
			fprintf(stderr, "exporter_ref: register %s: %s\n",
				argv[i], netstats__last_error(h));
			return 1;
		}
	}
	usleep(wait_ms * 1000);
	for (i = optind; i < argc; i++) {
		for (j = 0; j < netstats_reg__counter_cnt(regs[i]); j++) {
			if (netstats_reg__read(regs[i], j, &v))
				continue;
			printf("%s %s %llu\n", argv[i],
			       netstats_reg__counter(regs[i], j)->name,
			       (unsigned long long)v);
		}
	}
	fflush(stdout);
	while (keep && read(0, &c, 1) > 0)
		;
	netstats__close(h);
	free(regs);
	return 0;
}
