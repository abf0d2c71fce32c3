#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""zcopy accounting selftest (kselftest TAP; exit 0 pass, 1 fail, 4 skip).

Runs every transfer method with `zcopy run` in the lab guest, file on the
NVMe disk (cold cache) to a sink of this test's own in the peer namespace
over the e1000 pair (IPv4, and IPv6 for two rows), and checks what the
module counted for the session against ground truth this test reads itself:

- what the sink received: every byte, and its SHA-256 against the file's;
- the egress NIC's tx_bytes: DMA mapped towards it plus the header bytes
  the NIC replicates for TSO must match within 1 %; and the peer NIC's
  rx_bytes, read in the peer namespace (what really crossed the wire),
  within 1 % plus what TCP resent for the frames the receiver dropped;
- the disk's sectors read: DMA mapped from it must match within 1 %;
- the kernel's trace events, a second witness of the CPU copies: hist
  triggers summing read() and write() return values and skb_copy_bits
  lengths per process (CopyWitness);
- the kernel's zerocopy verdict (MSG_ZEROCOPY completions, io_uring
  notifications), which must agree with the copies counted, and the
  verdict of this test's own MSG_ZEROCOPY sender and completion reader;
- the textbook row: CPU copies per byte within 0.01, DMA copies per byte
  2.00 plus at most 5 % of headers.
TCP retransmissions re-segment data on a NIC without scatter-gather, so
their bytes are allowed on top of the copies (upward only); they are
reported. Two sessions run at once, cold, from two files, and must overlap
at the sink and keep their own CPU, disk and NIC counts. A sender that
reuses a MSG_ZEROCOPY buffer before its completion must corrupt what
arrives, and the digest must catch it.
"""

import errno
import hashlib
import json
import mmap
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from ksft import Tap, skip_all  # noqa: E402

SIZE = 16 << 20
MSS = 1448

ROWS = [
    # method, NIC scatter-gather, CPU copies, DMA copies (textbook), IPv6
    ("read-write", True, 2, 2, False),
    ("mmap-write", True, 1, 2, False),
    ("sendfile", False, 1, 2, False),
    ("sendfile", True, 0, 2, False),
    ("splice", True, 0, 2, False),
    ("odirect-write", True, 1, 2, False),
    ("msg-zerocopy", True, 0, 2, False),
    ("io-uring-zc", True, 0, 2, False),
    ("read-write", True, 2, 2, True),
    ("sendfile", True, 0, 2, True),
]

# The sink: every connection in a thread of its own (concurrent transfers
# really overlap), and for each one what arrived: its byte count, the
# SHA-256 of its content, and the monotonic times of its first and last
# byte, one line "N DIGEST T0 T1" when it closes.
SINK = r"""
import hashlib, socket, sys, threading, time

lock = threading.Lock()

def serve(c):
    h, n, t0 = hashlib.sha256(), 0, None
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        if t0 is None:
            t0 = time.monotonic()
        h.update(b)
        n += len(b)
    c.close()
    with lock:
        print(n, h.hexdigest(), t0 or 0, time.monotonic(), flush=True)

s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def env(name):
    v = os.environ.get(name)
    if not v:
        skip_all(f"not in the zcopy lab guest (${name} unset; run through "
                 "scripts/lab-run)")
    return v


def read_int(path):
    with open(path, encoding="ascii") as f:
        return int(f.read().split()[0])


