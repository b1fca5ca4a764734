"""The hooks as pre-commit really installs them: `language: python` from this repository.

These build a hook environment (pip installs threatlint and its dependencies
from the package index), so there are only a few. They use a committed copy
of this checkout: pre-commit installs a repository at a commit, and work in
progress here may not be committed yet.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from test_gate import (
    FIX_HINT,
    PAYMENTS_MODEL,
    PRE_COMMIT,
    ROOT,
    Repo,
    assert_passed,
    bump_review,
    gate_env,  # noqa: F401  (a fixture these tests share)
)


@pytest.fixture(scope="session")
def checkout_copy(tmp_path_factory, gate_env) -> tuple[Path, str]:
    """This checkout's files (tracked and untracked, minus ignored ones) committed in a new repository."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout
    dest = tmp_path_factory.mktemp("threatlint-checkout")
    for raw in filter(None, listed.split(b"\0")):
        rel = raw.decode()
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    copy = Repo(dest, gate_env)
    copy.git("init", "-q")
    copy.setup_commit("threatlint under test")
    return dest, copy.head()


def fresh_repo(path: Path, env) -> Repo:
    path.mkdir()
    r = Repo(path, env)
    r.git("init", "-q")
    r.write("services/payments/threatmodel.yaml", PAYMENTS_MODEL)
    r.write("services/payments/api.py", "def pay():\n    return 1\n")
    r.write("docs/index.md", "# Docs\n")
    return r


def test_try_repo_in_a_fresh_repository(tmp_path, gate_env, checkout_copy):
    copy, _ = checkout_copy
    r = fresh_repo(tmp_path / "fresh", gate_env)
    r.setup_commit()
    r.write("services/payments/api.py", "def pay():\n    return 2\n")
    r.add("services/payments/api.py")
    proc = r.run(PRE_COMMIT, "try-repo", copy, "threatlint-gate", check=False)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "- hook id: threatlint-gate" in out
    line = next(l for l in out.splitlines() if l.startswith("services/payments/threatmodel.yaml:"))
    assert "services/payments/api.py" in line and FIX_HINT in line


def test_hooks_installed_from_the_repository(tmp_path, gate_env, checkout_copy):
    """`.pre-commit-config.yaml` naming this repository and a rev, `pre-commit install`, then `git commit`."""
    copy, rev = checkout_copy
    r = fresh_repo(tmp_path / "fresh", gate_env)
    config = {"repos": [{"repo": str(copy), "rev": rev,
                         "hooks": [{"id": "threatlint-gate"}, {"id": "threatlint-check"}]}]}
    r.write(".pre-commit-config.yaml", yaml.safe_dump(config, sort_keys=False))
    r.run(PRE_COMMIT, "install")
    r.git("add", "-A")
    first = r.git("commit", "-m", "first commit through the hooks", check=False)
    assert first.returncode == 0, first.stdout
    assert "threatlint check (threat model validation)" in first.stdout  # the model was validated

    before = r.head()
    r.write("services/payments/api.py", "def pay():\n    return 3\n")
    r.add("services/payments/api.py")
    proc = r.git("commit", "-m", "code only", check=False)
    assert proc.returncode == 1 and r.head() == before, proc.stdout
    assert "services/payments/api.py" in proc.stdout and FIX_HINT in proc.stdout
    assert "threatlint check (threat model validation)" in proc.stdout and "(no files to check)Skipped" in proc.stdout

    r.edit("services/payments/threatmodel.yaml", "mitigations: [M-001]", "mitigations: [M-404]")
    r.add("services/payments/threatmodel.yaml")
    proc = r.git("commit", "-m", "model with an error", check=False)
    assert proc.returncode == 1 and r.head() == before, proc.stdout
    assert proc.stdout.count("error TM004") == 2, proc.stdout  # reported by the gate and by the check hook

    r.edit("services/payments/threatmodel.yaml", "mitigations: [M-404]", "mitigations: [M-001]")
    bump_review(r)
    assert_passed(r, r.git("commit", "-m", "code and model", check=False), before)
