"""`threatlint status` on a temporary repository with a scripted, dated history."""
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from threatlint.cli import main
from threatlint.status import history

PAY_V1 = """version: 1
system: {name: Payments}
scope: {paths: ["svc/pay/**", "!svc/pay/tests/**"]}
review: {last_reviewed: 2026-01-01, cadence_days: 30}
threats:
  - {id: T-1, title: a, stride: spoofing, affects: [], likelihood: high, impact: {severity: high}, priority: high, status: open, identified: 2026-01-01, mitigations: [M-1]}
  - {id: T-2, title: b, stride: spoofing, affects: [], likelihood: high, impact: {severity: critical}, priority: critical, status: open, identified: 2026-01-05, mitigations: [M-2, M-3]}
  - {id: T-3, title: c, stride: spoofing, affects: [], likelihood: low, impact: {severity: low}, status: open}
mitigations:
  - {id: M-1, title: x, status: planned}
  - {id: M-2, title: y, status: planned}
  - {id: M-3, title: z, status: planned}
"""
PAY_V2 = (PAY_V1.replace("priority: high, status: open", "priority: high, status: mitigated, residual_risk: low")
          .replace("{id: M-1, title: x, status: planned}", "{id: M-1, title: x, status: implemented}"))
PAY_V3 = (PAY_V2.replace("priority: critical, status: open", "priority: critical, status: mitigated, residual_risk: medium")
          .replace("{id: M-2, title: y, status: planned}", "{id: M-2, title: y, status: implemented, implemented: 2026-02-03}")
          .replace("{id: M-3, title: z, status: planned}", "{id: M-3, title: z, status: rejected}"))
AUTH = """version: 1
system: {name: Auth}
scope: {paths: ["svc/auth/**"]}
review: {last_reviewed: 2025-06-01, cadence_days: 90}
"""


def git(repo: Path, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env).stdout


def commit(repo: Path, date: str, message: str, files: dict):
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").decode().strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    r = tmp_path_factory.mktemp("status") / "repo ü"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    shas = {}
    shas["c1"] = commit(r, "2026-01-01", "initial models", {
        "svc/pay/threatmodel.yaml": PAY_V1, "svc/pay/app.py": "v1\n", "svc/auth/auth.threatmodel.yaml": AUTH,
        "svc/auth/main.py": "v1\n", "other/x.py": "v1\n"})
    shas["c2"] = commit(r, "2026-01-10", "pay code and auth code", {"svc/pay/app.py": "v2\n", "svc/auth/main.py": "v2\n"})
    shas["c3"] = commit(r, "2026-01-20", "M-1 done", {"svc/pay/threatmodel.yaml": PAY_V2})
    shas["c4"] = commit(r, "2026-02-05", "M-2 done, other code", {"svc/pay/threatmodel.yaml": PAY_V3, "other/x.py": "v2\n"})
    shas["c5"] = commit(r, "2026-02-10", "pay tests only", {"svc/pay/tests/test_app.py": "t\n"})
    # a model nobody committed yet, with committed code in its scope
    (r / "svc" / "new").mkdir(parents=True)
    (r / "svc" / "new" / "threatmodel.yaml").write_text('version: 1\nsystem: {name: New}\nscope: {paths: ["svc/pay/app.py"]}\n')
    return r, shas


