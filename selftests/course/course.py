#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""zcopy course selftest (kselftest TAP; exit 0 pass, 1 fail, 4 skip).

Documentation/course.rst is the course's lab sheet. Every command block the
sheet asks a student to type is preceded by an RST comment

    .. course-run: ID

(ID is ``setup`` or an exercise number). This program takes those blocks out
of the sheet, runs each exercise's block after the setup block, exactly as
written, in bash with ``set -e``, in the lab guest, and checks that what the
sheet says the student will see is what the tool measures. The commands live
in one place, the sheet; this program holds the expectations.

To read the numbers, ``zcopy`` is replaced on PATH by a shim that runs the
real CLI with ``-j`` and keeps every report of ``run``, ``demo``, ``stats``
and ``stat`` (``stat -o FILE``) in a directory, in the order the commands
started. Everything else (``sink``, ``reset``, ``sessions``) runs unchanged.

    course.py                 every exercise, TAP
    course.py 1 6             exercises 1 and 6 only, TAP
    course.py --show [N...]   run the blocks without the shim and without
                              checks: what a student sees (commands echoed)

The exercises (numbers as in the sheet):

1. NIC scatter-gather on/off with sendfile: 0 vs 1 CPU copy per byte, and
   with SG off the copy's site is skb_segment, at transmit.
2. Cold vs warm page cache: 16 MiB of disk DMA vs none.
3. O_DIRECT: disk DMA into the user buffer, no page-cache misses, one copy
   (the send copy); read+write for contrast: two copies.
4. MSG_ZEROCOPY to the NIC (verdict zerocopy, no copy) and to a socket on
   127.0.0.1 (verdict copied; the copy is skb_copy_ubufs, at receive).
5. sendfile from tmpfs: no disk DMA at all.
6. nginx with sendfile on / off, fetched from the peer namespace: about 0
   vs about 2 CPU copies per byte, also when attached to a running worker.
7. iperf3 without and with -Z: about 1 vs about 0 CPU copies per byte.
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from ksft import Tap, skip_all  # noqa: E402


SIZE = 16 << 20         # the sheet's files, nginx's big.bin, iperf3 -n 16M
MSS = 1448
# Margins, each either way unless a check says otherwise:
# - zcopy run / demo: CPU copies per byte within 0.01, the bytes copied
#   outside the transfer loop (a pipe wakeup, the loader: a few KiB);
# - real servers under zcopy stat: 0.05, their own start-up, config and
#   log I/O (nginx reads its config and mime.types, iperf3 its JSON);
# - NIC DMA per byte beyond the payload: 0.05, the headers mapped with
#   each skb (66 bytes per 1448-byte segment at most, 4.6 %), before what
#   TCP resent, which only ever adds.
TOL_RUN = 0.01          # CPU copies per byte, zcopy run / demo
TOL_SERVER = 0.05       # CPU copies per byte, real servers under zcopy stat
TOL_NIC = 0.05          # NIC DMA per byte beyond the payload, before resends
BLOCK_TIMEOUT = 120     # seconds per exercise block
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("ZCOPY_TOP") or os.path.dirname(os.path.dirname(HERE))
SHEET = os.path.join(TOP, "Documentation", "course.rst")
NGINX_CONF = os.path.join(HERE, "nginx.conf")

SHIM = r"""#!/bin/sh
# zcopy as seen by selftests/course/course.py: the real CLI, with -j, and
# every report kept in @OUT@ as <start time in ns>.<command>.json
real='@REAL@'
out='@OUT@'
n=$(date +%s%N)
case "$1" in
run|demo|stats) exec "$real" -j "$@" >"$out/$n.$1.json" ;;
stat) shift; exec "$real" -j stat -o "$out/$n.stat.json" "$@" ;;
*) exec "$real" "$@" ;;
esac
"""


# --- TAP ---------------------------------------------------------------

# --- the sheet ---------------------------------------------------------

MARK = re.compile(r"^\.\. course-run: *(\S+) *$")


