"""Incremental parsing: re-parse only the chunks an edit changed, assemble the rest from cache.

The result is a ParsedDoc equal to `parse_yaml(text)` (same data, same
positions, same TM001), which tests check on random edit sequences. When the
split is not safe, or a chunk's syntax error could read differently inside
the whole document, the whole text is parsed.
"""
from __future__ import annotations

from ..engine.finding import Finding, Range
from ..engine.lines import needs_translation
from ..engine.parse import MAX_ALIAS_EXPANSION, MapPos, ParsedDoc, SeqPos, parse_yaml
from .chunks import Chunk, aliases, split
from .positions import Shift, materialize


def _stream_end(text: str) -> tuple[int, int]:
    # libyaml ends an unterminated last line before it marks the end of the stream.
    lines = text.count("\n")
    return (lines, 0) if not text or text.endswith("\n") else (lines + 1, 0)


def _shift_finding(f: Finding, dl: int) -> Finding:
    r = f.range
    return Finding(f.rule, f.severity, f.message, Range.of(r.start.line + dl, r.start.character, r.end.line + dl, r.end.character),
                   f.path, f.data)


class _Fallback(Exception):
    pass


class _Same:
    """A parse in a cache key, compared by identity (and kept alive while the key is)."""

    __slots__ = ("doc",)

    def __init__(self, doc):
        self.doc = doc

    def __eq__(self, other):
        return isinstance(other, _Same) and other.doc is self.doc

    def __hash__(self):
        return id(self.doc)


