"""`threatlint suggest`: catalog threats for a model, with filled-in attack paths and mitigations."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from threatlint.catalog import default_catalog

THREATLINT = Path(sys.executable).parent / "threatlint"
MODEL = """\
version: 1
system: {name: Shop}
assets:
  - {id: pw, classification: credentials, attacker_value: 4}
  - {id: cards, classification: financial, attacker_value: 5}
boundaries:
  - {id: internet, name: Internet}
  - {id: vpc, name: Production VPC}
elements:
  - {id: shopper, kind: external_entity, name: Shopper browser, boundary: internet}
  - {id: api, kind: process, name: Login API, boundary: vpc}
  - {id: db, kind: data_store, name: Accounts DB, technology: PostgreSQL 16, boundary: vpc, stores: [pw, cards], encrypted_at_rest: true}
flows:
  - {id: login, from: shopper, to: api, data: [pw], protocol: HTTPS, authenticated: true, encrypted: true}
  - {id: query, from: api, to: db, data: [pw], protocol: SQL, authenticated: true, encrypted: true}
threats:
  - id: T-1
    title: Credential stuffing on the login API
    stride: spoofing
    catalog: CT-S-001
    affects: [api]
    likelihood: high
    impact: {severity: high}
    priority: critical
    status: open
"""


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(THREATLINT), "suggest", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "THREATLINT_TODAY": "2026-11-23"})


@pytest.fixture
def repo(tmp_path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "threatmodel.yaml").write_text(MODEL, encoding="utf-8")
    return tmp_path


def test_json_lists_suggestions_with_filled_attack_path_and_mitigations(repo):
    out = run("--format", "json", ".", cwd=repo)
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    by = {(e["catalog"], e["element"]): e for e in entries}
    # named: T-1 is CT-S-001 on api, so it is not suggested again
    assert ("CT-S-001", "api") not in by
    # a spoofing threat answers the category (TM106 is quiet) but does not hide the other spoofing attacks
    csrf = by[("CT-S-009", "api")]
    assert csrf["covered_by"] == "a spoofing threat" and csrf["named"] is False and csrf["severity"] is None
    sqli = by[("CT-T-001", "api")]
    assert sqli["title"] == default_catalog().threat("CT-T-001").title
    assert sqli["file"] == "threatmodel.yaml" and sqli["kind"] == "process" and sqli["severity"] == "info"
    assert "Login API" in sqli["description"] and "Accounts DB (db)" in sqli["description"]
    assert not [t for t in [sqli["description"], sqli["attack_path"]["entry"], *sqli["attack_path"]["steps"]]
                if "{" in t or "}" in t]
    assert sqli["attack_path"]["target"] == "cards"  # the most valuable asset reachable, sensitive first
    assert {m["id"] for m in sqli["mitigations"]} == set(default_catalog().threat("CT-T-001").mitigations)
    assert sqli["references"]["cwe"] == [89]
    line = MODEL.splitlines().index("  - {id: api, kind: process, name: Login API, boundary: vpc}")
    assert sqli["range"]["start"]["line"] == line
    assert ("CT-I-028", "db") in by  # a data store holding credentials


def test_text_output_names_entry_element_path_and_mitigations(repo):
    out = run(".", cwd=repo)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "threatmodel.yaml:" in text and "CT-T-001" in text and "on process 'api'" in text
    assert "attack path: entry:" in text and "CM-PARAM-QUERIES" in text
    assert "add to the model: a threat with catalog: CT-T-001" in text
    assert text.rstrip().endswith("models.") or "suggestions in 1 model" in text


def test_all_also_lists_answered_entries(repo):
    entries = json.loads(run("--format", "json", "--all", ".", cwd=repo).stdout)
    answered = {e["catalog"]: e for e in entries if e["element"] == "api" and e["stride"] == "spoofing"}
    assert answered["CT-S-001"]["covered_by"] == "a threat with catalog: CT-S-001"
    assert answered["CT-S-009"]["covered_by"] == "a spoofing threat"
    assert answered["CT-S-001"]["severity"] is None


def test_inline_suppression_and_config_apply(repo):
    text = MODEL.replace("name: Login API, boundary: vpc}", "name: Login API, boundary: vpc}  # threatlint: ignore[TM106] SQL goes through the ORM, reviewed")
    (repo / "threatmodel.yaml").write_text(text, encoding="utf-8")
    entries = json.loads(run("--format", "json", ".", cwd=repo).stdout)
    assert not [e for e in entries if e["element"] == "api"] and [e for e in entries if e["element"] == "db"]
    (repo / ".threatlint.yaml").write_text("ignore: [TM106]\n", encoding="utf-8")
    assert json.loads(run("--format", "json", ".", cwd=repo).stdout) == []


def test_team_catalog_is_used(repo):
    (repo / "threatmodel.yaml").write_text(MODEL.replace("name: Accounts DB", "name: Loyalty points DB"), encoding="utf-8")
    team = Path(__file__).parent / "fixtures" / "catalog" / "team-catalog.yaml"
    (repo / "sec").mkdir()
    (repo / "sec" / "team.yaml").write_text(team.read_text(encoding="utf-8"), encoding="utf-8")
    (repo / "pyproject.toml").write_text("[tool.threatlint]\nextra-catalogs = ['sec/team.yaml']\n", encoding="utf-8")
    entries = json.loads(run("--format", "json", ".", cwd=repo).stdout)
    team_entry = [e for e in entries if e["catalog"] == "ACME-I-001"]
    assert len(team_entry) == 1 and team_entry[0]["element"] == "db"
    assert team_entry[0]["source"].endswith("team.yaml")
    assert {m["id"] for m in team_entry[0]["mitigations"]} == {"CM-FIELD-ENCRYPTION", "ACME-M-VAULT"}


def test_invalid_team_catalog_exits_2_with_a_clear_message(repo):
    (repo / "team.yaml").write_text("threats:\n  - id: X-1\n    title: t\n", encoding="utf-8")
    (repo / ".threatlint.yaml").write_text("extra-catalogs: [team.yaml]\n", encoding="utf-8")
    out = run(".", cwd=repo)
    assert out.returncode == 2
    assert "team.yaml:2:" in out.stderr and "$.threats[0]" in out.stderr and "is required" in out.stderr
    assert "Traceback" not in out.stderr


def test_unparsable_model_is_reported_not_crashed(repo):
    (repo / "threatmodel.yaml").write_text("version: 1\nsystem: [\n", encoding="utf-8")
    out = run(".", cwd=repo)
    assert out.returncode == 1 and "cannot suggest" in out.stdout and "Traceback" not in out.stderr


def test_no_models_is_a_usage_error(tmp_path):
    out = run(str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "no threat model files" in out.stderr


def test_schema_invalid_models_do_not_crash_the_templates():
    from threatlint.cli.suggest import suggestions_for
    from threatlint.engine import CheckContext

    junk = MODEL + ("  - {id: odd, from: [api], to: {x: 1}, data: 5, protocol: [HTTP]}\n"
                    "  - {id: odd2, from: api, to: db, data: [[1]], protocol: 7}\n")
    junk = junk.replace("stores: [pw, cards]", "stores: [[pw], {a: 1}, cards]").replace(
        "boundary: internet}", "boundary: [internet]}")
    entries, problem = suggestions_for(junk, CheckContext(), include_covered=True)
    assert problem is None and entries


# -- suggestions are ideas: a category answered by some threat does not hide the catalog's attacks -------------------

TELEHEALTH = """\
version: 1
system: {name: Telehealth}
assets:
  - {id: records, name: Patient records, classification: [pii, confidential], attacker_value: 5, records: 300000}
  - {id: slots, name: Appointment slots, classification: internal, attacker_value: 1}
