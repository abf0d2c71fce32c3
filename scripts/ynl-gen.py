#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate zcopy's UAPI header and kernel policy tables from its YNL spec.

The spec (Documentation/netlink/specs/zcopy.yaml) is the single source of
truth for the generic netlink family. This covers the subset of the YNL
genetlink schema the spec uses and follows the naming of the kernel's
ynl-gen-c, so the kernel's ynl tools read the same family.

  ynl-gen.py SPEC uapi    > include/uapi/linux/zcopy.h
  ynl-gen.py SPEC policy  > module/zcopy_nl_gen.c
  ynl-gen.py SPEC policy-h > module/zcopy_nl_gen.h
  ynl-gen.py SPEC --check   compare both with the files in the tree
"""

import os
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = {
    "uapi": "include/uapi/linux/zcopy.h",
    "policy": "module/zcopy_nl_gen.c",
    "policy-h": "module/zcopy_nl_gen.h",
}


def c_upper(name):
    return name.upper().replace("-", "_")


def c_lower(name):
    return name.lower().replace("-", "_")


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.y = yaml.safe_load(f)
        self.name = self.y["name"]
        self.pfx = c_upper(self.name)
        self.defs = {d["name"]: d for d in self.y.get("definitions", [])}
        self.sets = {s["name"]: s for s in self.y["attribute-sets"]}
        self.ops = self.y["operations"]["list"]
        self.mcgrps = self.y.get("mcast-groups", {}).get("list", [])

    def set_prefix(self, sname):
        s = self.sets[sname]
        if "name-prefix" in s:
            return c_upper(s["name-prefix"])
        if sname == self.name:
            return f"{self.pfx}_A_"
        return f"{self.pfx}_A_{c_upper(sname)}_"

    def attr(self, sname, aname):
        for i, a in enumerate(self.sets[sname]["attributes"], 1):
            if a["name"] == aname:
                return i, a
        raise KeyError(f"{sname}/{aname}")

    def enum_mask(self, ename):
        d = self.defs[ename]
        return (1 << len(d["entries"])) - 1


def entry_name(e):
    return e["name"] if isinstance(e, dict) else e


def gen_uapi(sp):
    out = []
    guard = f"_UAPI_LINUX_{sp.pfx}_H"
    out.append("/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */")
    out.append("/* Do not edit directly, auto-generated from: */")
    out.append(f"/*\tDocumentation/netlink/specs/{sp.name}.yaml */")
    out.append("/* YNL-GEN uapi header */")
    out.append("")
    out.append(f"#ifndef {guard}")
    out.append(f"#define {guard}")
    out.append("")
    out.append(f'#define {sp.pfx}_FAMILY_NAME\t"{sp.name}"')
    out.append("")
    for d in sp.y.get("definitions", []):
        dn = c_upper(d["name"])
        if d["type"] == "const":
            out.append(f"#define {sp.pfx}_{dn}\t{d['value']}")
            out.append("")
            continue
        out.append(f"enum {c_lower(sp.name)}_{c_lower(d['name'])} {{")
        for i, e in enumerate(d["entries"]):
            en = f"{sp.pfx}_{dn}_{c_upper(entry_name(e))}"
            val = (1 << i) if d["type"] == "flags" else i
            out.append(f"\t{en} = {val},")
        if d.get("render-max"):
            out.append("")
            out.append(f"\t/* private: */")
            out.append(f"\t__{sp.pfx}_{dn}_MAX,")
            out.append(f"\t{sp.pfx}_{dn}_MAX = (__{sp.pfx}_{dn}_MAX - 1)")
        out.append("};")
        out.append("")
    for s in sp.y["attribute-sets"]:
        p = sp.set_prefix(s["name"])
        out.append("enum {")
        for i, a in enumerate(s["attributes"], 1):
            out.append(f"\t{p}{c_upper(a['name'])} = {i}," if i == 1
                       else f"\t{p}{c_upper(a['name'])},")
        out.append("")
        out.append(f"\t__{p}MAX,")
        out.append(f"\t{p}MAX = (__{p}MAX - 1)")
        out.append("};")
        out.append("")
    out.append("enum {")
    for i, o in enumerate(sp.ops, 1):
        n = f"{sp.pfx}_CMD_{c_upper(o['name'])}"
        out.append(f"\t{n} = {i}," if i == 1 else f"\t{n},")
    out.append("")
    out.append(f"\t__{sp.pfx}_CMD_MAX,")
    out.append(f"\t{sp.pfx}_CMD_MAX = (__{sp.pfx}_CMD_MAX - 1)")
    out.append("};")
    out.append("")
    for g in sp.mcgrps:
        out.append(f'#define {sp.pfx}_MCGRP_{c_upper(g["name"])}\t"{g["name"]}"')
    out.append("")
    out.append(f"#endif /* {guard} */")
    return "\n".join(out) + "\n"


NLA_TYPES = {
    "u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64",
    "s32": "NLA_S32", "s64": "NLA_S64", "flag": "NLA_FLAG",
    "string": "NLA_NUL_STRING", "nest": "NLA_NESTED", "binary": "NLA_BINARY",
}


def limit(sp, v):
    if isinstance(v, int):
        return str(v)
    if v in ("u32-max", "u16-max", "u8-max", "s32-max"):
        return {"u32-max": "U32_MAX", "u16-max": "U16_MAX",
                "u8-max": "U8_MAX", "s32-max": "S32_MAX"}[v]
    return f"{sp.pfx}_{c_upper(v)}"


S16_MAX = 32767


def range_name(sp, sname, a):
    return f"{c_lower(sp.name)}_a_{c_lower(sname)}_{c_lower(a['name'])}_range"


def needs_full_range(a):
    """nla_policy keeps min and max in s16: wider limits need a range struct."""
    chk = a.get("checks", {})
    return a["type"] in ("u32", "u64") and any(
        isinstance(chk.get(k), int) and chk[k] > S16_MAX for k in ("min", "max"))


def full_range(sp, sname, a):
    chk = a.get("checks", {})
    lo = limit(sp, chk.get("min", 0))
    hi = limit(sp, chk["max"]) if "max" in chk else \
        {"u32": "U32_MAX", "u64": "U64_MAX"}[a["type"]]
    # 6.1 takes the range through a non-const pointer.
    return [f"static struct netlink_range_validation {range_name(sp, sname, a)} = {{",
            f"\t.min = {lo},", f"\t.max = {hi},", "};", ""]


def policy_entry(sp, sname, a):
    p = sp.set_prefix(sname)
    t = NLA_TYPES[a["type"]]
    chk = a.get("checks", {})
    idx = f"[{p}{c_upper(a['name'])}]"
    if a.get("enum-as-flags"):
        return f"\t{idx} = NLA_POLICY_MASK({t}, 0x{sp.enum_mask(a['enum']):x}),"
    if needs_full_range(a):
        return f"\t{idx} = NLA_POLICY_FULL_RANGE({t}, &{range_name(sp, sname, a)}),"
    if "min" in chk and "max" in chk:
        return f"\t{idx} = NLA_POLICY_RANGE({t}, {limit(sp, chk['min'])}, {limit(sp, chk['max'])}),"
    if "min" in chk:
        return f"\t{idx} = NLA_POLICY_MIN({t}, {limit(sp, chk['min'])}),"
    if "max" in chk and a["type"] != "string":
        return f"\t{idx} = NLA_POLICY_MAX({t}, {limit(sp, chk['max'])}),"
    if a["type"] == "string" and "max-len" in chk:
        return f"\t{idx} = {{ .type = {t}, .len = {limit(sp, chk['max-len'])}, }},"
    return f"\t{idx} = {{ .type = {t}, }},"


def request_policies(sp):
    """Yield (C name, array size) of each operation's request policy."""
    lname = c_lower(sp.name)
    for o in sp.ops:
        for kind in ("do", "dump"):
            req = o.get(kind, {}).get("request")
            if not req:
                continue
            sname = o["attribute-set"]
            attrs = [sp.attr(sname, n) for n in req["attributes"]]
            top = max(attrs, key=lambda x: x[0])[1]["name"]
            yield (f"{lname}_{c_lower(o['name'])}_nl_policy",
                   f"{sp.set_prefix(sname)}{c_upper(top)} + 1",
                   sname, sorted(attrs, key=lambda x: x[0]))


