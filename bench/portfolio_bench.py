"""Benchmark: `threatlint portfolio` over many generated repositories (target: 200 in under a minute).

    python bench/portfolio_bench.py                    # 200 repositories, 40 commits each
    python bench/portfolio_bench.py --repos 50 --commits 20

Each repository is written by one `git fast-import` (dated commits, a release
tag every fourth commit, two models whose threats get mitigated over time and
code in their scopes), then checked out. The measured run is the real command
line, `threatlint portfolio LIST --format html`, in a child process; git's own
trace counts the `git log` passes. Wall-clock figures depend on the machine's
load: CPU time (user+sys of the child and its git processes) is printed next
to them. The target is reported, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

TARGET_SECONDS = 60.0
THREATS = 15
START = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
PRIORITIES = ("critical", "high", "medium", "low")


def model_text(name: str, version: int) -> str:
    """Version `version` of a model: the first `version` mitigations are implemented, their threats mitigated."""
    lines = ["version: 1", f"system: {{name: {name}, owner: team-{name}, champion: {name}@example.com}}",
             f'scope: {{paths: ["{name}/**"]}}',
             f"review: {{last_reviewed: 2026-0{1 + version % 9}-01, cadence_days: 90, stage: operational}}", "threats:"]
    for i in range(1, THREATS + 1):
        done = i <= version
        status = "mitigated, residual_risk: low" if done else "open"
        lines.append(f"  - {{id: T-{i}, title: Threat {i} against {name}, stride: tampering, affects: [api], "
                     f"priority: {PRIORITIES[i % 4]}, status: {status}, mitigations: [M-{i}]}}")
    lines.append("mitigations:")
    for i in range(1, THREATS + 1):
        lines.append(f"  - {{id: M-{i}, title: Control {i}, status: {'implemented' if i <= version else 'planned'}, "
                     f"ticket: {name.upper()}-{i}}}")
    lines.append("assumptions:")
    for i in range(1, 4):
        state = ", validated: true, evidence: checked" if i <= version // 3 else ""
        lines.append(f"  - {{id: A-{i}, text: Assumption {i} holds{state}}}")
    return "\n".join(lines) + "\n"


def fast_import_stream(commits: int) -> bytes:
    out: list[bytes] = []

    def data(raw: bytes) -> None:
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    versions = {"svc-a": 0, "svc-b": 0}
    for n in range(1, commits + 1):
        when = int((START + timedelta(days=9 * n)).timestamp())
        out.append(b"commit refs/heads/main\nmark :%d\n" % n)
        out.append(b"committer Bench <bench@example.com> %d +0000\n" % when)
        data(f"change {n}".encode())
        if n > 1:
            out.append(b"from :%d\n" % (n - 1))
        if n == 1:  # both models and their code
            files = {f"{svc}/{name}": model_text(svc, 0) if name.endswith(".yaml") else "# revision 1\n"
                     for svc in versions for name in ("threatmodel.yaml", "app.py")}
        elif n % 3 == 0:  # code in both scopes
            files = {f"{svc}/app.py": f"# revision {n}\n" for svc in versions}
        else:  # one model moves on: one more mitigation implemented
            svc = "svc-a" if n % 2 else "svc-b"
            versions[svc] += 1
            files = {f"{svc}/threatmodel.yaml": model_text(svc, versions[svc])}
        for path, text in files.items():
            out.append(f"M 100644 inline {path}\n".encode())
            data(text.encode())
        if n % 4 == 0:
            out.append(b"reset refs/tags/v%d\nfrom :%d\n\n" % (n // 4, n))
    return b"".join(out)


def generate(base: Path, repos: int, commits: int) -> list[Path]:
    stream = fast_import_stream(commits)  # the same history in every repository: generation cost stays flat
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    paths = []
    for i in range(repos):
        repo = base / f"repo-{i:03d}"
        repo.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=stream, check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard"], check=True, env=env)
        paths.append(repo)
    return paths


def run(base: Path, repos: int = 200, commits: int = 40, today: str = "2026-06-01", baseline: int = 20) -> dict:
    t0 = time.perf_counter()
    paths = generate(base / "repos", repos, commits)
    generated = time.perf_counter() - t0
    listing = base / "repos.txt"
    listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    trace = base / "git-trace.log"
    env = {**os.environ, "GIT_TRACE": str(trace), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "threatlint", "portfolio", str(listing), "--format", "json",
                           "--today", today, "-o", str(base / "portfolio.json")], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    html_t0 = time.perf_counter()
    html = subprocess.run([sys.executable, "-m", "threatlint", "portfolio", str(listing), "--format", "html",
                           "--today", today, "-o", str(base / "portfolio.html")], capture_output=True, text=True)
    html_wall = time.perf_counter() - html_t0
    report = json.loads((base / "portfolio.json").read_text(encoding="utf-8")) if proc.returncode == 0 else {}
    # What a steward would run without it: `threatlint status` once per repository (on a sample).
    sample = paths[:baseline]
    loop_t0 = time.perf_counter()
    for p in sample:
        subprocess.run([sys.executable, "-m", "threatlint", "status", str(p), "--format", "json", "--today", today],
                       capture_output=True, check=True)
    loop_wall = time.perf_counter() - loop_t0
    logs = sum(1 for line in trace.read_text(errors="replace").splitlines() if "built-in: git log " in line)
    return {"repositories": len(report.get("repositories", [])), "models": len(report.get("models", [])),
            "commits_each": commits, "exit_code": proc.returncode, "stderr": proc.stderr[-2000:],
            "html_exit_code": html.returncode, "log_passes": logs, "generate_s": round(generated, 2),
            "wall_s": round(wall, 2), "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
            "html_wall_s": round(html_wall, 2), "status_loop_repos": len(sample),
            "status_loop_wall_s": round(loop_wall, 2), "html_bytes": (base / "portfolio.html").stat().st_size if html.returncode == 0 else 0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--commits", type=int, default=40)
    ap.add_argument("--baseline", type=int, default=20,
                    help="repositories `threatlint status` is run on one by one, for comparison (default 20)")
    ap.add_argument("--keep", action="store_true", help="keep the generated repositories (path printed)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tl-portfolio-"))
    try:
        r = run(base, args.repos, args.commits, baseline=args.baseline)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if r["exit_code"] != 0:
        print(r["stderr"], file=sys.stderr)
        return 1
    print(f"portfolio over {r['repositories']} repositories ({r['models']} models, {r['commits_each']} commits each; "
          f"generated in {r['generate_s']} s)")
    print(f"  json: wall {r['wall_s']} s, cpu {r['cpu_s']} s (child + git), {r['log_passes']} git log passes, "
          f"{1000 * r['wall_s'] / max(r['repositories'], 1):.0f} ms per repository")
    print(f"  html: wall {r['html_wall_s']} s, page {r['html_bytes']:,} bytes")
    if r["status_loop_repos"]:
        per_status = r["status_loop_wall_s"] / r["status_loop_repos"]
        per_portfolio = r["wall_s"] / max(r["repositories"], 1)
        print(f"  instead, `threatlint status` per repository: {1000 * per_status:.0f} ms each "
              f"(on {r['status_loop_repos']}); portfolio is {per_status / per_portfolio:.1f}x faster per repository")
    print(f"  target {TARGET_SECONDS:.0f} s for 200 repositories: wall/target = {r['wall_s'] / TARGET_SECONDS:.2f}"
          + ("" if r["repositories"] == 200 else " (not 200 repositories: scale before comparing)"))
    if args.keep:
        print(f"  kept in {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
