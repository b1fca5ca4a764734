"""`threatlint import` on real files of Threat Dragon, threat-composer, Threagile and OTM
(tests/fixtures/interchange/SOURCES.md): every item kept, fields mapped, nothing invented, schema-valid."""
from __future__ import annotations

import json

import pytest
import yaml

from threatlint.cli import main
from threatlint.engine.schema import load_schema

from interchange_helpers import ALL_SOURCES, HERE, SOURCES, TD_ZONES, ids, run_import, schema_problems


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # Threagile uses YAML merge keys


def _expected_counts(fmt: str, src: dict, name: str) -> dict:
    """What the source holds, counted from its own structure (for Threat Dragon's curves, the zones they
    split the drawing into)."""
    if fmt == "threat-dragon" and any("diagramJson" in d for d in src["detail"]["diagrams"]):  # v1
        cells = [c for d in src["detail"]["diagrams"] for c in d.get("diagramJson", {}).get("cells", [])]
        kinds = [c["type"] for c in cells]
        return {"elements": sum(k in ("tm.Actor", "tm.Process", "tm.Store") for k in kinds),
                "flows": kinds.count("tm.Flow"), "boundaries": len(TD_ZONES[name]),
                "threats": sum(len(c.get("threats") or []) for c in cells),  # v1 threats have no id: each is one
                "mitigations": sum(bool(t.get("mitigation")) for c in cells for t in c.get("threats") or [])}
    if fmt == "threat-dragon":
        cells = [c for d in src["detail"]["diagrams"] for c in d["cells"]]
        kinds = [c.get("data", {}).get("type") for c in cells]
        return {"elements": sum(k in ("tm.Actor", "tm.Process", "tm.Store") for k in kinds),
                "flows": kinds.count("tm.Flow"),
                "boundaries": kinds.count("tm.BoundaryBox") + len(TD_ZONES.get(name, {})),
                "threats": len({t["id"] for c in cells for t in c.get("data", {}).get("threats") or []})}
    if fmt == "threat-composer":
        return {"threats": len(src["threats"]), "mitigations": len(src["mitigations"]),
                "assumptions": len(src["assumptions"]),
                "assets": len({a.lower() for t in src["threats"] for a in t.get("impactedAssets") or []})}
    if fmt == "threagile":
        tech = src["technical_assets"].values()
        return {"elements": len(src["technical_assets"]),
                "flows": sum(len(t.get("communication_links") or {}) for t in tech),
                "boundaries": len(src["trust_boundaries"]), "assets": len(src["data_assets"]),
                "threats": sum(len(c.get("risks_identified") or {}) for c in src["individual_risk_categories"].values())}
    return {"elements": len(src["components"]), "flows": len(src["dataflows"]),
            "boundaries": len(src["trustZones"]), "assets": len(src.get("assets") or []),
            "threats": len(src.get("threats") or []), "mitigations": len(src.get("mitigations") or [])}


@pytest.mark.parametrize("fmt,path", ALL_SOURCES, ids=[p.name for _, p in ALL_SOURCES])
def test_every_item_kept_and_the_model_is_schema_valid(fmt, path, tmp_path, capsys):
    text, data, printed = run_import(path, tmp_path / "threatmodel.yaml", capsys)  # format detected
    for section, n in _expected_counts(fmt, _load(path), path.name).items():
        assert len(data.get(section) or []) == n, section
        assert f"{n} {section}" in printed.splitlines()[0]
    assert schema_problems(text) == []
    assert f"({fmt})" in printed.splitlines()[0]
    # ids unique across the file and every reference resolves (TM004 clean)
    all_ids = [i for s in ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "assumptions")
               for i in ids(data, s)]
    assert len(all_ids) == len(set(all_ids))
    from threatlint.engine import check_text
    assert [f.message for f in check_text(text) if f.rule == "TM004"] == []
    # Every threat of these sources is rated in the source's own way (severity, priority, or likelihood and
    # impact) and the import names that scheme in review.rating, so none is reported unrated.
    assert [f.message for f in check_text(text) if f.rule == "TM307"] == []


