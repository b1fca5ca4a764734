"""The pre-commit gate, run as a user runs it: `git commit` in a real repository with the hook installed.

The hook is installed with `pre-commit install` from a `repo: local` config
built from this checkout's `.pre-commit-hooks.yaml` (same id, pass_filenames,
always_run, require_serial, stages), with `language: system` pointing at this
venv's `threatlint` so no hook environment has to be built. The real
`language: python` install is exercised in test_gate_precommit.py.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gate"
BIN = Path(sys.executable).parent
THREATLINT = BIN / "threatlint"
PRE_COMMIT = BIN / "pre-commit"
TODAY = "2026-11-01"
PAYMENTS_MODEL = (FIXTURES / "payments.threatmodel.yaml").read_text(encoding="utf-8")
FIX_HINT = "update the model, e.g. review.last_reviewed, and stage it"


def small_model(name: str, paths: list[str], reviewed: str = "2026-10-01") -> str:
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    return (f"version: 1\nsystem:\n  name: {name}\n  owner: team-{name.lower()}\n"
            f"scope:\n  paths: [{quoted}]\nreview:\n  last_reviewed: {reviewed}\n  cadence_days: 90\n")


@pytest.fixture(scope="session")
def gate_env(tmp_path_factory) -> dict[str, str]:
    """An environment with its own git identity and config, pre-commit store and 'today'."""
    home = tmp_path_factory.mktemp("gate-home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Gate Test\n\temail = gate@example.com\n"
                         "[advice]\n\tdetachedHead = false\n")
    # Running inside someone's hook must not leak its repository into ours.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and not k.startswith("PRE_COMMIT")}
    env.update(
        GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Gate Test", GIT_AUTHOR_EMAIL="gate@example.com",
        GIT_COMMITTER_NAME="Gate Test", GIT_COMMITTER_EMAIL="gate@example.com",
        PRE_COMMIT_HOME=str(home / "pre-commit-home"), PRE_COMMIT_COLOR="never",
        THREATLINT_TODAY=TODAY, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def local_hook_config(*hook_ids: str) -> str:
    """A `repo: local` config whose hooks are this checkout's manifest entries run from this venv."""
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hooks = []
    for hook in manifest:
        if hook["id"] in hook_ids:
            hook = dict(hook, language="system")
            hook["entry"] = hook["entry"].replace("threatlint", shlex.quote(str(THREATLINT)), 1)
            hooks.append(hook)
    assert [h["id"] for h in hooks] == list(hook_ids)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


class Repo:
    def __init__(self, path: Path, env: dict[str, str]):
        self.path = path
        self.env = env

    def run(self, *cmd, check=True, cwd=None) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(c) for c in cmd], cwd=cwd or self.path, env=self.env, text=True, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout}")
        return proc

    def git(self, *args, check=True) -> subprocess.CompletedProcess:
        return self.run("git", *args, check=check)

    def write(self, rel: str, text: str) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        p = self.path / rel
        text = p.read_text(encoding="utf-8")
        assert old in text
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    def add(self, *paths: str) -> None:
        self.git("add", "--", *paths)

    def setup_commit(self, message: str = "setup") -> None:
        """Commit the test's starting point without the hook."""
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message)

    def commit(self, *args: str) -> subprocess.CompletedProcess:
        """`git commit` through the installed hook, as the user runs it."""
        return self.git("commit", "-m", "change under test", *args, check=False)

    def head(self) -> str | None:
        proc = self.git("rev-parse", "--verify", "-q", "HEAD", check=False)
        return proc.stdout.strip() or None

    def gate(self, *args: str, cwd=None) -> subprocess.CompletedProcess:
        return self.run(THREATLINT, "gate", *args, check=False, cwd=cwd)


@pytest.fixture(scope="session")
def git_template(tmp_path_factory, gate_env) -> Path:
    """A `git init --template` folder holding the hook script `pre-commit install` writes.

    Installed once, then copied into every test repository by git itself:
    the same script, without paying for `pre-commit install` in each test.
    """
    scratch = Repo(tmp_path_factory.mktemp("install-once"), gate_env)
    scratch.git("init", "-q")
    scratch.run(PRE_COMMIT, "install")
    template = tmp_path_factory.mktemp("git-template")
    (template / "hooks").mkdir()
    script = scratch.path / ".git" / "hooks" / "pre-commit"
    (template / "hooks" / "pre-commit").write_bytes(script.read_bytes())
    (template / "hooks" / "pre-commit").chmod(0o755)
    return template


