"""The data-flow diagram as Mermaid flowchart text (pure).

Model ids and names are user input, so nothing from the model is used as a
Mermaid id (ids like `end`, `a-b`, `x y` or `ü` break the parser): nodes are
`n0, n1, ...`, boundaries `b0, b1, ...`, and every label is a quoted string
with the characters Mermaid treats specially written as its `#name;` / `#123;`
entity codes, so a label cannot close the quote, open HTML or start a
markdown string.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.model import Model, authenticated, encrypted

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


@dataclass
class Drawing:
    """The Mermaid text and which Mermaid id each model item got (for a viewer that maps clicks back)."""

    text: str
    nodes: dict[str, str] = field(default_factory=dict)  # element id -> n0, n1, ...
    edges: dict[str, str] = field(default_factory=dict)  # flow id -> e0, e1, ... (only drawn with edge_ids)
    boundaries: dict[str, str] = field(default_factory=dict)  # boundary id -> b0, b1, ...
    risky: list[str] = field(default_factory=list)  # flow ids drawn red


def boundary_parents(model: Model) -> dict[str, str | None]:
    """Each boundary's parent boundary, None at the top; an unknown parent (TM004) or a parent cycle puts
    the boundary at the top, so drawing never loops."""
    boundaries = model.boundaries
    parents: dict[str, str | None] = {}
    for bid, b in boundaries.items():
        p = b.get("parent")
        parents[bid] = p if isinstance(p, str) and p in boundaries and p != bid else None
    for bid in parents:
        seen, cur = {bid}, parents[bid]
        while cur is not None:
            if cur in seen:
                parents[bid] = None
                break
            seen.add(cur)
            cur = parents[cur]
    return parents


def diagram(model: Model) -> str:
    return draw(model).text


def draw(model: Model, marked: frozenset[str] = frozenset(), edge_ids: bool = False) -> Drawing:
    """The flowchart; elements in `marked` (e.g. with open high/critical threats) get a warning sign and a red
    border; with `edge_ids` each flow's edge gets a Mermaid id (`e0@-->`) a viewer can find in the SVG."""
    lines = ["flowchart LR"]
    node_ids: dict[str, str] = {}
    elements = list(model.elements.items())
    for i, (ident, _) in enumerate(elements):
        node_ids[ident] = f"n{i}"

    def node(ident: str, el: dict) -> str:
        open_, close = SHAPES.get(el.get("kind"), UNKNOWN_SHAPE)
        name = el.get("name") if isinstance(el.get("name"), str) and el.get("name").strip() else ident
        if ident in marked:
            name = "⚠ " + name
        return f"{node_ids[ident]}{open_}{label(name)}{close}"

    boundaries = model.boundaries
    box_ids = {bid: f"b{j}" for j, bid in enumerate(boundaries)}
    parents = boundary_parents(model)
    children: dict[str | None, list[str]] = {}
    for bid in boundaries:
        children.setdefault(parents[bid], []).append(bid)
    members: dict[str, list[str]] = {b: [] for b in boundaries}
    loose = []
    for ident, el in elements:
        b = el.get("boundary")
        if isinstance(b, str) and b in members:
            members[b].append(ident)
        else:
            loose.append(ident)

    def subgraph(bid: str, depth: int) -> None:
        pad = "  " * depth
        b = boundaries[bid]
        title = b.get("name") if isinstance(b.get("name"), str) and b.get("name").strip() else bid
        lines.append(f'{pad}subgraph {box_ids[bid]}["{label(title)}"]')
        lines.append(f"{pad}  direction TB")
        for ident in members[bid]:
            lines.append(f"{pad}  " + node(ident, model.elements[ident]))
        for child in children.get(bid, ()):
            subgraph(child, depth + 1)
        if not members[bid] and not children.get(bid):  # Mermaid rejects an empty subgraph body in some versions
            lines.append(f'{pad}  {box_ids[bid]}_empty["{label("(no elements)")}"]')
        lines.append(f"{pad}end")

    for bid in children.get(None, ()):
        subgraph(bid, 1)
    for ident in loose:
        lines.append("  " + node(ident, model.elements[ident]))

    edges: dict[str, str] = {}
    risky_flows: list[str] = []
    risky = []
    edge = 0
    for fid, flow in model.flows.items():
        src, dst = flow.get("from"), flow.get("to")
        if src not in node_ids or dst not in node_ids:
            lines.append(f"  %% flow {label(fid)} skipped: unknown element")
            continue
        text = label(flow_label(flow))
        arrow = f'-->|"{text}"|' if text else "-->"
        lines.append(f"  {node_ids[src]} {f'e{edge}@' if edge_ids else ''}{arrow} {node_ids[dst]}")
        if edge_ids:
            edges[fid] = f"e{edge}"
        if is_risky(model, flow):
            risky.append(edge)
            risky_flows.append(fid)
        edge += 1

    lines.append("  classDef external fill:#eef2ff,stroke:#4338ca,color:#1e1b4b")
    lines.append("  classDef process fill:#ecfdf5,stroke:#047857,color:#064e3b")
    lines.append("  classDef store fill:#fff7ed,stroke:#c2410c,color:#431407")
    lines.append("  classDef threatened stroke:#dc2626,stroke-width:3px")
    for kind, cls in (("external_entity", "external"), ("process", "process"), ("data_store", "store")):
        ids = [node_ids[i] for i, el in elements if el.get("kind") == kind]
        if ids:
            lines.append(f"  class {','.join(ids)} {cls}")
    hot = [node_ids[i] for i, _ in elements if i in marked]
    if hot:
        lines.append(f"  class {','.join(hot)} threatened")
    if risky:
        # Flows crossing a trust boundary without encryption or authentication stand out in red.
        lines.append(f"  linkStyle {','.join(map(str, risky))} stroke:#dc2626,stroke-width:2px,color:#dc2626")
    return Drawing("\n".join(lines), node_ids, edges, box_ids, risky_flows)


def is_risky(model: Model, flow: dict) -> bool:
    """A flow that crosses a trust boundary without being both encrypted and authenticated."""
    return model.crosses_boundary(flow) and not (encrypted(flow) and authenticated(flow))