class World:
    """Ground truth: NIC, disk and TCP counters, and a byte-counting sink."""

    def __init__(self):
        self.dev = env("ZCOPY_DEV")
        self.ns = env("ZCOPY_PEER_NS")
        self.peer = env("ZCOPY_PEER_ADDR")
        self.peer6 = env("ZCOPY_PEER_ADDR6")
        self.disk_dir = env("ZCOPY_DISK_DIR")
        self.disk = os.path.basename(env("ZCOPY_DISK_DEV"))
        self.peer_dev = env("ZCOPY_PEER_DEV")
        top = env("ZCOPY_TOP")
        self.cli = os.environ.get("ZCOPY_CLI", os.path.join(top, "user/zcopy"))
        self.file = os.path.join(self.disk_dir, "accounting.dat")
        self.sink = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, sys.executable, "-c", SINK],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.sink.stdout.readline())
        self.witness = CopyWitness()
        self.zc_rows = {}

    def close(self):
        self.sink.send_signal(signal.SIGKILL)
        self.sink.wait()
        self.witness.close()

    def received(self):
        """(bytes, SHA-256, first byte time, last byte time) of the next
        connection to close."""
        n, digest, t0, t1 = self.sink.stdout.readline().split()
        return int(n), digest, float(t0), float(t1)

    def tx_bytes(self):
        return read_int(f"/sys/class/net/{self.dev}/statistics/tx_bytes")

    def peer_rx_bytes(self):
        """What the peer's NIC received, read in the peer namespace: the
        other end of the wire, not the sender's driver."""
        r = subprocess.run(["ip", "netns", "exec", self.ns, "cat",
                            f"/sys/class/net/{self.peer_dev}/statistics/rx_bytes"],
                           check=True, capture_output=True, text=True)
        return int(r.stdout)

    def disk_read_bytes(self):
        with open(f"/sys/block/{self.disk}/stat", encoding="ascii") as f:
            return int(f.read().split()[2]) * 512

    @staticmethod
    def retrans_segs():
        with open("/proc/net/snmp", encoding="ascii") as f:
            rows = [line.split() for line in f if line.startswith("Tcp:")]
        return int(rows[1][rows[0].index("RetransSegs")])

    def set_sg(self, on):
        subprocess.run(["ethtool", "-K", self.dev, "sg", "on" if on else "off"],
                       check=True, capture_output=True)

    @staticmethod
    def write_file(path):
        """SIZE random bytes at @path, on the disk; returns their SHA-256."""
        data = os.urandom(SIZE)
        with open(path, "wb") as f:
            f.write(data)
            os.fsync(f.fileno())
        return hashlib.sha256(data).hexdigest()

    def make_file(self):
        self.digest = self.write_file(self.file)

    def run(self, method, extra=(), v6=False, path=None):
        peer = f"[{self.peer6}]:{self.port}" if v6 else f"{self.peer}:{self.port}"
        cmd = [self.cli, "run", method, "--file", path or self.file,
               "--size", str(SIZE), "--peer", peer, "-j", *extra]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


TRACEFS = "/sys/kernel/tracing"


