"""Split a model's text into independently parseable chunks: top-level sections and list items.

A keystroke touches one chunk; the others keep their cached parse. Anything
that could make a chunk parse differently alone than inside the whole document
(document markers, tabs, odd line breaks, a column-0 line that is not a `key:`
or a '-' entry) makes `split` return None and the caller parses the whole text
instead. Anchors and aliases are safe: a chunk is parsed with the anchors of
the chunks before it (see incremental.py).
"""
from __future__ import annotations

import re
from collections.abc import Container
from functools import lru_cache

# A top-level key line: a plain key at column 0 followed by ':' and a blank or the line end.
_KEY_LINE = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*)[ ]*:(?:[ ]|$)")
# Characters whose presence anywhere makes the chunked parse unsafe (or pointless).
_UNSAFE_CHARS = ("\t", "\r", "\x00", "\ufeff", "\x85", "\u2028", "\u2029")
# libyaml's reader rejects the whole stream for one of these before it parses anything.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Patterns below that start with "\n" run on "\n" + text: a match's offset is then the offset in
# text of the line it starts (a literal first character lets the regex engine skip ahead).
_DOC_MARKER = re.compile(r"\n(?:---|\.\.\.|%)")


class Chunk:
    # A plain class with slots, not a frozen dataclass: a split makes one per threat on every keystroke, and
    # the dataclass's __init__ cost a third of the split. Nothing mutates a chunk after the split.
    __slots__ = ("text", "start", "kind", "key", "indent", "lines", "blank")

    def __init__(self, text: str, start: int, kind: str, key: str, indent: int = 0, blank: tuple = ()):
        self.text = text
        self.start = start  # first line of the chunk in the document
        # "section" (a whole top-level key), "header" (a key whose items follow), "item" (a block list's item),
        # "flowhead" (`key: [` and what precedes the first item of a flow list), "flowitem" (one of its items)
        self.kind = kind
        self.key = key  # the top-level key the chunk belongs to
        self.indent = indent  # column of an item's '-'
        self.lines = text.count("\n")  # line breaks in the chunk
        self.blank = blank  # flowitem: offsets of the ',' or ']' after the item, blanked to parse it alone

    def parse_text(self) -> str:
        """The text to parse the chunk alone: a flow item without the separators around it."""
        if not self.blank:
            return self.text
        chars = list(self.text)
        for i in self.blank:
            chars[i] = " "
        return "".join(chars)


def unsafe(text: str) -> bool:
    if any(c in text for c in _UNSAFE_CHARS):
        return True
    if not text.isascii() and _NON_PRINTABLE.search(text) or _has_control(text):
        return True
    if ("---" in text or "..." in text or "%" in text) and _DOC_MARKER.search("\n" + text):
        return True
    return False


_ALIAS = re.compile(r"(?:(?<=[\s\[{,:])|^)\*([\w-]+)")


def aliases(text: str) -> set[str]:
    """Names of the aliases (`*name`) the text may use; a superset is harmless."""
    return set(_ALIAS.findall(text)) if "*" in text else set()


def _has_control(text: str) -> bool:
    # ASCII control characters other than tab and line breaks (the common case is a pure-ASCII file).
    return _ASCII_CONTROL.search(text) is not None


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=None)
def _shallow(indent: int) -> re.Pattern:
    """A content line left of an item's '-' (column-0 lines are found by _TOP_LINE instead)."""
    if indent == 0:
        return re.compile(r"(?!)")  # nothing is left of column 0
    return re.compile(r"\n {0,%d}[^ \n#]" % (indent - 1))


def split(text: str, known_safe: Container[str] = (), previous: list[Chunk] | None = None) -> list[Chunk] | None:
    """Chunks covering `text` exactly, in order, or None when the text must be parsed whole.

    `known_safe` holds chunk texts already found safe (the previous split's): only the others are scanned.
    `previous` is the split of the document's previous version: an edit inside one item reuses it.
    """
    chunks = _resplit(text, previous) if previous else None
    if chunks is None:
        chunks = _split(text)
    # Every test in `unsafe` looks at a character and its neighbours on the same line, and each chunk starts
    # at a line start and ends after a line break (or at the end of the text): the text is unsafe exactly when
    # one of its chunks is. Checked per chunk because an edit changes one chunk, and scanning the whole text
    # cost more than the rest of the split.
    if chunks is None or any(c.text not in known_safe and unsafe(c.text) for c in chunks):
        return None
    return chunks


