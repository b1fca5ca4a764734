"""docs/format.md documents exactly the keys of the JSON Schema (and which are required), and its example is real."""
import json
import re
from datetime import date
from pathlib import Path

from threatlint.engine import CheckContext, check_text

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "threatmodel.schema.json").read_text(encoding="utf-8"))
PAGE = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = {**SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def schema_keys(node=SCHEMA, path="$", out=None) -> dict[str, dict[str, bool]]:
    """{json path of each object: {key: required?}}, walking properties and list items."""
    out = {} if out is None else out
    node = _resolve(node)
    if node.get("type") == "object" and "properties" in node:
        required = set(node.get("required", ()))
        out[path] = {k: k in required for k in node["properties"]}
        for key, sub in node["properties"].items():
            schema_keys(sub, f"{path}.{key}", out)
    if isinstance(node.get("items"), dict):
        schema_keys(node["items"], f"{path}[]", out)
    for alt in node.get("anyOf", ()):
        schema_keys(alt, path, out)
    return out


def documented_keys(page: str = PAGE) -> dict[str, dict[str, bool]]:
    """{path: {key: required?}} from each `<!-- keys: PATH -->` marker and the table rows below it."""
    out: dict[str, dict[str, bool]] = {}
    for m in re.finditer(r"<!-- keys: (\S+) -->\n((?:\|.*\n)+)", page):
        rows = {}
        for row in m.group(2).splitlines()[2:]:
            cells = [c.strip() for c in row.strip("|").split("|")]
            key = re.fullmatch(r"`([^`]+)`", cells[0])
            assert key, f"{m.group(1)}: a row without a `key` in its first cell: {row}"
            rows[key.group(1)] = "**required**" in cells[1]
        assert m.group(1) not in out, f"{m.group(1)} documented twice"
        out[m.group(1)] = rows
    return out


def test_every_schema_key_is_documented_and_nothing_else():
    schema, docs = schema_keys(), documented_keys()
    assert set(docs) == set(schema), (f"objects missing from docs/format.md: {sorted(set(schema) - set(docs))}; "
                                      f"documented but not in the schema: {sorted(set(docs) - set(schema))}")
    for path in schema:
        missing = set(schema[path]) - set(docs[path])
        extra = set(docs[path]) - set(schema[path])
        assert not missing and not extra, f"{path}: undocumented {sorted(missing)}; not in the schema {sorted(extra)}"
        wrong = [k for k in schema[path] if schema[path][k] != docs[path][k]]
        assert not wrong, f"{path}: 'required' differs from the schema for {wrong}"


def test_the_comparison_notices_a_missing_and_an_extra_key():
    page = PAGE.replace("| `owner` | string | Who implements the mitigation. |\n", "")
    page = page.replace("| `target` |", "| `goal` | string | x |\n| `target` |")
    docs = documented_keys(page)
    assert "owner" not in docs["$.mitigations[]"] and "goal" in docs["$.threats[].attack_path"]
    assert docs != schema_keys()


def test_extension_keys_are_described():
    assert "`x-`" in PAGE
    assert SCHEMA["patternProperties"].keys() == {"^x-"}


def test_the_example_is_the_checked_fixture_and_a_valid_model():
    fixture = (ROOT / "tests" / "fixtures" / "rules" / "spec_example.yaml").read_text(encoding="utf-8")
    body = fixture.split("\n", 1)[1]  # without the comment line naming this page
    assert f"```yaml\n{body}```" in PAGE
    found = check_text(body, CheckContext(today=date(2026, 11, 23)))
    assert [f.rule for f in found if f.rule < "TM100"] == []


def test_stride_table_matches_the_engine():
    from threatlint.engine.model import APPLICABLE, STRIDE

    section = PAGE.split("## STRIDE per kind", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| `") or r.startswith("| flow")]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        kind = cells[0].strip("`")
        assert [cat for cat, mark in zip(STRIDE, cells[1:]) if mark == "yes"] == list(APPLICABLE[kind]), kind
    assert len(rows) == len(APPLICABLE)
