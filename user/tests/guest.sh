#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The CLI against the real zcopy.ko, in a lab guest (TAP):
#   make run CMD='sh user/tests/guest.sh' [KVER=6.12]
# Needs the lab's environment (ZCOPY_DEV, ZCOPY_PEER_NS, ZCOPY_PEER_ADDR,
# ZCOPY_DISK_DIR) and the module loaded; skips everything otherwise.

ZCOPY=${ZCOPY:-$(dirname "$0")/../zcopy}
PYTHON=${PYTHON:-python3}
SIZE=${GUEST_SIZE:-4M}
T=$(mktemp -d)
n=0
failed=0
trap 'rm -rf "$T"' EXIT

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

check() {	# check NAME CMD...
	name=$1
	shift
	"$@" >"$T/check.out" 2>&1
	rc=$?
	ok $rc "$name"
	[ $rc -ne 0 ] && sed 's/^/# /' "$T/check.out"
	return $rc
}

py() {	# py NAME FILE SCRIPT: python asserts on a JSON document
	name=$1 file=$2 script=$3
	check "$name" "$PYTHON" -c "import json,sys
d=json.load(open(sys.argv[1]))
$script" "$file"
}

if [ "${ZCOPY_MODULE_LOADED:-0}" != 1 ] || [ -z "$ZCOPY_DEV" ]; then
	echo "1..0 # SKIP not in a lab guest with zcopy.ko loaded"
	exit 0
fi
F=$ZCOPY_DISK_DIR/guest.dat

# --- the family answers ------------------------------------------------
"$ZCOPY" probes -j >"$T/probes.json"
ok $? "probes -j"
py "probes: every probe has a name, type and state" "$T/probes.json" \
	"assert d['probes'] and all(p['name'] and p['type'] in ('fentry','tracepoint','kprobe') and p['state'] in ('off','active','unavailable') for p in d['probes'])"
"$ZCOPY" stats -j >"$T/stats.json"
py "stats -j: version 1" "$T/stats.json" "assert d['version'] == 1 and d['max_sessions'] > 0"

# --- every SG-on method within the textbook ------------------------------
"$ZCOPY" demo -j --check --sg on --size "$SIZE" --file "$F" --create >"$T/demo.json" 2>"$T/demo.err"
ok $? "demo --check --sg on: every method within tolerance"
sed 's/^/# /' "$T/demo.err"
py "demo: the contract's fields, measured" "$T/demo.json" "
assert d['nic'] == '$ZCOPY_DEV' and d['nic_sg'] is True and d['kernel']
for m in d['methods']:
    assert m['verdict'] == 'ok', m['label']
    assert m['bytes'] == d['file_bytes'] and m['nic_sg'] is True
    assert m['syscalls'] > 0 and m['mode_switches'] == 2 * m['syscalls']
    assert m['detail']['dma']['from_dev_bytes'] >= m['bytes'], m['label']
rows = {m['method']: m for m in d['methods']}
for zc in ('msg-zerocopy', 'io-uring-zc'):
    if rows[zc]['status'] == 'ok':
        assert rows[zc]['detail']['zerocopy']['verdict'] == 'zerocopy', zc"

# --- SG off: the copy moves to transmit, and SG comes back -----------------
"$ZCOPY" demo -j --sg both --methods sendfile --size "$SIZE" --file "$F" >"$T/sg.json"
ok $? "demo --sg both, sendfile"
py "sendfile with SG off copies once, at transmit (k2k)" "$T/sg.json" "
on, off = d['methods']
assert on['nic_sg'] is True and off['nic_sg'] is False
assert on['detail']['copy']['k2k_bytes'] == 0, on['detail']['copy']
assert off['detail']['copy']['k2k_bytes'] >= 0.99 * off['bytes'], off['detail']['copy']"
check "scatter-gather restored" sh -c "ethtool -k $ZCOPY_DEV | grep -q '^scatter-gather: on'"

# SIGTERM while SG is off and the transfer is stuck on a peer that never reads
ip netns exec "$ZCOPY_PEER_NS" "$PYTHON" -c 'import socket,time
s=socket.socket(); s.bind(("'"$ZCOPY_PEER_ADDR"'", 7777)); s.listen(); time.sleep(60)' &
L=$!
sleep 1
"$ZCOPY" demo --sg off --methods sendfile --warm --size 64M --file "$ZCOPY_DISK_DIR/big.dat" --create \
	--peer "$ZCOPY_PEER_ADDR:7777" >/dev/null 2>&1 &
D=$!
i=0
until ethtool -k "$ZCOPY_DEV" | grep -q '^scatter-gather: off' || [ $i -ge 100 ]; do
	sleep 0.2; i=$((i + 1))
done
check "demo --sg off turned SG off" test $i -lt 100
sleep 1
kill -TERM "$D"
wait "$D"
ok "$([ $? -eq 143 ]; echo $?)" "demo died of SIGTERM"
check "SG restored after SIGTERM" sh -c "ethtool -k $ZCOPY_DEV | grep -q '^scatter-gather: on'"
kill "$L" 2>/dev/null; wait "$L" 2>/dev/null
rm -f "$ZCOPY_DISK_DIR/big.dat"

