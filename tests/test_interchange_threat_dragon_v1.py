"""`threatlint import` of Threat Dragon v1 files, read through the v2 mapping (threat_dragon_v1.py): the real
odo model against its hand translation (tests/corpus/threat-dragon-odo-cli), the v1 demo model against the v2
file Threat Dragon made of it, and malformed v1 drawings as clear errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from threatlint.cli import main

from interchange_helpers import HERE, run_import, schema_problems

ODO = HERE / "threat-dragon" / "v1-odo-model.json"
ODO_BY_HAND = Path(__file__).parent / "corpus" / "threat-dragon-odo-cli" / "odo.threatmodel.yaml"
DEMO_V1 = HERE / "threat-dragon" / "v1-demo-threat-model.json"
DEMO_V2 = HERE / "threat-dragon" / "v2-threat-model.json"


def _by_id(model: dict, section: str) -> dict:
    return {i["id"]: i for i in model.get(section) or []}


def _zones(model: dict) -> set:
    """The partition of the elements into boundaries, whatever the boundaries are called."""
    held: dict[str, set] = {}
    for e in model["elements"]:
        held.setdefault(e.get("boundary"), set()).add(e["id"])
    return {frozenset(v) for v in held.values()}


def test_odo_imports_as_its_hand_translation(tmp_path, capsys):
    text, data, printed = run_import(ODO, tmp_path / "odo.yaml", capsys)
    hand = yaml.safe_load(ODO_BY_HAND.read_text(encoding="utf-8"))
    assert printed.splitlines()[0].startswith("imported from v1-odo-model.json (threat-dragon) as Threat Dragon v1, ")
    assert schema_problems(text) == []
    # elements, flows and threats: the same, key for key, but for the boundary names (below)
    mine, theirs = _by_id(data, "elements"), _by_id(hand, "elements")
    assert mine.keys() == theirs.keys() == {"developer", "cloned-repo", "odo-cli", "cluster"}
    for k in mine:
        assert {**mine[k], "boundary": None} == {**theirs[k], "boundary": None}, k
    assert data["flows"] == hand["flows"]
    assert data["threats"] == hand["threats"]  # T-1..T-6, STRIDE, severity, status, one mitigation each
    assert data["system"]["name"] == hand["system"]["name"] and data["system"]["owner"] == hand["system"]["owner"]
    assert data["review"] == hand["review"]
    # the two unnamed curves split the drawing as the reviewer read it: the developer | the CLI and the
    # cloned repo | the cluster. The importer names zones after what they hold (odo-cli-zone, ...), the
    # reviewer after where they lie (local-side, ...).
    assert _zones(data) == _zones(hand) == {frozenset({"developer"}), frozenset({"odo-cli", "cloned-repo"}),
                                            frozenset({"cluster"})}
    assert {b["id"] for b in data["boundaries"]} == {"developer-zone", "odo-cli-zone", "cluster-zone"}
    # mitigations: the same ids and texts (but M-1's blanks at two line ends, which the reviewer dropped and
    # the importer keeps, writing that text quoted so none is hidden at a line end). Titles: the first line
    # without its bullet, a line ending in ':' joined with the link after it (M-4, M-5), a line too long cut
    # at its first sentence (M-2, M-3), as the reviewer did; M-6 keeps the full stop the reviewer dropped.
    mine, theirs = _by_id(data, "mitigations"), _by_id(hand, "mitigations")
    assert mine.keys() == theirs.keys() == {f"M-{n}" for n in range(1, 7)}
    for k in mine:
        assert "\n".join(x.rstrip() for x in mine[k]["description"].split("\n")) == theirs[k]["description"], k
    assert [k for k in mine if mine[k]["description"] != theirs[k]["description"]] == ["M-1"]
    assert r'    description: "We set least privilege for those files\nFor preferences \n- env (config) file. \n' in text
    assert [k for k in mine if mine[k]["title"] != theirs[k]["title"]] == ["M-6"]
    assert mine["M-6"]["title"] == theirs["M-6"]["title"] + "."
    # the hand translation names the only diagram on system; the importer does so only for several diagrams
    assert "x-threat-dragon-diagram" not in data["system"]


def test_v1_demo_imports_as_the_v2_file_threat_dragon_made_of_it(tmp_path, capsys):
    _, v1, printed = run_import(DEMO_V1, tmp_path / "v1.yaml", capsys)
    assert " as Threat Dragon v1, " in printed.splitlines()[0]
    _, v2, printed = run_import(DEMO_V2, tmp_path / "v2.yaml", capsys)
    assert " as Threat Dragon v2, " in printed.splitlines()[0]
    assert v1["system"] == v2["system"] and v1["review"] == v2["review"]
    # every flow the same: names, ends (v1 {"id"} as v2 {"cell"}), protocol, encryption, out of scope, flags
    drop = ("boundary", "x-threat-dragon-id")
    assert sorted(({k: v for k, v in f.items() if k not in drop} for f in v1["flows"]), key=str) == \
        sorted(({k: v for k, v in f.items() if k not in drop} for f in v2["flows"]), key=str)
    assert len(v1["flows"]) == 10
    # elements the same but for what the v2 file changed or dropped: Threat Dragon 2's upgrade does not carry
    # v1's privilegeLevel (we keep it), and the v2 demo later ticked Web Application Config out of scope
    e1, e2 = _by_id(v1, "elements"), _by_id(v2, "elements")
    assert e1.keys() == e2.keys()
    for k in e1:
        a = {x: y for x, y in e1[k].items() if x not in (*drop, "x-threat-dragon-privilege-level")}
        b = {x: y for x, y in e2[k].items() if x not in (*drop, "out_of_scope")}
        assert a == b, k
    assert {k for k in e1 if "x-threat-dragon-privilege-level" in e1[k]} == {"web-application", "background-worker-process"}

    def threats(m):
        mitigations = _by_id(m, "mitigations")
        return sorted((t["title"], t["stride"], t["affects"], t["impact"], t["status"],
                       " ".join(t["description"].replace("ans use", "and use").split()),
                       [mitigations[i]["description"] if "description" in mitigations[i] else mitigations[i]["title"]
                        for i in t["mitigations"]]) for t in m["threats"])
    # the same 14 threats (v2 fixed two typos in descriptions); v1 threats have no id, so they are numbered
    assert threats(v1) == threats(v2)
    assert [t["id"] for t in v1["threats"]] == [f"T-{n}" for n in range(1, 15)]
    # the v1 curves are short arcs (the v2 file's were redrawn): prolonged, they cut the drawing into more
    # zones, and the summary names each flow drawn around a curve's end
    assert len(v1["boundaries"]) == 6 and len(v2["boundaries"]) == 4


def _v1(tmp_path, *diagrams: dict) -> Path:
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"summary": {"title": "Broken"}, "detail": {"diagrams": list(diagrams)}}),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("drawing", ["cells", {"cells": {"a": 1}}, [1, 2], 7])
def test_a_malformed_v1_drawing_is_a_clear_error(drawing, tmp_path, capsys):
    path = _v1(tmp_path, {"title": "Main", "diagramJson": drawing})
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Threat Dragon v1 model: detail.diagrams[0].diagramJson is not a drawing" in err
    assert "Traceback" not in err


def test_v1_cells_of_the_wrong_shape_are_dropped_and_counted(tmp_path, capsys):
    cells = [1, {"type": "tm.Nonsense"}, {"type": "tm.Process", "id": "8f0c6a52-5d1e-4c55-9a4b-2f7e0c3d9b11", "attrs": {"text": {"text": "API"}},
                                          "threats": ["junk", {"title": "Spoofed caller", "type": "Spoofing",
                                                               "status": "Open", "severity": "High"}]},
             {"type": "tm.Flow", "source": {"id": "8f0c6a52-5d1e-4c55-9a4b-2f7e0c3d9b11"}, "target": "nowhere", "labels": "x"}]
    path = _v1(tmp_path, {"title": "Main", "diagramJson": {"cells": cells}}, {"title": "Not drawn", "diagramJson": None})
    assert main(["import", str(path), "--from", "threat-dragon", "-o", str(tmp_path / "m.yaml")]) == 0
    printed = capsys.readouterr().out
    assert "kept: 1 elements, 1 flows" in printed and "1 threats" in printed
    assert "diagramJson.cells[] that is not an object: not a Threat Dragon v1 cell" in printed
    assert "cell of type 'tm.Nonsense': not a Threat Dragon v1 diagram element" in printed
    assert "cells[].threats[] that is not an object: not a Threat Dragon v1 threat" in printed
    data = yaml.safe_load((tmp_path / "m.yaml").read_text(encoding="utf-8"))
    assert data["threats"][0]["id"] == "T-1" and data["threats"][0]["affects"] == ["api"]
    assert data["flows"][0]["from"] == "api" and "to" not in data["flows"][0]
