#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check runs the bench (scripts/lab-bench) once, short: one run of a
# 1 MiB file per state without warm-up, one round of 5000-call hook loops
# (all probes armed, then each hook type alone),
# memory with 1 and 4 sessions, two arm/disarm cycles. Its figures are not checked against any bound
# (under TCG without -icount and at that size they mean nothing: make
# bench measures); only that every one was measured, and that each state
# was what it says: the zcopy state's transfers were accounted by a
# session, the others not, and bpftrace counted the transfers' system
# calls and copies.
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
echo "1..8"
was=0
[ ! -d /sys/module/zcopy ] || was=1
export ZCOPY_OUT_DIR=${ZCOPY_OUT_DIR:-$(mktemp -d)}
res_dir=$ZCOPY_OUT_DIR/bench
out=$(BENCH_RUNS=1 BENCH_SIZE=1M BENCH_WARM=0 BENCH_LOOPS=5000 BENCH_HOOK_RUNS=1 BENCH_MEM_SESSIONS='1 4' BENCH_ARMS=2 "$ZCOPY_TOP/scripts/lab-bench" 2>&1)
rc=$?
echo "${out//$'\n'/$'\n'# }" | sed '1s/^/# /'
n=1 fails=0
res() { # res OK DESC
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
	n=$((n + 1))
}
res $rc "lab-bench exits 0"
# Four rows (two paths, two methods): CPU us/MiB and MiB/s for four
# states, three ratios to unloaded, zcopy's cost as a fraction of bpftrace's.
num='-?[0-9]+[.][0-9]+'
rows=$(grep -cE "^(e1000|loopback), (sendfile|read-write)( +$num +$num){4}( +$num){3} +($num|-)\$" <<<"$out")
[ "$rows" = 4 ]
res $? "CPU time and throughput of 2 paths x 2 methods in 4 states (got $rows rows)"
# Four loops, each with its CPU ns per call in three states and zcopy's
# hits; the getppid loop hits the sys_enter tracepoint once per call.
hooks=$(grep -cE '^(getppid|pipe|unix|tcp) +[0-9]+( +-?[0-9]+ \( *[-+][0-9]+\)){2}  .*tracepoint [0-9.]+' <<<"$out")
# (The hits are the whole guest's: another process's call may add a few.)
tp=$(sed -n 's/^getppid .* tracepoint \([0-9.]*\)$/\1/p' <<<"$out")
[ "$hooks" = 4 ] && awk -v t="${tp:-0}" 'BEGIN { exit !(t >= 0.97 && t <= 1.1) }' &&
	grep -qE '^one zcopy hit, by hook type, over the baseline .*: .*tracepoint [a-z]+ -?[0-9]+.* = -?[0-9]+' <<<"$out"
res $? "hook loops measured in 3 states ($hooks of 4), getppid hits 1 tracepoint a call (${tp:-?}), a cost per hit solved"
# One hook type armed at a time (skip_probes naming every other probe):
# each such session hit its own type only (the others were not even
# registered), every active type had its session, and getppid hit one
# tracepoint a call with only the tracepoints armed.
why=$(python3 - "$res_dir" 2>&1 <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(f"{d}/bench.json"))
active = {p["type"] for p in json.load(open(f"{d}/probes-hooks.json"))["probes"]
          if p["state"] == "active"}
loops = j["hooks"]["loops"]
for name, v in loops.items():
    got = {s[len("zcopy-"):] for s in v["isolated"]}
    if got != active:
        sys.exit(f"{name}: one-type sessions for {sorted(got)}, active types {sorted(active)}")
    for s, x in v["isolated"].items():
        other = sorted(t for t, h in x["hits_per_call"].items() if h > 0 and t != s[len("zcopy-"):])
        if other:
            sys.exit(f"{name} with only {s[len('zcopy-'):]} armed hit {other}")
tp = loops["getppid"]["isolated"]["zcopy-tracepoint"]["hits_per_call"].get("tracepoint", 0)
if not 0.97 <= tp <= 1.1:
    sys.exit(f"getppid with only the tracepoints armed: {tp} hits a call")
if "tracepoint" not in j["hooks"]["zcopy_ns_per_hit"]:
    sys.exit("no cost per tracepoint hit")
print(" ".join(sorted(active)))
PY
)
res $? "one hook type armed at a time hits only that type (${why:-?})"
arm=$(grep -cE '^  (arm|disarm) +[0-9]+[.][0-9]{3} [0-9]+[.][0-9]{3}$' <<<"$out")
[ "$arm" = 2 ]
res $? "arm and disarm timed twice each (got $arm lines)"
mem=$(grep -cE '^ +(1|4) session\(s\): per-CPU +[-+][0-9]+ kB, slab +[-+][0-9]+ kB at most$' <<<"$out")
[ "$mem" = 2 ]
res $? "the module's memory with 1 and 4 sessions (got $mem lines)"
# The states were what they say: zcopy's transfers accounted, with the
# copies a read+write over the NIC makes (the file read to user, then
# written to the socket: twice its bytes); the other states not.
why=$(python3 - "$res_dir" 2>&1 <<'PY'
import json, sys
d = sys.argv[1]
for state in ("unloaded", "idle", "zcopy", "bpftrace"):
    for p in ("e1000", "loopback"):
        for m in ("sendfile", "read-write"):
            r = json.load(open(f"{d}/runs/{state}-{p}-{m}-0.json"))
            if (state == "zcopy") != bool(r.get("accounted")):
                sys.exit(f"{state} {p} {m}: accounted is {r.get('accounted')}")
r = json.load(open(f"{d}/runs/zcopy-e1000-read-write-0.json"))
if r["cpu_copy_bytes"] < 2 * r["bytes"]:
    sys.exit(f"zcopy read-write over e1000: {r['cpu_copy_bytes']} bytes copied "
             f"for {r['bytes']} sent, want at least twice")
j = json.load(open(f"{d}/bench.json"))
if len(j["transfers"]) != 4:
    sys.exit("bench.json: not 4 transfer rows")
PY
)
res $? "zcopy's state accounted its transfers, the others did not ${why:+($why)}"
# bpftrace's exit print: @syscalls: N and @copy[FN, DIR]: BYTES.
bt=$res_dir/bpftrace-run0.txt
sc=$(sed -n 's/^@syscalls: \([0-9]*\)$/\1/p' "$bt" 2>/dev/null)
cp=$(grep -cE '^@copy\[[a-z_]+, (to-user|from-user)\]: [1-9][0-9]*$' "$bt" 2>/dev/null)
[ "${sc:-0}" -gt 0 ] && [ "${cp:-0}" -ge 2 ]
res $? "bpftrace counted the transfers' system calls (${sc:-none}) and copies to and from user ($cp)"
# As it found the module: loaded with its defaults, or not.
! [ -d /sys/module/zcopy ] || rmmod zcopy
[ $was = 0 ] || insmod "$ZCOPY_MODULE"
[ $fails -eq 0 ]
