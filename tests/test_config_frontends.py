"""Repository configuration, team catalogs and suppressions in every front end: check, suggest, gate, LSP."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
THREATLINT = BIN / "threatlint"
TEAM = Path(__file__).parent / "fixtures" / "catalog" / "team-catalog.yaml"
TODAY = "2026-11-23"

MODEL = """\
version: 1
system: {name: Loyalty, owner: team-loyalty}
scope:
  paths: ["src/**"]
review: {last_reviewed: 2026-11-01, cadence_days: 90}
assets:
  - {id: members, classification: pii}
boundaries:
  - {id: vpc}
elements:
  - {id: app, kind: process, boundary: vpc}
  - {id: points, kind: data_store, name: Loyalty points DB, boundary: vpc, stores: [members]}
flows:
  - {id: save, from: app, to: points, data: [members], protocol: SQL}
"""


def env(tmp_path: Path) -> dict[str, str]:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = T\n\temail = t@example.com\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and not k.startswith("PRE_COMMIT")}
    base.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1", THREATLINT_TODAY=TODAY,
                PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return base


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "security").mkdir(parents=True)
    (root / "security" / "team.yaml").write_text(TEAM.read_text(encoding="utf-8"), encoding="utf-8")
    (root / ".threatlint.yaml").write_text("extra-catalogs: [security/team.yaml]\nseverity: {TM106: warning}\n",
                                           encoding="utf-8")
    (root / "threatmodel.yaml").write_text(MODEL, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env(tmp_path))
    return root


def threatlint(*args, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(THREATLINT), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=env(tmp_path))


def team_findings(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] == "TM106" and "ACME-I-001" in f["message"]]


# -- check ---------------------------------------------------------------------------------------

def test_check_uses_the_team_catalog_and_severity_override(repo, tmp_path):
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    found = json.loads(out.stdout)
    team = team_findings(found)
    assert len(team) == 1 and team[0]["severity"] == "warning"
    # one finding for the element names every catalog entry that fits it, the team's included (its title and
    # attack path are in `threatlint suggest`, below)
    line = MODEL.splitlines().index("  - {id: points, kind: data_store, name: Loyalty points DB, boundary: vpc, stores: [members]}")
    assert team[0]["range"]["start"]["line"] == line


def test_check_applies_select_ignore_and_inline_suppressions(repo, tmp_path):
    (repo / ".threatlint.yaml").write_text("extra-catalogs: [security/team.yaml]\nignore: [TM101]\n", encoding="utf-8")
    text = MODEL.replace("stores: [members]}", "stores: [members]}  # threatlint: ignore[TM105, TM106] test data only")
    # members reach the app from outside its boundary, so catalog threats fit the app too
    text = text.replace("  - {id: app, kind: process, boundary: vpc}",
                        "  - {id: app, kind: process, boundary: vpc}\n  - {id: member, kind: external_entity, name: Member}")
    text += "  - {id: use, from: member, to: app, protocol: HTTPS, encrypted: true}\n"
    (repo / "threatmodel.yaml").write_text(text, encoding="utf-8")
    found = json.loads(threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path).stdout)
    rules = {f["rule"] for f in found}
    assert "TM101" not in rules and "TM105" not in rules and not team_findings(found)
    assert "TM106" in rules  # on other elements


def test_check_reports_an_invalid_team_catalog_and_exits_2(repo, tmp_path):
    bad = TEAM.read_text(encoding="utf-8").replace("stride: information_disclosure", "stride: leaking")
    (repo / "security" / "team.yaml").write_text(bad, encoding="utf-8")
    out = threatlint("check", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 2
    line = bad.splitlines().index("    stride: leaking") + 1
    assert f"security/team.yaml:{line}:" in out.stderr and "$.threats[0].stride" in out.stderr
    assert "Traceback" not in out.stderr


def test_check_discovers_models_with_configured_patterns(repo, tmp_path):
    (repo / ".threatlint.yaml").write_text("model-patterns: ['*.tm.yaml']\n", encoding="utf-8")
    (repo / "threatmodel.yaml").rename(repo / "loyalty.tm.yaml")
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    assert {f["file"] for f in json.loads(out.stdout)} == {"loyalty.tm.yaml"}


# -- suggest -------------------------------------------------------------------------------------

def test_suggest_uses_the_team_catalog_and_suppressions(repo, tmp_path):
    entries = json.loads(threatlint("suggest", "--format", "json", ".", cwd=repo, tmp_path=tmp_path).stdout)
    assert [e["element"] for e in entries if e["catalog"] == "ACME-I-001"] == ["points"]
    text = MODEL.replace("stores: [members]}", "stores: [members]}  # threatlint: ignore[TM106] reviewed with the DPO")
    (repo / "threatmodel.yaml").write_text(text, encoding="utf-8")
    entries = json.loads(threatlint("suggest", "--format", "json", ".", cwd=repo, tmp_path=tmp_path).stdout)
    assert not [e for e in entries if e["element"] == "points"]


# -- gate ----------------------------------------------------------------------------------------

def git(repo: Path, tmp_path: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env(tmp_path))


def test_gate_uses_the_team_catalog_and_severity_override(repo, tmp_path):
    """The severity override makes the team's TM106 a warning, so `--fail-on warning` blocks on it."""
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", "--fail-on", "warning", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "ACME-I-001" in out.stdout and "warning TM106" in out.stdout


