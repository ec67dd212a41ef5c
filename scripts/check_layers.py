#!/usr/bin/env python3
"""The layer rule of ARCHITECTURE.md, checked on every #include under src/ (and tests/, bench/).

    check_layers.py [ROOT]      exits 1 and names each violation, 0 when the tree follows it

Rules:
  1. A file in src/F includes project headers only from F itself or from a lower layer:
     5 cli · 4 http, jobs · 3 service · 2 db, storage, queue, ml · 1 core, aws · 0 util.
  2. ml uses nothing of the project but util (so `trainbox train` needs no server).
  3. LibTorch headers (torch/, ATen/, c10/) only in src/ml (and bench/), and no ml header that code outside
     src/ml includes may reach them, directly or through other ml headers.
  4. httplib only in src/http and tests/support, tests/cluster; sqlite3 only in src/db/sqlite_*;
     libpqxx only in src/db/pg_connection.cc; hiredis only in src/queue/redis_job_queue.cc;
     libcurl only in src/aws (the one HTTP client that signs AWS requests).
"""
import os
import re
import sys

LAYERS = {"util": 0, "core": 1, "aws": 1, "db": 2, "storage": 2, "queue": 2, "ml": 2, "service": 3,
          "http": 4, "jobs": 4, "cli": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
TORCH = ("torch/", "ATen/", "c10/")
# Client libraries kept behind one file (or folder) each, so that swapping one touches one place.
CONFINED = [("sqlite3.h", "src/db/sqlite_"), ("pqxx/", "src/db/pg_connection.cc"),
            ("hiredis/", "src/queue/redis_job_queue.cc"), ("curl/", "src/aws/")]


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # Includes inside string literals (generated sources) are not includes: skip raw strings.
    text = re.sub(r'R"(\w*)\((.*?)\)\1"', "", text, flags=re.S)
    return [(m.group(1), m.group(2)) for m in INCLUDE.finditer(text)]


def source_files(root, top):
    for folder, _, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if name.endswith((".h", ".cc")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root).replace(os.sep, "/")


def torch_reaching(root, header, seen):
    """The chain of ml headers by which `header` (e.g. "ml/api.h") reaches LibTorch, or None."""
    if header in seen:
        return None
    seen.add(header)
    path = os.path.join(root, "src", header)
    if not os.path.exists(path):
        return None
    for kind, name in includes(path):
        if kind == "<" and name.startswith(TORCH):
            return [header, name]
        if kind == '"' and name.startswith("ml/"):
            chain = torch_reaching(root, name, seen)
            if chain:
                return [header] + chain
    return None


def check(root):
    problems = []
    for top in ("src", "tests", "bench"):
        for rel in source_files(root, top):
            parts = rel.split("/")
            folder = parts[1] if top == "src" and len(parts) > 2 else None
            for kind, name in includes(os.path.join(root, rel)):
                where = f"{rel}: #include " + (f"<{name}>" if kind == "<" else f'"{name}"')
                # bench/ measures ml's internals with LibTorch on purpose.
                if kind == "<" and name.startswith(TORCH) and folder != "ml" and top != "bench":
                    problems.append(f"{where}: LibTorch headers belong in src/ml only")
                if "httplib" in name and folder != "http" and not rel.startswith(("tests/support/", "tests/cluster/")):
                    problems.append(f"{where}: httplib belongs in src/http (and tests/support)")
                for prefix, home in CONFINED:
                    if name.startswith(prefix) and not rel.startswith(home):
                        problems.append(f"{where}: {prefix.rstrip('/.h')} belongs in {home}")
                if kind != '"' or "/" not in name:
                    continue
                target = name.split("/")[0]
                if target not in LAYERS:
                    continue
                if folder == "ml" and target not in ("ml", "util"):
                    problems.append(f"{where}: ml may use only util")
                elif folder in LAYERS and target != folder and LAYERS[target] >= LAYERS[folder]:
                    problems.append(f"{where}: layer {LAYERS[folder]} ({folder}) may not include "
                                    f"layer {LAYERS[target]} ({target})")
                if target == "ml" and folder != "ml":
                    chain = torch_reaching(root, name, set())
                    if chain:
                        problems.append(f"{where}: reaches LibTorch through {' -> '.join(chain)}")
    return problems


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    problems = check(root)
    for problem in problems:
        print(f"check_layers: {problem}", file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} violation(s) of the layer rule (ARCHITECTURE.md)",
              file=sys.stderr)
        return 1
    print("check_layers: every include follows the layer rule")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
