"""lsp/hints.py: a threat's score and rubric priority, the threats of an element or flow."""
from __future__ import annotations

from pathlib import Path


from threatlint.engine import parse_yaml
from threatlint.engine.model import Model
from threatlint.lsp import hints


FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")


def at(text: str, needle: str, delta: int = 0, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += delta
    return text.count("\n", 0, i), i - (text.rfind("\n", 0, i) + 1)


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


def test_hints_of_a_line_range_are_the_hints_of_the_whole_file_on_those_lines():
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from layouts import LAYOUTS, layout
    from models import big_model

    from threatlint.lsp.checker import DocumentChecker

    rnd = random.Random(7)
    for name in LAYOUTS:
        for base in (FIXTURE, big_model(30)):
            text = layout(base, name)
            checker = DocumentChecker()
            checker.parse(text)
            i = text.rfind("\n", 0, text.index("T-002")) + 1
            text = text[:i] + "# moved\n" + text[i:]  # the later items' positions shifted in the incremental parse
            for doc in (parse_yaml(text), checker.parse(text)):
                model = Model(doc)
                full = hints.hints(model)
                assert full
                n = text.count("\n")
                for _ in range(30):
                    a = rnd.randrange(n)
                    b = a + rnd.randrange(60)
                    assert hints.hints(model, a, b) == [h for h in full if a <= h.line <= b], (name, a, b)
