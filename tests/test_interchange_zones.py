"""Threat Dragon's trust-boundary curves become zones on import (server/threatlint/interchange/zones.py),
checked on real Threat Dragon files (tests/fixtures/interchange/SOURCES.md): which elements land in which
zone, which flows cross, that no curve is reported unused, and that the summary says what was derived."""
from __future__ import annotations

import copy
import json
import random

import pytest

from threatlint.engine import check_text
from threatlint.engine.model import Model
from threatlint.engine.parse import parse_yaml
from threatlint.interchange.geometry import extend_ends, side_of

from interchange_helpers import HERE, TD_CURVES, TD_ZONES, run_export, run_import

CORPUS = HERE.parent.parent / "corpus"
TD = HERE / "threat-dragon"


def _zones(data: dict) -> dict:
    """zone id -> names of the elements drawn there (outside any box)."""
    zones = {b["id"] for b in data["boundaries"] if "x-threat-dragon-sides" in b}
    return {z: {e["name"] for e in data["elements"] if e.get("boundary") == z} for z in zones}


def _cross(p1, p2, q1, q2) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return orient(q1, q2, p1) * orient(q1, q2, p2) < 0 and orient(p1, p2, q1) * orient(p1, p2, q2) < 0


def _drawn_across(src: dict) -> dict:
    """Threat Dragon flow id -> whether its line (centre of one end, its vertices, centre of the other) is
    drawn across some trust-boundary curve an odd number of times: read from the file alone."""
    out = {}
    for diagram in src["detail"]["diagrams"]:
        cells = {c["id"]: c for c in diagram["cells"]}

        def end(e):
            if "cell" in e:
                c = cells[e["cell"]]
                return (c["position"]["x"] + c["size"]["width"] / 2, c["position"]["y"] + c["size"]["height"] / 2)
            return (e["x"], e["y"])

        curves = [[(c["source"]["x"], c["source"]["y"]), *[(v["x"], v["y"]) for v in c.get("vertices") or []],
                   (c["target"]["x"], c["target"]["y"])] for c in diagram["cells"] if c["shape"] == "trust-boundary-curve"]
        for c in diagram["cells"]:
            if c["shape"] == "flow":
                line = [end(c["source"]), *[(v["x"], v["y"]) for v in c.get("vertices") or []], end(c["target"])]
                out[c["id"]] = any(sum(_cross(line[i], line[i + 1], k[j], k[j + 1]) for i in range(len(line) - 1)
                                       for j in range(len(k) - 1)) % 2 for k in curves)
    return out


@pytest.mark.parametrize("path", TD_CURVES, ids=[p.name for p in TD_CURVES])
def test_curves_split_the_drawing_into_zones(path, tmp_path, capsys):
    text, data, printed = run_import(path, tmp_path / "m.yaml", capsys)
    assert _zones(data) == TD_ZONES[path.name]
    # every curve separates elements, so each shapes a zone and none is an unused boundary
    assert [f.message for f in check_text(text) if f.rule == "TM005"] == []
    assert "zones from trust-boundary curves:" in printed and "separates no elements" not in printed
    for zone in TD_ZONES[path.name]:
        assert any(line.startswith(f"  {zone}: ") for line in printed.splitlines()), zone


@pytest.mark.parametrize("path", TD_CURVES, ids=[p.name for p in TD_CURVES])
def test_a_flow_crosses_a_boundary_exactly_when_it_is_drawn_across_a_curve(path, tmp_path, capsys):
    text, data, printed = run_import(path, tmp_path / "m.yaml", capsys)
    model = Model(parse_yaml(text))
    across = _drawn_across(json.loads(path.read_text(encoding="utf-8")))
    zones = set(TD_ZONES[path.name])

    def zone_of(element):  # the zone around it (directly, or around its box)
        return next(b for b in model.boundary_chain(model.boundary_of(element)) if b in zones)

    between = {f.get("x-threat-dragon-id", f["id"]): zone_of(f["from"]) != zone_of(f["to"]) for f in data["flows"]}
    assert between == across
    assert all(model.crosses_boundary(f) for f in data["flows"] if across[f.get("x-threat-dragon-id", f["id"])])
    assert any(across.values())
    assert "is not drawn across" not in printed and "is drawn across" not in printed  # the drawings agree