def sheet_blocks(path):
    """{ID: commands} for every '.. course-run: ID' comment of the sheet:
    the literal block that follows it (after the next line ending in '::'),
    dedented."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    blocks = {}
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].rstrip().endswith("::"):
            i += 1
        i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or lines[i][0] in " \t"):
            body.append(lines[i])
            i += 1
        if m.group(1) in blocks:
            raise ValueError(f"{path}: block '{m.group(1)}' appears twice")
        blocks[m.group(1)] = textwrap.dedent("\n".join(body)).strip() + "\n"
    return blocks


# --- running a block ----------------------------------------------------

class Outcome:
    """What a block did: exit status, output, zcopy reports in order."""

    def __init__(self, rc, out, err, docs, secs, sg_after):
        self.rc, self.out, self.err = rc, out, err
        self.docs, self.secs, self.sg_after = docs, secs, sg_after

    def kinds(self):
        return [k for k, _ in self.docs]

    def tail(self, n=15):
        lines = (self.err.strip() or self.out.strip()).splitlines()
        return "\n".join(lines[-n:])


def sg_on():
    """Whether the egress NIC has scatter-gather on (ethtool -k)."""
    dev = os.environ.get("ZCOPY_DEV", "eth0")
    r = subprocess.run(["ethtool", "-k", dev], capture_output=True, text=True,
                       check=False)
    return re.search(r"^scatter-gather: on", r.stdout, re.M) is not None


def cleanup():
    """Undo what a block may leave behind when it failed half-way."""
    dev = os.environ.get("ZCOPY_DEV", "eth0")
    subprocess.run(["ethtool", "-K", dev, "sg", "on"], capture_output=True,
                   check=False)
    try:    # an nginx of exercise 6 still running: only if it is nginx
        with open(nginx_pidfile(), encoding="ascii") as f:
            pid = int(f.read().split()[0])
        with open(f"/proc/{pid}/comm", encoding="ascii") as f:
            if f.read().strip() == "nginx":
                os.kill(pid, signal.SIGTERM)
                time.sleep(0.5)
    except (OSError, ValueError, IndexError):
        pass


def run_block(blocks, ex, show=False):
    """Run setup + exercise block ex in bash; return an Outcome."""
    work = tempfile.mkdtemp(prefix=f"course{ex}.")
    reports = os.path.join(work, "reports")
    os.mkdir(reports)
    prologue = ""
    if not show:
        shim = os.path.join(work, "bin", "zcopy")
        os.mkdir(os.path.dirname(shim))
        real = os.environ.get("ZCOPY_CLI", os.path.join(TOP, "user", "zcopy"))
        with open(shim, "w", encoding="ascii") as f:
            f.write(SHIM.replace("@REAL@", real).replace("@OUT@", reports))
        os.chmod(shim, 0o755)
        prologue = f"export PATH={os.path.dirname(shim)}:$PATH\n"
    script = os.path.join(work, "block.sh")
    with open(script, "w", encoding="utf-8") as f:
        f.write("set -e\n" + blocks["setup"] + prologue +
                ("set -v\n" if show else "") + blocks[ex])
    t0 = time.monotonic()
    kw = {} if show else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    proc = subprocess.Popen(["bash", script], cwd=TOP, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            **kw)
    try:
        out, err = proc.communicate(timeout=BLOCK_TIMEOUT)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = -1
        err = (err or "") + f"\ntimed out after {BLOCK_TIMEOUT} s"
    try:    # background jobs the block left, if any
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    sg_after = sg_on()
    cleanup()
    docs = []
    for path in sorted(glob.glob(os.path.join(reports, "*.json")),
                       key=lambda p: int(os.path.basename(p).split(".")[0])):
        kind = os.path.basename(path).split(".")[1]
        try:
            with open(path, encoding="utf-8") as f:
                docs.append((kind, json.load(f)))
        except (OSError, ValueError) as e:
            docs.append((kind, {"error": str(e)}))
    shutil.rmtree(work, ignore_errors=True)
    return Outcome(rc, out or "", err or "", docs, time.monotonic() - t0,
                   sg_after)


# --- reading reports ------------------------------------------------------

class View:
    """Counters, sites and devices of one measurement, whatever the report."""

    def __init__(self, d, size=None):
        if isinstance(d.get("sessions"), list):     # zcopy stat
            d = (d["sessions"] or [{}])[0]
        self.doc = d
        det = d.get("detail") or d          # run, demo row / stat, stats
        self.c = det.get("counters") or {}
        self.sites = det.get("sites") or []
        self.devs = det.get("devices") or []
        self.zc = det.get("zerocopy")
        self.size = size or d.get("bytes") or SIZE

    def cpu(self):
        c = self.c
        return (c.get("copy_u2k_bytes", 0) + c.get("copy_k2u_bytes", 0) +
                c.get("copy_k2k_bytes", 0)) / self.size

    def dma(self):
        return (self.c.get("dma_to_dev_bytes", 0) +
                self.c.get("dma_from_dev_bytes", 0)) / self.size

    def site(self, function=None, primitive=None, kind=None):
        return sum(s["bytes"] for s in self.sites
                   if (function is None or s["function"] == function) and
                   (primitive is None or s["primitive"] == primitive) and
                   (kind is None or s["kind"] == kind))

    def resent(self, ctx):
        """What TCP sent again, per byte: the connection's own count
        (tcpi_bytes_retrans in a run report) or, where there is none, the
        segments the whole system retransmitted during the block."""
        own = self.doc.get("retrans_bytes") or 0
        return max(own, ctx["retrans"] * MSS) / self.size

    def nic_dma_ok(self, ctx):
        """One DMA copy per byte to the NIC: never less, and no more than
        the margin plus what was retransmitted (each resend is mapped
        again)."""
        return 1 <= self.dma() + 0.005 <= 1 + 0.005 + TOL_NIC + self.resent(ctx)

    def disk(self):
        return sum(d["from_dev_bytes"] for d in self.devs
                   if d.get("driver") == "nvme")

    def nic(self, dev):
        return sum(d["to_dev_bytes"] for d in self.devs if d.get("label") == dev)

    def summary(self):
        c = self.c
        top = sorted(self.sites, key=lambda s: -s["bytes"])[:3]
        return (f"cpu {self.cpu():.4f}/B dma {self.dma():.4f}/B (u2k "
                f"{c.get('copy_u2k_bytes')} k2u {c.get('copy_k2u_bytes')} k2k "
                f"{c.get('copy_k2k_bytes')}; disk {self.disk()}; page-cache "
                f"misses {c.get('pagecache_miss_bytes')}; missed "
                f"{c.get('missed')}); top sites " +
                ", ".join(f"{s['function']}/{s['primitive']} {s['bytes']}"
                          for s in top))


def near(v, want, tol, up=0.0):
    """want - tol <= v <= want + tol + up: @up is what may only add to @v
    (TCP resends are mapped again, and copied again with SG off), so it
    widens the bound upward, never downward."""
    return want - tol <= v <= want + tol + up


def disk_read_bytes():
    """What the lab's disk read, by its own count: /sys/block/DEV/stat's
    sectors read (field 3), 512 bytes each."""
    dev = os.path.basename(os.environ.get("ZCOPY_DISK_DEV", "/dev/nvme0n1"))
    with open(f"/sys/block/{dev}/stat", encoding="ascii") as f:
        return int(f.read().split()[2]) * 512


def disk_agrees(tap, o, ctx, ex, views):
    """The disk DMA the reports counted against the sectors the disk itself
    read during the block: never less, and at most 64 KiB more (ext4's
    inode, bitmap and extent blocks the setup's cache drop took along)."""
    counted = sum(v.disk() for v in views)
    tap.ok(counted <= ctx["disk"] <= counted + 65536,
           f"exercise {ex}: the disk DMA counted ({counted} bytes) is what the "
           f"disk read by its own sector count ({ctx['disk']} bytes)")


def retrans_segs():
    with open("/proc/net/snmp", encoding="ascii") as f:
        rows = [line.split() for line in f if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("RetransSegs")])


