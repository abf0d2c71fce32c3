#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The zcopy binary on this host, without the kernel module (TAP):
# - every command that needs the module says it is not loaded, exit 1;
# - usage errors exit 2;
# - "zcopy sink" + "zcopy run --no-account" move every byte over loopback,
#   for each method that works there, and copy-file-range copies a file;
#   the calls and bytes each run reports, and its zerocopy completions,
#   are checked against what strace saw the transfer do (strace needed);
# - run -j and demo -j print JSON with the contract's keys;
# - as root: the demo's own sink in a network namespace, and scatter-gather
#   restored after a normal run and after SIGTERM, on a veth pair in a
#   private namespace.
#
# ZCOPY: the binary (default ./zcopy). PYTHON: python3.

ZCOPY=${ZCOPY:-./zcopy}
case "$ZCOPY" in /*) ;; *) ZCOPY=$PWD/$ZCOPY ;; esac
PYTHON=${PYTHON:-python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/zcopy-lb.XXXXXX")
n=0
failed=0
SINK=

cleanup() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
unset ZCOPY_PEER_ADDR ZCOPY_PEER_NS ZCOPY_DEV ZCOPY_DISK_DIR

ok() {	# ok COND-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

check() {	# check NAME CMD...: ok if CMD succeeds
	name=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$name"
}

skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# expect CODE NAME -- CMD...: exit code and, if $WANT is set, stderr text
expect() {
	code=$1 name=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	st=1
	[ "$rc" -eq "$code" ] && st=0
	if [ -n "$WANT" ] && ! grep -qF -- "$WANT" "$T/err"; then
		st=1
	fi
	ok $st "$name"
	[ $st -ne 0 ] && sed 's/^/# /' "$T/err" && echo "# exit $rc"
	WANT=
}

MOD="kernel module not loaded (load it with 'insmod zcopy.ko' or 'modprobe zcopy')"

# --- without the module -------------------------------------------------
dd if=/dev/urandom of="$T/src" bs=1M count=4 2>/dev/null
for c in "stats" "sessions" "probes" "reset" "watch -n 1" "stat -- true" \
	 "stat -p 1" "run read-write --peer 127.0.0.1:9 --file $T/src --warm"; do
	# shellcheck disable=SC2086 # $c is a command line
	WANT=$MOD expect 1 "no module: zcopy $c" -- "$ZCOPY" $c
done

# --- usage errors -------------------------------------------------------
WANT="unknown command 'frobnicate'" expect 2 "usage: unknown command" -- "$ZCOPY" frobnicate
WANT="unknown method 'teleport'" expect 2 "usage: unknown method" -- \
	"$ZCOPY" run teleport --to "$T/x" --file "$T/src"
WANT="--peer ADDR:PORT or --to FILE" expect 2 "usage: run without destination" -- \
	"$ZCOPY" run sendfile --file "$T/src"
WANT="bad --size" expect 2 "usage: bad size" -- \
	"$ZCOPY" run sendfile --file "$T/src" --to "$T/x" --size 3parsecs
WANT="--check needs the measurements" expect 2 "usage: demo --check --no-account" -- \
	"$ZCOPY" demo --check --no-account --peer 127.0.0.1:9 --file "$T/src"
expect 0 "zcopy --help" -- "$ZCOPY" --help
expect 0 "zcopy run -h" -- "$ZCOPY" run -h

# --- --help, completion: the same options --------------------------------
if command -v bash >/dev/null; then
	for c in run demo stat stats sessions watch reset probes sink; do
		"$ZCOPY" $c --help >"$T/help" 2>/dev/null
		rc=$?
		# the option column: "  -x, --long ARG  what (default)"
		grep -E '^ +(-[a-zA-Z], )?--[a-z]' "$T/help" >"$T/optlines"
		help=$(sed -E 's/^ +((-[a-zA-Z]), )?(--[a-z][a-z-]*).*/\2 \3/' "$T/optlines" |
			tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
		comp=$(bash -c '. "$1"; COMP_WORDS=(zcopy "$2" -); COMP_CWORD=2; _zcopy
			printf "%s\n" "${COMPREPLY[@]}"' sh "$(dirname "$0")/../zcopy.bash-completion" "$c" |
			grep -vx -- -- | sort -u | tr '\n' ' ')
		ok "$([ $rc -eq 0 ] && [ "$help" = "$comp" ]; echo $?)" \
			"$c --help (stdout, exit 0) and its completion list the same options"
		[ "$help" != "$comp" ] && echo "# help: $help" && echo "# comp: $comp"
		missing=
		for opt in $help; do
			grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" \
				"$(dirname "$0")/../zcopy.8" || missing="$missing $opt"
		done
		ok "$([ -z "$missing" ]; echo $?)" "$c: the man page has every option${missing:+ (missing:$missing)}"
		check "$c --help: one line per option, each with its default" test \
			"$(grep -vcE '\)$|--help|--json' "$T/optlines")" -eq 0
	done
