"""The quick fix for TM501: the element the component needs (kind inferred, the component's name as an
alias) and the flows its connections imply, or an exemption; edits of the model's text (pure)."""
from __future__ import annotations

from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import ParsedDoc
from ..fixes.yamledit import Edit, Editor, Raw


def element_fix(text: str, doc: ParsedDoc, finding: Finding) -> tuple[str, list[Edit]] | None:
    """(title, edits) adding the element for a TM501 finding, with the flows `depends_on` implies."""
    data = finding.data
    name = data.get("component")
    if not doc.ok or not isinstance(doc.data, dict) or not isinstance(name, str):
        return None
    model = Model(doc)
    taken = set(model.definitions)
    ident = _free(str(data.get("element_id") or name), taken)
    taken.add(ident)
    kind = data.get("kind") if data.get("kind") in ("process", "data_store", "external_entity") else "process"
    ed = Editor(text, doc)
    element = {"id": Raw(ident), "kind": Raw(kind), "name": name, "aliases": [name]}
    if not ed.append_item("elements", element):
        return None
    added = 0
    for source, target in data.get("flows") or ():
        source = ident if source == data.get("element_id") else source
        target = ident if target == data.get("element_id") else target
        if source not in model.elements and source != ident or target not in model.elements and target != ident:
            continue
        flow_id = _free(f"{source}-to-{target}", taken)
        taken.add(flow_id)
        if ed.append_item("flows", {"id": Raw(flow_id), "from": Raw(source), "to": Raw(target)}):
            added += 1
    title = f"Add {kind.replace('_', ' ')} '{ident}' (aliases: [{name}]) to the model"
    if added:
        title += f" with {added} flow{'s' if added != 1 else ''} from depends_on"
    return title, ed.result()


def exemption_fix(text: str, doc: ParsedDoc, finding: Finding) -> tuple[str, list[Edit]] | None:
    name = finding.data.get("component")
    if not doc.ok or not isinstance(doc.data, dict) or not isinstance(name, str):
        return None
    ed = Editor(text, doc)
    if not ed.append_item("exemptions", {"component": name, "rationale": f"TODO: why {name} is not modelled"}):
        return None
    return f"Exempt component '{name}' from the model (state the rationale)", ed.result()


def _free(ident: str, taken: set[str]) -> str:
    if ident not in taken:
        return ident
    n = 2
    while f"{ident}-{n}" in taken:
        n += 1
    return f"{ident}-{n}"