def make_repo(path: Path, env: dict[str, str], template: Path, hooks=("threatlint-gate",)) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path, env)
    repo.git("init", "-q", f"--template={template}")
    repo.write(".pre-commit-config.yaml", local_hook_config(*hooks))
    return repo


@pytest.fixture
def repo(tmp_path, gate_env, git_template) -> Repo:
    """A repository with one real model (the example of docs/format.md) covering services/payments/, tests excluded."""
    r = make_repo(tmp_path / "repo", gate_env, git_template)
    r.write("services/payments/threatmodel.yaml", PAYMENTS_MODEL)
    r.write("services/payments/api.py", "def pay():\n    return 1\n")
    r.write("services/payments/tests/test_api.py", "def test_pay():\n    pass\n")
    r.write("docs/index.md", "# Docs\n")
    r.write("lib/util.py", "X = 1\n")
    r.setup_commit()
    return r


def assert_blocked(repo: Repo, proc: subprocess.CompletedProcess, before: str | None) -> str:
    out = proc.stdout
    assert proc.returncode != 0, out
    assert "- hook id: threatlint-gate" in out and "- exit code: 1" in out, out
    assert repo.head() == before, "a blocked commit must not be created"
    return out


def assert_passed(repo: Repo, proc: subprocess.CompletedProcess, before: str | None) -> None:
    assert proc.returncode == 0, proc.stdout
    assert repo.head() != before


def bump_review(repo: Repo, model: str = "services/payments/threatmodel.yaml") -> None:
    repo.edit(model, "last_reviewed: 2026-10-01", "last_reviewed: 2026-11-01")
    repo.add(model)


# --- the freshness rule -------------------------------------------------------------------------


def test_code_in_scope_without_model_is_blocked(repo):
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 2\n")
    repo.add("services/payments/api.py")
    out = assert_blocked(repo, repo.commit(), before)
    lines = [l for l in out.splitlines() if l.startswith("services/payments/threatmodel.yaml:")]
    assert len(lines) == 1, out
    assert "services/payments/api.py" in lines[0]
    assert FIX_HINT in lines[0]
    assert "git add -- services/payments/threatmodel.yaml" in lines[0]


def test_code_in_scope_with_model_passes(repo):
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 2\n")
    repo.add("services/payments/api.py")
    bump_review(repo)
    assert_passed(repo, repo.commit(), before)


def test_model_edited_but_not_staged_is_blocked(repo):
    """What counts is what the commit will contain: an unstaged edit of the model does not."""
    before = repo.head()
    repo.write("services/payments/new.py", "NEW = 1\n")
    repo.add("services/payments/new.py")
    repo.edit("services/payments/threatmodel.yaml", "last_reviewed: 2026-10-01", "last_reviewed: 2026-11-01")
    out = assert_blocked(repo, repo.commit(), before)
    assert "services/payments/new.py" in out and FIX_HINT in out


def test_partial_commit_uses_gits_temporary_index(repo):
    """`git commit PATH` commits from a temporary index (GIT_INDEX_FILE): the gate must read that one."""
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 3\n")
    bump_review(repo)  # staged in the real index, but left out of the partial commit below
    out = assert_blocked(repo, repo.commit("--", "services/payments/api.py"), before)
    assert "services/payments/api.py" in out
    assert_passed(repo, repo.commit("--", "services/payments/api.py", "services/payments/threatmodel.yaml"), before)


def test_code_out_of_scope_passes(repo):
    before = repo.head()
    repo.write("lib/util.py", "X = 2\n")
    repo.write("docs/index.md", "# Docs, edited\n")
    repo.add("lib/util.py", "docs/index.md")
    assert_passed(repo, repo.commit(), before)


def test_file_matched_by_negated_pattern_passes(repo):
    before = repo.head()
    repo.write("services/payments/tests/test_api.py", "def test_pay():\n    assert True\n")
    repo.write("services/payments/tests/test_new.py", "def test_new():\n    pass\n")
    repo.add("services/payments/tests")
    assert_passed(repo, repo.commit(), before)


