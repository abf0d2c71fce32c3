#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ynl_cli.sh: the kernel's own ynl CLI (tools/net/ynl/cli.py) against the
# module, through Documentation/netlink/specs/zcopy.yaml alone; the checks
# are in ynl_cli.py. TAP output; exit 4 (skip) without root or the module;
# without python3, the CLI, the spec or python3-yaml it fails.
#
# ynl_cli.env, written next to this script by the Makefile, names the CLI
# directory (YNL_DIR), the genetlink schema (YNL_SCHEMA) and the spec
# (ZCOPY_SPEC); set in the environment, they win.
set -u

here=$(dirname "$(readlink -f "$0")")
saved=("${YNL_DIR-}" "${YNL_SCHEMA-}" "${ZCOPY_SPEC-}")
# shellcheck source=/dev/null
[ -r "$here/ynl_cli.env" ] && . "$here/ynl_cli.env"
export YNL_DIR=${saved[0]:-${YNL_DIR:-}}
export YNL_SCHEMA=${saved[1]:-${YNL_SCHEMA:-}}
export ZCOPY_SPEC=${saved[2]:-${ZCOPY_SPEC:-$here/../../Documentation/netlink/specs/zcopy.yaml}}

skip_all() { printf 'TAP version 13\n1..0 # SKIP %s\n' "$*"; exit 4; }

[ "$(id -u)" = 0 ] || skip_all "needs root (session-new needs CAP_PERFMON)"
[ -d /sys/module/zcopy ] || skip_all "zcopy.ko is not loaded"
command -v python3 >/dev/null ||
	{ printf 'TAP version 13\n1..1\nnot ok 1 python3 runs the ynl CLI\n# no python3\n'; exit 1; }
exec python3 "$here/ynl_cli.py"
