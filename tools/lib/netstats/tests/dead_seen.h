/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a netstats_dead_cb of the tests saw: the host tests
 * (test_register.c) and the test against the kernel (vm/lib_tcp.c).
 */
#ifndef __NETSTATS_TESTS_DEAD_SEEN_H
#define __NETSTATS_TESTS_DEAD_SEEN_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/types.h>

struct dead_seen {
	unsigned int calls;
	__u32 id, portid;
	char group[32];
	char object[32];
	bool have_object;
	int ret;		/* what the callback returns */
};

/* A netstats_dead_cb: records the last notification in @ctx. */
static inline int dead_cb(__u32 id, __u32 portid, const char *group,
			  const char *object, void *ctx)
{
	struct dead_seen *s = ctx;

	s->calls++;
	s->id = id;
	s->portid = portid;
	snprintf(s->group, sizeof(s->group), "%s", group);
	s->have_object = object;
	snprintf(s->object, sizeof(s->object), "%s", object ?: "");
	return s->ret;
}

#endif /* __NETSTATS_TESTS_DEAD_SEEN_H */
