#!/usr/bin/env python3
"""Fail when the crate's top-level modules depend on each other in a circle, or when
one uses a module of a higher layer than its own (LAYERS below).

A top-level module is `src/<dir>/` or `src/<file>.rs`. A dependency is any path that
names another top-level module: `use crate::x::...` (grouped and multi-line forms
included), `crate::x::...` written in code, and `super::...` chains that climb out of
the file's module. Comments and string literals are ignored; tests count like any other
code, because a test that reaches upward ties the layers together just the same.

On success prints the layers as the imports make them, bottom first (each module
depends only on modules in earlier layers). On failure prints one cycle per strongly
connected group, with the file and line of each edge in it, and every import that
points up the declared layers, and exits 1.

Python 3 standard library only. Usage: scripts/check-layers.py [--edges] [path/to/src]
(--edges also lists every dependency with where it is written.)
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"

# The intended layers, top first; docs/ARCHITECTURE.md ("Layers") says what each is
# for. A module may use modules of its own layer or of any layer below. Every
# top-level module must be listed: a new one has to be given its place.
LAYERS = [
    ("C ABI", ["ffi"]),
    ("API over sockets", ["ctx", "proxy"]),
    ("sockets and the small API", ["socket", "poll", "poller", "timers", "atomic_counter", "curve"]),
    ("context state", ["ctx_inner"]),
    ("I/O threads", ["io"]),
    ("transports", ["transport"]),
    ("routing; socket commands", ["routing", "command"]),
    ("pipes; monitor; options", ["pipe", "monitor", "options"]),
    ("wire protocol", ["zmtp"]),
    ("messages; mailboxes", ["msg", "mailbox"]),
    ("foundation", ["error", "constants", "z85", "signal_mask"]),
]


def strip_comments_and_strings(text):
    """Blank out comments and string/char literals, keeping newlines (line numbers)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and not re.match(r"\w", text[i - 1 : i] or " "):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}'), or a lifetime ('a) which we keep.
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def file_module_path(src, path):
    """src/a/b.rs -> ['a', 'b']; src/a/mod.rs -> ['a']; src/lib.rs -> []."""
    rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return rel


def inline_module_at(text):
    """For each offset, the inline `mod x { ... }` names enclosing it (a list per line)."""
    stack = []  # (name or None, depth at which it opened)
    depth = 0
    per_line = [[]]
    tokens = re.finditer(r"\bmod\s+(" + IDENT + r")\s*(\{|;)|[{}\n]", text)
    for m in tokens:
        tok = m.group(0)
        if tok == "\n":
            per_line.append([name for name, _ in stack if name])
        elif tok == "{":
            depth += 1
        elif tok == "}":
            if stack and stack[-1][1] == depth:
                stack.pop()
            depth -= 1
        elif m.group(2) == "{":
            depth += 1
            stack.append((m.group(1), depth))
    return per_line


def use_paths(body):
    """Expand a use tree body ('crate::{a::b, c::{d, e}}') into its leaf paths."""

    def split_top(s):
        parts, level, cur = [], 0, []
        for ch in s:
            if ch == "," and level == 0:
                parts.append("".join(cur))
                cur = []
                continue
            level += ch == "{"
            level -= ch == "}"
            cur.append(ch)
        parts.append("".join(cur))
        return [p.strip() for p in parts if p.strip()]

    def expand(prefix, tree):
        tree = tree.strip()
        m = re.match(r"^(.*?)\{(.*)\}$", tree, re.S)
        if m:
            head = m.group(1).strip().rstrip(":").strip()
            base = prefix + ([s for s in head.split("::") if s] if head else [])
            for part in split_top(m.group(2)):
                yield from expand(base, part)
        else:
            tree = re.sub(r"\s+as\s+" + IDENT + "$", "", tree)
            yield prefix + [s.strip() for s in tree.split("::") if s.strip()]

    yield from expand([], re.sub(r"\s+", " ", body))


def resolve(segments, here):
    """Absolute module path of a use path, or None if it does not start in this crate."""
    if not segments:
        return None
    if segments[0] == "crate":
        return segments[1:]
    if segments[0] in ("super", "self"):
        path = list(here)
        while segments and segments[0] in ("super", "self"):
            if segments[0] == "super":
                if not path:
                    return None
                path.pop()
            segments = segments[1:]
        return path + segments
    return None


