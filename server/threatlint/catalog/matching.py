"""Which catalog threats apply to which elements and flows of a model, and their filled-in templates."""
from __future__ import annotations

import string
from dataclasses import dataclass

from ..engine.model import APPLICABLE, SENSITIVE, Model, as_list, classifications, kind_name
from . import Catalog, CatalogThreat
from .conditions import Facts, Subject

_NOUN = {"external_entity": "external entity", "process": "process", "data_store": "data store", "flow": "flow"}


@dataclass(frozen=True)
class Match:
    threat: CatalogThreat
    subject: Subject
    covered_by: str | None  # how the model answers it ("a spoofing threat", "a spoofing exemption", ...) or None

    @property
    def noun(self) -> str:
        return _NOUN.get(self.subject.kind or "", "element")


def linked(model: Model) -> set[tuple[str, str]]:
    """(element-or-flow id, catalog id) for each model threat with `catalog:` that affects it."""
    out = set()
    for _, t in model.items("threats"):
        cat = t.get("catalog")
        if isinstance(cat, str):
            for target in as_list(t.get("affects")):
                if isinstance(target, str):
                    out.add((target, cat))
    return out


def has_gaps(model: Model) -> bool:
    """Whether some element or flow lacks a threat or exemption for an applicable category (TM101's question)."""
    for section in ("elements", "flows"):
        for _, item in model.items(section):
            ident = model.id_of(item)
            kind = "flow" if section == "flows" else kind_name(item.get("kind"))
            if ident and kind is not None and any(
                    (ident, c) not in model.covered and (ident, c) not in model.exempted for c in APPLICABLE[kind]):
                return True
    return False


def matches(model: Model, catalog: Catalog, include_covered: bool = False) -> list[Match]:
    """Catalog threats whose `when` holds for an element or flow of the model.

    A match is answered when a model threat names it (`catalog: <id>`) on that
    element, when a threat of the same STRIDE category affects the element, or
    when an exemption exempts that category; only unanswered ones are returned
    unless include_covered.
    """
    facts = Facts(model)
    links = linked(model) if catalog.threats else set()
    out = []
    for s in facts.subjects:
        kind = s.kind
        for t in catalog.threats:
            if kind not in t.kinds:
                continue
            covered = _covered_by(model, links, s.id, t)
            if covered and not include_covered:
                continue  # checked first: a complete model costs no condition evaluations
            if catalog.test(t)(facts, s):
                out.append(Match(t, s, covered))
    return out


def _covered_by(model: Model, links, ident: str, t: CatalogThreat) -> str | None:
    if (ident, t.id) in links:
        return f"a threat with catalog: {t.id}"
    if (ident, t.stride) in model.covered:
        return f"a {t.stride} threat"
    if (ident, t.stride) in model.exempted:
        return f"a {t.stride} exemption"
    return None


def placeholders(model: Model, facts: Facts, s: Subject) -> dict[str, str]:
    """Values for a catalog template's {placeholders}, described from the model."""
    item = s.item
    name = item.get("name") if isinstance(item.get("name"), str) else s.id

    def label(ident) -> str:
        el = facts.element(ident)
        if el is None:
            return str(ident) if ident else "an unknown element"
        n = el.item.get("name")
        return f"{n} ({ident})" if isinstance(n, str) and n != ident else str(ident)

    def boundary(ident) -> str:
        b = model.boundary_of(ident)
        if b is None:
            return "its trust boundary"
        rec = model.by_id("boundaries").get(b, {})
        return rec.get("name") if isinstance(rec.get("name"), str) else b

    flows = facts.touching(s)
    # What an attacker reaches through this element: what it stores, what its flows carry, and what the
    # data stores at the other end of its flows hold.
    assets = [a for a in as_list(item.get("stores")) if isinstance(a, str)] if not s.is_flow else []
    assets += [a for f in flows for a in as_list(f.item.get("data")) if isinstance(a, str)]
    ends: list[str] = []
    for f in flows:
        for key in ("from", "to"):
            end = f.item.get(key)
            if isinstance(end, str) and end != s.id and end not in ends:
                ends.append(end)
    for end in filter(None, map(facts.element, ends)):
        if end.kind == "data_store":
            assets += [a for a in as_list(end.item.get("stores")) if isinstance(a, str)]
    assets = list(dict.fromkeys(assets))
    protocols = list(dict.fromkeys(f.item["protocol"] for f in flows if isinstance(f.item.get("protocol"), str)))
    inbound = [f.item.get("from") for f in ([s] if s.is_flow else facts.inbound(s.id))]
    outbound = [f.item.get("to") for f in ([s] if s.is_flow else facts.outbound(s.id))]
    return {
        "element": s.id,
        "name": name,
        "kind": _NOUN.get(s.kind or "", "element"),
        "boundary": (f"{boundary(item.get('from'))} to {boundary(item.get('to'))}" if s.is_flow else boundary(s.id)),
        "protocol": "/".join(protocols) or "its protocol",
        "assets": ", ".join(assets) or "the data it handles",
        "target": target_asset(model, assets) or "the data it handles",
        "from": label(item.get("from")) if s.is_flow else name,
        "to": label(item.get("to")) if s.is_flow else name,
        "sources": ", ".join(dict.fromkeys(label(i) for i in inbound if i)) or "its callers",
        "destinations": ", ".join(dict.fromkeys(label(i) for i in outbound if i)) or "the services it calls",
    }


def target_asset(model: Model, asset_ids: list[str]) -> str | None:
    """The asset an attacker wants most among these: sensitive first, then attacker_value, then records."""
    def rank(a: str):
        rec = model.assets.get(a, {})
        value = rec.get("attacker_value") if isinstance(rec.get("attacker_value"), int) else 0
        records = rec.get("records") if isinstance(rec.get("records"), int) else 0
        return (bool(classifications(rec) & SENSITIVE), value, records)
    known = [a for a in asset_ids if a in model.assets]
    return max(known, key=rank) if known else None


def fill(template: str, values: dict[str, str]) -> str:
    """Substitute {placeholders}; the loader has already refused unknown names, so no formatting code runs."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


def filled(model: Model, m: Match, facts: Facts | None = None) -> dict:
    """The match's description and attack path with the element's facts filled in."""
    values = placeholders(model, facts or Facts(model), m.subject)
    return {
        "description": fill(m.threat.description, values),
        "entry": fill(m.threat.entry, values),
        "steps": [fill(step, values) for step in m.threat.steps],
        "target": values["target"] if values["target"] in model.assets else None,
    }
