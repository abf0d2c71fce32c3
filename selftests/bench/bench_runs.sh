#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check runs the bench (scripts/lab-bench) once, short: one run of a
# 1 MiB file per state, two arm/disarm cycles. Its figures are not checked
# against any bound (under TCG they mean nothing at that size: make bench
# measures); only that every one of them was measured.
# kselftest TAP; exit 0 pass, 1 fail, 4 skip (not in the lab guest).
set -uo pipefail

KSFT_SKIP=4
echo "TAP version 13"
if [ -z "${ZCOPY_PEER_NS:-}" ] || [ -z "${ZCOPY_TOP:-}" ]; then
	echo "1..0 # SKIP not running in the zcopy lab guest (scripts/lab-run)"
	exit $KSFT_SKIP
fi
if [ -z "${ZCOPY_MODULE:-}" ] || [ ! -e "$ZCOPY_MODULE" ]; then
	echo "1..0 # SKIP no zcopy.ko to bench (\$ZCOPY_MODULE is unset)"
	exit $KSFT_SKIP
fi
echo "1..3"
was=0
[ ! -d /sys/module/zcopy ] || was=1
out=$(BENCH_RUNS=1 BENCH_SIZE=1M BENCH_ARMS=2 "$ZCOPY_TOP/scripts/lab-bench" 2>&1)
rc=$?
echo "${out//$'\n'/$'\n'# }" | sed '1s/^/# /'
n=1 fails=0
res() { # res OK DESC
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
	n=$((n + 1))
}
res $rc "lab-bench exits 0"
# Four rows (two paths, two methods), each with three rates and two ratios.
rows=$(grep -cE '^(e1000|loopback), (sendfile|read-write) +([0-9.]+ MiB/s +){3}[0-9.]+ +[0-9.]+$' <<<"$out")
[ "$rows" = 4 ]
res $? "throughput of 2 paths x 2 methods, unloaded, idle and tracing (got $rows rows)"
arm=$(grep -cE '^  (arm|disarm) +[0-9]+[.][0-9]{3} [0-9]+[.][0-9]{3}$' <<<"$out")
[ "$arm" = 2 ]
res $? "arm and disarm timed twice each (got $arm lines)"
# As it found the module: loaded with its defaults, or not.
! [ -d /sys/module/zcopy ] || rmmod zcopy
[ $was = 0 ] || insmod "$ZCOPY_MODULE"
[ $fails -eq 0 ]