# --- run -------------------------------------------------------------------
"$ZCOPY" run read-write -j --size "$SIZE" --file "$F" >"$T/rw.json"
ok $? "run read-write -j"
py "run read-write: two CPU copies, two DMA copies" "$T/rw.json" \
	"r = d['retrans_bytes'] / d['bytes']; assert abs(d['cpu_copies'] - 2) <= 0.01 and 2 <= d['dma_copies'] <= 2.1 + r, d"
"$ZCOPY" run sendfile -j --size "$SIZE" --file "$F" --peer "[$ZCOPY_PEER_ADDR6]" >"$T/v6.json"
ok $? "run sendfile to the peer's IPv6 address (sink started in $ZCOPY_PEER_NS)"
py "run sendfile over IPv6: no CPU copy, the NIC's DMA" "$T/v6.json" "
assert d['dest'] == '[$ZCOPY_PEER_ADDR6]:' + d['dest'].rsplit(':', 1)[1], d['dest']
assert d['status'] == 'ok' and d['bytes'] > 0 and d['cpu_copies'] <= 0.01, d
dev = [x for x in d['detail']['devices'] if x.get('label') == '$ZCOPY_DEV']
assert dev and dev[0]['to_dev_bytes'] >= d['bytes'], d['detail']['devices']"
check "run copy-file-range --to" "$ZCOPY" run copy-file-range --size "$SIZE" \
	--file "$F" --to "$ZCOPY_DISK_DIR/guest.copy"
check "copy-file-range: identical bytes" cmp -n "$(stat -c %s "$ZCOPY_DISK_DIR/guest.copy")" \
	"$F" "$ZCOPY_DISK_DIR/guest.copy"

# --- stat --------------------------------------------------------------------
"$ZCOPY" stat -o "$T/stat.txt" -- sh -c 'exit 5'
ok "$([ $? -eq 5 ]; echo $?)" "stat: exit status of the command"
"$ZCOPY" stat -j -o "$T/dd.json" -- dd if="$F" of=/dev/null bs=1M 2>/dev/null
ok $? "stat -j -- dd"
py "stat: dd's read copies counted, children followed" "$T/dd.json" "
s = d['sessions'][0]
assert d['children'] is True and d['exit_status'] == 0
assert s['counters']['copy_k2u_bytes'] >= 4194304, s['counters']"

# stat -p: the process waits for $T/go, which is made once its session exists
sh -c 'while [ ! -e "$1" ]; do sleep 0.1; done
dd if="$2" of=/dev/null bs=1M 2>/dev/null; sleep 30' sh "$T/go" "$F" &
P=$!
"$ZCOPY" stat -j -o "$T/pid.json" -p "$P" -d 6 &
S=$!
i=0
until "$ZCOPY" sessions -j | grep -q "\"pid\": $P," || [ $i -ge 100 ]; do
	sleep 0.2; i=$((i + 1))
done
touch "$T/go"
wait "$S"
ok $? "stat -p PID -d 6"
kill "$P"; wait "$P" 2>/dev/null
py "stat -p: the process's child dd counted" "$T/pid.json" "
s = d['sessions'][0]
assert s['pid'] == $P and s['counters']['copy_k2u_bytes'] >= 4194304, s"

# --- sessions, reset, watch, events ---------------------------------------------
"$ZCOPY" sessions -j >"$T/sessions.json"
py "no session left behind" "$T/sessions.json" "assert d['sessions'] == [], d"
"$ZCOPY" reset -S 999 2>"$T/reset.err"
ok "$([ $? -eq 1 ]; echo $?)" "reset of a missing session fails"
check "reset: the kernel's message" grep -q "no such session" "$T/reset.err"
check "reset of the global counters" "$ZCOPY" reset
"$ZCOPY" watch -j -n 2 -i 0.2 >"$T/watch.json"
check "watch -n 2: two JSON samples" test "$(wc -l <"$T/watch.json")" -eq 2
"$ZCOPY" watch --events -j >"$T/events.json" 2>&1 &
W=$!
sleep 1
"$ZCOPY" stat -o /dev/null -- true
sleep 1
kill "$W"
wait "$W"
check "watch --events: a session-end event, deleted" \
	grep -q '"event":"session-end".*"end_reason":"deleted"' "$T/events.json"

