"""End-to-end: the real `threatlint lsp` process over stdio, driven by pytest-lsp."""
from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from threatlint.engine import check_text
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Severity
from threatlint.links import rule_help_uri

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from client import TODAY, apply, config, start_session, position_of, wait_published  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml"
CTX = CheckContext(today=date.fromisoformat(TODAY))


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    root = Path(tempfile.mkdtemp(prefix="threatlint-lsp-"))
    shutil.copy(FIXTURE, root / "payments.threatmodel.yaml")
    (root / "services" / "payments").mkdir(parents=True)
    (root / "services" / "payments" / "app.py").write_text("import os\n\nprint('pay')\n")
    (root / "docs").mkdir()
    (root / "docs" / "notes.py").write_text("x = 1\n")
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


class Doc:
    """An open document whose text the test keeps in step with the server's."""

    def __init__(self, client, path: Path, text: str | None = None):
        self.client, self.uri = client, path.as_uri()
        self.text = text if text is not None else path.read_text(encoding="utf-8")
        self.version = 1

    def open(self, language="yaml"):
        self.mark = len(self.client.published)
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=self.uri, language_id=language, version=1, text=self.text)))
        return self

    def edit(self, start: lsp.Position, end: lsp.Position, new: str):
        self.text = apply(self.text, [lsp.TextEdit(range=lsp.Range(start=start, end=end), new_text=new)])
        self.version += 1
        self.mark = len(self.client.published)
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=lsp.Range(start=start, end=end), text=new)]))

    def insert(self, needle: str, new: str, delta: int = 0):
        p = position_of(self.text, needle, delta)
        self.edit(p, p, new)

    async def diagnostics(self):
        return (await wait_published(self.client, self.uri, self.version, self.mark)).diagnostics

    @property
    def doc_id(self):
        return lsp.TextDocumentIdentifier(uri=self.uri)


def _key(d: lsp.Diagnostic):
    return (d.code, d.message, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)


def _expected(text: str):
    return sorted((f.rule, f.message, f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character)
                  for f in check_text(text, CTX))


def model(client) -> Doc:
    return Doc(client, client.root / "payments.threatmodel.yaml")


async def test_diagnostics_on_open_carry_code_help_severity_source_and_data(client):
    doc = model(client).open()
    diags = await doc.diagnostics()
    assert sorted(map(_key, diags)) == _expected(doc.text)
    by_code = {d.code: d for d in diags}
    # TM301 runs at the operational stage only; the fixture declares no stage (the default is design)
    assert {"TM101", "TM103", "TM104", "TM105", "TM201", "TM204", "TM303", "TM401"} <= set(by_code)
    for d in diags:
        assert d.source == "threatlint"
        assert d.code_description.href == rule_help_uri(d.code)  # the rule's heading in docs/rules.md
        assert isinstance(d.data, dict) and d.data["rule"] == d.code
    assert by_code["TM204"].severity == lsp.DiagnosticSeverity.Error
    assert by_code["TM101"].severity == lsp.DiagnosticSeverity.Warning
    assert any(d.severity == lsp.DiagnosticSeverity.Information for d in diags)  # info -> Information
    tm101 = [d for d in diags if d.code == "TM101"][0]
    assert set(tm101.data["data"]) >= {"element", "kind", "categories"}


async def test_every_change_rechecks_and_matches_a_fresh_check(client):
    doc = model(client).open()
    await doc.diagnostics()
    doc.insert("    stride: tampering", "    owner: ops\n", 0)  # clears T-002's TM303
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)
    # Mid-edit invalid YAML: TM001 at the offending place, nothing else.
    doc.insert("    likelihood: high\n", "    stride: [spoofing\n")
    diags = await doc.diagnostics()
    assert [d.code for d in diags] == ["TM001"]
    assert sorted(map(_key, diags)) == _expected(doc.text)
    p = position_of(doc.text, "    stride: [spoofing\n")
    doc.edit(p, lsp.Position(line=p.line + 1, character=0), "")
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)
    # A new line above everything shifts every position.
    doc.edit(lsp.Position(line=0, character=0), lsp.Position(line=0, character=0), "# header\n\n")
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)


async def test_a_burst_of_keystrokes_costs_fewer_checks(client):
    doc = model(client).open()
    await doc.diagnostics()
    start = len(client.published)
    for ch in "Payments API and its new checkout service":
        doc.insert("  name: Payments API", ch, len("  name: Payments API"))
    diags = await doc.diagnostics()
    assert sorted(map(_key, diags)) == _expected(doc.text)
    published = [p for p in client.published[start:] if p.uri == doc.uri]
    assert len(published) < 20  # 41 edits, sent while the server was busy


async def test_save_rechecks_and_close_clears(client):
    doc = model(client).open()
    await doc.diagnostics()
    mark = len(client.published)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=doc.doc_id))
    assert (await wait_published(client, doc.uri, after=mark)).diagnostics
    mark = len(client.published)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=doc.doc_id))
    assert list((await wait_published(client, doc.uri, after=mark)).diagnostics) == []


