/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * netstats: networking counters in read-only mapped pages.
 *
 * The netlink attributes, commands and enums are generated from
 * Documentation/netlink/specs/netstats.yaml into
 * <linux/netstats_generated.h>; this header adds the one hand-written
 * part of the uapi: the layout of the mapped counter blocks.
 */
#ifndef _UAPI_LINUX_NETSTATS_H
#define _UAPI_LINUX_NETSTATS_H

#include <linux/types.h>
#include <linux/netstats_generated.h>

#endif /* _UAPI_LINUX_NETSTATS_H */