# === issue 10: the measured window, cold eviction, SG after SIGQUIT/SIGKILL ===
# (one function, kept apart from the checks above)
cli_issue10() {
	G=$ZCOPY_DISK_DIR/issue10.dat
	"$ZCOPY" run read-write -j --create --size 4M --file "$G" >"$T/i10rw.json" 2>/dev/null
	ok $? "i10: run read-write (cold)"
	py "i10: read-write: exactly 2 syscalls per call in the window (4 mode switches)" \
		"$T/i10rw.json" "
assert d['calls'] == 64 and d['syscalls'] == 128 and d['mode_switches'] == 256, d
assert d['syscalls_after_loop'] > 0, d"
	py "i10: cold: all 1024 pages evicted (mincore), the disk read them all" \
		"$T/i10rw.json" "
assert d['cache_pages'] == 1024 and d['cache_resident_pages'] == 0, d
assert d['detail']['dma']['from_dev_bytes'] >= d['bytes'], d['detail']['dma']"
	"$ZCOPY" run sendfile -j --size 4M --file "$G" >"$T/i10sf.json" 2>/dev/null
	ok $? "i10: run sendfile"
	py "i10: sendfile: exactly 1 syscall per call (2 mode switches)" "$T/i10sf.json" "
assert d['calls'] == 64 and d['syscalls'] == 64 and d['mode_switches_per_call'] == 2, d"
	"$ZCOPY" run mmap-write -j --size 4M --file "$G" >"$T/i10mm.json" 2>/dev/null
	py "i10: mmap-write: 1 write per call (the book's 4 is one mmap + one write)" \
		"$T/i10mm.json" "assert d['syscalls'] == d['calls'] == 64, d"
	"$ZCOPY" demo -j --sg on --methods read-write,mmap-write,sendfile --size 4M \
		--file "$G" >"$T/i10demo.json" 2>/dev/null
	py "i10: demo: measured mode switches equal the book on the same basis" \
		"$T/i10demo.json" "
for m in d['methods']:
    e = m['expected']
    assert m['mode_switches_per_call'] == e['mode_switches_per_call'], m
assert [m['expected']['mode_switches_book'] for m in d['methods']] == [4, 4, 2]"
	# A cold run evicts its own file and leaves another file's cache alone
	# (fincore reads mincore(), as zcopy does).
	if command -v fincore >/dev/null; then
		dd if="$F" of=/dev/null bs=1M 2>/dev/null
		fsz=$(stat -c %s "$F")
		res=$(fincore -b -n -o RES "$F")
		"$ZCOPY" run sendfile -j --size 4M --file "$G" >"$T/i10c.json" 2>/dev/null
		check "i10: another file stays cached through a cold run ($res -> $(fincore -b -n -o RES "$F") of $fsz bytes)" \
			test "$(fincore -b -n -o RES "$F")" -ge "$res"
		check "i10: (and it was cached before: $res of $fsz bytes)" test "$res" -ge $((fsz / 2))
	else
		n=$((n + 1)); echo "ok $n # SKIP fincore (util-linux) missing"
	fi
	# SG comes back after SIGQUIT (handler) and SIGKILL (the guard process).
	for sig in QUIT KILL; do
		ip netns exec "$ZCOPY_PEER_NS" "$PYTHON" -c 'import socket,time
s=socket.socket(); s.bind(("'"$ZCOPY_PEER_ADDR"'", 7778)); s.listen(); time.sleep(60)' &
		L=$!
		sleep 1
		"$ZCOPY" demo --sg off --methods sendfile --warm --size 64M --create \
			--file "$ZCOPY_DISK_DIR/i10big.dat" --peer "$ZCOPY_PEER_ADDR:7778" \
			>/dev/null 2>"$T/i10sig.err" &
		D=$!
		i=0
		until ethtool -k "$ZCOPY_DEV" | grep -q '^scatter-gather: off' || [ $i -ge 300 ]; do
			sleep 0.2; i=$((i + 1))
		done
		check "i10: demo --sg off turned SG off (before SIG$sig)" test $i -lt 300
		kill -"$sig" "$D"
		wait "$D"
		i=0
		until ethtool -k "$ZCOPY_DEV" | grep -q '^scatter-gather: on' || [ $i -ge 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		check "i10: SG restored after SIG$sig" sh -c "ethtool -k $ZCOPY_DEV | grep -q '^scatter-gather: on'"
		kill "$L" 2>/dev/null; wait "$L" 2>/dev/null
	done
	# Every command's JSON from the real module against the schema.
	"$ZCOPY" stats -j >"$T/i10stats.json"
	"$ZCOPY" probes -j >"$T/i10probes.json"
	"$ZCOPY" stat -j -o "$T/i10stat.json" -- dd if="$G" of=/dev/null bs=1M 2>/dev/null
	"$ZCOPY" watch -j -n 2 -i 0.2 >"$T/i10watch.json"
	check "i10: run, demo, stat, stats, probes, watch -j: valid (zcopy.schema.json)" \
		"$PYTHON" "$(dirname "$0")/schema_check.py" "$(dirname "$0")/../zcopy.schema.json" \
		"$T/i10rw.json" "$T/i10demo.json" "$T/i10stat.json" "$T/i10stats.json" \
		"$T/i10probes.json" "$T/i10watch.json"
	rm -f "$G" "$ZCOPY_DISK_DIR/i10big.dat"
}
cli_issue10

rm -f "$F" "$ZCOPY_DISK_DIR/guest.copy"
echo "1..$n"
[ $failed -eq 0 ]
