"""Which catalog threats apply to which elements and flows of a model, and their filled-in templates."""
from __future__ import annotations

import string
from dataclasses import dataclass

from ..engine.model import SENSITIVE, Model, as_list, classifications
from . import Catalog, CatalogThreat
from .conditions import Facts, Subject

_NOUN = {"external_entity": "external entity", "process": "process", "data_store": "data store", "flow": "flow"}


@dataclass(frozen=True)
class Match:
    threat: CatalogThreat
    subject: Subject
    covered_by: str | None  # how the model answers it ("a spoofing threat", "a spoofing exemption", ...) or None
    named: bool = False  # the model names this entry here (a threat with its catalog id) or exempts its category
    reported: bool = True  # TM106 reports it (not baseline hygiene, or a baseline entry its reported_when makes specific)

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
    """Whether some element or flow lacks a threat or exemption for an applicable category."""
    return any(model.unanswered_categories(section, item)
               for section in ("elements", "flows") for _, item in model.items(section))


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
            if kind not in t.kinds or (t.stride == "spoofing" and "anonymous" in facts.roles(s)):
                continue  # an anonymous actor has no identity to spoof
            covered = _covered_by(model, links, s.id, t)
            if covered and not include_covered:
                continue  # checked first: a complete model costs no condition evaluations
            if catalog.test(t)(facts, s):
                named = (s.id, t.id) in links or (s.id, t.stride) in model.exempted
                out.append(Match(t, s, covered, named, catalog.reported(t, facts, s)))
    return out


def reached_assets(model: Model, facts: Facts, s: Subject) -> list[str]:
    """What an attacker reaches through an element or flow: what it stores, what its flows carry (both ways),
    and what the data stores at the other end of its flows hold."""
    flows = facts.touching(s)
    item = s.item
    assets = [a for a in as_list(item.get("stores")) if isinstance(a, str)] if not s.is_flow else []
    assets += [a for f in flows for a in model.carried(f.item)]
    for f in flows:
        for key in ("from", "to"):
            end = facts.element(f.item.get(key))
            if end is not None and end.id != s.id and end.kind == "data_store":
                assets += [a for a in as_list(end.item.get("stores")) if isinstance(a, str)]
    return list(dict.fromkeys(assets))


def asset_value(model: Model, asset_id: str) -> tuple:
    """How much an asset is worth to an attacker, for ranking: sensitive first, then attacker_value, then records."""
    rec = model.assets.get(asset_id, {})
    value = rec.get("attacker_value") if isinstance(rec.get("attacker_value"), int) else 0
    records = rec.get("records") if isinstance(rec.get("records"), int) else 0
    return (bool(classifications(rec) & SENSITIVE), value, records)


def ranked(model: Model, found: list[Match], facts: Facts | None = None) -> list[Match]:
    """Matches ordered by the value of the most valuable asset each reaches (then model order, catalog id)."""
    facts = facts or Facts(model)
    best: dict[tuple, tuple] = {}

    def key(m: Match):
        sk = (m.subject.section, m.subject.index)
        if sk not in best:
            values = [asset_value(model, a) for a in reached_assets(model, facts, m.subject) if a in model.assets]
            best[sk] = max(values, default=(False, 0, 0))
        v = best[sk]
        return (not v[0], -v[1], -v[2], m.subject.section != "elements", m.subject.index, m.threat.baseline, m.threat.id)
    return sorted(found, key=key)


def _covered_by(model: Model, links, ident: str, t: CatalogThreat) -> str | None:
    if (ident, t.id) in links:
        return f"a threat with catalog: {t.id}"
    if (ident, t.stride) in model.covered:
        return f"a {t.stride} threat"
    if (ident, t.stride) in model.exempted:
        return f"a {t.stride} exemption"
    if t.stride in model.answered_by_flags(ident):
        return "the flow itself (encrypted and authenticated, or a person's input into their own client app)"
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
        rec = model.boundaries.get(b, {})
        return rec.get("name") if isinstance(rec.get("name"), str) else b

    flows = facts.touching(s)
    assets = reached_assets(model, facts, s)
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
    known = [a for a in asset_ids if a in model.assets]
    return max(known, key=lambda a: asset_value(model, a)) if known else None


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
