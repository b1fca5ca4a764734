"""Property-based tests of the engine: any text or bytes gives findings, never an exception,
and every finding's range lies inside the document as an LSP client counts lines.

Examples per property: FUZZ_EXAMPLES (default 40). The long run is documented in docs/security.md ("Fuzzing").
"""
from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given
from hypothesis import strategies as st

from fuzz_strategies import (
    ANY_CHAR, TAGS, anchors_and_aliases, deep_nesting, dump, dump_options,
    duplicate_keys, fuzz_settings, huge_scalars, insertions, model_texts, models, mutated_texts, odd_scalars,
    swapped_types,
)
from threatlint.engine import Finding, Severity, check_bytes, check_text
from threatlint.engine.parse import MAX_DEPTH, parse_yaml
from threatlint.rules import RULES

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
STRUCTURAL = {"TM001", "TM002", "TM003", "TM004"}
KNOWN_RULES = set(RULES) | {"TM001", "TM007"}
# LSP's line terminators (and only these): \x85, \u2028, \u2029 are ordinary characters to an LSP client.
LSP_LINES = re.compile(r"\r\n|\r|\n")


def lsp_lines(text: str) -> list[str]:
    return LSP_LINES.split(text)


def assert_well_formed(findings, text: str) -> None:
    """Findings are Finding objects with a known rule, a message and a range inside `text`.

    Characters are counted in code points (the engine's unit; the language server converts to the
    client's encoding), so the bound is the line's length in code points.
    """
    assert isinstance(findings, list)
    lines = lsp_lines(text)
    for f in findings:
        assert isinstance(f, Finding)
        assert f.rule in KNOWN_RULES, f.rule
        assert isinstance(f.severity, Severity)
        assert isinstance(f.message, str) and f.message.strip()
        start, end = f.range.start, f.range.end
        assert start <= end, f
        for p in (start, end):
            assert 0 <= p.line < len(lines), (f, len(lines))
            assert 0 <= p.character <= len(lines[p.line]), (f, lines[p.line])


def keyed(findings) -> list[tuple]:
    return [(f.rule, f.severity, f.range, f.message) for f in findings]


def syntax_error_per_libyaml(text: str) -> bool:
    """Whether libyaml's own composer rejects the text as YAML (not counting construction)."""
    try:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.composer.ComposerError as e:
        # PyYAML alone refuses a redefined anchor; YAML lets a later anchor take over the name.
        return "duplicate anchor" not in str(e)
    except (yaml.scanner.ScannerError, yaml.parser.ParserError, yaml.reader.ReaderError):
        return True
    return False


# -- valid models --------------------------------------------------------------

@fuzz_settings(suppress_health_check=SLOW)
@given(model_texts())
def test_generated_valid_models_have_no_structural_findings(drawn):
    """A schema-valid model whose references resolve, however serialised, gets no TM001-TM004."""
    data, text = drawn
    findings = check_text(text)
    assert_well_formed(findings, text)
    assert [f for f in findings if f.rule in STRUCTURAL] == [], text


@fuzz_settings(scale=0.5, suppress_health_check=SLOW)
@given(models(), dump_options())
def test_line_endings_and_bom_do_not_move_findings(data, opts):
    """LF, CRLF and CR files (with or without a UTF-8 BOM) give the same findings at the same positions."""
    texts = {lb: dump(data, **{**opts, "line_break": lb}) for lb in ("\n", "\r\n", "\r")}
    expected = keyed(check_text(texts["\n"]))
    for lb, text in texts.items():
        assert keyed(check_text(text)) == expected, repr(lb)
        assert keyed(check_bytes(text.encode("utf-8"))) == expected
        assert keyed(check_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))) == expected


# -- mutated models ------------------------------------------------------------

@fuzz_settings(scale=2, suppress_health_check=SLOW)
@given(mutated_texts())
@example("version: 1\rsystem:\r  name: x\r  bogus: 1\r")
@example("version: 1\u2028system:\u2028  name: x\u2028  bogus: 1\n")
@example("a: 1\x85b: [\n")
def test_mutated_texts_give_findings_never_exceptions(text):
    findings = check_text(text)
    assert_well_formed(findings, text)


@fuzz_settings(suppress_health_check=SLOW)
@given(mutated_texts())
def test_invalid_yaml_is_always_reported_as_tm001(text):
    """What libyaml cannot parse is never silently accepted (and never crashes the engine)."""
    assume(len(text) < 20_000)
    findings = check_text(text)
    assert_well_formed(findings, text)
    if syntax_error_per_libyaml(text):
        assert any(f.rule == "TM001" and f.severity is Severity.ERROR for f in findings), text


def test_alias_to_a_redefined_enclosing_anchor_is_a_tm001():
    """Found by the long fuzz run: the alias must not silently bind to the anchor's earlier node."""
    text = "version: 1\nsystem: {name: x}\nassets: &a []\nboundaries: &a\n- id: [*a]\n"
    findings = check_text(text)
    assert [(f.rule, f.range.start.line) for f in findings if f.rule == "TM001"] == [("TM001", 4)], findings


