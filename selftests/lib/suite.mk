# SPDX-License-Identifier: GPL-2.0
# The lab's suite convention (Documentation/lab.rst) for suites of scripts:
# set TEST_PROGS (run order), then include this file. `list` prints them as
# absolute paths; `all` byte-compiles the Python ones, the only build they
# have, so that a syntax error fails the build rather than the guest run.
O ?= $(CURDIR)
PY_PROGS := $(filter %.py,$(TEST_PROGS))

all:
ifneq ($(PY_PROGS),)
	@python3 -m py_compile $(PY_PROGS) && rm -rf __pycache__
else
	@:
endif

list:
	@for p in $(abspath $(TEST_PROGS)); do echo "$$p"; done

clean:
	@rm -rf __pycache__

.PHONY: all list clean
