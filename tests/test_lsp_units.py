"""The language server's pure modules on their own: convert (findings -> diagnostics, positions in every
encoding), coverage (which models cover a code file, the summary line), features (completion, hover,
definition, outline), rename (id sites, refusals), hints (score, rubric, threats per element) and the
editor's rule cache (work done per edit)."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text, parse_yaml
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Finding, Range, Severity
from threatlint.engine.model import Model
from threatlint.lsp import features, hints, rename
from threatlint.lsp.checker import DocumentChecker
from threatlint.lsp.convert import DiagnosticCache, Lines, diagnostic, diagnostic_dict
from threatlint.lsp.coverage import ModelInfo, covers, summary
from threatlint.rules import RULES, Hit, Reads, Rule

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from models import big_model  # noqa: E402

FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")
CTX = CheckContext(today=date(2026, 11, 23))


def at(text: str, needle: str, delta: int = 0, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += delta
    return text.count("\n", 0, i), i - (text.rfind("\n", 0, i) + 1)


# -- convert ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding,width", [("utf-16", 4), ("utf-8", 8), ("utf-32", 2)])
def test_lines_convert_columns_in_the_negotiated_encoding(encoding, width):
    lines = Lines("a: '😀😀' x\n", encoding)
    col = "a: '😀😀' x".index("x")  # code points
    pos = lines.to_client(0, col)
    assert pos.character == 6 + width
    assert lines.from_client(pos) == (0, col)


def test_one_builder_for_diagnostics_and_the_cache_reuses_dicts():
    findings = check_text(FIXTURE, CTX)
    lines = Lines(FIXTURE)
    f = next(x for x in findings if x.rule == "TM401")
    d = diagnostic_dict(f, lines)
    typed = diagnostic(f, lines)
    assert (typed.code, typed.message, typed.range.start.line, typed.range.start.character, typed.source) == \
        (d["code"], d["message"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["source"])
    assert typed.severity == d["severity"] == 2 and typed.data == d["data"]
    assert d["codeDescription"]["href"].endswith("TM401")
    cache = DiagnosticCache()
    first = cache.convert(findings, lines)
    again = cache.convert(findings, lines)
    assert all(a is b for a, b in zip(first, again)) and len(first) == len(findings)
    # A finding whose data changed gets a new dict.
    changed = [Finding(x.rule, x.severity, x.message, x.range, x.path, {"other": 1}) for x in findings]
    assert all(a is not b for a, b in zip(first, cache.convert(changed, lines)))


def test_diagnostic_data_is_json():
    f = Finding("TM999", Severity.INFO, "m", Range.of(0, 0, 0, 1), ("a", 0), {"when": date(2026, 1, 1), "s": {1}})
    d = diagnostic_dict(f, Lines("x\n"))
    assert d["data"]["data"] == {"when": "2026-01-01", "s": [1]} and "codeDescription" not in d


# -- coverage ----------------------------------------------------------------------------------------------
def test_coverage_matches_scope_and_summarises_open_threats(tmp_path):
    info = ModelInfo(tmp_path / "payments.threatmodel.yaml", tmp_path, parse_yaml(FIXTURE))
    assert covers(info, tmp_path / "services" / "payments" / "app.py")
    assert not covers(info, tmp_path / "services" / "payments" / "tests" / "t.py")  # the '!' pattern
    assert not covers(info, tmp_path.parent / "elsewhere.py")
    line = summary(info, date(2026, 11, 23), "payments.threatmodel.yaml")
    assert line.startswith("Covered by threat model payments.threatmodel.yaml (Payments API): 2 open high/critical")
    assert "review overdue since 2026-04-01" in line


def test_coverage_summary_survives_a_review_date_at_the_end_of_time(tmp_path):
    text = FIXTURE.replace("last_reviewed: 2026-01-01", "last_reviewed: 9999-12-01")
    info = ModelInfo(tmp_path / "m.threatmodel.yaml", tmp_path, parse_yaml(text))
    assert "overdue" not in summary(info, date(2026, 11, 23), "m")


# -- features ----------------------------------------------------------------------------------------------
def test_completion_offers_element_ids_after_to_in_a_zero_indented_flow():
    text = "version: 1\nelements:\n- {id: api, kind: process}\n- {id: db, kind: data_store}\nflows:\n- id: f\n  from: api\n  to: \n"
    good = parse_yaml(text)
    labels = {i.label for i in features.completion(text, 7, len("  to: "), good)}
    assert labels == {"api", "db"}


def test_completion_of_keys_and_enums():
    text = FIXTURE
    line, col = at(text, "    stride: spoofing", len("    stride: "))
    labels = {i.label for i in features.completion(text, line, col, parse_yaml(text))}
    assert "tampering" in labels and "api" not in labels


def test_hover_and_definition():
    doc = parse_yaml(FIXTURE)
    line, col = at(FIXTURE, "affects: [api]", len("affects: [a"))
    value, rng = features.hover(FIXTURE, line, col, doc)
    assert "element `api`" in value and rng.start.line == line
    (d,) = features.definition(FIXTURE, line, col, doc)
    assert (d.start.line, d.start.character) == at(FIXTURE, "  - id: api", len("  - id: "))


def test_outline_lists_sections_and_items():
    names = {s.name: s for s in features.symbols(parse_yaml(FIXTURE))}
    assert [c.name for c in names["threats"].children] == ["T-001", "T-002", "T-003"]
    assert features.symbols(parse_yaml("[")) == []


# -- rename ------------------------------------------------------------------------------------------------
def test_sites_cover_every_reference_kind():
    text = ("version: 1\nassets:\n- {id: data, name: D}\nboundaries:\n- {id: outer, name: O}\n- {id: inner, name: I, parent: outer}\n"
            "elements:\n- {id: web, kind: process, name: W, boundary: inner, stores: [data]}\n"
            "- {id: db, kind: data_store, name: DB, boundary: outer}\n"
            "flows:\n- {id: f, from: web, to: db, data: [data], returns: [data]}\n"
            "threats:\n- id: T1\n  title: t\n  stride: tampering\n  affects: [web, f]\n  assets: [data]\n"
            "  mitigations: [M1]\n  attack_path: {entry: x, steps: [y], target: data}\n  catalog: CAT-1\n"
            "mitigations:\n- {id: M1, title: m, catalog: CAT-1}\n"
            "exemptions:\n- {element: web, stride: spoofing, rationale: r}\n")
    model = Model(parse_yaml(text))
    count = {ident: len(rename.sites(model, text, ident)) for ident in ("data", "outer", "web", "f", "M1", "CAT-1")}
    assert count == {"data": 6, "outer": 3, "web": 4, "f": 2, "M1": 2, "CAT-1": 2}
    line, col = at(text, "parent: outer", len("parent: o"))
    edits = rename.rename(model, text, line, col, "perimeter")
    lines = text.split("\n")
    for r, new in sorted(edits, key=lambda e: (e[0].start.line, e[0].start.character), reverse=True):
        lines[r.start.line] = lines[r.start.line][:r.start.character] + new + lines[r.start.line][r.end.character:]
    renamed = Model(parse_yaml("\n".join(lines)))
    assert "outer" not in renamed.definitions and "outer" not in renamed.referenced


def test_rename_refuses_with_a_reason():
    model = Model(parse_yaml(FIXTURE))
    line, col = at(FIXTURE, "to: api", len("to: a"))
    for new, why in (("db", "already taken by an element on line"), ("1.5", "YAML reads it as float"),
                     ("no", "YAML reads it as bool"), ("x y", "not a valid id"), ("api", "already the name")):
        with pytest.raises(rename.RenameError, match=why):
            rename.rename(model, FIXTURE, line, col, new)
    with pytest.raises(rename.RenameError, match="place the cursor on an id"):
        rename.prepare(model, FIXTURE, *at(FIXTURE, "Payments API", 2))


def test_rename_can_rewrite_prose_mentions():
    model = Model(parse_yaml(FIXTURE))
    line, col = at(FIXTURE, "to: api", len("to: a"))
    plain = rename.rename(model, FIXTURE, line, col, "gateway")
    prose = rename.rename(model, FIXTURE, line, col, "gateway", prose=True)
    extra = [r for r, _ in prose if r not in {r for r, _ in plain}]
    assert extra and all(FIXTURE.split("\n")[r.start.line][r.start.character:r.end.character] == "api" for r in extra)
    assert not any("api:" in FIXTURE.split("\n")[r.start.line][r.start.character:r.end.character + 1] for r in extra)


# -- hints ---------------------------------------------------------------------------------------------------
def test_rating_uses_the_rubric():
    r = hints.rating({"likelihood": "high", "impact": {"severity": "medium"}, "status": "open"})
    assert (r.score, r.rubric, r.priority, r.open) == (6, "high", "high", True)
    r = hints.rating({"likelihood": "low", "impact": {"severity": "low"}, "priority": "critical", "status": "mitigated"})
    assert (r.score, r.rubric, r.priority, r.open) == (1, "low", "critical", False)
    assert hints.rating({"impact": "bad"}).score is None


def test_hints_on_elements_flows_and_threats():
    model = Model(parse_yaml(FIXTURE))
    by_line = {h.line: h.label for h in hints.hints(model)}
    assert by_line[at(FIXTURE, "  - id: api")[0]].startswith("2 threats: 2 open")
    assert by_line[at(FIXTURE, "  - id: T-001")[0]].startswith("score 12 (high × critical) → critical")
    only = hints.hints(model, *(at(FIXTURE, "  - id: api")[0],) * 2)
    assert len(only) == 1


# -- the editor's rule cache: work per edit -------------------------------------------------------------------
def _runs(checker):
    return sum(checker.caches.rules.runs.values())


def test_an_edit_in_system_reruns_no_rule_and_one_in_a_threat_rejudges_that_threat():
    text = big_model(60)
    checker = DocumentChecker()
    checker.check(text, CTX)
    before = _runs(checker)
    edited = text.replace("Many services", "Many services and more", 1)
    assert checker.check(edited, CTX) == check_text(edited, CTX)
    assert _runs(checker) == before  # no rule reads system.description
    i = edited.index("who forges one reads", len(edited) // 2)
    edited = edited[:i] + "x" + edited[i:]
    before = _runs(checker)
    assert checker.check(edited, CTX) == check_text(edited, CTX)
    per_threat = sum(1 for r in RULES.values() if r.reads is not None and r.reads.each == "threats")
    assert 0 < _runs(checker) - before <= per_threat  # each threat-judging rule judged the one threat


@pytest.mark.parametrize("reads", [None, Reads(each="threats")], ids=["uncached", "cached"])
def test_a_rule_that_raises_on_schema_invalid_data_is_skipped_like_the_cli(monkeypatch, reads):
    def fragile(model, ctx):
        for i, t in model.items("threats"):
            if t.get("likelihood") == "sometimes":
                raise TypeError("not a level")
            yield Hit(("threats", i), "seen")

    monkeypatch.setitem(RULES, "TM998", Rule("TM998", Severity.INFO, "s", "h", "test", fragile, reads))
    checker = DocumentChecker()
    good = checker.check(FIXTURE, CTX)
    assert good == check_text(FIXTURE, CTX) and any(f.rule == "TM998" for f in good)
    invalid = FIXTURE.replace("likelihood: high", "likelihood: sometimes", 1)  # TM002, and the rule trips
    got = checker.check(invalid, CTX)
    assert got == check_text(invalid, CTX) and "TM002" in {f.rule for f in got}
    assert not any(f.rule == "TM998" for f in got)  # skipped, the rest of the check stands


def test_a_catalog_link_renames_to_another_catalog_entry_only():
    from threatlint.catalog import default_catalog

    text = ("version: 1\nthreats:\n- {id: T1, title: t, stride: spoofing, catalog: CT-S-001}\n"
            "- {id: T2, title: u, stride: spoofing, catalog: CT-S-001}\n")
    model = Model(parse_yaml(text))
    line, col = at(text, "catalog: CT-S-001", len("catalog: CT"))
    with pytest.raises(rename.RenameError, match="not in the catalog"):
        rename.rename(model, text, line, col, "CT-NOPE", catalog=default_catalog())
    edits = rename.rename(model, text, line, col, "CT-S-002", catalog=default_catalog())
    assert len(edits) == 2 and all(new == "CT-S-002" for _, new in edits)


def test_an_edit_to_a_name_rejudges_only_the_threats_that_name_it():
    text = big_model(60)
    checker = DocumentChecker()
    checker.check(text, CTX)
    for old, new in (("name: Service 3,", "name: Service 3x,"), ("name: Service 3x,", "name: Ledger,"),
                     ("name: DB,", "name: Vault,"), ("id: card-data", "id: card-info")):
        # (every threat names card-data in its attack path: renaming that asset re-judges them all)
        before = dict(checker.caches.rules.runs)
        text = text.replace(old, new, 1)
        assert checker.check(text, CTX) == check_text(text, CTX), (old, new)
        rejudged = checker.caches.rules.runs.get("TM202", 0) - before.get("TM202", 0)
        assert rejudged < 60 or old == "id: card-data", (old, new, rejudged)  # not every threat
