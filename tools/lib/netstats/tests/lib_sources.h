/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The library's sources but names.c and stats.c, in one translation unit:
 * the unit tests that include this reach the statics (and their test
 * hooks, defined before).
 */
#include "netlink.c"
#include "netstats.c"
#include "query.c"
#include "register.c"
#include "read.c"
#include "plan.c"
#include "monitor.c"
#include "dir.c"
