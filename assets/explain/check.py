#!/usr/bin/env python3
"""Checks the field explanations of the upper layers against the code.

Lists every field name defined in a `fields! { ... }` block under src/analysis/ and
src/store/ (TCP connection analysis, HTTP, WebSocket, Engine.IO, Socket.IO) and reports:
  - names that have no entry in the files below (missing),
  - entries that name no defined field (unknown),
  - entries in the wrong file, malformed entries, keys not in alphabetical order.
Exit status 0 when nothing is reported, 1 otherwise.

    python3 assets/explain/check.py           # check
    python3 assets/explain/check.py --fix     # also rewrite the files: names sorted, parts in order, 2-space indent
    python3 assets/explain/check.py --list    # print every name with its file

Standard library only. Run from anywhere: paths are found from this file's place.
"""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The upper layers' field definitions live here; the lower layers' (src/dissect/) are
# explained in other files of this directory, by other entries.
SOURCE_DIRS = ["src/analysis", "src/store"]
PARTS = ("what", "why", "typical", "rfc")
# Field name prefix -> the file its entry belongs in (longest prefix first).
FILES = [
    ("tcp.", "tcp-analysis.json"),
    ("http", "http.json"),
    ("websocket", "websocket.json"),
    ("json", "websocket.json"),
    ("engineio", "engineio.json"),
    ("socketio", "socketio.json"),
]
MAX_SENTENCES = 5
# An abbreviation that ends with a dot would cut the hover text (the first sentence).
ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|vs|cf)\.", re.IGNORECASE)

BLOCK = re.compile(r"fields!\s*\{(.*?)\n\s*\}", re.DOTALL)
NAME = re.compile(r'=\s*"([^"]+)"')


def defined_names():
    """{name: source file} for every name in a fields! block of SOURCE_DIRS."""
    names = {}
    for d in SOURCE_DIRS:
        for path in sorted((ROOT / d).rglob("*.rs")):
            text = path.read_text(encoding="utf-8")
            for block in BLOCK.finditer(text):
                for m in NAME.finditer(block.group(1)):
                    names.setdefault(m.group(1), str(path.relative_to(ROOT)))
    return names


def file_for(name):
    for prefix, file in FILES:
        if name == prefix.rstrip(".") or name.startswith(prefix):
            return file
    return None


def sentences(text):
    """Split after . ! or ? followed by a space, as the hover text's first sentence is."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def entry_problems(name, entry):
    if not isinstance(entry, dict):
        return [f"{name}: entry is not an object"]
    out = []
    keys = set(entry)
    if keys != set(PARTS):
        out.append(f"{name}: parts {sorted(keys)}, expected {list(PARTS)}")
    for part in PARTS:
        value = entry.get(part)
        if not isinstance(value, str):
            out.append(f"{name}: {part} is not a string")
            continue
        if part != "typical" and not value.strip():
            out.append(f"{name}: {part} is empty")
        if part == "rfc":
            continue
        if ABBREVIATIONS.search(value):
            out.append(f"{name}: {part} uses an abbreviation with a dot (cuts sentences)")
        n = len(sentences(value))
        limit = 2 if part == "what" else MAX_SENTENCES
        if n > limit:
            out.append(f"{name}: {part} has {n} sentences (at most {limit})")
        if value and not value.rstrip().endswith((".", "?", "!", ")")):
            out.append(f"{name}: {part} does not end a sentence")
    return out


def load(file):
    path = HERE / file
    if not path.exists():
        return None, [f"{file}: missing file"]
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return None, [f"{file}: not valid JSON: {e}"]
    if not isinstance(data, dict):
        return None, [f"{file}: not a JSON object"]
    problems = []
    keys = list(data)
    if keys != sorted(keys):
        problems.append(f"{file}: keys are not in alphabetical order (--fix sorts them)")
    return data, problems


def dump(data):
    """Names in alphabetical order, each entry's parts in the order of PARTS."""
    def ordered(entry):
        if not isinstance(entry, dict):
            return entry
        known = {p: entry[p] for p in PARTS if p in entry}
        return {**known, **{k: v for k, v in entry.items() if k not in PARTS}}

    data = {name: ordered(data[name]) for name in sorted(data)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv):
    defined = defined_names()
    files = sorted({f for _, f in FILES})
    problems = []
    entries = {}
    for file in files:
        data, p = load(file)
        problems += p
        if data is None:
            continue
        for name, entry in data.items():
            entries[name] = file
            problems += [f"{file}: {x}" for x in entry_problems(name, entry)]
            want = file_for(name)
            if want != file:
                problems.append(f"{file}: {name} belongs in {want}")
        if "--fix" in argv:
            (HERE / file).write_text(dump(data), encoding="utf-8")
        elif (HERE / file).read_text(encoding="utf-8") != dump(data):
            problems.append(f"{file}: not in the canonical layout (--fix rewrites it)")
    missing = sorted(n for n in defined if n not in entries)
    unknown = sorted(n for n in entries if n not in defined)
    if "--list" in argv:
        for n in sorted(defined):
            print(f"{n}\t{entries.get(n, '(none)')}\t{defined[n]}")
    for n in missing:
        problems.append(f"missing: {n} (defined in {defined[n]}, goes in {file_for(n)})")
    for n in unknown:
        problems.append(f"unknown: {n} in {entries[n]} names no field defined in the code")
    for p in problems:
        print(p)
    print(f"{len(defined)} names defined, {len(entries)} entries, {len(problems)} problems",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
