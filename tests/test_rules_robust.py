"""Rules never raise on schema-invalid data: every node of a full model replaced by values of the wrong type."""
import copy
import json
from datetime import date

import pytest
import yaml

from threatlint.engine import CheckContext, check_text
from threatlint.engine.model import Model
from threatlint.engine.parse import parse_yaml
from threatlint.rules import RULES

from conftest import FIXTURES

MINE = ("structure", "stride", "specificity", "business", "governance")
WRONG = ["x", 3, True, None, [], {}, ["a", 1, None, {"k": "v"}], {"a": [1]}, [[1]], 2.5, "2026-13-01"]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _variants():
    base = yaml.safe_load((FIXTURES / "rules" / "spec_example.yaml").read_text(encoding="utf-8"))
    for path in list(_paths(base))[1:]:
        for wrong in WRONG:
            data = copy.deepcopy(base)
            node = data
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = wrong
            yield json.dumps(data, indent=1, default=str)  # JSON is YAML, and much faster to write than YAML


def test_every_rule_tolerates_every_wrong_type():
    ctx = CheckContext(today=date(2026, 11, 23), repo_files=("services/payments/api.py",))
    rules = [r for r in RULES.values() if r.check is not None and r.family in MINE]
    assert len(rules) == 26  # TM001 and TM002 come from the parser and the schema
    count = 0
    for text in _variants():
        model = Model(parse_yaml(text))
        for r in rules:
            for hit in r.check(model, ctx):  # raises on a bug: no tolerance here
                model.range(hit.path, hit.part)
        count += 1
    assert count > 500


@pytest.mark.parametrize("text", [
    "version: 1\nthreats: hello\nelements: 5\nflows: {a: 1}\nassets: [1, [2]]\n",
    "version: 1\nsystem: [1]\nreview: {last_reviewed: [2026-01-01], cadence_days: '90'}\nscope: {paths: services/**}\n",
    "version: 1\nthreats: [{id: [1], stride: {a: b}, affects: {x: 1}, impact: 5, acceptance: [], status: accepted}]\n",
])
def test_whole_pipeline_never_raises(text):
    found = check_text(text, CheckContext(repo_files=("a.py",)))
    assert any(f.rule == "TM002" for f in found)