class CopyWitness:
    """A second witness of the CPU copies, made by the kernel's own tracing
    and not by zcopy.ko: hist triggers summing, per process, what the
    kernel says was moved where a copy has to happen.

    - syscalls/sys_exit_read, its return value: the bytes read() copied to
      user memory (a read of a cached file is one k2u copy per byte);
    - syscalls/sys_exit_write, its return value: the bytes write() took
      from user memory (a write to TCP is one u2k copy per byte);
    - a kprobe event on skb_copy_bits with its length argument: the k2k
      copies of segmentation and linearisation at transmit. It runs in
      whatever context transmits (softirq, another task), so it is summed
      over every process.
    The first two are summed over the processes named "zcopy" (the sink
    is python3). Kprobe events on the copy primitives themselves
    (_copy_from_iter, copy_page_to_iter) cannot be had: lib/ is built
    without ftrace's entry call and Debian's kernels refuse kprobe events
    on such functions (CONFIG_KPROBE_EVENTS_ON_NOTRACE is off), "Failed to
    register probe event" on 6.1 and 6.12. Missed kprobe hits
    (kprobe_profile) or dropped hist entries make the witness invalid."""

    # name: (event directory, kprobe definition or None, value field)
    EVENTS = {
        "read": ("syscalls/sys_exit_read", None, "ret"),
        "write": ("syscalls/sys_exit_write", None, "ret"),
        "scb": ("zcw/scb", "p:zcw/scb skb_copy_bits bytes=$arg4:s32", "bytes"),
    }

    def __init__(self):
        self.error = None
        try:
            for ev, kp, _ in self.EVENTS.values():
                if kp:
                    self._write("kprobe_events", kp + "\n", True)
                self._write(f"events/{ev}/enable", "1")
        except OSError as e:
            self.error = f"cannot set up the trace events: {e}"
        self.setup_error = self.error

    @staticmethod
    def _write(path, text, append=False):
        # os.open, not open(..., "a"): Python seeks to the end of a file it
        # opens for appending, and tracefs refuses that seek (EINVAL).
        fd = os.open(os.path.join(TRACEFS, path),
                     os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC))
        try:
            os.write(fd, text.encode("ascii"))
        finally:
            os.close(fd)

    @staticmethod
    def _read(path):
        with open(os.path.join(TRACEFS, path), encoding="ascii") as f:
            return f.read()

    @staticmethod
    def _trigger(val):
        return f"hist:keys=common_pid.execname:vals={val}:size=4096 if {val} > 0"

    def _misses(self):
        m = {}
        for line in self._read("kprobe_profile").splitlines():
            w = line.split()
            if len(w) == 3 and w[0] == "scb":
                m[w[0]] = int(w[2])
        return m

    def start(self):
        self.error = self.setup_error
        if self.error:
            return
        self.miss0 = self._misses()
        for ev, _, val in self.EVENTS.values():
            self._write(f"events/{ev}/trigger", self._trigger(val))

    def stop(self):
        """{"read"|"write"|"scb": {comm: bytes}} since start(), or None
        (self.error says why)."""
        if self.error:
            return None
        out = {}
        for name, (ev, _, val) in self.EVENTS.items():
            hist = self._read(f"events/{ev}/hist")
            self._write(f"events/{ev}/trigger", "!" + self._trigger(val))
            m = re.search(r"Dropped: *(\d+)", hist)
            if not m or int(m.group(1)):
                self.error = f"{ev}: the hist dropped entries or is unreadable"
                return None
            sums = {}
            for comm, v in re.findall(
                    r"common_pid: *(\S+) *\[ *\d+\] *\} *hitcount: *\d+ *"
                    + val + r": *(-?\d+)", hist):
                sums[comm] = sums.get(comm, 0) + int(v)
            out[name] = sums
        miss = {k: v - self.miss0.get(k, 0) for k, v in self._misses().items()}
        if any(miss.values()):
            self.error = f"kprobe hits missed: {miss}"
            return None
        return out

    def close(self):
        try:
            for ev, _, _ in self.EVENTS.values():
                self._write(f"events/{ev}/enable", "0")
            self._write("kprobe_events", "-:zcw/scb\n", True)
        except OSError:
            pass


# Which of a row's copies the witness sees: the read() copy of a cached
# file (read-write), the write() copy into TCP (the methods that write()),
# and, for every row, the copies at transmit.
READ_COPIES = {"read-write"}
WRITE_COPIES = {"read-write", "mmap-write", "odirect-write"}


def finish(proc):
    out, err = proc.communicate(timeout=240)
    if proc.returncode:
        raise RuntimeError(f"zcopy run exited {proc.returncode}: {err.strip()}")
    return json.loads(out)


def result_of(doc):
    """The measured detail of a `zcopy run -j` report, with its status."""
    res = dict(doc.get("detail") or {})
    res["status"] = doc.get("status")
    res["reason"] = doc.get("reason")
    # What the connection resent (the kernel's tcpi_bytes_retrans).
    res["retrans_bytes"] = doc.get("retrans_bytes") or 0
    return res


def row_name(row):
    method, sg, _, _, v6 = row
    return f"{method} (sg {'on' if sg else 'off'}{', IPv6' if v6 else ''})"


