"""The gate's scope cache (.git/threatlint-scopes.json): reused by blob id, never trusted beyond that."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from threatlint.gate import scope_cache
from threatlint.gate.scope_cache import FILE_NAME, ScopeCache

from test_gate import FIX_HINT, THREATLINT, gate_env, git_template, make_repo, small_model  # noqa: F401

CACHE = f".git/{FILE_NAME}"


@pytest.fixture
def repo(tmp_path, gate_env, git_template):
    r = make_repo(tmp_path / "repo", gate_env, git_template)
    r.write("billing.threatmodel.yaml", small_model("Billing", ["billing/**"]))
    r.write("search.threatmodel.yaml", small_model("Search", ["search/**"]))
    r.write("billing/api.py", "A = 1\n")
    r.write("search/api.py", "S = 1\n")
    r.write("other/x.py", "X = 1\n")
    r.setup_commit()
    return r


def blob(repo, path: str) -> str:
    return repo.git("rev-parse", f":{path}").stdout.strip()


def cached(repo) -> dict:
    return json.loads((repo.path / CACHE).read_text(encoding="utf-8"))["scopes"]


def test_a_commit_through_the_hook_remembers_every_usable_models_scope_by_blob(repo):
    repo.write("other/x.py", "X = 2\n")
    repo.add("other/x.py")
    before = repo.head()
    proc = repo.commit()
    assert proc.returncode == 0 and repo.head() != before, proc.stdout
    assert cached(repo) == {blob(repo, "billing.threatmodel.yaml"): ["billing/**"],
                            blob(repo, "search.threatmodel.yaml"): ["search/**"]}


def test_a_remembered_scope_is_used_instead_of_reading_the_model(repo):
    """Proof that the cache is read: a scope planted for the model's blob decides the next commit."""
    repo.write("other/x.py", "X = 2\n")
    repo.add("other/x.py")
    assert repo.commit().returncode == 0
    planted = cached(repo)
    planted[blob(repo, "billing.threatmodel.yaml")] = ["other/**"]
    (repo.path / CACHE).write_text(json.dumps({"threatlint": scope_cache.__version__, "scopes": planted}))
    repo.write("other/x.py", "X = 3\n")
    repo.add("other/x.py")
    before = repo.head()
    proc = repo.commit()
    assert proc.returncode != 0 and repo.head() == before
    assert "billing.threatmodel.yaml" in proc.stdout and FIX_HINT in proc.stdout
    # --no-cache reads the model itself, whose scope does not cover other/x.py.
    assert repo.gate("--no-cache").returncode == 0


def test_an_edited_model_is_a_new_blob_and_is_read_again(repo):
    repo.write("other/x.py", "X = 2\n")
    repo.add("other/x.py")
    assert repo.gate().returncode == 0
    repo.git("commit", "-q", "--no-verify", "-m", "x")
    repo.write("billing.threatmodel.yaml", small_model("Billing", ["billing/**", "other/**"]))
    repo.setup_commit("billing now covers other/")
    repo.write("other/x.py", "X = 3\n")
    repo.add("other/x.py")
    proc = repo.gate()
    assert proc.returncode == 1 and "billing.threatmodel.yaml" in proc.stdout
    assert cached(repo)[blob(repo, "billing.threatmodel.yaml")] == ["billing/**", "other/**"]


def test_entries_of_models_no_longer_in_the_repository_are_dropped(repo):
    repo.write("other/x.py", "X = 2\n")
    repo.add("other/x.py")
    repo.gate()
    old = blob(repo, "search.threatmodel.yaml")
    repo.git("rm", "-q", "search.threatmodel.yaml")
    repo.setup_commit("search model gone")
    repo.write("other/x.py", "X = 3\n")
    repo.add("other/x.py")
    repo.gate()
    assert old not in cached(repo) and list(cached(repo)) == [blob(repo, "billing.threatmodel.yaml")]


@pytest.mark.parametrize("content", [
    "not json", "[]", '{"threatlint": "0.0.0-other", "scopes": {}}', '{"threatlint": null}',
    '{"threatlint": "%s", "scopes": {"abc": "billing/**"}}',
    '{"threatlint": "%s", "scopes": {"abc": [1, 2]}}',
    "\udcff",
])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(repo, content):
    (repo.path / CACHE).write_text(content.replace("%s", scope_cache.__version__), encoding="utf-8",
                                   errors="surrogateescape")
    repo.write("billing/api.py", "A = 2\n")
    repo.add("billing/api.py")
    proc = repo.gate()
    assert proc.returncode == 1 and "billing.threatmodel.yaml" in proc.stdout
    assert cached(repo)[blob(repo, "billing.threatmodel.yaml")] == ["billing/**"]


def test_models_with_problems_are_not_remembered(repo):
    repo.write("broken.threatmodel.yaml", "version: 1\nscope: [unclosed\n")
    repo.setup_commit("a broken model")
    repo.write("other/x.py", "X = 2\n")
    repo.add("other/x.py")
    for _ in range(2):  # blocked every time, not only until the cache is warm
        proc = repo.gate()
        assert proc.returncode == 1 and "broken.threatmodel.yaml" in proc.stdout
    assert blob(repo, "broken.threatmodel.yaml") not in cached(repo)


def test_no_cache_writes_nothing(repo):
    repo.write("billing/api.py", "A = 2\n")
    repo.add("billing/api.py")
    assert repo.gate("--no-cache").returncode == 1
    assert not (repo.path / CACHE).exists()


def test_a_cache_that_cannot_be_written_is_not_an_error(tmp_path):
    cache = ScopeCache(str(tmp_path / "missing-folder" / FILE_NAME))
    cache.remember("abc", ("x/**",))
    cache.save({"abc"})  # the folder does not exist: nothing written, nothing raised
    assert not (tmp_path / "missing-folder").exists()


def test_the_cache_lives_in_the_work_trees_git_folder(repo, tmp_path):
    """A linked work tree (git worktree add) keeps its own cache in its own git folder."""
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"))
    wt = tmp_path / "wt"
    (wt / "billing" / "api.py").write_text("A = 3\n")
    repo.run("git", "add", "billing/api.py", cwd=wt)
    proc = repo.run(THREATLINT, "gate", check=False, cwd=wt)
    assert proc.returncode == 1 and "billing.threatmodel.yaml" in proc.stdout
    git_dir = repo.run("git", "rev-parse", "--absolute-git-dir", cwd=wt).stdout.strip()
    assert (tmp_path / "wt" / ".git").is_file() and (Path(git_dir) / FILE_NAME).is_file()