def nginx_pidfile():
    try:
        with open(NGINX_CONF, encoding="utf-8") as f:
            m = re.search(r"^\s*pid\s+(\S+);", f.read(), re.M)
        return m.group(1) if m else "/tmp/nginx/nginx.pid"
    except OSError:
        return "/tmp/nginx/nginx.pid"


# --- the exercises ---------------------------------------------------------
#
# Each check gets (tap, outcome, ctx) and returns nothing; it emits its test
# points. REPORTS is what the block's zcopy commands must produce, in order:
# a mismatch means the sheet and this program have drifted apart.

def ex1_sg(tap, o, ctx):
    demo, run = o.docs[0][1], o.docs[1][1]
    rows = {m["label"]: m for m in demo.get("methods", [])}
    on, off = rows.get("sendfile"), rows.get("sendfile (sg off)")
    if not tap.ok(on and off, "exercise 1: the demo has the rows 'sendfile' and "
                  "'sendfile (sg off)'", f"rows: {sorted(rows)}"):
        return
    resent = ctx["retrans"] * MSS / SIZE
    von, voff, vrun = View(on), View(off), View(run)
    tap.diag(f"ex1 demo sg on:  {von.summary()}")
    tap.diag(f"ex1 demo sg off: {voff.summary()}")
    tap.diag(f"ex1 run sg off:  {vrun.summary()}; retransmitted segments "
             f"{ctx['retrans']}")
    tap.ok(on["status"] == "ok" and near(von.cpu(), 0, TOL_RUN),
           f"exercise 1: sendfile with SG on copies {von.cpu():.3f} per byte "
           "(sheet: 0)", json.dumps(on.get("reason")))
    tap.ok(off["status"] == "ok" and near(voff.cpu(), 1, TOL_RUN, resent),
           f"exercise 1: sendfile with SG off copies {voff.cpu():.3f} per byte "
           "(sheet: 1)", json.dumps(off.get("reason")))
    tap.ok(near(vrun.cpu(), 1, TOL_RUN, resent),
           f"exercise 1: zcopy run sendfile with 'sg off' copies {vrun.cpu():.3f} "
           "per byte (sheet: 1)")
    # skb_segment copies nearly all; __pskb_pull_tail (also at transmit)
    # pulls a few tens of KiB of the same data; the send call copies nothing.
    seg = vrun.site("skb_segment", "skb_copy_bits", "k2k") / vrun.size
    xmit = vrun.site(primitive="skb_copy_bits", kind="k2k") / vrun.size
    tap.ok(near(seg, 1, 0.05, resent) and near(xmit, 1, TOL_RUN, resent) and
           vrun.site(kind="u2k") / vrun.size < TOL_RUN,
           f"exercise 1: the copy is at skb_segment -> skb_copy_bits, k2k "
           f"({seg:.3f} per byte; {xmit:.3f} in skb_copy_bits at transmit), "
           "not in the send call", vrun.summary())
    tap.ok(o.sg_after, "exercise 1: the sheet's commands put scatter-gather "
           "back on")