def _resplit(text: str, chunks: list[Chunk]) -> list[Chunk] | None:
    """`_split(text)` computed from the previous version's chunks, or None (then split the whole text).

    The split depends only on column-0 lines and on the '-' lines at an item's indent. When the edit stayed
    inside one item chunk (every other chunk's text is unchanged, before and after it) and the item's new
    text still starts with its '-' line and has no other '-' line at that indent, no column-0 line and no line
    left of its '-', the whole text has the same such lines, so the same chunks, the later ones moved by the
    lines the edit added. Scanning the whole text on each keystroke cost more than parsing the item.
    """
    n = len(chunks)
    k = off = 0
    while k < n and text.startswith(chunks[k].text, off):
        off += len(chunks[k].text)
        k += 1
    if k == n:
        return chunks if off == len(text) else None
    c = chunks[k]
    if c.kind == "section":
        return _resplit_section(text, chunks, k, off)
    if c.kind == "flowitem":
        return _resplit_flow_item(text, chunks, k, off)
    if c.kind == "flowhead":
        return _resplit_flow_head(text, chunks, k, off)
    if c.kind != "item":
        return None
    new = _edited(text, chunks, k, off)
    if new is None:
        return None
    if k + 1 < n and not new.endswith("\n"):
        return None  # the next chunk would not start a line
    nl = "\n" + new
    dash = _dash_at(c.indent)
    if (dash.match(nl) is None or dash.search(nl, 1) is not None or _TOP_LINE.search(nl, 1) is not None
            or _shallow(c.indent).search(nl) is not None):
        return None
    return _replaced(chunks, k, Chunk(new, c.start, "item", c.key, c.indent))


def _edited(text: str, chunks: list[Chunk], k: int, off: int) -> str | None:
    """The new text of chunk `k` (which starts at `off` in `text`) when every chunk after it ends `text`
    unchanged, else None: the edit then reached past this chunk."""
    end, m = len(text), len(chunks) - 1
    while m > k and text.endswith(chunks[m].text, off, end):
        end -= len(chunks[m].text)
        m -= 1
    return text[off:end] if m == k else None


def _replaced(chunks: list[Chunk], k: int, *new: Chunk) -> list[Chunk]:
    """`chunks` with chunk `k` replaced by `new` (one chunk or more), the later ones moved by the lines it gained
    or lost."""
    dl = sum(c.lines for c in new) - chunks[k].lines
    rest = chunks[k + 1:]
    return chunks[:k] + list(new) + (rest if not dl else
                                     [Chunk(x.text, x.start + dl, x.kind, x.key, x.indent, x.blank) for x in rest])


def _resplit_section(text: str, chunks: list[Chunk], k: int, off: int) -> list[Chunk] | None:
    """`_resplit` for an edit inside a section chunk (`system:`, `review:`, a whole list kept as one chunk).

    The split is the same when the new text still starts with the section's key line, has no other column-0
    line and would not be cut into items (its key line holds a value, or the first content under it is not a
    '-' entry)."""
    c = chunks[k]
    n = len(chunks)
    new = _edited(text, chunks, k, off)
    if new is None:
        return None
    if k + 1 < n and not new.endswith("\n"):
        return None
    nl = "\n" + new
    first = _TOP_LINE.search(nl)
    if first is None or _TOP_LINE.search(nl, first.end()) is not None:
        return None
    if k > 0 and first.start() != 0:
        return None  # only the first chunk carries the comments before its key
    line_end = new.find("\n", first.start())
    km = _KEY_LINE.match(new[first.start():line_end if line_end >= 0 else len(new)])
    if km is None or km.group(1) != c.key:
        return None
    rest = new[first.start() + km.end():line_end if line_end >= 0 else len(new)].strip()
    if rest == "" or rest.startswith("#"):
        body = _FIRST_CONTENT.search(nl, first.end())
        if body is not None and body.group(1) is not None:
            return None  # now a list of items: split it
    if rest.startswith("[") and line_end >= 0:
        # A flow list the edit made splittable (a quote closed, a brace balanced): its items, as `_split` makes them.
        flow = _flow_chunks(new, c.key, 0, first.start() + km.end(), line_end, len(new), c.start)
        if flow is not None:
            return _replaced(chunks, k, *flow)
    return _replaced(chunks, k, Chunk(new, c.start, "section", c.key))


def _resplit_flow_item(text: str, chunks: list[Chunk], k: int, off: int) -> list[Chunk] | None:
    """`_resplit` for an edit inside one item of a flow list: the new text must still be exactly one item,
    ending its list the same way (with ']' or before another item)."""
    c = chunks[k]
    new = _edited(text, chunks, k, off)
    if new is None or (k + 1 < len(chunks) and not new.endswith("\n")):
        return None  # the next chunk would not start a line
    top = _TOP_LINE.search("\n" + new)
    if top is not None and not (c.blank and _CLOSING_LINE.match(new, top.start())):
        return None
    scanned = scan_flow_item(new, 0)
    closed = "]" in (c.text[i] for i in c.blank)
    if scanned is None or scanned[0] != len(new) or scanned[2] != closed:
        return None
    return _replaced(chunks, k, Chunk(new, c.start, "flowitem", c.key, blank=scanned[1]))


