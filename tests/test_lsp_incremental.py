"""The incremental parse and check equal a fresh parse and check after any edit sequence."""
from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text, parse_yaml
from threatlint.engine.context import CheckContext
from threatlint.lsp.checker import DocumentChecker
from threatlint.lsp.chunks import split
from threatlint.lsp.incremental import IncrementalParser
from threatlint.lsp.positions import as_plain

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from layouts import LAYOUTS, layout  # noqa: E402
from models import big_model  # noqa: E402

FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")
CTX = CheckContext(today=date(2026, 11, 23))
# Fragments a person types mid-edit, plus characters that force the whole-text path.
SNIPPETS = ["a", " ", "\n", ":", "- ", "  - id: x\n", "[", "]", "{", "}", '"', "'", "#", "\n  ", "\n    ", "x: y\n",
            "\n- ", "é", "😀", ",", "stride: bogus\n    ", "1", "true", "id: T-001\n", "  - id: api\n", "kind: data_store",
            "|\n", ">-\n      ", "threats:\n", "&a ", "*a", "\t", "---\n", "\x01", "? ", "!!str ", "*owner", "&x ", "*x",
            "\n  # note\n", "\n\n"]
# Block scalars, empty values and nested collections that end a chunk: their end marks differ between kinds.
ENDINGS = ("version: 1\nthreats:\n  - id: a\n    description: >-\n      text here\n  - id: b\n    description: |\n\n"
           "  - id: c\n    d:\n      x: |\n        y\n  - id: e\n    s:\n      -\n  - id: f\n    g:\nmitigations:\n"
           "  - id: m\n    t: >-\n\n\nother: |\n  z\n")
SEEDS = [pytest.param(seed, layout((FIXTURE, big_model(6), ENDINGS)[seed % 3], name), id=f"{name}-seed{seed}")
         for name in LAYOUTS for seed in range(3)]


def _edits(text: str, rnd: random.Random, steps: int):
    start = text
    for _ in range(steps):
        pos = rnd.randrange(len(text) + 1)
        r = rnd.random()
        if r < 0.5:
            text = text[:pos] + rnd.choice(SNIPPETS) + text[pos:]
        elif r < 0.95:
            text = text[:pos] + text[pos + rnd.randint(1, 12):]
        else:
            text = start
        if split(text) is None and rnd.random() < 0.8:
            text = start  # keep most steps on the incremental path
        yield text


@pytest.mark.parametrize("seed,text", SEEDS)
def test_parse_equals_fresh_parse(seed, text):
    parser = IncrementalParser()
    for new in _edits(text, random.Random(seed), 150):
        got, want = parser.parse(new), parse_yaml(new)
        assert [(f.message, f.range) for f in got.findings] == [(f.message, f.range) for f in want.findings], new
        assert got.data == want.data, new
        assert as_plain(got.pos) == as_plain(want.pos), new
    assert parser.chunk_parses > 0


@pytest.mark.parametrize("seed,text", SEEDS)
def test_check_equals_fresh_check(seed, text):
    checker = DocumentChecker()
    for new in _edits(text, random.Random(1000 + seed), 60):
        got = [(f.rule, f.severity, f.message, f.range, f.path) for f in checker.check(new, CTX)]
        want = [(f.rule, f.severity, f.message, f.range, f.path) for f in check_text(new, CTX)]
        assert got == want, new