def test_gate_applies_suppressions_and_ignore(repo, tmp_path):
    text = MODEL.replace("stores: [members]}", "stores: [members]}  # threatlint: ignore[TM106] reviewed with the DPO")
    (repo / "threatmodel.yaml").write_text(text, encoding="utf-8")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", "--fail-on", "warning", cwd=repo, tmp_path=tmp_path)
    assert "ACME-I-001" not in out.stdout
    # everything else at warning level ignored by the configuration: the commit passes
    (repo / ".threatlint.yaml").write_text("extra-catalogs: [security/team.yaml]\nignore: [TM1, TM2, TM3, TM4]\n",
                                           encoding="utf-8")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", "--fail-on", "warning", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_gate_finds_models_with_configured_patterns(repo, tmp_path):
    (repo / ".threatlint.yaml").write_text("model-patterns: ['*.tm.yaml']\n", encoding="utf-8")
    (repo / "threatmodel.yaml").rename(repo / "loyalty.tm.yaml")
    git(repo, tmp_path, "add", "-A")
    git(repo, tmp_path, "commit", "-q", "-m", "model")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('points')\n", encoding="utf-8")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and "loyalty.tm.yaml" in out.stdout, out.stdout + out.stderr


def test_gate_reports_an_invalid_team_catalog_and_exits_2(repo, tmp_path):
    (repo / "security" / "team.yaml").write_text("threats: {}\n", encoding="utf-8")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "security/team.yaml:1:" in out.stderr and "$.threats" in out.stderr and "Traceback" not in out.stderr


# -- language server -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lsp_repo(tmp_path_factory) -> Path:
    """One repository for the language-server tests (the server is started once per module)."""
    root = tmp_path_factory.mktemp("lsp") / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "security").mkdir()
    (root / "security" / "team.yaml").write_text(TEAM.read_text(encoding="utf-8"), encoding="utf-8")
    (root / ".threatlint.yaml").write_text("extra-catalogs: [security/team.yaml]\nseverity: {TM106: warning}\n"
                                           "ignore: [TM404]\n", encoding="utf-8")
    return root


try:
    import pytest_lsp
    from lsprotocol import types as lsp
    from pytest_lsp import ClientServerConfig, LanguageClient
except ImportError:  # pragma: no cover - the test extra is installed in CI
    pytest_lsp = None

if pytest_lsp is not None:
    @pytest_lsp.fixture(config=ClientServerConfig(server_command=[str(THREATLINT), "lsp"],
                                                  server_env={**os.environ, "THREATLINT_TODAY": TODAY}))
    async def client(lsp_client: LanguageClient, lsp_repo: Path):
        await lsp_client.initialize_session(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(), root_uri=lsp_repo.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=lsp_repo.as_uri(), name="repo")]))
        yield
        await lsp_client.shutdown_session()


