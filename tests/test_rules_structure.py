"""TM001-TM005: syntax, schema, duplicate ids, unknown references, unused definitions."""
from threatlint.engine.finding import Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def located(findings):
    return [(f.rule, f.severity, f.range) for f in findings]


def test_tm001_points_at_where_the_parser_stopped_and_reports_nothing_else(lint, span):
    text, found = lint("tm001_trigger.yaml")
    # The flow mapping on line 5 is never closed; libyaml stops at the next "{", where a "," or "}" was due.
    assert located(found) == [("TM001", ERROR, span(text, "  - [[{]]id: users"))]
    assert "YAML syntax error" in found[0].message


def test_tm001_duplicate_key_is_reported_at_the_second_key(lint, span):
    text, found = lint("tm001_duplicate_key.yaml", "TM001")
    assert located(found) == [("TM001", ERROR, span(text, "  [[name]]: Sign-in service"))]
    assert "first defined on line 3" in found[0].message


def test_tm001_clean(lint):
    _, found = lint("tm001_clean.yaml")
    assert found == []


def test_tm002_each_violation_at_its_node(lint, span):
    text, found = lint("tm002_trigger.yaml", "TM002")
    got = {(f.range, f.message.split(":")[0]): f for f in found}
    expected = [
        # missing required key: at the parent key
        (span(text, "[[system]]:\n  owner"), "$.system", "missing required key 'name'"),
        # unknown key: at the key
        (span(text, "[[colour]]: blue"), "$.system.colour", "unknown key 'colour'"),
        # bad date format and wrong type: at the value
        (span(text, "last_reviewed: [[2026-13-01]]"), "$.review.last_reviewed", "not a valid date"),
        (span(text, "cadence_days: [[ninety]]"), "$.review.cadence_days", "expected an integer"),
        # bad enums
        (span(text, "kind: [[proces]]"), "$.elements[0].kind", "is not one of: external_entity, process, data_store"),
        (span(text, "stride: [[spoofin]]"), "$.threats[0].stride", "is not one of: spoofing"),
        # missing required keys of a list item without an id: at its first key
        (span(text, "- {[[name]]: Orphan}"), "$.elements[1]", "missing required key 'id'"),
        (span(text, "- {[[name]]: Orphan}"), "$.elements[1]", "missing required key 'kind'"),
        # impact.severity is no longer required: the rating scheme decides what a threat needs (TM307)
    ]
    assert len(found) == len(expected), [f.message for f in found]
    for rng, path, words in expected:
        matches = [f for f in found if f.range == rng and f.message.startswith(path + ":") and words in f.message]
        assert matches, f"no TM002 {path} ({words}) at {rng}; got {[(f.range, f.message) for f in found]}"
        assert all(f.severity is ERROR for f in matches)
    assert got  # every finding carries a JSON path
    assert all(f.message.startswith("$") for f in found)


def test_tm002_clean(lint):
    _, found = lint("tm002_clean.yaml")
    assert [f for f in found if f.rule in ("TM001", "TM002")] == []


def test_tm003_duplicate_ids_across_and_within_sections(lint, span):
    text, found = lint("tm003_trigger.yaml", "TM003")
    assert located(found) == [
        ("TM003", ERROR, span(text, "- {id: [[login]], kind: process")),
        ("TM003", ERROR, span(text, "- {id: [[users]], kind: data_store, name: Audit DB}")),
    ]
    assert "already defined on line 4 (an asset)" in found[0].message
    assert "already defined on line 7 (an element)" in found[1].message


def test_tm003_clean(lint):
    text, found = lint("tm003_clean.yaml", "TM003")
    assert found == []


def test_tm004_every_reference_site(lint, span):
    text, found = lint("tm004_trigger.yaml", "TM004")
    assert located(found) == [
        ("TM004", ERROR, span(text, "boundary: [[dmz]]")),
        ("TM004", ERROR, span(text, "stores: [credentials, [[tokens]]]")),
        ("TM004", ERROR, span(text, "to: [[userdb]]")),
        ("TM004", ERROR, span(text, "data: [credentials, [[sessions]]]")),
        ("TM004", ERROR, span(text, "from: [[ghost]]")),
        ("TM004", ERROR, span(text, "affects: [login, [[credentials]],")),
        ("TM004", ERROR, span(text, "[[lookup-flow]]]")),
        ("TM004", ERROR, span(text, "mitigations: [[[M-9]]]")),
        ("TM004", ERROR, span(text, "target: [[password-hashes]]")),
        ("TM004", ERROR, span(text, "element: [[loginn]]")),
    ]
    # An id that exists in the wrong section says so.
    assert "'credentials' is an asset, but threat 'T-1' affects expects an element or a flow" in found[5].message
    assert "unknown id 'dmz'" in found[0].message


def test_tm004_clean(lint):
    _, found = lint("tm004_clean.yaml", "TM004")
    assert found == []


def test_tm005_unused_asset_boundary_and_mitigation(lint, span):
    text, found = lint("tm005_trigger.yaml", "TM005")
    assert located(found) == [
        ("TM005", WARNING, span(text, "{id: [[audit-trail]]")),
        ("TM005", WARNING, span(text, "{id: [[partner-net]]")),
        ("TM005", WARNING, span(text, "{id: [[M-1]]")),
    ]
    assert [f.message.split(" is never")[0] for f in found] == ["asset 'audit-trail'", "boundary 'partner-net'", "mitigation 'M-1'"]


def test_tm005_clean(lint):
    _, found = lint("tm005_clean.yaml", "TM005")
    assert found == []


def test_tm002_missing_top_level_keys_at_the_first_key(span):
    from threatlint.engine import check_text

    text = "# a model\nscope: {paths: [src/**]}\nreview: {cadence_days: 30}\n"
    found = check_text(text)
    assert sorted(f.message for f in found) == ["$: missing required key 'system' (with 'name')",
                                                "$: missing required key 'version'"]
    assert {f.range for f in found} == {span(text, "[[scope]]:")}
