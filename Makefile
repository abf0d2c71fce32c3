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
#   make bench [KVER=]           the cost of tracing (CPU per MiB: unloaded, idle, zcopy, bpftrace)
#   make docs                    Documentation/ with Sphinx into build/docs/html
#   make demo-doc                regenerate Documentation/demo/*.txt with `make demo`
#   make generate                regenerate the UAPI header and policies from the YNL spec
#   make install [KVER=|KDIR=]   zcopy.ko, CLI, man page, completion, udev rule, systemd units (DESTDIR, PREFIX)
#   make uninstall               remove what make install installed
#   make deb                     zcopy-dkms and zcopy .debs into build/deb/ (Debian packaging)
#   make deps | fetch | selftests | clean | help

LAB := scripts
# The Debian lines; a "build" line (the debug kernel) only by KVER=.
KERNELS := $(shell awk '!/^[ \t]*(\#|$$)/ && $$2 != "build" { print $$1 }' $(LAB)/kernels.conf)
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
	bench docs demo-doc generate install install-module install-cli install-dkms-src uninstall deb

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
	@LAB_ICOUNT=$${LAB_ICOUNT:-1} LAB_TIMEOUT=$${LAB_TIMEOUT:-900} \
		LAB_PASSENV="$$LAB_PASSENV LAB_ICOUNT BENCH_RUNS BENCH_SIZE BENCH_LOOPS BENCH_HOOK_RUNS BENCH_MEM_SESSIONS BENCH_WARM BENCH_ARMS" \
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
	@sed -n '3,20s/^# \{0,1\}//p' Makefile
	@echo "Lab kernels (scripts/kernels.conf): $(KERNELS); cache: $${ZCOPY_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/zcopy}"

# --- install (Documentation/admin-guide.rst, Installing) ---
# The module goes to $(MODDIR)/$(KREL)/updates/, outside PREFIX: modprobe
# looks nowhere else. KREL is the kernel release zcopy.ko was built for (its
# vermagic) unless given. depmod runs only for a real install (no DESTDIR).
PREFIX ?= /usr/local
MODDIR ?= /lib/modules
UDEVDIR ?= $(PREFIX)/lib/udev
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
ZCOPY_VERSION := $(shell sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' module/zcopy_main.c)
INSTALL_KO = build/$(if $(filter-out undefined,$(origin KVER)),$(LAB_KVER),host)/src/zcopy.ko
ko_krel = $(if $(KREL),$(KREL),$$(if [ -e $(INSTALL_KO) ]; then \
	/sbin/modinfo -F vermagic $(INSTALL_KO) | cut -d' ' -f1; else uname -r; fi))
# What the zcopy-dkms package ships in /usr/src/zcopy-VERSION.
DKMS_SRC = Kbuild $(wildcard module/*.[ch]) $(wildcard include/uapi/linux/*.h)

install: install-module install-cli

install-module:
	@$(LAB)/lab-module $(if $(filter-out undefined,$(origin KVER)),$(LAB_KVER),host) >/dev/null
	@krel=$(ko_krel); [ -n "$$krel" ] || { echo "make install: no vermagic in $(INSTALL_KO)" >&2; exit 1; }; \
		set -x; install -D -m 0644 $(INSTALL_KO) $(DESTDIR)$(MODDIR)/$$krel/updates/zcopy.ko; \
		$(if $(DESTDIR),: depmod skipped: DESTDIR is set,/sbin/depmod -a $$krel)

install-cli:
	$(MAKE) -C user install DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)'
	install -D -m 0644 packaging/60-zcopy.rules $(DESTDIR)$(UDEVDIR)/rules.d/60-zcopy.rules
	install -D -m 0644 packaging/zcopy-textfile.timer $(DESTDIR)$(SYSTEMDDIR)/zcopy-textfile.timer
	sed 's|/usr/sbin/zcopy|$(PREFIX)/sbin/zcopy|' packaging/zcopy-textfile.service \
		>$(DESTDIR)$(SYSTEMDDIR)/zcopy-textfile.service

# The module's sources, as DKMS builds them (used by debian/rules).
install-dkms-src:
	@for f in $(DKMS_SRC); do \
		install -D -m 0644 $$f $(DESTDIR)/usr/src/zcopy-$(ZCOPY_VERSION)/$$f || exit 1; done
	sed 's/#MODULE_VERSION#/$(ZCOPY_VERSION)/' dkms.conf >$(DESTDIR)/usr/src/zcopy-$(ZCOPY_VERSION)/dkms.conf

uninstall:
	@krel=$(ko_krel); \
		set -x; rm -f $(DESTDIR)$(MODDIR)/$$krel/updates/zcopy.ko; \
		$(if $(DESTDIR),: depmod skipped: DESTDIR is set,/sbin/depmod -a $$krel)
	$(MAKE) -C user uninstall DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)'
	rm -f $(DESTDIR)$(UDEVDIR)/rules.d/60-zcopy.rules \
		$(DESTDIR)$(SYSTEMDDIR)/zcopy-textfile.service $(DESTDIR)$(SYSTEMDDIR)/zcopy-textfile.timer

# Both packages, built by dpkg-buildpackage in a copy of the tracked files
# (and uncommitted changes), so the tree stays clean; lintian checks them.
deb: deps
	@$(LAB)/lab-deb