boundaries: [{id: internet}, {id: cloud}]
elements:
  - {id: patient, kind: external_entity, name: Patient, boundary: internet}
  - {id: portal, kind: process, name: Patient portal, technology: Node.js, boundary: cloud}
  - {id: scheduler, kind: process, name: Appointment scheduler, technology: Python, boundary: cloud}
  - {id: ehr, kind: data_store, name: EHR database, technology: PostgreSQL, boundary: cloud, stores: [records]}
  - {id: calendar, kind: data_store, name: Slot calendar, technology: PostgreSQL, boundary: cloud, stores: [slots]}
  - {id: video, kind: process, name: Video vendor, boundary: internet, out_of_scope: run by the video vendor under its BAA}
flows:
  - {id: visit, from: patient, to: portal, data: [records], protocol: HTTPS, encrypted: true, authenticated: true}
  - {id: read, from: portal, to: ehr, data: [records], protocol: SQL, encrypted: true, authenticated: true}
  - {id: book, from: patient, to: scheduler, data: [slots], protocol: HTTPS, encrypted: true, authenticated: true}
  - {id: slots-q, from: scheduler, to: calendar, data: [slots], protocol: SQL, encrypted: true, authenticated: true}
  - {id: call, from: portal, to: video, protocol: HTTPS, encrypted: true, authenticated: true}
threats:
"""


def _one_threat_per_category() -> str:
    from threatlint.engine.model import APPLICABLE

    out, n = [], 0
    for ident, kind in (("patient", "external_entity"), ("portal", "process"), ("scheduler", "process"),
                        ("ehr", "data_store"), ("calendar", "data_store"), ("visit", "flow"), ("read", "flow"),
                        ("book", "flow"), ("slots-q", "flow"), ("call", "flow")):
        for cat in APPLICABLE[kind]:
            n += 1
            out.append(f"  - {{id: T-{n}, title: {cat} of {ident} via its public API, stride: {cat}, affects: [{ident}], "
                       "likelihood: low, impact: {severity: low}, priority: low, status: open}\n")
    return "".join(out)


def test_telehealth_model_with_every_category_answered_still_gets_suggestions():
    from threatlint.cli.suggest import suggestions_for
    from threatlint.engine import CheckContext, check_text

    text = TELEHEALTH + _one_threat_per_category()
    assert [f for f in check_text(text, CheckContext()) if f.rule in ("TM101", "TM106")] == []  # TM106 quiet
    entries, problem = suggestions_for(text, CheckContext())
    assert problem is None and entries
    assert all(e["covered_by"] and not e["named"] and e["severity"] is None for e in entries)
    assert "video" not in {e["element"] for e in entries}  # out of scope: nothing suggested
    # ranked by the value of what they reach: the patient records (sensitive, value 5) before the slots
    elements = [e["element"] for e in entries]
    assert elements.index("ehr") < elements.index("calendar")
    assert elements.index("portal") < elements.index("scheduler")
