"""threatlint model -> Threat Dragon v2 JSON: one STRIDE diagram laid out by layout.py.

Elements become actor/process/store cells, flows flow cells, boundaries trust-boundary boxes drawn
around their elements. A threat is drawn on every cell it affects, with the same id on each, so an
import of the file gives back one threat.
"""
from __future__ import annotations

from .draft import word
from .layout import layout
from .reading import STRIDE_LABEL, items, name_of, rating, severity, stride_of, strings


def _cell_id(our_id) -> str:
    """Threat Dragon wants ids of two characters or more: a one-character id gains a '_'."""
    our_id = str(our_id)
    return our_id if len(our_id) >= 2 else (our_id + "__")[:2]


def _name(item: dict) -> str:
    """The item's name, or '' (Threat Dragon shows the cell unlabelled rather than with our id)."""
    return item["name"].strip() if isinstance(item.get("name"), str) else ""

TD_VERSION = "2.4.0"
SHAPES = {"external_entity": ("actor", "tm.Actor"), "process": ("process", "tm.Process"),
          "data_store": ("store", "tm.Store")}
STATUS = {"open": "Open", "mitigating": "Open", "mitigated": "Mitigated", "accepted": "Accepted",
          "transferred": "Transferred"}


def _threats(threats, mitigations, target) -> list:
    out = []
    for n, t in threats:
        if target not in strings(t.get("affects")):
            continue
        sev = severity(t) or rating(t)[0]
        stride = stride_of(t)
        mits = [mitigations[m] for m in strings(t.get("mitigations")) if m in mitigations]
        text = "\n\n".join(name_of(m) + (f"\n{m['description']}" if isinstance(m.get("description"), str) else "")
                           for m in mits)
        out.append({"id": _cell_id(t["id"]), "threatId": _cell_id(t["id"]), "number": n, "title": name_of(t),
                    "status": STATUS.get(word(t.get("status")), "Open"),
                    "severity": sev.capitalize() if sev else "",
                    "type": STRIDE_LABEL[stride[0]] if stride else "", "modelType": "STRIDE",
                    "description": t.get("description") if isinstance(t.get("description"), str) else "",
                    "mitigation": text, "score": ""})
        # what Threat Dragon's fields cannot hold (one type, no "mitigating"), for an import to read back
        extra = {}
        if len(stride) > 1:
            extra["stride"] = stride
        if word(t.get("status")) and STATUS.get(t["status"], "").lower() != t["status"]:
            extra["status"] = t["status"]
        if extra:
            out[-1]["threatlint"] = extra
    return out


def convert(data: dict, file_path: str, threat_lines: dict) -> dict:
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    elements, flows, boundaries = items(data, "elements"), items(data, "flows"), items(data, "boundaries")
    threats = list(enumerate(items(data, "threats"), start=1))
    mitigations = {m["id"]: m for m in items(data, "mitigations")}
    element_boxes, boundary_boxes = layout(elements, boundaries)
    cells = []
    for b in boundaries:
        box = boundary_boxes[b["id"]]
        cells.append({"id": _cell_id(b["id"]), "shape": "trust-boundary-box", "zIndex": -1, "visible": True,
                      "position": {"x": box.x, "y": box.y}, "size": {"width": box.w, "height": box.h},
                      "attrs": {"label": {"text": _name(b)}},
                      "data": {"type": "tm.BoundaryBox", "name": _name(b), "isTrustBoundary": True,
                               "description": word(b.get("description")), "hasOpenThreats": False}})
    for z, e in enumerate(elements, start=1):
        shape, kind = SHAPES.get(word(e.get("kind")), SHAPES["process"])
        box = element_boxes[e["id"]]
        cell_threats = _threats(threats, mitigations, e["id"])
        data_ = {"type": kind, "name": _name(e), "description": word(e.get("description")),
                 "outOfScope": isinstance(e.get("out_of_scope"), str),
                 "reasonOutOfScope": e.get("out_of_scope") if isinstance(e.get("out_of_scope"), str) else "",
                 "isTrustBoundary": False, "threats": cell_threats,
                 "hasOpenThreats": any(t["status"] == "Open" for t in cell_threats)}
        if kind == "tm.Store":
            data_["isEncrypted"] = e.get("encrypted_at_rest") is True
        cells.append({"id": _cell_id(e["id"]), "shape": shape, "zIndex": z, "visible": True,
                      "position": {"x": box.x, "y": box.y}, "size": {"width": box.w, "height": box.h},
                      "attrs": {"text": {"text": _name(e)}}, "data": data_})
    for f in flows:
        cell_threats = _threats(threats, mitigations, f["id"])
        cells.append({
            "id": _cell_id(f["id"]), "shape": "flow", "zIndex": 10, "connector": "smooth",
            "source": {"cell": _cell_id(f.get("from"))}, "target": {"cell": _cell_id(f.get("to"))},
            "labels": [{"position": 0.5, "attrs": {"label": {"text": _name(f)}}}],
            "attrs": {"line": {"targetMarker": {"name": "block"}, "sourceMarker": {"name": ""}}},
            "data": {"type": "tm.Flow", "name": _name(f), "description": word(f.get("description")),
                     "protocol": f.get("protocol") if isinstance(f.get("protocol"), str) else "",
                     "isEncrypted": f.get("encrypted") is True, "isPublicNetwork": False,
                     "isBidirectional": bool(strings(f.get("returns"))),
                     "outOfScope": isinstance(f.get("out_of_scope"), str),
                     "reasonOutOfScope": f.get("out_of_scope") if isinstance(f.get("out_of_scope"), str) else "",
                     "isTrustBoundary": False, "threats": cell_threats,
                     "hasOpenThreats": any(t["status"] == "Open" for t in cell_threats)}})
    title = system.get("name") if isinstance(system.get("name"), str) else "threatlint model"
    summary = {"title": title, "id": 0}
    for key in ("owner", "description"):
        if isinstance(system.get(key), str):
            summary[key] = system[key]
    review = data.get("review") if isinstance(data.get("review"), dict) else {}
    return {
        "version": TD_VERSION,
        "summary": summary,
        "detail": {
            "contributors": [{"name": n} for n in strings(system.get("x-threat-dragon-contributors"))],
            "diagrams": [{"id": 0, "title": title, "diagramType": "STRIDE", "version": TD_VERSION,
                          "description": f"Exported from {file_path} by threatlint",
                          "placeholder": "New STRIDE diagram description",
                          "thumbnail": "./public/content/images/thumbnail.stride.jpg", "cells": cells}],
            "diagramTop": 1,
            "reviewer": ", ".join(strings(review.get("reviewers"))),
            "threatTop": len(threats),
        },
    }