def ex2_cache(tap, o, ctx):
    cold, warm = View(o.docs[0][1]), View(o.docs[1][1])
    tap.diag(f"ex2 cold: {cold.summary()}")
    tap.diag(f"ex2 warm: {warm.summary()}")
    tap.ok(cold.size == SIZE and cold.disk() == SIZE and
           cold.c.get("pagecache_miss_bytes") == SIZE,
           f"exercise 2: cold cache, the disk DMAs the whole file "
           f"({cold.disk()} bytes) and every page misses",
           f"disk {cold.disk()}, misses {cold.c.get('pagecache_miss_bytes')}, "
           f"file {cold.size}")
    tap.ok(warm.c.get("dma_from_dev_bytes") == 0 and warm.disk() == 0 and
           warm.c.get("pagecache_miss_bytes") == 0,
           "exercise 2: warm cache, no disk DMA and no page-cache miss",
           warm.summary())
    tap.ok(warm.nic_dma_ok(ctx),
           f"exercise 2: warm cache, {warm.dma():.3f} DMA copies per byte "
           "(sheet: 1, the NIC only)",
           f"resent {warm.resent(ctx):.3f} per byte; {warm.summary()}")
    tap.ok(near(cold.cpu(), 0, TOL_RUN) and near(warm.cpu(), 0, TOL_RUN),
           f"exercise 2: no CPU copy either way ({cold.cpu():.3f}, "
           f"{warm.cpu():.3f} per byte)")
    disk_agrees(tap, o, ctx, 2, (cold, warm))


