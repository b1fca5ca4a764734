"""`threatlint export`: OTM 0.2, Threat Dragon v2 and DefectDojo findings, each validated against the
format's published schema (vendored in tests/fixtures/interchange/schemas, see SOURCES.md); round trips
import -> export -> import keep elements, flows and threats."""
from __future__ import annotations

import json
import subprocess

import pytest
from jsonschema import Draft7Validator

from threatlint.cli import main
from threatlint.interchange.geometry import Box

from interchange_helpers import ALL_SOURCES, SCHEMAS, SOURCES, run_export, run_import, schema_problems

SCHEMA = {"otm": "otm.schema.json", "threat-dragon": "threat-dragon-v2.schema.json",
          "defectdojo": "defectdojo-generic-findings.schema.json"}
# DefectDojo's generic JSON parser: the keys it accepts on a finding (dojo/tools/generic/json_parser.py)
DOJO_REQUIRED = {"title", "severity", "description"}


def _valid(fmt: str, data: dict) -> list[str]:
    schema = json.loads((SCHEMAS / SCHEMA[fmt]).read_text(encoding="utf-8"))
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(data)]


@pytest.mark.parametrize("fmt,path", ALL_SOURCES, ids=[p.name for _, p in ALL_SOURCES])
@pytest.mark.parametrize("target", ["otm", "threat-dragon", "defectdojo"])
def test_every_export_is_valid_against_the_published_schema(fmt, path, target, tmp_path, capsys):
    run_import(path, tmp_path / "threatmodel.yaml", capsys)
    out = run_export(tmp_path / "threatmodel.yaml", target, tmp_path / "out.json")
    assert _valid(target, out) == []


@pytest.mark.parametrize("fmt,path", ALL_SOURCES, ids=[p.name for _, p in ALL_SOURCES])
@pytest.mark.parametrize("target", ["otm", "threat-dragon"])
def test_round_trip_keeps_elements_flows_and_threats(fmt, path, target, tmp_path, capsys):
    _, first, _ = run_import(path, tmp_path / "first.yaml", capsys)
    run_export(tmp_path / "first.yaml", target, tmp_path / "exported.json")
    text, second, printed = run_import(tmp_path / "exported.json", tmp_path / "second.yaml", capsys)
    assert f"({target})" in printed.splitlines()[0]

    def elements(m):
        # a name that only repeats the id says nothing: OTM requires a name, and its import drops one equal
        # to the id (odo's 'developer')
        return {e["id"]: (e.get("kind"), e.get("name") if e.get("name") != e["id"] else None, e.get("boundary"))
                for e in m.get("elements") or []}

    def flows(m):
        return {f["id"]: (f.get("from"), f.get("to"), f.get("name")) for f in m.get("flows") or []}

    def threats(m):
        return {t["id"]: (t["title"], sorted(t.get("affects") or []), t.get("stride"), t.get("status"))
                for t in m.get("threats") or []}

    assert elements(second) == elements(first)
    assert flows(second) == flows(first)
    assert threats(second) == threats(first)
    assert [b["id"] for b in second.get("boundaries") or []] == [b["id"] for b in first.get("boundaries") or []]
    assert schema_problems(text) == []