else
	skip "bash missing: completion not checked"
fi

# --- transfers over loopback --------------------------------------------
"$ZCOPY" sink --listen 127.0.0.1:0 -v >"$T/sink.log" 2>&1 &
SINK=$!
i=0
while ! grep -q listening "$T/sink.log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
PORT=$(sed -n 's/^sink: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/sink.log")
check "sink listens (port $PORT)" test -n "$PORT"

received() {	# bytes of the Nth connection the sink reported
	i=0
	while [ "$(grep -c ' bytes' "$T/sink.log")" -lt "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep ' bytes' "$T/sink.log" | sed -n "${1}s/.*: \([0-9]*\) bytes.*/\1/p"
}

# What the transfer really did, seen by strace (one file per thread, so no
# call is split): "CALLS BYTES SQES" = the successful data calls on the TCP
# socket to the sink, the bytes they returned, and the SQEs io_uring_enter()
# consumed.
STRACE="strace -ff -qq -yy -e signal=none -e trace=write,writev,sendfile,splice,sendmsg,sendto,io_uring_enter"
# LeakSanitizer cannot run under ptrace: it is off in the traced runs only
# (the untraced runs below, the demo's among them, still check for leaks).
traced() {	# traced CMD...: run CMD under strace into $T/st.*
	rm -f "$T"/st.*
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 $STRACE -o "$T/st" "$@"
}
seen() {
	cat "$T"/st.* | awk -v sock="->127.0.0.1:$PORT]>" '
		index($0, sock) && match($0, /\) = [0-9]+$/) {
			calls++; bytes += substr($0, RSTART + 4)
		}
		/^io_uring_enter\(/ && match($0, /\) = [0-9]+$/) { sqes += substr($0, RSTART + 4) }
		END { printf "%d %d %d\n", calls, bytes, sqes }'
}
# The CLI's own figures, from its report: "CALLS BYTES", "COPIED TOTAL".
reported() {
	sed -n 's/^  transferred .* (\([0-9]*\) bytes) in \([0-9]*\) calls.*/\2 \1/p' "$T/run.out"
}
completions() {
	sed -n 's/^  zerocopy .*(\([0-9]*\) of \([0-9]*\) completions copied).*/\1 \2/p' "$T/run.out"
}

conn=0
for m in read-write mmap-write sendfile splice odirect-write msg-zerocopy io-uring-zc; do
	traced "$ZCOPY" run $m --no-account --warm --file "$T/src" --size 3M --chunk 64k \
		--peer 127.0.0.1:"$PORT" >"$T/run.out" 2>"$T/run.err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "unavailable" "$T/run.err"; then
		skip "$m unavailable here: $(grep unavailable "$T/run.err")"
		continue
	fi
	conn=$((conn + 1))
	ok $rc "run $m --no-account: exit 0"
	got=$(received $conn)
	check "run $m: sink received 3145728 bytes (got $got)" test "$got" = 3145728
	# shellcheck disable=SC2046 # split into numbers on purpose
	set -- $(seen)
	calls=$1 bytes=$2 sqes=$3
	# shellcheck disable=SC2046
	set -- $(reported) x x
	rcalls=$1 rbytes=$2
	# Each call the report counts is one successful send on the socket
	# (io_uring: one SQE submitted), and what they sent adds up.
	if [ $m = io-uring-zc ]; then want=$sqes; else want=$calls; fi
	check "run $m: reports $rbytes bytes in $rcalls calls; strace saw $want" \
		test "$rcalls" = "$want" -a "$rbytes" = 3145728 -a "$want" -gt 0
	[ $m = io-uring-zc ] ||
		check "run $m: strace saw the socket take 3145728 bytes (got $bytes)" \
			test "$bytes" = 3145728
	case $m in msg-zerocopy|io-uring-zc)
		# shellcheck disable=SC2046
		set -- $(completions) x x
		copied=$1 total=$2
		# One completion per zerocopy send (strace's count, not the
		# CLI's), and on loopback the kernel always copies.
		check "run $m: verdict copied, $copied of $total completions for $want sends" \
			test "$total" = "$want" -a "$copied" = "$want" -a "$want" -gt 0
	esac