def test_demo_zones_match_the_hand_translation(tmp_path, capsys):
    """tests/corpus/threat-dragon-demo/demo.threatmodel.yaml was translated by a person reading the diagram:
    the same elements share a boundary, and the rules about crossings name the same flows."""
    src = CORPUS / "threat-dragon-demo"
    text, data, _ = run_import(src / "v2-threat-model.json", tmp_path / "m.yaml", capsys)
    hand_text = (src / "demo.threatmodel.yaml").read_text(encoding="utf-8")
    hand = parse_yaml(hand_text).data

    def grouping(model):
        groups = {}
        for e in model["elements"]:
            groups.setdefault(e.get("boundary"), set()).add(e["name"].replace("\n", " "))
        return sorted(sorted(g) for g in groups.values())

    assert grouping(data) == grouping(hand)
    crossing = sorted(f["name"] for f in data["flows"] if Model(parse_yaml(text)).crosses_boundary(f))
    assert crossing == sorted(f["name"] for f in hand["flows"] if Model(parse_yaml(hand_text)).crosses_boundary(f))
    assert crossing == ["Message", "Put Message", "Queries", "Web App Query Results", "Web Request",
                        "Web Response", "Worker Queries", "Worker Query Results"]

    def about_crossings(text, flows):
        names = {f["id"]: f["name"] for f in flows}
        return sorted((f.rule, names[f.path[1] if isinstance(f.path[1], str) else flows[f.path[1]]["id"]])
                      for f in check_text(text) if f.rule in ("TM103", "TM104", "TM107")
                      and f.path and f.path[0] == "flows")

    found = about_crossings(text, data["flows"])
    assert found == about_crossings(hand_text, hand["flows"])
    # The browser's request crosses into the application unauthenticated; the worker's unencrypted queries are
    # answered by the model's own man-in-the-middle threat on that connection (T13), so TM107 stays quiet there.
    assert found == [("TM103", "Web Request")]


def test_a_box_in_one_zone_gets_it_as_parent(tmp_path, capsys):
    text, data, _ = run_import(TD / "cryptocurrency-wallet.json", tmp_path / "m.yaml", capsys)
    boundaries = {b["id"]: b for b in data["boundaries"]}
    box = next(b for b in data["boundaries"] if "x-threat-dragon-sides" not in b)
    assert box["parent"] == "browser-zone"
    assert {e["name"] for e in data["elements"] if e.get("boundary") == box["id"]} == {"GUI", "wallet", "Daemon"}
    assert set(boundaries) == {box["id"], *TD_ZONES["cryptocurrency-wallet.json"]}
    model = Model(parse_yaml(text))
    flows = {f["name"]: f for f in data["flows"] if f.get("name")}
    assert model.boundaries_crossed(flows["TCP+SSL 500002 JSON RPC"]) == (box["id"], "browser-zone", "exchange-backend-zone")
    assert model.boundaries_crossed(flows["HTTP JSON RPC"]) == (box["id"],)  # Browser -> Daemon


def _with(path, change) -> dict:
    src = json.loads(path.read_text(encoding="utf-8"))
    change(src["detail"]["diagrams"][0]["cells"])
    return src


def _import(src: dict, tmp_path, capsys) -> tuple[dict, str]:
    p = tmp_path / "src.json"
    p.write_text(json.dumps(src), encoding="utf-8")
    _, data, printed = run_import(p, tmp_path / "m.yaml", capsys)
    return data, printed


def test_a_box_cut_by_a_curve_lies_in_no_zone(tmp_path, capsys):
    def through_the_box(cells):  # the Internet curve moved to run down through the GUI/wallet/Daemon box
        curve = next(c for c in cells if c["shape"] == "trust-boundary-curve")
        curve.update(source={"x": 450, "y": 0}, target={"x": 450, "y": 1000}, vertices=[])
    data, printed = _import(_with(TD / "cryptocurrency-wallet.json", through_the_box), tmp_path, capsys)
    box = next(b for b in data["boundaries"] if "x-threat-dragon-sides" not in b)
    assert "parent" not in box
    assert f"trust-boundary-box {box['id']} is cut by 'Internet': it lies in no zone" in printed
    assert {e["name"] for e in data["elements"] if e.get("boundary") == box["id"]} == {"GUI", "wallet", "Daemon"}


def test_a_curve_that_separates_nothing_is_dropped_and_reported(tmp_path, capsys):
    def far_off(cells):
        cells.append({"id": "far", "shape": "trust-boundary-curve", "source": {"x": 2000, "y": 0},
                      "target": {"x": 2000, "y": 900}, "data": {"type": "tm.Boundary", "name": "Far away"}})
        cells.append({"id": "dot", "shape": "trust-boundary-curve", "source": {"x": 300, "y": 300},
                      "target": {"x": 300, "y": 300}, "data": {"type": "tm.Boundary", "name": ""}})
    data, printed = _import(_with(TD / "v2-threat-model.json", far_off), tmp_path, capsys)
    assert _zones(data) == TD_ZONES["v2-threat-model.json"]
    assert len(data["boundaries"]) == 4
    dropped = printed.split("\ndropped:\n")[1]
    assert "  trust-boundary-curve 'Far away': separates no elements" in dropped
    assert "  trust-boundary-curve curve 5: drawn without a length, it separates nothing" in dropped


