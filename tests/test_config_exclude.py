"""The `exclude` / `extend-exclude` settings in every front end that searches for models: check DIR, suggest,
report, status, the gate (staged and --base), the pre-commit check hook (--force-exclude) and the language
server's workspace scan. Each runs in a real temporary git repository."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
from client import config, start_session, wait_published  # noqa: E402

BIN = Path(sys.executable).parent
THREATLINT = BIN / "threatlint"
TODAY = "2026-11-23"

MODEL = """\
version: 1
system: {{name: {name}, owner: team-{name}}}
scope:
  paths: ["{scope}/**"]
review: {{last_reviewed: 2026-11-01, cadence_days: 90}}
elements:
  - {{id: app, kind: process}}
assumptions:
  - {{id: A-1, text: "Only the pay team deploys {name}"}}  # not validated: a TM403 at every stage, so the file has findings
"""
BROKEN = "version: 1\nsystem: {name: Fixture}\nnotes: a fixture with a schema error on purpose\n"
REAL = "services/pay/threatmodel.yaml"
FIXTURE = "tests/fixtures/gate/threatmodel.yaml"  # a broken model kept as test data
BENCH = "bench/work/m10.threatmodel.yaml"
VENDORED = "node_modules/lib/threatmodel.yaml"  # excluded by default


def env(tmp_path: Path) -> dict[str, str]:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = T\n\temail = t@example.com\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and not k.startswith("PRE_COMMIT")}
    base.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1", THREATLINT_TODAY=TODAY,
                PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return base


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    write(root / REAL, MODEL.format(name="pay", scope="services/pay"))
    write(root / "services/pay/app.py", "print('pay')\n")
    write(root / FIXTURE, BROKEN)
    write(root / "tests/fixtures/app.py", "x = 1\n")
    write(root / BENCH, MODEL.format(name="bench", scope="bench"))
    write(root / VENDORED, MODEL.format(name="vendored", scope="node_modules"))
    write(root / ".threatlint.yaml", "extend-exclude:\n  - tests/fixtures/\n  - /bench/work/\n")
    git(root, tmp_path, "init", "-q")
    git(root, tmp_path, "add", "-A")
    git(root, tmp_path, "commit", "-qm", "start")
    return root


def git(root: Path, tmp_path: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env=env(tmp_path)).stdout


def threatlint(*args, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(THREATLINT), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=env(tmp_path))


def files_of(out: str) -> set[str]:
    return {f["file"] for f in json.loads(out)}


# -- check, suggest, report, status ------------------------------------------------------------------

def test_check_dir_skips_excluded_and_default_excluded_models(repo, tmp_path):
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    assert files_of(out.stdout) == {REAL}
    # Without the setting the fixture and the benchmark output are models again; node_modules stays skipped.
    (repo / ".threatlint.yaml").unlink()
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL, FIXTURE, BENCH}


def test_exclude_replaces_the_defaults(repo, tmp_path):
    (repo / ".threatlint.yaml").write_text("exclude: [tests/]\n", encoding="utf-8")
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL, BENCH, VENDORED}


def test_patterns_are_relative_to_the_config_file_wherever_check_starts(repo, tmp_path):
    out = threatlint("check", "--format", "json", "tests", "bench", "services", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL}
    # Started from a subfolder, `.` is that folder; the root's patterns still apply to it.
    out = threatlint("check", "--format", "json", ".", cwd=repo / "tests", tmp_path=tmp_path)
    assert out.returncode == 2 and "no threat model files found" in out.stderr


def test_a_path_named_explicitly_is_checked_unless_force_exclude(repo, tmp_path):
    out = threatlint("check", "--format", "json", FIXTURE, cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and files_of(out.stdout) == {FIXTURE}
    out = threatlint("check", "--format", "json", "tests/fixtures", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and files_of(out.stdout) == {FIXTURE}
    # pre-commit passes every staged model to the check hook, which says --force-exclude.
    out = threatlint("check", "--force-exclude", "--format", "json", FIXTURE, REAL, cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0 and files_of(out.stdout) <= {REAL}, out.stdout
    out = threatlint("check", "--force-exclude", FIXTURE, cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr


def test_suggest_and_report_skip_excluded_models(repo, tmp_path):
    out = threatlint("suggest", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith("in 1 model."), out.stdout
    (repo / ".threatlint.yaml").unlink()
    out = threatlint("suggest", ".", cwd=repo, tmp_path=tmp_path)
    assert out.stdout.rstrip().endswith("in 3 models."), out.stdout
    (repo / ".threatlint.yaml").write_text("extend-exclude: [tests/fixtures/, /bench/work/]\n", encoding="utf-8")
    out = threatlint("report", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Risk register: pay" in out.stdout and "bench" not in out.stdout and "Fixture" not in out.stdout


def test_status_lists_only_the_teams_models(repo, tmp_path):
    out = threatlint("status", "--format", "json", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    listed = json.dumps(json.loads(out.stdout))
    assert REAL in listed and "tests/fixtures" not in listed and "bench/work" not in listed


# -- the gate ----------------------------------------------------------------------------------------

def test_gate_ignores_excluded_models(repo, tmp_path):
    # An excluded broken fixture neither blocks the commit nor counts as a model; code in the real model's
    # scope still needs the model.
    write(repo / "tests/fixtures/app.py", "x = 2\n")
    write(repo / FIXTURE, BROKEN + "# touched\n")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    write(repo / "services/pay/app.py", "print('pay v2')\n")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and REAL in out.stdout and FIXTURE not in out.stdout


def test_gate_without_the_setting_sees_the_fixture(repo, tmp_path):
    (repo / ".threatlint.yaml").unlink()
    write(repo / FIXTURE, BROKEN + "# touched\n")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and FIXTURE in out.stdout, out.stdout


def test_an_excluded_model_file_in_a_scope_is_a_change_like_any_other(repo, tmp_path):
    # The real model covers tests/**: changing the excluded fixture model is a change of covered code.
    write(repo / REAL, MODEL.format(name="pay", scope="tests"))
    git(repo, tmp_path, "commit", "-qam", "scope covers tests")
    write(repo / FIXTURE, BROKEN + "# touched\n")
    git(repo, tmp_path, "add", "-A")
    out = threatlint("gate", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 1 and REAL in out.stdout and FIXTURE in out.stdout, out.stdout


def test_gate_base_range_ignores_excluded_models(repo, tmp_path):
    git(repo, tmp_path, "checkout", "-qb", "feature")
    write(repo / FIXTURE, BROKEN + "# touched\n")
    git(repo, tmp_path, "commit", "-qam", "fixture")
    out = threatlint("gate", "--base", "main", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


# -- the language server's workspace scan and the settings -------------------------------------------

def test_language_server_workspace_scan_honours_exclude(repo):
    from threatlint.settings import models_under

    found = {p.relative_to(repo).as_posix() for p in models_under(repo)}
    assert found == {REAL}
    (repo / ".threatlint.yaml").write_text("exclude: []\nmodel-patterns: ['*.threatmodel.yaml']\n", encoding="utf-8")
    found = {p.relative_to(repo).as_posix() for p in models_under(repo)}
    assert found == {BENCH}  # model-patterns are honoured too
    (repo / ".threatlint.yaml").write_text("exclude: nope\n", encoding="utf-8")
    found = {p.relative_to(repo).as_posix() for p in models_under(repo)}
    assert found == {REAL, FIXTURE, BENCH}  # an invalid configuration: the defaults (the server reports it)


@pytest.mark.parametrize("text,problem", [
    ("exclude: tests/\n", "exclude must be a list of strings"),
    ("extend-exclude: [1]\n", "extend-exclude must be a list of strings"),
    ("extend_exclude: [a/]\n", "did you mean 'extend-exclude'"),
])
def test_bad_settings_are_errors(repo, tmp_path, text, problem):
    (repo / ".threatlint.yaml").write_text(text, encoding="utf-8")
    out = threatlint("check", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 2 and problem in out.stderr, out.stderr


def test_this_repository_excludes_its_fixtures_and_benchmark_output():
    from threatlint.settings import models_under

    root = Path(__file__).resolve().parents[1]
    found = {p.relative_to(root).parts[0] for p in models_under(root)}
    assert found == {"examples"}, found


# -- the language server over stdio ------------------------------------------------------------------

FIXTURE_MODEL = MODEL.format(name="fixture", scope="tests")  # a valid model covering tests/**, kept as test data


@pytest_lsp.fixture(config=config())
async def lsp_workspace(lsp_client: LanguageClient, tmp_path):
    root = tmp_path / "ws"
    write(root / REAL, MODEL.format(name="pay", scope="services/pay"))
    write(root / "services/pay/app.py", "print('pay')\n")
    write(root / FIXTURE, FIXTURE_MODEL)
    write(root / "tests/fixtures/app.py", "x = 1\n")
    write(root / ".threatlint.yaml", "extend-exclude: [tests/fixtures/]\n")
    await start_session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


async def _code_file_diagnostics(client, rel: str):
    uri = (client.root / rel).as_uri()
    mark = len(client.published)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=(client.root / rel).read_text(encoding="utf-8"))))
    return list((await wait_published(client, uri, after=mark)).diagnostics)


async def test_language_server_does_not_treat_an_excluded_model_as_covering_code(lsp_workspace):
    client = lsp_workspace  # pytest-lsp's fixture is the client, its workspace set up above
    # The excluded fixture model's scope (tests/**) covers tests/fixtures/app.py; excluded, it covers nothing.
    assert await _code_file_diagnostics(client, "tests/fixtures/app.py") == []
    covered = await _code_file_diagnostics(client, "services/pay/app.py")
    assert len(covered) == 1 and REAL.rsplit("/", 1)[-1] in covered[0].message


# -- respect-gitignore -------------------------------------------------------------------------------

def test_models_git_ignores_are_skipped_unless_respect_gitignore_is_false(repo, tmp_path):
    generated = "build-output/gen.threatmodel.yaml"
    write(repo / generated, MODEL.format(name="gen", scope="build-output"))
    write(repo / ".gitignore", "build-output/\n")
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL}
    out = threatlint("check", "--format", "json", generated, cwd=repo, tmp_path=tmp_path)  # named: checked
    assert files_of(out.stdout) <= {generated} and out.returncode in (0, 1), out.stderr
    (repo / ".threatlint.yaml").write_text("extend-exclude: [tests/fixtures/, /bench/work/]\nrespect-gitignore: false\n",
                                           encoding="utf-8")
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL, generated}
    (repo / ".threatlint.yaml").write_text("respect-gitignore: sometimes\n", encoding="utf-8")
    out = threatlint("check", ".", cwd=repo, tmp_path=tmp_path)
    assert out.returncode == 2 and "respect-gitignore must be true or false" in out.stderr


def test_a_tracked_model_is_never_treated_as_ignored(repo, tmp_path):
    write(repo / ".gitignore", "services/\n")  # ignore rules do not apply to files git already tracks
    out = threatlint("check", "--format", "json", ".", cwd=repo, tmp_path=tmp_path)
    assert files_of(out.stdout) == {REAL}


def test_outside_a_repository_nothing_is_ignored(tmp_path):
    from threatlint.workspace import ignored_by_git

    model = write(tmp_path / "plain" / "threatmodel.yaml", "version: 1\n")
    write(tmp_path / "plain" / ".gitignore", "threatmodel.yaml\n")
    assert ignored_by_git(tmp_path / "plain", [model]) == set()