done

# many connections at once
before=$(grep -c ' bytes' "$T/sink.log")
pids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$ZCOPY" run sendfile --no-account --warm --file "$T/src" --size 1M \
		--peer 127.0.0.1:"$PORT" >/dev/null 2>&1 &
	pids="$pids $!"
done
allok=0
for p in $pids; do
	wait "$p" || allok=1
done
ok $allok "12 concurrent transfers succeed"
received $((before + 12)) >/dev/null
check "sink counted 12 connections of 1048576 bytes" test \
	"$(tail -n 12 "$T/sink.log" | grep -c ': 1048576 bytes$')" = 12

# --once: the sink ends after its first connection
"$ZCOPY" sink --listen 127.0.0.1:0 --once -v >"$T/once.log" 2>&1 &
ONCE=$!
i=0
while ! grep -q listening "$T/once.log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
P1=$(sed -n 's/^sink: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/once.log")
"$ZCOPY" run mmap-write --no-account --warm --file "$T/src" --size 1M \
	--peer 127.0.0.1:"$P1" >/dev/null 2>&1
i=0
while kill -0 "$ONCE" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
check "sink --once exits after one connection" test $i -lt 50
wait "$ONCE"
ok $? "sink --once: exit 0"
check "sink --once: reported 1048576 bytes" grep -q ': 1048576 bytes$' "$T/once.log"

"$ZCOPY" run copy-file-range --no-account --warm --file "$T/src" --to "$T/copy" >/dev/null 2>&1
ok $? "run copy-file-range --to"
cmp -s "$T/src" "$T/copy"
ok $? "copy-file-range: identical file"
"$ZCOPY" run read-write --no-account --warm --file "$T/src" --to "$T/copy2" --chunk 1000 >/dev/null 2>&1
cmp -s "$T/src" "$T/copy2"
ok $? "read-write --to with odd chunks: identical file"

WANT="connect to 127.0.0.1:1: Connection refused" expect 1 "run: refused connection named" -- \
	"$ZCOPY" run sendfile --no-account --warm --file "$T/src" --peer 127.0.0.1:1

# --- JSON ---------------------------------------------------------------
traced "$ZCOPY" run splice -j --no-account --warm --file "$T/src" --size 1M \
	--peer 127.0.0.1:"$PORT" >"$T/run.json" 2>/dev/null
# shellcheck disable=SC2046 # the numbers strace saw, as arguments
$PYTHON - "$T/run.json" $(seen) <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
calls, sent = int(sys.argv[2]), int(sys.argv[3])   # what strace saw
assert d["method"] == "splice" and d["status"] == "ok", d
assert d["bytes"] == 1048576 == sent and d["calls"] == calls > 0, (d, calls, sent)
assert d["accounted"] is False and d["cpu_copies"] is None
EOF
ok $? "run -j: valid JSON with bytes, calls, accounted"

"$ZCOPY" demo -j --no-account --warm --file "$T/src" --size 2M --dev lo \
	--peer 127.0.0.1:"$PORT" >"$T/demo.json" 2>"$T/demo.err"
ok $? "demo --no-account -j over loopback: exit 0"
$PYTHON - "$T/demo.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("kernel", "nic", "nic_sg", "file_bytes", "methods"):
    assert k in d, k
assert d["file_bytes"] == 2097152 and d["nic"] == "lo" and d["nic_sg"] is True
names = [m["label"] for m in d["methods"]]
assert names[:4] == ["read-write", "mmap-write", "sendfile", "sendfile (sg off)"], names
for m in d["methods"]:
    for k in ("method", "bytes", "cpu_copy_bytes", "dma_bytes", "cpu_copies",
              "dma_copies", "mode_switches", "context_switches",
              "nic_sg", "expected", "verdict"):
        assert k in m, (m["label"], k)
    assert "syscalls" not in m, m  # once, in detail.counters (schema 2)
    assert set(m["expected"]) >= {"cpu_copies", "dma_copies"}
    assert m["verdict"] in ("ok", "off", "unavailable", "unmeasured"), m
    if m["label"] == "sendfile (sg off)":   # lo's SG is fixed
        assert m["verdict"] == "unavailable" and "lo" in m["reason"], m
    elif m["status"] == "ok":
        assert m["bytes"] == 2097152 and m["nic_sg"] is True, m
        assert m["verdict"] == "unmeasured", m
assert [m["expected"]["cpu_copies"] for m in d["methods"]][:4] == [2, 1, 0, 1]
EOF
ok $? "demo -j: the contract's keys and values"

# --- nothing lost, nothing made unasked ------------------------------------
cp "$T/src" "$T/keep"
ln "$T/src" "$T/hard"
ln -s "$T/src" "$T/sym"
for to in src hard sym; do
	WANT="is the input file $T/src (the same inode)" expect 1 \
		"run --to $to --force: the input itself is refused" -- \
		"$ZCOPY" run read-write --no-account --warm --file "$T/src" --to "$T/$to" --force
done
check "run --to the input: the input is intact" cmp -s "$T/src" "$T/keep"
echo old >"$T/exists"
WANT="--to $T/exists exists: give --force to replace it" expect 1 \
	"run --to an existing file without --force: refused" -- \
	"$ZCOPY" run read-write --no-account --warm --file "$T/src" --to "$T/exists"
check "run --to without --force: the file is untouched" grep -qx old "$T/exists"
expect 0 "run --to an existing file with --force: replaced" -- \
	"$ZCOPY" run read-write --no-account --warm --file "$T/src" --to "$T/exists" --force
check "run --force: the copy is the input" cmp -s "$T/src" "$T/exists"
rm -f "$T/hard" "$T/sym" "$T/exists" "$T/keep"

WANT="--file $T/typo.dat: No such file or directory" expect 1 \
	"run --file MISSING: an error naming the path" -- \
	"$ZCOPY" run sendfile --no-account --warm --file "$T/typo.dat" --peer 127.0.0.1:"$PORT"
check "run --file MISSING: no file was made" test ! -e "$T/typo.dat"
WANT="--file $T/typo.dat: No such file or directory" expect 1 \
	"demo --file MISSING: an error naming the path" -- \
	"$ZCOPY" demo --no-account --warm --file "$T/typo.dat" --peer 127.0.0.1:"$PORT"
check "demo --file MISSING: no file was made" test ! -e "$T/typo.dat"
"$ZCOPY" demo --no-account --warm --file "$T/made.dat" --create --size 1M \
	--methods sendfile --sg on --peer 127.0.0.1:"$PORT" >"$T/out" 2>"$T/err"
ok $? "demo --create: exit 0"
check "demo --create: says it wrote the file" \
	grep -q "scratch file: wrote 1048576 bytes of pseudo-random data to $T/made.dat" "$T/out"
check "demo --create: the file has 1 MiB" test "$(stat -c %s "$T/made.dat")" = 1048576
head -c 3000000 "$T/src" >"$T/odd.dat"
"$ZCOPY" demo -j --no-account --warm --file "$T/odd.dat" --methods sendfile --sg on \
	--peer 127.0.0.1:"$PORT" >"$T/odd.json" 2>/dev/null
$PYTHON - "$T/odd.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["file_bytes"] == 3000000 and d["methods"][0]["bytes"] == 3000000, d
EOF2
ok $? "demo --file F: sends all of F (3000000 bytes) without --size"

# --- cold cache: only the file, verified ------------------------------------
"$ZCOPY" run sendfile -j --no-account --file "$T/src" --peer 127.0.0.1:"$PORT" \
	>"$T/cold.json" 2>/dev/null
$PYTHON - "$T/cold.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cache_pages"] == 1024 and d["cache_resident_pages"] == 0, d
assert d["cache_note"].startswith("cold (all 1024 pages"), d
EOF2
ok $? "run --cold: all 1024 pages evicted (mincore), said in the JSON"