@pytest.mark.parametrize("fmt,path", ALL_SOURCES, ids=[p.name for _, p in ALL_SOURCES])
def test_the_model_reads_like_one_a_person_wrote(fmt, path, tmp_path, capsys):
    text, data, _ = run_import(path, tmp_path / "m.yaml", capsys)
    order = list(load_schema()["properties"])
    top = [k for k in data if not k.startswith("x-")]
    assert top == sorted(top, key=order.index)  # sections in the documented order
    assert text.startswith("# Imported from ")
    assert "\n\nthreats:" in text or not data.get("threats")
    def short_lists(node):
        if isinstance(node, dict):
            return any(short_lists(v) for v in node.values())
        if isinstance(node, list):
            return (0 < len(node) <= 2 and all(isinstance(v, str) and len(v) < 20 for v in node)) \
                or any(short_lists(v) for v in node)
        return False
    assert ": [" in text or not short_lists(data)  # short lists in flow style
    assert [line for line in text.splitlines() if line.endswith(" ")] == []  # no blanks left at line ends
    for section in ("elements", "threats"):
        for item in data.get(section) or []:
            keys = [k for k in item if not k.startswith("x-")]
            props = list(load_schema()["properties"][section]["items"]["properties"])
            assert keys == sorted(keys, key=props.index)
            assert list(item)[:len(keys)] == keys  # x- keys come last


def test_threat_dragon_demo(tmp_path, capsys):
    src = HERE / "threat-dragon" / "v2-threat-model.json"
    text, data, printed = run_import(src, tmp_path / "m.yaml", capsys)
    elements = {e["id"]: e for e in data["elements"]}
    assert elements["browser"]["kind"] == "external_entity"
    assert elements["message-queue"]["kind"] == "data_store"
    assert elements["web-application-config"]["out_of_scope"]
    flows = {f["name"]: f for f in data["flows"]}
    # drawn with its source end loose beside the browser: joined to it, and a comment says so
    assert (flows["Web Request"]["from"], flows["Web Request"]["to"]) == ("browser", "web-application")
    assert "source drawn unattached at (180, 70); nearest element" in text
    assert flows["Read web app config"]["out_of_scope"] == "This data flow represents a read from the file system"
    assert flows["Web Request"]["encrypted"] is True and "encrypted" not in flows["Message"]  # unticked: no claim
    threats = {t["title"]: t for t in data["threats"]}
    t = threats["Accessing DB credentials"]
    assert t["stride"] == "information_disclosure" and t["affects"] == ["worker-config"]
    assert t["impact"] == {"severity": "high"} and t["status"] == "open"
    assert "# Threat Dragon severity High" in text
    # the source rates by severity only: nothing else is made up
    assert data["review"]["rating"] == "severity"
    assert not any("likelihood" in t or "priority" in t for t in data["threats"])
    assert "threats[].likelihood, priority: Threat Dragon rates by severity only" in printed
    mitigations = {m["id"]: m for m in data["mitigations"]}
    assert mitigations[t["mitigations"][0]]["title"] == "Encrypt the DB credentials in the configuration file."
    # the three unnamed curves split the drawing into four zones (tests/test_interchange_zones.py)
    assert {e["id"]: e["boundary"] for e in data["elements"]}["browser"] == "browser-zone"


def test_threat_dragon_boundary_boxes_hold_what_is_drawn_inside(tmp_path, capsys):
    _, data, _ = run_import(HERE / "threat-dragon" / "three-tier-web-app.json", tmp_path / "m.yaml", capsys)
    where = {e["name"]: e.get("boundary") for e in data["elements"]}
    assert where["Web Service"] == where["PostgresSQL"] != where["Web UI"]
    assert {b["id"] for b in data["boundaries"]} == {where["Web UI"], where["Web Service"]}