def gen_policy_h(sp):
    lname = c_lower(sp.name)
    guard = f"_{sp.pfx}_NL_GEN_H"
    out = ["/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */",
           "/* Do not edit directly, auto-generated from: */",
           f"/*\tDocumentation/netlink/specs/{sp.name}.yaml */",
           "/* YNL-GEN kernel policy declarations */", "",
           f"#ifndef {guard}", f"#define {guard}", "",
           "#include <net/netlink.h>", "",
           f"#include <uapi/linux/{lname}.h>", ""]
    for name, size, _, _ in request_policies(sp):
        out.append(f"extern const struct nla_policy {name}[{size}];")
    out += ["", f"#endif /* {guard} */"]
    return "\n".join(out) + "\n"


def gen_policy(sp):
    lname = c_lower(sp.name)
    out = []
    out.append("// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)")
    out.append("/* Do not edit directly, auto-generated from: */")
    out.append(f"/*\tDocumentation/netlink/specs/{sp.name}.yaml */")
    out.append("/* YNL-GEN kernel policies */")
    out.append("")
    out.append("#include <net/netlink.h>")
    out.append("")
    out.append(f'#include "{lname}_nl_gen.h"')
    out.append("")
    ranged = {}
    for _, _, sname, attrs in request_policies(sp):
        for _, a in attrs:
            if needs_full_range(a):
                ranged[range_name(sp, sname, a)] = full_range(sp, sname, a)
    for lines in ranged.values():
        out += lines
    for name, size, sname, attrs in request_policies(sp):
        out.append(f"const struct nla_policy {name}[{size}] = {{")
        for _, a in attrs:
            out.append(policy_entry(sp, sname, a))
        out.append("};")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


GENERATORS = {"uapi": gen_uapi, "policy": gen_policy, "policy-h": gen_policy_h}


def main(argv):
    if len(argv) != 3 or argv[2] not in ("uapi", "policy", "policy-h", "--check"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sp = Spec(argv[1])
    if argv[2] != "--check":
        sys.stdout.write(GENERATORS[argv[2]](sp))
        return 0
    bad = 0
    for what, rel in OUTPUTS.items():
        path = os.path.join(TOP, rel)
        try:
            with open(path, encoding="utf-8") as f:
                have = f.read()
        except OSError as e:
            print(f"{rel}: {e.strerror}", file=sys.stderr)
            bad += 1
            continue
        if have != GENERATORS[what](sp):
            print(f"{rel} differs from {argv[1]}: run 'make generate'", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