async def open_and_wait(client, path: Path, text: str) -> list:
    uri = path.as_uri()
    path.write_text(text, encoding="utf-8")
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    for _ in range(20):
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if uri in client.diagnostics:
            return client.diagnostics[uri]
    raise AssertionError("no diagnostics published")


def code_of(d) -> str:
    return d.code if isinstance(d.code, str) else str(d.code)


@pytest.mark.skipif(pytest_lsp is None, reason="pytest-lsp not installed")
async def test_language_server_uses_config_catalog_and_suppressions(client, lsp_repo):
    diags = await open_and_wait(client, lsp_repo / "threatmodel.yaml", MODEL)
    team = [d for d in diags if code_of(d) == "TM106" and "ACME-I-001" in d.message]
    assert len(team) == 1 and team[0].severity == lsp.DiagnosticSeverity.Warning
    assert not [d for d in diags if code_of(d) == "TM404"]  # ignored by the configuration

    text = MODEL.replace("stores: [members]}", "stores: [members]}  # threatlint: ignore[TM106, TM105]")
    diags = await open_and_wait(client, lsp_repo / "suppressed.threatmodel.yaml", text)
    assert not [d for d in diags if "ACME-I-001" in d.message or code_of(d) == "TM105"]
    assert [d for d in diags if code_of(d) == "TM007"]  # no reason given


@pytest.mark.skipif(pytest_lsp is None, reason="pytest-lsp not installed")
async def test_language_server_reports_an_invalid_team_catalog_and_keeps_checking(client, lsp_repo):
    other = lsp_repo.parent / "broken-repo"
    (other / ".git").mkdir(parents=True)
    (other / "team.yaml").write_text("threats:\n  - id: X-1\n    title: t\n", encoding="utf-8")
    (other / ".threatlint.yaml").write_text("extra-catalogs: [team.yaml]\n", encoding="utf-8")
    diags = await open_and_wait(client, other / "threatmodel.yaml", MODEL)
    assert [d for d in diags if code_of(d) == "TM101"]  # still checked, with the default configuration
    logged = [m.message for m in client.log_messages if "team.yaml:2:" in m.message]
    assert logged and "$.threats[0]" in logged[0] and "is required" in logged[0]
    uri = (other / "threatmodel.yaml").as_uri()
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=MODEL + "# edited\n")]))
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    shown = [m for m in client.messages if "team.yaml:2:" in m.message]
    assert len(shown) == 1 and shown[0].type == lsp.MessageType.Warning  # shown once, not on every keystroke


@pytest.mark.skipif(pytest_lsp is None, reason="pytest-lsp not installed")
async def test_quick_fixes_offer_the_team_catalogs_mitigations(client, lsp_repo):
    text = MODEL + """\
threats:
  - id: T-1
    title: Points export through GET /export dumps member e-mails to any partner key
    stride: information_disclosure
    affects: [points]
    likelihood: high
    impact: {severity: high}
    priority: high
    owner: team-loyalty
    status: open
"""
    path = lsp_repo / "fixes.threatmodel.yaml"
    diags = await open_and_wait(client, path, text)
    tm204 = [d for d in diags if code_of(d) == "TM204"]
    assert len(tm204) == 1, [(code_of(d), d.message) for d in diags]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=path.as_uri()), range=tm204[0].range,
        context=lsp.CodeActionContext(diagnostics=tm204)))
    titles = [a.title for a in actions or []]
    team = [a for a in actions or [] if "(ACME-M-VAULT)" in a.title]
    assert team, titles
    assert any("(CM-" in t or "(M-" in t for t in titles if "ACME" not in t), titles  # built-in ones stay offered
    inserted = "".join(e.new_text for changes in team[0].edit.changes.values() for e in changes)
    assert "catalog: ACME-M-VAULT" in inserted and "Export only through the ACME data vault" in inserted