def check_row(tap, w, row, res, truth):
    method, sg, cpu_want, dma_want, _ = row
    name = row_name(row)
    c = res["counters"]
    cpu = c["copy_u2k_bytes"] + c["copy_k2u_bytes"] + c["copy_k2k_bytes"]
    # Resent bytes are mapped again, and segmented (copied) again if !sg.
    resent = max(res["retrans_bytes"], truth["retrans"] * MSS)
    retrans = resent if not sg else 0
    cpu_pb = cpu / SIZE
    dma_pb = (c["dma_to_dev_bytes"] + c["dma_from_dev_bytes"]) / SIZE
    egress = sum(d["to_dev_bytes"] for d in res.get("devices", [])
                 if d.get("label") == w.dev)
    disk = sum(d["from_dev_bytes"] for d in res.get("devices", [])
               if d.get("label", "").startswith(w.disk))
    tap.diag(f"{name}: cpu {cpu_pb:.4f}/B dma {dma_pb:.4f}/B; egress "
             f"{egress} + nic-hdr {c['nic_hdr_bytes']} vs tx {truth['tx']}; "
             f"disk {disk} vs {truth['disk']}; resent {res['retrans_bytes']} bytes "
             f"({truth['retrans']} segments system-wide)")

    got, digest = truth["received"]
    tap.ok(got == SIZE and digest == w.digest,
           f"{name}: the sink received the file, every byte as sent (SHA-256)",
           f"received {got} of {SIZE} bytes, SHA-256 {digest}, sent {w.digest}")
    # CPU copies: the textbook count within 0.01 per byte (the few bytes
    # copied outside the transfer: a pipe wakeup, the loader); with SG off
    # a resent segment is segmented, so copied, again: that widens the
    # bound upward only, never downward.
    tap.ok(cpu_want - 0.01 <= cpu_pb <= cpu_want + 0.01 + retrans / SIZE,
           f"{name}: CPU copies {cpu_pb:.3f} per byte, textbook {cpu_want}",
           f"u2k {c['copy_u2k_bytes']} k2u {c['copy_k2u_bytes']} "
           f"k2k {c['copy_k2k_bytes']}, retransmitted ~{retrans}")
    # DMA copies: never below the textbook (0.005 for rounding of the
    # per-byte figure), at most 5 % above it for the headers the NIC maps
    # with each skb (66 bytes per 1448-byte segment is 4.6 %, TSO maps
    # them once per 64 KiB: far less), plus each resent byte, mapped again.
    tap.ok(dma_want <= dma_pb + 0.005 and dma_pb <= dma_want * 1.05 + resent / SIZE,
           f"{name}: DMA copies {dma_pb:.3f} per byte, textbook {dma_want} (+5 % headers)",
           f"to-device {c['dma_to_dev_bytes']} from-device {c['dma_from_dev_bytes']}")
    # The sending driver's tx_bytes is computed from the same skbs zcopy
    # sees (skb->len plus the headers TSO replicates): within 1 % (ACK-
    # only frames, ARP). The peer's rx_bytes is what crossed the emulated
    # wire and was received at the other end: a witness zcopy cannot share
    # a formula with. It must agree with the sender's tx_bytes within 1 %
    # too (frames in flight at either end, the peer's own ARP/ND replies
    # are on its tx side, not counted here).
    wire = egress + c["nic_hdr_bytes"]
    tap.ok(truth["tx"] and abs(wire - truth["tx"]) <= 0.01 * truth["tx"],
           f"{name}: egress DMA + NIC-replicated headers match {w.dev} tx_bytes within 1 %",
           f"counted {wire}, NIC says {truth['tx']}")
    # What the peer received is what was sent less the frames the emulated
    # receiver dropped (its rx ring overflows under TCG), which TCP then
    # resent: seen on 6.1, 686,168 bytes fewer received than sent for
    # 706,624 resent. So the sender's count lies between what the peer
    # received (less 2 %: on 6.12 the peer once counted 1.03 % more than
    # eth0 sent, nothing resent, cause not found) and that plus every
    # resent byte with its headers (5 %) plus 1 %.
    prx = truth["peer_rx"]
    tap.ok(prx and 0.98 * prx <= wire <= 1.01 * prx + 1.05 * resent + 4096,
           f"{name}: egress DMA + headers match what the peer's {w.peer_dev} received "
           "(2 % under it, 1 % over it plus what was resent)",
           f"counted {wire}, peer received {prx}, {w.dev} sent {truth['tx']}, "
           f"resent {resent}")
    tap.ok(abs(disk - truth["disk"]) <= 0.01 * max(truth["disk"], SIZE),
           f"{name}: disk DMA matches {w.disk} sectors read within 1 %",
           f"counted {disk}, disk says {truth['disk']}")
    tap.ok(c["missed"] == 0, f"{name}: no missed events",
           f"missed {c['missed']}")
    wit = truth.get("witness")
    if tap.ok(wit is not None, f"{name}: the kernel's trace-event witness of the "
              "CPU copies ran", truth.get("witness_error")):
        rd, wr = wit["read"].get("zcopy", 0), wit["write"].get("zcopy", 0)
        scb = sum(wit["scb"].values())
        tap.diag(f"{name}: witness read() {rd} write() {wr} skb_copy_bits {scb}; "
                 f"zcopy k2u {c['copy_k2u_bytes']} u2k {c['copy_u2k_bytes']} "
                 f"k2k {c['copy_k2k_bytes']}")
        # Each pair within 0.01 per byte of the file, either way: the few
        # KiB that pass outside the transfer (the CLI's own pipe and
        # stdout writes, its small reads) are in one count and not the
        # other. A resend is copied again at transmit in both counts.
        tol = 0.01 * SIZE
        want = [("k2k", c["copy_k2k_bytes"], scb)]
        if method in READ_COPIES:
            want.append(("k2u", c["copy_k2u_bytes"], rd))
        if method in WRITE_COPIES:
            want.append(("u2k", c["copy_u2k_bytes"], wr))
        for kind, z, k in want:
            tap.ok(abs(z - k) <= tol,
                   f"{name}: zcopy's {kind} copies ({z} bytes) match the kernel's "
                   f"trace events ({k} bytes) within 0.01 per byte")
    zc = res.get("zerocopy")
    w.zc_rows[method] = zc
    if method in ("msg-zerocopy", "io-uring-zc"):
        if tap.ok(isinstance(zc, dict), f"{name}: the kernel's zerocopy verdict is reported",
                  f"no zerocopy object in {sorted(res)}"):
            agree = (zc["verdict"] == "zerocopy") == (cpu_pb <= 0.01)
            tap.ok(agree and zc["verdict"] == "zerocopy",
                   f"{name}: kernel verdict '{zc['verdict']}' agrees with {cpu_pb:.3f} copies/B",
                   json.dumps(zc))


