"""The data-flow diagram as Mermaid flowchart text (pure).

Model ids and names are user input, so nothing from the model is used as a
Mermaid id (ids like `end`, `a-b`, `x y` or `ü` break the parser): nodes are
`n0, n1, ...`, boundaries `b0, b1, ...`, and every label is a quoted string
with the characters Mermaid treats specially written as its `#name;` / `#123;`
entity codes, so a label cannot close the quote, open HTML or start a
markdown string.
"""
from __future__ import annotations

from ..engine.model import Model

# Shapes by element kind (DFD conventions): external entity = box, process =
# rounded stadium, data store = cylinder. Unknown kinds get a hexagon.
SHAPES = {
    "external_entity": ('["', '"]'),
    "process": ('(["', '"])'),
    "data_store": ('[("', '")]'),
}
UNKNOWN_SHAPE = ('{{"', '"}}')

_ENTITIES = {
    "#": "#35;",  # first: it starts every entity code
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "|": "#124;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "(": "#40;",
    ")": "#41;",
    ";": "#59;",
    "\\": "#92;",
}
MAX_LABEL = 80


def label(text) -> str:
    """A model string as the inside of a quoted Mermaid label: one line, bounded, special characters coded."""
    if isinstance(text, bool) or text is None:
        text = ""
    raw = " ".join(str(text).split())
    if len(raw) > MAX_LABEL:
        raw = raw[: MAX_LABEL - 1] + "…"
    return "".join(_ENTITIES.get(ch, ch) if ch not in "\u2028\u2029" else " " for ch in raw)


def flow_label(flow: dict) -> str:
    parts = []
    name = flow.get("name") if isinstance(flow.get("name"), str) else None
    proto = flow.get("protocol") if isinstance(flow.get("protocol"), str) else None
    parts.append(" ".join(p for p in (name, proto) if p) or (flow.get("id") if isinstance(flow.get("id"), str) else ""))
    if flow.get("encrypted") is True:
        parts.append("encrypted")
    elif flow.get("encrypted") is False:
        parts.append("NOT encrypted")
    if flow.get("authenticated") is True:
        parts.append("authenticated")
    elif flow.get("authenticated") is False:
        parts.append("NOT authenticated")
    return " · ".join(p for p in parts if p)


def diagram(model: Model) -> str:
    lines = ["flowchart LR"]
    node_ids: dict[str, str] = {}
    elements = list(model.elements.items())
    for i, (ident, _) in enumerate(elements):
        node_ids[ident] = f"n{i}"

    def node(ident: str, el: dict) -> str:
        open_, close = SHAPES.get(el.get("kind"), UNKNOWN_SHAPE)
        name = el.get("name") if isinstance(el.get("name"), str) and el.get("name").strip() else ident
        return f"{node_ids[ident]}{open_}{label(name)}{close}"

    boundaries = model.by_id("boundaries")
    members: dict[str, list[str]] = {b: [] for b in boundaries}
    loose = []
    for ident, el in elements:
        b = el.get("boundary")
        if isinstance(b, str) and b in members:
            members[b].append(ident)
        else:
            loose.append(ident)
    for j, (bid, b) in enumerate(boundaries.items()):
        title = b.get("name") if isinstance(b.get("name"), str) and b.get("name").strip() else bid
        lines.append(f'  subgraph b{j}["{label(title)}"]')
        lines.append("    direction TB")
        for ident in members[bid]:
            lines.append("    " + node(ident, model.elements[ident]))
        if not members[bid]:  # Mermaid rejects an empty subgraph body in some versions
            lines.append(f'    b{j}_empty["{label("(no elements)")}"]')
        lines.append("  end")
    for ident in loose:
        lines.append("  " + node(ident, model.elements[ident]))

    risky = []
    edge = 0
    for fid, flow in model.flows.items():
        src, dst = flow.get("from"), flow.get("to")
        if src not in node_ids or dst not in node_ids:
            lines.append(f"  %% flow {label(fid)} skipped: unknown element")
            continue
        text = label(flow_label(flow))
        arrow = f'-->|"{text}"|' if text else "-->"
        lines.append(f"  {node_ids[src]} {arrow} {node_ids[dst]}")
        if model.crosses_boundary(flow) and (flow.get("encrypted") is not True or flow.get("authenticated") is not True):
            risky.append(edge)
        edge += 1

    lines.append("  classDef external fill:#eef2ff,stroke:#4338ca,color:#1e1b4b")
    lines.append("  classDef process fill:#ecfdf5,stroke:#047857,color:#064e3b")
    lines.append("  classDef store fill:#fff7ed,stroke:#c2410c,color:#431407")
    for kind, cls in (("external_entity", "external"), ("process", "process"), ("data_store", "store")):
        ids = [node_ids[i] for i, el in elements if el.get("kind") == kind]
        if ids:
            lines.append(f"  class {','.join(ids)} {cls}")
    if risky:
        # Flows crossing a trust boundary without encryption or authentication stand out in red.
        lines.append(f"  linkStyle {','.join(map(str, risky))} stroke:#dc2626,stroke-width:2px,color:#dc2626")
    return "\n".join(lines)