def _resplit_flow_head(text: str, chunks: list[Chunk], k: int, off: int) -> list[Chunk] | None:
    """`_resplit` for an edit inside the head of a flow list (its key line, and its first item when that sits on
    the key line): the new text must still be the key line of the same key and end where the head ends."""
    c = chunks[k]
    new = _edited(text, chunks, k, off)
    if new is None or not new.endswith("\n"):
        return None  # a head is always followed by an item
    nl = "\n" + new
    first = _TOP_LINE.search(nl)
    if first is None or _TOP_LINE.search(nl, first.end()) is not None or (k > 0 and first.start() != 0):
        return None
    eol = new.find("\n", first.start())
    km = _KEY_LINE.match(new, first.start(), eol)
    if km is None or km.group(1) != c.key or _flow_head_end(new, km.end(), eol) != len(new):
        return None
    return _replaced(chunks, k, Chunk(new, c.start, "flowhead", c.key))


_CLOSING_LINE = re.compile(r"[ ]*\][ ]*(?:#[^\n]*)?(?=\n|\Z)")  # a line holding only a flow list's ']'
_FLOW_SPECIAL = re.compile(r"[\[\]{}'\"#\n]")
_BLANK_OR_COMMENT = re.compile(r"[ ]*(?:#[^\n]*)?(?:\n|\Z)")
_ITEM_LINE = re.compile(r"[ ]+\{")


def _skip_blank_lines(text: str, pos: int) -> int:
    """The start of the first line at or after `pos` (a line start) that holds more than blanks or a comment."""
    n = len(text)
    while pos < n:
        m = _BLANK_OR_COMMENT.match(text, pos)
        if m is None or m.end() == pos:
            return pos
        pos = m.end()
    return pos


def scan_flow_item(text: str, pos: int, inline: bool = False):
    """One item of a flow list, written as a flow mapping on lines of its own: `  {...},` (or `}]`).

    From `pos` (the start of the item's first line; with `inline`, the item's '{' on the list's key line)
    returns (end, blank, closed): where the item's chunk ends (after its separator's line and any blank or
    comment lines, before the next item's line), the offsets of the separators to blank out, and whether the
    item closes the list. None when the text there is anything else (the section is then parsed whole).
    """
    if inline:
        i = pos
    else:
        m = _ITEM_LINE.match(text, pos)
        if m is None:
            return None
        i = m.end() - 1  # the '{'
    depth = 0
    n = len(text)
    while True:
        mm = _FLOW_SPECIAL.search(text, i)
        if mm is None:
            return None
        i = mm.start()
        ch = text[i]
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                if ch != "}":
                    return None
                i += 1
                break
        elif ch == "#":
            if text[i - 1] in " \n":
                eol = text.find("\n", i)
                i = n if eol < 0 else eol
                continue
        elif ch in "'\"":
            j = i - 1
            while text[j] == " ":
                j -= 1
            if text[j] in "{[,:\n":  # a quoted scalar starts here (not an apostrophe inside a word)
                i = _end_of_quoted(text, i)
                if i < 0:
                    return None
                continue
        i += 1
    # After the item: the separator, then only blanks or a comment on that line.
    blank = []
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i] in "#\n":
        # `}` ends its line: the list may close on a line of its own (`]`, at any column).
        after = _BLANK_OR_COMMENT.match(text, i)
        nxt = _skip_blank_lines(text, after.end()) if after is not None else n
        m = _CLOSING_LINE.match(text, nxt)
        if m is None:
            return None
        i = m.start() + m.group(0).index("]")
    if i >= n or text[i] not in ",]":
        return None
    blank.append(i)
    closed = text[i] == "]"
    rest = _BLANK_OR_COMMENT.match(text, i + 1)
    if rest is None:
        return None
    end = _skip_blank_lines(text, rest.end())
    if not closed and end < n:
        # A trailing comma may be followed by the ']' alone on a line.
        m = _CLOSING_LINE.match(text, end)
        if m is not None:
            blank.append(m.start() + m.group(0).index("]"))
            after = _BLANK_OR_COMMENT.match(text, blank[-1] + 1)
            if after is None:
                return None
            closed = True
            end = _skip_blank_lines(text, after.end())
    if closed:
        end = _skip_blank_lines(text, end)
        if end < n:
            return None  # more than blanks or comments after the list's ']' within the item's chunk
    return end, tuple(blank), closed


