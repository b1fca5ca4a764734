"""`threatlint portfolio` and the release cycles of `status`, on real repositories with dated commits and tags."""
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from portfolio_fixtures import TODAY, commit, git, make_repos, new_repo

from threatlint.cli import main
from threatlint.status import history
from threatlint.status.concepts import assumption_state
from threatlint.status.history import Commit
from threatlint.status.releases import UNRELEASED, Cycle, month_cycles, release_cycles

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    return make_repos(tmp_path_factory.mktemp("portfolio"))


def run_json(capsys, *argv):
    code = main([*argv, "--format", "json", "--today", TODAY])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def portfolio(capsys, *paths, extra=()):
    code, report, _ = run_json(capsys, "portfolio", *map(str, paths), *extra)
    assert code == 0
    return report


def by_system(report):
    return {m["system"]: m for m in report["models"]}


def test_every_model_most_at_risk_first(repos, capsys):
    report = portfolio(capsys, repos["payments"], repos["auth"], repos["docs"])
    assert [m["system"] for m in report["models"]] == ["Auth <login>", "Payments", "Docs"]  # open critical first
    pay = by_system(report)["Payments"]
    assert (pay["repository"], pay["path"]) == ("payments", "svc/threatmodel.yaml")
    assert (pay["owner"], pay["champion"], pay["stage"]) == ("team-pay", "alice@example.com", "operational")
    assert pay["review"]["due"] == "2026-02-04" and pay["review"]["overdue"] and pay["review"]["days_overdue"] == 34
    assert pay["review"]["freshness"] == "overdue"
    # svc/app.py changed on 2026-03-01, after the model's last change on 2026-02-15
    assert pay["code_changed_since_model"] and (pay["last_model_change"], pay["last_code_change"]) == ("2026-02-15", "2026-03-01")
    assert pay["open_threats"] == {"critical": 0, "high": 0, "medium": 0, "low": 1}  # T-3 rated by the rubric
    assert pay["expired_acceptances"] == ["T-4"]
    assert pay["assumptions"] == {"validated": 1, "disproven": 1, "unvalidated": 0}
    auth = by_system(report)["Auth <login>"]
    assert auth["stage"] is None and auth["owner"] is None and auth["review"]["freshness"] == "on time"
    assert auth["open_threats"]["critical"] == 1 and not auth["code_changed_since_model"]
    assert all(m["drift"] == 0 for m in report["models"])  # no infrastructure file in any scope


def test_release_cycles_and_their_metrics(repos, capsys):
    code, status, _ = run_json(capsys, "status", str(repos["payments"]))
    assert code == 0 and status["cycle_kind"] == "releases"
    cycles = {c["name"]: c for c in status["cycles"]}
    assert [c["name"] for c in status["cycles"]] == ["v1.0", "v1.1", UNRELEASED]
    v10, v11, nxt = cycles["v1.0"], cycles["v1.1"], cycles[UNRELEASED]
    assert (v10["start"], v10["end"], v11["start"], v11["end"], nxt["end"]) == (None, "2026-01-20", "2026-01-20", "2026-02-15", None)
    # v1.0: T-1 (first seen 2026-01-05, no identified date) mitigated by M-1 on 2026-01-20: 15 days
    assert (v10["implemented"], v10["days_to_mitigate"], v10["validated"], v10["disproven"]) == (1, [15], 1, 0)
    assert v10["open"] == {"critical": 0, "high": 1, "medium": 0, "low": 1} and v10["open_score"] == 4
    assert v10["residual"] == {"high": 1, "low": 2} and v10["residual_score"] == 5  # T-1 mitigated to low
    # v1.1: T-2 identified 2026-01-10 (its own date wins over its first version), M-2 on 2026-02-15: 36 days
    assert (v11["implemented"], v11["days_to_mitigate"], v11["validated"], v11["disproven"]) == (1, [36], 0, 1)
    # accepted T-4 keeps its high priority as residual risk; mitigated T-2 counts its residual_risk medium
    assert v11["residual"] == {"high": 1, "medium": 1, "low": 2} and v11["residual_score"] == 7 and v11["open_score"] == 1
    assert (nxt["implemented"], nxt["days_to_mitigate"], nxt["residual_score"]) == (0, [], 7)
    model = status["models"][0]
    assert model["metrics"]["median_days_to_mitigate"] == 25.5 and [c["name"] for c in model["cycles"]] == ["v1.0", "v1.1", UNRELEASED]


