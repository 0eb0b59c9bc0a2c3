/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal check helpers: one line per failed check, then "N passed,
 * N failed"; exit status non-zero if any check failed.
 */
#ifndef __NETSTATS_TESTS_CHECK_H
#define __NETSTATS_TESTS_CHECK_H

#include <stdio.h>

static unsigned int checks_passed, checks_failed;

#define CHECK(cond, fmt, ...)						\
do {									\
	if (cond) {							\
		checks_passed++;					\
	} else {							\
		checks_failed++;					\
		printf("FAIL %s:%d: " fmt "\n", __FILE__, __LINE__,	\
		       ##__VA_ARGS__);					\
	}								\
} while (0)

static inline int check_report(void)
{
	printf("%u passed, %u failed\n", checks_passed, checks_failed);
	return checks_failed ? 1 : 0;
}

/* Write @text to the file @name of the directory @dir (checked). */
static inline void check_write_file(const char *dir, const char *name,
				    const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f, "create %s", path);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

#ifdef MNL_SOCKET_BUFFER_SIZE
/* YNL "uint": as small as the value allows, as the kernel sends it. */
static inline void ns_put_uint(struct nlmsghdr *nlh, __u16 type, __u64 val)
{
	if (val <= UINT32_MAX)
		mnl_attr_put_u32(nlh, type, val);
	else
		mnl_attr_put_u64(nlh, type, val);
}
#endif

#endif /* __NETSTATS_TESTS_CHECK_H */