def ex3_odirect(tap, o, ctx):
    od, rw = View(o.docs[0][1]), View(o.docs[1][1])
    tap.diag(f"ex3 odirect-write: {od.summary()}")
    tap.diag(f"ex3 read-write:    {rw.summary()}")
    tap.ok(od.disk() == od.size and od.c.get("pagecache_miss_bytes") == 0,
           f"exercise 3: O_DIRECT, the disk DMAs {od.disk()} bytes and no page "
           "misses the page cache", od.summary())
    send = od.site("tcp_sendmsg_locked", kind="u2k") / od.size
    tap.ok(near(od.cpu(), 1, TOL_RUN) and near(send, 1, TOL_RUN) and
           od.site(kind="k2u") / od.size < TOL_RUN,
           f"exercise 3: O_DIRECT copies {od.cpu():.3f} per byte, the send copy "
           f"in tcp_sendmsg_locked ({send:.3f}), no read copy", od.summary())
    read = rw.site("filemap_read", kind="k2u") / rw.size
    tap.ok(near(rw.cpu(), 2, TOL_RUN) and near(read, 1, TOL_RUN) and
           rw.c.get("pagecache_miss_bytes") == rw.size,
           f"exercise 3: read+write copies {rw.cpu():.3f} per byte, "
           f"filemap_read's k2u {read:.3f}, through the page cache", rw.summary())
    disk_agrees(tap, o, ctx, 3, (od, rw))


def ex4_msg_zerocopy(tap, o, ctx):
    nic, local, stats = View(o.docs[0][1]), View(o.docs[1][1]), View(o.docs[2][1])
    tap.diag(f"ex4 to the NIC: {nic.summary()}; {json.dumps(nic.zc)}")
    tap.diag(f"ex4 to 127.0.0.1: {local.summary()}; {json.dumps(local.zc)}")
    tap.diag("ex4 zcopy stats sites: " + ", ".join(
        f"{s['function']}/{s['primitive']} {s['bytes']}" for s in stats.sites))
    nv = (nic.zc or {}).get("verdict")
    lv = (local.zc or {}).get("verdict")
    tap.ok(nv == "zerocopy" and near(nic.cpu(), 0, TOL_RUN),
           f"exercise 4: MSG_ZEROCOPY through {os.environ.get('ZCOPY_DEV')}: "
           f"verdict '{nv}', {nic.cpu():.3f} copies per byte",
           json.dumps(nic.zc))
    tap.ok(lv == "copied",
           f"exercise 4: MSG_ZEROCOPY to 127.0.0.1: verdict '{lv}'",
           json.dumps(local.zc))
    ubufs = stats.site(primitive="skb_copy_ubufs") / SIZE
    tap.ok(near(ubufs, 1, TOL_RUN),
           f"exercise 4: zcopy stats shows the deferred copy at skb_copy_ubufs, "
           f"{ubufs:.3f} per byte of the file")
    dev = os.environ.get("ZCOPY_DEV", "eth0")
    tap.ok(local.disk() == SIZE and local.nic(dev) == 0 and
           near(local.dma(), 1, 0.005),
           f"exercise 4: to 127.0.0.1 the only DMA is the disk's "
           f"({local.dma():.3f} per byte): loopback maps nothing", local.summary())
    tap.ok(near(local.cpu(), 1, TOL_RUN) and
           near(local.site(primitive="skb_copy_ubufs") / SIZE, 1, TOL_RUN),
           f"exercise 4: the session counts {local.cpu():.3f} copies per byte, "
           "at skb_copy_ubufs: the verdict 'copied' and the count agree",
           local.summary())
    disk_agrees(tap, o, ctx, 4, (nic, local))