def test_threat_composer_workspace(tmp_path, capsys):
    src = HERE / "threat-composer" / "ThreatComposer.tc.json"
    raw = json.loads(src.read_text(encoding="utf-8"))
    text, data, printed = run_import(src, tmp_path / "m.yaml", capsys)
    (whole,) = data["elements"]
    assert whole["name"] == raw["applicationInfo"]["name"] and whole["kind"] == "process"
    assert all(t["affects"] == [whole["id"]] for t in data["threats"])
    assert data["review"]["rating"] == "priority"
    assert data["system"]["x-threat-composer-architecture"] == raw["architecture"]["description"].strip()
    assert data["system"]["x-threat-composer-dataflow"] == raw["dataflow"]["description"].strip()
    assert "architecture.image: an embedded picture" in printed
    # the example's own dangling links, counted one by one
    threat_or_mitigation = {t["id"] for t in raw["threats"]} | {m["id"] for m in raw["mitigations"]}
    assumption_ids = {a["id"] for a in raw["assumptions"]}
    dangling = sum(link["linkedId"] not in threat_or_mitigation for link in raw["assumptionLinks"])
    assert f"assumptionLinks[].linkedId: a threat or mitigation that is not in the file (x{dangling})" in printed
    missing = sum(link["assumptionId"] not in assumption_ids and link["linkedId"] in threat_or_mitigation
                  for link in raw["assumptionLinks"])
    assert f"assumptionLinks[].assumptionId: an item that is not in the file (x{missing})" in printed
    by_number = {t["numericId"]: t for t in raw["threats"]}
    mitigation_number = {m["id"]: m["numericId"] for m in raw["mitigations"]}
    for ours in data["threats"]:
        source = by_number[int(ours["id"].split("-")[1])]
        assert ours["description"] == source["statement"]
        assert ours["attack_path"]["steps"][0] == source["threatAction"]
        if source.get("prerequisites"):
            assert ours["attack_path"]["entry"] == source["prerequisites"]
        assert ours["status"] == {"threatIdentified": "open", "threatResolved": "mitigated"}[source["status"]]
        priority = next(m["value"] for m in source["metadata"] if m["key"] == "Priority")
        assert ours["priority"] == priority.lower()
        linked = {f"M-{mitigation_number[l['mitigationId']]}" for l in raw["mitigationLinks"]
                  if l["linkedId"] == source["id"] and l["mitigationId"] in mitigation_number}
        assert set(ours.get("mitigations", [])) == linked
        assert {a for a in ours.get("assets", [])} <= {a["id"] for a in data["assets"]}
    mitigations = {m["id"]: m for m in data["mitigations"]}
    assert {m["status"] for m in mitigations.values()} == {"implemented"}
    assert [a["text"] for a in data["assumptions"]] == [a["content"] for a in raw["assumptions"]]


def test_threagile_example(tmp_path, capsys):
    src = HERE / "threagile" / "threagile-example.yaml"
    raw = _load(src)
    text, data, printed = run_import(src, tmp_path / "m.yaml", capsys)
    elements = {e["id"]: e for e in data["elements"]}
    assert elements["customer-client"]["kind"] == "external_entity"
    assert elements["customer-client"]["out_of_scope"] == "Owned and managed by end-user customer"
    assert elements["sql-database"]["kind"] == "data_store"
    flows = {(f["from"], f["name"]): f for f in data["flows"]}
    link = raw["technical_assets"]["Customer Web Client"]["communication_links"]["Customer Traffic"]
    traffic = flows[("customer-client", "Customer Traffic")]
    assert traffic["to"] == link["target"] == "load-balancer"
    assert traffic["data"] == link["data_assets_sent"] and traffic["returns"] == link["data_assets_received"]
    assert traffic["encrypted"] is True and traffic["authenticated"] is True
    boundaries = {b["id"]: b for b in data["boundaries"]}
    for outer in raw["trust_boundaries"].values():
        for nested in outer.get("trust_boundaries_nested") or []:
            assert boundaries[nested]["parent"] == outer["id"]
        for asset in outer.get("technical_assets_inside") or []:
            assert elements[asset]["boundary"] == outer["id"]
    assets = {a["id"]: a for a in data["assets"]}
    assert assets["customer-accounts"]["classification"] == "secret"  # strictly-confidential
    assert "# Threagile confidentiality strictly-confidential" in text
    threats = {t["id"]: t for t in data["threats"]}
    t = threats["something-strange.sql-database"]
    assert t["stride"] == "repudiation" and t["affects"] == ["sql-database"]
    assert (t["likelihood"], t["impact"]["severity"], t["priority"]) == ("medium", "medium", "critical")
    assert t["status"] == "open" and "# no risk_tracking entry: Threagile's unchecked" in text
    # the tracking of risks Threagile computes itself is kept as written
    assert data["x-threagile-risk-tracking"].keys() == raw["risk_tracking"].keys()
    assert data["review"]["rating"] == "likelihood_severity"


