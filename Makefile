# SPDX-License-Identifier: GPL-2.0
#
# zcopy: zcopy.ko (the module), user/zcopy (the CLI), selftests/ and the lab,
# QEMU guests of Debian kernels (Documentation/lab.rst).
#
#   make [KDIR=dir]              zcopy.ko for KDIR (default: the running kernel) and the CLI
#   make KVER=6.1 [module]       zcopy.ko for a lab kernel: build/6.1/src/zcopy.ko
#   make demo [KVER=] [ARGS=]    boot a lab guest, run `zcopy demo ARGS` in it
#   make run CMD='...' [KVER=]   boot a lab guest, run the shell command CMD in it
#   make vm [KVER=]              interactive lab guest on the serial console
#   make check [KVER=]           every check on every kernel of scripts/kernels.conf
#   make bench [KVER=]           the cost of tracing: throughput unloaded / idle / tracing
#   make docs                    Documentation/ with Sphinx into build/docs/html
#   make demo-doc                regenerate Documentation/demo/*.txt with `make demo`
#   make generate                regenerate the UAPI header and policies from the YNL spec
#   make deps | fetch | selftests | clean | help

LAB := scripts
KERNELS := $(shell awk '!/^[ \t]*(\#|$$)/ { print $$1 }' $(LAB)/kernels.conf)
# KVER selects a line of scripts/kernels.conf; the first line by default.
ifeq ($(origin KVER),undefined)
LAB_KVER := $(firstword $(KERNELS))
else
LAB_KVER := $(KVER)
endif
KDIR ?= /lib/modules/$(shell uname -r)/build
# CMD and ARGS reach the guest shell verbatim: $(value) skips make's own
# expansion (so CMD='echo $$HOME' needs no doubled $) and shquote protects
# them from the host shell.
shquote = '$(subst ','\'',$(1))'

.NOTPARALLEL:
.PHONY: all host-module module cli deps fetch selftests demo run run-usage vm check clean help \
	bench docs demo-doc generate

ifeq ($(origin KVER),undefined)
all: cli host-module
else
all: cli module
endif

host-module: deps
	@KDIR='$(KDIR)' $(LAB)/lab-module host

module: fetch
	@$(LAB)/lab-module $(LAB_KVER)

cli: deps
	@if [ -f user/Makefile ]; then $(MAKE) -C user; else echo "no user/ yet: no CLI to build"; fi

deps:
	@$(LAB)/lab-deps

fetch: deps
	@$(LAB)/lab-fetch $(LAB_KVER)

selftests: deps
	@$(LAB)/lab-selftests-build

demo: module cli
	@test -x user/zcopy || { echo "make demo: user/zcopy was not built" >&2; exit 1; }
	@$(LAB)/lab-run $(LAB_KVER) $(call shquote,$(CURDIR)/user/zcopy demo $(value ARGS))

run: $(if $(value CMD),module cli,run-usage)
	@$(LAB)/lab-run $(LAB_KVER) $(call shquote,$(value CMD))

run-usage:
	@echo "usage: make run CMD='shell command' [KVER=...]" >&2; exit 2

vm: module cli
	@$(LAB)/lab-run --shell $(LAB_KVER)

check: deps
	@$(LAB)/lab-check $(if $(filter-out undefined,$(origin KVER)),$(KVER))

bench: module cli
	@LAB_PASSENV="$$LAB_PASSENV BENCH_RUNS BENCH_SIZE" \
		$(LAB)/lab-run $(LAB_KVER) $(call shquote,$(CURDIR)/$(LAB)/lab-bench)

docs: deps
	@$(LAB)/lab-docs

demo-doc: cli
	@for k in $(KERNELS); do $(MAKE) --no-print-directory KVER=$$k module && \
		$(LAB)/lab-demo-doc $$k Documentation/demo/$$k.txt || exit 1; done

SPEC := Documentation/netlink/specs/zcopy.yaml
generate: deps
	/usr/bin/python3 $(LAB)/ynl-gen.py $(SPEC) uapi >include/uapi/linux/zcopy.h
	/usr/bin/python3 $(LAB)/ynl-gen.py $(SPEC) policy >module/zcopy_nl_gen.c
	/usr/bin/python3 $(LAB)/ynl-gen.py $(SPEC) policy-h >module/zcopy_nl_gen.h

clean:
	rm -rf build
	@if [ -f user/Makefile ]; then $(MAKE) -C user clean; fi

help:
	@sed -n '3,17s/^# \{0,1\}//p' Makefile
	@echo "Lab kernels (scripts/kernels.conf): $(KERNELS); cache: $${ZCOPY_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/zcopy}"
