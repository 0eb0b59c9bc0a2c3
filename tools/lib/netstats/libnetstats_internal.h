/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LIBNETSTATS_INTERNAL_H
#define __LIBNETSTATS_INTERNAL_H

#include <errno.h>
#include <stddef.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* As libbpf_err(): return a -errno value and also set errno. */
static inline int ns_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline void *ns_err_ptr(int err)
{
	errno = -err;
	return NULL;
}

#endif /* __LIBNETSTATS_INTERNAL_H */