def ex5_tmpfs(tap, o, ctx):
    v = View(o.docs[0][1])
    tap.diag(f"ex5 tmpfs: {v.summary()}; resent {v.doc.get('retrans_bytes')} "
             f"bytes, {ctx['retrans']} segments system-wide")
    path = o.docs[0][1].get("file", "")
    tap.ok(path.startswith("/dev/shm/") and v.size == SIZE,
           f"exercise 5: the file is on tmpfs ({path}, {v.size} bytes)")
    tap.ok(v.c.get("dma_from_dev_bytes") == 0 and v.disk() == 0 and
           v.c.get("pagecache_miss_bytes") == 0,
           "exercise 5: from tmpfs, no disk DMA and no page-cache miss",
           v.summary())
    tap.ok(near(v.cpu(), 0, TOL_RUN) and v.nic_dma_ok(ctx),
           f"exercise 5: {v.cpu():.3f} CPU and {v.dma():.3f} DMA copies per byte "
           "(sheet: 0 and 1)",
           f"resent {v.resent(ctx):.3f} per byte; {v.summary()}")
    tap.ok(ctx["disk"] == 0,
           f"exercise 5: the disk itself read nothing ({ctx['disk']} bytes by its "
           "sector count)")


def received_all(o, n):
    got = [int(x) for x in re.findall(r"^(\d+) bytes received", o.out, re.M)]
    return got == [SIZE] * n, got


def ex6_nginx(tap, o, ctx):
    ok, got = received_all(o, 3)
    tap.ok(ok, "exercise 6: curl in the peer namespace got big.bin three times",
           f"sizes {got}")
    on, off, att = (View(d, SIZE) for _, d in o.docs)
    dev = os.environ.get("ZCOPY_DEV", "eth0")
    for name, v in (("sendfile on", on), ("sendfile off", off),
                    ("sendfile off, -p worker", att)):
        tap.diag(f"ex6 nginx {name}: {v.summary()}; {dev} DMA {v.nic(dev)}")
    tap.ok(near(on.cpu(), 0, TOL_SERVER),
           f"exercise 6: nginx, sendfile on: {on.cpu():.3f} CPU copies per byte "
           "(sheet: about 0)", on.summary())
    tap.ok(near(off.cpu(), 2, TOL_SERVER),
           f"exercise 6: nginx, sendfile off: {off.cpu():.3f} CPU copies per byte "
           "(sheet: about 2)", off.summary())
    rd = off.site("filemap_read", kind="k2u") / SIZE
    wr = off.site("tcp_sendmsg_locked", kind="u2k") / SIZE
    tap.ok(near(rd, 1, TOL_SERVER) and near(wr, 1, TOL_SERVER),
           f"exercise 6: sendfile off, read() copies {rd:.3f} (filemap_read) and "
           f"write() {wr:.3f} (tcp_sendmsg_locked) per byte")
    tap.ok(near(att.cpu(), 2, TOL_SERVER) and att.c.get("pagecache_miss_bytes", 0) == 0,
           f"exercise 6: zcopy stat -p on the running worker: {att.cpu():.3f} "
           "CPU copies per byte, file already cached", att.summary())
    # Each response's body once, plus its HTTP header (about 250 bytes)
    # and the skbs' headers (TOL_NIC), plus what TCP resent during the
    # block (mapped again): a count that doubled, or missed, fails.
    hi = SIZE * (1 + TOL_NIC) + ctx["retrans"] * MSS + 4096
    tap.ok(all(SIZE <= v.nic(dev) <= hi for v in (on, off, att)),
           f"exercise 6: each response crossed {dev} by DMA, once",
           f"{[v.nic(dev) for v in (on, off, att)]}, bounds {SIZE}..{hi:.0f}")


def ex7_iperf3(tap, o, ctx):
    plain, zc = (View(d, SIZE) for _, d in o.docs)
    tap.diag(f"ex7 iperf3:    {plain.summary()}")
    tap.diag(f"ex7 iperf3 -Z: {zc.summary()}")
    tap.ok(near(plain.cpu(), 1, TOL_SERVER),
           f"exercise 7: iperf3 copies {plain.cpu():.3f} per byte (sheet: about 1)",
           plain.summary())
    tap.ok(near(zc.cpu(), 0, TOL_SERVER),
           f"exercise 7: iperf3 -Z copies {zc.cpu():.3f} per byte (sheet: about 0)",
           zc.summary())
    sp = plain.site("tcp_sendmsg_locked", kind="u2k") / SIZE
    sz = zc.site("tcp_sendmsg_locked", kind="u2k") / SIZE
    tap.ok(near(sp, 1, TOL_SERVER) and near(sz, 0, TOL_SERVER),
           f"exercise 7: -Z removes the send copy: tcp_sendmsg_locked copies "
           f"{sp:.3f} then {sz:.3f} per byte")


