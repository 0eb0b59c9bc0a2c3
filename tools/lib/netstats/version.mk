# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The one version of libnetstats, netstats(8) and netstats-exporter(8):
# included by their Makefiles and by the selftests' Makefile. The
# library's version node (libnetstats.map) is not newer than it, and the
# macros of libnetstats_version.h are it (make check_abi, check_version).

LIBNETSTATS_VERSION	= 0
LIBNETSTATS_PATCHLEVEL	= 9
LIBNETSTATS_EXTRAVERSION = 0
NETSTATS_VERSION = $(LIBNETSTATS_VERSION).$(LIBNETSTATS_PATCHLEVEL).$(LIBNETSTATS_EXTRAVERSION)

# -Werror only when asked for (WERROR=1), as tools/bpf and tools/perf do.
NETSTATS_WERROR := $(if $(filter 1 y yes,$(WERROR)),-Werror)
