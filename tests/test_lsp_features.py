"""lsp/features.py: completion, hover, definition and outline on a model's text."""
from __future__ import annotations

from pathlib import Path


from threatlint.engine import parse_yaml
from threatlint.lsp import features


FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")


def at(text: str, needle: str, delta: int = 0, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += delta
    return text.count("\n", 0, i), i - (text.rfind("\n", 0, i) + 1)


# -- features ----------------------------------------------------------------------------------------------
def test_completion_offers_element_ids_after_to_in_a_zero_indented_flow():
    text = "version: 1\nelements:\n- {id: api, kind: process}\n- {id: db, kind: data_store}\nflows:\n- id: f\n  from: api\n  to: \n"
    good = parse_yaml(text)
    labels = {i.label for i in features.completion(text, 7, len("  to: "), good)}
    assert labels == {"api", "db"}


def test_completion_in_a_flow_list_whose_first_item_sits_on_the_key_line():
    text = ("version: 1\nelements: [{id: api, kind: process}, \n  {id: db, kind: data_store}]\n"
            "threats: [{id: T1, title: t, stride: spoofing, affects: [a], impact: {severity: h}, }]\n")
    good = parse_yaml("version: 1\nelements: [{id: api, kind: process}, \n  {id: db, kind: data_store}]\n")
    line = 3
    labels = {i.label for i in features.completion(text, line, text.split("\n")[line].index("[a]") + 2, good)}
    assert labels == {"api", "db"}  # the items of `affects`, not the top-level keys
    labels = {i.label for i in features.completion(text, line, text.split("\n")[line].index("severity: h") + 11, good)}
    assert "high" in labels and "api" not in labels  # impact.severity, inside a mapping inside the first item
    labels = {i.label for i in features.completion(text, line, text.split("\n")[line].index("h}, }") + 4, good)}
    assert {"likelihood", "owner"} <= labels and "stride" not in labels  # a threat's keys not yet written
    labels = {i.label for i in features.completion(text, line, len("threats: [{id: T1, title: t, stride: s"), good)}
    assert "spoofing" in labels


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
