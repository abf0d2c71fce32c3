#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lab self-check: proves the guest topology the zcopy tests rely on.
# kselftest TAP; exit 0 pass, 1 fail, 4 skip (not in the lab guest).
set -uo pipefail

KSFT_SKIP=4
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; [ -z "${2:-}" ] || echo "# $2"; }
check() { # check DESC CMD...
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$d"
		[ -z "$out" ] || echo "# ${out//$'\n'/$'\n'# }"
	else
		nok "$d" "${out//$'\n'/ | }"
	fi
}

echo "TAP version 13"
if [ -z "${ZCOPY_PEER_NS:-}" ] || [ -z "${ZCOPY_DISK_DIR:-}" ]; then
	echo "1..0 # SKIP not running in the zcopy lab guest (scripts/lab-run)"
	exit $KSFT_SKIP
fi
echo "1..13"

peer() { ip netns exec "$ZCOPY_PEER_NS" "$@"; }
stat_of() { cat "/sys/class/net/$ZCOPY_DEV/statistics/$1"; }
peer_stat_of() { peer cat "/sys/class/net/$ZCOPY_PEER_DEV/statistics/$1"; }
# Every check runs in its own subshell (check's $(...)), where set -e does
# not apply: each step of a multi-step check asserts with "|| fail_msg",
# which ends that check at its first failing step.
fail_msg() { echo "$*"; exit 1; }
retrans() { awk '/^Tcp:/ && ++n == 2 { print $13 }' /proc/net/snmp; }

real_tool() { # the tool PATH finds is the distribution's, not busybox
	local p
	p=$(command -v "$1") || fail_msg "$1 not in PATH"
	[[ $(readlink -f "$p") != *busybox* ]] || fail_msg "$1 is busybox ($p)"
	"$p" "$2" 2>&1 | grep -q "$3" || fail_msg "$p $2 does not say '$3'"
}
check "ip is iproute2" real_tool ip -V iproute2
check "ethtool is the real ethtool" real_tool ethtool --version 'ethtool version'

local_nic() {
	ethtool -i "$ZCOPY_DEV" | grep -qx 'driver: e1000' || fail_msg "$ZCOPY_DEV is not an e1000"
	ip -br addr show dev "$ZCOPY_DEV" | grep -qw "$ZCOPY_LOCAL_ADDR/24" ||
		fail_msg "$ZCOPY_DEV lacks $ZCOPY_LOCAL_ADDR/24"
	ip route get "$ZCOPY_PEER_ADDR" | grep -qw "dev $ZCOPY_DEV" || fail_msg "peer not routed via $ZCOPY_DEV"
}
check "$ZCOPY_DEV is an e1000 with $ZCOPY_LOCAL_ADDR, the route to the peer" local_nic

peer_nic() {
	ip netns list | grep -qw "$ZCOPY_PEER_NS" || fail_msg "no netns $ZCOPY_PEER_NS"
	peer ethtool -i "$ZCOPY_PEER_DEV" | grep -qx 'driver: e1000' || fail_msg "peer NIC is not an e1000"
	peer ip -br addr show dev "$ZCOPY_PEER_DEV" | grep -qw "$ZCOPY_PEER_ADDR/24" ||
		fail_msg "$ZCOPY_PEER_DEV lacks $ZCOPY_PEER_ADDR/24"
	[ ! -e "/sys/class/net/$ZCOPY_PEER_DEV" ] || fail_msg "$ZCOPY_PEER_DEV is also in the init netns"
}
check "netns $ZCOPY_PEER_NS has e1000 $ZCOPY_PEER_DEV with $ZCOPY_PEER_ADDR" peer_nic
check "ICMP echo to the peer" sh -c "busybox ping -c 1 -W 5 '$ZCOPY_PEER_ADDR' >/dev/null"
check "ICMPv6 echo to the peer's $ZCOPY_PEER_ADDR6 via $ZCOPY_DEV" \
	sh -c "busybox ping -6 -c 1 -W 5 '$ZCOPY_PEER_ADDR6' >/dev/null &&
		ip -6 route get '$ZCOPY_PEER_ADDR6' | grep -qw 'dev $ZCOPY_DEV'"

