"""Drift in the editor, end to end over stdio (pytest-lsp): TM501 on the compose line, a quick fix that adds
the element (kind inferred, flows from depends_on) to the model, and the finding gone once it is there."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from threatlint.engine import check_text
from threatlint.engine.parse import parse_yaml

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from client import apply, config, start_session, wait_published  # noqa: E402

DRIFT = Path(__file__).parent / "fixtures" / "drift"
COMPOSE = (DRIFT / "awesome-compose" / "nginx-aspnet-mysql" / "compose.yaml").read_text(encoding="utf-8")
CART = (DRIFT / "microservices-demo" / "cartservice.yaml").read_text(encoding="utf-8")
RDS = (DRIFT / "terraform-aws-rds" / "db_instance" / "main.tf").read_text(encoding="utf-8")
MODEL = """version: 1
system: {name: Shop, owner: team-shop}
scope:
  paths: ["deploy/**"]
elements:
  - id: proxy
    kind: process
    name: Proxy
  - id: api
    kind: process
    name: Shop API
    aliases: [backend]
flows:
  - {id: proxy-api, from: proxy, to: api}
"""


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    root = Path(tempfile.mkdtemp(prefix="threatlint-lsp-drift-"))
    (root / "deploy" / "k8s").mkdir(parents=True)
    (root / "shop.threatmodel.yaml").write_text(MODEL, encoding="utf-8")
    (root / "deploy" / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (root / "deploy" / "k8s" / "cartservice.yaml").write_text(CART, encoding="utf-8")
    (root / "deploy" / "tf").mkdir()
    (root / "deploy" / "tf" / "main.tf").write_text(RDS, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # the model-side fix lists files through git
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


def open_doc(client, path: Path, language: str = "yaml") -> tuple[str, int]:
    mark = len(client.published)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=path.as_uri(), language_id=language, version=1, text=path.read_text(encoding="utf-8"))))
    return path.as_uri(), mark


async def test_tm501_on_the_compose_line_and_the_quick_fix_adds_the_element(client):
    compose_uri, mark = open_doc(client, client.root / "deploy" / "compose.yaml", "dockercompose")
    diags = (await wait_published(client, compose_uri, after=mark)).diagnostics
    tm501 = [d for d in diags if d.code == "TM501"]
    db_line = COMPOSE.splitlines().index("  db:")
    assert [(d.range.start.line, d.range.start.character) for d in tm501] == [(db_line, 2)]
    assert tm501[0].severity == lsp.DiagnosticSeverity.Warning
    assert "compose service 'db' (image mariadb:10-focal)" in tm501[0].message
    assert "add an element with aliases: [db]" in tm501[0].message
    assert any(d.code == "scope" and "shop.threatmodel.yaml" in d.message for d in diags)

    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=compose_uri), range=tm501[0].range,
        context=lsp.CodeActionContext(diagnostics=tm501)))
    titles = [a.title for a in actions]
    assert titles[0].startswith("Add data store 'db' (aliases: [db]) to the model with 1 flow from depends_on"), titles
    assert any(t.startswith("Exempt component 'db'") for t in titles)
    model_uri = (client.root / "shop.threatmodel.yaml").as_uri()
    edits = actions[0].edit.changes[model_uri]
    fixed = apply(MODEL, edits)
    data = parse_yaml(fixed).data
    assert data["elements"][-1] == {"id": "db", "kind": "data_store", "name": "db", "aliases": ["db"]}
    assert {"id": "api-to-db", "from": "api", "to": "db"} in data["flows"]  # backend depends_on db
    assert [f.rule for f in check_text(fixed) if f.rule in ("TM001", "TM002", "TM003", "TM004")] == []

    # The fix applied in the editor: the compose file's finding goes away.
    mark = len(client.published)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=model_uri, language_id="yaml", version=1, text=MODEL)))
    await wait_published(client, model_uri, after=mark)
    mark = len(client.published)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=model_uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)]))
    after = (await wait_published(client, compose_uri, after=mark)).diagnostics
    assert [d for d in after if d.code == "TM501"] == []


async def test_on_the_models_elements_key_a_fix_per_unmodelled_component(client):
    model_path = client.root / "shop.threatmodel.yaml"
    uri, mark = open_doc(client, model_path)
    await wait_published(client, uri, after=mark)
    line = MODEL.splitlines().index("elements:")
    at = lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=at, context=lsp.CodeActionContext(diagnostics=[])))
    titles = sorted(a.title for a in actions if "(for " in a.title)
    compose_line = COMPOSE.splitlines().index("  db:") + 1
    tf_line = RDS.splitlines().index('resource "aws_db_instance" "this" {') + 1
    assert titles == sorted([
        f"Add data store 'db' (aliases: [db]) to the model with 1 flow from depends_on (for compose service 'db' "
        f"(image mariadb:10-focal), deploy/compose.yaml:{compose_line})",
        f"Add process 'cartservice' (aliases: [cartservice]) to the model (for Kubernetes Deployment 'cartservice' "
        f"(image cartservice), deploy/k8s/cartservice.yaml:{CART.splitlines().index('  name: cartservice') + 1})",
        f"Add data store 'redis-cart' (aliases: [redis-cart]) to the model (for Kubernetes Deployment 'redis-cart' "
        f"(image redis:alpine), deploy/k8s/cartservice.yaml:{CART.splitlines().index('  name: redis-cart') + 1})",
        f"Add data store 'aws_db_instance.this' (aliases: [aws_db_instance.this]) to the model (for Terraform data "
        f"store aws_db_instance.this, deploy/tf/main.tf:{tf_line})",
    ]), titles
    db = next(a for a in actions if "'db'" in a.title)
    fixed = apply(MODEL, db.edit.changes[uri])
    assert parse_yaml(fixed).data["elements"][-1]["aliases"] == ["db"]
    # Elsewhere in the model there is nothing of drift's to offer.
    other = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=other, context=lsp.CodeActionContext(diagnostics=[])))
    assert not [a for a in actions or [] if "(for " in a.title]


async def test_kubernetes_manifest_gets_tm501_per_workload(client):
    uri, mark = open_doc(client, client.root / "deploy" / "k8s" / "cartservice.yaml")
    diags = (await wait_published(client, uri, after=mark)).diagnostics
    found = sorted((d.range.start.line, d.message.split(" is not")[0]) for d in diags if d.code == "TM501")
    lines = CART.splitlines()
    assert found == [(lines.index("  name: cartservice"), "Kubernetes Deployment 'cartservice' (image cartservice)"),
                     (lines.index("  name: redis-cart"), "Kubernetes Deployment 'redis-cart' (image redis:alpine)")]


async def test_terraform_resource_header_gets_tm501_and_a_data_store_fix(client):
    uri, mark = open_doc(client, client.root / "deploy" / "tf" / "main.tf", "terraform")
    diags = (await wait_published(client, uri, after=mark)).diagnostics
    [d] = [d for d in diags if d.code == "TM501"]
    header = RDS.splitlines().index('resource "aws_db_instance" "this" {')
    assert (d.range.start.line, d.range.start.character) == (header, 0)
    assert d.message.startswith("Terraform data store aws_db_instance.this is not in shop.threatmodel.yaml")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
    edits = actions[0].edit.changes[(client.root / "shop.threatmodel.yaml").as_uri()]
    element = parse_yaml(apply(MODEL, edits)).data["elements"][-1]
    assert element == {"id": "aws_db_instance.this", "kind": "data_store", "name": "aws_db_instance.this",
                       "aliases": ["aws_db_instance.this"]}


async def test_a_broken_compose_edit_gives_tm500_and_the_server_lives_on(client):
    uri, mark = open_doc(client, client.root / "deploy" / "compose.yaml")
    await wait_published(client, uri, after=mark)
    mark = len(client.published)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text="services:\n  web: [\n")]))
    diags = (await wait_published(client, uri, after=mark)).diagnostics
    [bad] = [d for d in diags if d.code == "TM500"]
    assert bad.range.start.line == 2 and "cannot read this compose file" in bad.message
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=0, character=0)))
    assert hover is None  # the server still answers