def test_redefined_anchor_refers_to_the_latest_node():
    doc = parse_yaml("version: 1\nsystem: {name: &n first}\nassets: [{id: &n second}]\nboundaries: [{id: *n}]\n")
    assert doc.findings == [] and doc.data["boundaries"] == [{"id": "second"}]


@fuzz_settings(suppress_health_check=SLOW)
@given(swapped_types())
def test_swapped_types(text):
    assert_well_formed(check_text(text), text)


@fuzz_settings(suppress_health_check=SLOW)
@given(duplicate_keys())
def test_duplicate_keys(text):
    findings = check_text(text)
    assert_well_formed(findings, text)


def test_duplicate_key_is_reported_at_the_second_occurrence():
    text = "version: 1\nsystem:\n  name: a\n  name: b\n"
    findings = check_text(text)
    dup = [f for f in findings if f.rule == "TM001" and "duplicate key" in f.message]
    assert len(dup) == 1 and dup[0].range.start.line == 3


@fuzz_settings(suppress_health_check=SLOW)
@given(odd_scalars())
def test_edge_case_scalars(text):
    assert_well_formed(check_text(text), text)


@pytest.mark.parametrize("scalar", ["0x" + "f" * 5000, "-0x" + "f" * 5000, "1" * 5000])
def test_huge_integers_are_a_finding_not_a_crash(scalar):
    text = f"version: 1\nsystem: {{name: x}}\nreview: {{last_reviewed: 2026-01-01, cadence_days: {scalar}}}\n"
    findings = check_text(text)
    assert any(f.rule == "TM001" and f.range.start.line == 2 for f in findings), findings


@pytest.mark.parametrize("cadence", ["99999999999999999999", "4000000"])
def test_review_due_beyond_year_9999_is_not_a_crash(cadence):
    text = f"version: 1\nsystem: {{name: x}}\nreview: {{last_reviewed: 2026-01-01, cadence_days: {cadence}}}\n"
    assert [f.rule for f in check_text(text) if f.rule in ("TM001", "TM401")] == []


@fuzz_settings(suppress_health_check=SLOW)
@given(anchors_and_aliases())
def test_anchors_and_aliases(text):
    assert_well_formed(check_text(text), text)


@fuzz_settings(scale=0.5, suppress_health_check=SLOW)
@given(deep_nesting())
def test_deep_nesting(text):
    findings = check_text(text)
    assert_well_formed(findings, text)


@pytest.mark.parametrize("style", ["[", "{a: "])
def test_nesting_past_the_limit_is_a_tm001(style):
    text = style * (MAX_DEPTH + 5) + "x"
    findings = check_text(text)
    assert [f.rule for f in findings] == ["TM001"]
    assert "nesting deeper than" in findings[0].message


@fuzz_settings(scale=0.05, suppress_health_check=SLOW)
@given(huge_scalars())
def test_huge_scalars(text):
    assert_well_formed(check_text(text), text)


@fuzz_settings(suppress_health_check=SLOW)
@given(st.text(ANY_CHAR, max_size=300))
def test_arbitrary_text(text):
    assert_well_formed(check_text(text), text)


@fuzz_settings(suppress_health_check=SLOW)
@given(model_texts(), st.data())
def test_odd_characters_anywhere(drawn, data):
    _, text = drawn
    text = data.draw(insertions(text))
    assert_well_formed(check_text(text), text)


@fuzz_settings(suppress_health_check=SLOW)
@given(model_texts(), st.sampled_from(TAGS), st.data())
def test_tags_anywhere_are_refused(drawn, tag, data):
    """A tag put in front of any value is refused with a TM001, never constructed."""
    _, text = drawn
    text = dump(yaml.safe_load(text), default_flow_style=False)
    lines = text.split("\n")
    candidates = [i for i, ln in enumerate(lines) if re.match(r"^\s*(- )?[A-Za-z_]+: \S", ln)]
    assume(candidates)
    i = data.draw(st.sampled_from(candidates))
    lines[i] = re.sub(r": ", f": {tag} ", lines[i], count=1)
    text = "\n".join(lines)
    findings = check_text(text)
    assert_well_formed(findings, text)
    if tag not in ("!!str", "!!int", "!!map"):
        assert any(f.rule == "TM001" and tag.split(":")[0].lstrip("!<") in f.message for f in findings), (text, findings)


# -- bytes ---------------------------------------------------------------------

def editor_text(raw: bytes) -> str:
    """What an editor shows for these bytes: UTF-8 with replacement characters, BOM dropped."""
    return raw.decode("utf-8-sig", errors="replace")