def test_a_flow_that_goes_round_a_curve_is_reported(tmp_path, capsys):
    def shortened(cells):  # the curve loses its first segment, which the Browser -> Web Application flow crossed
        curve = next(c for c in cells if c["shape"] == "trust-boundary-curve")
        curve.update(source=curve["vertices"][0], vertices=[])
    data, printed = _import(_with(TD / "e2e-v2-model.json", shortened), tmp_path, capsys)
    assert _zones(data) == TD_ZONES["e2e-v2-model.json"]  # the prolonged line still separates them
    notes = [line for line in printed.splitlines() if "is not drawn across" in line]
    assert len(notes) == 1 and notes[0].startswith("  flow data-flow goes from the left of curve 1 to its right")


def test_a_model_without_curves_gets_no_zones(tmp_path, capsys):
    for path in (TD / "three-tier-web-app.json", CORPUS / "threat-dragon-payment" / "payment-online.json"):
        text, data, printed = run_import(path, tmp_path / f"{path.stem}.yaml", capsys)
        assert "zones" not in printed and "x-threat-dragon-sides" not in text
        assert all(b["id"].startswith("boundary-") or b.get("name") for b in data["boundaries"])


@pytest.mark.parametrize("path", TD_CURVES, ids=[p.name for p in TD_CURVES])
def test_zones_survive_export_to_threat_dragon_and_back(path, tmp_path, capsys):
    """Exported, a zone is a box drawn around what it holds; imported again, the box holds the same."""
    _, first, _ = run_import(path, tmp_path / "first.yaml", capsys)
    run_export(tmp_path / "first.yaml", "threat-dragon", tmp_path / "out.json")
    _, second, _ = run_import(tmp_path / "out.json", tmp_path / "second.yaml", capsys)
    assert {e["id"]: e.get("boundary") for e in second["elements"]} == {e["id"]: e.get("boundary") for e in first["elements"]}
    assert {b["id"]: b.get("parent") for b in second["boundaries"]} == {b["id"]: b.get("parent") for b in first["boundaries"]}


def test_side_of_a_line_agrees_with_counting_crossings():
    """Two points are on the same side of a line (prolonged past its ends) exactly when the segment between
    them crosses it an even number of times; random lines that do not cross themselves, fixed seed."""
    rng = random.Random(7)
    checked = 0
    for _ in range(3000):
        pts = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(rng.randint(2, 6))]
        line = extend_ends(pts, 1e5)
        segments = list(zip(line, line[1:]))
        if any(_cross(*segments[i], *segments[j]) for i in range(len(segments)) for j in range(i + 2, len(segments))):
            continue
        p, q = (rng.uniform(0, 100), rng.uniform(0, 100)), (rng.uniform(0, 100), rng.uniform(0, 100))
        odd = sum(_cross(p, q, a, b) for a, b in segments) % 2
        assert (side_of(p, line) != side_of(q, line)) == bool(odd), (pts, p, q)
        checked += 1
    assert checked > 1000
    # left and right as seen on the screen (y downwards), walking from the first point
    assert side_of((50, -10), [(0, 0), (100, 0)]) == -1 and side_of((50, 10), [(0, 0), (100, 0)]) == 1


@pytest.mark.parametrize("path", TD_CURVES, ids=[p.name for p in TD_CURVES])
def test_curves_and_positions_of_the_wrong_shape_never_crash(path):
    """Geometry fields given wrong values (a string, NaN, a list, a flag, ...) make a curve or an element
    sit out of the zoning, never a traceback; fixed seed."""
    from threatlint.interchange import importer
    from threatlint.interchange.ledger import Ledger
    from threatlint.interchange.writer import render

    wrong = [None, "x", [], {}, True, float("nan"), float("inf"), -1, 1e300, 1e-200, [{"x": 1}], {"x": "1", "y": 2}]
    source = json.loads(path.read_text(encoding="utf-8"))
    rng = random.Random(len(path.name))
    for _ in range(40):
        mutant = copy.deepcopy(source)
        cells = mutant["detail"]["diagrams"][0]["cells"]
        for cell in rng.sample(cells, min(4, len(cells))):
            key = rng.choice(["source", "target", "vertices", "position", "size"])
            if key in cell and isinstance(cell[key], dict) and rng.random() < 0.5:
                cell[key][rng.choice(["x", "y", "width", "height", "cell"])] = copy.deepcopy(rng.choice(wrong))
            else:
                cell[key] = copy.deepcopy(rng.choice(wrong))
        ledger = Ledger(path.name)
        doc = parse_yaml(render(importer("threat-dragon")(mutant, ledger), ["mutant"]))
        assert not doc.findings
        ledger.summary()
