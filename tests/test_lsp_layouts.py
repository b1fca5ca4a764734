"""The editor features on every YAML layout of the top-level lists (bench/layouts.py), end to end over stdio:
diagnostics, completion, hover, definition, references, highlights, rename, code actions, inlay hints,
workspace symbols and the in-scope code diagnostic behave the same whatever the layout."""
from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from threatlint.engine import check_text, parse_yaml
from threatlint.engine.context import CheckContext
from threatlint.engine.model import Model

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from client import TODAY, apply, config, start_session, position_of, wait_published  # noqa: E402
from layouts import LAYOUTS, layout  # noqa: E402

FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")
CTX = CheckContext(today=date.fromisoformat(TODAY))


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    root = Path(tempfile.mkdtemp(prefix="threatlint-layouts-"))
    (root / "services" / "payments").mkdir(parents=True)
    (root / "services" / "payments" / "app.py").write_text("print('pay')\n")
    (root / "other.threatmodel.yaml").write_text("version: 1\nsystem: {name: Other}\nelements:\n"
                                                 "- {id: api-gateway, kind: process, name: Gateway}\n")
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


class Opened:
    def __init__(self, client, name: str):
        self.client = client
        self.text = layout(FIXTURE, name)
        path = client.root / "payments.threatmodel.yaml"
        path.write_text(self.text, encoding="utf-8")
        self.uri = path.as_uri()
        self.version = 1
        self.mark = len(client.published)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=self.uri, language_id="yaml", version=1, text=self.text)))

    @property
    def doc_id(self):
        return lsp.TextDocumentIdentifier(uri=self.uri)

    def edit(self, start, end, new):
        self.text = apply(self.text, [lsp.TextEdit(range=lsp.Range(start=start, end=end), new_text=new)])
        self.version += 1
        self.mark = len(self.client.published)
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=lsp.Range(start=start, end=end), text=new)]))

    async def diagnostics(self):
        return (await wait_published(self.client, self.uri, self.version, self.mark)).diagnostics

    def value_of(self, key: str, value: str, nth: int = 0, delta: int = 0) -> lsp.Position:
        """Where `value` of `key` starts, written `key: value` or JSON-style `"key": "value"`."""
        for needle, skip in ((f"{key}: {value}", len(key) + 2), (f'"{key}": "{value}', len(key) + 5),
                             (f"{key}: [{value}", len(key) + 3), (f'"{key}": ["{value}', len(key) + 6)):
            if self.text.count(needle) > nth:
                return position_of(self.text, needle, skip + delta, nth)
        raise AssertionError(f"{key}: {value} not in the text")


def _key(d):
    return (d.code, d.message, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)


def _expected(text):
    return sorted((f.rule, f.message, f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character)
                  for f in check_text(text, CTX))


@pytest.mark.parametrize("name", LAYOUTS)
async def test_diagnostics_follow_edits_in_every_layout(client, name):
    doc = Opened(client, name)
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)
    p = position_of(doc.text, "Card payments for the web shop", 4)
    doc.edit(p, p, "x")
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)
    p = position_of(doc.text, "crafted login link", 7)
    doc.edit(p, p, " new")
    assert sorted(map(_key, await doc.diagnostics())) == _expected(doc.text)


@pytest.mark.parametrize("name", LAYOUTS)
async def test_completion_hover_definition_in_every_layout(client, name):
    doc = Opened(client, name)
    await doc.diagnostics()
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc.doc_id, position=doc.value_of("to", "db")))
    assert {"api", "shopper", "db", "archive"} <= {i.label for i in result.items}
    assert "card-data" not in {i.label for i in result.items}
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc.doc_id, position=doc.value_of("affects", "api")))
    assert {"api", "checkout", "save"} <= {i.label for i in result.items}
    h = await client.text_document_hover_async(lsp.HoverParams(text_document=doc.doc_id, position=doc.value_of("to", "api", delta=1)))
    assert "element `api`" in h.contents.value
    defs = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc.doc_id, position=doc.value_of("to", "api", delta=1)))
    assert [d.range.start for d in defs] == [doc.value_of("id", "api")]