BAD_SEQUENCES = [
    b"\xed\xa0\x80",  # a UTF-16 surrogate (U+D800) encoded as UTF-8: invalid
    b"\xed\xbf\xbf",  # U+DFFF likewise
    b"\xc0\xaf",  # overlong '/'
    b"\xe2\x82",  # truncated 3-byte sequence
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xff", b"\xfe", b"\x80",
]


@fuzz_settings(suppress_health_check=SLOW)
@given(st.binary(max_size=500))
def test_arbitrary_bytes(raw):
    findings = check_bytes(raw)
    assert_well_formed(findings, editor_text(raw))


@fuzz_settings(suppress_health_check=SLOW)
@given(model_texts(), st.sampled_from(BAD_SEQUENCES), st.data())
def test_invalid_utf8_anywhere_is_one_tm001_at_the_byte(drawn, bad, data):
    _, text = drawn
    raw = text.encode("utf-8")
    at = data.draw(st.integers(0, len(raw)))
    while at < len(raw) and (raw[at] & 0xC0) == 0x80:  # insert between characters
        at += 1
    raw = raw[:at] + bad + raw[at:]
    if data.draw(st.booleans()):  # behind a BOM the position and the offset named must not shift
        raw, at = b"\xef\xbb\xbf" + raw, at + 3
    findings = check_bytes(raw)
    assert_well_formed(findings, editor_text(raw))
    assert [f.rule for f in findings] == ["TM001"]
    assert f"byte 0x{bad[0]:02x} at offset {at}" in findings[0].message
    prefix = editor_text(raw[:at])
    lines = lsp_lines(prefix)
    assert (findings[0].range.start.line, findings[0].range.start.character) == (len(lines) - 1, len(lines[-1]))


def test_utf16_file_is_reported_not_misread():
    raw = "version: 1\nsystem: {name: x}\n".encode("utf-16")
    findings = check_bytes(raw)
    assert [f.rule for f in findings] == ["TM001"]


# -- truncation at every position -----------------------------------------------

EXAMPLE_MODEL = """\
version: 1
system:
  name: Payments API
  description: Card payments for the web shop
  owner: team-payments
  champion: dana@example.com
  criticality: high
scope:
  paths: ["services/payments/**", "!services/payments/tests/**"]
review:
  last_reviewed: 2026-10-01
  cadence_days: 90
assets:
  - id: card-data
    name: Cardholder data
    classification: financial
    attacker_value: 5
boundaries:
  - {id: internet, name: Internet}
  - {id: vpc, name: Production VPC}
elements:
  - {id: shopper, kind: external_entity, name: Shopper browser, boundary: internet}
  - {id: api, kind: process, name: Payments API, boundary: vpc}
  - {id: db, kind: data_store, name: Payments DB, boundary: vpc, stores: [card-data], encrypted_at_rest: true}
flows:
  - {id: checkout, from: shopper, to: api, data: [card-data], protocol: HTTPS, authenticated: true, encrypted: true}
threats:
  - id: T-001
    title: Open redirect in OAuth callback harvests session tokens
    stride: spoofing
    affects: [api]
    description: >-
      The OAuth callback accepts any redirect_uri, so a crafted login link
      sends the fresh token to the attacker and bypasses MFA.
    attack_path:
      entry: GET /oauth/callback?redirect_uri=
      steps: [attacker mails a crafted login link, victim signs in]
      target: card-data
    likelihood: high
    impact: {severity: critical, blast_radius: all 400K active sessions, records_exposed: 400000}
    priority: critical
    owner: dana@example.com
    status: open
    mitigations: [M-001]
mitigations:
  - id: M-001
    title: Allowlist of redirect URIs on the OAuth callback
    status: planned
    ticket: PAY-123
assumptions:
  - {id: A-1, text: The VPC has no inbound route from the internet, validated: true}
"""


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_truncation_at_every_position(line_break):
    text = EXAMPLE_MODEL.replace("\n", line_break)
    assert not [f for f in check_text(text) if f.rule in STRUCTURAL]
    for i in range(len(text) + 1):
        prefix = text[:i]
        assert_well_formed(check_text(prefix), prefix)



def test_control_character_position_counts_characters_not_bytes():
    """libyaml reports a reader error's offset in UTF-8 bytes; the finding must count characters."""
    text = "version: 1\nsystem: {name: é\U0001F600\x01}\n"
    errors = [f for f in check_text(text) if f.rule == "TM001"]
    assert [(f.range.start.line, f.range.start.character) for f in errors] == [(1, 17)]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_findings_after_a_yaml_only_line_break_point_at_the_editor_line(separator):
    """YAML 1.1 breaks lines at NEL, U+2028 and U+2029; editors (and LSP) do not."""
    text = f"version: 1\nsystem:\n  name: \"x{separator}  y\"\n  bogus: 1\n"
    bogus = [f for f in check_text(text) if "bogus" in f.message]
    assert [(f.range.start.line, f.range.start.character, f.range.end.character) for f in bogus] == [(3, 2, 7)]
