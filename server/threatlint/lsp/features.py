"""Editor features on a model: completion, hover, definition, outline (references and rename: rename.py).

Pure functions over the text, a cursor (engine coordinates) and the latest
parse that succeeded; the server turns the results into LSP types.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.finding import Range
from ..engine.lines import lsp_lines
from ..engine.model import ID_SITES, SECTIONS, STRIDE, Model
from ..engine.parse import MapPos, ParsedDoc, SeqPos
from .context import cursor_context, enum_values, properties, schema_for
from .rename import sites

STRIDE_MEANING = {
    "spoofing": "Spoofing (S): pretending to be someone or something else; violates authentication. "
                "Applies to external entities and processes.",
    "tampering": "Tampering (T): modifying data or code without authorization; violates integrity. "
                 "Applies to processes, data stores and flows.",
    "repudiation": "Repudiation (R): denying having performed an action, with no way to prove otherwise; violates "
                   "non-repudiation. Applies to external entities, processes and data stores.",
    "information_disclosure": "Information disclosure (I): exposing information to someone not authorized to see it; "
                              "violates confidentiality. Applies to processes, data stores and flows.",
    "denial_of_service": "Denial of service (D): making a system or resource unavailable to legitimate users; violates "
                         "availability. Applies to processes, data stores and flows.",
    "elevation_of_privilege": "Elevation of privilege (E): gaining capabilities without authorization; violates "
                              "authorization. Applies to processes.",
}

_NOUN = {"assets": "asset", "boundaries": "boundary", "elements": "element", "flows": "flow", "threats": "threat",
         "mitigations": "mitigation", "assumptions": "assumption"}


@dataclass
class Item:
    label: str
    kind: str  # "key", "enum", "id"
    detail: str = ""
    doc: str = ""
    insert: str | None = None


def _id_sections(path: list, key: str | None):
    section = path[0] if path else None
    return ID_SITES.get((section, key))


def completion(text: str, line: int, col: int, good: ParsedDoc | None) -> list[Item]:
    lines = lsp_lines(text)
    ctx = cursor_context(lines, line, col)
    if ctx is None:
        return []
    if ctx.position == "key":
        node = schema_for(ctx.path)
        if node is None:
            return []
        out = []
        for k, sub in properties(node).items():
            if k in ctx.siblings:
                continue
            out.append(Item(k, "key", detail=_type_of(sub), doc=sub.get("description", ""), insert=f"{k}: "))
        return out
    node = schema_for(ctx.path + [ctx.key]) if ctx.key else None
    out = []
    sections = _id_sections(ctx.path, ctx.key)
    if sections:
        model = Model(good) if good is not None else None
        seen = set()
        if model is not None:
            for section in sections:
                for ident, item in model.by_id(section).items():
                    seen.add(ident)
                    out.append(Item(ident, "id", detail=_NOUN[section], doc=_summary(model, section, ident, item)))
        # Ids typed since the last good parse.
        for ident in re.findall(r"(?m)^\s*-?\s*\{?\s*id:\s*([A-Za-z0-9][A-Za-z0-9_.:-]*)", text):
            if ident not in seen and _defined_in(text, ident, sections):
                seen.add(ident)
                out.append(Item(ident, "id"))
        return out
    if node is not None:
        for v in enum_values(node):
            label = "true" if v is True else "false" if v is False else str(v)
            out.append(Item(label, "enum", doc=STRIDE_MEANING.get(label, node.get("description", ""))))
    return out


def _defined_in(text: str, ident: str, sections) -> bool:
    """Whether `ident` is defined inside one of `sections` (a text scan for mid-edit documents)."""
    current = None
    for line in text.split("\n"):
        m = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if m:
            current = m.group(1)
        elif current in sections and re.search(r"\bid:\s*" + re.escape(ident) + r"\s*[,}\s]?", line):
            return True
    return False


def _type_of(node) -> str:
    t = node.get("type")
    if t:
        return t if isinstance(t, str) else " | ".join(t)
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def _summary(model: Model, section: str, ident: str, item: dict) -> str:
    noun = _NOUN.get(section, section)
    parts = [f"**{noun} `{ident}`**"]
    for key in ("name", "title", "kind", "classification", "boundary", "parent", "stride", "priority", "status",
                "protocol", "out_of_scope"):
        v = item.get(key)
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            parts.append(f"{key}: {v}")
        elif isinstance(v, list):
            parts.append(f"{key}: {', '.join(map(str, v))}")
    if section == "flows":
        parts.append(f"{item.get('from')} → {item.get('to')}")
    refs = [r for r in model.references if r.target == ident]
    if refs:
        parts.append(f"referenced {len(refs)} time{'s' if len(refs) != 1 else ''}")
    return "  \n".join(parts)


# -- hover -------------------------------------------------------------------------------

def word_at(text: str, line: int, col: int) -> tuple[str, int, int] | None:
    lines = lsp_lines(text)
    if not 0 <= line < len(lines):
        return None
    s = lines[line]
    start = col = max(0, min(col, len(s)))
    while start > 0 and re.match(r"[A-Za-z0-9_.:@-]", s[start - 1]):
        start -= 1
    end = col
    while end < len(s) and re.match(r"[A-Za-z0-9_.@-]", s[end]):
        end += 1
    word = s[start:end].rstrip(":")
    if not word:
        return None
    return word, start, start + len(word)


def hover(text: str, line: int, col: int, good: ParsedDoc | None) -> tuple[str, Range] | None:
    found = word_at(text, line, col)
    if found is None:
        return None
    word, start, end = found
    rng = Range.of(line, start, line, end)
    lines = lsp_lines(text)
    after = lines[line][end:]
    if after.lstrip().startswith(":"):  # a key
        ctx = cursor_context(lines, line, start)
        path = ctx.path if ctx else []
        node = schema_for(path + [word])
        if node is None:
            return None
        desc = node.get("description", "")
        values = enum_values(node)
        extra = f"\n\nValues: {', '.join('true' if v is True else 'false' if v is False else str(v) for v in values)}" if values else ""
        return f"**{word}**: {desc}{extra}", rng
    if word in STRIDE_MEANING:
        return STRIDE_MEANING[word], rng
    model = Model(good) if good is not None else None
    if model is not None:
        d = model.lookup(word)
        if d is not None:
            section, _, item = d
            return _summary(model, section, word, item), rng
    ctx = cursor_context(lines, line, end)
    if ctx is not None and ctx.position == "value" and ctx.key:
        node = schema_for(ctx.path + [ctx.key])
        if node is not None and node.get("description"):
            return f"**{ctx.key}**: {node['description']}", rng
    return None


# -- navigation ------------------------------------------------------------------------------

def definition(text: str, line: int, col: int, doc: ParsedDoc | None) -> list[Range]:
    """Where the id under the cursor is defined (the characters of its `id:` value)."""
    found = word_at(text, line, col)
    if found is None or doc is None:
        return []
    return [s.range for s in sites(Model(doc), doc.text, found[0]) if s.definition]  # ranges in the parsed text


@dataclass
class Symbol:
    name: str
    kind: str  # "section", "item", "key"
    detail: str
    range: Range
    selection: Range
    children: list


def _extent(pos, sel: Range) -> Range:
    start = getattr(pos, "start", None)
    end = getattr(pos, "end", None)
    if isinstance(pos, tuple):
        start, end = pos
    if start is None or end is None:
        return sel
    if (end[0], end[1]) > (start[0], start[1]) and end[1] == 0 and end[0] > start[0]:
        end = (end[0] - 1, 10_000)  # a block collection ends at the next token; keep to its own lines
    rng = Range.of(start[0], start[1], end[0], end[1])
    if sel.start < rng.start:
        rng = Range(sel.start, rng.end)
    if sel.end > rng.end:
        rng = Range(rng.start, sel.end)
    return rng


def symbols(doc: ParsedDoc | None) -> list[Symbol]:
    if doc is None or not isinstance(doc.pos, MapPos):
        return []
    model = Model(doc)
    out = []
    for key, (ks, ke, pos) in doc.pos.keys.items():
        sel = Range.of(ks[0], ks[1], ke[0], ke[1])
        children = []
        if key in SECTIONS or key == "exemptions":
            for i, item in model.items(key):
                ident = model.id_of(item)
                isel = model.range((key, i, "id")) if ident else model.range((key, i), "key")
                ipos = pos.items[i] if isinstance(pos, SeqPos) and i < len(pos.items) else None
                name = ident or (_exemption_name(item) if key == "exemptions" else f"#{i + 1}")
                detail = next((str(item[k]) for k in ("title", "name", "kind", "text") if isinstance(item.get(k), str)), "")
                if key == "flows":
                    detail = f"{item.get('from')} → {item.get('to')}" + (f" ({item['name']})" if isinstance(item.get("name"), str) else "")
                children.append(Symbol(name, _NOUN.get(key, "item"), detail, _extent(ipos, isel) if ipos is not None else isel,
                                       isel, []))
        detail = ""
        if key == "system":
            name = model.section("system").get("name")
            detail = name if isinstance(name, str) else ""
        out.append(Symbol(key, "section", detail, _extent(pos, sel), sel, children))
    return out


def stride_values() -> tuple[str, ...]:
    return STRIDE


def _exemption_name(item: dict) -> str:
    """An exemption's outline name: `element: stride`, or `component: name` for one that answers drift."""
    if "component" in item and "element" not in item:
        return f"component: {item.get('component')}"
    return f"{item.get('element')}: {item.get('stride')}"
