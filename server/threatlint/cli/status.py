"""`threatlint status [PATH]`: the security champion's view of every model in a repository."""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Iterable

from ..settings import ConfigError, expand, load_for
from ..engine import resolve_today
from ..engine.parse import decode, parse_yaml
from ..engine.scope import Scope, is_valid_pattern, patterns_of
from ..status import metrics
from ..status.changes import Freshness, last_changes, model_versions
from ..status.history import Commit, GitError, iter_blobs, read_log, repo_root
from . import UsageError
from ..workspace import is_model_file
from .progress import Progress
from .stdout import write_utf8

HELP = "every model in the repository: last model vs code change, review due, open threats, time to mitigate"
MAX_VERSIONS = 100  # versions parsed per model; each costs a full parse


def add_arguments(p) -> None:
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="repository, or a folder in it (default: .)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date the review due dates compare against (default: $THREATLINT_TODAY or today)")
    p.add_argument("--max-versions", type=int, default=MAX_VERSIONS, metavar="N",
                   help=f"read at most the newest N versions of each model for the metrics (default: {MAX_VERSIONS})")


def read_model(raw: bytes | None) -> tuple[dict, str | None]:
    """A model's data as a mapping, and what is wrong when it cannot be read ({}: status still reports its git dates)."""
    if raw is None:
        return {}, "missing"
    text, error = decode(raw)
    if error is not None:
        return {}, error.message
    doc = parse_yaml(text)
    if not doc.ok:
        f = doc.findings[0]
        return {}, f"line {f.range.start.line + 1}: {f.message}"
    if not isinstance(doc.data, dict):
        return {}, "not a YAML mapping"
    return doc.data, None


def load(raw: bytes | None) -> dict:
    return read_model(raw)[0]


def scope_of(data: dict) -> tuple[Scope, str | None]:
    # Scope leaves out patterns pathspec rejects (TM404 reports them); status still names the first one.
    bad = [p for p in patterns_of(data) if not is_valid_pattern(p)]
    if bad:
        return Scope(()), f"scope.paths has a pattern git cannot use ({bad[0]!r} is not valid gitignore syntax)"
    try:
        return Scope(patterns_of(data)), None
    except Exception as e:  # pathspec rejects some patterns (a lone "!", a trailing backslash)
        return Scope(()), f"scope.paths has a pattern git cannot use ({e})"


def commit_info(c: Commit | None) -> dict | None:
    return None if c is None else {"commit": c.sha, "date": c.date, "subject": c.subject}


def model_status(rel: str, data: dict, fresh: Freshness, versions: Iterable[metrics.Version], today: date,
                 problems: list[str]) -> dict:
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    name = system.get("name")
    return {
        "path": rel,
        "system": name if isinstance(name, str) else None,
        "problems": problems,
        "last_model_change": commit_info(fresh.model_commit),
        "last_code_change": commit_info(fresh.code_commit),
        "stale": fresh.stale,
        "review": metrics.review_state(data, today),
        "open_threats": metrics.open_by_priority(data),
        "metrics": metrics.compute(data, versions).to_dict(),
    }