def collect_edges(src):
    modules = set()
    for name in os.listdir(src):
        full = os.path.join(src, name)
        if os.path.isdir(full):
            modules.add(name)
        elif name.endswith(".rs") and name != "lib.rs":
            modules.add(name[: -len(".rs")])

    edges = {}  # (from, to) -> [(file, line), ...]
    for dirpath, _, files in os.walk(src):
        for fname in sorted(files):
            if not fname.endswith(".rs"):
                continue
            path = os.path.join(dirpath, fname)
            with open(path, encoding="utf-8") as f:
                text = strip_comments_and_strings(f.read())
            file_mod = file_module_path(src, path)
            if not file_mod:
                continue  # lib.rs only declares the modules
            owner = file_mod[0]
            inline = inline_module_at(text)
            line_of = lambda off: text.count("\n", 0, off)  # noqa: E731

            found = []  # (offset, absolute path)
            for m in re.finditer(r"\buse\s+((?:crate|super|self)\b[^;]*);", text):
                line = line_of(m.start())
                here = file_mod + inline[line]
                for segs in use_paths(m.group(1)):
                    found.append((m.start(), resolve(segs, here)))
            uses = [(m.start(), m.end()) for m in re.finditer(r"\buse\s+[^;]*;", text)]
            for m in re.finditer(r"(?<![\w:])((?:crate|super)(?:\s*::\s*" + IDENT + r")+)", text):
                if any(a <= m.start() < b for a, b in uses):
                    continue
                if re.search(r"pub\s*\(\s*$", text[max(0, m.start() - 12) : m.start()]):
                    continue  # pub(crate), pub(super), pub(in crate::x)
                line = line_of(m.start())
                segs = [s.strip() for s in m.group(1).split("::")]
                found.append((m.start(), resolve(segs, file_mod + inline[line])))

            for offset, target in found:
                if not target or target[0] not in modules or target[0] == owner:
                    continue
                where = (os.path.relpath(path, os.path.dirname(src)), line_of(offset) + 1)
                places = edges.setdefault((owner, target[0]), [])
                if where not in places:
                    places.append(where)
    return modules, edges


def strongly_connected(modules, graph):
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            groups.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return groups


def shortest_cycle(group, graph):
    """A shortest cycle inside one strongly connected group (breadth-first search)."""
    members = set(group)
    best = None
    for start in group:
        prev = {start: None}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(graph.get(v, ())):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    cycle = list(reversed(path)) + [start]
                    if best is None or len(cycle) < len(best):
                        best = cycle
                    queue = []
                    break
                if w not in prev:
                    prev[w] = v
                    queue.append(w)
    return best


def main():
    args = [a for a in sys.argv[1:] if a != "--edges"]
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src")
    src = os.path.normpath(src)
    modules, edges = collect_edges(src)
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)

    if "--edges" in sys.argv:
        for (a, b), where in sorted(edges.items()):
            print(f"{a} -> {b}: " + ", ".join(f"{f}:{l}" for f, l in where))

    failed = False
    rank = {m: i for i, (_, members) in enumerate(LAYERS) for m in members}
    for m in sorted(modules - rank.keys()):
        print(f"check-layers: module `{m}` has no layer: add it to LAYERS in {sys.argv[0]}")
        failed = True
    for (a, b), where in sorted(edges.items()):
        if a in rank and b in rank and rank[b] < rank[a]:
            file, line = where[0]
            more = len(where) - 1
            print(
                f"check-layers: `{a}` ({LAYERS[rank[a]][0]}) uses `{b}`, a higher layer "
                f"({LAYERS[rank[b]][0]}): {file}:{line}" + (f" (and {more} more)" if more else "")
            )
            failed = True

    cycles = [g for g in strongly_connected(modules, graph) if len(g) > 1]
    if cycles:
        for group in cycles:
            print("check-layers: these modules depend on each other in a circle: " + ", ".join(group))
            cycle = shortest_cycle(group, graph)
            print("  cycle: " + " -> ".join(cycle))
            for a, b in zip(cycle, cycle[1:]):
                file, line = edges[(a, b)][0]
                more = len(edges[(a, b)]) - 1
                print(f"    {a} -> {b}: {file}:{line}" + (f" (and {more} more)" if more else ""))
            print("  every dependency inside the circle (break one per cycle):")
            for a in group:
                for b in sorted(graph.get(a, ())):
                    if b in group:
                        file, line = edges[(a, b)][0]
                        print(f"    {a} -> {b}: {file}:{line}")
        return 1
    if failed:
        return 1

    # Layers, bottom first: a module sits one above the highest module it uses.
    level = {}

    def height(v):
        if v not in level:
            level[v] = 1 + max((height(w) for w in graph.get(v, ())), default=-1)
        return level[v]

    for v in modules:
        height(v)
    print("check-layers: no cycles between top-level modules; layers, bottom first:")
    for h in range(max(level.values()) + 1):
        print(f"  {h}: " + " ".join(sorted(v for v in modules if level[v] == h)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