def test_one_edit_reparses_one_chunk():
    text = big_model(200)
    parser = IncrementalParser()
    parser.parse(text)
    before = parser.chunk_parses
    i = text.index("Forged token", len(text) // 2)
    parser.parse(text[:i] + "x" + text[i:])
    assert parser.chunk_parses == before + 1
    j = text.index("\n", i)
    parser.parse(text[:j] + "\n" + text[j:])  # a new line shifts every later chunk without re-parsing it
    assert parser.chunk_parses == before + 2
    assert parser.full_parses == 0


def test_unsafe_text_is_parsed_whole():
    parser = IncrementalParser()
    text = "version: 1\nbase: {a: 1}\n---\nother: 2\n"
    assert split(text) is None
    assert [f.message for f in parser.parse(text).findings] == [f.message for f in parse_yaml(text).findings]
    assert parser.full_parses == 1


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_edits_one_item_without_a_full_parse(name):
    text = layout(big_model(40), name)
    parser = IncrementalParser()
    parser.parse(text)
    before = parser.chunk_parses
    i = text.index("Forged token", len(text) // 2)
    new = text[:i] + "x" + text[i:]
    got = parser.parse(new)
    assert parser.full_parses == 0
    assert parser.chunk_parses == before + 1  # the one item typed in
    assert len(split(new)) > 40  # each threat is a chunk of its own, whatever the layout
    assert got.data == parse_yaml(new).data and as_plain(got.pos) == as_plain(parse_yaml(new).pos)


def test_aliases_of_collections_in_earlier_chunks_keep_their_positions():
    text = ("version: 1\nx-defaults: &d\n  owner: team\n  likelihood: low\nthreats:\n  - id: a\n    <<: *d\n"
            "  - id: b\n    impact: &i {severity: high}\n  - id: c\n    impact: *i\n")
    parser = IncrementalParser()
    for edit in (text, text.replace("id: a", "id: aa"), text.replace("low", "high")):
        got, want = parser.parse(edit), parse_yaml(edit)
        assert got.data == want.data and as_plain(got.pos) == as_plain(want.pos)
    assert parser.full_parses == 0


def test_syntax_error_mid_item_is_found_without_full_parse():
    text = big_model(50)
    parser = IncrementalParser()
    parser.parse(text)
    i = text.index("    likelihood: medium", len(text) // 2)
    broken = text[:i] + "    stride: [spoofing\n" + text[i:]
    got, want = parser.parse(broken), parse_yaml(broken)
    assert not got.ok and [f.range for f in got.findings] == [f.range for f in want.findings]
    assert parser.full_parses == 0


FIRST_ON_KEY_LINE = [  # (the threats list as written, the title typed in), first item on the key's line
    "threats: [{id: T1, title: Forged token one, stride: spoofing, affects: [web]},\n"
    "  {id: T2, title: Forged token two, stride: tampering, affects: [web]},\n"
    "  {id: T3, title: Forged token three, stride: spoofing, affects: [web]}]\n",
    "threats: [ {id: T1, title: Forged token one, stride: spoofing, affects: [web]},\n"
    "  {id: T2, title: Forged token two, stride: tampering, affects: [web]},\n"
    "  {id: T3, title: Forged token three, stride: spoofing, affects: [web]}\n]\n",
    "threats: [{id: T1, title: Forged token one,   # the first\n    stride: spoofing, affects: [web]},\n\n"
    "  # the second\n  {id: T2, title: Forged token two,\n    stride: tampering, affects: [web]},\n"
    "  {\"id\": \"T3\", \"title\": \"Forged token three\",\n    \"stride\": \"spoofing\", \"affects\": [\"web\"]},\n]\n",
]
HEAD = "version: 1\nsystem: {name: Shop}\nelements: [{id: web, kind: process, name: Web},\n  {id: db, kind: data_store, name: DB}]\n"


def _same_as_fresh(parser, checker, text):
    got, want = parser.parse(text), parse_yaml(text)
    assert [(f.message, f.range) for f in got.findings] == [(f.message, f.range) for f in want.findings], text
    assert got.data == want.data and as_plain(got.pos) == as_plain(want.pos), text
    assert [(f.rule, f.message, f.range) for f in checker.check(text, CTX)] == \
        [(f.rule, f.message, f.range) for f in check_text(text, CTX)], text


@pytest.mark.parametrize("threats", FIRST_ON_KEY_LINE)
def test_flow_list_with_its_first_item_on_the_key_line_is_split_into_items(threats):
    text = HEAD + threats + "mitigations: []\n"
    chunks = split(text)
    assert [c.kind for c in chunks if c.key == "threats"] == ["flowhead", "flowitem", "flowitem"]
    assert [c.kind for c in chunks if c.key == "elements"] == ["flowhead", "flowitem"]
    parser, checker = IncrementalParser(), DocumentChecker()
    _same_as_fresh(parser, checker, text)
    for word in ("one", "two", "three"):  # in the head's item, a middle item, the last item
        before = parser.chunk_parses
        i = text.index(f"token {word}") + 5
        text = text[:i] + "x" + text[i:]
        _same_as_fresh(parser, checker, text)
        assert parser.chunk_parses == before + 1 and parser.full_parses == 0
        text = text[:i] + "\n    " + text[i:]  # a new line inside the item, in flow context
        _same_as_fresh(parser, checker, text)
        assert parser.full_parses == 0


@pytest.mark.parametrize("threats", FIRST_ON_KEY_LINE)
def test_edits_that_break_a_first_on_key_line_flow_list_fall_back_safely(threats):
    text = HEAD + threats + "mitigations: []\n"
    one, two = text.index("{id: T1"), text.index("T2")
    broken = [
        text.replace("threats: [", "threats: ", 1),  # the '[' deleted
        text.replace("threats: [", "threats: [[", 1),
        text[:one] + "{" + text[one:],  # unbalanced braces in the head's item
        text[:two] + "{" + text[two:],  # ... and in a later item
        text.replace("web]},", "web]", 1),  # a '}' deleted
        text.replace("web]},", "web]}],", 1),  # a ']' typed mid-list
        text.replace("web]},", "web]}]", 1),  # the list closed early: what follows is not YAML
        text.replace("web]},", "web]} ", 1),  # a ',' deleted
        text.replace("threats: [{", "threats: [{{", 1),
        text.replace("threats: [", "threats: [ ]", 1),
        text.replace("threats: [", "threats:\n  - ", 1),
        text.replace("{id: T1", "{id: 'T1", 1),  # an open quote
        text.replace("{id: T1", "{id: \"T1", 1),
        text.replace("{id: T1", "{id: T1 #", 1),
    ]
    parser, checker = IncrementalParser(), DocumentChecker()
    _same_as_fresh(parser, checker, text)
    for b in broken:
        _same_as_fresh(parser, checker, b)
        _same_as_fresh(parser, checker, text)  # and back
    # Every way of cutting the text, one character at a time from the '[' on, as a person deleting would.
    start = text.index("threats: [")
    for k in range(start, start + 120):
        _same_as_fresh(parser, checker, text[:k] + text[k + 1:])


def _shape(chunks):
    return None if chunks is None else [(c.text, c.start, c.kind, c.key, c.indent, c.blank) for c in chunks]


@pytest.mark.parametrize("name", LAYOUTS)
def test_a_split_from_the_previous_version_equals_a_split_of_the_whole_text(name):
    # split(text, previous=...) reuses the previous version's chunks when an edit stays inside one (an item, a
    # flow list's head with its first item, a section): it must give the chunks a whole split gives.
    rnd = random.Random(name)
    for base in (layout(FIXTURE, name), layout(big_model(8), name), layout(ENDINGS, name),
                 *(HEAD + t for t in FIRST_ON_KEY_LINE)):
        text, previous = base, split(base)
        assert previous is not None
        for _ in range(300):  # a chain of edits: a broken list, then the edit that mends it
            pos = rnd.randrange(len(text) + 1)
            r = rnd.random()
            if r < 0.55:
                new = text[:pos] + rnd.choice(SNIPPETS) + text[pos:]
            elif r < 0.97:
                new = text[:pos] + text[pos + rnd.randint(1, 8):]
            else:
                new = base
            whole = split(new)
            if whole is None and rnd.random() < 0.7:
                continue
            if previous is not None:
                assert _shape(split(new, previous=previous)) == _shape(whole), (name, text, new)
            text, previous = new, whole


def test_two_flow_items_joined_on_one_line_keep_their_positions():
    # Deleting the line break after an item's ',' leaves that item's chunk without one: the next item then
    # starts mid-line, which a chunk cannot (its columns would be read from the line start).
    text = "version: 1\nthreats: [\n  {id: T1, title: a},\n  {id: T2, title: b},\n  {id: T3, title: c}]\n"
    parser = IncrementalParser()
    parser.parse(text)
    joined = text.replace("b},\n", "b},", 1)
    got, want = parser.parse(joined), parse_yaml(joined)
    assert got.data == want.data and as_plain(got.pos) == as_plain(want.pos)


@pytest.mark.parametrize("head", ["threats: [\n  {id: T1, title: a},\n", "threats: [{id: T1, title: a},\n"])
def test_a_flow_list_head_and_a_section_of_the_same_text_do_not_share_a_parse(head):
    # The head is parsed with a ']' added; when the next item loses its indent the same text is a section of
    # its own, which does not parse, and must not take the head's parse from the cache.
    text = "version: 1\n" + head + "  {id: T2, title: b},\n  {id: T3, title: c}]\n"
    parser = IncrementalParser()
    parser.parse(text)
    broken = text.replace("  {id: T2", "id: T2", 1)
    got, want = parser.parse(broken), parse_yaml(broken)
    assert not want.ok
    assert [(f.message, f.range) for f in got.findings] == [(f.message, f.range) for f in want.findings]


@pytest.mark.parametrize("text", ["t:\n  - ? a\n  - b\n", "t:\n  - ? a\n\n  # c\n  - b\n", "t:\n  - ? a\n    ? b\n  - c\n"])
def test_a_complex_key_without_a_value_at_the_end_of_an_item_keeps_its_position(text):
    # The empty value sits where the chunk alone ends its stream; the whole document puts it at the next item.
    got, want = IncrementalParser().parse(text), parse_yaml(text)
    assert got.data == want.data and as_plain(got.pos) == as_plain(want.pos)