class IncrementalParser:
    """Parses successive versions of one document, reusing the parse of every unchanged chunk."""

    def __init__(self):
        self._cache: dict[tuple, ParsedDoc] = {}  # (chunk text, anchors it uses from earlier chunks) -> parse
        # id(item chunk's parse) -> (that parse, its first line, next mark, its shifted position): an edit moves
        # few items, and making a shifted view for each of thousands of items cost a third of the assembly.
        self._shifted: dict[int, tuple] = {}
        self._chunks: list[Chunk] | None = None  # the previous version's split
        self._safe: set[str] = set()  # chunk texts of that split (found safe to parse alone)
        self._aliases: dict[str, set] = {}  # chunk text -> the alias names it uses
        self.full_parses = 0  # how often the whole text had to be parsed (tests and benchmarks read it)
        self.chunk_parses = 0

    def parse(self, text: str) -> ParsedDoc:
        # Every chunk text in the cache came from a split that found all its chunks safe.
        chunks = split(text, self._safe, self._chunks)
        self._chunks = chunks
        self._safe = {c.text for c in chunks} if chunks is not None else set()
        if chunks is not None and len(self._aliases) > 2 * len(chunks):
            self._aliases = {c.text: self._aliases[c.text] for c in chunks if c.text in self._aliases}
        if chunks is not None:
            try:
                return self._assemble(text, chunks)
            except _Fallback:
                pass
        self.full_parses += 1
        return parse_yaml(text)

    def _parse_chunk(self, c: Chunk, fresh: dict, given: dict | None, key: tuple) -> ParsedDoc:
        doc = fresh.get(key)
        if doc is None:
            doc = self._cache.get(key)
            if doc is None:
                self.chunk_parses += 1
                # A flow list's head is parsed as an empty list; each item without its separators.
                doc = parse_yaml(c.text + " ]" if c.kind == "flowhead" else c.parse_text(), given)
            fresh[key] = doc
        return doc

    def _assemble(self, text: str, chunks: list[Chunk]) -> ParsedDoc:
        fresh: dict[tuple, ParsedDoc] = {}
        parsed = []
        visible: dict[str, tuple] = {}  # anchor -> (chunk index, (data, pos, size)) defined so far
        expanded = 0
        for i, c in enumerate(chunks):
            given, key = self._anchors_for(i, c, chunks, parsed, visible)
            if c.kind == "flowhead":
                key += ("flowhead",)  # parsed with a ']' added: the same text as a section must not share its parse
            doc = self._parse_chunk(c, fresh, given, key)
            if doc.findings:
                # Keep the later chunks' parses for the edit that fixes this one.
                later = {c.text for c in chunks[i + 1:]}
                for k, d in self._cache.items():
                    if k[0] in later:
                        fresh.setdefault(k, d)
                self._cache = fresh
                return self._error(text, chunks, i, doc)
            parsed.append(doc)
            for name, entry in doc.anchors.items():
                visible[name] = (i, entry)
            expanded += doc.expanded
        self._cache = fresh
        if expanded > MAX_ALIAS_EXPANSION:
            raise _Fallback  # the whole parse reports where the bound is crossed

        def next_mark(i: int):
            """The document mark of the first token after chunk i (None: the chunk ends the stream)."""
            if i + 1 >= len(chunks):
                return None
            nxt = chunks[i + 1]
            return (nxt.start, nxt.indent if nxt.kind == "item" else 0)

        def shift_for(i: int) -> Shift:
            c = chunks[i]
            nm = next_mark(i)
            return Shift(c.start, (c.lines, 0) if nm is not None else None, nm)

        data: dict = {}
        root: MapPos | None = None
        old_shifted, shifted = self._shifted, {}
        i = 0
        while i < len(chunks):
            c = chunks[i]
            doc = parsed[i]
            if not isinstance(doc.data, dict) or list(doc.data) != [c.key] or not isinstance(doc.pos, MapPos):
                raise _Fallback
            sh = shift_for(i)
            ks, ke, vpos = doc.pos.keys[c.key]
            if root is None:
                root = MapPos(sh.pt(doc.pos.start))
            if c.kind == "section":
                data[c.key] = doc.data[c.key]
                root.keys[c.key] = (sh.plain(ks), sh.plain(ke), sh.wrap(vpos))
                i += 1
                continue
            if c.kind == "flowhead":
                i = self._flow_list(chunks, parsed, i, sh, (ks, ke, vpos), data, root, old_shifted, shifted)
                continue
            # A header and its items: the items form the section's block sequence.
            if doc.data[c.key] not in (None, ""):
                raise _Fallback
            j = i + 1
            values, poses = [], []
            n, key = len(chunks), c.key
            while j < n:
                cj = chunks[j]
                if cj.kind != "item" or cj.key != key:
                    break
                idoc = parsed[j]
                if not isinstance(idoc.data, list) or len(idoc.data) != 1 or not isinstance(idoc.pos, SeqPos):
                    raise _Fallback
                values.append(idoc.data[0])
                nm = next_mark(j)
                hit = old_shifted.get(id(idoc))
                if hit is not None and hit[0] is idoc and hit[1] == cj.start and hit[2] == nm:
                    pos = hit[3]
                else:
                    pos = Shift(cj.start, (cj.lines, 0) if nm is not None else None, nm).wrap(idoc.pos.items[0])
                shifted[id(idoc)] = (idoc, cj.start, nm, pos)
                poses.append(pos)
                j += 1
            seq = SeqPos((chunks[i + 1].start, chunks[i + 1].indent))
            last_next = next_mark(j - 1)
            seq.end = last_next if last_next is not None else _stream_end(text)
            seq.items = poses
            data[c.key] = values
            root.keys[c.key] = (sh.plain(ks), sh.plain(ke), seq)
            i = j
        root.end = _stream_end(text)
        self._shifted = shifted
        return ParsedDoc(text, data, root)

    @staticmethod
    def _flow_list(chunks, parsed, i, sh, key_pos, data, root, old_shifted, shifted) -> int:
        """Assemble a flow list from its head (chunk i) and item chunks; returns the index after them."""
        c = chunks[i]
        ks, ke, vpos = key_pos
        head = parsed[i].data[c.key]
        if not isinstance(head, list) or not isinstance(vpos, SeqPos) or len(head) > 1:
            raise _Fallback
        # The head holds the first item when it sits on the key's line (`key: [{...},`).
        values, poses = list(head), [Shift(c.start).wrap(p) for p in vpos.items]
        if any(not isinstance(v, dict) or not isinstance(p, MapPos) for v, p in zip(values, poses)):
            raise _Fallback
        j = i + 1
        while j < len(chunks) and chunks[j].kind == "flowitem" and chunks[j].key == c.key:
            cj, idoc = chunks[j], parsed[j]
            if not isinstance(idoc.data, dict) or not isinstance(idoc.pos, MapPos):
                raise _Fallback
            values.append(idoc.data)
            hit = old_shifted.get(id(idoc))
            if hit is not None and hit[0] is idoc and hit[1] == cj.start and hit[2] is None:
                pos = hit[3]
            else:
                pos = Shift(cj.start).wrap(idoc.pos)
            shifted[id(idoc)] = (idoc, cj.start, None, pos)
            poses.append(pos)
            j += 1
        last = chunks[j - 1]
        if j == i + 1 or last.text[last.blank[-1]] != "]":
            raise _Fallback
        close = last.blank[-1]
        line = last.text.count("\n", 0, close)
        seq = SeqPos(sh.plain(vpos.start))
        seq.end = (last.start + line, close - (last.text.rfind("\n", 0, close) + 1) + 1)
        seq.items = poses
        data[c.key] = values
        root.keys[c.key] = (sh.plain(ks), sh.plain(ke), seq)
        return j

    def _anchors_for(self, i: int, c: Chunk, chunks: list[Chunk], parsed: list[ParsedDoc], visible: dict):
        """The anchors of earlier chunks that chunk i's aliases may name, and its cache key.

        A collection's positions are expressed relative to chunk i (its lines before the chunk are
        negative), so that shifting chunk i's tree by its first line puts them where the anchor is."""
        if not visible:
            return None, (c.text,)
        used = self._aliases.get(c.text)
        if used is None:
            used = self._aliases[c.text] = aliases(c.text)
        names = used & visible.keys()
        if not names:
            return None, (c.text,)
        if needs_translation(c.text):
            raise _Fallback  # positions from another chunk would be translated twice
        given, sig, keep = {}, [], []
        for name in sorted(names):
            j, (data, pos, size) = visible[name]
            if not isinstance(pos, tuple):  # an alias of a scalar takes the alias's own range instead
                a = chunks[j]
                nm = (chunks[j + 1].start, chunks[j + 1].indent if chunks[j + 1].kind == "item" else 0)
                absolute = materialize(Shift(a.start, (a.lines, 0), nm).wrap(pos))
                pos = materialize(Shift(-c.start).wrap(absolute))
                sig.append((name, a.start - c.start, nm[0] - c.start, nm[1]))
                keep.append(_Same(parsed[j]))
            else:  # a scalar: its value is all the alias takes (an edit beside the anchor changes nothing here)
                sig.append((name, type(data).__name__, data))
            given[name] = (data, pos, size)
        return given, (c.text, tuple(sig), tuple(keep))

    def _error(self, text: str, chunks: list[Chunk], i: int, doc: ParsedDoc) -> ParsedDoc:
        """Chunk i (the first with a finding) does not parse cleanly alone.

        A fatal error well inside the chunk is the document's error too: every
        chunk before it parsed cleanly and libyaml looks ahead at most one
        token, which stays inside the chunk. Anything else parses the whole text.
        """
        c = chunks[i]
        if doc.ok or len(doc.findings) != 1 or (c.kind == "item" and c.indent == 0) or c.kind in ("flowhead", "flowitem"):
            # A zero-indented list is an "indentless" sequence inside its key: libyaml words errors
            # there differently than in the same item parsed alone.
            raise _Fallback
        f = doc.findings[0]
        last_content = _last_content_line(c.text)
        if f.range.start.line >= last_content or f.range.end.line >= last_content:
            raise _Fallback
        out = ParsedDoc(text)
        out.findings.append(_shift_finding(f, c.start))
        return out


def _last_content_line(text: str) -> int:
    lines = text.split("\n")
    for n in range(len(lines) - 1, -1, -1):
        s = lines[n].strip()
        if s and not s.startswith("#"):
            return n
    return 0
