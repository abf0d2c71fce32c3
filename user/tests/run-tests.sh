#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run TAP test programs and sum them up.
#   run-tests.sh BINDIR TEST...
# A TEST named "loopback" runs tests/loopback.sh with BINDIR/zcopy.
# $VALGRIND, if set, prefixes each test binary.
# Ends with "N passed, N failed"; exits 1 if anything failed.

bindir=$1
shift
here=$(dirname "$0")
pass=0
fail=0
skip=0
log=$(mktemp)

for t in "$@"; do
	if [ "$t" = loopback ]; then
		ZCOPY="$bindir/zcopy" sh "$here/loopback.sh" >"$log" 2>&1
	else
		$VALGRIND "$bindir/$t" >"$log" 2>&1
	fi
	rc=$?
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^ok .*# SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | tail -1)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, sanitizer or valgrind error
	fi
	if [ -z "$planned" ] || [ "$planned" -ne $((p + $(grep -c '^not ok ' "$log"))) ]; then
		[ "$f" -eq 0 ] && f=1	# died before the plan
	fi
	if [ "$f" -ne 0 ]; then
		echo "FAIL $t ($p ok, $f failed, exit $rc)"
		sed 's/^/    /' "$log"
	else
		echo "PASS $t ($p ok, $s skipped)"
	fi
	pass=$((pass + p - s))
	skip=$((skip + s))
	fail=$((fail + f))
done
rm -f "$log"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