async def test_quick_fixes_clear_their_finding(client):
    doc = model(client).open()
    diags = await doc.diagnostics()
    seen = set()
    for d in diags:
        # TM301 runs at the operational stage only (the fixture declares none); TM106 offers a fix per catalog entry
        if d.code not in {"TM101", "TM103", "TM104", "TM105", "TM106", "TM201", "TM204", "TM303", "TM401"} or d.code in seen:
            continue
        seen.add(d.code)
        actions = await client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=doc.doc_id, range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
        mine = [a for a in actions if a.diagnostics and _key(a.diagnostics[0]) == _key(d)]
        assert mine, f"no quick fix for {d.code}"
        for action in mine:
            assert action.kind == lsp.CodeActionKind.QuickFix
            fixed = apply(doc.text, action.edit.changes[doc.uri])
            after = check_text(fixed, CTX)
            assert (d.code, d.message) not in {(f.rule, f.message) for f in after}, action.title
            before_errors = {(f.rule, f.message) for f in check_text(doc.text, CTX) if f.severity == Severity.ERROR}
            assert not [f for f in after if f.severity == Severity.ERROR and (f.rule, f.message) not in before_errors], action.title
    assert seen == {"TM101", "TM103", "TM104", "TM105", "TM106", "TM201", "TM204", "TM303", "TM401"}
    # Applying one through the server: its diagnostics follow.
    d = next(d for d in diags if d.code == "TM401")
    (action,) = [a for a in await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=doc.doc_id, range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
        if a.diagnostics[0].code == "TM401"]
    edit = action.edit.changes[doc.uri][0]
    doc.edit(edit.range.start, edit.range.end, edit.new_text)
    assert "TM401" not in {x.code for x in await doc.diagnostics()}
    assert f"last_reviewed: {TODAY}" in doc.text


async def _complete(client, doc, pos):
    result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc.doc_id, position=pos))
    return {i.label: i for i in result.items}


async def test_completion_of_enums_keys_and_ids_mid_edit(client):
    doc = model(client).open()
    await doc.diagnostics()
    doc.insert("  - id: archive", "  - id: cache\n    kind: pr\n")
    items = await _complete(client, doc, position_of(doc.text, "kind: pr", len("kind: pr")))
    assert {"process", "data_store", "external_entity"} <= set(items)
    doc.insert("    likelihood: high\n", "    stride: \n", 0)
    items = await _complete(client, doc, position_of(doc.text, "    stride: \n", len("    stride: ")))
    assert {"spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service",
            "elevation_of_privilege"} <= set(items)
    assert "authentication" in items["spoofing"].documentation.value
    # Keys of a threat, without the ones already written.
    p = position_of(doc.text, "    status: open\n", len("    status: open"), nth=1)  # in T-002
    doc.edit(p, p, "\n    ")
    items = await _complete(client, doc, lsp.Position(line=p.line + 1, character=4))
    assert {"attack_path", "owner", "residual_risk"} <= set(items)
    assert "status" not in items and "title" not in items
    assert items["attack_path"].documentation.value
    # Ids where an id is expected.
    items = await _complete(client, doc, position_of(doc.text, "affects: [api", len("affects: [")))
    assert {"api", "shopper", "db", "checkout", "save"} <= set(items)
    assert "card-data" not in items
    items = await _complete(client, doc, position_of(doc.text, "mitigations: [M-001]", len("mitigations: [")))
    assert set(items) == {"M-001"}
    items = await _complete(client, doc, position_of(doc.text, "      target: card-data", len("      target: ")))
    assert {"card-data", "logs"} == set(items)
    items = await _complete(client, doc, position_of(doc.text, "    boundary: vpc", len("    boundary: ")))
    assert {"internet", "vpc"} == set(items)


async def test_hover_key_stride_and_id(client):
    doc = model(client).open()
    await doc.diagnostics()

    async def hover(pos):
        h = await client.text_document_hover_async(lsp.HoverParams(text_document=doc.doc_id, position=pos))
        return h.contents.value if h else None

    key_doc = await hover(position_of(doc.text, "stride: spoofing", 2))
    assert key_doc.startswith("**stride**:") and "STRIDE" in key_doc
    assert "authentication" in await hover(position_of(doc.text, "stride: spoofing", len("stride: sp")))
    text = await hover(position_of(doc.text, "affects: [api]", len("affects: [a")))
    assert "element `api`" in text and "process" in text and "Payments API" in text
    assert "flow `checkout`" in await hover(position_of(doc.text, "affects: [checkout]", len("affects: [ch")))


async def test_definition_and_references(client):
    doc = model(client).open()
    await doc.diagnostics()
    pos = position_of(doc.text, "affects: [api]", len("affects: [a"))
    defs = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc.doc_id, position=pos))
    assert [d.range.start for d in defs] == [position_of(doc.text, "  - id: api", len("  - id: "))]
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc.doc_id, position=pos, context=lsp.ReferenceContext(include_declaration=True)))
    lines = sorted(r.range.start.line for r in refs)
    assert len(refs) == 5  # its id, checkout.to, save.from, T-001 and T-002 affects
    assert position_of(doc.text, "to: api").line in lines
    for ident in ("card-data", "M-001", "vpc", "checkout"):
        pos = position_of(doc.text, ident, 1)
        defs = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc.doc_id, position=pos))
        assert len(defs) == 1, ident


