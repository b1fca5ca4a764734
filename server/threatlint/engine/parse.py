"""Safe, bounded YAML parsing into plain data plus a tree of source positions.

We build the document from libyaml's event stream instead of `yaml.compose`:
the C composer recurses without a depth check (100,000 nested brackets crash
the interpreter) and costs more than the events themselves. Building from
events lets us refuse tags, bound alias expansion and nesting as we go, and
never construct anything but str/int/float/bool/None, lists and dicts.
"""
from __future__ import annotations

import gc
import re
from sys import intern
from dataclasses import dataclass, field

import yaml
from yaml import events as ev

from .finding import Finding, Position, Range, Severity
from .lines import YamlToLsp, needs_translation, position_at

try:  # the C parser is much faster; the pure one gives identical events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

MAX_CHARS = 6 * 1024 * 1024
MAX_DEPTH = 64
# Nodes an alias may re-expand in total; a billion-laughs file hits this at once.
MAX_ALIAS_EXPANSION = 100_000
MAX_INT_BITS = 1024

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "!",
}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# Plain scalars starting with one of these may resolve to something other than a string.
_MAYBE_TYPED = set("0123456789+-.~nNtTfFyYoO")
# Plain scalars starting with a letter resolve to a bool or null only when they are one of these words
# (PyYAML's YAML 1.1 resolvers); "tampering" or "open" need no regex to stay a string.
_WORDY = set("nNtTfFyYoO")
_TYPED_WORDS = frozenset(
    "yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split()
)


class MapPos:
    """Positions of a mapping: its extent and, per key, the key's range and the value's positions."""

    __slots__ = ("start", "end", "keys")

    def __init__(self, start, end=None):
        self.start = start
        self.end = end
        self.keys: dict[str, tuple] = {}  # key -> (key_start, key_end, value_pos)


class SeqPos:
    __slots__ = ("start", "end", "items")

    def __init__(self, start, end=None):
        self.start = start
        self.end = end
        self.items: list = []


# A scalar's positions are a plain (start, end) tuple of (line, column) pairs.


@dataclass
class ParsedDoc:
    text: str
    data: object = None
    pos: object = None  # MapPos | SeqPos | tuple | None
    findings: list[Finding] = field(default_factory=list)
    line_offset: int = 0
    # For a caller that parses a document in pieces (the editor): anchor -> (data, pos, size) of the anchors
    # this text defines, and how many nodes its aliases expanded (MAX_ALIAS_EXPANSION bounds the sum).
    anchors: dict = field(default_factory=dict, repr=False, compare=False)
    expanded: int = 0

    @property
    def ok(self) -> bool:
        """True when the document parsed; rules only run on a parsed document."""
        return self.pos is not None


class _Abort(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


class _TooDeep(_Abort):
    """Our own nesting limit, raised where the document crosses it."""


def _too_deep(at: tuple[int, int]) -> _TooDeep:
    return _TooDeep(_yaml_error(
        f"YAML nesting deeper than {MAX_DEPTH} levels: a threat model never needs this; flatten the structure",
        at,
    ))


def _mark(m) -> tuple[int, int]:
    return (m.line, m.column)


def _yaml_error(message: str, at: tuple[int, int], end: tuple[int, int] | None = None) -> Finding:
    end = end or (at[0], at[1] + 1)
    return Finding("TM001", Severity.ERROR, message, Range.of(at[0], at[1], end[0], end[1]))


def _scalar_value(e: ev.ScalarEvent, findings: list[Finding]):
    value = e.value
    tag = e.tag
    if tag is None or tag == "!":
        if e.style or not e.implicit[0] or not value or value[0] not in _MAYBE_TYPED:
            return value
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, e.implicit)
    elif tag not in _STANDARD_TAGS:
        findings.append(
            _yaml_error(
                f"YAML tag {tag!r} is not allowed: threatlint never constructs tagged objects; remove the tag",
                _mark(e.start_mark),
                _mark(e.end_mark),
            )
        )
        return value
    if tag == "tag:yaml.org,2002:str" or tag == "tag:yaml.org,2002:timestamp":
        # Dates stay text ("2026-10-01"); the schema checks their format.
        return value
    node = yaml.ScalarNode(tag, value)
    try:
        if tag == "tag:yaml.org,2002:int":
            number = _CONSTRUCTOR.construct_yaml_int(node)
            # Python cannot even print an int past ~14,000 bits (0x + 3,600 digits), so messages would crash.
            if number.bit_length() <= MAX_INT_BITS:
                return number
            findings.append(_yaml_error(f"integer too large ({number.bit_length()} bits, limit {MAX_INT_BITS})",
                                        _mark(e.start_mark), _mark(e.end_mark)))
            return value
        if tag == "tag:yaml.org,2002:float":
            return _CONSTRUCTOR.construct_yaml_float(node)
        if tag == "tag:yaml.org,2002:bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == "tag:yaml.org,2002:null":
            return None
    except (ValueError, IndexError, KeyError, yaml.YAMLError):  # PyYAML's constructors index an empty value
        shown = value if len(value) <= 40 else value[:40] + "..."
        findings.append(_yaml_error(f"{shown!r} is not a valid {tag.rsplit(':', 1)[-1]}", _mark(e.start_mark), _mark(e.end_mark)))
    return value