"$PYTHON" "$(dirname "$0")/schema_check.py" "$(dirname "$0")/../zcopy.schema.json" \
	"$T/run.json" "$T/demo.json" "$T/cold.json" "$T/odd.json" >"$T/schema.out" 2>&1
rc=$?
ok $rc "run -j, demo -j (the binary): valid against zcopy.schema.json"
[ $rc -ne 0 ] && sed 's/^/# /' "$T/schema.out"

# --- failing well --------------------------------------------------------------
WANT="cannot resolve 'no-such-host.invalid': " expect 2 \
	"run: an unresolvable name gives the resolver's reason" -- \
	"$ZCOPY" run sendfile --no-account --file "$T/src" --peer no-such-host.invalid:9
# A listener whose backlog is full drops SYNs: a peer that does not answer.
$PYTHON -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
cs = []
for i in range(8):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    cs.append(c)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/full.port" &
FULL=$!
i=0; while [ ! -s "$T/full.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
WANT="connect to 127.0.0.1:$(cat "$T/full.port"): no answer within 1 s (--connect-timeout)" \
	expect 1 "run: a peer that does not answer: connect timeout named" -- \
	"$ZCOPY" run sendfile --no-account --warm --file "$T/src" \
	--peer 127.0.0.1:"$(cat "$T/full.port")" --connect-timeout 1
check "run: gave up within 5 s" test $(($(date +%s) - t0)) -le 5
kill $FULL 2>/dev/null; wait $FULL 2>/dev/null
dd if=/dev/zero of="$T/zero" bs=1M count=64 2>/dev/null
$PYTHON -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(30)' >"$T/deaf.port" &
DEAF=$!
i=0; while [ ! -s "$T/deaf.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
WANT="stalled: 127.0.0.1:$(cat "$T/deaf.port") took no data for 1 s" expect 1 \
	"run: a peer that stops reading: stall timeout named" -- \
	"$ZCOPY" run sendfile --no-account --warm --file "$T/zero" \
	--peer 127.0.0.1:"$(cat "$T/deaf.port")" --stall-timeout 1
kill $DEAF 2>/dev/null; wait $DEAF 2>/dev/null
$PYTHON -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
while c.recv(1 << 20): pass
time.sleep(60)' >"$T/open.port" &
OPEN=$!
i=0; while [ ! -s "$T/open.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
expect 0 "run: a peer that reads all but never closes: done" -- \
	"$ZCOPY" run sendfile --no-account --warm --file "$T/src" --peer 127.0.0.1:"$(cat "$T/open.port")"
check "run: ... without waiting for its close (within 5 s)" test $(($(date +%s) - t0)) -le 5
kill $OPEN 2>/dev/null; wait $OPEN 2>/dev/null
"$ZCOPY" run sendfile --no-account --warm --file "$T/src" --peer 127.0.0.1:1 \
	>"$T/out" 2>"$T/err"
check "run: a failure is reported once" test "$(grep -c 'Connection refused' "$T/out" "$T/err" |
	awk -F: '{ n += $2 } END { print n }')" = 1
if getent ahosts localhost 2>/dev/null | head -1 | grep -q '^::1 '; then
	"$ZCOPY" run sendfile -j --no-account --warm --file "$T/src" --size 1M \
		--peer localhost:"$PORT" --connect-timeout 2 >"$T/lh.json" 2>"$T/err"
	ok $? "run --peer localhost: ::1 refused, then 127.0.0.1 (every address tried)"
	check "run --peer localhost: connected to 127.0.0.1" grep -q "\"dest\": \"127.0.0.1:$PORT\"" "$T/lh.json"
else
	skip "localhost does not resolve to ::1 first here"
fi
WANT="stat: -o /nonexistent/x: No such file or directory" expect 1 \
	"stat -o /nonexistent/x: refused before the command runs" -- \
	"$ZCOPY" stat -o /nonexistent/x -- touch "$T/ran"
check "stat -o /nonexistent/x: the command did not run" test ! -e "$T/ran"
WANT="stats: bad --format 'yaml' (text, openmetrics or prometheus)" expect 2 \
	"stats --format yaml: a usage error naming the value" -- "$ZCOPY" stats --format yaml
WANT="stats: unknown option '-f'" expect 2 \
	"stats -f: no short letter (-f is --file elsewhere)" -- "$ZCOPY" stats -f text

kill "$SINK" 2>/dev/null
wait "$SINK" 2>/dev/null
SINK=

# --- as root: netns sink and scatter-gather on a veth pair ---------------
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
	skip "namespace tests need root, ip and unshare"
else
	cat >"$T/ns.sh" <<EOF
set -e
mount --make-rprivate / 2>/dev/null || true
mkdir -p /run/netns
mount -t tmpfs tmpfs /run/netns
ip link set lo up
ip netns add zcl
ip link add zcv0 type veth peer name zcv1
ip link set zcv1 netns zcl
ip addr add 198.18.0.1/24 dev zcv0
ip link set zcv0 up
ip -n zcl addr add 198.18.0.2/24 dev zcv1
ip -n zcl link set zcv1 up
ip -n zcl link set lo up
"$ZCOPY" demo -j --no-account --warm --file "$T/src" --size 1M \
	--peer-ns zcl --peer 198.18.0.2 --dev zcv0 --methods sendfile,splice \
	>"$T/ns.json"
ethtool -k zcv0 | grep -q '^scatter-gather: on' && echo SG-RESTORED
# SIGTERM while the first row (SG off) is blocked on a peer that never reads
ip netns exec zcl $PYTHON -c 'import socket,time; s=socket.socket(); s.bind(("198.18.0.2",7777)); s.listen(); open("$T/listening","w").close(); time.sleep(30)' &
PY=\$!
i=0
until [ -e "$T/listening" ] || [ \$i -ge 100 ]; do sleep 0.1; i=\$((i + 1)); done
dd if=/dev/zero of="$T/big" bs=1M count=64 2>/dev/null
"$ZCOPY" demo --no-account --warm --file "$T/big" --peer 198.18.0.2:7777 \
	--dev zcv0 --sg off --methods sendfile >/dev/null 2>&1 &
D=\$!
# wait (10 s at most) for the demo to turn SG off, however loaded the host
i=0
while [ \$i -lt 100 ]; do
	ethtool -k zcv0 | grep -q '^scatter-gather: off' && { echo SG-OFF-DURING; break; }
	sleep 0.1
	i=\$((i + 1))
done
kill -TERM \$D
wait \$D || true
ethtool -k zcv0 | grep -q '^scatter-gather: on' && echo SG-RESTORED-AFTER-SIGTERM
kill \$PY
EOF
	unshare -m -n sh "$T/ns.sh" >"$T/ns.out" 2>"$T/ns.err"
	check "demo restores scatter-gather" grep -q '^SG-RESTORED$' "$T/ns.out"
	$PYTHON - "$T/ns.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {m["label"]: m for m in d["methods"]}
assert d["nic"] == "zcv0" and d["nic_sg"] is True, d
off = rows["sendfile (sg off)"]
assert off["status"] == "ok" and off["nic_sg"] is False and off["bytes"] == 1048576, off
assert rows["sendfile"]["nic_sg"] is True and rows["splice"]["status"] == "ok"
assert d["peer"].startswith("198.18.0.2:") and d["peer_ns"] == "zcl"
EOF
	ok $? "demo: sink in netns, sendfile with SG off really ran"
	check "SG off during the transfer" grep -q '^SG-OFF-DURING$' "$T/ns.out"
	check "SG restored after SIGTERM" grep -q '^SG-RESTORED-AFTER-SIGTERM$' "$T/ns.out"
	[ $failed -ne 0 ] && sed 's/^/# /' "$T/ns.err"
fi

echo "1..$n"
[ $failed -eq 0 ]