def _end_of_quoted(text: str, i: int) -> int:
    """The offset after the quoted scalar starting at i, or -1."""
    q = text[i]
    j = i + 1
    while True:
        j = text.find(q, j)
        if j < 0:
            return -1
        if q == "'":
            if text[j + 1:j + 2] == "'":
                j += 2
                continue
            return j + 1
        k = j - 1
        backslashes = 0
        while text[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2 == 0:
            return j + 1
        j += 1


def _flow_head_end(text: str, value: int, eol: int) -> int | None:
    """Where the head of a flow list ends, or None when the section is not split into items.

    `text[value:eol]` is the rest of the list's key line after `key:`. The head is `key: [` (then blank or
    comment lines), or `key: [{...},` with the first item on the key line (it may go on over more lines) and
    what follows it up to the next item's line: the first item is parsed with the head. A list that closes
    within its first item (`key: [{...}]`) stays one section."""
    i = value
    while i < eol and text[i] == " ":
        i += 1
    if i >= eol or text[i] != "[":
        return None
    i += 1
    while i < eol and text[i] == " ":
        i += 1
    if i == eol or text[i] == "#":
        return _skip_blank_lines(text, eol + 1) if eol < len(text) else None
    if text[i] != "{":
        return None
    scanned = scan_flow_item(text, i, inline=True)
    if scanned is None or scanned[2]:
        return None
    return scanned[0]


def _flow_chunks(text: str, key: str, start: int, value: int, eol: int, end: int, line: int) -> list[Chunk] | None:
    """A flow list section (its key line from `start`, the key's value from `value`) as a flowhead chunk and
    flowitem chunks."""
    section = text[:end]
    first = _flow_head_end(section, value, eol)
    if first is None:
        return None
    out = [Chunk(text[start:first], line, "flowhead", key)]
    line += out[0].lines
    pos = first
    closed = False
    while not closed:
        if pos >= end:
            return None
        scanned = scan_flow_item(section, pos)
        if scanned is None:
            return None
        stop, blank, closed = scanned
        c = Chunk(text[pos:stop], line, "flowitem", key, blank=tuple(b - pos for b in blank))
        out.append(c)
        line += c.lines
        pos = stop
    return out if pos == end else None


def _split(text: str) -> list[Chunk] | None:
    if any(c in text for c in _UNSAFE_CHARS):
        return None  # cheap to find, and line breaks other than "\n" would mislead the split below
    nl_text = "\n" + text
    # Sections: every column-0 content line must be a `key:` line.
    sections = []  # (offset, key, value_is_empty)
    for m in _TOP_LINE.finditer(nl_text):
        off = m.start()
        eol = text.find("\n", off)
        line = text[off:] if eol < 0 else text[off:eol]
        km = _KEY_LINE.match(line)
        if km is None:
            if line.startswith("- ") or line == "-":
                continue  # a zero-indented list's entry
            if _CLOSING_LINE.match(line):
                continue  # the ']' closing a flow list (the section's parse judges it anywhere else)
            return None
        rest = line[km.end():].strip()
        sections.append((off, km.group(1), rest == "" or rest.startswith("#")))
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
    for si, (off, key, empty) in enumerate(sections):
        start, end = bounds[si], bounds[si + 1]
        items: list[int] = []
        indent = 0
        if empty:
            body = text.find("\n", off) + 1
            first = _FIRST_CONTENT.search(nl_text, body, end) if body > 0 else None
            if first is not None and first.group(1) is not None:
                # The first content after the key is a '-' entry: the items start at its column. A
                # zero-indented entry (column 0, as PyYAML writes lists) parses alone as it does in place.
                indent = len(first.group(1)) - 1
                items = [m.start() for m in _dash_at(indent).finditer(nl_text, first.start(), end)]
        if not items and not empty:
            eol = text.find("\n", off)
            value = _KEY_LINE.match(text, off).end()
            if eol >= 0 and text[value:eol].lstrip().startswith("["):
                flow = _flow_chunks(text, key, start, value, eol, end, line)
                if flow is not None:
                    chunks += flow
                    line += sum(c.lines for c in flow)
                    continue
        if not items:
            chunks.append(Chunk(text[start:end], line, "section", key))
            line += chunks[-1].lines
            continue
        if _shallow(indent).search(nl_text, items[0], end):
            return None  # a line left of the items' '-' ends the sequence in one parse but not in the other
        header = Chunk(text[start:items[0]], line, "header", key)
        chunks.append(header)
        line += header.lines
        for k, o in enumerate(items):
            stop = items[k + 1] if k + 1 < len(items) else end
            c = Chunk(text[o:stop], line, "item", key, indent)
            chunks.append(c)
            line += c.lines
    return chunks


_TOP_LINE = re.compile(r"\n[^ \n#]")
# The first line with content (not a comment): group 1 is its indent plus one when it is a '-' entry.
_FIRST_CONTENT = re.compile(r"\n(?:( *-)(?=[ \n]|\Z)|( *)[^ \n#])")


@lru_cache(maxsize=None)
def _dash_at(indent: int) -> re.Pattern:
    return re.compile(r"\n {%d}-(?=[ \n]|\Z)" % indent)