def test_calendar_months_without_release_tags(repos, capsys):
    code, status, _ = run_json(capsys, "status", str(repos["auth"]))
    assert status["cycle_kind"] == "months"  # its only tag, build-7, is no release
    assert [(c["name"], c["start"], c["end"]) for c in status["cycles"]] == [
        ("2025-12", "2025-11-30", "2025-12-31"), ("2026-01", "2025-12-31", "2026-01-31"), ("2026-02", "2026-01-31", "2026-02-28")]
    assert [c["open"]["critical"] for c in status["cycles"]] == [1, 1, 1]
    assert [c["open"]["medium"] for c in status["cycles"]] == [0, 0, 1]


def test_release_tags_setting_and_option(repos, capsys):
    _, docs, _ = run_json(capsys, "status", str(repos["docs"]))
    assert docs["release_tags"] == ["rel/*"] and [c["name"] for c in docs["cycles"]] == ["rel/2026.1", UNRELEASED]
    _, docs, _ = run_json(capsys, "status", str(repos["docs"]), "--tags", "v*")  # the option wins over the setting
    assert [c["name"] for c in docs["cycles"]] == ["v9"]
    _, pay, _ = run_json(capsys, "status", str(repos["payments"]), "--tags", "v1.1", "--cycles", "1")
    assert [(c["name"], c["start"]) for c in pay["cycles"]] == [(UNRELEASED, "2026-02-15")]