# 2 MiB over TCP, from eth0 to the peer: the NIC counters must see it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT
size=$((2 << 20))
head -c $size /dev/urandom >"$tmp/data"
tx0=$(stat_of tx_bytes) rx0=$(peer_stat_of rx_bytes) rt0=$(retrans)
peer timeout 30 busybox nc -l -p 7777 >"$tmp/recv" &
listening() { peer ss -Hltn 'sport = :7777' | grep -q LISTEN; }
for _ in $(seq 50); do listening && break; sleep 0.1; done
send() { cat "$tmp/data" >"/dev/tcp/$ZCOPY_PEER_ADDR/7777"; }
check "TCP connect and send 2 MiB to the peer" send
wait
check "the peer received the same 2 MiB" cmp "$tmp/data" "$tmp/recv"
tx1=$(stat_of tx_bytes) rx1=$(peer_stat_of rx_bytes) rt1=$(retrans)
# What crossed the wire is the payload plus, per TCP segment of at most
# 1448 bytes, 66 bytes of Ethernet, IP and TCP headers (4.6 %), plus the
# handshake, the FIN and the ARP/ND of a first contact (well under 4 KiB),
# plus what TCP resent (at most a full 1514-byte frame per segment). So
# each counter grows by at least the payload and by no more than 5 % over
# it plus 4 KiB plus the resends: a NIC counting twice, or not at all,
# fails either way.
grew() { # grew WHAT BEFORE AFTER
	local d=$(($3 - $2)) hi=$((size + size / 20 + 4096 + (rt1 - rt0) * 1514))
	[ $d -ge $size ] || fail_msg "$1 grew by $d bytes, less than the $size sent"
	[ $d -le $hi ] || fail_msg "$1 grew by $d bytes, more than $hi for $size sent"
	echo "$1 grew by $d bytes for $size sent ($((rt1 - rt0)) segments resent)" >&2
}
check "$ZCOPY_DEV tx_bytes grew by 2 MiB plus headers" grew tx_bytes "$tx0" "$tx1"
check "peer $ZCOPY_PEER_DEV rx_bytes grew by 2 MiB plus headers" grew rx_bytes "$rx0" "$rx1"

disk() {
	findmnt -n -o SOURCE,FSTYPE "$ZCOPY_DISK_DIR" | grep -q '^/dev/nvme.* ext4$' ||
		fail_msg "$ZCOPY_DISK_DIR is not an ext4 on NVMe"
}
check "$ZCOPY_DISK_DIR is ext4 on the NVMe disk" disk
disk_io() {
	local dev st w0 w1 r0 r1 hi
	dev=$(basename "$(findmnt -n -o SOURCE "$ZCOPY_DISK_DIR")") || fail_msg "no source of $ZCOPY_DISK_DIR"
	st=/sys/block/$dev/stat
	[ -r "$st" ] || fail_msg "no $st"
	# sectors read (field 3) and written (field 7), 512 bytes each; what
	# the suites before this one left dirty is written out first (once,
	# on 6.12, 36992 sectors went out with this file's sync)
	sync || fail_msg "sync failed"
	read -r _ _ r0 _ _ _ w0 _ <"$st"
	cp "$tmp/data" "$ZCOPY_DISK_DIR/lab-check" || fail_msg "write failed"
	sync || fail_msg "sync failed"
	read -r _ _ _ _ _ _ w1 _ <"$st"
	# The file's 4096 sectors, plus ext4's metadata and jbd2's commit of
	# this one file: an inode, bitmaps, an extent block, a journal
	# transaction, each a few 4 KiB blocks; 1 MiB (2048 sectors) is ample.
	hi=$((size / 512 + 2048))
	[ $((w1 - w0)) -ge $((size / 512)) ] ||
		fail_msg "only $((w1 - w0)) sectors written to $dev for $((size / 512))"
	[ $((w1 - w0)) -le $hi ] || fail_msg "$((w1 - w0)) sectors written to $dev, more than $hi"
	echo 3 >/proc/sys/vm/drop_caches || fail_msg "cannot drop the page cache"
	read -r _ _ r0 _ <"$st"
	cmp "$tmp/data" "$ZCOPY_DISK_DIR/lab-check" || fail_msg "read back differs"
	read -r _ _ r1 _ <"$st"
	# The read-back came from the disk, not the page cache: the file's
	# sectors plus the inode and extent blocks just dropped (a few KiB).
	[ $((r1 - r0)) -ge $((size / 512)) ] ||
		fail_msg "read back only $((r1 - r0)) sectors from $dev: not from the disk"
	[ $((r1 - r0)) -le $hi ] || fail_msg "read back $((r1 - r0)) sectors from $dev, more than $hi"
	echo "$dev: $((w1 - w0)) sectors written, $((r1 - r0)) read back, for $((size / 512))" >&2
	rm -f "$ZCOPY_DISK_DIR/lab-check" || fail_msg "cannot remove the test file"
}
check "$ZCOPY_DISK_DIR is writable, the data reaches the disk and reads back from it" disk_io
check "the guest kernel's modules are usable" sh -c "modinfo -n e1000 >/dev/null"

[ $fails -eq 0 ]