def test_threagile_risk_tracking_gives_status_and_acceptance(tmp_path, capsys):
    src = (HERE / "threagile" / "threagile-example.yaml").read_text(encoding="utf-8")
    tracked = src.replace("risk_tracking:\n", "risk_tracking:\n\n  something-strange@*:\n    status: accepted\n"
                          "    justification: Only reachable from the admin VPN\n    ticket: XYZ-9\n"
                          "    date: 2020-02-01\n    checked_by: Jane Doe\n", 1)
    path = tmp_path / "threagile.yaml"
    path.write_text(tracked, encoding="utf-8")
    _, data, _ = run_import(path, tmp_path / "m.yaml", capsys)
    for t in data["threats"]:
        assert t["status"] == "accepted"
        assert t["acceptance"] == {"by": "Jane Doe", "rationale": "Only reachable from the admin VPN",
                                   "date": "2020-02-01", "ticket": "XYZ-9"}
    assert "something-strange@*" not in data["x-threagile-risk-tracking"]


def test_otm_instances_give_affects_status_and_mitigations(tmp_path, capsys):
    src = HERE / "otm" / "EXAMPLE.json"
    text, data, _ = run_import(src, tmp_path / "m.yaml", capsys)
    (t,) = data["threats"]
    assert t["affects"] == ["web-service", "cc-store-in-db"]
    assert t["stride"] == ["spoofing", "tampering"]
    assert t["status"] == "open" and "# OTM state exposed" in text
    assert (t["likelihood"], t["impact"]["severity"]) == ("medium", "critical")
    assert "priority" not in t
    assert t["x-otm-cwes"] == ["CWE-79", "CWE-787"]
    elements = {e["id"]: e for e in data["elements"]}
    assert elements["customer-database"]["kind"] == "data_store"
    assert elements["web-client"]["kind"] == "external_entity"
    assert elements["web-client"]["boundary"] == "internet"


def test_otm_0_1_from_microsoft_tmt(tmp_path, capsys):
    src = HERE / "otm" / "mobile-cloud.otm.json"
    raw = json.loads(src.read_text(encoding="utf-8"))
    _, data, _ = run_import(src, tmp_path / "m.yaml", capsys)
    assert data["system"]["x-otm-version"] == "0.1.0"
    placed = {}
    for c in raw["components"] + raw["dataflows"]:
        for inst in c.get("threats") or []:
            placed.setdefault(inst["threat"], set()).add(c["id"])
    ours = {t["x-otm-id"]: t for t in data["threats"]}
    otm_ids = {**{e.get("x-otm-id", e["id"]): e["id"] for e in data["elements"]},
               **{f.get("x-otm-id", f["id"]): f["id"] for f in data["flows"]}}
    for tid, where in placed.items():
        assert set(ours[tid]["affects"]) == {otm_ids[w] for w in where}
    # threat "55" and mitigation "55" are different things: both kept, ids unique
    assert "T-55" in ids(data, "threats") and "M-55" in ids(data, "mitigations")


