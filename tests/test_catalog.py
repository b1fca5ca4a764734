"""The built-in threat and mitigation catalogs: schema-valid, complete per STRIDE category and kind, consistent."""
from __future__ import annotations

import json
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from threatlint.catalog import (CatalogError, CatalogMitigation, PLACEHOLDERS, build_catalog, default_catalog,
                                mitigations, mitigations_for, with_extra)
from threatlint.engine.model import APPLICABLE, STRIDE

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "catalog.schema.json"
DATA = ROOT / "server" / "threatlint" / "catalog"
TEAM = Path(__file__).parent / "fixtures" / "catalog"


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["threats.yaml", "mitigations.yaml"])
def test_builtin_files_validate_against_the_catalog_schema(validator, name):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(load(name))]
    assert errors == []


def test_builtin_files_validate_with_check_jsonschema():
    """The schema is usable on its own, as users' editors and CI would use it."""
    out = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile", str(SCHEMA),
                          str(DATA / "threats.yaml"), str(DATA / "mitigations.yaml"), str(TEAM / "team-catalog.yaml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_schema_rejects_code_and_unknown_condition_forms(validator):
    threat = load("threats.yaml")["threats"][0]
    for bad_when in ({"eval": "element.kind == 'process'"}, {"kind": "process", "python": "True"}, {},
                     {"protocol": "HTTP"}, {"not": [{"kind": "process"}]}):
        doc = {"threats": [dict(threat, when=bad_when)]}
        assert list(validator.iter_errors(doc)), f"{bad_when} should be rejected"


def test_at_least_120_threats_and_12_per_stride_category():
    cat = default_catalog()
    assert len(cat.threats) >= 120
    per = Counter(t.stride for t in cat.threats)
    assert {c: per[c] for c in STRIDE} == {c: per[c] for c in STRIDE if per[c] >= 12}, per


def test_every_threat_is_specific():
    cat = default_catalog()
    ids = [t.id for t in cat.threats]
    assert len(ids) == len(set(ids))
    titles = [t.title for t in cat.threats]
    assert len(titles) == len(set(titles)), "duplicate titles"
    for t in cat.threats:
        assert t.cwe or t.capec, t.id
        assert len(t.steps) >= 2, t.id
        assert t.mitigations, t.id
        assert all(t.stride in APPLICABLE[k] for k in t.kinds), t.id


def test_templates_use_only_known_placeholders():
    for t in default_catalog().threats:
        for text in (t.description, t.entry, *t.steps):
            names = {n for _, n, _, _ in string.Formatter().parse(text) if n}
            assert names <= PLACEHOLDERS, (t.id, names - PLACEHOLDERS)


def test_at_least_100_mitigations_and_5_per_category_and_kind():
    cat = default_catalog()
    assert len(cat.mitigations) >= 100
    short = {(kind, c): len(cat.mitigations_for(c, kind))
             for kind, cats in APPLICABLE.items() for c in cats if len(cat.mitigations_for(c, kind)) < 5}
    assert short == {}


def test_threats_and_mitigations_reference_each_other_consistently():
    cat = default_catalog()
    raw = {m["id"]: m for m in load("mitigations.yaml")["mitigations"]}
    for t in cat.threats:
        for mid in t.mitigations:
            m = cat.mitigation(mid)
            assert t.id in raw[mid]["counters"], f"{mid} should list {t.id} in counters"
            assert t.stride in m.stride, f"{mid} is listed by {t.id} but does not counter {t.stride}"
            assert set(m.kinds) & set(t.kinds), f"{mid} suits none of the kinds of {t.id}"
    for m in cat.mitigations:
        assert m.counters, f"{m.id} counters nothing"
        for tid in m.counters:
            assert m.id in cat.threat(tid).mitigations


def test_quick_fix_api_is_kept():
    found = mitigations_for("spoofing", "process")
    assert {"CM-MTLS", "CM-OAUTH-PKCE", "CM-SESSION-COOKIE"} <= {m.id for m in found}
    assert all(isinstance(m, CatalogMitigation) and "spoofing" in m.stride for m in found)
    assert "CM-TLS12-HSTS" in {m.id for m in mitigations_for("information_disclosure", "flow")}
    assert mitigations() == default_catalog().mitigations


def test_team_catalog_extends_the_builtin_one():
    text = (TEAM / "team-catalog.yaml").read_text(encoding="utf-8")
    cat = with_extra([("team.yaml", text)])
    team = cat.threat("ACME-I-001")
    assert team is not None and team.source == "team.yaml"
    assert len(cat.threats) == len(default_catalog().threats) + 1
    # a team threat may list a built-in mitigation: that mitigation now counters it too
    assert "ACME-I-001" in cat.mitigation("CM-FIELD-ENCRYPTION").counters
    assert "ACME-I-001" not in default_catalog().mitigation("CM-FIELD-ENCRYPTION").counters
    assert cat.mitigation("ACME-M-VAULT").counters == ("ACME-I-001",)


TEAM_THREAT = """\
threats:
  - id: ACME-S-001
    title: Forged badge reader events
    stride: spoofing
    kinds: [process]
    when: {mentions: [badge]}
    description: A forged reader posts events to {name}.
    attack_path:
      entry: reader API of {name}
      steps: [attacker clones a reader, posts events]
    cwe: [290]
    mitigations: [CM-MTLS]
"""


@pytest.mark.parametrize("change,where,problem", [
    (("when: {mentions: [badge]}", "when: {eval: \"'badge' in name\"}"), "$.threats[0].when", "unknown key 'eval'"),
    (("kinds: [process]", "kinds: [flow]"), "$.threats[0].kinds[0]", "spoofing does not apply to flow"),
    (("mitigations: [CM-MTLS]", "mitigations: [CM-NOPE]"), "$.threats[0].mitigations[0]", "unknown mitigation 'CM-NOPE'"),
    (("id: ACME-S-001", "id: CT-S-001"), "$.threats[0].id", "already defined in built-in threats.yaml"),
    (("reader API of {name}", "reader API of {hostname}"), "$.threats[0].attack_path.entry", "unknown placeholder {hostname}"),
    (("    cwe: [290]\n", ""), "$.threats[0]", "cwe"),
    (("stride: spoofing", "stride: spoof"), "$.threats[0].stride", "is not one of"),
])
def test_invalid_team_catalog_names_file_line_path_and_problem(change, where, problem):
    text = TEAM_THREAT.replace(*change)
    assert text != TEAM_THREAT
    with pytest.raises(CatalogError) as info:
        build_catalog([("built-in threats.yaml", (DATA / "threats.yaml").read_text(encoding="utf-8")),
                       ("built-in mitigations.yaml", (DATA / "mitigations.yaml").read_text(encoding="utf-8")),
                       ("team/threats.yaml", text)], trusted=2)
    message = str(info.value)
    assert message.startswith("team/threats.yaml:"), message
    assert where in message and problem in message, message
    assert info.value.line is not None


def test_invalid_yaml_in_team_catalog_is_reported_with_position():
    with pytest.raises(CatalogError) as info:
        with_extra([("team.yaml", "threats:\n  - id: [unclosed\n")])
    assert str(info.value).startswith("team.yaml:") and "YAML syntax error" in str(info.value)


# -- the JSON snapshot of the built-in files (catalog/builtin.json) --------------------------------

def test_snapshot_is_current_and_holds_exactly_the_yaml_data():
    from threatlint import catalog

    snap = json.loads((DATA / catalog.SNAPSHOT_FILE).read_text(encoding="utf-8"))
    for name in catalog.BUILTIN_FILES:
        text = (DATA / name).read_text(encoding="utf-8")
        digest = catalog.text_digest(text)
        assert digest in snap, f"{name} changed: run `python scripts/regenerate.py`"
        assert snap[digest] == yaml.safe_load(text)
    assert len(snap) == len(catalog.BUILTIN_FILES)


def test_built_in_catalog_loads_from_the_snapshot_without_parsing_yaml(monkeypatch):
    from threatlint import catalog

    def no_yaml(*a, **k):
        raise AssertionError("the YAML was parsed although the snapshot matches it")

    monkeypatch.setattr(catalog.yaml, "load", no_yaml)
    catalog.default_catalog.cache_clear()
    try:
        cat = catalog.default_catalog()
        assert len(cat.threats) >= 120 and len(cat.mitigations) >= 100
    finally:
        catalog.default_catalog.cache_clear()


def test_an_edited_built_in_file_is_read_as_yaml_not_from_a_stale_snapshot(monkeypatch):
    from threatlint import catalog

    original = catalog._builtin_text

    def edited(name: str) -> str:
        text = original(name)
        if name == "mitigations.yaml":
            first = next(m for m in load(name)["mitigations"])
            text = text.replace(f"title: {first['title']}", "title: Edited after the snapshot", 1)
            assert "Edited after the snapshot" in text
        return text

    monkeypatch.setattr(catalog, "_builtin_text", edited)
    catalog.default_catalog.cache_clear()
    try:
        titles = {m.title for m in catalog.default_catalog().mitigations}
        assert "Edited after the snapshot" in titles
    finally:
        catalog.default_catalog.cache_clear()


def test_the_catalog_schema_knows_every_role_the_engine_reads():
    import json

    from threatlint.engine.roles import ROLE_WORDS

    schema = json.loads((ROOT / "schemas" / "catalog.schema.json").read_text(encoding="utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "role" in node.get("properties", {}):
                found.append(node["properties"]["role"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    enums = [set(e) for r in found for e in [r.get("enum") or r.get("items", {}).get("enum") or
                                             next((a.get("enum") or a.get("items", {}).get("enum") for a in r.get("anyOf", [])
                                                   if a.get("enum") or a.get("items", {}).get("enum")), None)] if e]
    assert enums and all(e == set(ROLE_WORDS) for e in enums), enums
