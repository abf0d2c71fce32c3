#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Drive zcopy.ko with the kernel's own ynl CLI (tools/net/ynl/cli.py).

The CLI knows the family only from Documentation/netlink/specs/zcopy.yaml,
so the spec and the module must agree on every name, type and enum. Each
test point runs the CLI once and checks the JSON it prints. TAP output;
a missing CLI, spec or python3-yaml fails (the lab provides all three).
Run through ynl_cli.sh.
"""

import json
import os
import subprocess
import sys

failed = False
count = 0


def point(desc, why=None):
    """Print one TAP test point; @why (a string) makes it fail."""
    global count, failed
    count += 1
    if why is None:
        print(f'ok {count} {desc}')
        return
    failed = True
    print(f'not ok {count} {desc}')
    for line in str(why).splitlines():
        print(f'# {line}')


def fail_all(why):
    """What the test needs is missing: that is the lab's fault, not the
    kernel's, so the program fails (a skip would hide it)."""
    print('1..1')
    print('not ok 1 the ynl CLI can run against the spec')
    print(f'# {why}')
    sys.exit(1)


class Ynl:
    def __init__(self, cli, spec, schema):
        self.cli = cli
        self.spec = spec
        self.schema = schema

    def run(self, *args):
        """Run the CLI; return (exit status, its JSON or its output)."""
        cmd = [sys.executable, self.cli, '--spec', self.spec, '--output-json']
        cmd += ['--schema', self.schema] if self.schema else ['--no-schema']
        # Validating the spec takes seconds under TCG: once is enough.
        self.schema = None
        p = subprocess.run(cmd + list(args), capture_output=True, text=True,
                           timeout=120)
        out = (p.stdout + p.stderr).strip()
        if p.returncode:
            return p.returncode, out
        try:
            return 0, json.loads(p.stdout)
        except ValueError:
            return 1, 'not JSON: ' + out


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def check(desc, result, fn):
    rc, d = result
    if rc:
        point(desc, f'the CLI failed ({rc}): {d}')
        return
    try:
        fn(d)
    except AssertionError as e:
        point(desc, f'{e}\noutput: {json.dumps(d)[:400]}')
        return
    point(desc)


def main():
    cli = os.path.join(os.environ.get('YNL_DIR', ''), 'cli.py')
    spec = os.environ.get('ZCOPY_SPEC', '')
    schema = os.environ.get('YNL_SCHEMA', '')

    print('TAP version 13')
    if not os.path.isfile(cli):
        fail_all(f'no ynl CLI (tools/net/ynl/cli.py) at {cli!r}')
    if not os.path.isfile(spec):
        fail_all(f'no YNL spec at {spec!r}')
    try:
        import yaml
    except ImportError:
        fail_all('python3-yaml is not installed (scripts/lab-deps installs it)')
    if not os.path.isfile(schema):
        print(f'# spec not validated: no genetlink schema at {schema!r}')
        schema = None
    else:
        try:
            import jsonschema  # noqa: F401 (the CLI imports it)
            print(f'# spec validated against {schema}')
        except ImportError:
            print('# spec not validated: python3-jsonschema is not installed')
            schema = None

    with open(spec) as f:
        y = yaml.safe_load(f)
    counters = [a['name'] for s in y['attribute-sets'] if s['name'] == 'counters'
                for a in s['attributes'] if a['type'] != 'pad']
    ynl = Ynl(cli, spec, schema)

    def stats(d):
        for k in ('version', 'armed', 'sessions', 'max-sessions', 'counters'):
            expect(k in d, f'expected key {k!r} in {sorted(d)}')
        expect(d['version'] == 1, f'expected version 1, got {d["version"]!r}')
        expect(d['sessions'] <= d['max-sessions'],
               f'sessions {d["sessions"]} > max-sessions {d["max-sessions"]}')
        expect(sorted(d['counters']) == sorted(counters),
               f'expected counters {sorted(counters)}, got {sorted(d["counters"])}')
        expect(all(isinstance(v, int) and v >= 0 for v in d['counters'].values()),
               f'counters {d["counters"]}')

    check('stats-get: version, armed, sessions, max-sessions and all counters',
          ynl.run('--do', 'stats-get'), stats)

    def probes(d):
        expect(isinstance(d, list) and d, f'expected a non-empty list, got {d!r}')
        for m in d:
            expect(list(m) == ['probe'], f'expected only a probe attribute, got {sorted(m)}')
            for p in m['probe']:
                for k in ('name', 'type', 'state', 'hits', 'missed'):
                    expect(k in p, f'probe {p} lacks {k!r}')
                expect(p['type'] in ('fentry', 'tracepoint', 'kprobe', 'kretprobe'), f'type {p["type"]!r}')
                expect(p['state'] in ('off', 'active', 'unavailable'), f'state {p["state"]!r}')
                expect((p['state'] == 'unavailable') == ('reason' in p),
                       f'reason and state disagree in {p}')
        print(f'# {sum(len(m["probe"]) for m in d)} probes')

    check('probe-get dump: every probe has name, type, state, hits, missed',
          ynl.run('--dump', 'probe-get'), probes)

    # The session ends with the CLI's socket, when the CLI exits.
    target = subprocess.Popen(['sleep', '60'])
    req = {'pid': target.pid, 'flags': ['children'], 'sample-ms': 100,
           'devfilter': ['eth0', 'lo']}

    def session(d):
        for k in ('session-id', 'pid', 'flags', 'sample-ms', 'owner-pid',
                  'elapsed-ns', 'counters'):
            expect(k in d, f'expected key {k!r} in {sorted(d)}')
        expect(d['session-id'] >= 1, f'session-id {d["session-id"]}')
        expect(d['pid'] == target.pid, f'expected pid {target.pid}, got {d["pid"]}')
        expect(set(d['flags']) == {'children'}, f'expected flags [children], got {d["flags"]}')
        expect(d['sample-ms'] == 100, f'expected sample-ms 100, got {d["sample-ms"]}')
        expect(d.get('devfilter') == ['eth0', 'lo'],
               f'expected devfilter [eth0, lo], got {d.get("devfilter")}')
        expect(sorted(d['counters']) == sorted(counters),
               f'expected counters {sorted(counters)}, got {sorted(d["counters"])}')

    try:
        check('session-new: the reply echoes the request',
              ynl.run('--do', 'session-new', '--json', json.dumps(req)), session)
    finally:
        target.kill()
        target.wait()

    desc = 'session-get of no session: refused with "no such session"'
    rc, out = ynl.run('--do', 'session-get', '--json', '{"session-id": 2147483647}')
    if not rc:
        point(desc, f'the CLI succeeded: {out}')
    elif 'no such session' not in str(out):
        point(desc, f'expected "no such session", the CLI said: {out}')
    else:
        point(desc)

    print(f'1..{count}')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
