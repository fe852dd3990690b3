#!/usr/bin/env python3
"""Lists the import circles between volc-im's modules.

A module depends on another when its code (outside `#[cfg(test)]` modules and
comments) names it: in a `use` line or in a path written inline
(`crate::archive::Archiving`). A path that names a re-export (`crate::export::Output`)
counts as naming the module the item is defined in. A module naming its own
submodules (declaring them, re-exporting them) is not counted: a parent owns its
children, and their names go out through it.

Prints every group of modules that depend on each other in a ring (strongly
connected components of more than one module), each with one ring spelt out, and
exits 1 when there is one. Reads text, not the compiler's view: a macro or an
unusual `use` form may escape it, so it is a check to run, not a proof.

    python3 scripts/import-cycles.py [SRC_DIR]
"""

import re
import sys
from pathlib import Path

KEYWORDS = {"crate", "super", "self"}


def module_of(path: Path, src: Path) -> tuple:
    """The module path of a source file: src/a/b.rs and src/a/b/mod.rs are a::b."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main") and len(parts) == 1:
        return ()
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def strip_comments_and_strings(text: str) -> str:
    """The text with comments gone and string and character literals emptied, so that
    only code is left to find paths in."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif (m := re.match(r'b?r(#*)"', text[i : i + 260])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            end = text.find(close, i + m.end())
            out.append('""')
            i = n if end < 0 else end + len(close)
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            out.append('""')
            i += 1
        elif c == "'" and (m := re.match(r"'(\\[^']+|[^\\'])'", text[i : i + 12])):
            out.append("' '")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_tests(text: str) -> str:
    """The code that builds outside tests: `#[cfg(test)]` modules out."""
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def expand_use(tree: str) -> list:
    """`a::{b, c::{d, e}}` as [a::b, a::c::d, a::c::e] (each a list of segments)."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def walk(prefix, s):
        paths, depth, start = [], 0, 0
        items = []
        for k, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                items.append(s[start:k])
                start = k + 1
        items.append(s[start:])
        for item in filter(None, items):
            if "{" in item:
                head, rest = item.split("{", 1)
                head = [p for p in head.split("::") if p]
                paths += walk(prefix + head, rest[: rest.rfind("}")])
            else:
                paths.append(prefix + [p for p in item.split("::") if p])
        return paths

    return walk([], tree)


def absolute(module: tuple, segments: list):
    """A path as written in `module`, from the crate root; None for other crates."""
    if not segments:
        return None
    base = list(module)
    head = segments[0]
    if head == "crate":
        return segments[1:]
    if head in ("self", "super"):
        k = 0
        while k < len(segments) and segments[k] in ("self", "super"):
            if segments[k] == "super":
                base = base[:-1]
            k += 1
        return base + segments[k:]
    return None


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    files = {module_of(p, src): p for p in sorted(src.rglob("*.rs"))}
    modules = set(files)
    code = {m: strip_tests(strip_comments_and_strings(p.read_text())) for m, p in files.items()}

    def owner(path):
        """The longest prefix of `path` that is a module of its own file."""
        for n in range(len(path), -1, -1):
            if tuple(path[:n]) in modules:
                return tuple(path[:n]), path[n:]
        return (), path

    children = {m: {c[-1] for c in modules if c and c[:-1] == m} for m in modules}
    # Re-exports: (module, name) -> the path it stands for.
    reexports = {}
    uses = {}
    for m, text in code.items():
        uses[m] = []
        for stmt in re.finditer(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
            for segments in expand_use(stmt.group(2)):
                if segments and segments[0] not in KEYWORDS and segments[0] in children[m]:
                    segments = ["self"] + segments  # 2018 paths: a child named bare
                path = absolute(m, segments)
                if path is None:
                    continue
                uses[m].append(path)
                if stmt.group(1) and path:
                    reexports[(m, path[-1])] = path
        for inline in re.finditer(r"\b(?:crate|super)(?:::\w+)+", text):
            path = absolute(m, inline.group(0).split("::"))
            if path is not None:
                uses[m].append(path)

    def defining(path, seen=()):
        mod, rest = owner(path)
        if rest and (mod, rest[0]) in reexports and (mod, rest[0]) not in seen:
            return defining(reexports[(mod, rest[0])], seen + ((mod, rest[0]),))
        return mod

    edges = {m: set() for m in modules}
    for m, paths in uses.items():
        for path in paths:
            target = defining(path)
            if target != m and target[: len(m)] != m:
                edges[m].add(target)

    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            strong(v)

    def name(m):
        return "::".join(("crate",) + m)

    def ring(group):
        members = set(group)
        start = group[0]
        prev, queue = {start: None}, [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(edges[v] & members):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    queue.append(w)
        return group

    print(f"{len(modules)} modules, {sum(map(len, edges.values()))} dependencies")
    for group in groups:
        print(f"circle of {len(group)}: " + ", ".join(map(name, group)))
        print("  e.g. " + " -> ".join(map(name, ring(group))))
    if not groups:
        print("no import circles")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
