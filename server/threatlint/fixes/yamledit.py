"""Text edits on a model that keep its comments, indentation and style.

Edits are computed from the parser's positions (0-based line, code-point
column) and returned as (Range, new_text) pairs; nothing here knows LSP.
Block mappings get new keys on a line of their own at the mapping's
indentation, flow mappings and flow sequences get them before the closing
bracket, so the rest of the file is left byte for byte as it was.
"""
from __future__ import annotations

import json
import re

from ..engine.finding import Range
from ..engine.parse import MapPos, ParsedDoc, SeqPos

Edit = tuple[Range, str]


class Raw(str):
    """A scalar written as is (a date, a boolean, an id)."""


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _./()@+'-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def scalar(value) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    s = str(value)
    if _PLAIN.fullmatch(s) and s.lower() not in _RESERVED and not s.endswith(" ") and " '" not in s:
        return s
    return json.dumps(s, ensure_ascii=False)


def flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(key: str, value, indent: int) -> list[str]:
    """Lines of `key: value` at `indent`, nested mappings in block style, lists of scalars in flow style."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = [f"{pad}{key}:"]
        for k, v in value.items():
            lines += block(k, v, indent + 2)
        return lines
    return [f"{pad}{key}: {flow(value)}"]


def item_lines(item: dict, indent: int) -> list[str]:
    """A block-sequence item `- k: v ...` whose '-' sits at `indent`."""
    lines = []
    for n, (k, v) in enumerate(item.items()):
        sub = block(k, v, indent + 2)
        if n == 0:
            sub[0] = " " * indent + "- " + sub[0][indent + 2:]
        lines += sub
    return lines


class Editor:
    def __init__(self, text: str, doc: ParsedDoc):
        self.text = text
        self.lines = text.split("\n")
        self.doc = doc
        self.edits: list[Edit] = []
        self._new_sections: dict[str, list[str]] = {}  # sections created at the end of the file

    # -- navigation ------------------------------------------------------
    def node(self, path):
        """(key marks or None, pos) of the node at path, or None when it does not exist."""
        pos, marks = self.doc.pos, None
        for part in path:
            if isinstance(pos, MapPos) and isinstance(part, str) and part in pos.keys:
                ks, ke, pos = pos.keys[part]
                marks = (ks, ke)
            elif isinstance(pos, SeqPos) and isinstance(part, int) and 0 <= part < len(pos.items):
                pos, marks = pos.items[part], None
            else:
                return None
        return marks, pos

    def is_flow(self, pos) -> bool:
        line, col = pos.start
        return self.lines[line][col:col + 1] in ("{", "[")

    # -- primitive edits ---------------------------------------------------
    def replace(self, start, end, new: str) -> None:
        self.edits.append((Range.of(start[0], start[1], end[0], end[1]), new))

    def insert(self, at, new: str) -> None:
        self.replace(at, at, new)

    def insert_lines_after(self, line: int, new_lines: list[str]) -> None:
        if line + 1 < len(self.lines):
            self.insert((line + 1, 0), "\n".join(new_lines) + "\n")
        else:  # the last line has no line break
            self.insert((line, len(self.lines[line])), "\n" + "\n".join(new_lines))

    # -- mapping and sequence edits -----------------------------------------
    def _single_line_key(self, m: MapPos):
        """The last line holding a whole `key: scalar` of this block mapping: new keys go below it."""
        best = None
        for ks, ke, v in m.keys.values():
            if isinstance(v, tuple) and v[0][0] == ks[0] == v[1][0]:
                rest = self.lines[ks[0]][v[1][1]:].strip()
                if not rest or rest.startswith("#"):
                    best = ks if best is None or ks[0] > best[0] else best
        return best

    def add_keys(self, m: MapPos, pairs: dict) -> bool:
        """Add keys to a mapping; False when its layout gives no safe place."""
        if self.is_flow(m):
            end_line, end_col = m.end
            close = end_col - 1
            if self.lines[end_line][close:close + 1] != "}":
                return False
            body = ", ".join(f"{k}: {flow(v)}" for k, v in pairs.items())
            self.insert((end_line, close), (", " if len(m.keys) else "") + body)
            return True
        anchor = self._single_line_key(m)
        if anchor is None:
            return False
        lines = []
        for k, v in pairs.items():
            lines += block(k, v, anchor[1])
        self.insert_lines_after(anchor[0], lines)
        return True

    def set_value(self, path, value) -> bool:
        """Set an existing key's scalar value, or add the key to its parent mapping."""
        found = self.node(path)
        if found is None:
            parent = self.node(path[:-1])
            if parent is None or not isinstance(parent[1], MapPos):
                return False
            return self.add_keys(parent[1], {path[-1]: value})
        (ks, ke), pos = found
        if isinstance(pos, tuple) and pos[0][0] == pos[1][0] and pos[0] != pos[1]:
            self.replace(pos[0], pos[1], flow(value))
            return True
        if isinstance(pos, tuple) and pos[0] == pos[1]:  # `key:` with nothing after it
            line = ke[0]
            colon = self.lines[line].find(":", ke[1])
            if colon < 0:
                return False
            comment = self.lines[line].find(" #", colon)
            stop = comment if comment >= 0 else len(self.lines[line])
            self.replace((line, colon + 1), (line, stop), " " + flow(value))
            return True
        return False

    def append_to_list(self, path, value) -> bool:
        """Append a scalar to the list at path (creating the key when missing)."""
        found = self.node(path)
        if found is None:
            return self.set_value(path, [value])
        _, pos = found
        if isinstance(pos, SeqPos) and self.is_flow(pos):
            end_line, end_col = pos.end
            close = end_col - 1
            if self.lines[end_line][close:close + 1] != "]":
                return False
            self.insert((end_line, close), (", " if len(pos.items) else "") + flow(value))
            return True
        if isinstance(pos, SeqPos):
            last = pos.items[-1]
            if not isinstance(last, tuple) or last[0][0] != last[1][0]:
                return False
            col = pos.start[1]
            self.insert_lines_after(last[1][0], [" " * col + "- " + flow(value)])
            return True
        if isinstance(pos, tuple) and pos[0] == pos[1]:
            return self.set_value(path, [value])
        if isinstance(pos, tuple) and pos[0][0] == pos[1][0]:
            old = self.text_of(pos)
            self.replace(pos[0], pos[1], "[" + old + ", " + flow(value) + "]")
            return True
        return False

    def text_of(self, pos) -> str:
        (sl, sc), (el, ec) = pos
        if sl == el:
            return self.lines[sl][sc:ec]
        return "\n".join([self.lines[sl][sc:]] + self.lines[sl + 1:el] + [self.lines[el][:ec]])

    def append_item(self, section: str, item: dict) -> bool:
        """Add an item to a top-level list section, creating the section at the end when missing."""
        root = self.doc.pos
        if not isinstance(root, MapPos):
            return False
        if section not in root.keys:
            self._new_sections.setdefault(section, []).extend(item_lines(item, 2))
            return True
        ks, ke, pos = root.keys[section]
        if isinstance(pos, SeqPos) and self.is_flow(pos):
            if len(pos.items) == 0:
                self.replace(pos.start, pos.end, "")
                self.insert_lines_after(ks[0], item_lines(item, 2))
                return True
            end_line, end_col = pos.end
            self.insert((end_line, end_col - 1), ", " + flow(item))
            return True
        if isinstance(pos, SeqPos):
            indent = pos.start[1]
            self.insert_lines_after(self._section_last_line(ks[0]), item_lines(item, indent))
            return True
        if isinstance(pos, tuple) and pos[0] == pos[1]:  # `section:` with no items yet
            self.insert_lines_after(ks[0], item_lines(item, 2))
            return True
        return False

    def _section_last_line(self, key_line: int) -> int:
        """The last indented line of the top-level section whose key is on key_line."""
        last = key_line
        for n in range(key_line + 1, len(self.lines)):
            line = self.lines[n]
            if line and not line[0].isspace() and not line.startswith("#"):
                break
            if line.strip() and line[0].isspace():
                last = n
        return last

    def result(self) -> list[Edit]:
        """The edits in document order, inserts at one position merged in the order they were made."""
        if self._new_sections:
            lines = [ln for section, items in self._new_sections.items() for ln in [f"{section}:"] + items]
            if self.text and not self.text.endswith("\n"):
                self.insert((len(self.lines) - 1, len(self.lines[-1])), "\n" + "\n".join(lines) + "\n")
            else:
                self.insert((len(self.lines) - 1, 0), "\n".join(lines) + "\n")
            self._new_sections = {}
        merged: dict[tuple, list[str]] = {}
        order = []
        for rng, new in self.edits:
            key = (rng.start, rng.end)
            if key not in merged:
                merged[key] = []
                order.append(rng)
            merged[key].append(new)
        return sorted(((r, "".join(merged[(r.start, r.end)])) for r in order), key=lambda e: (e[0].start, e[0].end))


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (engine coordinates); tests and the CLI use it."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p) -> int:
        return starts[p.line] + p.character

    out = text
    for rng, new in sorted(edits, key=lambda e: (e[0].start, e[0].end), reverse=True):
        out = out[:offset(rng.start)] + new + out[offset(rng.end):]
    return out
