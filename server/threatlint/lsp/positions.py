"""Lazily shifted views of a chunk's position tree.

A chunk is parsed alone, so its positions start at line 0 and its last
collections end at the chunk's own end of stream. Shifting a whole tree on
every edit above it would cost as much as parsing it; these views shift each
position only when a rule or a feature actually reads it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..engine.parse import MapPos, SeqPos


class Shift:
    """Chunk-relative (line, column) -> document (line, column)."""

    __slots__ = ("dl", "end_rel", "end_abs")

    def __init__(self, dl: int, end_rel=None, end_abs=None):
        self.dl = dl
        # Where the chunk alone ends its stream, and the mark the whole document has there
        # instead (the next chunk's first token).
        self.end_rel = end_rel
        self.end_abs = end_abs

    def pt(self, p):
        """A collection's mark: one that ends the chunk's stream ends at the next token in the document."""
        if p is None:
            return None
        if p == self.end_rel:
            return self.end_abs
        return (p[0] + self.dl, p[1])

    def plain(self, p):
        """A scalar's mark: a block scalar ending the chunk ends after its last line break in both parses."""
        return (p[0] + self.dl, p[1])

    def wrap(self, pos):
        if isinstance(pos, MapPos):
            return ShiftedMap(pos, self)
        if isinstance(pos, SeqPos):
            return ShiftedSeq(pos, self)
        if isinstance(pos, tuple):
            if pos[0] == pos[1] == self.end_rel and self.end_rel is not None:
                # An empty scalar where the chunk alone ends its stream (the value of a `? key` written without
                # one): the whole document puts it at the next token, as it does a collection's end.
                return (self.end_abs, self.end_abs)
            return (self.plain(pos[0]), self.plain(pos[1]))
        return pos


class _Keys(Mapping):
    __slots__ = ("_inner", "_sh")

    def __init__(self, inner: dict, sh: Shift):
        self._inner = inner
        self._sh = sh

    def __getitem__(self, key):
        ks, ke, child = self._inner[key]
        sh = self._sh
        return (sh.plain(ks), sh.plain(ke), sh.wrap(child))

    def __contains__(self, key):
        return key in self._inner

    def __iter__(self):
        return iter(self._inner)

    def __len__(self):
        return len(self._inner)


class _Items(Sequence):
    __slots__ = ("_inner", "_sh")

    def __init__(self, inner: list, sh: Shift):
        self._inner = inner
        self._sh = sh

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._sh.wrap(p) for p in self._inner[i]]
        return self._sh.wrap(self._inner[i])

    def __len__(self):
        return len(self._inner)


class _ShiftedEnds:
    """start and end of a wrapped position node, moved by a Shift when read."""

    __slots__ = ()

    def __init__(self, inner, sh: Shift):
        self._inner = inner
        self._sh = sh

    @property
    def start(self):
        return self._sh.pt(self._inner.start)

    @property
    def end(self):
        return self._sh.pt(self._inner.end)


class ShiftedMap(_ShiftedEnds, MapPos):
    __slots__ = ("_inner", "_sh")

    @property
    def keys(self):
        return _Keys(self._inner.keys, self._sh)


class ShiftedSeq(_ShiftedEnds, SeqPos):
    __slots__ = ("_inner", "_sh")

    @property
    def items(self):
        return _Items(self._inner.items, self._sh)


def materialize(pos):
    """A plain copy of a (possibly shifted) position tree; tests compare it with a fresh parse."""
    if isinstance(pos, MapPos):
        out = MapPos(pos.start, pos.end)
        for k, (ks, ke, child) in pos.keys.items():
            out.keys[k] = (ks, ke, materialize(child))
        return out
    if isinstance(pos, SeqPos):
        out = SeqPos(pos.start, pos.end)
        out.items = [materialize(p) for p in pos.items]
        return out
    return pos


def as_plain(pos):
    """Nested plain data for equality checks."""
    pos = materialize(pos)
    if isinstance(pos, MapPos):
        return ("map", pos.start, pos.end, {k: (ks, ke, as_plain(c)) for k, (ks, ke, c) in pos.keys.items()})
    if isinstance(pos, SeqPos):
        return ("seq", pos.start, pos.end, [as_plain(p) for p in pos.items])
    return pos
