# SPDX-License-Identifier: GPL-2.0
"""Kselftest TAP output for zcopy's Python selftests.

Exit codes as kselftest.h: 0 pass, 1 fail, 4 skip. Each test point is
"ok N desc" or "not ok N desc" followed by "# why" diagnostics; the plan
"1..N" comes last.
"""

import sys

KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        print("TAP version 13", flush=True)

    @staticmethod
    def diag(msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)

    def ok(self, cond, desc, why=""):
        self.n += 1
        if cond:
            print(f"ok {self.n} {desc}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} {desc}", flush=True)
            if why:
                self.diag(why)
        return cond

    def skip(self, desc, why):
        self.n += 1
        print(f"ok {self.n} {desc} # SKIP {why}", flush=True)

    def close(self):
        print(f"1..{self.n}", flush=True)
        return KSFT_FAIL if self.failed else KSFT_PASS


def skip_all(why):
    """The whole program cannot run here: an empty plan, and exit 4."""
    print(f"TAP version 13\n1..0 # SKIP {why}", flush=True)
    sys.exit(KSFT_SKIP)