@pytest.mark.parametrize("name", LAYOUTS)
async def test_references_highlights_and_rename_in_every_layout(client, name):
    doc = Opened(client, name)
    await doc.diagnostics()
    pos = doc.value_of("to", "api", delta=1)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc.doc_id, position=pos, context=lsp.ReferenceContext(include_declaration=True)))
    assert len(refs) == 5  # its id, checkout.to, save.from, the affects of T-001 and T-002
    highlights = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
        text_document=doc.doc_id, position=pos))
    assert sorted((h.range.start.line, h.range.start.character) for h in highlights) == \
        sorted((r.range.start.line, r.range.start.character) for r in refs)
    assert [h.kind for h in highlights].count(lsp.DocumentHighlightKind.Write) == 1
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(text_document=doc.doc_id, position=pos))
    assert prepared.placeholder == "api"
    # The new name keeps the element's role (engine/roles.py reads ids: "gateway" would make it an edge and
    # change which STRIDE categories TM101 asks), so the findings stay the same but for the name.
    edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc.doc_id, position=pos, new_name="orders-api"))
    renamed = apply(doc.text, edit.changes[doc.uri])
    model = Model(parse_yaml(renamed))
    assert "api" not in model.definitions and "orders-api" in model.definitions
    assert "api" not in model.referenced and "orders-api" in model.referenced
    # Same findings, with the new name.
    assert sorted((f.rule, f.message.replace("'orders-api'", "'api'")) for f in check_text(renamed, CTX)) == \
        sorted((f.rule, f.message) for f in check_text(doc.text, CTX))
    with pytest.raises(Exception, match="already taken by an element"):
        await client.text_document_rename_async(lsp.RenameParams(text_document=doc.doc_id, position=pos, new_name="db"))
    with pytest.raises(Exception, match="not a valid id"):
        await client.text_document_rename_async(lsp.RenameParams(text_document=doc.doc_id, position=pos, new_name="no way"))


@pytest.mark.parametrize("name", LAYOUTS)
async def test_code_actions_hints_symbols_and_code_files_in_every_layout(client, name):
    doc = Opened(client, name)
    diags = await doc.diagnostics()
    d = next(d for d in diags if d.code == "TM401")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=doc.doc_id, range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
    fixed = apply(doc.text, next(a for a in actions if a.diagnostics[0].code == "TM401").edit.changes[doc.uri])
    assert "TM401" not in {f.rule for f in check_text(fixed, CTX)}
    t002 = next(d for d in diags if d.code == "TM303")  # T-002 has no owner
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=doc.doc_id, range=t002.range, context=lsp.CodeActionContext(diagnostics=[t002])))
    assert any(a.diagnostics[0].code == "TM303" for a in actions)

    end = lsp.Position(line=len(doc.text.split("\n")), character=0)
    hints = await client.text_document_inlay_hint_async(lsp.InlayHintParams(
        text_document=doc.doc_id, range=lsp.Range(start=lsp.Position(line=0, character=0), end=end)))
    by_line = {h.position.line: h.label for h in hints}
    api_line = doc.value_of("id", "api").line
    assert by_line[api_line].startswith("2 threats: 2 open") and "highest open: critical" in by_line[api_line]
    assert by_line[doc.value_of("id", "T-001").line].startswith("score 12 (high × critical) → critical")

    symbols = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="api"))
    found = {(s.name, s.location.uri.rsplit("/", 1)[-1]) for s in symbols}
    assert ("api", "payments.threatmodel.yaml") in found and ("api-gateway", "other.threatmodel.yaml") in found

    code = (client.root / "services" / "payments" / "app.py").as_uri()
    mark = len(client.published)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=code, language_id="python", version=1, text="print('pay')\n")))
    (info,) = (await wait_published(client, code, after=mark)).diagnostics
    assert "payments.threatmodel.yaml" in info.message and "T-001" in info.message


@pytest.mark.parametrize("name", LAYOUTS)
async def test_inlay_hints_follow_edits_and_line_ranges_in_every_layout(client, name):
    doc = Opened(client, name)
    await doc.diagnostics()

    async def hint_on(line: int, first: int = 0, last: int | None = None):
        last = len(doc.text.split("\n")) if last is None else last
        got = await client.text_document_inlay_hint_async(lsp.InlayHintParams(
            text_document=doc.doc_id, range=lsp.Range(start=lsp.Position(line=first, character=0),
                                                      end=lsp.Position(line=last, character=0))))
        return [h.label for h in got if h.position.line == line]

    line = doc.value_of("id", "T-001").line
    assert (await hint_on(line))[0].startswith("score 12 (high × critical) → critical")
    k = doc.text.index("high", doc.text.index("likelihood", doc.text.index("T-001")))  # (anchors: `&likelihood high`)
    p = lsp.Position(line=doc.text.count("\n", 0, k), character=k - (doc.text.rfind("\n", 0, k) + 1))
    doc.edit(p, lsp.Position(line=p.line, character=p.character + 4), "low")
    await doc.diagnostics()
    want = ["score 4 (low × critical) → medium, priority critical"]
    assert await hint_on(line) == want  # the same request on the next version of the text
    assert await hint_on(line, line, line) == want  # a range of one line, served from what the first computed
    assert await hint_on(line, line + 1) == []
