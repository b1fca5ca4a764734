"""The same model written in each YAML layout people use for the top-level lists.

`layout(text, name)` rewrites a model written with block sequences indented under their key (`  - id: ...`),
the way bench/generate.py and the test fixtures write them, into another layout with the same meaning. The
editor benchmark (bench/editor.py) and the language-server tests run on every one of them.
"""
from __future__ import annotations

import json
import re

import yaml

LAYOUTS = ("indented", "zero-indented", "flow", "comments", "anchors", "mixed")
LIST_SECTIONS = ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "exemptions", "assumptions")


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(key, first line, end line) of each top-level key, comments before a key going with the key before."""
    lines = text.split("\n")
    starts = [(m.group(1), n) for n, line in enumerate(lines) if (m := re.match(r"([A-Za-z_][\w-]*):", line))]
    return [(k, s, starts[i + 1][1] if i + 1 < len(starts) else len(lines)) for i, (k, s) in enumerate(starts)]


def _rewrite(text: str, fn) -> str:
    lines = text.split("\n")
    out: list[str] = []
    last = 0
    for key, start, end in _sections(text):
        out += lines[last:start]
        out += fn(key, lines[start:end]) if key in LIST_SECTIONS and lines[start].rstrip().endswith(":") else lines[start:end]
        last = end
    out += lines[last:]
    return "\n".join(out)


def _zero(key: str, block: list[str]) -> list[str]:
    return [block[0]] + [line[2:] if line.startswith("  ") else line for line in block[1:]]


def _flow(key: str, block: list[str]) -> list[str]:
    items = yaml.safe_load("\n".join(block))[key] or []
    body = [f"  {json.dumps(item, ensure_ascii=False, default=str)}" for item in items]
    if not body:
        return [f"{key}: []"]
    return [f"{key}: ["] + [line + ("," if i + 1 < len(body) else "]") for i, line in enumerate(body)]


def _flow_closing(key: str, block: list[str]) -> list[str]:
    """A flow list closed by `]` on a line of its own, after a trailing comma (as JSON-minded people write)."""
    items = yaml.safe_load("\n".join(block))[key] or []
    return [f"{key}: ["] + [f"  {json.dumps(item, ensure_ascii=False, default=str)}," for item in items] + ["]"]


def _comments(key: str, block: list[str]) -> list[str]:
    out = [block[0]]
    seen = 0
    for line in block[1:]:
        if line.startswith("  - "):
            seen += 1
            if seen > 1:
                out += ["", f"  # {key[:-1] if key.endswith('s') else key} {seen}"]
        out.append(line)
    return out


def _anchors(text: str) -> str:
    """Anchor the first value of some repeated keys and alias the repeats: aliases in other items than their anchor."""
    out = []
    anchored: dict[str, str] = {}
    for line in text.split("\n"):
        m = re.match(r"(\s+(?:- )?)(owner|likelihood|protocol): ([A-Za-z][\w.@-]*)$", line)
        if m:
            key, value = m.group(2), m.group(3)
            if key not in anchored:
                anchored[key] = value
                line = f"{m.group(1)}{key}: &{key} {value}"
            elif anchored[key] == value:
                line = f"{m.group(1)}{key}: *{key}"
        out.append(line)
    return "\n".join(out)


def _mixed(key: str, block: list[str]) -> list[str]:
    style = {"assets": _flow, "elements": _zero, "flows": _comments, "threats": _zero, "mitigations": _flow_closing}.get(key)
    return style(key, block) if style else block


def layout(text: str, name: str) -> str:
    if name == "indented":
        return text
    if name == "zero-indented":
        return _rewrite(text, _zero)
    if name == "flow":
        return _rewrite(text, _flow)
    if name == "comments":
        return _rewrite(text, _comments)
    if name == "anchors":
        return _anchors(text)
    if name == "mixed":
        return _anchors(_rewrite(text, _mixed))
    raise ValueError(f"unknown layout {name!r}; choose from {', '.join(LAYOUTS)}")