# A kprobe event is dropped, and counted in kprobe_profile as missed, when
# it fires while another kprobe handler runs on the same CPU: an interrupt
# taken inside a handler (the witness's own, whose hist trigger is slow
# under TCG, or zcopy.ko's kretprobes, whose return handlers run with
# interrupts on) whose softirq transmits and so calls skb_copy_bits. Seen
# on 6.1 once in three runs of this suite: 139 hits missed of a sendfile
# with SG off. Such a witness is incomplete, so the transfer is measured
# again, at most WITNESS_TRIES times in all; whether the witness missed
# does not depend on what zcopy counted, and every check is made on the
# attempt kept. The dropped attempts are shown.
WITNESS_TRIES = 3


def measure(w, row, tap=None):
    for attempt in range(1, WITNESS_TRIES + 1):
        res, truth = measure_once(w, row)
        err = truth.get("witness_error") or ""
        if not err.startswith("kprobe hits missed") or attempt == WITNESS_TRIES:
            return res, truth
        if tap:
            c = res.get("counters") or {}
            tap.diag(f"{row_name(row)}: attempt {attempt} measured again: the "
                     f"witness is incomplete ({err}); zcopy counted u2k "
                     f"{c.get('copy_u2k_bytes')} k2u {c.get('copy_k2u_bytes')} "
                     f"k2k {c.get('copy_k2k_bytes')}")
    return res, truth


