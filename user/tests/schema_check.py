#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate zcopy JSON documents against user/zcopy.schema.json.

   schema_check.py SCHEMA FILE...   (a file holds one document, or one per line)

Uses the jsonschema module where installed, else a small validator of the
subset the schema uses (type, const, enum, required, properties,
additionalProperties, items, minimum, pattern). Exits 1 naming the first
violation of each bad document."""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "null": type(None)}


def is_type(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])


def check(v, s, path="$"):
    t = s.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(is_type(v, x) for x in ts):
            return f"{path}: {v!r} is not {t}"
    if "const" in s and v != s["const"]:
        return f"{path}: {v!r} is not {s['const']!r}"
    if "enum" in s and v not in s["enum"]:
        return f"{path}: {v!r} not in {s['enum']}"
    if isinstance(v, (int, float)) and not isinstance(v, bool) and \
            "minimum" in s and v < s["minimum"]:
        return f"{path}: {v} < {s['minimum']}"
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        return f"{path}: {v!r} does not match {s['pattern']}"
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                return f"{path}: '{k}' is missing"
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                err = check(x, props[k], f"{path}.{k}")
                if err:
                    return err
            elif s.get("additionalProperties") is False:
                return f"{path}: '{k}' is not in the schema"
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            err = check(x, s["items"], f"{path}[{i}]")
            if err:
                return err
    return None


def kind(d):
    c = d.get("command")
    if c == "watch":
        e = d.get("event")
        return "watch-sample" if e is None else \
            "watch-note" if e in ("idle", "overrun") else "watch-event"
    if c is None and "time_seconds" in d:
        return "stat-interval"
    return c


def main():
    schema = json.load(open(sys.argv[1]))
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    bad = 0
    for path in sys.argv[2:]:
        text = open(path).read()
        try:
            docs = [json.loads(text)]
        except json.JSONDecodeError:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        for d in docs:
            k = kind(d)
            s = schema["$defs"].get(k)
            if s is None:
                err = f"no schema for command {k!r}"
            elif jsonschema:
                errs = list(jsonschema.Draft202012Validator(s).iter_errors(d))
                err = f"{errs[0].json_path}: {errs[0].message}" if errs else None
            else:
                err = check(d, s)
            if err:
                print(f"{path}: {k}: {err}")
                bad += 1
            else:
                print(f"{path}: {k}: valid")
    sys.exit(1 if bad else 0)


main()
