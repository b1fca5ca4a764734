"""engine/rule_cache.py through the editor's checker: the work an edit costs, and a rule that raises."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Severity
from threatlint.lsp.checker import DocumentChecker
from threatlint.rules import RULES, Hit, Reads, Rule

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from models import big_model  # noqa: E402

FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")
CTX = CheckContext(today=date(2026, 11, 23))


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


# -- verdicts that read other items of the judged section ---------------------------------------------------
RESPONSE_PAIR = """version: 1
system: {name: Shop}
boundaries:
  - {id: internet}
  - {id: dc}
elements:
  - {id: shopper, kind: external_entity, name: Shopper, boundary: internet}
  - {id: api, kind: process, name: Shop API, boundary: dc}
flows:
  - {id: req, from: shopper, to: api, authenticated: true, encrypted: true}
  - {id: resp, from: api, to: shopper, description: "page"}
"""


def test_an_edit_to_a_response_keeps_it_judged_with_its_request():
    # Whether `resp` is a response reads `req` (Model.is_response): TM103 and TM107 must not judge the edited
    # flow on its own, or it would lose its request and be reported.
    checker = DocumentChecker()
    assert checker.check(RESPONSE_PAIR, CTX) == check_text(RESPONSE_PAIR, CTX)
    edited = RESPONSE_PAIR.replace('"page"', '"the rendered page"')
    found = checker.check(edited, CTX)
    assert found == check_text(edited, CTX)
    assert not [f for f in found if f.rule in ("TM103", "TM107")]


def test_a_suppression_comment_typed_on_an_assumption_regroups_tm403_in_the_editor():
    # TM403 groups the assumptions not validated (design stage) and leaves out those silenced where they stand:
    # a comment edit changes no data, yet must change the grouped finding.
    text = ("version: 1\nsystem: {name: Shop}\nassumptions:\n"
            "  - {id: A-1, text: Orders are written by the API only}\n"
            "  - {id: A-2, text: Payment webhooks are signed}\n"
            "  - {id: A-3, text: Only the pay team deploys the service}\n")
    checker = DocumentChecker()
    grouped = [f for f in checker.check(text, CTX) if f.rule == "TM403"]
    assert [f.data["assumptions"] for f in grouped] == [["A-1", "A-2", "A-3"]]
    edited = text.replace("API only}", "API only}  # threatlint: ignore[TM403] a design decision")
    got = checker.check(edited, CTX)
    assert got == check_text(edited, CTX)
    assert [f.data["assumptions"] for f in got if f.rule == "TM403"] == [["A-2", "A-3"]]


# -- narrowed re-judging (Reads.narrow): an edit to a name, an id or a kind re-judges few items -----------------
ID_KEPT_AS_A_WORD = """version: 1
system: {name: Shop, owner: team, criticality: low}
assets:
  - {id: web, name: Zeta, classification: internal}
elements:
  - {id: ELEMENT, kind: process, name: Alpha}
threats:
  - id: T1
    title: Attacker sniffing traffic steals secrets quietly
    stride: spoofing
    affects: [web]
    likelihood: low
    impact: {severity: low}
    priority: low
    status: open
"""


def test_an_id_that_goes_while_the_same_word_stays_a_term_rejudges_the_threats_naming_it():
    # Renaming element `web` leaves "web" in the vocabulary (an asset's id): the threat's `affects` no longer
    # names an element, and TM202 must say so although the vocabulary's terms did not lose "web".
    checker = DocumentChecker()
    for text in (ID_KEPT_AS_A_WORD.replace("ELEMENT", "web"), ID_KEPT_AS_A_WORD.replace("ELEMENT", "webx")):
        assert checker.check(text, CTX) == check_text(text, CTX)
    assert "TM202" in {f.rule for f in checker.check(text, CTX)}


def test_an_edit_to_an_element_rejudges_only_the_threats_affecting_it():
    text = big_model(60)
    checker = DocumentChecker()
    checker.check(text, CTX)
    tm102 = []
    for old, new in (("name: Service 3,", "name: Service 3 gateway,"),
                     ("id: svc-0, kind: process", "id: svc-0, kind: data_store"),  # spoofing a plain store: TM102
                     ("name: Service 0,", "name: Service 0 database,"),  # a database authenticates its clients
                     ("name: Service 0 database,", "name: Service 0 cache,"),
                     ("name: DB,", "name: Directory,"), ("id: svc-5,", "id: svc-55,")):
        before = dict(checker.caches.rules.runs)
        text = text.replace(old, new, 1)
        found = checker.check(text, CTX)
        assert found == check_text(text, CTX), (old, new)
        tm102.append(sum(f.rule == "TM102" for f in found))
        for rule in ("TM102", "TM201", "TM202"):
            rejudged = checker.caches.rules.runs.get(rule, 0) - before.get(rule, 0)
            assert rejudged <= 10, (old, new, rule, rejudged)  # at most the 10 threats on one element, not all 60
    assert tm102 == [0, 10, 0, 10, 10, 10]


@pytest.mark.parametrize("seed", range(4))
def test_random_edits_to_names_ids_and_kinds_equal_a_fresh_check(seed):
    import random

    rnd = random.Random(seed)
    text = FIXTURE if seed % 2 else big_model(30)
    checker = DocumentChecker()
    checker.check(text, CTX)
    words = ["api", "db", "card-data", "Payments", "gateway", "svc-1", "web", "Ledger", "logs", "x", "Card", "data"]
    for _ in range(60):
        sites = [m for m in __import__("re").finditer(r"(?:name|id|kind|technology): ([^,}\n]*)", text)
                 if not text[:m.start()].rstrip().endswith("threats:")]
        m = rnd.choice(sites)
        value = rnd.choice(words + ["process", "data_store", "external_entity", m.group(1) + rnd.choice(words)])
        text = text[:m.start(1)] + value + text[m.end(1):]
        assert checker.check(text, CTX) == check_text(text, CTX), text