def measure_once(w, row):
    method, sg, _, _, v6 = row
    w.set_sg(sg)
    try:
        tx0, disk0, rt0 = w.tx_bytes(), w.disk_read_bytes(), w.retrans_segs()
        prx0 = w.peer_rx_bytes()
        w.witness.start()
        res = result_of(finish(w.run(method, ["--cold"], v6)))
        received = w.received()[:2]
        time.sleep(0.2)
        wit = w.witness.stop()
        truth = {"tx": w.tx_bytes() - tx0, "disk": w.disk_read_bytes() - disk0,
                 "retrans": w.retrans_segs() - rt0, "received": received,
                 "peer_rx": w.peer_rx_bytes() - prx0, "witness": wit,
                 "witness_error": w.witness.error}
    finally:
        w.set_sg(True)
    return res, truth


def unavailable(res):
    return res.get("status") == "unavailable"


def concurrent(tap, w):
    """Two methods in two processes at once, cold, each from its own file:
    each session keeps its own row, CPU copies, disk and NIC DMA, and the
    two transfers really overlapped (the sink's first and last byte times
    of each connection, not the CLI's)."""
    other = os.path.join(w.disk_dir, "accounting2.dat")
    digests = {w.digest: "read-write", w.write_file(other): "sendfile"}
    subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"],
                   check=True)
    tx0, disk0, prx0 = w.tx_bytes(), w.disk_read_bytes(), w.peer_rx_bytes()
    # --warm: the runs leave the cache alone (it was just dropped, so both
    # read their file from the disk); a --cold run would drop the other's.
    a = w.run("read-write", ["--warm"])
    b = w.run("sendfile", ["--warm"], path=other)
    try:
        ra, rb = result_of(finish(a)), result_of(finish(b))
    finally:
        os.unlink(other)
    got = [w.received(), w.received()]
    time.sleep(0.2)
    tx, disk = w.tx_bytes() - tx0, w.disk_read_bytes() - disk0
    prx = w.peer_rx_bytes() - prx0
    tap.ok(sorted(digests.get(g[1], "?") for g in got if g[0] == SIZE) ==
           ["read-write", "sendfile"],
           "concurrent: the sink received both files, every byte as sent (SHA-256)",
           f"received {[g[:2] for g in got]}")
    (s0, e0), (s1, e1) = (g[2:] for g in got)
    overlap = min(e0, e1) - max(s0, s1)
    tap.diag(f"concurrent: connections {s0:.3f}-{e0:.3f} and {s1:.3f}-{e1:.3f} s, "
             f"overlapping {overlap:.3f} s")
    tap.ok(overlap > 0, f"concurrent: the two transfers overlapped at the sink "
           f"({overlap:.3f} s)", f"first {s0:.3f}-{e0:.3f}, second {s1:.3f}-{e1:.3f}")
    wire = 0
    devsum = 0
    for name, res, want in (("read-write", ra, 2), ("sendfile", rb, 0)):
        c = res["counters"]
        pb = (c["copy_u2k_bytes"] + c["copy_k2u_bytes"] + c["copy_k2k_bytes"]) / SIZE
        tap.ok(want - 0.01 <= pb <= want + 0.01,
               f"concurrent: {name} session counts {pb:.3f} copies/B (textbook {want})",
               json.dumps(c))
        devs = res.get("devices", [])
        d = sum(x["from_dev_bytes"] for x in devs if x.get("label", "").startswith(w.disk))
        e = sum(x["to_dev_bytes"] for x in devs if x.get("label") == w.dev)
        devsum += d
        wire += e + c["nic_hdr_bytes"]
        # Its own file from the disk, cold, and not the other's: the file
        # plus at most 64 KiB of ext4 metadata (inode, extent blocks).
        tap.ok(SIZE <= d <= SIZE + 65536,
               f"concurrent: {name} session's disk DMA is its own file ({d} bytes)")
        # The payload to the NIC, plus headers (5 %) and resends, each
        # with its headers.
        hi = (SIZE + res["retrans_bytes"]) * 1.05 + 4096
        tap.ok(SIZE <= e <= hi,
               f"concurrent: {name} session's NIC DMA is its own transfer ({e} bytes)",
               f"bounds {SIZE}..{hi:.0f}, resent {res['retrans_bytes']}")
    tap.ok(abs(disk - devsum) <= 65536,
           f"concurrent: the sessions' disk DMA adds up to the sectors read "
           f"({devsum} vs {disk})")
    resent = ra["retrans_bytes"] + rb["retrans_bytes"]
    tap.ok(prx and 0.98 * prx <= wire <= 1.01 * prx + 1.05 * resent + 4096 and
           abs(wire - tx) <= 0.01 * tx,
           f"concurrent: the sessions' egress DMA + headers add up to {w.dev} "
           f"tx_bytes within 1 % and to the peer's rx_bytes (2 % under, 1 % over plus "
           f"what was resent) ({wire}, {tx}, {prx}, resent {resent})")