class _Frame:
    __slots__ = ("data", "pos", "anchor", "size", "key", "key_marks", "first_key", "merge")

    def __init__(self, data, pos, anchor):
        self.data = data
        self.pos = pos
        self.anchor = anchor
        self.size = 1
        self.key = None  # pending mapping key while its value is parsed
        self.key_marks = None
        self.first_key = {}  # key -> line of its first definition, for duplicate reports
        self.merge = False


def parse_yaml(text: str, anchors: dict | None = None) -> ParsedDoc:
    """Parse one YAML document. Never raises for any input string.

    `anchors` (anchor -> (data, pos, size), as `ParsedDoc.anchors` holds them) are defined before the text
    starts: a piece of a document parsed alone sees the anchors of the pieces before it."""
    doc = ParsedDoc(text)
    if len(text) > MAX_CHARS:
        doc.findings.append(
            _yaml_error(
                f"file is too large ({len(text) / 1048576:.1f} MiB, limit {MAX_CHARS // 1048576} MiB): split the model by system boundary",
                (0, 0),
            )
        )
        return doc
    if "\x00" in text:
        doc.findings.append(_yaml_error("NUL byte in file: a model must be text", position_at(text, text.index("\x00"))))
        return doc
    try:
        _build(text, doc, anchors=anchors)
    except _Abort as a:
        doc.findings.append(a.finding)
        doc.data = doc.pos = None
    except yaml.MarkedYAMLError as e:
        deep = _deep_nesting_before(text, e)
        if deep is not None:
            doc.findings.append(deep)
        else:
            mark = e.problem_mark or e.context_mark
            at = (mark.line, mark.column) if mark else (0, 0)
            problem = e.problem or "invalid YAML"
            ctx = f" ({e.context})" if e.context else ""
            doc.findings.append(_yaml_error(f"YAML syntax error: {problem}{ctx}", at))
        doc.data = doc.pos = None
    except yaml.YAMLError as e:  # reader errors (control characters) carry a position too
        at = (0, 0)
        pos = getattr(e, "position", None)
        if isinstance(pos, int):
            if _Loader is not yaml.SafeLoader:  # libyaml reads UTF-8: its offset counts bytes
                pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
            at = position_at(text, pos)
        if isinstance(e, yaml.reader.ReaderError):
            # The C reader gives the character as an int, the Python one as a str.
            code = e.character if isinstance(e.character, int) else ord(e.character[:1] or "\0")
            message = f"character U+{code:04X} is not allowed in YAML ({e.reason}); remove it"
        else:
            message = f"YAML error: {' '.join(str(e).split())}"
        doc.findings.append(_yaml_error(message, at))
        doc.data = doc.pos = None
    if needs_translation(text):
        _translate_positions(doc, YamlToLsp(text))
    return doc


def _deep_nesting_before(text: str, error: yaml.MarkedYAMLError) -> Finding | None:
    """Our nesting finding when libyaml stopped at a nesting limit of its own before ours was reached.

    libyaml's scanner looks ahead through unclosed flow brackets, so since PyYAML 6.0.4 it may refuse a
    deeply nested document (at its own limit) before the events reach our MAX_DEPTH. The pure-Python parser
    has no such limit: re-reading the text up to the error with it finds where our limit was crossed. Only
    a document whose unclosed brackets at the error could exceed MAX_DEPTH pays for that re-read.
    """
    mark = error.problem_mark or error.context_mark
    if _Loader is yaml.SafeLoader or mark is None or not isinstance(getattr(mark, "index", None), int):
        return None
    end = min(mark.index + 1, len(text))
    unclosed = text.count("[", 0, end) + text.count("{", 0, end) - text.count("]", 0, end) - text.count("}", 0, end)
    if unclosed < MAX_DEPTH:
        return None
    try:
        _build(text[:end], ParsedDoc(text[:end]), yaml.SafeLoader)
    except _TooDeep as deep:
        return deep.finding
    except (_Abort, yaml.YAMLError):
        pass
    return None


