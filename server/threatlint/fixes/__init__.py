"""Quick fixes (docs/editors.md, "Quick fixes"): for a finding, the text edits that resolve it.

Pure functions of (text, parsed document, finding): no LSP types, no I/O.
Each `Fix` carries a title and a list of (Range, new_text) edits in engine
coordinates (0-based lines, code-point columns). Snippets come from the
mitigation catalog (`threatlint.catalog`); inserted items are schema-valid and
take the next free T-/M- number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..catalog import Catalog, CatalogMitigation, default_catalog
from ..engine.finding import Finding
from ..engine.model import APPLICABLE, Model, as_list, categories
from ..engine.parse import ParsedDoc
from .yamledit import Edit, Editor, Raw, apply_edits

__all__ = ["Edit", "Fix", "FIXERS", "apply_edits", "fixes_for", "next_id"]

STRIDE_NOUN = {
    "spoofing": "spoofing",
    "tampering": "tampering with",
    "repudiation": "repudiation of actions on",
    "information_disclosure": "information disclosure from",
    "denial_of_service": "denial of service against",
    "elevation_of_privilege": "elevation of privilege in",
}


@dataclass(frozen=True)
class Fix:
    title: str
    rule: str
    edits: list = field(default_factory=list)
    preferred: bool = False


def next_id(model: Model, prefix: str, taken: set[str] | None = None) -> str:
    """The next free `<prefix>NNN` id (width of the widest existing one, at least 3 digits)."""
    taken = set(model.definitions) | (taken or set())
    numbers, width = [], 3
    for ident in taken:
        m = re.fullmatch(re.escape(prefix) + r"(\d+)", ident)
        if m:
            numbers.append(int(m.group(1)))
            width = max(width, len(m.group(1)))
    n = max(numbers, default=0) + 1
    while f"{prefix}{n:0{width}d}" in taken:
        n += 1
    return f"{prefix}{n:0{width}d}"


class _Ctx:
    def __init__(self, text: str, doc: ParsedDoc, today: date, catalog: Catalog | None = None):
        self.text, self.doc, self.today = text, doc, today
        self.catalog = catalog  # the repository's catalog (with a team's extra-catalogs); None: built-in
        self.model = Model(doc)
        self.new_ids: set[str] = set()

    def editor(self) -> Editor:
        return Editor(self.text, self.doc)

    def mitigations_for(self, category: str, kind: str) -> list[CatalogMitigation]:
        return (self.catalog or default_catalog()).mitigations_for(category, kind)

    def fresh_id(self, prefix: str) -> str:
        ident = next_id(self.model, prefix, self.new_ids)
        self.new_ids.add(ident)
        return ident

    def add_mitigation(self, ed: Editor, cm: CatalogMitigation) -> str:
        """Id of a mitigation implementing catalog entry `cm`: an existing one, or a new item."""
        for _, m in self.model.items("mitigations"):
            if (m.get("catalog") == cm.id or m.get("title") == cm.title) and self.model.id_of(m):
                return self.model.id_of(m)
        ident = self.fresh_id("M-")
        item = {"id": Raw(ident), "title": cm.title, "catalog": Raw(cm.id), "status": Raw("planned")}
        if cm.description:
            item["description"] = cm.description
        if cm.effort:
            item["effort"] = cm.effort
        if not ed.append_item("mitigations", item):
            raise _NoFix
        return ident

    def target_asset(self, ident: str) -> str | None:
        """An asset the element or flow handles (sensitive first), else any asset."""
        m = self.model
        handled = []
        item = m.elements.get(ident) or m.flows.get(ident) or {}
        handled += [a for a in as_list(item.get("stores")) + as_list(item.get("data")) if a in m.assets]
        for f in m.flows.values():
            if ident in (f.get("from"), f.get("to")):
                handled += [a for a in as_list(f.get("data")) if a in m.assets]
        handled += list(m.assets)
        handled.sort(key=lambda a: not m.is_sensitive(a))
        return handled[0] if handled else None


class _NoFix(Exception):
    pass


def _placeholder(what: str) -> str:
    return f"TODO: {what}"


# -- the fixes, one function per rule --------------------------------------------------

def _tm101(c: _Ctx, f: Finding) -> list[Fix]:
    """One TM101 finding names every missing category of an element; each category gets its own fixes."""
    el, kind = f.data.get("element"), f.data.get("kind")
    if not el or kind not in APPLICABLE:
        return []
    cats = [x for x in as_list(f.data.get("categories")) if x in APPLICABLE[kind]]
    out: list[Fix] = []
    for cat in cats:
        out += _category_fixes(c, el, kind, cat, preferred=not out)
    return out


def _category_fixes(c: _Ctx, el: str, kind: str, cat: str, preferred: bool) -> list[Fix]:
    out = []
    # 1. a threat stub with an attack path skeleton and the catalog's mitigations
    c.new_ids = set()
    ed = c.editor()
    tid = c.fresh_id("T-")
    mids = [c.add_mitigation(ed, cm) for cm in c.mitigations_for(cat, kind)[:2]]
    attack = {"entry": _placeholder("where the attacker comes in (endpoint, port, queue)"),
              "steps": [_placeholder("what the attacker does, step by step")]}
    target = c.target_asset(el)
    if target:
        attack["target"] = Raw(target)
    threat = {
        "id": Raw(tid),
        "title": _placeholder(f"how an attacker achieves {STRIDE_NOUN[cat]} {el}"),
        "stride": Raw(cat),
        "affects": [Raw(el)],
        "attack_path": attack,
        "likelihood": Raw("medium"),
        "impact": {"severity": Raw("medium"), "blast_radius": _placeholder("who and what is affected")},
        "priority": Raw("medium"),
        "status": Raw("open"),
    }
    if mids:
        threat["mitigations"] = [Raw(m) for m in mids]
    if ed.append_item("threats", threat):
        out.append(Fix(f"Add threat {tid}: {cat} on '{el}'" + (f" with {len(mids)} catalog mitigation(s)" if mids else ""),
                       "TM101", ed.result(), preferred=preferred))
    # 2. an exemption with a rationale placeholder
    ed = c.editor()
    exemption = {"element": Raw(el), "stride": Raw(cat), "rationale": _placeholder(f"why {cat} does not apply to {el}")}
    if ed.append_item("exemptions", exemption):
        out.append(Fix(f"Exempt '{el}' from {cat} (state the rationale)", "TM101", ed.result()))
    return out


def _tm106(c: _Ctx, f: Finding) -> list[Fix]:
    """One TM106 finding names every catalog entry that fits an element; each entry gets its own fix: a threat
    that names it (catalog: <id>), its attack path filled in for the element, with the catalog's mitigations."""
    from ..catalog.conditions import Facts
    from ..catalog.matching import Match, filled

    el = f.data.get("element")
    catalog = c.catalog or default_catalog()
    facts = Facts(c.model)
    subject = next((s for s in facts.subjects if s.id == el), None)
    if subject is None:
        return []
    out: list[Fix] = []
    for entry in f.data.get("entries") or ():
        t = catalog.threat(entry.get("catalog")) if isinstance(entry, dict) else None
        if t is None:
            continue
        details = filled(c.model, Match(t, subject, None), facts)
        c.new_ids = set()
        ed = c.editor()
        tid = c.fresh_id("T-")
        mids = [c.add_mitigation(ed, cm) for cm in catalog.mitigations_of(t)[:2]]
        attack = {"entry": details["entry"], "steps": list(details["steps"])}
        if details["target"]:
            attack["target"] = Raw(details["target"])
        threat = {"id": Raw(tid), "title": t.title, "stride": Raw(t.stride), "catalog": Raw(t.id), "affects": [Raw(el)],
                  "description": details["description"], "attack_path": attack, "likelihood": Raw("medium"),
                  "impact": {"severity": Raw("medium")}, "priority": Raw("medium"), "status": Raw("open")}
        if mids:
            threat["mitigations"] = [Raw(m) for m in mids]
        if ed.append_item("threats", threat):
            out.append(Fix(f"Add threat {tid}: {t.id} {t.title} on '{el}'", "TM106", ed.result(), preferred=not out))
    return out