def test_threat_dragon_layout_draws_boundaries_around_their_elements(tmp_path, capsys):
    _, model, _ = run_import(SOURCES["threagile"][0], tmp_path / "m.yaml", capsys)  # nested boundaries
    assert any(b.get("parent") for b in model["boundaries"])
    out = run_export(tmp_path / "m.yaml", "threat-dragon", tmp_path / "td.json")
    cells = {c["id"]: c for c in out["detail"]["diagrams"][0]["cells"]}

    def box(cell):
        return Box(cell["position"]["x"], cell["position"]["y"], cell["size"]["width"], cell["size"]["height"])

    def inside(inner: Box, outer: Box) -> bool:
        return (outer.x < inner.x and outer.y < inner.y and inner.x + inner.w < outer.x + outer.w
                and inner.y + inner.h < outer.y + outer.h)

    for e in model["elements"]:
        assert cells[e["id"]]["shape"] == {"external_entity": "actor", "process": "process", "data_store": "store"}[e["kind"]]
        if e.get("boundary"):
            assert inside(box(cells[e["id"]]), box(cells[e["boundary"]])), e["id"]
        others = [b for b in model["boundaries"] if b["id"] != e.get("boundary")]
        for b in others:  # an element sits in no box but its own and that box's ancestors
            ancestors, p = set(), e.get("boundary")
            while p:
                ancestors.add(p)
                p = next(x.get("parent") for x in model["boundaries"] if x["id"] == p)
            if b["id"] not in ancestors:
                assert not inside(box(cells[e["id"]]), box(cells[b["id"]])), (e["id"], b["id"])
    for b in model["boundaries"]:
        if b.get("parent"):
            assert inside(box(cells[b["id"]]), box(cells[b["parent"]]))
    boxes = [box(cells[e["id"]]) for e in model["elements"]]
    for i, a in enumerate(boxes):  # no two elements drawn over each other
        for b in boxes[i + 1:]:
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
    flows = [c for c in cells.values() if c["shape"] == "flow"]
    assert len(flows) == len(model["flows"]) and all(c["source"]["cell"] in cells for c in flows)


MODEL = """version: 1
system: {name: Payments API, owner: payments-team}
elements:
  - {id: api, kind: process, name: Payments API}
  - {id: db, kind: data_store, name: Ledger DB}
flows:
  - {id: api-db, from: api, to: db, name: Ledger writes}
mitigations:
  - {id: M-1, title: Parameterised queries, status: implemented, ticket: PAY-1}
threats:
  - id: T-1
    title: SQL injection in POST /refunds rewrites ledger rows
    stride: tampering
    affects: [api, api-db]
    description: The refund reason is concatenated into SQL.
    attack_path: {entry: POST /refunds, steps: [inject SQL in reason, update ledger], target: ledger}
    likelihood: medium
    impact: {severity: critical, records_exposed: 120000, regulatory: [PCI-DSS]}
    priority: high
    status: mitigated
    mitigations: [M-1]
  - id: T-2
    title: Refund replay doubles payouts
    stride: repudiation
    affects: [api]
    likelihood: high
    impact: {severity: high}
    priority: critical
    status: open
  - id: T-3
    title: Ledger DB snapshot readable by support staff
    stride: information_disclosure
    affects: [db]
    likelihood: low
    impact: {severity: medium}
    priority: low
    status: accepted
    acceptance: {by: CISO, rationale: support needs it, expires: 2027-01-01}
assets:
  - {id: ledger, name: Ledger, classification: financial}
"""


