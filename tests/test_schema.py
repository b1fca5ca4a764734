"""The JSON Schema: every key of docs/format.md version 1, usable on its own (check-jsonschema), and the engine's TM002."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest
from jsonschema import Draft202012Validator

from threatlint.engine.parse import parse_yaml
from threatlint.engine.schema import fast_validator, load_schema, validator

from conftest import RULE_FIXTURES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schemas" / "threatmodel.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]


def resolve(node: dict) -> dict:
    while "$ref" in node:
        node = {**DEFS[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def item_schema(section: str) -> dict:
    return SCHEMA["properties"][section]["items"]


def objects(node=SCHEMA, path="$"):
    """Every object schema in the tree, with its JSON path."""
    node = resolve(node)
    if node.get("type") == "object":
        yield path, node
        for key, sub in node.get("properties", {}).items():
            yield from objects(sub, f"{path}.{key}")
    if "items" in node:
        yield from objects(node["items"], f"{path}[]")


def test_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_package_reads_the_only_copy():
    assert load_schema() == SCHEMA


def test_every_key_has_a_description_and_objects_reject_unknown_keys():
    seen = 0
    for path, obj in objects():
        assert obj.get("additionalProperties") is False, path
        assert obj.get("description"), path
        for key, sub in obj["properties"].items():
            assert sub.get("description"), f"{path}.{key} has no description"
            seen += 1
    assert seen > 80


VERSION_1_KEYS = {
    "$": {"version", "system", "scope", "review", "assets", "boundaries", "elements", "flows", "threats",
          "mitigations", "exemptions", "assumptions"},
    "$.system": {"name", "description", "owner", "champion", "criticality"},
    "$.scope": {"paths", "out_of_scope"},
    "$.review": {"last_reviewed", "cadence_days"},
    "$.assets[]": {"id", "name", "classification", "attacker_value", "records", "regulations"},
    "$.boundaries[]": {"id", "name"},
    "$.elements[]": {"id", "kind", "name", "boundary", "stores", "encrypted_at_rest"},
    "$.flows[]": {"id", "from", "to", "data", "protocol", "authenticated", "encrypted"},
    "$.threats[]": {"id", "title", "stride", "affects", "description", "attack_path", "likelihood", "impact",
                    "priority", "priority_rationale", "owner", "status", "identified", "mitigations", "residual_risk",
                    "acceptance"},
    "$.threats[].attack_path": {"entry", "steps", "target"},
    "$.threats[].impact": {"severity", "blast_radius", "records_exposed", "regulatory", "financial"},
    "$.threats[].acceptance": {"by", "rationale", "expires"},
    "$.mitigations[]": {"id", "title", "status", "effort", "ticket", "rationale"},
    "$.exemptions[]": {"element", "stride", "rationale"},
    "$.assumptions[]": {"id", "text", "validated", "evidence"},
}


def test_keeps_every_key_of_format_version_1():
    by_path = dict(objects())
    for path, keys in VERSION_1_KEYS.items():
        assert keys <= set(by_path[path]["properties"]), f"{path} lacks {keys - set(by_path[path]['properties'])}"


def test_required_exactly_as_format_md_lists():
    # docs/format.md: version; system.name; every item's id (not exemptions); element kind; flow from, to; threat
    # title, stride, affects, status; mitigation title; exemption element, stride, rationale; assumption text.
    # (system is required so that its required key is.) A threat's rating (likelihood, impact.severity,
    # priority) depends on the team's rating scheme: TM307 asks for what the scheme reads, not the schema.
    expected = {
        "$": ["version", "system"],
        "$.system": ["name"],
        "$.assets[]": ["id"],
        "$.boundaries[]": ["id"],
        "$.elements[]": ["id", "kind"],
        "$.flows[]": ["id", "from", "to"],
        "$.threats[]": ["id", "title", "stride", "affects", "status"],
        "$.mitigations[]": ["id", "title"],
        "$.exemptions[]": ["rationale"],  # and element, stride unless it names a component (below)
        "$.assumptions[]": ["id", "text"],
    }
    got = {path: obj["required"] for path, obj in objects() if obj.get("required")}
    assert got == expected
    # One conditional only, so one omission still gives exactly one finding: an exemption names an element and
    # its STRIDE categories, or a component it answers for drift (docs/drift.md).
    exemption = item_schema("exemptions")
    assert exemption["if"] == {"not": {"required": ["component"]}}
    assert exemption["then"] == {"required": ["element", "stride"]}
    text = SCHEMA_FILE.read_text()
    assert text.count('"if"') == 1 and text.count('"then"') == 1 and '"dependentRequired"' not in text


def test_an_exemption_without_stride_gives_one_finding_and_one_naming_a_component_none():
    from threatlint.engine import check_text

    base = "version: 1\nsystem: {name: x}\nelements: [{id: a, kind: process}]\nexemptions:\n"
    missing = [f for f in check_text(base + "  - {element: a, rationale: r}\n") if f.rule == "TM002"]
    assert [f.message for f in missing] == ["$.exemptions[0]: missing required key 'stride'"]
    assert [f for f in check_text(base + "  - {component: cache, rationale: r}\n") if f.rule == "TM002"] == []
    both = [f for f in check_text(base + "  - {rationale: r}\n") if f.rule == "TM002"]
    assert sorted(f.message for f in both) == ["$.exemptions[0]: missing required key 'element'",
                                               "$.exemptions[0]: missing required key 'stride'"]


def test_closed_sets_are_enums():
    def enum(node):
        node = resolve(node)
        if "anyOf" in node:  # one value or a list of them: the single value's enum
            node = resolve(node["anyOf"][0])
        return node["enum"]
    levels = ["low", "medium", "high", "critical"]
    stride = ["spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service",
              "elevation_of_privilege"]
    assert enum(SCHEMA["properties"]["system"]["properties"]["criticality"]) == levels
    assert enum(item_schema("assets")["properties"]["classification"]) == [
        "public", "internal", "confidential", "pii", "credentials", "financial", "secret"]
    assert enum(item_schema("elements")["properties"]["kind"]) == ["external_entity", "process", "data_store"]
    threat = item_schema("threats")["properties"]
    for key in ("likelihood", "priority", "residual_risk"):
        assert enum(threat[key]) == levels
    assert enum(threat["impact"]["properties"]["severity"]) == levels
    assert enum(threat["status"]) == ["open", "mitigating", "mitigated", "accepted", "transferred"]
    assert enum(DEFS["stride_category"]) == stride
    assert enum(item_schema("mitigations")["properties"]["status"]) == ["planned", "in_progress", "implemented", "rejected"]
    assert SCHEMA["properties"]["version"]["const"] == 1


@pytest.mark.parametrize("value, ok", [
    ("card-data", True), ("T-001", True), ("A-1", True), ("svc.api:v2", True),
    ("", False), ("-lead", False), ("has space", False), ("ünïcode", False),
])
def test_id_format(value, ok):
    v = validator()
    assert v.is_valid({"version": 1, "system": {"name": "x"}, "boundaries": [{"id": value}]}) is ok


@pytest.mark.parametrize("value, ok", [
    ("2026-10-01", True), ("2024-02-29", True), ("2026-02-30", False), ("2026-1-5", False),
    ("2026-10-01T10:00:00", False), ("01.10.2026", False),
])
def test_date_format(value, ok):
    doc = {"version": 1, "system": {"name": "x"}, "review": {"last_reviewed": value}}
    assert validator().is_valid(doc) is ok
    try:
        fast_validator()(doc)
        fast_ok = True
    except fastjsonschema.JsonSchemaException:
        fast_ok = False
    assert fast_ok is ok


def test_fast_validator_agrees_with_jsonschema_on_every_fixture():
    files = sorted(RULE_FIXTURES.glob("*.yaml")) + sorted((ROOT / "examples").rglob("*threatmodel.yaml"))
    assert len(files) > 40
    for f in files:
        doc = parse_yaml(f.read_text(encoding="utf-8"))
        if not doc.ok:
            continue
        try:
            fast_validator()(doc.data)
            fast_ok = True
        except fastjsonschema.JsonSchemaException:
            fast_ok = False
        assert fast_ok is validator().is_valid(doc.data), f


def test_shipped_compiled_validator_is_current_and_used(monkeypatch):
    from threatlint.engine import schema, schema_compiled

    assert schema_compiled.SCHEMA_SHA256 == schema.schema_digest(), (
        "schemas/threatmodel.schema.json changed: run `python scripts/regenerate.py`")

    def no_compiling(*a, **k):
        raise AssertionError("fastjsonschema.compile ran although the shipped module matches the schema")

    monkeypatch.setattr(schema.fastjsonschema, "compile", no_compiling)
    schema.fast_validator.cache_clear()
    try:
        check = schema.fast_validator()
        check({"version": 1, "system": {"name": "x"}, "review": {"last_reviewed": "2026-10-01"}})
        with pytest.raises(fastjsonschema.JsonSchemaException):  # the date format is wired in
            check({"version": 1, "system": {"name": "x"}, "review": {"last_reviewed": "2026-02-30"}})
    finally:
        schema.fast_validator.cache_clear()


def test_a_stale_compiled_validator_is_not_used(monkeypatch):
    """After a schema edit without regenerating, the schema file wins: it is compiled at run time."""
    from threatlint.engine import schema, schema_compiled

    monkeypatch.setattr(schema_compiled, "SCHEMA_SHA256", "0" * 64)
    monkeypatch.setattr(schema_compiled, "validate", lambda data, custom_formats=None: None)  # accepts anything
    schema.fast_validator.cache_clear()
    try:
        with pytest.raises(fastjsonschema.JsonSchemaException):
            schema.fast_validator()({"version": 2})
    finally:
        schema.fast_validator.cache_clear()


def test_compiled_source_stamps_the_digest_and_an_entry_point():
    from threatlint.engine import schema

    src = schema.compiled_source()
    namespace: dict = {}
    exec(compile(src, "schema_compiled.py", "exec"), namespace)  # our own generated code, not user input
    assert namespace["SCHEMA_SHA256"] == schema.schema_digest()
    with pytest.raises(fastjsonschema.JsonSchemaException):
        namespace["validate"]({"version": 1, "system": {"name": "x"}, "surprise": 1})


# --- check-jsonschema: a third-party consumer of the schema -----------------------------------

CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
needs_cli = pytest.mark.skipif(CHECK_JSONSCHEMA is None, reason="check-jsonschema is not installed")


def check_jsonschema(*files):
    return subprocess.run([CHECK_JSONSCHEMA, "--schemafile", str(SCHEMA_FILE), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


@needs_cli
def test_check_jsonschema_accepts_the_clean_example_and_valid_fixtures():
    valid = [ROOT / "examples" / "payments" / "threatmodel.yaml", RULE_FIXTURES / "spec_example.yaml",
             RULE_FIXTURES / "tm002_clean.yaml", RULE_FIXTURES / "tm305_clean.yaml"]
    out = check_jsonschema(*valid)
    assert out.returncode == 0, out.stdout + out.stderr


@needs_cli
def test_check_jsonschema_and_tm002_agree_on_the_mistakes_example():
    from threatlint.engine import check_text

    model = ROOT / "examples" / "mistakes" / "notifications.threatmodel.yaml"
    out = check_jsonschema(model)
    assert out.returncode == 1
    problems = [line for line in out.stdout.splitlines() if "::$" in line]
    assert len(problems) == 1 and "'notes'" in problems[0]
    tm002 = [f for f in check_text(model.read_text(encoding="utf-8")) if f.rule == "TM002"]
    assert [f.message.split(":")[0] for f in tm002] == ["$.notes"]


@needs_cli
def test_check_jsonschema_reads_unquoted_and_quoted_dates_alike(tmp_path):
    # YAML reads an unquoted 2026-10-01 as a date; check-jsonschema hands it to the schema as the ISO string.
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\nsystem: {name: x}\nreview: {last_reviewed: 2026-10-01}\n"
                    "threats:\n  - {id: T-1, title: t, stride: spoofing, affects: [a], likelihood: low,\n"
                    "     impact: {severity: low}, priority: low, status: accepted,\n"
                    "     acceptance: {by: x, rationale: y, expires: '2027-01-31'}}\n")
    assert check_jsonschema(good).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsystem: {name: x}\nreview: {last_reviewed: 2026-02-30}\n")
    out = check_jsonschema(bad)
    assert out.returncode == 1 and "last_reviewed" in out.stdout


@needs_cli
def test_check_jsonschema_rejects_what_tm002_rejects():
    out = check_jsonschema(RULE_FIXTURES / "tm002_trigger.yaml")
    assert out.returncode == 1
    for path in ("$.system", "$.review.last_reviewed", "$.review.cadence_days", "$.elements[0].kind",
                 "$.elements[1]", "$.threats[0].stride"):
        assert f"::{path}:" in out.stdout, (path, out.stdout)
