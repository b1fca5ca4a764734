"""`threatlint/diagram`, the live data-flow diagram's request: the real `threatlint lsp` over stdio
(pytest-lsp), answered from the unsaved text the client sent, and the Mermaid it carries."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from threatlint.lsp.diagram import graph

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from client import config, start_session  # noqa: E402

MODEL = """\
version: 1
system: {name: Shop}
boundaries:
  - {id: cloud, name: Cloud account}
  - {id: vpc, name: Production VPC, parent: cloud}
  - {id: dmz, name: DMZ, parent: vpc}
  - {id: loop-a, parent: loop-b}
  - {id: loop-b, parent: loop-a}
elements:
  - {id: user, kind: external_entity, name: Customer}
  - {id: api, kind: process, name: Shop API, boundary: dmz}
  - {id: db, kind: data_store, name: Orders DB, boundary: vpc}
flows:
  - {id: checkout, from: user, to: api, protocol: HTTP, encrypted: false, authenticated: true}
  - {id: orders, from: api, to: db, protocol: SQL, encrypted: true, authenticated: true}
  - {id: ghost, from: api, to: nowhere}
threats:
  - id: T-1
    title: Order rows rewritten through the shared SQL account
    stride: tampering
    affects: [db]
    likelihood: high
    impact: {severity: high}
    priority: critical
    status: open
  - id: T-2
    title: Checkout replayed
    stride: tampering
    affects: [checkout]
    likelihood: low
    impact: {severity: low}
    priority: high
    status: mitigated
"""


def test_graph_has_nesting_risk_threats_and_lines():
    g = graph(MODEL, 7)
    assert g["ok"] and g["version"] == 7
    boundaries = {b["id"]: b for b in g["boundaries"]}
    assert boundaries["vpc"]["parent"] == "cloud" and boundaries["dmz"]["parent"] == "vpc"
    assert boundaries["cloud"]["parent"] is None
    # A parent cycle is drawn at the top level instead of looping.
    assert boundaries["loop-a"]["parent"] is None or boundaries["loop-b"]["parent"] is None
    lines = MODEL.splitlines()
    for item in g["elements"] + g["flows"] + g["boundaries"]:
        assert f"id: {item['id']}" in lines[item["line"]], (item, lines[item["line"]])
    elements = {e["id"]: e for e in g["elements"]}
    assert elements["db"]["threats"] == ["T-1"]  # open and critical
    assert elements["user"]["threats"] == [] and elements["api"]["threats"] == []  # T-2 is mitigated
    flows = {f["id"]: f for f in g["flows"]}
    assert flows["checkout"]["crossesBoundary"] and flows["checkout"]["unencrypted"]
    assert not flows["checkout"]["unauthenticated"] and flows["checkout"]["risky"]
    assert not flows["orders"]["risky"] and flows["orders"]["crossesBoundary"]  # dmz -> vpc, but TLS and auth
    assert flows["ghost"]["edge"] is None  # unknown end: not drawn, still listed with its line

    text = g["mermaid"]
    # Nested subgraphs: DMZ's subgraph opens inside the VPC's, inside the cloud account's.
    order = [text.index(f'subgraph {boundaries[b]["box"]}[') for b in ("cloud", "vpc", "dmz")]
    assert order == sorted(order)
    ends = [i for i, line in enumerate(text.splitlines()) if line.strip() == "end"]
    assert len(ends) == 5
    assert f'{elements["db"]["node"]}[("⚠ Orders DB")]' in text
    assert f"class {elements['db']['node']} threatened" in text
    assert f"{elements['user']['node']} {flows['checkout']['edge']}@-->" in text
    assert "linkStyle 0 stroke:#dc2626" in text  # the checkout flow is the first edge


def test_broken_yaml_answers_with_the_error_and_its_line():
    broken = MODEL.replace("  - {id: api, kind: process", "  - {id: api, kind: [process")
    g = graph(broken, 3)
    assert g == {"ok": False, "version": 3, "error": g["error"]}
    assert g["error"]["message"] and g["error"]["line"] >= 9


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    root = Path(tempfile.mkdtemp(prefix="threatlint-diagram-"))
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


async def request(client, uri):
    return await client.protocol.send_request_async("threatlint/diagram", {"textDocument": {"uri": uri}})


def field(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


async def test_server_answers_from_unsaved_edits(client: LanguageClient):
    path = client.root / "shop.threatmodel.yaml"
    path.write_text("version: 1\nsystem: {name: Shop}\n", encoding="utf-8")  # the disk copy never changes
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=MODEL)))
    first = await request(client, uri)
    assert field(first, "ok") is True
    names = [field(e, "name") for e in field(first, "elements")]
    assert names == ["Customer", "Shop API", "Orders DB"]

    # Rename an element without saving: the next answer has the new name.
    line = MODEL.splitlines().index("  - {id: api, kind: process, name: Shop API, boundary: dmz}")
    start = len("  - {id: api, kind: process, name: ")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=line, character=start),
                            end=lsp.Position(line=line, character=start + len("Shop API"))),
            text="Storefront")]))
    second = await request(client, uri)
    assert field(second, "version") == 2
    assert "Storefront" in field(second, "mermaid")

    # Break the YAML mid-edit: the answer says where, and nothing is drawn from it.
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=line, character=4), end=lsp.Position(line=line, character=4)),
            text="[")]))
    third = await request(client, uri)
    assert field(third, "ok") is False and field(third, "version") == 3
    assert field(field(third, "error"), "line") >= line

    missing = await request(client, (client.root / "other.threatmodel.yaml").as_uri())
    assert field(missing, "ok") is False and field(field(missing, "error"), "line") is None
