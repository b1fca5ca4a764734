"""Ids in a model: every site that names one (for references, highlights and rename), and renaming one.

Pure functions over a parsed model and its text in engine coordinates; the handlers turn them into LSP.
The sites are the model's own: the id index (`Model.definitions`) and `Model.references` (every
REFERENCE_SITES entry, attack_path.target, an exemption's element), plus catalog links (`catalog:` of a
threat or a mitigation), which name an id of the catalog rather than of the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.finding import Range
from ..engine.model import SECTIONS, Model
from ..engine.parse import parse_yaml

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*\Z")  # the schema's id pattern
CATALOG_SITES = (("threats", "catalog"), ("mitigations", "catalog"))
_NOUN = {"assets": "an asset", "boundaries": "a boundary", "elements": "an element", "flows": "a flow",
         "threats": "a threat", "mitigations": "a mitigation", "assumptions": "an assumption"}


@dataclass(frozen=True)
class Site:
    range: Range  # the id's own characters (inside any quotes)
    definition: bool
    catalog: bool = False  # a catalog link (the id is the catalog's)


class RenameError(Exception):
    """Why a rename cannot be done; the message is shown to the user."""


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _exact(model: Model, lines: list[str], path, ident: str) -> Range | None:
    """The range of the characters spelling `ident` at `path`, or None (an alias or a merge spells it elsewhere)."""
    r = model.range(path)
    if r.start.line != r.end.line or not 0 <= r.start.line < len(lines):
        return None
    s = lines[r.start.line].rstrip("\r")[r.start.character:r.end.character]
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        s = s[1:-1]
        r = Range.of(r.start.line, r.start.character + 1, r.end.line, r.end.character - 1)
    return r if s == ident else None


def sites(model: Model, text: str, ident: str) -> list[Site]:
    """Every place in the file that spells `ident` as an id: its definitions first, then references, in order."""
    lines = _lines(text)
    out: list[Site] = []
    seen = set()

    def add(path, definition: bool, catalog: bool = False):
        r = _exact(model, lines, path, ident)
        if r is not None and r not in seen:
            seen.add(r)
            out.append(Site(r, definition, catalog))

    for section, i, _ in model.definitions.get(ident, ()):
        add((section, i, "id"), True)
    for ref in model.references:
        if ref.target == ident:
            add(ref.path, False)
    for section, key in CATALOG_SITES:
        for i, item in model.items(section):
            if item.get(key) == ident:
                add((section, i, key), False, True)
    return out


def _contains(r: Range, line: int, col: int) -> bool:
    return r.start.line == line and r.start.character <= col <= r.end.character


def id_at(model: Model, text: str, line: int, col: int) -> tuple[str, Site] | None:
    """The id whose definition or reference is under the cursor, and that site."""
    lines = _lines(text)
    if not 0 <= line < len(lines):
        return None
    m = None
    for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", lines[line]):
        if m.start() <= col <= m.end():
            break
    else:
        return None
    word = m.group(0).rstrip(":") if m.group(0).endswith(":") else m.group(0)
    for s in sites(model, text, word):
        if _contains(s.range, line, col):
            return word, s
    return None


def check_new_name(model: Model, ident: str, new: str, catalog_link: bool, catalog=None) -> None:
    """Raise RenameError saying why `new` cannot replace `ident`."""
    if new == ident:
        raise RenameError(f"'{new}' is already the name")
    if not ID_PATTERN.match(new):
        raise RenameError(f"'{new}' is not a valid id: start with a letter or digit and use only letters, digits, "
                          "'_', '.', ':' and '-'")
    parsed = parse_yaml(f"x: {new}\n")
    if not parsed.ok or not isinstance(parsed.data, dict) or parsed.data.get("x") != new:
        raise RenameError(f"'{new}' is not a valid id: YAML reads it as {type(parsed.data.get('x')).__name__ if parsed.ok else 'invalid'}, "
                          "not as text (quote-free ids must not look like numbers, dates, booleans or null)")
    if catalog_link:
        if catalog is not None and catalog.threat(new) is None and catalog.mitigation(new) is None:
            raise RenameError(f"'{new}' is not in the catalog: a catalog link names a catalog threat or mitigation")
        return
    taken = model.definitions.get(new)
    if taken:
        section, i, _ = taken[0]
        line = model.range((section, i, "id")).start.line + 1
        raise RenameError(f"'{new}' is already taken by {_NOUN.get(section, section)} on line {line}: ids are unique "
                          "across the file")


def prepare(model: Model, text: str, line: int, col: int) -> tuple[str, Range]:
    found = id_at(model, text, line, col)
    if found is None:
        raise RenameError("place the cursor on an id (its definition or a reference to it) to rename it")
    ident, site = found
    if not site.catalog and ident not in model.definitions:
        raise RenameError(f"'{ident}' is not defined in this file: define it or fix the reference first")
    return ident, site.range


def mentions(text: str, ident: str, taken: list[Range]) -> list[Range]:
    """Whole-word mentions of `ident` in prose (any other place in the text that is not a key)."""
    out = []
    skip = {(r.start.line, r.start.character) for r in taken}
    word = re.compile(r"(?<![A-Za-z0-9_.:-])" + re.escape(ident) + r"(?![A-Za-z0-9_-]|[.:][A-Za-z0-9_-]|:(?:\s|$))")
    for n, line in enumerate(_lines(text)):
        for m in word.finditer(line):
            if (n, m.start()) not in skip:
                out.append(Range.of(n, m.start(), n, m.end()))
    return out


def rename(model: Model, text: str, line: int, col: int, new: str, prose: bool = False,
           catalog=None) -> list[tuple[Range, str]]:
    """The edits renaming the id under the cursor to `new` (RenameError when it cannot be done)."""
    ident, _ = prepare(model, text, line, col)
    found = sites(model, text, ident)
    catalog_link = all(s.catalog for s in found)
    check_new_name(model, ident, new, catalog_link, catalog)
    if not catalog_link:
        found = [s for s in found if not s.catalog]  # a catalog link of the same spelling names the catalog's id
    ranges = [s.range for s in found]
    if prose:
        ranges += mentions(text, ident, ranges)
    return [(r, new) for r in ranges]


def symbols(model: Model, query: str = "") -> list[tuple[str, str, tuple]]:
    """(id, section, path of its id) of every definition whose id contains `query` (case-insensitive)."""
    q = query.lower()
    out = []
    for section in SECTIONS:
        for i, item in model.items(section):
            ident = model.id_of(item)
            if ident and q in ident.lower():
                out.append((ident, section, (section, i, "id")))
    return out
