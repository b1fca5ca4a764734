"""The same model written in each YAML layout people use for the top-level lists.

`layout(text, name)` rewrites a model written with block sequences indented under their key (`  - id: ...`),
the way bench/generate.py and the test fixtures write them, into another layout with the same meaning. The
editor benchmark (bench/editor.py) and the language-server tests run on every one of them.
"""
from __future__ import annotations

import datetime
import json
import re

import yaml

LAYOUTS = ("indented", "zero-indented", "flow", "comments", "anchors", "mixed", "flow-first-on-key-line")
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


_PLAIN = re.compile(r"[A-Za-z][\w.@/-]*")
_NOT_PLAIN = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def _flow_value(v) -> str:
    """A value written as YAML flow: identifiers plain (`to: db`, `affects: [api]`), other strings quoted."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow_value(x) for x in v) + "]"
    if isinstance(v, str) and _PLAIN.fullmatch(v) and v.lower() not in _NOT_PLAIN:
        return v
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()  # plain, so YAML reads a date again
    return json.dumps(v, ensure_ascii=False, default=str)


def _flow_item(item: dict, per_line: int) -> str:
    """`{k: v, ...}`, continued on lines indented by four spaces after every `per_line` keys (0: one line)."""
    pairs = [f"{k}: {_flow_value(v)}" for k, v in item.items()]
    if not per_line:
        return "{" + ", ".join(pairs) + "}"
    lines = [", ".join(pairs[i:i + per_line]) for i in range(0, len(pairs), per_line)]
    return "{" + ",\n    ".join(lines) + "}"


def _first_on_key_line(key: str, block: list[str]) -> list[str]:
    """A flow list whose first item sits on the key's line: `threats: [{id: T-1, ...},`, then an item per line
    (some lists write each item over several lines), closed by `]` after the last item, alone on the line after
    it, or alone after a trailing comma; the elements list puts a space after the '['."""
    items = yaml.safe_load("\n".join(block))[key] or []
    if not items:
        return [f"{key}: []"]
    per_line = 3 if key in ("assets", "mitigations") else 0
    body = [_flow_item(item, per_line) for item in items]
    close = {"elements": "alone", "mitigations": "comma"}.get(key, "inline")
    out = [f"{key}: [{' ' if key == 'elements' else ''}{body[0]}"] + [f"  {b}" for b in body[1:]]
    out = [line + "," for line in out[:-1]] + [out[-1]]
    if close == "inline":
        out[-1] += "]"
    elif close == "alone":
        out.append("]")
    else:
        out[-1] += ","
        out.append("]")
    return "\n".join(out).split("\n")


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
    if name == "flow-first-on-key-line":
        return _rewrite(text, _first_on_key_line)
    if name == "mixed":
        return _anchors(_rewrite(text, _mixed))
    raise ValueError(f"unknown layout {name!r}; choose from {', '.join(LAYOUTS)}")
