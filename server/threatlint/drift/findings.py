"""Drift findings: TM500 (a source that cannot be read), TM501 (a component no element answers), TM502 (a
call with no flow in its direction) and TM503 (an element whose component a change removes)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..engine.finding import Finding, Range
from ..engine.model import Model
from .component import Call, Component, Read
from .kinds import kind_of
from .matching import EXEMPT, Answers

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.:-]+")


def _rule(rule_id: str):
    from ..rules import RULES  # the registry holds each rule's severity (rules/drift.py)

    return RULES[rule_id]


def _finding(rule_id: str, message: str, rng: Range, path: tuple = (), **data) -> Finding:
    return Finding(rule_id, _rule(rule_id).severity, message, rng, path, data)


def suggested_id(name: str) -> str:
    """An element id made from a component name (ids allow letters, digits and - _ . :)."""
    ident = _ID_CHARS.sub("-", name).strip("-_.:") or "component"
    return ident if ident[0].isalnum() else f"c{ident}"


def repository(model: Model, reads: dict[str, Read], model_name: str = "the model") -> dict[str, list[Finding]]:
    """Each file's TM500 and TM501 findings (positions in that file), for the components in `reads`."""
    answers = Answers(model)
    dependents: dict[str, list[Component]] = {}  # component name -> the components that depend on it
    for c in (c for r in reads.values() for c in r.components):
        for d in dict.fromkeys(d.casefold() for d in c.depends_on):
            dependents.setdefault(d, []).append(c)
    out: dict[str, list[Finding]] = {}
    for path, read in reads.items():
        found = out.setdefault(path, [])
        for p in read.problems:
            found.append(_finding("TM500", p.message, p.range, file=path))
        reported: set[str] = set()
        for comp in read.components:
            key = comp.name.casefold()
            if key in reported or answers.answer(comp.all_names()) is not None:
                continue
            reported.add(key)
            found.append(unanswered(comp, answers, dependents.get(key, []), model_name, path))
    return out


def unanswered(comp: Component, answers: Answers, dependents: list[Component], model_name: str,
               path: str) -> Finding:
    alias = comp.name
    message = (f"{comp.what} is not in {model_name}: no element has the id, name or alias '{alias}'; add an "
               f"element with aliases: [{alias}], or an exemption (component: {alias}, with the rationale)")
    new = suggested_id(comp.name)
    flows = []
    for dep in comp.depends_on:  # this component opens connections to what it depends on
        target = answers.element(dep)
        if target is not None:
            flows.append((new, target))
    for other in dependents:  # and whatever depends on it connects to it
        if other is not comp:
            source = answers.answer(other.all_names())
            if source not in (None, EXEMPT):
                flows.append((source, new))
    return _finding("TM501", message, comp.range, file=path, component=comp.name, names=list(comp.all_names()),
                    element_id=new,
                    kind=kind_of(comp.image, comp.what), aliases=[alias], what=comp.what,
                    flows=list(dict.fromkeys(flows)))


def removed(model: Model, gone: Iterable[Component], remaining: Iterable[Component]) -> list[Finding]:
    """TM503 on the model: elements answering a component in `gone` (what a change removed) that no component
    in `remaining` (what is still declared in scope) is answered by. Out-of-scope elements are left alone."""
    answers = Answers(model)
    still = {answers.answer(c.all_names()) for c in remaining}
    index = {model.id_of(el): (i, el) for i, el in model.items("elements")}
    out: list[Finding] = []
    for comp in gone:
        ident = answers.answer(comp.all_names())
        if ident in (None, EXEMPT) or ident in still or ident not in index:
            continue
        still.add(ident)  # one finding per element
        i, el = index[ident]
        if el.get("out_of_scope"):
            continue
        out.append(_finding("TM503", f"{comp.what} is removed by this change, but element '{ident}' still answers "
                            "it; remove the element (with its flows and threats) or mark it out_of_scope with the "
                            "reason", model.range(("elements", i), "key"), ("elements", i), element=ident,
                            component=comp.name))
    return out


def runtime(model: Model, calls: Iterable[Call], services: Iterable[str]) -> list[Finding]:
    """TM501 for services and callees seen at run time that no element answers (on the model's `elements`
    key), and TM502 for a call between two answered elements with no flow in its direction (on the caller)."""
    answers = Answers(model)
    anchor = model.range(("elements",), "key") if isinstance(model.data.get("elements"), list) else Range.of(0, 0, 0, 0)
    out: list[Finding] = []
    reported: set[str] = set()

    def observed(names: tuple[str, ...], how: str) -> str | None:
        el = answers.answer(names)
        if el is None and names[0].casefold() not in reported:
            reported.add(names[0].casefold())
            name = names[0]
            out.append(_finding("TM501", f"{how} '{name}' runs, but no element has the id, name or alias "
                                f"'{name}'; add an element with aliases: [{name}], or an exemption (component: {name}, "
                                "with the rationale)", anchor, ("elements",), component=name,
                                element_id=suggested_id(name), kind="process", aliases=[name], flows=[]))
        return el

    for service in sorted(set(services)):
        observed((service,), "service")
    missing: set[tuple[str, str]] = set()
    for call in sorted(set(calls), key=lambda c: (c.caller, c.callee)):
        source = observed((call.caller,), "service")
        target = observed(call.names(), "called component")
        if source in (None, EXEMPT) or target in (None, EXEMPT) or source == target:
            continue
        if model.elements.get(source, {}).get("out_of_scope") or model.elements.get(target, {}).get("out_of_scope"):
            continue  # the model says it does not describe that element's connections
        if (source, target) in missing or answers.flow_exists(source, target):
            continue
        missing.add((source, target))
        i = next(i for i, el in model.items("elements") if model.id_of(el) == source)
        out.append(_finding("TM502", f"at run time '{call.caller}' calls '{call.callee}', but no flow goes from "
                            f"'{source}' to '{target}'; add a flow from {source} to {target} (what it sends), or "
                            "remove the call", model.range(("elements", i), "key"), ("elements", i),
                            source=source, target=target))
    return out

