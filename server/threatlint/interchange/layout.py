"""A diagram layout that opens readably: each trust boundary is a box around its elements and nested
boundaries; what a box holds is laid out in rows (external entities first, then processes, then data
stores, then nested boxes), a few per row."""
from __future__ import annotations

from .draft import word
from .geometry import Box

SIZE = {"external_entity": (160, 80), "process": (120, 120), "data_store": (160, 80)}
ORDER = {"external_entity": 0, "process": 1, "data_store": 2}
GAP = 60  # between blocks
PAD = 40  # inside a boundary box, around its contents
PER_ROW = 3
TOP_PER_ROW = 4


class _Block:
    def __init__(self, key, w, h, children=()):
        self.key, self.w, self.h, self.children = key, w, h, list(children)  # children: (block, dx, dy)


def _rows(blocks: list, per_row: int, pad: int) -> tuple[list, float, float]:
    placed, y, width = [], pad, 0.0
    for i in range(0, len(blocks), per_row):
        row, x = blocks[i:i + per_row], pad
        for b in row:
            placed.append((b, x, y))
            x += b.w + GAP
        width = max(width, x - GAP + pad)
        y += max(b.h for b in row) + GAP
    return placed, width, (y - GAP + pad) if blocks else 2 * pad


def layout(elements: list[dict], boundaries: list[dict]) -> tuple[dict, dict]:
    """(element id -> Box, boundary id -> Box) for elements ({id, kind, boundary}) and boundaries
    ({id, parent}); a parent that is unknown or makes a cycle is ignored (the box is drawn at top level)."""
    known = {b["id"] for b in boundaries}
    up = {b["id"]: word(b.get("parent")) for b in boundaries}

    def valid_parent(bid):
        p, seen = up.get(bid), {bid}
        q = p
        while isinstance(q, str) and q in known:
            if q in seen:
                return None  # a cycle: draw the box at top level
            seen.add(q)
            q = up.get(q)
        return p if isinstance(p, str) and p in known else None

    parent = {b["id"]: valid_parent(b["id"]) for b in boundaries}

    def element_block(e):
        w, h = SIZE.get(word(e.get("kind")), SIZE["process"])
        return _Block(("element", e["id"]), w, h)

    def content(of):
        inner = sorted((e for e in elements if (word(e.get("boundary")) if word(e.get("boundary")) in known else None) == of),
                       key=lambda e: ORDER.get(word(e.get("kind")), 1))
        return [element_block(e) for e in inner] + [boundary_block(b["id"]) for b in boundaries if parent[b["id"]] == of]

    def boundary_block(bid):
        placed, w, h = _rows(content(bid), PER_ROW, PAD)
        return _Block(("boundary", bid), max(w, 200), max(h, 120), placed)

    top, _, _ = _rows(content(None), TOP_PER_ROW, GAP)
    element_boxes, boundary_boxes = {}, {}

    def assign(block, x, y):
        kind, key = block.key
        (element_boxes if kind == "element" else boundary_boxes)[key] = Box(x, y, block.w, block.h)
        for child, dx, dy in block.children:
            assign(child, x + dx, y + dy)

    for block, x, y in top:
        assign(block, x, y)
    return element_boxes, boundary_boxes
