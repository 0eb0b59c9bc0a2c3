/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The version of libnetstats this header belongs to. version.mk is the one
 * source of it: "make check_version" (run by every build of the library)
 * fails if these differ from it.
 */
#ifndef __LIBNETSTATS_VERSION_H
#define __LIBNETSTATS_VERSION_H

#define LIBNETSTATS_MAJOR_VERSION 0
#define LIBNETSTATS_MINOR_VERSION 9
#define LIBNETSTATS_PATCH_VERSION 0

#endif /* __LIBNETSTATS_VERSION_H */
