#!/usr/bin/env python3
"""Size rules of STYLE.md on src/ (tests excluded): no function over 60 lines, no file over 400.

    check_sizes.py [ROOT]     exits 1 naming each function or file over its limit

Functions and files listed in scripts/size_allowlist.txt (the debt when the rule came in) may
keep their size there but not grow; the list is meant to shrink. Functions are found by braces:
a block whose opening line has a ')' and is not a class, struct, enum or lambda inside another
function; raw string literals (TorchScript sources) are skipped.
"""
import os
import re
import sys

MAX_FUNCTION = 60
MAX_FILE = 400


def functions(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    stack, found, in_raw = [], [], False
    for i, line in enumerate(lines):
        if in_raw:
            if re.search(r'\)\w*"', line):
                in_raw = False
            continue
        code = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        code = re.sub(r"'(\\.|[^'\\])'", "''", code).split("//")[0]
        if 'R"' in code:
            in_raw = not re.search(r'R"\w*\(.*\)\w*"', line)
            code = code.split('R"')[0]
        for ch in code:
            if ch == "{":
                kind = "ns" if re.match(r'\s*(namespace\b|extern "C")', line) else "block"
                stack.append((kind, i, line))
            elif ch == "}" and stack:
                kind, start, opening = stack.pop()
                at_top = all(k == "ns" for k, _, _ in stack)
                if (kind == "block" and at_top and ")" in opening and
                        not re.match(r"\s*(class|struct|enum|union)\b", opening)):
                    head = start  # a signature over several lines: its first, unindented line
                    while head > 0 and lines[head][:1].isspace():
                        head -= 1
                    found.append((i - start + 1, head + 1, lines[head].strip()))
    return found, len(lines)


def key(path, signature):
    return f"{path} {signature[:60]}"


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    allowed = {}
    with open(os.path.join(root, "scripts", "size_allowlist.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                limit, rest = line.split(" ", 1)
                allowed[rest] = int(limit)
    problems = []
    for folder, _, names in os.walk(os.path.join(root, "src")):
        for name in sorted(names):
            if not name.endswith((".cc", ".h")) or name.endswith("_test.cc"):
                continue
            path = os.path.relpath(os.path.join(folder, name), root)
            found, total = functions(os.path.join(root, path))
            if total - 1 > allowed.get(f"{path} <file>", MAX_FILE):
                problems.append(f"{path}: {total - 1} lines (at most {MAX_FILE})")
            for length, line, signature in found:
                if length > allowed.get(key(path, signature), MAX_FUNCTION):
                    problems.append(f"{path}:{line}: a function of {length} lines (at most "
                                    f"{MAX_FUNCTION}): {signature[:70]}")
    for problem in problems:
        print(f"check_sizes: {problem}", file=sys.stderr)
    if problems:
        print("check_sizes: split these (STYLE.md), or shrink them below their allowlist entry",
              file=sys.stderr)
        return 1
    print("check_sizes: every function and file within its limit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
