"""`threatlint/diagram`: the data-flow graph of an open model, for the editor's live diagram.

A custom request, answered from the server's copy of the document (the unsaved
text the editor sent), so the diagram follows every edit without a save. The
answer carries the Mermaid text drawn by the report's generator
(`report/mermaid.py`) and the graph behind it: elements, flows and boundaries
(with `parent` nesting), each with its 0-based line, which flows cross a trust
boundary unencrypted or unauthenticated, and which elements have open high or
critical threats. While the YAML does not parse it answers `ok: false` with the
parse error and its line, and the client keeps its last good drawing.
"""
from __future__ import annotations

from ..engine.model import LEVELS, Model, authenticated, effective_priority, encrypted, is_open, level
from ..engine.parse import parse_yaml
from ..report.mermaid import boundary_parents, draw, is_risky

METHOD = "threatlint/diagram"


def hot_elements(model: Model, rating: str | None = None) -> dict[str, list[str]]:
    """Element id -> ids of its open threats of effective priority high or critical (the model's definitions,
    engine.model.is_open and effective_priority under the model's rating scheme, as the register counts them);
    a flow's threat marks both of its ends, since the diagram has no node for the flow."""
    out: dict[str, list[str]] = {}
    scheme = model.rating(rating)
    for i, t in model.items("threats"):
        if not is_open(t) or level(effective_priority(t, scheme)) < LEVELS["high"]:
            continue
        tid = model.id_of(t) or f"#{i + 1}"
        targets = t.get("affects") if isinstance(t.get("affects"), list) else []
        for target in targets:
            if not isinstance(target, str):
                continue
            if target in model.elements:
                ends = [target]
            elif target in model.flows:
                flow = model.flows[target]
                ends = [e for e in (flow.get("from"), flow.get("to")) if isinstance(e, str) and e in model.elements]
            else:
                ends = []
            for end in ends:
                if tid not in out.setdefault(end, []):
                    out[end].append(tid)
    return out


def _line(model: Model, path) -> int:
    return model.range(path).start.line


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def graph(text: str, version=None, parse=parse_yaml) -> dict:
    """The answer to `threatlint/diagram` for a document's text (pure; `parse` is the checker's cached one
    when the server has checked this text already, so a redraw does not parse the model again)."""
    doc = parse(text)
    if not doc.ok:
        first = doc.findings[0] if doc.findings else None
        return {
            "ok": False, "version": version,
            "error": {"message": first.message if first else "the document does not parse",
                      "line": first.range.start.line if first else 0},
        }
    model = Model(doc)
    hot = hot_elements(model)
    drawing = draw(model, frozenset(hot), edge_ids=True)
    parents = boundary_parents(model)
    index = {section: {model.id_of(item): i for i, item in model.items(section) if model.id_of(item)}
             for section in ("elements", "flows", "boundaries")}
    elements = [{
        "id": ident, "name": _text(el.get("name")) or ident, "kind": _text(el.get("kind")),
        "boundary": _text(el.get("boundary")), "line": _line(model, ("elements", index["elements"][ident], "id")),
        "node": drawing.nodes[ident], "threats": hot.get(ident, []),
    } for ident, el in model.elements.items()]
    flows = []
    for ident, flow in model.flows.items():
        crosses = model.crosses_boundary(flow)
        flows.append({
            "id": ident, "name": _text(flow.get("name")), "from": _text(flow.get("from")), "to": _text(flow.get("to")),
            "line": _line(model, ("flows", index["flows"][ident], "id")), "edge": drawing.edges.get(ident),
            "crossesBoundary": crosses,
            "unencrypted": crosses and not encrypted(flow),
            "unauthenticated": crosses and not authenticated(flow),
            "risky": is_risky(model, flow),
        })
    boundaries = [{
        "id": ident, "name": _text(b.get("name")) or ident, "parent": parents.get(ident),
        "line": _line(model, ("boundaries", index["boundaries"][ident], "id")), "box": drawing.boundaries[ident],
    } for ident, b in model.boundaries.items()]
    return {"ok": True, "version": version, "mermaid": drawing.text if elements else "",
            "elements": elements, "flows": flows, "boundaries": boundaries}


def _uri(params) -> str | None:
    if isinstance(params, dict):
        doc = params.get("textDocument") or {}
        return doc.get("uri") if isinstance(doc, dict) else None
    doc = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
    return getattr(doc, "uri", None)


def register(server) -> None:
    """Adds the request to a pygls server (lsp/server.py)."""

    @server.feature(METHOD)
    def diagram(ls, params):
        uri = _uri(params)
        if not uri:
            return {"ok": False, "version": None, "error": {"message": "no textDocument.uri in the request", "line": None}}
        try:
            document = ls.workspace.get_text_document(uri)
            text = document.source
        except Exception:  # not open and not readable: say so rather than fail the request
            # line None: nothing to do with the YAML; the client says so instead of "does not parse"
            return {"ok": False, "version": None, "error": {"message": f"{uri} is not open in the editor", "line": None}}
        checker = ls.checkers.get(uri)  # a model the server checks: its incremental parse of this very text
        return graph(text, document.version, checker.parse if checker is not None else parse_yaml)