def collect(path: Path, today: date, max_versions: int, stream=None) -> dict:
    try:
        root = repo_root(path)
    except GitError as e:
        raise UsageError(f"{path}: {e}") from None
    try:
        files, errors = expand([str(path)])
        patterns = load_for(root).model_patterns
    except ConfigError as e:
        raise UsageError(str(e)) from None
    if errors:
        raise UsageError("; ".join(errors))
    root_abs = root.resolve()
    rels = [Path(os.path.relpath(f.resolve(), root_abs)).as_posix() for f in files]
    current, scopes, problems = {}, {}, {}
    for f, rel in zip(files, rels, strict=True):
        try:
            current[rel], problem = read_model(f.read_bytes())
        except OSError as e:
            raise UsageError(f"{f}: cannot read: {e.strerror or e}") from None
        scopes[rel], scope_problem = scope_of(current[rel])
        problems[rel] = [p for p in (problem, scope_problem) if p]
        if not scopes[rel].patterns and not problems[rel]:
            problems[rel].append("no scope.paths: no code is compared with this model")
    try:
        commits = read_log(root)
        fresh = last_changes(commits, scopes, lambda p: is_model_file(p, patterns))
        wanted = {rel: model_versions(commits, rel, max_versions) for rel in rels}
    except GitError as e:
        raise UsageError(str(e)) from None
    # One cat-file process streams every version of every model, model after model.
    blobs = iter_blobs(root, [(c.sha, rel) for rel in rels for c in wanted[rel]])
    progress = Progress(len(rels), "models", stream)
    models = []
    try:
        for rel in rels:
            versions = (metrics.Version(c.sha, date.fromisoformat(c.day), load(raw) or None)
                        for c, (_, raw) in zip(wanted[rel], blobs, strict=False))  # blobs go on to the next model
            models.append(model_status(rel, current[rel], fresh[rel], versions, today, problems[rel]))
            progress.step(rel)
    except GitError as e:
        raise UsageError(str(e)) from None
    finally:
        blobs.close()
        progress.close()
    return {"repository": str(root), "today": today.isoformat(), "commits": len(commits), "models": models}


def short(info: dict | None) -> str:
    if info is None:
        return "never committed"
    return f"{info['date'][:10]}  {info['commit'][:10]}  {info['subject']}"


def text(report: dict) -> str:
    out = []
    for m in report["models"]:
        out.append(f"{m['path']}" + (f" — {m['system']}" if m["system"] else ""))
        out += [f"  problem          {p}" for p in m["problems"]]
        out.append(f"  model changed    {short(m['last_model_change'])}")
        code = "no commit touches its scope" if m["last_code_change"] is None else short(m["last_code_change"])
        out.append(f"  code changed     {code}" + ("   <- STALE: code changed after the model" if m["stale"] else ""))
        r = m["review"]
        if r["due"]:
            out.append(f"  review           last {r['last_reviewed']}, due {r['due']}" + ("  OVERDUE" if r["overdue"] else ""))
        else:
            out.append("  review           no last_reviewed/cadence_days in the model")
        out.append("  open threats     " + ", ".join(f"{k} {v}" for k, v in m["open_threats"].items()))
        mt = m["metrics"]
        if mt["median_days_to_mitigate"] is None:
            out.append("  time to mitigate no threat fully mitigated with an identified date yet")
        else:
            out.append(f"  time to mitigate median {mt['median_days_to_mitigate']:g} days ({mt['measured_threats']} threats)")
        per_month = ", ".join(f"{k}: {v}" for k, v in mt["implemented_per_month"].items()) or "none"
        out.append(f"  implemented/month {per_month}")
        series = mt["residual_risk_over_time"]
        if series:
            out.append(f"  risk over time   ({len(series)} version{'s' if len(series) != 1 else ''}, newest last)")
            for point in series[-10:]:
                open_ = " ".join(f"{k[0].upper()}{v}" for k, v in point["open"].items() if k != "unrated")
                residual = ", ".join(f"{k} {v}" for k, v in point["residual"].items()) or "—"
                out.append(f"    {point['date']}  {point['commit'][:10]}  open {open_}  residual {residual}")
        out.append("")
    n = len(report["models"])
    if not n:
        return "No threat models found (threatmodel.yaml, *.threatmodel.yaml); `threatlint init DIR` writes a starter one."
    stale = sum(1 for m in report["models"] if m["stale"])
    overdue = sum(1 for m in report["models"] if m["review"]["overdue"])
    out.append(f"{n} model{'s' if n != 1 else ''}: {stale} stale, {overdue} overdue for review (today {report['today']}).")
    return "\n".join(out)


def run(args) -> int:
    try:
        today = resolve_today(args.today)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.max_versions < 0:
        raise UsageError("--max-versions must be 0 or more")
    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{args.path}: no such file or directory")
    report = collect(path, today, args.max_versions)
    write_utf8((json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else text(report)) + "\n")
    return 0
