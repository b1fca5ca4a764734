"""A model's `scope:` entry without building the whole model.

The gate reads every model's scope.paths but checks only the models a commit changes; building all of
them dominated its run time. Here libyaml's event stream (no data built) proves that the whole file
parses, and only the top-level `scope:` entry is handed to the engine's parser. Whenever that is not
clearly equivalent to the full parse, scope_text returns None and the caller parses the whole file, so
a model that does not parse is reported exactly as before.
"""
from __future__ import annotations

import re

from yaml import events as ev

from threatlint.engine.lines import needs_translation
from threatlint.engine.parse import MAX_CHARS, MAX_DEPTH

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - without libyaml this is no faster than the full parse
    _Loader = None

_Scalar, _MapStart, _SeqStart = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
_MapEnd, _SeqEnd, _DocStart = ev.MappingEndEvent, ev.SequenceEndEvent, ev.DocumentStartEvent
_Alias = ev.AliasEvent
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Unsure(Exception):
    """Something the full parse treats specially (aliases, merge keys, ...): let it decide."""


def scope_text(text: str) -> str | None:
    """The lines of the top-level `scope:` entry ("" when the model has none), or None: parse the whole file."""
    if _Loader is None or len(text) > MAX_CHARS or "\x00" in text or "\t" in text or needs_translation(text):
        return None
    try:
        span = _scope_lines(text)
    except Exception:  # _Unsure, a YAML error, or anything unforeseen: the full parse decides and reports
        return None
    if span is None:
        return ""
    first, end = span
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    return text[starts[first]:starts[end] if end is not None and end < len(starts) else len(text)]


def _scope_lines(text: str) -> tuple[int, int | None] | None:
    """(first line, line after) of the root mapping's `scope` entry, None when it has none.

    Raises yaml.YAMLError when the file does not parse, and _Unsure for every condition under which the
    engine's parser could fail or read the file differently (parse._build): aliases, merge keys, a
    collection as a key, deep nesting, more than one document or an explicit `---`, a root that is not a
    block mapping, a top-level key off column 0, a quoted or repeated `scope` key. Anchors and tags alone
    neither fail the parse nor change how the scope entry reads on its own, so they pass.
    """
    if "<<" in text:
        raise _Unsure
    loader = _Loader(text)
    get_event = loader.get_event
    # The innermost open collection: True for a mapping whose next node is a key, False for one whose next
    # node is a value, None for a sequence; `outer` holds the enclosing ones.
    top = None
    outer: list = []
    limit = MAX_DEPTH - 1
    started = False
    scope_line = end_line = None
    try:
        while True:
            e = get_event()
            if e is None:
                break
            cls = type(e)
            if cls is _Scalar:
                if top:
                    if len(outer) == 1:  # a key of the root mapping
                        m = e.start_mark
                        if m.column != 0:
                            raise _Unsure
                        if scope_line is not None and end_line is None:
                            end_line = m.line
                        if e.value == "scope":
                            if scope_line is not None or e.style:
                                raise _Unsure
                            scope_line = m.line
                    top = False
                elif top is False:
                    top = True
            elif cls is _MapStart or cls is _SeqStart:
                if top:  # a collection as a mapping key
                    raise _Unsure
                if not outer:
                    if started or cls is not _MapStart or e.flow_style:
                        raise _Unsure  # only a block mapping at the top has its keys on column 0
                    started = True
                elif len(outer) >= limit:
                    raise _Unsure
                outer.append(True if top is False else top)  # after this value, the parent wants a key
                top = True if cls is _MapStart else None
            elif cls is _MapEnd or cls is _SeqEnd:
                top = outer.pop()
            elif cls is _Alias:
                raise _Unsure
            elif cls is _DocStart:
                if started or e.explicit:
                    raise _Unsure
    finally:
        loader.dispose()
    if scope_line is None:
        return None
    return scope_line, end_line
