#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""zcopy accounting selftest (kselftest TAP; exit 0 pass, 1 fail, 4 skip).

Runs every transfer method with `zcopy run` in the lab guest, file on the
NVMe disk (cold cache) to a sink of this test's own in the peer namespace
over the e1000 pair (IPv4, and IPv6 for two rows), and checks what the
module counted for the session against ground truth this test reads itself:

- the bytes the sink received;
- the egress NIC's tx_bytes: DMA mapped towards it plus the header bytes
  the NIC replicates for TSO must match within 1 %;
- the disk's sectors read: DMA mapped from it must match within 1 %;
- the kernel's zerocopy verdict (MSG_ZEROCOPY completions, io_uring
  notifications), which must agree with the copies counted;
- the textbook row: CPU copies per byte within 0.01, DMA copies per byte
  2.00 plus at most 5 % of headers.
TCP retransmissions re-segment data on a NIC without scatter-gather, so
their bytes are allowed on top of the copies; they are reported.
"""

import json
import os
import signal
import socket
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

SINK = r"""
import socket, sys

s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        n += len(b)
    c.close()
    print(n, flush=True)
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
        top = env("ZCOPY_TOP")
        self.cli = os.environ.get("ZCOPY_CLI", os.path.join(top, "user/zcopy"))
        self.file = os.path.join(self.disk_dir, "accounting.dat")
        self.sink = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, sys.executable, "-c", SINK],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.sink.stdout.readline())

    def close(self):
        self.sink.send_signal(signal.SIGKILL)
        self.sink.wait()

    def received(self):
        return int(self.sink.stdout.readline())

    def tx_bytes(self):
        return read_int(f"/sys/class/net/{self.dev}/statistics/tx_bytes")

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

    def make_file(self):
        with open(self.file, "wb") as f:
            f.write(os.urandom(SIZE))
            os.fsync(f.fileno())

    def run(self, method, extra=(), v6=False):
        peer = f"[{self.peer6}]:{self.port}" if v6 else f"{self.peer}:{self.port}"
        cmd = [self.cli, "run", method, "--file", self.file,
               "--size", str(SIZE), "--peer", peer, "-j", *extra]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


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

    tap.ok(truth["received"] == SIZE, f"{name}: sink received every byte",
           f"received {truth['received']} of {SIZE}")
    tap.ok(abs(cpu_pb - cpu_want) <= 0.01 + retrans / SIZE,
           f"{name}: CPU copies {cpu_pb:.3f} per byte, textbook {cpu_want}",
           f"u2k {c['copy_u2k_bytes']} k2u {c['copy_k2u_bytes']} "
           f"k2k {c['copy_k2k_bytes']}, retransmitted ~{retrans}")
    tap.ok(dma_want <= dma_pb + 0.005 and dma_pb <= dma_want * 1.05 + resent / SIZE,
           f"{name}: DMA copies {dma_pb:.3f} per byte, textbook {dma_want} (+5 % headers)",
           f"to-device {c['dma_to_dev_bytes']} from-device {c['dma_from_dev_bytes']}")
    wire = egress + c["nic_hdr_bytes"]
    tap.ok(truth["tx"] and abs(wire - truth["tx"]) <= 0.01 * truth["tx"],
           f"{name}: egress DMA + NIC-replicated headers match {w.dev} tx_bytes within 1 %",
           f"counted {wire}, NIC says {truth['tx']}")
    tap.ok(abs(disk - truth["disk"]) <= 0.01 * max(truth["disk"], SIZE),
           f"{name}: disk DMA matches {w.disk} sectors read within 1 %",
           f"counted {disk}, disk says {truth['disk']}")
    tap.ok(c["missed"] == 0, f"{name}: no missed events",
           f"missed {c['missed']}")
    zc = res.get("zerocopy")
    if method in ("msg-zerocopy", "io-uring-zc"):
        if tap.ok(isinstance(zc, dict), f"{name}: the kernel's zerocopy verdict is reported",
                  f"no zerocopy object in {sorted(res)}"):
            agree = (zc["verdict"] == "zerocopy") == (cpu_pb <= 0.01)
            tap.ok(agree and zc["verdict"] == "zerocopy",
                   f"{name}: kernel verdict '{zc['verdict']}' agrees with {cpu_pb:.3f} copies/B",
                   json.dumps(zc))


def measure(w, row):
    method, sg, _, _, v6 = row
    w.set_sg(sg)
    try:
        tx0, disk0, rt0 = w.tx_bytes(), w.disk_read_bytes(), w.retrans_segs()
        res = result_of(finish(w.run(method, ["--cold"], v6)))
        received = w.received()
        time.sleep(0.2)
        truth = {"tx": w.tx_bytes() - tx0, "disk": w.disk_read_bytes() - disk0,
                 "retrans": w.retrans_segs() - rt0, "received": received}
    finally:
        w.set_sg(True)
    return res, truth


def unavailable(res):
    return res.get("status") == "unavailable"


def concurrent(tap, w):
    """Two methods in two processes at once: each session keeps its row."""
    subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"],
                   check=True)
    a = w.run("read-write", ["--warm"])
    b = w.run("sendfile", ["--warm"])
    ra, rb = result_of(finish(a)), result_of(finish(b))
    got = sorted([w.received(), w.received()])
    tap.ok(got == [SIZE, SIZE], "concurrent: the sink received both transfers",
           f"received {got}")
    for name, res, want in (("read-write", ra, 2), ("sendfile", rb, 0)):
        c = res["counters"]
        pb = (c["copy_u2k_bytes"] + c["copy_k2u_bytes"] + c["copy_k2k_bytes"]) / SIZE
        tap.ok(abs(pb - want) <= 0.01,
               f"concurrent: {name} session still counts {pb:.3f} copies/B (textbook {want})")


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
    tap.ok(-0.005 <= c["dma_to_dev_bytes"] / SIZE - 1 <= 0.05 + resent,
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
                res, truth = measure(w, row)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                tap.ok(False, f"{row_name(row)}: transfer", str(e))
                continue
            if unavailable(res):
                tap.skip(f"{row_name(row)}: transfer", res.get("reason", "unavailable"))
                continue
            check_row(tap, w, row, res, truth)
        concurrent(tap, w)
        warm_cache(tap, w)
    finally:
        w.close()
    return tap.close()


if __name__ == "__main__":
    sys.exit(main())