def test_from_overrides_detection_and_bad_input_is_a_clear_error(tmp_path, capsys):
    src = HERE / "otm" / "EXAMPLE.json"
    assert main(["import", str(src), "--from", "otm", "-o", str(tmp_path / "m.yaml")]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.json"
    bad.write_text('{"otmVersion": "0.2.0",\n  "project": }', encoding="utf-8")
    assert main(["import", str(bad)]) == 2
    assert "bad.json:2:14: not valid JSON" in capsys.readouterr().err
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}', encoding="utf-8")
    assert main(["import", str(other)]) == 2
    assert "not a threat model of any known tool" in capsys.readouterr().err
    v1 = tmp_path / "v1.json"
    v1.write_text('{"summary": {"title": "x"}, "detail": {"diagrams": [{"diagramJson": "cells"}]}}', encoding="utf-8")
    assert main(["import", str(v1)]) == 2  # v1 is read (tests/test_interchange_threat_dragon_v1.py); this drawing is not
    assert "Threat Dragon v1 model: detail.diagrams[0].diagramJson is not a drawing" in capsys.readouterr().err
    wrong = tmp_path / "list.json"
    wrong.write_text("[1, 2]", encoding="utf-8")
    assert main(["import", str(wrong), "--from", "otm"]) == 2
    assert "not an object" in capsys.readouterr().err
    broken = tmp_path / "threagile.yaml"
    broken.write_text("threagile_version: 1.0.0\ntitle: [unclosed\n", encoding="utf-8")
    assert main(["import", str(broken)]) == 2
    assert "threagile.yaml:3:1: YAML syntax error" in capsys.readouterr().err
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("title: !!python/object:os.system x\n", encoding="utf-8")
    assert main(["import", str(tagged), "--from", "threagile"]) == 2
    assert "tagged.yaml:1:8: YAML tag" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_existing_model_is_not_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "threatmodel.yaml"
    out.write_text("version: 1\nsystem: {name: mine}\n", encoding="utf-8")
    assert main(["import", str(SOURCES["otm"][0]), "-o", str(out)]) == 2
    assert "exists: pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "version: 1\nsystem: {name: mine}\n"
    assert main(["import", str(SOURCES["otm"][0]), "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Imported from EXAMPLE.json")


def test_model_on_stdout_summary_on_stderr(capsys):
    assert main(["import", str(SOURCES["otm"][0])]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Imported from EXAMPLE.json (otm)") and "otmVersion" not in out
    assert err.startswith("imported from EXAMPLE.json (otm), kept: 4 elements, 2 flows, 2 boundaries")
    assert "kept as extension keys:" in err and "left absent" in err


def test_threat_dragon_geometry_is_read_per_diagram(tmp_path, capsys):
    """Two real diagrams in one model: boxes of one diagram hold nothing drawn on the other, and the curves
    of the other split only their own diagram into zones."""
    demo = json.loads((HERE / "threat-dragon" / "v2-threat-model.json").read_text(encoding="utf-8"))
    tier = json.loads((HERE / "threat-dragon" / "three-tier-web-app.json").read_text(encoding="utf-8"))
    both = dict(tier)
    both["detail"] = dict(tier["detail"], diagrams=tier["detail"]["diagrams"] + demo["detail"]["diagrams"])
    src = tmp_path / "both.json"
    src.write_text(json.dumps(both), encoding="utf-8")
    _, data, _ = run_import(src, tmp_path / "m.yaml", capsys)
    _, alone, _ = run_import(HERE / "threat-dragon" / "three-tier-web-app.json", tmp_path / "a.yaml", capsys)
    demo_title = demo["detail"]["diagrams"][0]["title"]
    on_demo = [e for e in data["elements"] if e["x-threat-dragon-diagram"] == demo_title]
    _, demo_alone, _ = run_import(HERE / "threat-dragon" / "v2-threat-model.json", tmp_path / "d.yaml", capsys)
    assert len(on_demo) == 7
    assert {e["name"]: e["boundary"] for e in on_demo} == {e["name"]: e["boundary"] for e in demo_alone["elements"]}
    assert {e["name"]: e.get("boundary") for e in data["elements"] if e not in on_demo} == \
        {e["name"]: e.get("boundary") for e in alone["elements"]}
    zones = [b for b in data["boundaries"] if "x-threat-dragon-sides" in b]
    assert {b["id"] for b in zones} == set(TD_ZONES["v2-threat-model.json"])
    assert {b["x-threat-dragon-diagram"] for b in zones} == {demo_title}
    assert not any(b.get("parent") for b in data["boundaries"])  # the boxes of the other diagram lie in no zone


def test_otm_yaml_from_startleft_with_nested_trust_zones(tmp_path, capsys):
    text, data, _ = run_import(HERE / "otm" / "startleft-mtmt-nested-tz.otm", tmp_path / "m.yaml", capsys)
    boundaries = {b["name"]: b for b in data["boundaries"]}
    assert boundaries["Sandbox environment"]["parent"] == boundaries["Generic Trust Border Boundary"]["id"]
    kinds = {e["name"]: (e["kind"], e["boundary"]) for e in data["elements"]}
    assert kinds["Customer web client"] == ("external_entity", boundaries["Internet Boundary"]["id"])
    assert kinds["Sandbox Mongo"] == ("data_store", boundaries["Sandbox environment"]["id"])
    assert kinds["Main Application"][0] == "process"
    assert "# kind read from OTM type 'other-nosql-key-value-store'" in text
    flows = {f["name"]: f for f in data["flows"]}
    assert (flows["HTTPS"]["from"], flows["HTTPS"]["to"]) == ("customer-web-client", "main-application")


def test_threat_composer_candidate_mitigations_are_not_planned_and_their_comments_are_the_description(tmp_path, capsys):
    # threat-composer's "Generative AI Chatbot" example (tests/corpus/threat-composer-genai-chatbot/SOURCE.md):
    # 3-5 candidate mitigations per threat, "identified", with the how in their Comments.
    src = HERE.parent.parent / "corpus" / "threat-composer-genai-chatbot" / "GenAIChatbot.tc.json"
    raw = json.loads(src.read_text(encoding="utf-8"))
    _, data, _ = run_import(src, tmp_path / "m.yaml", capsys)
    ours = {m["id"]: m for m in data["mitigations"]}
    identified = 0
    for source in raw["mitigations"]:
        m = ours[f"M-{source['numericId']}"]
        if source["status"] == "mitigationIdentified":
            identified += 1
            assert "status" not in m and m["x-threat-composer-status"] == "mitigationIdentified"
        comments = next((e["value"] for e in source.get("metadata") or [] if e["key"] == "Comments"), "")
        if comments.strip():
            assert comments.strip() in m["description"]
            assert "x-threat-composer-comments" not in m
    assert identified > 40


def test_threagile_assets_stored_on_a_process_are_its_stores(tmp_path, capsys):
    """The Jeep demo keeps the ECU firmware on the CAN bridge, a process: the import says so in `stores`, and the
    firmware asset is not reported unused (TM005)."""
    from pathlib import Path

    from threatlint.engine import CheckContext, check_text

    src = Path(__file__).parent / "corpus" / "threagile-jeep-vehicle" / "jeep-demo.threagile.yaml"
    text, data, _ = run_import(src, tmp_path / "m.yaml", capsys)
    elements = {e["id"]: e for e in data["elements"]}
    assert elements["can-bridge"]["kind"] == "process"
    assert elements["can-bridge"]["stores"] == ["ecu-firmware"]
    assert not any(k.startswith("x-threagile-data") and "stored" in k for k in elements["can-bridge"])
    assert "stores" not in elements["head-unit"]  # stores nothing in the source
    unused = [f for f in check_text(text, CheckContext()) if f.rule == "TM005"]
    assert not [f for f in unused if "ecu-firmware" in f.message]


def test_threagile_data_stored_on_processes_is_held_by_them(tmp_path, capsys):
    """Threagile's data_assets_stored on a process or external entity is `stores` as on a data store: the
    rules see what the process holds, and an asset only a process keeps is not called unused (TM005)."""
    src = HERE / "threagile" / "threagile-example.yaml"
    raw = _load(src)
    text, data, printed = run_import(src, tmp_path / "m.yaml", capsys)
    elements = {e["id"]: e for e in data["elements"]}
    kinds = set()
    for body in raw["technical_assets"].values():
        assert elements[body["id"]].get("stores", []) == (body.get("data_assets_stored") or [])
        assert "x-threagile-data-assets-stored" not in elements[body["id"]]
        if body.get("data_assets_stored"):
            kinds.add(elements[body["id"]]["kind"])
    assert kinds == {"process", "external_entity", "data_store"}
    assert "technical_assets.data_assets_stored -> elements[].stores" in printed
    # an asset kept only by a process: the ERP system's own cache, added to the real file (no link carries it)
    source = src.read_text(encoding="utf-8")
    assert source.count("      - erp-logs\n    data_formats_accepted:") == 1  # the ERP system's stored logs
    cached = source.replace("  ERP Logs:\n", "  ERP Cache:\n    id: erp-cache\n    confidentiality: confidential\n\n"
                            "  ERP Logs:\n", 1).replace("      - erp-logs\n    data_formats_accepted:",
                                                       "      - erp-logs\n      - erp-cache\n    data_formats_accepted:", 1)
    path = tmp_path / "threagile.yaml"
    path.write_text(cached, encoding="utf-8")
    text, data, _ = run_import(path, tmp_path / "cached.yaml", capsys)
    erp = next(e for e in data["elements"] if e["id"] == "erp-system")
    assert erp["kind"] == "process" and erp["stores"] == ["erp-logs", "erp-cache"]
    from threatlint.engine import check_text
    assert [f.message for f in check_text(text) if f.rule == "TM005" and "erp-cache" in f.message] == []
    # written as the extension key it was before, the asset is held by nothing the rules read
    before = text.replace("stores: [erp-logs, erp-cache]", "x-threagile-data-assets-stored: [erp-logs, erp-cache]")
    assert before != text
    assert [f.message for f in check_text(before) if f.rule == "TM005" and "erp-cache" in f.message]


def test_threagile_false_positive_closes_the_threat_and_the_summary_says_what_tracking_went_where(tmp_path, capsys):
    src = HERE / "threagile" / "threagile-example.yaml"
    raw = _load(src)
    _, _, printed = run_import(src, tmp_path / "plain.yaml", capsys)
    # every entry of the real file tracks a risk Threagile computes: none has a threat here, the summary says so
    n = len(raw["risk_tracking"])
    assert f"{n} of {n} entries track risks Threagile computes when it runs" in printed
    for key, entry in raw["risk_tracking"].items():
        assert f"    {key}: {entry['status']}" in printed
    tracked = src.read_text(encoding="utf-8").replace(
        "risk_tracking:\n", "risk_tracking:\n\n  something-strange@*:\n    status: false-positive\n"
        "    justification: The database logs every statement\n    date: 2020-02-01\n    checked_by: Jane Doe\n", 1)
    path = tmp_path / "threagile.yaml"
    path.write_text(tracked, encoding="utf-8")
    text, data, printed = run_import(path, tmp_path / "m.yaml", capsys)
    risks = [r for c in raw["individual_risk_categories"].values() if c["id"] == "something-strange"
             for r in c["risks_identified"].values()]
    closed = [t for t in data["threats"] if t["id"].startswith("something-strange.")]
    assert len(closed) == len(risks) > 0
    for t in closed:
        assert (t["status"], t["x-threagile-status"]) == ("accepted", "false-positive")
        assert t["acceptance"] == {"by": "Jane Doe", "rationale": "False positive: The database logs every statement",
                                   "date": "2020-02-01"}
        assert "mitigations" not in t  # nothing was put in place: the risk does not apply
        assert f"something-strange@*: false-positive -> threat {t['id']}" in printed
    assert "# Threagile risk_tracking something-strange@*: false-positive" in text
    assert f"{n} of {n + 1} entries track risks Threagile computes" in printed
    assert schema_problems(text) == []
    from threatlint.engine import check_text
    # closed as a decision with who and why: no rule asks for a mitigation or a residual risk; TM304 asks only
    # until when (Threagile records no expiry, for accepted risks either)
    findings = [f for f in check_text(text) if "something-strange." in f.message]
    assert not {"TM205", "TM306"} & {f.rule for f in findings}
    assert {f.message.split(" lacks ")[1].split(":")[0] for f in findings if f.rule == "TM304"} == {"expires"}
