"""Turn a JSON path into the source range of the YAML node it names."""
from __future__ import annotations

from .finding import Range
from .parse import MapPos, SeqPos


def _extent(pos) -> tuple:
    if isinstance(pos, (MapPos, SeqPos)):
        return (pos.start, pos.end or pos.start)
    return pos


def walk(root, path) -> tuple[list, int]:
    """Follow `path` as far as it exists.

    Returns the chain of (key_marks_or_None, pos) per step taken and how many
    path elements were consumed.
    """
    chain = [(None, root)]
    pos = root
    for depth, part in enumerate(path):
        if isinstance(pos, MapPos) and isinstance(part, str) and part in pos.keys:
            ks, ke, child = pos.keys[part]
            chain.append(((ks, ke), child))
            pos = child
        elif isinstance(pos, SeqPos) and isinstance(part, int) and 0 <= part < len(pos.items):
            child = pos.items[part]
            chain.append((None, child))
            pos = child
        else:
            return chain, depth
    return chain, len(path)


def _as_range(marks, offset: int) -> Range:
    (sl, sc), (el, ec) = marks
    return Range.of(sl + offset, sc, el + offset, ec)


def _first_line_of(marks) -> tuple:
    """Containers can span many lines; an editor underline should stay on the first."""
    (sl, sc), (el, ec) = marks
    if el > sl:
        return ((sl, sc), (sl, sc + 1))
    return marks


def locate(root, path, part: str = "value", offset: int = 0) -> Range:
    """Range of the node at `path`.

    part="value": the value node; part="key": the key of the last path element
    (for a sequence item, its `id` value, else its first key). When the path
    does not exist (a missing key) the range of the nearest existing ancestor's
    key is returned, which is where a user would add the missing entry.
    """
    if root is None:
        return Range.of(0, 0, 0, 0)
    chain, consumed = walk(root, path)
    if consumed < len(path):
        return anchor_of(chain, offset)
    key_marks, pos = chain[-1]
    if part == "key":
        if key_marks is not None:
            return _as_range(key_marks, offset)
        return anchor_of(chain, offset)
    if isinstance(pos, (MapPos, SeqPos)):
        return _as_range(_first_line_of(_extent(pos)), offset)
    return _as_range(pos, offset)


def anchor_of(chain, offset: int = 0) -> Range:
    """Where to report about the last node of a chain: its key, or for a list item its id."""
    key_marks, pos = chain[-1]
    if key_marks is not None:
        return _as_range(key_marks, offset)
    if isinstance(pos, MapPos):
        if "id" in pos.keys:
            _, _, idpos = pos.keys["id"]
            if isinstance(idpos, tuple):
                return _as_range(idpos, offset)
        if pos.keys:
            ks, ke, _ = next(iter(pos.keys.values()))
            return _as_range((ks, ke), offset)
    if isinstance(pos, (MapPos, SeqPos)):
        return _as_range(_first_line_of(_extent(pos)), offset)
    return _as_range(pos, offset)