def zc_send(w, early_reuse=False):
    """Send the file to the sink with MSG_ZEROCOPY, and read the completions,
    all by this test's own code (not the CLI's): the file read with
    O_DIRECT into four page-aligned 64 KiB buffers, each buffer reused
    only once every send from it has completed, unless @early_reuse, which
    overwrites each buffer as soon as send() returns (what a buggy sender
    does). Returns (sends, completions, copied)."""
    so_zerocopy, msg_zerocopy, msg_errqueue = 60, 0x4000000, 0x2000
    ip_recverr, origin_zerocopy, code_copied = 11, 5, 1
    chunk, nbuf = 64 << 10, 4
    bufs = [mmap.mmap(-1, chunk) for _ in range(nbuf)]
    last = [-1] * nbuf          # the last completion id of each buffer's sends
    done = set()
    counts = {"sends": 0, "completions": 0, "copied": 0}
    fd = os.open(w.file, os.O_RDONLY | os.O_DIRECT)
    s = socket.create_connection((w.peer, w.port))
    s.setsockopt(socket.SOL_SOCKET, so_zerocopy, 1)
    poller = select.poll()
    poller.register(s, select.POLLERR)

    def reap(timeout_ms):
        if not poller.poll(timeout_ms):
            return
        while True:
            try:
                _, anc, _, _ = s.recvmsg(0, 4096, msg_errqueue | socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            for level, typ, data in anc:
                if level != socket.SOL_IP or typ != ip_recverr:
                    continue
                _, origin, _, code, _, lo, hi = struct.unpack("=IBBBBII", data[:16])
                if origin != origin_zerocopy:
                    continue
                n = hi - lo + 1
                done.update(range(lo, hi + 1))
                counts["completions"] += n
                counts["copied"] += n if code & code_copied else 0

    try:
        off = 0
        while off < SIZE:
            b = (off // chunk) % nbuf
            while not early_reuse and last[b] >= 0 and last[b] not in done:
                reap(1000)
            n = os.preadv(fd, [bufs[b]], off)
            if n <= 0:
                raise RuntimeError(f"O_DIRECT read at {off}: {n}")
            sent = 0
            while sent < n:
                try:
                    r = s.send(memoryview(bufs[b])[sent:n], msg_zerocopy)
                except OSError as e:
                    if e.errno != errno.ENOBUFS:
                        raise
                    reap(100)       # optmem full: let completions come in
                    continue
                last[b] = counts["sends"]
                counts["sends"] += 1
                sent += r
            if early_reuse:
                bufs[b][:n] = bytes(n)
            off += n
        s.shutdown(socket.SHUT_WR)
        end = time.monotonic() + 60
        while len(done) < counts["sends"] and time.monotonic() < end:
            reap(1000)
    finally:
        s.close()
        os.close(fd)
    return counts["sends"], counts["completions"], counts["copied"]


def zerocopy_independent(tap, w):
    """MSG_ZEROCOPY by this test's own sender and completion reader, against
    the CLI's verdict; and proof that the sink's digest catches a buffer
    reused before its completion."""
    try:
        sends, comps, copied = zc_send(w)
        got = w.received()
    except (OSError, RuntimeError, ValueError) as e:
        tap.ok(False, "independent MSG_ZEROCOPY sender: transfer", str(e))
        return
    tap.diag(f"independent MSG_ZEROCOPY: {sends} sends, {comps} completions, "
             f"{copied} copied; CLI's row: {json.dumps(w.zc_rows.get('msg-zerocopy'))}")
    tap.ok(got[0] == SIZE and got[1] == w.digest,
           "independent MSG_ZEROCOPY sender: the sink got the file intact (SHA-256)",
           f"received {got[:2]}")
    tap.ok(sends > 0 and comps == sends and copied == 0,
           f"independent completion reader: {comps} completions for {sends} sends, "
           f"{copied} copied: the kernel says zerocopy through {w.dev}")
    cli = w.zc_rows.get("msg-zerocopy") or {}
    tap.ok(cli.get("verdict") == ("zerocopy" if copied == 0 else "copied") and
           (cli.get("copied") == 0) == (copied == 0),
           "independent completion reader and the CLI's agree on the verdict",
           f"CLI {json.dumps(cli)}, independent: {copied} of {comps} copied")
    try:
        zc_send(w, early_reuse=True)
        bad = w.received()
    except (OSError, RuntimeError, ValueError) as e:
        tap.ok(False, "MSG_ZEROCOPY with early buffer reuse: transfer", str(e))
        return
    tap.ok(bad[0] == SIZE and bad[1] != w.digest,
           "a buffer reused before its completion corrupts what arrives, and the "
           "sink's digest catches it",
           f"received {bad[0]} bytes, SHA-256 {'equal to' if bad[1] == w.digest else 'unlike'}"
           " the file's")


def warm_cache(tap, w):
    """A warm file is read from the page cache: no disk DMA at all."""
    subprocess.run(["cat", w.file], stdout=subprocess.DEVNULL, check=True)
    res = result_of(finish(w.run("sendfile", ["--warm"])))
    w.received()
    c = res["counters"]
    tap.ok(c["dma_from_dev_bytes"] == 0 and c["pagecache_miss_bytes"] == 0,
           "warm cache: sendfile maps no disk DMA and misses no page",
           f"from-device {c['dma_from_dev_bytes']}, page cache misses "
           f"{c['pagecache_miss_bytes']}")
    resent = res["retrans_bytes"] / SIZE
    tap.ok(-0.005 <= c["dma_to_dev_bytes"] / SIZE - 1 <= 0.05 + resent * 1.05,
           "warm cache: one DMA copy per byte (to the NIC)",
           f"to-device {c['dma_to_dev_bytes']}, resent {res['retrans_bytes']}")


def main():
    if not os.path.isdir("/sys/module/zcopy"):
        skip_all("zcopy.ko is not loaded")
    w = World()
    tap = Tap()
    try:
        w.make_file()
        for row in ROWS:
            try:
                res, truth = measure(w, row, tap)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                tap.ok(False, f"{row_name(row)}: transfer", str(e))
                continue
            if unavailable(res):
                tap.skip(f"{row_name(row)}: transfer", res.get("reason", "unavailable"))
                continue
            check_row(tap, w, row, res, truth)
        concurrent(tap, w)
        zerocopy_independent(tap, w)
        warm_cache(tap, w)
    finally:
        w.close()
    return tap.close()


if __name__ == "__main__":
    sys.exit(main())
