# SPDX-License-Identifier: GPL-2.0
# netstats: the kernel series, its library and its tests, from a pristine
# Debian linux-source-6.12.  Every target installs what it is missing.
#
#   make run            build the patched kernel, boot it, show netstats
#   make check          every test (host, then kselftests in one VM boot)
#   make check DEBUG=1  the same on a KASAN/lockdep/kmemleak kernel
#   make vm             interactive shell in the patched kernel
#   make series         git format-patch series + checkpatch --strict,
#                       kernel-doc and YNL check
#   make lint           kernel-doc, YNL check, sparse (C=2) and W=1 on our
#                       files (builds in build/obj-lint; make sparse: same)
#   make bisect         every commit of the series builds
#   make bench          benchmarks in the VM (PRISTINE=1: also unpatched)
#   make assemble       only assemble build/linux
#   make kernel         only build the kernel (DEBUG=1 for the debug one)
#   make ynl            regenerate the YNL outputs from the spec
#   make clean          remove build/ (the cache in /var/cache/netstats stays)

DEBUG ?= 0
FLAVOUR := $(if $(filter 1 y yes,$(DEBUG)),debug,normal)
T := tooling

.PHONY: all run check vm series lint sparse bisect bench assemble kernel ynl setup clean

all: check

setup:
	@$(T)/setup-host.sh

assemble: setup
	@$(T)/assemble.sh

kernel: assemble
	@$(T)/build-kernel.sh $(FLAVOUR)

check:
	@$(T)/check.sh $(FLAVOUR)

run: kernel
	@$(T)/build-selftests.sh $(FLAVOUR)
	@$(T)/vm.sh $(FLAVOUR) run

vm: kernel
	@$(T)/vm.sh $(FLAVOUR) shell

series: assemble
	@$(T)/series.sh
	@$(T)/lint.sh --no-build

lint sparse: assemble
	@$(T)/build-kernel.sh normal
	@$(T)/lint.sh

bisect: assemble
	@$(T)/bisect-build.sh

bench:
	@$(T)/bench.sh

ynl: assemble
	@$(T)/ynl-gen.sh

clean:
	rm -rf build
