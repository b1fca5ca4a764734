"""The gate's scope-only read of unchanged models must agree with the full parse, or step aside for it."""
from __future__ import annotations

import random

import pytest

from threatlint.engine.parse import parse_yaml
from threatlint.engine.scope import patterns_of
from threatlint.gate.models import _scope_data
from threatlint.gate.scope_only import scope_text

MODEL = """# a model
version: 1
system:
  name: Billing
  description: "multi-line
    text"
scope:
  paths: ["services/billing/**", "!services/billing/tests/**"]
  out_of_scope: [x]

# trailing comment
review:
  last_reviewed: 2026-10-01
threats:
  - id: t1
    title: Spoofed {token}
    tags: [a, b]
    notes: |
      scope:
        paths: [not/this]
"""


def test_reads_only_the_scope_entry():
    assert scope_text(MODEL).startswith("scope:\n  paths:")
    assert "review" not in scope_text(MODEL)
    assert patterns_of(_scope_data(MODEL)) == ["services/billing/**", "!services/billing/tests/**"]


@pytest.mark.parametrize("text", [
    "scope:\n  paths: [a]\nscope:\n  paths: [b]\n",  # duplicate top-level scope
    "a: &x [1]\nscope:\n  paths: *x\n",  # alias
    "---\nscope:\n  paths: [a]\n",  # explicit document
    "scope:\n  paths: [a]\n---\nb: 1\n",  # a second document does not parse
    "{scope: {paths: [a]}}\n",  # flow style at the top
    "? [a]\n: b\nscope: {paths: [c]}\n",  # a collection as a key does not parse
    "scope: {paths: [c]}\n<<: {a: 1}\n",  # merge key
    "scope: {paths: [c]}\nbad: [\n",  # syntax error after the scope
    "scope: {paths: [c]}\nx: " + "[" * 70 + "]" * 70 + "\n",  # too deep
    '"scope": {paths: [c]}\n',  # quoted key
    "scope:\n\tpaths: [a]\n",  # tab
    "scope: {paths: [a]}\nx: \x00\n",  # NUL
])
def test_unsure_cases_fall_back_to_the_full_parse(text):
    assert _scope_data(text) is None


def test_no_scope_reads_as_no_patterns():
    assert _scope_data("version: 1\nsystem: {name: x}\n") == {}


def test_mutated_models_never_disagree_with_the_full_parse():
    # Fail closed: whenever the scope-only read answers, the full parse must succeed with the same patterns.
    rng = random.Random(8)
    pieces = ["&a ", "*a", "<<: ", "---\n", "? ", "[", "]", "{", "}", "- ", ":", " ", "\n", "scope:", '"', "'",
              "#", "!!str ", "|\n", "  ", "\t", "...\n", "scope: [x]\n", "  paths: [q]\n", "%YAML 1.1\n", "\r"]
    answered = 0
    for _ in range(600):
        text = MODEL
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.3:
                text = text[:at] + text[at + rng.randint(1, 5):]
            else:
                text = text[:at] + rng.choice(pieces) + text[at:]
        fast = _scope_data(text)
        if fast is None:
            continue
        answered += 1
        full = parse_yaml(text)
        assert full.ok, text
        assert patterns_of(fast) == patterns_of(full.data), text
    assert answered > 100  # the fast path is actually exercised