def test_portfolio_timeline_adds_up_repositories(repos, capsys):
    report = portfolio(capsys, repos["payments"], repos["auth"], extra=("--months", "3"))
    months = {c["name"]: c for c in report["timeline"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    assert months["2026-01"]["open"] == {"critical": 1, "high": 1, "medium": 0, "low": 1}  # auth T-1; payments T-2, T-3
    assert months["2026-02"]["open"] == {"critical": 1, "high": 0, "medium": 1, "low": 1}
    assert [months[m]["days_to_mitigate"] for m in months] == [[15], [36], []]
    assert [months[m]["models"] for m in months] == [2, 2, 2]
    pay = next(r for r in report["repositories"] if r["name"] == "payments")
    assert [c["name"] for c in pay["cycles"]] == ["v1.0", "v1.1", UNRELEASED] and pay["commits"] == 5


def test_one_log_pass_per_repository(repos, capsys, monkeypatch):
    calls = []
    real_popen = history.subprocess.Popen

    def spy(cmd, *a, **kw):
        calls.append(cmd[3] if cmd[3] != "-c" else cmd[5])  # git -C ROOT [-c k=v] COMMAND
        return real_popen(cmd, *a, **kw)

    monkeypatch.setattr(history.subprocess, "Popen", spy)
    portfolio(capsys, *repos.values())
    assert calls.count("log") == 3 and calls.count("cat-file") == 3, calls
    assert calls.count("ls-files") == 3, calls  # the drift column's listing of each work tree
    # check-ignore is the model search honouring .gitignore (respect-gitignore); it reads no history.
    assert calls.count("check-ignore") <= 3, calls
    assert set(calls) <= {"rev-parse", "log", "cat-file", "check-ignore", "ls-files"}, calls


def test_list_file_and_unreadable_entries(repos, tmp_path, capsys):
    base = repos["payments"].parent
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    listing = base / "repos.txt"
    listing.write_text(f"# the steward's list\npayments\n\n  auth  \n{plain}\nmissing-checkout\npayments\n", encoding="utf-8")
    code, report, err = run_json(capsys, "portfolio", str(listing))
    assert code == 1  # the page is written, and CI sees that a checkout was not read
    assert [r["name"] for r in report["repositories"] if not r["error"]] == ["payments", "auth"]  # repeats dropped
    errors = {Path(r["path"]).name: r["error"] for r in report["repositories"] if r["error"]}
    assert "not a git repository" in errors["not-a-repo"] and errors["missing-checkout"] == "no such folder"
    assert f"{base / 'missing-checkout'}: no such folder" in err
    assert main(["portfolio", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: no such file or directory" in capsys.readouterr().err
    too_long = tmp_path / "long.txt"
    too_long.write_text(f"{repos['auth']}\n{'x' * 5000}\n", encoding="utf-8")
    code, report, _ = run_json(capsys, "portfolio", str(too_long))
    assert code == 1 and "File name too long" in report["repositories"][1]["error"]
    nul = tmp_path / "nul.txt"
    nul.write_text(f"{repos['auth']}\nbad\0name\n", encoding="utf-8")
    assert main(["portfolio", str(nul)]) == 2
    assert f"{nul}:2: a path cannot contain a NUL character" in capsys.readouterr().err


def test_text_view(repos, capsys):
    assert main(["portfolio", *map(str, repos.values()), "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Portfolio: 3 models in 3 repositories, most at risk first (today 2026-03-10)")
    assert "1. auth  threatmodel.yaml — Auth <login>" in out and "owner not given, champion not given, stage not set (no review.stage)" in out
    assert "due 2026-02-04, OVERDUE by 34 days; code changed after the model (2026-03-01 vs 2026-02-15)" in out
    assert "acceptances   1 expired: T-4" in out and "0 unvalidated, 1 disproven, 1 validated" in out
    assert "drift         0 findings" in out
    assert "  v1.1             2026-02-15  0/0/0/1          1         7            1           36          0          1" in out


SHOP = """version: 1
system: {name: Shop}
scope: {paths: ["deploy/**"]}
elements:
  - {id: web, kind: process, name: Web}
"""
COMPOSE = """services:
  web:
    image: nginx:1.27
  cache:
    image: redis:7
"""


def test_drift_column_counts_the_work_tree_drift(tmp_path, capsys):
    shop = new_repo(tmp_path / "shop")
    commit(shop, "2026-03-01", "model and compose", {"threatmodel.yaml": SHOP, "deploy/compose.yml": COMPOSE})
    row = portfolio(capsys, shop)["models"][0]
    assert row["drift"] == 1  # compose service `cache` answers to no element (`web` does)
    assert main(["portfolio", str(shop), "--today", TODAY]) == 0
    assert "   drift         1 finding\n" in capsys.readouterr().out
    # the repository's configuration and the model's exemptions are respected, as `threatlint drift` does
    (shop / ".threatlint.yaml").write_text("ignore: [TM501]\n", encoding="utf-8")
    assert portfolio(capsys, shop)["models"][0]["drift"] == 0
    (shop / ".threatlint.yaml").unlink()
    (shop / "threatmodel.yaml").write_text(SHOP + "exemptions:\n  - {component: cache, rationale: a throwaway cache}\n",
                                           encoding="utf-8")
    assert portfolio(capsys, shop)["models"][0]["drift"] == 0
    # the checked-out work tree counts, committed or not
    (shop / "threatmodel.yaml").write_text(SHOP + "  - {id: redis, kind: data_store, name: Cache, aliases: [cache]}\n",
                                           encoding="utf-8")
    assert portfolio(capsys, shop)["models"][0]["drift"] == 0
    assert main(["portfolio", str(shop), "--today", TODAY]) == 0
    assert "   drift         0 findings\n" in capsys.readouterr().out
    # a model that does not parse has no drift to count: n/a, not 0
    (shop / "threatmodel.yaml").write_text(SHOP + "  - {id: [\n", encoding="utf-8")
    assert portfolio(capsys, shop)["models"][0]["drift"] is None
    assert main(["portfolio", str(shop), "--today", TODAY]) == 0
    assert "   drift         n/a (the model does not parse)\n" in capsys.readouterr().out


def test_bad_arguments(repos, capsys):
    for bad in (["--cycles", "0"], ["--months", "0"], ["--max-versions", "-1"], ["--tags", " "]):
        assert main(["portfolio", str(repos["auth"]), *bad]) == 2, bad
        assert "error:" in capsys.readouterr().err


def test_assumption_states():
    assert assumption_state({"validated": True}) == "validated"
    assert assumption_state({"validated": False, "evidence": "scan shows port open"}) == "disproven"
    for unchecked in ({}, {"validated": False}, {"validated": False, "evidence": "  "}, {"validated": "yes"}):
        assert assumption_state(unchecked) == "unvalidated", unchecked


def c(sha, day, *tags):
    return Commit(sha, f"{day}T10:00:00+00:00", "", (), tags)


def test_release_cycles_same_day_and_order():
    commits = [c("d", "2026-05-02"), c("c", "2026-05-01", "v1.1.1"), c("b", "2026-05-01", "v1.1.0", "notes"),
               c("a", "2026-04-01", "v1.0.0")]
    assert release_cycles(commits, ("v*",)) == [
        Cycle("v1.0.0", None, date(2026, 4, 1)), Cycle("v1.1.1", date(2026, 4, 1), date(2026, 5, 1)),
        Cycle(UNRELEASED, date(2026, 5, 1), None)]
    assert release_cycles(commits[1:], ("v*",))[-1].name == "v1.1.1"  # released at HEAD: no unreleased cycle
    assert release_cycles(commits, ("release-*",)) == []


def test_month_cycles_cross_the_year():
    months = month_cycles(date(2025, 11, 20), date(2026, 2, 1))
    assert [(m.name, m.start, m.end) for m in months] == [
        ("2025-11", date(2025, 10, 31), date(2025, 11, 30)), ("2025-12", date(2025, 11, 30), date(2025, 12, 31)),
        ("2026-01", date(2025, 12, 31), date(2026, 1, 31)), ("2026-02", date(2026, 1, 31), date(2026, 2, 28))]


def test_empty_repository_and_repository_without_models(tmp_path, capsys):
    empty = new_repo(tmp_path / "empty")
    bare = new_repo(tmp_path / "nomodels")
    commit(bare, "2026-01-01", "code", {"a.py": "1\n"}, tag="v1")
    report = portfolio(capsys, empty, bare)
    assert report["models"] == [] and [r["error"] for r in report["repositories"]] == [None, None]
    cycles = [r["cycles"] for r in report["repositories"]]
    assert cycles[0] == [] and [(c["name"], c["end"], c["models"], c["open_score"]) for c in cycles[1]] == [("v1", "2026-01-01", 0, 0)]
    for command in (["portfolio", str(empty), str(bare)], ["status", str(bare)]):
        page = tmp_path / "page.html"
        assert main([*command, "--format", "html", "-o", str(page), "--today", TODAY]) == 0
        assert 'class="chart empty"' in page.read_text(encoding="utf-8")


def test_bench_runs_small(tmp_path):
    sys.path.insert(0, str(BENCH))
    import portfolio_bench

    result = portfolio_bench.run(tmp_path, repos=3, commits=12, today=TODAY, baseline=1)
    assert result["repositories"] == 3 and result["models"] == 6 and result["exit_code"] == 0
    assert result["log_passes"] == 3 and result["status_loop_repos"] == 1
    git(tmp_path / "repos" / "repo-000", "rev-parse", "v1")  # the generated history has release tags


HOSTILE = """version: 1
system: [x]
scope: {paths: [1, "**"]}
review: {last_reviewed: [1], cadence_days: 99999999999, stage: [a]}
threats:
  - {id: [T], status: [open], priority: [high], likelihood: [a], impact: {severity: {a: 1}}, mitigations: {a: 1}, identified: [x]}
  - {id: T2, status: accepted, acceptance: {expires: [1]}, residual_risk: [x]}
  - {id: T3, status: mitigated, residual_risk: {a: 1}, mitigations: [[1], M1]}
  - 5
mitigations:
  - {id: [M], status: [implemented], implemented: [1]}
  - {id: M1, status: implemented, implemented: {a: 1}}
assumptions:
  - {id: [A], validated: [true], evidence: [1]}
  - {id: A2, validated: false, evidence: 7}
  - x
"""


def test_schema_invalid_values_are_read_not_fatal(tmp_path, capsys):
    repo = new_repo(tmp_path / "odd")
    commit(repo, "2026-01-01", "odd", {"threatmodel.yaml": HOSTILE}, tag="v1")
    commit(repo, "2026-01-02", "odd again", {"threatmodel.yaml": HOSTILE.replace("T3", "T4")})
    for command in ("status", "portfolio"):
        for fmt in ("text", "json", "html"):
            assert main([command, str(repo), "--format", fmt, "--today", TODAY, "-o", str(tmp_path / "out")]) == 0, (command, fmt)
    row = portfolio(capsys, repo)["models"][0]
    # the threat with a list for a status is open and, with no usable rating, unrated; the others are closed
    assert row["open_threats"] == {"critical": 0, "high": 0, "medium": 0, "low": 0, "unrated": 1}
    assert (row["system"], row["stage"], row["review"]["due"], row["expired_acceptances"]) == (None, None, None, [])
    assert row["assumptions"] == {"validated": 0, "disproven": 0, "unvalidated": 2}


def test_today_from_the_environment(repos, capsys, monkeypatch):
    monkeypatch.setenv("THREATLINT_TODAY", "2026-02-01")
    assert main(["portfolio", str(repos["payments"]), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    pay = report["models"][0]
    # on 2026-02-01 the review (due 2026-02-04) is due soon, and T-4's acceptance (to 2026-02-20) still runs
    assert report["today"] == "2026-02-01" and pay["review"]["freshness"] == "due soon" and pay["expired_acceptances"] == []
    assert [c["name"] for c in report["timeline"]][-1] == "2026-02"
