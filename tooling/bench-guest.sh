#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make bench", inside the VM: run the benchmark programs.
set -u
echo "bench: kernel: $(uname -r) ($NETSTATS_FLAVOUR)"
"$NETSTATS_KSFT/netstats-tools/netstats_bench"
