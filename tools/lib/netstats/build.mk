# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What the Makefiles of libnetstats, netstats(8) and netstats-exporter(8)
# share, included first by each: the one version (version.mk), V=1,
# OUTPUT as a directory ending in "/", <linux/netstats.h> from
# tools/include/uapi unless KHDR_INCLUDES says otherwise, and the rules'
# conventions (FORCE, no half-written targets).

NETSTATS_MK_DIR := $(dir $(lastword $(MAKEFILE_LIST)))

include $(NETSTATS_MK_DIR)version.mk

MAKEFLAGS += --no-print-directory

ifeq ($(V),1)
Q =
else
Q = @
endif

override OUTPUT := $(patsubst %//,%/,$(if $(OUTPUT),$(OUTPUT)/,./))

KHDR_INCLUDES ?= -isystem $(abspath $(NETSTATS_MK_DIR)../../include/uapi)

# The including Makefile's "all", not FORCE below, is the default goal.
.DEFAULT_GOAL := all

FORCE:

.DELETE_ON_ERROR:
