/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A handle and a registration's mapping without a kernel, for the unit
 * tests that include lib_sources.h.
 */
#ifndef __NETSTATS_TESTS_FAKE_H
#define __NETSTATS_TESTS_FAKE_H

#include <stdlib.h>
#include <sys/mman.h>

#define FAMILY_ID	0x42
#define PORTID		0x1234

static inline struct netstats_handle *fake_handle(void)
{
	struct netstats_handle *h = calloc(1, sizeof(*h));

	if (h) {
		h->family_id = FAMILY_ID;
		h->portid = PORTID;
	}
	return h;
}

/*
 * @reg (a parsed REGISTER reply) mapped to @size bytes of writable
 * anonymous memory and linked to @h; NULL (and @reg freed) if the memory
 * cannot be had.
 */
static inline char *fake_map(struct netstats_handle *h,
			     struct netstats_reg *reg, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		free(reg);
		return NULL;
	}
	ns_reg_link(h, reg, p);
	return p;
}

#endif /* __NETSTATS_TESTS_FAKE_H */
