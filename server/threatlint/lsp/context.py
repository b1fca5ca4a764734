"""Where the cursor is in a model, read from the text around it (the document is often mid-edit).

`cursor_context` answers: which key path leads to the mapping the cursor is
in, whether the cursor stands where a key or a value goes, and the word typed
so far. It never needs the document to parse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..engine.schema import load_schema

# A key, plain or quoted (a flow mapping written as JSON quotes its keys).
_KEY = re.compile(r"[\"']?([A-Za-z_][A-Za-z0-9_-]*)[\"']?\s*:(?:\s|$)")
_WORD = re.compile(r"[A-Za-z0-9_.:@-]*$")


@dataclass
class CursorContext:
    path: list  # keys from the root; "[]" stands for "an item of this list"
    position: str  # "key" or "value"
    key: str | None = None  # for a value: the key it belongs to
    prefix: str = ""  # the word typed so far
    siblings: set = field(default_factory=set)  # keys already present in the mapping
    in_list: bool = False  # the value is an item of a list (flow or block)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> str:
    s = line.strip()
    return "" if s.startswith("#") else s


def ancestors(lines: list[str], line: int, col: int, item_col: int | None = None) -> list:
    """Key path of the block mapping whose keys sit at column `col`, for a cursor on `line`.

    `item_col`: the cursor's line is itself a list item ('- ') at that column. A list may sit at its key's
    own column (`flows:` then `- id: x`, as PyYAML writes lists): after an item at column d, a key at
    column d is the list's key, and other items at column d are its siblings, not ancestors.
    """
    path: list = []
    limit = col if item_col is None else item_col
    same = item_col  # a key at this column is the parent of the list just climbed out of
    if item_col is not None:
        path.insert(0, "[]")
    for n in range(line - 1, -1, -1):
        if limit <= 0 and same is None:
            break
        s = lines[n]
        body = _content(s)
        if not body:
            continue
        ind = _indent(s)
        if body.startswith("- ") or body == "-":
            if ind < limit:
                # `- key: value` at a column < limit: this item is the mapping; its list's key is further up.
                path.insert(0, "[]")
                limit = same = ind
            continue
        if ind > limit or (ind == limit and ind != same):
            continue
        m = _KEY.match(body)
        if m:
            if body[m.end():].lstrip().startswith("["):
                path.insert(0, "[]")  # `key: [` opens a flow list whose items fill the lines below
            path.insert(0, m.group(1))
            limit, same = ind, None
    return path


def _siblings(lines: list[str], line: int, col: int) -> set:
    """Keys already written at column `col` in the mapping around `line`."""
    out = set()

    def key_at(s: str):
        body = s[col:] if _indent(s) == col else (s[col:] if s[col - 2:col] == "- " and _indent(s) == col - 2 else None)
        if body is None:
            return None
        m = _KEY.match(body)
        return m.group(1) if m else None

    for step in (-1, 1):
        n = line + step
        while 0 <= n < len(lines):
            s = lines[n]
            if _content(s):
                ind = _indent(s)
                k = key_at(s)
                if k:
                    out.add(k)
                if step == -1 and ind == col - 2 and s.strip().startswith("- "):
                    break  # the start of this list item
                if ind < col and not (ind == col - 2 and s.strip().startswith("- ") and step == -1):
                    break
            n += step
    return out


_OPENING_KEY = re.compile(r"[\"']?([A-Za-z_][\w-]*)[\"']?\s*:\s*$")


def _open_brackets(body: str) -> list[tuple[str, int, str | None]]:
    """The flow collections still open at the end of `body`, outermost first: (bracket, its offset, the key
    whose value it is or None). Brackets inside quoted scalars do not count; the scan stops inside an open one
    (the cursor is in a string)."""
    frames: list[tuple[str, int, str | None]] = []
    start = 0  # where the current entry's text starts (after the last bracket or comma)
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch in "{[":
            m = _OPENING_KEY.search(body, start, i)
            frames.append((ch, i, m.group(1) if m else None))
            start = i + 1
        elif ch in "}]":
            if frames:
                frames.pop()
            start = i + 1
        elif ch == ",":
            start = i + 1
        elif ch in "\"'" and (i == 0 or body[i - 1] in " {[,:"):
            end = body.find(ch, i + 1)
            if end < 0:
                break
            i = end
        i += 1
    return frames


def cursor_context(lines: list[str], line: int, col: int) -> CursorContext | None:
    text = lines[line] if 0 <= line < len(lines) else ""
    before = text[:col]
    prefix = _WORD.search(before).group(0)
    ind = _indent(before)
    body = before[ind:]
    dash = 0
    while body.startswith("- "):
        dash += 2
        body = body[2:]
    keycol = ind + dash
    if "#" in before and not re.search(r"[\"']", before):
        if re.search(r"(^|\s)#", before):
            return None  # in a comment
    # Inside a flow mapping or sequence on this line: `- {id: x, kind: pr` / `affects: [api, sh` /
    # `threats: [{id: T1, affects: [ap` (a flow list's first item on its key's line)
    frames = _open_brackets(body) if "{" in body or "[" in body else []
    if frames:
        path = ancestors(lines, line, keycol, ind if dash else None)
        for bracket, _, key in frames[:-1]:
            path = path + ([key] if key else []) + (["[]"] if bracket == "[" else [])
        bracket, opens, key = frames[-1]
        inner = body[opens + 1:]
        if bracket == "{":
            path = path + ([key] if key else [])
            seg = inner.split(",")[-1].lstrip()
            m = _KEY.match(seg) if ":" in seg else None
            if m is None:
                done = set(re.findall(r"([A-Za-z_][\w-]*)\s*:", inner))
                return CursorContext(path, "key", prefix=prefix, siblings=done)
            return CursorContext(path, "value", key=m.group(1), prefix=prefix)
        if key is not None:  # a flow sequence: the value of the key that opened it
            return CursorContext(path, "value", key=key, prefix=prefix, in_list=True)
    m = _KEY.match(body)
    if m:  # `key: val|`
        path = ancestors(lines, line, keycol, ind if dash else None)
        return CursorContext(path, "value", key=m.group(1), prefix=prefix)
    if dash and not re.search(r"[:\s]", body):
        # `- wor|`: an item of a list; a key if the list holds mappings, else a value
        parent = ancestors(lines, line, ind, ind)[:-1]
        holder = parent[-1] if parent and parent[-1] != "[]" else None
        node = schema_for(parent + ["[]"])
        if node is not None and _is_object(node):
            return CursorContext(parent + ["[]"], "key", prefix=prefix, siblings=set())
        return CursorContext(parent[:-1] if holder else parent, "value", key=holder, prefix=prefix, in_list=True)
    if re.fullmatch(r"[A-Za-z0-9_-]*", body):
        path = ancestors(lines, line, keycol)
        return CursorContext(path, "key", prefix=prefix, siblings=_siblings(lines, line, keycol) - {body})
    return None


# -- the schema at a path ----------------------------------------------------------------

def _resolve(node):
    schema = load_schema()
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        ref = node["$ref"]
        target = schema
        for part in ref.lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _is_object(node) -> bool:
    node = _resolve(node)
    return node.get("type") == "object" or "properties" in node


def schema_for(path: list):
    node = _resolve(load_schema())
    for part in path:
        node = _resolve(node)
        if part == "[]":
            for cand in _alternatives(node):
                if "items" in cand:
                    node = cand["items"]
                    break
            else:
                return None
        else:
            for cand in _alternatives(node):
                if part in cand.get("properties", {}):
                    node = cand["properties"][part]
                    break
            else:
                return None
    return _resolve(node)


def _alternatives(node):
    node = _resolve(node)
    yield node
    for k in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(k, []):
            yield from _alternatives(sub)


def enum_values(node) -> list:
    """Every enum/const value a node (or its list items) accepts, in schema order."""
    out: list = []
    for cand in _alternatives(node):
        for v in cand.get("enum", []):
            if v not in out:
                out.append(v)
        if "const" in cand and cand["const"] not in out:
            out.append(cand["const"])
        if cand.get("type") == "boolean":
            out += [v for v in (True, False) if v not in out]
        if "items" in cand:
            out += [v for v in enum_values(cand["items"]) if v not in out]
    return out


def properties(node) -> dict:
    out: dict = {}
    for cand in _alternatives(node):
        out.update(cand.get("properties", {}))
    return out