def status_json(repo_path, capsys, *extra):
    assert main(["status", str(repo_path), "--format", "json", "--today", "2026-02-15", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def by_path(report):
    return {m["path"]: m for m in report["models"]}


def test_last_model_change_vs_last_code_change(repo, capsys):
    r, shas = repo
    report = status_json(r, capsys)
    models = by_path(report)
    assert sorted(models) == ["svc/auth/auth.threatmodel.yaml", "svc/new/threatmodel.yaml", "svc/pay/threatmodel.yaml"]
    pay = models["svc/pay/threatmodel.yaml"]
    assert pay["last_model_change"]["commit"] == shas["c4"] and pay["last_model_change"]["date"].startswith("2026-02-05")
    # c5 only touched a negated path, c4's other/x.py is out of scope, the model itself is not "code"
    assert pay["last_code_change"]["commit"] == shas["c2"] and pay["stale"] is False
    auth = models["svc/auth/auth.threatmodel.yaml"]
    assert (auth["last_model_change"]["commit"], auth["last_code_change"]["commit"], auth["stale"]) == (shas["c1"], shas["c2"], True)
    new = models["svc/new/threatmodel.yaml"]
    assert new["last_model_change"] is None and new["last_code_change"]["commit"] == shas["c2"] and new["stale"] is True


def test_review_and_open_threats(repo, capsys):
    models = by_path(status_json(repo[0], capsys))
    pay, auth = models["svc/pay/threatmodel.yaml"], models["svc/auth/auth.threatmodel.yaml"]
    assert pay["review"] == {"last_reviewed": "2026-01-01", "cadence_days": 30, "due": "2026-01-31", "overdue": True}
    assert auth["review"]["due"] == "2025-08-30" and auth["review"]["overdue"] is True
    assert pay["open_threats"] == {"critical": 0, "high": 0, "medium": 0, "low": 1}  # T-3 rated by the rubric
    assert models["svc/new/threatmodel.yaml"]["review"] == {"last_reviewed": None, "cadence_days": None, "due": None, "overdue": False}


def test_metrics_from_model_versions(repo, capsys):
    r, shas = repo
    m = by_path(status_json(r, capsys))["svc/pay/threatmodel.yaml"]["metrics"]
    # T-1: identified 01-01, M-1 became implemented in c3 (01-20) -> 19 days;
    # T-2: identified 01-05, M-2 implemented: 02-03 (M-3 rejected, ignored) -> 29 days
    assert (m["median_days_to_mitigate"], m["measured_threats"]) == (24.0, 2)
    assert m["implemented_per_month"] == {"2026-01": 1, "2026-02": 1}
    assert m["residual_risk_over_time"] == [
        {"commit": shas["c1"], "date": "2026-01-01", "open": {"critical": 1, "high": 1, "medium": 0, "low": 1}, "residual": {}},
        {"commit": shas["c3"], "date": "2026-01-20", "open": {"critical": 1, "high": 0, "medium": 0, "low": 1}, "residual": {"low": 1}},
        {"commit": shas["c4"], "date": "2026-02-05", "open": {"critical": 0, "high": 0, "medium": 0, "low": 1},
         "residual": {"medium": 1, "low": 1}},
    ]
    bounded = by_path(status_json(r, capsys, "--max-versions", "1"))["svc/pay/threatmodel.yaml"]["metrics"]
    assert [p["commit"] for p in bounded["residual_risk_over_time"]] == [shas["c4"]]
    # with the bound, M-1 dates from the oldest version read (c4), not c3 where it really changed
    assert bounded["implemented_per_month"] == {"2026-02": 2}


def test_one_log_pass_and_one_blob_batch(repo, capsys, monkeypatch):
    calls = []
    real_popen = history.subprocess.Popen

    def spy_popen(cmd, *a, **kw):  # subprocess.run starts its process through Popen too
        calls.append(cmd[3] if cmd[3] != "-c" else cmd[5])  # git -C ROOT [-c k=v] COMMAND
        return real_popen(cmd, *a, **kw)

    monkeypatch.setattr(history.subprocess, "Popen", spy_popen)
    status_json(repo[0], capsys)
    # 3 models, 5 commits, 4 model versions: still one history pass and one blob reader
    assert calls.count("log") == 1 and calls.count("cat-file") == 1, calls
    # check-ignore: finding the models skips those git ignores (respect-gitignore), one call for all of them
    assert set(calls) <= {"rev-parse", "log", "cat-file", "check-ignore"} and calls.count("check-ignore") <= 1, calls


def test_text_output(repo, capsys):
    assert main(["status", str(repo[0]), "--today", "2026-02-15"]) == 0
    out = capsys.readouterr().out
    assert "svc/auth/auth.threatmodel.yaml — Auth" in out
    assert "<- STALE: code changed after the model" in out
    assert "median 24 days (2 threats)" in out
    assert out.rstrip().endswith("3 models: 2 stale, 2 overdue for review (today 2026-02-15).")


def test_not_a_repository_and_empty_repository(tmp_path, capsys):
    (tmp_path / "plain").mkdir()
    assert main(["status", str(tmp_path / "plain")]) == 2
    assert "not a git repository" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    (empty / "threatmodel.yaml").write_text('version: 1\nsystem: {name: E}\nscope: {paths: ["**"]}\n')
    report = status_json(empty, capsys)
    assert report["commits"] == 0 and report["models"][0]["last_model_change"] is None


def test_parse_log_handles_renames_and_odd_names():
    raw = (b"\x1eaaa\x1f2026-01-02T00:00:00+00:00\x1fHEAD -> main, tag: v1.0, tag: rel/2\x1fsubj \x1f with sep\x00"
           b"\nR100\x00old name\x00new\xc3\xbc\x00M\x00a b\x00"
           b"\x1ebbb\x1f2026-01-01T00:00:00+00:00\x1f\x1f\x00\nA\x00x\x00")
    commits = history.parse_log(raw)
    assert [(c.sha, c.subject, c.changes, c.tags) for c in commits] == [
        ("aaa", "subj \x1f with sep", (("D", "old name"), ("A", "newü"), ("M", "a b")), ("v1.0", "rel/2")),
        ("bbb", "", (("A", "x"),), ())]


def _run_status(repo_path, stderr):
    return subprocess.Popen([sys.executable, "-m", "threatlint", "status", str(repo_path), "--today", "2026-02-15"],
                            stdout=subprocess.PIPE, stderr=stderr, env={**os.environ, "TERM": "xterm"})


def test_no_progress_output_when_stderr_is_not_a_terminal(repo):
    p = _run_status(repo[0], subprocess.PIPE)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0 and err == b"" and b"\r" not in out


def test_progress_bar_on_a_terminal(repo):
    master, slave = pty.openpty()
    p = _run_status(repo[0], slave)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = p.stdout.read()
    assert p.wait(timeout=60) == 0
    assert b"\r[" in seen and b"3/3 models" in seen and b"\x1b[K" in seen
    assert b"\r" not in out  # the report itself stays clean


def test_unreadable_models_and_bad_scopes_are_reported_not_fatal(tmp_path, capsys):
    r = tmp_path / "r"
    r.mkdir()
    git(r, "init", "-q")
    commit(r, "2026-01-01", "models", {
        "a/threatmodel.yaml": 'version: 1\nsystem: {name: A}\nscope: {paths: ["a/**", "!"]}\n',
        "b/threatmodel.yaml": "version: 1\nsystem: [unclosed\n",
        "c/threatmodel.yaml": "version: 1\nsystem: {name: C}\n",
        "a/x.py": "x\n"})
    models = by_path(status_json(r, capsys))
    assert "scope.paths has a pattern git cannot use" in models["a/threatmodel.yaml"]["problems"][0]
    assert models["b/threatmodel.yaml"]["problems"][0].startswith("line ")
    assert models["c/threatmodel.yaml"]["problems"] == ["no scope.paths: no code is compared with this model"]
    assert all(m["last_model_change"]["date"].startswith("2026-01-01") for m in models.values())


def test_implementation_date_is_the_transition_that_stands():
    from datetime import date

    from threatlint.status.metrics import Version, compute

    def v(day, status):
        return Version(day, date.fromisoformat(day), {"mitigations": [{"id": "M-1", "status": status}],
                                                      "threats": [{"id": "T", "identified": "2026-01-01", "mitigations": ["M-1"]}]})

    current = v("2026-04-01", "implemented").data
    history_ = [v("2026-01-01", "planned"), v("2026-02-01", "implemented"), v("2026-03-01", "in_progress"),
                v("2026-03-15", "implemented"), v("2026-04-01", "implemented")]
    m = compute(current, iter(history_))
    assert m.implemented_per_month == {"2026-03": 1} and m.median_days_to_mitigate == 73.0
    assert [p["date"] for p in m.residual_over_time] == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-03-15", "2026-04-01"]


def test_configured_rating_scheme_ranks_open_threats(tmp_path, capsys):
    # The configuration's `rating` applies to a model without review.rating (engine.model.rating_of), in status
    # as in check and report: under `severity` a likelihood-low, severity-critical threat is critical, under the
    # default likelihood_severity it is low x critical = 4 -> medium.
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    model = ('version: 1\nsystem: {name: R}\nscope: {paths: ["**"]}\n'
             "threats:\n  - {id: T-1, title: a, stride: spoofing, affects: [x], likelihood: low, "
             "impact: {severity: critical}, status: open}\n")
    commit(r, "2026-01-01", "model", {"threatmodel.yaml": model})
    rated = by_path(status_json(r, capsys))["threatmodel.yaml"]
    assert {k: n for k, n in rated["open_threats"].items() if n} == {"medium": 1}
    commit(r, "2026-01-02", "rate by severity", {".threatlint.yaml": "rating: severity\n"})
    rated = by_path(status_json(r, capsys))["threatmodel.yaml"]
    assert {k: n for k, n in rated["open_threats"].items() if n} == {"critical": 1}
    assert rated["cycles"][-1]["open_score"] == 4
