"""lsp/rename.py: every site of an id, renaming it, and why a name is refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from threatlint.engine import parse_yaml
from threatlint.engine.model import Model
from threatlint.lsp import rename


FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")


def at(text: str, needle: str, delta: int = 0, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += delta
    return text.count("\n", 0, i), i - (text.rfind("\n", 0, i) + 1)


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


def test_settings_come_from_initialization_options_or_configuration():
    from threatlint.lsp.server import Settings

    s = Settings()
    assert s.rename_mentions is False
    s.update({"renameMentions": True})  # initializationOptions
    assert s.rename_mentions is True
    s.update({"threatlint": {"renameMentions": False}})  # workspace/didChangeConfiguration settings
    assert s.rename_mentions is False
    s.update(None)
    s.update({"threatlint": {"renameMentions": "yes"}})  # not a boolean: ignored
    assert s.rename_mentions is False
