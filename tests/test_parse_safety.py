"""Parsing is safe and bounded: no tag is constructed, bombs and huge or deep files give a TM001, never a crash."""
import datetime
import subprocess
import sys

import pytest
import yaml

from threatlint.engine import check_bytes, check_text
from threatlint.engine.finding import Range, Severity
from threatlint.engine.parse import MAX_CHARS, MAX_DEPTH, parse_yaml

from conftest import RULE_FIXTURES


def only_tm001(findings):
    assert [f.rule for f in findings] == ["TM001"], findings
    assert findings[0].severity is Severity.ERROR
    return findings[0]


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/object/apply:subprocess.check_call [[touch, '{marker}']]",
])
def test_python_tags_are_never_constructed(tmp_path, payload):
    marker = tmp_path / "pwned"
    text = "version: 1\nsystem:\n  name: " + payload.format(marker=marker) + "\n"
    found = check_text(text)
    tm001 = [f for f in found if f.rule == "TM001"]
    assert len(tm001) == 1 and "not allowed" in tm001[0].message
    assert tm001[0].range.start.line == 2 and tm001[0].range.start.character == 8
    assert not marker.exists()


def test_tag_on_a_model_file_through_the_cli_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    model = tmp_path / "threatmodel.yaml"
    model.write_text(f"version: 1\nsystem: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "threatlint", "check", str(model), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and '"TM001"' in out.stdout
    assert not marker.exists()


def test_custom_tags_are_reported_and_read_as_plain_data():
    doc = parse_yaml("version: 1\nsystem: {name: !Ref PaymentsName}\n")
    assert doc.data == {"version": 1, "system": {"name": "PaymentsName"}}
    f = only_tm001(doc.findings)
    assert f.range.start.line == 1 and "'!Ref'" in f.message


def test_billion_laughs_is_stopped():
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    f = only_tm001(check_text("\n".join(lines) + "\n"))
    assert "billion-laughs" in f.message
    assert f.range.start.line > 0  # at the alias that crossed the limit


def test_ten_megabyte_file_answers_with_a_finding():
    raw = b"version: 1\nsystem:\n  name: big\n  description: " + b"x" * (10 * 1024 * 1024) + b"\n"
    f = only_tm001(check_bytes(raw))
    assert "too large" in f.message
    assert len(raw) > MAX_CHARS


def test_ten_megabyte_model_of_many_items_answers_with_a_finding():
    item = "  - {id: A-%d, text: The VPC has no inbound route from the internet, validated: true}\n"
    text = "version: 1\nsystem: {name: big}\nassumptions:\n" + "".join(item % i for i in range(120_000))
    assert len(text) > 10_000_000
    assert "too large" in only_tm001(check_text(text)).message


def test_non_utf8_bytes_give_a_positioned_finding():
    f = only_tm001(check_bytes(b"version: 1\nsystem:\n  name: Caf\xe9 payments\n"))
    assert f.range == Range.of(2, 11, 2, 12)
    assert "UTF-8" in f.message and "0xe9" in f.message


def test_utf16_file_is_not_utf8():
    f = only_tm001(check_bytes("version: 1\n".encode("utf-16")))
    assert f.range.start.line == 0 and "UTF-8" in f.message


def test_utf8_bom_is_accepted():
    found = check_bytes("\ufeffversion: 1\nsystem: {name: x}\n".encode("utf-8"))
    assert [f for f in found if f.rule in ("TM001", "TM002")] == []


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    "a: " + "{a: " * 100_000 + "}" * 100_000,
    "".join(" " * i + "a:\n" for i in range(3_000)),
    "".join(" " * i + "- \n" for i in range(3_000)),
])
def test_deep_nesting_does_not_crash(text):
    f = only_tm001(check_text(text))
    assert "nesting deeper" in f.message and str(MAX_DEPTH) in f.message
    assert f.range.start != f.range.end


@pytest.mark.parametrize("opener, width, root", [("[", 1, 0), ("{a: ", 4, 0), ("[", 1, 1)])
def test_deep_flow_nesting_is_reported_where_our_limit_is_crossed(opener, width, root):
    """libyaml may stop at a nesting limit of its own far past ours; the finding is still at ours."""
    prefix = "a: " if root else ""
    text = prefix + opener * 5_000
    f = only_tm001(check_text(text))
    assert str(MAX_DEPTH) in f.message
    assert (f.range.start.line, f.range.start.character) == (0, len(prefix) + width * (MAX_DEPTH - root))


def test_control_character_is_positioned():
    f = only_tm001(check_text("version: 1\nsystem: {name: a\x07b}\n"))
    assert f.range.start.line == 1 and f.range.start.character == 16
    assert "U+0007" in f.message


def test_nul_byte():
    f = only_tm001(check_bytes(b"version: 1\nsys\x00tem: {}\n"))
    assert f.range.start.line == 1 and f.range.start.character == 3


def test_second_document_and_undefined_alias():
    f = only_tm001(check_text("version: 1\nsystem: {name: x}\n---\nversion: 1\n"))
    assert f.range.start.line == 2 and "one YAML document" in f.message
    f = only_tm001(check_text("version: 1\nsystem: {name: *nope}\n"))
    assert f.range.start.line == 1 and "*nope" in f.message


def test_parse_gives_the_same_data_as_pyyaml_with_dates_as_text():
    text = (RULE_FIXTURES / "spec_example.yaml").read_text(encoding="utf-8")

    def iso(value):
        if isinstance(value, dict):
            return {k: iso(v) for k, v in value.items()}
        if isinstance(value, list):
            return [iso(v) for v in value]
        return value.isoformat() if isinstance(value, datetime.date) else value

    doc = parse_yaml(text)
    assert doc.findings == []
    assert doc.data == iso(yaml.safe_load(text))
    assert doc.data["review"]["last_reviewed"] == "2026-10-01"


def test_anchors_and_merge_keys_are_plain_data():
    doc = parse_yaml("defaults: &d {encrypted: true, authenticated: true}\nflows:\n  - {<<: *d, id: f, from: a, to: b}\n")
    assert doc.findings == []
    assert doc.data["flows"][0] == {"encrypted": True, "authenticated": True, "id": "f", "from": "a", "to": "b"}


def test_empty_and_non_mapping_documents():
    for text in ("", "# only a comment\n", "just text", "- a\n- b\n"):
        found = check_text(text)
        assert [f.rule for f in found] == ["TM002"], text
        assert "must be a mapping" in found[0].message


@pytest.mark.parametrize("text, kind", [
    ("!!int\t", "int"), ("version: !!int\n", "int"), ("version: !!int ''\n", "int"), ("a: !!int 0xZZ\n", "int"),
    ("a: !!float\n", "float"), ("a: !!float x\n", "float"), ("a: !!bool maybe\n", "bool"), ("a: !!bool\n", "bool"),
])
def test_core_tags_on_values_they_cannot_read_are_findings(text, kind):
    """Found by the fuzzer (`!!int` with nothing after it made PyYAML's constructor raise IndexError)."""
    doc = parse_yaml(text)
    errors = [f for f in doc.findings if f.rule == "TM001"]
    assert len(errors) == 1 and f"is not a valid {kind}" in errors[0].message, doc.findings
    assert (errors[0].range.start.line, errors[0].range.start.character) == (0, text.index("!!"))  # at the tag
