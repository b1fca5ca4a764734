"""Split a model's text into independently parseable chunks: top-level sections and list items.

A keystroke touches one chunk; the others keep their cached parse. The split
is only attempted on plain block-style documents. Anything that could make a
chunk parse differently alone than inside the whole document (anchors and
aliases, tags spanning chunks, document markers, tabs, odd line breaks, a
column-0 line that is not a `key:`) makes `split` return None and the caller
parses the whole text instead.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

# A top-level key line: a plain key at column 0 followed by ':' and a blank or the line end.
_KEY_LINE = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*)[ ]*:(?:[ ]|$)")
# Interesting lines: column-0 content, and block-sequence entries at any indent.
_LINE_MARK = re.compile(r"^(?:( *)-(?: |$)|[^ \n#])", re.MULTILINE)
# Characters whose presence anywhere makes the chunked parse unsafe (or pointless).
_UNSAFE_CHARS = ("\t", "\r", "\x00", "\ufeff", "\x85", "\u2028", "\u2029")
# An anchor or alias: `&name` / `*name` after a blank, a flow indicator or the line start.
_ANCHOR = re.compile(r"(?:^|[ \[{,])[&*][^ \n,\[\]{}]")
# libyaml's reader rejects the whole stream for one of these before it parses anything.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int  # first line of the chunk in the document
    kind: str  # "section" (a whole top-level key), "header" (a key whose items follow) or "item"
    key: str  # the top-level key the chunk belongs to
    indent: int = 0  # column of an item's '-'

    @property
    def lines(self) -> int:
        return self.text.count("\n")


def unsafe(text: str) -> bool:
    if any(c in text for c in _UNSAFE_CHARS):
        return True
    if not text.isascii() and _NON_PRINTABLE.search(text) or _has_control(text):
        return True
    if ("&" in text or "*" in text) and _ANCHOR.search(text):
        return True
    if ("---" in text or "..." in text or "%" in text) and _DOC_MARKER.search(text):
        return True
    return False


def _has_control(text: str) -> bool:
    # ASCII control characters other than tab and line breaks (the common case is a pure-ASCII file).
    return _ASCII_CONTROL.search(text) is not None


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=None)
def _shallow(indent: int) -> re.Pattern:
    return re.compile(r"^ {1,%d}[^ \n#]" % (indent - 1), re.MULTILINE)


def split(text: str) -> list[Chunk] | None:
    """Chunks covering `text` exactly, in order, or None when the text must be parsed whole."""
    if unsafe(text):
        return None
    # (offset, kind, indent) of every column-0 content line and every '-' entry line
    marks = []
    for m in _LINE_MARK.finditer(text):
        if m.group(1) is None:
            marks.append((m.start(), "top", 0))
        else:
            marks.append((m.start(), "dash", len(m.group(1))))
    # Sections: each column-0 line must be a `key:` line.
    sections = []  # (offset, key, value_is_empty)
    for off, kind, indent in marks:
        if kind == "dash" and indent == 0:
            continue  # an indentless sequence entry; handled with its section below
        if kind != "top":
            continue
        eol = text.find("\n", off)
        line = text[off:] if eol < 0 else text[off:eol]
        m = _KEY_LINE.match(line)
        if m is None:
            return None
        rest = line[m.end():].strip()
        sections.append((off, m.group(1), rest == "" or rest.startswith("#")))
    if not sections:
        return None
    keys = [k for _, k, _ in sections]
    if len(set(keys)) != len(keys):
        return None  # duplicate top-level keys: the parser's report names lines across chunks
    chunks: list[Chunk] = []
    line = 0
    # Text before the first key is comments or blank lines; it goes with the first chunk.
    bounds = [s[0] for s in sections] + [len(text)]
    bounds[0] = 0
    mi = 0
    for si, (off, key, empty) in enumerate(sections):
        start, end = bounds[si], bounds[si + 1]
        items = []
        if empty:
            while mi < len(marks) and marks[mi][0] < off:
                mi += 1
            first_dash = None
            j = mi
            while j < len(marks) and marks[j][0] < end:
                o, kind, indent = marks[j]
                if kind == "dash":
                    if first_dash is None:
                        # The first entry must be the first content after the key line.
                        between = text[text.find("\n", off) + 1:o] if text.find("\n", off) >= 0 else ""
                        if any(ln.strip() and not ln.lstrip().startswith("#") for ln in between.split("\n")):
                            break
                        if indent == 0:
                            break  # an indentless sequence parses differently alone: keep the section whole
                        first_dash = indent
                    if indent == first_dash:
                        items.append(o)
                    elif indent < first_dash:
                        return None
                j += 1
        if not items:
            chunks.append(Chunk(text[start:end], line, "section", key))
            line += chunks[-1].lines
            continue
        if first_dash >= 2 and _shallow(first_dash).search(text, items[0], end):
            return None  # a line left of the items' '-' ends the sequence in one parse but not in the other
        header = Chunk(text[start:items[0]], line, "header", key)
        chunks.append(header)
        line += header.lines
        for k, o in enumerate(items):
            stop = items[k + 1] if k + 1 < len(items) else end
            c = Chunk(text[o:stop], line, "item", key, first_dash)
            chunks.append(c)
            line += c.lines
    return chunks
