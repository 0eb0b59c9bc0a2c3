/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dropping privileges once the registrations that need them are made.
 */
#ifndef __NETSTATS_EXPORTER_PRIVS_H
#define __NETSTATS_EXPORTER_PRIVS_H

#include <stdbool.h>

int privs_drop(bool *bounding_dropped);

#endif /* __NETSTATS_EXPORTER_PRIVS_H */