def _flag_fix(c: _Ctx, f: Finding, section: str, key: str, picks: list[tuple[str, str]], noun: str) -> list[Fix]:
    index = f.data.get("index")
    ident = f.data.get("flow") or f.data.get("element")
    if not isinstance(index, int) or not ident:
        return []
    ed = c.editor()
    if not ed.set_value((section, index, key), True):
        return []
    cm = next((m for cat, kind in picks for m in c.mitigations_for(cat, kind)), None)
    title = f"Set {key}: true on {noun} '{ident}'"
    if cm is not None:
        mid = c.add_mitigation(ed, cm)
        # Link it from a threat on this item when there is one, so it is not left unused (TM005).
        for i, t in c.model.items("threats"):
            if ident in as_list(t.get("affects")) and set(categories(t.get("stride"))) & set(cm.stride):
                if mid not in as_list(t.get("mitigations")):
                    ed.append_to_list(("threats", i, "mitigations"), Raw(mid))
                break
        title += f" and add mitigation {mid}: {cm.title}"
    return [Fix(title, f.rule, ed.result(), preferred=True)]


def _tm103(c, f):
    return _flag_fix(c, f, "flows", "authenticated", [("spoofing", "flow"), ("spoofing", "process"), ("tampering", "flow")], "flow")


def _tm104(c, f):
    return _flag_fix(c, f, "flows", "encrypted", [("information_disclosure", "flow")], "flow")


def _tm107(c, f):
    return _flag_fix(c, f, "flows", "encrypted", [("information_disclosure", "flow")], "flow")


def _tm205(c: _Ctx, f: Finding) -> list[Fix]:
    i, _ = _threat(c, f)
    ed = c.editor()
    if not ed.set_value(("threats", i, "status"), Raw("open")):
        return []
    return [Fix("Set status to open until a mitigation is listed", "TM205", ed.result(), preferred=True)]