def test_negated_and_covered_files_together_name_only_the_covered_one(repo):
    before = repo.head()
    repo.write("services/payments/tests/test_api.py", "def test_pay():\n    assert True\n")
    repo.write("services/payments/db.py", "DB = 1\n")
    repo.add("services/payments")
    out = assert_blocked(repo, repo.commit(), before)
    line = next(l for l in out.splitlines() if l.startswith("services/payments/threatmodel.yaml:"))
    assert "services/payments/db.py" in line and "test_api.py" not in line


def test_two_models_covering_one_file_both_needed(repo):
    repo.write("platform.threatmodel.yaml", small_model("Platform", ["services/**"]))
    repo.setup_commit("second model")
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 4\n")
    repo.add("services/payments/api.py")
    out = assert_blocked(repo, repo.commit(), before)
    blocked = [l.split(":", 1)[0] for l in out.splitlines() if FIX_HINT in l]
    assert sorted(blocked) == ["platform.threatmodel.yaml", "services/payments/threatmodel.yaml"], out

    bump_review(repo)  # one of the two is not enough
    out = assert_blocked(repo, repo.commit(), before)
    blocked = [l.split(":", 1)[0] for l in out.splitlines() if FIX_HINT in l]
    assert blocked == ["platform.threatmodel.yaml"], out

    repo.edit("platform.threatmodel.yaml", "2026-10-01", "2026-11-01")
    repo.add("platform.threatmodel.yaml")
    assert_passed(repo, repo.commit(), before)