def _translate_positions(doc: ParsedDoc, to_lsp: YamlToLsp) -> None:
    """Rewrite libyaml's marks as LSP positions (only needed when NEL, U+2028 or U+2029 occur)."""
    seen = set()  # an aliased node's positions are shared: translate them once

    def span(marks):
        return (to_lsp(marks[0]), to_lsp(marks[1]))

    def walk(pos):
        if isinstance(pos, tuple):
            return span(pos)
        if pos is None or id(pos) in seen:
            return pos
        seen.add(id(pos))
        pos.start = to_lsp(pos.start)
        pos.end = to_lsp(pos.end) if pos.end is not None else None
        if isinstance(pos, MapPos):
            pos.keys = {k: (to_lsp(ks), to_lsp(ke), walk(v)) for k, (ks, ke, v) in pos.keys.items()}
        else:
            pos.items = [walk(p) for p in pos.items]
        return pos

    doc.pos = walk(doc.pos)
    doc.findings = [
        Finding(f.rule, f.severity, f.message,
                Range(Position(*to_lsp((f.range.start.line, f.range.start.character))),
                      Position(*to_lsp((f.range.end.line, f.range.end.character)))), f.path, f.data)
        for f in doc.findings
    ]


def _build(text: str, doc: ParsedDoc, loader_class=_Loader, anchors: dict | None = None) -> None:
    # The hot loop of every check: one iteration per YAML event (about 60,000 for a 1,000-threat model), so
    # classes and methods are bound to locals and the common case (a plain string scalar) is handled inline.
    loader = loader_class(text)
    get_event = loader.get_event
    findings = doc.findings
    stack: list[_Frame] = []
    given = anchors or {}
    anchors = dict(given)  # anchor -> (data, pos, size)
    expanded = 0
    documents = 0
    root_set = False
    Scalar, MapStart, SeqStart = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    MapEnd, SeqEnd, Alias, DocStart = ev.MappingEndEvent, ev.SequenceEndEvent, ev.AliasEvent, ev.DocumentStartEvent
    maybe_typed, wordy, typed_words = _MAYBE_TYPED, _WORDY, _TYPED_WORDS
    # The nodes built here hold no reference cycles; the cyclic collector would only rescan them, again and
    # again, as they accumulate (a fifth of the parse time on a large model).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while True:
            e = get_event()
            if e is None:
                break
            cls = type(e)
            if cls is Scalar:
                value = e.value
                tag = e.tag
                # Inline fast path of _scalar_value: an untagged string that cannot resolve to another type.
                if not ((tag is None or tag == "!") and (e.style or not e.implicit[0] or not value or value[0] not in maybe_typed
                                                         or (value[0] in wordy and value not in typed_words))):
                    value = _scalar_value(e, findings)
                m = e.start_mark
                m2 = e.end_mark
                line = m.line
                end_line = m2.line
                if end_line == line:  # one int object for both ends: 8 MB less for a 5,000-threat model
                    end_line = line
                data, pos, size = value, ((line, m.column), (end_line, m2.column)), 1
                if e.anchor:
                    anchors[e.anchor] = (data, pos, 1)
            elif cls is MapStart or cls is SeqStart:
                if e.tag not in (None, "!") and e.tag not in _STANDARD_TAGS:
                    findings.append(
                        _yaml_error(
                            f"YAML tag {e.tag!r} is not allowed: threatlint never constructs tagged objects; remove the tag",
                            _mark(e.start_mark),
                        )
                    )
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(_mark(e.start_mark))
                if e.anchor:
                    # A redefined anchor names this node from here on: an alias inside it is recursive,
                    # not a reference to the node that had the name before.
                    anchors.pop(e.anchor, None)
                if cls is MapStart:
                    stack.append(_Frame({}, MapPos(_mark(e.start_mark)), e.anchor))
                else:
                    stack.append(_Frame([], SeqPos(_mark(e.start_mark)), e.anchor))
                continue
            elif cls is MapEnd or cls is SeqEnd:
                frame = stack.pop()
                m = e.end_mark
                frame.pos.end = (m.line, m.column)
                data, pos, size = frame.data, frame.pos, frame.size
                if frame.anchor:
                    anchors[frame.anchor] = (data, pos, size)
            elif cls is Alias:
                target = anchors.get(e.anchor)
                if target is None:
                    raise _Abort(
                        _yaml_error(f"alias *{e.anchor} refers to an undefined or enclosing anchor", _mark(e.start_mark), _mark(e.end_mark))
                    )
                expanded += target[2]
                if expanded > MAX_ALIAS_EXPANSION:
                    raise _Abort(
                        _yaml_error(
                            f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes (possible billion-laughs attack); use fewer aliases",
                            _mark(e.start_mark),
                            _mark(e.end_mark),
                        )
                    )
                # The alias's own range, so findings point at what the user wrote here.
                apos = target[1]
                if isinstance(apos, tuple):
                    apos = (_mark(e.start_mark), _mark(e.end_mark))
                data, pos, size = target[0], apos, target[2]
            elif cls is DocStart:
                documents += 1
                if documents > 1:
                    raise _Abort(
                        _yaml_error("a model file holds exactly one YAML document; remove the second '---'", _mark(e.start_mark))
                    )
                continue
            else:  # stream start/end, document end
                continue

            if not stack:
                doc.data, doc.pos = data, pos
                root_set = True
                continue
            parent = stack[-1]
            parent.size += size
            pdata = parent.data
            if type(pdata) is list:
                pdata.append(data)
                parent.pos.items.append(pos)
                continue
            key = parent.key
            if key is None:
                # This node is a key.
                if cls is not Scalar:
                    raise _Abort(
                        _yaml_error(
                            "mapping keys must be plain strings",
                            _mark(e.start_mark) if hasattr(e, "start_mark") else parent.pos.start,
                        )
                    )
                key = intern(e.value)  # a model repeats a few dozen keys thousands of times; keep one copy of each
                parent.key = key
                parent.key_marks = pos
                parent.merge = key == "<<" and not e.style
                continue
            ks, ke = parent.key_marks
            parent.key = None
            if parent.merge:
                _merge(parent, data, pos, ks)
                continue
            first_key = parent.first_key
            if key in first_key:
                findings.append(
                    _yaml_error(
                        f"duplicate key '{key}' (first defined on line {first_key[key] + 1}); the later value wins, remove one",
                        ks,
                        ke,
                    )
                )
            else:
                first_key[key] = ks[0]
            pdata[key] = data
            parent.pos.keys[key] = (ks, ke, pos)
    finally:
        loader.dispose()
        if gc_was_enabled:
            gc.enable()
    doc.anchors = {k: v for k, v in anchors.items() if given.get(k) is not v}
    doc.expanded = expanded
    if not root_set:
        doc.data, doc.pos = None, (((0, 0), (0, 0)))


