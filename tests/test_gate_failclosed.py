"""The gate fails closed: when it cannot read a model, cannot ask git, or crashes, the commit is blocked
with a message saying why, never waved through. Each case runs the real gate, most through `git commit`
with the gate installed as the pre-commit hook.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HANG = 60  # a hang detector, not a speed test
MODEL = 'version: 1\nsystem: {name: %s}\nscope: {paths: ["src/**"]}\n'


def git(repo: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, check=check, capture_output=True, text=True, timeout=HANG,
                          env=env)


def gate_env(**extra) -> dict:
    return {**os.environ, "THREATLINT_TODAY": "2026-11-01", **extra}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository with a model covering src/, one commit, and the gate as its pre-commit hook."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for k, v in (("user.email", "t@example.com"), ("user.name", "t"), ("commit.gpgsign", "false")):
        git(root, "config", k, v)
    (root / "src" / "app.py").write_text("x = 1\n")
    (root / "threatmodel.yaml").write_text(MODEL % "one")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m threatlint gate\n')
    hook.chmod(0o755)
    return root


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def commit(repo: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return git(repo, "commit", "-m", "change", check=False, env=env or gate_env())


def gate(repo: Path, *files: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`threatlint gate` as pre-commit runs it: in the repository, with the staged file names."""
    return subprocess.run([sys.executable, "-m", "threatlint", "gate", *files], cwd=repo, capture_output=True,
                          text=True, timeout=HANG, env=env or gate_env())


def assert_blocked(repo: Path, before: str, proc: subprocess.CompletedProcess, *words: str) -> str:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert head(repo) == before, "the commit went through"
    for w in words:
        assert w in out, out
    assert "Traceback" not in out
    return out


def stage_code_and_model_change(repo: Path) -> None:
    """A commit the gate would pass: code in scope changed and the model updated with it."""
    (repo / "src" / "app.py").write_text("x = 2\n")
    (repo / "threatmodel.yaml").write_text(MODEL % "two")
    git(repo, "add", "-A")


def test_control_the_same_commit_passes_when_nothing_is_wrong(repo):
    """Without the faults below, the commit used in these tests goes through (so the blocks are theirs)."""
    stage_code_and_model_change(repo)
    before = head(repo)
    proc = commit(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert head(repo) != before


# -- unreadable models -------------------------------------------------------------

def _link_model(repo: Path, target: str) -> None:
    (repo / "threatmodel.yaml").unlink()
    (repo / "threatmodel.yaml").symlink_to(target)
    (repo / "src" / "app.py").write_text("x = 2\n")
    git(repo, "add", "-A")


def test_model_linked_to_a_missing_file_blocks(repo):
    _link_model(repo, "models/gone.yaml")  # a dangling link: the model cannot be read
    before = head(repo)
    out = assert_blocked(repo, before, commit(repo), "threatmodel.yaml", "cannot be read", "fail closed")
    assert "blocked" in out


def test_model_linked_to_a_fifo_blocks_without_hanging(repo):
    os.mkfifo(repo / "models.fifo")
    _link_model(repo, "models.fifo")
    assert_blocked(repo, head(repo), gate(repo, "threatmodel.yaml", "src/app.py"), "not a regular file")


def test_model_linked_to_a_directory_blocks(repo):
    (repo / "models").mkdir()
    (repo / "models" / "keep").write_text("")
    _link_model(repo, "models")
    assert_blocked(repo, head(repo), commit(repo), "threatmodel.yaml", "not a regular file")


def test_model_with_merge_conflict_blocks(repo):
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "threatmodel.yaml").write_text(MODEL % "other")
    git(repo, "commit", "-q", "-am", "other", "--no-verify")
    git(repo, "checkout", "-q", "main")
    (repo / "threatmodel.yaml").write_text(MODEL % "main")
    git(repo, "commit", "-q", "-am", "main", "--no-verify")
    assert git(repo, "merge", "other", check=False).returncode != 0  # conflict: stages 1-3 in the index
    assert_blocked(repo, head(repo), gate(repo, "threatmodel.yaml"), "merge conflicts")


# -- git errors --------------------------------------------------------------------

def test_missing_blob_of_the_staged_model_blocks(repo):
    """A broken object store: the staged model's blob is gone."""
    stage_code_and_model_change(repo)
    sha = git(repo, "ls-files", "-s", "threatmodel.yaml").stdout.split()[1]
    (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    before = head(repo)
    assert_blocked(repo, before, gate(repo), "blocked", sha, "fails closed")
    assert_blocked(repo, before, commit(repo), "blocked")


@pytest.mark.parametrize("index", [b"DIRC" + b"garbage" * 10, b"not an index"])
def test_corrupt_index_blocks(repo, index):
    stage_code_and_model_change(repo)
    (repo / ".git" / "index").write_bytes(index)
    assert_blocked(repo, head(repo), gate(repo, "src/app.py"), "blocked", "index file", "fails closed")


def test_git_dir_pointing_nowhere_is_an_environment_error(repo, tmp_path):
    stage_code_and_model_change(repo)
    proc = gate(repo, "src/app.py", env=gate_env(GIT_DIR=str(tmp_path / "nowhere")))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "not inside a git work tree" in proc.stderr


def test_git_missing_from_path_is_an_environment_error(repo, tmp_path):
    stage_code_and_model_change(repo)
    proc = gate(repo, "src/app.py", env=gate_env(PATH=str(tmp_path / "empty-bin")))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "git is not installed" in proc.stderr


def test_object_store_gone_is_an_environment_error(repo):
    """The objects folder replaced by a file: git no longer sees a repository; the gate says so (exit 2)."""
    stage_code_and_model_change(repo)
    objects = repo / ".git" / "objects"
    objects.rename(repo / ".git" / "objects.moved")
    objects.write_text("not a directory\n")
    proc = gate(repo, "src/app.py", "threatmodel.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "threatlint gate: error:" in proc.stderr and "git" in proc.stderr


# -- unexpected exceptions -----------------------------------------------------------

# Injected without any test hook in the product: a sitecustomize module (Python imports it at start-up)
# replaces an engine function with one that raises, as a bug there would.
SITECUSTOMIZE = '''
import threatlint.engine.{module} as target

def broken(*args, **kwargs):
    raise {exc}("injected failure")

{patch}
'''


def inject(tmp_path: Path, module: str, patch: str, exc: str) -> dict:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(module=module, patch=patch, exc=exc))
    return gate_env(PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))


@pytest.mark.parametrize("module,patch", [
    ("scope", "target.Scope.__init__ = broken"),  # deciding which files a model covers
    ("parse", "target.parse_yaml = broken"),  # reading the models
    ("check", "target.run_rules = broken"),  # checking a staged model
])
@pytest.mark.parametrize("exc", ["RuntimeError", "MemoryError", "RecursionError", "KeyError"])
def test_unexpected_exception_blocks_the_commit(repo, tmp_path, module, patch, exc):
    stage_code_and_model_change(repo)
    env = inject(tmp_path, module, patch, exc)
    out = assert_blocked(repo, head(repo), commit(repo, env=env), "blocked", "internal error", exc)
    assert "injected failure" in out


def test_injection_reaches_the_gate(repo, tmp_path):
    """The sitecustomize really is loaded by the gate's interpreter (else the tests above prove nothing)."""
    env = inject(tmp_path, "scope", "target.Scope.covers = broken", "RuntimeError")
    probe = subprocess.run([sys.executable, "-c", "import threatlint.engine.scope as s; print(s.Scope.covers.__name__)"],
                           capture_output=True, text=True, env=env, timeout=HANG)
    assert probe.stdout.strip() == "broken"
