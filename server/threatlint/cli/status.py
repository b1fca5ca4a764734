"""`threatlint status [PATH]`: the security champion's view of every model in a repository."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ..engine import resolve_today
from ..portfolio.text import cycles_text
from ..status import metrics, releases
from ..status.history import Commit
from ..status.repository import MAX_VERSIONS, ModelHistory, RepositoryError, read_repository
from . import UsageError
from .progress import Progress
from .stdout import write_utf8

HELP = "every model in the repository: last model vs code change, review due, open threats, metrics per release"
CYCLES = 24  # release cycles (or months) shown


def add_arguments(p) -> None:
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="repository, or a folder in it (default: .)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="output format; html is one self-contained page with charts (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date the review due dates compare against (default: $THREATLINT_TODAY or today)")
    p.add_argument("--max-versions", type=int, default=MAX_VERSIONS, metavar="N",
                   help=f"read at most the newest N versions of each model for the metrics (default: {MAX_VERSIONS})")
    add_cycle_arguments(p)


def add_cycle_arguments(p) -> None:
    p.add_argument("--tags", action="append", metavar="GLOB",
                   help="tags that mark a release, e.g. 'v*' (repeatable; default: the release-tags setting, else "
                        f"{' and '.join(repr(t) for t in releases.DEFAULT_RELEASE_TAGS)}); without any, calendar months")
    p.add_argument("--cycles", type=int, default=CYCLES, metavar="N",
                   help=f"show the newest N release cycles (or months) (default: {CYCLES})")


def commit_info(c: Commit | None) -> dict | None:
    return None if c is None else {"commit": c.sha, "date": c.date, "subject": c.subject}


def model_status(m: ModelHistory, today: date, cycles: list[releases.Cycle]) -> dict:
    data, fresh = m.data, m.freshness
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    name = system.get("name")
    return {
        "path": m.path,
        "system": name if isinstance(name, str) else None,
        "problems": m.problems,
        "last_model_change": commit_info(fresh.model_commit),
        "last_code_change": commit_info(fresh.code_commit),
        "stale": fresh.stale,
        "review": metrics.review_state(data, today),
        "open_threats": metrics.open_by_priority(data, m.rating),
        "metrics": metrics.compute(data, m.versions, m.rating).to_dict(),
        "cycles": releases.model_cycles(cycles, m.versions, data, m.rating),
    }


def collect(path: Path, today: date, max_versions: int, stream=None, tags=None, cycle_limit: int = CYCLES) -> dict:
    bar: list[Progress] = []

    def step(rel: str, total: int) -> None:
        if not bar:
            bar.append(Progress(total, "models", stream))
        bar[0].step(rel)

    try:
        repo = read_repository(path, max_versions, on_model=step)
    except RepositoryError as e:
        raise UsageError(str(e)) from None
    finally:
        if bar:
            bar[0].close()
    return status_of(repo, today, tags, cycle_limit)


def status_of(repo, today: date, tags=None, cycle_limit: int = CYCLES) -> dict:
    """The status report of one repository read by read_repository."""
    kind, cycles = releases.cycles_of(repo.commits, tuple(tags) if tags else repo.release_tags, cycle_limit)
    models = [model_status(m, today, cycles) for m in repo.models]
    return {"repository": str(repo.root), "today": today.isoformat(), "commits": len(repo.commits),
            "cycle_kind": kind, "release_tags": list(tags) if tags else list(repo.release_tags),
            "cycles": releases.add_up([m["cycles"] for m in models]) if models else releases.no_models(cycles),
            "models": models}


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
    out += cycles_text(report["cycle_kind"], report["release_tags"], report["cycles"])
    stale = sum(1 for m in report["models"] if m["stale"])
    overdue = sum(1 for m in report["models"] if m["review"]["overdue"])
    out.append(f"{n} model{'s' if n != 1 else ''}: {stale} stale, {overdue} overdue for review (today {report['today']}).")
    return "\n".join(out)


def write_output(rendered: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(rendered, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"{output}: cannot write: {e.strerror or e}") from None
    else:
        write_utf8(rendered)


def check_cycle_arguments(args) -> None:
    if args.cycles < 1:
        raise UsageError("--cycles must be 1 or more")
    for t in args.tags or ():
        if not t.strip():
            raise UsageError("--tags needs a glob such as 'v*'")


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
    check_cycle_arguments(args)
    report = collect(path, today, args.max_versions, tags=args.tags, cycle_limit=args.cycles)
    if args.format == "html":
        from ..portfolio.page import status_page

        rendered = status_page(report)
    else:
        rendered = (json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else text(report)) + "\n"
    write_output(rendered, args.output)
    return 0
