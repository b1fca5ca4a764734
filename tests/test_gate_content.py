"""Content, not bytes: a model counts as updated only when its parsed document changed (real repositories,
`git commit` through the installed hook, and the `--base` CI form)."""
from __future__ import annotations

import pytest

from test_gate import assert_blocked, assert_passed, bump_review  # noqa: F401 (fixtures below come from there too)
from test_gate import gate_env, git_template, repo  # noqa: F401

MODEL = "services/payments/threatmodel.yaml"


def change_code(repo, n: int) -> None:
    repo.write("services/payments/api.py", f"def pay():\n    return {n}\n")
    repo.add("services/payments/api.py")


def rewrite_model(repo, fn) -> None:
    path = repo.path / MODEL
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")
    repo.add(MODEL)


COSMETIC = [
    ("comments", lambda t: t + "# touched\n"),
    ("comments", lambda t: t.replace("# the model steward", "# the team that keeps the model")),
    ("whitespace", lambda t: t.replace("cadence_days: 90", "cadence_days:    90")),
    ("formatting", lambda t: t.replace("  last_reviewed: 2026-10-01\n  cadence_days: 90\n",
                                       "  cadence_days: 90\n  last_reviewed: 2026-10-01\n")),  # key order
    ("formatting", lambda t: t.replace("name: Payments API\n  description", 'name: "Payments API"\n  description')),
    ("formatting", lambda t: t.replace("  - {id: internet, name: Internet}\n",
                                       "  - id: internet\n    name: Internet\n")),  # flow to block style
]


@pytest.mark.parametrize("what,edit", COSMETIC, ids=[f"{w}-{i}" for i, (w, _) in enumerate(COSMETIC)])
def test_a_cosmetic_model_change_does_not_satisfy_the_gate(repo, what, edit):
    before = repo.head()
    change_code(repo, 2)
    rewrite_model(repo, edit)
    out = assert_blocked(repo, repo.commit(), before)
    line = next(l for l in out.splitlines() if l.startswith(f"{MODEL}: 1 changed file"))
    assert f"only {what}" in line and f"changed in {MODEL}" in line, line
    assert "services/payments/api.py" in line and "gate-model-update: any" in line
    assert "git add -- services/payments/threatmodel.yaml" in line


def test_a_value_that_changes_type_is_a_content_change(repo):
    """`90` and `90.0` compare equal in Python; the model still changed."""
    before = repo.head()
    change_code(repo, 3)
    rewrite_model(repo, lambda t: t.replace("attacker_value: 5 ", "attacker_value: 5.0"))
    assert_passed(repo, repo.commit(), before)


def test_a_content_change_with_comments_passes(repo):
    before = repo.head()
    change_code(repo, 4)
    rewrite_model(repo, lambda t: t.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-11-01  # reviewed"))
    assert_passed(repo, repo.commit(), before)


def test_gate_model_update_any_accepts_any_change(repo):
    repo.write(".threatlint.yaml", "gate-model-update: any\n")
    repo.setup_commit("accept any model change")
    before = repo.head()
    change_code(repo, 5)
    rewrite_model(repo, lambda t: t + "# touched\n")
    assert_passed(repo, repo.commit(), before)


def test_a_bad_gate_model_update_value_is_a_usage_error(repo):
    repo.write(".threatlint.yaml", "gate-model-update: sometimes\n")
    repo.setup_commit("bad setting")
    change_code(repo, 6)
    proc = repo.gate()
    assert proc.returncode == 2 and "gate-model-update must be 'content'" in proc.stdout


def test_a_comment_only_change_of_a_model_with_no_code_change_passes(repo):
    before = repo.head()
    rewrite_model(repo, lambda t: t + "# a note\n")
    assert_passed(repo, repo.commit(), before)


def test_base_counts_content_since_the_merge_base(repo):
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("services/payments/api.py", "def pay():\n    return 7\n")
    path = repo.path / MODEL
    path.write_text(path.read_text(encoding="utf-8") + "# reviewed, nothing to change\n", encoding="utf-8")
    repo.setup_commit("feature: code and a comment on the model")
    proc = repo.gate("--base", "main")
    assert proc.returncode == 1, proc.stdout
    line = next(l for l in proc.stdout.splitlines() if l.startswith(f"{MODEL}:"))
    assert f"only comments changed in {MODEL} since the merge base with main" in line, line
    assert "commit it on this branch" in line
    bump_review(repo)
    repo.setup_commit("feature: review")
    assert repo.gate("--base", "main").returncode == 0