def test_defectdojo_findings(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    model = tmp_path / "services" / "payments" / "threatmodel.yaml"
    model.parent.mkdir(parents=True)
    model.write_text(MODEL, encoding="utf-8")
    out = run_export(model, "defectdojo", tmp_path / "dojo.json")
    assert _valid("defectdojo", out) == []
    findings = {f["unique_id_from_tool"]: f for f in out["findings"]}
    t1 = findings["threatlint:services/payments/threatmodel.yaml:T-1"]
    assert set(t1) >= DOJO_REQUIRED | {"mitigation", "component_name", "file_path", "line", "active", "is_mitigated", "risk_accepted"}
    assert t1["severity"] == "High"  # from the priority, not the impact severity
    assert t1["file_path"] == "services/payments/threatmodel.yaml"
    assert MODEL.splitlines()[t1["line"] - 1].strip() == "- id: T-1"
    assert t1["component_name"] == "Payments API, Ledger writes"
    assert "- Entry: POST /refunds" in t1["description"] and "2. update ledger" in t1["description"]
    assert "- Target: Ledger" in t1["description"] and "- Regulatory: PCI-DSS" in t1["description"]
    assert t1["mitigation"] == "- Parameterised queries (implemented, PAY-1)"
    assert (t1["active"], t1["is_mitigated"], t1["risk_accepted"]) == (False, True, False)
    t2 = findings["threatlint:services/payments/threatmodel.yaml:T-2"]
    assert (t2["severity"], t2["active"], t2["is_mitigated"], t2["risk_accepted"]) == ("Critical", True, False, False)
    assert "mitigation" not in t2
    t3 = findings["threatlint:services/payments/threatmodel.yaml:T-3"]
    assert (t3["severity"], t3["active"], t3["risk_accepted"]) == ("Low", False, True)
    assert MODEL.splitlines()[t3["line"] - 1].strip() == "- id: T-3"
    # the same model gives the same ids: DefectDojo matches re-imports on them
    assert run_export(model, "defectdojo", tmp_path / "again.json") == out


def test_defectdojo_rates_an_unprioritised_threat_from_what_it_has(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(MODEL.replace("    priority: high\n", "").replace("    priority: critical\n", "")
                     .replace("    likelihood: high\n", ""), encoding="utf-8")
    findings = {f["title"]: f for f in run_export(model, "defectdojo", tmp_path / "d.json")["findings"]}
    t1 = findings["SQL injection in POST /refunds rewrites ledger rows"]
    assert t1["severity"] == "High" and t1["severity_justification"] == "threatlint likelihood medium x impact severity critical"
    t2 = findings["Refund replay doubles payouts"]
    assert t2["severity"] == "High" and t2["severity_justification"] == "threatlint impact severity high"



def test_defectdojo_rates_by_the_models_rating_scheme(tmp_path):
    # review.rating: severity (engine.model.effective_priority): impact.severity is the rating, the likelihood is
    # not multiplied in, as `check`, the report and status rank the same threat.
    model = tmp_path / "m.yaml"
    model.write_text(MODEL.replace("    priority: high\n", "").replace("threats:\n", "review: {rating: severity}\nthreats:\n", 1),
                     encoding="utf-8")
    findings = {f["title"]: f for f in run_export(model, "defectdojo", tmp_path / "d.json")["findings"]}
    t1 = findings["SQL injection in POST /refunds rewrites ledger rows"]
    assert t1["severity"] == "Critical" and t1["severity_justification"] == "threatlint impact severity critical"


def test_export_of_a_broken_model_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "m.yaml"
    bad.write_text("version: 1\nsystem: {name: x\n", encoding="utf-8")
    assert main(["export", str(bad), "--to", "otm"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"threatlint export: error: {bad}:") and ":3:" in err or ":2:" in err
    listed = tmp_path / "l.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    assert main(["export", str(listed), "--to", "otm"]) == 2
    assert "not a threat model" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["otm", "threat-dragon"])
def test_our_own_example_model_survives_export_and_import(target, tmp_path, capsys):
    """A model written by hand for threatlint (examples/payments) keeps its elements, flows, boundaries
    and threats through the other tool's format."""
    from pathlib import Path

    from threatlint.engine.parse import parse_yaml

    model = Path(__file__).parent.parent / "examples" / "payments" / "threatmodel.yaml"
    original = parse_yaml(model.read_text(encoding="utf-8")).data
    out = run_export(model, target, tmp_path / "out.json")
    assert _valid(target, out) == []
    _, back, _ = run_import(tmp_path / "out.json", tmp_path / "back.yaml", capsys)
    for section, keys in (("elements", ("kind", "name", "boundary")), ("flows", ("from", "to")),
                          ("threats", ("title", "affects", "stride", "status")), ("boundaries", ("name", "parent"))):
        def facts(item):  # what a threat affects is a set: OTM and Threat Dragon keep no order for it
            return tuple(sorted(item[k]) if k == "affects" else item.get(k) for k in keys)
        mine = {i["id"]: facts(i) for i in original.get(section) or []}
        theirs = {i["id"]: facts(i) for i in back.get(section) or []}
        assert theirs == mine, section
