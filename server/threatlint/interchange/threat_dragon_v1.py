"""Threat Dragon v1 JSON read into the shape of a v2 model, so that one mapping (from_threat_dragon.py)
serves both versions.

A v1 diagram keeps its JointJS drawing under `diagramJson.cells`: each cell has its `type` (tm.Actor,
tm.Process, tm.Store, tm.Flow, tm.Boundary) and its properties (description, threats, outOfScope, the
flags) on the cell itself, its name in `attrs.text.text` (elements) or the first label's text (flows and
boundaries), and a flow's ends as `{"id": cell}` or a loose point. v2 moved the properties into `data`, a
flow's ends to `{"cell": ...}` and kept the geometry; Threat Dragon 2 upgrades a v1 file the same way
(td.vue `service/migration/tdV1`). v1 threats have no id or number: they are numbered in the order drawn.
"""
from __future__ import annotations

from . import InterchangeError
from .draft import obj, one_line, seq
from .ledger import Ledger

ELEMENTS = ("tm.Actor", "tm.Process", "tm.Store")
CELL_TYPES = (*ELEMENTS, "tm.Flow", "tm.Boundary")
# properties a v1 cell holds that the v2 mapping reads from `data`
PROPERTIES = ("description", "outOfScope", "reasonOutOfScope", "privilegeLevel", "protocol", "isEncrypted",
              "isPublicNetwork", "isBidirectional", "providesAuthentication", "storesCredentials", "isALog",
              "isSigned", "isWebApplication", "handlesCardPayment", "handlesGoodsOrServices", "storesInventory")
# drawing and derived state: the v2 mapping drops geometry it does not read, and hasOpenThreats follows
# from the threats
LAYOUT = {"type", "id", "size", "position", "angle", "z", "attrs", "smooth", "labels", "source", "target",
          "vertices", "threats", "hasOpenThreats", "name", "ports", "connector", "router"}


def is_v1(data) -> bool:
    """A Threat Dragon model whose diagrams keep their drawing in `diagramJson` (v2 has `cells`)."""
    diagrams = obj(obj(data).get("detail")).get("diagrams") if isinstance(data, dict) else None
    return isinstance(diagrams, list) and any(isinstance(d, dict) and "diagramJson" in d for d in diagrams)


def _name(cell: dict) -> str:
    if one_line(cell.get("name")):
        return str(cell["name"])
    text = obj(obj(cell.get("attrs")).get("text")).get("text")
    if isinstance(text, str) and text.strip():
        return text
    labels = seq(cell.get("labels"))
    first = obj(labels[0]) if labels else {}
    text = obj(obj(first.get("attrs")).get("text")).get("text")
    return text if isinstance(text, str) else ""


def _end(end):
    """A flow end: `{"id": cell}` becomes v2's `{"cell": ...}`; a loose point stays as drawn."""
    if isinstance(end, dict) and end.get("id") is not None:
        return {"cell": end["id"]}
    return end


def upgrade(data: dict, ledger: Ledger) -> dict:
    """The v1 model as a v2 model; a diagram whose drawing is not a JointJS cell list is an error."""
    detail = obj(data.get("detail"))
    diagrams = []
    number = 0
    for n, diagram in enumerate(seq(detail.get("diagrams"))):
        if not isinstance(diagram, dict):
            raise InterchangeError(f"Threat Dragon v1 model: detail.diagrams[{n}] is not an object")
        drawing = diagram.get("diagramJson")
        if drawing is None:
            drawing = {"cells": []}  # a v1 diagram nobody drew on has none
        if not isinstance(drawing, dict) or not isinstance(drawing.get("cells", []), list):
            raise InterchangeError(f"Threat Dragon v1 model: detail.diagrams[{n}].diagramJson is not a drawing "
                                   "(an object with a list of cells)")
        model_type = diagram.get("diagramType") if isinstance(diagram.get("diagramType"), str) else ""
        cells = []
        for i, cell in enumerate(drawing.get("cells", [])):
            if not isinstance(cell, dict):
                ledger.drop("diagramJson.cells[] that is not an object", "not a Threat Dragon v1 cell")
                continue
            kind = cell.get("type")
            if kind not in CELL_TYPES:
                ledger.drop(f"cell of type {kind!r}", "not a Threat Dragon v1 diagram element")
                continue
            d = {"type": kind, "name": _name(cell), "isTrustBoundary": kind == "tm.Boundary"}
            d.update({k: cell[k] for k in PROPERTIES if k in cell})
            threats = []
            for t in seq(cell.get("threats")):
                if not isinstance(t, dict):
                    ledger.drop("cells[].threats[] that is not an object", "not a Threat Dragon v1 threat")
                    continue
                t = dict(t)
                if "number" not in t and not (t.get("id") or t.get("threatId")):
                    number += 1
                    t["number"] = number
                    ledger.map("threats (no id or number in v1)", "threats[].id T-n, mitigations[].id M-n",
                               "numbered in the order drawn")
                if model_type and not t.get("modelType"):
                    t["modelType"] = model_type
                threats.append(t)
            if threats:
                d["threats"] = threats
            for key in cell:
                if key not in LAYOUT and key not in PROPERTIES and cell[key] not in (None, "", False, [], {}):
                    ledger.drop(f"cells[].{key}", "not part of the Threat Dragon v1 format")
            v2 = {"id": cell.get("id", f"cell-{n}-{i}"), "data": d}
            for key in ("position", "size", "vertices"):
                if key in cell:
                    v2[key] = cell[key]
            if kind in ("tm.Flow", "tm.Boundary"):
                v2["source"], v2["target"] = _end(cell.get("source")), _end(cell.get("target"))
            cells.append(v2)
        diagrams.append({"title": diagram.get("title"), "diagramType": model_type, "cells": cells})
    ledger.map("Threat Dragon v1 diagramJson.cells (properties on the cell, name in attrs.text or the label)",
               "the Threat Dragon v2 mapping below", "as Threat Dragon 2 upgrades a v1 file")
    return {"summary": data.get("summary"), "detail": {**detail, "diagrams": diagrams}}


__all__ = ["is_v1", "upgrade"]