EXERCISES = {
    # ID: (title, programs needed, reports expected in order, check)
    "1": ("NIC scatter-gather and sendfile", ["ethtool"], ["demo", "run"], ex1_sg),
    "2": ("cold and warm page cache", [], ["run", "run"], ex2_cache),
    "3": ("O_DIRECT", [], ["run", "run"], ex3_odirect),
    "4": ("MSG_ZEROCOPY, NIC and local socket", [], ["run", "run", "stats"],
          ex4_msg_zerocopy),
    "5": ("sendfile from tmpfs", [], ["run"], ex5_tmpfs),
    "6": ("nginx, sendfile on and off", ["nginx", "curl"], ["stat", "stat", "stat"],
          ex6_nginx),
    "7": ("iperf3 with and without -Z", ["iperf3"], ["stat", "stat"], ex7_iperf3),
}


def exercise(tap, blocks, ex):
    title, needs, want, check = EXERCISES[ex]
    missing = [p for p in needs if not shutil.which(p)]
    if missing:
        tap.skip(f"exercise {ex}: {title}",
                 f"{', '.join(missing)} not installed (scripts/lab-deps)")
        return
    if not tap.ok(ex in blocks, f"exercise {ex}: the sheet has its command block",
                  f"no '.. course-run: {ex}' in {SHEET}"):
        return
    rt0, disk0 = retrans_segs(), disk_read_bytes()
    o = run_block(blocks, ex)
    ctx = {"retrans": retrans_segs() - rt0, "disk": disk_read_bytes() - disk0}
    tap.diag(f"exercise {ex}: {o.secs:.1f} s")
    if not tap.ok(o.rc == 0, f"exercise {ex}: the sheet's commands ran ({title})",
                  f"exit status {o.rc}; last lines:\n{o.tail()}"):
        return
    if not tap.ok(o.kinds() == want,
                  f"exercise {ex}: the commands produced the reports "
                  f"{', '.join(want)}",
                  f"got {o.kinds()}; stderr:\n{o.tail()}"):
        return
    bad = [d.get("error") for _, d in o.docs if "error" in d]
    if not tap.ok(not bad, f"exercise {ex}: every report is valid JSON", str(bad)):
        return
    check(tap, o, ctx)


def env_ok():
    for name in ("ZCOPY_DEV", "ZCOPY_PEER_NS", "ZCOPY_PEER_ADDR",
                 "ZCOPY_DISK_DIR", "ZCOPY_TOP"):
        if not os.environ.get(name):
            skip_all(f"not in the zcopy lab guest (${name} unset; run through "
                     "scripts/lab-run)")
    if not os.path.isdir("/sys/module/zcopy"):
        skip_all("zcopy.ko is not loaded")


def main(argv):
    show = "--show" in argv
    wanted = [a for a in argv if a != "--show"] or sorted(EXERCISES)
    unknown = [a for a in wanted if a not in EXERCISES]
    if unknown:
        print(f"usage: course.py [--show] [{'|'.join(sorted(EXERCISES))}]...",
              file=sys.stderr)
        return 2
    env_ok()
    try:
        blocks = sheet_blocks(SHEET)
    except (OSError, ValueError) as e:
        if show:
            print(e, file=sys.stderr)
            return 1
        tap = Tap()
        tap.ok(False, "the lab sheet can be read", str(e))
        return tap.close()
    if show:
        rc = 0
        for ex in wanted:
            print(f"==== exercise {ex}: {EXERCISES[ex][0]}", flush=True)
            o = run_block(blocks, ex, show=True)
            rc = rc or (1 if o.rc else 0)
        return rc
    tap = Tap()
    if tap.ok("setup" in blocks, "the sheet has its setup block",
              f"no '.. course-run: setup' in {SHEET}"):
        for ex in wanted:
            exercise(tap, blocks, ex)
    return tap.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