def _merge(frame: _Frame, data, pos, at) -> None:
    """YAML merge key (`<<: *base`): earlier explicit keys win, as in PyYAML."""
    sources = []
    if isinstance(data, dict):
        sources = [(data, pos)]
    elif isinstance(data, list) and all(isinstance(d, dict) for d in data):
        sources = list(zip(data, pos.items))
    else:
        raise _Abort(_yaml_error("merge key '<<' needs a mapping or a list of mappings", at))
    for src, spos in sources:
        for k, v in src.items():
            if k not in frame.data:
                frame.data[k] = v
                frame.pos.keys[k] = spos.keys[k] if isinstance(spos, MapPos) and k in spos.keys else (at, at, spos)


_BAD_UTF8 = re.compile(rb"[\x80-\xff]")


def decode(raw: bytes) -> tuple[str | None, Finding | None]:
    """Decode a model's bytes as UTF-8 (a BOM is allowed); a bad byte becomes a TM001 at its position."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        # With a BOM the codec decodes (and counts from) the bytes after it.
        start = e.start + len(raw) - len(e.object)
        good = raw[:start].decode("utf-8-sig", errors="replace")
        return None, _yaml_error(
            f"file is not valid UTF-8 (byte 0x{raw[start]:02x} at offset {start}); save it as UTF-8",
            position_at(good, len(good)),
        )
    return text, None
