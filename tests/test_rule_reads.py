"""Each rule's `reads` declaration (rules/registry.py `Reads`) holds: changing what a rule does not declare
leaves its hits unchanged, and a rule with `each` reports only on the item it judged.

The editor keeps a rule's hits while what it declares is unchanged (engine/rule_cache.py), so an
undeclared read would leave stale diagnostics on screen.
"""
from __future__ import annotations

import copy
import random
import sys
from datetime import date
from pathlib import Path

import pytest

from threatlint.engine.context import CheckContext
from threatlint.engine.model import Model
from threatlint.engine.parse import ParsedDoc, parse_yaml
from threatlint.engine.rule_cache import read_part
from threatlint.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "lsp"))
from models import big_model  # noqa: E402

CTX = CheckContext(today=date(2026, 11, 23))
MODELS = sorted(p for p in [*ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/fixtures/rules/*.yaml")])
DECLARED = [r for r in RULES.values() if r.check is not None and r.reads is not None]


def _texts():
    out = [(p.relative_to(ROOT).as_posix(), p.read_text()) for p in MODELS]
    out.append(("big_model(12)", big_model(12)))
    return out


def _hits(rule, data, doc):
    d = ParsedDoc(doc.text, data, doc.pos)
    try:
        return [(h.path, h.message, h.part, h.data) for h in rule.check(Model(d), CTX)]
    except Exception as e:  # a perturbed document may break the schema; the rule must then break the same way
        return type(e)


def _declared_top(rule) -> set[str]:
    return {p.split("[]")[0].split(".")[0] for p in rule.reads.parts} | ({rule.reads.each} if rule.reads.each else set())


def _declared_item_keys(rule, section) -> set[str] | None:
    """Keys of `section`'s items the rule declares, or None when it reads the items whole."""
    if section == rule.reads.each or section in rule.reads.parts:
        return None
    return {p.split("[].", 1)[1].split(".")[0] for p in rule.reads.parts if p.startswith(section + "[].")} | \
        {p.split(".", 1)[1].split(".")[0] for p in rule.reads.parts if p.startswith(section + ".") and "[]" not in p}


def _perturbations(rule, data: dict, rng: random.Random):
    """(description, perturbed data) changing only what the rule does not declare."""
    top = _declared_top(rule)
    for key in data:
        if key not in top:
            d = dict(data)
            del d[key]
            yield f"without {key}", d
    for section in top:
        keys = _declared_item_keys(rule, section)
        value = data.get(section)
        if keys is None:
            continue
        if isinstance(value, list):
            present = {k for item in value if isinstance(item, dict) for k in item}
            for k in sorted(present - keys):
                d = copy.deepcopy(data)
                for item in d[section]:
                    if isinstance(item, dict) and k in item:
                        item[k] = rng.choice([None, "changed", 7, True, ["x"]])
                yield f"{section}[].{k} changed", d
        elif isinstance(value, dict):
            for k in sorted(set(value) - keys):
                d = copy.deepcopy(data)
                d[section][k] = "changed"
                yield f"{section}.{k} changed", d


@pytest.mark.parametrize("rule", DECLARED, ids=lambda r: r.id)
def test_undeclared_parts_do_not_change_a_rules_hits(rule):
    rng = random.Random(rule.id)
    tried = 0
    for name, text in _texts():
        doc = parse_yaml(text)
        if not doc.ok or not isinstance(doc.data, dict):
            continue
        want = _hits(rule, doc.data, doc)
        for what, data in _perturbations(rule, doc.data, rng):
            tried += 1
            assert _hits(rule, data, doc) == want, f"{rule.id} on {name}: {what} changed its hits"
    assert tried


@pytest.mark.parametrize("rule", [r for r in DECLARED if r.reads.each], ids=lambda r: r.id)
def test_a_rule_judging_items_one_at_a_time_reports_on_that_item(rule):
    section = rule.reads.each
    reported = 0
    for name, text in _texts():
        doc = parse_yaml(text)
        if not doc.ok or not isinstance(doc.data, dict):
            continue
        for h in rule.check(Model(doc), CTX):
            assert h.path[:1] == (section,) and len(h.path) >= 2 and isinstance(h.path[1], int), (name, h.path)
            reported += 1
    assert reported, f"no fixture makes {rule.id} report: the test above would prove nothing"


def test_read_part_reads_items_keys_and_sections():
    data = {"threats": [{"id": "a", "attack_path": {"target": "x"}}, "not a map", {"id": "b"}],
            "system": {"criticality": "high"}, "review": {"cadence_days": 90}}
    ids = read_part(data, "threats[].id")
    assert ids[0] == "a" and ids[2] == "b" and ids[1] is not None
    assert read_part(data, "threats[].attack_path.target")[0] == "x"
    assert read_part(data, "system.criticality") == "high"
    assert read_part(data, "review") == {"cadence_days": 90}
    assert read_part(data, "threats")[0] is data["threats"][0]


def test_names_any_agrees_with_the_vocabulary_regex():
    from threatlint.engine.model import Model, names_any

    rng = random.Random(7)
    words = ["api", "payments api", "db", "Vault", "card-data", "ledger-x", "Straße", "ſſ", "İd", "x.y", "Kelvin-K"]
    for _ in range(400):
        names = rng.sample(words, rng.randint(1, 3))
        text = " ".join(rng.choice(words + ["the", "-", "(", "API", "DB!", "STRASSE", "e0", "kelvin-k"])
                        for _ in range(rng.randint(0, 8)))
        doc = parse_yaml("version: 1\nelements:\n" + "".join(f"- {{id: e{i}, name: '{t}'}}\n" for i, t in enumerate(names)))
        model = Model(doc)
        assert names_any(model.vocabulary_terms, text) == bool(model.vocabulary.search(text)), (names, text)
