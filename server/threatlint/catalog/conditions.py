"""The catalog's condition language: declarative `when:` mappings evaluated over a model.

A condition is a mapping; every key in it must hold (an implicit `all`). Each
key is a form with one small function in FORMS, so the language is exactly
the set of functions below: no expressions, nothing evaluated from data.
The subject is an element or a flow; forms that only make sense for one of
them say what they mean for the other (documented in schemas/catalog.schema.json).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from ..engine.model import SENSITIVE, Model, as_list

FLAG_KEYS = frozenset({"encrypted", "authenticated", "encrypted_at_rest"})


@dataclass(frozen=True)
class Subject:
    """An element or a flow of the model, as conditions see it."""

    section: str  # "elements" or "flows"
    index: int
    id: str
    item: dict

    @property
    def kind(self) -> str | None:
        if self.section == "flows":
            return "flow"
        kind = self.item.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def is_flow(self) -> bool:
        return self.section == "flows"


class Facts:
    """Per-model lookups the conditions share (built once per check, not per condition)."""

    def __init__(self, model: Model):
        self.model = model

    @cached_property
    def subjects(self) -> list[Subject]:
        out = []
        for section in ("elements", "flows"):
            for i, item in self.model.items(section):
                ident = self.model.id_of(item)
                if ident:
                    out.append(Subject(section, i, ident, item))
        return out

    @cached_property
    def _element_subjects(self) -> dict[str, Subject]:
        return {s.id: s for s in self.subjects if not s.is_flow}

    def element(self, ident) -> Subject | None:
        return self._element_subjects.get(ident) if isinstance(ident, str) else None

    @cached_property
    def _flows_by_end(self) -> tuple[dict, dict]:
        inbound: dict[str, list[Subject]] = {}
        outbound: dict[str, list[Subject]] = {}
        for s in self.subjects:
            if s.is_flow:
                if isinstance(s.item.get("to"), str):
                    inbound.setdefault(s.item["to"], []).append(s)
                if isinstance(s.item.get("from"), str):
                    outbound.setdefault(s.item["from"], []).append(s)
        return inbound, outbound

    def inbound(self, element_id: str) -> list[Subject]:
        return self._flows_by_end[0].get(element_id, [])

    def outbound(self, element_id: str) -> list[Subject]:
        return self._flows_by_end[1].get(element_id, [])

    def touching(self, subject: Subject) -> list[Subject]:
        """The flow itself, or every flow into and out of an element."""
        if subject.is_flow:
            return [subject]
        return self.inbound(subject.id) + self.outbound(subject.id)

    def assets_of(self, subject: Subject, key: str) -> list[dict]:
        """Asset records named in the subject's `data` (flows) or `stores` (data stores)."""
        assets = self.model.assets
        return [assets[a] for a in as_list(subject.item.get(key)) if isinstance(a, str) and a in assets]


def _lower_set(values) -> set[str]:
    return {v.lower() for v in as_list(values) if isinstance(v, str)}


def _text(value) -> str:
    return value.lower() if isinstance(value, str) else ""


def asset_matches(asset: dict, cond) -> bool:
    """An asset condition: a list of classifications, or a mapping of requirements that must all hold."""
    if isinstance(cond, list):
        cond = {"classification": cond}
    if not isinstance(cond, dict):
        return False
    if "classification" in cond:
        wanted = set(as_list(cond["classification"]))
        if "sensitive" in wanted:
            wanted |= SENSITIVE
        if asset.get("classification") not in wanted:
            return False
    if "regulations" in cond and not (_lower_set(asset.get("regulations")) & _lower_set(cond["regulations"])):
        return False
    for key, field in (("attacker_value_at_least", "attacker_value"), ("records_at_least", "records")):
        if key in cond:
            have = asset.get(field)
            if not isinstance(have, int) or isinstance(have, bool) or have < cond[key]:
                return False
    return True


# -- forms: (facts, subject, argument) -> bool -------------------------------------------

def _kind(facts: Facts, s: Subject, arg) -> bool:
    return s.kind in as_list(arg)


def _property(facts: Facts, s: Subject, arg) -> bool:
    for key, expected in arg.items():
        have = s.item.get(key)
        if have is None and key in FLAG_KEYS:
            have = False
        options = expected if isinstance(expected, list) else [expected]
        if not any(_same(have, o) for o in options):
            return False
    return True


