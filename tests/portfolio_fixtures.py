"""Real git repositories with dated commits and release tags, for the status/portfolio tests."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

TODAY = "2026-03-10"

PAY_V1 = """version: 1
system: {name: Payments, owner: team-pay, champion: alice@example.com}
scope: {paths: ["svc/**"]}
review: {last_reviewed: 2026-01-05, cadence_days: 30, stage: operational}
threats:
  - {id: T-1, title: a, stride: spoofing, affects: [], priority: critical, status: open, mitigations: [M-1]}
  - {id: T-2, title: b, stride: spoofing, affects: [], priority: high, status: open, identified: 2026-01-10, mitigations: [M-2]}
  - {id: T-3, title: c, stride: spoofing, affects: [], likelihood: low, impact: {severity: medium}, status: open}
mitigations:
  - {id: M-1, title: x, status: planned}
  - {id: M-2, title: y, status: planned}
assumptions:
  - {id: A-1, text: only the gateway reaches the service}
  - {id: A-2, text: the database is not reachable from the office network}
"""
PAY_V2 = (PAY_V1.replace("priority: critical, status: open", "priority: critical, status: mitigated, residual_risk: low")
          .replace("{id: M-1, title: x, status: planned}", "{id: M-1, title: x, status: implemented}")
          .replace("{id: A-1, text: only the gateway reaches the service}",
                   "{id: A-1, text: only the gateway reaches the service, validated: true, evidence: flow logs 2026-01}"))
PAY_V3 = (PAY_V2.replace("priority: high, status: open", "priority: high, status: mitigated, residual_risk: medium")
          .replace("{id: M-2, title: y, status: planned}", "{id: M-2, title: y, status: implemented}")
          .replace("{id: A-2, text: the database is not reachable from the office network}",
                   "{id: A-2, text: the database is not reachable from the office network, validated: false, "
                   "evidence: 'scan 2026-02: port 5432 open from 10.8.0.0/16'}")
          .replace("mitigations:\n", "  - {id: T-4, title: d, stride: tampering, affects: [], priority: high, status: accepted, "
                   "acceptance: {by: cto, rationale: legacy, expires: 2026-02-20}}\nmitigations:\n", 1))

AUTH_V1 = """version: 1
system: {name: Auth <login>}
scope: {paths: ["src/**"]}
review: {last_reviewed: 2026-03-01, cadence_days: 90}
threats:
  - {id: T-1, title: a, stride: spoofing, affects: [], priority: critical, status: open}
"""
AUTH_V2 = AUTH_V1 + "  - {id: T-2, title: b, stride: spoofing, affects: [], priority: medium, status: open}\n"

DOCS = """version: 1
system: {name: Docs}
scope: {paths: ["site/**"]}
"""


def git(repo: Path, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env).stdout


def commit(repo: Path, date: str, message: str, files: dict, tag: str | None = None) -> str:
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    if tag:
        git(repo, "tag", "-a", "-m", tag, tag, date=date)  # annotated: %D shows it on the commit all the same
    return git(repo, "rev-parse", "HEAD").decode().strip()


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


def make_repos(base: Path) -> dict[str, Path]:
    """payments: v1.0, v1.1 and unreleased work; auth: no release tag (months); docs: release-tags setting."""
    pay = new_repo(base / "payments")
    commit(pay, "2026-01-05", "model", {"svc/threatmodel.yaml": PAY_V1, "svc/app.py": "1\n"})
    commit(pay, "2026-01-20", "M-1 done, A-1 checked", {"svc/threatmodel.yaml": PAY_V2}, tag="v1.0")
    commit(pay, "2026-02-10", "code", {"svc/app.py": "2\n"})
    commit(pay, "2026-02-15", "M-2 done, A-2 disproven, T-4 accepted", {"svc/threatmodel.yaml": PAY_V3}, tag="v1.1")
    commit(pay, "2026-03-01", "code after the release", {"svc/app.py": "3\n"})

    auth = new_repo(base / "auth")
    commit(auth, "2025-12-15", "model", {"threatmodel.yaml": AUTH_V1, "src/a.py": "1\n"}, tag="build-7")
    commit(auth, "2026-02-03", "T-2", {"threatmodel.yaml": AUTH_V2})

    docs = new_repo(base / "docs")
    commit(docs, "2026-01-02", "model", {"threatmodel.yaml": DOCS, "site/x.md": "1\n",
                                          ".threatlint.yaml": "release-tags: ['rel/*']\n"}, tag="rel/2026.1")
    commit(docs, "2026-02-02", "site", {"site/x.md": "2\n"}, tag="v9")
    return {"payments": pay, "auth": auth, "docs": docs}