def test_rename_into_scope_is_a_change_in_scope(repo):
    before = repo.head()
    repo.git("mv", "lib/util.py", "services/payments/util.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "services/payments/util.py (renamed from lib/util.py)" in out


def test_rename_out_of_scope_counts_for_the_old_path(repo):
    before = repo.head()
    repo.git("mv", "services/payments/api.py", "lib/api.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "services/payments/api.py (renamed to lib/api.py)" in out
    bump_review(repo)
    assert_passed(repo, repo.commit(), before)


def test_rename_within_scope_is_listed_once(repo):
    before = repo.head()
    repo.git("mv", "services/payments/api.py", "services/payments/http_api.py")
    out = assert_blocked(repo, repo.commit(), before)
    line = next(l for l in out.splitlines() if FIX_HINT in l)
    assert "1 changed file in its scope" in line
    assert "services/payments/api.py -> services/payments/http_api.py (renamed)" in line


def test_deleting_an_in_scope_file_requires_the_model(repo):
    """A commit that only deletes passes pre-commit no file name: the hook must run anyway (always_run)."""
    before = repo.head()
    repo.git("rm", "-q", "services/payments/api.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "services/payments/api.py (deleted)" in out
    bump_review(repo)
    assert_passed(repo, repo.commit(), before)


def test_paths_with_spaces_and_unicode(repo):
    model_dir = "sérvices/pay ments"
    repo.write(f"{model_dir}/threatmodel.yaml", small_model("Unicode", [f"{model_dir}/**", "ünïcode/**"]))
    repo.setup_commit("unicode model")
    before = repo.head()
    names = [f"{model_dir}/hand ler.py", "ünïcode/日本 語.py"]
    for name in names:
        repo.write(name, "X = 1\n")
    repo.add(*names)
    out = assert_blocked(repo, repo.commit(), before)
    line = next(l for l in out.splitlines() if l.startswith(f"{model_dir}/threatmodel.yaml:"))
    for name in names:
        assert name in line, out  # unquoted and undecorated, whatever core.quotepath says
    assert "git add -- 'sérvices/pay ments/threatmodel.yaml'" in line
    repo.edit(f"{model_dir}/threatmodel.yaml", "2026-10-01", "2026-11-01")
    repo.add(f"{model_dir}/threatmodel.yaml")
    assert_passed(repo, repo.commit(), before)


def test_first_commit_of_a_repository(tmp_path, gate_env, git_template):
    r = make_repo(tmp_path / "fresh", gate_env, git_template)
    r.write("threatmodel.yaml", small_model("App", ["src/**"]))
    r.write("src/app.py", "APP = 1\n")
    r.add(".pre-commit-config.yaml", "src/app.py")
    # The model exists but is not part of the commit.
    out = assert_blocked(r, r.commit(), None)
    line = next(l for l in out.splitlines() if l.startswith("threatmodel.yaml:"))
    assert "untracked" in line and "src/app.py" in line and FIX_HINT in line
    r.add("threatmodel.yaml")
    assert_passed(r, r.commit(), None)


def test_first_commit_with_a_model_that_has_errors(tmp_path, gate_env, git_template):
    r = make_repo(tmp_path / "fresh", gate_env, git_template)
    r.write("threatmodel.yaml", small_model("App", ["src/**"]) + "elements:\n  - {id: api, kind: process, boundary: nowhere}\n")
    r.write("src/app.py", "APP = 1\n")
    r.add(".")
    out = assert_blocked(r, r.commit(), None)
    assert "threatmodel.yaml:11:40: error TM004" in out, out


def test_model_that_does_not_parse_blocks(repo):
    """A committed model that no longer parses: the gate cannot know its scope, so it fails closed."""
    repo.write("broken.threatmodel.yaml", "version: 1\nscope:\n  paths: [\"lib/**\"\n")
    repo.setup_commit("broken model slipped in")
    before = repo.head()
    repo.write("docs/index.md", "# Docs, edited\n")
    repo.add("docs/index.md")
    out = assert_blocked(repo, repo.commit(), before)
    assert any(l.startswith("broken.threatmodel.yaml:") and "error TM001" in l for l in out.splitlines()), out
    assert "broken.threatmodel.yaml: the model does not parse" in out and "fail closed" in out


def test_staged_model_that_does_not_parse_blocks(repo):
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 5\n")
    repo.edit("services/payments/threatmodel.yaml", "version: 1", "version: [1")
    repo.add("services/payments")
    out = assert_blocked(repo, repo.commit(), before)
    assert "services/payments/threatmodel.yaml:" in out and "error TM001" in out


def test_model_not_utf8_blocks(repo):
    before = repo.head()
    (repo.path / "services/payments/threatmodel.yaml").write_bytes(PAYMENTS_MODEL.encode() + b"# \xff\n")
    repo.add("services/payments/threatmodel.yaml")
    out = assert_blocked(repo, repo.commit(), before)
    assert "not valid UTF-8" in out


def test_whitespace_only_model_change_does_not_count_as_updated(repo):
    """Content, not bytes (test_gate_content.py has the other cosmetic changes and the setting)."""
    before = repo.head()
    repo.write("services/payments/api.py", "def pay():\n    return 6\n")
    path = repo.path / "services/payments/threatmodel.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    repo.add("services/payments")
    out = assert_blocked(repo, repo.commit(), before)
    assert "only whitespace changed in services/payments/threatmodel.yaml" in out


def test_staged_model_with_error_findings_blocks_with_positions(repo):
    before = repo.head()
    repo.edit("services/payments/threatmodel.yaml", "mitigations: [M-001]", "mitigations: [M-404]")
    repo.add("services/payments/threatmodel.yaml")
    out = assert_blocked(repo, repo.commit(), before)
    line = next(l for l in out.splitlines() if "TM004" in l)
    text = PAYMENTS_MODEL.splitlines()
    row = next(i for i, l in enumerate(text) if "mitigations: [M-001]" in l) + 1
    col = text[row - 1].index("M-001") + 1
    assert line.startswith(f"services/payments/threatmodel.yaml:{row}:{col}: error TM004"), line


def test_fail_on_warning_blocks_a_model_with_warnings(tmp_path, gate_env, git_template):
    r = make_repo(tmp_path / "r", gate_env, git_template)
    manifest_hook = yaml.safe_load((tmp_path / "r/.pre-commit-config.yaml").read_text())
    manifest_hook["repos"][0]["hooks"][0]["args"] = ["--fail-on", "warning"]
    r.write(".pre-commit-config.yaml", yaml.safe_dump(manifest_hook))
    r.write("threatmodel.yaml", small_model("App", ["src/**", "nothing-here/**"]))
    r.write("src/app.py", "APP = 1\n")
    r.add(".")
    out = assert_blocked(r, r.commit(), None)
    assert "warning TM404" in out and "nothing-here/**" in out


def test_untracked_model_covering_staged_code_blocks(repo):
    repo.write("lib/lib.threatmodel.yaml", small_model("Lib", ["lib/**"]))
    before = repo.head()
    repo.write("lib/util.py", "X = 3\n")
    repo.add("lib/util.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "lib/lib.threatmodel.yaml:" in out and "untracked" in out


def test_models_in_node_modules_and_virtualenvs_are_not_models_of_this_repo(repo):
    repo.write("node_modules/pkg/threatmodel.yaml", small_model("Vendored", ["**"]))
    repo.write("tools/env/pyvenv.cfg", "home = /usr/bin\n")
    repo.write("tools/env/lib/threatmodel.yaml", small_model("Venv", ["**"]))
    repo.git("add", "-f", "node_modules", "tools")
    repo.setup_commit("vendored files")
    before = repo.head()
    repo.write("lib/util.py", "X = 4\n")
    repo.add("lib/util.py")
    assert_passed(repo, repo.commit(), before)


# --- fail closed -------------------------------------------------------------------------------


def test_model_linking_outside_the_repository_is_refused(repo, tmp_path):
    outside = tmp_path / "outside.threatmodel.yaml"
    outside.write_text(small_model("Outside", ["nothing/**"]), encoding="utf-8")
    os.symlink(outside, repo.path / "linked.threatmodel.yaml")
    repo.setup_commit("a link to a model outside")
    before = repo.head()
    repo.write("docs/index.md", "# Docs, edited\n")
    repo.add("docs/index.md")
    out = assert_blocked(repo, repo.commit(), before)
    assert "linked.threatmodel.yaml: the model is a symbolic link to" in out and "outside the repository" in out


def test_model_linking_inside_the_repository_is_followed(repo):
    repo.write("shared/lib.yaml.src", small_model("Lib", ["lib/**"]))
    os.symlink("shared/lib.yaml.src", repo.path / "lib.threatmodel.yaml")
    repo.setup_commit("a linked model")
    before = repo.head()
    repo.write("lib/util.py", "X = 5\n")
    repo.add("lib/util.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "lib.threatmodel.yaml: 1 changed file in its scope" in out
    repo.edit("shared/lib.yaml.src", "2026-10-01", "2026-11-01")
    repo.add("shared/lib.yaml.src")  # a change of the link's target is a change of the model
    assert_passed(repo, repo.commit(), before)


def test_unreadable_model_blocks(repo):
    os.symlink("missing/target.yaml", repo.path / "dangling.threatmodel.yaml")
    os.mkfifo(repo.path / "fifo")  # reading it would hang the commit
    os.symlink("fifo", repo.path / "pipe.threatmodel.yaml")
    repo.add("pipe.threatmodel.yaml")
    repo.setup_commit("a model linking to a named pipe")
    before = repo.head()
    repo.write("lib/util.py", "X = 6\n")
    repo.add("lib/util.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "dangling.threatmodel.yaml: the model cannot be read" in out and "fail closed" in out
    assert "pipe.threatmodel.yaml: the model is not a regular file" in out


def test_model_with_a_scope_pattern_pathspec_rejects_blocks(repo):
    repo.write("odd.threatmodel.yaml", small_model("Odd", ["lib/**", "!"]))
    repo.setup_commit("a model with a bare '!' pattern")
    before = repo.head()
    repo.write("docs/index.md", "# Docs, edited again\n")
    repo.add("docs/index.md")
    out = assert_blocked(repo, repo.commit(), before)
    assert "odd.threatmodel.yaml: the model has a scope.paths pattern the gate cannot use" in out


def test_git_error_blocks(repo):
    """A model whose blob is missing from the object store: git cannot answer, so the gate blocks."""
    sha = repo.git("rev-parse", ":services/payments/threatmodel.yaml").stdout.strip()
    obj = repo.path / ".git" / "objects" / sha[:2] / sha[2:]
    obj.chmod(0o644)
    obj.unlink()
    before = repo.head()
    repo.write("lib/util.py", "X = 7\n")
    repo.add("lib/util.py")
    out = assert_blocked(repo, repo.commit(), before)
    assert "threatlint gate: blocked:" in out and "git cat-file" in out and "fails closed" in out


def test_unexpected_error_blocks_with_a_message(repo, monkeypatch, capsys):
    """Fail closed: a crash inside the gate must block, never pass silently (in-process, to inject the crash)."""
    from threatlint.cli import main
    from threatlint.gate import models

    def boom(text):
        raise RuntimeError("simulated parser crash")

    repo.write("lib/util.py", "X = 8\n")
    repo.add("lib/util.py")
    monkeypatch.setattr(models, "parse_yaml", boom)
    monkeypatch.chdir(repo.path)
    for k, v in repo.env.items():
        monkeypatch.setenv(k, v)
    assert main(["gate"]) == 1
    err = capsys.readouterr().err
    assert "threatlint gate: blocked: internal error (RuntimeError: simulated parser crash)" in err


def test_outside_a_repository_is_an_environment_error(tmp_path, gate_env):
    proc = Repo(tmp_path, gate_env).gate()
    assert proc.returncode == 2
    assert "not inside a git work tree" in proc.stdout


def test_bad_today_is_a_usage_error(repo):
    proc = repo.gate("--today", "tomorrow")
    assert proc.returncode == 2 and "invalid date" in proc.stdout


def test_run_by_hand_from_a_subfolder(repo):
    """Without file arguments the gate takes everything staged; relative arguments are relative to cwd."""
    repo.write("services/payments/api.py", "def pay():\n    return 8\n")
    repo.add("services/payments/api.py")
    proc = repo.gate(cwd=repo.path / "services")
    assert proc.returncode == 1 and "services/payments/api.py" in proc.stdout
    proc = repo.gate("payments/api.py", cwd=repo.path / "services")
    assert proc.returncode == 1 and "services/payments/api.py" in proc.stdout
    proc = repo.gate("../docs/index.md", cwd=repo.path / "services")  # the staged file is not among the arguments
    assert proc.returncode == 0, proc.stdout


# --- CI: --base -------------------------------------------------------------------------------


def test_base_checks_the_branch_since_its_merge_base(repo):
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("services/payments/api.py", "def pay():\n    return 9\n")
    repo.setup_commit("feature: change payments")
    repo.write("docs/index.md", "# Docs for the feature\n")
    repo.setup_commit("feature: docs")
    repo.git("rm", "-q", "services/payments/tests/test_api.py")
    repo.setup_commit("feature: drop a test")
    # main moves on and updates the model: that is not this branch's update.
    repo.git("checkout", "-q", "main")
    bump_review(repo)
    repo.setup_commit("main: review")
    repo.git("checkout", "-q", "feature")

    proc = repo.gate("--base", "main")
    assert proc.returncode == 1, proc.stdout
    line = next(l for l in proc.stdout.splitlines() if l.startswith("services/payments/threatmodel.yaml:"))
    assert "services/payments/api.py" in line and "test_api.py" not in line and "index.md" not in line
    assert "merge base with main" in line and "commit it on this branch" in line

    repo.edit("services/payments/threatmodel.yaml", "cadence_days: 90", "cadence_days: 60")
    repo.setup_commit("feature: model")
    proc = repo.gate("--base", "main")
    assert proc.returncode == 0, proc.stdout


def test_base_with_a_model_with_errors_in_the_branch(repo):
    repo.git("checkout", "-q", "-b", "feature")
    repo.edit("services/payments/threatmodel.yaml", "    owner: dana@example.com\n", "")
    repo.setup_commit("feature: drop the owner of a critical threat")
    proc = repo.gate("--base", "main")
    assert proc.returncode == 1 and "error TM303" in proc.stdout


def test_base_errors_are_environment_errors(repo):
    assert repo.gate("--base", "no-such-branch").returncode == 2
    assert repo.gate("--base", "--oops").returncode == 2
    repo.git("checkout", "-q", "--orphan", "unrelated")
    repo.setup_commit("unrelated history")
    proc = repo.gate("--base", "main")
    assert proc.returncode == 2 and "no common ancestor" in proc.stdout


# --- cost: git once per run, not per file; each model parsed once -----------------------------


def test_git_runs_a_fixed_number_of_times_whatever_the_number_of_files(repo, tmp_path):
    log = tmp_path / "git-calls.log"
    wrapper_dir = tmp_path / "wrap"
    wrapper_dir.mkdir()
    real_git = shutil.which("git")
    (wrapper_dir / "git").write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{real_git}" "$@"\n')
    (wrapper_dir / "git").chmod(0o755)
    env = dict(repo.env, PATH=f"{wrapper_dir}{os.pathsep}{repo.env['PATH']}")

    def calls(n_files: int) -> int:
        for i in range(n_files):
            repo.write(f"services/payments/gen/f{n_files}_{i}.py", f"N = {i}\n")
        repo.add("services/payments/gen")
        log.write_text("")
        # --no-cache: a warm scope cache saves the second run its `git cat-file`, which is not what is counted here.
        proc = subprocess.run([THREATLINT, "gate", "--no-cache"], cwd=repo.path, env=env, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 1
        assert proc.stdout.count(f"services/payments/gen/f{n_files}_") == n_files
        return len(log.read_text().splitlines())

    few, many = calls(3), calls(300)
    assert few == many and many <= 8, (few, many)


def test_each_model_is_parsed_once(repo, monkeypatch):
    from threatlint.cli import main
    from threatlint.gate import models

    for i in range(3):
        repo.write(f"m{i}.threatmodel.yaml", small_model(f"M{i}", ["services/**"]))
    repo.setup_commit("three more models")
    repo.write("services/payments/api.py", "def pay():\n    return 10\n")
    repo.edit("m0.threatmodel.yaml", "2026-10-01", "2026-11-01")
    repo.add("services/payments/api.py", "m0.threatmodel.yaml")
    parsed = []
    real = models.parse_yaml
    monkeypatch.setattr(models, "parse_yaml", lambda text: parsed.append(text) or real(text))
    monkeypatch.chdir(repo.path)
    for k, v in repo.env.items():
        monkeypatch.setenv(k, v)
    assert main(["gate"]) == 1
    assert len(parsed) == 4  # the payments model and m0..m2, m0 both scoped and checked from one parse


def test_pre_commit_run_from_ref_to_ref_checks_that_range(repo):
    """`pre-commit run --from-ref A --to-ref B` (a common CI form) asks the gate about A...B, not the index."""
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("services/payments/api.py", "def pay():\n    return 11\n")
    repo.setup_commit("feature: code only")
    proc = repo.run(PRE_COMMIT, "run", "--from-ref", "main", "--to-ref", "HEAD", check=False)
    assert proc.returncode == 1, proc.stdout
    assert "services/payments/api.py" in proc.stdout and "merge base with main" in proc.stdout
    bump_review(repo)
    repo.setup_commit("feature: model")
    proc = repo.run(PRE_COMMIT, "run", "--from-ref", "main", "--to-ref", "HEAD", check=False)
    assert proc.returncode == 0, proc.stdout


def test_files_the_hook_excludes_are_not_considered(repo):
    """A user's `exclude:` on the hook narrows what pre-commit passes; the gate honours the file list."""
    config = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    config["repos"][0]["hooks"][0]["exclude"] = "^services/payments/generated/"
    repo.write(".pre-commit-config.yaml", yaml.safe_dump(config))
    repo.setup_commit("exclude generated code")
    before = repo.head()
    repo.write("services/payments/generated/client.py", "GEN = 1\n")
    repo.add("services/payments/generated/client.py")
    assert_passed(repo, repo.commit(), before)


# --- the scope prefilter must never skip a path the scope covers ------------------------------

_segment = st.sampled_from(["src", "a b", "ü", "api", "tests", "*", "**", "*.py", "x?", "[ab]", "api.py", ""])
_pattern = st.builds(lambda neg, lead, segs, trail: ("!" if neg else "") + ("/" if lead else "") + "/".join(segs)
                     + ("/" if trail else ""), st.booleans(), st.booleans(), st.lists(_segment, min_size=1, max_size=4),
                     st.booleans())
_path = st.lists(st.sampled_from(["src", "a b", "ü", "api", "tests", "api.py", "x1", "b", "main.py"]),
                 min_size=1, max_size=5).map("/".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pattern, min_size=1, max_size=4), st.lists(_path, min_size=1, max_size=8))
def test_literal_prefixes_never_exclude_a_covered_path(patterns, paths):
    from threatlint.engine.scope import Scope
    from threatlint.gate.verdict import literal_prefixes

    try:
        scope = Scope(patterns)
    except ValueError:  # pathspec rejects e.g. a bare '!'; the gate then blocks (see models.py)
        assume(False)
    prefixes = literal_prefixes(scope.patterns)
    for path in paths:
        if scope.covers(path):
            assert path.startswith(prefixes), (patterns, path, prefixes)