def _tm105(c, f):
    return _flag_fix(c, f, "elements", "encrypted_at_rest", [("information_disclosure", "data_store")], "data store")


def _threat(c: _Ctx, f: Finding):
    i = f.data.get("index")
    items = c.model.data.get("threats")
    if not isinstance(i, int) or not isinstance(items, list) or not 0 <= i < len(items) or not isinstance(items[i], dict):
        raise _NoFix
    return i, items[i]


def _tm201(c: _Ctx, f: Finding) -> list[Fix]:
    i, t = _threat(c, f)
    affects = [a for a in as_list(t.get("affects")) if isinstance(a, str)]
    target = c.target_asset(affects[0]) if affects else (next(iter(c.model.assets), None))
    skeleton = {"entry": _placeholder("where the attacker comes in (endpoint, port, queue)"),
                "steps": [_placeholder("what the attacker does, step by step")]}
    if target:
        skeleton["target"] = Raw(target)
    ed = c.editor()
    ap = t.get("attack_path")
    if isinstance(ap, dict):
        missing = {k: v for k, v in skeleton.items() if k in f.data.get("missing", skeleton)}
        ok = True
        for k, v in missing.items():
            ok = ok and (ed.set_value(("threats", i, "attack_path", k), v))
        if not ok:
            return []
    elif not ed.set_value(("threats", i, "attack_path"), skeleton):
        return []
    return [Fix("Add an attack_path skeleton (entry, steps, target)", "TM201", ed.result(), preferred=True)]


def _tm301(c: _Ctx, f: Finding) -> list[Fix]:
    i, t = _threat(c, f)
    ed = c.editor()
    placeholders = {"blast_radius": _placeholder("who and what is affected, and how many"),
                    "financial": _placeholder("what it costs (fines, lost revenue, recovery)")}
    impact = t.get("impact")
    if isinstance(impact, dict):
        ok = all(ed.set_value(("threats", i, "impact", k), v) for k, v in placeholders.items() if k not in impact)
    else:
        ok = ed.set_value(("threats", i, "impact"), {"severity": Raw("medium"), **placeholders})
    return [Fix("Add a business impact skeleton (blast_radius, financial)", "TM301", ed.result(), preferred=True)] if ok else []


def _tm303(c: _Ctx, f: Finding) -> list[Fix]:
    i, _ = _threat(c, f)
    system = c.model.section("system")
    owner = next((system.get(k) for k in ("owner", "champion") if isinstance(system.get(k), str) and system.get(k).strip()), None)
    ed = c.editor()
    if not ed.set_value(("threats", i, "owner"), owner or _placeholder("person or team accountable")):
        return []
    return [Fix(f"Set owner to {owner!r} (the system owner)" if owner else "Add an owner placeholder", "TM303", ed.result(),
                preferred=True)]


def _tm204(c: _Ctx, f: Finding) -> list[Fix]:
    i, t = _threat(c, f)
    cats = categories(t.get("stride"))
    kinds = [k for k in (c.model.kind_of(a) for a in as_list(t.get("affects")) if isinstance(a, str)) if k]
    seen, out = set(), []
    for cat in cats:
        for kind in kinds or list(APPLICABLE):
            for cm in c.mitigations_for(cat, kind):
                if cm.id in seen:
                    continue
                seen.add(cm.id)
                c.new_ids = set()
                ed = c.editor()
                mid = c.add_mitigation(ed, cm)
                if ed.append_to_list(("threats", i, "mitigations"), Raw(mid)):
                    out.append(Fix(f"Mitigate with {cm.title} ({cm.id})", "TM204", ed.result(), preferred=not out))
    return out


def _tm401(c: _Ctx, f: Finding) -> list[Fix]:
    ed = c.editor()
    today = c.today.isoformat()
    if not ed.set_value(("review", "last_reviewed"), Raw(today)):
        return []
    return [Fix(f"Mark the model reviewed today ({today})", "TM401", ed.result(), preferred=True)]


FIXERS = {
    "TM101": _tm101,
    "TM106": _tm106,
    "TM103": _tm103,
    "TM104": _tm104,
    "TM105": _tm105,
    "TM107": _tm107,
    "TM201": _tm201,
    "TM204": _tm204,
    "TM205": _tm205,
    "TM301": _tm301,
    "TM303": _tm303,
    "TM401": _tm401,
}


def fixes_for(text: str, doc: ParsedDoc, finding: Finding, today: date | None = None,
              catalog: Catalog | None = None) -> list[Fix]:
    """Every quick fix for `finding` in the document `text` (parsed as `doc`), drawing mitigations from
    `catalog` (the repository's, a team's extra-catalogs included; the built-in one when None)."""
    fixer = FIXERS.get(finding.rule)
    if fixer is None or not doc.ok or not isinstance(doc.data, dict):
        return []
    try:
        return fixer(_Ctx(text, doc, today or date.today(), catalog), finding)
    except _NoFix:
        return []