async def test_document_symbols_outline(client):
    doc = model(client).open()
    await doc.diagnostics()
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc.doc_id))
    names = {s.name: s for s in symbols}
    assert {"system", "assets", "boundaries", "elements", "flows", "threats", "mitigations"} <= set(names)
    assert names["system"].detail == "Payments API"
    assert [c.name for c in names["threats"].children] == ["T-001", "T-002", "T-003"]
    assert [c.name for c in names["elements"].children] == ["shopper", "api", "db", "archive"]
    for s in symbols:
        for c in s.children or []:
            r, sel = c.range, c.selection_range
            assert (r.start.line, r.start.character) <= (sel.start.line, sel.start.character)
            assert (r.end.line, r.end.character) >= (sel.end.line, sel.end.character)


async def test_code_file_in_scope_gets_one_info_diagnostic_that_follows_the_model(client):
    code = Doc(client, client.root / "services" / "payments" / "app.py").open("python")
    diags = (await wait_published(client, code.uri, after=code.mark)).diagnostics
    assert len(diags) == 1
    d = diags[0]
    assert d.severity == lsp.DiagnosticSeverity.Information and d.range.start.line == 0
    assert "payments.threatmodel.yaml" in d.message and "Payments API" in d.message
    assert "T-001" in d.message and "T-002" in d.message and "T-003" not in d.message
    assert "review overdue since 2026-04-01" in d.message
    other = Doc(client, client.root / "docs" / "notes.py").open("python")
    assert list((await wait_published(client, other.uri, after=other.mark)).diagnostics) == []
    # Editing the model updates the code file.
    doc = model(client).open()
    await doc.diagnostics()
    mark = len(client.published)
    p = position_of(doc.text, "    status: open", len("    status: "), nth=1)
    doc.edit(p, lsp.Position(line=p.line, character=p.character + 4), "mitigated")
    updated = (await wait_published(client, code.uri, after=mark)).diagnostics
    assert "T-002" not in updated[0].message and "T-001" in updated[0].message


async def test_utf16_positions(client):
    text = ("version: 1\nsystem: {name: x}\nelements:\n"
            "  - {id: svc, name: \"😀😀\", kind: bogus}\n")
    path = client.root / "emoji.threatmodel.yaml"
    path.write_text(text, encoding="utf-8")
    doc = Doc(client, path).open()
    diags = await doc.diagnostics()
    tm002 = [d for d in diags if d.code == "TM002"][0]
    line = text.split("\n")[3]
    assert tm002.range.start.character == len(line[:line.index("bogus")].encode("utf-16-le")) // 2


async def test_server_survives_broken_input_and_handler_errors(client):
    doc = model(client).open()
    await doc.diagnostics()
    end = position_of(doc.text, "exemptions:")
    for junk in ["\x00\x01\x02", "{[}]: :: - - -", "\ufffd\ud7ff", "x" * 200_000, "\t\t- : !!python/object:os.system",
                 "&a [*a, *a, *a]", "---\n---\n", "key: 'unterminated\n", "\r\n\r\n"]:
        doc.edit(end, end, junk)
        diags = await doc.diagnostics()
        assert sorted(map(_key, diags)) == _expected(doc.text)
    # Positions past the end of the document.
    far = lsp.Position(line=10_000, character=10_000)
    for request in (client.text_document_completion_async(lsp.CompletionParams(text_document=doc.doc_id, position=far)),
                    client.text_document_hover_async(lsp.HoverParams(text_document=doc.doc_id, position=far))):
        await request
    # A handler that fails answers with an error and logs it; the server keeps going.
    missing = (client.root / "gone" / "x.threatmodel.yaml").as_uri()
    with pytest.raises(Exception):
        await client.text_document_completion_async(lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=missing), position=lsp.Position(line=0, character=0)))
    for _ in range(500):
        if any(m.type == lsp.MessageType.Error for m in client.log_messages):
            break
        await asyncio.sleep(0.01)
    assert any(m.type == lsp.MessageType.Error and "x.threatmodel.yaml" in m.message for m in client.log_messages)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc.doc_id))
    assert symbols is not None


async def test_grouped_findings_offer_a_quick_fix_per_category_and_per_catalog_entry(client):
    doc = model(client).open()
    diags = await doc.diagnostics()
    for code, names in (("TM101", "categories"), ("TM106", "entries")):
        d = next(d for d in diags if d.code == code and len(d.data["data"][names]) > 1)
        actions = await client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=doc.doc_id, range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
        titles = [a.title for a in actions if a.diagnostics and a.diagnostics[0].code == code]
        for item in d.data["data"][names]:
            wanted = item if code == "TM101" else item["catalog"]
            assert any(f" {wanted} " in f" {t.replace(':', ' ')} " for t in titles), (wanted, titles)