def _same(have, want) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, str) and isinstance(have, str):
        return have.strip().lower() == want.lower()
    return have == want


def _protocol(facts: Facts, s: Subject, arg) -> bool:
    wanted = _lower_set(arg)
    return any(_text(f.item.get("protocol")).strip() in wanted for f in facts.touching(s))


def _word_pattern(words) -> re.Pattern:
    alternatives = "|".join(re.escape(w.lower()) for w in as_list(words) if isinstance(w, str))
    # A word counts at the start of a word (so "upload" matches "uploads", "auth" matches "authentication").
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})")


def _technology(facts: Facts, s: Subject, arg) -> bool:
    pattern = _word_pattern(arg)
    if s.is_flow:
        ends = [facts.element(s.item.get("from")), facts.element(s.item.get("to"))]
        return any(e is not None and pattern.search(_text(e.item.get("technology"))) for e in ends)
    return bool(pattern.search(_text(s.item.get("technology"))))


def _mentions(facts: Facts, s: Subject, arg) -> bool:
    pattern = _word_pattern(arg)
    return any(pattern.search(_text(s.item.get(k))) for k in ("id", "name", "description", "technology"))


def _carries(facts: Facts, s: Subject, arg) -> bool:
    return any(asset_matches(a, arg) for f in facts.touching(s) for a in facts.assets_of(f, "data"))


def _stores(facts: Facts, s: Subject, arg) -> bool:
    return not s.is_flow and any(asset_matches(a, arg) for a in facts.assets_of(s, "stores"))


def _crosses(facts: Facts, flow: Subject) -> bool:
    return facts.model.crosses_boundary(flow.item)


def _crosses_boundary(facts: Facts, s: Subject, arg) -> bool:
    return any(_crosses(facts, f) for f in facts.touching(s)) is arg


def _receives_from_other_boundary(facts: Facts, s: Subject, arg) -> bool:
    flows = [s] if s.is_flow else facts.inbound(s.id)
    return any(_crosses(facts, f) for f in flows) is arg


def _sends_to_other_boundary(facts: Facts, s: Subject, arg) -> bool:
    flows = [s] if s.is_flow else facts.outbound(s.id)
    return any(_crosses(facts, f) for f in flows) is arg


def _inbound(facts: Facts, s: Subject, arg) -> bool:
    return not s.is_flow and any(evaluate(arg, facts, f) for f in facts.inbound(s.id))


def _outbound(facts: Facts, s: Subject, arg) -> bool:
    return not s.is_flow and any(evaluate(arg, facts, f) for f in facts.outbound(s.id))


def _end(key: str):
    def form(facts: Facts, s: Subject, arg) -> bool:
        end = facts.element(s.item.get(key)) if s.is_flow else None
        return end is not None and evaluate(arg, facts, end)
    form.__name__ = f"_{key}"
    return form


def _system(facts: Facts, s: Subject, arg) -> bool:
    system = facts.model.section("system")
    if "criticality" in arg and system.get("criticality") not in as_list(arg["criticality"]):
        return False
    return True


def _all(facts: Facts, s: Subject, arg) -> bool:
    return all(evaluate(c, facts, s) for c in arg)


def _any(facts: Facts, s: Subject, arg) -> bool:
    return any(evaluate(c, facts, s) for c in arg)


def _not(facts: Facts, s: Subject, arg) -> bool:
    return not evaluate(arg, facts, s)


FORMS: dict[str, Callable[[Facts, Subject, object], bool]] = {
    "all": _all,
    "any": _any,
    "not": _not,
    "kind": _kind,
    "property": _property,
    "protocol": _protocol,
    "technology": _technology,
    "mentions": _mentions,
    "carries": _carries,
    "stores": _stores,
    "crosses_boundary": _crosses_boundary,
    "receives_from_other_boundary": _receives_from_other_boundary,
    "sends_to_other_boundary": _sends_to_other_boundary,
    "inbound": _inbound,
    "outbound": _outbound,
    "from": _end("from"),
    "to": _end("to"),
    "system": _system,
}


def evaluate(condition: dict, facts: Facts, subject: Subject) -> bool:
    """True when every form of `condition` holds for `subject` (catalogs are schema-checked on load)."""
    return all(FORMS[key](facts, subject, arg) for key, arg in condition.items())
