#!/usr/bin/env python3
"""Writes src/server/commands/admin/docs/table.rs: COMMAND DOCS for every command we implement.

Redis 7.0 describes each command in src/commands/*.json (summary, since, group, complexity,
history, arguments); its own command table (commands.c) is generated from those files the same
way (argument names lower-cased, tokens upper-cased, as Redis's generator does). This script
reads them and the names in our tables (`Command::new("name", ...)` under src/server/commands),
and writes one `Docs` entry per command we implement, sorted by name.

Run it again after adding a command:

    REDIS_SRC=$(../shared/tools/redis-tests-source) scripts/command-docs.py

The test `command_docs_match_redis_for_every_implemented_command` then checks the result
against a running redis-server.
"""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src/server/commands/admin/docs/table.rs")
NOT_COMMANDS = {"post", "host:"}

GROUPS = {
    "generic": "Generic", "string": "String", "list": "List", "set": "Set",
    "sorted_set": "SortedSet", "hash": "Hash", "pubsub": "Pubsub",
    "transactions": "Transactions", "connection": "Connection", "server": "Server",
    "scripting": "Scripting", "hyperloglog": "Hyperloglog", "cluster": "Cluster",
    "sentinel": "Sentinel", "geo": "Geo", "stream": "Stream", "bitmap": "Bitmap",
}
TYPES = {
    "string": "string", "integer": "integer", "double": "double", "key": "key",
    "pattern": "pattern", "unix-time": "unix_time", "pure-token": "pure_token",
    "oneof": "oneof", "block": "block",
}


def rust_str(s):
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 32 or ord(c) > 126:
            out.append("\\u{%x}" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def arg(a):
    kind, name = a["type"], rust_str(a["name"].lower())
    if kind == "key" and "key_spec_index" in a:
        s = f'Arg::key({name}, {a["key_spec_index"]})'
    elif kind == "pure-token":
        s = f'Arg::pure_token({name}, {rust_str(a["token"].upper())})'
    elif kind in ("oneof", "block"):
        s = f'Arg::{kind}({name}, &[{", ".join(arg(x) for x in a["arguments"])}])'
    else:
        s = f"Arg::{TYPES[kind]}({name})"
    if kind != "pure-token" and "token" in a:
        s += f'.token({rust_str(a["token"].upper())})'
    if kind != "key" and "key_spec_index" in a:
        s += f'.key_spec({a["key_spec_index"]})'
    for flag in ("optional", "multiple", "multiple_token"):
        if a.get(flag):
            s += f".{flag}()"
    for field in ("since", "deprecated_since"):
        if field in a:
            s += f".{field}({rust_str(a[field])})"
    return s


def entry(full, v):
    s = (f'    Docs::new({rust_str(full)}, Group::{GROUPS[v["group"]]}, '
         f'{rust_str(v["since"])}, {rust_str(v["summary"])})')
    if "complexity" in v:
        s += f'\n        .complexity({rust_str(v["complexity"])})'
    flags = v.get("doc_flags", [])
    if "DEPRECATED" in flags:
        s += (f'\n        .deprecated({rust_str(v["deprecated_since"])}, '
              f'{rust_str(v["replaced_by"])})')
    if "SYSCMD" in flags:
        s += "\n        .syscmd()"
    if v.get("history"):
        items = ", ".join(f"({rust_str(a)}, {rust_str(b)})" for a, b in v["history"])
        s += f"\n        .history(&[{items}])"
    if v.get("arguments"):
        s += "\n        .args(&[\n"
        s += "".join(f"            {arg(a)},\n" for a in v["arguments"])
        s += "        ])"
    return s + ",\n"


def main():
    src = os.environ.get("REDIS_SRC")
    if not src:
        sys.exit("set REDIS_SRC to Redis 7.0's source (../shared/tools/redis-tests-source)")
    specs = {}
    for path in glob.glob(os.path.join(src, "src/commands/*.json")):
        for name, v in json.load(open(path)).items():
            full = name.lower()
            if "container" in v:
                full = v["container"].lower() + "|" + full
            specs[full] = v
    ours = set()
    for path in glob.glob(os.path.join(ROOT, "src/server/commands/**/*.rs"), recursive=True):
        ours.update(re.findall(r'Command::new\("([^"]+)"', open(path).read()))
    ours -= NOT_COMMANDS
    missing = sorted(ours - specs.keys())
    if missing:
        sys.exit(f"not Redis 7.0 commands: {missing}")
    with open(OUT, "w") as out:
        out.write(HEADER)
        out.write("#[rustfmt::skip]\npub(super) static DOCS: &[Docs] = &[\n")
        for full in sorted(ours):
            out.write(entry(full, specs[full]))
        out.write("];\n")


HEADER = """\
//! COMMAND DOCS's data: each command's summary, version, group, complexity, history and
//! argument tree, sorted by full name (`client|list`) for a binary search.
//!
//! Written by `scripts/command-docs.py` from Redis 7.0's own descriptions of its commands
//! (`src/commands/*.json`, Copyright (c) Salvatore Sanfilippo and Redis contributors,
//! BSD-3-Clause), keeping only the commands our tables hold. Do not edit by hand: add the
//! command to its family's table and run the script again (see the docs of [`super`]).

use super::{Arg, Docs, Group};

"""

if __name__ == "__main__":
    main()
